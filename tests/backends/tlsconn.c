/* One non-blocking TLS client connection over a unitls_buffer; see the header. */
#include "tlsconn.h"

#include "backend_util.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CHUNK_SIZE 16384
#define STEP_BUDGET (1u << 20)      /* bytes moved per step and direction, for fairness */

/* xorshift64*: the pseudo-random stream, reproducible from its seed. */
struct stream {
    uint64_t state;
    uint8_t word[8];
    unsigned used;
};

struct tlsconn {
    const struct tlsconn_plan *plan;
    unsigned id;
    enum tlsconn_state state;
    int fd, transport_eof;
    unitls_buffer *buf;
    uint64_t start_ms, deadline_ms;
    struct stream tx, rx;
    uint8_t chunk[CHUNK_SIZE];      /* bytes taken from the source, not yet written */
    size_t chunk_len, chunk_off;
    uint64_t allowed;               /* bytes the source may produce (send_bytes or rounds) */
    uint64_t produced, sent, received;
    int source_eof, rounds_open, shutdown_sent;
    enum tlsconn_end end;
    struct tlsconn_info info;
    char error[320];
};

static void stream_init(struct stream *s, uint64_t seed, unsigned id)
{
    s->state = (seed ^ 0x9E3779B97F4A7C15ull) + (uint64_t)id * 0xBF58476D1CE4E5B9ull + 1;
    s->used = 8;
}

static void stream_fill(struct stream *s, uint8_t *dst, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s->used == 8) {
            s->state ^= s->state >> 12;
            s->state ^= s->state << 25;
            s->state ^= s->state >> 27;
            uint64_t v = s->state * 0x2545F4914F6CDD1Dull;
            memcpy(s->word, &v, 8);
            s->used = 0;
        }
        dst[i] = s->word[s->used++];
    }
}

static void conn_fail(struct tlsconn *c, const char *fmt, ...)
{
    va_list ap;
    if (c->state == TLSCONN_FAILED || c->state == TLSCONN_DONE)
        return;
    va_start(ap, fmt);
    vsnprintf(c->error, sizeof c->error, fmt, ap);
    va_end(ap);
    c->state = TLSCONN_FAILED;
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static const char *state_name(enum tlsconn_state s)
{
    static const char *names[] = {"connecting", "handshaking", "running", "holding", "done",
                                  "failed"};
    return names[s];
}

const char *tlsconn_end_name(enum tlsconn_end end)
{
    return end == TLSCONN_END_CLOSE_NOTIFY ? "close_notify"
           : end == TLSCONN_END_RAGGED     ? "ragged"
                                           : "none";
}

struct tlsconn *tlsconn_start(const struct tlsconn_plan *plan, unsigned id, uint64_t now_ms)
{
    struct tlsconn *c = calloc(1, sizeof *c);
    unitls_error err;
    int e = 0;
    if (c == NULL)
        return NULL;
    c->plan = plan;
    c->id = id;
    c->start_ms = now_ms;
    c->deadline_ms = now_ms + plan->timeout_ms;
    c->allowed = plan->rounds ? 0 : plan->send_bytes;
    c->rounds_open = plan->rounds;
    stream_init(&c->tx, plan->seed, id);
    stream_init(&c->rx, plan->seed, id);
    c->state = TLSCONN_CONNECTING;
    c->fd = endpoint_connect(plan->address, &e);
    if (c->fd < 0) {
        conn_fail(c, "connect %s: %s", plan->address, strerror(e));
        return c;
    }
    unitls_error_clear(&err);
    c->buf = unitls_client_context_create_buffer(plan->ctx, plan->sni, &err);
    if (c->buf == NULL)
        conn_fail(c, "create_buffer: %s: %s", unitls_status_name(err.status), err.message);
    return c;
}

short tlsconn_poll_events(const struct tlsconn *c)
{
    if (c->fd < 0 || c->state == TLSCONN_DONE || c->state == TLSCONN_FAILED)
        return 0;
    if (c->state == TLSCONN_CONNECTING)
        return POLLOUT;
    short ev = 0;
    if (!c->transport_eof)
        ev |= POLLIN;
    if (unitls_buffer_outgoing_bytes_buffered(c->buf) > 0)
        ev |= POLLOUT;
    return ev;
}

int tlsconn_fd(const struct tlsconn *c) { return c->fd; }
enum tlsconn_state tlsconn_state(const struct tlsconn *c) { return c->state; }
const char *tlsconn_error(const struct tlsconn *c) { return c->error; }
const struct tlsconn_info *tlsconn_info(const struct tlsconn *c) { return &c->info; }
enum tlsconn_end tlsconn_end(const struct tlsconn *c) { return c->end; }

void tlsconn_counts(const struct tlsconn *c, uint64_t *sent, uint64_t *received)
{
    *sent = c->sent;
    *received = c->received;
}

/* Sends what the buffer holds for the network. 1 when bytes moved. */
static int conn_flush(struct tlsconn *c)
{
    int moved = 0;
    while (c->fd >= 0) {
        const uint8_t *p;
        size_t len = 0;
        unitls_buffer_outgoing_peek(c->buf, &p, &len);
        if (len == 0)
            break;
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                conn_fail(c, "send in state %s after %llu bytes sent: %s", state_name(c->state),
                          (unsigned long long)c->sent, strerror(errno));
            break;
        }
        unitls_buffer_outgoing_consume(c->buf, (size_t)n);
        moved = 1;
    }
    return moved;
}

