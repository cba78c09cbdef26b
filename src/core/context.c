/* Client and server contexts: a reference-counted pairing of a configuration with the
 * implementation state built from it. The core validates, counts references and raises the
 * SecurityWarning; the implementation builds its state once and creates buffers from it. */
#include <stdlib.h>

#include "error.h"
#include "impl.h"
#include "ocsp_staple.h"
#include "warning_internal.h"
#include <unitls/insecure.h>

struct unitls_client_context {
    refcount refs;
    const unitls_implementation *impl;
    unitls_client_config *config;
    void *state;
};

struct unitls_server_context {
    refcount refs;
    const unitls_implementation *impl;
    unitls_server_config *config;
    void *state;
    struct ocsp_slots *ocsp; /* the staples per chain; swapped while handshakes run */
};

unitls_client_context *unitls_client_context_new(const unitls_implementation *impl,
                                                 unitls_client_config *config,
                                                 unitls_error *err)
{
    if (!config) {
        error_set(err, UNITLS_ERR_INVALID, 0, "client context: no configuration");
        return NULL;
    }
    impl = impl ? impl : unitls_implementation_default();
    if (registry_check_client_sources(impl, config, err) != UNITLS_OK)
        return NULL;
    unitls_client_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        error_set(err, UNITLS_ERR_NOMEM, 0, "client context: out of memory");
        return NULL;
    }
    refcount_init(&ctx->refs);
    ctx->impl = impl;
    ctx->config = unitls_client_config_ref(config);
    if (impl->client_context_init(ctx, &ctx->state, err) != UNITLS_OK) {
        unitls_client_config_unref(ctx->config);
        free(ctx);
        return NULL;
    }
    if (unitls_client_config_is_insecure(config))
        warn_insecure("client context created", "its configuration is insecure");
    return ctx;
}

unitls_client_context *unitls_client_context_ref(unitls_client_context *ctx)
{
    if (ctx)
        refcount_inc(&ctx->refs);
    return ctx;
}

void unitls_client_context_unref(unitls_client_context *ctx)
{
    if (!ctx || !refcount_dec(&ctx->refs))
        return;
    ctx->impl->client_context_fini(ctx->state);
    unitls_client_config_unref(ctx->config);
    free(ctx);
}

unitls_client_config *unitls_client_context_configuration(const unitls_client_context *ctx)
{
    return ctx ? ctx->config : NULL;
}

const unitls_implementation *unitls_client_context_implementation(const unitls_client_context *ctx)
{
    return ctx ? ctx->impl : NULL;
}

unitls_buffer *unitls_client_context_create_buffer(unitls_client_context *ctx,
                                                   const char *server_hostname, unitls_error *err)
{
    if (!ctx) {
        error_set(err, UNITLS_ERR_INVALID, 0, "create buffer: no context");
        return NULL;
    }
    return ctx->impl->client_buffer_new(ctx, ctx->state, server_hostname, err);
}

/* previous may be NULL; when it is a context of the same implementation, init may share the
 * per-chain state of chains that compare equal (see unitls_server_context_new_derived). */
static unitls_server_context *server_context_build(const unitls_implementation *impl,
                                                   unitls_server_config *config,
                                                   const unitls_server_context *previous,
                                                   unitls_error *err)
{
    if (!config) {
        error_set(err, UNITLS_ERR_INVALID, 0, "server context: no configuration");
        return NULL;
    }
    impl = impl ? impl : unitls_implementation_default();
    if (registry_check_server_sources(impl, config, err) != UNITLS_OK)
        return NULL;
    unitls_server_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        error_set(err, UNITLS_ERR_NOMEM, 0, "server context: out of memory");
        return NULL;
    }
    refcount_init(&ctx->refs);
    ctx->impl = impl;
    ctx->config = unitls_server_config_ref(config);
    void *previous_state = previous && previous->impl == impl ? previous->state : NULL;
    unitls_status st = previous_state && impl->server_context_init_derived
                           ? impl->server_context_init_derived(ctx, &ctx->state, previous_state,
                                                               err)
                           : impl->server_context_init(ctx, &ctx->state, err);
    if (st == UNITLS_OK && !(ctx->ocsp = ocsp_slots_new(impl, config, err))) {
        impl->server_context_fini(ctx->state);
        st = UNITLS_ERR_NOMEM;
    }
    if (st != UNITLS_OK) {
        unitls_server_config_unref(ctx->config);
        free(ctx);
        return NULL;
    }
    if (unitls_server_config_is_insecure(config))
        warn_insecure("server context created", "its configuration is insecure");
    return ctx;
}

unitls_server_context *unitls_server_context_new(const unitls_implementation *impl,
                                                 unitls_server_config *config,
                                                 unitls_error *err)
{
    return server_context_build(impl, config, NULL, err);
}

unitls_server_context *unitls_server_context_new_derived(const unitls_implementation *impl,
                                                         unitls_server_config *config,
                                                         const unitls_server_context *previous,
                                                         unitls_error *err)
{
    return server_context_build(impl, config, previous, err);
}

unitls_server_context *unitls_server_context_ref(unitls_server_context *ctx)
{
    if (ctx)
        refcount_inc(&ctx->refs);
    return ctx;
}

void unitls_server_context_unref(unitls_server_context *ctx)
{
    if (!ctx || !refcount_dec(&ctx->refs))
        return;
    ctx->impl->server_context_fini(ctx->state);
    ocsp_slots_free(ctx->ocsp);
    unitls_server_config_unref(ctx->config);
    free(ctx);
}

struct ocsp_slots *server_context_ocsp_slots(const unitls_server_context *ctx)
{
    return ctx->ocsp;
}

unitls_server_config *unitls_server_context_configuration(const unitls_server_context *ctx)
{
    return ctx ? ctx->config : NULL;
}

const unitls_implementation *unitls_server_context_implementation(const unitls_server_context *ctx)
{
    return ctx ? ctx->impl : NULL;
}

unitls_buffer *unitls_server_context_create_buffer(unitls_server_context *ctx, unitls_error *err)
{
    if (!ctx) {
        error_set(err, UNITLS_ERR_INVALID, 0, "create buffer: no context");
        return NULL;
    }
    return ctx->impl->server_buffer_new(ctx, ctx->state, err);
}
