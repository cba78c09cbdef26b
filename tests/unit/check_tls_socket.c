/* unitls_socket as PEP 748's TLSSocket, over loopback TCP, for each implementation: blocking
 * and non-blocking use (handshake, send, recv and close against a peer that stays silent),
 * WANT_READ / WANT_WRITE without lost or repeated bytes, a forced close that never waits, a
 * graceful close retried until the peer's close_notify (the descriptor kept until it
 * succeeds), and no cipher, version, protocol or descriptor after close.
 *
 * A "silent" peer is a socket nobody reads from or writes to. Calls that must not wait run
 * under alarm(GUARD_S): if one waited for the peer, SIGALRM kills the test (a failure) rather
 * than hanging it. No test measures time. Every loop is bounded in rounds. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "testutil.h"

#define GUARD_S 20u        /* a call that waited on a silent peer is killed after this */
#define POLL_MS 5000       /* the longest a test waits for a descriptor to become ready */
#define MAX_ROUNDS 100000u /* every drive loop */
#define FILL_LIMIT (256u * 1024u * 1024u) /* a kernel takes far less than this from a send */
#define CHUNK (16u * 1024u)

static const char alpn_h2[] = "h2";

struct pair {
    unitls_socket *listener;
    unitls_socket *client;
    unitls_socket *server;
};

/* A server context for "localhost" (its certificate names 127.0.0.1) speaking ALPN h2. */
static unitls_server_context *server_ctx(void)
{
    const char *name = "localhost";
    unitls_server_config_builder *b = tu_server_builder(&name, 1);
    tu_assert_status(unitls_server_config_builder_add_inner_protocol(b, alpn_h2, 2), UNITLS_OK,
                     "server ALPN", "h2");
    return tu_server_context_from(b);
}

static unitls_client_context *client_ctx(void)
{
    unitls_client_config_builder *b = tu_client_builder();
    tu_assert_status(unitls_client_config_builder_add_inner_protocol(b, alpn_h2, 2), UNITLS_OK,
                     "client ALPN", "h2");
    return tu_client_context_from(b);
}

static unitls_socket *listen_loopback(uint16_t *port)
{
    unitls_server_context *ctx = server_ctx();
    unitls_error err;
    unitls_socket *l = unitls_server_context_listen(ctx, "127.0.0.1", 0, 8, &err);
    unitls_server_context_unref(ctx);
    ck_assert_msg(l != NULL, "listen: %s: %s", unitls_status_name(err.status), err.message);
    unitls_address a;
    tu_assert_status(unitls_socket_getsockname(l, &a), UNITLS_OK, "getsockname", "");
    *port = a.port;
    /* a blocking accept gives up instead of hanging the test */
    struct timeval tv = {POLL_MS / 1000, 0};
    ck_assert_int_eq(setsockopt(unitls_socket_fileno(l), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv),
                     0);
    return l;
}

struct acceptor {
    unitls_socket *listener;
    unitls_socket *conn;
    unitls_error err;
};

static void *accept_one(void *arg)
{
    struct acceptor *a = arg;
    a->conn = unitls_socket_accept(a->listener, NULL, &a->err);
    return NULL;
}

/* A client and a server socket with the handshake done, both blocking. */
static void pair_open(struct pair *p)
{
    uint16_t port = 0;
    p->listener = listen_loopback(&port);
    struct acceptor a = {p->listener, NULL, {0}};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, accept_one, &a), 0);
    unitls_client_context *ctx = client_ctx();
    unitls_error err;
    p->client = unitls_client_context_connect(ctx, "127.0.0.1", port, &err);
    unitls_client_context_unref(ctx);
    pthread_join(thread, NULL);
    ck_assert_msg(p->client != NULL, "connect: %s: %s", unitls_status_name(err.status),
                  err.message);
    ck_assert_msg(a.conn != NULL, "accept: %s: %s", unitls_status_name(a.err.status),
                  a.err.message);
    p->server = a.conn;
}

