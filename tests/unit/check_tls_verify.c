/* Peer verification: a client refuses a server certificate from an unknown CA, for another
 * host, or expired, with UNITLS_ERR_CERTIFICATE; a server asking for client certificates
 * (optional or required) accepts, refuses and reports them as configured. */
#include <string.h>

#include "testutil.h"

static void assert_client_refuses(struct tu_conn *c)
{
    unitls_status st = tu_handshake(c);
    ck_assert_msg(st != UNITLS_OK, "handshake succeeded");
    const unitls_error *e = unitls_buffer_last_error(c->client);
    tu_assert_status(c->client_status, UNITLS_ERR_CERTIFICATE, "client handshake", e->message);
    ck_assert_msg(e->status == UNITLS_ERR_CERTIFICATE && e->message[0] != '\0',
                  "last_error: %s \"%s\"", unitls_status_name(e->status), e->message);
    ck_assert_int_eq(unitls_buffer_handshake_done(c->client), 0);
    /* The client's alert reaches the server, which fails too instead of waiting. */
    ck_assert_msg(c->server_status != UNITLS_OK && c->server_status != UNITLS_WANT_READ &&
                      unitls_status_is_tls_error(c->server_status),
                  "server after the client's alert: %s", unitls_status_name(c->server_status));
    /* A failed buffer keeps failing. */
    size_t n = 0;
    uint8_t byte;
    unitls_status again = unitls_buffer_read(c->client, &byte, 1, &n);
    ck_assert_msg(again != UNITLS_OK && again != UNITLS_WANT_READ,
                  "read after a failed handshake: %s", unitls_status_name(again));
}

/* A leaf for the right name, signed by a CA the client does not trust. */
START_TEST(test_unknown_ca_refused)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context("other-example.org"));
    assert_client_refuses(c);
    tu_conn_free(c);
}
END_TEST

/* A trusted leaf that does not name the host the client asked for. */
START_TEST(test_wrong_host_refused)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "wrong.example.com",
                                     tu_server_context("example.org"));
    assert_client_refuses(c);
    tu_conn_free(c);
}
END_TEST

/* A trusted leaf for the right name whose validity ended in 2020. */
START_TEST(test_expired_leaf_refused)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "expired.test",
                                     tu_server_context("expired.test"));
    assert_client_refuses(c);
    tu_conn_free(c);
}
END_TEST

/* The same refusals at TLS 1.2 (the certificate comes in a different flight). */
START_TEST(test_unknown_ca_refused_tls12)
{
    unitls_client_config_builder *b = tu_client_builder();
    tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, UNITLS_TLSv1_2);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(b), "example.org",
                                     tu_server_context("other-example.org"));
    assert_client_refuses(c);
    tu_conn_free(c);
}
END_TEST

/* A client created without a server name cannot pass the hostname check. */
START_TEST(test_no_server_name_refused)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), NULL, tu_server_context("example.org"));
    assert_client_refuses(c);
    tu_conn_free(c);
}
END_TEST

/* A trust store of several certificates (ca-chain.pem: intermediate and root) verifies too. */
START_TEST(test_trust_store_with_intermediate)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_trust_store *t = tu_trust_store("ca-chain.pem");
    tu_assert_status(unitls_client_config_builder_set_trust_store(b, t), UNITLS_OK,
                     "set_trust_store", "ca-chain.pem");
    unitls_trust_store_unref(t);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(b), "example.org",
                                     tu_server_context("example.org"));
    tu_handshake_ok(c);
    tu_conn_free(c);
}
END_TEST

/* --- client authentication --- */

static unitls_server_context *mtls_server(enum unitls_client_auth mode,
                                          enum unitls_tls_version highest)
{
    const char *name = "example.org";
    unitls_server_config_builder *b = tu_server_builder(&name, 1);
    unitls_trust_store *t = tu_trust_store("client-ca.pem");
    tu_assert_status(unitls_server_config_builder_set_trust_store(b, t), UNITLS_OK,
                     "server set_trust_store", "client-ca.pem");
    unitls_trust_store_unref(t);
    tu_assert_status(unitls_server_config_builder_set_client_auth(b, mode), UNITLS_OK,
                     "set_client_auth", "");
    tu_server_versions(b, UNITLS_TLS_VERSION_UNSET, highest);
    return tu_server_context_from(b);
}

static unitls_client_context *mtls_client(const char *chain_name)
{
    unitls_client_config_builder *b = tu_client_builder();
    if (chain_name) {
        unitls_signing_chain *s = tu_chain(chain_name);
        tu_assert_status(unitls_client_config_builder_set_certificate_chain(b, s), UNITLS_OK,
                         "set_certificate_chain", chain_name);
        unitls_signing_chain_unref(s);
    }
    return tu_client_context_from(b);
}

static int is_failure(unitls_status st)
{
    return st != UNITLS_OK && st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE;
}

/* The server refuses the handshake; the client either fails its own handshake or, in TLS 1.3
 * where it finishes first, reads the server's alert as a TLS error. */
