/* The core's side of the implementation interface (src/core/impl.h), tested with no TLS
 * library: this program links the core alone with two fake implementations
 * (check_core_fake.[ch], which also stand in for src/builtin.c's table) and checks that
 * - the registry lists exactly this table (first = default) and reports each one's sources;
 * - validation and context creation refuse a credential source the implementation does not
 *   accept, with a message naming implementation, object and source, before the
 *   implementation is asked anything; otherwise they pass its own verdict through;
 * - contexts hold their configuration, count references, and call init once and fini once at
 *   the last reference; derived server contexts hand the previous state to an implementation
 *   of the same kind only;
 * - buffer calls check their arguments (naming the call in the buffer's last error) and
 *   otherwise dispatch to the implementation's ops, passing results through unchanged;
 * - a buffer holds its context; an insecure client context and each of its buffers raise a
 *   SecurityWarning from the core itself. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/insecure.h>
#include <unitls/unitls.h>

#include "check_core_fake.h"
#include "testutil.h"

/* --- helpers --- */

static int warnings;

static void count_warning(enum unitls_warning_category c, const char *m, void *arg)
{
    (void)c;
    (void)m;
    (void)arg;
    warnings++;
}

static void setup(void)
{
    memset(&fake_calls, 0, sizeof fake_calls);
    warnings = 0;
    unitls_set_warning_handler(count_warning, NULL);
}

static unitls_signing_chain *chain_from(unitls_certificate *leaf, unitls_private_key *key,
                                        unitls_certificate *inter)
{
    unitls_error err;
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, inter ? &inter : NULL,
                                                       inter ? 1 : 0, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    unitls_certificate_unref(inter);
    return s;
}

/* File sources are read at build, so they name real files: the generated test PKI's. */
static unitls_certificate *cert_file(void)
{
    char path[TU_PATH_MAX];
    tu_cert_path(path, "example.org.pem");
    return unitls_certificate_from_file(path, NULL);
}

static unitls_trust_store *store_file(void)
{
    char path[TU_PATH_MAX];
    tu_cert_path(path, "ca.pem");
    return unitls_trust_store_from_file(path, NULL);
}

static unitls_certificate *cert_buffer(void)
{
    return unitls_certificate_from_buffer("cert", 4, NULL);
}

static unitls_private_key *key_buffer(void)
{
    return unitls_private_key_from_buffer("key", 3, NULL);
}

/* A client configuration with chain s (may be NULL), trust store t (may be NULL) and, when
 * refused is set, the cipher the fakes refuse. Takes s and t. */
static unitls_client_config *client_config(unitls_signing_chain *s, unitls_trust_store *t,
                                           int refused)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_certificate_chain(b, s);
    unitls_client_config_builder_set_trust_store(b, t);
    if (refused) {
        const uint16_t ids[] = {0x1301, FAKE_REFUSED_CIPHER};
        unitls_client_config_builder_set_ciphers(b, ids, 2);
    }
    unitls_error err;
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    unitls_client_config_builder_free(b);
    unitls_signing_chain_unref(s);
    unitls_trust_store_unref(t);
    return c;
}

static unitls_server_config *server_config(unitls_signing_chain *s, unitls_trust_store *t,
                                           enum unitls_client_auth auth, int refused)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_server_config_builder_add_certificate_chain(b, s);
    unitls_server_config_builder_set_trust_store(b, t);
    unitls_server_config_builder_set_client_auth(b, auth);
    if (refused) {
        const uint16_t ids[] = {FAKE_REFUSED_CIPHER};
        unitls_server_config_builder_set_ciphers(b, ids, 1);
    }
    unitls_error err;
    unitls_server_config *c = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(s);
    unitls_trust_store_unref(t);
    return c;
}

/* Fails unless message names the implementation, the kind of object and the source. */
static void assert_names(const char *message, const unitls_implementation *impl,
                         const char *what, const char *source)
{
    const char *needles[] = {unitls_implementation_name(impl), what, source};
    for (size_t i = 0; i < 3; i++)
        ck_assert_msg(strstr(message, needles[i]) != NULL, "\"%s\" lacks \"%s\"", message,
                      needles[i]);
}

