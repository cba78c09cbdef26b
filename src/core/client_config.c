/* Client configurations and their builder (PEP 748's TLSClientConfiguration). */
#include <stdlib.h>
#include <string.h>

#include "client_config.h"
#include "config_fields.h"
#include "error.h"
#include "material.h"
#include "refcount.h"
#include "warning_internal.h"
#include <unitls/insecure.h>

struct client_options {
    int resumption;
    int verification_disabled;
    int hostname_check_disabled;
    int insecure; /* made or touched by insecure.h: warns even if nothing is off */
};

struct unitls_client_config_builder {
    struct config_fields fields;
    unitls_signing_chain *chain;
    struct client_options options;
};

struct unitls_client_config {
    refcount refs;
    struct config_fields fields;
    unitls_signing_chain *chain; /* loaded snapshot */
    struct client_options options;
    uint64_t hash;
};

unitls_client_config_builder *unitls_client_config_builder_new(void)
{
    unitls_client_config_builder *b = calloc(1, sizeof *b);
    if (b)
        b->options.resumption = 1;
    return b;
}

void unitls_client_config_builder_free(unitls_client_config_builder *b)
{
    if (!b)
        return;
    fields_free(&b->fields);
    unitls_signing_chain_unref(b->chain);
    free(b);
}

unitls_status unitls_client_config_builder_set_certificate_chain(unitls_client_config_builder *b,
                                                                 unitls_signing_chain *chain)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    unitls_signing_chain *old = b->chain;
    b->chain = unitls_signing_chain_ref(chain);
    unitls_signing_chain_unref(old);
    return UNITLS_OK;
}

unitls_status unitls_client_config_builder_set_ciphers(unitls_client_config_builder *b,
                                                       const uint16_t *ids, size_t n)
{
    return b ? fields_set_ciphers(&b->fields, ids, n) : UNITLS_ERR_INVALID;
}

unitls_status unitls_client_config_builder_set_groups(unitls_client_config_builder *b,
                                                      const uint16_t *ids, size_t n)
{
    return b ? fields_set_groups(&b->fields, ids, n) : UNITLS_ERR_INVALID;
}

const uint16_t *unitls_client_config_groups(const unitls_client_config *c, size_t *n)
{
    if (n)
        *n = c ? c->fields.n_groups : 0;
    return c ? c->fields.groups : NULL;
}

unitls_status unitls_client_config_builder_add_inner_protocol(unitls_client_config_builder *b,
                                                              const void *bytes, size_t len)
{
    return b ? fields_add_protocol(&b->fields, bytes, len) : UNITLS_ERR_INVALID;
}

unitls_status unitls_client_config_builder_set_lowest_supported_version(
    unitls_client_config_builder *b, enum unitls_tls_version v)
{
    return b ? fields_set_version(&b->fields, 1, v) : UNITLS_ERR_INVALID;
}

unitls_status unitls_client_config_builder_set_highest_supported_version(
    unitls_client_config_builder *b, enum unitls_tls_version v)
{
    return b ? fields_set_version(&b->fields, 0, v) : UNITLS_ERR_INVALID;
}

unitls_status unitls_client_config_builder_set_trust_store(unitls_client_config_builder *b,
                                                           unitls_trust_store *store)
{
    return b ? fields_set_trust_store(&b->fields, store) : UNITLS_ERR_INVALID;
}

unitls_status unitls_client_config_builder_set_session_resumption(unitls_client_config_builder *b,
                                                                  int enabled)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    b->options.resumption = enabled != 0;
    return UNITLS_OK;
}

void client_config_builder_mark_insecure(unitls_client_config_builder *b)
{
    if (b)
        b->options.insecure = 1;
}

unitls_status client_config_builder_disable_checks(unitls_client_config_builder *b,
                                                   int verification, int hostname)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    if (verification)
        b->options.verification_disabled = 1;
    if (hostname || verification)
        b->options.hostname_check_disabled = 1;
    return UNITLS_OK;
}

unitls_status client_config_builder_legacy(unitls_client_config_builder *b, int versions,
                                           enum unitls_tls_version lowest,
                                           enum unitls_tls_version highest)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    return versions ? fields_set_legacy_versions(&b->fields, lowest, highest)
                    : fields_lower_security(&b->fields);
}

