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
    uint16_t *groups;               /* key-exchange groups by IANA id; NULL: defaults */
    size_t n_groups;
    uint8_t *alpn;                  /* ALPN wire format: length-prefixed names */
    size_t alpn_len;
    size_t n_protocols;
    enum unitls_tls_version lowest, highest; /* TLS 1.0/1.1 only through insecure.h */
    int security_lowered;           /* insecure.h: the legacy security level */
    unitls_trust_store *trust_store; /* NULL: system */
    unitls_error first_error;       /* builders: the first setter error, reported by build */
};

/* Setters for builders. Each returns the status and remembers the first error. */
unitls_status fields_set_ciphers(struct config_fields *f, const uint16_t *ids, size_t n);
/* Groups by IANA id in preference order; an empty list or an id outside groups.h's table is
 * UNITLS_ERR_CONFIGURATION naming it. */
unitls_status fields_set_groups(struct config_fields *f, const uint16_t *ids, size_t n);
unitls_status fields_add_protocol(struct config_fields *f, const void *bytes, size_t len);
unitls_status fields_set_version(struct config_fields *f, int lowest, enum unitls_tls_version v);
/* insecure.h's switches: a lowest version of TLS 1.0 or 1.1 and a highest of TLS 1.0, 1.1
 * or UNSET (highest left as it is); anything else is refused. And the lowered security level. */
unitls_status fields_set_legacy_versions(struct config_fields *f, enum unitls_tls_version lowest,
                                         enum unitls_tls_version highest);
unitls_status fields_lower_security(struct config_fields *f);
/* 1 when f allows a legacy version or the lowered security level; why names which. */
int fields_insecure(const struct config_fields *f, const char **why);
unitls_status fields_set_trust_store(struct config_fields *f, unitls_trust_store *t);
/* Remembers err as the first error if none is yet and returns its status. */
unitls_status fields_fail(struct config_fields *f, unitls_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Validates what only makes sense as a whole (version bounds; a legacy lowest version needs
 * the lowered security level, as TLS 1.0 and 1.1 sign with SHA-1) and copies src into dst with
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
