/* Key-exchange groups and early data: client and server agree on a common group, disjoint
 * groups fail with the reason "group", the configured list is part of equality and hash, names
 * and aliases resolve (groups.h), and early data stays off: 0 by default, a non-zero amount
 * refused at validation. */
#include <string.h>

#include "testutil.h"

#define V13 UNITLS_TLSv1_3
#define V12 UNITLS_TLSv1_2

static const uint16_t P256[] = {UNITLS_GROUP_SECP256R1};
static const uint16_t P384[] = {UNITLS_GROUP_SECP384R1};
static const uint16_t P521[] = {UNITLS_GROUP_SECP521R1};
static const uint16_t X25519_ONLY[] = {UNITLS_GROUP_X25519};
static const uint16_t FFDHE2048[] = {UNITLS_GROUP_FFDHE2048};

static struct tu_conn *conn_with_groups(const uint16_t *client, size_t n_client,
                                        const uint16_t *server, size_t n_server,
                                        enum unitls_tls_version version)
{
    /* Over TLS 1.2 an ECDSA certificate's curve must be one the client lists too (RFC 8422,
     * which OpenSSL enforces), so the 1.2 cases serve the RSA chain to test groups alone. */
    const char *name = "example.org";
    const char *chain = version == V12 ? "example.org-rsa" : "example.org";
    unitls_client_config_builder *cb = tu_client_builder();
    tu_client_versions(cb, version, version);
    if (client)
        tu_assert_status(unitls_client_config_builder_set_groups(cb, client, n_client),
                         UNITLS_OK, "client set_groups", "");
    unitls_server_config_builder *sb = tu_server_builder(&chain, 1);
    if (server)
        tu_assert_status(unitls_server_config_builder_set_groups(sb, server, n_server),
                         UNITLS_OK, "server set_groups", "");
    return tu_conn_take(tu_client_context_from(cb), name, tu_server_context_from(sb));
}

struct common_case {
    const uint16_t *client, *server;
    size_t n_client, n_server;
    enum unitls_tls_version version;
};

static const uint16_t CLIENT_MANY[] = {UNITLS_GROUP_X448, UNITLS_GROUP_SECP521R1,
                                       UNITLS_GROUP_SECP384R1};
static const uint16_t SERVER_MANY[] = {UNITLS_GROUP_SECP256R1, UNITLS_GROUP_SECP384R1};

static const struct common_case common_cases[] = {
    {P521, P521, 1, 1, V13},
    {P521, P521, 1, 1, V12},
    {CLIENT_MANY, SERVER_MANY, 3, 2, V13}, /* one in common: secp384r1 */
    {CLIENT_MANY, SERVER_MANY, 3, 2, V12},
    {NULL, P384, 0, 1, V13},               /* the default list meets a configured one */
    {P256, NULL, 1, 0, V13},
    {X25519_ONLY, X25519_ONLY, 1, 1, V13},
};

/* A group both sides list is agreed on, over TLS 1.3 and 1.2. */
START_TEST(test_common_group_handshakes)
{
    const struct common_case *cc = &common_cases[_i];
    struct tu_conn *c = conn_with_groups(cc->client, cc->n_client, cc->server, cc->n_server,
                                         cc->version);
    tu_handshake_ok(c);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(c->client), cc->version);
    tu_conn_free(c);
}
END_TEST

/* ffdhe2048 on both sides (TLS 1.3: RFC 7919 groups by name). */
START_TEST(test_ffdhe_handshakes)
{
    struct tu_conn *c = conn_with_groups(FFDHE2048, 1, FFDHE2048, 1, V13);
    tu_handshake_ok(c);
    tu_conn_free(c);
}
END_TEST

static void assert_group_failure(unitls_buffer *b, const char *side)
{
    char facts[512];
    enum unitls_handshake_failure got = unitls_buffer_handshake_failure(b, facts, sizeof facts);
    ck_assert_msg(got == UNITLS_HANDSHAKE_FAILURE_GROUP,
                  "%s: expected reason group, got %s (%s)", side,
                  unitls_handshake_failure_name(got), facts);
}

/* No group in common: both sides fail with a TLS error; the server, which sees the client's
 * list, says "group". */
