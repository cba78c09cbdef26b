/* Check suites for unitls-load's pure modules: histogram (bucket precision, percentiles,
 * merge), options (values, HOST:PORT forms, usage errors), http (response framing) and stats
 * (reason mapping, merge). No sockets: these are the parts whose arithmetic the report's
 * figures rest on. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "load/histogram.h"
#include "load/http.h"
#include "load/options.h"
#include "load/stats.h"

/* --- histogram -------------------------------------------------------------------------- */

START_TEST(histogram_buckets_cover_values_within_precision)
{
    /* Every value lands in a bucket whose range holds it, and the range is narrow. */
    uint64_t v = 0;
    for (int i = 0; i < 200000; i++) {
        unsigned b = histogram_bucket_of(v);
        ck_assert_uint_le(histogram_bucket_low(b), v);
        ck_assert_uint_ge(histogram_bucket_high(b), v);
        uint64_t width = histogram_bucket_high(b) - histogram_bucket_low(b) + 1;
        ck_assert_uint_le(width * 128, v < 128 ? 128 : v);
        v = v < 1000 ? v + 1 : v + v / 97 + 1;
        if (v > (1ull << 44))
            break;
    }
}
END_TEST

START_TEST(histogram_buckets_are_contiguous)
{
    for (unsigned b = 1; b < HISTOGRAM_BUCKETS; b++)
        ck_assert_uint_eq(histogram_bucket_low(b), histogram_bucket_high(b - 1) + 1);
}
END_TEST

START_TEST(histogram_huge_values_clamp_into_last_bucket)
{
    ck_assert_uint_eq(histogram_bucket_of(UINT64_MAX), HISTOGRAM_BUCKETS - 1);
    struct histogram h;
    histogram_init(&h);
    histogram_record(&h, UINT64_MAX / 4);
    ck_assert_uint_eq(h.max_ns, UINT64_MAX / 4);
    ck_assert_uint_eq(histogram_percentile(&h, 50), UINT64_MAX / 4);
}
END_TEST

START_TEST(histogram_percentiles_of_uniform_values)
{
    static struct histogram h;
    histogram_init(&h);
    for (uint64_t i = 1; i <= 10000; i++)
        histogram_record(&h, i * 1000); /* 1 us .. 10 ms */
    double p50 = (double)histogram_percentile(&h, 50);
    double p99 = (double)histogram_percentile(&h, 99);
    double p999 = (double)histogram_percentile(&h, 99.9);
    ck_assert_double_le(abs((int)(p50 - 5000000.0)), 5000000.0 / 128 + 1000);
    ck_assert_double_le(abs((int)(p99 - 9900000.0)), 9900000.0 / 128 + 1000);
    ck_assert_double_le(abs((int)(p999 - 9990000.0)), 9990000.0 / 128 + 1000);
    ck_assert_uint_eq(histogram_percentile(&h, 100), 10000000);
    ck_assert_uint_eq(histogram_percentile(&h, 0), 1000);
    ck_assert_uint_eq(h.n, 10000);
    ck_assert_double_eq_tol(histogram_mean(&h), 5000500.0, 0.5);
}
END_TEST

START_TEST(histogram_small_values_are_exact)
{
    struct histogram h;
    histogram_init(&h);
    for (uint64_t i = 1; i <= 100; i++)
        histogram_record(&h, i);
    ck_assert_uint_eq(histogram_percentile(&h, 50), 50);
    ck_assert_uint_eq(histogram_percentile(&h, 90), 90);
    ck_assert_uint_eq(histogram_percentile(&h, 99), 99);
    ck_assert_uint_eq(histogram_percentile(&h, 99.9), 100);
}
END_TEST

