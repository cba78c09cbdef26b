/* Warnings (warning.h) and PEP 748's SecurityWarning (insecure.h): the installed handler gets
 * each warning with its category, message and argument; NULL restores the default, one line
 * on stderr; every insecure switch, configuration, context and connection raises one warning
 * each time it is made, and secure ones raise none; the handler and its argument always
 * travel together, and warnings raised from several threads at once each reach the handler
 * exactly once. Contexts and buffers come from the default implementation. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <unitls/insecure.h>
#include <unitls/unitls.h>

#include "testutil.h"

struct seen {
    int count;
    int non_security; /* warnings of another category */
    int empty;        /* warnings with an empty or NULL message */
    char last[UNITLS_ERROR_MESSAGE_SIZE];
};

static void count_warning(enum unitls_warning_category category, const char *message, void *arg)
{
    struct seen *s = arg;
    s->count++;
    s->non_security += category != UNITLS_WARNING_SECURITY;
    s->empty += !message || !*message;
    snprintf(s->last, sizeof s->last, "%s", message ? message : "(null)");
}

/* --- the handler --- */

START_TEST(test_handler_receives_warning)
{
    struct seen s = {0};
    unitls_set_warning_handler(count_warning, &s);
    unitls_warn(UNITLS_WARNING_SECURITY, "first");
    ck_assert_int_eq(s.count, 1);
    ck_assert_int_eq(s.non_security, 0);
    ck_assert_str_eq(s.last, "first");
    unitls_warn(UNITLS_WARNING_SECURITY, "second");
    ck_assert_int_eq(s.count, 2);
    ck_assert_str_eq(s.last, "second");
}
END_TEST

/* A handler may warn and replace the handler itself: no deadlock, and the replacement takes
 * the next warning. */
static void rewarn_then_replace(enum unitls_warning_category c, const char *m, void *arg)
{
    struct seen *s = arg;
    count_warning(c, m, s);
    if (s->count == 1) {
        unitls_warn(UNITLS_WARNING_SECURITY, "from inside");
        unitls_set_warning_handler(count_warning, s);
    }
}

START_TEST(test_handler_may_reenter)
{
    struct seen s = {0};
    unitls_set_warning_handler(rewarn_then_replace, &s);
    unitls_warn(UNITLS_WARNING_SECURITY, "outer");
    ck_assert_int_eq(s.count, 2);
    ck_assert_str_eq(s.last, "from inside");
    unitls_warn(UNITLS_WARNING_SECURITY, "after");
    ck_assert_int_eq(s.count, 3);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* A NULL message reaches the handler as "", never as NULL. */
START_TEST(test_null_message)
{
    struct seen s = {0};
    unitls_set_warning_handler(count_warning, &s);
    unitls_warn(UNITLS_WARNING_SECURITY, NULL);
    ck_assert_int_eq(s.count, 1);
    ck_assert_str_eq(s.last, "");
}
END_TEST

/* Installing another handler replaces the first. */
START_TEST(test_handler_replaced)
{
    struct seen a = {0}, b = {0};
    unitls_set_warning_handler(count_warning, &a);
    unitls_warn(UNITLS_WARNING_SECURITY, "to a");
    unitls_set_warning_handler(count_warning, &b);
    unitls_warn(UNITLS_WARNING_SECURITY, "to b");
    ck_assert_int_eq(a.count, 1);
    ck_assert_int_eq(b.count, 1);
    ck_assert_str_eq(b.last, "to b");
}
END_TEST

/* NULL restores the default handler: one line on stderr naming SecurityWarning, every time;
 * the handler replaced is not called any more. */
START_TEST(test_default_handler_writes_stderr)
{
    FILE *capture = tmpfile();
    ck_assert_ptr_nonnull(capture);
    int fd = fileno(capture);
    struct seen s = {0};
    unitls_set_warning_handler(count_warning, &s);
    unitls_set_warning_handler(NULL, &s);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
    unitls_warn(UNITLS_WARNING_SECURITY, "check default handler");
    unitls_warn(UNITLS_WARNING_SECURITY, "check default handler");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);

    char out[512] = {0};
    ssize_t got = pread(fd, out, sizeof out - 1, 0);
    fclose(capture);
    ck_assert_int_gt(got, 0);
    ck_assert_int_eq(s.count, 0);
    const char *line2 = strchr(out, '\n');
    ck_assert_msg(line2 != NULL, "no newline in \"%s\"", out);
    ck_assert_msg(strstr(out, "SecurityWarning") != NULL, "stderr: \"%s\"", out);
    ck_assert_msg(strstr(out, "check default handler") != NULL, "stderr: \"%s\"", out);
    line2++;
    ck_assert_msg(strstr(line2, "check default handler") != NULL, "the second warning is missing");
    ck_assert_msg(strchr(line2, '\n') == line2 + strlen(line2) - 1, "not one line each: \"%s\"",
                  out);
}
END_TEST