static void pair_free(struct pair *p)
{
    unitls_socket_free(p->client);
    unitls_socket_free(p->server);
    unitls_socket_free(p->listener);
}

static void set_blocking(unitls_socket *s, int blocking)
{
    unitls_error err;
    unitls_status st = unitls_socket_set_blocking(s, blocking, &err);
    tu_assert_status(st, UNITLS_OK, "set_blocking", err.message);
    ck_assert_int_eq(unitls_socket_is_blocking(s), blocking);
}

/* Waits (bounded) until fd is ready for what a WANT status asks. */
static void wait_for(int fd, unitls_status want)
{
    ck_assert_msg(want == UNITLS_WANT_READ || want == UNITLS_WANT_WRITE, "not a WANT: %s",
                  unitls_status_name(want));
    struct pollfd pfd = {fd, (short)(want == UNITLS_WANT_READ ? POLLIN : POLLOUT), 0};
    int n = poll(&pfd, 1, POLL_MS);
    ck_assert_msg(n == 1, "descriptor %d not ready for %s", fd, unitls_status_name(want));
}

static int descriptor_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

/* Asserts the state of a closed socket: no TLS details, no descriptor, calls refused. */
static void assert_closed(unitls_socket *s)
{
    ck_assert_int_eq(unitls_socket_fileno(s), -1);
    ck_assert_uint_eq(unitls_socket_cipher(s), 0);
    ck_assert_int_eq(unitls_socket_negotiated_tls_version(s), UNITLS_TLS_VERSION_UNSET);
    const uint8_t *p = NULL;
    size_t len = 0;
    tu_assert_status(unitls_socket_negotiated_protocol(s, &p, &len), UNITLS_ERR_INVALID,
                     "protocol after close", "");
    tu_assert_status(unitls_socket_getpeercert(s, &p, &len), UNITLS_ERR_INVALID,
                     "getpeercert after close", "");
    ck_assert_ptr_null(unitls_socket_buffer(s));
    uint8_t byte = 0;
    size_t n = 0;
    unitls_error err;
    tu_assert_status(unitls_socket_recv(s, &byte, 1, &n, &err), UNITLS_ERR_INVALID,
                     "recv after close", err.message);
    tu_assert_status(unitls_socket_send(s, &byte, 1, &n, &err), UNITLS_ERR_INVALID,
                     "send after close", err.message);
    ck_assert_uint_eq(n, 0);
    tu_assert_status(unitls_socket_close(s, 0, &err), UNITLS_OK, "second close", err.message);
}

static void assert_open(unitls_socket *s)
{
    ck_assert_int_ge(unitls_socket_fileno(s), 0);
    ck_assert_uint_ne(unitls_socket_cipher(s), 0);
    ck_assert_int_eq(unitls_socket_negotiated_tls_version(s), UNITLS_TLSv1_3);
    const uint8_t *p = NULL;
    size_t len = 0;
    tu_assert_status(unitls_socket_negotiated_protocol(s, &p, &len), UNITLS_OK, "protocol", "");
    ck_assert_msg(len == 2 && memcmp(p, "h2", 2) == 0, "negotiated %.*s", (int)len, p);
}

/* Receives exactly len bytes on a blocking socket. */
static void recv_exact_blocking(unitls_socket *s, uint8_t *dst, size_t len)
{
    size_t got = 0;
    for (unsigned round = 0; got < len && round < MAX_ROUNDS; round++) {
        size_t n = 0;
        unitls_error err;
        unitls_status st = unitls_socket_recv(s, dst + got, len - got, &n, &err);
        tu_assert_status(st, UNITLS_OK, "blocking recv", err.message);
        ck_assert_msg(n > 0, "the peer closed after %zu of %zu bytes", got, len);
        got += n;
    }
    ck_assert_uint_eq(got, len);
}

/* The blocking calls keep their meaning: connect and accept complete the handshake, send
 * takes everything, recv waits for data, a graceful close with a peer that answers returns OK;
 * before close the details are there, after close they are gone. _i: close forced (0) or
 * graceful (1). */
