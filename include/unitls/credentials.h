/* Certificates, private keys, trust stores and signing chains (PEP 748's Certificate,
 * PrivateKey, TrustStore, SigningChain), and certificate revocation lists (added to PEP 748).
 *
 * These objects only say where material comes from: a caller's buffer (copied), a file path,
 * or an implementation-defined id. They do not parse what they hold. A file is read when a
 * configuration that uses it is built: the configuration keeps that snapshot (content and its
 * SHA-256 digest), so a file replaced in place makes an unequal configuration on the next
 * build. All objects are immutable and reference counted (atomic); _unref frees at zero. Key
 * material is wiped when freed.
 *
 * What an id means depends on the implementation that builds a context from it (each says so
 * in unitls_implementation_description, and refuses an id it cannot load when the
 * configuration is validated or a context built):
 *   openssl  an OSSL_STORE URI: "file:/path" always; "pkcs11:..." and other schemes where the
 *            OpenSSL configuration loads a provider or engine that registers them.
 *   gnutls   a PKCS#11 URI ("pkcs11:token=...;object=..."), through GnuTLS's p11-kit support;
 *            a trust store id may also name a PKCS#11 token holding CA certificates.
 * Neither prompts: a PIN, when one is needed, is part of the URI ("?pin-value=...") or of the
 * module's configuration, and messages never show an id's bytes after '?'. */
#ifndef UNITLS_CREDENTIALS_H
#define UNITLS_CREDENTIALS_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

typedef struct unitls_certificate unitls_certificate;
typedef struct unitls_private_key unitls_private_key;
typedef struct unitls_trust_store unitls_trust_store;
typedef struct unitls_signing_chain unitls_signing_chain;
typedef struct unitls_crl unitls_crl;

/* Where an object's material comes from. As a bit mask, also what an implementation accepts. */
enum unitls_source {
    UNITLS_SOURCE_BUFFER = 1 << 0,
    UNITLS_SOURCE_FILE = 1 << 1,
    UNITLS_SOURCE_ID = 1 << 2,
    UNITLS_SOURCE_SYSTEM = 1 << 3 /* trust stores only */
};

#define UNITLS_DIGEST_SIZE 32 /* SHA-256 */

/* --- certificates (PEM or DER; a PEM buffer may hold several certificates) --- */

/* Copies len bytes. An empty buffer is UNITLS_ERR_CONFIGURATION. */
UNITLS_API unitls_certificate *unitls_certificate_from_buffer(const void *data, size_t len,
                                                              unitls_error *err);
/* Keeps the path; the file is read when a configuration using it is built. An empty path is
 * UNITLS_ERR_CONFIGURATION. */
UNITLS_API unitls_certificate *unitls_certificate_from_file(const char *path, unitls_error *err);
/* An implementation-defined identifier (a URI such as pkcs11:...; unitls_implementation_description
 * says which forms an implementation resolves). */
UNITLS_API unitls_certificate *unitls_certificate_from_id(const void *id, size_t len,
                                                          unitls_error *err);
UNITLS_API unitls_certificate *unitls_certificate_ref(unitls_certificate *c);
UNITLS_API void unitls_certificate_unref(unitls_certificate *c);

UNITLS_API enum unitls_source unitls_certificate_source(const unitls_certificate *c);
/* The path for UNITLS_SOURCE_FILE, else NULL. */
UNITLS_API const char *unitls_certificate_path(const unitls_certificate *c);
/* The id bytes for UNITLS_SOURCE_ID, else NULL. */
UNITLS_API const uint8_t *unitls_certificate_id(const unitls_certificate *c, size_t *len);
/* The material: the buffer, or the file content as read when the configuration holding this
 * object was built. NULL (and *len = 0) for an id, or a file object not yet loaded. */
UNITLS_API const uint8_t *unitls_certificate_content(const unitls_certificate *c, size_t *len);
/* 1 and the SHA-256 of the content in digest[32] when content is held, else 0. */
UNITLS_API int unitls_certificate_digest(const unitls_certificate *c,
                                         uint8_t digest[UNITLS_DIGEST_SIZE]);
/* Content equality: same source kind, same path or id, same content digest. NULL equals NULL. */
UNITLS_API int unitls_certificate_equal(const unitls_certificate *a, const unitls_certificate *b);

/* --- private keys (PEM or DER) --- */

UNITLS_API unitls_private_key *unitls_private_key_from_buffer(const void *data, size_t len,
                                                              unitls_error *err);
UNITLS_API unitls_private_key *unitls_private_key_from_file(const char *path, unitls_error *err);
UNITLS_API unitls_private_key *unitls_private_key_from_id(const void *id, size_t len,
                                                          unitls_error *err);
