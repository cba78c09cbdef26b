/* Check suite for failure_log, the per-worker count and log rate limit of failed handshakes:
 * every failure counted per listener and reason, at most FAILURE_LOG_LINES_PER_S lines a
 * window per listener and reason, the suppressed ones reported once (by the next window's
 * first line or by a flush after the window), and the names of the reasons. Time is passed
 * in: nothing sleeps. */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "daemon/failure_log.h"
#include "daemon/log.h"

struct reported {
    unsigned n_calls;
    char listener[FAILURE_LOG_NAME_MAX + 1];
    enum failure_reason reason;
    uint64_t n;
};

static void on_report(void *arg, const char *listener, enum failure_reason r, uint64_t n)
{
    struct reported *rep = arg;
    rep->n_calls++;
    strncpy(rep->listener, listener, FAILURE_LOG_NAME_MAX);
    rep->reason = r;
    rep->n += n;
}

/* How many of n failures at now_ms got a line. */
static unsigned record_n(struct failure_log *fl, const char *listener, enum failure_reason r,
                         uint64_t now_ms, unsigned n, uint64_t *suppressed_seen)
{
    unsigned lines = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t before = 0;
        if (failure_log_record(fl, listener, r, now_ms, &before) == FAILURE_LOG_LINE)
            lines++;
        *suppressed_seen += before;
    }
    return lines;
}

static uint64_t count_of(const struct failure_log *fl, const char *listener,
                         enum failure_reason r)
{
    uint64_t counts[FAILURE_REASONS] = {0};
    failure_log_counts(fl, listener, counts);
    return counts[r];
}

START_TEST(reason_names)
{
    ck_assert_str_eq(failure_reason_name(FAILURE_VERSION), "version");
    ck_assert_str_eq(failure_reason_name(FAILURE_CLIENT_CERTIFICATE), "client_certificate");
    ck_assert_str_eq(failure_reason_name(FAILURE_NOT_TLS), "not_tls");
    ck_assert_str_eq(failure_reason_name(FAILURE_TIMEOUT), "timeout");
    ck_assert_str_eq(failure_reason_name(FAILURE_PEER_CLOSED), "peer_closed");
    ck_assert_str_eq(failure_reason_name(FAILURE_OTHER), "other");
    ck_assert_str_eq(failure_reason_name((enum failure_reason)99), "other");
}
END_TEST

START_TEST(few_failures_all_logged)
{
    struct failure_log fl;
    failure_log_init(&fl);
    uint64_t seen = 0;
    ck_assert_uint_eq(record_n(&fl, "web", FAILURE_VERSION, 5000, FAILURE_LOG_LINES_PER_S, &seen),
                      FAILURE_LOG_LINES_PER_S);
    ck_assert_uint_eq(seen, 0);
    ck_assert_uint_eq(count_of(&fl, "web", FAILURE_VERSION), FAILURE_LOG_LINES_PER_S);
    ck_assert_uint_eq(count_of(&fl, "web", FAILURE_CIPHER), 0);
    ck_assert_uint_eq(count_of(&fl, "other", FAILURE_VERSION), 0);
    failure_log_fini(&fl);
}
END_TEST

START_TEST(flood_limited_and_counted)
{
    struct failure_log fl;
    failure_log_init(&fl);
    uint64_t seen = 0;
    unsigned lines = record_n(&fl, "web", FAILURE_NOT_TLS, 1000, 120, &seen);
    lines += record_n(&fl, "web", FAILURE_NOT_TLS, 1999, 80, &seen);
    ck_assert_uint_eq(lines, FAILURE_LOG_LINES_PER_S);
    ck_assert_uint_eq(count_of(&fl, "web", FAILURE_NOT_TLS), 200);
    /* The next window's first line hands over what the last one suppressed, once. */
    uint64_t before = 0;
    ck_assert_int_eq(failure_log_record(&fl, "web", FAILURE_NOT_TLS, 2000, &before),
                     FAILURE_LOG_LINE);
    ck_assert_uint_eq(before, 200 - FAILURE_LOG_LINES_PER_S);
    ck_assert_int_eq(failure_log_record(&fl, "web", FAILURE_NOT_TLS, 2001, &before),
                     FAILURE_LOG_LINE);
    ck_assert_uint_eq(before, 0);
    failure_log_fini(&fl);
}
END_TEST