/* Moves bytes from the socket into the buffer while it has room. 1 when something happened. */
static int conn_pull(struct tlsconn *c)
{
    int moved = 0;
    for (size_t total = 0; c->fd >= 0 && !c->transport_eof && total < STEP_BUDGET;) {
        uint8_t *p;
        size_t cap = 0;
        if (unitls_buffer_incoming_reserve(c->buf, &p, &cap) != UNITLS_OK || cap == 0)
            break;
        ssize_t n = recv(c->fd, p, cap, 0);
        if (n > 0) {
            unitls_buffer_incoming_commit(c->buf, (size_t)n);
            total += (size_t)n;
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
            c->transport_eof = 1;   /* EOF or reset: the buffer tells clean from ragged */
            unitls_buffer_process_incoming_eof(c->buf);
        } else {
            break;
        }
        moved = 1;
    }
    return moved;
}

static void conn_record_info(struct tlsconn *c, uint64_t now_ms)
{
    const uint8_t *alpn;
    size_t alpn_len = 0;
    const char *v = unitls_tls_version_name(unitls_buffer_negotiated_tls_version(c->buf));
    const char *cipher = unitls_cipher_suite_name(unitls_buffer_cipher(c->buf));
    const char *name = unitls_buffer_server_name(c->buf);
    snprintf(c->info.version, sizeof c->info.version, "%s", v ? v : "unknown");
    if (cipher != NULL)
        snprintf(c->info.cipher, sizeof c->info.cipher, "%s", cipher);
    else
        snprintf(c->info.cipher, sizeof c->info.cipher, "0x%04x", unitls_buffer_cipher(c->buf));
    if (unitls_buffer_negotiated_protocol(c->buf, &alpn, &alpn_len) == UNITLS_OK &&
        alpn_len < sizeof c->info.alpn) {
        memcpy(c->info.alpn, alpn, alpn_len);
        c->info.alpn[alpn_len] = '\0';
    } else {
        snprintf(c->info.alpn, sizeof c->info.alpn, "none");
    }
    snprintf(c->info.server_name, sizeof c->info.server_name, "%s", name ? name : "none");
    c->info.resumed = unitls_buffer_session_resumed(c->buf);
    c->info.handshake_ms = now_ms - c->start_ms;
}

static int conn_handshake(struct tlsconn *c, uint64_t now_ms)
{
    unitls_status st = unitls_buffer_do_handshake(c->buf);
    if (st == UNITLS_OK) {
        conn_record_info(c, now_ms);
        c->state = TLSCONN_RUNNING;
        return 1;
    }
    if (st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE) {
        conn_flush(c);              /* let our alert reach the server */
        conn_fail(c, "handshake: %s: %s", unitls_status_name(st),
                  unitls_buffer_last_error(c->buf)->message);
    }
    return 0;
}

