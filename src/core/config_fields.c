/* Fields shared by client and server configurations. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_fields.h"
#include "error.h"
#include "material.h"

uint64_t hash_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
}

uint64_t hash_bytes(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

unitls_status fields_fail(struct config_fields *f, unitls_status status, const char *fmt, ...)
{
    if (f->first_error.status != UNITLS_OK)
        return status;
    f->first_error.status = status;
    f->first_error.impl_code = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->first_error.message, sizeof f->first_error.message, fmt, ap);
    va_end(ap);
    return status;
}

unitls_status fields_set_ciphers(struct config_fields *f, const uint16_t *ids, size_t n)
{
    if (n == 0 || !ids)
        return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                           "ciphers: the list is empty; give at least one IANA cipher suite id");
    uint16_t *copy = malloc(n * sizeof *copy);
    if (!copy)
        return fields_fail(f, UNITLS_ERR_NOMEM, "ciphers: out of memory");
    memcpy(copy, ids, n * sizeof *copy);
    free(f->ciphers);
    f->ciphers = copy;
    f->n_ciphers = n;
    return UNITLS_OK;
}

unitls_status fields_set_groups(struct config_fields *f, const uint16_t *ids, size_t n)
{
    if (n == 0 || !ids)
        return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                           "groups: the list is empty; give at least one IANA group id");
    for (size_t i = 0; i < n; i++)
        if (!unitls_group_name(ids[i]))
            return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                               "group 0x%04x is not known; expected one of %s", ids[i],
                               unitls_group_names());
    uint16_t *copy = malloc(n * sizeof *copy);
    if (!copy)
        return fields_fail(f, UNITLS_ERR_NOMEM, "groups: out of memory");
    memcpy(copy, ids, n * sizeof *copy);
    free(f->groups);
    f->groups = copy;
    f->n_groups = n;
    return UNITLS_OK;
}

unitls_status fields_add_protocol(struct config_fields *f, const void *bytes, size_t len)
{
    if (!bytes || len == 0)
        return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                           "inner protocol: the name is empty; expected 1 to 255 bytes");
    if (len > UNITLS_PROTOCOL_NAME_MAX)
        return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                           "inner protocol: the name is %zu bytes long; expected 1 to 255", len);
    uint8_t *grown = realloc(f->alpn, f->alpn_len + 1 + len);
    if (!grown)
        return fields_fail(f, UNITLS_ERR_NOMEM, "inner protocol: out of memory");
    grown[f->alpn_len] = (uint8_t)len;
    memcpy(grown + f->alpn_len + 1, bytes, len);
    f->alpn = grown;
    f->alpn_len += 1 + len;
    f->n_protocols++;
    return UNITLS_OK;
}

/* Order of versions for bound checks; -1 for a value outside the enum. */
static int version_rank(enum unitls_tls_version v)
{
    switch (v) {
    case UNITLS_TLSv1_0: return 0;
    case UNITLS_TLSv1_1: return 1;
    case UNITLS_TLS_VERSION_MINIMUM_SUPPORTED: return 2;
    case UNITLS_TLSv1_2: return 3;
    case UNITLS_TLSv1_3: return 4;
    case UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED: return 5;
    case UNITLS_TLS_VERSION_UNSET: return 6;
    }
    return -1;
}

static int version_is_legacy(enum unitls_tls_version v)
{
    return v == UNITLS_TLSv1_0 || v == UNITLS_TLSv1_1;
}

unitls_status fields_set_version(struct config_fields *f, int lowest, enum unitls_tls_version v)
{
    if (version_is_legacy(v))
        return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                           "%s supported version: %s is reachable only through insecure.h "
                           "(unitls_insecure_*_config_builder_allow_legacy_versions); expected "
                           "TLSv1.2, TLSv1.3, MINIMUM_SUPPORTED or MAXIMUM_SUPPORTED",
                           lowest ? "lowest" : "highest", unitls_tls_version_name(v));
    if (version_rank(v) < 0)
        return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                           "%s supported version: unknown value %d; expected TLSv1.2, TLSv1.3, "
                           "MINIMUM_SUPPORTED or MAXIMUM_SUPPORTED",
                           lowest ? "lowest" : "highest", (int)v);
    if (lowest)
        f->lowest = v;
    else
        f->highest = v;
    return UNITLS_OK;
}

unitls_status fields_set_legacy_versions(struct config_fields *f, enum unitls_tls_version lowest,
                                         enum unitls_tls_version highest)
{
    if (!version_is_legacy(lowest))
        return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                           "legacy versions: lowest supported version %d is not a legacy one; "
                           "expected TLSv1.0 or TLSv1.1", (int)lowest);
    if (highest != UNITLS_TLS_VERSION_UNSET && !version_is_legacy(highest))
        return fields_fail(f, UNITLS_ERR_CONFIGURATION,
                           "legacy versions: highest supported version %d is not a legacy one; "
                           "expected TLSv1.0, TLSv1.1 or UNSET (the ordinary setter's bound)",
                           (int)highest);
    f->lowest = lowest;
    if (highest != UNITLS_TLS_VERSION_UNSET)
        f->highest = highest;
    return UNITLS_OK;
}

unitls_status fields_lower_security(struct config_fields *f)
{
    f->security_lowered = 1;
    return UNITLS_OK;
}

