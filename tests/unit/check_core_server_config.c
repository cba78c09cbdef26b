/* The server configuration builder and the configurations it builds (config.h, server side):
 * a server needs a chain, chains keep their order, every setter round-trips through its
 * getter, out-of-range client-auth modes and ticket counts are refused, the first failure
 * sticks until build, and configurations compare and hash by content: equal content, equal
 * and same hash; any one field changed (chain order included), unequal and another hash. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <unitls/unitls.h>

#include "testutil.h"

static unitls_signing_chain *chain_of(const char *leaf, const char *key)
{
    unitls_error err;
    unitls_certificate *c = unitls_certificate_from_buffer(leaf, strlen(leaf), &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    unitls_private_key *k = key ? unitls_private_key_from_buffer(key, strlen(key), &err) : NULL;
    ck_assert_msg(!key || k, "%s", err.message);
    unitls_signing_chain *s = unitls_signing_chain_new(c, k, NULL, 0, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    unitls_certificate_unref(c);
    unitls_private_key_unref(k);
    return s;
}

/* A builder with one chain per leaf name (key "key-" + name). */
static unitls_server_config_builder *builder_with(const char *const *leaves, size_t n)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, "key-%s", leaves[i]);
        unitls_signing_chain *s = chain_of(leaves[i], key);
        ck_assert_int_eq(unitls_server_config_builder_add_certificate_chain(b, s), UNITLS_OK);
        unitls_signing_chain_unref(s);
    }
    return b;
}

static unitls_server_config *build_ok(const unitls_server_config_builder *b)
{
    unitls_error err;
    unitls_error_clear(&err);
    unitls_server_config *c = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s: %s", unitls_status_name(err.status), err.message);
    return c;
}

static void build_refused(const unitls_server_config_builder *b, unitls_status want,
                          const char *needle)
{
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_server_config_builder_build(b, &err));
    tu_assert_status(err.status, want, "build", err.message);
    ck_assert_msg(strstr(err.message, needle) != NULL, "\"%s\" lacks \"%s\"", err.message,
                  needle);
}

static const char *const one_leaf[] = {"leaf-a"};

/* --- defaults and getters --- */

START_TEST(test_needs_a_chain)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    build_refused(b, UNITLS_ERR_CONFIGURATION, "chain");
    unitls_server_config_builder_free(b);
}
END_TEST