/* Hands received plaintext to the plan's sink. */
static void conn_sink(struct tlsconn *c, const uint8_t *data, size_t n)
{
    if (c->plan->verify) {
        uint8_t want[CHUNK_SIZE];
        stream_fill(&c->rx, want, n);
        if (memcmp(want, data, n) != 0) {
            size_t at = 0;
            while (want[at] == data[at])
                at++;
            conn_fail(c, "echo differs at byte %llu: got 0x%02x, expected 0x%02x",
                      (unsigned long long)(c->received + at), data[at], want[at]);
            return;
        }
    }
    if (c->plan->output_fd >= 0) {
        for (size_t off = 0; off < n;) {
            ssize_t w = write(c->plan->output_fd, data + off, n - off);
            if (w < 0 && errno != EINTR) {
                conn_fail(c, "writing the output file: %s", strerror(errno));
                return;
            }
            off += w > 0 ? (size_t)w : 0;
        }
    }
    c->received += n;
}

static int conn_read(struct tlsconn *c)
{
    uint8_t data[CHUNK_SIZE];
    int moved = 0;
    for (size_t total = 0; c->end == TLSCONN_END_NONE && total < STEP_BUDGET;) {
        size_t n = 0;
        unitls_status st = unitls_buffer_read(c->buf, data, sizeof data, &n);
        if (st == UNITLS_OK && n > 0) {
            conn_sink(c, data, n);
            if (c->state == TLSCONN_FAILED)
                return 0;
            total += n;
        } else if (st == UNITLS_OK) {
            c->end = TLSCONN_END_CLOSE_NOTIFY;
        } else if (st == UNITLS_RAGGED_EOF) {
            c->end = TLSCONN_END_RAGGED;
        } else if (st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE) {
            break;
        } else {
            conn_fail(c, "read after %llu bytes received: %s: %s",
                      (unsigned long long)c->received, unitls_status_name(st),
                      unitls_buffer_last_error(c->buf)->message);
            return 0;
        }
        moved = 1;
    }
    return moved;
}

/* Refills the chunk from the source. 0 when the source has nothing now. */
static size_t conn_refill(struct tlsconn *c)
{
    if (c->chunk_off < c->chunk_len)
        return c->chunk_len - c->chunk_off;
    c->chunk_len = c->chunk_off = 0;
    if (c->plan->input_fd >= 0) {
        ssize_t n = c->source_eof ? 0 : read(c->plan->input_fd, c->chunk, sizeof c->chunk);
        if (n < 0)
            conn_fail(c, "reading the input file: %s", strerror(errno));
        else if (n == 0)
            c->source_eof = 1;
        else
            c->chunk_len = (size_t)n;
    } else {
        uint64_t left = c->allowed - c->produced;
        size_t n = left < sizeof c->chunk ? (size_t)left : sizeof c->chunk;
        stream_fill(&c->tx, c->chunk, n);
        c->produced += n;
        c->chunk_len = n;
    }
    return c->chunk_len;
}

static int conn_write(struct tlsconn *c)
{
    int moved = 0;
    for (size_t total = 0; !c->shutdown_sent && total < STEP_BUDGET;) {
        size_t len = conn_refill(c);
        if (len == 0 || c->state == TLSCONN_FAILED)
            break;
        size_t n = 0;
        unitls_status st = unitls_buffer_write(c->buf, c->chunk + c->chunk_off, len, &n);
        if (st == UNITLS_WANT_WRITE || st == UNITLS_WANT_READ)
            break;
        if (st != UNITLS_OK) {
            conn_fail(c, "write after %llu bytes sent: %s: %s", (unsigned long long)c->sent,
                      unitls_status_name(st), unitls_buffer_last_error(c->buf)->message);
            return 0;
        }
        c->chunk_off += n;
        c->sent += n;
        total += n;
        moved = 1;
    }
    return moved;
}

static int all_sent(const struct tlsconn *c)
{
    if (c->chunk_off < c->chunk_len || c->rounds_open)
        return 0;
    return c->plan->input_fd >= 0 ? c->source_eof : c->sent == c->allowed;
}

int tlsconn_round_complete(const struct tlsconn *c)
{
    return c->sent == c->allowed && c->received == c->allowed;
}

