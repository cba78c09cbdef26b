/* Explained handshake failures (unitls_buffer_handshake_failure): in memory, client against
 * server, each failure provoked on purpose and read on both sides where the side learns it:
 * no TLS version in common, no cipher suite in common, a client certificate from a CA the
 * server does not trust, no client certificate where one is required, plaintext HTTP to a
 * server, EOF right after our ClientHello; a good
 * handshake reports NONE. The version case also runs with every other built implementation on
 * the client side. No key-exchange group case: groups are not configurable (the GROUP reason
 * comes from the implementations' own errors only). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define V12 UNITLS_TLSv1_2
#define V13 UNITLS_TLSv1_3
#define FACTS 640

static int is_failure(unitls_status st)
{
    return st != UNITLS_OK && st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE;
}

/* Fails unless b's handshake failed for want, with facts holding every needle (NULL-ended). */
static void assert_failure(unitls_buffer *b, enum unitls_handshake_failure want, const char *side,
                           const char *const *needles)
{
    char facts[FACTS];
    enum unitls_handshake_failure got = unitls_buffer_handshake_failure(b, facts, sizeof facts);
    const char *message = unitls_buffer_last_error(b)->message;
    ck_assert_msg(got == want, "%s: expected %s, got %s (facts \"%s\", message \"%s\")", side,
                  unitls_handshake_failure_name(want), unitls_handshake_failure_name(got), facts,
                  message);
    for (size_t i = 0; needles && needles[i]; i++)
        ck_assert_msg(strstr(facts, needles[i]) != NULL, "%s: facts \"%s\" lack \"%s\"", side,
                      facts, needles[i]);
    if (want != UNITLS_HANDSHAKE_FAILURE_OTHER)
        ck_assert_msg(strncmp(message, unitls_handshake_failure_name(want),
                              strlen(unitls_handshake_failure_name(want))) == 0,
                      "%s: the message \"%s\" does not start with the reason", side, message);
}

static struct tu_conn *conn_versions(enum unitls_tls_version c_lo, enum unitls_tls_version c_hi,
                                     enum unitls_tls_version s_lo, enum unitls_tls_version s_hi)
{
    const char *name = "example.org";
    unitls_client_config_builder *cb = tu_client_builder();
    tu_client_versions(cb, c_lo, c_hi);
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    tu_server_versions(sb, s_lo, s_hi);
    return tu_conn_take(tu_client_context_from(cb), name, tu_server_context_from(sb));
}

static void version_case(void)
{
    struct tu_conn *c = conn_versions(V13, V13, V12, V12);
    ck_assert(tu_handshake(c) != UNITLS_OK);
    ck_assert(is_failure(c->server_status));
    ck_assert(is_failure(c->client_status));
    const char *server_facts[] = {"offered=TLSv1.3", "allowed=TLSv1.2", "sni=example.org", NULL};
    assert_failure(c->server, UNITLS_HANDSHAKE_FAILURE_VERSION, "server", server_facts);
    /* An OpenSSL server answers protocol_version; a GnuTLS one handshake_failure, which a
     * client cannot tell from a suite mismatch. */
    const char *server_impl = unitls_implementation_name(
        unitls_server_context_implementation(unitls_buffer_server_context(c->server)));
    if (strcmp(server_impl, "gnutls") == 0) {
        const char *client_facts[] = {"alert=handshake_failure", NULL};
        assert_failure(c->client, UNITLS_HANDSHAKE_FAILURE_CIPHER, "client", client_facts);
    } else {
        const char *client_facts[] = {"alert=protocol_version", "allowed=TLSv1.3", NULL};
        assert_failure(c->client, UNITLS_HANDSHAKE_FAILURE_VERSION, "client", client_facts);
    }
    tu_conn_free(c);
}

START_TEST(test_no_common_version)
{
    version_case();
}
END_TEST

/* The same with each other built implementation as the client. */
START_TEST(test_no_common_version_cross)
{
    const unitls_implementation *impl;
    for (size_t i = 0; (impl = unitls_implementation_at(i)) != NULL; i++) {
        if (impl == tu_impl())
            continue;
        setenv("UNITLS_TEST_CLIENT_IMPL", unitls_implementation_name(impl), 1);
        version_case();
    }
    unsetenv("UNITLS_TEST_CLIENT_IMPL");
}
END_TEST

