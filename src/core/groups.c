/* The key-exchange group table: IANA ids, names and the usual aliases, once for every
 * implementation and the daemon. */
#include <stddef.h>
#include <strings.h>

#include <unitls/groups.h>

static const struct {
    uint16_t id;
    const char *name;
    const char *aliases[2];
} groups[] = {
    {UNITLS_GROUP_X25519, "x25519", {NULL, NULL}},
    {UNITLS_GROUP_X448, "x448", {NULL, NULL}},
    {UNITLS_GROUP_SECP256R1, "secp256r1", {"P-256", "prime256v1"}},
    {UNITLS_GROUP_SECP384R1, "secp384r1", {"P-384", NULL}},
    {UNITLS_GROUP_SECP521R1, "secp521r1", {"P-521", NULL}},
    {UNITLS_GROUP_FFDHE2048, "ffdhe2048", {NULL, NULL}},
    {UNITLS_GROUP_FFDHE3072, "ffdhe3072", {NULL, NULL}},
    {UNITLS_GROUP_FFDHE4096, "ffdhe4096", {NULL, NULL}},
    {UNITLS_GROUP_FFDHE6144, "ffdhe6144", {NULL, NULL}},
    {UNITLS_GROUP_FFDHE8192, "ffdhe8192", {NULL, NULL}},
};

#define N_GROUPS (sizeof groups / sizeof groups[0])

const char *unitls_group_name(uint16_t id)
{
    for (size_t i = 0; i < N_GROUPS; i++)
        if (groups[i].id == id)
            return groups[i].name;
    return NULL;
}

static int group_matches(size_t i, const char *name)
{
    if (strcasecmp(groups[i].name, name) == 0)
        return 1;
    for (size_t k = 0; k < 2; k++)
        if (groups[i].aliases[k] && strcasecmp(groups[i].aliases[k], name) == 0)
            return 1;
    return 0;
}

unitls_status unitls_group_from_name(const char *name, uint16_t *id)
{
    if (!name || !id)
        return UNITLS_ERR_INVALID;
    for (size_t i = 0; i < N_GROUPS; i++) {
        if (group_matches(i, name)) {
            *id = groups[i].id;
            return UNITLS_OK;
        }
    }
    return UNITLS_ERR_INVALID;
}

const char *unitls_group_names(void)
{
    return "x25519, x448, secp256r1 (P-256, prime256v1), secp384r1 (P-384), "
           "secp521r1 (P-521), ffdhe2048, ffdhe3072, ffdhe4096, ffdhe6144, ffdhe8192";
}
