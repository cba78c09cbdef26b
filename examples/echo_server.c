/* A TLS echo server on unitls_buffer and libevent: every byte a client sends comes back.
 *
 *   echo_server CERT KEY PORT [IMPLEMENTATION]
 *
 * The buffer never touches the socket. This program moves ciphertext between the socket and
 * the buffer (zero-copy, through incoming_reserve/commit and outgoing_peek/consume) and
 * plaintext between the buffer and itself. It listens on 127.0.0.1 and runs until SIGINT or
 * SIGTERM. Built from docs/libunitls.md; compile with
 *   cc echo_server.c $(pkg-config --cflags --libs unitls libevent) */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <unitls/unitls.h>

struct connection {
    int fd;
    unitls_buffer *tls;
    struct event *readable, *writable;
    unsigned char pending[16384]; /* plaintext read but not yet taken by unitls_buffer_write */
    size_t pending_len, pending_off;
    int closing;                  /* close_notify queued: close once outgoing is drained */
    int eof;                      /* the client's end of the stream arrived */
};

static void connection_free(struct connection *c)
{
    event_free(c->readable);
    event_free(c->writable);
    unitls_buffer_free(c->tls);
    close(c->fd);
    free(c);
}

/* Sends what the buffer has for the network. 1 when all of it went, 0 when the socket is full
 * (the write event is armed), -1 on a socket error. */
static int connection_flush(struct connection *c)
{
    const uint8_t *p;
    size_t len;
    while (unitls_buffer_outgoing_peek(c->tls, &p, &len) == UNITLS_OK && len > 0) {
        ssize_t sent = send(c->fd, p, len, MSG_NOSIGNAL);
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            event_add(c->writable, NULL);
            return 0;
        }
        if (sent < 0)
            return -1;
        unitls_buffer_outgoing_consume(c->tls, (size_t)sent);
    }
    return 1;
}

/* Echoes plaintext until the buffer wants more from the network or room to write. 0 to keep
 * the connection, -1 to drop it. */
static int connection_echo(struct connection *c)
{
    for (;;) {
        if (c->pending_off < c->pending_len) {
            size_t taken;
            unitls_status st = unitls_buffer_write(c->tls, c->pending + c->pending_off,
                                                   c->pending_len - c->pending_off, &taken);
            if (st == UNITLS_WANT_WRITE)
                return 0; /* resumed from the write event once outgoing is drained */
            if (st != UNITLS_OK)
                return -1;
            c->pending_off += taken;
            continue;
        }
        size_t n;
        unitls_status st = unitls_buffer_read(c->tls, c->pending, sizeof c->pending, &n);
        if (st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE)
            return 0;
        if (st == UNITLS_OK && n == 0) { /* the client's close_notify: answer with ours */
            unitls_buffer_shutdown(c->tls);
            c->closing = 1;
            return 0;
        }
        if (st != UNITLS_OK)
            return -1; /* a TLS error, or the client vanished without close_notify */
        c->pending_len = n;
        c->pending_off = 0;
    }
}

