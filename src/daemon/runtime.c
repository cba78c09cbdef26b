/* runtime: generations, their listeners and the reuse of contexts and sockets across reloads;
 * see runtime.h. Runs on the main thread only (building); the refcounts are what other threads
 * touch. */
#include "daemon/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/settings.h"

/* --- contexts by configuration ------------------------------------------------------------
 * Open addressing keyed by unitls_server_config_hash; a hit is confirmed with _equal and the
 * implementation, so a hash collision can never hand a listener another one's context. */

struct ctx_slot {
    uint64_t hash;
    unitls_server_context *ctx;    /* borrowed: the generations own the references */
};

struct ctx_map {
    struct ctx_slot *slots;
    size_t mask;
};

static int ctx_map_init(struct ctx_map *m, size_t n_entries)
{
    size_t cap = 16;
    while (cap < 2 * n_entries)
        cap *= 2;
    m->slots = calloc(cap, sizeof *m->slots);
    m->mask = cap - 1;
    return m->slots ? 0 : -1;
}

static uint64_t ctx_hash(const unitls_server_context *ctx)
{
    return unitls_server_config_hash(unitls_server_context_configuration(ctx));
}

static const struct ctx_slot *ctx_map_find(const struct ctx_map *m, uint64_t hash,
                                           const unitls_server_config *cfg,
                                           const unitls_implementation *impl)
{
    for (size_t i = hash & m->mask;; i = (i + 1) & m->mask) {
        const struct ctx_slot *slot = &m->slots[i];
        if (!slot->ctx)
            return NULL;
        if (slot->hash == hash && unitls_server_context_implementation(slot->ctx) == impl &&
            unitls_server_config_equal(unitls_server_context_configuration(slot->ctx), cfg))
            return slot;
    }
}

/* Sized for every entry at init, so there is always an empty slot to stop a probe. */
static void ctx_map_put(struct ctx_map *m, unitls_server_context *ctx)
{
    uint64_t hash = ctx_hash(ctx);
    size_t i = hash & m->mask;
    while (m->slots[i].ctx && m->slots[i].ctx != ctx)
        i = (i + 1) & m->mask;
    m->slots[i].hash = hash;
    m->slots[i].ctx = ctx;
}

/* --- listeners ------------------------------------------------------------------------------ */

static const struct runtime_listener *listener_by_name(const struct generation *g,
                                                       const char *name)
{
    for (size_t i = 0; g && i < g->n_listeners; i++)
        if (strcmp(g->listeners[i]->name, name) == 0)
            return g->listeners[i];
    return NULL;
}

static struct runtime_gauge *gauge_for(const struct runtime_listener *previous)
{
    if (previous) {
        atomic_fetch_add_explicit(&previous->gauge->refs, 1, memory_order_relaxed);
        return previous->gauge;
    }
    struct runtime_gauge *gauge = calloc(1, sizeof *gauge);
    if (gauge)
        atomic_init(&gauge->refs, 1);
    return gauge;
}

static void gauge_unref(struct runtime_gauge *gauge)
{
    if (gauge && atomic_fetch_sub_explicit(&gauge->refs, 1, memory_order_acq_rel) == 1)
        free(gauge);
}

/* The context for ls, made by its implementation: the running one when an equal configuration
 * runs on that implementation (or one this build already made for an equal configuration),
 * else a new one that shares per-chain state with the listener of the same name when that
 * listener's context is of the same implementation. */
static unitls_server_context *context_for(const struct listener_settings *ls,
                                          const struct runtime_listener *previous,
                                          struct ctx_map *map, struct runtime_build_report *r,
                                          char *err, size_t errlen)
{
    const unitls_implementation *impl = ls->impl ? ls->impl : unitls_implementation_default();
    uint64_t hash = unitls_server_config_hash(ls->tls);
    const struct ctx_slot *found = ctx_map_find(map, hash, ls->tls, impl);
    if (found)
        return unitls_server_context_ref(found->ctx);
    const unitls_server_context *base =
        previous && unitls_server_context_implementation(previous->ctx) == impl ? previous->ctx
                                                                                 : NULL;
    unitls_error e;
    unitls_error_clear(&e);
    unitls_server_context *ctx = unitls_server_context_new_derived(impl, ls->tls, base, &e);
    if (!ctx) {
        snprintf(err, errlen, "listener %s: %s", ls->name, e.message);
        return NULL;
    }
    ctx_map_put(map, ctx);
    r->contexts_built++;
    return ctx;
}

