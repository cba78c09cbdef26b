/* unitls_socket: PEP 748's TLSSocket, built once in the core on top of unitls_buffer and a
 * blocking POSIX socket, so every implementation gets it without writing socket code.
 *
 * Bytes move with the buffer's zero-copy calls: recv() lands in the buffer's incoming store,
 * send() goes straight out of its outgoing store. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"
#include "impl.h"

struct unitls_socket {
    int fd;
    unitls_client_context *client_ctx; /* referenced; one of the two */
    unitls_server_context *server_ctx;
    unitls_buffer *buffer;             /* NULL on a listening socket */
    int eof_seen;                      /* the TCP stream has ended */
};

typedef unitls_status (*buffer_step)(unitls_buffer *b, void *arg);

static unitls_socket *socket_wrap(int fd, unitls_client_context *cctx,
                                  unitls_server_context *sctx, unitls_buffer *buffer)
{
    unitls_socket *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = fd;
    s->client_ctx = unitls_client_context_ref(cctx);
    s->server_ctx = unitls_server_context_ref(sctx);
    s->buffer = buffer;
    return s;
}

static unitls_status os_error(unitls_error *err, const char *what, int e)
{
    return error_set(err, UNITLS_ERR_IO, e, "%s: %s", what, strerror(e));
}

/* Sends everything the buffer has queued for the network. */
static unitls_status socket_flush(unitls_socket *s, unitls_error *err)
{
    const uint8_t *p;
    size_t len;
    while (unitls_buffer_outgoing_peek(s->buffer, &p, &len) == UNITLS_OK && len > 0) {
        ssize_t sent = send(s->fd, p, len, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0)
            return os_error(err, "send", errno);
        unitls_buffer_outgoing_consume(s->buffer, (size_t)sent);
    }
    return UNITLS_OK;
}

/* Receives what the socket has into the buffer's incoming store (blocking for at least one
 * byte), or tells the buffer the stream ended. */
static unitls_status socket_fill(unitls_socket *s, unitls_error *err)
{
    if (s->eof_seen)
        return error_set(err, UNITLS_ERR_IO, 0, "recv: the connection ended");
    uint8_t *space;
    size_t cap;
    unitls_status st = unitls_buffer_incoming_reserve(s->buffer, &space, &cap);
    if (st != UNITLS_OK || cap == 0)
        return error_set(err, UNITLS_ERR_TLS, 0, "recv: the TLS buffer has no room");
    for (;;) {
        ssize_t got = recv(s->fd, space, cap, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return os_error(err, "recv", errno);
        if (got == 0) {
            s->eof_seen = 1;
            return unitls_buffer_process_incoming_eof(s->buffer);
        }
        return unitls_buffer_incoming_commit(s->buffer, (size_t)got);
    }
}

/* Runs one buffer operation to completion over the blocking socket: flush what it queued,
 * feed it what it waits for, repeat. Each pass either moves bytes or ends; the peer's EOF
 * ends it. */
static unitls_status socket_drive(unitls_socket *s, buffer_step step, void *arg,
                                  unitls_error *err)
{
    for (;;) {
        unitls_status st = step(s->buffer, arg);
        unitls_status io = socket_flush(s, err);
        if (io != UNITLS_OK)
            return io;
        if (st == UNITLS_WANT_WRITE)
            continue;
        if (st != UNITLS_WANT_READ) {
            if (st != UNITLS_OK)
                error_copy(err, unitls_buffer_last_error(s->buffer));
            return st;
        }
        io = socket_fill(s, err);
        if (io != UNITLS_OK)
            return io;
    }
}

static unitls_status step_handshake(unitls_buffer *b, void *arg)
{
    (void)arg;
    return unitls_buffer_do_handshake(b);
}

struct io_args {
    void *data;
    size_t len;
    size_t done;
};

static unitls_status step_read(unitls_buffer *b, void *arg)
{
    struct io_args *a = arg;
    return unitls_buffer_read(b, a->data, a->len, &a->done);
}

static unitls_status step_write(unitls_buffer *b, void *arg)
{
    struct io_args *a = arg;
    size_t n = 0;
    unitls_status st = UNITLS_OK;
    while (st == UNITLS_OK && a->done < a->len) {
        st = unitls_buffer_write(b, (const uint8_t *)a->data + a->done, a->len - a->done, &n);
        if (st == UNITLS_OK)
            a->done += n;
    }
    return st;
}

static unitls_status step_shutdown(unitls_buffer *b, void *arg)
{
    (void)arg;
    return unitls_buffer_shutdown(b);
}

/* Connects a TCP socket to the first address of host:port that answers. */
static int tcp_connect(const char *host, uint16_t port, unitls_error *err)
{
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG};
    struct addrinfo *list;
    int rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        error_set(err, UNITLS_ERR_IO, rc, "connect %s:%u: %s", host, port, gai_strerror(rc));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *ai = list; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(list);
    if (fd < 0)
        error_set(err, UNITLS_ERR_IO, e, "connect %s:%u: %s", host, port, strerror(e));
    return fd;
}

