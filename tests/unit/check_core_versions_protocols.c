/* TLS versions (versions.h) and ALPN protocols (protocols.h, and the builders' inner
 * protocols): constants and names both ways, unknown values refused, and the builders' ALPN
 * rule: a name is 1 to 255 bytes, anything else is UNITLS_ERR_CONFIGURATION with a message,
 * remembered until build. Accepted names keep their order and exact bytes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/unitls.h>

#include "testutil.h"

/* --- versions --- */

static const struct {
    enum unitls_tls_version v;
    const char *name;
} versions[] = {
    {UNITLS_TLS_VERSION_UNSET, "UNSET"},
    {UNITLS_TLS_VERSION_MINIMUM_SUPPORTED, "MINIMUM_SUPPORTED"},
    {UNITLS_TLSv1_2, "TLSv1.2"},
    {UNITLS_TLSv1_3, "TLSv1.3"},
    {UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED, "MAXIMUM_SUPPORTED"},
};
#define N_VERSIONS ((int)(sizeof versions / sizeof versions[0]))

/* The concrete versions carry their wire values; UNSET is 0 (C's "nothing set"). */
START_TEST(test_version_constants)
{
    ck_assert_int_eq(UNITLS_TLS_VERSION_UNSET, 0);
    ck_assert_int_eq(UNITLS_TLSv1_2, 0x0303);
    ck_assert_int_eq(UNITLS_TLSv1_3, 0x0304);
    for (int i = 0; i < N_VERSIONS; i++)
        for (int j = i + 1; j < N_VERSIONS; j++)
            ck_assert_int_ne(versions[i].v, versions[j].v);
}
END_TEST

/* One run per version: its name, and the name parsed back. */
START_TEST(test_version_names_both_ways)
{
    const char *name = unitls_tls_version_name(versions[_i].v);
    ck_assert_ptr_nonnull(name);
    ck_assert_str_eq(name, versions[_i].name);
    enum unitls_tls_version v = (enum unitls_tls_version)0x7777;
    tu_assert_status(unitls_tls_version_from_name(name, &v), UNITLS_OK, name, "from_name");
    ck_assert_int_eq(v, versions[_i].v);
}
END_TEST

START_TEST(test_version_underscore_aliases)
{
    enum unitls_tls_version v = UNITLS_TLS_VERSION_UNSET;
    ck_assert_int_eq(unitls_tls_version_from_name("TLSv1_2", &v), UNITLS_OK);
    ck_assert_int_eq(v, UNITLS_TLSv1_2);
    ck_assert_int_eq(unitls_tls_version_from_name("TLSv1_3", &v), UNITLS_OK);
    ck_assert_int_eq(v, UNITLS_TLSv1_3);
}
END_TEST

START_TEST(test_version_unknown)
{
    const char *bad[] = {"", "TLSv1.1", "TLSv1.0", "SSLv3", "tlsv1.2", "TLSv1.2 ", "TLSv1_1",
                         "1.2", "TLSv1.4", "minimum_supported"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum unitls_tls_version v = (enum unitls_tls_version)0x7777;
        ck_assert_msg(unitls_tls_version_from_name(bad[i], &v) == UNITLS_ERR_INVALID,
                      "\"%s\" was accepted", bad[i]);
        ck_assert_int_eq(v, 0x7777);
    }
    enum unitls_tls_version v = UNITLS_TLSv1_2;
    ck_assert_int_eq(unitls_tls_version_from_name(NULL, &v), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_tls_version_from_name("TLSv1.3", NULL), UNITLS_ERR_INVALID);
    /* TLS 1.0 and 1.1 (insecure.h only) have names for reports, but are never parsed. */
    ck_assert_str_eq(unitls_tls_version_name(UNITLS_TLSv1_0), "TLSv1.0");
    ck_assert_str_eq(unitls_tls_version_name(UNITLS_TLSv1_1), "TLSv1.1");
    ck_assert_ptr_null(unitls_tls_version_name((enum unitls_tls_version)0x0300));
    ck_assert_ptr_null(unitls_tls_version_name((enum unitls_tls_version)0x0305));
    ck_assert_ptr_null(unitls_tls_version_name((enum unitls_tls_version)2));
}
END_TEST

/* --- protocols --- */

static const struct {
    enum unitls_next_protocol p;
    const char *bytes;
} protocols[] = {
    {UNITLS_NEXT_PROTOCOL_H2, "h2"},
    {UNITLS_NEXT_PROTOCOL_H2C, "h2c"},
    {UNITLS_NEXT_PROTOCOL_HTTP1, "http/1.1"},
    {UNITLS_NEXT_PROTOCOL_WEBRTC, "webrtc"},
    {UNITLS_NEXT_PROTOCOL_C_WEBRTC, "c-webrtc"},
    {UNITLS_NEXT_PROTOCOL_FTP, "ftp"},
    {UNITLS_NEXT_PROTOCOL_STUN, "stun.nat-discovery"},
    {UNITLS_NEXT_PROTOCOL_TURN, "stun.turn"},
};
#define N_PROTOCOLS ((int)(sizeof protocols / sizeof protocols[0]))

