/* Statuses and unitls_error (status.h), and the library version (unitls.h): every status has
 * its constant's name, the PEP's TLSError family is told apart from the rest, an error record
 * can be cleared, and a failing call fills the caller's record with a status and a message
 * naming the cause (or tolerates a NULL record). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <unitls/unitls.h>

#include "config.h"
#include "testutil.h"

/* The expected answers, written out independently of the library's own tables. */
static const struct {
    unitls_status status;
    const char *name;
    int is_tls_error;
} expected_statuses[] = {
    {UNITLS_OK, "UNITLS_OK", 0},
    {UNITLS_WANT_READ, "UNITLS_WANT_READ", 1},
    {UNITLS_WANT_WRITE, "UNITLS_WANT_WRITE", 1},
    {UNITLS_RAGGED_EOF, "UNITLS_RAGGED_EOF", 1},
    {UNITLS_ERR_CONFIGURATION, "UNITLS_ERR_CONFIGURATION", 1},
    {UNITLS_ERR_TLS, "UNITLS_ERR_TLS", 1},
    {UNITLS_ERR_CERTIFICATE, "UNITLS_ERR_CERTIFICATE", 1},
    {UNITLS_ERR_INVALID, "UNITLS_ERR_INVALID", 0},
    {UNITLS_ERR_NOMEM, "UNITLS_ERR_NOMEM", 0},
    {UNITLS_ERR_IO, "UNITLS_ERR_IO", 0},
};
#define N_STATUSES ((int)(sizeof expected_statuses / sizeof expected_statuses[0]))

/* One run per status: its name. */
START_TEST(test_status_name)
{
    const char *got = unitls_status_name(expected_statuses[_i].status);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, expected_statuses[_i].name);
}
END_TEST

/* One run per status: whether PEP 748 derives it from TLSError. */
START_TEST(test_status_is_tls_error)
{
    ck_assert_int_eq(unitls_status_is_tls_error(expected_statuses[_i].status),
                     expected_statuses[_i].is_tls_error);
}
END_TEST

/* The statuses are distinct and their names are too (no two share a table slot). */
START_TEST(test_status_names_distinct)
{
    for (int i = 0; i < N_STATUSES; i++)
        for (int j = i + 1; j < N_STATUSES; j++) {
            ck_assert_int_ne(expected_statuses[i].status, expected_statuses[j].status);
            ck_assert_str_ne(unitls_status_name(expected_statuses[i].status),
                             unitls_status_name(expected_statuses[j].status));
        }
}
END_TEST

/* Values outside the enum name themselves UNITLS_UNKNOWN and are no TLS errors. */
START_TEST(test_status_out_of_range)
{
    const int values[] = {N_STATUSES, 11, 255, 100000, -1};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        unitls_status st = (unitls_status)values[i];
        ck_assert_str_eq(unitls_status_name(st), "UNITLS_UNKNOWN");
        ck_assert_int_eq(unitls_status_is_tls_error(st), 0);
    }
}
END_TEST

START_TEST(test_error_clear)
{
    unitls_error err;
    memset(&err, 0x5a, sizeof err);
    err.status = UNITLS_ERR_TLS;
    unitls_error_clear(&err);
    ck_assert_int_eq(err.status, UNITLS_OK);
    ck_assert_str_eq(err.message, "");
    ck_assert_int_eq(err.impl_code, 0);
    unitls_error_clear(NULL); /* documented as harmless */
}
END_TEST

/* A failing constructor fills the caller's record: status, a message naming what failed, no
 * implementation code (the core involves no TLS library). */
START_TEST(test_error_filled_by_failing_call)
{
    unitls_error err;
    memset(&err, 0x5a, sizeof err);
    unitls_certificate *c = unitls_certificate_from_buffer("", 0, &err);
    ck_assert_ptr_null(c);
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "empty certificate", err.message);
    ck_assert_msg(memchr(err.message, '\0', sizeof err.message) != NULL,
                  "the message is not NUL-terminated");
    ck_assert_msg(strstr(err.message, "certificate") != NULL, "message: %s", err.message);
    ck_assert_msg(strstr(err.message, "empty") != NULL, "message: %s", err.message);
    ck_assert_int_eq(err.impl_code, 0);
}
END_TEST

/* A NULL record is allowed wherever an error record is taken; the status still says why. */
START_TEST(test_error_null_record)
{
    ck_assert_ptr_null(unitls_certificate_from_buffer(NULL, 0, NULL));
    ck_assert_ptr_null(unitls_private_key_from_file("", NULL));
    ck_assert_ptr_null(unitls_trust_store_from_id(NULL, 0, NULL));
    ck_assert_ptr_null(unitls_signing_chain_new(NULL, NULL, NULL, 0, NULL));
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    ck_assert_ptr_null(unitls_server_config_builder_build(b, NULL));
    unitls_server_config_builder_free(b);
}
END_TEST

/* The failing call leaves a long cause inside the fixed-size message, truncated, terminated. */
START_TEST(test_error_message_truncated)
{
    char path[2 * UNITLS_ERROR_MESSAGE_SIZE];
    memset(path, 'x', sizeof path - 1);
    path[0] = '/';
    path[sizeof path - 1] = '\0';
    unitls_certificate *c = unitls_certificate_from_file(path, NULL);
    ck_assert_ptr_nonnull(c);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_error err;
    unitls_signing_chain *s = unitls_signing_chain_new(c, NULL, NULL, 0, &err);
    ck_assert_ptr_nonnull(s);
    unitls_client_config_builder_set_certificate_chain(b, s);
    ck_assert_ptr_null(unitls_client_config_builder_build(b, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_uint_eq(strlen(err.message), UNITLS_ERROR_MESSAGE_SIZE - 1);
    unitls_client_config_builder_free(b);
    unitls_signing_chain_unref(s);
    unitls_certificate_unref(c);
}
END_TEST

/* The version string is the package's, MAJOR.MINOR.PATCH. */
START_TEST(test_version)
{
    const char *v = unitls_version();
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v, PACKAGE_VERSION);
    unsigned major, minor, patch;
    char tail;
    ck_assert_int_eq(sscanf(v, "%u.%u.%u%c", &major, &minor, &patch, &tail), 3);
}
END_TEST

static Suite *error_suite(void)
{
    Suite *s = suite_create("core_error");
    TCase *tc = tcase_create("status");
    tcase_add_loop_test(tc, test_status_name, 0, N_STATUSES);
    tcase_add_loop_test(tc, test_status_is_tls_error, 0, N_STATUSES);
    tcase_add_test(tc, test_status_names_distinct);
    tcase_add_test(tc, test_status_out_of_range);
    suite_add_tcase(s, tc);

    tc = tcase_create("error");
    tcase_add_test(tc, test_error_clear);
    tcase_add_test(tc, test_error_filled_by_failing_call);
    tcase_add_test(tc, test_error_null_record);
    tcase_add_test(tc, test_error_message_truncated);
    tcase_add_test(tc, test_version);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(error_suite());
}
