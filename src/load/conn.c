/* conn: the phases of one connection; see conn.h for the contract and the I/O discipline.
 *
 * Every handler ends in conn_drive, which runs the current phase's step until it has to wait
 * for the socket. A step returns STEP_AGAIN when it moved to another phase that can make
 * progress at once, STEP_WAIT when it waits for an event, and STEP_GONE once the connection
 * was released: after STEP_GONE nothing may touch the connection, since its owner may have
 * reused it. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"

enum step { STEP_WAIT, STEP_AGAIN, STEP_GONE };
enum flush_result { FLUSH_DONE, FLUSH_BLOCKED, FLUSH_ERROR };

static enum step conn_drive(struct conn *c);

/* --- ending a connection ---------------------------------------------------------------- */

static void conn_release(struct conn *c)
{
    event_del(c->ev_read);
    event_del(c->ev_write);
    event_del(c->ev_timer);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    unitls_buffer_free(c->tls);
    c->tls = NULL;
    c->phase = CONN_FREE;
    c->unit_open = 0;
    c->write_armed = 0;
    c->env->released(c->env->owner, c);
}

/* One non-blocking attempt to send what the buffer holds (an alert the library queued on a
 * failure), so the server learns why we leave. */
static void conn_flush_once(struct conn *c)
{
    const uint8_t *p = NULL;
    size_t len = 0;
    if (!c->tls || c->fd < 0 || c->phase == CONN_CONNECTING)
        return;
    if (unitls_buffer_outgoing_peek(c->tls, &p, &len) == UNITLS_OK && len > 0)
        (void)send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* The unit in progress failed (or, with none, a held connection was lost): count it, then
 * release the connection. */
static enum step conn_fail(struct conn *c, enum fail_reason reason, const char *message)
{
    if (c->unit_open) {
        stats_fail(c->env->stats, reason, message);
        c->unit_open = 0;
        c->env->unit_done(c->env->owner, c, 0, 0, NULL);
    } else if (c->phase == CONN_HOLD) {
        c->env->stats->dropped++;
    }
    conn_flush_once(c);
    conn_release(c);
    return STEP_GONE;
}

/* A server that answered with a version below TLS 1.2: insecure.h's legacy versions help. */
static int legacy_answer(const char *facts)
{
    return strstr(facts, "answered=TLSv1.0") || strstr(facts, "answered=TLSv1.1") ||
           strstr(facts, "answered=SSLv3") || strstr(facts, "answered=below_TLSv1.2");
}

/* The library's message, then note (a socket error, or NULL), then our hint; the hint goes
 * before the implementation's own text, which the library quotes in brackets at the end. */
static void handshake_message(const char *message, const char *note, const char *hint,
                              char *out, size_t cap)
{
    const char *bracket = strstr(message, " [");
    int head = bracket ? (int)(bracket - message) : (int)strlen(message);
    snprintf(out, cap, "%.*s%s%s%s%s%s", head, message, note ? " (" : "", note ? note : "",
             note ? ")" : "", hint, bracket ? bracket : "");
}

/* A failed handshake, grouped by the reason the library found; note names a socket error
 * that ended it (passed to the library as EOF), or is NULL. */
static enum step conn_fail_handshake(struct conn *c, unitls_status st, const char *note)
{
    char facts[512], text[STATS_MESSAGE_LEN];
    enum unitls_handshake_failure f = unitls_buffer_handshake_failure(c->tls, facts, sizeof facts);
    const unitls_error *e = unitls_buffer_last_error(c->tls);
    const char *hint = f == UNITLS_HANDSHAKE_FAILURE_VERSION && legacy_answer(facts)
                           ? "; for a legacy server see --insecure-legacy"
                           : "";
    handshake_message(e->message[0] ? e->message : unitls_status_name(st), note, hint, text,
                      sizeof text);
    enum fail_reason reason = f == UNITLS_HANDSHAKE_FAILURE_NONE ? stats_reason_of_status(st)
                                                                 : stats_reason_of_handshake(f);
    return conn_fail(c, reason, text);
}

static int errno_is_reset(int err)
{
    return err == ECONNRESET || err == ECONNABORTED || err == EPIPE;
}

static enum step conn_fail_errno(struct conn *c, const char *what, int err)
{
    char text[STATS_MESSAGE_LEN];
    char buf[96];
    snprintf(text, sizeof text, "%s: %s", what, strerror_r(err, buf, sizeof buf));
    if (c->tls && c->phase == CONN_HANDSHAKE && errno_is_reset(err)) {
        /* The library explains a reset mid-handshake as the EOF it is, with what we offered. */
        unitls_buffer_process_incoming_eof(c->tls);
        unitls_status st = unitls_buffer_do_handshake(c->tls);
        if (st != UNITLS_OK && st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE)
            return conn_fail_handshake(c, st, text);
        return conn_fail(c, FAIL_PEER_CLOSED, text);
    }
    return conn_fail(c, stats_reason_of_errno(err), text);
}

static enum step conn_fail_status(struct conn *c, unitls_status st)
{
    if (c->tls && !unitls_buffer_handshake_done(c->tls))
        return conn_fail_handshake(c, st, NULL);
    const unitls_error *e = c->tls ? unitls_buffer_last_error(c->tls) : NULL;
    const char *message = (e && e->message[0]) ? e->message : unitls_status_name(st);
    return conn_fail(c, stats_reason_of_status(st), message);
}

/* --- socket I/O ------------------------------------------------------------------------- */

static int errno_would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

static void conn_write_arm(struct conn *c)
{
    if (!c->write_armed && event_add(c->ev_write, NULL) == 0)
        c->write_armed = 1;
}

/* Sends everything the buffer holds, in as few sends as the socket allows. */
static enum flush_result conn_flush(struct conn *c, int *err)
{
    if (c->write_armed)
        return FLUSH_BLOCKED; /* the socket said it is full; wait for its event */
    for (;;) {
        const uint8_t *p = NULL;
        size_t len = 0;
        if (unitls_buffer_outgoing_peek(c->tls, &p, &len) != UNITLS_OK || len == 0)
            return FLUSH_DONE;
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n >= 0) {
            unitls_buffer_outgoing_consume(c->tls, (size_t)n);
            c->env->stats->wire_sent += (uint64_t)n;
            if ((size_t)n == len)
                continue;
            conn_write_arm(c); /* a short send: the socket buffer is full */
            return FLUSH_BLOCKED;
        }
        if (errno == EINTR)
            continue;
        if (errno_would_block(errno)) {
            conn_write_arm(c);
            return FLUSH_BLOCKED;
        }
        *err = errno;
        return FLUSH_ERROR;
    }
}

