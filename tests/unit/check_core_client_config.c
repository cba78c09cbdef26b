/* The client configuration builder and the configurations it builds (config.h, client side):
 * unset fields read as the secure defaults, every setter round-trips through its getter,
 * setters fail at once and the first failure sticks until build, impossible version ranges
 * and empty cipher lists are UNITLS_ERR_CONFIGURATION with a message, a built configuration
 * does not change when the builder does, and configurations compare and hash by content:
 * equal content, equal and same hash; any one field changed, unequal and another hash. File
 * snapshots are check_core_config_files' subject; threads are check_core_refcount's. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <unitls/insecure.h>
#include <unitls/unitls.h>

#include "testutil.h"

/* insecure.h's SecurityWarnings are counted by check_core_warning; keep them off stderr. */
static void quiet_warnings(enum unitls_warning_category category, const char *message, void *arg)
{
    (void)category;
    (void)message;
    (void)arg;
}

static void setup(void)
{
    unitls_set_warning_handler(quiet_warnings, NULL);
}

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

static unitls_trust_store *store_of(const char *pem)
{
    unitls_error err;
    unitls_trust_store *t = unitls_trust_store_from_buffer(pem, strlen(pem), &err);
    ck_assert_msg(t != NULL, "%s", err.message);
    return t;
}

static unitls_client_config *build_ok(const unitls_client_config_builder *b)
{
    unitls_error err;
    unitls_error_clear(&err);
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s: %s", unitls_status_name(err.status), err.message);
    return c;
}

/* Builds and expects ERR_CONFIGURATION with a message containing each needle. */
static void build_refused(const unitls_client_config_builder *b, const char *needle1,
                          const char *needle2)
{
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_client_config_builder_build(b, &err));
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "build", err.message);
    ck_assert_msg(strstr(err.message, needle1) != NULL, "\"%s\" lacks \"%s\"", err.message,
                  needle1);
    if (needle2)
        ck_assert_msg(strstr(err.message, needle2) != NULL, "\"%s\" lacks \"%s\"", err.message,
                      needle2);
}

/* --- defaults and getters --- */

START_TEST(test_defaults)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    ck_assert_ptr_nonnull(b);
    unitls_client_config *c = build_ok(b);
    ck_assert_ptr_null(unitls_client_config_certificate_chain(c));
    size_t n = 99;
    ck_assert_ptr_null(unitls_client_config_ciphers(c, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(unitls_client_config_n_inner_protocols(c), 0);
    size_t len = 99;
    ck_assert_ptr_null(unitls_client_config_inner_protocol(c, 0, &len));
    ck_assert_int_eq(unitls_client_config_lowest_supported_version(c), UNITLS_TLS_VERSION_UNSET);
    ck_assert_int_eq(unitls_client_config_highest_supported_version(c), UNITLS_TLS_VERSION_UNSET);
    ck_assert_ptr_null(unitls_client_config_trust_store(c));
    ck_assert_int_eq(unitls_client_config_session_resumption(c), 1);
    ck_assert_int_eq(unitls_client_config_verification_disabled(c), 0);
    ck_assert_int_eq(unitls_client_config_hostname_check_disabled(c), 0);
    ck_assert_int_eq(unitls_client_config_is_insecure(c), 0);
    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);
}
END_TEST

