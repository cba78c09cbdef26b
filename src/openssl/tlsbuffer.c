/* tlsbuffer: the unitls_buffer operations on top of OpenSSL. Every SSL_* call is preceded by
 * ERR_clear_error(): OpenSSL's error queue is per thread, and a buffer must not read what
 * another buffer left there. Nothing here allocates per record. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>

#include "tlsbuffer.h"
#include "core/error.h"
#include "iobio.h"
#include "tls_error.h"


static struct tlsbuffer *self(unitls_buffer *b) { return (struct tlsbuffer *)b; }

static const struct tlsbuffer *cself(const unitls_buffer *b)
{
    return (const struct tlsbuffer *)b;
}

/* The outcome of a failed SSL_* call; fatal outcomes stick to the buffer. */
static unitls_status fail(struct tlsbuffer *b, int ret, const char *what)
{
    if (SSL_get_error(b->ssl, ret) == SSL_ERROR_WANT_READ) {
        ERR_clear_error();
        return buffer_want(&b->base, UNITLS_WANT_READ);
    }
    const struct iostore *io = &b->base.io;
    unitls_status st = tls_error_from_call(b->ssl, ret, io->eof, io->out_of_memory, what,
                                           &b->base.last_error, &b->facts);
    if (st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE)
        b->fatal = st;
    return st;
}

static unitls_status invalid(struct tlsbuffer *b, const char *what)
{
    return error_set(&b->base.last_error, UNITLS_ERR_INVALID, 0, "%s", what);
}

static unitls_status op_do_handshake(unitls_buffer *base)
{
    struct tlsbuffer *b = self(base);
    if (b->fatal != UNITLS_OK)
        return b->fatal;
    if (SSL_is_init_finished(b->ssl))
        return UNITLS_OK;
    ERR_clear_error();
    int r = SSL_do_handshake(b->ssl);
    return r == 1 ? UNITLS_OK : fail(b, r, "handshake");
}

static int op_handshake_done(const unitls_buffer *base)
{
    return SSL_is_init_finished(cself(base)->ssl);
}

static unitls_status op_read(unitls_buffer *base, void *dst, size_t cap, size_t *n)
{
    struct tlsbuffer *b = self(base);
    if (b->peer_closed) {
        *n = 0;
        return UNITLS_OK;
    }
    if (b->fatal != UNITLS_OK)
        return b->fatal;
    if (cap == 0)
        return invalid(b, "read: no room to read into (cap is 0)");
    ERR_clear_error();
    size_t got = 0;
    int r = SSL_read_ex(b->ssl, dst, cap, &got);
    if (r == 1) {
        *n = got;
        return UNITLS_OK;
    }
    if (SSL_get_error(b->ssl, r) == SSL_ERROR_ZERO_RETURN) {
        ERR_clear_error();
        b->peer_closed = 1;
        *n = 0;
        return UNITLS_OK;
    }
    return fail(b, r, "read");
}

/* Takes at most what keeps the outgoing store near the high-water mark (but at least a full
 * record, so records stay large), and reserves the room for it at once. */
static unitls_status op_write(unitls_buffer *base, const void *src, size_t len, size_t *n)
{
    struct tlsbuffer *b = self(base);
    if (b->fatal != UNITLS_OK)
        return b->fatal;
    if (b->shutdown_sent)
        return invalid(b, "write: the connection was shut down");
    if (iostore_out_full(&b->base.io))
        return buffer_want(&b->base, UNITLS_WANT_WRITE);
    if (len == 0) {
        *n = 0;
        return UNITLS_OK;
    }
    size_t chunk = iostore_write_chunk(&b->base.io, len);
    if (SSL_is_init_finished(b->ssl) && iostore_out_prepare_records(&b->base.io, chunk) != 0)
        return error_set(&b->base.last_error, UNITLS_ERR_NOMEM, 0, "write: out of memory");
    ERR_clear_error();
    size_t written = 0;
    int r = SSL_write_ex(b->ssl, src, chunk, &written);
    if (r == 1) {
        *n = written;
        return UNITLS_OK;
    }
    return fail(b, r, "write");
}

/* Once our close_notify is out, waits for the peer's. Application data the peer still sends
 * is read and dropped (a caller that wants it reads before calling shutdown again): OpenSSL's
 * own SSL_shutdown would fail on it. */
