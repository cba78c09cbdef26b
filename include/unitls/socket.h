/* unitls_socket: a blocking TCP socket whose traffic is protected by TLS (PEP 748's
 * TLSSocket). Built in the library's core on top of unitls_buffer, so every implementation
 * gets it. A socket belongs to one thread at a time. Addresses are returned as numeric host
 * strings ("127.0.0.1", "::1") and ports. */
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

/* Receives up to cap bytes of plaintext; *n == 0 with OK means the peer closed cleanly.
 * RAGGED_EOF when the TCP stream ended without close_notify. */
UNITLS_API unitls_status unitls_socket_recv(unitls_socket *s, void *dst, size_t cap, size_t *n,
                                            unitls_error *err);
/* Sends up to len bytes; *n receives how many were sent (all of them unless an error). */
UNITLS_API unitls_status unitls_socket_send(unitls_socket *s, const void *src, size_t len,
                                            size_t *n, unitls_error *err);
/* Sends close_notify. force: close the TCP socket at once. Otherwise wait (blocking) for the
 * peer's close_notify, then close. The socket object stays to be freed with _free. */
UNITLS_API unitls_status unitls_socket_close(unitls_socket *s, int force, unitls_error *err);
/* Changes the backlog of a listening socket. */
UNITLS_API unitls_status unitls_socket_listen(unitls_socket *s, int backlog, unitls_error *err);
/* Accepts a connection on a listening socket and completes its handshake. *peer (may be NULL)
 * receives the client's address. */
UNITLS_API unitls_socket *unitls_socket_accept(unitls_socket *s, unitls_address *peer,
                                               unitls_error *err);
UNITLS_API unitls_status unitls_socket_getsockname(const unitls_socket *s, unitls_address *out);
UNITLS_API unitls_status unitls_socket_getpeername(const unitls_socket *s, unitls_address *out);
UNITLS_API unitls_status unitls_socket_getpeercert(unitls_socket *s, const uint8_t **der,
                                                   size_t *len);
UNITLS_API unitls_client_context *unitls_socket_client_context(const unitls_socket *s);
UNITLS_API unitls_server_context *unitls_socket_server_context(const unitls_socket *s);
UNITLS_API uint16_t unitls_socket_cipher(const unitls_socket *s);
UNITLS_API unitls_status unitls_socket_negotiated_protocol(const unitls_socket *s,
                                                           const uint8_t **p, size_t *len);
UNITLS_API enum unitls_tls_version unitls_socket_negotiated_tls_version(const unitls_socket *s);
/* The TLS buffer behind a connected socket (NULL for a listening one); borrowed. */
UNITLS_API unitls_buffer *unitls_socket_buffer(const unitls_socket *s);
UNITLS_API int unitls_socket_fileno(const unitls_socket *s);
/* Closes the descriptor if still open (without close_notify) and frees. */
UNITLS_API void unitls_socket_free(unitls_socket *s);

UNITLS_END_DECLS

#endif
