/* tls_params: the rules on versions and ALPN that every implementation applies the same way.
 *
 * Versions: the PEP's versions start at TLS 1.2, so MINIMUM_SUPPORTED means TLS 1.2 and
 * MAXIMUM_SUPPORTED TLS 1.3. Bounds of TLS 1.0 or 1.1 (insecure.h only) reach legacy
 * peers. The configured bounds are narrowed to the versions that still have a
 * cipher suite; nothing left is a configuration error.
 *
 * ALPN: protocols travel in wire format (each name prefixed by its length, 1 to 255 bytes).
 * A server picks the first of its own protocols that the client offers; no overlap negotiates
 * no protocol and the handshake goes on. */
#ifndef UNITLS_CORE_TLS_PARAMS_H
#define UNITLS_CORE_TLS_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include <unitls/status.h>
#include <unitls/versions.h>

#define TLS_PARAMS_TLS10 0x0301
#define TLS_PARAMS_TLS11 0x0302
#define TLS_PARAMS_TLS12 0x0303
#define TLS_PARAMS_TLS13 0x0304

/* Room for every default suite, legacy ones included (tls_params_default_suites). */
#define TLS_PARAMS_MAX_DEFAULT_SUITES 48

/* The suites to use when none is configured: unitls_cipher_suite_defaults(), followed, when
 * the security level is lowered, by the CBC suites with SHA-1 MACs that TLS 1.0 and 1.1 peers
 * need (those versions have no AEAD suite). Writes at most cap ids to out; returns how many. */
size_t tls_params_default_suites(int security_lowered, uint16_t *out, size_t cap);

/* The wire versions *lo..*hi to allow, given the configured bounds and which of TLS 1.2 (and
 * below) and 1.3 have a usable suite. UNITLS_ERR_CONFIGURATION naming the problem (a bound outside the
 * enum, lowest above highest, no suite left); library names the implementation in it. */
unitls_status tls_params_versions(enum unitls_tls_version lowest, enum unitls_tls_version highest,
                                  int has12, int has13, const char *library, uint16_t *lo,
                                  uint16_t *hi, unitls_error *err);

/* Appends one ALPN protocol name (1 to 255 bytes) to a wire-format list held in malloc'ed
 * *wire of *len bytes. UNITLS_ERR_NOMEM or UNITLS_ERR_CONFIGURATION (bad length). */
unitls_status tls_params_alpn_append(uint8_t **wire, size_t *len, const uint8_t *name,
                                     size_t name_len, unitls_error *err);

/* The server's choice: the first name of ours (wire format) that theirs (wire format, as the
 * ClientHello carries it) also lists: 1 with out and out_len pointing into ours; 0 for none. */
int tls_params_alpn_select(const uint8_t *ours, size_t ours_len, const uint8_t *theirs,
                           size_t theirs_len, const uint8_t **out, uint8_t *out_len);

#endif