START_TEST(limit_per_listener_and_reason)
{
    struct failure_log fl;
    failure_log_init(&fl);
    uint64_t seen = 0;
    const unsigned limit = FAILURE_LOG_LINES_PER_S;
    ck_assert_uint_eq(record_n(&fl, "a", FAILURE_VERSION, 100, 30, &seen), limit);
    ck_assert_uint_eq(record_n(&fl, "a", FAILURE_CIPHER, 100, 30, &seen), limit);
    ck_assert_uint_eq(record_n(&fl, "b", FAILURE_VERSION, 100, 30, &seen), limit);
    ck_assert_uint_eq(count_of(&fl, "a", FAILURE_VERSION), 30);
    ck_assert_uint_eq(count_of(&fl, "a", FAILURE_CIPHER), 30);
    ck_assert_uint_eq(count_of(&fl, "b", FAILURE_VERSION), 30);
    failure_log_fini(&fl);
}
END_TEST

START_TEST(flush_reports_after_window_once)
{
    struct failure_log fl;
    failure_log_init(&fl);
    uint64_t seen = 0, due = 0;
    record_n(&fl, "web", FAILURE_TIMEOUT, 10000, 25, &seen);
    struct reported rep = {0};
    ck_assert_int_eq(failure_log_flush(&fl, 10500, on_report, &rep, &due), 1);
    ck_assert_uint_eq(rep.n_calls, 0);
    ck_assert_uint_eq(due, 10000 + FAILURE_LOG_WINDOW_MS);
    ck_assert_int_eq(failure_log_flush(&fl, due, on_report, &rep, &due), 0);
    ck_assert_uint_eq(rep.n_calls, 1);
    ck_assert_str_eq(rep.listener, "web");
    ck_assert_int_eq(rep.reason, FAILURE_TIMEOUT);
    ck_assert_uint_eq(rep.n, 25 - FAILURE_LOG_LINES_PER_S);
    /* Reported once: neither a later flush nor the next line says it again. */
    ck_assert_int_eq(failure_log_flush(&fl, 20000, on_report, &rep, &due), 0);
    ck_assert_uint_eq(rep.n_calls, 1);
    uint64_t before = 99;
    ck_assert_int_eq(failure_log_record(&fl, "web", FAILURE_TIMEOUT, 20000, &before),
                     FAILURE_LOG_LINE);
    ck_assert_uint_eq(before, 0);
    failure_log_fini(&fl);
}
END_TEST

START_TEST(flush_at_shutdown_reports_all)
{
    struct failure_log fl;
    failure_log_init(&fl);
    uint64_t seen = 0, due = 0;
    record_n(&fl, "web", FAILURE_PEER_CLOSED, 500, 12, &seen);
    struct reported rep = {0};
    ck_assert_int_eq(failure_log_flush(&fl, UINT64_MAX, on_report, &rep, &due), 0);
    ck_assert_uint_eq(rep.n, 2);
    failure_log_fini(&fl);
}
END_TEST

START_TEST(clock_stepping_back_opens_a_window)
{
    struct failure_log fl;
    failure_log_init(&fl);
    uint64_t seen = 0;
    ck_assert_uint_eq(record_n(&fl, "web", FAILURE_GROUP, 50000, 15, &seen),
                      FAILURE_LOG_LINES_PER_S);
    uint64_t before = 0;
    ck_assert_int_eq(failure_log_record(&fl, "web", FAILURE_GROUP, 40000, &before),
                     FAILURE_LOG_LINE);
    ck_assert_uint_eq(before, 5);
    failure_log_fini(&fl);
}
END_TEST

START_TEST(long_names_cut_and_out_of_range_reason)
{
    char name[200];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    struct failure_log fl;
    failure_log_init(&fl);
    uint64_t seen = 0;
    record_n(&fl, name, (enum failure_reason)77, 0, 3, &seen);
    ck_assert_uint_eq(count_of(&fl, name, FAILURE_OTHER), 3);
    failure_log_fini(&fl);
}
END_TEST