static void connection_progress(struct connection *c)
{
    int keep = connection_echo(c);
    if (keep < 0 && !unitls_buffer_handshake_done(c->tls)) {
        char facts[256];
        enum unitls_handshake_failure why = unitls_buffer_handshake_failure(c->tls, facts,
                                                                           sizeof facts);
        fprintf(stderr, "echo_server: handshake failed (%s) %s\n",
                unitls_handshake_failure_name(why), facts);
    }
    int flushed = keep < 0 ? -1 : connection_flush(c);
    if (flushed < 0 || (c->closing && flushed == 1))
        connection_free(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    struct connection *c = arg;
    (void)what;
    uint8_t *space;
    size_t cap;
    unitls_buffer_incoming_reserve(c->tls, &space, &cap);
    if (cap == 0) {
        /* The incoming store is full because the client sends faster than it reads its echo:
         * stop reading until the socket drains (on_writable resumes). */
        event_del(c->readable);
        event_add(c->writable, NULL);
        return;
    }
    ssize_t got = recv(fd, space, cap, 0);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        unitls_buffer_incoming_commit(c->tls, 0); /* nothing arrived after all */
        return;
    }
    if (got < 0) {
        unitls_buffer_incoming_commit(c->tls, 0);
        connection_free(c);
        return;
    }
    unitls_buffer_incoming_commit(c->tls, (size_t)got);
    if (got == 0) { /* the client's end of the stream: no more to read */
        unitls_buffer_process_incoming_eof(c->tls);
        event_del(c->readable);
        c->eof = 1;
    }
    connection_progress(c);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    struct connection *c = arg;
    (void)fd;
    (void)what;
    if (!c->eof)
        event_add(c->readable, NULL);
    connection_progress(c);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd,
                      struct sockaddr *addr, int len, void *arg)
{
    unitls_server_context *ctx = arg;
    (void)addr;
    (void)len;
    struct event_base *base = evconnlistener_get_base(listener);
    struct connection *c = calloc(1, sizeof *c);
    unitls_error err;
    if (!c || !(c->tls = unitls_server_context_create_buffer(ctx, &err))) {
        fprintf(stderr, "echo_server: no buffer for a connection: %s\n",
                c ? err.message : "out of memory");
        free(c);
        close(fd);
        return;
    }
    c->fd = fd;
    c->readable = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, c);
    c->writable = event_new(base, fd, EV_WRITE, on_writable, c);
    event_add(c->readable, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopbreak(arg);
}

/* One signing chain from a leaf certificate file and its key file. */
static unitls_server_context *server_context_new(const char *cert_path, const char *key_path,
                                                 const char *implementation)
{
    unitls_error err;
    const unitls_implementation *impl = implementation ? unitls_implementation_find(implementation)
                                                       : unitls_implementation_default();
    if (!impl) {
        fprintf(stderr, "echo_server: no implementation named %s\n", implementation);
        return NULL;
    }
    unitls_certificate *cert = unitls_certificate_from_file(cert_path, &err);
    unitls_private_key *key = cert ? unitls_private_key_from_file(key_path, &err) : NULL;
    unitls_signing_chain *chain = key ? unitls_signing_chain_new(cert, key, NULL, 0, &err) : NULL;
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_server_config *config = NULL;
    if (chain && unitls_server_config_builder_add_certificate_chain(b, chain) == UNITLS_OK)
        config = unitls_server_config_builder_build(b, &err);
    /* Every object holds its own references: ours can go as soon as it is handed over. */
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(chain);
    unitls_private_key_unref(key);
    unitls_certificate_unref(cert);
    unitls_server_context *ctx = config ? unitls_server_context_new(impl, config, &err) : NULL;
    unitls_server_config_unref(config);
    if (!ctx)
        fprintf(stderr, "echo_server: %s\n", err.message);
    return ctx;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: echo_server CERT KEY PORT [IMPLEMENTATION]\n");
        return 2;
    }
    unitls_server_context *ctx = server_context_new(argv[1], argv[2], argc == 5 ? argv[4] : NULL);
    if (!ctx)
        return 1;
    struct sockaddr_in sin = {.sin_family = AF_INET,
                              .sin_port = htons((uint16_t)atoi(argv[3])),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct event_base *base = event_base_new();
    struct evconnlistener *listener = evconnlistener_new_bind(
        base, on_accept, ctx, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 64,
        (struct sockaddr *)&sin, sizeof sin);
    if (!listener) {
        fprintf(stderr, "echo_server: cannot listen on 127.0.0.1:%s: %s\n", argv[3],
                strerror(errno));
        return 1;
    }
    struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
    struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
    event_add(sigint, NULL);
    event_add(sigterm, NULL);
    printf("echo_server: %s on 127.0.0.1:%s\n",
           unitls_implementation_name(unitls_server_context_implementation(ctx)), argv[3]);
    fflush(stdout);
    event_base_dispatch(base);
    /* Connections still open at exit are left to the operating system. */
    event_free(sigint);
    event_free(sigterm);
    evconnlistener_free(listener);
    event_base_free(base);
    unitls_server_context_unref(ctx);
    return 0;
}
