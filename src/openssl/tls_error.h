/* tls_error: OpenSSL's errors as unitls statuses and messages.
 *
 * OpenSSL keeps errors in a thread-local queue. Every function here reads the queue and then
 * clears it, so nothing leaks from one buffer or context into the next call on the thread. */
#ifndef UNITLS_OPENSSL_TLS_ERROR_H
#define UNITLS_OPENSSL_TLS_ERROR_H

#include <openssl/ssl.h>
#include <unitls/buffer.h>
#include <unitls/status.h>

/* Maps the outcome of an SSL_* call on a buffer's connection (ret: its return value) to a
 * status and fills err: WANT_READ / WANT_WRITE; RAGGED_EOF when transport_eof is set and the
 * peer's close_notify never came; ERR_CERTIFICATE when verification of a peer failed (ours of
 * the peer's chain, or the peer's of ours, as its alert says); ERR_NOMEM when our store could
 * not grow; ERR_TLS for everything else. what names the call ("handshake", "read"). The
 * message carries OpenSSL's reason; impl_code its packed error code (or the X509_V_ERR_* code
 * for a failed verification of the peer's chain). UNITLS_ERR_TLS with a zero-return means the
 * peer closed cleanly, which callers that expect it handle before calling this. */
/* What the queue told of a failed handshake, for the core's explanation (impl.h). */
struct tls_error_facts {
    int alert_received;                 /* the peer's alert description, -1 when none */
    enum unitls_handshake_failure hint; /* OpenSSL's reason read as a failure class */
};

/* facts (may be NULL) receives what the queue told beyond the status. */
unitls_status tls_error_from_call(const SSL *ssl, int ret, int transport_eof, int out_of_memory,
                                  const char *what, unitls_error *err,
                                  struct tls_error_facts *facts);

/* Fills err with status and "<context>: <OpenSSL's first queued reason>" (or just the context
 * when the queue is empty); impl_code is the packed error code. Clears the queue. */
unitls_status tls_error_from_queue(unitls_error *err, unitls_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with the last queued reason: for calls that try several ways in turn (OSSL_STORE
 * tries its loaders one after the other), where the last failure is the telling one. OpenSSL's
 * attached text is left out: it may quote the URI, PIN included. */
unitls_status tls_error_from_queue_last(unitls_error *err, unitls_status status,
                                        const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
