/* The version and ALPN rules every implementation shares (src/core/tls_params.h):
 * - versions: the configured bounds (UNSET, MINIMUM_SUPPORTED, 1.2, 1.3, MAXIMUM_SUPPORTED)
 *   map to wire versions and narrow to the versions that have a suite; each refusal has its
 *   exact message, and the outputs are written only on success;
 * - ALPN lists: names of 1 to 255 bytes are appended in wire format, others refused with
 *   their exact message and the list left as it was;
 * - ALPN selection: the first of the server's names that the client lists; none in common, or
 *   a client list that is malformed, selects nothing, reading no byte outside the lists. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/tls_params.h"

#define V12 UNITLS_TLSv1_2
#define V13 UNITLS_TLSv1_3
#define V_UNSET UNITLS_TLS_VERSION_UNSET
#define V_MIN UNITLS_TLS_VERSION_MINIMUM_SUPPORTED
#define V_MAX UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED
#define W12 TLS_PARAMS_TLS12
#define W13 TLS_PARAMS_TLS13
#define SENTINEL 0xBEEF

/* --- versions --- */

struct version_case {
    enum unitls_tls_version lowest, highest;
    int has12, has13;
    uint16_t lo, hi;
};

static const struct version_case allowed[] = {
    {V_UNSET, V_UNSET, 1, 1, W12, W13},
    {V_MIN, V_MAX, 1, 1, W12, W13},
    {V_MIN, V_MIN, 1, 1, W12, W12},
    {V_MAX, V_MAX, 1, 1, W13, W13},
    {V12, V12, 1, 1, W12, W12},
    {V13, V13, 1, 1, W13, W13},
    {V12, V13, 1, 1, W12, W13},
    {V_UNSET, V12, 1, 1, W12, W12},
    {V13, V_UNSET, 1, 1, W13, W13},
    {V_MIN, V_UNSET, 1, 1, W12, W13},
    {V_UNSET, V_MAX, 1, 1, W12, W13},
    /* narrowed to the versions with a suite */
    {V_UNSET, V_UNSET, 1, 0, W12, W12},
    {V_UNSET, V_UNSET, 0, 1, W13, W13},
    {V_MIN, V_MAX, 0, 1, W13, W13},
    {V12, V13, 1, 0, W12, W12},
    {V_UNSET, V12, 1, 0, W12, W12},
    {V13, V_MAX, 0, 1, W13, W13},
    /* the legacy floor and ceiling (insecure.h) */
    {UNITLS_TLSv1_0, V_UNSET, 1, 1, 0x0301, W13},
    {UNITLS_TLSv1_1, V12, 1, 1, 0x0302, W12},
    {UNITLS_TLSv1_0, UNITLS_TLSv1_0, 1, 1, 0x0301, 0x0301},
    {UNITLS_TLSv1_0, V_UNSET, 0, 1, W13, W13},
};

START_TEST(test_versions_allowed)
{
    const struct version_case *vc = &allowed[_i];
    uint16_t lo = SENTINEL, hi = SENTINEL;
    unitls_error err;
    unitls_status st = tls_params_versions(vc->lowest, vc->highest, vc->has12, vc->has13,
                                           "TestTLS", &lo, &hi, &err);
    ck_assert_msg(st == UNITLS_OK, "case %d: %s (%s)", _i, unitls_status_name(st), err.message);
    ck_assert_msg(lo == vc->lo && hi == vc->hi, "case %d: 0x%04x..0x%04x, expected 0x%04x..0x%04x",
                  _i, lo, hi, vc->lo, vc->hi);
}
END_TEST

struct refusal_case {
    enum unitls_tls_version lowest, highest;
    int has12, has13;
    const char *message;
};

