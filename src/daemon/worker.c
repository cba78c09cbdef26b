/* worker: threads with one event base each, the accept loop, generation switches and
 * draining; see worker.h. */
#include "config.h"

#include "daemon/worker.h"

#include <errno.h>
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/conn.h"
#include "daemon/heap_trim.h"
#include "daemon/log.h"
#include "daemon/worker_slots.h"

/* Connections accepted per readiness event: enough to batch, few enough to stay fair. */
#define ACCEPT_BATCH 32u
/* How often a worker with paused accept events looks for free slots freed elsewhere. */
#define RECHECK_MS 100u
/* At most one "accept: too many open files" line per worker in this time. */
#define ACCEPT_ERROR_LOG_MS 10000u
/* libevent's per-fd records are made this many fd numbers at a time (see fd_records_reserve)... */
#define FD_RECORD_BLOCK 1024
/* ...and those of the first this many fd numbers (at most the fd limit) when the worker is made. */
#define FD_RECORD_PRESET 8192
/* The event method whose adds and deletes wait for the loop's turn (base_new asks for it): an
 * add and a delete of an fd within one turn then cancel out without a system call. */
#define CHANGELIST_METHOD "epoll (with changelist)"

struct worker;

/* The event of accept slot `index` (worker_slots) of a worker. */
struct accept_event {
    struct worker *w;
    const struct runtime_socket *rs;   /* in w->gen */
    struct event *ev;                  /* NULL: could not be made, never accepts */
    size_t index;
};

struct worker {
    struct worker_pool *pool;
    unsigned index;
    pthread_t thread;
    int started;
    struct event_base *base;
    struct event *mail_ev, *beat_ev, *recheck_ev;
    atomic_uint_fast64_t heartbeat;

    pthread_mutex_t mail_lock;         /* guards the three mail_ fields only */
    struct generation *mail_gen;
    int mail_stop, mail_kill;

    /* the worker thread's own */
    struct generation *gen;
    struct worker_slots slots;
    struct accept_event *accepts;      /* one per slot */
    int stopping;
    uint64_t accept_error_logged_ms;
    struct conn_env env;
    struct heap_trim_drop trim;
    struct event *fd_record_ev;        /* NULL: records are not reserved ahead (another method) */
    int fd_records;                    /* fds below this have their libevent record */
};

struct worker_pool {
    pthread_mutex_t lock;
    pthread_cond_t exited;
    unsigned n_running;                /* threads still in their loop, under lock */
    struct worker *workers;
    unsigned n;
    uint64_t *last_beats;              /* main thread's view for worker_pool_alive */
};

/* --- libevent's per-fd records ---------------------------------------------------------------
 *
 * An event base keeps a small record for every fd number it has had an event on, made on first
 * use and freed only with the base. Made one at a time during a flood, each new fd's record lands
 * between the connections' TLS allocations, and after the flood those records pin the pages
 * around them: malloc_trim cannot give back a page that still holds one (measured with
 * malloc_info after 2,000 idle + 5,000 short connections and a trim: the worker's arena was 41
 * MiB of free chunks split ~4,100 times by 260 KiB in use, one small chunk per fd number the
 * flood used, and 13 MiB of it stayed resident). Making them a block of FD_RECORD_BLOCK numbers
 * at a time, ahead of the fds accepted, is not enough on its own: a block made during a flood
 * still fills the small holes freed connections left (measured the same way with two workers on
 * OpenSSL: ~4,000 records per worker arena, 4.2 to 5.6 MiB resident above the start). So the
 * records of the first FD_RECORD_PRESET numbers are made when the worker is, on a fresh heap,
 * where they sit together (32 bytes each: 256 KiB per worker), and only a flood past that many
 * fds makes blocks as it goes. A record is made by an add and a delete of a throwaway event on
 * its number, which with the changelist method cancel out before reaching the kernel. */

static void on_fd_record(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg; /* never added past the loop's turn, so never called */
}

