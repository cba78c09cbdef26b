/* socket_io: one loop (io_drive) runs every buffer operation over the descriptor: step the
 * buffer, hand what it queued to the kernel, feed it what it waits for, repeat. Bytes move
 * with the buffer's zero-copy calls: recv() lands in the incoming store, send() leaves straight
 * from the outgoing store, so a byte the kernel refused is still there for the next call. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"
#include "socket_io.h"

typedef unitls_status (*io_step)(unitls_buffer *b, void *arg);

/* How io_drive reports an operation the buffer finished while its bytes still wait for the
 * kernel: reads and writes are done (the bytes go out on the next call), a handshake or a
 * close_notify is done only once its bytes are out. */
enum io_settle { SETTLE_WHEN_TAKEN, SETTLE_WHEN_SENT };

int socket_io_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    return flags >= 0 && (flags & O_NONBLOCK) != 0;
}

static unitls_status want(unitls_error *err, unitls_status status, const char *what)
{
    return error_set(err, status, 0, "%s: %s", what,
                     status == UNITLS_WANT_READ
                         ? "the peer has sent nothing more yet (non-blocking socket)"
                         : "the kernel takes no more bytes yet (non-blocking socket)");
}

/* EAGAIN: the non-blocking case, or the timeout a blocking descriptor was given. */
static unitls_status would_block(const struct socket_io *io, unitls_status status,
                                 const char *what, unitls_error *err)
{
    if (socket_io_nonblocking(io->fd))
        return want(err, status, what);
    return error_set(err, UNITLS_ERR_IO, EAGAIN, "%s: timed out (the descriptor's %s)", what,
                     status == UNITLS_WANT_READ ? "SO_RCVTIMEO" : "SO_SNDTIMEO");
}

/* Sends what the outgoing store holds. OK when it is empty, WANT_WRITE when the kernel takes
 * no more (non-blocking, or dontwait); ERR_IO on a send error. */
static unitls_status io_send_queued(struct socket_io *io, int dontwait, unitls_error *err)
{
    const uint8_t *p;
    size_t len;
    int flags = MSG_NOSIGNAL | (dontwait ? MSG_DONTWAIT : 0);
    while (unitls_buffer_outgoing_peek(io->buffer, &p, &len) == UNITLS_OK && len > 0) {
        ssize_t sent = send(io->fd, p, len, flags);
        if (sent < 0 && errno == EINTR)
            continue;
        if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return dontwait ? want(err, UNITLS_WANT_WRITE, "send")
                            : would_block(io, UNITLS_WANT_WRITE, "send", err);
        if (sent < 0)
            return error_set(err, UNITLS_ERR_IO, errno, "send: %s", strerror(errno));
        unitls_buffer_outgoing_consume(io->buffer, (size_t)sent);
    }
    return UNITLS_OK;
}

/* Receives what the descriptor has into the incoming store, or tells the buffer the stream
 * ended. WANT_READ when nothing is there (non-blocking). */