START_TEST(library_reasons_mapped)
{
    ck_assert_int_eq(failure_reason_from_library(UNITLS_HANDSHAKE_FAILURE_VERSION),
                     FAILURE_VERSION);
    ck_assert_int_eq(failure_reason_from_library(UNITLS_HANDSHAKE_FAILURE_CERTIFICATE),
                     FAILURE_CLIENT_CERTIFICATE);
    ck_assert_int_eq(failure_reason_from_library(UNITLS_HANDSHAKE_FAILURE_NOT_TLS),
                     FAILURE_NOT_TLS);
    ck_assert_int_eq(failure_reason_from_library(UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED),
                     FAILURE_PEER_CLOSED);
    ck_assert_int_eq(failure_reason_from_library(UNITLS_HANDSHAKE_FAILURE_NONE), FAILURE_OTHER);
    ck_assert_int_eq(failure_reason_from_library((enum unitls_handshake_failure)55),
                     FAILURE_OTHER);
}
END_TEST

START_TEST(facts_sanitized_quotes_kept)
{
    char facts[] = "first_bytes=\"GET /\x01\\\n\" check=\"unknown CA\"";
    failure_facts_sanitize(facts);
    ck_assert_str_eq(facts, "first_bytes=\"GET /???\" check=\"unknown CA\"");
}
END_TEST

START_TEST(cut_facts_end_at_an_item)
{
    char facts[32] = "offered=AAAA,BBBB,CCCC,DDDD,EEE";
    failure_facts_trim(facts, sizeof facts);
    ck_assert_str_eq(facts, "offered=AAAA,BBBB,CCCC,...");
    char quoted[24] = "check=\"unknown CA xyzwv";
    failure_facts_trim(quoted, sizeof quoted);
    ck_assert_str_eq(quoted, "check=\"unknown CA ...\"");
    char whole[32] = "offered=TLSv1.0";
    failure_facts_trim(whole, sizeof whole);
    ck_assert_str_eq(whole, "offered=TLSv1.0");
}
END_TEST

START_TEST(note_logs_until_the_limit)
{
    struct failure_log fl;
    failure_log_init(&fl);
    log_set_level(LOG_PRIO_ERROR); /* the lines themselves are the integration test's */
    struct failure_note n = {.listener = "web", .client = "127.0.0.1:1", .reason = FAILURE_SNI,
                             .facts = "sni=x"};
    unsigned suppressed = 0;
    for (unsigned i = 0; i < 15; i++)
        suppressed += (unsigned)failure_log_note(&fl, &n, 7000);
    ck_assert_uint_eq(suppressed, 15 - FAILURE_LOG_LINES_PER_S);
    uint64_t due = 0;
    ck_assert_int_eq(failure_log_flush_lines(&fl, 7000, &due), 1);
    ck_assert_int_eq(failure_log_flush_lines(&fl, due, &due), 0);
    ck_assert_uint_eq(count_of(&fl, "web", FAILURE_SNI), 15);
    failure_log_fini(&fl);
}
END_TEST

static Suite *failure_log_suite(void)
{
    Suite *s = suite_create("daemon_failure_log");
    TCase *tc = tcase_create("failure_log");
    tcase_add_test(tc, reason_names);
    tcase_add_test(tc, few_failures_all_logged);
    tcase_add_test(tc, flood_limited_and_counted);
    tcase_add_test(tc, limit_per_listener_and_reason);
    tcase_add_test(tc, flush_reports_after_window_once);
    tcase_add_test(tc, flush_at_shutdown_reports_all);
    tcase_add_test(tc, clock_stepping_back_opens_a_window);
    tcase_add_test(tc, long_names_cut_and_out_of_range_reason);
    tcase_add_test(tc, library_reasons_mapped);
    tcase_add_test(tc, facts_sanitized_quotes_kept);
    tcase_add_test(tc, cut_facts_end_at_an_item);
    tcase_add_test(tc, note_logs_until_the_limit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(failure_log_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
