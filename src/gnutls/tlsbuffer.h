/* tlsbuffer: unitls_buffer (PEP 748's TLSBuffer) over one GnuTLS session and a core iostore,
 * for both sides. Client and server code create it, configure its session, then start it.
 *
 * Per connection this costs one gnutls_session_t (given the context's shared priority cache
 * and credentials) and this struct; the byte stores come and go with the traffic (iostore.h).
 * GnuTLS reads the incoming store through its pull function (EAGAIN when empty, 0 at the
 * transport's EOF) and writes records to the outgoing store through its push function.
 *
 * Statuses follow buffer.h exactly as the OpenSSL implementation does: WANT_READ means feed
 * incoming bytes; WANT_WRITE only from write, when IOSTORE_OUTGOING_HIGH_WATER bytes or more
 * wait to be sent; OK with 0 bytes from read after the peer's close_notify; RAGGED_EOF when
 * the transport ended without it; a failed connection stays failed with the same error. A
 * fatal failure tells the peer with an alert (GnuTLS leaves that to the caller). A peer's
 * renegotiation request is refused with a no_renegotiation warning. */
#ifndef UNITLS_GNUTLS_TLSBUFFER_H
#define UNITLS_GNUTLS_TLSBUFFER_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "core/impl.h"
#include "core/iostore.h"
#include "core/sni_table.h"
#include "priority.h"

struct gtls_buffer {
    struct unitls_buffer base; /* first: the core casts between the two */
    gnutls_session_t session;
    const struct gtls_priority *priority; /* the context's, for the negotiated suite's id */
    const void *state;                    /* the context state of client.c or server.c */
    /* Side-specific work once the handshake completed (store a session, send tickets): a
     * GnuTLS code, negative to fail the connection. NULL: nothing. */
    int (*after_handshake)(struct gtls_buffer *b);
    unitls_status fatal;       /* UNITLS_OK while the connection is usable */
    unsigned verify_status;    /* gnutls_certificate_status_t of our refusal of the peer */
    int failure_code;          /* the fatal GnuTLS code, for impl.h's failure_facts */
    int alert_sent;            /* the alert we sent when failing, -1 if none */
    uint16_t cipher_id;        /* IANA id, set when the handshake completes */
    uint8_t handshake_done;
    uint8_t peer_closed;       /* the peer's close_notify arrived */
    uint8_t shutdown_sent;     /* ours was queued */
    uint8_t check_hostname;    /* client: verify the leaf names server_name */
    uint8_t client_kx;         /* server: key exchange families the client offers (server.c) */
    uint8_t has_server_name;
    const struct cert_set *certs; /* server: the chains the server name selected */
    gnutls_ocsp_data_st ocsp_staple; /* server: what the retrieve callback gave GnuTLS */
    char server_name[SNI_NAME_MAX + 1]; /* SNI received (server) or asked for (client) */
};

/* A buffer with a new session (flags as gnutls_init takes them, GNUTLS_NONBLOCK added) using
 * the context's priority and credentials, its transport on the buffer's iostore. NULL with
 * err filled when GnuTLS cannot create the session. */
struct gtls_buffer *gtls_buffer_new(unsigned flags, const struct gtls_priority *priority,
                                    gnutls_certificate_credentials_t cred, const void *state,
                                    unitls_error *err);
/* Fills the base (exactly one context given); the buffer is then the caller's. */
unitls_buffer *gtls_buffer_start(struct gtls_buffer *b, unitls_client_context *client_ctx,
                                 unitls_server_context *server_ctx);
/* Frees a buffer that was never started. */
void gtls_buffer_discard(struct gtls_buffer *b);

/* The buffer a session belongs to (for GnuTLS callbacks). */
struct gtls_buffer *gtls_buffer_of(gnutls_session_t session);
/* Records the server name (len bytes; longer than SNI_NAME_MAX or holding NUL: ignored). */
void gtls_buffer_set_server_name(struct gtls_buffer *b, const char *name, size_t len);

#endif