/* Flushes, then waits for the next event. */
static enum step conn_flush_wait(struct conn *c)
{
    int err = 0;
    if (conn_flush(c, &err) == FLUSH_ERROR)
        return conn_fail_errno(c, "send", err);
    return STEP_WAIT;
}

/* --- units ------------------------------------------------------------------------------ */

static void conn_request_begin(struct conn *c)
{
    c->phase = CONN_REQUEST;
    c->request_off = 0;
    http_response_init(&c->resp, c->env->request_is_head);
    event_add(c->ev_timer, c->env->timeout);
}

static enum step conn_close_begin(struct conn *c)
{
    if (c->eof) {
        conn_release(c);
        return STEP_GONE;
    }
    unitls_status st = unitls_buffer_shutdown(c->tls);
    c->phase = CONN_CLOSING;
    event_add(c->ev_timer, c->env->close_timeout);
    int err = 0;
    if (conn_flush(c, &err) == FLUSH_ERROR || st == UNITLS_OK) {
        conn_release(c); /* the server is gone already, or its close_notify is in */
        return STEP_GONE;
    }
    return STEP_AGAIN;
}

/* The unit succeeded: record its latency, then do what the owner says. */
static enum step conn_unit_complete(struct conn *c, int reusable)
{
    struct load_stats *s = c->env->stats;
    uint64_t now = clock_now_ns();
    histogram_record(&s->latency, now > c->unit_start_ns ? now - c->unit_start_ns : 0);
    s->completed++;
    c->unit_open = 0;
    uint64_t next_start = now;
    switch (c->env->unit_done(c->env->owner, c, 1, reusable, &next_start)) {
    case CONN_NEXT_UNIT:
        c->unit_start_ns = next_start;
        c->unit_open = 1;
        conn_request_begin(c);
        return STEP_AGAIN;
    case CONN_NEXT_IDLE:
        c->phase = CONN_IDLE;
        event_del(c->ev_timer);
        return conn_flush_wait(c);
    case CONN_NEXT_HOLD:
        c->phase = CONN_HOLD;
        event_del(c->ev_timer);
        return conn_flush_wait(c);
    case CONN_NEXT_CLOSE:
    default:
        return conn_close_begin(c);
    }
}

