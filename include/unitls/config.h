/* Client and server configurations (PEP 748's TLSClientConfiguration and
 * TLSServerConfiguration), made by builders.
 *
 * A builder collects fields; _build validates them, reads every referenced file once (keeping
 * content and digest), and returns an immutable, reference-counted configuration. Setters
 * return a status at once and also remember the first error, so a chain of setters can be
 * checked once at _build. Configurations compare by content (files included): equal
 * configurations hash equal and can key a map. A builder belongs to one thread; a built
 * configuration may be shared by any number.
 *
 * Unset fields mean the secure defaults: TLS 1.2 to the highest supported version, the AEAD
 * suites with forward secrecy of unitls_cipher_suite_defaults(), the system trust store and
 * peer verification with hostname check on clients. */
#ifndef UNITLS_CONFIG_H
#define UNITLS_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/credentials.h>
#include <unitls/export.h>
#include <unitls/status.h>
#include <unitls/versions.h>

UNITLS_BEGIN_DECLS

#define UNITLS_PROTOCOL_NAME_MAX 255

typedef struct unitls_client_config_builder unitls_client_config_builder;
typedef struct unitls_client_config unitls_client_config;
typedef struct unitls_server_config_builder unitls_server_config_builder;
typedef struct unitls_server_config unitls_server_config;

/* Client authentication on a server (an addition to the PEP's server configuration). */
enum unitls_client_auth {
    UNITLS_CLIENT_AUTH_NONE = 0,     /* default: no certificate is requested */
    UNITLS_CLIENT_AUTH_OPTIONAL,     /* requested; verified when sent; absence is allowed */
    UNITLS_CLIENT_AUTH_REQUIRED      /* a verified client certificate is required */
};

/* --- client --- */

UNITLS_API unitls_client_config_builder *unitls_client_config_builder_new(void);
UNITLS_API void unitls_client_config_builder_free(unitls_client_config_builder *b);
/* The client's own chain for client authentication; NULL clears it. */
UNITLS_API unitls_status unitls_client_config_builder_set_certificate_chain(
    unitls_client_config_builder *b, unitls_signing_chain *chain);
/* Cipher suites by IANA id, in preference order; n == 0 is UNITLS_ERR_CONFIGURATION. */
UNITLS_API unitls_status unitls_client_config_builder_set_ciphers(unitls_client_config_builder *b,
                                                                 const uint16_t *ids, size_t n);
/* Key-exchange groups by IANA id (groups.h), in preference order; unset means X25519, P-256,
 * P-384. An empty list or an id groups.h does not know is UNITLS_ERR_CONFIGURATION naming it;
 * a group the implementation cannot use fails validation naming it. */
UNITLS_API unitls_status unitls_client_config_builder_set_groups(unitls_client_config_builder *b,
                                                                const uint16_t *ids, size_t n);
/* Appends an ALPN protocol (1 to 255 bytes, else UNITLS_ERR_CONFIGURATION). */
UNITLS_API unitls_status unitls_client_config_builder_add_inner_protocol(
    unitls_client_config_builder *b, const void *bytes, size_t len);
UNITLS_API unitls_status unitls_client_config_builder_set_lowest_supported_version(
    unitls_client_config_builder *b, enum unitls_tls_version v);
UNITLS_API unitls_status unitls_client_config_builder_set_highest_supported_version(
    unitls_client_config_builder *b, enum unitls_tls_version v);
/* The trust store that verifies servers; NULL means the system store. */
UNITLS_API unitls_status unitls_client_config_builder_set_trust_store(
    unitls_client_config_builder *b, unitls_trust_store *store);
/* Whether a client context remembers sessions per server name to resume them (default: 1). */
UNITLS_API unitls_status unitls_client_config_builder_set_session_resumption(
    unitls_client_config_builder *b, int enabled);
/* Validates, loads files and builds. The builder stays usable (it can build again). */
UNITLS_API unitls_client_config *unitls_client_config_builder_build(
    const unitls_client_config_builder *b, unitls_error *err);

UNITLS_API unitls_client_config *unitls_client_config_ref(unitls_client_config *c);
UNITLS_API void unitls_client_config_unref(unitls_client_config *c);
/* Getters: borrowed pointers valid while the configuration lives. */
UNITLS_API unitls_signing_chain *unitls_client_config_certificate_chain(
    const unitls_client_config *c);
/* NULL (and *n = 0) when unset: the defaults apply. */
UNITLS_API const uint16_t *unitls_client_config_ciphers(const unitls_client_config *c, size_t *n);
/* NULL (and *n = 0) when unset: the default groups apply. */
UNITLS_API const uint16_t *unitls_client_config_groups(const unitls_client_config *c, size_t *n);
UNITLS_API size_t unitls_client_config_n_inner_protocols(const unitls_client_config *c);
UNITLS_API const uint8_t *unitls_client_config_inner_protocol(const unitls_client_config *c,
                                                              size_t i, size_t *len);
UNITLS_API enum unitls_tls_version unitls_client_config_lowest_supported_version(
    const unitls_client_config *c);
UNITLS_API enum unitls_tls_version unitls_client_config_highest_supported_version(
    const unitls_client_config *c);
/* NULL when unset (system store). */
UNITLS_API unitls_trust_store *unitls_client_config_trust_store(const unitls_client_config *c);
UNITLS_API int unitls_client_config_session_resumption(const unitls_client_config *c);
UNITLS_API int unitls_client_config_verification_disabled(const unitls_client_config *c);
UNITLS_API int unitls_client_config_hostname_check_disabled(const unitls_client_config *c);
/* 1 when the configuration was built from a builder insecure.h made or touched: verification
 * or the hostname check off, legacy versions or the lowered security level allowed, or nothing
 * turned off at all (see insecure.h). */