static void set_client_ciphers(unitls_client_config_builder *b, const uint16_t *ids, size_t n)
{
    tu_assert_status(unitls_client_config_builder_set_ciphers(b, ids, n), UNITLS_OK,
                     "client set_ciphers", "");
}

static void set_server_ciphers(unitls_server_config_builder *b, const uint16_t *ids, size_t n)
{
    tu_assert_status(unitls_server_config_builder_set_ciphers(b, ids, n), UNITLS_OK,
                     "server set_ciphers", "");
}

/* TLS 1.2 on both sides, each with one suite the other lacks. */
START_TEST(test_no_common_suite)
{
    const char *name = "example.org";
    const uint16_t client_suite = UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    const uint16_t server_suite = UNITLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
    unitls_client_config_builder *cb = tu_client_builder();
    set_client_ciphers(cb, &client_suite, 1);
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    set_server_ciphers(sb, &server_suite, 1);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(cb), name, tu_server_context_from(sb));
    ck_assert(tu_handshake(c) != UNITLS_OK);
    const char *server_facts[] = {"offered=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                                  "allowed=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", NULL};
    assert_failure(c->server, UNITLS_HANDSHAKE_FAILURE_CIPHER, "server", server_facts);
    const char *client_facts[] = {"offered=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", NULL};
    assert_failure(c->client, UNITLS_HANDSHAKE_FAILURE_CIPHER, "client", client_facts);
    tu_conn_free(c);
}
END_TEST

/* A client limited to TLS 1.2 says it offered the TLS 1.2 suites of its list only: its TLS 1.3
 * suites never left it. */
START_TEST(test_client_offer_follows_its_versions)
{
    const char *name = "example.org";
    const uint16_t client_suites[] = {UNITLS_TLS_AES_128_GCM_SHA256,
                                      UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256};
    const uint16_t server_suite = UNITLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384;
    unitls_client_config_builder *cb = tu_client_builder();
    set_client_ciphers(cb, client_suites, 2);
    tu_client_versions(cb, V12, V12);
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    set_server_ciphers(sb, &server_suite, 1);
    tu_server_versions(sb, V12, V12);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(cb), name, tu_server_context_from(sb));
    ck_assert(tu_handshake(c) != UNITLS_OK);
    const char *client_facts[] = {"offered=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", NULL};
    assert_failure(c->client, UNITLS_HANDSHAKE_FAILURE_CIPHER, "client", client_facts);
    char facts[FACTS];
    unitls_buffer_handshake_failure(c->client, facts, sizeof facts);
    ck_assert_msg(strstr(facts, "TLS_AES_128_GCM_SHA256") == NULL,
                  "client facts \"%s\" list a TLS 1.3 suite it did not offer", facts);
    tu_conn_free(c);
}
END_TEST

/* TLS 1.2-only suites on the client, TLS 1.3-only suites on the server. */
START_TEST(test_no_common_suite_across_versions)
{
    const char *name = "example.org";
    const uint16_t client_suite = UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    const uint16_t server_suite = UNITLS_TLS_AES_128_GCM_SHA256;
    unitls_client_config_builder *cb = tu_client_builder();
    set_client_ciphers(cb, &client_suite, 1);
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    set_server_ciphers(sb, &server_suite, 1);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(cb), name, tu_server_context_from(sb));
    ck_assert(tu_handshake(c) != UNITLS_OK);
    const char *server_facts[] = {"allowed=TLS_AES_128_GCM_SHA256", NULL};
    assert_failure(c->server, UNITLS_HANDSHAKE_FAILURE_CIPHER, "server", server_facts);
    ck_assert(unitls_buffer_handshake_failure(c->client, NULL, 0) !=
              UNITLS_HANDSHAKE_FAILURE_NONE);
    tu_conn_free(c);
}
END_TEST

