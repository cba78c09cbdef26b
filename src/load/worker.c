/* worker: the event loop of one thread and the scheduling of units onto its connection slots;
 * see worker.h for the scheduling rules.
 *
 * Connections call back into the worker from inside their own handlers (unit_done, released).
 * Those callbacks only count and decide the calling connection's next step; everything that
 * starts or closes other connections happens in worker_maintain, run from a zero-delay timer,
 * so it never re-enters a connection and the loop still sees timers and the socket between
 * two passes (a server refusing every connection cannot starve the deadline). */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "clock.h"
#include "conn.h"
#include "worker.h"

#define SCRATCH_SIZE (64u * 1024u)
#define PATTERN_SIZE (16u * 1024u)
/* The test backends' pattern line (tests/backends/backend_util.h): 64 bytes with its '\n'. */
#define PATTERN_LINE \
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ."
#define TICK_MS 100u
#define CLOSE_WAIT_MS 1000u       /* the most a graceful close waits for the server's end */
#define NODELAY_REQUEST_LEN 1200u /* below this a request is one TCP segment */

struct slot {
    struct conn conn;           /* first: a conn pointer is its slot's pointer */
    struct slot *next, *prev;   /* the free list (next only) or the idle list */
    uint8_t idle;
    uint8_t held;
};

struct worker {
    const struct worker_shared *shared;
    const struct load_options *opts;
    struct event_base *base;
    unitls_client_context *ctx;
    struct conn_env env;
    struct slot *slots;
    unsigned n_slots;
    struct slot *free_list;
    struct slot *idle_head;     /* request mode, open loop: kept-alive connections */
    unsigned n_active;          /* slots not FREE */
    unsigned n_held;
    uint64_t count;             /* this worker's units; 0: until the deadline */
    uint64_t started, finished;
    double rate;                /* this worker's arrivals per second; 0: closed loop */
    uint64_t arrived;           /* open loop: arrivals whose intended time has come */
    uint64_t t0_ns;             /* open loop: the schedule's origin */
    int priming;                /* resume mode: the first connection is fetching a session */
    int stopping;
    struct event *ev_maintain, *ev_arrival, *ev_deadline, *ev_tick;
    uint8_t *scratch;
    uint8_t *pattern;
    struct load_stats stats;
    struct worker_live live;
    pthread_t thread;
    int thread_started;
    uint64_t end_ns;
};

static void worker_maintain(struct worker *w);

/* --- lists ------------------------------------------------------------------------------ */

static struct slot *slot_of(struct conn *c) { return (struct slot *)c; }

static void free_push(struct worker *w, struct slot *s)
{
    s->next = w->free_list;
    w->free_list = s;
}

static struct slot *free_pop(struct worker *w)
{
    struct slot *s = w->free_list;
    if (s)
        w->free_list = s->next;
    return s;
}

static void idle_push(struct worker *w, struct slot *s)
{
    s->idle = 1;
    s->prev = NULL;
    s->next = w->idle_head;
    if (w->idle_head)
        w->idle_head->prev = s;
    w->idle_head = s;
}

static void idle_remove(struct worker *w, struct slot *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        w->idle_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->idle = 0;
    s->next = s->prev = NULL;
}

/* --- scheduling ------------------------------------------------------------------------- */

static void maintain_soon(struct worker *w)
{
    static const struct timeval now = {0, 0};
    if (!event_pending(w->ev_maintain, EV_TIMEOUT, NULL))
        event_add(w->ev_maintain, &now);
}

static uint64_t intended_start(const struct worker *w, uint64_t k)
{
    return w->t0_ns + (uint64_t)((double)k * 1e9 / w->rate);
}

/* Whether another unit may start now, and when it was meant to. */
static int unit_take(struct worker *w, uint64_t now, uint64_t *start_ns)
{
    if (w->stopping || (w->priming && w->n_active > 0))
        return 0;
    if (w->rate > 0.0) {
        if (w->started >= w->arrived)
            return 0;
        *start_ns = intended_start(w, w->started);
    } else {
        if (w->count && w->started >= w->count)
            return 0;
        *start_ns = now;
    }
    w->started++;
    atomic_store_explicit(&w->live.in_flight, w->started - w->finished, memory_order_relaxed);
    return 1;
}

