/* tlsbuffer: the unitls_buffer operations on top of a GnuTLS session. Nothing here allocates
 * per record: GnuTLS writes each record once into the outgoing store and reads the incoming
 * store directly. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

#include "core/error.h"
#include "tls_error.h"
#include "tlsbuffer.h"

#define RETRIES 64               /* warnings and refused renegotiations before giving up */

static struct gtls_buffer *self(unitls_buffer *b) { return (struct gtls_buffer *)b; }

static const struct gtls_buffer *cself(const unitls_buffer *b)
{
    return (const struct gtls_buffer *)b;
}

/* The outcome of a failed GnuTLS call; fatal outcomes stick to the buffer and are told to the
 * peer. */
static unitls_status fail(struct gtls_buffer *b, int code, const char *what)
{
    if (code == GNUTLS_E_AGAIN || code == GNUTLS_E_INTERRUPTED)
        return buffer_want(&b->base, UNITLS_WANT_READ);
    const struct iostore *io = &b->base.io;
    struct gtls_failure f = {b->session, code, io->eof, io->out_of_memory, b->verify_status};
    unitls_status st = gtls_error_from_call(&f, what, &b->base.last_error);
    if (st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE) {
        b->fatal = st;
        b->failure_code = code;
        b->alert_sent = gtls_error_alert_peer(b->session, code, b->verify_status);
    }
    return st;
}

static unitls_status invalid(struct gtls_buffer *b, const char *what)
{
    return error_set(&b->base.last_error, UNITLS_ERR_INVALID, 0, "%s", what);
}

/* --- transport: GnuTLS's pull and push over the iostore --- */

static ssize_t transport_pull(gnutls_transport_ptr_t ptr, void *dst, size_t cap)
{
    struct gtls_buffer *b = ptr;
    size_t n = iostore_in_take(&b->base.io, dst, cap);
    if (n > 0)
        return (ssize_t)n;
    if (b->base.io.eof)
        return 0;
    gnutls_transport_set_errno(b->session, EAGAIN);
    return -1;
}

/* Never asks GnuTLS to retry: a record once built is stored whole, or the store records that
 * it ran out of memory. */
static ssize_t transport_push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
    struct gtls_buffer *b = ptr;
    if (iostore_out_append(&b->base.io, data, len) != 0) {
        gnutls_transport_set_errno(b->session, ENOMEM);
        return -1;
    }
    return (ssize_t)len;
}

/* GnuTLS asks this instead of polling a file descriptor: data is ready, or the end is. */
static int transport_pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    (void)ms;
    const struct gtls_buffer *b = ptr;
    if (iostore_in_len(&b->base.io) > 0 || b->base.io.eof)
        return 1;
    gnutls_transport_set_errno(b->session, EAGAIN);
    return 0;
}

/* --- the operations --- */

/* GnuTLS says "again" after a record that carried no data for the caller (a TLS 1.3 ticket,
 * a warning) even when the next record already waits in the store; only an empty store means
 * that incoming bytes are needed. */
static int worth_retrying(const struct gtls_buffer *b, ssize_t r)
{
    return r == GNUTLS_E_WARNING_ALERT_RECEIVED || r == GNUTLS_E_INTERRUPTED ||
           r == GNUTLS_E_REHANDSHAKE ||
           (r == GNUTLS_E_AGAIN && iostore_in_len(&b->base.io) > 0);
}

static unitls_status handshake_finish(struct gtls_buffer *b)
{
    b->handshake_done = 1;
    b->cipher_id = gtls_priority_negotiated(b->priority, b->session);
    int r = b->after_handshake ? b->after_handshake(b) : 0;
    return r < 0 ? fail(b, r, "handshake") : UNITLS_OK;
}

static unitls_status op_do_handshake(unitls_buffer *base)
{
    struct gtls_buffer *b = self(base);
    if (b->fatal != UNITLS_OK)
        return b->fatal;
    if (b->handshake_done)
        return UNITLS_OK;
    int r = GNUTLS_E_AGAIN;
    for (unsigned i = 0; i < RETRIES; i++) {
        r = gnutls_handshake(b->session);
        if (!worth_retrying(b, r))
            break;
    }
    return r == 0 ? handshake_finish(b) : fail(b, r, "handshake");
}

