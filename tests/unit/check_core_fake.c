/* The fake implementations of check_core_fake.h: a table of ops answering fixed values, and
 * entry points that record their calls and refuse FAKE_REFUSED_CIPHER. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_core_fake.h"

struct fake_calls fake_calls;

static struct fake_buffer *fake(unitls_buffer *b) { return (struct fake_buffer *)b; }
static const struct fake_buffer *cfake(const unitls_buffer *b)
{
    return (const struct fake_buffer *)b;
}

/* --- ops: each records its name and answers something recognisable --- */

static unitls_status op_do_handshake(unitls_buffer *b)
{
    (void)b;
    fake_calls.last_op = "do_handshake";
    return UNITLS_WANT_READ;
}

static int op_handshake_done(const unitls_buffer *b)
{
    (void)b;
    fake_calls.last_op = "handshake_done";
    return 1;
}

static unitls_status op_read(unitls_buffer *b, void *dst, size_t cap, size_t *n)
{
    (void)b;
    fake_calls.last_op = "read";
    if (cap > 0)
        memset(dst, 'r', cap);
    *n = cap;
    return UNITLS_OK;
}

static unitls_status op_write(unitls_buffer *b, const void *src, size_t len, size_t *n)
{
    (void)b;
    (void)src;
    fake_calls.last_op = "write";
    *n = len / 2; /* a short write */
    return UNITLS_OK;
}

static unitls_status op_shutdown(unitls_buffer *b)
{
    (void)b;
    fake_calls.last_op = "shutdown";
    return UNITLS_WANT_WRITE;
}

static unitls_status op_getpeercert(unitls_buffer *b, const uint8_t **der, size_t *len)
{
    (void)b;
    fake_calls.last_op = "getpeercert";
    *der = (const uint8_t *)"DER";
    *len = 3;
    return UNITLS_OK;
}

static uint16_t op_cipher(const unitls_buffer *b)
{
    (void)b;
    fake_calls.last_op = "cipher";
    return 0xC0FF; /* no name: passes through as a number */
}

static unitls_status op_negotiated_protocol(const unitls_buffer *b, const uint8_t **p,
                                            size_t *len)
{
    (void)b;
    fake_calls.last_op = "negotiated_protocol";
    *p = (const uint8_t *)"h2";
    *len = 2;
    return UNITLS_OK;
}

static enum unitls_tls_version op_negotiated_tls_version(const unitls_buffer *b)
{
    (void)b;
    fake_calls.last_op = "negotiated_tls_version";
    return UNITLS_TLSv1_3;
}

static const char *op_server_name(const unitls_buffer *b)
{
    fake_calls.last_op = "server_name";
    return cfake(b)->has_host ? cfake(b)->host : NULL;
}

static int op_session_resumed(const unitls_buffer *b)
{
    (void)b;
    fake_calls.last_op = "session_resumed";
    return 1;
}

static void op_free(unitls_buffer *b)
{
    fake_calls.last_op = "free";
    fake_calls.buffer_free++;
    free(fake(b));
}

static const struct unitls_buffer_ops fake_ops = {
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
    .free = op_free,
};

/* --- implementation entry points --- */

static unitls_status refuse_cipher(const uint16_t *ids, size_t n, unitls_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (ids[i] == FAKE_REFUSED_CIPHER) {
            if (err) {
                err->status = UNITLS_ERR_CONFIGURATION;
                err->impl_code = 77;
                snprintf(err->message, sizeof err->message, "fake: cipher 0x%04X refused",
                         FAKE_REFUSED_CIPHER);
            }
            return UNITLS_ERR_CONFIGURATION;
        }
    }
    return UNITLS_OK;
}

static unitls_status client_verdict(const unitls_client_config *cfg, unitls_error *err)
{
    size_t n = 0;
    const uint16_t *ids = unitls_client_config_ciphers(cfg, &n);
    return refuse_cipher(ids, n, err);
}

static unitls_status server_verdict(const unitls_server_config *cfg, unitls_error *err)
{
    size_t n = 0;
    const uint16_t *ids = unitls_server_config_ciphers(cfg, &n);
    return refuse_cipher(ids, n, err);
}

static unitls_status fake_validate_client(const unitls_client_config *cfg, unitls_error *err)
{
    fake_calls.validate_client++;
    return client_verdict(cfg, err);
}

static unitls_status fake_validate_server(const unitls_server_config *cfg, unitls_error *err)
{
    fake_calls.validate_server++;
    return server_verdict(cfg, err);
}