/* --- SecurityWarnings from insecure objects --- */

static unitls_client_config *build(const unitls_client_config_builder *b)
{
    unitls_error err;
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    return c;
}

/* One run per switch (0: disable_verification, 1: disable_hostname_check). Each step adds
 * exactly one warning: the switch, each build, the context, each connection. */
START_TEST(test_insecure_client_warns_each_time)
{
    struct seen s = {0};
    unitls_set_warning_handler(count_warning, &s);
    unitls_client_config_builder *b = tu_client_builder();
    ck_assert_int_eq(s.count, 0);
    unitls_status st = _i == 0 ? unitls_insecure_client_config_builder_disable_verification(b)
                               : unitls_insecure_client_config_builder_disable_hostname_check(b);
    ck_assert_int_eq(st, UNITLS_OK);
    ck_assert_int_eq(s.count, 1);

    unitls_client_config *c1 = build(b);
    ck_assert_int_eq(s.count, 2);
    unitls_client_config *c2 = build(b);
    ck_assert_int_eq(s.count, 3);

    unitls_error err;
    unitls_client_context *ctx = unitls_client_context_new(tu_impl(), c1, &err);
    ck_assert_msg(ctx != NULL, "context: %s", err.message);
    ck_assert_int_eq(s.count, 4);
    unitls_buffer *buffers[3];
    for (int i = 0; i < 3; i++) {
        buffers[i] = unitls_client_context_create_buffer(ctx, "example.org", &err);
        ck_assert_msg(buffers[i] != NULL, "buffer: %s", err.message);
        ck_assert_int_eq(s.count, 5 + i);
    }
    /* references and the end of objects raise nothing */
    unitls_client_config_ref(c1);
    unitls_client_config_unref(c1);
    for (int i = 0; i < 3; i++)
        unitls_buffer_free(buffers[i]);
    unitls_client_context_unref(ctx);
    unitls_client_config_unref(c1);
    unitls_client_config_unref(c2);
    unitls_client_config_builder_free(b);
    ck_assert_int_eq(s.count, 7);
    ck_assert_int_eq(s.non_security, 0);
    ck_assert_int_eq(s.empty, 0);
}
END_TEST

/* The same path through secure objects, client and server, raises nothing. */
START_TEST(test_secure_objects_silent)
{
    struct seen s = {0};
    unitls_set_warning_handler(count_warning, &s);
    unitls_client_context *cctx = tu_client_context();
    unitls_error err;
    unitls_buffer *cb = unitls_client_context_create_buffer(cctx, "example.org", &err);
    ck_assert_msg(cb != NULL, "%s", err.message);
    unitls_server_context *sctx = tu_server_context("example.org");
    unitls_buffer *sb = unitls_server_context_create_buffer(sctx, &err);
    ck_assert_msg(sb != NULL, "%s", err.message);
    unitls_buffer_free(cb);
    unitls_buffer_free(sb);
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
    ck_assert_msg(s.count == 0, "%d warnings, the last: %s", s.count, s.last);
}
END_TEST

/* A context made from an insecure configuration that is shared (one configuration, several
 * contexts) warns once per context. */
