/* runner: threads, signals and the progress line; see runner.h. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "report.h"
#include "runner.h"
#include "worker.h"

struct run {
    struct worker_shared shared;
    struct worker **workers;
    unsigned n_workers;
    unsigned n_started;
    int progress;          /* print the live line */
    uint64_t start_ns;
    uint64_t last_completed;
};

/* The share of total that worker i of n gets. */
static uint64_t share_of(uint64_t total, unsigned i, unsigned n)
{
    return total / n + (i < total % n ? 1u : 0u);
}

static int workers_build(struct run *r, const struct load_options *o, unitls_client_config *cfg,
                         char *err, size_t err_len)
{
    r->n_workers = o->workers;
    if (o->count && o->count < r->n_workers)
        r->n_workers = (unsigned)o->count;
    r->workers = calloc(r->n_workers, sizeof *r->workers);
    if (!r->workers) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < r->n_workers; i++) {
        unitls_error e;
        unitls_error_clear(&e);
        unsigned concurrency = (unsigned)share_of(o->concurrency, i, r->n_workers);
        uint64_t count = share_of(o->count, i, r->n_workers);
        r->workers[i] = worker_new(&r->shared, cfg, concurrency, count,
                                   o->rate / r->n_workers, &e);
        if (!r->workers[i]) {
            snprintf(err, err_len, "worker %u: %s", i, e.message);
            return -1;
        }
    }
    return 0;
}

static void progress_print(struct run *r, uint64_t now)
{
    uint64_t completed = 0, failed = 0, in_flight = 0;
    for (unsigned i = 0; i < r->n_workers; i++) {
        const struct worker_live *l = worker_live(r->workers[i]);
        completed += atomic_load_explicit(&l->completed, memory_order_relaxed);
        failed += atomic_load_explicit(&l->failed, memory_order_relaxed);
        in_flight += atomic_load_explicit(&l->in_flight, memory_order_relaxed);
    }
    report_progress(stderr, now - r->start_ns, completed, completed - r->last_completed, failed,
                    in_flight);
    r->last_completed = completed;
}

static unsigned workers_done(const struct run *r)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->n_started; i++)
        n += (unsigned)atomic_load(&worker_live(r->workers[i])->done);
    return n;
}

/* Waits for every worker, a second at a time; a signal asks them all to stop. */
static int run_wait(struct run *r, const sigset_t *signals)
{
    int interrupted = 0;
    uint64_t next_tick = r->start_ns + NS_PER_S;
    while (workers_done(r) < r->n_started) {
        uint64_t now = clock_now_ns();
        uint64_t wait = next_tick > now ? next_tick - now : 0;
        struct timespec ts = {(time_t)(wait / NS_PER_S), (long)(wait % NS_PER_S)};
        int sig = sigtimedwait(signals, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            interrupted = 1;
            atomic_store(&r->shared.stop, 1);
        }
        now = clock_now_ns();
        if (now >= next_tick) {
            if (r->progress)
                progress_print(r, now);
            next_tick += NS_PER_S;
        }
    }
    if (r->progress)
        report_progress_end(stderr);
    return interrupted;
}

static void run_collect(struct run *r, struct run_result *out)
{
    stats_init(&out->stats);
    uint64_t end = r->start_ns;
    for (unsigned i = 0; i < r->n_workers; i++) {
        worker_join(r->workers[i]);
        stats_merge(&out->stats, worker_stats(r->workers[i]));
        if (worker_end_ns(r->workers[i]) > end)
            end = worker_end_ns(r->workers[i]);
    }
    out->elapsed_ns = end - r->start_ns;
    out->n_workers = r->n_workers;
}

static void run_free(struct run *r)
{
    for (unsigned i = 0; r->workers && i < r->n_workers; i++)
        worker_free(r->workers[i]);
    free(r->workers);
}

int runner_run(const struct load_options *o, const struct target *t, unitls_client_config *cfg,
               const uint8_t *request, size_t request_len, struct run_result *out, char *err,
               size_t err_len)
{
    struct run r;
    memset(&r, 0, sizeof r);
    r.shared.opts = o;
    r.shared.target = t;
    r.shared.server_name = o->sni ? o->sni : o->host;
    r.shared.request = request;
    r.shared.request_len = request_len;
    atomic_init(&r.shared.stop, 0);
    r.shared.runner_thread = pthread_self();
    r.progress = !o->quiet && isatty(STDERR_FILENO);
    int rc = workers_build(&r, o, cfg, err, err_len);
    sigset_t signals, old;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &signals, &old);
    r.start_ns = clock_now_ns();
    for (unsigned i = 0; rc == 0 && i < r.n_workers; i++) {
        int e = worker_start(r.workers[i]);
        if (e != 0) {
            snprintf(err, err_len, "cannot start a worker thread: %s", strerror(e));
            atomic_store(&r.shared.stop, 1);
            rc = -1;
            break;
        }
        r.n_started++;
    }
    out->interrupted = run_wait(&r, &signals);
    if (rc == 0)
        run_collect(&r, out);
    run_free(&r);
    /* A worker's late SIGUSR1 must not kill the process once unblocked. */
    struct timespec zero = {0, 0};
    while (sigtimedwait(&signals, NULL, &zero) > 0)
        ;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
