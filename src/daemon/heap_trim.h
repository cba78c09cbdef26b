/* Giving freed heap back to the system once a burst of handshakes is over.
 *
 * OpenSSL allocates a few tens of KiB per handshake and frees most of it once the handshake is
 * over, but glibc keeps the freed pages inside its arenas: after 5,000 connections opened at
 * once, RSS stays at ~42 KiB per idle connection where ~21 KiB are in use. malloc_trim(0)
 * hands whole free pages back; it walks every arena (~0.5 us per live connection), so it runs
 * only once a burst is over, never under sustained load, where the pages would be faulted back
 * in at once.
 *
 * Two decisions use it:
 * - The main thread owns a heap_trim and ticks it about once a second with the sums of every
 *   worker's counters: after a burst of handshakes, the first quiet second trims. One decision
 *   for the process (malloc_trim acts on the whole process) trims once per burst, and no
 *   worker's loop stalls while it runs.
 * - Each worker owns a heap_trim_drop, told of every connection it opens and closes: when its
 *   open connections have fallen by half since their peak (and by at least HEAP_TRIM_DROP), or
 *   to none after a burst, the worker trims at once, in its own loop. Freed connections are what
 *   a flood leaves behind, and a second's wait for the tick would leave them resident; the
 *   halving bounds the trims to a few per flood, and each needs HEAP_TRIM_DROP connections
 *   closed since the previous one, so a trim's cost (~0.5 us per live connection) stays small
 *   beside the handshakes that preceded it. Under steady load the count does not halve.
 * Without malloc_trim (not glibc), neither ever trims. */
#ifndef UNITLSD_HEAP_TRIM_H
#define UNITLSD_HEAP_TRIM_H

#include <stddef.h>
#include <stdint.h>

/* At least this many handshakes since the last trim make a burst. */
#define HEAP_TRIM_HANDSHAKES 1000u
/* A tick is quiet when at most this many connections were accepted and at most this many
 * handshakes completed since the previous tick. */
#define HEAP_TRIM_QUIET 100u
/* Never two trims closer than this. */
#define HEAP_TRIM_MIN_MS 10000u

/* Zero-initialised before the first tick. */
struct heap_trim {
    uint64_t trim_handshakes, trim_ms;      /* at the last trim */
    uint64_t tick_accepted, tick_handshakes; /* at the previous tick */
};

/* One tick: accepted and handshakes are the process's totals so far, now_ms a monotonic clock.
 * Trims when the tick is quiet, a burst has completed since the last trim and the last trim is
 * HEAP_TRIM_MIN_MS old; then logs at debug level how many handshakes the burst had and how long
 * the trim took. Returns 1 when it trimmed, else 0. */
int heap_trim_tick(struct heap_trim *t, uint64_t accepted, uint64_t handshakes, uint64_t now_ms);

/* A worker's connection count: a trim needs at least this many fewer open than at the peak
 * since the last trim, or a burst of at least this many before the count reached zero. */
#define HEAP_TRIM_DROP 64u

/* Zero-initialised; owned by one worker thread. */
struct heap_trim_drop {
    size_t peak;        /* the most connections open at once since the last trim */
    size_t burst_peak;  /* the most open at once since the count was last zero */
};

/* After the worker opened a connection; n_open counts it. */
void heap_trim_drop_opened(struct heap_trim_drop *d, size_t n_open);

/* After the worker closed a connection; n_open no longer counts it. Trims when n_open is at
 * most half the peak since the last trim and at least HEAP_TRIM_DROP below it, or when n_open
 * is zero after a burst whose peak was at least HEAP_TRIM_DROP and something closed since the
 * last trim; then logs at debug level (worker names the worker) and returns 1, else 0. */
int heap_trim_drop_closed(struct heap_trim_drop *d, size_t n_open, unsigned worker);

#endif
