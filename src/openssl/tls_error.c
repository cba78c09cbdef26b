/* tls_error: turning OpenSSL's error queue and SSL_get_error() into unitls statuses with a
 * message that names the cause. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "core/error.h"
#include "tls_error.h"

/* What the queue held: the first error (the root cause) and whether any entry says that a
 * certificate was rejected. */
struct queue_summary {
    unsigned long first;
    unsigned long last;
    unsigned long certificate; /* first entry naming a certificate problem, 0 if none */
    int unexpected_eof;
    char data[96];             /* the first entry's attached text, if any */
    struct tls_error_facts facts;
};

/* OpenSSL's reasons that name why no handshake was possible. */
static enum unitls_handshake_failure reason_class(int reason)
{
    switch (reason) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_UNSUPPORTED_SSL_VERSION: return UNITLS_HANDSHAKE_FAILURE_VERSION;
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_CIPHERS_AVAILABLE: return UNITLS_HANDSHAKE_FAILURE_CIPHER;
    case SSL_R_NO_SUITABLE_KEY_SHARE:
    case SSL_R_NO_SHARED_GROUPS: return UNITLS_HANDSHAKE_FAILURE_GROUP;
    case SSL_R_NO_APPLICATION_PROTOCOL: return UNITLS_HANDSHAKE_FAILURE_ALPN;
    case SSL_R_HTTP_REQUEST:
    case SSL_R_HTTPS_PROXY_REQUEST: return UNITLS_HANDSHAKE_FAILURE_NOT_TLS;
    default: return UNITLS_HANDSHAKE_FAILURE_NONE;
    }
}

static void facts_note(struct tls_error_facts *f, unsigned long code)
{
    if (ERR_GET_LIB(code) != ERR_LIB_SSL)
        return;
    int reason = ERR_GET_REASON(code);
    if (reason >= SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256 &&
        f->alert_received < 0)
        f->alert_received = reason - SSL_AD_REASON_OFFSET;
    if (f->hint == UNITLS_HANDSHAKE_FAILURE_NONE)
        f->hint = reason_class(reason);
}

static int reason_is_certificate(unsigned long code)
{
    if (ERR_GET_LIB(code) != ERR_LIB_SSL)
        return 0;
    switch (ERR_GET_REASON(code)) {
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
    case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_REVOKED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN:
    case SSL_R_SSLV3_ALERT_NO_CERTIFICATE:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        return 1;
    default:
        return 0;
    }
}

/* Drains the thread's queue into a summary. */
static void queue_drain(struct queue_summary *q)
{
    memset(q, 0, sizeof *q);
    q->facts.alert_received = -1;
    const char *data = NULL;
    int flags = 0;
    unsigned long code;
    while ((code = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        const char *text = (data && (flags & ERR_TXT_STRING)) ? data : "";
        if (!q->first) {
            q->first = code;
            snprintf(q->data, sizeof q->data, "%s", text);
        }
        q->last = code;
        facts_note(&q->facts, code);
        if (!q->certificate && reason_is_certificate(code))
            q->certificate = code;
        if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
            ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
            q->unexpected_eof = 1;
    }
}

static const char *reason_text(unsigned long code, char *buf, size_t cap)
{
    if (ERR_SYSTEM_ERROR(code))
        return strerror(ERR_GET_REASON(code));
    const char *r = ERR_reason_error_string(code);
    if (r)
        return r;
    ERR_error_string_n(code, buf, cap);
    return buf;
}

static unitls_status certificate_error(const SSL *ssl, const struct queue_summary *q,
                                       const char *what, unitls_error *err)
{
    long verify = SSL_get_verify_result(ssl);
    char buf[128];
    if (ERR_GET_REASON(q->certificate) == SSL_R_CERTIFICATE_VERIFY_FAILED && verify != X509_V_OK)
        return error_set(err, UNITLS_ERR_CERTIFICATE, verify,
                         "%s: certificate verification failed: %s", what,
                         X509_verify_cert_error_string(verify));
    if (ERR_GET_REASON(q->certificate) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
        return error_set(err, UNITLS_ERR_CERTIFICATE, (long)q->certificate,
                         "%s: the peer sent no certificate but one is required", what);
    return error_set(err, UNITLS_ERR_CERTIFICATE, (long)q->certificate,
                     "%s: the peer rejected our certificate: %s", what,
                     reason_text(q->certificate, buf, sizeof buf));
}

static unitls_status failure(const SSL *ssl, const struct queue_summary *q, int transport_eof,
                             int out_of_memory, const char *what, unitls_error *err)
{
    char buf[128];
    if (q->certificate)
        return certificate_error(ssl, q, what, err);
    if (out_of_memory)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "%s: out of memory for outgoing data", what);
    if (transport_eof && (q->unexpected_eof || !q->first))
        return error_set(err, UNITLS_RAGGED_EOF, (long)q->first,
                         "%s: the transport ended without the peer's close_notify", what);
    if (!q->first)
        return error_set(err, UNITLS_ERR_TLS, 0, "%s: TLS failure with no reason given", what);
    return error_set(err, UNITLS_ERR_TLS, (long)q->first, "%s: %s%s%s", what,
                     reason_text(q->first, buf, sizeof buf), q->data[0] ? " - " : "", q->data);
}

unitls_status tls_error_from_call(const SSL *ssl, int ret, int transport_eof, int out_of_memory,
                                  const char *what, unitls_error *err,
                                  struct tls_error_facts *facts)
{
    int code = SSL_get_error(ssl, ret);
    struct queue_summary q;
    queue_drain(&q);
    if (facts)
        *facts = q.facts;
    switch (code) {
    case SSL_ERROR_WANT_READ:
        return error_set(err, UNITLS_WANT_READ, 0, "%s: more incoming data is needed", what);
    case SSL_ERROR_WANT_WRITE:
        return error_set(err, UNITLS_WANT_WRITE, 0, "%s: outgoing data must be drained", what);
    case SSL_ERROR_ZERO_RETURN:
        return error_set(err, UNITLS_ERR_TLS, 0, "%s: the peer closed the connection", what);
    case SSL_ERROR_SSL:
    case SSL_ERROR_SYSCALL:
        return failure(ssl, &q, transport_eof, out_of_memory, what, err);
    default:
        return error_set(err, UNITLS_ERR_TLS, code, "%s: unexpected SSL_get_error %d", what, code);
    }
}

static unitls_status from_queue(unitls_error *err, unitls_status status, int use_last,
                                const char *context)
{
    struct queue_summary q;
    queue_drain(&q);
    unsigned long code = use_last ? q.last : q.first;
    const char *data = use_last ? "" : q.data; /* see tls_error_from_queue_last() */
    if (!code)
        return error_set(err, status, 0, "%s", context);
    char buf[128];
    return error_set(err, status, (long)code, "%s: %s%s%s", context,
                     reason_text(code, buf, sizeof buf), data[0] ? " - " : "", data);
}

unitls_status tls_error_from_queue(unitls_error *err, unitls_status status, const char *fmt, ...)
{
    char context[UNITLS_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    return from_queue(err, status, 0, context);
}

unitls_status tls_error_from_queue_last(unitls_error *err, unitls_status status,
                                        const char *fmt, ...)
{
    char context[UNITLS_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    return from_queue(err, status, 1, context);
}