static struct tu_conn *mtls_conn_with(enum unitls_tls_version highest, const char *client_chain)
{
    const char *name = "example.org";
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    unitls_trust_store *t = tu_trust_store("client-ca.pem");
    tu_assert_status(unitls_server_config_builder_set_trust_store(sb, t), UNITLS_OK,
                     "server set_trust_store", "client-ca.pem");
    unitls_trust_store_unref(t);
    tu_assert_status(unitls_server_config_builder_set_client_auth(sb, UNITLS_CLIENT_AUTH_REQUIRED),
                     UNITLS_OK, "set_client_auth", "");
    unitls_client_config_builder *cb = tu_client_builder();
    if (client_chain) {
        unitls_signing_chain *s = tu_chain(client_chain);
        tu_assert_status(unitls_client_config_builder_set_certificate_chain(cb, s), UNITLS_OK,
                         "set_certificate_chain", client_chain);
        unitls_signing_chain_unref(s);
    }
    tu_client_versions(cb, UNITLS_TLS_VERSION_UNSET, highest);
    return tu_conn_take(tu_client_context_from(cb), name, tu_server_context_from(sb));
}

static struct tu_conn *mtls_conn(enum unitls_tls_version highest)
{
    return mtls_conn_with(highest, "other-example.org");
}

/* Until the server's verdict arrives: in TLS 1.3 the client finishes its handshake first and
 * reads the refusal afterwards. */
static void settle_refusal(struct tu_conn *c)
{
    uint8_t byte;
    size_t n = 0;
    for (int i = 0; i < 8 && !is_failure(c->server_status); i++) {
        c->client_status = unitls_buffer_read(c->client, &byte, 1, &n);
        tu_conn_move(c);
        c->server_status = unitls_buffer_do_handshake(c->server);
    }
    for (int i = 0; i < 8 && !is_failure(c->client_status); i++) {
        c->client_status = unitls_buffer_read(c->client, &byte, 1, &n);
        tu_conn_move(c);
    }
}

/* A client without a certificate against a server that requires one: both sides say
 * certificate, the client that it has none. */
START_TEST(test_client_certificate_missing)
{
    enum unitls_tls_version highest = _i == 0 ? V13 : V12;
    struct tu_conn *c = mtls_conn_with(highest, NULL);
    tu_handshake(c);
    settle_refusal(c);
    assert_failure(c->server, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE, "server", NULL);
    if (highest == V12) { /* in TLS 1.3 the refusal comes after the client's handshake */
        const char *client_facts[] = {"alert=handshake_failure", "client_certificate=none",
                                      NULL};
        assert_failure(c->client, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE, "client", client_facts);
    }
    tu_conn_free(c);
}
END_TEST

/* The server names the check, the refused certificate's subject and its issuer. In TLS 1.2
 * the client learns it during its handshake, from the server's alert. */
START_TEST(test_client_certificate_unknown_ca)
{
    enum unitls_tls_version highest = _i == 0 ? V13 : V12;
    struct tu_conn *c = mtls_conn(highest);
    tu_handshake(c);
    if (highest == V13) { /* the client finishes first and reads the refusal afterwards */
        uint8_t byte;
        size_t n = 0;
        for (int i = 0; i < 8 && !is_failure(c->server_status); i++) {
            unitls_buffer_read(c->client, &byte, 1, &n);
            tu_conn_move(c);
            c->server_status = unitls_buffer_do_handshake(c->server);
        }
    }
    const char *facts[] = {"check=\"unknown CA\"", "subject=", "CN=example.org", "issuer=",
                           "CN=unitls test other CA", NULL};
    assert_failure(c->server, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE, "server", facts);
    if (highest == V12) {
        const char *client_facts[] = {"alert=", NULL};
        assert_failure(c->client, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE, "client", client_facts);
    }
    tu_conn_free(c);
}
END_TEST