static void live_update(struct worker *w)
{
    atomic_store_explicit(&w->live.completed, w->stats.completed, memory_order_relaxed);
    atomic_store_explicit(&w->live.failed, w->stats.failed, memory_order_relaxed);
    atomic_store_explicit(&w->live.in_flight, w->started - w->finished, memory_order_relaxed);
}

static enum conn_next on_unit_done(void *owner, struct conn *c, int ok, int reusable,
                                   uint64_t *next_start_ns)
{
    struct worker *w = owner;
    w->finished++;
    live_update(w);
    if (w->count && w->finished >= w->count)
        maintain_soon(w);
    if (!ok)
        return CONN_NEXT_CLOSE;
    if (w->opts->mode == MODE_HOLD) {
        if (w->stopping)
            return CONN_NEXT_CLOSE;
        slot_of(c)->held = 1;
        if (++w->n_held > w->stats.held_peak)
            w->stats.held_peak = w->n_held;
        return CONN_NEXT_HOLD;
    }
    if (w->opts->mode != MODE_REQUEST || !reusable ||
        atomic_load_explicit(&w->shared->stop, memory_order_relaxed))
        return CONN_NEXT_CLOSE;
    if (unit_take(w, clock_now_ns(), next_start_ns))
        return CONN_NEXT_UNIT;
    if (w->rate > 0.0 && !w->stopping) {
        idle_push(w, slot_of(c));
        return CONN_NEXT_IDLE;
    }
    return CONN_NEXT_CLOSE;
}

static void on_released(void *owner, struct conn *c)
{
    struct worker *w = owner;
    struct slot *s = slot_of(c);
    if (s->idle)
        idle_remove(w, s);
    if (s->held) {
        s->held = 0;
        w->n_held--;
    }
    free_push(w, s);
    w->n_active--;
    w->priming = 0; /* resume mode: the first connection has ended, with a session or not */
    maintain_soon(w);
}

/* Starts what may start: pending requests on idle connections, then units on free slots. At
 * most as many new connections as slots were free on entry, so a connection that fails at
 * once is not retried within the same pass. */
static void worker_dispatch(struct worker *w)
{
    uint64_t now = clock_now_ns();
    uint64_t start_ns;
    while (w->idle_head && unit_take(w, now, &start_ns)) {
        struct slot *s = w->idle_head;
        idle_remove(w, s);
        conn_request(&s->conn, start_ns);
    }
    unsigned n_free = w->n_slots - w->n_active;
    for (unsigned i = 0; i < n_free && w->free_list; i++) {
        if (!unit_take(w, now, &start_ns))
            break;
        struct slot *s = free_pop(w);
        w->n_active++;
        conn_start(&s->conn, start_ns);
    }
}

static void worker_stop(struct worker *w)
{
    w->stopping = 1;
    event_del(w->ev_arrival);
    event_del(w->ev_deadline);
    if (w->rate > 0.0)
        w->stats.unstarted = w->arrived - w->started;
    while (w->idle_head) {
        struct slot *s = w->idle_head;
        idle_remove(w, s);
        conn_close(&s->conn);
    }
    for (unsigned i = 0; i < w->n_slots; i++) {
        struct slot *s = &w->slots[i];
        if (s->held) {
            s->held = 0;
            w->n_held--;
            conn_close(&s->conn);
        }
    }
}

static void worker_maintain(struct worker *w)
{
    int asked = atomic_load_explicit(&w->shared->stop, memory_order_relaxed);
    int counted = w->count && w->finished >= w->count;
    if (!w->stopping && (asked || counted))
        worker_stop(w);
    if (!w->stopping)
        worker_dispatch(w);
    live_update(w);
    if (w->stopping && w->n_active == 0)
        event_base_loopexit(w->base, NULL);
}