/* Expects impl to refuse cfg (client) by the core's source check, naming what and where. */
static void expect_client_source_refused(const unitls_implementation *impl,
                                         unitls_client_config *cfg, const char *what,
                                         const char *source)
{
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_int_eq(unitls_implementation_validate_client_config(impl, cfg, &err),
                     UNITLS_ERR_CONFIGURATION);
    assert_names(err.message, impl, what, source);
    unitls_error cerr;
    unitls_error_clear(&cerr);
    ck_assert_ptr_null(unitls_client_context_new(impl, cfg, &cerr));
    ck_assert_str_eq(cerr.message, err.message);
    ck_assert_int_eq(fake_calls.validate_client, 0);
    ck_assert_int_eq(fake_calls.client_init, 0);
}

/* --- registry --- */

START_TEST(test_registry_is_this_table)
{
    ck_assert_ptr_eq(unitls_implementation_default(), &fake_a);
    ck_assert_ptr_eq(unitls_implementation_find("fake-a"), &fake_a);
    ck_assert_ptr_eq(unitls_implementation_find("fake-b"), &fake_b);
    ck_assert_ptr_null(unitls_implementation_find("openssl"));
    ck_assert_ptr_eq(unitls_implementation_at(0), &fake_a);
    ck_assert_ptr_eq(unitls_implementation_at(1), &fake_b);
    ck_assert_ptr_null(unitls_implementation_at(2));
    ck_assert_str_eq(unitls_implementation_description(&fake_b),
                     "fake-b: everything from everywhere");
    ck_assert_uint_eq(unitls_implementation_supported_sources(&fake_a, UNITLS_OBJECT_CERTIFICATE),
                      UNITLS_SOURCE_BUFFER);
    ck_assert_uint_eq(unitls_implementation_supported_sources(&fake_a, UNITLS_OBJECT_TRUST_STORE),
                      UNITLS_SOURCE_SYSTEM);
    ck_assert_uint_eq(unitls_implementation_supported_sources(&fake_b, UNITLS_OBJECT_PRIVATE_KEY),
                      FAKE_ALL_SOURCES);
}
END_TEST

/* --- validation --- */

/* Each kind of object from a source fake-a lacks is refused by the core, before fake-a's
 * own checks or init run; fake-b, which has them all, accepts the same configuration. */
START_TEST(test_client_sources_refused)
{
    unitls_client_config *c;
    c = client_config(chain_from(cert_file(), NULL, NULL), NULL, 0);
    expect_client_source_refused(&fake_a, c, "certificate", "file");
    ck_assert_int_eq(unitls_implementation_validate_client_config(&fake_b, c, NULL), UNITLS_OK);
    ck_assert_int_eq(fake_calls.validate_client, 1);
    unitls_client_config_unref(c);
    memset(&fake_calls, 0, sizeof fake_calls);

    c = client_config(chain_from(cert_buffer(), unitls_private_key_from_id("pkcs11:k", 8, NULL),
                                 NULL),
                      NULL, 0);
    expect_client_source_refused(&fake_a, c, "private key", "id");
    unitls_client_config_unref(c);

    c = client_config(chain_from(cert_buffer(), key_buffer(),
                                 unitls_certificate_from_id("pkcs11:i", 8, NULL)),
                      NULL, 0);
    expect_client_source_refused(&fake_a, c, "certificate", "id");
    unitls_client_config_unref(c);

    c = client_config(NULL, unitls_trust_store_from_buffer("ca", 2, NULL), 0);
    expect_client_source_refused(&fake_a, c, "trust store", "buffer");
    unitls_client_config_unref(c);
}
END_TEST

/* What fake-a does accept: buffers, and the system store whether named or left unset. */
START_TEST(test_client_sources_accepted)
{
    unitls_client_config *configs[] = {
        client_config(NULL, NULL, 0),
        client_config(NULL, unitls_trust_store_system(), 0),
        client_config(chain_from(cert_buffer(), key_buffer(), cert_buffer()), NULL, 0),
    };
    for (size_t i = 0; i < 3; i++) {
        unitls_error err;
        unitls_error_clear(&err);
        tu_assert_status(unitls_implementation_validate_client_config(&fake_a, configs[i], &err),
                         UNITLS_OK, "validate", err.message);
        unitls_client_config_unref(configs[i]);
    }
    ck_assert_int_eq(fake_calls.validate_client, 3);
}
END_TEST