START_TEST(test_blocking_use_and_state_after_close)
{
    alarm(GUARD_S);
    struct pair p;
    pair_open(&p);
    assert_open(p.client);
    assert_open(p.server);
    ck_assert_int_eq(unitls_socket_is_blocking(p.client), 1);
    const char msg[] = "blocking hello";
    size_t n = 0;
    unitls_error err;
    tu_assert_status(unitls_socket_send(p.client, msg, sizeof msg, &n, &err), UNITLS_OK, "send",
                     err.message);
    ck_assert_uint_eq(n, sizeof msg);
    uint8_t got[sizeof msg];
    recv_exact_blocking(p.server, got, sizeof got);
    ck_assert_mem_eq(got, msg, sizeof msg);

    if (_i == 0) {
        tu_assert_status(unitls_socket_close(p.client, 1, &err), UNITLS_OK, "forced close",
                         err.message);
    } else {
        /* the server says goodbye first (non-blocking, so this thread can go on), then the
         * client's blocking close finds the server's close_notify and completes */
        set_blocking(p.server, 0);
        tu_assert_status(unitls_socket_close(p.server, 0, &err), UNITLS_WANT_READ,
                         "server close before the client's close_notify", err.message);
        tu_assert_status(unitls_socket_close(p.client, 0, &err), UNITLS_OK, "graceful close",
                         err.message);
        wait_for(unitls_socket_fileno(p.server), UNITLS_WANT_READ);
        tu_assert_status(unitls_socket_close(p.server, 0, &err), UNITLS_OK,
                         "server close after the client's close_notify", err.message);
        assert_closed(p.server);
    }
    assert_closed(p.client);
    ck_assert_ptr_nonnull(unitls_socket_client_context(p.client));
    pair_free(&p);
    alarm(0);
}
END_TEST

/* A plain TCP connection to port that never says anything. */
static int silent_tcp_client(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    ck_assert_int_eq(connect(fd, (const struct sockaddr *)&sin, sizeof sin), 0);
    return fd;
}

/* A non-blocking listener: accept says WANT_READ while nobody connects, returns at once with a
 * non-blocking socket before its handshake, whose handshake, recv and send say WANT_READ while
 * the client stays silent; closing it (no session yet) releases it at once. */
START_TEST(test_nonblocking_accept_silent_client)
{
    alarm(GUARD_S);
    uint16_t port = 0;
    unitls_socket *l = listen_loopback(&port);
    set_blocking(l, 0);
    unitls_error err;
    ck_assert_ptr_null(unitls_socket_accept(l, NULL, &err));
    tu_assert_status(err.status, UNITLS_WANT_READ, "accept with nobody waiting", err.message);

    int raw = silent_tcp_client(port);
    wait_for(unitls_socket_fileno(l), UNITLS_WANT_READ);
    unitls_address peer;
    unitls_socket *conn = unitls_socket_accept(l, &peer, &err);
    ck_assert_msg(conn != NULL, "accept: %s", err.message);
    ck_assert_str_eq(peer.host, "127.0.0.1");
    ck_assert_int_eq(unitls_socket_is_blocking(conn), 0);
    ck_assert_uint_eq(unitls_socket_cipher(conn), 0);
    ck_assert_int_eq(unitls_socket_negotiated_tls_version(conn), UNITLS_TLS_VERSION_UNSET);
    for (int i = 0; i < 3; i++)
        tu_assert_status(unitls_socket_do_handshake(conn, &err), UNITLS_WANT_READ,
                         "handshake with a silent client", err.message);
    uint8_t byte = 0;
    size_t n = 7;
    tu_assert_status(unitls_socket_recv(conn, &byte, 1, &n, &err), UNITLS_WANT_READ,
                     "recv before the handshake", err.message);
    tu_assert_status(unitls_socket_send(conn, "x", 1, &n, &err), UNITLS_WANT_READ,
                     "send before the handshake", err.message);
    ck_assert_uint_eq(n, 0);
    tu_assert_status(unitls_socket_close(conn, 0, &err), UNITLS_OK,
                     "graceful close without a session", err.message);
    ck_assert_int_eq(unitls_socket_fileno(conn), -1);
    unitls_socket_free(conn);
    close(raw);
    unitls_socket_free(l);
    alarm(0);
}
END_TEST

