/* conn: one proxied connection; see conn.h for the contract. The backend is connected to by
 * conn_backend.c, the balancer's PROXY header is read in conn_proxy.c and how a connection
 * ended is reported by conn_report.c; what the four files share is in conn_internal.h.
 *
 * Control flow: every event callback does its I/O, records a failure with conn_fail() instead
 * of freeing, and ends with conn_settle(), the one place that applies half-close transitions,
 * flushes what TLS has to send, frees a finished connection and arms exactly the events the
 * state asks for. So no helper ever uses a connection after it was freed, and the interest set
 * only changes when the state does. */
#include "daemon/conn_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/backend_pool.h"
#include "daemon/log.h"

/* Per event, how many TLS reads one connection may do before yielding to the others. */
#define PUMP_ROUNDS 32u
/* Per event, how many full backend reads before yielding. */
#define BACKEND_ROUNDS 4u
/* After our close_notify and FIN went out, how long the client may take to close its side. */
#define CLOSE_LINGER_MS 2000u

/* A direction keeps at most one scratch-full: nothing more is read while anything is kept. */
_Static_assert(PENDING_CAPACITY >= CONN_BUFFER_LIMIT, "a scratch-full must fit in the kept store");

/* --- small helpers ----------------------------------------------------------------------- */

uint64_t conn_env_clock_ms(const struct conn_env *env)
{
    struct timeval tv;
    event_base_gettimeofday_cached(env->base, &tv);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static void conn_fail_tls(struct conn *c, unitls_status st)
{
    conn_fail(c, st == UNITLS_RAGGED_EOF ? END_RAGGED
                 : st == UNITLS_ERR_NOMEM ? END_NOMEM : END_TLS_ERROR, 0);
}

static struct event *event_of(struct conn *c, unsigned bit)
{
    switch (bit) {
    case A_CLIENT_RD: return &c->client_rd;
    case A_CLIENT_WR: return &c->client_wr;
    case A_BACKEND_RD: return &c->backend_rd;
    default: return &c->backend_wr;
    }
}

/* Adds or removes one event only when its state changes: no epoll_ctl churn. */
static void arm(struct conn *c, unsigned bit, int on)
{
    if (!(c->armed & bit) == !on)
        return;
    if (on)
        event_add(event_of(c, bit), NULL);
    else
        event_del(event_of(c, bit));
    c->armed ^= (uint8_t)bit;
}

/* --- the client socket ---------------------------------------------------------------------- */

enum fill { FILL_DATA, FILL_SHORT, FILL_AGAIN, FILL_EOF, FILL_FULL, FILL_ERROR };

/* One recv straight into the buffer's incoming store. FILL_SHORT: less than the room came, so
 * the socket is most likely empty and another recv would only cost a syscall. */
static enum fill client_fill(struct conn *c)
{
    uint8_t *room = NULL;
    size_t cap = 0;
    if (unitls_buffer_incoming_reserve(c->tls, &room, &cap) != UNITLS_OK) {
        conn_fail(c, END_NOMEM, ENOMEM);
        return FILL_ERROR;
    }
    ssize_t n = cap > 0 ? recv(c->client_fd, room, cap, 0) : 0;
    int err = errno;
    unitls_buffer_incoming_commit(c->tls, n > 0 ? (size_t)n : 0);
    if (cap == 0)
        return FILL_FULL;
    if (n > 0)
        return (size_t)n == cap ? FILL_DATA : FILL_SHORT;
    if (n == 0) {
        unitls_buffer_process_incoming_eof(c->tls);
        c->flags |= F_CLIENT_TCP_EOF;
        return FILL_EOF;
    }
    if (would_block(err))
        return FILL_AGAIN;
    conn_fail(c, END_CLIENT_ERROR, err);
    return FILL_ERROR;
}

enum flush { FLUSH_DONE, FLUSH_BLOCKED, FLUSH_ERROR };

/* Sends what the buffer has for the client, in place; one send per flight. */
static enum flush client_flush(struct conn *c)
{
    for (;;) {
        const uint8_t *data = NULL;
        size_t len = 0;
        unitls_buffer_outgoing_peek(c->tls, &data, &len);
        if (len == 0)
            return FLUSH_DONE;
        ssize_t n = send(c->client_fd, data, len, MSG_NOSIGNAL);
        if (n > 0) {
            unitls_buffer_outgoing_consume(c->tls, (size_t)n);
            if ((size_t)n < len)
                return FLUSH_BLOCKED; /* the socket buffer is full: wait for EV_WRITE */
            continue;
        }
        int err = n < 0 ? errno : EPIPE;
        if (would_block(err))
            return FLUSH_BLOCKED;
        /* Gone before taking our close_notify, all else handed over: it just did not wait. */
        int gone = (c->flags & F_NOTIFY_QUEUED) && (err == EPIPE || err == ECONNRESET);
        conn_fail(c, gone ? END_RAGGED : END_CLIENT_ERROR, gone ? 0 : err);
        return FLUSH_ERROR;
    }
}

/* --- plaintext, client to backend ----------------------------------------------------------- */

/* A failed non-blocking connect shows as the error of the first send or recv: reading
 * SO_ERROR first would cost a syscall on every connection. Such a connect is retried on the
 * next backend; 1 when c goes on with it, 0 when c failed. */
static int backend_failed(struct conn *c, int err)
{
    if (c->flags & F_BACKEND_FRESH)
        return conn_backend_retry(c, END_BACKEND_REFUSED, err);
    conn_fail(c, END_BACKEND_ERROR, err);
    return 0;
}

/* The backend took or gave a byte: it is reached, and a later error is no failed connect. */
static void backend_confirmed(struct conn *c)
{
    if (!(c->flags & F_BACKEND_FRESH))
        return;
    c->flags &= (uint16_t)~F_BACKEND_FRESH;
    backend_pool_reached(&c->listener->backends, c->plan.current);
}

/* Sends, or keeps what the backend cannot take yet (which stops reading the client). While
 * the backend connect is in progress everything is kept. */
static void backend_queue(struct conn *c, const uint8_t *data, size_t n)
{
    ssize_t sent = 0;
    if (pending_len(&c->to_backend) == 0 && c->phase == PHASE_RELAY) {
        sent = send(c->backend_fd, data, n, MSG_NOSIGNAL);
        if (sent < 0 && !would_block(errno) && !backend_failed(c, errno))
            return;
        if (sent < 0)
            sent = 0; /* retried on another backend, or not taken yet: kept */
        else
            backend_confirmed(c);
    }
    if ((size_t)sent < n && pending_put(&c->to_backend, data + sent, n - (size_t)sent) != 0)
        conn_fail(c, END_NOMEM, ENOMEM);
}

static void backend_send(struct conn *c, const uint8_t *data, size_t n)
{
    c->bytes_in += n;
    counter_add(&c->env->counters.bytes_in, n);
    backend_queue(c, data, n);
}

static void client_eof(struct conn *c, int notify)
{
    c->flags |= F_CLIENT_EOF;
    /* A client that closes once our close_notify reached it ends the exchange properly. */
    if (notify || (c->flags & F_NOTIFY_QUEUED))
        c->flags |= F_CLIENT_NOTIFY;
}

/* One TLS read step: 1 to go on reading, 0 to stop. */
static int pump_step(struct conn *c, uint8_t *dst, size_t cap, size_t *used, int *may_recv)
{
    size_t n = 0;
    unitls_status st = unitls_buffer_read(c->tls, dst + *used, cap - *used, &n);
    if (st == UNITLS_OK && n > 0) {
        *used += n;
        return 1;
    }
    c->flags &= (uint16_t)~F_TLS_HOLDS;
    if (st == UNITLS_OK || st == UNITLS_RAGGED_EOF) {
        client_eof(c, st == UNITLS_OK);
        return 0;
    }
    if (st == UNITLS_WANT_WRITE) {
        c->flags |= F_TLS_HOLDS;
        return client_flush(c) == FLUSH_DONE;
    }
    if (st != UNITLS_WANT_READ) {
        conn_fail_tls(c, st);
        return 0;
    }
    if (!*may_recv || (c->flags & F_CLIENT_TCP_EOF))
        return 0;
    enum fill r = client_fill(c);
    if (r == FILL_SHORT || r == FILL_EOF)
        *may_recv = 0;
    return r == FILL_DATA || r == FILL_SHORT || r == FILL_EOF;
}

/* Moves decrypted client bytes to the backend, gathering several records per send. may_recv:
 * the client socket was reported readable (otherwise only what the buffer holds is read). */
static void pump_client(struct conn *c, int may_recv)
{
    uint8_t *buf = c->env->scratch;
    size_t used = 0;
    unsigned rounds = 0;
    while (!(c->flags & (F_DEAD | F_CLIENT_EOF)) && pending_len(&c->to_backend) == 0) {
        if (++rounds > PUMP_ROUNDS) {
            c->flags |= F_TLS_HOLDS;
            event_active(&c->client_rd, EV_READ, 0); /* come back after the others */
            break;
        }
        if (used == CONN_BUFFER_LIMIT) {
            backend_send(c, buf, used);
            used = 0;
            continue;
        }
        if (!pump_step(c, buf, CONN_BUFFER_LIMIT, &used, &may_recv))
            break;
    }
    if (used > 0 && !(c->flags & F_DEAD))
        backend_send(c, buf, used);
}

static void backend_drain(struct conn *c)
{
    struct pending *p = &c->to_backend;
    ssize_t n = send(c->backend_fd, pending_data(p), pending_len(p), MSG_NOSIGNAL);
    if (n < 0) {
        if (!would_block(errno))
            backend_failed(c, errno);
        return;
    }
    backend_confirmed(c);
    pending_consume(p, (size_t)n);
    if (pending_len(p) > 0)
        return;
    pump_client(c, 0); /* plaintext may wait inside the buffer, the socket won't say so */
}

/* --- plaintext, backend to client ----------------------------------------------------------- */

/* Encrypts as much of data as TLS takes now (flushing its output when it asks); returns how
 * many bytes it took. */
static size_t client_encrypt(struct conn *c, const uint8_t *data, size_t n)
{
    size_t off = 0;
    while (off < n && !(c->flags & F_DEAD)) {
        size_t taken = 0;
        unitls_status st = unitls_buffer_write(c->tls, data + off, n - off, &taken);
        if (st == UNITLS_OK && taken > 0)
            off += taken;
        else if (st == UNITLS_WANT_WRITE && client_flush(c) == FLUSH_DONE)
            continue;
        else if (st != UNITLS_OK && st != UNITLS_WANT_WRITE)
            conn_fail_tls(c, st);
        else
            break;
    }
    return off;
}

/* Encrypts data for the client and sends it; what TLS cannot take yet is kept. */
static void client_send(struct conn *c, const uint8_t *data, size_t n)
{
    size_t off = client_encrypt(c, data, n);
    if (off < n && !(c->flags & F_DEAD) && pending_put(&c->to_client, data + off, n - off) != 0)
        conn_fail(c, END_NOMEM, ENOMEM);
    if (!(c->flags & F_DEAD))
        client_flush(c);
}

/* Hands the kept bytes to TLS in place: a slow client costs no allocation or copy per write
 * event. */
static void client_resume(struct conn *c)
{
    struct pending *p = &c->to_client;
    if (pending_len(p) == 0)
        return;
    pending_consume(p, client_encrypt(c, pending_data(p), pending_len(p)));
    if (!(c->flags & F_DEAD))
        client_flush(c);
}

/* Reads the backend only while the client has taken everything: at most one scratch-full of
 * plaintext (encrypted) waits for a slow client. */
static void pump_backend(struct conn *c)
{
    uint8_t *buf = c->env->scratch;
    for (unsigned round = 0; round < BACKEND_ROUNDS; round++) {
        if ((c->flags & (F_DEAD | F_BACKEND_EOF)) || pending_len(&c->to_client) > 0 ||
            unitls_buffer_outgoing_bytes_buffered(c->tls) > 0)
            return;
        ssize_t n = recv(c->backend_fd, buf, CONN_BUFFER_LIMIT, 0);
        if (n < 0) {
            if (!would_block(errno))
                backend_failed(c, errno);
            return;
        }
        backend_confirmed(c);
        if (n == 0) {
            c->flags |= F_BACKEND_EOF;
            return;
        }
        c->bytes_out += (uint64_t)n;
        counter_add(&c->env->counters.bytes_out, (uint64_t)n);
        client_send(c, buf, (size_t)n);
        if ((size_t)n < CONN_BUFFER_LIMIT)
            return;
    }
}

/* --- phases --------------------------------------------------------------------------------- */

static void conn_settle(struct conn *c);

/* What the client sent meanwhile is already queued (pump_client keeps it while connecting). */
static void backend_connected(struct conn *c)
{
    c->phase = PHASE_RELAY;
    c->active_ms = conn_env_clock_ms(c->env);
    conn_timer_set(c, c->listener->idle_timeout_ms);
    if (pending_len(&c->to_backend) > 0)
        backend_drain(c);
    else
        pump_client(c, 0);
}

static void backend_connect(struct conn *c)
{
    enum conn_dial r = conn_backend_dial(c, END_BACKEND_REFUSED, 0);
    if (r == CONN_DIAL_CONNECTED) {
        backend_pool_reached(&c->listener->backends, c->plan.current);
        backend_connected(c);
    } else if (r == CONN_DIAL_PENDING) {
        pump_client(c, 0); /* bytes that came with the handshake's last flight */
    }
}

static void handshake_done(struct conn *c)
{
    counter_add(&c->env->counters.handshakes, 1);
    c->tls_version = (uint16_t)unitls_buffer_negotiated_tls_version(c->tls);
    c->cipher = unitls_buffer_cipher(c->tls);
    if (unitls_buffer_session_resumed(c->tls))
        counter_add(&c->env->counters.resumed, 1);
    if (client_flush(c) != FLUSH_ERROR)
        backend_connect(c);
}

static void handshake_step(struct conn *c, int may_recv)
{
    for (unsigned round = 0; round < PUMP_ROUNDS && !(c->flags & F_DEAD); round++) {
        unitls_status st = unitls_buffer_do_handshake(c->tls);
        if (st == UNITLS_OK) {
            handshake_done(c);
            return;
        }
        if (st == UNITLS_WANT_WRITE && client_flush(c) == FLUSH_DONE)
            continue;
        if (st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE)
            conn_fail_tls(c, st);
        if (st != UNITLS_WANT_READ || !may_recv)
            return;
        enum fill r = client_fill(c);
        if (r == FILL_SHORT || r == FILL_EOF)
            may_recv = 0;
        else if (r != FILL_DATA)
            return;
    }
}

/* --- events --------------------------------------------------------------------------------- */

static void on_client_read(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct conn *c = arg;
    c->active_ms = conn_env_clock_ms(c->env);
    if (c->phase == PHASE_PROXY) {
        if (conn_proxy_read(c))
            handshake_step(c, 1); /* with the bytes that followed the header, then the socket */
    } else if (c->phase == PHASE_HANDSHAKE) {
        handshake_step(c, 1);
    } else {
        pump_client(c, 1); /* while connecting, into the backend queue */
    }
    conn_settle(c);
}

static void on_client_write(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct conn *c = arg;
    c->active_ms = conn_env_clock_ms(c->env);
    if (client_flush(c) == FLUSH_DONE) {
        if (c->phase == PHASE_HANDSHAKE) {
            handshake_step(c, 0);
        } else if (c->phase == PHASE_RELAY) {
            client_resume(c);
            if (c->flags & F_TLS_HOLDS)
                pump_client(c, 0);
        }
    }
    conn_settle(c);
}

void conn_on_backend_read(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct conn *c = arg;
    c->active_ms = conn_env_clock_ms(c->env);
    pump_backend(c);
    conn_settle(c);
}

void conn_on_backend_write(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct conn *c = arg;
    c->active_ms = conn_env_clock_ms(c->env);
    if (c->phase == PHASE_CONNECT) {
        c->flags |= F_BACKEND_FRESH;
        backend_connected(c);
    } else if (pending_len(&c->to_backend) > 0) {
        backend_drain(c);
    }
    conn_settle(c);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct conn *c = arg;
    if (c->phase == PHASE_PROXY) {
        conn_proxy_refuse(c, FAILURE_PROXY_TIMEOUT,
                          "no whole PROXY header within %u ms (%zu bytes)",
                          c->listener->handshake_timeout_ms, c->proxy->len);
    } else if (c->phase == PHASE_HANDSHAKE) {
        conn_fail(c, END_TIMEOUT_HANDSHAKE, 0);
    } else if (c->phase == PHASE_CONNECT) {
        conn_backend_retry(c, END_TIMEOUT_CONNECT, ETIMEDOUT);
    } else if (c->flags & F_CLIENT_SHUT) {
        conn_fail(c, (c->flags & F_CLIENT_EOF) && !(c->flags & F_CLIENT_NOTIFY) ? END_RAGGED
                                                                                : END_CLEAN, 0);
    } else {
        /* The idle deadline moves with activity lazily: checked here, not re-armed per read. */
        uint64_t now = conn_env_clock_ms(c->env);
        uint64_t idle = now > c->active_ms ? now - c->active_ms : 0; /* wall clock may step */
        if (idle >= c->listener->idle_timeout_ms)
            conn_fail(c, END_TIMEOUT_IDLE, 0);
        else
            conn_timer_set(c, c->listener->idle_timeout_ms - idle);
    }
    conn_settle(c);
}

/* --- state ---------------------------------------------------------------------------------- */

/* Queues our close_notify once the backend ended and everything before it was taken. Not
 * while decrypted client bytes may wait in the buffer or the backend queue: queuing it makes
 * the buffer read on for the peer's close_notify, dropping application data. */
static void relay_notify(struct conn *c)
{
    if ((c->flags & (F_BACKEND_EOF | F_NOTIFY_QUEUED | F_TLS_HOLDS)) != F_BACKEND_EOF ||
        pending_len(&c->to_client) > 0 || pending_len(&c->to_backend) > 0)
        return;
    unitls_status st = unitls_buffer_shutdown(c->tls);
    if (st == UNITLS_OK || st == UNITLS_WANT_READ)
        c->flags |= F_NOTIFY_QUEUED;
    else if (st != UNITLS_WANT_WRITE)
        conn_fail_tls(c, st);
}

/* Carries half-closes forward once everything before them was delivered: a direction is done
 * when its end reached the other side. When both are, the connection ends (close sends the
 * FINs, so no shutdown call is spent on it). */
static void relay_half_close(struct conn *c)
{
    int to_backend_done = (c->flags & F_CLIENT_EOF) && pending_len(&c->to_backend) == 0;
    int to_client_done = (c->flags & F_NOTIFY_QUEUED) &&
                         unitls_buffer_outgoing_bytes_buffered(c->tls) == 0;
    if (to_backend_done && to_client_done) {
        conn_fail(c, (c->flags & F_CLIENT_NOTIFY) ? END_CLEAN : END_RAGGED, 0);
        return;
    }
    if (to_backend_done && !(c->flags & F_BACKEND_SHUT)) {
        shutdown(c->backend_fd, SHUT_WR);
        c->flags |= F_BACKEND_SHUT;
    }
    if (to_client_done && !(c->flags & F_CLIENT_SHUT)) {
        shutdown(c->client_fd, SHUT_WR);
        c->flags |= F_CLIENT_SHUT;
        uint64_t linger = c->listener->idle_timeout_ms;
        conn_timer_set(c, linger < CLOSE_LINGER_MS ? linger : CLOSE_LINGER_MS);
    }
}

/* While connecting, the client stays readable: what it sends is queued for the backend, and
 * its read event is not removed and added back around the connect. */
static void arm_events(struct conn *c)
{
    int out = unitls_buffer_outgoing_bytes_buffered(c->tls) > 0;
    int relay = c->phase == PHASE_RELAY;
    arm(c, A_CLIENT_RD, c->phase <= PHASE_HANDSHAKE ||
                            (!(c->flags & F_CLIENT_EOF) && pending_len(&c->to_backend) == 0));
    arm(c, A_CLIENT_WR, out);
    arm(c, A_BACKEND_RD, relay && !(c->flags & F_BACKEND_EOF) && !out &&
                             pending_len(&c->to_client) == 0);
    arm(c, A_BACKEND_WR, c->phase == PHASE_CONNECT ||
                             (relay && pending_len(&c->to_backend) > 0));
}

static void conn_free(struct conn *c);

static void conn_settle(struct conn *c)
{
    if (!(c->flags & F_DEAD) && c->phase == PHASE_RELAY)
        relay_notify(c);
    if (!(c->flags & F_DEAD))
        client_flush(c);
    if (!(c->flags & F_DEAD) && c->phase == PHASE_RELAY)
        relay_half_close(c);
    if (c->flags & F_DEAD)
        conn_free(c);
    else
        arm_events(c);
}

/* --- the end -------------------------------------------------------------------------------- */

/* A client whose connection we end on our side (idle, backend refused, shutdown) is told so
 * with close_notify, best effort: one non-blocking send, no waiting. */
static void say_goodbye(struct conn *c)
{
    if (c->end == END_TLS_ERROR) {
        client_flush(c); /* the alert */
        return;
    }
    if (c->end == END_CLIENT_ERROR || c->end == END_RAGGED || c->end == END_CLEAN ||
        (c->flags & F_NOTIFY_QUEUED) || !unitls_buffer_handshake_done(c->tls))
        return;
    unitls_status st = unitls_buffer_shutdown(c->tls);
    if (st == UNITLS_OK || st == UNITLS_WANT_READ)
        client_flush(c);
}

static void conn_free(struct conn *c)
{
    struct conn_env *env = c->env;
    char failure[FAILURE_FACTS_MAX + 64];
    int failed = conn_handshake_failed(c);
    conn_count_end(c);
    if (failed)
        conn_failure_report(c, failure, sizeof failure);
    if (c->end == END_PROXY)
        conn_proxy_refusal_note(env, c->listener->name, &c->peer.sa, c->peer_len,
                                c->proxy->reason, c->proxy->why);
    if (c->listener->log_access && log_enabled(LOG_PRIO_INFO)) /* the record costs lookups */
        conn_access_log(c, failed ? failure : NULL);
    say_goodbye(c);
    event_del(&c->client_rd);
    event_del(&c->client_wr);
    event_del(&c->timer);
    if (c->backend_fd >= 0) {
        event_del(&c->backend_rd);
        event_del(&c->backend_wr);
        close(c->backend_fd);
    }
    close(c->client_fd);
    unitls_buffer_free(c->tls);
    pending_free(&c->to_backend);
    pending_free(&c->to_client);
    free(c->proxy);
    if (c->prev)
        c->prev->next = c->next;
    else
        env->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    env->n_open--;
    runtime_listener_release(c->listener);
    runtime_listener_unref(c->listener);
    free(c);
    env->on_close(env->arg);
}

/* --- the module's interface ----------------------------------------------------------------- */

static struct conn *conn_new(struct conn_env *env, struct runtime_listener *l, int fd,
                             const struct sockaddr *peer, socklen_t peer_len)
{
    unitls_error e;
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
        log_error("listener %s: out of memory for a connection", l->name);
        return NULL;
    }
    c->tls = unitls_server_context_create_buffer(l->ctx, &e);
    if (!c->tls) {
        log_error("listener %s: %s", l->name, e.message);
        free(c);
        return NULL;
    }
    c->env = env;
    c->listener = runtime_listener_ref(l);
    c->client_fd = fd;
    c->backend_fd = -1;
    c->peer_len = peer_len < sizeof c->peer ? peer_len : (socklen_t)sizeof c->peer;
    memcpy(&c->peer, peer, c->peer_len);
    c->started_ms = c->active_ms = conn_env_clock_ms(env);
    return c;
}

