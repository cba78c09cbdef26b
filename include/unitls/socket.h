/* unitls_socket: a TCP socket whose traffic is protected by TLS (PEP 748's TLSSocket). Built in
 * the library's core on top of unitls_buffer, so every implementation gets it. A socket belongs
 * to one thread at a time. Addresses are returned as numeric host strings ("127.0.0.1", "::1")
 * and ports.
 *
 * Blocking and non-blocking. A socket follows its descriptor's O_NONBLOCK flag, read when a
 * call would have to wait, so it may be changed at any time, with unitls_socket_set_blocking
 * (PEP 748's "usable non-blocking"; Python's setblocking) or with fcntl on unitls_socket_fileno.
 * - Blocking (the default): every call waits until it is done. An EAGAIN the descriptor still
 *   reports (its SO_RCVTIMEO / SO_SNDTIMEO timeout) is UNITLS_ERR_IO, and the call may be
 *   made again: nothing was lost.
 * - Non-blocking: a call that cannot go on returns UNITLS_WANT_READ (PEP 748's WantReadError:
 *   wait until the descriptor is readable, then call again) or UNITLS_WANT_WRITE
 *   (WantWriteError: wait until it is writable), with err saying so. No data is lost or
 *   repeated: recv hands plaintext out only with OK; send reports in *n every byte it took and
 *   never asks for them again.
 * Ciphertext the kernel did not take stays queued inside the socket and goes out first on the
 * next call on it (recv, send, do_handshake, flush, close). recv returns UNITLS_WANT_WRITE
 * rather than UNITLS_WANT_READ while such bytes are stuck and nothing has arrived, since the
 * peer may be waiting for them; unitls_socket_flush pushes them out on its own.
 *
 * Handshake. unitls_client_context_connect completes TCP connect and handshake, blocking (as
 * PEP 748's connect does); set the socket non-blocking afterwards. A blocking listener's
 * unitls_socket_accept completes the handshake too; on a non-blocking listener accept returns
 * at once (see there) and the handshake is driven by unitls_socket_do_handshake, or by the
 * first recv or send.
 *
 * After close (a forced one, or a graceful one that returned OK) the socket has no descriptor
 * and no TLS state: unitls_socket_cipher gives 0, _negotiated_tls_version
 * UNITLS_TLS_VERSION_UNSET, _negotiated_protocol and _getpeercert UNITLS_ERR_INVALID, _fileno -1,
 * _buffer NULL; recv, send, do_handshake and flush are UNITLS_ERR_INVALID; the contexts are
 * still reported. The object itself stays until unitls_socket_free. */
#ifndef UNITLS_SOCKET_H
#define UNITLS_SOCKET_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/context.h>
#include <unitls/export.h>
#include <unitls/status.h>
#include <unitls/versions.h>

UNITLS_BEGIN_DECLS

#define UNITLS_ADDRESS_MAX 64 /* room for any numeric IPv6 address with its scope */

typedef struct unitls_address {
    char host[UNITLS_ADDRESS_MAX];
    uint16_t port;
} unitls_address;

/* Receives up to cap bytes of plaintext (running the handshake first if it is not done).
 * OK with *n > 0: data; OK with *n == 0: the peer's close_notify arrived (a clean end).
 * RAGGED_EOF when the TCP stream ended without close_notify. Non-blocking: WANT_READ when
 * nothing has arrived; WANT_WRITE when nothing has arrived and queued bytes of ours are stuck.
 * *n is written only with OK. */
UNITLS_API unitls_status unitls_socket_recv(unitls_socket *s, void *dst, size_t cap, size_t *n,
                                            unitls_error *err);
/* Sends up to len bytes; *n receives how many were taken, with every status. Blocking: all of
 * them unless an error. Non-blocking: OK with the bytes that fit (possibly fewer than len; the
 * rest is the caller's to offer again), or WANT_WRITE / WANT_READ (the handshake is not done)
 * with *n == 0 when none fit. A byte counted in *n is never to be sent again: its ciphertext
 * is queued in the socket if the kernel did not take it yet. */
UNITLS_API unitls_status unitls_socket_send(unitls_socket *s, const void *src, size_t len,
                                            size_t *n, unitls_error *err);
/* Hands queued ciphertext to the kernel: OK when nothing is left in the socket; WANT_WRITE on a
 * non-blocking socket whose kernel buffer is full. */
UNITLS_API unitls_status unitls_socket_flush(unitls_socket *s, unitls_error *err);
/* Runs the handshake of a connected socket: OK once it is complete (the peer verified) and its
 * last flight is with the kernel, and at once when it already was; WANT_READ / WANT_WRITE on a
 * non-blocking socket; ERR_CERTIFICATE / ERR_TLS when it failed (unitls_socket_buffer then
 * explains why: unitls_buffer_handshake_failure). */