START_TEST(test_setters_round_trip)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_signing_chain *chain = chain_of("client-leaf", "client-key");
    unitls_trust_store *store = store_of("ca-bundle");
    const uint16_t ids[] = {UNITLS_TLS_CHACHA20_POLY1305_SHA256,
                            UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256};
    ck_assert_int_eq(unitls_client_config_builder_set_certificate_chain(b, chain), UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_set_ciphers(b, ids, 2), UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_add_inner_protocol(b, "h2", 2), UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_add_inner_protocol(b, "http/1.1", 8),
                     UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_set_lowest_supported_version(b, UNITLS_TLSv1_3),
                     UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_set_highest_supported_version(
                         b, UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED),
                     UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_set_trust_store(b, store), UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_set_session_resumption(b, 0), UNITLS_OK);
    /* the builder holds its own references */
    unitls_signing_chain *expect_chain = chain_of("client-leaf", "client-key");
    unitls_trust_store *expect_store = store_of("ca-bundle");
    unitls_signing_chain_unref(chain);
    unitls_trust_store_unref(store);

    unitls_client_config *c = build_ok(b);
    ck_assert(unitls_signing_chain_equal(unitls_client_config_certificate_chain(c), expect_chain));
    size_t n = 0;
    const uint16_t *got = unitls_client_config_ciphers(c, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_mem_eq(got, ids, sizeof ids);
    ck_assert_uint_eq(unitls_client_config_n_inner_protocols(c), 2);
    size_t len = 0;
    ck_assert_mem_eq(unitls_client_config_inner_protocol(c, 0, &len), "h2", 2);
    ck_assert_uint_eq(len, 2);
    ck_assert_mem_eq(unitls_client_config_inner_protocol(c, 1, &len), "http/1.1", 8);
    ck_assert_uint_eq(len, 8);
    ck_assert_int_eq(unitls_client_config_lowest_supported_version(c), UNITLS_TLSv1_3);
    ck_assert_int_eq(unitls_client_config_highest_supported_version(c),
                     UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED);
    ck_assert(unitls_trust_store_equal(unitls_client_config_trust_store(c), expect_store));
    ck_assert_int_eq(unitls_client_config_session_resumption(c), 0);
    ck_assert_int_eq(unitls_client_config_is_insecure(c), 0);

    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);
    unitls_signing_chain_unref(expect_chain);
    unitls_trust_store_unref(expect_store);
}
END_TEST

/* A later set replaces an earlier one; NULL and UNSET clear back to the defaults; a nonzero
 * resumption flag reads back as 1. */
START_TEST(test_setters_replace_and_clear)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    const uint16_t first[] = {0x1301, 0x1302, 0x1303}, second[] = {0xC02F};
    unitls_signing_chain *chain = chain_of("leaf", NULL);
    unitls_trust_store *store = store_of("ca");
    unitls_client_config_builder_set_ciphers(b, first, 3);
    unitls_client_config_builder_set_ciphers(b, second, 1);
    unitls_client_config_builder_set_certificate_chain(b, chain);
    unitls_client_config_builder_set_trust_store(b, store);
    unitls_client_config_builder_set_lowest_supported_version(b, UNITLS_TLSv1_3);
    unitls_client_config_builder_set_session_resumption(b, 0);
    unitls_client_config *c1 = build_ok(b);
    size_t n = 0;
    ck_assert_uint_eq(unitls_client_config_ciphers(c1, &n)[0], 0xC02F);
    ck_assert_uint_eq(n, 1);

    ck_assert_int_eq(unitls_client_config_builder_set_certificate_chain(b, NULL), UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_set_trust_store(b, NULL), UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_set_lowest_supported_version(
                         b, UNITLS_TLS_VERSION_UNSET),
                     UNITLS_OK);
    ck_assert_int_eq(unitls_client_config_builder_set_session_resumption(b, 42), UNITLS_OK);
    unitls_client_config *c2 = build_ok(b);
    ck_assert_ptr_null(unitls_client_config_certificate_chain(c2));
    ck_assert_ptr_null(unitls_client_config_trust_store(c2));
    ck_assert_int_eq(unitls_client_config_lowest_supported_version(c2), UNITLS_TLS_VERSION_UNSET);
    ck_assert_int_eq(unitls_client_config_session_resumption(c2), 1);
    ck_assert_int_eq(unitls_client_config_equal(c1, c2), 0);

    unitls_client_config_unref(c1);
    unitls_client_config_unref(c2);
    unitls_signing_chain_unref(chain);
    unitls_trust_store_unref(store);
    unitls_client_config_builder_free(b);
}
END_TEST

/* A built configuration is a snapshot: the builder keeps working and later changes to it, or
 * its freeing, leave earlier configurations as they were. Building twice gives equals. */