START_TEST(test_each_context_warns)
{
    struct seen s = {0};
    unitls_set_warning_handler(count_warning, &s);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_insecure_client_config_builder_disable_verification(b);
    unitls_client_config *c = build(b);
    int before = s.count;
    unitls_client_context *ctx[4];
    for (int i = 0; i < 4; i++) {
        ctx[i] = unitls_client_context_new(NULL, c, NULL);
        ck_assert_ptr_nonnull(ctx[i]);
    }
    ck_assert_int_eq(s.count - before, 4);
    ck_assert_msg(strstr(s.last, "context") != NULL, "the warning does not say what: %s", s.last);
    for (int i = 0; i < 4; i++)
        unitls_client_context_unref(ctx[i]);
    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);
}
END_TEST

/* --- threads --- */

#define N_THREADS 4
#define WARNINGS_PER_THREAD 2000

/* A deliberately slow read-modify-write: without the library's lock, concurrent warnings
 * would lose counts. */
static void count_slowly(enum unitls_warning_category category, const char *message, void *arg)
{
    (void)category;
    (void)message;
    volatile int *count = arg;
    int v = *count;
    for (volatile int spin = 0; spin < 200; spin++)
        ;
    *count = v + 1;
}

static void *warn_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < WARNINGS_PER_THREAD; i++)
        unitls_warn(UNITLS_WARNING_SECURITY, "from a thread");
    return NULL;
}

START_TEST(test_concurrent_warnings_counted_once)
{
    volatile int count = 0;
    unitls_set_warning_handler(count_slowly, (void *)&count);
    pthread_t threads[N_THREADS];
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, warn_many, NULL), 0);
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
    ck_assert_int_eq(count, N_THREADS * WARNINGS_PER_THREAD);
}
END_TEST

/* Two handlers, each with its own argument, swapped constantly while threads warn: a handler
 * must never run with the other's argument. */
static int tag_a, tag_b;
static atomic_int mismatches;

static void handler_a(enum unitls_warning_category c, const char *m, void *arg)
{
    (void)c;
    (void)m;
    if (arg != &tag_a)
        atomic_fetch_add(&mismatches, 1);
}

static void handler_b(enum unitls_warning_category c, const char *m, void *arg)
{
    (void)c;
    (void)m;
    if (arg != &tag_b)
        atomic_fetch_add(&mismatches, 1);
}

static void *swap_handlers(void *arg)
{
    (void)arg;
    for (int i = 0; i < 4 * WARNINGS_PER_THREAD; i++) {
        unitls_set_warning_handler(handler_a, &tag_a);
        unitls_set_warning_handler(handler_b, &tag_b);
    }
    return NULL;
}

START_TEST(test_handler_and_argument_together)
{
    atomic_init(&mismatches, 0);
    unitls_set_warning_handler(handler_a, &tag_a);
    pthread_t swapper, warners[N_THREADS];
    ck_assert_int_eq(pthread_create(&swapper, NULL, swap_handlers, NULL), 0);
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_create(&warners[i], NULL, warn_many, NULL), 0);
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_join(warners[i], NULL), 0);
    ck_assert_int_eq(pthread_join(swapper, NULL), 0);
    int wrong = atomic_load(&mismatches);
    ck_assert_msg(wrong == 0, "%d warnings reached a handler with the other's argument", wrong);
}
END_TEST

static Suite *warning_suite(void)
{
    Suite *s = suite_create("core_warning");
    TCase *tc = tcase_create("handler");
    tcase_add_test(tc, test_handler_receives_warning);
    tcase_add_test(tc, test_handler_may_reenter);
    tcase_add_test(tc, test_null_message);
    tcase_add_test(tc, test_handler_replaced);
    tcase_add_test(tc, test_default_handler_writes_stderr);
    suite_add_tcase(s, tc);

    tc = tcase_create("security");
    tcase_add_loop_test(tc, test_insecure_client_warns_each_time, 0, 2);
    tcase_add_test(tc, test_secure_objects_silent);
    tcase_add_test(tc, test_each_context_warns);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_test(tc, test_concurrent_warnings_counted_once);
    tcase_add_test(tc, test_handler_and_argument_together);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(warning_suite());
}
