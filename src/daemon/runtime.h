/* The runtime: a "generation" is the immutable snapshot of what the daemon serves, built from
 * one loaded and checked configuration: its listeners (name, shared server context, backend,
 * timeouts, limits) and the listening sockets that feed them.
 *
 * Everything here is reference counted with atomics so that threads can share it without a
 * lock on the data path:
 * - the main thread holds the current generation, and each worker holds the one its accept
 *   events belong to; a reload hands workers a new one and each drops the old after removing
 *   its accept events, so a removed address's socket closes only when no worker polls it;
 * - each connection holds its runtime_listener (and, through its unitls_buffer, its server
 *   context), so an old listener and its context live exactly as long as their connections.
 *
 * runtime_build() makes the next generation from loaded settings and the previous generation.
 * Each listener's context is made by the listener's own implementation: a configuration equal
 * (unitls_server_config_hash / _equal) to that of a running context of the same implementation
 * reuses that context object (tickets and session caches carry on); any other gets a new
 * context, derived from the running context of the listener with the same name when that one
 * is of the same implementation (an implementation can share state only with itself), built
 * from scratch otherwise. An address present before keeps its socket; new addresses are bound
 * or claimed from systemd's sockets, and systemd's sockets of addresses no longer listed go
 * back to the activation set (still open: see activation.h). A listener's backends keep their
 * passive health and counters (backend_pool.h) from the listener of the same name's backend
 * with the same address. */
#ifndef UNITLSD_RUNTIME_H
#define UNITLSD_RUNTIME_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <unitls/unitls.h>

#include "daemon/activation.h"
#include "daemon/backend_pool.h"
#include "daemon/endpoint.h"
#include "daemon/listener.h"

struct settings; /* settings.h: the loaded configuration runtime_build reads */

/* What one listener (by name) counts across reloads and workers: its open connections, so
 * max_connections counts every connection whatever generation accepted it, and when its
 * backend failure was last logged, so a dead backend logs one line per interval, not one per
 * connection. */
struct runtime_gauge {
    atomic_uint refs;
    atomic_uint open;
    atomic_uint_fast64_t backend_logged_ms; /* 0: never */
    atomic_uint_fast64_t backend_unlogged;  /* failures since then */
};

/* At most one backend failure line per listener in this time. */
#define RUNTIME_BACKEND_LOG_MS 10000u

struct runtime_listener {
    atomic_uint refs;
    char *name;
    unitls_server_context *ctx;
    struct backend_pool backends;   /* at least one */
    /* accept_proxy: versions a connection from a proxy_trusted source must start with (mask
     * of 1 << PROXY_PROTOCOL_V1/V2); 0 when the listener takes no PROXY header. */
    unsigned accept_proxy;
    struct cidr_list proxy_trusted;
    unsigned handshake_timeout_ms, idle_timeout_ms, connect_timeout_ms;
    unsigned max_connections;
    int log_access;
    /* What the listener's insecure block allows, for its warnings ("TLS 1.0 and 1.1 at security
     * level 0"); "" without one. */
    char insecure[96];
    struct runtime_gauge *gauge;
};

/* One listening socket and the listener its connections belong to. */
struct runtime_socket {
    struct listen_socket *sock;
    struct runtime_listener *listener;
};

struct generation {
    atomic_uint refs;
    unsigned serial;                       /* 1 at start-up, +1 per successful reload */
    struct runtime_listener **listeners;
    size_t n_listeners;
    struct runtime_socket *sockets;
    size_t n_sockets;
};

/* What a build did, for the reload's log line, counting distinct context objects (listeners
 * with equal configurations share one): "reused" running ones, "built" new ones, "retired"
 * running ones no listener uses any more, each freed when its last connection ends. */
struct runtime_build_report {
    size_t contexts_reused, contexts_built, contexts_retired;
    size_t sockets_kept, sockets_added, sockets_removed;
};

/* Builds a generation from s, whose TLS configurations settings_build_tls made, each listener's
 * contexts with its implementation (its impl). previous may be NULL (start-up); act may be NULL
 * (no systemd sockets). Returns the new generation with one reference, to be put in previous's
 * place: the systemd sockets previous used and it does not are returned to act then. Or NULL
 * with the first reason in err: sockets bound for the failed build are closed again and those
 * it claimed from act returned. Nothing of previous is changed either way. */
struct generation *runtime_build(const struct settings *s, const struct generation *previous,
                                 struct activation_set *act, struct runtime_build_report *report,
                                 char *err, size_t errlen);
/* For the log of a build: listener i of g as "NAME: IMPLEMENTATION, context HOW", where HOW is
 * "reused" (a context previous ran), "built" (new in g) or "shared with listener OTHER" (new
 * in g, made for an earlier listener with an equal configuration); "IMPLEMENTATION (was
 * OTHER)" when previous's listener of that name used another implementation. */
void runtime_listener_describe(const struct generation *g, size_t i,
                               const struct generation *previous, char *buf, size_t cap);
/* "openssl, gnutls": the implementations g's listeners use, in libunitls's order. */
void runtime_implementations(const struct generation *g, char *buf, size_t cap);
struct generation *runtime_ref(struct generation *g);
void runtime_unref(struct generation *g);

struct runtime_listener *runtime_listener_ref(struct runtime_listener *l);
void runtime_listener_unref(struct runtime_listener *l);

/* Takes one of l's max_connections slots: 1 when taken, 0 when the listener is full. */
int runtime_listener_acquire(struct runtime_listener *l);
void runtime_listener_release(struct runtime_listener *l);
/* 1 when l has a free slot (a racy hint, for resuming accept events). */
int runtime_listener_has_room(const struct runtime_listener *l);
/* Called once per failed backend connection at now_ms (any thread): 1 when this failure is
 * to be logged, with *unlogged the failures not logged since the last line; else 0 (and this
 * one is counted for the next line). */
int runtime_listener_backend_log_due(struct runtime_listener *l, uint64_t now_ms,
                                     uint64_t *unlogged);

#endif
