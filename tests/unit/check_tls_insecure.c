/* The insecure module: a client with verification disabled connects where a verifying client
 * refuses, one with only the hostname check disabled still verifies the chain, a server with
 * client verification disabled accepts any client certificate (but still asks for one), and
 * every insecure configuration, context and connection created raises a SecurityWarning
 * through the installed handler, one per step, even for an insecure configuration that turns
 * nothing off (while secure ones raise none). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

struct warning_count {
    int n;
    int n_not_security;
    char last[256];
};

static void count_warning(enum unitls_warning_category category, const char *message, void *arg)
{
    struct warning_count *w = arg;
    w->n++;
    if (category != UNITLS_WARNING_SECURITY)
        w->n_not_security++;
    snprintf(w->last, sizeof w->last, "%s", message ? message : "(null)");
}

/* Fails unless at least one warning arrived since *before; then moves *before on. */
static void expect_warned(const struct warning_count *w, int *before, const char *what)
{
    ck_assert_msg(w->n > *before, "%s raised no SecurityWarning", what);
    ck_assert_int_eq(w->n_not_security, 0);
    ck_assert_msg(w->last[0] != '\0', "%s: the warning has an empty message", what);
    *before = w->n;
}

/* Builds an insecure client step by step, checking that each step warns; returns the
 * context. */
static unitls_client_context *insecure_client(struct warning_count *w, int verification)
{
    int seen = w->n;
    unitls_client_config_builder *b = tu_client_builder();
    unitls_status st = verification
                           ? unitls_insecure_client_config_builder_disable_hostname_check(b)
                           : unitls_insecure_client_config_builder_disable_verification(b);
    tu_assert_status(st, UNITLS_OK, "insecure setter", "");
    expect_warned(w, &seen, "the insecure setter");
    unitls_error err;
    unitls_client_config *cfg = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(cfg != NULL, "build: %s", err.message);
    unitls_client_config_builder_free(b);
    expect_warned(w, &seen, "building an insecure configuration");
    ck_assert_int_eq(unitls_client_config_is_insecure(cfg), 1);
    ck_assert_int_eq(unitls_client_config_verification_disabled(cfg), !verification);
    ck_assert_int_eq(unitls_client_config_hostname_check_disabled(cfg), 1);
    unitls_client_context *ctx = unitls_client_context_new(tu_client_impl(), cfg, &err);
    ck_assert_msg(ctx != NULL, "context: %s", err.message);
    unitls_client_config_unref(cfg);
    expect_warned(w, &seen, "creating a context from an insecure configuration");
    return ctx;
}

/* Verification off: a server whose CA is unknown is accepted, each buffer warns (every time,
 * not once), and the handshake itself succeeds. */
START_TEST(test_no_verification_connects_to_unknown_ca)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    unitls_client_context *cctx = insecure_client(&w, 0);
    unitls_server_context *sctx = tu_server_context("other-example.org");
    for (int i = 0; i < 2; i++) {
        int seen = w.n;
        struct tu_conn *c = tu_conn_new(cctx, "example.org", sctx);
        expect_warned(&w, &seen, "creating a buffer from an insecure context");
        tu_handshake_ok(c);
        tu_assert_peer_cert(c->client, "other-example.org.der");
        tu_conn_free(c);
    }
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* Verification off also skips the hostname: a certificate for another name is accepted. */
START_TEST(test_no_verification_accepts_wrong_host)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    struct tu_conn *c = tu_conn_take(insecure_client(&w, 0), "not-this-one.test",
                                     tu_server_context("expired.test"));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "expired.test.der");
    tu_conn_free(c);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* Hostname check off: a trusted certificate for another name is accepted... */
START_TEST(test_no_hostname_check_accepts_other_name)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    unitls_client_context *cctx = insecure_client(&w, 1);
    int seen = w.n;
    struct tu_conn *c = tu_conn_take(cctx, "not-example.org", tu_server_context("example.org"));
    expect_warned(&w, &seen, "creating a buffer without hostname check");
    tu_handshake_ok(c);
    tu_conn_free(c);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* ...but the chain is still verified: an unknown CA is refused. */
