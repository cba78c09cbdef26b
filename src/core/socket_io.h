/* socket_io: moves one connected socket's TLS bytes between its descriptor and its
 * unitls_buffer, for socket.c. Blocking or not, as the descriptor is (O_NONBLOCK), read at the
 * moment a call would block: a non-blocking descriptor makes a call that cannot go on return
 * UNITLS_WANT_READ / UNITLS_WANT_WRITE, a blocking one waits (and an EAGAIN there is the
 * SO_RCVTIMEO / SO_SNDTIMEO timeout: UNITLS_ERR_IO).
 *
 * Nothing is lost or repeated on the way. Ciphertext the kernel does not take stays in the
 * buffer's outgoing store and goes out first on the next call; plaintext is handed to the
 * caller only with OK; a send reports every byte the buffer took (OK with a short count when
 * the kernel is full after taking some). */
#ifndef UNITLS_CORE_SOCKET_IO_H
#define UNITLS_CORE_SOCKET_IO_H

#include <stddef.h>
#include <unitls/buffer.h>
#include <unitls/status.h>

struct socket_io {
    int fd;                /* -1 once closed */
    unitls_buffer *buffer; /* NULL on a listening socket, and once closed */
    int eof_seen;          /* the TCP stream has ended */
};

/* 1 when the descriptor is in non-blocking mode. */
int socket_io_nonblocking(int fd);

/* Plaintext into dst: OK with *n (0: the peer's close_notify arrived); RAGGED_EOF; WANT_READ
 * when nothing has arrived, WANT_WRITE when nothing has arrived and queued ciphertext is stuck
 * (the peer may be waiting for it), both only on a non-blocking descriptor. */
unitls_status socket_io_recv(struct socket_io *io, void *dst, size_t cap, size_t *n,
                             unitls_error *err);
/* Plaintext from src; *n receives how many bytes were taken, on every return. A blocking
 * descriptor takes all of them (unless an error); a non-blocking one takes what fits and
 * returns OK with that count, or WANT_WRITE / WANT_READ with *n == 0 when it can take none. */
unitls_status socket_io_send(struct socket_io *io, const void *src, size_t len, size_t *n,
                             unitls_error *err);
/* Runs the handshake: OK once it is complete and its last flight is with the kernel. */
unitls_status socket_io_handshake(struct socket_io *io, unitls_error *err);
/* Hands queued ciphertext to the kernel: OK when none is left, WANT_WRITE when the kernel of a
 * non-blocking descriptor is full. */
unitls_status socket_io_flush(struct socket_io *io, unitls_error *err);
/* The graceful close exchange: sends close_notify (once) and waits for the peer's, dropping
 * application data that still arrives. OK once the peer's close_notify arrived and ours is with
 * the kernel (or the peer, having sent its close_notify, is gone); WANT_READ / WANT_WRITE on a
 * non-blocking descriptor; RAGGED_EOF when the stream ended without the peer's. */
unitls_status socket_io_shutdown(struct socket_io *io, unitls_error *err);
/* The forced close's part: queues close_notify (after a completed handshake) and hands the
 * kernel what it takes at once, never waiting; anything left is dropped with the socket. */
void socket_io_shutdown_now(struct socket_io *io);

#endif
