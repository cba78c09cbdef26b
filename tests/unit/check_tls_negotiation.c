/* What client and server agree on: the TLS version within each side's caps (including the
 * MINIMUM_SUPPORTED / MAXIMUM_SUPPORTED markers), and the ALPN protocol by server preference. */
#include <string.h>

#include "testutil.h"

#define V_UNSET UNITLS_TLS_VERSION_UNSET
#define V_MIN UNITLS_TLS_VERSION_MINIMUM_SUPPORTED
#define V_MAX UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED
#define V12 UNITLS_TLSv1_2
#define V13 UNITLS_TLSv1_3

static struct tu_conn *conn_with_versions(enum unitls_tls_version client_lo,
                                          enum unitls_tls_version client_hi,
                                          enum unitls_tls_version server_lo,
                                          enum unitls_tls_version server_hi)
{
    const char *name = "example.org";
    unitls_client_config_builder *cb = tu_client_builder();
    tu_client_versions(cb, client_lo, client_hi);
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    tu_server_versions(sb, server_lo, server_hi);
    return tu_conn_take(tu_client_context_from(cb), name, tu_server_context_from(sb));
}

struct version_case {
    enum unitls_tls_version client_lo, client_hi, server_lo, server_hi, expected;
};

static const struct version_case version_cases[] = {
    {V_UNSET, V_UNSET, V_UNSET, V_UNSET, V13}, /* defaults: the highest both have */
    {V_UNSET, V12, V_UNSET, V_UNSET, V12},     /* client capped */
    {V_UNSET, V_UNSET, V_UNSET, V12, V12},     /* server capped */
    {V13, V13, V_UNSET, V_UNSET, V13},         /* client floor 1.3 */
    {V_UNSET, V_UNSET, V13, V_UNSET, V13},     /* server floor 1.3 */
    {V12, V12, V12, V13, V12},                 /* exactly 1.2 on the client */
    {V_MIN, V_MAX, V_UNSET, V_UNSET, V13},     /* the whole supported range */
    {V_MIN, V_MAX, V_UNSET, V12, V12},         /* ... meets a 1.2 cap */
    {V_UNSET, V_UNSET, V_MIN, V12, V12},       /* server MINIMUM_SUPPORTED floor, 1.2 cap */
    {V_MAX, V_MAX, V_UNSET, V_UNSET, V13},     /* MAXIMUM_SUPPORTED is 1.3 here */
    {V_UNSET, V_UNSET, V_MAX, V_MAX, V13},
};

/* Each pair of caps negotiates the highest version inside both ranges. */
START_TEST(test_caps_negotiate_expected_version)
{
    const struct version_case *vc = &version_cases[_i];
    struct tu_conn *c = conn_with_versions(vc->client_lo, vc->client_hi, vc->server_lo,
                                           vc->server_hi);
    tu_handshake_ok(c);
    enum unitls_tls_version cv = unitls_buffer_negotiated_tls_version(c->client);
    enum unitls_tls_version sv = unitls_buffer_negotiated_tls_version(c->server);
    ck_assert_msg(cv == vc->expected && sv == vc->expected,
                  "case %d: client [%s, %s], server [%s, %s]: client got %s, server %s, "
                  "expected %s",
                  _i, unitls_tls_version_name(vc->client_lo),
                  unitls_tls_version_name(vc->client_hi), unitls_tls_version_name(vc->server_lo),
                  unitls_tls_version_name(vc->server_hi), unitls_tls_version_name(cv),
                  unitls_tls_version_name(sv), unitls_tls_version_name(vc->expected));
    tu_conn_free(c);
}
END_TEST

/* Disjoint ranges fail on both sides with a TLS error (protocol_version), not a hang. */
START_TEST(test_disjoint_versions_fail)
{
    struct tu_conn *c = conn_with_versions(V13, V_UNSET, V_UNSET, V12);
    unitls_status st = tu_handshake(c);
    ck_assert_msg(st != UNITLS_OK, "handshake succeeded across disjoint version ranges");
    tu_assert_status(c->server_status, UNITLS_ERR_TLS, "server handshake",
                     unitls_buffer_last_error(c->server)->message);
    tu_assert_status(c->client_status, UNITLS_ERR_TLS, "client handshake",
                     unitls_buffer_last_error(c->client)->message);
    ck_assert_msg(unitls_buffer_last_error(c->client)->status == UNITLS_ERR_TLS &&
                      unitls_buffer_last_error(c->client)->message[0] != '\0',
                  "the client's last error does not record the failure");
    tu_conn_free(c);
}
END_TEST

/* The reverse: a server that insists on 1.3 refuses a client capped at 1.2. */
START_TEST(test_server_floor_above_client_cap_fails)
{
    struct tu_conn *c = conn_with_versions(V_UNSET, V12, V13, V_UNSET);
    tu_handshake(c);
    tu_assert_status(c->server_status, UNITLS_ERR_TLS, "server handshake",
                     unitls_buffer_last_error(c->server)->message);
    tu_assert_status(c->client_status, UNITLS_ERR_TLS, "client handshake",
                     unitls_buffer_last_error(c->client)->message);
    tu_conn_free(c);
}
END_TEST

static void add_client_protocols(unitls_client_config_builder *b, const char *const *names,
                                 size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unitls_status st = unitls_client_config_builder_add_inner_protocol(b, names[i],
                                                                            strlen(names[i]));
        tu_assert_status(st, UNITLS_OK, "client add_inner_protocol", names[i]);
    }
}

