/* tlsconf: options to a client configuration builder, then build. */
#include <string.h>

#include <unitls/insecure.h>

#include "tlsconf.h"

/* -1 (err filled) when the trust store object cannot be made; a setter's failure is left to
 * the builder, which remembers it and reports it, with its message, at _build. */
static int trust_apply(unitls_client_config_builder *b, const struct load_options *o,
                       unitls_error *err)
{
    if (o->insecure) {
        (void)unitls_insecure_client_config_builder_disable_verification(b);
        return 0;
    }
    if (!o->cafile)
        return 0; /* unset: the system store */
    unitls_trust_store *store = unitls_trust_store_from_file(o->cafile, err);
    if (!store)
        return -1;
    (void)unitls_client_config_builder_set_trust_store(b, store);
    unitls_trust_store_unref(store);
    return 0;
}

static int version_is_legacy(enum unitls_tls_version v)
{
    return v == UNITLS_TLSv1_0 || v == UNITLS_TLSv1_1;
}

/* --insecure-legacy: the lowered security level, and TLS 1.0 upwards, or exactly the legacy
 * version --tls-version names (an ordinary --tls-version then replaces both bounds). */
static void legacy_apply(unitls_client_config_builder *b, const struct load_options *o)
{
    if (!o->insecure_legacy)
        return;
    (void)unitls_insecure_client_config_builder_lower_security_level(b);
    if (version_is_legacy(o->tls_version))
        (void)unitls_insecure_client_config_builder_allow_legacy_versions(b, o->tls_version,
                                                                          o->tls_version);
    else
        (void)unitls_insecure_client_config_builder_allow_legacy_versions(
            b, UNITLS_TLSv1_0, UNITLS_TLS_VERSION_UNSET);
}

static unitls_status fields_apply(unitls_client_config_builder *b, const struct load_options *o)
{
    legacy_apply(b, o);
    unitls_status st = unitls_client_config_builder_set_session_resumption(
        b, o->mode == MODE_RESUME);
    for (size_t i = 0; st == UNITLS_OK && i < o->n_alpn; i++)
        st = unitls_client_config_builder_add_inner_protocol(b, o->alpn[i], strlen(o->alpn[i]));
    if (st == UNITLS_OK && o->n_ciphers)
        st = unitls_client_config_builder_set_ciphers(b, o->ciphers, o->n_ciphers);
    int ordinary = o->tls_version != UNITLS_TLS_VERSION_UNSET &&
                   !version_is_legacy(o->tls_version);
    if (st == UNITLS_OK && ordinary)
        st = unitls_client_config_builder_set_lowest_supported_version(b, o->tls_version);
    if (st == UNITLS_OK && ordinary)
        st = unitls_client_config_builder_set_highest_supported_version(b, o->tls_version);
    return st;
}

unitls_client_config *tlsconf_build(const struct load_options *o, unitls_error *err)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    if (!b) {
        if (err) {
            err->status = UNITLS_ERR_NOMEM;
            strcpy(err->message, "client configuration builder: out of memory");
        }
        return NULL;
    }
    unitls_client_config *cfg = NULL;
    if (trust_apply(b, o, err) == 0) {
        (void)fields_apply(b, o); /* failures are reported by _build, see trust_apply */
        cfg = unitls_client_config_builder_build(b, err);
    }
    unitls_client_config_builder_free(b);
    return cfg;
}
