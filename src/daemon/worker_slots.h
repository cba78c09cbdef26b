/* worker_slots: which of a worker's accept events may accept, as their listeners fill up and
 * free places (max_connections).
 *
 * A worker has one accept slot per listening socket of its generation. Each connection takes
 * one of its listener's max_connections places before accept4 and gives it back when it ends
 * (or at once when the accept fails). A slot whose listener is full is paused: the worker
 * removes its accept event, since the pending connection would make a level-triggered event
 * fire again at once, and resumes it when the listener has room again, which another worker's
 * connection closing can bring about as well as its own (so the worker also re-checks now and
 * then while any slot is paused).
 *
 * This module keeps that accounting and nothing else: no events, no sockets, no threads. The
 * places are counted by the caller's ops (the runtime's gauges in unitlsd, counters in tests),
 * and the caller is told what to do with its events. Owned by one worker thread. */
#ifndef UNITLSD_WORKER_SLOTS_H
#define UNITLSD_WORKER_SLOTS_H

#include <stddef.h>

struct runtime_listener;

/* A listener's max_connections places, counted across every worker (atomics in unitlsd). */
struct worker_slots_places {
    /* Takes a place: 1 when taken, 0 when the listener is full. */
    int (*take)(struct runtime_listener *l);
    void (*give_back)(struct runtime_listener *l);
    /* 1 when a place is free (a hint: another worker may take it first). */
    int (*has_room)(const struct runtime_listener *l);
};

struct worker_slot {
    struct runtime_listener *listener;
    int paused;
};

struct worker_slots {
    const struct worker_slots_places *places;
    struct worker_slot *slot;
    size_t n;
};

/* Replaces s's slots with one per listener of listeners (n of them; the same listener may
 * appear several times, one per socket), each paused when its listener is full now. 0, or -1
 * when out of memory (s then has no slot). */
int worker_slots_set(struct worker_slots *s, struct runtime_listener *const *listeners,
                     size_t n);
/* Frees the slots; s stays usable (no slot). */
void worker_slots_clear(struct worker_slots *s);

/* Before accepting on slot i: 1 when a place was taken (the caller accepts, and gives the
 * place back with worker_slots_untake when the accept fails), 0 when the listener is full: the
 * slot is now paused, and the caller removes its event. */
int worker_slots_take(struct worker_slots *s, size_t i);
void worker_slots_untake(struct worker_slots *s, size_t i);

/* Pauses slot i for a reason of the caller's (accept ran out of fds or memory). */
void worker_slots_pause(struct worker_slots *s, size_t i);

/* Resumes every paused slot whose listener has room, calling resume(i, arg) for each (the
 * caller adds its event back). Returns how many slots stay paused (the caller then re-checks
 * later). */
size_t worker_slots_resume(struct worker_slots *s, void (*resume)(size_t i, void *arg),
                           void *arg);

/* How many slots are paused now. */
size_t worker_slots_paused(const struct worker_slots *s);

#endif
