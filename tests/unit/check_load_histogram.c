/* Check suites for unitls-load's pure modules: histogram (bucket precision, percentiles,
 * merge), histogram_hdr (HdrHistogram's percentile text: rows, ticks, footer), options (values,
 * HOST:PORT forms, getopt_long's forms, usage errors), http (response framing), stats
 * (reason mapping, merge) and report (the JSON report's spelling, read back by jansson). No sockets: these are the parts whose arithmetic the report's
 * figures rest on. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "load/histogram.h"
#include "load/histogram_hdr.h"
#include "load/http.h"
#include "load/options.h"
#include "load/report.h"
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

/* --- histogram_hdr ---------------------------------------------------------------------- */

#define HDR_MAX_ROWS 4000

struct hdr_row {
    double value_ms, percentile, inverse;
    unsigned long long count;
    int has_inverse;
};

struct hdr_text {
    struct hdr_row rows[HDR_MAX_ROWS];
    size_t n_rows;
    double mean_ms, stddev_ms, max_ms;
    unsigned long long total;
    unsigned buckets, sub_buckets;
};

/* h written by histogram_hdr_write, as a string the caller frees. */
static char *hdr_text_of(const struct histogram *h)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(histogram_hdr_write(f, h), 0);
    ck_assert_int_eq(fclose(f), 0);
    return text;
}

static void hdr_footer_parse(char *line[3], struct hdr_text *t)
{
    ck_assert_int_eq(sscanf(line[0], "#[Mean    = %lf, StdDeviation   = %lf]", &t->mean_ms,
                            &t->stddev_ms), 2);
    ck_assert_int_eq(sscanf(line[1], "#[Max     = %lf, Total count    = %llu]", &t->max_ms,
                            &t->total), 2);
    ck_assert_int_eq(sscanf(line[2], "#[Buckets = %u, SubBuckets     = %u]", &t->buckets,
                            &t->sub_buckets), 2);
}

/* Parses the whole text, checking the header, that every row has its columns, and that only
 * the last row goes without 1/(1-Percentile). */
static void hdr_parse(char *text, struct hdr_text *t)
{
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    ck_assert_str_eq(line, "       Value     Percentile TotalCount 1/(1-Percentile)");
    ck_assert_int_eq(text[strlen(line) + 1], '\n'); /* a blank line follows the header */
    t->n_rows = 0;
    char *footer[3];
    size_t n_footer = 0;
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        if (line[0] == '#') {
            ck_assert_uint_lt(n_footer, 3);
            footer[n_footer++] = line;
            continue;
        }
        ck_assert_uint_eq(n_footer, 0);
        ck_assert_uint_lt(t->n_rows, HDR_MAX_ROWS);
        struct hdr_row *r = &t->rows[t->n_rows++];
        int n = sscanf(line, "%lf %lf %llu %lf", &r->value_ms, &r->percentile, &r->count,
                       &r->inverse);
        ck_assert_msg(n == 4 || n == 3, "row %zu: %s", t->n_rows, line);
        r->has_inverse = n == 4;
    }
    ck_assert_uint_eq(n_footer, 3);
    hdr_footer_parse(footer, t);
}

/* Rows never go down, percentiles always go up, each row's count has reached its percentile,
 * and the last row is 100 % of the total at the maximum. */
static void hdr_check_rows(const struct hdr_text *t, const struct histogram *h)
{
    ck_assert_uint_ge(t->n_rows, 2);
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct hdr_row *r = &t->rows[i];
        ck_assert_msg(100.0 * (double)r->count / (double)h->n >= 100.0 * r->percentile - 1e-9,
                      "row %zu: count %llu below percentile %.12f", i, r->count, r->percentile);
        ck_assert_int_eq(r->has_inverse, i + 1 < t->n_rows);
        if (r->has_inverse)
            ck_assert_double_eq_tol(r->inverse, 1.0 / (1.0 - r->percentile), 0.01);
        if (i == 0)
            continue;
        ck_assert_double_ge(r->value_ms, t->rows[i - 1].value_ms);
        ck_assert_double_gt(r->percentile, t->rows[i - 1].percentile);
        ck_assert_uint_ge(r->count, t->rows[i - 1].count);
    }
    const struct hdr_row *last = &t->rows[t->n_rows - 1];
    ck_assert_double_eq(last->percentile, 1.0);
    ck_assert_uint_eq(last->count, h->n);
    ck_assert_double_eq_tol(last->value_ms, (double)h->max_ns / 1e6, 0.0005);
    ck_assert_double_eq_tol(t->rows[0].value_ms, (double)h->min_ns / 1e6,
                            (double)h->min_ns / 1e6 / 128 + 0.0005);
}

