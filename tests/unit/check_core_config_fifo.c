/* A configuration naming a FIFO (or any file whose open() waits for a peer) must fail its build
 * at once with UNITLS_ERR_CONFIGURATION naming the path, like any other file that is not a
 * regular file, instead of blocking the caller (a daemon reloading its configuration) forever.
 *
 * A plain open(O_RDONLY) of a FIFO waits for a writer before fstat() can tell it is no regular
 * file, so the loader has to open without blocking (O_NONBLOCK). Each build here is bounded by
 * alarm(): a build that blocks ends the test as an error. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unitls/unitls.h>

#include "testutil.h"

#define BUILD_SECONDS 3

static char fifo_dir[PATH_MAX - 32];
static char fifo_path[PATH_MAX];

static void fifo_create(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(fifo_dir, sizeof fifo_dir, "%s/unitls-core-fifo-XXXXXX",
             base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(fifo_dir) != NULL, "mkdtemp %s failed", fifo_dir);
    snprintf(fifo_path, sizeof fifo_path, "%s/material.pem", fifo_dir);
    ck_assert_msg(mkfifo(fifo_path, 0600) == 0, "mkfifo %s failed", fifo_path);
}

static void fifo_remove(void)
{
    unlink(fifo_path);
    rmdir(fifo_dir);
}

START_TEST(test_fifo_trust_store_refused_at_once)
{
    unitls_trust_store *t = unitls_trust_store_from_file(fifo_path, NULL);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_trust_store(b, t);
    unitls_error err;
    unitls_error_clear(&err);
    alarm(BUILD_SECONDS); /* SIGALRM ends this test as an error if the build blocks */
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    alarm(0);
    ck_assert_ptr_null(c);
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, fifo_path, err.message);
    ck_assert_msg(strstr(err.message, fifo_path) != NULL, "\"%s\" lacks the path", err.message);
    unitls_client_config_builder_free(b);
    unitls_trust_store_unref(t);
}
END_TEST

START_TEST(test_fifo_certificate_refused_at_once)
{
    unitls_certificate *c = unitls_certificate_from_file(fifo_path, NULL);
    unitls_signing_chain *s = unitls_signing_chain_new(c, NULL, NULL, 0, NULL);
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_server_config_builder_add_certificate_chain(b, s);
    unitls_error err;
    unitls_error_clear(&err);
    alarm(BUILD_SECONDS);
    unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
    alarm(0);
    ck_assert_ptr_null(cfg);
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, fifo_path, err.message);
    ck_assert_msg(strstr(err.message, fifo_path) != NULL, "\"%s\" lacks the path", err.message);
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(s);
    unitls_certificate_unref(c);
}
END_TEST

static Suite *config_fifo_suite(void)
{
    Suite *s = suite_create("core_config_fifo");
    TCase *tc = tcase_create("fifo");
    tcase_add_unchecked_fixture(tc, fifo_create, fifo_remove);
    tcase_add_test(tc, test_fifo_trust_store_refused_at_once);
    tcase_add_test(tc, test_fifo_certificate_refused_at_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(config_fifo_suite());
}