static void assert_server_refuses_client(struct tu_conn *c)
{
    tu_handshake(c);
    ck_assert_msg(is_failure(c->server_status) && unitls_status_is_tls_error(c->server_status),
                  "server handshake: %s (%s)", unitls_status_name(c->server_status),
                  unitls_buffer_last_error(c->server)->message);
    unitls_status client_st = c->client_status;
    if (client_st == UNITLS_OK) {
        uint8_t byte;
        size_t n = 0;
        client_st = unitls_buffer_read(c->client, &byte, sizeof byte, &n);
    }
    ck_assert_msg(client_st == UNITLS_ERR_TLS || client_st == UNITLS_ERR_CERTIFICATE,
                  "client: expected a TLS error after the server's alert, got %s (%s)",
                  unitls_status_name(client_st), unitls_buffer_last_error(c->client)->message);
}

/* Required, no certificate sent: refused (TLS 1.3 and 1.2). */
START_TEST(test_required_without_certificate_fails)
{
    enum unitls_tls_version highest = _i == 0 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2;
    struct tu_conn *c = tu_conn_take(mtls_client(NULL), "example.org",
                                     mtls_server(UNITLS_CLIENT_AUTH_REQUIRED, highest));
    assert_server_refuses_client(c);
    tu_conn_free(c);
}
END_TEST

/* Required, a certificate from the client CA: accepted, and the server sees exactly it. */
START_TEST(test_required_with_certificate_succeeds)
{
    enum unitls_tls_version highest = _i == 0 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2;
    struct tu_conn *c = tu_conn_take(mtls_client("client"), "example.org",
                                     mtls_server(UNITLS_CLIENT_AUTH_REQUIRED, highest));
    tu_handshake_ok(c);
    tu_settle(c);
    tu_assert_peer_cert(c->server, "client.der");
    tu_assert_peer_cert(c->client, "example.org.der");
    tu_conn_free(c);
}
END_TEST

/* Optional, no certificate: accepted, and the server has no peer certificate. */
START_TEST(test_optional_without_certificate_succeeds)
{
    struct tu_conn *c = tu_conn_take(mtls_client(NULL), "example.org",
                                     mtls_server(UNITLS_CLIENT_AUTH_OPTIONAL, UNITLS_TLSv1_3));
    tu_handshake_ok(c);
    tu_settle(c);
    const uint8_t *der = NULL;
    size_t len = 0;
    unitls_status st = unitls_buffer_getpeercert(c->server, &der, &len);
    tu_assert_status(st, UNITLS_ERR_INVALID, "server getpeercert", "no client certificate");
    tu_conn_free(c);
}
END_TEST

/* Optional, with a certificate: it is verified and reported. */
START_TEST(test_optional_with_certificate_reported)
{
    struct tu_conn *c = tu_conn_take(mtls_client("client"), "example.org",
                                     mtls_server(UNITLS_CLIENT_AUTH_OPTIONAL, UNITLS_TLSv1_3));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->server, "client.der");
    tu_conn_free(c);
}
END_TEST

/* Optional still verifies what is sent: a certificate from an untrusted CA is refused. */
START_TEST(test_optional_with_untrusted_certificate_fails)
{
    struct tu_conn *c = tu_conn_take(mtls_client("other-example.org"), "example.org",
                                     mtls_server(UNITLS_CLIENT_AUTH_OPTIONAL, UNITLS_TLSv1_3));
    assert_server_refuses_client(c);
    tu_conn_free(c);
}
END_TEST

/* Without client authentication the server asks for nothing: even a client holding a
 * certificate sends none. */
START_TEST(test_no_client_auth_reports_no_certificate)
{
    struct tu_conn *c = tu_conn_take(mtls_client("client"), "example.org",
                                     tu_server_context("example.org"));
    tu_handshake_ok(c);
    const uint8_t *der = NULL;
    size_t len = 0;
    tu_assert_status(unitls_buffer_getpeercert(c->server, &der, &len), UNITLS_ERR_INVALID,
                     "server getpeercert", "client auth off");
    tu_conn_free(c);
}
END_TEST

static Suite *verify_suite(void)
{
    Suite *s = suite_create("tls_verify");
    TCase *tc = tcase_create("server_certificate");
    tcase_add_test(tc, test_unknown_ca_refused);
    tcase_add_test(tc, test_wrong_host_refused);
    tcase_add_test(tc, test_expired_leaf_refused);
    tcase_add_test(tc, test_unknown_ca_refused_tls12);
    tcase_add_test(tc, test_no_server_name_refused);
    tcase_add_test(tc, test_trust_store_with_intermediate);
    suite_add_tcase(s, tc);

    tc = tcase_create("client_certificate");
    tcase_add_loop_test(tc, test_required_without_certificate_fails, 0, 2);
    tcase_add_loop_test(tc, test_required_with_certificate_succeeds, 0, 2);
    tcase_add_test(tc, test_optional_without_certificate_succeeds);
    tcase_add_test(tc, test_optional_with_certificate_reported);
    tcase_add_test(tc, test_optional_with_untrusted_certificate_fails);
    tcase_add_test(tc, test_no_client_auth_reports_no_certificate);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(verify_suite());
}
