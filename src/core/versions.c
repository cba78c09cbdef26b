/* TLS version names. */
#include <string.h>

#include <unitls/versions.h>

struct version_name {
    enum unitls_tls_version v;
    const char *name;
};

static const struct version_name version_names[] = {
    {UNITLS_TLS_VERSION_UNSET, "UNSET"},
    {UNITLS_TLS_VERSION_MINIMUM_SUPPORTED, "MINIMUM_SUPPORTED"},
    {UNITLS_TLSv1_2, "TLSv1.2"},
    {UNITLS_TLSv1_3, "TLSv1.3"},
    {UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED, "MAXIMUM_SUPPORTED"},
};

/* Named for reports only: unitls_tls_version_from_name does not parse them. */
static const struct version_name legacy_names[] = {
    {UNITLS_TLSv1_0, "TLSv1.0"},
    {UNITLS_TLSv1_1, "TLSv1.1"},
};

#define N_VERSIONS (sizeof version_names / sizeof version_names[0])

const char *unitls_tls_version_name(enum unitls_tls_version v)
{
    for (size_t i = 0; i < N_VERSIONS; i++)
        if (version_names[i].v == v)
            return version_names[i].name;
    for (size_t i = 0; i < sizeof legacy_names / sizeof legacy_names[0]; i++)
        if (legacy_names[i].v == v)
            return legacy_names[i].name;
    return NULL;
}

unitls_status unitls_tls_version_from_name(const char *name, enum unitls_tls_version *out)
{
    if (!name || !out)
        return UNITLS_ERR_INVALID;
    if (strcmp(name, "TLSv1_2") == 0)
        name = "TLSv1.2";
    else if (strcmp(name, "TLSv1_3") == 0)
        name = "TLSv1.3";
    for (size_t i = 0; i < N_VERSIONS; i++) {
        if (strcmp(version_names[i].name, name) == 0) {
            *out = version_names[i].v;
            return UNITLS_OK;
        }
    }
    return UNITLS_ERR_INVALID;
}
