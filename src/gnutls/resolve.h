/* resolve: the library's credentials (certificates, keys, trust stores, signing chains) turned
 * into GnuTLS objects, once, when a context is built or a configuration validated.
 *
 * Material is the snapshot the configuration took (buffer or file content), PEM (any number of
 * certificates, and for a leaf possibly its key) or DER; ids are PKCS#11 URIs ("pkcs11:...")
 * loaded through GnuTLS's URL support, no PIN prompt (a PIN must be in the URI). Encrypted keys
 * are refused rather than prompted for. Messages use core/cfgmsg.h's wording, with GnuTLS's
 * reason appended; impl_code is GnuTLS's error code.
 *
 * A resolved chain is immutable and reference-counted, so a derived context (a reload) shares
 * the chains whose content did not change with the context it replaces, and any thread may
 * read it. */
#ifndef UNITLS_GNUTLS_RESOLVE_H
#define UNITLS_GNUTLS_RESOLVE_H

#include <stdint.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <unitls/unitls.h>

#include "core/sni_table.h"
#include "leafnames.h"

struct gtls_chain;

/* Resolves a signing chain: the leaf, the intermediates (those following the leaf in its own
 * material, then those of the signing chain), the private key (the chain's, or else the one in
 * the leaf's own material, or under the leaf's own PKCS#11 URI). UNITLS_ERR_CONFIGURATION when
 * something cannot be read or the key does not match the leaf (cfgmsg_key_mismatch, impl_code
 * GNUTLS_E_CERTIFICATE_KEY_MISMATCH); UNITLS_ERR_NOMEM; UNITLS_ERR_INVALID for NULL s or out.
 * *out untouched on failure; on success it holds the one reference. */
unitls_status gtls_chain_resolve(const unitls_signing_chain *s, struct gtls_chain **out,
                                 unitls_error *err);
/* The certificates of a signing chain without its key (for OCSP): the leaf first, then those
 * following it in its material, then the chain's intermediates. The caller deinits each and
 * frees *certs. Untouched on failure. */
unitls_status gtls_chain_certificates(const unitls_signing_chain *s, gnutls_x509_crt_t **certs,
                                     unsigned *n, unitls_error *err);
/* Another reference to c. */
struct gtls_chain *gtls_chain_ref(struct gtls_chain *c);
/* Drops one reference; the last frees it. c may be NULL. */
void gtls_chain_unref(struct gtls_chain *c);

/* The certificates to send, leaf first, as GnuTLS wants them for a certificate retrieve
 * callback (borrowed, valid as long as c; GnuTLS must not free them); *n their number. */
gnutls_pcert_st *gtls_chain_pcerts(const struct gtls_chain *c, unsigned *n);
/* The private key (borrowed). */
gnutls_privkey_t gtls_chain_key(const struct gtls_chain *c);
/* The key's algorithm (GNUTLS_PK_RSA, GNUTLS_PK_ECDSA, ...) and its SNI key type. */
gnutls_pk_algorithm_t gtls_chain_pk(const struct gtls_chain *c);
enum sni_key_type gtls_chain_key_type(const struct gtls_chain *c);
/* gtls_chain_add_names (the leaf's server names) lives in leafnames.h. */

/* Makes cred trust t's certificates: t NULL or a system store means the system's trust
 * (gnutls_certificate_set_x509_system_trust; a system without CAs is no error, as with
 * OpenSSL's default paths); a buffer or file its PEM or DER certificates; an id a PKCS#11 URI.
 * UNITLS_ERR_CONFIGURATION naming the store when it cannot be read or holds no certificate. */
unitls_status gtls_trust_apply(gnutls_certificate_credentials_t cred,
                               const unitls_trust_store *t, unitls_error *err);
/* Adds crl's CRLs (PEM or DER, one or more) to cred's trust list, after gtls_trust_apply:
 * GnuTLS's verification then refuses a certificate they list (GNUTLS_CERT_REVOKED; the leaf
 * and any intermediate the client sends). UNITLS_ERR_CONFIGURATION naming the CRL when it
 * cannot be read, is past its nextUpdate or is not signed by a trusted CA. */
unitls_status gtls_crl_apply(gnutls_certificate_credentials_t cred, const unitls_crl *crl,
                             unitls_error *err);

#endif