static void *state_new(void)
{
    struct fake_state *st = malloc(sizeof *st);
    ck_assert_ptr_nonnull(st);
    st->magic = FAKE_STATE_MAGIC;
    return st;
}

static unitls_status fake_client_init(unitls_client_context *ctx, void **state, unitls_error *err)
{
    fake_calls.client_init++;
    unitls_status st = client_verdict(unitls_client_context_configuration(ctx), err);
    if (st == UNITLS_OK)
        *state = state_new();
    return st;
}

static void fake_client_fini(void *state)
{
    fake_calls.client_fini++;
    free(state);
}

static unitls_buffer *fake_buffer_new(unitls_client_context *cctx, unitls_server_context *sctx,
                                      void *state, const char *host)
{
    ck_assert_int_eq(((struct fake_state *)state)->magic, FAKE_STATE_MAGIC);
    fake_calls.buffer_new++;
    struct fake_buffer *fb = calloc(1, sizeof *fb);
    ck_assert_ptr_nonnull(fb);
    if (host) {
        snprintf(fb->host, sizeof fb->host, "%s", host);
        fb->has_host = 1;
    }
    buffer_base_init(&fb->base, &fake_ops, cctx, sctx);
    return &fb->base;
}

static unitls_buffer *fake_client_buffer_new(unitls_client_context *ctx, void *state,
                                             const char *host, unitls_error *err)
{
    (void)err;
    return fake_buffer_new(ctx, NULL, state, host);
}

static unitls_status fake_server_init(unitls_server_context *ctx, void **state, unitls_error *err)
{
    fake_calls.server_init++;
    unitls_status st = server_verdict(unitls_server_context_configuration(ctx), err);
    if (st == UNITLS_OK)
        *state = state_new();
    return st;
}

static unitls_status fake_server_init_derived(unitls_server_context *ctx, void **state,
                                              const void *previous_state, unitls_error *err)
{
    fake_calls.server_init_derived++;
    fake_calls.derived_from = previous_state;
    unitls_status st = server_verdict(unitls_server_context_configuration(ctx), err);
    if (st == UNITLS_OK)
        *state = state_new();
    return st;
}

static void fake_server_fini(void *state)
{
    fake_calls.server_fini++;
    free(state);
}

static unitls_buffer *fake_server_buffer_new(unitls_server_context *ctx, void *state,
                                             unitls_error *err)
{
    (void)err;
    return fake_buffer_new(NULL, ctx, state, "sni.example");
}

/* fake-a: buffers only, the system trust store only, no derived contexts. */
const unitls_implementation fake_a = {
    .name = "fake-a",
    .description = "fake-a: certificates and keys from buffers; the system trust store",
    .sources = {[UNITLS_OBJECT_CERTIFICATE] = UNITLS_SOURCE_BUFFER,
                [UNITLS_OBJECT_PRIVATE_KEY] = UNITLS_SOURCE_BUFFER,
                [UNITLS_OBJECT_TRUST_STORE] = UNITLS_SOURCE_SYSTEM},
    .validate_client_config = fake_validate_client,
    .validate_server_config = fake_validate_server,
    .client_context_init = fake_client_init,
    .client_context_fini = fake_client_fini,
    .client_buffer_new = fake_client_buffer_new,
    .server_context_init = fake_server_init,
    .server_context_fini = fake_server_fini,
    .server_context_init_derived = NULL,
    .server_buffer_new = fake_server_buffer_new,
};

/* fake-b: every source, and derived server contexts. */
const unitls_implementation fake_b = {
    .name = "fake-b",
    .description = "fake-b: everything from everywhere",
    .sources = {[UNITLS_OBJECT_CERTIFICATE] = FAKE_ALL_SOURCES,
                [UNITLS_OBJECT_PRIVATE_KEY] = FAKE_ALL_SOURCES,
                [UNITLS_OBJECT_TRUST_STORE] = FAKE_ALL_SOURCES | UNITLS_SOURCE_SYSTEM},
    .validate_client_config = fake_validate_client,
    .validate_server_config = fake_validate_server,
    .client_context_init = fake_client_init,
    .client_context_fini = fake_client_fini,
    .client_buffer_new = fake_client_buffer_new,
    .server_context_init = fake_server_init,
    .server_context_fini = fake_server_fini,
    .server_context_init_derived = fake_server_init_derived,
    .server_buffer_new = fake_server_buffer_new,
};

/* In place of src/builtin.c. */
const unitls_implementation *const builtin_implementations[] = {&fake_a, &fake_b, NULL};