static void tcp_nodelay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

unitls_socket *unitls_client_context_connect(unitls_client_context *ctx, const char *host,
                                             uint16_t port, unitls_error *err)
{
    if (!ctx || !host) {
        error_set(err, UNITLS_ERR_INVALID, 0, "connect: context or host missing");
        return NULL;
    }
    int fd = tcp_connect(host, port, err);
    if (fd < 0)
        return NULL;
    tcp_nodelay(fd);
    unitls_buffer *b = unitls_client_context_create_buffer(ctx, host, err);
    unitls_socket *s = b ? socket_wrap(fd, ctx, NULL, b) : NULL;
    if (!s) {
        if (b)
            error_set(err, UNITLS_ERR_NOMEM, 0, "connect: out of memory");
        unitls_buffer_free(b);
        close(fd);
        return NULL;
    }
    if (socket_drive(s, step_handshake, NULL, err) != UNITLS_OK) {
        unitls_socket_free(s);
        return NULL;
    }
    return s;
}

unitls_socket *unitls_server_context_listen(unitls_server_context *ctx, const char *host,
                                            uint16_t port, int backlog, unitls_error *err)
{
    if (!ctx) {
        error_set(err, UNITLS_ERR_INVALID, 0, "listen: no context");
        return NULL;
    }
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai;
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc != 0) {
        error_set(err, UNITLS_ERR_IO, rc, "listen %s:%u: %s", host ? host : "*", port,
                  gai_strerror(rc));
        return NULL;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int one = 1, e = 0;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, backlog) != 0)
        e = errno;
    freeaddrinfo(ai);
    unitls_socket *s = e == 0 ? socket_wrap(fd, NULL, ctx, NULL) : NULL;
    if (!s) {
        error_set(err, e ? UNITLS_ERR_IO : UNITLS_ERR_NOMEM, e, "listen %s:%u: %s",
                  host ? host : "*", port, e ? strerror(e) : "out of memory");
        if (fd >= 0)
            close(fd);
    }
    return s;
}

unitls_status unitls_socket_listen(unitls_socket *s, int backlog, unitls_error *err)
{
    if (!s || s->buffer || s->fd < 0)
        return error_set(err, UNITLS_ERR_INVALID, 0, "listen: not a listening socket");
    if (listen(s->fd, backlog) != 0)
        return os_error(err, "listen", errno);
    return UNITLS_OK;
}

