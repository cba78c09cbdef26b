/* tls_error: GnuTLS's error codes on a connection as unitls statuses and messages.
 *
 * GnuTLS reports through return codes only (no error queue), so mapping needs the code plus
 * what the buffer knows: whether the transport ended, whether our store ran out of memory, and
 * the status our own certificate verification recorded. impl_code is always GnuTLS's code. */
#ifndef UNITLS_GNUTLS_TLS_ERROR_H
#define UNITLS_GNUTLS_TLS_ERROR_H

#include <gnutls/gnutls.h>
#include <unitls/buffer.h>
#include <unitls/status.h>

struct gtls_failure {
    gnutls_session_t session;
    int code;              /* the failed call's GnuTLS error code (negative) */
    int transport_eof;     /* process_incoming_eof came */
    int out_of_memory;     /* the outgoing store could not grow */
    unsigned verify_status; /* gnutls_certificate_status_t bits of our refusal, 0 if none */
};

/* Maps a failed call; what names it ("handshake", "read"). Statuses: RAGGED_EOF when the
 * transport ended without the peer's close_notify; ERR_CERTIFICATE when we refused the
 * peer's certificate (status in words), the peer sent none but one is required, or the peer's
 * alert says it refused ours; ERR_NOMEM; ERR_TLS for everything else ("<what>: <GnuTLS's
 * reason>", plus the alert's name when one was received). */
unitls_status gtls_error_from_call(const struct gtls_failure *f, const char *what,
                                   unitls_error *err);

/* Tells the peer why we fail (an alert chosen from code), so it does not wait for more. Safe to
 * call for any code; sends nothing when the failure came from the peer or the transport.
 * Returns the alert's description, -1 when none was sent. */
int gtls_error_alert_peer(gnutls_session_t session, int code, unsigned verify_status);

/* For the core's explanation of a failed handshake (impl.h's failure_facts): the class a GnuTLS
 * code names (NONE when it names none), and a refusal's status bits in the core's words
 * ("unknown CA", "expired"). */
enum unitls_handshake_failure gtls_error_class(int code);
void gtls_error_check_words(unsigned verify_status, char *out, size_t cap);

#endif