START_TEST(test_plaintext_http_to_server)
{
    static const char request[] = "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n";
    unitls_server_context *sctx = tu_server_context("example.org");
    unitls_buffer *b = unitls_server_context_create_buffer(sctx, NULL);
    ck_assert(b != NULL);
    ck_assert(unitls_buffer_handshake_failure(b, NULL, 0) == UNITLS_HANDSHAKE_FAILURE_NONE);
    tu_assert_status(unitls_buffer_process_incoming(b, request, sizeof request - 1), UNITLS_OK,
                     "process_incoming", "");
    ck_assert(is_failure(unitls_buffer_do_handshake(b)));
    const char *facts[] = {"first_bytes=\"GET / HTTP/1.1\"", NULL};
    assert_failure(b, UNITLS_HANDSHAKE_FAILURE_NOT_TLS, "server", facts);
    ck_assert_msg(strstr(unitls_buffer_last_error(b)->message, "HTTP") != NULL, "%s",
                  unitls_buffer_last_error(b)->message);
    unitls_buffer_free(b);
    unitls_server_context_unref(sctx);
}
END_TEST

START_TEST(test_eof_after_client_hello)
{
    unitls_client_context *cctx = tu_client_context();
    unitls_buffer *b = unitls_client_context_create_buffer(cctx, "example.org", NULL);
    ck_assert(b != NULL);
    tu_assert_status(unitls_buffer_do_handshake(b), UNITLS_WANT_READ, "first flight",
                     unitls_buffer_last_error(b)->message);
    uint8_t hello[4096];
    ck_assert(unitls_buffer_process_outgoing(b, hello, sizeof hello) > 0);
    unitls_buffer_process_incoming_eof(b);
    ck_assert(is_failure(unitls_buffer_do_handshake(b)));
    const char *facts[] = {"offered=TLSv1.2-TLSv1.3", "sni=example.org", NULL};
    assert_failure(b, UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED, "client", facts);
    ck_assert_msg(strstr(unitls_buffer_last_error(b)->message, "right after our ClientHello"),
                  "%s", unitls_buffer_last_error(b)->message);
    unitls_buffer_free(b);
    unitls_client_context_unref(cctx);
}
END_TEST

START_TEST(test_success_reports_none)
{
    struct tu_conn *c = conn_versions(UNITLS_TLS_VERSION_UNSET, UNITLS_TLS_VERSION_UNSET,
                                      UNITLS_TLS_VERSION_UNSET, UNITLS_TLS_VERSION_UNSET);
    tu_handshake_ok(c);
    char facts[FACTS] = "x";
    ck_assert(unitls_buffer_handshake_failure(c->client, facts, sizeof facts) ==
              UNITLS_HANDSHAKE_FAILURE_NONE);
    ck_assert_str_eq(facts, "");
    strcpy(facts, "x");
    ck_assert(unitls_buffer_handshake_failure(c->server, facts, sizeof facts) ==
              UNITLS_HANDSHAKE_FAILURE_NONE);
    ck_assert_str_eq(facts, "");
    tu_conn_free(c);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(unitls_handshake_failure_name(UNITLS_HANDSHAKE_FAILURE_NONE), "none");
    ck_assert_str_eq(unitls_handshake_failure_name(UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED),
                     "peer_closed");
    ck_assert_str_eq(unitls_handshake_failure_name(UNITLS_HANDSHAKE_FAILURE_OTHER), "other");
    ck_assert_ptr_null(unitls_handshake_failure_name((enum unitls_handshake_failure)99));
    ck_assert(unitls_buffer_handshake_failure(NULL, NULL, 0) == UNITLS_HANDSHAKE_FAILURE_NONE);
}
END_TEST

static Suite *explain_suite(void)
{
    Suite *s = suite_create("tls_explain");
    TCase *tc = tcase_create("explain");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_no_common_version);
    tcase_add_test(tc, test_no_common_version_cross);
    tcase_add_test(tc, test_no_common_suite);
    tcase_add_test(tc, test_client_offer_follows_its_versions);
    tcase_add_test(tc, test_no_common_suite_across_versions);
    tcase_add_loop_test(tc, test_client_certificate_unknown_ca, 0, 2);
    tcase_add_loop_test(tc, test_client_certificate_missing, 0, 2);
    tcase_add_test(tc, test_plaintext_http_to_server);
    tcase_add_test(tc, test_eof_after_client_hello);
    tcase_add_test(tc, test_success_reports_none);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(explain_suite());
}