static unitls_status shutdown_await_peer(struct tlsbuffer *b)
{
    unsigned char scratch[4096];
    for (;;) {
        size_t got = 0;
        ERR_clear_error();
        int r = SSL_read_ex(b->ssl, scratch, sizeof scratch, &got);
        if (r == 1)
            continue;
        if (SSL_get_error(b->ssl, r) == SSL_ERROR_ZERO_RETURN) {
            ERR_clear_error();
            b->peer_closed = 1;
            return UNITLS_OK;
        }
        OPENSSL_cleanse(scratch, sizeof scratch);
        return fail(b, r, "shutdown");
    }
}

static unitls_status op_shutdown(unitls_buffer *base)
{
    struct tlsbuffer *b = self(base);
    if (b->fatal != UNITLS_OK)
        return b->fatal;
    if (b->shutdown_sent)
        return b->peer_closed ? UNITLS_OK : shutdown_await_peer(b);
    if (!SSL_is_init_finished(b->ssl))
        return invalid(b, "shutdown: the handshake has not completed");
    ERR_clear_error();
    int r = SSL_shutdown(b->ssl);
    if (r < 0)
        return fail(b, r, "shutdown");
    b->shutdown_sent = 1;
    if (r == 1 || b->peer_closed) {
        b->peer_closed = 1;
        return UNITLS_OK;
    }
    return shutdown_await_peer(b);
}

static unitls_status op_getpeercert(unitls_buffer *base, const uint8_t **der, size_t *len)
{
    struct tlsbuffer *b = self(base);
    if (!b->peer_der) {
        X509 *peer = SSL_is_init_finished(b->ssl) ? SSL_get0_peer_certificate(b->ssl) : NULL;
        if (!peer)
            return invalid(b, "getpeercert: no peer certificate (none sent, or the handshake "
                              "has not completed)");
        unsigned char *out = NULL;
        int n = i2d_X509(peer, &out);
        if (n <= 0)
            return tls_error_from_queue(&b->base.last_error, UNITLS_ERR_NOMEM,
                                        "getpeercert: encoding the certificate");
        b->peer_der = out;
        b->peer_der_len = (size_t)n;
    }
    *der = b->peer_der;
    *len = b->peer_der_len;
    return UNITLS_OK;
}

static uint16_t op_cipher(const unitls_buffer *base)
{
    const SSL *ssl = cself(base)->ssl;
    const SSL_CIPHER *c = SSL_is_init_finished(ssl) ? SSL_get_current_cipher(ssl) : NULL;
    return c ? SSL_CIPHER_get_protocol_id(c) : 0;
}

static unitls_status op_negotiated_protocol(const unitls_buffer *base, const uint8_t **p,
                                            size_t *len)
{
    const unsigned char *proto = NULL;
    unsigned int n = 0;
    SSL_get0_alpn_selected(cself(base)->ssl, &proto, &n);
    if (!proto || n == 0)
        return UNITLS_ERR_INVALID;
    *p = proto;
    *len = n;
    return UNITLS_OK;
}

static enum unitls_tls_version op_negotiated_tls_version(const unitls_buffer *base)
{
    const SSL *ssl = cself(base)->ssl;
    if (!SSL_is_init_finished(ssl))
        return UNITLS_TLS_VERSION_UNSET;
    switch (SSL_version(ssl)) {
    case TLS1_VERSION: return UNITLS_TLSv1_0;   /* only with insecure.h's legacy switch */
    case TLS1_1_VERSION: return UNITLS_TLSv1_1;
    case TLS1_2_VERSION: return UNITLS_TLSv1_2;
    case TLS1_3_VERSION: return UNITLS_TLSv1_3;
    default: return UNITLS_TLS_VERSION_UNSET;
    }
}

static const char *op_server_name(const unitls_buffer *base)
{
    const struct tlsbuffer *b = cself(base);
    return b->has_server_name ? b->server_name : NULL;
}

static int op_session_resumed(const unitls_buffer *base)
{
    return SSL_session_reused(cself(base)->ssl);
}

void tlsbuffer_discard(struct tlsbuffer *b)
{
    if (!b)
        return;
    SSL_free(b->ssl); /* frees the BIO too */
    X509_free(b->refused_cert);
    iostore_release(&b->base.io);
    OPENSSL_free(b->peer_der);
    free(b);
}

static void op_free(unitls_buffer *base) { tlsbuffer_discard(self(base)); }

