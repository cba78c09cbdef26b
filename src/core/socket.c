/* unitls_socket: PEP 748's TLSSocket, built once in the core on top of unitls_buffer and a
 * POSIX socket, so every implementation gets it without writing socket code. This file owns
 * the object: making, accepting, closing and describing sockets; socket_io.c moves the bytes,
 * blocking or not as the descriptor is. */
#include <errno.h>
#include <fcntl.h>
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
#include "socket_io.h"

struct unitls_socket {
    struct socket_io io;               /* fd -1 and buffer NULL once closed */
    int listening;                     /* made by _listen: accepts, never carries TLS */
    unitls_client_context *client_ctx; /* referenced; one of the two */
    unitls_server_context *server_ctx;
};

static unitls_socket *socket_wrap(int fd, unitls_client_context *cctx,
                                  unitls_server_context *sctx, unitls_buffer *buffer)
{
    unitls_socket *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->io.fd = fd;
    s->io.buffer = buffer;
    s->listening = buffer == NULL;
    s->client_ctx = unitls_client_context_ref(cctx);
    s->server_ctx = unitls_server_context_ref(sctx);
    return s;
}

static unitls_status os_error(unitls_error *err, const char *what, int e)
{
    return error_set(err, UNITLS_ERR_IO, e, "%s: %s", what, strerror(e));
}