struct client_run {
    uint16_t port;
    char got[16];
    size_t got_len;
    unitls_status status;
    char message[UNITLS_ERROR_MESSAGE_SIZE];
};

/* Connects (blocking), reads what the server sends until its close_notify, closes. */
static void *client_read_to_end(void *arg)
{
    struct client_run *r = arg;
    unitls_client_context *ctx = client_ctx();
    unitls_error err;
    unitls_error_clear(&err);
    unitls_socket *s = unitls_client_context_connect(ctx, "127.0.0.1", r->port, &err);
    unitls_client_context_unref(ctx);
    for (unsigned round = 0; s && round < MAX_ROUNDS; round++) {
        size_t n = 0;
        unitls_status st = unitls_socket_recv(s, r->got + r->got_len,
                                              sizeof r->got - r->got_len, &n, &err);
        if (st != UNITLS_OK || n == 0 || r->got_len + n == sizeof r->got) {
            r->got_len += st == UNITLS_OK ? n : 0;
            break;
        }
        r->got_len += n;
    }
    if (s && err.status == UNITLS_OK)
        unitls_socket_close(s, 0, &err);
    r->status = err.status;
    memcpy(r->message, err.message, sizeof r->message);
    unitls_socket_free(s);
    return NULL;
}

/* Drives a non-blocking operation to OK, waiting on the descriptor for each WANT. */
#define DRIVE(call, fd, what)                                                                 \
    do {                                                                                      \
        unitls_status st_ = UNITLS_WANT_READ;                                                 \
        unitls_error e_;                                                                      \
        unitls_error_clear(&e_);                                                              \
        for (unsigned r_ = 0; r_ < MAX_ROUNDS; r_++) {                                        \
            st_ = (call);                                                                     \
            if (st_ != UNITLS_WANT_READ && st_ != UNITLS_WANT_WRITE)                          \
                break;                                                                        \
            wait_for((fd), st_);                                                              \
        }                                                                                     \
        tu_assert_status(st_, UNITLS_OK, (what), e_.message);                                 \
    } while (0)

/* The accepted non-blocking socket's handshake, driven by do_handshake against a real client,
 * then a send and a graceful close retried until the client's close_notify. */
START_TEST(test_nonblocking_handshake_and_close)
{
    alarm(GUARD_S);
    struct client_run run;
    memset(&run, 0, sizeof run);
    unitls_socket *l = listen_loopback(&run.port);
    set_blocking(l, 0);
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, client_read_to_end, &run), 0);
    wait_for(unitls_socket_fileno(l), UNITLS_WANT_READ);
    unitls_error err;
    unitls_socket *conn = unitls_socket_accept(l, NULL, &err);
    ck_assert_msg(conn != NULL, "accept: %s", err.message);
    int fd = unitls_socket_fileno(conn);
    DRIVE(unitls_socket_do_handshake(conn, &e_), fd, "non-blocking handshake");
    assert_open(conn);
    tu_assert_status(unitls_socket_do_handshake(conn, &err), UNITLS_OK,
                     "handshake once done", err.message);
    size_t n = 0;
    DRIVE(unitls_socket_send(conn, "goodbye", 7, &n, &e_), fd, "send");
    ck_assert_uint_eq(n, 7);
    DRIVE(unitls_socket_close(conn, 0, &e_), fd, "graceful close");
    pthread_join(thread, NULL);
    tu_assert_status(run.status, UNITLS_OK, "client", run.message);
    ck_assert_uint_eq(run.got_len, 7);
    ck_assert_mem_eq(run.got, "goodbye", 7);
    assert_closed(conn);
    unitls_socket_free(conn);
    unitls_socket_free(l);
    alarm(0);
}
END_TEST

