/* conn_internal: private to conn.c, conn_backend.c, conn_proxy.c and conn_report.c, the four
 * files of the connection module that conn.h describes; nothing else includes it. It holds
 * struct conn, the phases, flags and end reasons the files share, the helpers they all call,
 * and the functions each offers the others:
 *   conn.c         runs a connection: events, handshake, relay, close;
 *   conn_backend.c connects to a backend of the listener's pool (backend_pool.h), the PROXY
 *                  header first, and to the next one when a connect fails;
 *   conn_proxy.c   reads the balancer's PROXY header before any TLS (accept_proxy) and
 *                  refuses what it cannot take;
 *   conn_report.c  says how a connection ended: counters, the access line, the failure log.
 * Like conn.h's, every function here runs on the worker thread that owns the connection. */
#ifndef UNITLSD_CONN_INTERNAL_H
#define UNITLSD_CONN_INTERNAL_H

#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "daemon/conn.h"
#include "daemon/pending.h"
#include "daemon/proxy_in.h"

/* PHASE_PROXY: waiting for the balancer's PROXY header (accept_proxy), before any TLS. */
enum phase { PHASE_PROXY, PHASE_HANDSHAKE, PHASE_CONNECT, PHASE_RELAY };

enum conn_end {
    END_CLEAN, END_RAGGED, END_TIMEOUT_HANDSHAKE, END_TIMEOUT_CONNECT, END_TIMEOUT_IDLE,
    END_BACKEND_REFUSED, END_BACKEND_ERROR, END_CLIENT_ERROR, END_TLS_ERROR, END_SHUTDOWN,
    END_NOMEM, END_PROXY
};

/* armed events */
#define A_CLIENT_RD 0x1u
#define A_CLIENT_WR 0x2u
#define A_BACKEND_RD 0x4u
#define A_BACKEND_WR 0x8u

/* flags */
#define F_DEAD 0x0001u          /* ended: conn_settle frees it */
#define F_CLIENT_EOF 0x0002u    /* no more plaintext from the client */
#define F_CLIENT_NOTIFY 0x0004u /* ... because its close_notify arrived */
#define F_CLIENT_TCP_EOF 0x0008u /* the client's transport EOF was fed to the buffer */
#define F_BACKEND_SHUT 0x0010u  /* the backend's write side is shut */
#define F_BACKEND_EOF 0x0020u   /* the backend sent EOF */
#define F_NOTIFY_QUEUED 0x0040u /* our close_notify is queued */
#define F_CLIENT_SHUT 0x0080u   /* our close_notify went out and the client socket is shut */
#define F_TLS_HOLDS 0x0100u     /* decrypted bytes may wait inside the buffer */
#define F_BACKEND_FRESH 0x0200u /* connect reported done, not yet confirmed by any I/O */

struct conn {
    struct conn *prev, *next;
    struct conn_env *env;
    struct runtime_listener *listener;
    unitls_buffer *tls;
    int client_fd, backend_fd;
    uint8_t phase, armed, end;
    uint16_t flags;
    uint16_t tls_version, cipher;   /* kept from the handshake: a fatal error later hides them */
    int end_errno;
    struct pending to_backend, to_client;
    struct backend_plan plan;       /* the backends tried; plan.current is the one in use */
    uint16_t header_len;            /* the PROXY header at the front of to_backend, while
                                       connecting */
    uint64_t bytes_in, bytes_out;
    uint64_t started_ms, active_ms;
    /* The client: the socket's peer, or the source a trusted balancer's PROXY header named. */
    union conn_address {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } peer;
    socklen_t peer_len;
    /* With a PROXY header naming a client: the balancer (the socket's peer), and the address
     * the client reached (the header's destination, for the header sent to the backend). */
    union conn_address balancer, reached;
    socklen_t balancer_len, reached_len;
    struct proxy_wait *proxy;       /* while in PHASE_PROXY, and after a refusal */
    struct event client_rd, client_wr, backend_rd, backend_wr, timer;
};

/* The balancer's header as it arrives (accept_proxy), then why the connection was refused:
 * allocated for a connection from a trusted source, freed once the header is read. */
struct proxy_wait {
    size_t len;
    enum failure_reason reason;      /* a FAILURE_PROXY_* once refused */
    char why[160];
    uint8_t buf[PROXY_IN_HEADER_MAX];
};

/* Idle connections are the daemon's memory: keep our part of one small (800 bytes today). */
_Static_assert(sizeof(struct conn) <= 1024, "struct conn grew past 1 KiB");

/* The library's facts: versions, suites (a client may offer dozens), names; more is cut. */
#define FAILURE_FACTS_MAX 1024u

/* The access line's end= word of each conn_end. */
extern const char *const conn_end_names[];

/* --- helpers of all three files ---------------------------------------------------------- */

