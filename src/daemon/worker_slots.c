/* worker_slots: a worker's accept slots paused and resumed with their listeners' places; see
 * worker_slots.h. */
#include "config.h"

#include "daemon/worker_slots.h"

#include <stdlib.h>

int worker_slots_set(struct worker_slots *s, struct runtime_listener *const *listeners,
                     size_t n)
{
    worker_slots_clear(s);
    if (n == 0)
        return 0;
    s->slot = calloc(n, sizeof *s->slot);
    if (!s->slot)
        return -1;
    for (size_t i = 0; i < n; i++) {
        s->slot[i].listener = listeners[i];
        s->slot[i].paused = !s->places->has_room(listeners[i]);
    }
    s->n = n;
    return 0;
}

void worker_slots_clear(struct worker_slots *s)
{
    free(s->slot);
    s->slot = NULL;
    s->n = 0;
}

int worker_slots_take(struct worker_slots *s, size_t i)
{
    struct worker_slot *slot = &s->slot[i];
    if (s->places->take(slot->listener))
        return 1;
    slot->paused = 1;
    return 0;
}

void worker_slots_untake(struct worker_slots *s, size_t i)
{
    s->places->give_back(s->slot[i].listener);
}

void worker_slots_pause(struct worker_slots *s, size_t i) { s->slot[i].paused = 1; }

size_t worker_slots_resume(struct worker_slots *s, void (*resume)(size_t i, void *arg),
                           void *arg)
{
    size_t still_paused = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct worker_slot *slot = &s->slot[i];
        if (!slot->paused)
            continue;
        if (s->places->has_room(slot->listener)) {
            slot->paused = 0;
            resume(i, arg);
        } else {
            still_paused++;
        }
    }
    return still_paused;
}

size_t worker_slots_paused(const struct worker_slots *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->slot[i].paused != 0;
    return n;
}