START_TEST(test_disjoint_groups_fail)
{
    struct tu_conn *c = conn_with_groups(P521, 1, P256, 1, V13);
    unitls_status st = tu_handshake(c);
    ck_assert_msg(st != UNITLS_OK, "handshake succeeded without a group in common");
    tu_assert_status(c->server_status, UNITLS_ERR_TLS, "server handshake",
                     unitls_buffer_last_error(c->server)->message);
    tu_assert_status(c->client_status, UNITLS_ERR_TLS, "client handshake",
                     unitls_buffer_last_error(c->client)->message);
    assert_group_failure(c->server, "server");
    /* The client sees only a handshake_failure alert, which servers send for suites and groups
     * alike: it cannot tell which, and says so ("cipher suite or group"). */
    char facts[512];
    enum unitls_handshake_failure client = unitls_buffer_handshake_failure(c->client, facts,
                                                                           sizeof facts);
    ck_assert_msg(client == UNITLS_HANDSHAKE_FAILURE_CIPHER ||
                      client == UNITLS_HANDSHAKE_FAILURE_GROUP,
                  "client: reason %s (%s)", unitls_handshake_failure_name(client), facts);
    tu_conn_free(c);
}
END_TEST

static unitls_server_config *server_config(const uint16_t *groups, size_t n)
{
    const char *name = "example.org";
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    if (groups)
        unitls_server_config_builder_set_groups(sb, groups, n);
    unitls_error err = {0};
    unitls_server_config *c = unitls_server_config_builder_build(sb, &err);
    unitls_server_config_builder_free(sb);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    return c;
}

