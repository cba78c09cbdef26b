/* The insecure module: a client with verification disabled connects where a verifying client
 * refuses, one with only the hostname check disabled still verifies the chain, and every
 * insecure configuration, context and connection created raises a SecurityWarning through
 * the installed handler (while secure ones raise none). */
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

static Suite *insecure_suite(void)
{
    Suite *s = suite_create("tls_insecure");
    TCase *tc = tcase_create("insecure");
    tcase_add_test(tc, test_no_verification_connects_to_unknown_ca);
    tcase_add_test(tc, test_no_verification_accepts_wrong_host);
    tcase_add_test(tc, test_no_hostname_check_accepts_other_name);
    tcase_add_test(tc, test_no_hostname_check_still_verifies_chain);
    tcase_add_test(tc, test_secure_configuration_never_warns);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(insecure_suite());
}
