/* unitls_buffer: one TLS connection over in-memory I/O (PEP 748's TLSBuffer).
 *
 * A buffer never blocks and never touches a socket. Bytes from the network enter with
 * _process_incoming (or _incoming_reserve/_incoming_commit), bytes for the network leave with
 * _process_outgoing (or _outgoing_peek/_outgoing_consume). A call that cannot progress says
 * which way: UNITLS_WANT_READ (feed more incoming bytes) or UNITLS_WANT_WRITE (drain outgoing
 * bytes first). The incoming store is bounded (unitls_buffer_incoming_limit): data past it is
 * refused with UNITLS_WANT_READ and nothing is stored. A buffer belongs to one thread at a
 * time; it holds a reference to its context. No call allocates per record. */
#ifndef UNITLS_BUFFER_H
#define UNITLS_BUFFER_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/context.h>
#include <unitls/export.h>
#include <unitls/status.h>
#include <unitls/versions.h>

UNITLS_BEGIN_DECLS

/* Drives the handshake: OK once complete (certificate and hostname verified on clients);
 * WANT_READ / WANT_WRITE; ERR_CERTIFICATE when the peer failed verification; ERR_TLS else. */
UNITLS_API unitls_status unitls_buffer_do_handshake(unitls_buffer *b);
/* 1 once the handshake has completed. */
UNITLS_API int unitls_buffer_handshake_done(const unitls_buffer *b);
/* Decrypts up to cap bytes into dst; *n receives the count. OK with *n == 0 means the peer's
 * close_notify arrived (every later call says the same). RAGGED_EOF when the transport ended
 * without one. Runs the handshake first if it is not done. */
UNITLS_API unitls_status unitls_buffer_read(unitls_buffer *b, void *dst, size_t cap, size_t *n);
/* Encrypts up to len bytes into the outgoing store; *n receives how many were taken (may be
 * short). WANT_WRITE when nothing could be taken until outgoing bytes are drained. */
UNITLS_API unitls_status unitls_buffer_write(unitls_buffer *b, const void *src, size_t len,
                                             size_t *n);
/* Sends close_notify. OK when ours is queued and the peer's has arrived; WANT_READ when ours
 * is queued and the peer's is still to come (callers that do not wait may stop here);
 * WANT_WRITE when ours cannot be queued until outgoing bytes are drained. */
UNITLS_API unitls_status unitls_buffer_shutdown(unitls_buffer *b);
/* Stores bytes from the network. WANT_READ, storing nothing, when they do not fit the bound;
 * the caller must read (or handshake) to make room and offer them again. */
UNITLS_API unitls_status unitls_buffer_process_incoming(unitls_buffer *b, const void *data,
                                                        size_t len);
/* The transport reached EOF: no more incoming bytes will come. */
UNITLS_API unitls_status unitls_buffer_process_incoming_eof(unitls_buffer *b);
UNITLS_API size_t unitls_buffer_incoming_bytes_buffered(const unitls_buffer *b);
UNITLS_API size_t unitls_buffer_incoming_limit(const unitls_buffer *b);
/* Moves up to cap bytes for the network into dst and returns how many. */
UNITLS_API size_t unitls_buffer_process_outgoing(unitls_buffer *b, void *dst, size_t cap);
UNITLS_API size_t unitls_buffer_outgoing_bytes_buffered(const unitls_buffer *b);

/* Zero-copy variants. _incoming_reserve gives writable space inside the incoming store
 * (*cap may be 0 when full); write into it, then _incoming_commit(n) with n <= *cap.
 * _outgoing_peek shows the next contiguous outgoing bytes; _outgoing_consume(n) drops n of
 * them once sent. Pointers are valid until the next call on the buffer. */
UNITLS_API unitls_status unitls_buffer_incoming_reserve(unitls_buffer *b, uint8_t **ptr,
                                                        size_t *cap);
UNITLS_API unitls_status unitls_buffer_incoming_commit(unitls_buffer *b, size_t n);
UNITLS_API unitls_status unitls_buffer_outgoing_peek(unitls_buffer *b, const uint8_t **ptr,
                                                     size_t *len);
UNITLS_API unitls_status unitls_buffer_outgoing_consume(unitls_buffer *b, size_t n);