/* Non-blocking recv says WANT_READ, as often as asked, while the peer is silent, then hands
 * out exactly what the peer sends. */
START_TEST(test_nonblocking_recv_silent_peer)
{
    alarm(GUARD_S);
    struct pair p;
    pair_open(&p);
    set_blocking(p.server, 0);
    uint8_t buf[64];
    size_t n = 99;
    unitls_error err;
    for (int i = 0; i < 3; i++) {
        tu_assert_status(unitls_socket_recv(p.server, buf, sizeof buf, &n, &err),
                         UNITLS_WANT_READ, "recv from a silent peer", err.message);
        ck_assert_uint_eq(n, 99); /* untouched without OK */
    }
    const char msg[] = "after a silence";
    tu_assert_status(unitls_socket_send(p.client, msg, sizeof msg, &n, &err), UNITLS_OK, "send",
                     err.message);
    size_t got = 0;
    for (unsigned round = 0; got < sizeof msg && round < MAX_ROUNDS; round++) {
        unitls_status st = unitls_socket_recv(p.server, buf + got, sizeof buf - got, &n, &err);
        if (st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE) {
            wait_for(unitls_socket_fileno(p.server), st);
            continue;
        }
        tu_assert_status(st, UNITLS_OK, "recv", err.message);
        got += n;
    }
    ck_assert_uint_eq(got, sizeof msg);
    ck_assert_mem_eq(buf, msg, sizeof msg);
    tu_assert_status(unitls_socket_recv(p.server, buf, sizeof buf, &n, &err), UNITLS_WANT_READ,
                     "recv once drained", err.message);
    pair_free(&p);
    alarm(0);
}
END_TEST

/* Sends the pattern stream from *offset until send says WANT_WRITE (or limit); returns that
 * status and moves *offset by every byte taken. */
static unitls_status send_until_blocked(unitls_socket *s, uint64_t *offset, uint64_t limit)
{
    static uint8_t chunk[CHUNK];
    unitls_status st = UNITLS_OK;
    unitls_error err;
    while (*offset < limit) {
        size_t len = (size_t)(limit - *offset < CHUNK ? limit - *offset : CHUNK);
        tu_pattern_fill(1, *offset, chunk, len);
        size_t n = 0;
        st = unitls_socket_send(s, chunk, len, &n, &err);
        *offset += n;
        if (st != UNITLS_OK)
            break;
        ck_assert_msg(n > 0, "send returned OK with nothing taken");
    }
    if (st != UNITLS_OK && st != UNITLS_WANT_WRITE)
        tu_assert_status(st, UNITLS_WANT_WRITE, "non-blocking send", err.message);
    return st;
}

/* Reads what is there, checking it against the stream; the status that stopped it. */
static unitls_status recv_available(unitls_socket *s, uint64_t *offset)
{
    static uint8_t buf[CHUNK];
    unitls_error err;
    for (unsigned round = 0; round < MAX_ROUNDS; round++) {
        size_t n = 0;
        unitls_status st = unitls_socket_recv(s, buf, sizeof buf, &n, &err);
        if (st != UNITLS_OK)
            return st;
        ck_assert_msg(n > 0, "the sender closed");
        size_t bad = tu_pattern_check(1, *offset, buf, n);
        ck_assert_msg(bad == n, "byte %llu differs from what was sent (lost or repeated data)",
                      (unsigned long long)(*offset + bad));
        *offset += n;
    }
    return UNITLS_OK;
}

/* Non-blocking send to a peer that does not read: OK with what fits until WANT_WRITE with
 * nothing taken; recv then says WANT_WRITE (our bytes are stuck and nothing came); once the
 * peer reads, every byte arrives once and in order. */