START_TEST(test_builder_reusable_config_immutable)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    const uint16_t ids[] = {0x1301};
    unitls_client_config_builder_set_ciphers(b, ids, 1);
    unitls_client_config_builder_add_inner_protocol(b, "h2", 2);
    unitls_client_config *c1 = build_ok(b);
    unitls_client_config *c1b = build_ok(b);
    ck_assert_ptr_ne(c1, c1b);
    ck_assert_int_eq(unitls_client_config_equal(c1, c1b), 1);
    ck_assert_uint_eq(unitls_client_config_hash(c1), unitls_client_config_hash(c1b));

    const uint16_t other[] = {0x1302, 0x1303};
    unitls_client_config_builder_set_ciphers(b, other, 2);
    unitls_client_config_builder_add_inner_protocol(b, "ftp", 3);
    unitls_client_config_builder_set_highest_supported_version(b, UNITLS_TLSv1_2);
    unitls_client_config *c2 = build_ok(b);
    unitls_client_config_builder_free(b);

    size_t n = 0;
    ck_assert_uint_eq(unitls_client_config_ciphers(c1, &n)[0], 0x1301);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(unitls_client_config_n_inner_protocols(c1), 1);
    ck_assert_int_eq(unitls_client_config_highest_supported_version(c1),
                     UNITLS_TLS_VERSION_UNSET);
    ck_assert_uint_eq(unitls_client_config_n_inner_protocols(c2), 2);
    ck_assert_int_eq(unitls_client_config_equal(c1, c2), 0);
    ck_assert_int_eq(unitls_client_config_equal(c1, c1b), 1);
    unitls_client_config_unref(c1);
    unitls_client_config_unref(c1b);
    unitls_client_config_unref(c2);
}
END_TEST

/* --- errors --- */

/* Each setter fails at once; the first failure is what build reports, on every build, even
 * after later setters succeed. */