static const struct refusal_case refused[] = {
    {(enum unitls_tls_version)0x0300, V_UNSET, 1, 1,
     "TLS version bound lowest is not supported by TestTLS"},
    {V_UNSET, (enum unitls_tls_version)0x0305, 1, 1,
     "TLS version bound highest is not supported by TestTLS"},
    {(enum unitls_tls_version)7, (enum unitls_tls_version)8, 1, 1,
     "TLS version bound lowest is not supported by TestTLS"},
    {V13, V12, 1, 1, "the lowest TLS version is above the highest"},
    {UNITLS_TLSv1_1, UNITLS_TLSv1_0, 1, 1, "the lowest TLS version is above the highest"},
    {V_MAX, V_MIN, 1, 1, "the lowest TLS version is above the highest"},
    {V13, V12, 0, 0, "the lowest TLS version is above the highest"},
    {V_UNSET, V_UNSET, 0, 0,
     "no configured cipher suite is usable with the allowed TLS versions "
     "(TLS 1.2 suites: none, TLS 1.3 suites: none)"},
    {V12, V12, 0, 1,
     "no configured cipher suite is usable with the allowed TLS versions "
     "(TLS 1.2 suites: none, TLS 1.3 suites: yes)"},
    {V13, V13, 1, 0,
     "no configured cipher suite is usable with the allowed TLS versions "
     "(TLS 1.2 suites: yes, TLS 1.3 suites: none)"},
    {V_MAX, V_MAX, 1, 0,
     "no configured cipher suite is usable with the allowed TLS versions "
     "(TLS 1.2 suites: yes, TLS 1.3 suites: none)"},
};

/* Each refusal: ERR_CONFIGURATION, its exact message, the outputs untouched. */
START_TEST(test_versions_refused)
{
    const struct refusal_case *rc = &refused[_i];
    uint16_t lo = SENTINEL, hi = SENTINEL;
    unitls_error err;
    unitls_error_clear(&err);
    unitls_status st = tls_params_versions(rc->lowest, rc->highest, rc->has12, rc->has13,
                                           "TestTLS", &lo, &hi, &err);
    ck_assert_msg(st == UNITLS_ERR_CONFIGURATION, "case %d: %s", _i, unitls_status_name(st));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_str_eq(err.message, rc->message);
    ck_assert_uint_eq(lo, SENTINEL);
    ck_assert_uint_eq(hi, SENTINEL);
}
END_TEST

/* A NULL error record is allowed. */
START_TEST(test_versions_null_error)
{
    uint16_t lo = SENTINEL, hi = SENTINEL;
    ck_assert_int_eq(tls_params_versions(V13, V12, 1, 1, "TestTLS", &lo, &hi, NULL),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(tls_params_versions(V_UNSET, V_UNSET, 1, 1, "TestTLS", &lo, &hi, NULL),
                     UNITLS_OK);
}
END_TEST

/* --- ALPN lists --- */

START_TEST(test_alpn_append_wire_format)
{
    uint8_t *wire = NULL;
    size_t len = 0;
    unitls_error err;
    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, (const uint8_t *)"h2", 2, &err),
                     UNITLS_OK);
    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, (const uint8_t *)"http/1.1", 8, &err),
                     UNITLS_OK);
    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, (const uint8_t *)"x", 1, &err),
                     UNITLS_OK);
    static const uint8_t want[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1', 1,
                                   'x'};
    ck_assert_uint_eq(len, sizeof want);
    ck_assert_int_eq(memcmp(wire, want, len), 0);
    free(wire);
}
END_TEST

/* 255 bytes is the longest name, 1 the shortest. */
START_TEST(test_alpn_append_bounds_accepted)
{
    uint8_t name[255];
    memset(name, 'n', sizeof name);
    uint8_t *wire = NULL;
    size_t len = 0;
    unitls_error err;
    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, name, 255, &err), UNITLS_OK);
    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, name, 1, &err), UNITLS_OK);
    ck_assert_uint_eq(len, 1 + 255 + 1 + 1);
    ck_assert_uint_eq(wire[0], 255);
    ck_assert_uint_eq(wire[256], 1);
    free(wire);
}
END_TEST

/* 0 bytes, 256 bytes and a NULL name are refused with their message; the list is kept. */
START_TEST(test_alpn_append_bounds_refused)
{
    uint8_t name[256];
    memset(name, 'n', sizeof name);
    uint8_t *wire = NULL;
    size_t len = 0;
    unitls_error err;
    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, (const uint8_t *)"h2", 2, &err),
                     UNITLS_OK);
    uint8_t *before = wire;

    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, name, 0, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_str_eq(err.message, "ALPN protocol of 0 bytes (1 to 255 expected)");
    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, name, 256, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_str_eq(err.message, "ALPN protocol of 256 bytes (1 to 255 expected)");
    ck_assert_int_eq(tls_params_alpn_append(&wire, &len, NULL, 3, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_str_eq(err.message, "ALPN protocol of 3 bytes (1 to 255 expected)");
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);

    ck_assert_ptr_eq(wire, before);
    ck_assert_uint_eq(len, 3);
    ck_assert_int_eq(memcmp(wire, "\002h2", 3), 0);
    free(wire);
}
END_TEST

