/* Worker threads: each runs its own libevent event base with the accept events of the current
 * generation and the connections it accepted.
 *
 * Every worker registers an accept event on the SAME shared non-blocking listening fds (one
 * socket per address, whether bound by us, kept across a reload or passed by systemd); the
 * kernel wakes the workers and a worker that loses the race gets EAGAIN from accept4, which
 * costs little with a handful of workers. max_connections is counted per listener across all
 * workers: a worker that finds its listener full removes its accept event and resumes it when
 * a slot frees (its own connection closing, or a periodic re-check for other workers' slots).
 *
 * The main thread talks to a worker through a mailbox (a mutex-protected slot read by the
 * worker only when woken by event_active): a new generation to switch to, stop accepting, or
 * close everything. Nothing on the connection path takes that lock. A worker switches by
 * removing its accept events, adding the new generation's, and dropping its reference to the
 * old one; so a listening socket the new generation no longer has is closed only when the last
 * worker has let go of it.
 *
 * Which accept events may accept as listeners fill up is worker_slots' accounting. After a
 * flood, each worker gives freed heap back as its connections fall (heap_trim_drop), and makes
 * libevent's per-fd records in blocks so that they do not pin freed pages (worker.c).
 *
 * Each worker bumps a heartbeat counter from a timer in its loop; worker_pool_alive() tells
 * the main thread whether every loop has turned since it last asked (for WATCHDOG=1). */
#ifndef UNITLSD_WORKER_H
#define UNITLSD_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/failure_log.h"
#include "daemon/runtime.h"

struct worker_pool;

/* Sums of every worker's counters (see struct conn_counters). */
struct worker_totals {
    uint64_t accepted, closed, handshakes, resumed, handshake_failures, backend_failures;
    uint64_t bytes_in, bytes_out;
};

/* Starts n workers serving g (each takes its own reference). heartbeat_ms: how often each
 * loop proves it runs. NULL with the reason in err. */
struct worker_pool *worker_pool_start(unsigned n, struct generation *g, unsigned heartbeat_ms,
                                      char *err, size_t errlen);
unsigned worker_pool_size(const struct worker_pool *pool);

/* Hands g to every worker (each takes a reference); returns at once, workers switch as soon
 * as their loop gets to it. */
void worker_pool_switch(struct worker_pool *pool, struct generation *g);

/* 1 when every worker's heartbeat moved since the previous call (the first call compares with
 * the start). Main thread only. */
int worker_pool_alive(struct worker_pool *pool);

void worker_pool_totals(const struct worker_pool *pool, struct worker_totals *out);
/* Adds every worker's failed handshakes and PROXY refusals of the listener named listener, by
 * reason (failure_log.h: handshake reasons, then the FAILURE_PROXY_* ones), to counts
 * (failure_log_counts). Main thread. */
void worker_pool_failure_counts(const struct worker_pool *pool, const char *listener,
                                uint64_t counts[FAILURE_REASONS]);

/* Shutdown: every worker stops accepting at once; open connections get up to drain_ms to
 * finish; whatever is left is then closed. Returns when every thread has exited, with the
 * number of connections that had to be closed. */
uint64_t worker_pool_drain(struct worker_pool *pool, unsigned drain_ms);

/* Frees a drained pool. */
void worker_pool_free(struct worker_pool *pool);

#endif