/* Why c is insecure, for its warnings; NULL when it is not. */
static const char *client_config_insecurity(const unitls_client_config *c)
{
    const char *why = NULL;
    if (c->options.verification_disabled)
        return "certificate verification is disabled";
    if (c->options.hostname_check_disabled)
        return "the hostname check is disabled";
    if (fields_insecure(&c->fields, &why))
        return why;
    return c->options.insecure ? "made through insecure.h (no check is turned off)" : NULL;
}

static uint64_t client_config_compute_hash(const unitls_client_config *c)
{
    uint64_t h = hash_mix(fields_hash(&c->fields), unitls_signing_chain_hash(c->chain));
    h = hash_mix(h, (uint64_t)c->options.resumption);
    h = hash_mix(h, (uint64_t)c->options.verification_disabled);
    h = hash_mix(h, (uint64_t)c->options.insecure);
    return hash_mix(h, (uint64_t)c->options.hostname_check_disabled);
}

unitls_client_config *unitls_client_config_builder_build(const unitls_client_config_builder *b,
                                                         unitls_error *err)
{
    if (!b) {
        error_set(err, UNITLS_ERR_INVALID, 0, "client configuration: no builder");
        return NULL;
    }
    unitls_client_config *c = calloc(1, sizeof *c);
    if (!c) {
        error_set(err, UNITLS_ERR_NOMEM, 0, "client configuration: out of memory");
        return NULL;
    }
    refcount_init(&c->refs);
    c->options = b->options;
    if (fields_build(&b->fields, &c->fields, err) != UNITLS_OK ||
        (b->chain && !(c->chain = signing_chain_load(b->chain, err)))) {
        unitls_client_config_unref(c);
        return NULL;
    }
    c->hash = client_config_compute_hash(c);
    const char *why = client_config_insecurity(c);
    if (why)
        warn_insecure("client configuration built", why);
    return c;
}

unitls_client_config *unitls_client_config_ref(unitls_client_config *c)
{
    if (c)
        refcount_inc(&c->refs);
    return c;
}

void unitls_client_config_unref(unitls_client_config *c)
{
    if (!c || !refcount_dec(&c->refs))
        return;
    fields_free(&c->fields);
    unitls_signing_chain_unref(c->chain);
    free(c);
}

unitls_signing_chain *unitls_client_config_certificate_chain(const unitls_client_config *c)
{
    return c ? c->chain : NULL;
}

const uint16_t *unitls_client_config_ciphers(const unitls_client_config *c, size_t *n)
{
    if (n)
        *n = c ? c->fields.n_ciphers : 0;
    return c ? c->fields.ciphers : NULL;
}

size_t unitls_client_config_n_inner_protocols(const unitls_client_config *c)
{
    return c ? c->fields.n_protocols : 0;
}

const uint8_t *unitls_client_config_inner_protocol(const unitls_client_config *c, size_t i,
                                                   size_t *len)
{
    return c ? fields_protocol(&c->fields, i, len) : NULL;
}

enum unitls_tls_version unitls_client_config_lowest_supported_version(
    const unitls_client_config *c)
{
    return c ? c->fields.lowest : UNITLS_TLS_VERSION_UNSET;
}

enum unitls_tls_version unitls_client_config_highest_supported_version(
    const unitls_client_config *c)
{
    return c ? c->fields.highest : UNITLS_TLS_VERSION_UNSET;
}

unitls_trust_store *unitls_client_config_trust_store(const unitls_client_config *c)
{
    return c ? c->fields.trust_store : NULL;
}

int unitls_client_config_session_resumption(const unitls_client_config *c)
{
    return c ? c->options.resumption : 0;
}

int unitls_client_config_verification_disabled(const unitls_client_config *c)
{
    return c ? c->options.verification_disabled : 0;
}

int unitls_client_config_hostname_check_disabled(const unitls_client_config *c)
{
    return c ? c->options.hostname_check_disabled : 0;
}

int unitls_client_config_is_insecure(const unitls_client_config *c)
{
    return c && client_config_insecurity(c) != NULL;
}

int unitls_client_config_security_level_lowered(const unitls_client_config *c)
{
    return c ? c->fields.security_lowered : 0;
}

int unitls_client_config_equal(const unitls_client_config *a, const unitls_client_config *b)
{
    if (a == b)
        return 1;
    return a && b && a->hash == b->hash && fields_equal(&a->fields, &b->fields) &&
           unitls_signing_chain_equal(a->chain, b->chain) &&
           memcmp(&a->options, &b->options, sizeof a->options) == 0;
}

uint64_t unitls_client_config_hash(const unitls_client_config *c) { return c ? c->hash : 0; }
