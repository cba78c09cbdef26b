/* backend_pool: a listener's backends, their passive health and the choice of the next one;
 * see backend_pool.h. Every function that a worker calls per connection costs a few relaxed
 * atomic operations and no lock. */
#include "daemon/backend_pool.h"

#include <stdlib.h>
#include <string.h>

static struct backend_health *health_new(void)
{
    struct backend_health *h = calloc(1, sizeof *h);
    if (h)
        atomic_init(&h->refs, 1);
    return h;
}

static void health_unref(struct backend_health *h)
{
    if (h && atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) == 1)
        free(h);
}

/* The health of previous's backend at address, with one more reference; NULL when none. */
static struct backend_health *health_of(const struct backend_pool *previous,
                                        const struct endpoint *address)
{
    for (size_t i = 0; previous && i < previous->n; i++) {
        struct backend_health *h = previous->backends[i].health;
        if (endpoint_equal(&previous->backends[i].config.address, address)) {
            atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
            return h;
        }
    }
    return NULL;
}

int backend_pool_init(struct backend_pool *pool, const struct backend_config *configs, size_t n,
                      enum balance balance, unsigned retry_ms,
                      const struct backend_pool *previous)
{
    memset(pool, 0, sizeof *pool);
    atomic_init(&pool->cursor, 0);
    if (n == 0 || n > BACKENDS_MAX || !(pool->backends = calloc(n, sizeof *pool->backends)))
        return -1;
    pool->balance = balance;
    pool->retry_ms = retry_ms;
    for (; pool->n < n; pool->n++) {
        struct backend *b = &pool->backends[pool->n];
        b->config = configs[pool->n];
        b->health = health_of(previous, &b->config.address);
        if (!b->health && !(b->health = health_new())) {
            backend_pool_fini(pool);
            return -1;
        }
    }
    return 0;
}

void backend_pool_fini(struct backend_pool *pool)
{
    for (size_t i = 0; i < pool->n; i++)
        health_unref(pool->backends[i].health);
    free(pool->backends);
    pool->backends = NULL;
    pool->n = 0;
}

int backend_pool_is_down(const struct backend_pool *pool, size_t i, uint64_t now_ms)
{
    uint64_t until = atomic_load_explicit(&pool->backends[i].health->down_until_ms,
                                          memory_order_relaxed);
    /* The marks come from several threads' cached clocks, which differ by a few ms: a mark
     * a little more than a retry ahead is one; one more than two retries ahead was set
     * before the wall clock stepped back by over a retry, and counts as expired. */
    return until > now_ms && until - now_ms <= 2 * (uint64_t)pool->retry_ms;
}

int backend_pool_all_down(const struct backend_pool *pool, uint64_t now_ms)
{
    for (size_t i = 0; i < pool->n; i++)
        if (!backend_pool_is_down(pool, i, now_ms))
            return 0;
    return pool->n > 0;
}

int backend_pool_next(struct backend_pool *pool, struct backend_plan *plan, uint64_t now_ms)
{
    if (!plan->started) {
        plan->started = 1;
        size_t start = 0;
        if (pool->balance == BALANCE_ROUND_ROBIN && pool->n > 1)
            start = atomic_fetch_add_explicit(&pool->cursor, 1, memory_order_relaxed) % pool->n;
        plan->start = (uint8_t)start;
    }
    int chosen = -1, first_down = -1;
    for (size_t k = 0; k < pool->n && chosen < 0; k++) {
        size_t i = (plan->start + k) % pool->n;
        if (plan->tried & (UINT64_C(1) << i))
            continue;
        if (!backend_pool_is_down(pool, i, now_ms))
            chosen = (int)i;
        else if (first_down < 0)
            first_down = (int)i;
    }
    if (chosen < 0)
        chosen = first_down;
    if (chosen >= 0) {
        plan->tried |= UINT64_C(1) << chosen;
        plan->current = (uint8_t)chosen;
    }
    return chosen;
}

void backend_pool_connecting(struct backend_pool *pool, size_t i)
{
    atomic_fetch_add_explicit(&pool->backends[i].health->connects, 1, memory_order_relaxed);
}

void backend_pool_failed(struct backend_pool *pool, size_t i, uint64_t now_ms)
{
    struct backend_health *h = pool->backends[i].health;
    atomic_fetch_add_explicit(&h->failures, 1, memory_order_relaxed);
    atomic_store_explicit(&h->down_until_ms, now_ms + pool->retry_ms, memory_order_relaxed);
}

void backend_pool_reached(struct backend_pool *pool, size_t i)
{
    struct backend_health *h = pool->backends[i].health;
    /* Read first: a store per connection would bounce the line between the workers. */
    if (atomic_load_explicit(&h->down_until_ms, memory_order_relaxed) != 0)
        atomic_store_explicit(&h->down_until_ms, 0, memory_order_relaxed);
}