/* Servers: every chain is checked; the trust store only matters with client authentication. */
START_TEST(test_server_sources)
{
    unitls_error err;
    unitls_server_config *c = server_config(chain_from(cert_buffer(), key_buffer(), NULL),
                                            store_file(), UNITLS_CLIENT_AUTH_NONE, 0);
    unitls_error_clear(&err);
    tu_assert_status(unitls_implementation_validate_server_config(&fake_a, c, &err), UNITLS_OK,
                     "no client auth", err.message);
    ck_assert_int_eq(fake_calls.validate_server, 1);
    unitls_server_config_unref(c);
    memset(&fake_calls, 0, sizeof fake_calls);

    c = server_config(chain_from(cert_buffer(), key_buffer(), NULL), store_file(),
                      UNITLS_CLIENT_AUTH_OPTIONAL, 0);
    unitls_error_clear(&err);
    ck_assert_int_eq(unitls_implementation_validate_server_config(&fake_a, c, &err),
                     UNITLS_ERR_CONFIGURATION);
    assert_names(err.message, &fake_a, "trust store", "file");
    ck_assert_ptr_null(unitls_server_context_new(&fake_a, c, NULL));
    ck_assert_int_eq(fake_calls.server_init, 0);
    unitls_server_config_unref(c);

    /* the key of a chain is checked too (an id needs no file to build) */
    c = server_config(chain_from(cert_buffer(), unitls_private_key_from_id("k", 1, NULL), NULL),
                      NULL, UNITLS_CLIENT_AUTH_NONE, 0);
    unitls_error_clear(&err);
    ck_assert_int_eq(unitls_implementation_validate_server_config(&fake_a, c, &err),
                     UNITLS_ERR_CONFIGURATION);
    assert_names(err.message, &fake_a, "private key", "id");
    ck_assert_int_eq(fake_calls.validate_server, 0);
    tu_assert_status(unitls_implementation_validate_server_config(&fake_b, c, &err), UNITLS_OK,
                     "fake-b", err.message);
    ck_assert_int_eq(fake_calls.validate_server, 1);
    unitls_server_config_unref(c);
}
END_TEST