/* The listener's insecure block in words; "" without one. */
static void insecure_describe(const struct listener_settings *ls, char *buf, size_t cap)
{
    const char *versions = ls->insecure_min_version == UNITLS_TLSv1_0   ? "TLS 1.0 and 1.1"
                           : ls->insecure_min_version == UNITLS_TLSv1_1 ? "TLS 1.1"
                                                                       : NULL;
    buf[0] = '\0';
    if (versions)
        snprintf(buf, cap, "%s at security level 0", versions);
    else if (ls->insecure_lowered)
        snprintf(buf, cap, "security level 0");
}

/* accept_proxy: the versions and a copy of the trusted ranges, as settings are freed after a
 * build while the listener lives on with its connections. */
static int proxy_trusted_copy(struct runtime_listener *l, const struct listener_settings *ls)
{
    l->accept_proxy = ls->accept_proxy;
    if (ls->proxy_trusted.n == 0)
        return 0;
    l->proxy_trusted.items = calloc(ls->proxy_trusted.n, sizeof *l->proxy_trusted.items);
    if (!l->proxy_trusted.items)
        return -1;
    memcpy(l->proxy_trusted.items, ls->proxy_trusted.items,
           ls->proxy_trusted.n * sizeof *l->proxy_trusted.items);
    l->proxy_trusted.n = ls->proxy_trusted.n;
    return 0;
}

static struct runtime_listener *listener_new(const struct settings *s,
                                             const struct listener_settings *ls,
                                             const struct generation *previous,
                                             struct ctx_map *map,
                                             struct runtime_build_report *r, char *err,
                                             size_t errlen)
{
    const struct runtime_listener *before = listener_by_name(previous, ls->name);
    struct runtime_listener *l = calloc(1, sizeof *l);
    if (l)
        atomic_init(&l->refs, 1);
    if (!l || !(l->name = strdup(ls->name)) || !(l->gauge = gauge_for(before))) {
        snprintf(err, errlen, "listener %s: out of memory", ls->name);
        runtime_listener_unref(l);
        return NULL;
    }
    if (backend_pool_init(&l->backends, ls->backends, ls->n_backends, ls->balance,
                          ls->backend_retry_ms, before ? &before->backends : NULL) != 0 ||
        proxy_trusted_copy(l, ls) != 0) {
        snprintf(err, errlen, "listener %s: out of memory", ls->name);
        runtime_listener_unref(l);
        return NULL;
    }
    l->handshake_timeout_ms = ls->handshake_timeout_ms;
    l->idle_timeout_ms = ls->idle_timeout_ms;
    l->connect_timeout_ms = ls->connect_timeout_ms;
    l->max_connections = ls->max_connections;
    l->log_access = s->log_access;
    insecure_describe(ls, l->insecure, sizeof l->insecure);
    l->ctx = context_for(ls, before, map, r, err, errlen);
    if (!l->ctx) {
        runtime_listener_unref(l);
        return NULL;
    }
    return l;
}

struct runtime_listener *runtime_listener_ref(struct runtime_listener *l)
{
    if (l)
        atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
    return l;
}

void runtime_listener_unref(struct runtime_listener *l)
{
    if (!l || atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) != 1)
        return;
    unitls_server_context_unref(l->ctx);
    gauge_unref(l->gauge);
    backend_pool_fini(&l->backends);
    free(l->proxy_trusted.items);
    free(l->name);
    free(l);
}

int runtime_listener_acquire(struct runtime_listener *l)
{
    unsigned before = atomic_fetch_add_explicit(&l->gauge->open, 1, memory_order_relaxed);
    if (before < l->max_connections)
        return 1;
    atomic_fetch_sub_explicit(&l->gauge->open, 1, memory_order_relaxed);
    return 0;
}

void runtime_listener_release(struct runtime_listener *l)
{
    atomic_fetch_sub_explicit(&l->gauge->open, 1, memory_order_relaxed);
}

int runtime_listener_has_room(const struct runtime_listener *l)
{
    return atomic_load_explicit(&l->gauge->open, memory_order_relaxed) < l->max_connections;
}