UNITLS_API unitls_private_key *unitls_private_key_ref(unitls_private_key *k);
UNITLS_API void unitls_private_key_unref(unitls_private_key *k);
UNITLS_API enum unitls_source unitls_private_key_source(const unitls_private_key *k);
UNITLS_API const char *unitls_private_key_path(const unitls_private_key *k);
UNITLS_API const uint8_t *unitls_private_key_id(const unitls_private_key *k, size_t *len);
UNITLS_API int unitls_private_key_equal(const unitls_private_key *a, const unitls_private_key *b);
/* Key content is deliberately not exposed in the public API; implementations reach it through
 * the library's internal interface. */

/* --- trust stores --- */

/* The system's default trust database. All system trust stores compare equal. */
UNITLS_API unitls_trust_store *unitls_trust_store_system(void);
/* PEM certificates in a buffer (copied). Empty is UNITLS_ERR_CONFIGURATION. */
UNITLS_API unitls_trust_store *unitls_trust_store_from_buffer(const void *data, size_t len,
                                                              unitls_error *err);
UNITLS_API unitls_trust_store *unitls_trust_store_from_file(const char *path, unitls_error *err);
UNITLS_API unitls_trust_store *unitls_trust_store_from_id(const void *id, size_t len,
                                                          unitls_error *err);
UNITLS_API unitls_trust_store *unitls_trust_store_ref(unitls_trust_store *t);
UNITLS_API void unitls_trust_store_unref(unitls_trust_store *t);
UNITLS_API enum unitls_source unitls_trust_store_source(const unitls_trust_store *t);
UNITLS_API const char *unitls_trust_store_path(const unitls_trust_store *t);
UNITLS_API const uint8_t *unitls_trust_store_id(const unitls_trust_store *t, size_t *len);
UNITLS_API const uint8_t *unitls_trust_store_content(const unitls_trust_store *t, size_t *len);
UNITLS_API int unitls_trust_store_equal(const unitls_trust_store *a, const unitls_trust_store *b);

/* --- certificate revocation lists (added to PEP 748) --- */

/* One or more CRLs, PEM or DER (a PEM buffer or file may hold several), that a server checks
 * client certificates against (unitls_server_config_builder_set_client_crl). Like a trust
 * store, a file is read when the configuration is built, so a CRL replaced in place makes an
 * unequal configuration on the next build. The content is parsed by the implementation when
 * it builds a context: unparsable content, or a CRL not issued by a CA in the client trust
 * store, is UNITLS_ERR_CONFIGURATION naming the file. Empty buffer or path:
 * UNITLS_ERR_CONFIGURATION. */
UNITLS_API unitls_crl *unitls_crl_from_buffer(const void *data, size_t len, unitls_error *err);
UNITLS_API unitls_crl *unitls_crl_from_file(const char *path, unitls_error *err);
UNITLS_API unitls_crl *unitls_crl_ref(unitls_crl *c);
UNITLS_API void unitls_crl_unref(unitls_crl *c);
UNITLS_API enum unitls_source unitls_crl_source(const unitls_crl *c);
UNITLS_API const char *unitls_crl_path(const unitls_crl *c);
/* The buffer, or the file content as read when the configuration holding it was built. */
UNITLS_API const uint8_t *unitls_crl_content(const unitls_crl *c, size_t *len);
UNITLS_API int unitls_crl_equal(const unitls_crl *a, const unitls_crl *b);

/* --- signing chains --- */

/* A leaf certificate, its key (NULL when the key travels inside the leaf's own material, e.g. a
 * PEM file holding both, or an id naming both), and the intermediates in order (n_chain may be
 * 0). Takes its own references; the caller keeps theirs. NULL leaf is UNITLS_ERR_INVALID. */
UNITLS_API unitls_signing_chain *unitls_signing_chain_new(unitls_certificate *leaf,
                                                          unitls_private_key *leaf_key,
                                                          unitls_certificate *const *chain,
                                                          size_t n_chain, unitls_error *err);
UNITLS_API unitls_signing_chain *unitls_signing_chain_ref(unitls_signing_chain *s);
UNITLS_API void unitls_signing_chain_unref(unitls_signing_chain *s);
UNITLS_API unitls_certificate *unitls_signing_chain_leaf(const unitls_signing_chain *s);
/* NULL when the chain has no separate key. */
UNITLS_API unitls_private_key *unitls_signing_chain_key(const unitls_signing_chain *s);
UNITLS_API size_t unitls_signing_chain_length(const unitls_signing_chain *s); /* intermediates */
UNITLS_API unitls_certificate *unitls_signing_chain_intermediate(const unitls_signing_chain *s,
                                                                 size_t i);
UNITLS_API int unitls_signing_chain_equal(const unitls_signing_chain *a,
                                          const unitls_signing_chain *b);
/* A 64-bit hash of the chain's content (equal chains hash equal); 0 for NULL. */
UNITLS_API uint64_t unitls_signing_chain_hash(const unitls_signing_chain *s);

UNITLS_END_DECLS

#endif
