/* session_cache: open addressing over a fixed array of slots, probing a small window. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session_cache.h"

#define PROBE_WINDOW 4

struct slot {
    char *name;
    void *session;
    uint64_t stamp; /* when stored: the oldest of a full window is displaced */
};

struct session_cache {
    const struct session_cache_ops *ops;
    pthread_mutex_t lock;
    uint64_t clock;
    struct slot slots[SESSION_CACHE_SLOTS];
};

static size_t name_hash(const char *name)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)(h % SESSION_CACHE_SLOTS);
}

struct session_cache *session_cache_new(const struct session_cache_ops *ops)
{
    struct session_cache *c = calloc(1, sizeof *c);
    if (c && pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    if (c)
        c->ops = ops;
    return c;
}

void session_cache_free(struct session_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < SESSION_CACHE_SLOTS; i++) {
        free(c->slots[i].name);
        c->ops->release(c->slots[i].session);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* The slot holding name, else an empty one, else the oldest in the window. Lock held. */
static struct slot *slot_for(struct session_cache *c, const char *name, int *found)
{
    size_t start = name_hash(name);
    struct slot *victim = NULL;
    *found = 0;
    for (size_t i = 0; i < PROBE_WINDOW; i++) {
        struct slot *s = &c->slots[(start + i) % SESSION_CACHE_SLOTS];
        if (s->name && strcmp(s->name, name) == 0) {
            *found = 1;
            return s;
        }
        if (!victim || (victim->name && (!s->name || s->stamp < victim->stamp)))
            victim = s;
    }
    return victim;
}

void session_cache_put(struct session_cache *c, const char *name, void *sess)
{
    char *copy = NULL;
    pthread_mutex_lock(&c->lock);
    int found;
    struct slot *s = slot_for(c, name, &found);
    if (!found && !(copy = strdup(name))) {
        pthread_mutex_unlock(&c->lock);
        c->ops->release(sess);
        return;
    }
    void *old = s->session;
    if (!found) {
        free(s->name);
        s->name = copy;
    }
    s->session = sess;
    s->stamp = ++c->clock;
    pthread_mutex_unlock(&c->lock);
    c->ops->release(old);
}

void *session_cache_get(struct session_cache *c, const char *name)
{
    void *held = NULL, *copy = NULL;
    pthread_mutex_lock(&c->lock);
    int found;
    struct slot *s = slot_for(c, name, &found);
    if (found && s->session) {
        if (c->ops->hold)
            held = c->ops->hold(s->session);
        else
            copy = c->ops->copy(s->session);
    }
    pthread_mutex_unlock(&c->lock);
    /* Copied outside the lock where the session can be held: the remembered session is never
     * given to a connection, so nothing changes it meanwhile, and other threads need not wait
     * for the copy. */
    if (held) {
        copy = c->ops->copy(held);
        c->ops->release(held);
    }
    return copy;
}

int session_cache_holds(struct session_cache *c, const char *name, const void *sess,
                        int (*same)(const void *held, const void *sess))
{
    pthread_mutex_lock(&c->lock);
    int found;
    struct slot *s = slot_for(c, name, &found);
    int holds = found && s->session && same(s->session, sess);
    pthread_mutex_unlock(&c->lock);
    return holds;
}
