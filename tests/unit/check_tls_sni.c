/* Signing chain selection on a server with several chains, with no callback from the caller:
 * exact name, then wildcard, then the first chain as default; and for one name with an ECDSA
 * and an RSA chain, the one the client can use. The server reports the name it saw; the
 * client's peer certificate is compared byte for byte with the expected leaf. */
#include <string.h>

#include "testutil.h"

/* default.test first: it is the default chain. */
static const char *const sni_chains[] = {"default.test", "example.org", "wildcard.example.net"};

static unitls_server_context *sni_server(void)
{
    return tu_server_context_from(tu_server_builder(sni_chains, 3));
}

/* A client that verifies the chain but not the name, to see which chain a name selects even
 * where the selected chain does not cover it. */
static unitls_client_context *client_without_hostname_check(void)
{
    unitls_client_config_builder *b = tu_client_builder();
    unitls_status st = unitls_insecure_client_config_builder_disable_hostname_check(b);
    tu_assert_status(st, UNITLS_OK, "disable_hostname_check", "");
    return tu_client_context_from(b);
}

static void quiet_warning(enum unitls_warning_category category, const char *message, void *arg)
{
    (void)category;
    (void)message;
    (void)arg;
}

static void assert_server_saw(const struct tu_conn *c, const char *name)
{
    const char *seen = unitls_buffer_server_name(c->server);
    ck_assert_msg(seen && strcmp(seen, name) == 0, "server saw SNI \"%s\", expected \"%s\"",
                  seen ? seen : "(none)", name);
    const char *asked = unitls_buffer_server_name(c->client);
    ck_assert_msg(asked && strcmp(asked, name) == 0, "client reports \"%s\", expected \"%s\"",
                  asked ? asked : "(none)", name);
}

struct sni_case {
    const char *host;
    const char *leaf_der;
};

/* Names a chain covers, verified normally: exact SAN names (first and second SAN), the default
 * chain's own name, and one-label wildcard matches. */
static const struct sni_case covered[] = {
    {"example.org", "example.org.der"},
    {"www.example.org", "example.org.der"},
    {"default.test", "default.test.der"},
    {"a.example.net", "wildcard.example.net.der"},
    {"www.example.net", "wildcard.example.net.der"},
};

START_TEST(test_sni_selects_covering_chain)
{
    const struct sni_case *sc = &covered[_i];
    struct tu_conn *c = tu_conn_take(tu_client_context(), sc->host, sni_server());
    tu_handshake_ok(c);
    assert_server_saw(c, sc->host);
    tu_assert_peer_cert(c->client, sc->leaf_der);
    tu_conn_free(c);
}
END_TEST

/* Names no chain covers get the first chain: a wildcard covers one label only, and the bare
 * parent of a wildcard is not covered either. */
static const char *const uncovered[] = {"unknown.test", "a.b.example.net", "example.net",
                                        "org"};

START_TEST(test_sni_uncovered_name_gets_default_chain)
{
    unitls_set_warning_handler(quiet_warning, NULL);
    const char *host = uncovered[_i];
    struct tu_conn *c = tu_conn_take(client_without_hostname_check(), host, sni_server());
    tu_handshake_ok(c);
    assert_server_saw(c, host);
    tu_assert_peer_cert(c->client, "default.test.der");
    tu_conn_free(c);
}
END_TEST

/* A verifying client refuses the default chain for a name it does not cover. */
START_TEST(test_sni_uncovered_name_refused_by_client)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "unknown.test", sni_server());
    tu_handshake(c);
    tu_assert_status(c->client_status, UNITLS_ERR_CERTIFICATE, "client handshake",
                     unitls_buffer_last_error(c->client)->message);
    ck_assert_msg(unitls_status_is_tls_error(c->server_status) &&
                      c->server_status != UNITLS_WANT_READ,
                  "server did not fail after the client's alert: %s",
                  unitls_status_name(c->server_status));
    const char *seen = unitls_buffer_server_name(c->server);
    ck_assert_msg(seen && strcmp(seen, "unknown.test") == 0, "server saw \"%s\"",
                  seen ? seen : "(none)");
    tu_conn_free(c);
}
END_TEST

/* A client that sends no SNI (hostname check off) gets the default chain; the server reports
 * no name. */
START_TEST(test_no_sni_gets_default_chain)
{
    unitls_set_warning_handler(quiet_warning, NULL);
    struct tu_conn *c = tu_conn_take(client_without_hostname_check(), NULL, sni_server());
    tu_handshake_ok(c);
    ck_assert_ptr_null(unitls_buffer_server_name(c->server));
    tu_assert_peer_cert(c->client, "default.test.der");
    tu_conn_free(c);
}
END_TEST

/* An exact name beats a wildcard listed before it; other names under the wildcard still get
 * the wildcard chain. */
START_TEST(test_exact_name_beats_wildcard)
{
    static const char *const chains[] = {"default.test", "wildcard.example.net",
                                         "www.example.net"};
    struct tu_conn *c = tu_conn_take(tu_client_context(), "www.example.net",
                                     tu_server_context_from(tu_server_builder(chains, 3)));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "www.example.net.der");
    tu_conn_free(c);

    c = tu_conn_take(tu_client_context(), "mail.example.net",
                     tu_server_context_from(tu_server_builder(chains, 3)));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "wildcard.example.net.der");
    tu_conn_free(c);
}
END_TEST