/* Workers' cached clocks differ by up to a loop turn, so a time a little before the last line
 * is not a new interval; one a whole interval before it means the wall clock stepped back. */
static int backend_log_interval_over(uint64_t last_ms, uint64_t now_ms)
{
    uint64_t apart = now_ms >= last_ms ? now_ms - last_ms : last_ms - now_ms;
    return last_ms == 0 || apart >= RUNTIME_BACKEND_LOG_MS;
}

int runtime_listener_backend_log_due(struct runtime_listener *l, uint64_t now_ms,
                                     uint64_t *unlogged)
{
    struct runtime_gauge *g = l->gauge;
    uint_fast64_t last = atomic_load_explicit(&g->backend_logged_ms, memory_order_relaxed);
    /* Of the threads that find the interval over, the one whose exchange succeeds logs. */
    if (backend_log_interval_over(last, now_ms) &&
        atomic_compare_exchange_strong_explicit(&g->backend_logged_ms, &last, now_ms ? now_ms : 1,
                                                memory_order_relaxed, memory_order_relaxed)) {
        *unlogged = atomic_exchange_explicit(&g->backend_unlogged, 0, memory_order_relaxed);
        return 1;
    }
    atomic_fetch_add_explicit(&g->backend_unlogged, 1, memory_order_relaxed);
    return 0;
}

/* --- sockets -------------------------------------------------------------------------------- */

static struct listen_socket *socket_in(const struct generation *g, const struct endpoint *ep)
{
    for (size_t i = 0; g && i < g->n_sockets; i++)
        if (endpoint_equal(&g->sockets[i].sock->address, ep))
            return g->sockets[i].sock;
    return NULL;
}

static int socket_add(struct generation *g, struct runtime_listener *l,
                      const struct endpoint *ep, const struct generation *previous,
                      struct activation_set *act, struct runtime_build_report *r, char *err,
                      size_t errlen)
{
    if (socket_in(g, ep)) {
        snprintf(err, errlen, "listener %s: %s is listed twice", l->name, ep->text);
        return -1;
    }
    struct listen_socket *sock = listener_ref(socket_in(previous, ep));
    if (sock) {
        r->sockets_kept++;
    } else {
        sock = listener_open(ep, act, err, errlen);
        if (!sock)
            return -1;
        r->sockets_added++;
    }
    g->sockets[g->n_sockets].sock = sock;
    g->sockets[g->n_sockets].listener = runtime_listener_ref(l);
    g->n_sockets++;
    return 0;
}

static int sockets_build(struct generation *g, const struct settings *s,
                         const struct generation *previous, struct activation_set *act,
                         struct runtime_build_report *r, char *err, size_t errlen)
{
    size_t total = 0;
    for (size_t i = 0; i < s->n_listeners; i++)
        total += s->listeners[i].n_listen;
    g->sockets = calloc(total ? total : 1, sizeof *g->sockets);
    if (!g->sockets) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < s->n_listeners; i++)
        for (size_t j = 0; j < s->listeners[i].n_listen; j++)
            if (socket_add(g, g->listeners[i], &s->listeners[i].listen[j], previous, act, r,
                           err, errlen) != 0)
                return -1;
    for (size_t i = 0; previous && i < previous->n_sockets; i++)
        if (!socket_in(g, &previous->sockets[i].sock->address))
            r->sockets_removed++;
    return 0;
}

/* Returns to act the systemd sockets from that keep does not have: those a failed build
 * claimed, or those the previous generation used and a successful build dropped. Their fds
 * stay open (the activation set owns them) for a later build that lists the address again. */
static void sockets_give_back(const struct generation *from, const struct generation *keep,
                              struct activation_set *act)
{
    for (size_t i = 0; from && i < from->n_sockets; i++)
        if (!socket_in(keep, &from->sockets[i].sock->address))
            listener_give_back(from->sockets[i].sock, act);
}

/* --- generations ---------------------------------------------------------------------------- */

static int uses_context(const struct generation *g, const unitls_server_context *ctx)
{
    for (size_t i = 0; i < g->n_listeners; i++)
        if (g->listeners[i]->ctx == ctx)
            return 1;
    return 0;
}

/* Sorts the distinct contexts of previous into those g still uses and those it does not, so
 * that reused + retired is the number of contexts that ran before, and built the number
 * new ones: every count is of distinct context objects, as many listeners may share one. */
