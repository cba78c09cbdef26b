/* Giving freed heap back to the system once a burst of handshakes is over.
 *
 * OpenSSL allocates a few tens of KiB per handshake and frees most of it once the handshake is
 * over, but glibc keeps the freed pages inside its arenas: after 5,000 connections opened at
 * once, RSS stays at ~42 KiB per idle connection where ~21 KiB are in use. malloc_trim(0)
 * hands whole free pages back; it walks every arena (~0.5 us per live connection), so it runs
 * only once a burst is over, never under sustained load, where the pages would be faulted back
 * in at once.
 *
 * The main thread owns a heap_trim and ticks it about once a second with the sums of every
 * worker's counters. malloc_trim acts on the whole process, so one decision for the process
 * (rather than one per worker) trims once per burst, and no worker's loop stalls while it runs.
 * Without malloc_trim (not glibc), heap_trim_tick never trims. */
#ifndef UNITLSD_HEAP_TRIM_H
#define UNITLSD_HEAP_TRIM_H

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

#endif
