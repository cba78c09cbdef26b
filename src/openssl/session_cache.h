/* session_cache: a client context's memory of the latest session per server name, so the next
 * buffer for that name can resume. Small and bounded (SESSION_CACHE_SLOTS names; a newer name
 * displaces the oldest of its probe window), guarded by a mutex since buffers of one context
 * are created and handshake on any thread. TLS 1.3 tickets are best used once: every new
 * ticket replaces the name's previous session. */
#ifndef UNITLS_OPENSSL_SESSION_CACHE_H
#define UNITLS_OPENSSL_SESSION_CACHE_H

#include <openssl/ssl.h>

#define SESSION_CACHE_SLOTS 128

struct session_cache;

/* NULL when out of memory. */
struct session_cache *session_cache_new(void);
void session_cache_free(struct session_cache *c);
/* Remembers sess for name, taking over the caller's reference (it is freed at once when it
 * cannot be stored or is not resumable). */
void session_cache_put(struct session_cache *c, const char *name, SSL_SESSION *sess);
/* A copy of the session remembered for name, for one connection (the caller frees it), or
 * NULL. A copy because OpenSSL marks the very SSL_SESSION a connection used unresumable
 * (SSL_CTX_remove_session, at the end of every TLS 1.3 client handshake and when a connection
 * is freed without sending close_notify), and the remembered one must stay usable for every
 * connection that starts before a new ticket replaces it. */
SSL_SESSION *session_cache_get(struct session_cache *c, const char *name);

#endif