/* --- phases ----------------------------------------------------------------------------- */

static void conn_handshake_record(struct conn *c)
{
    const uint8_t *alpn = NULL;
    size_t alpn_len = 0;
    if (unitls_buffer_negotiated_protocol(c->tls, &alpn, &alpn_len) != UNITLS_OK)
        alpn = NULL, alpn_len = 0;
    stats_handshake(c->env->stats, (int)unitls_buffer_negotiated_tls_version(c->tls),
                    unitls_buffer_cipher(c->tls), alpn, alpn_len,
                    unitls_buffer_session_resumed(c->tls));
}

static enum step step_handshake(struct conn *c)
{
    unitls_status st = unitls_buffer_do_handshake(c->tls);
    if (st == UNITLS_WANT_READ && c->eof)
        return conn_fail(c, FAIL_PEER_CLOSED, "handshake: the server closed the connection");
    if (st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE)
        return conn_flush_wait(c);
    if (st != UNITLS_OK)
        return conn_fail_status(c, st);
    conn_handshake_record(c);
    switch (c->env->mode) {
    case MODE_REQUEST:
        /* The first request starts with the connection: its latency includes the handshake,
         * and it leaves in the same send as the client's Finished. */
        conn_request_begin(c);
        return STEP_AGAIN;
    case MODE_THROUGHPUT:
        c->phase = CONN_TRANSFER;
        c->sent = c->received = 0;
        return STEP_AGAIN;
    default:
        return conn_unit_complete(c, 0);
    }
}

/* Reads plaintext into the scratch buffer. OK with *n > 0: data; OK with *n == 0 or
 * RAGGED_EOF: the server ended the stream; WANT_READ: nothing more for now. */
static unitls_status conn_read(struct conn *c, size_t *n)
{
    *n = 0;
    unitls_status st = unitls_buffer_read(c->tls, c->env->scratch, c->env->scratch_len, n);
    if (st == UNITLS_OK && *n > 0)
        c->env->stats->app_received += *n;
    if (st == UNITLS_WANT_READ && c->eof)
        st = UNITLS_RAGGED_EOF;
    return st;
}

static enum step request_response_end(struct conn *c)
{
    if (http_response_eof(&c->resp) == HTTP_DONE)
        return conn_unit_complete(c, 0);
    return conn_fail(c, FAIL_CLOSED, "response: the server closed the connection before its end");
}

static enum step request_read(struct conn *c)
{
    for (;;) {
        size_t n = 0;
        unitls_status st = conn_read(c, &n);
        if (st == UNITLS_OK && n > 0) {
            size_t used = 0;
            enum http_result r = http_response_feed(&c->resp, c->env->scratch, n, &used);
            if (r == HTTP_ERROR)
                return conn_fail(c, FAIL_OTHER, "response: not an HTTP/1.x response");
            if (r == HTTP_DONE)
                return conn_unit_complete(c, used == n && http_response_reusable(&c->resp));
            continue;
        }
        if (st == UNITLS_OK || st == UNITLS_RAGGED_EOF)
            return request_response_end(c);
        if (st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE)
            return conn_flush_wait(c);
        return conn_fail_status(c, st);
    }
}

static enum step step_request(struct conn *c)
{
    const struct conn_env *env = c->env;
    while (c->request_off < env->request_len) {
        size_t n = 0;
        unitls_status st = unitls_buffer_write(c->tls, env->request + c->request_off,
                                               env->request_len - c->request_off, &n);
        if (st == UNITLS_WANT_WRITE)
            break; /* the outgoing store is at its high water mark: flush first */
        if (st != UNITLS_OK)
            return conn_fail_status(c, st);
        c->request_off += n;
        env->stats->app_sent += n;
    }
    int err = 0;
    enum flush_result fr = conn_flush(c, &err);
    if (fr == FLUSH_ERROR)
        return conn_fail_errno(c, "send", err);
    return request_read(c);
}