UNITLS_API int unitls_client_config_is_insecure(const unitls_client_config *c);
UNITLS_API int unitls_client_config_equal(const unitls_client_config *a,
                                          const unitls_client_config *b);
UNITLS_API uint64_t unitls_client_config_hash(const unitls_client_config *c);

/* --- server --- */

UNITLS_API unitls_server_config_builder *unitls_server_config_builder_new(void);
UNITLS_API void unitls_server_config_builder_free(unitls_server_config_builder *b);
/* Appends a signing chain. The first is the default; SNI selects among them. */
UNITLS_API unitls_status unitls_server_config_builder_add_certificate_chain(
    unitls_server_config_builder *b, unitls_signing_chain *chain);
UNITLS_API unitls_status unitls_server_config_builder_set_ciphers(unitls_server_config_builder *b,
                                                                 const uint16_t *ids, size_t n);
/* As for clients: groups by IANA id in preference order; unset means X25519, P-256, P-384. */
UNITLS_API unitls_status unitls_server_config_builder_set_groups(unitls_server_config_builder *b,
                                                                const uint16_t *ids, size_t n);
/* Early data (TLS 1.3 0-RTT) accepted per connection, in bytes; 0 (the default) refuses it.
 * Replayable early data is not offered yet: both implementations refuse a non-zero value at
 * validation (UNITLS_ERR_CONFIGURATION, "... does not support early data yet"). */
UNITLS_API unitls_status unitls_server_config_builder_set_max_early_data(
    unitls_server_config_builder *b, uint32_t n);
/* ALPN protocols in server preference order. */
UNITLS_API unitls_status unitls_server_config_builder_add_inner_protocol(
    unitls_server_config_builder *b, const void *bytes, size_t len);
UNITLS_API unitls_status unitls_server_config_builder_set_lowest_supported_version(
    unitls_server_config_builder *b, enum unitls_tls_version v);
UNITLS_API unitls_status unitls_server_config_builder_set_highest_supported_version(
    unitls_server_config_builder *b, enum unitls_tls_version v);
/* The trust store that verifies client certificates (client authentication). */
UNITLS_API unitls_status unitls_server_config_builder_set_trust_store(
    unitls_server_config_builder *b, unitls_trust_store *store);
UNITLS_API unitls_status unitls_server_config_builder_set_client_auth(
    unitls_server_config_builder *b, enum unitls_client_auth mode);
/* Added to PEP 748: CRLs that client certificates are checked against when client
 * authentication runs (NULL, the default: no revocation check). The builder takes its own
 * reference; a file is snapshotted by _build, so the CRL is part of equality and hash. A
 * client certificate listed as revoked fails the handshake with UNITLS_ERR_CERTIFICATE and
 * the certificate_revoked alert. Every certificate of the client's chain is checked against
 * the CRL of its issuer; one whose issuer has no CRL here is not refused for that. */
UNITLS_API unitls_status unitls_server_config_builder_set_client_crl(
    unitls_server_config_builder *b, unitls_crl *crl);
/* Session tickets issued per full handshake (0 disables tickets; default 1; at most 8). */
UNITLS_API unitls_status unitls_server_config_builder_set_session_tickets(
    unitls_server_config_builder *b, unsigned n);
/* Strict SNI (default off): nonzero refuses, with an unrecognized_name alert, a ClientHello
 * that sends no server name, a malformed one, or one no chain covers; off serves those the
 * default chain. A malformed name is never matched against the chains either way. */
UNITLS_API unitls_status unitls_server_config_builder_set_strict_sni(
    unitls_server_config_builder *b, int strict);
/* Fails with UNITLS_ERR_CONFIGURATION when no chain was added. */
UNITLS_API unitls_server_config *unitls_server_config_builder_build(
    const unitls_server_config_builder *b, unitls_error *err);

UNITLS_API unitls_server_config *unitls_server_config_ref(unitls_server_config *c);
UNITLS_API void unitls_server_config_unref(unitls_server_config *c);
UNITLS_API size_t unitls_server_config_n_certificate_chains(const unitls_server_config *c);
UNITLS_API unitls_signing_chain *unitls_server_config_certificate_chain(
    const unitls_server_config *c, size_t i);
UNITLS_API const uint16_t *unitls_server_config_ciphers(const unitls_server_config *c, size_t *n);
UNITLS_API const uint16_t *unitls_server_config_groups(const unitls_server_config *c, size_t *n);
UNITLS_API uint32_t unitls_server_config_max_early_data(const unitls_server_config *c);
UNITLS_API size_t unitls_server_config_n_inner_protocols(const unitls_server_config *c);
UNITLS_API const uint8_t *unitls_server_config_inner_protocol(const unitls_server_config *c,
                                                              size_t i, size_t *len);
UNITLS_API enum unitls_tls_version unitls_server_config_lowest_supported_version(
    const unitls_server_config *c);
UNITLS_API enum unitls_tls_version unitls_server_config_highest_supported_version(
    const unitls_server_config *c);
UNITLS_API unitls_trust_store *unitls_server_config_trust_store(const unitls_server_config *c);
UNITLS_API enum unitls_client_auth unitls_server_config_client_auth(const unitls_server_config *c);
UNITLS_API unitls_crl *unitls_server_config_client_crl(const unitls_server_config *c);
UNITLS_API unsigned unitls_server_config_session_tickets(const unitls_server_config *c);
UNITLS_API int unitls_server_config_strict_sni(const unitls_server_config *c);
UNITLS_API int unitls_server_config_equal(const unitls_server_config *a,
                                          const unitls_server_config *b);
UNITLS_API uint64_t unitls_server_config_hash(const unitls_server_config *c);

UNITLS_END_DECLS

#endif
