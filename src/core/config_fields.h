/* The fields client and server configurations share (ciphers, ALPN protocols, version bounds,
 * trust store) with their builder-side checks, snapshot, equality and hash, so the two
 * configuration types implement them once. */
#ifndef UNITLS_CORE_CONFIG_FIELDS_H
#define UNITLS_CORE_CONFIG_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/unitls.h>

struct config_fields {
    uint16_t *ciphers;              /* NULL: defaults */
    size_t n_ciphers;
    uint8_t *alpn;                  /* ALPN wire format: length-prefixed names */
    size_t alpn_len;
    size_t n_protocols;
    enum unitls_tls_version lowest, highest;
    unitls_trust_store *trust_store; /* NULL: system */
    unitls_error first_error;       /* builders: the first setter error, reported by build */
};

/* Setters for builders. Each returns the status and remembers the first error. */
unitls_status fields_set_ciphers(struct config_fields *f, const uint16_t *ids, size_t n);
unitls_status fields_add_protocol(struct config_fields *f, const void *bytes, size_t len);
unitls_status fields_set_version(struct config_fields *f, int lowest, enum unitls_tls_version v);
unitls_status fields_set_trust_store(struct config_fields *f, unitls_trust_store *t);
/* Remembers err as the first error if none is yet and returns its status. */
unitls_status fields_fail(struct config_fields *f, unitls_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Validates what only makes sense as a whole (version bounds) and copies src into dst with
 * files loaded (the snapshot a configuration keeps). */
unitls_status fields_build(const struct config_fields *src, struct config_fields *dst,
                           unitls_error *err);

const uint8_t *fields_protocol(const struct config_fields *f, size_t i, size_t *len);
int fields_equal(const struct config_fields *a, const struct config_fields *b);
uint64_t fields_hash(const struct config_fields *f);
void fields_free(struct config_fields *f);

/* Mixes v into a running 64-bit hash. */
uint64_t hash_mix(uint64_t h, uint64_t v);
uint64_t hash_bytes(uint64_t h, const void *data, size_t len);

#endif