/* --- timers ----------------------------------------------------------------------------- */

static void on_maintain(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    worker_maintain(arg);
}

static void arrival_arm(struct worker *w, uint64_t now)
{
    if (w->stopping || (w->count && w->arrived >= w->count))
        return;
    uint64_t due = intended_start(w, w->arrived);
    struct timeval tv = clock_timeval_of_ns(due > now ? due - now : 0);
    event_add(w->ev_arrival, &tv);
}

/* Counts every arrival whose time has come (several, when the loop was late), then starts
 * what can start. */
static void on_arrival(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd, (void)what;
    uint64_t now = clock_now_ns();
    while ((!w->count || w->arrived < w->count) && intended_start(w, w->arrived) <= now)
        w->arrived++;
    worker_maintain(w);
    arrival_arm(w, now);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd, (void)what;
    if (!w->stopping)
        worker_stop(w);
    worker_maintain(w);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd, (void)what;
    if (atomic_load_explicit(&w->shared->stop, memory_order_relaxed) && !w->stopping)
        worker_maintain(w);
}

/* --- life cycle ------------------------------------------------------------------------- */

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    uint64_t now = clock_now_ns();
    const struct load_options *o = w->opts;
    if (o->duration_ms) {
        struct timeval tv = clock_timeval_of_ns(o->duration_ms * NS_PER_MS);
        event_add(w->ev_deadline, &tv);
    }
    struct timeval tick = clock_timeval_of_ns(TICK_MS * NS_PER_MS);
    event_add(w->ev_tick, &tick);
    if (w->rate > 0.0) {
        w->t0_ns = now;
        arrival_arm(w, now);
    } else {
        maintain_soon(w);
    }
    event_base_dispatch(w->base);
    w->end_ns = clock_now_ns();
    live_update(w);
    atomic_store(&w->live.done, 1);
    pthread_kill(w->shared->runner_thread, SIGUSR1);
    return NULL;
}

static void pattern_fill(uint8_t *dst, size_t len)
{
    static const char line[] = PATTERN_LINE "\n";
    for (size_t i = 0; i < len; i++)
        dst[i] = (uint8_t)line[i % (sizeof line - 1)];
}

static int worker_base_new(struct worker *w, unitls_error *err)
{
    struct event_config *cfg = event_config_new();
    if (cfg) {
        /* One thread per base: no locks. The changelist folds the add/del of one iteration
         * into one epoll_ctl per descriptor. */
        event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
        event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
        w->base = event_base_new_with_config(cfg);
        event_config_free(cfg);
    }
    if (!w->base) {
        err->status = UNITLS_ERR_NOMEM;
        strcpy(err->message, "cannot create an event base");
        return -1;
    }
    w->ev_maintain = evtimer_new(w->base, on_maintain, w);
    w->ev_arrival = evtimer_new(w->base, on_arrival, w);
    w->ev_deadline = evtimer_new(w->base, on_deadline, w);
    w->ev_tick = event_new(w->base, -1, EV_PERSIST, on_tick, w);
    if (!w->ev_maintain || !w->ev_arrival || !w->ev_deadline || !w->ev_tick) {
        err->status = UNITLS_ERR_NOMEM;
        strcpy(err->message, "cannot create the timers");
        return -1;
    }
    return 0;
}

