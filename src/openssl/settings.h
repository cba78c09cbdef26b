/* settings: what client and server SSL_CTXs share, applied once when a context is built.
 *
 * Secure defaults: TLS 1.2 and 1.3 only (MINIMUM_SUPPORTED means TLS 1.2 here: the PEP's
 * versions start there), the cipher suites of unitls_cipher_suite_defaults(), groups X25519,
 * P-256, P-384 unless the configuration names its own (by IANA id), no renegotiation, no
 * compression, OpenSSL's buffers released while idle.
 * Servers choose by their own cipher preference.
 *
 * Legacy peers (insecure.h): a lowest version of TLS 1.0 or 1.1 becomes the minimum protocol
 * version; the lowered security level is OpenSSL's level 0 (on OpenSSL 3, level 1 already
 * refuses the SHA-1 signatures of TLS 1.0 and 1.1) and adds the CBC suites to the defaults. */
#ifndef UNITLS_OPENSSL_SETTINGS_H
#define UNITLS_OPENSSL_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <unitls/unitls.h>

struct settings {
    const uint16_t *ciphers; /* IANA ids in preference order; NULL: the defaults */
    size_t n_ciphers;
    enum unitls_tls_version lowest, highest;
    int server;
    int security_lowered;    /* insecure.h: security level 0 and the legacy CBC suites */
    const uint16_t *groups;  /* IANA group ids in preference order; NULL: the defaults */
    size_t n_groups;
};

/* Applies options, modes, version bounds, groups and cipher suites to ctx. A configured cipher
 * or group OpenSSL does not know or cannot use, or bounds that leave no suite to negotiate, give
 * UNITLS_ERR_CONFIGURATION naming it. */
unitls_status settings_apply(SSL_CTX *ctx, const struct settings *s, unitls_error *err);

#endif