static void contexts_count(const struct generation *g, const struct generation *previous,
                           struct runtime_build_report *r)
{
    for (size_t i = 0; previous && i < previous->n_listeners; i++) {
        const unitls_server_context *ctx = previous->listeners[i]->ctx;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = previous->listeners[j]->ctx == ctx;
        if (seen)
            continue;
        if (uses_context(g, ctx))
            r->contexts_reused++;
        else
            r->contexts_retired++;
    }
}

static const char *implementation_of(const struct runtime_listener *l)
{
    return unitls_implementation_name(unitls_server_context_implementation(l->ctx));
}

void runtime_listener_describe(const struct generation *g, size_t i,
                               const struct generation *previous, char *buf, size_t cap)
{
    const struct runtime_listener *l = g->listeners[i];
    const struct runtime_listener *before = listener_by_name(previous, l->name);
    const char *impl = implementation_of(l);
    const char *was = before ? implementation_of(before) : NULL;
    const struct runtime_listener *sharer = NULL;
    for (size_t j = 0; j < i && !sharer; j++)
        if (g->listeners[j]->ctx == l->ctx)
            sharer = g->listeners[j];
    char changed[96] = "", how[96] = "built";
    if (was && strcmp(was, impl) != 0)
        snprintf(changed, sizeof changed, " (was %s)", was);
    if (previous && uses_context(previous, l->ctx))
        snprintf(how, sizeof how, "reused");
    else if (sharer)
        snprintf(how, sizeof how, "shared with listener %s", sharer->name);
    snprintf(buf, cap, "%s: %s%s, context %s", l->name, impl, changed, how);
}

void runtime_implementations(const struct generation *g, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t k = 0; unitls_implementation_at(k) && at < cap; k++) {
        const unitls_implementation *impl = unitls_implementation_at(k);
        int used = 0;
        for (size_t i = 0; i < g->n_listeners && !used; i++)
            used = unitls_server_context_implementation(g->listeners[i]->ctx) == impl;
        if (used)
            at += (size_t)snprintf(buf + at, cap - at, "%s%s", at ? ", " : "",
                                   unitls_implementation_name(impl));
    }
}

static int listeners_build(struct generation *g, const struct settings *s,
                           const struct generation *previous, struct runtime_build_report *r,
                           char *err, size_t errlen)
{
    struct ctx_map map;
    size_t n_previous = previous ? previous->n_listeners : 0;
    g->listeners = calloc(s->n_listeners ? s->n_listeners : 1, sizeof *g->listeners);
    if (!g->listeners || ctx_map_init(&map, n_previous + s->n_listeners) != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n_previous; i++)
        ctx_map_put(&map, previous->listeners[i]->ctx);
    int rc = 0;
    for (size_t i = 0; i < s->n_listeners && rc == 0; i++) {
        g->listeners[i] = listener_new(s, &s->listeners[i], previous, &map, r, err, errlen);
        if (g->listeners[i])
            g->n_listeners++;
        else
            rc = -1;
    }
    free(map.slots);
    return rc;
}

struct generation *runtime_build(const struct settings *s, const struct generation *previous,
                                 struct activation_set *act, struct runtime_build_report *report,
                                 char *err, size_t errlen)
{
    struct runtime_build_report r = {0};
    struct generation *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    atomic_init(&g->refs, 1);
    g->serial = previous ? previous->serial + 1 : 1;
    if (listeners_build(g, s, previous, &r, err, errlen) != 0 ||
        sockets_build(g, s, previous, act, &r, err, errlen) != 0) {
        sockets_give_back(g, previous, act);
        runtime_unref(g);
        return NULL;
    }
    sockets_give_back(previous, g, act);
    contexts_count(g, previous, &r);
    *report = r;
    return g;
}

struct generation *runtime_ref(struct generation *g)
{
    if (g)
        atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    return g;
}

void runtime_unref(struct generation *g)
{
    if (!g || atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1)
        return;
    for (size_t i = 0; i < g->n_sockets; i++) {
        listener_unref(g->sockets[i].sock);
        runtime_listener_unref(g->sockets[i].listener);
    }
    for (size_t i = 0; i < g->n_listeners; i++)
        runtime_listener_unref(g->listeners[i]);
    free(g->sockets);
    free(g->listeners);
    free(g);
}