static unitls_status address_of(const struct sockaddr_storage *ss, socklen_t len,
                                unitls_address *out)
{
    char port[8];
    if (getnameinfo((const struct sockaddr *)ss, len, out->host, sizeof out->host, port,
                    sizeof port, NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return UNITLS_ERR_IO;
    out->port = (uint16_t)atoi(port);
    return UNITLS_OK;
}

unitls_socket *unitls_socket_accept(unitls_socket *s, unitls_address *peer, unitls_error *err)
{
    if (!s || s->buffer || !s->server_ctx) {
        error_set(err, UNITLS_ERR_INVALID, 0, "accept: not a listening socket");
        return NULL;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd;
    while ((fd = accept4(s->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC)) < 0 && errno == EINTR)
        len = sizeof ss;
    if (fd < 0) {
        os_error(err, "accept", errno);
        return NULL;
    }
    tcp_nodelay(fd);
    unitls_buffer *b = unitls_server_context_create_buffer(s->server_ctx, err);
    unitls_socket *conn = b ? socket_wrap(fd, NULL, s->server_ctx, b) : NULL;
    if (!conn) {
        unitls_buffer_free(b);
        close(fd);
        return NULL;
    }
    if (socket_drive(conn, step_handshake, NULL, err) != UNITLS_OK) {
        unitls_socket_free(conn);
        return NULL;
    }
    if (peer && address_of(&ss, len, peer) != UNITLS_OK)
        memset(peer, 0, sizeof *peer);
    return conn;
}

unitls_status unitls_socket_recv(unitls_socket *s, void *dst, size_t cap, size_t *n,
                                 unitls_error *err)
{
    if (!s || !s->buffer || !n || (!dst && cap > 0))
        return error_set(err, UNITLS_ERR_INVALID, 0, "recv: bad arguments");
    struct io_args a = {dst, cap, 0};
    unitls_status st = socket_drive(s, step_read, &a, err);
    if (st == UNITLS_OK)
        *n = a.done;
    return st;
}

unitls_status unitls_socket_send(unitls_socket *s, const void *src, size_t len, size_t *n,
                                 unitls_error *err)
{
    if (!s || !s->buffer || !n || (!src && len > 0))
        return error_set(err, UNITLS_ERR_INVALID, 0, "send: bad arguments");
    struct io_args a = {(void *)(uintptr_t)src, len, 0};
    unitls_status st = socket_drive(s, step_write, &a, err);
    *n = a.done;
    return st;
}

/* Reads and drops application data until the peer's close_notify (or the stream's end). */
static unitls_status socket_await_close_notify(unitls_socket *s, unitls_error *err)
{
    uint8_t sink[4096];
    for (;;) {
        struct io_args a = {sink, sizeof sink, 0};
        unitls_status st = socket_drive(s, step_read, &a, err);
        if (st != UNITLS_OK || a.done == 0)
            return st;
    }
}

unitls_status unitls_socket_close(unitls_socket *s, int force, unitls_error *err)
{
    if (!s)
        return error_set(err, UNITLS_ERR_INVALID, 0, "close: no socket");
    unitls_status st = UNITLS_OK;
    if (s->buffer && s->fd >= 0) {
        st = socket_drive(s, step_shutdown, NULL, err);
        if (st == UNITLS_WANT_READ)
            st = UNITLS_OK;
        if (!force && st == UNITLS_OK && !s->eof_seen)
            st = socket_await_close_notify(s, err);
    }
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    return st;
}

unitls_status unitls_socket_getsockname(const unitls_socket *s, unitls_address *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (!s || !out || s->fd < 0 || getsockname(s->fd, (struct sockaddr *)&ss, &len) != 0)
        return UNITLS_ERR_INVALID;
    return address_of(&ss, len, out);
}

unitls_status unitls_socket_getpeername(const unitls_socket *s, unitls_address *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (!s || !out || s->fd < 0 || getpeername(s->fd, (struct sockaddr *)&ss, &len) != 0)
        return UNITLS_ERR_INVALID;
    return address_of(&ss, len, out);
}

unitls_status unitls_socket_getpeercert(unitls_socket *s, const uint8_t **der, size_t *len)
{
    return s ? unitls_buffer_getpeercert(s->buffer, der, len) : UNITLS_ERR_INVALID;
}

unitls_client_context *unitls_socket_client_context(const unitls_socket *s)
{
    return s ? s->client_ctx : NULL;
}

unitls_server_context *unitls_socket_server_context(const unitls_socket *s)
{
    return s ? s->server_ctx : NULL;
}

uint16_t unitls_socket_cipher(const unitls_socket *s)
{
    return s ? unitls_buffer_cipher(s->buffer) : 0;
}

unitls_status unitls_socket_negotiated_protocol(const unitls_socket *s, const uint8_t **p,
                                                size_t *len)
{
    return s ? unitls_buffer_negotiated_protocol(s->buffer, p, len) : UNITLS_ERR_INVALID;
}

enum unitls_tls_version unitls_socket_negotiated_tls_version(const unitls_socket *s)
{
    return s ? unitls_buffer_negotiated_tls_version(s->buffer) : UNITLS_TLS_VERSION_UNSET;
}

unitls_buffer *unitls_socket_buffer(const unitls_socket *s) { return s ? s->buffer : NULL; }

int unitls_socket_fileno(const unitls_socket *s) { return s ? s->fd : -1; }

void unitls_socket_free(unitls_socket *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    unitls_buffer_free(s->buffer);
    unitls_client_context_unref(s->client_ctx);
    unitls_server_context_unref(s->server_ctx);
    free(s);
}