START_TEST(test_no_hostname_check_still_verifies_chain)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    struct tu_conn *c = tu_conn_take(insecure_client(&w, 1), "example.org",
                                     tu_server_context("other-example.org"));
    tu_handshake(c);
    tu_assert_status(c->client_status, UNITLS_ERR_CERTIFICATE, "client handshake",
                     unitls_buffer_last_error(c->client)->message);
    tu_conn_free(c);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* A secure client and server raise no warning at any step. */
START_TEST(test_secure_configuration_never_warns)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context("example.org"));
    tu_handshake_ok(c);
    tu_conn_free(c);
    ck_assert_msg(w.n == 0, "%d warnings from a secure setup, last: %s", w.n, w.last);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* --- the server side --- */

/* A server for example.org whose client auth is mode (trusting client-ca.pem), with client
 * verification disabled when disabled is set. */
static unitls_server_config_builder *mtls_builder(enum unitls_client_auth mode, int disabled)
{
    const char *name = "example.org";
    unitls_server_config_builder *b = tu_server_builder(&name, 1);
    unitls_trust_store *t = tu_trust_store("client-ca.pem");
    unitls_server_config_builder_set_trust_store(b, t);
    unitls_trust_store_unref(t);
    tu_assert_status(unitls_server_config_builder_set_client_auth(b, mode), UNITLS_OK,
                     "set_client_auth", "");
    if (disabled)
        tu_assert_status(unitls_insecure_server_config_builder_disable_client_verification(b),
                         UNITLS_OK, "disable_client_verification", "");
    return b;
}

static unitls_client_context *client_with_chain(const char *chain_name)
{
    unitls_client_config_builder *b = tu_client_builder();
    if (chain_name) {
        unitls_signing_chain *chain = tu_chain(chain_name);
        unitls_client_config_builder_set_certificate_chain(b, chain);
        unitls_signing_chain_unref(chain);
    }
    return tu_client_context_from(b);
}

static int is_failure(unitls_status st)
{
    return st != UNITLS_OK && st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE;
}

/* Client verification off: a client certificate from a CA the server does not trust is
 * accepted and reported; the verifying server refuses the same client. _i: required (0) or
 * optional (1) client auth. */
START_TEST(test_server_without_client_verification_accepts_untrusted)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    enum unitls_client_auth mode =
        _i == 0 ? UNITLS_CLIENT_AUTH_REQUIRED : UNITLS_CLIENT_AUTH_OPTIONAL;
    struct tu_conn *c = tu_conn_take(client_with_chain("other-example.org"), "example.org",
                                     tu_server_context_from(mtls_builder(mode, 1)));
    tu_handshake_ok(c);
    tu_settle(c);
    tu_assert_peer_cert(c->server, "other-example.org.der");
    tu_conn_free(c);

    c = tu_conn_take(client_with_chain("other-example.org"), "example.org",
                     tu_server_context_from(mtls_builder(mode, 0)));
    tu_handshake(c);
    unitls_status client_st = c->client_status;
    if (client_st == UNITLS_OK) { /* TLS 1.3: the client finishes first, then reads the alert */
        uint8_t byte;
        size_t n = 0;
        client_st = unitls_buffer_read(c->client, &byte, sizeof byte, &n);
    }
    ck_assert_msg(is_failure(c->server_status) && is_failure(client_st),
                  "the verifying server accepted an untrusted client: server %s, client %s",
                  unitls_status_name(c->server_status), unitls_status_name(client_st));
    tu_conn_free(c);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* ...but it still asks for a certificate: required client auth refuses a client that sends
 * none. */
