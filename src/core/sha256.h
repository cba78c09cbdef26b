/* SHA-256 (FIPS 180-4), so the core can digest file content without a TLS library. */
#ifndef UNITLS_CORE_SHA256_H
#define UNITLS_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256_state {
    uint32_t h[8];
    uint64_t total_len;
    uint8_t block[64];
    size_t block_len;
};

void sha256_init(struct sha256_state *s);
void sha256_update(struct sha256_state *s, const void *data, size_t len);
void sha256_final(struct sha256_state *s, uint8_t out[32]);
/* One-shot digest of data. */
void sha256(const void *data, size_t len, uint8_t out[32]);

#endif