/* One run per member: the wire bytes, and the bytes mapped back. */
START_TEST(test_protocol_both_ways)
{
    size_t len = 0;
    const uint8_t *bytes = unitls_next_protocol_bytes(protocols[_i].p, &len);
    ck_assert_ptr_nonnull(bytes);
    ck_assert_uint_eq(len, strlen(protocols[_i].bytes));
    ck_assert_mem_eq(bytes, protocols[_i].bytes, len);
    enum unitls_next_protocol p = (enum unitls_next_protocol)0;
    ck_assert_int_eq(unitls_next_protocol_from_bytes((const uint8_t *)protocols[_i].bytes,
                                                     strlen(protocols[_i].bytes), &p),
                     UNITLS_OK);
    ck_assert_int_eq(p, protocols[_i].p);
}
END_TEST

START_TEST(test_protocol_unknown)
{
    const enum unitls_next_protocol outside[] = {(enum unitls_next_protocol)0,
                                                 (enum unitls_next_protocol)9,
                                                 (enum unitls_next_protocol)1000};
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        size_t len = 0;
        ck_assert_ptr_null(unitls_next_protocol_bytes(outside[i], &len));
    }
    /* bytes that are not exactly a member: other names, other case, prefixes, extensions */
    const struct {
        const char *bytes;
        size_t len;
    } bad[] = {{"h3", 2}, {"H2", 2}, {"h2\0", 3}, {"h", 1}, {"http/1", 6}, {"http/1.10", 9},
               {"stun", 4}, {"ftp ", 4}, {"spdy/3.1", 8}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        enum unitls_next_protocol p = (enum unitls_next_protocol)77;
        ck_assert_msg(unitls_next_protocol_from_bytes((const uint8_t *)bad[i].bytes, bad[i].len,
                                                      &p) == UNITLS_ERR_INVALID,
                      "\"%s\" (%zu bytes) was accepted", bad[i].bytes, bad[i].len);
        ck_assert_int_eq(p, 77);
    }
    enum unitls_next_protocol p = (enum unitls_next_protocol)77;
    ck_assert_int_eq(unitls_next_protocol_from_bytes((const uint8_t *)"h2", 0, &p),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_next_protocol_from_bytes(NULL, 2, &p), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_next_protocol_from_bytes((const uint8_t *)"h2", 2, NULL),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(p, 77);
}
END_TEST

/* --- the builders' ALPN rule, on both sides --- */

/* A server builder needs a chain to build; its content does not matter to the core. */
static unitls_server_config_builder *server_builder(void)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_buffer("leaf", 4, &err);
    ck_assert_msg(leaf != NULL, "%s", err.message);
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, NULL, NULL, 0, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    unitls_server_config_builder_add_certificate_chain(b, s);
    unitls_signing_chain_unref(s);
    unitls_certificate_unref(leaf);
    return b;
}

/* Adds one protocol of len bytes to a fresh client (server == 0) or server builder; it must be
 * refused at once and again at build, with a message stating the 1-to-255-byte rule. */
static void expect_protocol_refused(int server, const void *bytes, size_t len)
{
    unitls_error err;
    unitls_error_clear(&err);
    if (server) {
        unitls_server_config_builder *b = server_builder();
        ck_assert_int_eq(unitls_server_config_builder_add_inner_protocol(b, bytes, len),
                         UNITLS_ERR_CONFIGURATION);
        ck_assert_ptr_null(unitls_server_config_builder_build(b, &err));
        unitls_server_config_builder_free(b);
    } else {
        unitls_client_config_builder *b = unitls_client_config_builder_new();
        ck_assert_int_eq(unitls_client_config_builder_add_inner_protocol(b, bytes, len),
                         UNITLS_ERR_CONFIGURATION);
        ck_assert_ptr_null(unitls_client_config_builder_build(b, &err));
        unitls_client_config_builder_free(b);
    }
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "build", err.message);
    ck_assert_msg(strstr(err.message, "protocol") != NULL, "message: %s", err.message);
    ck_assert_msg(strstr(err.message, "255") != NULL, "message: %s", err.message);
}

/* Loop over sides (0 client, 1 server). */
START_TEST(test_alpn_empty_refused)
{
    expect_protocol_refused(_i, "h2", 0);
    expect_protocol_refused(_i, NULL, 0);
}
END_TEST

START_TEST(test_alpn_too_long_refused)
{
    uint8_t name[1024];
    memset(name, 'a', sizeof name);
    expect_protocol_refused(_i, name, 256);
    expect_protocol_refused(_i, name, sizeof name);
    expect_protocol_refused(_i, name, (size_t)-1);
}
END_TEST

/* 1 and 255 bytes (the bounds), with arbitrary byte values including NUL, keep their order
 * and bytes through build. */
