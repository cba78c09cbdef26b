/* heap_trim: malloc_trim once a burst is over; see heap_trim.h. */
#include "config.h"

#include "daemon/heap_trim.h"

#include <inttypes.h>
#include <time.h>
#if defined(HAVE_MALLOC_H) && defined(HAVE_MALLOC_TRIM)
#include <malloc.h>
#define HEAP_TRIM_AVAILABLE 1
#else
#define HEAP_TRIM_AVAILABLE 0
#endif

#include "daemon/log.h"

static long elapsed_us(const struct timespec *t0, const struct timespec *t1)
{
    return (long)(t1->tv_sec - t0->tv_sec) * 1000000L + (t1->tv_nsec - t0->tv_nsec) / 1000L;
}

/* Gives whole free pages back to the system; returns how long that took, in us. */
static long trim_heap(void)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
#if HEAP_TRIM_AVAILABLE
    malloc_trim(0);
#endif
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return elapsed_us(&t0, &t1);
}

int heap_trim_tick(struct heap_trim *t, uint64_t accepted, uint64_t handshakes, uint64_t now_ms)
{
    int quiet = accepted - t->tick_accepted <= HEAP_TRIM_QUIET &&
                handshakes - t->tick_handshakes <= HEAP_TRIM_QUIET;
    t->tick_accepted = accepted;
    t->tick_handshakes = handshakes;
    if (!HEAP_TRIM_AVAILABLE || !quiet || handshakes - t->trim_handshakes < HEAP_TRIM_HANDSHAKES ||
        now_ms - t->trim_ms < HEAP_TRIM_MIN_MS)
        return 0;
    long us = trim_heap();
    log_debug("heap trimmed after %" PRIu64 " handshakes in %ld us",
              handshakes - t->trim_handshakes, us);
    t->trim_handshakes = handshakes;
    t->trim_ms = now_ms;
    return 1;
}

void heap_trim_drop_opened(struct heap_trim_drop *d, size_t n_open)
{
    if (n_open > d->peak)
        d->peak = n_open;
    if (n_open > d->burst_peak)
        d->burst_peak = n_open;
}

static int drop_due(const struct heap_trim_drop *d, size_t n_open)
{
    if (n_open >= d->peak)
        return 0; /* nothing closed since the last trim */
    if (d->peak - n_open >= HEAP_TRIM_DROP && n_open <= d->peak / 2)
        return 1;
    return n_open == 0 && d->burst_peak >= HEAP_TRIM_DROP;
}

int heap_trim_drop_closed(struct heap_trim_drop *d, size_t n_open, unsigned worker)
{
    int due = HEAP_TRIM_AVAILABLE && drop_due(d, n_open);
    if (due) {
        long us = trim_heap();
        log_debug("worker %u: heap trimmed as its connections fell from %zu to %zu, in %ld us",
                  worker, d->peak, n_open, us);
        d->peak = n_open;
    }
    if (n_open == 0)
        d->burst_peak = 0;
    return due;
}