/* The failed check in the words the core's explanations use. */
static void check_words(int error, char *out, size_t cap)
{
    const char *words;
    switch (error) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: words = "unknown CA"; break;
    case X509_V_ERR_CERT_HAS_EXPIRED: words = "expired"; break;
    case X509_V_ERR_CERT_NOT_YET_VALID: words = "not yet valid"; break;
    case X509_V_ERR_CERT_REVOKED: words = "revoked"; break;
    case X509_V_ERR_HOSTNAME_MISMATCH: words = "hostname mismatch"; break;
    default: words = X509_verify_cert_error_string(error); break;
    }
    snprintf(out, cap, "%s", words);
}

static void name_text(const X509_NAME *name, char *out, size_t cap)
{
    out[0] = '\0';
    BIO *mem = name ? BIO_new(BIO_s_mem()) : NULL;
    if (!mem)
        return;
    if (X509_NAME_print_ex(mem, name, 0, XN_FLAG_RFC2253) >= 0) {
        int n = BIO_read(mem, out, (int)cap - 1);
        out[n > 0 ? n : 0] = '\0';
    }
    BIO_free(mem);
}

static void op_failure_facts(const unitls_buffer *base, struct impl_failure_facts *out)
{
    const struct tlsbuffer *b = cself(base);
    out->alert_received = b->facts.alert_received;
    out->hint = b->facts.hint;
    if (b->refused_name) { /* OpenSSL's queue only says its callback failed */
        out->alert_sent = SSL_AD_UNRECOGNIZED_NAME;
        out->hint = UNITLS_HANDSHAKE_FAILURE_SNI;
    }
    if (!b->refused_error)
        return;
    check_words(b->refused_error, out->check, sizeof out->check);
    if (b->refused_cert) {
        name_text(X509_get_subject_name(b->refused_cert), out->subject, sizeof out->subject);
        name_text(X509_get_issuer_name(b->refused_cert), out->issuer, sizeof out->issuer);
    }
}

/* Wraps the configured verify callback to remember the first certificate refused: OpenSSL
 * does not keep a refused peer certificate on the connection. Runs per certificate of a
 * handshake, not per record. */
static int verify_watch(int preverify_ok, X509_STORE_CTX *x)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct tlsbuffer *b = ssl ? tlsbuffer_of(ssl) : NULL;
    if (!b)
        return preverify_ok;
    int ok = b->inner_verify ? b->inner_verify(preverify_ok, x) : preverify_ok;
    if (!ok && !b->refused_error) {
        b->refused_error = X509_STORE_CTX_get_error(x);
        X509 *cert = X509_STORE_CTX_get0_cert(x); /* the leaf: whom the peer claims to be */
        if (cert && X509_up_ref(cert) == 1)
            b->refused_cert = cert;
    }
    return ok;
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

struct tlsbuffer *tlsbuffer_new(SSL_CTX *ctx, BIO_METHOD *method, unitls_error *err)
{
    struct tlsbuffer *b = calloc(1, sizeof *b);
    if (!b) {
        error_set(err, UNITLS_ERR_NOMEM, 0, "buffer: out of memory");
        return NULL;
    }
    ERR_clear_error();
    b->ssl = SSL_new(ctx);
    BIO *bio = b->ssl ? iobio_new(method, &b->base.io) : NULL;
    if (!bio) {
        tls_error_from_queue(err, UNITLS_ERR_NOMEM, "buffer: creating the connection");
        tlsbuffer_discard(b);
        return NULL;
    }
    SSL_set_bio(b->ssl, bio, bio);
    SSL_set_app_data(b->ssl, b);
    return b;
}

unitls_buffer *tlsbuffer_start(struct tlsbuffer *b, unitls_client_context *client_ctx,
                            unitls_server_context *server_ctx)
{
    if (server_ctx)
        SSL_set_accept_state(b->ssl);
    else
        SSL_set_connect_state(b->ssl);
    int mode = SSL_get_verify_mode(b->ssl);
    if (mode & SSL_VERIFY_PEER) {
        b->inner_verify = SSL_get_verify_callback(b->ssl);
        SSL_set_verify(b->ssl, mode, verify_watch);
    }
    b->facts.alert_received = -1;
    buffer_base_init(&b->base, &buffer_ops, client_ctx, server_ctx);
    return &b->base;
}

struct tlsbuffer *tlsbuffer_of(const SSL *ssl) { return SSL_get_app_data(ssl); }

void tlsbuffer_set_server_name(struct tlsbuffer *b, const char *name, size_t len)
{
    if (len == 0 || len > SNI_NAME_MAX || memchr(name, '\0', len))
        return;
    memcpy(b->server_name, name, len);
    b->server_name[len] = '\0';
    b->has_server_name = 1;
}