START_TEST(histogram_hdr_rows_monotonic_and_footer_counts_match)
{
    static struct histogram h;
    static struct hdr_text t;
    histogram_init(&h);
    uint64_t x = 12345;
    for (int i = 0; i < 100000; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        histogram_record(&h, 200000 + (x >> 40) % 5000000); /* 0.2 to 5.2 ms */
    }
    histogram_record(&h, 900000000); /* one 900 ms outlier: the tail rows reach it */
    char *text = hdr_text_of(&h);
    hdr_parse(text, &t);
    hdr_check_rows(&t, &h);
    ck_assert_uint_eq(t.total, h.n);
    ck_assert_double_eq_tol(t.max_ms, 900.0, 0.0005);
    ck_assert_double_eq_tol(t.mean_ms, histogram_mean(&h) / 1e6, 0.0005);
    ck_assert_double_gt(t.stddev_ms, 2.0); /* the outlier alone makes it about 2.8 ms */
    ck_assert_double_lt(t.stddev_ms, 4.0);
    ck_assert_uint_eq(t.buckets, HISTOGRAM_MAX_SHIFT + 1);
    ck_assert_uint_eq(t.sub_buckets, 2 * HISTOGRAM_SUB_COUNT);
    free(text);
}
END_TEST

/* Ten values, 1 to 10 ms: the rows HdrHistogram's walk gives, 5 ticks per half distance. */
START_TEST(histogram_hdr_ticks_of_ten_values)
{
    static const double percentiles[] = {0,    .1,    .2,   .3,    .4,    .5,   .55,
                                         .6,   .65,   .7,   .75,   .775,  .8,   .825,
                                         .85,  .875,  .8875, .9,   .9125, 1.0};
    static const unsigned long long counts[] = {1, 1, 2, 3, 4, 5, 6, 6, 7, 7,
                                                8, 8, 8, 9, 9, 9, 9, 9, 10, 10};
    static struct histogram h;
    static struct hdr_text t;
    histogram_init(&h);
    for (uint64_t ms = 1; ms <= 10; ms++)
        histogram_record(&h, ms * 1000000);
    char *text = hdr_text_of(&h);
    hdr_parse(text, &t);
    hdr_check_rows(&t, &h);
    ck_assert_uint_eq(t.n_rows, sizeof counts / sizeof counts[0]);
    for (size_t i = 0; i < t.n_rows; i++) {
        ck_assert_double_eq_tol(t.rows[i].percentile, percentiles[i], 1e-12);
        ck_assert_uint_eq(t.rows[i].count, counts[i]);
    }
    ck_assert_double_eq_tol(t.mean_ms, 5.5, 0.0005);
    ck_assert_uint_eq(t.total, 10);
    free(text);
}
END_TEST

START_TEST(histogram_hdr_empty_has_header_and_footer_only)
{
    static struct histogram h;
    static struct hdr_text t;
    histogram_init(&h);
    char *text = hdr_text_of(&h);
    hdr_parse(text, &t);
    ck_assert_uint_eq(t.n_rows, 0);
    ck_assert_uint_eq(t.total, 0);
    ck_assert_double_eq(t.max_ms, 0.0);
    ck_assert_double_eq(t.mean_ms, 0.0);
    free(text);
}
END_TEST

