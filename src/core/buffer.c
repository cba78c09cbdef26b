/* The public unitls_buffer calls: argument checks, then dispatch to the implementation through
 * the buffer's ops table; the calls on the byte stores are served here, the same for every
 * implementation. Nothing here locks, and nothing allocates but the stores themselves
 * (iostore.h): these run per record. While the handshake runs, the incoming bytes are also
 * shown to explain.h, which keeps the peer's first flight to explain a failure. */
#include <string.h>

#include "error.h"
#include "explain.h"
#include "impl.h"
#include "ocsp_staple.h"
#include "warning_internal.h"
#include <unitls/insecure.h>

void buffer_base_init(unitls_buffer *b, const struct unitls_buffer_ops *ops,
                      unitls_client_context *client_ctx, unitls_server_context *server_ctx)
{
    b->ops = ops;
    b->client_ctx = unitls_client_context_ref(client_ctx);
    b->server_ctx = unitls_server_context_ref(server_ctx);
    unitls_error_clear(&b->last_error);
    b->first_flight = NULL;
    b->explanation = NULL;
    b->first_flight_done = 0;
    b->ocsp = (struct buffer_ocsp){0, 0, UNITLS_OCSP_ABSENT, NULL};
    if (client_ctx && unitls_client_config_is_insecure(unitls_client_context_configuration(client_ctx)))
        warn_insecure("connection created", "its client configuration is insecure");
    if (server_ctx &&
        unitls_server_config_is_insecure(unitls_server_context_configuration(server_ctx)))
        warn_insecure("connection created", "its server configuration is insecure");
}

static unitls_status invalid(unitls_buffer *b, const char *call)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    return error_set(&b->last_error, UNITLS_ERR_INVALID, 0, "%s: missing argument", call);
}

/* After a call that may have run the handshake: a completed handshake drops the first
 * flight, a failed one is explained (once; later calls repeat the same error). */
static unitls_status handshake_outcome(unitls_buffer *b, unitls_status st)
{
    if (st == UNITLS_OK || st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE) {
        if (b->first_flight && b->ops->handshake_done(b))
            explain_release(b);
        return st;
    }
    if (st != UNITLS_ERR_INVALID && !b->explanation && !b->ops->handshake_done(b))
        explain_failure(b);
    return st;
}

unitls_status unitls_buffer_do_handshake(unitls_buffer *b)
{
    return b ? handshake_outcome(b, b->ops->do_handshake(b)) : UNITLS_ERR_INVALID;
}

int unitls_buffer_handshake_done(const unitls_buffer *b)
{
    return b ? b->ops->handshake_done(b) : 0;
}

unitls_status unitls_buffer_read(unitls_buffer *b, void *dst, size_t cap, size_t *n)
{
    if (!b || !n || (!dst && cap > 0))
        return invalid(b, "read");
    return handshake_outcome(b, b->ops->read(b, dst, cap, n));
}

unitls_status unitls_buffer_write(unitls_buffer *b, const void *src, size_t len, size_t *n)
{
    if (!b || !n || (!src && len > 0))
        return invalid(b, "write");
    return handshake_outcome(b, b->ops->write(b, src, len, n));
}

unitls_status unitls_buffer_shutdown(unitls_buffer *b)
{
    return b ? b->ops->shutdown(b) : UNITLS_ERR_INVALID;
}

unitls_status buffer_want(unitls_buffer *b, unitls_status status)
{
    static const char read_msg[] = "more incoming data is needed";
    static const char write_msg[] = "outgoing data must be drained first";
    int reading = status == UNITLS_WANT_READ;
    b->last_error.status = status;
    b->last_error.impl_code = 0;
    memcpy(b->last_error.message, reading ? read_msg : write_msg,
           reading ? sizeof read_msg : sizeof write_msg);
    return status;
}

unitls_status unitls_buffer_process_incoming(unitls_buffer *b, const void *data, size_t len)
{
    if (!b || (!data && len > 0))
        return invalid(b, "process_incoming");
    if (b->io.eof)
        return error_set(&b->last_error, UNITLS_ERR_INVALID, 0,
                         "process_incoming: the transport already reached EOF");
    unitls_status st = iostore_put(&b->io, data, len);
    if (st == UNITLS_WANT_READ)
        return buffer_want(b, UNITLS_WANT_READ);
    if (st != UNITLS_OK)
        return error_set(&b->last_error, st, 0, "process_incoming: out of memory");
    if (!b->first_flight_done && len > 0)
        explain_keep(b, data, len);
    return UNITLS_OK;
}

unitls_status unitls_buffer_process_incoming_eof(unitls_buffer *b)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    b->io.eof = 1;
    return UNITLS_OK;
}

size_t unitls_buffer_incoming_bytes_buffered(const unitls_buffer *b)
{
    return b ? iostore_in_len(&b->io) : 0;
}

size_t unitls_buffer_incoming_limit(const unitls_buffer *b)
{
    return b ? IOSTORE_INCOMING_LIMIT : 0;
}