/* Single writer: a relaxed load and store, no locked instruction on the data path. */
static inline void counter_add(atomic_uint_fast64_t *counter, uint64_t n)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

static inline int would_block(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* The first failure decides how the connection ended. */
static inline void conn_fail(struct conn *c, enum conn_end end, int err)
{
    if (c->flags & F_DEAD)
        return;
    c->flags |= F_DEAD;
    c->end = (uint8_t)end;
    c->end_errno = err;
}

/* (Re)arms c's one timer to fire in ms. */
static inline void conn_timer_set(struct conn *c, uint64_t ms)
{
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000u), .tv_usec = (suseconds_t)(ms % 1000u) * 1000};
    event_add(&c->timer, &tv);
}

/* The backend c tries or uses; NULL before its first connect. */
static inline const struct backend *conn_backend(const struct conn *c)
{
    return c->plan.started ? &c->listener->backends.backends[c->plan.current] : NULL;
}

/* --- conn.c: the backend socket's events, for conn_backend.c to assign ------------------- */

void conn_on_backend_read(evutil_socket_t fd, short what, void *arg);
void conn_on_backend_write(evutil_socket_t fd, short what, void *arg);

/* --- conn_backend.c: connecting to the listener's backends -------------------------------- */

enum conn_dial { CONN_DIAL_CONNECTED, CONN_DIAL_PENDING, CONN_DIAL_FAILED };

/* Connects c to the next backend of its plan (backend_pool_next), and to the one after it when
 * that connect fails at once, each failure counted and marked (conn_backend_failure). c is in
 * PHASE_CONNECT with its connect timer set, connected already or under way; or, with no
 * backend left, failed as the last one did (end and err stand for a failure before this call,
 * for when no backend is left to try at all). */
enum conn_dial conn_backend_dial(struct conn *c, enum conn_end end, int err);

/* The connect to c's current backend failed (end, err) before any byte went through: that is
 * counted and marked, its socket closed, and c goes on to the next backend of its plan with
 * what was queued for the backend kept. Nothing is pumped (it runs inside the pumps): a connect
 * done at once completes by its write event. 1 when c goes on, 0 when it failed. */
int conn_backend_retry(struct conn *c, enum conn_end end, int err);

/* --- conn_proxy.c: the balancer's PROXY header (accept_proxy) ----------------------------- */

/* Refuses a source outside l's accept_proxy.trusted at accept, before any connection exists:
 * counts and logs it, closes fd and gives l's slot back, as a failed conn_start would. */
void conn_proxy_refuse_untrusted(struct conn_env *env, struct runtime_listener *l, int fd,
                                 const struct sockaddr *peer, socklen_t peer_len);

/* One recv of c's header, in PHASE_PROXY. 1 once the header is whole: c is in PHASE_HANDSHAKE,
 * with the bytes that followed the header handed to TLS. 0 to wait for more, or when c was
 * refused (F_DEAD set). */
int conn_proxy_read(struct conn *c);

/* Ends c, in PHASE_PROXY, for reason; the formatted why is kept for conn_free's lines. */
void __attribute__((format(printf, 3, 4)))
conn_proxy_refuse(struct conn *c, enum failure_reason reason, const char *fmt, ...);

/* Counts a PROXY refusal in env's failure log and logs it (rate-limited), naming the peer that
 * connected (the balancer, or whoever it was). */
void conn_proxy_refusal_note(struct conn_env *env, const char *listener,
                             const struct sockaddr *peer, socklen_t peer_len,
                             enum failure_reason reason, const char *why);

/* --- conn_report.c: how a connection ended ------------------------------------------------ */

/* 1 when c failed its handshake (not cut short by shutdown). */
int conn_handshake_failed(const struct conn *c);

/* Counts c's end in env's counters. */
void conn_count_end(struct conn *c);

/* The connect to c's current backend failed (end: END_BACKEND_REFUSED or END_TIMEOUT_CONNECT,
 * err its errno): counted, logged (rate-limited per listener), and when mark_down (the
 * backend's fault, not ours) the backend is marked down for its listener's backend_retry. */
void conn_backend_failure(struct conn *c, enum conn_end end, int err, int mark_down);

/* Counts and logs (rate-limited) c's failed handshake, and writes "reason=R FACTS" into
 * described (cap bytes, FAILURE_FACTS_MAX + 64 is enough) for the access line. */
void conn_failure_report(struct conn *c, char *described, size_t cap);

/* Writes c's access line; failure: the failed handshake's description, or NULL. */
void conn_access_log(const struct conn *c, const char *failure);

/* Arms env's failure_flush timer to fire in ms. */
void conn_failure_flush_arm(struct conn_env *env, uint64_t ms);

/* env->failure_flush's callback (arg: the conn_env): says how many failure lines a finished
 * window suppressed. */
void conn_on_failure_flush(evutil_socket_t fd, short what, void *arg);

#endif
