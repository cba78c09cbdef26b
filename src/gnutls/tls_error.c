/* tls_error: turning GnuTLS's error codes into unitls statuses with a message that names the
 * cause. Only failure paths come here, so formatting and the status printout may allocate. */
#include <stdio.h>

#include <gnutls/x509.h>

#include "core/error.h"
#include "tls_error.h"

static int alert_is_certificate(gnutls_alert_description_t a)
{
    switch (a) {
    case GNUTLS_A_BAD_CERTIFICATE:
    case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
    case GNUTLS_A_CERTIFICATE_REVOKED:
    case GNUTLS_A_CERTIFICATE_EXPIRED:
    case GNUTLS_A_CERTIFICATE_UNKNOWN:
    case GNUTLS_A_UNKNOWN_CA:
    case GNUTLS_A_CERTIFICATE_REQUIRED:
        return 1;
    default:
        return 0;
    }
}

static unitls_status verification_error(const struct gtls_failure *f, const char *what,
                                        unitls_error *err)
{
    gnutls_datum_t out = {NULL, 0};
    int r = gnutls_certificate_verification_status_print(f->verify_status, GNUTLS_CRT_X509,
                                                         &out, 0);
    unitls_status st = error_set(err, UNITLS_ERR_CERTIFICATE, f->code,
                                 "%s: certificate verification failed: %s", what,
                                 r == 0 && out.data ? (const char *)out.data
                                                    : gnutls_strerror(f->code));
    gnutls_free(out.data);
    return st;
}

static unitls_status alert_error(const struct gtls_failure *f, const char *what,
                                 unitls_error *err)
{
    gnutls_alert_description_t a = gnutls_alert_get(f->session);
    const char *name = gnutls_alert_get_name(a);
    if (alert_is_certificate(a))
        return error_set(err, UNITLS_ERR_CERTIFICATE, f->code,
                         "%s: the peer rejected our certificate: %s", what,
                         name ? name : "certificate alert");
    return error_set(err, UNITLS_ERR_TLS, f->code, "%s: %s: %s", what, gnutls_strerror(f->code),
                     name ? name : "unknown alert");
}

unitls_status gtls_error_from_call(const struct gtls_failure *f, const char *what,
                                   unitls_error *err)
{
    switch (f->code) {
    case GNUTLS_E_AGAIN:
    case GNUTLS_E_INTERRUPTED:
        return error_set(err, UNITLS_WANT_READ, 0, "%s: more incoming data is needed", what);
    case GNUTLS_E_PREMATURE_TERMINATION:
        return error_set(err, UNITLS_RAGGED_EOF, f->code,
                         "%s: the transport ended without the peer's close_notify", what);
    case GNUTLS_E_NO_CERTIFICATE_FOUND:
    case GNUTLS_E_CERTIFICATE_REQUIRED:
        return error_set(err, UNITLS_ERR_CERTIFICATE, f->code,
                         "%s: the peer sent no certificate but one is required", what);
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
        return alert_error(f, what, err);
    default:
        break;
    }
    if (f->out_of_memory || f->code == GNUTLS_E_MEMORY_ERROR)
        return error_set(err, UNITLS_ERR_NOMEM, f->code, "%s: out of memory", what);
    if (f->verify_status)
        return verification_error(f, what, err);
    if (f->code == GNUTLS_E_CERTIFICATE_ERROR ||
        f->code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
        return error_set(err, UNITLS_ERR_CERTIFICATE, f->code,
                         "%s: certificate verification failed: %s", what,
                         gnutls_strerror(f->code));
    if (f->transport_eof && f->code == GNUTLS_E_PULL_ERROR)
        return error_set(err, UNITLS_RAGGED_EOF, f->code,
                         "%s: the transport ended without the peer's close_notify", what);
    return error_set(err, UNITLS_ERR_TLS, f->code, "%s: %s", what, gnutls_strerror(f->code));
}

/* A verification failure names its reason the way OpenSSL's alerts do. */
static gnutls_alert_description_t verification_alert(unsigned status)
{
    if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
        return GNUTLS_A_UNKNOWN_CA;
    if (status & GNUTLS_CERT_EXPIRED)
        return GNUTLS_A_CERTIFICATE_EXPIRED;
    if (status & GNUTLS_CERT_REVOKED)
        return GNUTLS_A_CERTIFICATE_REVOKED;
    return GNUTLS_A_BAD_CERTIFICATE;
}

static int alert_send(gnutls_session_t session, gnutls_alert_description_t a)
{
    gnutls_alert_send(session, GNUTLS_AL_FATAL, a);
    return (int)a;
}

int gtls_error_alert_peer(gnutls_session_t session, int code, unsigned verify_status)
{
    switch (code) {
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
    case GNUTLS_E_PREMATURE_TERMINATION:
    case GNUTLS_E_PUSH_ERROR:
    case GNUTLS_E_PULL_ERROR:
    case GNUTLS_E_MEMORY_ERROR:
        return -1;
    case GNUTLS_E_CERTIFICATE_REQUIRED:
    case GNUTLS_E_NO_CERTIFICATE_FOUND:
        return alert_send(session, gnutls_protocol_get_version(session) == GNUTLS_TLS1_3
                                       ? GNUTLS_A_CERTIFICATE_REQUIRED
                                       : GNUTLS_A_HANDSHAKE_FAILURE);
    default:
        break;
    }
    if (verify_status)
        return alert_send(session, verification_alert(verify_status));
    int level = 0;
    int alert = gnutls_error_to_alert(code, &level);
    if (gnutls_alert_send_appropriate(session, code) < 0)
        return alert_send(session, GNUTLS_A_INTERNAL_ERROR);
    return alert >= 0 && level == GNUTLS_AL_FATAL ? alert : -1;
}

enum unitls_handshake_failure gtls_error_class(int code)
{
    switch (code) {
    case GNUTLS_E_UNSUPPORTED_VERSION_PACKET: return UNITLS_HANDSHAKE_FAILURE_VERSION;
    case GNUTLS_E_NO_CIPHER_SUITES:
    case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
    case GNUTLS_E_INSUFFICIENT_CREDENTIALS: return UNITLS_HANDSHAKE_FAILURE_CIPHER;
    case GNUTLS_E_NO_COMMON_KEY_SHARE:
    case GNUTLS_E_ECC_NO_SUPPORTED_CURVES: return UNITLS_HANDSHAKE_FAILURE_GROUP;
    case GNUTLS_E_NO_APPLICATION_PROTOCOL: return UNITLS_HANDSHAKE_FAILURE_ALPN;
    case GNUTLS_E_UNRECOGNIZED_NAME: return UNITLS_HANDSHAKE_FAILURE_SNI;
    default: return UNITLS_HANDSHAKE_FAILURE_NONE;
    }
}

void gtls_error_check_words(unsigned status, char *out, size_t cap)
{
    const char *words = "invalid";
    if (status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA))
        words = "unknown CA";
    else if (status & GNUTLS_CERT_EXPIRED)
        words = "expired";
    else if (status & GNUTLS_CERT_NOT_ACTIVATED)
        words = "not yet valid";
    else if (status & GNUTLS_CERT_REVOKED)
        words = "revoked";
    else if (status & GNUTLS_CERT_UNEXPECTED_OWNER)
        words = "hostname mismatch";
    else if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
        words = "insecure algorithm";
    snprintf(out, cap, "%s", words);
}