/* Makes the records of fds below end. */
static void fd_records_make(struct worker *w, int end)
{
    for (int n = w->fd_records; n < end; n++) {
        event_assign(w->fd_record_ev, w->base, n, EV_READ, on_fd_record, w);
        if (event_add(w->fd_record_ev, NULL) == 0)
            event_del(w->fd_record_ev);
    }
    if (end > w->fd_records)
        w->fd_records = end;
}

/* Makes sure the records of fds up to at least one block past fd exist. */
static void fd_records_reserve(struct worker *w, int fd)
{
    if (!w->fd_record_ev || fd < w->fd_records - FD_RECORD_BLOCK)
        return;
    fd_records_make(w, (fd / FD_RECORD_BLOCK + 2) * FD_RECORD_BLOCK);
}

/* At start: the records of the first FD_RECORD_PRESET fd numbers, or of every number the fd
 * limit allows when it is lower. */
static void fd_records_preset(struct worker *w)
{
    struct rlimit lim;
    rlim_t n = FD_RECORD_PRESET;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < n)
        n = lim.rlim_cur;
    if (w->fd_record_ev)
        fd_records_make(w, (int)n);
}

/* --- accepting ------------------------------------------------------------------------------ */

/* The listeners' max_connections places, counted by the runtime across every worker. */
static const struct worker_slots_places runtime_places = {
    .take = runtime_listener_acquire,
    .give_back = runtime_listener_release,
    .has_room = runtime_listener_has_room,
};

static void recheck_arm(struct worker *w)
{
    if (!event_pending(w->recheck_ev, EV_TIMEOUT, NULL)) {
        struct timeval tv = {.tv_sec = 0, .tv_usec = RECHECK_MS * 1000};
        event_add(w->recheck_ev, &tv);
    }
}

/* The slot is paused in w->slots already: its event goes until it resumes. */
static void accept_paused(struct accept_event *a)
{
    event_del(a->ev);
    recheck_arm(a->w);
}

/* Out of fds or memory: the pending connection stays queued, so a level-triggered accept
 * event would fire at once again. Pause instead, and say so now and then. */
static void accept_failed(struct accept_event *a, int err)
{
    struct worker *w = a->w;
    uint64_t now = conn_env_clock_ms(&w->env);
    if (now - w->accept_error_logged_ms >= ACCEPT_ERROR_LOG_MS || !w->accept_error_logged_ms) {
        w->accept_error_logged_ms = now;
        log_error("listener %s: %s: accept: %s", a->rs->listener->name,
                  a->rs->sock->address.text, strerror(err));
    }
    worker_slots_pause(&w->slots, a->index);
    accept_paused(a);
}

static void on_accept(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct accept_event *a = arg;
    struct worker *w = a->w;
    struct runtime_listener *l = a->rs->listener;
    for (unsigned i = 0; i < ACCEPT_BATCH; i++) {
        if (!worker_slots_take(&w->slots, a->index)) {
            accept_paused(a);
            return;
        }
        struct sockaddr_storage peer;
        socklen_t len = sizeof peer;
        int cfd = accept4((int)fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd >= 0) {
            fd_records_reserve(w, cfd);
            conn_start(&w->env, l, cfd, (struct sockaddr *)&peer, len);
            heap_trim_drop_opened(&w->trim, w->env.n_open);
            continue;
        }
        int err = errno;
        worker_slots_untake(&w->slots, a->index);
        if (err == ECONNABORTED || err == EINTR)
            continue;
        if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM)
            accept_failed(a, err);
        return; /* EAGAIN: another worker took it, or the queue is empty */
    }
}

static void accept_resume(size_t i, void *arg)
{
    struct worker *w = arg;
    if (w->accepts[i].ev)
        event_add(w->accepts[i].ev, NULL);
}

/* Resumes paused accept events whose listener has room again. */
static void slots_resume(struct worker *w)
{
    if (worker_slots_resume(&w->slots, accept_resume, w) > 0)
        recheck_arm(w);
}