/* A write that fails is reported, not swallowed. */
START_TEST(histogram_hdr_write_error_is_reported)
{
    static struct histogram h;
    histogram_init(&h);
    histogram_record(&h, 1000000);
    FILE *full = fopen("/dev/full", "w");
    ck_assert_ptr_nonnull(full);
    ck_assert_int_eq(histogram_hdr_write(full, &h), -1);
    fclose(full);
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

/* getopt_long's forms: clustered flags, unique abbreviations, "--" and the target anywhere;
 * and the reasons given for what it refuses. */
START_TEST(options_getopt_forms)
{
    struct load_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, "h:1", "-kq", "--conc=7", "--hdr", "lat.hgrm"), OPTIONS_OK);
    ck_assert_int_eq(o.insecure, 1);
    ck_assert_int_eq(o.quiet, 1);
    ck_assert_uint_eq(o.concurrency, 7);
    ck_assert_str_eq(o.hdr_file, "lat.hgrm");
    ck_assert_str_eq(o.host, "h");
    ck_assert_int_eq(parse(&o, err, "-n3", "--", "h:2", NULL, NULL), OPTIONS_OK);
    ck_assert_uint_eq(o.count, 3);
    ck_assert_uint_eq(o.port, 2);
    ck_assert_ptr_null(o.hdr_file);
    /* options after the target even where POSIX would stop at it */
    ck_assert_int_eq(setenv("POSIXLY_CORRECT", "1", 1), 0);
    enum options_result posix = parse(&o, err, "h:3", "-n", "4", NULL, NULL);
    ck_assert_int_eq(unsetenv("POSIXLY_CORRECT"), 0);
    ck_assert_int_eq(posix, OPTIONS_OK);
    ck_assert_uint_eq(o.count, 4);
    ck_assert_uint_eq(o.port, 3);
    ck_assert_int_eq(parse(&o, err, "h:1", "--", "h:2", NULL, NULL), OPTIONS_USAGE);
    ck_assert_str_eq(err, "unexpected argument h:2 (one HOST:PORT only)");
    static const struct {
        const char *a1, *a2, *reason;
    } refused[] = {
        {"--json=yes", "h:1", "--json takes no value"},
        {"--in", "h:1", "ambiguous option --in (--insecure, --insecure-legacy)"},
        {"-x", "h:1", "unknown option -x"},
        {"--bogus=1", "h:1", "unknown option --bogus=1"},
        {"h:1", "-c", "-c needs a value"},
        {"h:1", "--count", "--count needs a value"},
        {"--hdr=", "h:1", "--hdr: expected a file name"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        ck_assert_int_eq(parse(&o, err, refused[i].a1, refused[i].a2, NULL, NULL, NULL),
                         OPTIONS_USAGE);
        ck_assert_str_eq(err, refused[i].reason);
    }
    ck_assert_int_eq(parse(&o, err, "-V", NULL, NULL, NULL, NULL), OPTIONS_VERSION);
    ck_assert_int_eq(parse(&o, err, "h:1", "-h", NULL, NULL, NULL), OPTIONS_HELP);
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

/* --- report (JSON) ---------------------------------------------------------------------- */

/* The report of a small run: three handshakes (one resumed, ALPN h2, a non-UTF-8 protocol name
 * and none), one certificate failure with a message that needs escaping, an open loop. */
static void report_run_fill(struct run_result *r)
{
    memset(r, 0, sizeof *r);
    stats_init(&r->stats);
    r->elapsed_ns = 2000000000ull;
    r->n_workers = 2;
    stats_handshake(&r->stats, UNITLS_TLSv1_3, 0x1301, (const uint8_t *)"h2", 2, 1);
    stats_handshake(&r->stats, UNITLS_TLSv1_3, 0x1301, (const uint8_t *)"x\xe9y", 3, 0);
    stats_handshake(&r->stats, UNITLS_TLSv1_2, 0xC02B, NULL, 0, 0);
    r->stats.completed = 3;
    histogram_record(&r->stats.latency, 1000000);
    histogram_record(&r->stats.latency, 2000000);
    histogram_record(&r->stats.latency, 4500000);
    stats_fail(&r->stats, FAIL_CERTIFICATE, "bad \"name\"\n");
}

static char *report_json_text(const struct run_result *r)
{
    struct load_options o;
    char err[256];
    ck_assert_int_eq(parse(&o, err, "--rate", "100", "h:1", NULL, NULL), OPTIONS_OK);
    struct target t;
    memset(&t, 0, sizeof t);
    snprintf(t.text, sizeof t.text, "[::1]:8443");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(report_json(f, &o, &t, r), 0);
    ck_assert_int_eq(fclose(f), 0);
    return text;
}

/* What scripts read with sed (json_get): one compact ASCII line, the contract's spellings. */
START_TEST(report_json_is_one_compact_ascii_line)
{
    static struct run_result r;
    report_run_fill(&r);
    char *text = report_json_text(&r);
    size_t len = strlen(text);
    ck_assert_uint_gt(len, 2);
    ck_assert_ptr_eq(strchr(text, '\n'), text + len - 1);
    for (size_t i = 0; i < len; i++)
        ck_assert_uint_lt((unsigned char)text[i], 0x80);
    static const char *const spelled[] = {
        "{\"mode\":\"handshake\",\"target\":\"[::1]:8443\",",
        "\"workers\":2,\"concurrency\":1000,\"duration_s\":2.0,\"interrupted\":false,"
        "\"completed\":3,\"failed\":1,\"rate_per_s\":1.5,\"errors\":{\"refused\":0,",
        "\"certificate\":1,",
        "\"error_examples\":{\"certificate\":\"bad \\\"name\\\"\\n\"},",
        "\"latency_ms\":{\"p50\":",
        "\"mean\":2.5},",
        "\"handshakes\":3,\"resumed\":1,\"resumption_ratio\":0.3333,",
        "\"versions\":{\"TLSv1.3\":2,\"TLSv1.2\":1,\"other\":0},",
        "\"ciphers\":{\"TLS_AES_128_GCM_SHA256\":2,"
        "\"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\":1,\"other\":0},",
        "\"alpn\":{\"h2\":1,\"x\\u00E9y\":1,\"none\":1,\"other\":0},",
        "\"rate_target_per_s\":100.0,\"unstarted\":0}\n",
    };
    for (size_t i = 0; i < sizeof spelled / sizeof spelled[0]; i++)
        ck_assert_msg(strstr(text, spelled[i]) != NULL, "no %s in %s", spelled[i], text);
    free(text);
}
END_TEST

/* A JSON parser reads back the keys in the contract's order and the values as recorded. */
START_TEST(report_json_reads_back)
{
    static const char *const keys[] = {
        "mode", "target", "implementation", "workers", "concurrency", "duration_s",
        "interrupted", "completed", "failed", "rate_per_s", "errors", "error_examples",
        "latency_ms", "handshakes", "resumed", "resumption_ratio", "versions", "ciphers",
        "alpn", "bytes", "throughput_mb_s", "held_peak", "dropped", "rate_target_per_s",
        "unstarted"};
    static struct run_result r;
    report_run_fill(&r);
    char *text = report_json_text(&r);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    ck_assert_msg(root != NULL, "%s: %s", jerr.text, text);
    size_t i = 0;
    for (void *it = json_object_iter(root); it; it = json_object_iter_next(root, it), i++) {
        ck_assert_uint_lt(i, sizeof keys / sizeof keys[0]);
        ck_assert_str_eq(json_object_iter_key(it), keys[i]);
    }
    ck_assert_uint_eq(i, sizeof keys / sizeof keys[0]);
    json_t *examples = json_object_get(root, "error_examples");
    ck_assert_str_eq(json_string_value(json_object_get(examples, "certificate")),
                     "bad \"name\"\n");
    json_t *latency = json_object_get(root, "latency_ms");
    ck_assert_double_eq(json_real_value(json_object_get(latency, "max")), 4.5);
    ck_assert_double_eq(json_real_value(json_object_get(latency, "min")), 1.0);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "alpn"),
                                                        "x\xc3\xa9y")), 1);
    json_decref(root);
    free(text);
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

static Suite *histogram_hdr_suite(void)
{
    Suite *s = suite_create("histogram_hdr");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, histogram_hdr_rows_monotonic_and_footer_counts_match);
    tcase_add_test(tc, histogram_hdr_ticks_of_ten_values);
    tcase_add_test(tc, histogram_hdr_empty_has_header_and_footer_only);
    tcase_add_test(tc, histogram_hdr_write_error_is_reported);
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
    tcase_add_test(tc, options_getopt_forms);
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

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, report_json_is_one_compact_ascii_line);
    tcase_add_test(tc, report_json_reads_back);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(histogram_suite());
    srunner_add_suite(sr, histogram_hdr_suite());
    srunner_add_suite(sr, options_suite());
    srunner_add_suite(sr, http_suite());
    srunner_add_suite(sr, stats_suite());
    srunner_add_suite(sr, report_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
