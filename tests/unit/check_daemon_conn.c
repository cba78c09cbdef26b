/* Check suite for conn, one proxied connection on a worker's event base, tested through
 * conn.h alone: connections are started on one end of a socketpair, whose other end is a TLS
 * client that this test drives with a libunitls client buffer (trusting the test PKI's CA),
 * and their backend is a TCP listener of the test on 127.0.0.1 (port 0). One thread: each
 * step runs the event base once without blocking, then the client and the backend. No time is
 * asserted: timeouts are short, and each wait is bounded in steps.
 *
 * It checks that
 * - a handshake leads to a backend connection, and bytes go both ways unchanged (a little, and
 *   a megabyte each way, past CONN_BUFFER_LIMIT), counted in the env's counters;
 * - half-closes are carried through and the connection ends "clean";
 * - a peer that sends garbage, or stalls its handshake past handshake_timeout_ms, or closes
 *   early, is closed alone, counted as a handshake failure, without a backend connection;
 * - a refused backend ends the connection ("backend refused", told to the client with
 *   close_notify), idle_timeout_ms ends a quiet one, conn_close_all ends them all;
 * - each connection gives back its max_connections slot and calls on_close once, and writes
 *   exactly one access line, naming the peer given to conn_start;
 * - with proxy_protocol, the backend's first bytes are the PROXY header.
 * Real TLS: the default implementation, or UNITLS_TEST_IMPL's. The log goes to a file
 * (stderr is redirected for the test), which the access-line checks read. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/conn.h"
#include "daemon/log.h"
#include "daemon/proxy_header.h"
#include "daemon/runtime.h"
#include "testutil.h"

/* Each step sleeps STEP_US: a wait gives up after STEPS of them (several seconds). */
#define STEPS 12000
#define STEP_US 250
#define MAX_CLIENTS 4
#define LOG_MAX (64u * 1024u)

/* --- the worker side: an event base, a conn_env, the log -------------------------------------- */

static struct event_base *base;
static struct conn_env env;
static int env_live;
static unsigned on_close_calls;
static int saved_stderr = -1, log_fd = -1;
static unitls_server_context *sctx;
static unitls_client_context *cctx;

static void count_close(void *arg)
{
    ck_assert_ptr_eq(arg, &on_close_calls);
    on_close_calls++;
}

/* --- the backend: a loopback listener and the one connection it accepts ----------------------- */

struct test_backend {
    int listen_fd;
    struct endpoint ep;
    int fd;                 /* the accepted connection, -1 before */
    int eof;
    int expect_header;      /* the first line is a PROXY header, kept in header[] */
    char header[PROXY_HEADER_MAX + 1];
    size_t header_len;
    uint64_t in_off;        /* stream seed 1 received and checked */
    uint64_t out_total, out_off; /* stream seed 2 to send, sent */
    int mismatch;
};

static struct test_backend backend;

static void endpoint_of_fd(int fd, struct endpoint *ep)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    char text[64], why[128];
    snprintf(text, sizeof text, "127.0.0.1:%u", (unsigned)ntohs(sin.sin_port));
    ck_assert_msg(endpoint_parse(text, ep, why, sizeof why) == 0, "%s", why);
}

static int loopback_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(bind(fd, (const struct sockaddr *)&sin, sizeof sin), 0);
    return fd;
}

static void backend_open(void)
{
    memset(&backend, 0, sizeof backend);
    backend.fd = -1;
    backend.listen_fd = loopback_socket();
    ck_assert_int_eq(listen(backend.listen_fd, 16), 0);
    endpoint_of_fd(backend.listen_fd, &backend.ep);
}

/* An address nothing listens on: bound (so no one else takes the port) but not listening. */
static int refusing_endpoint(struct endpoint *ep)
{
    int fd = loopback_socket();
    endpoint_of_fd(fd, ep);
    return fd;
}