/* When the sources pass, the implementation's own verdict comes back as it gave it. */
START_TEST(test_implementation_verdict_passed_through)
{
    unitls_client_config *c = client_config(NULL, NULL, 1);
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_int_eq(unitls_implementation_validate_client_config(&fake_a, c, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_str_eq(err.message, "fake: cipher 0x00FF refused");
    ck_assert_int_eq(err.impl_code, 77);
    ck_assert_int_eq(fake_calls.validate_client, 1);
    unitls_client_config_unref(c);

    unitls_server_config *s = server_config(chain_from(cert_buffer(), NULL, NULL), NULL,
                                            UNITLS_CLIENT_AUTH_NONE, 1);
    unitls_error_clear(&err);
    ck_assert_int_eq(unitls_implementation_validate_server_config(&fake_b, s, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_str_eq(err.message, "fake: cipher 0x00FF refused");
    ck_assert_int_eq(fake_calls.validate_server, 1);
    unitls_server_config_unref(s);
}
END_TEST

/* --- contexts --- */

START_TEST(test_client_context_lifecycle)
{
    unitls_client_config *cfg = client_config(NULL, NULL, 0);
    unitls_error err;
    unitls_client_context *ctx = unitls_client_context_new(NULL, cfg, &err);
    ck_assert_msg(ctx != NULL, "%s", err.message);
    ck_assert_int_eq(fake_calls.client_init, 1);
    ck_assert_ptr_eq(unitls_client_context_implementation(ctx), &fake_a); /* the default */
    ck_assert_ptr_eq(unitls_client_context_configuration(ctx), cfg);
    unitls_client_config_unref(cfg); /* the context holds its own reference */
    ck_assert_int_eq(unitls_client_config_session_resumption(
                         unitls_client_context_configuration(ctx)),
                     1);
    ck_assert_ptr_eq(unitls_client_context_ref(ctx), ctx);
    unitls_client_context_unref(ctx);
    ck_assert_int_eq(fake_calls.client_fini, 0);
    unitls_client_context_unref(ctx);
    ck_assert_int_eq(fake_calls.client_fini, 1);
    ck_assert_int_eq(fake_calls.client_init, 1);
    ck_assert_int_eq(fake_calls.validate_client, 0); /* contexts validate in init, in one pass */
}
END_TEST

START_TEST(test_context_failures)
{
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_client_context_new(&fake_a, NULL, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_INVALID);
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_server_context_new(&fake_a, NULL, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_INVALID);

    /* init refuses: its message comes back, nothing is finalised, nothing leaks */
    unitls_client_config *c = client_config(NULL, NULL, 1);
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_client_context_new(&fake_b, c, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_str_eq(err.message, "fake: cipher 0x00FF refused");
    ck_assert_int_eq(fake_calls.client_init, 1);
    ck_assert_int_eq(fake_calls.client_fini, 0);
    unitls_client_config_unref(c);

    unitls_server_config *s = server_config(chain_from(cert_buffer(), NULL, NULL), NULL,
                                            UNITLS_CLIENT_AUTH_NONE, 1);
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_server_context_new(&fake_a, s, &err));
    ck_assert_str_eq(err.message, "fake: cipher 0x00FF refused");
    ck_assert_int_eq(fake_calls.server_fini, 0);
    unitls_server_config_unref(s);

    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_client_context_create_buffer(NULL, "x", &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_INVALID);
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_server_context_create_buffer(NULL, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_INVALID);
}
END_TEST

/* A derived context gets the previous state only from a context of the same implementation
 * that can derive; otherwise it is built from scratch. */
START_TEST(test_server_context_derived)
{
    unitls_server_config *cfg =
        server_config(chain_from(cert_buffer(), key_buffer(), NULL), NULL,
                      UNITLS_CLIENT_AUTH_NONE, 0);
    unitls_server_context *first = unitls_server_context_new(&fake_b, cfg, NULL);
    ck_assert_ptr_nonnull(first);
    ck_assert_int_eq(fake_calls.server_init, 1);

    unitls_server_context *derived = unitls_server_context_new_derived(&fake_b, cfg, first, NULL);
    ck_assert_ptr_nonnull(derived);
    ck_assert_int_eq(fake_calls.server_init_derived, 1);
    ck_assert_ptr_nonnull(fake_calls.derived_from);
    ck_assert_int_eq(((const struct fake_state *)fake_calls.derived_from)->magic, FAKE_STATE_MAGIC);

    unitls_server_context *other_impl = unitls_server_context_new(&fake_a, cfg, NULL);
    ck_assert_ptr_nonnull(other_impl);
    unitls_server_context *fresh =
        unitls_server_context_new_derived(&fake_b, cfg, other_impl, NULL);
    ck_assert_ptr_nonnull(fresh);
    unitls_server_context *no_prev = unitls_server_context_new_derived(&fake_b, cfg, NULL, NULL);
    ck_assert_ptr_nonnull(no_prev);
    /* fake-a cannot derive: it is built from scratch even from its own kind */
    unitls_server_context *a2 = unitls_server_context_new_derived(&fake_a, cfg, other_impl, NULL);
    ck_assert_ptr_nonnull(a2);
    ck_assert_int_eq(fake_calls.server_init_derived, 1);
    ck_assert_int_eq(fake_calls.server_init, 5);
    ck_assert_ptr_eq(unitls_server_context_implementation(derived), &fake_b);
    ck_assert_ptr_eq(unitls_server_context_configuration(derived), cfg);

    unitls_server_context *all[] = {first, derived, other_impl, fresh, no_prev, a2};
    for (size_t i = 0; i < 6; i++)
        unitls_server_context_unref(all[i]);
    ck_assert_int_eq(fake_calls.server_fini, 6);
    unitls_server_config_unref(cfg);
}
END_TEST

/* --- buffers --- */

static unitls_client_context *client_context(void)
{
    unitls_client_config *cfg = client_config(NULL, NULL, 0);
    unitls_client_context *ctx = unitls_client_context_new(&fake_b, cfg, NULL);
    ck_assert_ptr_nonnull(ctx);
    unitls_client_config_unref(cfg);
    return ctx;
}

/* The byte stores are the core's, whatever the implementation: what arrives stays until the
 * implementation's TLS library takes it, what the library writes waits for the caller. */
static void buffer_stores_check(unitls_buffer *b)
{
    uint8_t data[16], *in = NULL;
    size_t n = 0, cap = 0;
    ck_assert_int_eq(unitls_buffer_process_incoming(b, "abcde", 5), UNITLS_OK);
    ck_assert_int_eq(unitls_buffer_process_incoming(b, NULL, 0), UNITLS_OK); /* nothing: fine */
    ck_assert_uint_eq(unitls_buffer_incoming_limit(b), IOSTORE_INCOMING_LIMIT);
    ck_assert_int_eq(unitls_buffer_incoming_reserve(b, &in, &cap), UNITLS_OK);
    ck_assert_uint_ge(cap, 4);
    memcpy(in, "fghi", 4);
    ck_assert_int_eq(unitls_buffer_incoming_commit(b, 4), UNITLS_OK);
    ck_assert_int_eq(unitls_buffer_incoming_commit(b, 1), UNITLS_ERR_INVALID); /* no reserve */
    ck_assert_uint_eq(unitls_buffer_incoming_bytes_buffered(b), 9);
    ck_assert_uint_eq(iostore_in_take(&b->io, data, sizeof data), 9);
    ck_assert_mem_eq(data, "abcdefghi", 9);
    ck_assert_int_eq(iostore_out_append(&b->io, "out", 3), 0);
    ck_assert_uint_eq(unitls_buffer_outgoing_bytes_buffered(b), 3);
    ck_assert_uint_eq(unitls_buffer_process_outgoing(b, data, 2), 2);
    ck_assert_mem_eq(data, "ou", 2);
    const uint8_t *out = NULL;
    ck_assert_int_eq(unitls_buffer_outgoing_peek(b, &out, &n), UNITLS_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(out[0], 't');
    ck_assert_int_eq(unitls_buffer_outgoing_consume(b, 2), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_outgoing_consume(b, 1), UNITLS_OK);
    ck_assert_int_eq(unitls_buffer_process_incoming_eof(b), UNITLS_OK);
    ck_assert_int_eq(unitls_buffer_process_incoming(b, "x", 1), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_incoming_reserve(b, &in, &cap), UNITLS_ERR_INVALID);
}

/* Every call reaches its op with the caller's arguments, and the op's answer comes back. */
START_TEST(test_buffer_dispatch)
{
    unitls_client_context *ctx = client_context();
    unitls_error err;
    unitls_buffer *b = unitls_client_context_create_buffer(ctx, "example.org", &err);
    ck_assert_msg(b != NULL, "%s", err.message);
    ck_assert_int_eq(fake_calls.buffer_new, 1);
    ck_assert_int_eq(unitls_buffer_last_error(b)->status, UNITLS_OK);

    ck_assert_int_eq(unitls_buffer_do_handshake(b), UNITLS_WANT_READ);
    ck_assert_str_eq(fake_calls.last_op, "do_handshake");
    ck_assert_int_eq(unitls_buffer_handshake_done(b), 1);
    char data[8];
    size_t n = 0;
    ck_assert_int_eq(unitls_buffer_read(b, data, sizeof data, &n), UNITLS_OK);
    ck_assert_uint_eq(n, sizeof data);
    ck_assert_int_eq(data[7], 'r');
    ck_assert_int_eq(unitls_buffer_write(b, "hello!", 6, &n), UNITLS_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(unitls_buffer_shutdown(b), UNITLS_WANT_WRITE);
    buffer_stores_check(b);
    const uint8_t *der = NULL;
    ck_assert_int_eq(unitls_buffer_getpeercert(b, &der, &n), UNITLS_OK);
    ck_assert_mem_eq(der, "DER", 3);
    ck_assert_uint_eq(unitls_buffer_cipher(b), 0xC0FF);
    const uint8_t *proto = NULL;
    ck_assert_int_eq(unitls_buffer_negotiated_protocol(b, &proto, &n), UNITLS_OK);
    ck_assert_uint_eq(n, 2);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(b), UNITLS_TLSv1_3);
    ck_assert_str_eq(unitls_buffer_server_name(b), "example.org");
    ck_assert_int_eq(unitls_buffer_session_resumed(b), 1);
    ck_assert_ptr_eq(unitls_buffer_client_context(b), ctx);
    ck_assert_ptr_null(unitls_buffer_server_context(b));
    ck_assert_int_eq(unitls_buffer_is_server(b), 0);
    unitls_buffer_free(b);
    ck_assert_int_eq(fake_calls.buffer_free, 1);
    unitls_client_context_unref(ctx);
}
END_TEST

/* Missing arguments stop at the core: the op is not called, the status is ERR_INVALID, and
 * the buffer's last error names the call. */
#define EXPECT_REFUSED(call, name)                                                            \
    do {                                                                                      \
        fake_calls.last_op = NULL;                                                                 \
        ck_assert_int_eq((call), UNITLS_ERR_INVALID);                                         \
        ck_assert_msg(fake_calls.last_op == NULL, "%s reached the implementation", name);          \
        ck_assert_int_eq(unitls_buffer_last_error(b)->status, UNITLS_ERR_INVALID);            \
        ck_assert_msg(strstr(unitls_buffer_last_error(b)->message, name) != NULL,             \
                      "last error \"%s\" does not name %s", unitls_buffer_last_error(b)->message, \
                      name);                                                                  \
    } while (0)

START_TEST(test_buffer_argument_checks)
{
    unitls_client_context *ctx = client_context();
    unitls_buffer *b = unitls_client_context_create_buffer(ctx, NULL, NULL);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_null(unitls_buffer_server_name(b)); /* no SNI asked for */
    char data[4];
    size_t n = 0;
    uint8_t *in = NULL;
    const uint8_t *out = NULL;
    EXPECT_REFUSED(unitls_buffer_read(b, NULL, 4, &n), "read");
    EXPECT_REFUSED(unitls_buffer_read(b, data, 4, NULL), "read");
    EXPECT_REFUSED(unitls_buffer_write(b, NULL, 4, &n), "write");
    EXPECT_REFUSED(unitls_buffer_write(b, "x", 1, NULL), "write");
    EXPECT_REFUSED(unitls_buffer_process_incoming(b, NULL, 4), "process_incoming");
    EXPECT_REFUSED(unitls_buffer_incoming_reserve(b, NULL, &n), "incoming_reserve");
    EXPECT_REFUSED(unitls_buffer_incoming_reserve(b, &in, NULL), "incoming_reserve");
    EXPECT_REFUSED(unitls_buffer_outgoing_peek(b, NULL, &n), "outgoing_peek");
    EXPECT_REFUSED(unitls_buffer_outgoing_peek(b, &out, NULL), "outgoing_peek");
    EXPECT_REFUSED(unitls_buffer_getpeercert(b, NULL, &n), "getpeercert");
    fake_calls.last_op = NULL;
    ck_assert_int_eq(unitls_buffer_negotiated_protocol(b, NULL, &n), UNITLS_ERR_INVALID);
    ck_assert_uint_eq(unitls_buffer_process_outgoing(b, NULL, 5), 0);
    ck_assert_ptr_null(fake_calls.last_op);
    /* a zero-length read into no memory is allowed through */
    ck_assert_int_eq(unitls_buffer_read(b, NULL, 0, &n), UNITLS_OK);
    ck_assert_str_eq(fake_calls.last_op, "read");

    /* a NULL buffer: every call answers without crashing */
    ck_assert_int_eq(unitls_buffer_do_handshake(NULL), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_read(NULL, data, 4, &n), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_write(NULL, data, 4, &n), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_shutdown(NULL), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_process_incoming(NULL, data, 4), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_process_incoming_eof(NULL), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_incoming_commit(NULL, 1), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_buffer_outgoing_consume(NULL, 1), UNITLS_ERR_INVALID);
    ck_assert_uint_eq(unitls_buffer_process_outgoing(NULL, data, 4), 0);
    ck_assert_uint_eq(unitls_buffer_incoming_bytes_buffered(NULL), 0);
    ck_assert_uint_eq(unitls_buffer_cipher(NULL), 0);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(NULL), UNITLS_TLS_VERSION_UNSET);
    ck_assert_ptr_null(unitls_buffer_last_error(NULL));
    ck_assert_int_eq(unitls_buffer_is_server(NULL), 0);
    unitls_buffer_free(NULL);

    unitls_buffer_free(b);
    unitls_client_context_unref(ctx);
}
END_TEST

/* A buffer keeps its context alive: the caller's last reference can go first. */
START_TEST(test_buffer_holds_context)
{
    unitls_client_context *ctx = client_context();
    unitls_buffer *b = unitls_client_context_create_buffer(ctx, "h", NULL);
    unitls_client_context_unref(ctx);
    ck_assert_int_eq(fake_calls.client_fini, 0);
    ck_assert_ptr_eq(unitls_buffer_client_context(b), ctx);
    ck_assert_ptr_nonnull(unitls_client_context_configuration(unitls_buffer_client_context(b)));
    unitls_buffer_free(b);
    ck_assert_int_eq(fake_calls.buffer_free, 1);
    ck_assert_int_eq(fake_calls.client_fini, 1);
}
END_TEST

START_TEST(test_server_buffer_side)
{
    unitls_server_config *cfg = server_config(chain_from(cert_buffer(), NULL, NULL), NULL,
                                              UNITLS_CLIENT_AUTH_NONE, 0);
    unitls_server_context *ctx = unitls_server_context_new(NULL, cfg, NULL);
    unitls_server_config_unref(cfg);
    ck_assert_ptr_nonnull(ctx);
    unitls_buffer *b = unitls_server_context_create_buffer(ctx, NULL);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(unitls_buffer_is_server(b), 1);
    ck_assert_ptr_eq(unitls_buffer_server_context(b), ctx);
    ck_assert_ptr_null(unitls_buffer_client_context(b));
    unitls_server_context_unref(ctx);
    ck_assert_int_eq(fake_calls.server_fini, 0);
    unitls_buffer_free(b);
    ck_assert_int_eq(fake_calls.server_fini, 1);
    ck_assert_int_eq(warnings, 0);
}
END_TEST

/* The core, not the implementation, raises the SecurityWarnings of contexts and buffers. */
START_TEST(test_core_raises_security_warnings)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_insecure_client_config_builder_disable_hostname_check(b);
    unitls_client_config *cfg = unitls_client_config_builder_build(b, NULL);
    unitls_client_config_builder_free(b);
    ck_assert_ptr_nonnull(cfg);
    int base = warnings;
    unitls_client_context *ctx = unitls_client_context_new(&fake_b, cfg, NULL);
    ck_assert_ptr_nonnull(ctx);
    ck_assert_int_eq(warnings - base, 1);
    unitls_buffer *b1 = unitls_client_context_create_buffer(ctx, "a", NULL);
    unitls_buffer *b2 = unitls_client_context_create_buffer(ctx, "b", NULL);
    ck_assert_int_eq(warnings - base, 3);
    unitls_buffer_free(b1);
    unitls_buffer_free(b2);
    unitls_client_context_unref(ctx);
    unitls_client_config_unref(cfg);
    ck_assert_int_eq(warnings - base, 3);

    /* a context that failed to build warns about nothing */
    unitls_client_config_builder *rb = unitls_client_config_builder_new();
    unitls_insecure_client_config_builder_disable_verification(rb);
    const uint16_t ids[] = {FAKE_REFUSED_CIPHER};
    unitls_client_config_builder_set_ciphers(rb, ids, 1);
    unitls_client_config *refused = unitls_client_config_builder_build(rb, NULL);
    unitls_client_config_builder_free(rb);
    base = warnings;
    ck_assert_ptr_null(unitls_client_context_new(&fake_b, refused, NULL));
    ck_assert_int_eq(warnings - base, 0);
    unitls_client_config_unref(refused);
}
END_TEST

static Suite *dispatch_suite(void)
{
    Suite *s = suite_create("core_dispatch");
    TCase *tc = tcase_create("registry");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_registry_is_this_table);
    tcase_add_test(tc, test_client_sources_refused);
    tcase_add_test(tc, test_client_sources_accepted);
    tcase_add_test(tc, test_server_sources);
    tcase_add_test(tc, test_implementation_verdict_passed_through);
    suite_add_tcase(s, tc);

    tc = tcase_create("contexts");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_client_context_lifecycle);
    tcase_add_test(tc, test_context_failures);
    tcase_add_test(tc, test_server_context_derived);
    suite_add_tcase(s, tc);

    tc = tcase_create("buffers");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_buffer_dispatch);
    tcase_add_test(tc, test_buffer_argument_checks);
    tcase_add_test(tc, test_buffer_holds_context);
    tcase_add_test(tc, test_server_buffer_side);
    tcase_add_test(tc, test_core_raises_security_warnings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(dispatch_suite());
}
