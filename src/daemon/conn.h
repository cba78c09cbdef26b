/* One proxied connection, from accept to the access log line, on one worker's event base.
 *
 * accept -> [PROXY header] -> handshake (handshake timeout) -> non-blocking backend connect
 * (connect timeout;
 * started only once the handshake completed, so a stalled client never holds a backend
 * connection) -> plaintext both ways (idle timeout) -> close and access log.
 *
 * The backend is one of the listener's backends (backend_pool.h says which, in what order,
 * and keeps their passive health). A connect that is refused or times out before any byte
 * went through marks that backend down and goes on to the next, each backend at most once per
 * connection, with what the client sent meanwhile kept and the PROXY header remade for the
 * next backend's proxy_protocol; the connection fails ("backend refused", "timeout: connect")
 * only when every backend did. Each failed connect is counted and logged (rate-limited); the
 * access line names the backend used last (backend=ADDRESS).
 *
 * The client socket is read straight into the unitls_buffer (incoming_reserve/commit) and
 * written straight from it (outgoing_peek/consume): ciphertext is never copied by us. Plaintext
 * passes through the worker's scratch buffer; only what a slow peer cannot take yet is kept,
 * at most CONN_BUFFER_LIMIT bytes per direction, and while anything is kept the other side is
 * not read (its read event is removed), so memory never grows with a peer's slowness. An idle
 * connection holds no buffer of ours.
 *
 * Half-close is carried through both ways: the client's close_notify (or EOF) shuts the
 * backend's write side once everything before it was delivered; the backend's EOF sends
 * close_notify to the client, shuts the client socket's write side, and ends the connection
 * once the client closes too (or after a short linger).
 *
 * A connection whose handshake fails (not ended by shutdown) is explained: the library's reason
 * and facts (unitls_buffer_handshake_failure), or the daemon's own ("timeout" for the handshake
 * timeout, "peer_closed" for an EOF or reset the library could not tell apart), counted per
 * listener and reason in the worker's failure_log, logged at most FAILURE_LOG_LINES_PER_S
 * times a second per listener and reason, and written after end= in the access line.
 *
 * On a listener with accept_proxy, a source outside its trusted ranges is refused at accept;
 * a trusted one must first send a PROXY header (proxy_in.h) of a version the listener takes,
 * read before any TLS byte within the same handshake timeout. A header naming a client makes
 * that address the client everywhere after (access line, failure lines, the PROXY header to
 * the backend, with the header's destination as the address reached); LOCAL and UNKNOWN keep
 * the balancer as the client. The bytes that came after the header go to TLS. A refusal (no
 * header, a malformed one, a version not taken, a timeout, a close) is counted per listener
 * and reason in failure_log (its FAILURE_PROXY_* reasons) and logged like a failed handshake:
 *   listener NAME: proxy: PEER: WHY (reason=R)
 *
 * A connection belongs to the worker thread whose conn_env it was started in; nothing here
 * locks. Nothing on the per-record path allocates or logs. */
#ifndef UNITLSD_CONN_H
#define UNITLSD_CONN_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "daemon/failure_log.h"
#include "daemon/runtime.h"

#define CONN_BUFFER_LIMIT (64u * 1024u)

/* Written by the worker thread only (relaxed stores), read by the main thread for STATUS and
 * /metrics. */
struct conn_counters {
    atomic_uint_fast64_t accepted;
    atomic_uint_fast64_t closed;
    atomic_uint_fast64_t handshakes;          /* completed */
    atomic_uint_fast64_t resumed;             /* of those, resumed sessions */
    atomic_uint_fast64_t handshake_failures;  /* TLS errors and timeouts before completion */
    atomic_uint_fast64_t backend_failures;    /* refused or timed-out backend connects */
    atomic_uint_fast64_t bytes_in;            /* plaintext client -> backend */
    atomic_uint_fast64_t bytes_out;           /* plaintext backend -> client */
};

struct conn;

/* What connections need from the worker that runs them. */
struct conn_env {
    struct event_base *base;
    uint8_t *scratch;                 /* CONN_BUFFER_LIMIT bytes, shared by the connections */
    struct conn *head;                /* the open connections */
    size_t n_open;
    struct conn_counters counters;
    struct failure_log failures;      /* handshake failures by listener and reason, their log */
    struct event *failure_flush;      /* reports suppressed failure lines (failure_log.h) */
    void (*on_close)(void *arg);      /* after each connection ended (slots, draining) */
    void *arg;
};

/* The worker's clock in ms: its event loop's cached time of day (no syscall). */
uint64_t conn_env_clock_ms(const struct conn_env *env);

/* 0, or -1 when the scratch buffer cannot be allocated. */
int conn_env_init(struct conn_env *env, struct event_base *base, void (*on_close)(void *arg),
                  void *arg);
/* Ends every connection (conn_close_all) and frees the scratch buffer. */
void conn_env_fini(struct conn_env *env);

/* Starts a connection on the accepted non-blocking fd. Takes ownership of fd and of one slot
 * of l's max_connections (runtime_listener_acquire), both given back when the connection
 * ends, or at once when this fails. 0, or -1 (logged) when no buffer could be created. */
int conn_start(struct conn_env *env, struct runtime_listener *l, int fd,
               const struct sockaddr *peer, socklen_t peer_len);

/* Ends every open connection now (end reason "shutdown"), sending close_notify where the
 * handshake completed. */
void conn_close_all(struct conn_env *env);

#endif