static void check_protocols_kept(size_t n, const uint8_t *(*get)(const void *, size_t, size_t *),
                                 const void *cfg, const uint8_t *const *want, const size_t *lens,
                                 size_t n_want)
{
    ck_assert_uint_eq(n, n_want);
    for (size_t i = 0; i < n_want; i++) {
        size_t len = 0;
        const uint8_t *p = get(cfg, i, &len);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(len, lens[i]);
        ck_assert_mem_eq(p, want[i], len);
    }
    size_t len = 99;
    ck_assert_ptr_null(get(cfg, n_want, &len));
}

static const uint8_t *client_protocol(const void *cfg, size_t i, size_t *len)
{
    return unitls_client_config_inner_protocol(cfg, i, len);
}

static const uint8_t *server_protocol(const void *cfg, size_t i, size_t *len)
{
    return unitls_server_config_inner_protocol(cfg, i, len);
}

START_TEST(test_alpn_bounds_and_order_kept)
{
    uint8_t longest[UNITLS_PROTOCOL_NAME_MAX];
    for (size_t i = 0; i < sizeof longest; i++)
        longest[i] = (uint8_t)(i * 7 + 1);
    static const uint8_t one[1] = {'x'};
    static const uint8_t binary[4] = {0x00, 0xff, 0x00, 0x01};
    const uint8_t *want[] = {longest, (const uint8_t *)"h2", one, binary,
                             (const uint8_t *)"http/1.1"};
    const size_t lens[] = {sizeof longest, 2, 1, sizeof binary, 8};
    const size_t n_want = sizeof lens / sizeof lens[0];
    unitls_error err;

    if (_i == 0) {
        unitls_client_config_builder *b = unitls_client_config_builder_new();
        for (size_t i = 0; i < n_want; i++)
            ck_assert_int_eq(unitls_client_config_builder_add_inner_protocol(b, want[i], lens[i]),
                             UNITLS_OK);
        unitls_client_config *c = unitls_client_config_builder_build(b, &err);
        ck_assert_msg(c != NULL, "%s", err.message);
        check_protocols_kept(unitls_client_config_n_inner_protocols(c), client_protocol, c, want,
                             lens, n_want);
        unitls_client_config_unref(c);
        unitls_client_config_builder_free(b);
    } else {
        unitls_server_config_builder *b = server_builder();
        for (size_t i = 0; i < n_want; i++)
            ck_assert_int_eq(unitls_server_config_builder_add_inner_protocol(b, want[i], lens[i]),
                             UNITLS_OK);
        unitls_server_config *c = unitls_server_config_builder_build(b, &err);
        ck_assert_msg(c != NULL, "%s", err.message);
        check_protocols_kept(unitls_server_config_n_inner_protocols(c), server_protocol, c, want,
                             lens, n_want);
        unitls_server_config_unref(c);
        unitls_server_config_builder_free(b);
    }
}
END_TEST

/* The enum's bytes are what a builder takes: adding every well-known protocol by its bytes
 * gives back each one, recognised by from_bytes. */
START_TEST(test_alpn_well_known_through_config)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    for (int i = 0; i < N_PROTOCOLS; i++) {
        size_t len = 0;
        const uint8_t *bytes = unitls_next_protocol_bytes(protocols[i].p, &len);
        ck_assert_int_eq(unitls_client_config_builder_add_inner_protocol(b, bytes, len),
                         UNITLS_OK);
    }
    unitls_error err;
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    ck_assert_uint_eq(unitls_client_config_n_inner_protocols(c), (size_t)N_PROTOCOLS);
    for (int i = 0; i < N_PROTOCOLS; i++) {
        size_t len = 0;
        const uint8_t *p = unitls_client_config_inner_protocol(c, (size_t)i, &len);
        enum unitls_next_protocol got = (enum unitls_next_protocol)0;
        ck_assert_int_eq(unitls_next_protocol_from_bytes(p, len, &got), UNITLS_OK);
        ck_assert_int_eq(got, protocols[i].p);
    }
    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);
}
END_TEST

static Suite *versions_protocols_suite(void)
{
    Suite *s = suite_create("core_versions_protocols");
    TCase *tc = tcase_create("versions");
    tcase_add_test(tc, test_version_constants);
    tcase_add_loop_test(tc, test_version_names_both_ways, 0, N_VERSIONS);
    tcase_add_test(tc, test_version_underscore_aliases);
    tcase_add_test(tc, test_version_unknown);
    suite_add_tcase(s, tc);

    tc = tcase_create("protocols");
    tcase_add_loop_test(tc, test_protocol_both_ways, 0, N_PROTOCOLS);
    tcase_add_test(tc, test_protocol_unknown);
    tcase_add_loop_test(tc, test_alpn_empty_refused, 0, 2);
    tcase_add_loop_test(tc, test_alpn_too_long_refused, 0, 2);
    tcase_add_loop_test(tc, test_alpn_bounds_and_order_kept, 0, 2);
    tcase_add_test(tc, test_alpn_well_known_through_config);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(versions_protocols_suite());
}