/* The check every call on a connection starts with: NULL when it may go on, else why not. */
static const char *not_connected(const unitls_socket *s)
{
    if (s->listening)
        return "a listening socket carries no TLS (accept a connection first)";
    if (s->io.fd < 0)
        return "the socket is closed";
    return NULL;
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
    if (socket_io_handshake(&s->io, err) != UNITLS_OK) {
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
    if (!s || !s->listening || s->io.fd < 0)
        return error_set(err, UNITLS_ERR_INVALID, 0, "listen: not an open listening socket");
    if (listen(s->io.fd, backlog) != 0)
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

/* accept(2) with the listener's mode passed on; -1 with err filled (WANT_READ when a
 * non-blocking listener has no connection waiting). */
static int tcp_accept(int listener_fd, int nonblocking, struct sockaddr_storage *ss,
                      socklen_t *len, unitls_error *err)
{
    int flags = SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
    int fd;
    socklen_t cap = *len;
    while ((fd = accept4(listener_fd, (struct sockaddr *)ss, len, flags)) < 0 && errno == EINTR)
        *len = cap;
    if (fd >= 0)
        return fd;
    if ((errno == EAGAIN || errno == EWOULDBLOCK) && nonblocking)
        error_set(err, UNITLS_WANT_READ, 0, "accept: no connection is waiting (non-blocking)");
    else
        os_error(err, "accept", errno);
    return -1;
}

unitls_socket *unitls_socket_accept(unitls_socket *s, unitls_address *peer, unitls_error *err)
{
    if (!s || !s->listening || !s->server_ctx || s->io.fd < 0) {
        error_set(err, UNITLS_ERR_INVALID, 0, "accept: not an open listening socket");
        return NULL;
    }
    int nonblocking = socket_io_nonblocking(s->io.fd);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    int fd = tcp_accept(s->io.fd, nonblocking, &ss, &len, err);
    if (fd < 0)
        return NULL;
    tcp_nodelay(fd);
    unitls_buffer *b = unitls_server_context_create_buffer(s->server_ctx, err);
    unitls_socket *conn = b ? socket_wrap(fd, NULL, s->server_ctx, b) : NULL;
    if (!conn) {
        if (b)
            error_set(err, UNITLS_ERR_NOMEM, 0, "accept: out of memory");
        unitls_buffer_free(b);
        close(fd);
        return NULL;
    }
    /* A non-blocking caller runs the handshake in its own loop (unitls_socket_do_handshake). */
    if (!nonblocking && socket_io_handshake(&conn->io, err) != UNITLS_OK) {
        unitls_socket_free(conn);
        return NULL;
    }
    if (peer && address_of(&ss, len, peer) != UNITLS_OK)
        memset(peer, 0, sizeof *peer);
    return conn;
}

unitls_status unitls_socket_set_blocking(unitls_socket *s, int blocking, unitls_error *err)
{
    if (!s || s->io.fd < 0)
        return error_set(err, UNITLS_ERR_INVALID, 0, "set_blocking: no open socket");
    int flags = fcntl(s->io.fd, F_GETFL);
    if (flags < 0)
        return os_error(err, "set_blocking: F_GETFL", errno);
    flags = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
    if (fcntl(s->io.fd, F_SETFL, flags) != 0)
        return os_error(err, "set_blocking: F_SETFL", errno);
    return UNITLS_OK;
}

int unitls_socket_is_blocking(const unitls_socket *s)
{
    return s && s->io.fd >= 0 && !socket_io_nonblocking(s->io.fd);
}

unitls_status unitls_socket_do_handshake(unitls_socket *s, unitls_error *err)
{
    if (!s)
        return error_set(err, UNITLS_ERR_INVALID, 0, "handshake: no socket");
    const char *why = not_connected(s);
    if (why)
        return error_set(err, UNITLS_ERR_INVALID, 0, "handshake: %s", why);
    return socket_io_handshake(&s->io, err);
}

unitls_status unitls_socket_recv(unitls_socket *s, void *dst, size_t cap, size_t *n,
                                 unitls_error *err)
{
    if (!s || !n || (!dst && cap > 0))
        return error_set(err, UNITLS_ERR_INVALID, 0, "recv: bad arguments");
    const char *why = not_connected(s);
    if (why)
        return error_set(err, UNITLS_ERR_INVALID, 0, "recv: %s", why);
    return socket_io_recv(&s->io, dst, cap, n, err);
}

unitls_status unitls_socket_send(unitls_socket *s, const void *src, size_t len, size_t *n,
                                 unitls_error *err)
{
    if (!s || !n || (!src && len > 0))
        return error_set(err, UNITLS_ERR_INVALID, 0, "send: bad arguments");
    *n = 0;
    const char *why = not_connected(s);
    if (why)
        return error_set(err, UNITLS_ERR_INVALID, 0, "send: %s", why);
    return socket_io_send(&s->io, src, len, n, err);
}

unitls_status unitls_socket_flush(unitls_socket *s, unitls_error *err)
{
    if (!s)
        return error_set(err, UNITLS_ERR_INVALID, 0, "flush: no socket");
    const char *why = not_connected(s);
    if (why)
        return error_set(err, UNITLS_ERR_INVALID, 0, "flush: %s", why);
    return socket_io_flush(&s->io, err);
}

/* Releases the descriptor and the connection's TLS state (its keys are wiped as the buffer is
 * freed): from here the socket reports no cipher, version, protocol or descriptor. */
static void socket_release(unitls_socket *s)
{
    if (s->io.fd >= 0)
        close(s->io.fd);
    s->io.fd = -1;
    unitls_buffer_free(s->io.buffer);
    s->io.buffer = NULL;
}

unitls_status unitls_socket_close(unitls_socket *s, int force, unitls_error *err)
{
    if (!s)
        return error_set(err, UNITLS_ERR_INVALID, 0, "close: no socket");
    if (s->io.fd < 0)
        return UNITLS_OK;
    if (s->listening || !unitls_buffer_handshake_done(s->io.buffer)) {
        /* No TLS session, so no close_notify exchange to run. */
        socket_release(s);
        return UNITLS_OK;
    }
    if (force) {
        socket_io_shutdown_now(&s->io);
        socket_release(s);
        return UNITLS_OK;
    }
    unitls_status st = socket_io_shutdown(&s->io, err);
    if (st == UNITLS_OK)
        socket_release(s);
    return st;
}

unitls_status unitls_socket_getsockname(const unitls_socket *s, unitls_address *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (!s || !out || s->io.fd < 0 || getsockname(s->io.fd, (struct sockaddr *)&ss, &len) != 0)
        return UNITLS_ERR_INVALID;
    return address_of(&ss, len, out);
}

unitls_status unitls_socket_getpeername(const unitls_socket *s, unitls_address *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (!s || !out || s->io.fd < 0 || getpeername(s->io.fd, (struct sockaddr *)&ss, &len) != 0)
        return UNITLS_ERR_INVALID;
    return address_of(&ss, len, out);
}

unitls_status unitls_socket_getpeercert(unitls_socket *s, const uint8_t **der, size_t *len)
{
    return s && s->io.buffer ? unitls_buffer_getpeercert(s->io.buffer, der, len)
                             : UNITLS_ERR_INVALID;
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
    return s && s->io.buffer ? unitls_buffer_cipher(s->io.buffer) : 0;
}

unitls_status unitls_socket_negotiated_protocol(const unitls_socket *s, const uint8_t **p,
                                                size_t *len)
{
    return s && s->io.buffer ? unitls_buffer_negotiated_protocol(s->io.buffer, p, len)
                             : UNITLS_ERR_INVALID;
}

enum unitls_tls_version unitls_socket_negotiated_tls_version(const unitls_socket *s)
{
    return s && s->io.buffer ? unitls_buffer_negotiated_tls_version(s->io.buffer)
                             : UNITLS_TLS_VERSION_UNSET;
}

unitls_buffer *unitls_socket_buffer(const unitls_socket *s) { return s ? s->io.buffer : NULL; }

int unitls_socket_fileno(const unitls_socket *s) { return s ? s->io.fd : -1; }

void unitls_socket_free(unitls_socket *s)
{
    if (!s)
        return;
    socket_release(s);
    unitls_client_context_unref(s->client_ctx);
    unitls_server_context_unref(s->server_ctx);
    free(s);
}