START_TEST(histogram_merge_equals_recording_together)
{
    static struct histogram a, b, both;
    histogram_init(&a);
    histogram_init(&b);
    histogram_init(&both);
    for (uint64_t i = 0; i < 5000; i++) {
        uint64_t v = (i * 7919u) % 3000000u + 200000u;
        histogram_record(i % 3 ? &a : &b, v);
        histogram_record(&both, v);
    }
    histogram_record(&b, 90000000); /* one outlier on one worker only */
    histogram_record(&both, 90000000);
    histogram_merge(&a, &b);
    ck_assert_uint_eq(a.n, both.n);
    ck_assert_uint_eq(a.min_ns, both.min_ns);
    ck_assert_uint_eq(a.max_ns, 90000000);
    ck_assert_int_eq(memcmp(a.counts, both.counts, sizeof a.counts), 0);
    ck_assert_uint_eq(histogram_percentile(&a, 99.9), histogram_percentile(&both, 99.9));
}
END_TEST

START_TEST(histogram_empty_reports_zero)
{
    struct histogram h;
    histogram_init(&h);
    ck_assert_uint_eq(histogram_percentile(&h, 50), 0);
    ck_assert_double_eq(histogram_mean(&h), 0.0);
}
END_TEST

/* --- options ---------------------------------------------------------------------------- */

static enum options_result parse(struct load_options *o, char *err, const char *a1,
                                 const char *a2, const char *a3, const char *a4, const char *a5)
{
    char *argv[7] = {(char *)"unitls-load", (char *)a1, (char *)a2, (char *)a3, (char *)a4,
                     (char *)a5, NULL};
    int argc = 1;
    while (argc < 6 && argv[argc])
        argc++;
    return options_parse(argc, argv, o, err, 256);
}

START_TEST(options_defaults)
{
    struct load_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, "127.0.0.1:8443", NULL, NULL, NULL, NULL), OPTIONS_OK);
    ck_assert_int_eq(o.mode, MODE_HANDSHAKE);
    ck_assert_str_eq(o.host, "127.0.0.1");
    ck_assert_uint_eq(o.port, 8443);
    ck_assert_uint_eq(o.concurrency, 10);
    ck_assert_uint_eq(o.duration_ms, 10000);
    ck_assert_uint_eq(o.count, 0);
    ck_assert_uint_eq(o.workers, 1);
    ck_assert(o.rate == 0.0);
    ck_assert_ptr_null(o.cafile);
}
END_TEST

START_TEST(options_values_both_forms)
{
    struct load_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, "--mode=resume", "-c", "32", "--count=500", "[::1]:443"),
                     OPTIONS_OK);
    ck_assert_int_eq(o.mode, MODE_RESUME);
    ck_assert_uint_eq(o.concurrency, 32);
    ck_assert_uint_eq(o.count, 500);
    ck_assert_uint_eq(o.duration_ms, 0);
    ck_assert_str_eq(o.host, "::1");
    ck_assert_uint_eq(o.port, 443);
    ck_assert_int_eq(parse(&o, err, "--rate", "250.5", "-w", "4", "h:1"), OPTIONS_OK);
    ck_assert(o.rate == 250.5);
    ck_assert_uint_eq(o.concurrency, 1000); /* the open loop's default cap */
    ck_assert_uint_eq(o.workers, 4);
}
END_TEST

START_TEST(options_repeatable_and_tls)
{
    struct load_options o;
    char err[256];
    char *argv[] = {"unitls-load", "--alpn", "h2", "--alpn", "http/1.1", "--cipher",
                    "TLS_AES_128_GCM_SHA256", "--cipher",
                    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "--tls-version", "1.2", "--sni",
                    "example.org", "--cafile", "/x/ca.pem", "example.org:443", NULL};
    ck_assert_int_eq(options_parse(16, argv, &o, err, sizeof err), OPTIONS_OK);
    ck_assert_uint_eq(o.n_alpn, 2);
    ck_assert_str_eq(o.alpn[1], "http/1.1");
    ck_assert_uint_eq(o.n_ciphers, 2);
    ck_assert_uint_eq(o.ciphers[0], 0x1301);
    ck_assert_uint_eq(o.ciphers[1], 0xC02B);
    ck_assert_int_eq(o.tls_version, UNITLS_TLSv1_2);
    ck_assert_str_eq(o.sni, "example.org");
    ck_assert_str_eq(o.cafile, "/x/ca.pem");
}
END_TEST