static void worker_env_fill(struct worker *w)
{
    const struct worker_shared *sh = w->shared;
    const struct load_options *o = w->opts;
    struct conn_env *e = &w->env;
    struct timeval tv = clock_timeval_of_ns(o->timeout_ms * NS_PER_MS);
    uint64_t close_ms = o->timeout_ms < CLOSE_WAIT_MS ? o->timeout_ms : CLOSE_WAIT_MS;
    struct timeval close_tv = clock_timeval_of_ns(close_ms * NS_PER_MS);
    e->base = w->base;
    e->ctx = w->ctx;
    e->server_name = sh->server_name;
    e->addr = (const struct sockaddr *)&sh->target->addr;
    e->addr_len = sh->target->addr_len;
    e->mode = o->mode;
    /* A request that fits one segment leaves whole (with the Finished, or after a response
     * that acknowledged the previous one): Nagle never holds it, and a setsockopt per
     * connection is saved. Streams and large requests do need TCP_NODELAY. */
    e->nodelay = o->mode == MODE_THROUGHPUT ||
                 (o->mode == MODE_REQUEST && sh->request_len > NODELAY_REQUEST_LEN);
    e->request = sh->request;
    e->request_len = sh->request_len;
    e->request_is_head = sh->request_len >= 5 && memcmp(sh->request, "HEAD ", 5) == 0;
    e->payload_len = o->payload_len;
    e->pattern = w->pattern;
    e->pattern_len = PATTERN_SIZE;
    e->scratch = w->scratch;
    e->scratch_len = SCRATCH_SIZE;
    e->timeout = event_base_init_common_timeout(w->base, &tv);
    e->close_timeout = event_base_init_common_timeout(w->base, &close_tv);
    e->stats = &w->stats;
    e->owner = w;
    e->unit_done = on_unit_done;
    e->released = on_released;
}

static int worker_slots_new(struct worker *w, unsigned n, unitls_error *err)
{
    w->slots = calloc(n, sizeof *w->slots);
    w->scratch = malloc(SCRATCH_SIZE);
    w->pattern = malloc(PATTERN_SIZE);
    if (!w->slots || !w->scratch || !w->pattern) {
        err->status = UNITLS_ERR_NOMEM;
        strcpy(err->message, "out of memory for the connections");
        return -1;
    }
    pattern_fill(w->pattern, PATTERN_SIZE);
    worker_env_fill(w);
    for (unsigned i = n; i-- > 0;) {
        if (conn_init(&w->slots[i].conn, &w->env) != 0) {
            err->status = UNITLS_ERR_NOMEM;
            strcpy(err->message, "out of memory for the connection events");
            return -1;
        }
        w->n_slots++;
        free_push(w, &w->slots[i]);
    }
    return 0;
}

struct worker *worker_new(const struct worker_shared *shared, unitls_client_config *cfg,
                          unsigned concurrency, uint64_t count, double rate, unitls_error *err)
{
    struct worker *w = calloc(1, sizeof *w);
    if (!w) {
        err->status = UNITLS_ERR_NOMEM;
        strcpy(err->message, "out of memory");
        return NULL;
    }
    w->shared = shared;
    w->opts = shared->opts;
    w->count = count;
    w->rate = rate;
    w->priming = shared->opts->mode == MODE_RESUME;
    stats_init(&w->stats);
    w->ctx = unitls_client_context_new(shared->opts->implementation, cfg, err);
    if (!w->ctx || worker_base_new(w, err) != 0 || worker_slots_new(w, concurrency, err) != 0) {
        worker_free(w);
        return NULL;
    }
    return w;
}

int worker_start(struct worker *w)
{
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    if (rc == 0)
        w->thread_started = 1;
    return rc;
}

void worker_join(struct worker *w)
{
    if (w->thread_started)
        pthread_join(w->thread, NULL);
    w->thread_started = 0;
}

const struct worker_live *worker_live(const struct worker *w) { return &w->live; }
const struct load_stats *worker_stats(const struct worker *w) { return &w->stats; }
uint64_t worker_end_ns(const struct worker *w) { return w->end_ns; }

void worker_free(struct worker *w)
{
    if (!w)
        return;
    worker_join(w);
    for (unsigned i = 0; i < w->n_slots; i++)
        conn_fini(&w->slots[i].conn);
    free(w->slots);
    free(w->scratch);
    free(w->pattern);
    if (w->ev_maintain)
        event_free(w->ev_maintain);
    if (w->ev_arrival)
        event_free(w->ev_arrival);
    if (w->ev_deadline)
        event_free(w->ev_deadline);
    if (w->ev_tick)
        event_free(w->ev_tick);
    if (w->base)
        event_base_free(w->base);
    unitls_client_context_unref(w->ctx);
    free(w);
}