static void on_recheck(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    slots_resume(arg);
}

static void slots_clear(struct worker *w)
{
    for (size_t i = 0; i < w->slots.n; i++)
        if (w->accepts[i].ev)
            event_free(w->accepts[i].ev);
    free(w->accepts);
    w->accepts = NULL;
    worker_slots_clear(&w->slots);
}

/* One slot per socket of g, each paused when its listener is full; NULL events where none
 * could be made (those sockets are not accepted on). 0, or -1 when out of memory. */
static int slots_make(struct worker *w, const struct generation *g)
{
    size_t n = g->n_sockets;
    struct runtime_listener **listeners = calloc(n ? n : 1, sizeof *listeners);
    w->accepts = calloc(n ? n : 1, sizeof *w->accepts);
    if (!listeners || !w->accepts) {
        free(listeners);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        listeners[i] = g->sockets[i].listener;
    int rc = worker_slots_set(&w->slots, listeners, n);
    free(listeners);
    if (rc != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        struct accept_event *a = &w->accepts[i];
        a->w = w;
        a->rs = &g->sockets[i];
        a->index = i;
        a->ev = event_new(w->base, a->rs->sock->fd, EV_READ | EV_PERSIST, on_accept, a);
        if (!a->ev) {
            log_error("worker %u: out of memory for the accept event of %s", w->index,
                      a->rs->sock->address.text);
            continue;
        }
        if (w->slots.slot[i].paused)
            recheck_arm(w);
        else
            event_add(a->ev, NULL);
    }
    return 0;
}

/* Replaces the accept events with g's. On failure the worker keeps serving its connections
 * but accepts nothing new: other workers still do. */
static void worker_take(struct worker *w, struct generation *g)
{
    slots_clear(w);
    runtime_unref(w->gen);
    w->gen = g;
    if (slots_make(w, g) != 0) {
        slots_clear(w);
        log_error("worker %u: out of memory switching to generation %u", w->index, g->serial);
    }
}

/* --- mailbox, heartbeat, the thread ---------------------------------------------------------- */

static void worker_maybe_exit(struct worker *w)
{
    if (w->stopping && w->env.n_open == 0)
        event_base_loopexit(w->base, NULL);
}

static void on_mail(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct worker *w = arg;
    pthread_mutex_lock(&w->mail_lock);
    struct generation *next = w->mail_gen;
    int stop = w->mail_stop, kill = w->mail_kill;
    w->mail_gen = NULL;
    pthread_mutex_unlock(&w->mail_lock);
    if (next && !w->stopping)
        worker_take(w, next);
    else
        runtime_unref(next);
    if (stop && !w->stopping) {
        w->stopping = 1;
        slots_clear(w);
        runtime_unref(w->gen);
        w->gen = NULL;
        event_del(w->recheck_ev);
    }
    if (kill)
        conn_close_all(&w->env);
    worker_maybe_exit(w);
}

static void on_conn_closed(void *arg)
{
    struct worker *w = arg;
    if (w->stopping) {
        worker_maybe_exit(w);
        return;
    }
    slots_resume(w);
    heap_trim_drop_closed(&w->trim, w->env.n_open, w->index);
}

static void on_beat(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct worker *w = arg;
    atomic_fetch_add_explicit(&w->heartbeat, 1, memory_order_relaxed);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    event_base_dispatch(w->base);
    conn_close_all(&w->env);
    slots_clear(w);
    runtime_unref(w->gen);
    w->gen = NULL;
    struct worker_pool *pool = w->pool;
    pthread_mutex_lock(&pool->lock);
    pool->n_running--;
    pthread_cond_broadcast(&pool->exited);
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

static void mail_send(struct worker *w, struct generation *g, int stop, int kill)
{
    pthread_mutex_lock(&w->mail_lock);
    if (g) {
        runtime_unref(w->mail_gen); /* a newer generation replaces one not yet taken */
        w->mail_gen = runtime_ref(g);
    }
    w->mail_stop |= stop;
    w->mail_kill |= kill;
    pthread_mutex_unlock(&w->mail_lock);
    event_active(w->mail_ev, EV_READ, 0);
}

/* --- setting up and tearing down -------------------------------------------------------------- */

static struct event_base *base_new(void)
{
    struct event_config *cfg = event_config_new();
    if (!cfg)
        return NULL;
    /* Batches the add/del of one loop turn into one epoll_ctl per fd: connections switch
     * their read and write interest often. */
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

static int worker_init(struct worker *w, struct worker_pool *pool, unsigned index,
                       unsigned heartbeat_ms)
{
    w->pool = pool;
    w->index = index;
    w->slots.places = &runtime_places;
    pthread_mutex_init(&w->mail_lock, NULL);
    w->base = base_new();
    if (!w->base)
        return -1;
    w->mail_ev = event_new(w->base, -1, 0, on_mail, w);
    w->beat_ev = event_new(w->base, -1, EV_PERSIST, on_beat, w);
    w->recheck_ev = event_new(w->base, -1, 0, on_recheck, w);
    if (strcmp(event_base_get_method(w->base), CHANGELIST_METHOD) == 0 &&
        !(w->fd_record_ev = event_new(w->base, -1, 0, on_fd_record, w)))
        return -1;
    if (!w->mail_ev || !w->beat_ev || !w->recheck_ev ||
        conn_env_init(&w->env, w->base, on_conn_closed, w) != 0)
        return -1;
    fd_records_preset(w);
    struct timeval beat = {.tv_sec = heartbeat_ms / 1000u,
                           .tv_usec = (suseconds_t)(heartbeat_ms % 1000u) * 1000};
    event_add(w->beat_ev, &beat);
    return 0;
}

static void worker_fini(struct worker *w)
{
    conn_env_fini(&w->env);
    slots_clear(w);
    runtime_unref(w->gen);
    runtime_unref(w->mail_gen);
    if (w->mail_ev)
        event_free(w->mail_ev);
    if (w->beat_ev)
        event_free(w->beat_ev);
    if (w->recheck_ev)
        event_free(w->recheck_ev);
    if (w->fd_record_ev)
        event_free(w->fd_record_ev);
    if (w->base)
        event_base_free(w->base);
    pthread_mutex_destroy(&w->mail_lock);
}

static int worker_launch(struct worker_pool *pool, struct worker *w, struct generation *g)
{
    worker_take(w, runtime_ref(g));
    pthread_mutex_lock(&pool->lock);
    pool->n_running++;
    pthread_mutex_unlock(&pool->lock);
    /* Signals belong to the main thread's event base; workers never see them (so their
     * syscalls are never interrupted either). The new thread inherits the blocked mask. */
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (rc != 0) {
        pthread_mutex_lock(&pool->lock);
        pool->n_running--;
        pthread_mutex_unlock(&pool->lock);
        errno = rc;
        return -1;
    }
    w->started = 1;
    return 0;
}

struct worker_pool *worker_pool_start(unsigned n, struct generation *g, unsigned heartbeat_ms,
                                      char *err, size_t errlen)
{
    struct worker_pool *pool = calloc(1, sizeof *pool);
    if (!pool || !(pool->workers = calloc(n, sizeof *pool->workers)) ||
        !(pool->last_beats = calloc(n, sizeof *pool->last_beats))) {
        snprintf(err, errlen, "workers: out of memory");
        if (pool)
            free(pool->workers);
        free(pool);
        return NULL;
    }
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->exited, NULL);
    for (unsigned i = 0; i < n; i++, pool->n++) {
        if (worker_init(&pool->workers[i], pool, i, heartbeat_ms) != 0) {
            snprintf(err, errlen, "worker %u: cannot set up its event loop", i);
            pool->n++;
            goto fail;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (worker_launch(pool, &pool->workers[i], g) != 0) {
            snprintf(err, errlen, "worker %u: cannot start its thread: %s", i, strerror(errno));
            goto fail;
        }
    }
    return pool;
fail:
    worker_pool_drain(pool, 0);
    worker_pool_free(pool);
    return NULL;
}

unsigned worker_pool_size(const struct worker_pool *pool) { return pool->n; }

void worker_pool_switch(struct worker_pool *pool, struct generation *g)
{
    for (unsigned i = 0; i < pool->n; i++)
        mail_send(&pool->workers[i], g, 0, 0);
}

int worker_pool_alive(struct worker_pool *pool)
{
    int alive = 1;
    for (unsigned i = 0; i < pool->n; i++) {
        uint64_t beat = atomic_load_explicit(&pool->workers[i].heartbeat, memory_order_relaxed);
        if (beat == pool->last_beats[i])
            alive = 0;
        pool->last_beats[i] = beat;
    }
    return alive;
}

static uint64_t load(const atomic_uint_fast64_t *counter)
{
    return atomic_load_explicit(counter, memory_order_relaxed);
}

void worker_pool_totals(const struct worker_pool *pool, struct worker_totals *out)
{
    struct worker_totals t = {0};
    for (unsigned i = 0; i < pool->n; i++) {
        const struct conn_counters *k = &pool->workers[i].env.counters;
        t.accepted += load(&k->accepted);
        t.closed += load(&k->closed);
        t.handshakes += load(&k->handshakes);
        t.resumed += load(&k->resumed);
        t.handshake_failures += load(&k->handshake_failures);
        t.backend_failures += load(&k->backend_failures);
        t.bytes_in += load(&k->bytes_in);
        t.bytes_out += load(&k->bytes_out);
    }
    *out = t;
}

void worker_pool_failure_counts(const struct worker_pool *pool, const char *listener,
                                uint64_t counts[FAILURE_REASONS])
{
    for (unsigned i = 0; i < pool->n; i++)
        failure_log_counts(&pool->workers[i].env.failures, listener, counts);
}

/* Waits until every thread left its loop or the deadline passed; 1 when all did. */
static int pool_wait(struct worker_pool *pool, const struct timespec *deadline)
{
    pthread_mutex_lock(&pool->lock);
    while (pool->n_running > 0) {
        int rc = deadline ? pthread_cond_timedwait(&pool->exited, &pool->lock, deadline)
                          : pthread_cond_wait(&pool->exited, &pool->lock);
        if (rc == ETIMEDOUT)
            break;
    }
    int done = pool->n_running == 0;
    pthread_mutex_unlock(&pool->lock);
    return done;
}

uint64_t worker_pool_drain(struct worker_pool *pool, unsigned drain_ms)
{
    for (unsigned i = 0; i < pool->n; i++)
        if (pool->workers[i].started)
            mail_send(&pool->workers[i], NULL, 1, 0);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += drain_ms / 1000u;
    deadline.tv_nsec += (long)(drain_ms % 1000u) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    uint64_t left = 0;
    if (!pool_wait(pool, &deadline)) {
        struct worker_totals t;
        worker_pool_totals(pool, &t);
        left = t.accepted - t.closed;
        for (unsigned i = 0; i < pool->n; i++)
            if (pool->workers[i].started)
                mail_send(&pool->workers[i], NULL, 1, 1);
        pool_wait(pool, NULL);
    }
    for (unsigned i = 0; i < pool->n; i++)
        if (pool->workers[i].started)
            pthread_join(pool->workers[i].thread, NULL);
    for (unsigned i = 0; i < pool->n; i++)
        pool->workers[i].started = 0;
    return left;
}

void worker_pool_free(struct worker_pool *pool)
{
    if (!pool)
        return;
    for (unsigned i = 0; i < pool->n; i++)
        worker_fini(&pool->workers[i]);
    pthread_cond_destroy(&pool->exited);
    pthread_mutex_destroy(&pool->lock);
    free(pool->last_beats);
    free(pool->workers);
    free(pool);
}