static unitls_status io_receive(struct socket_io *io, unitls_error *err)
{
    if (io->eof_seen)
        return error_set(err, UNITLS_ERR_IO, 0, "recv: the connection ended");
    uint8_t *space;
    size_t cap;
    unitls_status st = unitls_buffer_incoming_reserve(io->buffer, &space, &cap);
    if (st != UNITLS_OK || cap == 0)
        return error_set(err, UNITLS_ERR_TLS, 0, "recv: the TLS buffer has no room");
    for (;;) {
        ssize_t got = recv(io->fd, space, cap, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return would_block(io, UNITLS_WANT_READ, "recv", err);
        if (got < 0)
            return error_set(err, UNITLS_ERR_IO, errno, "recv: %s", strerror(errno));
        if (got == 0) {
            io->eof_seen = 1;
            return unitls_buffer_process_incoming_eof(io->buffer);
        }
        return unitls_buffer_incoming_commit(io->buffer, (size_t)got);
    }
}

/* What a step that asked for more bytes gets when none came: WANT_WRITE while our own bytes
 * are stuck (the peer may be waiting for them, so the caller must wait for writability),
 * WANT_READ otherwise. */
static unitls_status io_stalled(unitls_status out, unitls_error *err)
{
    return out == UNITLS_WANT_WRITE ? want(err, UNITLS_WANT_WRITE, "send") : UNITLS_WANT_READ;
}

/* Runs step until it finishes: each pass either moves bytes or returns, so on a blocking
 * descriptor this ends with the operation's result or an error, and on a non-blocking one
 * also with WANT_READ / WANT_WRITE. */
static unitls_status io_drive(struct socket_io *io, io_step step, void *arg,
                              enum io_settle settle, unitls_error *err)
{
    for (;;) {
        unitls_status st = step(io->buffer, arg);
        size_t queued = unitls_buffer_outgoing_bytes_buffered(io->buffer);
        unitls_status out = io_send_queued(io, 0, err);
        if (out != UNITLS_OK && out != UNITLS_WANT_WRITE)
            return out;
        if (st == UNITLS_WANT_WRITE) {
            if (out == UNITLS_WANT_WRITE)
                return UNITLS_WANT_WRITE;
            if (queued == 0)
                return error_set(err, UNITLS_ERR_TLS, 0,
                                 "the TLS buffer asks to drain bytes it does not hold");
            continue;
        }
        if (st == UNITLS_OK)
            return settle == SETTLE_WHEN_SENT ? out : UNITLS_OK;
        if (st != UNITLS_WANT_READ) {
            error_copy(err, unitls_buffer_last_error(io->buffer));
            return st;
        }
        unitls_status in = io_receive(io, err);
        if (in == UNITLS_WANT_READ)
            return io_stalled(out, err);
        if (in != UNITLS_OK)
            return in;
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

/* Takes plaintext until all of it is in or the outgoing store is full (WANT_WRITE). */
static unitls_status step_write(unitls_buffer *b, void *arg)
{
    struct io_args *a = arg;
    unitls_status st = UNITLS_OK;
    while (st == UNITLS_OK && a->done < a->len) {
        size_t n = 0;
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

unitls_status socket_io_recv(struct socket_io *io, void *dst, size_t cap, size_t *n,
                             unitls_error *err)
{
    struct io_args a = {dst, cap, 0};
    unitls_status st = io_drive(io, step_read, &a, SETTLE_WHEN_TAKEN, err);
    if (st == UNITLS_OK)
        *n = a.done;
    return st;
}

unitls_status socket_io_send(struct socket_io *io, const void *src, size_t len, size_t *n,
                             unitls_error *err)
{
    struct io_args a = {(void *)(uintptr_t)src, len, 0};
    unitls_status st = io_drive(io, step_write, &a, SETTLE_WHEN_TAKEN, err);
    *n = a.done;
    /* Taken bytes are sent, whatever stopped the rest: reporting a WANT here would make the
     * caller offer them again. */
    if ((st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE) && a.done > 0)
        return UNITLS_OK;
    return st;
}

unitls_status socket_io_handshake(struct socket_io *io, unitls_error *err)
{
    return io_drive(io, step_handshake, NULL, SETTLE_WHEN_SENT, err);
}

unitls_status socket_io_flush(struct socket_io *io, unitls_error *err)
{
    return io_send_queued(io, 0, err);
}

unitls_status socket_io_shutdown(struct socket_io *io, unitls_error *err)
{
    unitls_status st = io_drive(io, step_shutdown, NULL, SETTLE_WHEN_SENT, err);
    /* A peer that sent its close_notify and then closed its socket refuses ours (EPIPE,
     * ECONNRESET): the exchange is over all the same, as the buffer confirms (it answers OK
     * only once the peer's close_notify is in). */
    if (st == UNITLS_ERR_IO && unitls_buffer_shutdown(io->buffer) == UNITLS_OK)
        return UNITLS_OK;
    return st;
}

void socket_io_shutdown_now(struct socket_io *io)
{
    if (unitls_buffer_handshake_done(io->buffer))
        (void)unitls_buffer_shutdown(io->buffer);
    (void)io_send_queued(io, 1, NULL);
}
