/* tls_params: version bounds and ALPN lists, one rule for every implementation. */
#include <stdlib.h>
#include <string.h>

#include <unitls/ciphers.h>

#include "error.h"
#include "tls_params.h"

/* The CBC suites of TLS 1.0 and 1.1 that OpenSSL and GnuTLS both have, ECDHE first. */
static const uint16_t legacy_suites[] = {
    0xC013, /* TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA */
    0xC014, /* TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
    0xC009, /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA */
    0xC00A, /* TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA */
    0x002F, /* TLS_RSA_WITH_AES_128_CBC_SHA */
    0x0035, /* TLS_RSA_WITH_AES_256_CBC_SHA */
};

size_t tls_params_default_suites(int security_lowered, uint16_t *out, size_t cap)
{
    size_t n_defaults = 0, n = 0;
    const uint16_t *defaults = unitls_cipher_suite_defaults(&n_defaults);
    for (size_t i = 0; i < n_defaults && n < cap; i++)
        out[n++] = defaults[i];
    for (size_t i = 0; security_lowered && i < sizeof legacy_suites / sizeof legacy_suites[0] &&
                       n < cap; i++)
        out[n++] = legacy_suites[i];
    return n;
}

/* The lower bound for a configured lowest version; 0 for a value outside the enum. */
static uint16_t version_floor(enum unitls_tls_version v)
{
    switch (v) {
    case UNITLS_TLSv1_0:
        return TLS_PARAMS_TLS10;
    case UNITLS_TLSv1_1:
        return TLS_PARAMS_TLS11;
    case UNITLS_TLS_VERSION_UNSET:
    case UNITLS_TLS_VERSION_MINIMUM_SUPPORTED:
    case UNITLS_TLSv1_2:
        return TLS_PARAMS_TLS12;
    case UNITLS_TLSv1_3:
    case UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED:
        return TLS_PARAMS_TLS13;
    }
    return 0;
}

/* The upper bound for a configured highest version; 0 for a value outside the enum. */
static uint16_t version_ceiling(enum unitls_tls_version v)
{
    switch (v) {
    case UNITLS_TLS_VERSION_UNSET:
    case UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED:
    case UNITLS_TLSv1_3:
        return TLS_PARAMS_TLS13;
    case UNITLS_TLS_VERSION_MINIMUM_SUPPORTED:
    case UNITLS_TLSv1_2:
        return TLS_PARAMS_TLS12;
    case UNITLS_TLSv1_0:
        return TLS_PARAMS_TLS10;
    case UNITLS_TLSv1_1:
        return TLS_PARAMS_TLS11;
    }
    return 0;
}

unitls_status tls_params_versions(enum unitls_tls_version lowest, enum unitls_tls_version highest,
                                  int has12, int has13, const char *library, uint16_t *lo,
                                  uint16_t *hi, unitls_error *err)
{
    uint16_t l = version_floor(lowest), h = version_ceiling(highest);
    if (!l || !h)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "TLS version bound %s is not supported by %s", !l ? "lowest" : "highest",
                         library);
    if (l > h)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "the lowest TLS version is above the highest");
    if (!has13 && h == TLS_PARAMS_TLS13)
        h = TLS_PARAMS_TLS12;
    if (!has12 && l <= TLS_PARAMS_TLS12)
        l = TLS_PARAMS_TLS13;
    if (l > h || (!has12 && !has13))
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "no configured cipher suite is usable with the allowed TLS versions "
                         "(TLS 1.2 suites: %s, TLS 1.3 suites: %s)", has12 ? "yes" : "none",
                         has13 ? "yes" : "none");
    *lo = l;
    *hi = h;
    return UNITLS_OK;
}

unitls_status tls_params_alpn_append(uint8_t **wire, size_t *len, const uint8_t *name,
                                     size_t name_len, unitls_error *err)
{
    if (!name || name_len == 0 || name_len > 255)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "ALPN protocol of %zu bytes (1 to 255 expected)", name_len);
    uint8_t *grown = realloc(*wire, *len + 1 + name_len);
    if (!grown)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "ALPN protocols: out of memory");
    grown[*len] = (uint8_t)name_len;
    memcpy(grown + *len + 1, name, name_len);
    *wire = grown;
    *len += 1 + name_len;
    return UNITLS_OK;
}

int tls_params_alpn_select(const uint8_t *ours, size_t ours_len, const uint8_t *theirs,
                           size_t theirs_len, const uint8_t **out, uint8_t *out_len)
{
    for (size_t i = 0; i < ours_len && i + 1u + ours[i] <= ours_len; i += 1u + ours[i]) {
        const uint8_t *name = ours + i + 1;
        uint8_t n = ours[i];
        for (size_t j = 0; j < theirs_len && j + 1u + theirs[j] <= theirs_len;
             j += 1u + theirs[j]) {
            if (theirs[j] == n && memcmp(theirs + j + 1, name, n) == 0) {
                *out = name;
                *out_len = n;
                return 1;
            }
        }
    }
    return 0;
}