/* Connection information. */
/* The peer's leaf certificate as DER (borrowed, valid while the buffer lives): OK, or
 * ERR_INVALID when there is none (yet). */
UNITLS_API unitls_status unitls_buffer_getpeercert(unitls_buffer *b, const uint8_t **der,
                                                   size_t *len);
/* The negotiated suite's IANA id, 0 before the handshake. */
UNITLS_API uint16_t unitls_buffer_cipher(const unitls_buffer *b);
/* OK with the protocol's bytes (borrowed); ERR_INVALID when none was negotiated. */
UNITLS_API unitls_status unitls_buffer_negotiated_protocol(const unitls_buffer *b,
                                                           const uint8_t **p, size_t *len);
/* UNITLS_TLSv1_2 / UNITLS_TLSv1_3, or UNITLS_TLS_VERSION_UNSET before the handshake. */
UNITLS_API enum unitls_tls_version unitls_buffer_negotiated_tls_version(const unitls_buffer *b);
/* The SNI name the client sent (server side) or asked for (client side); NULL if none. */
UNITLS_API const char *unitls_buffer_server_name(const unitls_buffer *b);
/* 1 when the handshake resumed a session. */
UNITLS_API int unitls_buffer_session_resumed(const unitls_buffer *b);
/* Exactly one of these is non-NULL, according to the buffer's side. */
UNITLS_API unitls_client_context *unitls_buffer_client_context(const unitls_buffer *b);
UNITLS_API unitls_server_context *unitls_buffer_server_context(const unitls_buffer *b);
/* 1 on the server side. */
UNITLS_API int unitls_buffer_is_server(const unitls_buffer *b);
/* The error of the last call that failed (status UNITLS_OK if none has). */
UNITLS_API const unitls_error *unitls_buffer_last_error(const unitls_buffer *b);

/* Why a handshake failed, as far as the bytes exchanged tell (added to PEP 748). */
enum unitls_handshake_failure {
    UNITLS_HANDSHAKE_FAILURE_NONE = 0,  /* the handshake has not failed */
    UNITLS_HANDSHAKE_FAILURE_VERSION,   /* no TLS version in common */
    UNITLS_HANDSHAKE_FAILURE_CIPHER,    /* no cipher suite in common */
    UNITLS_HANDSHAKE_FAILURE_GROUP,     /* no key-exchange group in common */
    UNITLS_HANDSHAKE_FAILURE_SNI,       /* the server name was refused */
    UNITLS_HANDSHAKE_FAILURE_ALPN,      /* no application protocol in common, where required */
    UNITLS_HANDSHAKE_FAILURE_CERTIFICATE, /* a certificate was refused (the peer's by us, or ours by the peer) */
    UNITLS_HANDSHAKE_FAILURE_NOT_TLS,   /* the peer did not speak TLS (plaintext, HTTP, SSLv2) */
    UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED, /* the peer closed or reset the connection mid-handshake */
    UNITLS_HANDSHAKE_FAILURE_OTHER
};
/* "none", "version", "cipher", "group", "sni", "alpn", "certificate", "not_tls",
 * "peer_closed", "other"; NULL for a value out of range. */
UNITLS_API const char *unitls_handshake_failure_name(enum unitls_handshake_failure f);
/* The reason b's handshake failed, and the facts behind it written to facts (cap bytes,
 * NUL-terminated, cut at cap; may be NULL when cap is 0) as space-separated key=value pairs,
 * printable ASCII only, a value in double quotes when it holds a space, e.g.
 *   offered=TLSv1.0,TLSv1.1 allowed=TLSv1.2-TLSv1.3 sni=api.example.com
 *   offered=TLS_RSA_WITH_AES_128_CBC_SHA,TLS_RSA_WITH_AES_256_CBC_SHA allowed=TLS_AES_128_GCM_SHA256,...
 *   check="unknown CA" subject="CN=client" issuer="CN=Other CA"
 *   first_bytes="GET / HTTP/1.1"
 * UNITLS_HANDSHAKE_FAILURE_NONE with "" while the handshake has not failed. Works for
 * client and server buffers of every implementation. */
UNITLS_API enum unitls_handshake_failure unitls_buffer_handshake_failure(const unitls_buffer *b,
                                                                      char *facts, size_t cap);
UNITLS_API void unitls_buffer_free(unitls_buffer *b);

UNITLS_END_DECLS

#endif
