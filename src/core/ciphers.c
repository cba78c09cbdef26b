/* The cipher suites PEP 748 names, their IANA names both ways, and the secure defaults. */
#include <string.h>

#include <unitls/ciphers.h>

struct suite_name {
    uint16_t id;
    const char *name;
};

#define SUITE(n) {UNITLS_##n, #n}
static const struct suite_name known_suites[] = {
    SUITE(TLS_AES_128_GCM_SHA256),
    SUITE(TLS_AES_256_GCM_SHA384),
    SUITE(TLS_CHACHA20_POLY1305_SHA256),
    SUITE(TLS_AES_128_CCM_SHA256),
    SUITE(TLS_AES_128_CCM_8_SHA256),
    SUITE(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
    SUITE(TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384),
    SUITE(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
    SUITE(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
    SUITE(TLS_ECDHE_ECDSA_WITH_AES_128_CCM),
    SUITE(TLS_ECDHE_ECDSA_WITH_AES_256_CCM),
    SUITE(TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8),
    SUITE(TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8),
    SUITE(TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256),
    SUITE(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256),
};
#undef SUITE

#define N_KNOWN (sizeof known_suites / sizeof known_suites[0])

static const uint16_t all_ids[N_KNOWN] = {
    0x1301, 0x1302, 0x1303, 0x1304, 0x1305, 0xC02B, 0xC02C, 0xC02F,
    0xC030, 0xC0AC, 0xC0AD, 0xC0AE, 0xC0AF, 0xCCA8, 0xCCA9,
};

/* TLS 1.3's five, then the TLS 1.2 ECDHE suites on AES-GCM or ChaCha20-Poly1305 (the PEP's
 * default list), ECDSA before RSA and AES-128 before AES-256 for speed at equal security. */
static const uint16_t default_ids[] = {
    UNITLS_TLS_AES_128_GCM_SHA256,
    UNITLS_TLS_AES_256_GCM_SHA384,
    UNITLS_TLS_CHACHA20_POLY1305_SHA256,
    UNITLS_TLS_AES_128_CCM_SHA256,
    UNITLS_TLS_AES_128_CCM_8_SHA256,
    UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    UNITLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    UNITLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    UNITLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    UNITLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    UNITLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

const char *unitls_cipher_suite_name(uint16_t id)
{
    for (size_t i = 0; i < N_KNOWN; i++)
        if (known_suites[i].id == id)
            return known_suites[i].name;
    return NULL;
}

unitls_status unitls_cipher_suite_from_name(const char *name, uint16_t *id)
{
    if (!name || !id)
        return UNITLS_ERR_INVALID;
    if (strncmp(name, "UNITLS_", 7) == 0)
        name += 7;
    for (size_t i = 0; i < N_KNOWN; i++) {
        if (strcmp(known_suites[i].name, name) == 0) {
            *id = known_suites[i].id;
            return UNITLS_OK;
        }
    }
    return UNITLS_ERR_INVALID;
}

int unitls_cipher_suite_is_tls13(uint16_t id) { return (id >> 8) == 0x13; }

const uint16_t *unitls_cipher_suite_defaults(size_t *n)
{
    if (n)
        *n = sizeof default_ids / sizeof default_ids[0];
    return default_ids;
}

const uint16_t *unitls_cipher_suite_all(size_t *n)
{
    if (n)
        *n = N_KNOWN;
    return all_ids;
}