/* The list and its order are part of equality and hash; unset differs from any list. */
START_TEST(test_groups_equality_and_hash)
{
    static const uint16_t ab[] = {UNITLS_GROUP_X25519, UNITLS_GROUP_SECP256R1};
    static const uint16_t ba[] = {UNITLS_GROUP_SECP256R1, UNITLS_GROUP_X25519};
    unitls_server_config *a1 = server_config(ab, 2), *a2 = server_config(ab, 2);
    unitls_server_config *b = server_config(ba, 2), *none = server_config(NULL, 0);
    ck_assert(unitls_server_config_equal(a1, a2));
    ck_assert_uint_eq(unitls_server_config_hash(a1), unitls_server_config_hash(a2));
    ck_assert(!unitls_server_config_equal(a1, b));
    ck_assert(!unitls_server_config_equal(a1, none));
    ck_assert(unitls_server_config_hash(a1) != unitls_server_config_hash(b));
    size_t n = 9;
    const uint16_t *got = unitls_server_config_groups(a1, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert(got[0] == UNITLS_GROUP_X25519 && got[1] == UNITLS_GROUP_SECP256R1);
    ck_assert_ptr_null(unitls_server_config_groups(none, &n));
    ck_assert_uint_eq(n, 0);
    unitls_server_config_unref(a1);
    unitls_server_config_unref(a2);
    unitls_server_config_unref(b);
    unitls_server_config_unref(none);

    unitls_client_config_builder *cb = tu_client_builder();
    unitls_client_config_builder_set_groups(cb, ab, 2);
    unitls_client_config *c1 = unitls_client_config_builder_build(cb, NULL);
    unitls_client_config_builder_set_groups(cb, ba, 2);
    unitls_client_config *c2 = unitls_client_config_builder_build(cb, NULL);
    unitls_client_config_builder_free(cb);
    ck_assert(c1 && c2);
    ck_assert(!unitls_client_config_equal(c1, c2));
    ck_assert(unitls_client_config_hash(c1) != unitls_client_config_hash(c2));
    ck_assert_ptr_nonnull(unitls_client_config_groups(c1, &n));
    ck_assert_uint_eq(n, 2);
    unitls_client_config_unref(c1);
    unitls_client_config_unref(c2);
}
END_TEST

/* An id outside the table or an empty list is refused by the setter and again by build,
 * naming it. */
START_TEST(test_unknown_group_refused)
{
    static const uint16_t bad[] = {UNITLS_GROUP_X25519, 0x1234};
    const char *name = "example.org";
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    tu_assert_status(unitls_server_config_builder_set_groups(sb, bad, 2),
                     UNITLS_ERR_CONFIGURATION, "set_groups", "");
    unitls_error err = {0};
    ck_assert_ptr_null(unitls_server_config_builder_build(sb, &err));
    ck_assert_msg(strstr(err.message, "0x1234"), "message does not name the id: %s",
                  err.message);
    unitls_server_config_builder_free(sb);
    unitls_client_config_builder *cb = tu_client_builder();
    tu_assert_status(unitls_client_config_builder_set_groups(cb, bad, 0),
                     UNITLS_ERR_CONFIGURATION, "set_groups empty", "");
    tu_assert_status(unitls_client_config_builder_set_groups(NULL, bad, 1), UNITLS_ERR_INVALID,
                     "set_groups NULL builder", "");
    unitls_client_config_builder_free(cb);
}
END_TEST

/* Names and aliases, without regard to case. */
START_TEST(test_group_names)
{
    static const struct { const char *name; uint16_t id; } names[] = {
        {"x25519", 0x001d}, {"X25519", 0x001d}, {"x448", 0x001e}, {"X448", 0x001e},
        {"secp256r1", 0x0017}, {"P-256", 0x0017}, {"p-256", 0x0017}, {"prime256v1", 0x0017},
        {"SECP384R1", 0x0018}, {"P-384", 0x0018}, {"secp521r1", 0x0019}, {"P-521", 0x0019},
        {"ffdhe2048", 0x0100}, {"FFDHE3072", 0x0101}, {"ffdhe4096", 0x0102},
        {"ffdhe6144", 0x0103}, {"ffdhe8192", 0x0104}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        uint16_t id = 0;
        tu_assert_status(unitls_group_from_name(names[i].name, &id), UNITLS_OK, names[i].name,
                         "");
        ck_assert_msg(id == names[i].id, "%s: 0x%04x", names[i].name, id);
    }
    uint16_t id = 7;
    tu_assert_status(unitls_group_from_name("P-999", &id), UNITLS_ERR_INVALID, "P-999", "");
    ck_assert_uint_eq(id, 7);
    tu_assert_status(unitls_group_from_name(NULL, &id), UNITLS_ERR_INVALID, "NULL", "");
    ck_assert_str_eq(unitls_group_name(0x0017), "secp256r1");
    ck_assert_str_eq(unitls_group_name(0x0104), "ffdhe8192");
    ck_assert_ptr_null(unitls_group_name(0x1234));
}
END_TEST

/* Early data: 0 by default; a non-zero amount builds (it is a field like any other) but this
 * implementation refuses it at validation and at context creation, saying so. */
START_TEST(test_early_data_refused)
{
    unitls_server_config *def = server_config(NULL, 0);
    ck_assert_uint_eq(unitls_server_config_max_early_data(def), 0);
    tu_assert_status(unitls_implementation_validate_server_config(tu_impl(), def, NULL),
                     UNITLS_OK, "validate default", "");
    const char *name = "example.org";
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    tu_assert_status(unitls_server_config_builder_set_max_early_data(sb, 16384), UNITLS_OK,
                     "set_max_early_data", "");
    unitls_error err = {0};
    unitls_server_config *c = unitls_server_config_builder_build(sb, &err);
    unitls_server_config_builder_free(sb);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    ck_assert_uint_eq(unitls_server_config_max_early_data(c), 16384);
    ck_assert(!unitls_server_config_equal(c, def));
    ck_assert(unitls_server_config_hash(c) != unitls_server_config_hash(def));
    unitls_status st = unitls_implementation_validate_server_config(tu_impl(), c, &err);
    tu_assert_status(st, UNITLS_ERR_CONFIGURATION, "validate max early data", err.message);
    ck_assert_msg(strstr(err.message, "does not support early data"), "message: %s",
                  err.message);
    ck_assert_ptr_null(unitls_server_context_new(tu_impl(), c, &err));
    ck_assert_msg(strstr(err.message, "early data"), "message: %s", err.message);
    unitls_server_config_unref(c);
    unitls_server_config_unref(def);
}
END_TEST

static Suite *groups_suite(void)
{
    Suite *s = suite_create("tls_groups");
    TCase *tc = tcase_create("handshakes");
    tcase_add_loop_test(tc, test_common_group_handshakes, 0,
                        (int)(sizeof common_cases / sizeof common_cases[0]));
    tcase_add_test(tc, test_ffdhe_handshakes);
    tcase_add_test(tc, test_disjoint_groups_fail);
    suite_add_tcase(s, tc);

    tc = tcase_create("configuration");
    tcase_add_test(tc, test_groups_equality_and_hash);
    tcase_add_test(tc, test_unknown_group_refused);
    tcase_add_test(tc, test_group_names);
    tcase_add_test(tc, test_early_data_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(groups_suite());
}
