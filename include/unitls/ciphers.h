/* Cipher suites by IANA id (PEP 748's CipherSuite). Everywhere a suite is taken or returned
 * it is a uint16_t, so ids outside this enum pass through unchanged. */
#ifndef UNITLS_CIPHERS_H
#define UNITLS_CIPHERS_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

enum unitls_cipher_suite {
    UNITLS_TLS_AES_128_GCM_SHA256 = 0x1301,
    UNITLS_TLS_AES_256_GCM_SHA384 = 0x1302,
    UNITLS_TLS_CHACHA20_POLY1305_SHA256 = 0x1303,
    UNITLS_TLS_AES_128_CCM_SHA256 = 0x1304,
    UNITLS_TLS_AES_128_CCM_8_SHA256 = 0x1305,
    UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 = 0xC02B,
    UNITLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 = 0xC02C,
    UNITLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 = 0xC02F,
    UNITLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 = 0xC030,
    UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM = 0xC0AC,
    UNITLS_TLS_ECDHE_ECDSA_WITH_AES_256_CCM = 0xC0AD,
    UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 = 0xC0AE,
    UNITLS_TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8 = 0xC0AF,
    UNITLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA8,
    UNITLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 = 0xCCA9
};

/* The IANA name without the UNITLS_ prefix ("TLS_AES_128_GCM_SHA256"), or NULL for an id
 * this library does not name. */
UNITLS_API const char *unitls_cipher_suite_name(uint16_t id);

/* Looks up an IANA name (case-sensitive, with or without the "UNITLS_" prefix). On success
 * writes *id and returns UNITLS_OK; an unknown name gives UNITLS_ERR_INVALID. */
UNITLS_API unitls_status unitls_cipher_suite_from_name(const char *name, uint16_t *id);

/* 1 if id is a TLS 1.3 suite (0x13xx), else 0. */
UNITLS_API int unitls_cipher_suite_is_tls13(uint16_t id);

/* The secure defaults used when a configuration sets no ciphers: the PEP's five TLS 1.3 suites,
 * then the TLS 1.2 ECDHE suites built on AES-GCM or ChaCha20-Poly1305. *n receives the count;
 * the array is static. */
UNITLS_API const uint16_t *unitls_cipher_suite_defaults(size_t *n);

/* All fifteen suites the PEP names, in its order. */
UNITLS_API const uint16_t *unitls_cipher_suite_all(size_t *n);

UNITLS_END_DECLS

#endif
