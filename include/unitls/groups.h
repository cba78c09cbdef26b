/* Key-exchange groups by IANA id (TLS Supported Groups registry). Configurations take groups as
 * uint16_t ids in preference order; these names let a caller or a configuration file name them.
 * The default when none is configured is X25519, P-256 (secp256r1), P-384 (secp384r1). */
#ifndef UNITLS_GROUPS_H
#define UNITLS_GROUPS_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

enum unitls_group {
    UNITLS_GROUP_SECP256R1 = 0x0017,
    UNITLS_GROUP_SECP384R1 = 0x0018,
    UNITLS_GROUP_SECP521R1 = 0x0019,
    UNITLS_GROUP_X25519 = 0x001d,
    UNITLS_GROUP_X448 = 0x001e,
    UNITLS_GROUP_FFDHE2048 = 0x0100,
    UNITLS_GROUP_FFDHE3072 = 0x0101,
    UNITLS_GROUP_FFDHE4096 = 0x0102,
    UNITLS_GROUP_FFDHE6144 = 0x0103,
    UNITLS_GROUP_FFDHE8192 = 0x0104
};

/* The IANA name ("x25519", "secp256r1", "ffdhe2048"), or NULL for an id this library does not
 * know. */
UNITLS_API const char *unitls_group_name(uint16_t id);

/* Looks up a group by IANA name or alias (X25519, X448, P-256, P-384, P-521, prime256v1),
 * ignoring case. On success writes *id and returns UNITLS_OK; an unknown name or a NULL
 * argument gives UNITLS_ERR_INVALID. */
UNITLS_API unitls_status unitls_group_from_name(const char *name, uint16_t *id);

/* The known groups' IANA names, comma-separated ("x25519, x448, ..."), for messages. */
UNITLS_API const char *unitls_group_names(void);

UNITLS_END_DECLS

#endif