START_TEST(test_server_without_client_verification_still_requires_one)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    struct tu_conn *c = tu_conn_take(
        client_with_chain(NULL), "example.org",
        tu_server_context_from(mtls_builder(UNITLS_CLIENT_AUTH_REQUIRED, 1)));
    tu_handshake(c);
    ck_assert_msg(is_failure(c->server_status),
                  "server accepted a client without certificate: %s",
                  unitls_status_name(c->server_status));
    tu_conn_free(c);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* Exactly one warning per step of an insecure server: the switch, each build, each context
 * (a derived one too), each connection; references and frees raise none. */
START_TEST(test_insecure_server_warns_every_step)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    unitls_server_config_builder *b = mtls_builder(UNITLS_CLIENT_AUTH_OPTIONAL, 1);
    ck_assert_int_eq(w.n, 1);
    unitls_error err;
    unitls_server_config *c1 = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c1 != NULL, "build: %s", err.message);
    ck_assert_int_eq(w.n, 2);
    unitls_server_config *c2 = unitls_server_config_builder_build(b, &err);
    ck_assert_int_eq(w.n, 3);
    ck_assert_msg(strstr(w.last, "client certificates") != NULL, "says why: %s", w.last);
    ck_assert_int_eq(unitls_server_config_is_insecure(c1), 1);
    ck_assert_int_eq(unitls_server_config_client_verification_disabled(c1), 1);
    ck_assert(unitls_server_config_equal(c1, c2));
    unitls_server_context *ctx = unitls_server_context_new(tu_server_impl(), c1, &err);
    ck_assert_msg(ctx != NULL, "context: %s", err.message);
    ck_assert_int_eq(w.n, 4);
    ck_assert_msg(strstr(w.last, "server context") != NULL, "says what: %s", w.last);
    unitls_server_context *derived =
        unitls_server_context_new_derived(tu_server_impl(), c2, ctx, &err);
    ck_assert_msg(derived != NULL, "derived context: %s", err.message);
    ck_assert_int_eq(w.n, 5);
    unitls_buffer *buffers[3];
    for (int i = 0; i < 3; i++) {
        buffers[i] = unitls_server_context_create_buffer(i == 2 ? derived : ctx, &err);
        ck_assert_msg(buffers[i] != NULL, "buffer: %s", err.message);
        ck_assert_int_eq(w.n, 6 + i);
        ck_assert_msg(strstr(w.last, "connection") != NULL, "says what: %s", w.last);
    }
    unitls_server_config_ref(c1);
    unitls_server_config_unref(c1);
    for (int i = 0; i < 3; i++)
        unitls_buffer_free(buffers[i]);
    unitls_server_context_unref(derived);
    unitls_server_context_unref(ctx);
    unitls_server_config_unref(c1);
    unitls_server_config_unref(c2);

    /* the same builder without the switch is another, secure configuration */
    unitls_server_config_builder *secure = mtls_builder(UNITLS_CLIENT_AUTH_OPTIONAL, 0);
    unitls_server_config *s1 = unitls_server_config_builder_build(secure, &err);
    unitls_server_config *i1 = unitls_server_config_builder_build(b, &err);
    ck_assert_int_eq(unitls_server_config_is_insecure(s1), 0);
    ck_assert(!unitls_server_config_equal(s1, i1));
    unitls_server_config_unref(s1);
    unitls_server_config_unref(i1);
    unitls_server_config_builder_free(secure);
    unitls_server_config_builder_free(b);
    ck_assert_int_eq(w.n_not_security, 0);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* An insecure configuration that turns nothing off still warns at every step, counts as
 * insecure, and differs from its secure twin; it behaves securely. _i: 0 an insecure client
 * builder, 1 an insecure server builder, 2 client verification disabled on a server without
 * client auth. */