/* Hands payload to the buffer and the socket until either would block. */
static enum step transfer_write(struct conn *c)
{
    const struct conn_env *env = c->env;
    int err = 0;
    while (c->sent < env->payload_len && !c->write_armed) {
        size_t off = (size_t)(c->sent % env->pattern_len);
        uint64_t left = env->payload_len - c->sent;
        size_t want = env->pattern_len - off;
        if (left < want)
            want = (size_t)left;
        size_t n = 0;
        unitls_status st = unitls_buffer_write(c->tls, env->pattern + off, want, &n);
        if (st == UNITLS_OK) {
            c->sent += n;
            env->stats->app_sent += n;
            continue;
        }
        if (st != UNITLS_WANT_WRITE)
            return conn_fail_status(c, st);
        if (conn_flush(c, &err) == FLUSH_ERROR)
            return conn_fail_errno(c, "send", err);
    }
    if (conn_flush(c, &err) == FLUSH_ERROR)
        return conn_fail_errno(c, "send", err);
    return STEP_WAIT;
}

static enum step step_transfer(struct conn *c)
{
    if (transfer_write(c) == STEP_GONE)
        return STEP_GONE;
    for (;;) {
        size_t n = 0;
        unitls_status st = conn_read(c, &n);
        if (st == UNITLS_OK && n > 0) {
            c->received += n;
            if (c->received >= c->env->payload_len && c->sent == c->env->payload_len)
                return conn_unit_complete(c, 0);
            continue;
        }
        if (st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE)
            return conn_flush_wait(c);
        if (st == UNITLS_OK || st == UNITLS_RAGGED_EOF)
            return conn_fail(c, FAIL_CLOSED, "transfer: the server closed the connection early");
        return conn_fail_status(c, st);
    }
}

/* IDLE, HOLD and CLOSING: read and discard (tickets, a late close_notify) until the server
 * ends the connection. For HOLD that is a dropped connection, for the others a normal end. */
static enum step step_drain(struct conn *c)
{
    for (;;) {
        size_t n = 0;
        unitls_status st = conn_read(c, &n);
        if (st == UNITLS_OK && n > 0)
            continue;
        if (st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE)
            return conn_flush_wait(c);
        if (c->phase == CONN_HOLD)
            return conn_fail(c, FAIL_CLOSED, "hold: the server closed a held connection");
        conn_release(c);
        return STEP_GONE;
    }
}

static enum step conn_step(struct conn *c)
{
    switch (c->phase) {
    case CONN_CONNECTING:
        return STEP_WAIT; /* the write event says when the connect is done */
    case CONN_HANDSHAKE:
        return step_handshake(c);
    case CONN_REQUEST:
        return step_request(c);
    case CONN_TRANSFER:
        return step_transfer(c);
    case CONN_IDLE:
    case CONN_HOLD:
    case CONN_CLOSING:
        return step_drain(c);
    case CONN_FREE:
    default:
        return STEP_GONE;
    }
}

static enum step conn_drive(struct conn *c)
{
    enum step s;
    while ((s = conn_step(c)) == STEP_AGAIN)
        ;
    return s;
}

/* --- event handlers --------------------------------------------------------------------- */

/* The server's end of the stream: no read event will say more. */
static enum step conn_eof(struct conn *c)
{
    c->eof = 1;
    event_del(c->ev_read);
    unitls_buffer_process_incoming_eof(c->tls);
    if (c->phase == CONN_CONNECTING)
        return conn_fail(c, FAIL_PEER_CLOSED, "connect: the server closed the connection");
    return conn_drive(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)what;
    for (;;) {
        uint8_t *p = NULL;
        size_t cap = 0;
        if (unitls_buffer_incoming_reserve(c->tls, &p, &cap) != UNITLS_OK || cap == 0) {
            /* The store is full of ciphertext nobody has consumed yet: consume, retry once. */
            if (p && unitls_buffer_incoming_commit(c->tls, 0) != UNITLS_OK)
                return (void)conn_fail(c, FAIL_OTHER, "incoming store: commit refused");
            if (conn_drive(c) == STEP_GONE)
                return;
            if (unitls_buffer_incoming_reserve(c->tls, &p, &cap) != UNITLS_OK || cap == 0)
                return (void)conn_fail(c, FAIL_OTHER, "incoming store: no room after reading");
        }
        ssize_t n = recv(fd, p, cap, 0);
        int err = errno;
        unitls_buffer_incoming_commit(c->tls, n > 0 ? (size_t)n : 0);
        if (n > 0) {
            c->env->stats->wire_received += (uint64_t)n;
            if (conn_drive(c) == STEP_GONE || (size_t)n < cap)
                return; /* a short read drained the socket: no second recv to see EAGAIN */
            continue;
        }
        if (n == 0)
            return (void)conn_eof(c);
        if (err == EINTR)
            continue;
        if (!errno_would_block(err))
            (void)conn_fail_errno(c, "recv", err);
        return;
    }
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd, (void)what;
    c->write_armed = 0;
    if (c->phase == CONN_CONNECTING)
        c->phase = CONN_HANDSHAKE; /* a failed connect shows in the first send's errno */
    int err = 0;
    if (conn_flush(c, &err) == FLUSH_ERROR) {
        (void)conn_fail_errno(c, c->phase == CONN_HANDSHAKE ? "connect" : "send", err);
        return;
    }
    (void)conn_drive(c);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd, (void)what;
    switch (c->phase) {
    case CONN_CLOSING:
        conn_release(c); /* the server did not answer our close_notify: not a failure */
        return;
    case CONN_CONNECTING:
        (void)conn_fail(c, FAIL_TIMEOUT, "connect: timed out");
        return;
    case CONN_HANDSHAKE:
        (void)conn_fail(c, FAIL_TIMEOUT, "handshake: timed out");
        return;
    case CONN_REQUEST:
        (void)conn_fail(c, FAIL_TIMEOUT, "response: timed out");
        return;
    case CONN_TRANSFER:
        (void)conn_fail(c, FAIL_TIMEOUT, "transfer: timed out");
        return;
    default:
        return; /* idle and held connections have no timer */
    }
}

