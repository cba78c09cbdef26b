/* The registry of compiled-in implementations, and configuration validation: the core checks
 * that every object's source is one the implementation accepts, then asks the implementation
 * about what only it knows (ciphers, ids). */
#include <string.h>

#include "error.h"
#include "impl.h"

const unitls_implementation *unitls_implementation_default(void)
{
    return builtin_implementations[0];
}

const unitls_implementation *unitls_implementation_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; builtin_implementations[i]; i++)
        if (strcmp(builtin_implementations[i]->name, name) == 0)
            return builtin_implementations[i];
    return NULL;
}

const unitls_implementation *unitls_implementation_at(size_t i)
{
    for (size_t k = 0; builtin_implementations[k]; k++)
        if (k == i)
            return builtin_implementations[k];
    return NULL;
}

const char *unitls_implementation_name(const unitls_implementation *impl)
{
    return impl ? impl->name : NULL;
}

const char *unitls_implementation_description(const unitls_implementation *impl)
{
    return impl ? impl->description : NULL;
}

unsigned unitls_implementation_supported_sources(const unitls_implementation *impl,
                                                 enum unitls_object_kind kind)
{
    if (!impl || (unsigned)kind > UNITLS_OBJECT_TRUST_STORE)
        return 0;
    return impl->sources[kind];
}

static const char *source_name(enum unitls_source s)
{
    switch (s) {
    case UNITLS_SOURCE_BUFFER: return "buffer";
    case UNITLS_SOURCE_FILE: return "file";
    case UNITLS_SOURCE_ID: return "id";
    case UNITLS_SOURCE_SYSTEM: return "system";
    }
    return "unknown";
}

static unitls_status check_source(const unitls_implementation *impl, enum unitls_object_kind kind,
                                  const char *what, enum unitls_source source, unitls_error *err)
{
    if (impl->sources[kind] & (unsigned)source)
        return UNITLS_OK;
    return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                     "implementation %s cannot load a %s from %s %s", impl->name, what,
                     source == UNITLS_SOURCE_ID ? "an" : "a", source_name(source));
}

static unitls_status check_chain(const unitls_implementation *impl,
                                 const unitls_signing_chain *chain, unitls_error *err)
{
    unitls_status st = check_source(impl, UNITLS_OBJECT_CERTIFICATE, "certificate",
                                    unitls_certificate_source(unitls_signing_chain_leaf(chain)),
                                    err);
    const unitls_private_key *key = unitls_signing_chain_key(chain);
    if (st == UNITLS_OK && key)
        st = check_source(impl, UNITLS_OBJECT_PRIVATE_KEY, "private key",
                          unitls_private_key_source(key), err);
    for (size_t i = 0; st == UNITLS_OK && i < unitls_signing_chain_length(chain); i++)
        st = check_source(impl, UNITLS_OBJECT_CERTIFICATE, "certificate",
                          unitls_certificate_source(unitls_signing_chain_intermediate(chain, i)),
                          err);
    return st;
}

static unitls_status check_trust_store(const unitls_implementation *impl,
                                       const unitls_trust_store *t, unitls_error *err)
{
    enum unitls_source s = t ? unitls_trust_store_source(t) : UNITLS_SOURCE_SYSTEM;
    return check_source(impl, UNITLS_OBJECT_TRUST_STORE, "trust store", s, err);
}

unitls_status registry_check_client_sources(const unitls_implementation *impl,
                                            const unitls_client_config *cfg, unitls_error *err)
{
    const unitls_signing_chain *chain = unitls_client_config_certificate_chain(cfg);
    unitls_status st = chain ? check_chain(impl, chain, err) : UNITLS_OK;
    if (st == UNITLS_OK)
        st = check_trust_store(impl, unitls_client_config_trust_store(cfg), err);
    return st;
}

unitls_status registry_check_server_sources(const unitls_implementation *impl,
                                            const unitls_server_config *cfg, unitls_error *err)
{
    unitls_status st = UNITLS_OK;
    for (size_t i = 0; st == UNITLS_OK && i < unitls_server_config_n_certificate_chains(cfg); i++)
        st = check_chain(impl, unitls_server_config_certificate_chain(cfg, i), err);
    if (st == UNITLS_OK && unitls_server_config_client_auth(cfg) != UNITLS_CLIENT_AUTH_NONE)
        st = check_trust_store(impl, unitls_server_config_trust_store(cfg), err);
    return st;
}

unitls_status unitls_implementation_validate_client_config(const unitls_implementation *impl,
                                                           const unitls_client_config *cfg,
                                                           unitls_error *err)
{
    if (!impl || !cfg)
        return error_set(err, UNITLS_ERR_INVALID, 0, "validate: implementation or config missing");
    unitls_status st = registry_check_client_sources(impl, cfg, err);
    if (st == UNITLS_OK && impl->validate_client_config)
        st = impl->validate_client_config(cfg, err);
    return st;
}

unitls_status unitls_implementation_validate_server_config(const unitls_implementation *impl,
                                                           const unitls_server_config *cfg,
                                                           unitls_error *err)
{
    if (!impl || !cfg)
        return error_set(err, UNITLS_ERR_INVALID, 0, "validate: implementation or config missing");
    unitls_status st = registry_check_server_sources(impl, cfg, err);
    if (st == UNITLS_OK && impl->validate_server_config)
        st = impl->validate_server_config(cfg, err);
    return st;
}
