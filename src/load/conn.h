/* conn: one client connection of unitls-load, a state machine over a non-blocking socket, a
 * unitls_buffer and three libevent events, driven by its worker's event loop.
 *
 * A connection runs "units" (the thing a mode measures: a handshake, a request, a transfer)
 * and reports each one's end to its owner through the env's callbacks: the owner counts it
 * and says what the connection does next. Latency is measured from the unit's start time,
 * which the owner gives (the intended start in open-loop runs).
 *
 * I/O path: bytes are received straight into the buffer's incoming store
 * (unitls_buffer_incoming_reserve/_commit) with one recv sized to the free room, and sent
 * straight from its outgoing store (_outgoing_peek/_consume), so a whole flight leaves in one
 * send. Plaintext is read into the worker's scratch buffer and written from its shared
 * pattern: nothing per record, nothing per connection is allocated by this module, and the
 * read event stays registered for the connection's whole life (the write event is added only
 * while a send would block).
 *
 * Callbacks from a connection to its owner happen inside the connection's own event handlers
 * (or inside conn_start/conn_request/conn_close): the owner must not start, request on or close
 * that same connection from inside them, only record and schedule. */
#ifndef UNITLS_LOAD_CONN_H
#define UNITLS_LOAD_CONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <unitls/unitls.h>

#include "http.h"
#include "options.h"
#include "stats.h"

enum conn_phase {
    CONN_FREE,       /* no connection */
    CONN_CONNECTING, /* TCP connect in progress (the ClientHello waits in the buffer) */
    CONN_HANDSHAKE,
    CONN_REQUEST,    /* request mode: sending a request, reading its response */
    CONN_IDLE,       /* request mode: kept alive between requests */
    CONN_TRANSFER,   /* throughput mode: payload out, echo in */
    CONN_HOLD,       /* hold mode: established, held */
    CONN_CLOSING     /* close_notify sent; waiting (bounded) for the server's end */
};

/* What a connection does after a unit that succeeded. */
enum conn_next {
    CONN_NEXT_CLOSE, /* close gracefully */
    CONN_NEXT_UNIT,  /* request mode: send the next request now */
    CONN_NEXT_IDLE,  /* request mode: stay open, the owner calls conn_request later */
    CONN_NEXT_HOLD   /* hold mode: stay open until conn_close */
};

struct conn;

/* Shared by a worker's connections, owned by the worker, read-only to connections except for
 * stats and scratch (the worker's thread is the only user of either). */
struct conn_env {
    struct event_base *base;
    unitls_client_context *ctx;
    const char *server_name;        /* SNI and verified name, or NULL */
    const struct sockaddr *addr;
    socklen_t addr_len;
    enum load_mode mode;
    int nodelay;                    /* set TCP_NODELAY: modes that send application data */
    const uint8_t *request;         /* request mode: the bytes of one request */
    size_t request_len;
    int request_is_head;            /* the request is HEAD: responses carry no body */
    uint64_t payload_len;           /* throughput mode: bytes each way */
    const uint8_t *pattern;         /* what throughput mode sends, cycled */
    size_t pattern_len;
    uint8_t *scratch;               /* where plaintext is read to and discarded */
    size_t scratch_len;
    const struct timeval *timeout;  /* a common timeout of base (--timeout) */
    const struct timeval *close_timeout; /* how long to wait for the server's end */
    struct load_stats *stats;
    void *owner;
    /* A unit ended, ok or not. After a success the return value says what comes next; for
     * CONN_NEXT_UNIT the owner writes the next unit's start time into *next_start_ns.
     * reusable: request mode, the response allows another request on this connection. */
    enum conn_next (*unit_done)(void *owner, struct conn *c, int ok, int reusable,
                                uint64_t *next_start_ns);
    /* The connection is gone (phase FREE): the owner may start another in it, later. */
    void (*released)(void *owner, struct conn *c);
};

struct conn {
    const struct conn_env *env;
    enum conn_phase phase;
    int fd;
    unitls_buffer *tls;
    struct event *ev_read, *ev_write, *ev_timer;
    uint8_t write_armed; /* ev_write is pending: sends would block */
    uint8_t unit_open;   /* a unit is in progress: a failure now counts */
    uint8_t eof;         /* the server's end of the TCP stream arrived */
    uint64_t unit_start_ns;
    size_t request_off;  /* request mode: bytes of the request handed to the buffer */
    uint64_t sent, received; /* throughput mode: plaintext progress of this unit */
    struct http_response resp;
};

/* Creates the events (once per slot, reused by every connection in it). 0, or -1 out of
 * memory. */
int conn_init(struct conn *c, const struct conn_env *env);
/* Frees the events; the connection must be FREE. */
void conn_fini(struct conn *c);
/* FREE -> a new connection whose first unit starts at unit_start_ns. A failure is reported
 * through the callbacks, possibly before this returns. */
void conn_start(struct conn *c, uint64_t unit_start_ns);
/* IDLE -> the next request, started at unit_start_ns. */
void conn_request(struct conn *c, uint64_t unit_start_ns);
/* IDLE or HOLD -> a graceful close. */
void conn_close(struct conn *c);

#endif