START_TEST(options_usage_errors)
{
    struct load_options o;
    char err[256];
    const char *bad[][3] = {
        {"--mode", "flood", "h:1"},        {"--cipher", "AES128-SHA", "h:1"},
        {"--duration", "10x", "h:1"},      {"--count", "0", "h:1"},
        {"--tls-version", "1.1", "h:1"},   {"--concurrency", "-3", "h:1"},
        {"--bogus", "h:1", NULL},          {"--rate", "fast", "h:1"},
        {"h:1", "h:2", NULL},              {"--payload", "1Q", "h:1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ck_assert_int_eq(parse(&o, err, bad[i][0], bad[i][1], bad[i][2], NULL, NULL),
                         OPTIONS_USAGE);
        ck_assert_msg(err[0] != '\0', "no reason for case %zu", i);
    }
    ck_assert_int_eq(parse(&o, err, "--count", "5", "--duration", "1s", "h:1"), OPTIONS_USAGE);
    ck_assert_ptr_nonnull(strstr(err, "exclude"));
    ck_assert_int_eq(parse(&o, err, "--insecure", "--cafile", "ca.pem", "h:1", NULL),
                     OPTIONS_USAGE);
    ck_assert_int_eq(parse(&o, err, "--mode", "hold", "--count", "5", "h:1"), OPTIONS_USAGE);
    ck_assert_int_eq(parse(&o, err, "--count", "5", NULL, NULL, NULL), OPTIONS_USAGE);
    ck_assert_int_eq(parse(&o, err, "--help", "h:1", NULL, NULL, NULL), OPTIONS_HELP);
    ck_assert_int_eq(parse(&o, err, "--workers", NULL, NULL, NULL, NULL), OPTIONS_USAGE);
}
END_TEST

START_TEST(options_durations_and_sizes)
{
    uint64_t v = 0;
    ck_assert_int_eq(options_parse_duration_ms("250ms", &v), 0);
    ck_assert_uint_eq(v, 250);
    ck_assert_int_eq(options_parse_duration_ms("10s", &v), 0);
    ck_assert_uint_eq(v, 10000);
    ck_assert_int_eq(options_parse_duration_ms("3", &v), 0);
    ck_assert_uint_eq(v, 3000);
    ck_assert_int_eq(options_parse_duration_ms("2m", &v), 0);
    ck_assert_uint_eq(v, 120000);
    ck_assert_int_eq(options_parse_duration_ms("1h", &v), 0);
    ck_assert_uint_eq(v, 3600000);
    ck_assert_int_eq(options_parse_duration_ms("s", &v), -1);
    ck_assert_int_eq(options_parse_duration_ms("5 s", &v), -1);
    ck_assert_int_eq(options_parse_duration_ms("99999999999999999999", &v), -1);
    ck_assert_int_eq(options_parse_size("64K", &v), 0);
    ck_assert_uint_eq(v, 65536);
    ck_assert_int_eq(options_parse_size("10M", &v), 0);
    ck_assert_uint_eq(v, 10485760);
    ck_assert_int_eq(options_parse_size("1000", &v), 0);
    ck_assert_uint_eq(v, 1000);
    ck_assert_int_eq(options_parse_size("1KB", &v), -1);
}
END_TEST

START_TEST(options_targets)
{
    char host[64];
    uint16_t port = 0;
    ck_assert_int_eq(options_parse_target("example.org:8443", host, sizeof host, &port), 0);
    ck_assert_str_eq(host, "example.org");
    ck_assert_uint_eq(port, 8443);
    ck_assert_int_eq(options_parse_target("[2001:db8::1]:443", host, sizeof host, &port), 0);
    ck_assert_str_eq(host, "2001:db8::1");
    ck_assert_int_eq(options_parse_target("::1:443", host, sizeof host, &port), -1);
    ck_assert_int_eq(options_parse_target("[::1]443", host, sizeof host, &port), -1);
    ck_assert_int_eq(options_parse_target("host", host, sizeof host, &port), -1);
    ck_assert_int_eq(options_parse_target("host:0", host, sizeof host, &port), -1);
    ck_assert_int_eq(options_parse_target("host:65536", host, sizeof host, &port), -1);
    ck_assert_int_eq(options_parse_target(":443", host, sizeof host, &port), -1);
    ck_assert_int_eq(options_parse_target("[]:443", host, sizeof host, &port), -1);
}
END_TEST