START_TEST(test_first_error_sticks)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    const uint16_t ids[] = {0x1301};
    ck_assert_int_eq(unitls_client_config_builder_set_ciphers(b, ids, 0),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(unitls_client_config_builder_add_inner_protocol(b, "", 0),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(unitls_client_config_builder_set_lowest_supported_version(
                         b, (enum unitls_tls_version)0x0301),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(unitls_client_config_builder_set_ciphers(b, ids, 1), UNITLS_OK);
    build_refused(b, "cipher", "empty");
    build_refused(b, "cipher", "empty");
    unitls_client_config_builder_free(b);

    /* the other order: the protocol's message, not the ciphers' */
    b = unitls_client_config_builder_new();
    ck_assert_int_eq(unitls_client_config_builder_add_inner_protocol(b, "", 0),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(unitls_client_config_builder_set_ciphers(b, NULL, 0),
                     UNITLS_ERR_CONFIGURATION);
    build_refused(b, "protocol", NULL);
    unitls_client_config_builder_free(b);
}
END_TEST

START_TEST(test_empty_cipher_list)
{
    const uint16_t ids[] = {0x1301, 0x1302};
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    ck_assert_int_eq(unitls_client_config_builder_set_ciphers(b, ids, 0),
                     UNITLS_ERR_CONFIGURATION);
    build_refused(b, "cipher", NULL);
    unitls_client_config_builder_free(b);

    b = unitls_client_config_builder_new();
    ck_assert_int_eq(unitls_client_config_builder_set_ciphers(b, NULL, 2),
                     UNITLS_ERR_CONFIGURATION);
    build_refused(b, "cipher", NULL);
    unitls_client_config_builder_free(b);
}
END_TEST

/* Version pairs (lowest, highest) and whether build accepts them. */
static const struct {
    enum unitls_tls_version lowest, highest;
    int ok;
} version_pairs[] = {
    {UNITLS_TLSv1_3, UNITLS_TLSv1_2, 0},
    {UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED, UNITLS_TLS_VERSION_MINIMUM_SUPPORTED, 0},
    {UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED, UNITLS_TLSv1_2, 0},
    {UNITLS_TLSv1_3, UNITLS_TLS_VERSION_MINIMUM_SUPPORTED, 0},
    {UNITLS_TLSv1_2, UNITLS_TLSv1_2, 1},
    {UNITLS_TLSv1_3, UNITLS_TLSv1_3, 1},
    {UNITLS_TLSv1_2, UNITLS_TLSv1_3, 1},
    {UNITLS_TLS_VERSION_MINIMUM_SUPPORTED, UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED, 1},
    {UNITLS_TLS_VERSION_MINIMUM_SUPPORTED, UNITLS_TLSv1_2, 1},
    {UNITLS_TLSv1_2, UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED, 1},
    {UNITLS_TLS_VERSION_UNSET, UNITLS_TLSv1_2, 1},
    {UNITLS_TLSv1_3, UNITLS_TLS_VERSION_UNSET, 1},
};
#define N_VERSION_PAIRS ((int)(sizeof version_pairs / sizeof version_pairs[0]))

/* One run per pair. A refused pair names both versions in the message. */
START_TEST(test_version_bounds)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    ck_assert_int_eq(
        unitls_client_config_builder_set_lowest_supported_version(b, version_pairs[_i].lowest),
        UNITLS_OK);
    ck_assert_int_eq(
        unitls_client_config_builder_set_highest_supported_version(b, version_pairs[_i].highest),
        UNITLS_OK);
    if (version_pairs[_i].ok) {
        unitls_client_config *c = build_ok(b);
        ck_assert_int_eq(unitls_client_config_lowest_supported_version(c),
                         version_pairs[_i].lowest);
        ck_assert_int_eq(unitls_client_config_highest_supported_version(c),
                         version_pairs[_i].highest);
        unitls_client_config_unref(c);
    } else {
        build_refused(b, unitls_tls_version_name(version_pairs[_i].lowest),
                      unitls_tls_version_name(version_pairs[_i].highest));
    }
    unitls_client_config_builder_free(b);
}
END_TEST

/* A value outside the enum (TLS 1.0, 1.1, garbage) is refused by the setter, naming which
 * bound it was meant for. */
START_TEST(test_unknown_version_values)
{
    const int bad[] = {0x0301, 0x0302, 0x0305, 2, -1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unitls_client_config_builder *b = unitls_client_config_builder_new();
        ck_assert_int_eq(unitls_client_config_builder_set_lowest_supported_version(
                             b, (enum unitls_tls_version)bad[i]),
                         UNITLS_ERR_CONFIGURATION);
        build_refused(b, "lowest", NULL);
        unitls_client_config_builder_free(b);

        b = unitls_client_config_builder_new();
        ck_assert_int_eq(unitls_client_config_builder_set_highest_supported_version(
                             b, (enum unitls_tls_version)bad[i]),
                         UNITLS_ERR_CONFIGURATION);
        build_refused(b, "highest", NULL);
        unitls_client_config_builder_free(b);
    }
}
END_TEST

START_TEST(test_null_arguments)
{
    const uint16_t ids[] = {0x1301};
    ck_assert_int_eq(unitls_client_config_builder_set_certificate_chain(NULL, NULL),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_client_config_builder_set_ciphers(NULL, ids, 1), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_client_config_builder_add_inner_protocol(NULL, "h2", 2),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_client_config_builder_set_lowest_supported_version(NULL,
                                                                               UNITLS_TLSv1_2),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_client_config_builder_set_highest_supported_version(NULL,
                                                                                UNITLS_TLSv1_2),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_client_config_builder_set_trust_store(NULL, NULL), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_client_config_builder_set_session_resumption(NULL, 1),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_insecure_client_config_builder_disable_verification(NULL),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_insecure_client_config_builder_disable_hostname_check(NULL),
                     UNITLS_ERR_INVALID);
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_client_config_builder_build(NULL, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_INVALID);
    unitls_client_config_builder_free(NULL);
    /* getters on NULL read as an empty configuration */
    size_t n = 5;
    ck_assert_ptr_null(unitls_client_config_ciphers(NULL, &n));
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(unitls_client_config_n_inner_protocols(NULL), 0);
    ck_assert_int_eq(unitls_client_config_is_insecure(NULL), 0);
    ck_assert_uint_eq(unitls_client_config_hash(NULL), 0);
    ck_assert_ptr_null(unitls_client_config_ref(NULL));
    unitls_client_config_unref(NULL);
}
END_TEST

/* --- insecure switches --- */

START_TEST(test_insecure_flags)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    ck_assert_int_eq(unitls_insecure_client_config_builder_disable_verification(b), UNITLS_OK);
    unitls_client_config *c = build_ok(b);
    ck_assert_int_eq(unitls_client_config_verification_disabled(c), 1);
    ck_assert_int_eq(unitls_client_config_hostname_check_disabled(c), 1); /* implied */
    ck_assert_int_eq(unitls_client_config_is_insecure(c), 1);
    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);

    b = unitls_client_config_builder_new();
    ck_assert_int_eq(unitls_insecure_client_config_builder_disable_hostname_check(b), UNITLS_OK);
    c = build_ok(b);
    ck_assert_int_eq(unitls_client_config_verification_disabled(c), 0);
    ck_assert_int_eq(unitls_client_config_hostname_check_disabled(c), 1);
    ck_assert_int_eq(unitls_client_config_is_insecure(c), 1);
    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);
}
END_TEST