/* --- ALPN selection --- */

/* An exact-size heap copy, so the sanitizers catch a read outside the list. */
static uint8_t *heap_copy(const void *src, size_t len)
{
    uint8_t *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, src, len);
    return p;
}

/* The name selected (copied into a static buffer), or NULL for none. */
static const char *selected(const void *ours, size_t ours_len, const void *theirs,
                            size_t theirs_len)
{
    static char name[256];
    uint8_t *o = heap_copy(ours, ours_len), *t = heap_copy(theirs, theirs_len);
    const uint8_t *out = NULL;
    uint8_t out_len = 0;
    int found = tls_params_alpn_select(o, ours_len, t, theirs_len, &out, &out_len);
    if (found) {
        ck_assert_msg(out >= o && out + out_len <= o + ours_len,
                      "the selected name does not point into the server's list");
        memcpy(name, out, out_len);
        name[out_len] = '\0';
    }
    free(o);
    free(t);
    return found ? name : NULL;
}

#define LIST(s) (s), (sizeof(s) - 1)

static const char h2_http11[] = "\002h2\010http/1.1";
static const char http11_h2[] = "\010http/1.1\002h2";

START_TEST(test_select_server_preference)
{
    ck_assert_str_eq(selected(LIST(h2_http11), LIST(http11_h2)), "h2");
    ck_assert_str_eq(selected(LIST(http11_h2), LIST(h2_http11)), "http/1.1");
    ck_assert_str_eq(selected(LIST("\002h2"), LIST("\006spdy/3\002h2")), "h2");
    ck_assert_str_eq(selected(LIST("\006spdy/3\002h2"), LIST("\002h2")), "h2");
}
END_TEST

START_TEST(test_select_no_overlap)
{
    ck_assert_ptr_null(selected(LIST(h2_http11), LIST("\006spdy/3")));
    /* a prefix is not the name, either way */
    ck_assert_ptr_null(selected(LIST("\002h2"), LIST("\003h2c")));
    ck_assert_ptr_null(selected(LIST("\003h2c"), LIST("\002h2")));
    /* case matters in ALPN */
    ck_assert_ptr_null(selected(LIST("\002h2"), LIST("\002H2")));
    /* the client offers nothing */
    ck_assert_ptr_null(selected(LIST(h2_http11), "", 0));
}
END_TEST

/* Malformed client lists: nothing past a length that runs beyond the list is read or
 * matched; complete names before it still count. */
START_TEST(test_select_malformed_client_lists)
{
    ck_assert_ptr_null(selected(LIST("\002h2"), LIST("\005h2")));
    ck_assert_ptr_null(selected(LIST("\002h2"), LIST("\377h2")));
    ck_assert_ptr_null(selected(LIST("\002h2"), LIST("\003")));
    ck_assert_ptr_null(selected(LIST("\002h2"), LIST("\010http/1\002h2")));
    ck_assert_str_eq(selected(LIST("\002h2"), LIST("\002h2\011http/1.1")), "h2");
    /* a zero-length entry is skipped, not a stop */
    ck_assert_str_eq(selected(LIST("\002h2"), "\000\002h2", 4), "h2");
    /* a name cut off by the list's end does not match its prefix */
    ck_assert_ptr_null(selected(LIST("\002h2"), LIST("\003h2")));
}
END_TEST

static Suite *tls_params_suite(void)
{
    Suite *s = suite_create("core_tls_params");
    TCase *tc = tcase_create("versions");
    tcase_add_loop_test(tc, test_versions_allowed, 0, (int)(sizeof allowed / sizeof allowed[0]));
    tcase_add_loop_test(tc, test_versions_refused, 0, (int)(sizeof refused / sizeof refused[0]));
    tcase_add_test(tc, test_versions_null_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("alpn_lists");
    tcase_add_test(tc, test_alpn_append_wire_format);
    tcase_add_test(tc, test_alpn_append_bounds_accepted);
    tcase_add_test(tc, test_alpn_append_bounds_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("alpn_selection");
    tcase_add_test(tc, test_select_server_preference);
    tcase_add_test(tc, test_select_no_overlap);
    tcase_add_test(tc, test_select_malformed_client_lists);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(tls_params_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