/* --- http ------------------------------------------------------------------------------- */

/* Feeds text in pieces of step bytes; returns the final result and where it stopped. */
static enum http_result feed_steps(struct http_response *r, const char *text, size_t step,
                                   size_t *consumed)
{
    size_t len = strlen(text), off = 0;
    enum http_result res = HTTP_MORE;
    while (off < len && res == HTTP_MORE) {
        size_t n = len - off < step ? len - off : step, used = 0;
        res = http_response_feed(r, (const uint8_t *)text + off, n, &used);
        off += used;
    }
    *consumed = off;
    return res;
}

START_TEST(http_content_length_any_split)
{
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n"
                       "\r\nhello world\n";
    for (size_t step = 1; step <= strlen(resp); step++) {
        struct http_response r;
        size_t used;
        http_response_init(&r, 0);
        ck_assert_int_eq(feed_steps(&r, resp, step, &used), HTTP_DONE);
        ck_assert_uint_eq(used, strlen(resp));
        ck_assert_int_eq(http_response_reusable(&r), 1);
        ck_assert_uint_eq(r.status, 200);
    }
}
END_TEST

START_TEST(http_chunked_with_extension_and_trailer)
{
    const char *resp = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
                       "5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\n";
    for (size_t step = 1; step <= 7; step++) {
        struct http_response r;
        size_t used;
        http_response_init(&r, 0);
        ck_assert_int_eq(feed_steps(&r, resp, step, &used), HTTP_DONE);
        ck_assert_uint_eq(used, strlen(resp));
    }
}
END_TEST

START_TEST(http_connection_close_and_http10)
{
    struct http_response r;
    size_t used;
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.1 200 OK\r\nConnection: Close\r\n"
                                    "Content-Length: 0\r\n\r\n", 3, &used),
                     HTTP_DONE);
    ck_assert_int_eq(http_response_reusable(&r), 0);
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.0 200 ok\r\nContent-Length: 2\r\n\r\nok", 4, &used),
                     HTTP_DONE);
    ck_assert_int_eq(http_response_reusable(&r), 0);
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.0 200 ok\r\nConnection: keep-alive\r\n"
                                    "Content-Length: 2\r\n\r\nok", 5, &used),
                     HTTP_DONE);
    ck_assert_int_eq(http_response_reusable(&r), 1);
}
END_TEST

START_TEST(http_body_until_eof)
{
    struct http_response r;
    size_t used;
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<html>",
                                6, &used),
                     HTTP_MORE);
    ck_assert_int_eq(http_response_eof(&r), HTTP_DONE);
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 6, &used),
                     HTTP_MORE);
    ck_assert_int_eq(http_response_eof(&r), HTTP_ERROR); /* cut short */
}
END_TEST

START_TEST(http_head_204_and_interim)
{
    struct http_response r;
    size_t used;
    http_response_init(&r, 1);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n", 8, &used),
                     HTTP_DONE);
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.1 204 No Content\r\n\r\n", 8, &used), HTTP_DONE);
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
                                    "Content-Length: 1\r\n\r\nx", 9, &used),
                     HTTP_DONE);
    ck_assert_uint_eq(r.status, 200);
}
END_TEST

START_TEST(http_garbage_is_an_error)
{
    struct http_response r;
    size_t used;
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "SSH-2.0-OpenSSH\r\n", 4, &used), HTTP_ERROR);
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 4, &used),
                     HTTP_ERROR);
    http_response_init(&r, 0);
    ck_assert_int_eq(feed_steps(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                    "zz\r\n", 4, &used),
                     HTTP_ERROR);
}
END_TEST

/* --- stats ------------------------------------------------------------------------------ */