int fields_insecure(const struct config_fields *f, const char **why)
{
    if (version_is_legacy(f->lowest)) {
        *why = f->lowest == UNITLS_TLSv1_0 ? "TLS 1.0 and 1.1 are allowed" : "TLS 1.1 is allowed";
        return 1;
    }
    if (f->security_lowered) {
        *why = "the security level is lowered (SHA-1 signatures, RSA-1024 keys, CBC suites)";
        return 1;
    }
    return 0;
}

unitls_status fields_set_trust_store(struct config_fields *f, unitls_trust_store *t)
{
    unitls_trust_store *old = f->trust_store;
    f->trust_store = unitls_trust_store_ref(t);
    unitls_trust_store_unref(old);
    return UNITLS_OK;
}

static unitls_status check_version_bounds(const struct config_fields *f, unitls_error *err)
{
    /* Every TLS 1.0/1.1 handshake signs with SHA-1 (and MD5), which the default level refuses:
     * without the lowered level the switch would only produce failing handshakes. */
    if ((version_is_legacy(f->lowest) || version_is_legacy(f->highest)) && !f->security_lowered)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "versions: a lowest supported version of %s needs the lowered security "
                         "level too (insecure.h: unitls_insecure_*_config_builder_lower_security_"
                         "level), as TLS 1.0 and 1.1 sign with SHA-1",
                         unitls_tls_version_name(f->lowest));
    if (f->lowest == UNITLS_TLS_VERSION_UNSET || f->highest == UNITLS_TLS_VERSION_UNSET)
        return UNITLS_OK;
    if (version_rank(f->lowest) > version_rank(f->highest))
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "versions: the lowest supported version %s is above the highest %s",
                         unitls_tls_version_name(f->lowest), unitls_tls_version_name(f->highest));
    return UNITLS_OK;
}

static void *dup_bytes(const void *p, size_t len)
{
    if (!p || len == 0)
        return NULL;
    void *copy = malloc(len);
    if (copy)
        memcpy(copy, p, len);
    return copy;
}

unitls_status fields_build(const struct config_fields *src, struct config_fields *dst,
                           unitls_error *err)
{
    memset(dst, 0, sizeof *dst);
    if (src->first_error.status != UNITLS_OK) {
        error_copy(err, &src->first_error);
        return src->first_error.status;
    }
    unitls_status st = check_version_bounds(src, err);
    if (st != UNITLS_OK)
        return st;
    dst->lowest = src->lowest;
    dst->highest = src->highest;
    dst->security_lowered = src->security_lowered;
    dst->n_protocols = src->n_protocols;
    dst->n_ciphers = src->n_ciphers;
    dst->alpn_len = src->alpn_len;
    dst->ciphers = dup_bytes(src->ciphers, src->n_ciphers * sizeof *src->ciphers);
    dst->n_groups = src->n_groups;
    dst->groups = dup_bytes(src->groups, src->n_groups * sizeof *src->groups);
    dst->alpn = dup_bytes(src->alpn, src->alpn_len);
    if ((src->ciphers && !dst->ciphers) || (src->alpn && !dst->alpn) ||
        (src->groups && !dst->groups)) {
        fields_free(dst);
        return error_set(err, UNITLS_ERR_NOMEM, 0, "configuration: out of memory");
    }
    if (src->trust_store && !(dst->trust_store = trust_store_load(src->trust_store, err))) {
        fields_free(dst);
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    }
    return UNITLS_OK;
}

const uint8_t *fields_protocol(const struct config_fields *f, size_t i, size_t *len)
{
    size_t off = 0;
    for (size_t k = 0; off < f->alpn_len; k++) {
        size_t n = f->alpn[off];
        if (k == i) {
            if (len)
                *len = n;
            return f->alpn + off + 1;
        }
        off += 1 + n;
    }
    if (len)
        *len = 0;
    return NULL;
}

int fields_equal(const struct config_fields *a, const struct config_fields *b)
{
    return a->lowest == b->lowest && a->highest == b->highest &&
           a->security_lowered == b->security_lowered &&
           a->n_ciphers == b->n_ciphers && (a->ciphers == NULL) == (b->ciphers == NULL) &&
           (a->n_ciphers == 0 ||
            memcmp(a->ciphers, b->ciphers, a->n_ciphers * sizeof *a->ciphers) == 0) &&
           a->n_groups == b->n_groups && (a->groups == NULL) == (b->groups == NULL) &&
           (a->n_groups == 0 ||
            memcmp(a->groups, b->groups, a->n_groups * sizeof *a->groups) == 0) &&
           a->alpn_len == b->alpn_len &&
           (a->alpn_len == 0 || memcmp(a->alpn, b->alpn, a->alpn_len) == 0) &&
           unitls_trust_store_equal(a->trust_store, b->trust_store);
}

uint64_t fields_hash(const struct config_fields *f)
{
    uint64_t h = hash_mix((uint64_t)f->lowest, (uint64_t)f->highest);
    h = hash_mix(h, (uint64_t)f->security_lowered);
    h = hash_mix(h, f->ciphers ? f->n_ciphers + 1 : 0);
    h = hash_bytes(h, f->ciphers, f->n_ciphers * sizeof *f->ciphers);
    h = hash_mix(h, f->groups ? f->n_groups + 1 : 0);
    h = hash_bytes(h, f->groups, f->n_groups * sizeof *f->groups);
    h = hash_bytes(h, f->alpn, f->alpn_len);
    return hash_mix(h, trust_store_hash(f->trust_store));
}

void fields_free(struct config_fields *f)
{
    free(f->ciphers);
    free(f->groups);
    free(f->alpn);
    unitls_trust_store_unref(f->trust_store);
    memset(f, 0, sizeof *f);
}
