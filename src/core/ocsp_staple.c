/* ocsp_staple: server contexts' staple slots, their public calls, and a buffer's stapling. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "ocsp_internal.h"
#include "ocsp_staple.h"
#include "refcount.h"

struct ocsp_staple {
    refcount refs;
    unitls_ocsp_response *response; /* loaded */
    struct unitls_ocsp_info judged; /* the implementation's verdict, before the time */
};

struct ocsp_slots {
    pthread_mutex_t lock;         /* guards the pointers in staple[] */
    const unitls_implementation *impl;
    const unitls_server_config *config; /* the context's, which outlives the slots */
    size_t n;
    struct ocsp_staple *staple[]; /* per chain; NULL: no response */
};

static void staple_unref(struct ocsp_staple *s)
{
    if (s && refcount_dec(&s->refs)) {
        unitls_ocsp_response_unref(s->response);
        free(s);
    }
}

/* A staple for a loaded response r of chain, judged by impl; NULL when out of memory. */
static struct ocsp_staple *staple_new(const unitls_implementation *impl,
                                      unitls_ocsp_response *r, const unitls_signing_chain *chain)
{
    struct ocsp_staple *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    refcount_init(&s->refs);
    s->response = unitls_ocsp_response_ref(r);
    size_t len = 0;
    const uint8_t *der = unitls_ocsp_response_content(r, &len);
    if (impl->ocsp_check)
        impl->ocsp_check(der, len, chain, &s->judged);
    else
        ocsp_info_refuse(&s->judged, OCSP_PROBLEM_UNSUPPORTED, impl->name);
    return s;
}

/* The staple in slot i with a new reference, or NULL. */
static struct ocsp_staple *slot_get(struct ocsp_slots *slots, size_t i)
{
    pthread_mutex_lock(&slots->lock);
    struct ocsp_staple *s = slots->staple[i];
    if (s)
        refcount_inc(&s->refs);
    pthread_mutex_unlock(&slots->lock);
    return s;
}

struct ocsp_slots *ocsp_slots_new(const unitls_implementation *impl,
                                  const unitls_server_config *cfg, unitls_error *err)
{
    size_t n = unitls_server_config_n_certificate_chains(cfg);
    struct ocsp_slots *slots = calloc(1, sizeof *slots + n * sizeof slots->staple[0]);
    if (!slots || pthread_mutex_init(&slots->lock, NULL) != 0) {
        free(slots);
        error_set(err, UNITLS_ERR_NOMEM, 0, "server context: OCSP slots: out of memory");
        return NULL;
    }
    slots->impl = impl;
    slots->config = cfg;
    slots->n = n;
    for (size_t i = 0; i < n; i++) {
        unitls_ocsp_response *r = unitls_server_config_ocsp_response(cfg, i);
        if (r && !(slots->staple[i] =
                       staple_new(impl, r, unitls_server_config_certificate_chain(cfg, i)))) {
            ocsp_slots_free(slots);
            error_set(err, UNITLS_ERR_NOMEM, 0, "server context: OCSP response %zu: out of memory",
                      i);
            return NULL;
        }
    }
    return slots;
}

void ocsp_slots_free(struct ocsp_slots *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        staple_unref(s->staple[i]);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* --- the public calls on running contexts --- */

unitls_status unitls_server_context_ocsp_info(const unitls_server_context *ctx,
                                              size_t chain_index, int64_t now,
                                              struct unitls_ocsp_info *info)
{
    struct ocsp_slots *slots = ctx ? server_context_ocsp_slots(ctx) : NULL;
    if (!slots || !info || chain_index >= slots->n)
        return UNITLS_ERR_INVALID;
    struct ocsp_staple *s = slot_get(slots, chain_index);
    struct unitls_ocsp_info absent = {0};
    ocsp_info_at(s ? &s->judged : &absent, ocsp_now(now), info);
    staple_unref(s);
    return UNITLS_OK;
}

unitls_status unitls_server_context_set_ocsp_response(unitls_server_context *ctx,
                                                      size_t chain_index,
                                                      unitls_ocsp_response *r,
                                                      unitls_error *err)
{
    struct ocsp_slots *slots = ctx ? server_context_ocsp_slots(ctx) : NULL;
    if (!slots || !r)
        return error_set(err, UNITLS_ERR_INVALID, 0, "set OCSP response: %s is NULL",
                         slots ? "the response" : "the context");
    if (chain_index >= slots->n)
        return error_set(err, UNITLS_ERR_INVALID, 0,
                         "set OCSP response: no chain %zu (the context has %zu)", chain_index,
                         slots->n);
    unitls_ocsp_response *loaded = ocsp_response_load(r, err);
    if (!loaded)
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    const unitls_signing_chain *chain =
        unitls_server_config_certificate_chain(slots->config, chain_index);
    struct ocsp_staple *fresh = staple_new(slots->impl, loaded, chain);
    unitls_ocsp_response_unref(loaded);
    if (!fresh)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "set OCSP response: out of memory");
    struct unitls_ocsp_info now;
    ocsp_info_at(&fresh->judged, ocsp_now(0), &now);
    if (now.state != UNITLS_OCSP_VALID) {
        staple_unref(fresh);
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "OCSP response for chain %zu refused (%s): %s", chain_index,
                         unitls_ocsp_state_name(now.state), now.reason);
    }
    pthread_mutex_lock(&slots->lock);
    struct ocsp_staple *old = slots->staple[chain_index];
    slots->staple[chain_index] = fresh;
    pthread_mutex_unlock(&slots->lock);
    staple_unref(old);
    return UNITLS_OK;
}

/* --- a server buffer's handshake --- */

void buffer_ocsp_requested(unitls_buffer *b) { b->ocsp.requested = 1; }

int buffer_ocsp_staple(unitls_buffer *b, size_t chain_index, const uint8_t **der, size_t *len,
                       int64_t *next_update)
{
    struct ocsp_slots *slots = server_context_ocsp_slots(b->server_ctx);
    if (!slots || chain_index >= slots->n || !b->ocsp.requested)
        return 0;
    struct ocsp_staple *s = slot_get(slots, chain_index);
    struct unitls_ocsp_info absent = {0}, now;
    ocsp_info_at(s ? &s->judged : &absent, ocsp_now(0), &now);
    b->ocsp.state = now.state;
    b->ocsp.stapled = 0; /* the last selection of the handshake is the one that counts */
    if (now.state != UNITLS_OCSP_VALID) {
        staple_unref(s);
        return 0;
    }
    staple_unref(b->ocsp.held);
    b->ocsp.held = s;
    b->ocsp.stapled = 1;
    *der = unitls_ocsp_response_content(s->response, len);
    *next_update = s->judged.next_update;
    return 1;
}

void buffer_ocsp_release(unitls_buffer *b)
{
    staple_unref(b->ocsp.held);
    b->ocsp.held = NULL;
}

enum unitls_ocsp_stapling unitls_buffer_ocsp_stapling(const unitls_buffer *b,
                                                      enum unitls_ocsp_state *state)
{
    int server = b && b->server_ctx;
    if (state)
        *state = server ? b->ocsp.state : UNITLS_OCSP_ABSENT;
    if (!server || !b->ocsp.requested)
        return UNITLS_OCSP_NOT_REQUESTED;
    return b->ocsp.stapled ? UNITLS_OCSP_STAPLED : UNITLS_OCSP_NOT_STAPLED;
}