START_TEST(stats_reasons_from_errno_and_status)
{
    ck_assert_int_eq(stats_reason_of_errno(ECONNREFUSED), FAIL_REFUSED);
    ck_assert_int_eq(stats_reason_of_errno(ECONNRESET), FAIL_RESET);
    ck_assert_int_eq(stats_reason_of_errno(EPIPE), FAIL_RESET);
    ck_assert_int_eq(stats_reason_of_errno(ETIMEDOUT), FAIL_TIMEOUT);
    ck_assert_int_eq(stats_reason_of_errno(EMFILE), FAIL_OTHER);
    ck_assert_int_eq(stats_reason_of_status(UNITLS_ERR_CERTIFICATE), FAIL_CERTIFICATE);
    ck_assert_int_eq(stats_reason_of_status(UNITLS_ERR_TLS), FAIL_OTHER);
    ck_assert_int_eq(stats_reason_of_status(UNITLS_RAGGED_EOF), FAIL_CLOSED);
    /* a failed handshake is grouped by the library's reason, under the library's name */
    for (int i = UNITLS_HANDSHAKE_FAILURE_VERSION; i <= UNITLS_HANDSHAKE_FAILURE_OTHER; i++) {
        enum unitls_handshake_failure f = (enum unitls_handshake_failure)i;
        ck_assert_str_eq(stats_reason_name(stats_reason_of_handshake(f)),
                         unitls_handshake_failure_name(f));
    }
    ck_assert_str_eq(stats_reason_name(FAIL_RESET), "reset");
}
END_TEST

START_TEST(stats_merge_adds_tables)
{
    static struct load_stats a, b;
    stats_init(&a);
    stats_init(&b);
    stats_handshake(&a, UNITLS_TLSv1_3, 0x1301, (const uint8_t *)"h2", 2, 1);
    stats_handshake(&b, UNITLS_TLSv1_3, 0x1301, (const uint8_t *)"h2", 2, 0);
    stats_handshake(&b, UNITLS_TLSv1_2, 0xC02B, NULL, 0, 0);
    stats_fail(&b, FAIL_CERTIFICATE, "certificate verification failed");
    stats_fail(&b, FAIL_CERTIFICATE, "second message is not kept");
    stats_merge(&a, &b);
    ck_assert_uint_eq(a.handshakes, 3);
    ck_assert_uint_eq(a.resumed, 1);
    ck_assert_uint_eq(a.tls13, 2);
    ck_assert_uint_eq(a.tls12, 1);
    ck_assert_uint_eq(a.n_ciphers, 2);
    ck_assert_uint_eq(a.cipher_n[0], 2);
    ck_assert_uint_eq(a.n_alpn, 1);
    ck_assert_uint_eq(a.alpn[0].n, 2);
    ck_assert_uint_eq(a.alpn_none, 1);
    ck_assert_uint_eq(a.failed, 2);
    ck_assert_uint_eq(a.by_reason[FAIL_CERTIFICATE], 2);
    ck_assert_str_eq(a.example[FAIL_CERTIFICATE], "certificate verification failed");
}
END_TEST

static Suite *histogram_suite(void)
{
    Suite *s = suite_create("histogram");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, histogram_buckets_cover_values_within_precision);
    tcase_add_test(tc, histogram_buckets_are_contiguous);
    tcase_add_test(tc, histogram_huge_values_clamp_into_last_bucket);
    tcase_add_test(tc, histogram_percentiles_of_uniform_values);
    tcase_add_test(tc, histogram_small_values_are_exact);
    tcase_add_test(tc, histogram_merge_equals_recording_together);
    tcase_add_test(tc, histogram_empty_reports_zero);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *options_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, options_defaults);
    tcase_add_test(tc, options_values_both_forms);
    tcase_add_test(tc, options_repeatable_and_tls);
    tcase_add_test(tc, options_usage_errors);
    tcase_add_test(tc, options_durations_and_sizes);
    tcase_add_test(tc, options_targets);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, http_content_length_any_split);
    tcase_add_test(tc, http_chunked_with_extension_and_trailer);
    tcase_add_test(tc, http_connection_close_and_http10);
    tcase_add_test(tc, http_body_until_eof);
    tcase_add_test(tc, http_head_204_and_interim);
    tcase_add_test(tc, http_garbage_is_an_error);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, stats_reasons_from_errno_and_status);
    tcase_add_test(tc, stats_merge_adds_tables);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(histogram_suite());
    srunner_add_suite(sr, options_suite());
    srunner_add_suite(sr, http_suite());
    srunner_add_suite(sr, stats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
