/* worker: one thread of unitls-load with its own event_base, client context, connection slots
 * and statistics. Workers share nothing mutable but the runner's stop flag; what the runner
 * reads while they run (the live counters) are relaxed atomics written by the worker alone.
 *
 * Scheduling, per worker:
 *  - closed loop (no --rate): every slot runs units back to back; a unit starts the moment the
 *    previous one in its slot ended;
 *  - open loop (--rate): arrivals come on a fixed schedule, each with its intended start time;
 *    an arrival takes an idle kept-alive connection (request mode) or a free slot, or waits for
 *    one. Latency counts from the intended start, so a stall shows as latency instead of
 *    silently lowering the rate (no coordinated omission). Arrivals still waiting when the run
 *    ends are reported as unstarted.
 *  - resume mode first runs a single connection to obtain a session, then all slots.
 * The run ends at the deadline (--duration; units in flight then finish, bounded by
 * --timeout) or once the worker's share of --count has finished, or when the runner asks. */
#ifndef UNITLS_LOAD_WORKER_H
#define UNITLS_LOAD_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <unitls/unitls.h>

#include "options.h"
#include "stats.h"
#include "target.h"

/* What the runner shares with every worker. */
struct worker_shared {
    const struct load_options *opts;
    const struct target *target;
    const char *server_name;     /* NULL: no SNI (not used: the host is always given) */
    const uint8_t *request;      /* request mode */
    size_t request_len;
    atomic_int stop;             /* set by the runner: finish now */
    pthread_t runner_thread;     /* woken with SIGUSR1 when a worker ends */
};

/* The live view the runner reads once a second. */
struct worker_live {
    atomic_uint_fast64_t completed;
    atomic_uint_fast64_t failed;
    atomic_uint_fast64_t in_flight;
    atomic_int done;
};

struct worker;

/* Builds a worker (event base, client context from cfg, slots) for its share of the run:
 * concurrency slots, count units (0: timed run), rate arrivals per second (0: closed loop).
 * NULL with err filled when it cannot be built. */
struct worker *worker_new(const struct worker_shared *shared, unitls_client_config *cfg,
                          unsigned concurrency, uint64_t count, double rate, unitls_error *err);
/* Runs the worker on a new thread. 0, or an errno value. */
int worker_start(struct worker *w);
/* Waits for the thread to end. */
void worker_join(struct worker *w);
const struct worker_live *worker_live(const struct worker *w);
/* After join: the statistics and when the worker's loop ended. */
const struct load_stats *worker_stats(const struct worker *w);
uint64_t worker_end_ns(const struct worker *w);
void worker_free(struct worker *w);

#endif