/* --- equality and hash --- */

enum variant {
    V_BASE,
    V_CIPHERS_OTHER,
    V_CIPHERS_REORDERED,
    V_CIPHERS_UNSET,
    V_PROTOCOL_ADDED,
    V_PROTOCOLS_REORDERED,
    V_PROTOCOL_BYTES,
    V_PROTOCOLS_SPLIT,
    V_LOWEST,
    V_HIGHEST,
    V_STORE_CONTENT,
    V_STORE_SYSTEM,
    V_STORE_UNSET,
    V_CHAIN_LEAF,
    V_CHAIN_KEY,
    V_CHAIN_UNSET,
    V_RESUMPTION,
    V_NO_VERIFICATION,
    V_NO_HOSTNAME_CHECK,
    N_VARIANTS
};

/* The base configuration, or the base with exactly one field changed. Each call makes every
 * object afresh, so equality can only come from content. */
static unitls_client_config *build_variant(enum variant v)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    const uint16_t ids[] = {0x1301, 0xC02B, 0xCCA9}, other[] = {0x1301, 0xC02B, 0xCCA8},
                   reordered[] = {0xC02B, 0x1301, 0xCCA9};
    if (v != V_CIPHERS_UNSET)
        unitls_client_config_builder_set_ciphers(
            b, v == V_CIPHERS_OTHER ? other : v == V_CIPHERS_REORDERED ? reordered : ids, 3);
    if (v == V_PROTOCOLS_SPLIT) { /* "h2" + "http/1.1" is not "h2h" + "ttp/1.1" */
        unitls_client_config_builder_add_inner_protocol(b, "h2h", 3);
        unitls_client_config_builder_add_inner_protocol(b, "ttp/1.1", 7);
    } else {
        const char *first = v == V_PROTOCOLS_REORDERED ? "http/1.1" : "h2";
        const char *second = v == V_PROTOCOLS_REORDERED ? "h2" : "http/1.1";
        if (v == V_PROTOCOL_BYTES)
            first = "h3";
        unitls_client_config_builder_add_inner_protocol(b, first, strlen(first));
        unitls_client_config_builder_add_inner_protocol(b, second, strlen(second));
    }
    if (v == V_PROTOCOL_ADDED)
        unitls_client_config_builder_add_inner_protocol(b, "ftp", 3);
    unitls_client_config_builder_set_lowest_supported_version(
        b, v == V_LOWEST ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2);
    unitls_client_config_builder_set_highest_supported_version(
        b, v == V_HIGHEST ? UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED : UNITLS_TLSv1_3);
    if (v != V_STORE_UNSET) {
        unitls_trust_store *t = v == V_STORE_SYSTEM ? unitls_trust_store_system()
                                                    : store_of(v == V_STORE_CONTENT ? "ca-2"
                                                                                    : "ca-1");
        unitls_client_config_builder_set_trust_store(b, t);
        unitls_trust_store_unref(t);
    }
    if (v != V_CHAIN_UNSET) {
        unitls_signing_chain *s = chain_of(v == V_CHAIN_LEAF ? "leaf-2" : "leaf-1",
                                           v == V_CHAIN_KEY ? "key-2" : "key-1");
        unitls_client_config_builder_set_certificate_chain(b, s);
        unitls_signing_chain_unref(s);
    }
    if (v == V_RESUMPTION)
        unitls_client_config_builder_set_session_resumption(b, 0);
    if (v == V_NO_VERIFICATION)
        unitls_insecure_client_config_builder_disable_verification(b);
    if (v == V_NO_HOSTNAME_CHECK)
        unitls_insecure_client_config_builder_disable_hostname_check(b);
    unitls_client_config *c = build_ok(b);
    unitls_client_config_builder_free(b);
    return c;
}