int conn_start(struct conn_env *env, struct runtime_listener *l, int fd,
               const struct sockaddr *peer, socklen_t peer_len)
{
    if (l->accept_proxy && !cidr_list_contains(&l->proxy_trusted, peer, peer_len)) {
        conn_proxy_refuse_untrusted(env, l, fd, peer, peer_len);
        return 0;
    }
    struct conn *c = conn_new(env, l, fd, peer, peer_len);
    if (c && l->accept_proxy && !(c->proxy = calloc(1, sizeof *c->proxy))) {
        log_error("listener %s: out of memory for a connection", l->name);
        unitls_buffer_free(c->tls);
        runtime_listener_unref(c->listener);
        free(c);
        c = NULL;
    }
    if (!c) {
        close(fd);
        runtime_listener_release(l);
        return -1;
    }
    c->phase = l->accept_proxy ? PHASE_PROXY : PHASE_HANDSHAKE;
    event_assign(&c->client_rd, env->base, fd, EV_READ | EV_PERSIST, on_client_read, c);
    event_assign(&c->client_wr, env->base, fd, EV_WRITE | EV_PERSIST, on_client_write, c);
    event_assign(&c->timer, env->base, -1, 0, on_timer, c);
    c->next = env->head;
    if (env->head)
        env->head->prev = c;
    env->head = c;
    env->n_open++;
    counter_add(&env->counters.accepted, 1);
    conn_timer_set(c, l->handshake_timeout_ms);
    arm(c, A_CLIENT_RD, 1);
    return 0;
}

void conn_close_all(struct conn_env *env)
{
    while (env->head) {
        conn_fail(env->head, END_SHUTDOWN, 0);
        conn_free(env->head);
    }
}

int conn_env_init(struct conn_env *env, struct event_base *base, void (*on_close)(void *arg),
                  void *arg)
{
    memset(env, 0, sizeof *env);
    env->base = base;
    env->on_close = on_close;
    env->arg = arg;
    failure_log_init(&env->failures);
    env->failure_flush = evtimer_new(base, conn_on_failure_flush, env);
    env->scratch = malloc(CONN_BUFFER_LIMIT);
    return env->scratch && env->failure_flush ? 0 : -1;
}

void conn_env_fini(struct conn_env *env)
{
    conn_close_all(env);
    free(env->scratch);
    env->scratch = NULL;
    if (env->failure_flush) {
        uint64_t due = 0;
        failure_log_flush_lines(&env->failures, UINT64_MAX, &due); /* the last window's count */
        event_free(env->failure_flush);
        env->failure_flush = NULL;
    }
    failure_log_fini(&env->failures);
}