START_TEST(test_nonblocking_send_silent_peer_loses_nothing)
{
    alarm(GUARD_S);
    struct pair p;
    pair_open(&p);
    set_blocking(p.client, 0);
    set_blocking(p.server, 0);
    uint64_t sent = 0, received = 0;
    unitls_status st = send_until_blocked(p.client, &sent, FILL_LIMIT);
    tu_assert_status(st, UNITLS_WANT_WRITE, "send to a peer that does not read", "");
    ck_assert_uint_gt(sent, 0);
    uint8_t byte;
    size_t n = 0;
    unitls_error err;
    tu_assert_status(unitls_socket_recv(p.client, &byte, 1, &n, &err), UNITLS_WANT_WRITE,
                     "recv while our bytes are stuck", err.message);
    tu_assert_status(unitls_socket_flush(p.client, &err), UNITLS_WANT_WRITE,
                     "flush while the peer does not read", err.message);

    uint64_t total = sent + 3u * 1024u * 1024u + 17u;
    for (unsigned round = 0; round < MAX_ROUNDS && received < total; round++) {
        st = send_until_blocked(p.client, &sent, total);
        if (sent == total)
            st = unitls_socket_flush(p.client, &err);
        unitls_status in = recv_available(p.server, &received);
        ck_assert_msg(in == UNITLS_WANT_READ || in == UNITLS_WANT_WRITE, "recv: %s",
                      unitls_status_name(in));
        if (st == UNITLS_OK && received < total)
            wait_for(unitls_socket_fileno(p.server), UNITLS_WANT_READ);
    }
    ck_assert_uint_eq(sent, total);
    ck_assert_uint_eq(received, total);
    tu_assert_status(unitls_socket_flush(p.client, &err), UNITLS_OK, "flush once drained",
                     err.message);
    pair_free(&p);
    alarm(0);
}
END_TEST

/* A forced close returns OK at once against a silent peer, with a blocking socket too, and even
 * when the kernel takes nothing more from it (_i == 1); its close_notify went out when the
 * kernel took it (_i == 0: the peer reads a clean end). */
START_TEST(test_forced_close_never_waits)
{
    alarm(GUARD_S);
    struct pair p;
    pair_open(&p);
    if (_i == 1) {
        set_blocking(p.client, 0);
        uint64_t sent = 0;
        tu_assert_status(send_until_blocked(p.client, &sent, FILL_LIMIT), UNITLS_WANT_WRITE,
                         "filling the kernel", "");
        set_blocking(p.client, 1);
    }
    int fd = unitls_socket_fileno(p.client);
    unitls_error err;
    tu_assert_status(unitls_socket_close(p.client, 1, &err), UNITLS_OK, "forced close",
                     err.message);
    ck_assert_int_eq(descriptor_open(fd), 0);
    assert_closed(p.client);
    if (_i == 0) {
        uint8_t byte;
        size_t n = 9;
        tu_assert_status(unitls_socket_recv(p.server, &byte, 1, &n, &err), UNITLS_OK,
                         "the peer's recv after our forced close", err.message);
        ck_assert_uint_eq(n, 0); /* close_notify: a clean end */
    }
    pair_free(&p);
    alarm(0);
}
END_TEST

/* A graceful close on a non-blocking socket says WANT_READ while the peer is silent, keeps the
 * descriptor, may be retried, and completes once the peer's close_notify arrives. */
START_TEST(test_graceful_close_retried_until_close_notify)
{
    alarm(GUARD_S);
    struct pair p;
    pair_open(&p);
    set_blocking(p.client, 0);
    int fd = unitls_socket_fileno(p.client);
    unitls_error err;
    for (int i = 0; i < 3; i++) {
        tu_assert_status(unitls_socket_close(p.client, 0, &err), UNITLS_WANT_READ,
                         "graceful close against a silent peer", err.message);
        ck_assert_int_eq(unitls_socket_fileno(p.client), fd);
        ck_assert(descriptor_open(fd));
        assert_open(p.client);
    }
    uint8_t byte;
    size_t n = 9;
    tu_assert_status(unitls_socket_recv(p.server, &byte, 1, &n, &err), UNITLS_OK,
                     "the peer reads our close_notify", err.message);
    ck_assert_uint_eq(n, 0);
    tu_assert_status(unitls_socket_close(p.server, 0, &err), UNITLS_OK, "the peer's close",
                     err.message);
    DRIVE(unitls_socket_close(p.client, 0, &e_), fd, "graceful close, retried");
    ck_assert_int_eq(descriptor_open(fd), 0);
    assert_closed(p.client);
    pair_free(&p);
    alarm(0);
}
END_TEST