static void on_nothing(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what, (void)arg;
}

/* --- the owner's calls ------------------------------------------------------------------ */

int conn_init(struct conn *c, const struct conn_env *env)
{
    memset(c, 0, sizeof *c);
    c->env = env;
    c->fd = -1;
    c->ev_read = event_new(env->base, -1, 0, on_nothing, c);
    c->ev_write = event_new(env->base, -1, 0, on_nothing, c);
    c->ev_timer = event_new(env->base, -1, 0, on_nothing, c);
    if (!c->ev_read || !c->ev_write || !c->ev_timer) {
        conn_fini(c);
        return -1;
    }
    return 0;
}

void conn_fini(struct conn *c)
{
    if (c->ev_read)
        event_free(c->ev_read);
    if (c->ev_write)
        event_free(c->ev_write);
    if (c->ev_timer)
        event_free(c->ev_timer);
    c->ev_read = c->ev_write = c->ev_timer = NULL;
}

static void conn_socket_options(struct conn *c)
{
    int one = 1;
    if (c->env->nodelay)
        (void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

void conn_start(struct conn *c, uint64_t unit_start_ns)
{
    const struct conn_env *env = c->env;
    c->unit_start_ns = unit_start_ns;
    c->unit_open = 1;
    c->eof = 0;
    c->write_armed = 0;
    c->phase = CONN_CONNECTING;
    c->fd = socket(env->addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return (void)conn_fail_errno(c, "socket", errno);
    conn_socket_options(c);
    if (connect(c->fd, env->addr, env->addr_len) != 0 && errno != EINPROGRESS)
        return (void)conn_fail_errno(c, "connect", errno);
    unitls_error err;
    unitls_error_clear(&err);
    c->tls = unitls_client_context_create_buffer(env->ctx, env->server_name, &err);
    if (!c->tls)
        return (void)conn_fail(c, FAIL_OTHER, err.message);
    event_assign(c->ev_read, env->base, c->fd, EV_READ | EV_PERSIST, on_readable, c);
    event_assign(c->ev_write, env->base, c->fd, EV_WRITE, on_writable, c);
    event_assign(c->ev_timer, env->base, -1, 0, on_timeout, c);
    if (event_add(c->ev_read, NULL) != 0 || event_add(c->ev_timer, env->timeout) != 0)
        return (void)conn_fail(c, FAIL_OTHER, "event loop: cannot add the connection");
    conn_write_arm(c); /* writable = connected (or failed: the send will say) */
    /* Queues the ClientHello, to leave in the first send once the connect completes. */
    unitls_status st = unitls_buffer_do_handshake(c->tls);
    if (st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE)
        (void)conn_fail_status(c, st);
}

void conn_request(struct conn *c, uint64_t unit_start_ns)
{
    if (c->phase != CONN_IDLE)
        return;
    c->unit_start_ns = unit_start_ns;
    c->unit_open = 1;
    conn_request_begin(c);
    (void)conn_drive(c);
}

void conn_close(struct conn *c)
{
    if (c->phase != CONN_IDLE && c->phase != CONN_HOLD)
        return;
    if (conn_close_begin(c) == STEP_AGAIN)
        (void)conn_drive(c);
}