START_TEST(test_defaults)
{
    unitls_server_config_builder *b = builder_with(one_leaf, 1);
    unitls_server_config *c = build_ok(b);
    ck_assert_uint_eq(unitls_server_config_n_certificate_chains(c), 1);
    size_t n = 99;
    ck_assert_ptr_null(unitls_server_config_ciphers(c, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(unitls_server_config_n_inner_protocols(c), 0);
    ck_assert_int_eq(unitls_server_config_lowest_supported_version(c), UNITLS_TLS_VERSION_UNSET);
    ck_assert_int_eq(unitls_server_config_highest_supported_version(c), UNITLS_TLS_VERSION_UNSET);
    ck_assert_ptr_null(unitls_server_config_trust_store(c));
    ck_assert_int_eq(unitls_server_config_client_auth(c), UNITLS_CLIENT_AUTH_NONE);
    ck_assert_uint_eq(unitls_server_config_session_tickets(c), 1);
    unitls_server_config_unref(c);
    unitls_server_config_builder_free(b);
}
END_TEST

START_TEST(test_setters_round_trip)
{
    const char *const leaves[] = {"default.test", "example.org", "example.org-rsa"};
    unitls_server_config_builder *b = builder_with(leaves, 3);
    const uint16_t ids[] = {0xC02F, 0x1302};
    ck_assert_int_eq(unitls_server_config_builder_set_ciphers(b, ids, 2), UNITLS_OK);
    ck_assert_int_eq(unitls_server_config_builder_add_inner_protocol(b, "http/1.1", 8),
                     UNITLS_OK);
    ck_assert_int_eq(unitls_server_config_builder_add_inner_protocol(b, "h2", 2), UNITLS_OK);
    ck_assert_int_eq(unitls_server_config_builder_set_lowest_supported_version(b, UNITLS_TLSv1_2),
                     UNITLS_OK);
    ck_assert_int_eq(unitls_server_config_builder_set_highest_supported_version(b, UNITLS_TLSv1_2),
                     UNITLS_OK);
    unitls_trust_store *store = unitls_trust_store_from_buffer("client-ca", 9, NULL);
    ck_assert_int_eq(unitls_server_config_builder_set_trust_store(b, store), UNITLS_OK);
    ck_assert_int_eq(unitls_server_config_builder_set_client_auth(b, UNITLS_CLIENT_AUTH_REQUIRED),
                     UNITLS_OK);
    ck_assert_int_eq(unitls_server_config_builder_set_session_tickets(b, 8), UNITLS_OK);

    unitls_server_config *c = build_ok(b);
    ck_assert_uint_eq(unitls_server_config_n_certificate_chains(c), 3);
    for (size_t i = 0; i < 3; i++) {
        char key[64];
        snprintf(key, sizeof key, "key-%s", leaves[i]);
        unitls_signing_chain *expect = chain_of(leaves[i], key);
        ck_assert_msg(unitls_signing_chain_equal(unitls_server_config_certificate_chain(c, i),
                                                 expect),
                      "chain %zu is not %s", i, leaves[i]);
        unitls_signing_chain_unref(expect);
    }
    ck_assert_ptr_null(unitls_server_config_certificate_chain(c, 3));
    size_t n = 0;
    const uint16_t *got = unitls_server_config_ciphers(c, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_mem_eq(got, ids, sizeof ids);
    ck_assert_uint_eq(unitls_server_config_n_inner_protocols(c), 2);
    size_t len = 0;
    ck_assert_mem_eq(unitls_server_config_inner_protocol(c, 0, &len), "http/1.1", 8);
    ck_assert_uint_eq(len, 8);
    ck_assert_mem_eq(unitls_server_config_inner_protocol(c, 1, &len), "h2", 2);
    ck_assert_uint_eq(len, 2);
    ck_assert_ptr_null(unitls_server_config_inner_protocol(c, 2, &len));
    ck_assert_int_eq(unitls_server_config_lowest_supported_version(c), UNITLS_TLSv1_2);
    ck_assert_int_eq(unitls_server_config_highest_supported_version(c), UNITLS_TLSv1_2);
    ck_assert(unitls_trust_store_equal(unitls_server_config_trust_store(c), store));
    ck_assert_int_eq(unitls_server_config_client_auth(c), UNITLS_CLIENT_AUTH_REQUIRED);
    ck_assert_uint_eq(unitls_server_config_session_tickets(c), 8);

    unitls_trust_store_unref(store);
    unitls_server_config_unref(c);
    unitls_server_config_builder_free(b);
}
END_TEST

/* Each accepted value of the two server-only options reads back. */
START_TEST(test_client_auth_and_tickets_values)
{
    const enum unitls_client_auth modes[] = {UNITLS_CLIENT_AUTH_NONE, UNITLS_CLIENT_AUTH_OPTIONAL,
                                             UNITLS_CLIENT_AUTH_REQUIRED};
    for (size_t i = 0; i < 3; i++) {
        unitls_server_config_builder *b = builder_with(one_leaf, 1);
        ck_assert_int_eq(unitls_server_config_builder_set_client_auth(b, modes[i]), UNITLS_OK);
        unitls_server_config *c = build_ok(b);
        ck_assert_int_eq(unitls_server_config_client_auth(c), modes[i]);
        unitls_server_config_unref(c);
        unitls_server_config_builder_free(b);
    }
    for (unsigned t = 0; t <= 8; t++) {
        unitls_server_config_builder *b = builder_with(one_leaf, 1);
        ck_assert_int_eq(unitls_server_config_builder_set_session_tickets(b, t), UNITLS_OK);
        unitls_server_config *c = build_ok(b);
        ck_assert_uint_eq(unitls_server_config_session_tickets(c), t);
        unitls_server_config_unref(c);
        unitls_server_config_builder_free(b);
    }
}
END_TEST

/* Later builder changes do not reach a configuration already built. */
START_TEST(test_builder_reusable_config_immutable)
{
    unitls_server_config_builder *b = builder_with(one_leaf, 1);
    unitls_server_config *c1 = build_ok(b);
    unitls_signing_chain *s = chain_of("leaf-b", NULL);
    unitls_server_config_builder_add_certificate_chain(b, s);
    unitls_signing_chain_unref(s);
    unitls_server_config_builder_set_client_auth(b, UNITLS_CLIENT_AUTH_OPTIONAL);
    unitls_server_config *c2 = build_ok(b);
    unitls_server_config_builder_free(b);
    ck_assert_uint_eq(unitls_server_config_n_certificate_chains(c1), 1);
    ck_assert_int_eq(unitls_server_config_client_auth(c1), UNITLS_CLIENT_AUTH_NONE);
    ck_assert_uint_eq(unitls_server_config_n_certificate_chains(c2), 2);
    ck_assert_int_eq(unitls_server_config_equal(c1, c2), 0);
    unitls_server_config_unref(c1);
    unitls_server_config_unref(c2);
}
END_TEST

/* --- errors --- */

START_TEST(test_bad_client_auth)
{
    const int bad[] = {3, 100, -1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unitls_server_config_builder *b = builder_with(one_leaf, 1);
        ck_assert_int_eq(
            unitls_server_config_builder_set_client_auth(b, (enum unitls_client_auth)bad[i]),
            UNITLS_ERR_CONFIGURATION);
        build_refused(b, UNITLS_ERR_CONFIGURATION, "client auth");
        unitls_server_config_builder_free(b);
    }
}
END_TEST

START_TEST(test_too_many_tickets)
{
    const unsigned bad[] = {9, 1000, UINT_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unitls_server_config_builder *b = builder_with(one_leaf, 1);
        ck_assert_int_eq(unitls_server_config_builder_set_session_tickets(b, bad[i]),
                         UNITLS_ERR_CONFIGURATION);
        build_refused(b, UNITLS_ERR_CONFIGURATION, "ticket");
        unitls_server_config_builder_free(b);
    }
}
END_TEST

/* A NULL chain is a bad argument, and it sticks like any other setter error. */
START_TEST(test_null_chain_sticks)
{
    unitls_server_config_builder *b = builder_with(one_leaf, 1);
    ck_assert_int_eq(unitls_server_config_builder_add_certificate_chain(b, NULL),
                     UNITLS_ERR_INVALID);
    build_refused(b, UNITLS_ERR_INVALID, "chain");
    unitls_server_config_builder_free(b);
    /* ... and with no chain at all, the first error still wins over "no chain" */
    b = unitls_server_config_builder_new();
    ck_assert_int_eq(unitls_server_config_builder_set_ciphers(b, NULL, 0),
                     UNITLS_ERR_CONFIGURATION);
    build_refused(b, UNITLS_ERR_CONFIGURATION, "cipher");
    unitls_server_config_builder_free(b);
}
END_TEST

START_TEST(test_first_error_sticks)
{
    unitls_server_config_builder *b = builder_with(one_leaf, 1);
    uint8_t long_name[300];
    memset(long_name, 'p', sizeof long_name);
    const uint16_t ids[] = {0x1301};
    ck_assert_int_eq(unitls_server_config_builder_add_inner_protocol(b, long_name, 300),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(unitls_server_config_builder_set_session_tickets(b, 99),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(unitls_server_config_builder_set_ciphers(b, ids, 0),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(unitls_server_config_builder_set_ciphers(b, ids, 1), UNITLS_OK);
    build_refused(b, UNITLS_ERR_CONFIGURATION, "300");
    build_refused(b, UNITLS_ERR_CONFIGURATION, "protocol");
    unitls_server_config_builder_free(b);
}
END_TEST

START_TEST(test_version_bounds)
{
    unitls_server_config_builder *b = builder_with(one_leaf, 1);
    unitls_server_config_builder_set_lowest_supported_version(b, UNITLS_TLSv1_3);
    unitls_server_config_builder_set_highest_supported_version(b, UNITLS_TLSv1_2);
    build_refused(b, UNITLS_ERR_CONFIGURATION, "TLSv1.3");
    build_refused(b, UNITLS_ERR_CONFIGURATION, "TLSv1.2");
    /* fixing the range makes the same builder work */
    unitls_server_config_builder_set_highest_supported_version(b, UNITLS_TLSv1_3);
    unitls_server_config *c = build_ok(b);
    unitls_server_config_unref(c);
    ck_assert_int_eq(unitls_server_config_builder_set_highest_supported_version(
                         b, (enum unitls_tls_version)0x0302),
                     UNITLS_ERR_CONFIGURATION);
    build_refused(b, UNITLS_ERR_CONFIGURATION, "highest");
    unitls_server_config_builder_free(b);
}
END_TEST

START_TEST(test_null_arguments)
{
    const uint16_t ids[] = {0x1301};
    unitls_signing_chain *s = chain_of("leaf", NULL);
    ck_assert_int_eq(unitls_server_config_builder_add_certificate_chain(NULL, s),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_config_builder_set_ciphers(NULL, ids, 1), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_config_builder_add_inner_protocol(NULL, "h2", 2),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_config_builder_set_lowest_supported_version(NULL,
                                                                               UNITLS_TLSv1_2),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_config_builder_set_highest_supported_version(NULL,
                                                                                UNITLS_TLSv1_2),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_config_builder_set_trust_store(NULL, NULL), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_config_builder_set_client_auth(NULL, UNITLS_CLIENT_AUTH_NONE),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_config_builder_set_session_tickets(NULL, 1),
                     UNITLS_ERR_INVALID);
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_server_config_builder_build(NULL, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_INVALID);
    unitls_server_config_builder_free(NULL);
    ck_assert_uint_eq(unitls_server_config_n_certificate_chains(NULL), 0);
    ck_assert_ptr_null(unitls_server_config_certificate_chain(NULL, 0));
    ck_assert_uint_eq(unitls_server_config_hash(NULL), 0);
    ck_assert_ptr_null(unitls_server_config_ref(NULL));
    unitls_server_config_unref(NULL);
    unitls_signing_chain_unref(s);
}
END_TEST

/* --- equality and hash --- */

enum variant {
    V_BASE,
    V_CHAINS_REORDERED,
    V_CHAIN_ADDED,
    V_CHAIN_LEAF_CONTENT,
    V_CIPHERS,
    V_CIPHERS_UNSET,
    V_PROTOCOLS,
    V_LOWEST,
    V_HIGHEST,
    V_STORE_CONTENT,
    V_STORE_UNSET,
    V_CLIENT_AUTH,
    V_TICKETS,
    N_VARIANTS
};

static unitls_server_config *build_variant(enum variant v)
{
    const char *const leaves[] = {"a.test", v == V_CHAIN_LEAF_CONTENT ? "b.test v2" : "b.test",
                                  "c.test"};
    const char *const reordered[] = {"b.test", "a.test", "c.test"};
    unitls_server_config_builder *b =
        builder_with(v == V_CHAINS_REORDERED ? reordered : leaves, v == V_CHAIN_ADDED ? 3 : 2);
    const uint16_t ids[] = {0x1301, 0x1303};
    if (v != V_CIPHERS_UNSET)
        unitls_server_config_builder_set_ciphers(b, ids, v == V_CIPHERS ? 1 : 2);
    unitls_server_config_builder_add_inner_protocol(b, "h2", 2);
    if (v == V_PROTOCOLS)
        unitls_server_config_builder_add_inner_protocol(b, "http/1.1", 8);
    unitls_server_config_builder_set_lowest_supported_version(
        b, v == V_LOWEST ? UNITLS_TLS_VERSION_MINIMUM_SUPPORTED : UNITLS_TLSv1_2);
    unitls_server_config_builder_set_highest_supported_version(
        b, v == V_HIGHEST ? UNITLS_TLSv1_2 : UNITLS_TLSv1_3);
    if (v != V_STORE_UNSET) {
        const char *pem = v == V_STORE_CONTENT ? "client-ca-2" : "client-ca-1";
        unitls_trust_store *t = unitls_trust_store_from_buffer(pem, strlen(pem), NULL);
        unitls_server_config_builder_set_trust_store(b, t);
        unitls_trust_store_unref(t);
    }
    unitls_server_config_builder_set_client_auth(
        b, v == V_CLIENT_AUTH ? UNITLS_CLIENT_AUTH_REQUIRED : UNITLS_CLIENT_AUTH_OPTIONAL);
    unitls_server_config_builder_set_session_tickets(b, v == V_TICKETS ? 0 : 2);
    unitls_server_config *c = build_ok(b);
    unitls_server_config_builder_free(b);
    return c;
}

START_TEST(test_equal_content_equal_hash)
{
    unitls_server_config *a = build_variant(V_BASE), *b = build_variant(V_BASE);
    ck_assert_ptr_ne(a, b);
    ck_assert_int_eq(unitls_server_config_equal(a, b), 1);
    ck_assert_int_eq(unitls_server_config_equal(b, a), 1);
    ck_assert_int_eq(unitls_server_config_equal(a, a), 1);
    ck_assert_uint_eq(unitls_server_config_hash(a), unitls_server_config_hash(b));
    ck_assert_int_eq(unitls_server_config_equal(a, NULL), 0);
    ck_assert_int_eq(unitls_server_config_equal(NULL, b), 0);
    unitls_server_config_unref(a);
    unitls_server_config_unref(b);
}
END_TEST

START_TEST(test_one_field_changed)
{
    unitls_server_config *base = build_variant(V_BASE);
    unitls_server_config *changed = build_variant((enum variant)_i);
    unitls_server_config *again = build_variant((enum variant)_i);
    ck_assert_msg(!unitls_server_config_equal(base, changed), "variant %d equals the base", _i);
    ck_assert_msg(!unitls_server_config_equal(changed, base), "variant %d equals the base", _i);
    ck_assert_msg(unitls_server_config_hash(base) != unitls_server_config_hash(changed),
                  "variant %d hashes like the base", _i);
    ck_assert_int_eq(unitls_server_config_equal(changed, again), 1);
    ck_assert_uint_eq(unitls_server_config_hash(changed), unitls_server_config_hash(again));
    unitls_server_config_unref(base);
    unitls_server_config_unref(changed);
    unitls_server_config_unref(again);
}
END_TEST

START_TEST(test_ref_unref)
{
    unitls_server_config *c = build_variant(V_BASE);
    uint64_t h = unitls_server_config_hash(c);
    ck_assert_ptr_eq(unitls_server_config_ref(c), c);
    ck_assert_ptr_eq(unitls_server_config_ref(c), c);
    unitls_server_config_unref(c);
    unitls_server_config_unref(c);
    ck_assert_uint_eq(unitls_server_config_hash(c), h);
    ck_assert_uint_eq(unitls_server_config_n_certificate_chains(c), 2);
    unitls_server_config_unref(c);
}
END_TEST

static Suite *server_config_suite(void)
{
    Suite *s = suite_create("core_server_config");
    TCase *tc = tcase_create("getters");
    tcase_add_test(tc, test_needs_a_chain);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_setters_round_trip);
    tcase_add_test(tc, test_client_auth_and_tickets_values);
    tcase_add_test(tc, test_builder_reusable_config_immutable);
    tcase_add_test(tc, test_ref_unref);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_bad_client_auth);
    tcase_add_test(tc, test_too_many_tickets);
    tcase_add_test(tc, test_null_chain_sticks);
    tcase_add_test(tc, test_first_error_sticks);
    tcase_add_test(tc, test_version_bounds);
    tcase_add_test(tc, test_null_arguments);
    suite_add_tcase(s, tc);

    tc = tcase_create("equality");
    tcase_add_test(tc, test_equal_content_equal_hash);
    tcase_add_loop_test(tc, test_one_field_changed, V_BASE + 1, N_VARIANTS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(server_config_suite());
}