static int op_handshake_done(const unitls_buffer *base) { return cself(base)->handshake_done; }

/* A peer's renegotiation request (TLS 1.2) is refused; the connection goes on. */
static void refuse_renegotiation(struct gtls_buffer *b)
{
    gnutls_alert_send(b->session, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
}

/* One gnutls_record_recv, retried as above: bytes (> 0), 0 at close_notify, or a code. */
static ssize_t record_recv(struct gtls_buffer *b, void *dst, size_t cap)
{
    ssize_t r = GNUTLS_E_AGAIN;
    for (unsigned i = 0; i < RETRIES; i++) {
        r = gnutls_record_recv(b->session, dst, cap);
        if (r == GNUTLS_E_REHANDSHAKE)
            refuse_renegotiation(b);
        if (!worth_retrying(b, r))
            break;
    }
    return r;
}

static unitls_status op_read(unitls_buffer *base, void *dst, size_t cap, size_t *n)
{
    struct gtls_buffer *b = self(base);
    if (b->peer_closed) {
        *n = 0;
        return UNITLS_OK;
    }
    if (b->fatal != UNITLS_OK)
        return b->fatal;
    if (cap == 0)
        return invalid(b, "read: no room to read into (cap is 0)");
    if (!b->handshake_done) {
        unitls_status st = op_do_handshake(base);
        if (st != UNITLS_OK)
            return st;
    }
    ssize_t r = record_recv(b, dst, cap);
    if (r >= 0) {
        b->peer_closed = r == 0;
        *n = (size_t)r;
        return UNITLS_OK;
    }
    return fail(b, (int)r, "read");
}

/* Encrypts chunk bytes, record by record, into room reserved at once. */
static unitls_status write_records(struct gtls_buffer *b, const uint8_t *src, size_t chunk,
                                   size_t *n)
{
    if (iostore_out_prepare_records(&b->base.io, chunk) != 0)
        return error_set(&b->base.last_error, UNITLS_ERR_NOMEM, 0, "write: out of memory");
    size_t taken = 0;
    while (taken < chunk) {
        ssize_t r = gnutls_record_send(b->session, src + taken, chunk - taken);
        if (r == GNUTLS_E_INTERRUPTED)
            continue;
        if (r < 0) {
            unitls_status st = fail(b, (int)r, "write");
            if (taken == 0)
                return st;
            break; /* what was taken is reported; the failure sticks for the next call */
        }
        taken += (size_t)r;
    }
    *n = taken;
    return UNITLS_OK;
}

static unitls_status op_write(unitls_buffer *base, const void *src, size_t len, size_t *n)
{
    struct gtls_buffer *b = self(base);
    if (b->fatal != UNITLS_OK)
        return b->fatal;
    if (b->shutdown_sent)
        return invalid(b, "write: the connection was shut down");
    if (!b->handshake_done) {
        unitls_status st = op_do_handshake(base);
        if (st != UNITLS_OK)
            return st;
    }
    if (iostore_out_full(&b->base.io))
        return buffer_want(&b->base, UNITLS_WANT_WRITE);
    if (len == 0) {
        *n = 0;
        return UNITLS_OK;
    }
    return write_records(b, src, iostore_write_chunk(&b->base.io, len), n);
}

/* Once our close_notify is out, waits for the peer's. Application data the peer still sends
 * is read and dropped (a caller that wants it reads before calling shutdown again). */
static unitls_status shutdown_await_peer(struct gtls_buffer *b)
{
    unsigned char scratch[4096];
    ssize_t r;
    while ((r = record_recv(b, scratch, sizeof scratch)) > 0)
        ;
    gnutls_memset(scratch, 0, sizeof scratch);
    if (r == 0) {
        b->peer_closed = 1;
        return UNITLS_OK;
    }
    return fail(b, (int)r, "shutdown");
}

static unitls_status op_shutdown(unitls_buffer *base)
{
    struct gtls_buffer *b = self(base);
    if (b->fatal != UNITLS_OK)
        return b->fatal;
    if (b->shutdown_sent)
        return b->peer_closed ? UNITLS_OK : shutdown_await_peer(b);
    if (!b->handshake_done)
        return invalid(b, "shutdown: the handshake has not completed");
    int r = gnutls_bye(b->session, GNUTLS_SHUT_WR);
    if (r < 0)
        return fail(b, r, "shutdown");
    b->shutdown_sent = 1;
    return b->peer_closed ? UNITLS_OK : shutdown_await_peer(b);
}

/* GnuTLS keeps the peer's chain as DER for the session's life: no copy is needed. */
static unitls_status op_getpeercert(unitls_buffer *base, const uint8_t **der, size_t *len)
{
    struct gtls_buffer *b = self(base);
    unsigned n = 0;
    const gnutls_datum_t *peers =
        b->handshake_done ? gnutls_certificate_get_peers(b->session, &n) : NULL;
    if (!peers || n == 0 || peers[0].size == 0)
        return invalid(b, "getpeercert: no peer certificate (none sent, or the handshake has "
                          "not completed)");
    *der = peers[0].data;
    *len = peers[0].size;
    return UNITLS_OK;
}

static uint16_t op_cipher(const unitls_buffer *base) { return cself(base)->cipher_id; }

static unitls_status op_negotiated_protocol(const unitls_buffer *base, const uint8_t **p,
                                            size_t *len)
{
    const struct gtls_buffer *b = cself(base);
    gnutls_datum_t proto = {NULL, 0};
    if (!b->handshake_done || gnutls_alpn_get_selected_protocol(b->session, &proto) < 0 ||
        proto.size == 0)
        return UNITLS_ERR_INVALID;
    *p = proto.data;
    *len = proto.size;
    return UNITLS_OK;
}

static enum unitls_tls_version op_negotiated_tls_version(const unitls_buffer *base)
{
    const struct gtls_buffer *b = cself(base);
    if (!b->handshake_done)
        return UNITLS_TLS_VERSION_UNSET;
    switch (gnutls_protocol_get_version(b->session)) {
    case GNUTLS_TLS1_0: return UNITLS_TLSv1_0; /* only with insecure.h's legacy switch */
    case GNUTLS_TLS1_1: return UNITLS_TLSv1_1;
    case GNUTLS_TLS1_2: return UNITLS_TLSv1_2;
    case GNUTLS_TLS1_3: return UNITLS_TLSv1_3;
    default: return UNITLS_TLS_VERSION_UNSET;
    }
}

static const char *op_server_name(const unitls_buffer *base)
{
    const struct gtls_buffer *b = cself(base);
    return b->has_server_name ? b->server_name : NULL;
}

static int op_session_resumed(const unitls_buffer *base)
{
    const struct gtls_buffer *b = cself(base);
    return b->handshake_done && gnutls_session_is_resumed(b->session);
}

void gtls_buffer_discard(struct gtls_buffer *b)
{
    if (!b)
        return;
    if (b->session)
        gnutls_deinit(b->session);
    iostore_release(&b->base.io);
    free(b);
}

static void op_free(unitls_buffer *base) { gtls_buffer_discard(self(base)); }

/* The peer's leaf subject and issuer (RFC 4514), when GnuTLS kept the certificate. */
static void peer_names(gnutls_session_t session, struct impl_failure_facts *out)
{
    unsigned n = 0;
    const gnutls_datum_t *der = gnutls_certificate_get_peers(session, &n);
    gnutls_x509_crt_t crt = NULL;
    if (!der || n == 0 || gnutls_x509_crt_init(&crt) < 0)
        return;
    gnutls_datum_t dn = {NULL, 0};
    if (gnutls_x509_crt_import(crt, &der[0], GNUTLS_X509_FMT_DER) == 0) {
        if (gnutls_x509_crt_get_dn3(crt, &dn, 0) == 0)
            snprintf(out->subject, sizeof out->subject, "%s", (const char *)dn.data);
        gnutls_free(dn.data);
        dn.data = NULL;
        if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) == 0)
            snprintf(out->issuer, sizeof out->issuer, "%s", (const char *)dn.data);
        gnutls_free(dn.data);
    }
    gnutls_x509_crt_deinit(crt);
}

