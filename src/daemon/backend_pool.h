/* backend_pool: a listener's backends. What each one is (the keys of a `backend:` block, or of
 * one entry of `backends:`), their passive health, and which one a connection tries next.
 *
 * Passive health: a backend whose connect was refused or timed out is marked down for the
 * listener's backend_retry; a connection that reached it (its first byte went through) clears
 * the mark at once. The mark, and the per-backend counters behind /metrics, live in a
 * backend_health shared by every worker thread (atomics, no lock) and kept across reloads for
 * the same listener name and backend address (runtime.c hands it on).
 *
 * The choice, per connection (a backend_plan): every backend at most once; among those not
 * tried yet, the first in the listener's order that is not marked down; when all of those are
 * marked down, the first of them anyway. So a mark only reorders: a listener whose backends are
 * all marked down still tries each one (one of them may be back before its mark expires)
 * rather than refusing the client. The order is the list's for balance `first`, and for
 * `round_robin` the list rotated by a cursor each connection moves on by one (shared by the
 * workers; it starts again at the first backend after a reload).
 *
 * Times are the workers' wall clock in ms (conn_env_clock_ms); a mark more than twice
 * backend_retry ahead of now means the clock stepped back, and counts as expired. */
#ifndef UNITLSD_BACKEND_POOL_H
#define UNITLSD_BACKEND_POOL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/endpoint.h"

/* A listener has at most this many backends (a plan is a 64-bit mask). */
#define BACKENDS_MAX 64u

/* The keys of one backend block, as the configuration gives them; copied into each
 * generation. A new per-backend key goes here. */
struct backend_config {
    struct endpoint address;
    enum proxy_protocol proxy_protocol;
    unsigned proxy_tlvs;    /* tlvs: PROXY_TLV_* (proxy_header.h), with proxy_protocol v2 only */
};

enum balance { BALANCE_FIRST, BALANCE_ROUND_ROBIN };

/* One backend's shared state: see above. */
struct backend_health {
    atomic_uint refs;
    atomic_uint_fast64_t down_until_ms;  /* 0: not marked */
    atomic_uint_fast64_t connects;       /* connects started to it */
    atomic_uint_fast64_t failures;       /* of those, refused or timed out */
};

struct backend {
    struct backend_config config;
    struct backend_health *health;
};

/* A listener's backends in one generation: immutable but for the atomics. */
struct backend_pool {
    struct backend *backends;
    size_t n;
    enum balance balance;
    unsigned retry_ms;
    atomic_uint_fast32_t cursor;         /* round_robin: the next connection's first backend */
};

/* Which backends one connection tried: zero-initialised before its first choice. */
struct backend_plan {
    uint64_t tried;
    uint8_t start, current, started;
};

/* Fills pool with copies of the n (1 to BACKENDS_MAX) configs. Each backend's health is that of
 * the backend of previous (may be NULL) with an equal address, shared, or a new one. 0, or -1
 * when memory ran out (pool left empty). */
int backend_pool_init(struct backend_pool *pool, const struct backend_config *configs, size_t n,
                      enum balance balance, unsigned retry_ms,
                      const struct backend_pool *previous);
/* Drops pool's references to the healths and frees its array; pool is left empty. */
void backend_pool_fini(struct backend_pool *pool);

/* The index of the backend plan tries next at now_ms (see above), recorded in plan as
 * tried and current; -1 when plan tried every backend already. Any thread. */
int backend_pool_next(struct backend_pool *pool, struct backend_plan *plan, uint64_t now_ms);

/* 1 when backend i is marked down at now_ms. */
int backend_pool_is_down(const struct backend_pool *pool, size_t i, uint64_t now_ms);
/* 1 when every backend is marked down at now_ms: the listener has no reachable backend as far
 * as passive health knows (/health). */
int backend_pool_all_down(const struct backend_pool *pool, uint64_t now_ms);

/* A connect to backend i starts. */
void backend_pool_connecting(struct backend_pool *pool, size_t i);
/* Backend i refused or timed out at now_ms: marked down until now_ms + retry_ms. */
void backend_pool_failed(struct backend_pool *pool, size_t i, uint64_t now_ms);
/* Backend i took a connection: its mark, if any, is cleared. */
void backend_pool_reached(struct backend_pool *pool, size_t i);

#endif