/* A blocking graceful close that fails (here the descriptor's receive timeout against a silent
 * peer) keeps the descriptor, so the close can be retried and then succeeds. */
START_TEST(test_failed_graceful_close_keeps_descriptor)
{
    alarm(GUARD_S);
    struct pair p;
    pair_open(&p);
    int fd = unitls_socket_fileno(p.client);
    struct timeval tv = {0, 200 * 1000};
    ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
    unitls_error err;
    tu_assert_status(unitls_socket_close(p.client, 0, &err), UNITLS_ERR_IO,
                     "graceful close against a silent peer, with a receive timeout",
                     err.message);
    ck_assert_int_eq(unitls_socket_fileno(p.client), fd);
    ck_assert(descriptor_open(fd));
    uint8_t byte;
    size_t n = 9;
    tu_assert_status(unitls_socket_recv(p.server, &byte, 1, &n, &err), UNITLS_OK,
                     "the peer reads our close_notify", err.message);
    ck_assert_uint_eq(n, 0);
    tu_assert_status(unitls_socket_close(p.server, 0, &err), UNITLS_OK, "the peer's close",
                     err.message);
    tu_assert_status(unitls_socket_close(p.client, 0, &err), UNITLS_OK, "the retried close",
                     err.message);
    assert_closed(p.client);
    pair_free(&p);
    alarm(0);
}
END_TEST

/* Bad arguments and calls on a listening socket are refused with a message. */
START_TEST(test_calls_refused_with_reason)
{
    uint16_t port = 0;
    unitls_socket *l = listen_loopback(&port);
    uint8_t byte;
    size_t n = 0;
    unitls_error err;
    tu_assert_status(unitls_socket_recv(l, &byte, 1, &n, &err), UNITLS_ERR_INVALID,
                     "recv on a listener", err.message);
    ck_assert_msg(strstr(err.message, "listening") != NULL, "message: %s", err.message);
    tu_assert_status(unitls_socket_do_handshake(l, &err), UNITLS_ERR_INVALID,
                     "handshake on a listener", err.message);
    tu_assert_status(unitls_socket_recv(NULL, &byte, 1, &n, &err), UNITLS_ERR_INVALID,
                     "recv on NULL", err.message);
    tu_assert_status(unitls_socket_set_blocking(NULL, 0, &err), UNITLS_ERR_INVALID,
                     "set_blocking on NULL", err.message);
    tu_assert_status(unitls_socket_close(l, 0, &err), UNITLS_OK, "closing a listener",
                     err.message);
    ck_assert_ptr_null(unitls_socket_accept(l, NULL, &err));
    tu_assert_status(err.status, UNITLS_ERR_INVALID, "accept after close", err.message);
    tu_assert_status(unitls_socket_set_blocking(l, 0, &err), UNITLS_ERR_INVALID,
                     "set_blocking after close", err.message);
    unitls_socket_free(l);
}
END_TEST

static Suite *socket_suite(void)
{
    Suite *s = suite_create("tls_socket");
    TCase *tc = tcase_create("socket");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_blocking_use_and_state_after_close, 0, 2);
    tcase_add_test(tc, test_nonblocking_accept_silent_client);
    tcase_add_test(tc, test_nonblocking_handshake_and_close);
    tcase_add_test(tc, test_nonblocking_recv_silent_peer);
    tcase_add_test(tc, test_nonblocking_send_silent_peer_loses_nothing);
    tcase_add_loop_test(tc, test_forced_close_never_waits, 0, 2);
    tcase_add_test(tc, test_graceful_close_retried_until_close_notify);
    tcase_add_test(tc, test_failed_graceful_close_keeps_descriptor);
    tcase_add_test(tc, test_calls_refused_with_reason);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(socket_suite());
}
