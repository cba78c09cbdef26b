/* session_cache: a client context's memory of the latest session per server name, so the next
 * buffer for that name can resume. Small and bounded (SESSION_CACHE_SLOTS names; a newer name
 * displaces the oldest of its probe window), guarded by a mutex since buffers of one context
 * are created and handshake on any thread. TLS 1.3 tickets are best used once: every new
 * ticket replaces the name's previous session.
 *
 * A session is the implementation's opaque object (an SSL_SESSION, a GnuTLS session blob);
 * the ops say how to keep and copy one. */
#ifndef UNITLS_CORE_SESSION_CACHE_H
#define UNITLS_CORE_SESSION_CACHE_H

#define SESSION_CACHE_SLOTS 128

struct session_cache_ops {
    /* Optional: takes one more reference to s (cheap, under the cache's lock); NULL when
     * sessions have no reference count, and then copy runs under the lock instead. */
    void *(*hold)(void *s);
    /* A copy of s for one connection, or NULL when out of memory. */
    void *(*copy)(void *s);
    /* Drops one reference (or frees) s; s may be NULL. */
    void (*release)(void *s);
};

struct session_cache;

/* ops must outlive the cache. NULL when out of memory. */
struct session_cache *session_cache_new(const struct session_cache_ops *ops);
void session_cache_free(struct session_cache *c);
/* Remembers sess for name, taking over the caller's reference (it is released at once when it
 * cannot be stored). The caller decides beforehand whether sess is worth keeping. */
void session_cache_put(struct session_cache *c, const char *name, void *sess);
/* A copy of the session remembered for name, for one connection (the caller releases it), or
 * NULL. A copy because a library may change the very session a connection used (OpenSSL marks
 * it unresumable at the end of every TLS 1.3 client handshake and when a connection is freed
 * without close_notify), and the remembered one must stay usable for every connection that
 * starts before a new ticket replaces it. */
void *session_cache_get(struct session_cache *c, const char *name);
/* 1 when the session remembered for name and sess are the same by same(), which is called
 * under the cache's lock with the remembered session itself (no copy: it must only read it);
 * 0 otherwise, or when nothing is remembered for name. */
int session_cache_holds(struct session_cache *c, const char *name, const void *sess,
                        int (*same)(const void *held, const void *sess));

#endif