static unitls_client_context *tls12_client_with_suite(uint16_t suite)
{
    unitls_client_config_builder *b = tu_client_builder();
    unitls_status st = unitls_client_config_builder_set_ciphers(b, &suite, 1);
    tu_assert_status(st, UNITLS_OK, "set_ciphers", unitls_cipher_suite_name(suite));
    tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, UNITLS_TLSv1_2);
    return tu_client_context_from(b);
}

/* One name with an ECDSA chain (listed first) and an RSA chain: a client limited to an
 * ECDHE_RSA suite at TLS 1.2 gets the RSA leaf. */
START_TEST(test_rsa_only_client_gets_rsa_chain)
{
    static const char *const chains[] = {"example.org", "example.org-rsa"};
    uint16_t suite = UNITLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    struct tu_conn *c = tu_conn_take(tls12_client_with_suite(suite), "example.org",
                                     tu_server_context_from(tu_server_builder(chains, 2)));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "example.org-rsa.der");
    ck_assert_uint_eq(unitls_buffer_cipher(c->client), suite);
    tu_conn_free(c);
}
END_TEST

/* The mirror: with RSA listed first, an ECDSA-only TLS 1.2 client gets the ECDSA leaf. */
START_TEST(test_ecdsa_only_client_gets_ecdsa_chain)
{
    static const char *const chains[] = {"example.org-rsa", "example.org"};
    uint16_t suite = UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    struct tu_conn *c = tu_conn_take(tls12_client_with_suite(suite), "example.org",
                                     tu_server_context_from(tu_server_builder(chains, 2)));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "example.org.der");
    ck_assert_uint_eq(unitls_buffer_cipher(c->client), suite);
    tu_conn_free(c);
}
END_TEST

/* A default client (TLS 1.3, every signature scheme) gets the ECDSA leaf of the pair. */
START_TEST(test_default_client_gets_ecdsa_chain)
{
    static const char *const chains[] = {"example.org", "example.org-rsa"};
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context_from(tu_server_builder(chains, 2)));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "example.org.der");
    tu_conn_free(c);
}
END_TEST

/* Key type selection combines with SNI: among several names, the RSA-only client asking for
 * example.org still gets the RSA chain of that name, not another name's chain. */
START_TEST(test_key_type_choice_within_sni)
{
    static const char *const chains[] = {"default.test", "example.org", "wildcard.example.net",
                                         "example.org-rsa"};
    uint16_t suite = UNITLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
    struct tu_conn *c = tu_conn_take(tls12_client_with_suite(suite), "www.example.org",
                                     tu_server_context_from(tu_server_builder(chains, 4)));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "example.org-rsa.der");
    assert_server_saw(c, "www.example.org");
    tu_conn_free(c);
}
END_TEST

/* A context derived from a running one (a reload) serves its own configuration: a chain
 * dropped from it is gone, an added one is served, shared ones still work, and the old
 * context keeps serving its own set after the new one exists. */
START_TEST(test_derived_context_serves_new_chains)
{
    static const char *const before[] = {"default.test", "www.example.net"};
    static const char *const after[] = {"default.test", "wildcard.example.net", "example.org"};
    unitls_server_context *old = tu_server_context_from(tu_server_builder(before, 2));
    unitls_server_config_builder *b = tu_server_builder(after, 3);
    unitls_server_config *config = unitls_server_config_builder_build(b, NULL);
    unitls_server_config_builder_free(b);
    ck_assert_ptr_nonnull(config);
    unitls_error err;
    unitls_server_context *derived = unitls_server_context_new_derived(NULL, config, old, &err);
    ck_assert_msg(derived != NULL, "derived context: %s", err.message);
    unitls_server_config_unref(config);

    static const struct sni_case now[] = {{"www.example.net", "wildcard.example.net.der"},
                                          {"example.org", "example.org.der"},
                                          {"default.test", "default.test.der"}};
    for (size_t i = 0; i < sizeof now / sizeof now[0]; i++) {
        struct tu_conn *c = tu_conn_take(tu_client_context(), now[i].host,
                                         unitls_server_context_ref(derived));
        tu_handshake_ok(c);
        tu_assert_peer_cert(c->client, now[i].leaf_der);
        tu_conn_free(c);
    }
    struct tu_conn *c = tu_conn_take(tu_client_context(), "www.example.net",
                                     unitls_server_context_ref(old));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "www.example.net.der");
    tu_conn_free(c);
    unitls_server_context_unref(old);
    unitls_server_context_unref(derived);
}
END_TEST

static Suite *sni_suite(void)
{
    Suite *s = suite_create("tls_sni");
    TCase *tc = tcase_create("names");
    tcase_add_loop_test(tc, test_sni_selects_covering_chain, 0,
                        (int)(sizeof covered / sizeof covered[0]));
    tcase_add_loop_test(tc, test_sni_uncovered_name_gets_default_chain, 0,
                        (int)(sizeof uncovered / sizeof uncovered[0]));
    tcase_add_test(tc, test_sni_uncovered_name_refused_by_client);
    tcase_add_test(tc, test_no_sni_gets_default_chain);
    tcase_add_test(tc, test_exact_name_beats_wildcard);
    tcase_add_test(tc, test_derived_context_serves_new_chains);
    suite_add_tcase(s, tc);

    tc = tcase_create("key_types");
    tcase_add_test(tc, test_rsa_only_client_gets_rsa_chain);
    tcase_add_test(tc, test_ecdsa_only_client_gets_ecdsa_chain);
    tcase_add_test(tc, test_default_client_gets_ecdsa_chain);
    tcase_add_test(tc, test_key_type_choice_within_sni);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(sni_suite());
}