START_TEST(test_equal_content_equal_hash)
{
    unitls_client_config *a = build_variant(V_BASE), *b = build_variant(V_BASE);
    ck_assert_ptr_ne(a, b);
    ck_assert_int_eq(unitls_client_config_equal(a, b), 1);
    ck_assert_int_eq(unitls_client_config_equal(b, a), 1);
    ck_assert_int_eq(unitls_client_config_equal(a, a), 1);
    ck_assert_uint_eq(unitls_client_config_hash(a), unitls_client_config_hash(b));
    ck_assert_int_eq(unitls_client_config_equal(a, NULL), 0);
    ck_assert_int_eq(unitls_client_config_equal(NULL, a), 0);
    /* two default configurations are equal as well */
    unitls_client_config_builder *d = unitls_client_config_builder_new();
    unitls_client_config *d1 = build_ok(d), *d2 = build_ok(d);
    ck_assert_int_eq(unitls_client_config_equal(d1, d2), 1);
    ck_assert_uint_eq(unitls_client_config_hash(d1), unitls_client_config_hash(d2));
    ck_assert_int_eq(unitls_client_config_equal(d1, a), 0);
    unitls_client_config_unref(d1);
    unitls_client_config_unref(d2);
    unitls_client_config_builder_free(d);
    unitls_client_config_unref(a);
    unitls_client_config_unref(b);
}
END_TEST

/* One run per variant (1 .. N_VARIANTS-1): unequal to the base both ways, another hash, and
 * equal to itself built again. */
START_TEST(test_one_field_changed)
{
    unitls_client_config *base = build_variant(V_BASE);
    unitls_client_config *changed = build_variant((enum variant)_i);
    unitls_client_config *again = build_variant((enum variant)_i);
    ck_assert_msg(!unitls_client_config_equal(base, changed), "variant %d equals the base", _i);
    ck_assert_msg(!unitls_client_config_equal(changed, base), "variant %d equals the base", _i);
    ck_assert_msg(unitls_client_config_hash(base) != unitls_client_config_hash(changed),
                  "variant %d hashes like the base", _i);
    ck_assert_int_eq(unitls_client_config_equal(changed, again), 1);
    ck_assert_uint_eq(unitls_client_config_hash(changed), unitls_client_config_hash(again));
    unitls_client_config_unref(base);
    unitls_client_config_unref(changed);
    unitls_client_config_unref(again);
}
END_TEST

START_TEST(test_ref_unref)
{
    unitls_client_config *c = build_variant(V_BASE);
    uint64_t h = unitls_client_config_hash(c);
    for (int i = 0; i < 4; i++)
        ck_assert_ptr_eq(unitls_client_config_ref(c), c);
    for (int i = 0; i < 4; i++)
        unitls_client_config_unref(c);
    ck_assert_uint_eq(unitls_client_config_hash(c), h); /* alive: ASan would flag a free */
    ck_assert_uint_eq(unitls_client_config_n_inner_protocols(c), 2);
    unitls_client_config_unref(c);
}
END_TEST

static Suite *client_config_suite(void)
{
    Suite *s = suite_create("core_client_config");
    TCase *tc = tcase_create("getters");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_setters_round_trip);
    tcase_add_test(tc, test_setters_replace_and_clear);
    tcase_add_test(tc, test_builder_reusable_config_immutable);
    tcase_add_test(tc, test_insecure_flags);
    tcase_add_test(tc, test_ref_unref);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_first_error_sticks);
    tcase_add_test(tc, test_empty_cipher_list);
    tcase_add_loop_test(tc, test_version_bounds, 0, N_VERSION_PAIRS);
    tcase_add_test(tc, test_unknown_version_values);
    tcase_add_test(tc, test_null_arguments);
    suite_add_tcase(s, tc);

    tc = tcase_create("equality");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_equal_content_equal_hash);
    tcase_add_loop_test(tc, test_one_field_changed, V_BASE + 1, N_VARIANTS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(client_config_suite());
}