size_t unitls_buffer_process_outgoing(unitls_buffer *b, void *dst, size_t cap)
{
    if (!b || (!dst && cap > 0))
        return 0;
    return iostore_take(&b->io, dst, cap);
}

size_t unitls_buffer_outgoing_bytes_buffered(const unitls_buffer *b)
{
    return b ? iostore_out_len(&b->io) : 0;
}

unitls_status unitls_buffer_incoming_reserve(unitls_buffer *b, uint8_t **ptr, size_t *cap)
{
    if (!b || !ptr || !cap)
        return invalid(b, "incoming_reserve");
    if (b->io.eof)
        return error_set(&b->last_error, UNITLS_ERR_INVALID, 0,
                         "incoming_reserve: the transport already reached EOF");
    unitls_status st = iostore_reserve(&b->io, ptr, cap);
    if (st != UNITLS_OK)
        return error_set(&b->last_error, st, 0, "incoming_reserve: out of memory");
    return UNITLS_OK;
}

unitls_status unitls_buffer_incoming_commit(unitls_buffer *b, size_t n)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    if (iostore_commit(&b->io, n) != UNITLS_OK)
        return error_set(&b->last_error, UNITLS_ERR_INVALID, 0,
                         "incoming_commit: %zu bytes exceed the reserved room (or no reserve "
                         "is outstanding)", n);
    if (!b->first_flight_done && n > 0)
        explain_keep(b, b->io.in + b->io.in_end - n, n);
    return UNITLS_OK;
}

unitls_status unitls_buffer_outgoing_peek(unitls_buffer *b, const uint8_t **ptr, size_t *len)
{
    if (!b || !ptr || !len)
        return invalid(b, "outgoing_peek");
    iostore_peek(&b->io, ptr, len);
    return UNITLS_OK;
}

unitls_status unitls_buffer_outgoing_consume(unitls_buffer *b, size_t n)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    if (iostore_consume(&b->io, n) != UNITLS_OK)
        return error_set(&b->last_error, UNITLS_ERR_INVALID, 0,
                         "outgoing_consume: %zu bytes but only %zu are buffered", n,
                         iostore_out_len(&b->io));
    return UNITLS_OK;
}

unitls_status unitls_buffer_getpeercert(unitls_buffer *b, const uint8_t **der, size_t *len)
{
    if (!b || !der || !len)
        return invalid(b, "getpeercert");
    return b->ops->getpeercert(b, der, len);
}

uint16_t unitls_buffer_cipher(const unitls_buffer *b) { return b ? b->ops->cipher(b) : 0; }

unitls_status unitls_buffer_negotiated_protocol(const unitls_buffer *b, const uint8_t **p,
                                                size_t *len)
{
    if (!b || !p || !len)
        return UNITLS_ERR_INVALID;
    return b->ops->negotiated_protocol(b, p, len);
}

enum unitls_tls_version unitls_buffer_negotiated_tls_version(const unitls_buffer *b)
{
    return b ? b->ops->negotiated_tls_version(b) : UNITLS_TLS_VERSION_UNSET;
}

const char *unitls_buffer_server_name(const unitls_buffer *b)
{
    return b ? b->ops->server_name(b) : NULL;
}

int unitls_buffer_session_resumed(const unitls_buffer *b)
{
    return b ? b->ops->session_resumed(b) : 0;
}

unitls_client_context *unitls_buffer_client_context(const unitls_buffer *b)
{
    return b ? b->client_ctx : NULL;
}

unitls_server_context *unitls_buffer_server_context(const unitls_buffer *b)
{
    return b ? b->server_ctx : NULL;
}

int unitls_buffer_is_server(const unitls_buffer *b) { return b && b->server_ctx != NULL; }

const char *unitls_handshake_failure_name(enum unitls_handshake_failure f)
{
    static const char *const names[] = {"none", "version", "cipher", "group", "sni",
                                        "alpn", "certificate", "not_tls", "peer_closed",
                                        "other"};
    if ((unsigned)f >= sizeof names / sizeof names[0])
        return NULL;
    return names[f];
}

enum unitls_handshake_failure unitls_buffer_handshake_failure(const unitls_buffer *b,
                                                              char *facts, size_t cap)
{
    if (!b) {
        if (facts && cap > 0)
            facts[0] = '\0';
        return UNITLS_HANDSHAKE_FAILURE_NONE;
    }
    return explain_result(b, facts, cap);
}

const unitls_error *unitls_buffer_last_error(const unitls_buffer *b)
{
    return b ? &b->last_error : NULL;
}

void unitls_buffer_free(unitls_buffer *b)
{
    if (!b)
        return;
    unitls_client_context *client_ctx = b->client_ctx;
    unitls_server_context *server_ctx = b->server_ctx;
    iostore_release(&b->io);
    explain_free(b);
    buffer_ocsp_release(b);
    b->ops->free(b);
    unitls_client_context_unref(client_ctx);
    unitls_server_context_unref(server_ctx);
}