START_TEST(test_insecure_turning_nothing_off_still_warns)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    unitls_error err;
    if (_i == 0) {
        unitls_client_config_builder *b = unitls_insecure_client_config_builder_new();
        ck_assert_int_eq(w.n, 1);
        unitls_trust_store *t = tu_trust_store("ca.pem");
        unitls_client_config_builder_set_trust_store(b, t);
        unitls_trust_store_unref(t);
        unitls_client_config *cfg = unitls_client_config_builder_build(b, &err);
        ck_assert_msg(cfg != NULL, "build: %s", err.message);
        ck_assert_int_eq(w.n, 2);
        ck_assert_int_eq(unitls_client_config_is_insecure(cfg), 1);
        ck_assert_int_eq(unitls_client_config_verification_disabled(cfg), 0);
        unitls_client_config_builder *twin_b = tu_client_builder();
        unitls_client_config *twin = unitls_client_config_builder_build(twin_b, &err);
        ck_assert(!unitls_client_config_equal(cfg, twin));
        unitls_client_config_unref(twin);
        unitls_client_config_builder_free(twin_b);
        unitls_client_context *ctx = unitls_client_context_new(tu_client_impl(), cfg, &err);
        unitls_client_config_unref(cfg);
        unitls_client_config_builder_free(b);
        ck_assert_int_eq(w.n, 3);
        /* nothing is off: an unknown CA is still refused, and the connection warned */
        struct tu_conn *c =
            tu_conn_take(ctx, "example.org", tu_server_context("other-example.org"));
        ck_assert_int_eq(w.n, 4);
        tu_handshake(c);
        tu_assert_status(c->client_status, UNITLS_ERR_CERTIFICATE, "client handshake",
                         unitls_buffer_last_error(c->client)->message);
        tu_conn_free(c);
    } else {
        const char *name = "example.org";
        unitls_server_config_builder *b;
        if (_i == 1) {
            b = unitls_insecure_server_config_builder_new();
            unitls_signing_chain *chain = tu_chain(name);
            unitls_server_config_builder_add_certificate_chain(b, chain);
            unitls_signing_chain_unref(chain);
        } else {
            b = tu_server_builder(&name, 1);
            unitls_insecure_server_config_builder_disable_client_verification(b);
        }
        ck_assert_int_eq(w.n, 1);
        unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
        ck_assert_msg(cfg != NULL, "build: %s", err.message);
        ck_assert_int_eq(w.n, 2);
        ck_assert_int_eq(unitls_server_config_is_insecure(cfg), 1);
        unitls_server_config_builder *twin_b = tu_server_builder(&name, 1);
        unitls_server_config *twin = unitls_server_config_builder_build(twin_b, &err);
        ck_assert(!unitls_server_config_equal(cfg, twin));
        ck_assert_int_eq(unitls_server_config_is_insecure(twin), 0);
        unitls_server_config_unref(twin);
        unitls_server_config_builder_free(twin_b);
        unitls_server_context *ctx = unitls_server_context_new(tu_server_impl(), cfg, &err);
        ck_assert_msg(ctx != NULL, "context: %s", err.message);
        unitls_server_config_unref(cfg);
        unitls_server_config_builder_free(b);
        ck_assert_int_eq(w.n, 3);
        /* the server asks for no certificate: a client holding one sends none */
        struct tu_conn *c = tu_conn_take(client_with_chain("client"), "example.org", ctx);
        ck_assert_int_eq(w.n, 4);
        tu_handshake_ok(c);
        tu_settle(c);
        const uint8_t *der = NULL;
        size_t len = 0;
        tu_assert_status(unitls_buffer_getpeercert(c->server, &der, &len), UNITLS_ERR_INVALID,
                         "server getpeercert without client auth", "");
        tu_conn_free(c);
    }
    ck_assert_int_eq(w.n_not_security, 0);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* A client CRL would never be consulted without client verification: refused at build. */
