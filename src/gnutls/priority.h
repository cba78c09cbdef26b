/* priority: the GnuTLS priority cache of a context, built once from the configuration's cipher
 * suites (IANA ids) and version bounds, shared read-only by every session of the context.
 *
 * Secure defaults as in the OpenSSL implementation: TLS 1.2 and 1.3 only (MINIMUM_SUPPORTED
 * means TLS 1.2), the suites of unitls_cipher_suite_defaults() (those GnuTLS lacks are skipped),
 * groups X25519, P-256, P-384 unless the configuration names its own (+GROUP-<IANA name>, each
 * checked against gnutls_group_list()), no compression, no renegotiation (GnuTLS never starts
 * one; a peer's request is refused by the buffer), signatures without SHA-1. Servers choose by their
 * own suite order (%SERVER_PRECEDENCE).
 *
 * How GnuTLS's model differs from a list of suites: GnuTLS enables suites as the product of
 * the enabled ciphers, MACs and key exchanges (TLS 1.3 suites by cipher alone). Each configured
 * id enables its cipher, MAC and key exchange, so a configuration naming suites that combine
 * unevenly enables their siblings too: {ECDHE_ECDSA_AES_128_GCM, ECDHE_RSA_AES_256_GCM} also
 * enables ECDHE_RSA_AES_128_GCM and ECDHE_ECDSA_AES_256_GCM, and TLS_AES_128_CCM_8_SHA256 with
 * any ECDHE_ECDSA suite enables ECDHE_ECDSA_AES_128_CCM_8. Preference follows GnuTLS's order
 * (by cipher, then MAC, then key exchange, in the order first named), not exactly the
 * configured order. Every configured suite is checked to be in the result, so nothing asked for
 * is silently missing; the extra siblings are the only difference.
 *
 * Legacy peers (insecure.h): a lowest version of TLS 1.0 or 1.1 adds +VERS-TLS1.1 (and
 * +VERS-TLS1.0); the lowered security level adds the legacy CBC suites to the defaults (their
 * AES-CBC ciphers, SHA1 MAC and RSA key exchange), allows SHA-1 signatures
 * (%VERIFY_ALLOW_SIGN_WITH_SHA1) and the weak verification profile (%PROFILE_VERY_WEAK: RSA
 * keys of 1024 bits). */
#ifndef UNITLS_GNUTLS_PRIORITY_H
#define UNITLS_GNUTLS_PRIORITY_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>
#include <unitls/unitls.h>

struct gtls_settings {
    const uint16_t *ciphers; /* IANA ids in preference order; NULL: the defaults */
    size_t n_ciphers;
    enum unitls_tls_version lowest, highest;
    int server;
    int security_lowered;    /* insecure.h: SHA-1, weak keys and the legacy CBC suites */
    const uint16_t *groups;  /* IANA group ids in preference order; NULL: the defaults */
    size_t n_groups;
};

/* One suite the priority enables: its IANA id and what GnuTLS negotiates for it. */
struct gtls_suite {
    uint16_t id;
    uint8_t tls13;
    gnutls_kx_algorithm_t kx; /* GNUTLS_KX_UNKNOWN for TLS 1.3 suites */
    gnutls_cipher_algorithm_t cipher;
    gnutls_mac_algorithm_t mac;
};

#define GTLS_MAX_SUITES 64

struct gtls_priority {
    gnutls_priority_t cache;
    size_t n_suites;
    struct gtls_suite suites[GTLS_MAX_SUITES]; /* the enabled suites, GnuTLS's order */
};

/* Builds p from s. A configured suite GnuTLS does not know or cannot enable, or bounds that
 * leave no suite, give UNITLS_ERR_CONFIGURATION (core/cfgmsg.h and core/tls_params.h wording);
 * p is untouched on failure. */
unitls_status gtls_priority_build(const struct gtls_settings *s, struct gtls_priority *p,
                                  unitls_error *err);
void gtls_priority_clear(struct gtls_priority *p);

/* The enabled suite with this IANA id, or NULL. */
const struct gtls_suite *gtls_priority_find(const struct gtls_priority *p, uint16_t id);
/* The IANA id of the suite a completed handshake negotiated; 0 when unknown. */
uint16_t gtls_priority_negotiated(const struct gtls_priority *p, gnutls_session_t session);

#endif