static void backend_receive(const uint8_t *data, size_t n)
{
    if (backend.expect_header && backend.header_len < PROXY_HEADER_MAX) {
        while (n > 0 && backend.expect_header) {
            backend.header[backend.header_len++] = (char)*data++;
            n--;
            if (backend.header_len >= 2 &&
                memcmp(backend.header + backend.header_len - 2, "\r\n", 2) == 0)
                backend.expect_header = 0;
            else if (backend.header_len == PROXY_HEADER_MAX)
                backend.mismatch = 1;
        }
    }
    if (n > 0 && tu_pattern_check(1, backend.in_off, data, n) != n)
        backend.mismatch = 1;
    backend.in_off += n;
}

static void backend_pump(void)
{
    if (backend.fd < 0) {
        backend.fd = accept4(backend.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (backend.fd < 0)
            return;
    }
    uint8_t buf[16384];
    while (backend.out_off < backend.out_total) {
        size_t want = backend.out_total - backend.out_off;
        want = want < sizeof buf ? want : sizeof buf;
        tu_pattern_fill(2, backend.out_off, buf, want);
        ssize_t n = send(backend.fd, buf, want, MSG_NOSIGNAL);
        if (n <= 0)
            break;
        backend.out_off += (uint64_t)n;
    }
    while (!backend.eof) {
        ssize_t n = recv(backend.fd, buf, sizeof buf, 0);
        if (n > 0)
            backend_receive(buf, (size_t)n);
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            backend.eof = 1;
        else
            break;
    }
}

/* 1 when the listener has a connection nobody accepted. */
static int backend_has_waiting(void)
{
    int fd = accept4(backend.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

/* --- clients: TLS ones driven here, raw ones that send what a test says ----------------------- */

struct client {
    int fd;
    unitls_buffer *tls;        /* NULL: a raw client */
    int handshake_done;
    unitls_status failed;      /* a handshake or read error, else UNITLS_OK */
    int notify;                /* the daemon's close_notify arrived */
    int eof;                   /* the socket's EOF (or reset) */
    uint64_t in_off;           /* stream seed 2 received and checked */
    uint64_t out_total, out_off;
    int mismatch;
};

static struct client clients[MAX_CLIENTS];
static size_t n_clients;

/* The peer conn_start is told about: a documentation address, so the log names it. */
static struct sockaddr_in peer_address(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(4444)};
    inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
    return sin;
}

/* Starts a connection of l (taking one of its slots) and returns its client: TLS when tls. */
static struct client *client_open(struct runtime_listener *l, int tls)
{
    ck_assert_uint_lt(n_clients, MAX_CLIENTS);
    struct client *cl = &clients[n_clients++];
    memset(cl, 0, sizeof *cl);
    int sp[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp), 0);
    cl->fd = sp[1];
    ck_assert_int_eq(runtime_listener_acquire(l), 1);
    struct sockaddr_in peer = peer_address();
    ck_assert_int_eq(conn_start(&env, l, sp[0], (const struct sockaddr *)&peer, sizeof peer), 0);
    if (tls) {
        unitls_error err;
        cl->tls = unitls_client_context_create_buffer(cctx, "localhost", &err);
        ck_assert_msg(cl->tls != NULL, "%s", err.message);
    }
    return cl;
}

static void client_free(struct client *cl)
{
    unitls_buffer_free(cl->tls);
    cl->tls = NULL;
    if (cl->fd >= 0)
        close(cl->fd);
    cl->fd = -1;
}

static void client_raw_send(struct client *cl, const void *data, size_t len)
{
    ck_assert_int_eq(send(cl->fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Sends what TLS has for the daemon. */
static void client_flush(struct client *cl)
{
    for (;;) {
        const uint8_t *data = NULL;
        size_t len = 0;
        unitls_buffer_outgoing_peek(cl->tls, &data, &len);
        if (len == 0)
            return;
        ssize_t n = send(cl->fd, data, len, MSG_NOSIGNAL);
        if (n <= 0)
            return;
        unitls_buffer_outgoing_consume(cl->tls, (size_t)n);
    }
}

/* Receives what the socket has: into TLS, or dropped for a raw client. */
static void client_fill(struct client *cl)
{
    while (!cl->eof) {
        uint8_t scratch[4096], *room = scratch;
        size_t cap = sizeof scratch;
        if (cl->tls && (unitls_buffer_incoming_reserve(cl->tls, &room, &cap) != UNITLS_OK ||
                        cap == 0))
            return;
        ssize_t n = recv(cl->fd, room, cap, 0);
        int err = errno;
        if (cl->tls)
            unitls_buffer_incoming_commit(cl->tls, n > 0 ? (size_t)n : 0);
        if (n > 0)
            continue;
        if (n < 0 && (err == EAGAIN || err == EINTR))
            return;
        cl->eof = 1;
        if (cl->tls)
            unitls_buffer_process_incoming_eof(cl->tls);
    }
}

static void client_read(struct client *cl)
{
    uint8_t buf[16384];
    while (!cl->notify && cl->failed == UNITLS_OK) {
        size_t n = 0;
        unitls_status st = unitls_buffer_read(cl->tls, buf, sizeof buf, &n);
        if (st == UNITLS_OK && n == 0)
            cl->notify = 1;
        else if (st == UNITLS_OK) {
            if (tu_pattern_check(2, cl->in_off, buf, n) != n)
                cl->mismatch = 1;
            cl->in_off += n;
        } else if (st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE)
            cl->failed = st;
        else
            return;
    }
}

static void client_write(struct client *cl)
{
    uint8_t buf[16384];
    while (cl->out_off < cl->out_total && cl->failed == UNITLS_OK &&
           unitls_buffer_outgoing_bytes_buffered(cl->tls) == 0) {
        size_t want = cl->out_total - cl->out_off;
        want = want < sizeof buf ? want : sizeof buf;
        tu_pattern_fill(1, cl->out_off, buf, want);
        size_t taken = 0;
        unitls_status st = unitls_buffer_write(cl->tls, buf, want, &taken);
        cl->out_off += taken;
        client_flush(cl);
        if (st != UNITLS_OK && st != UNITLS_WANT_WRITE) {
            cl->failed = st;
            return;
        }
        if (taken == 0)
            return;
    }
}

static void client_pump(struct client *cl)
{
    if (cl->fd < 0)
        return;
    if (cl->tls)
        client_flush(cl);
    client_fill(cl);
    if (!cl->tls)
        return;
    if (!cl->handshake_done && cl->failed == UNITLS_OK) {
        unitls_status st = unitls_buffer_do_handshake(cl->tls);
        if (st == UNITLS_OK)
            cl->handshake_done = 1;
        else if (st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE)
            cl->failed = st;
    }
    if (cl->handshake_done) {
        client_read(cl);
        client_write(cl);
    }
    client_flush(cl);
}

/* Queues the client's close_notify. */
static void client_close_notify(struct client *cl)
{
    unitls_status st = unitls_buffer_shutdown(cl->tls);
    ck_assert_msg(st == UNITLS_OK || st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE, "%s",
                  unitls_status_name(st));
    client_flush(cl);
}

/* --- stepping --------------------------------------------------------------------------------- */

static void step(void)
{
    event_base_loop(base, EVLOOP_NONBLOCK);
    for (size_t i = 0; i < n_clients; i++)
        client_pump(&clients[i]);
    backend_pump();
    event_base_loop(base, EVLOOP_NONBLOCK);
    usleep(STEP_US);
}

#define RUN_UNTIL(cond)                                                                       \
    do {                                                                                      \
        int met_ = 0;                                                                         \
        for (int s_ = 0; s_ < STEPS && !(met_ = (cond)); s_++)                                \
            step();                                                                           \
        ck_assert_msg(met_, "never came true: %s", #cond);                                    \
    } while (0)

/* A few more steps, for things that must not happen. */
static void settle(void)
{
    for (int i = 0; i < 200; i++)
        step();
}

static uint64_t counter(atomic_uint_fast64_t *c) { return atomic_load(c); }

/* --- the log ---------------------------------------------------------------------------------- */

static char log_text[LOG_MAX];

static const char *log_read(void)
{
    ssize_t n = pread(log_fd, log_text, sizeof log_text - 1, 0);
    ck_assert_int_ge(n, 0);
    log_text[n] = '\0';
    return log_text;
}

static size_t occurrences(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static size_t access_lines(void) { return occurrences(log_read(), "access listener="); }

/* The i-th access line (from 0), copied into out. */
static void access_line(size_t i, char *out, size_t cap)
{
    const char *p = log_read();
    for (size_t k = 0; (p = strstr(p, "access listener=")) != NULL; k++, p++) {
        if (k == i) {
            size_t len = strcspn(p, "\n");
            snprintf(out, cap, "%.*s", (int)len, p);
            return;
        }
    }
    ck_abort_msg("no access line %zu in:\n%s", i, log_text);
}

#define assert_line_has(line, needle)                                                        \
    ck_assert_msg(strstr((line), (needle)) != NULL, "\"%s\" lacks \"%s\"", (line), (needle))

/* --- fixture ---------------------------------------------------------------------------------- */

static void setup(void)
{
    char path[] = "/tmp/unitls-conn-log-XXXXXX";
    log_fd = mkstemp(path);
    ck_assert_int_ge(log_fd, 0);
    unlink(path);
    fflush(stderr);
    saved_stderr = dup(STDERR_FILENO);
    ck_assert_int_eq(dup2(log_fd, STDERR_FILENO), STDERR_FILENO);
    log_set_level(LOG_PRIO_INFO);

    base = event_base_new();
    ck_assert_ptr_nonnull(base);
    ck_assert_int_eq(conn_env_init(&env, base, count_close, &on_close_calls), 0);
    env_live = 1;
    on_close_calls = 0;
    n_clients = 0;
    sctx = tu_server_context("localhost");
    cctx = tu_client_context();
    backend_open();
}

static void teardown(void)
{
    if (env_live)
        conn_env_fini(&env);
    for (size_t i = 0; i < n_clients; i++)
        client_free(&clients[i]);
    if (backend.fd >= 0)
        close(backend.fd);
    close(backend.listen_fd);
    unitls_server_context_unref(sctx);
    unitls_client_context_unref(cctx);
    event_base_free(base);
    dup2(saved_stderr, STDERR_FILENO); /* the sanitizers report here at exit */
    close(saved_stderr);
    close(log_fd);
}

/* A listener as runtime_build makes one: one reference (the test's), its own gauge. */
static struct runtime_listener *listener_new(unsigned handshake_ms, unsigned idle_ms,
                                             unsigned max_connections)
{
    struct runtime_listener *l = calloc(1, sizeof *l);
    struct runtime_gauge *gauge = calloc(1, sizeof *gauge);
    ck_assert_ptr_nonnull(l);
    ck_assert_ptr_nonnull(gauge);
    atomic_init(&gauge->refs, 1);
    atomic_init(&l->refs, 1);
    l->name = strdup("test");
    l->ctx = unitls_server_context_ref(sctx);
    struct backend_config cfg = {.address = backend.ep};
    ck_assert_int_eq(backend_pool_init(&l->backends, &cfg, 1, BALANCE_FIRST, 10000, NULL), 0);
    l->handshake_timeout_ms = handshake_ms;
    l->idle_timeout_ms = idle_ms;
    l->connect_timeout_ms = 5000;
    l->max_connections = max_connections;
    l->log_access = 1;
    l->gauge = gauge;
    return l;
}

static unsigned open_slots(const struct runtime_listener *l)
{
    return atomic_load(&l->gauge->open);
}

/* --- tests ------------------------------------------------------------------------------------ */

/* Handshake, backend, a little each way, half-closes carried through: a clean end. */
START_TEST(relays_both_ways_and_ends_clean)
{
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    struct client *cl = client_open(l, 1);
    ck_assert_uint_eq(env.n_open, 1);
    ck_assert_uint_eq(open_slots(l), 1);
    ck_assert_uint_eq(counter(&env.counters.accepted), 1);

    RUN_UNTIL(cl->handshake_done || cl->failed);
    ck_assert_msg(cl->handshake_done, "%s", unitls_status_name(cl->failed));
    RUN_UNTIL(backend.fd >= 0);
    ck_assert_uint_eq(counter(&env.counters.handshakes), 1);

    cl->out_total = 16;
    backend.out_total = 17;
    RUN_UNTIL(backend.in_off == 16 && cl->in_off == 17);
    ck_assert_int_eq(backend.mismatch, 0);
    ck_assert_int_eq(cl->mismatch, 0);
    ck_assert_uint_eq(counter(&env.counters.bytes_in), 16);
    ck_assert_uint_eq(counter(&env.counters.bytes_out), 17);
    ck_assert_uint_eq(access_lines(), 0); /* written at the end, not before */

    /* the client's close_notify reaches the backend as EOF; the backend's EOF reaches the
     * client as close_notify; then the client closes */
    client_close_notify(cl);
    RUN_UNTIL(backend.eof);
    ck_assert_uint_eq(env.n_open, 1);
    close(backend.fd);
    backend.fd = -1;
    RUN_UNTIL(cl->notify);
    shutdown(cl->fd, SHUT_WR);
    RUN_UNTIL(env.n_open == 0);

    ck_assert_uint_eq(on_close_calls, 1);
    ck_assert_uint_eq(counter(&env.counters.closed), 1);
    ck_assert_uint_eq(counter(&env.counters.handshake_failures), 0);
    ck_assert_uint_eq(counter(&env.counters.backend_failures), 0);
    ck_assert_uint_eq(open_slots(l), 0);
    settle();
    ck_assert_uint_eq(access_lines(), 1);
    char line[LOG_LINE_MAX];
    access_line(0, line, sizeof line);
    assert_line_has(line, "listener=test ");
    assert_line_has(line, "client=192.0.2.7:4444 ");
    assert_line_has(line, "sni=localhost ");
    assert_line_has(line, " in=16 out=17 ");
    assert_line_has(line, "end=\"clean\"");
    runtime_listener_unref(l);
}
END_TEST

/* More than CONN_BUFFER_LIMIT each way at once, through the kept-bytes stores: every byte
 * arrives, in order. */
START_TEST(relays_a_megabyte_each_way)
{
    const uint64_t total = 1024 * 1024;
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    struct client *cl = client_open(l, 1);
    RUN_UNTIL(cl->handshake_done || cl->failed);
    ck_assert_msg(cl->handshake_done, "%s", unitls_status_name(cl->failed));
    cl->out_total = total;
    backend.out_total = total;
    RUN_UNTIL(backend.in_off == total && cl->in_off == total);
    ck_assert_int_eq(backend.mismatch, 0);
    ck_assert_int_eq(cl->mismatch, 0);
    ck_assert_uint_eq(counter(&env.counters.bytes_in), total);
    ck_assert_uint_eq(counter(&env.counters.bytes_out), total);
    ck_assert_int_eq(cl->failed, UNITLS_OK);
    ck_assert_uint_eq(env.n_open, 1);
    conn_close_all(&env);
    ck_assert_uint_eq(env.n_open, 0);
    runtime_listener_unref(l);
}
END_TEST

/* A peer sending something other than TLS is closed; its neighbour goes on. */
START_TEST(garbage_closes_that_connection_alone)
{
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    struct client *good = client_open(l, 1);
    RUN_UNTIL(good->handshake_done || good->failed);
    ck_assert_msg(good->handshake_done, "%s", unitls_status_name(good->failed));
    RUN_UNTIL(backend.fd >= 0);

    struct client *bad = client_open(l, 0);
    static const char garbage[] = "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n";
    client_raw_send(bad, garbage, sizeof garbage - 1);
    RUN_UNTIL(bad->eof);
    ck_assert_uint_eq(env.n_open, 1);
    ck_assert_uint_eq(on_close_calls, 1);
    ck_assert_uint_eq(open_slots(l), 1);
    ck_assert_uint_eq(counter(&env.counters.accepted), 2);
    ck_assert_uint_eq(counter(&env.counters.closed), 1);
    ck_assert_uint_eq(counter(&env.counters.handshake_failures), 1);
    ck_assert_uint_eq(counter(&env.counters.handshakes), 1);
    ck_assert_uint_eq(access_lines(), 1);
    char line[LOG_LINE_MAX];
    access_line(0, line, sizeof line);
    assert_line_has(line, "end=\"tls error");
    assert_line_has(line, " reason=");
    ck_assert_int_eq(backend_has_waiting(), 0); /* no backend connection for it */

    /* the neighbour still relays */
    good->out_total = 100;
    backend.out_total = 200;
    RUN_UNTIL(backend.in_off == 100 && good->in_off == 200);
    ck_assert_int_eq(backend.mismatch + good->mismatch, 0);
    ck_assert_uint_eq(env.n_open, 1);
    runtime_listener_unref(l);
}
END_TEST

/* A client that never finishes its ClientHello is cut at handshake_timeout_ms, and never got
 * a backend connection. */
START_TEST(handshake_timeout_closes)
{
    struct runtime_listener *l = listener_new(30, 5000, 4);
    struct client *cl = client_open(l, 0);
    static const unsigned char partial[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
    client_raw_send(cl, partial, sizeof partial);
    RUN_UNTIL(cl->eof);
    ck_assert_uint_eq(env.n_open, 0);
    ck_assert_uint_eq(on_close_calls, 1);
    ck_assert_uint_eq(open_slots(l), 0);
    ck_assert_uint_eq(counter(&env.counters.handshake_failures), 1);
    ck_assert_uint_eq(counter(&env.counters.closed), 1);
    ck_assert_int_eq(backend_has_waiting(), 0);
    ck_assert_uint_eq(access_lines(), 1);
    char line[LOG_LINE_MAX];
    access_line(0, line, sizeof line);
    assert_line_has(line, "end=\"timeout: handshake\"");
    assert_line_has(line, "reason=timeout");
    assert_line_has(line, " in=0 out=0 ");
    runtime_listener_unref(l);
}
END_TEST

/* A client gone before its handshake: closed, counted, one line. */
START_TEST(early_close_is_a_failed_handshake)
{
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    struct client *cl = client_open(l, 0);
    close(cl->fd);
    cl->fd = -1;
    RUN_UNTIL(env.n_open == 0);
    ck_assert_uint_eq(on_close_calls, 1);
    ck_assert_uint_eq(open_slots(l), 0);
    ck_assert_uint_eq(counter(&env.counters.handshake_failures), 1);
    settle();
    ck_assert_uint_eq(access_lines(), 1);
    ck_assert_int_eq(backend_has_waiting(), 0);
    runtime_listener_unref(l);
}
END_TEST

/* A backend that refuses: the connection ends, counted as a backend failure, and the client is
 * told with close_notify. */
START_TEST(backend_refused_ends_the_connection)
{
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    int reserved = refusing_endpoint(&l->backends.backends[0].config.address);
    struct client *cl = client_open(l, 1);
    RUN_UNTIL(env.n_open == 0);
    ck_assert_uint_eq(counter(&env.counters.handshakes), 1);
    ck_assert_uint_eq(counter(&env.counters.backend_failures), 1);
    ck_assert_uint_eq(counter(&env.counters.handshake_failures), 0);
    ck_assert_uint_eq(on_close_calls, 1);
    ck_assert_uint_eq(open_slots(l), 0);
    RUN_UNTIL(cl->notify || cl->eof);
    ck_assert_int_eq(cl->handshake_done, 1);
    ck_assert_int_eq(cl->notify, 1);
    ck_assert_uint_eq(access_lines(), 1);
    char line[LOG_LINE_MAX];
    access_line(0, line, sizeof line);
    assert_line_has(line, "end=\"backend refused");
    /* and one warning naming the backend */
    char want[160];
    snprintf(want, sizeof want, "listener test: backend %s: ",
             l->backends.backends[0].config.address.text);
    ck_assert_uint_eq(occurrences(log_read(), want), 1);
    close(reserved);
    runtime_listener_unref(l);
}
END_TEST

/* A relaying connection with nothing to say is ended at idle_timeout_ms: the backend sees
 * EOF, the client close_notify. */
START_TEST(idle_timeout_closes)
{
    struct runtime_listener *l = listener_new(5000, 40, 4);
    struct client *cl = client_open(l, 1);
    RUN_UNTIL(env.n_open == 0);
    ck_assert_int_eq(cl->handshake_done, 1);
    ck_assert_uint_eq(counter(&env.counters.handshake_failures), 0);
    RUN_UNTIL(backend.fd >= 0 && backend.eof);
    RUN_UNTIL(cl->notify || cl->eof);
    ck_assert_int_eq(cl->notify, 1);
    ck_assert_uint_eq(open_slots(l), 0);
    ck_assert_uint_eq(access_lines(), 1);
    char line[LOG_LINE_MAX];
    access_line(0, line, sizeof line);
    assert_line_has(line, "end=\"timeout: idle\"");
    runtime_listener_unref(l);
}
END_TEST

/* conn_close_all ends each connection once, whatever its phase, and gives every slot back. */
START_TEST(close_all_ends_every_connection)
{
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    struct client *relaying = client_open(l, 1);
    RUN_UNTIL(relaying->handshake_done && backend.fd >= 0);
    relaying->out_total = 10;
    RUN_UNTIL(backend.in_off == 10);
    client_open(l, 0); /* still in its handshake: sent nothing */
    step();
    ck_assert_uint_eq(env.n_open, 2);
    ck_assert_uint_eq(open_slots(l), 2);

    conn_close_all(&env);
    ck_assert_uint_eq(env.n_open, 0);
    ck_assert_ptr_null(env.head);
    ck_assert_uint_eq(on_close_calls, 2);
    ck_assert_uint_eq(open_slots(l), 0);
    ck_assert_uint_eq(counter(&env.counters.closed), 2);
    ck_assert_uint_eq(counter(&env.counters.handshake_failures), 0); /* ours, not theirs */
    ck_assert_uint_eq(access_lines(), 2);
    ck_assert_uint_eq(occurrences(log_read(), "end=\"shutdown\""), 2);
    RUN_UNTIL(relaying->notify || relaying->eof);
    ck_assert_int_eq(relaying->notify, 1);
    RUN_UNTIL(clients[1].eof);
    RUN_UNTIL(backend.eof);

    /* conn_env_fini finds nothing left, and nothing more is logged */
    conn_env_fini(&env);
    env_live = 0;
    ck_assert_uint_eq(on_close_calls, 2);
    ck_assert_uint_eq(access_lines(), 2);
    runtime_listener_unref(l);
}
END_TEST

/* Connections keep their listener (and its context) alive after the runtime dropped it. */
START_TEST(connection_holds_its_listener)
{
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    struct runtime_gauge *gauge = l->gauge;
    atomic_fetch_add(&gauge->refs, 1); /* to read the count after the listener is gone */
    struct client *cl = client_open(l, 1);
    RUN_UNTIL(cl->handshake_done && backend.fd >= 0);
    runtime_listener_unref(l); /* a reload dropped it */
    cl->out_total = 1000;
    backend.out_total = 1000;
    RUN_UNTIL(backend.in_off == 1000 && cl->in_off == 1000);
    ck_assert_int_eq(backend.mismatch + cl->mismatch, 0);
    ck_assert_uint_eq(atomic_load(&gauge->open), 1);
    conn_close_all(&env);
    ck_assert_uint_eq(atomic_load(&gauge->open), 0);
    free(gauge); /* the listener's reference went with it */
}
END_TEST

/* With proxy_protocol, the backend hears the PROXY header first, then the client's bytes. */
START_TEST(proxy_header_goes_first)
{
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    l->backends.backends[0].config.proxy_protocol = PROXY_PROTOCOL_V1;
    backend.expect_header = 1;
    struct client *cl = client_open(l, 1);
    cl->out_total = 300;
    RUN_UNTIL(backend.in_off == 300);
    ck_assert_int_eq(backend.mismatch, 0);
    ck_assert_msg(strncmp(backend.header, "PROXY ", 6) == 0, "%s", backend.header);
    ck_assert_uint_eq(counter(&env.counters.bytes_in), 300); /* the header is not the client's */
    conn_close_all(&env);
    runtime_listener_unref(l);
}
END_TEST

/* Two backends, the first refusing: the connection goes on to the second, which hears its own
 * PROXY header (v1, not the first one's v2) and then every client byte; the refusal is counted
 * and marks the first down; the access line names the backend used. */
START_TEST(refused_backend_fails_over_to_the_next)
{
    struct runtime_listener *l = listener_new(5000, 5000, 4);
    struct backend_config cfgs[2] = {{.proxy_protocol = PROXY_PROTOCOL_V2},
                                     {.address = backend.ep, .proxy_protocol = PROXY_PROTOCOL_V1}};
    int reserved = refusing_endpoint(&cfgs[0].address);
    backend_pool_fini(&l->backends);
    ck_assert_int_eq(backend_pool_init(&l->backends, cfgs, 2, BALANCE_FIRST, 10000, NULL), 0);
    backend.expect_header = 1;
    struct client *cl = client_open(l, 1);
    cl->out_total = 300;
    RUN_UNTIL(backend.in_off == 300);
    ck_assert_int_eq(backend.mismatch, 0);
    ck_assert_msg(strncmp(backend.header, "PROXY ", 6) == 0, "%s", backend.header);
    ck_assert_uint_eq(counter(&env.counters.backend_failures), 1);
    ck_assert_uint_eq(atomic_load(&l->backends.backends[0].health->connects), 1);
    ck_assert_uint_eq(atomic_load(&l->backends.backends[0].health->failures), 1);
    ck_assert_uint_eq(atomic_load(&l->backends.backends[1].health->connects), 1);
    ck_assert_int_eq(backend_pool_is_down(&l->backends, 0, conn_env_clock_ms(&env)), 1);
    ck_assert_int_eq(backend_pool_is_down(&l->backends, 1, conn_env_clock_ms(&env)), 0);
    conn_close_all(&env);
    char line[LOG_LINE_MAX], want[200];
    access_line(0, line, sizeof line);
    snprintf(want, sizeof want, " backend=%s ", backend.ep.text);
    assert_line_has(line, want);
    close(reserved);
    runtime_listener_unref(l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon_conn");
    TCase *tc = tcase_create("relay");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, relays_both_ways_and_ends_clean);
    tcase_add_test(tc, relays_a_megabyte_each_way);
    tcase_add_test(tc, connection_holds_its_listener);
    tcase_add_test(tc, proxy_header_goes_first);
    suite_add_tcase(s, tc);
    tc = tcase_create("ends");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, garbage_closes_that_connection_alone);
    tcase_add_test(tc, handshake_timeout_closes);
    tcase_add_test(tc, early_close_is_a_failed_handshake);
    tcase_add_test(tc, backend_refused_ends_the_connection);
    tcase_add_test(tc, refused_backend_fails_over_to_the_next);
    tcase_add_test(tc, idle_timeout_closes);
    tcase_add_test(tc, close_all_ends_every_connection);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