static void conn_finished(struct tlsconn *c)
{
    if (c->plan->hold) {
        c->state = TLSCONN_HOLDING;
        return;
    }
    tlsconn_release(c);
}

/* Sends close_notify when the plan says so, and decides whether the exchange is over. */
static void conn_check_end(struct tlsconn *c)
{
    int sent_all = all_sent(c);
    if (c->plan->half_close && sent_all && !c->shutdown_sent) {
        unitls_status st = unitls_buffer_shutdown(c->buf);
        if (st == UNITLS_WANT_WRITE)
            return;
        c->shutdown_sent = 1;
    }
    if (c->end != TLSCONN_END_NONE) {
        int short_echo = c->plan->expect == TLSCONN_EXPECT_ECHO && c->received < c->sent;
        if (short_echo || !sent_all)
            conn_fail(c, "peer closed (%s) with %llu of %llu bytes echoed%s",
                      tlsconn_end_name(c->end), (unsigned long long)c->received,
                      (unsigned long long)c->sent, sent_all ? "" : ", before all was sent");
        else
            conn_finished(c);
        return;
    }
    if (!c->plan->half_close && c->plan->expect == TLSCONN_EXPECT_ECHO && sent_all &&
        c->received == c->sent)
        conn_finished(c);
}

void tlsconn_step(struct tlsconn *c, uint64_t now_ms)
{
    if (c->state == TLSCONN_CONNECTING) {
        int e = 0;
        socklen_t len = sizeof e;
        struct pollfd p = {.fd = c->fd, .events = POLLOUT};
        if (poll(&p, 1, 0) == 1 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0) {
            if (e != 0)
                conn_fail(c, "connect %s: %s", c->plan->address, strerror(e));
            else
                c->state = TLSCONN_HANDSHAKING;
        }
    }
    for (int i = 0; i < 64; i++) {
        if (c->state != TLSCONN_HANDSHAKING && c->state != TLSCONN_RUNNING &&
            c->state != TLSCONN_HOLDING)
            break;
        int progress = conn_pull(c);
        if (c->state == TLSCONN_HANDSHAKING)
            progress |= conn_handshake(c, now_ms);
        if (c->state == TLSCONN_RUNNING || c->state == TLSCONN_HOLDING) {
            progress |= conn_read(c);
            if (c->state == TLSCONN_RUNNING)
                progress |= conn_write(c);
            if (c->state == TLSCONN_RUNNING)
                conn_check_end(c);
        }
        progress |= conn_flush(c);
        if (!progress)
            break;
    }
    if (c->state < TLSCONN_HOLDING && now_ms > c->deadline_ms)
        conn_fail(c, "timeout after %u ms in state %s (%llu bytes sent, %llu received)",
                  c->plan->timeout_ms, state_name(c->state), (unsigned long long)c->sent,
                  (unsigned long long)c->received);
}

void tlsconn_add_round(struct tlsconn *c, uint64_t n)
{
    c->allowed += n;
}

void tlsconn_end_rounds(struct tlsconn *c)
{
    c->rounds_open = 0;
}

void tlsconn_release(struct tlsconn *c)
{
    if (c->state == TLSCONN_DONE || c->state == TLSCONN_FAILED)
        return;
    if (c->buf != NULL && !c->shutdown_sent && unitls_buffer_handshake_done(c->buf)) {
        unitls_buffer_shutdown(c->buf);
        c->shutdown_sent = 1;
        conn_flush(c);
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    if (c->state != TLSCONN_FAILED)
        c->state = TLSCONN_DONE;
}

void tlsconn_abort(struct tlsconn *c, const char *reason)
{
    conn_fail(c, "%s in state %s", reason, state_name(c->state));
}

const uint8_t *tlsconn_peer_cert(struct tlsconn *c, size_t *len)
{
    const uint8_t *der = NULL;
    if (c->buf == NULL || unitls_buffer_getpeercert(c->buf, &der, len) != UNITLS_OK)
        return NULL;
    return der;
}

void tlsconn_free(struct tlsconn *c)
{
    if (c == NULL)
        return;
    if (c->fd >= 0)
        close(c->fd);
    unitls_buffer_free(c->buf);
    free(c);
}