static struct tu_conn *conn_with_alpn(const char *const *client, size_t n_client,
                                      const char *const *server, size_t n_server)
{
    const char *name = "example.org";
    unitls_client_config_builder *cb = tu_client_builder();
    add_client_protocols(cb, client, n_client);
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    for (size_t i = 0; i < n_server; i++) {
        unitls_status st = unitls_server_config_builder_add_inner_protocol(sb, server[i],
                                                                            strlen(server[i]));
        tu_assert_status(st, UNITLS_OK, "server add_inner_protocol", server[i]);
    }
    return tu_conn_take(tu_client_context_from(cb), name, tu_server_context_from(sb));
}

static void assert_protocol(unitls_buffer *b, const char *side, const char *want)
{
    const uint8_t *p = NULL;
    size_t len = 0;
    unitls_status st = unitls_buffer_negotiated_protocol(b, &p, &len);
    if (!want) {
        ck_assert_msg(st == UNITLS_ERR_INVALID, "%s: expected no protocol, got %s (%.*s)", side,
                      unitls_status_name(st), st == UNITLS_OK ? (int)len : 0,
                      st == UNITLS_OK ? (const char *)p : "");
        return;
    }
    tu_assert_status(st, UNITLS_OK, side, "negotiated_protocol");
    ck_assert_msg(len == strlen(want) && memcmp(p, want, len) == 0,
                  "%s: negotiated \"%.*s\", expected \"%s\"", side, (int)len, (const char *)p,
                  want);
}

/* Both offer h2 and http/1.1 in opposite orders: the server's preference (h2) wins. */
START_TEST(test_alpn_server_preference_wins)
{
    static const char *const client[] = {"http/1.1", "h2"};
    static const char *const server[] = {"h2", "http/1.1"};
    struct tu_conn *c = conn_with_alpn(client, 2, server, 2);
    assert_protocol(c->client, "client before handshake", NULL);
    tu_handshake_ok(c);
    assert_protocol(c->client, "client", "h2");
    assert_protocol(c->server, "server", "h2");
    tu_conn_free(c);
}
END_TEST

/* The server's list order decides even when it puts http/1.1 first. */
START_TEST(test_alpn_server_preference_http1)
{
    static const char *const client[] = {"h2", "http/1.1"};
    static const char *const server[] = {"http/1.1", "h2"};
    struct tu_conn *c = conn_with_alpn(client, 2, server, 2);
    tu_handshake_ok(c);
    assert_protocol(c->client, "client", "http/1.1");
    assert_protocol(c->server, "server", "http/1.1");
    tu_conn_free(c);
}
END_TEST

/* No protocol in common: the handshake still succeeds and no protocol is reported. */
START_TEST(test_alpn_disagree_negotiates_none)
{
    static const char *const client[] = {"http/1.1"};
    static const char *const server[] = {"h2"};
    struct tu_conn *c = conn_with_alpn(client, 1, server, 1);
    tu_handshake_ok(c);
    assert_protocol(c->client, "client", NULL);
    assert_protocol(c->server, "server", NULL);
    tu_conn_free(c);
}
END_TEST

/* A server with no ALPN list ignores the client's offer. */
START_TEST(test_alpn_server_without_list)
{
    static const char *const client[] = {"h2"};
    struct tu_conn *c = conn_with_alpn(client, 1, NULL, 0);
    tu_handshake_ok(c);
    assert_protocol(c->client, "client", NULL);
    assert_protocol(c->server, "server", NULL);
    tu_conn_free(c);
}
END_TEST

/* ALPN is negotiated at TLS 1.2 too. */
START_TEST(test_alpn_tls12)
{
    static const char *const client[] = {"http/1.1", "h2"};
    static const char *const server[] = {"h2", "http/1.1"};
    const char *name = "example.org";
    unitls_client_config_builder *cb = tu_client_builder();
    add_client_protocols(cb, client, 2);
    tu_client_versions(cb, V_UNSET, V12);
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    for (size_t i = 0; i < 2; i++)
        tu_assert_status(unitls_server_config_builder_add_inner_protocol(sb, server[i],
                                                                         strlen(server[i])),
                         UNITLS_OK, "server add_inner_protocol", server[i]);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(cb), name,
                                     tu_server_context_from(sb));
    tu_handshake_ok(c);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(c->client), V12);
    assert_protocol(c->client, "client", "h2");
    assert_protocol(c->server, "server", "h2");
    tu_conn_free(c);
}
END_TEST

static Suite *negotiation_suite(void)
{
    Suite *s = suite_create("tls_negotiation");
    TCase *tc = tcase_create("versions");
    tcase_add_loop_test(tc, test_caps_negotiate_expected_version, 0,
                        (int)(sizeof version_cases / sizeof version_cases[0]));
    tcase_add_test(tc, test_disjoint_versions_fail);
    tcase_add_test(tc, test_server_floor_above_client_cap_fails);
    suite_add_tcase(s, tc);

    tc = tcase_create("alpn");
    tcase_add_test(tc, test_alpn_server_preference_wins);
    tcase_add_test(tc, test_alpn_server_preference_http1);
    tcase_add_test(tc, test_alpn_disagree_negotiates_none);
    tcase_add_test(tc, test_alpn_server_without_list);
    tcase_add_test(tc, test_alpn_tls12);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(negotiation_suite());
}