START_TEST(test_crl_with_disabled_client_verification_refused)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    unitls_server_config_builder *b = mtls_builder(UNITLS_CLIENT_AUTH_REQUIRED, 1);
    char path[TU_PATH_MAX];
    tu_cert_path(path, "client-ca.crl.pem");
    unitls_error err;
    unitls_crl *crl = unitls_crl_from_file(path, &err);
    ck_assert_msg(crl != NULL, "crl: %s", err.message);
    unitls_server_config_builder_set_client_crl(b, crl);
    unitls_crl_unref(crl);
    ck_assert_ptr_null(unitls_server_config_builder_build(b, &err));
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "build", err.message);
    ck_assert_msg(strstr(err.message, "CRL") && strstr(err.message, "verification"),
                  "the message names both: %s", err.message);
    unitls_server_config_builder_free(b);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

struct accept_run {
    unitls_socket *listener;
    unitls_socket *conn;
    unitls_error err;
};

static void *accept_one(void *arg)
{
    struct accept_run *a = arg;
    a->conn = unitls_socket_accept(a->listener, NULL, &a->err);
    return NULL;
}

/* Sockets are connections too: with an insecure client and an insecure server (both turning
 * nothing off), connect and accept raise one warning each, and listening none. */
START_TEST(test_socket_connections_warn)
{
    struct warning_count w = {0, 0, ""};
    unitls_set_warning_handler(count_warning, &w);
    const char *name = "localhost";
    unitls_server_config_builder *sb = unitls_insecure_server_config_builder_new();
    unitls_signing_chain *chain = tu_chain(name);
    unitls_server_config_builder_add_certificate_chain(sb, chain);
    unitls_signing_chain_unref(chain);
    unitls_server_context *sctx = tu_server_context_from(sb);
    unitls_client_config_builder *cb = unitls_insecure_client_config_builder_new();
    unitls_trust_store *t = tu_trust_store("ca.pem");
    unitls_client_config_builder_set_trust_store(cb, t);
    unitls_trust_store_unref(t);
    unitls_client_context *cctx = tu_client_context_from(cb);
    int before = w.n;
    unitls_error err;
    unitls_socket *l = unitls_server_context_listen(sctx, "127.0.0.1", 0, 4, &err);
    ck_assert_msg(l != NULL, "listen: %s", err.message);
    ck_assert_int_eq(w.n, before);
    unitls_address a;
    unitls_socket_getsockname(l, &a);
    struct accept_run run = {l, NULL, {0}};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, accept_one, &run), 0);
    unitls_socket *s = unitls_client_context_connect(cctx, "127.0.0.1", a.port, &err);
    pthread_join(thread, NULL);
    ck_assert_msg(s != NULL, "connect: %s", err.message);
    ck_assert_msg(run.conn != NULL, "accept: %s", run.err.message);
    ck_assert_int_eq(w.n - before, 2);
    unitls_socket_close(s, 1, NULL);
    unitls_socket_free(s);
    unitls_socket_free(run.conn);
    unitls_socket_free(l);
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

static Suite *insecure_suite(void)
{
    Suite *s = suite_create("tls_insecure");
    TCase *tc = tcase_create("insecure");
    tcase_add_test(tc, test_no_verification_connects_to_unknown_ca);
    tcase_add_test(tc, test_no_verification_accepts_wrong_host);
    tcase_add_test(tc, test_no_hostname_check_accepts_other_name);
    tcase_add_test(tc, test_no_hostname_check_still_verifies_chain);
    tcase_add_test(tc, test_secure_configuration_never_warns);
    tcase_add_loop_test(tc, test_server_without_client_verification_accepts_untrusted, 0, 2);
    tcase_add_test(tc, test_server_without_client_verification_still_requires_one);
    tcase_add_test(tc, test_insecure_server_warns_every_step);
    tcase_add_loop_test(tc, test_insecure_turning_nothing_off_still_warns, 0, 3);
    tcase_add_test(tc, test_crl_with_disabled_client_verification_refused);
    tcase_add_test(tc, test_socket_connections_warn);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(insecure_suite());
}