UNITLS_API unitls_status unitls_socket_do_handshake(unitls_socket *s, unitls_error *err);
/* Ends the connection (PEP 748's close(force)).
 * force != 0: queues close_notify (after a completed handshake), hands it to the kernel only if
 *   that needs no waiting, and closes the descriptor at once: always OK, never waits, on a
 *   blocking socket too. (A close_notify the kernel could not take at once is dropped: force
 *   means now; PEP 748's WantWriteError case is the graceful close's here.)
 * force == 0: the full exchange. Sends close_notify once and waits for the peer's, dropping
 *   application data that still arrives. Blocking: returns when it is done. Non-blocking:
 *   WANT_WRITE while ours is not with the kernel, WANT_READ until the peer's arrives; call
 *   again when the descriptor is ready. A peer that sent its close_notify and then went away
 *   (EPIPE, ECONNRESET on ours) has completed the exchange: OK.
 * The descriptor is released only when close returns OK. Any other status (WANT_*, RAGGED_EOF:
 * the stream ended without the peer's close_notify, ERR_IO such as a timeout, ERR_TLS) leaves
 * the socket open: retry, close with force, or free. A listening socket, a connection whose
 * handshake never completed (no TLS session to end), and a socket already closed close at once
 * with OK. */
UNITLS_API unitls_status unitls_socket_close(unitls_socket *s, int force, unitls_error *err);
/* Sets (blocking != 0) or clears blocking mode: clears or sets O_NONBLOCK on the descriptor,
 * which is what every call then follows. ERR_INVALID on a closed socket. */
UNITLS_API unitls_status unitls_socket_set_blocking(unitls_socket *s, int blocking,
                                                    unitls_error *err);
/* 1 when the socket is open and its descriptor is in blocking mode. */
UNITLS_API int unitls_socket_is_blocking(const unitls_socket *s);
/* Changes the backlog of a listening socket. */
UNITLS_API unitls_status unitls_socket_listen(unitls_socket *s, int backlog, unitls_error *err);
/* Accepts a connection on a listening socket. *peer (may be NULL) receives the client's
 * address. A blocking listener waits for a connection and completes its handshake (NULL with
 * err when it fails; a blocking listener's SO_RCVTIMEO expiring is ERR_IO). A non-blocking
 * listener returns NULL with err->status UNITLS_WANT_READ when no connection is waiting (pass
 * err to tell this from a failure); otherwise the new socket, non-blocking too, before its
 * handshake: drive it with unitls_socket_do_handshake (or recv / send). */
UNITLS_API unitls_socket *unitls_socket_accept(unitls_socket *s, unitls_address *peer,
                                               unitls_error *err);
UNITLS_API unitls_status unitls_socket_getsockname(const unitls_socket *s, unitls_address *out);
UNITLS_API unitls_status unitls_socket_getpeername(const unitls_socket *s, unitls_address *out);
/* The peer's leaf certificate as DER (borrowed, valid until close or free). */
UNITLS_API unitls_status unitls_socket_getpeercert(unitls_socket *s, const uint8_t **der,
                                                   size_t *len);
UNITLS_API unitls_client_context *unitls_socket_client_context(const unitls_socket *s);
UNITLS_API unitls_server_context *unitls_socket_server_context(const unitls_socket *s);
/* The negotiated suite's IANA id; 0 before the handshake and after close. */
UNITLS_API uint16_t unitls_socket_cipher(const unitls_socket *s);
/* OK with the ALPN protocol (borrowed, valid until close or free); ERR_INVALID when none was
 * negotiated, before the handshake and after close. */
UNITLS_API unitls_status unitls_socket_negotiated_protocol(const unitls_socket *s,
                                                           const uint8_t **p, size_t *len);
/* UNITLS_TLS_VERSION_UNSET before the handshake and after close. */
UNITLS_API enum unitls_tls_version unitls_socket_negotiated_tls_version(const unitls_socket *s);
/* The TLS buffer behind a connected socket (NULL for a listening one, and after close);
 * borrowed, valid until close or free. Reading from it or writing to it directly bypasses
 * the socket's queue: use it for connection information only. */
UNITLS_API unitls_buffer *unitls_socket_buffer(const unitls_socket *s);
/* The descriptor; -1 after close. */
UNITLS_API int unitls_socket_fileno(const unitls_socket *s);
/* Closes the descriptor if still open (without close_notify) and frees. */
UNITLS_API void unitls_socket_free(unitls_socket *s);

UNITLS_END_DECLS

#endif