static void op_failure_facts(const unitls_buffer *base, struct impl_failure_facts *out)
{
    const struct gtls_buffer *b = cself(base);
    if (b->failure_code == GNUTLS_E_FATAL_ALERT_RECEIVED)
        out->alert_received = (int)gnutls_alert_get(b->session);
    out->alert_sent = b->alert_sent;
    out->hint = gtls_error_class(b->failure_code);
    if (!b->verify_status)
        return;
    gtls_error_check_words(b->verify_status, out->check, sizeof out->check);
    peer_names(b->session, out);
}

static const struct unitls_buffer_ops buffer_ops = {
    .do_handshake = op_do_handshake,
    .handshake_done = op_handshake_done,
    .read = op_read,
    .write = op_write,
    .shutdown = op_shutdown,
    .getpeercert = op_getpeercert,
    .cipher = op_cipher,
    .negotiated_protocol = op_negotiated_protocol,
    .negotiated_tls_version = op_negotiated_tls_version,
    .server_name = op_server_name,
    .session_resumed = op_session_resumed,
    .failure_facts = op_failure_facts,
    .free = op_free,
};

static int session_setup(struct gtls_buffer *b, const struct gtls_priority *priority,
                         gnutls_certificate_credentials_t cred)
{
    int r = gnutls_priority_set(b->session, priority->cache);
    if (r >= 0)
        r = gnutls_credentials_set(b->session, GNUTLS_CRD_CERTIFICATE, cred);
    if (r < 0)
        return r;
    gnutls_session_set_ptr(b->session, b);
    gnutls_transport_set_ptr(b->session, b);
    gnutls_transport_set_pull_function(b->session, transport_pull);
    gnutls_transport_set_push_function(b->session, transport_push);
    gnutls_transport_set_pull_timeout_function(b->session, transport_pull_timeout);
    return 0;
}

