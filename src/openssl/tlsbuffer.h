/* tlsbuffer: unitls_buffer (PEP 748's TLSBuffer) over one SSL object and an iostore, for both
 * sides. Client and server code create it, configure its SSL, then start it.
 *
 * Per connection this costs one SSL (from the context's prepared SSL_CTX), one BIO and this
 * struct; the byte stores come and go with the traffic (iostore.h). Statuses follow
 * buffer.h: WANT_READ means feed incoming bytes, WANT_WRITE means drain outgoing bytes (write
 * says it only when IOSTORE_OUTGOING_HIGH_WATER bytes or more wait to be sent); OK with 0
 * bytes from read after the peer's close_notify; RAGGED_EOF when the transport ended without
 * it. A failed connection stays failed: later calls repeat the status with the same error. */
#ifndef UNITLS_OPENSSL_TLSBUFFER_H
#define UNITLS_OPENSSL_TLSBUFFER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/impl.h"
#include "core/iostore.h"
#include "core/sni_table.h"
#include "tls_error.h"

struct tlsbuffer {
    struct unitls_buffer base; /* first: the core casts between the two */
    SSL *ssl;
    unitls_status fatal;       /* UNITLS_OK while the connection is usable */
    int peer_closed;           /* the peer's close_notify arrived */
    int shutdown_sent;         /* ours was queued */
    uint8_t *peer_der;         /* the peer's leaf as DER, made on first request */
    size_t peer_der_len;
    int hello_seen;            /* server: the client hello callback chose certificates */
    int refused_name;          /* server: strict SNI refused the client's name (alert 112) */
    int has_server_name;
    char server_name[SNI_NAME_MAX + 1]; /* SNI received (server) or asked for (client) */
    /* For the core's explanation of a failed handshake (impl.h's failure_facts): */
    SSL_verify_cb inner_verify; /* the verify callback ours wraps, NULL for OpenSSL's own */
    X509 *refused_cert;         /* the certificate our verification refused, with a reference */
    int refused_error;          /* its X509_V_ERR_* code */
    struct tls_error_facts facts; /* what the failed call's error queue told */
};

/* A buffer with a new SSL from ctx whose BIO reads and writes the buffer's iostore. NULL with
 * err filled when out of memory. */
struct tlsbuffer *tlsbuffer_new(SSL_CTX *ctx, BIO_METHOD *method, unitls_error *err);
/* Puts the SSL in client or server mode (by which context is given) and fills the base; the
 * buffer is then the caller's. */
unitls_buffer *tlsbuffer_start(struct tlsbuffer *b, unitls_client_context *client_ctx,
                            unitls_server_context *server_ctx);
/* Frees a buffer that was never started. */
void tlsbuffer_discard(struct tlsbuffer *b);

/* The buffer an SSL belongs to (for OpenSSL callbacks). */
struct tlsbuffer *tlsbuffer_of(const SSL *ssl);
/* Records the server name (len bytes; longer than SNI_NAME_MAX or holding NUL: ignored). */
void tlsbuffer_set_server_name(struct tlsbuffer *b, const char *name, size_t len);

#endif