struct gtls_buffer *gtls_buffer_new(unsigned flags, const struct gtls_priority *priority,
                                    gnutls_certificate_credentials_t cred, const void *state,
                                    unitls_error *err)
{
    struct gtls_buffer *b = calloc(1, sizeof *b);
    if (!b) {
        error_set(err, UNITLS_ERR_NOMEM, 0, "buffer: out of memory");
        return NULL;
    }
    b->priority = priority;
    b->state = state;
    b->alert_sent = -1;
    int r = gnutls_init(&b->session, flags | GNUTLS_NONBLOCK);
    if (r >= 0)
        r = session_setup(b, priority, cred);
    if (r < 0) {
        error_set(err, r == GNUTLS_E_MEMORY_ERROR ? UNITLS_ERR_NOMEM : UNITLS_ERR_TLS, r,
                  "buffer: creating the session: %s", gnutls_strerror(r));
        gtls_buffer_discard(b);
        return NULL;
    }
    return b;
}

unitls_buffer *gtls_buffer_start(struct gtls_buffer *b, unitls_client_context *client_ctx,
                                 unitls_server_context *server_ctx)
{
    buffer_base_init(&b->base, &buffer_ops, client_ctx, server_ctx);
    return &b->base;
}

struct gtls_buffer *gtls_buffer_of(gnutls_session_t session)
{
    return gnutls_session_get_ptr(session);
}

void gtls_buffer_set_server_name(struct gtls_buffer *b, const char *name, size_t len)
{
    if (len == 0 || len > SNI_NAME_MAX || memchr(name, '\0', len))
        return;
    memcpy(b->server_name, name, len);
    b->server_name[len] = '\0';
    b->has_server_name = 1;
}
