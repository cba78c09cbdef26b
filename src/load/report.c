/* report: formatting only; every figure comes from the merged run_result. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <unitls/unitls.h>

#include "clock.h"
#include "report.h"

static double seconds_of(uint64_t ns) { return (double)ns / (double)NS_PER_S; }
static double ms_of(uint64_t ns) { return (double)ns / (double)NS_PER_MS; }

static double per_second(uint64_t n, uint64_t elapsed_ns)
{
    return elapsed_ns ? (double)n / seconds_of(elapsed_ns) : 0.0;
}

static double ratio_of(uint64_t part, uint64_t whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

/* 1234567 -> "1.18 MiB" */
static const char *bytes_human(uint64_t n, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%" PRIu64 " B", n);
    else
        snprintf(buf, cap, "%.2f %s", v, units[u]);
    return buf;
}

static void text_errors(FILE *out, const struct load_stats *s)
{
    fprintf(out, "  failed       %10" PRIu64 "  (", s->failed);
    for (int i = 0; i < FAIL_N; i++)
        fprintf(out, "%s%s %" PRIu64, i ? ", " : "", stats_reason_name((enum fail_reason)i),
                s->by_reason[i]);
    fputs(")\n", out);
    for (int i = 0; i < FAIL_N; i++)
        if (s->by_reason[i] && s->example[i][0])
            fprintf(out, "      %s, e.g.: %s\n", stats_reason_name((enum fail_reason)i),
                    s->example[i]);
}

static void text_tls(FILE *out, const struct load_stats *s)
{
    fprintf(out, "  handshakes   %10" PRIu64 "  resumed %" PRIu64 " (%.1f %%)\n", s->handshakes,
            s->resumed, 100.0 * ratio_of(s->resumed, s->handshakes));
    fputs("  versions    ", out);
    if (s->tls13)
        fprintf(out, " TLSv1.3 %" PRIu64, s->tls13);
    if (s->tls12)
        fprintf(out, " TLSv1.2 %" PRIu64, s->tls12);
    if (s->tls_other)
        fprintf(out, " other %" PRIu64, s->tls_other);
    if (!s->handshakes)
        fputs(" -", out);
    fputs("\n  ciphers     ", out);
    for (size_t i = 0; i < s->n_ciphers; i++) {
        const char *name = unitls_cipher_suite_name(s->cipher_id[i]);
        if (name)
            fprintf(out, " %s %" PRIu64, name, s->cipher_n[i]);
        else
            fprintf(out, " 0x%04x %" PRIu64, (unsigned)s->cipher_id[i], s->cipher_n[i]);
    }
    if (s->cipher_other)
        fprintf(out, " other %" PRIu64, s->cipher_other);
    if (!s->handshakes)
        fputs(" -", out);
    fputs("\n  alpn        ", out);
    for (size_t i = 0; i < s->n_alpn; i++)
        fprintf(out, " %.*s %" PRIu64, (int)s->alpn[i].len, (const char *)s->alpn[i].name,
                s->alpn[i].n);
    if (s->alpn_none)
        fprintf(out, " none %" PRIu64, s->alpn_none);
    if (s->alpn_other)
        fprintf(out, " other %" PRIu64, s->alpn_other);
    if (!s->handshakes)
        fputs(" -", out);
    fputc('\n', out);
}

static void text_mode_lines(FILE *out, const struct load_options *o, const struct run_result *r)
{
    const struct load_stats *s = &r->stats;
    if (o->mode == MODE_THROUGHPUT)
        fprintf(out, "  throughput   sent %.2f MB/s, received %.2f MB/s (plaintext)\n",
                per_second(s->app_sent, r->elapsed_ns) / 1e6,
                per_second(s->app_received, r->elapsed_ns) / 1e6);
    if (o->mode == MODE_HOLD)
        fprintf(out, "  held         peak %" PRIu64 ", dropped by the server %" PRIu64 "\n",
                s->held_peak, s->dropped);
    if (o->rate > 0.0)
        fprintf(out, "  open loop    target %.1f/s, arrivals never started %" PRIu64 "\n",
                o->rate, s->unstarted);
}

void report_text(FILE *out, const struct load_options *o, const struct target *t,
                 const struct run_result *r)
{
    const struct load_stats *s = &r->stats;
    const struct histogram *h = &s->latency;
    char b1[32], b2[32], b3[32], b4[32];
    fprintf(out,
            "unitls-load: %s mode against %s with %s, %u worker%s, concurrency %u, %.2f s%s\n",
            options_mode_name(o->mode), t->text, unitls_implementation_name(o->implementation),
            r->n_workers, r->n_workers == 1 ? "" : "s", o->concurrency,
            seconds_of(r->elapsed_ns), r->interrupted ? " (interrupted)" : "");
    fprintf(out, "  completed    %10" PRIu64 "  (%.1f/s)\n", s->completed,
            per_second(s->completed, r->elapsed_ns));
    text_errors(out, s);
    fprintf(out, "  latency ms   p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f\n",
            ms_of(histogram_percentile(h, 50)), ms_of(histogram_percentile(h, 90)),
            ms_of(histogram_percentile(h, 99)), ms_of(histogram_percentile(h, 99.9)),
            ms_of(h->max_ns), histogram_mean(h) / (double)NS_PER_MS);
    text_tls(out, s);
    fprintf(out, "  bytes        TLS sent %s, received %s; plaintext sent %s, received %s\n",
            bytes_human(s->wire_sent, b1, sizeof b1), bytes_human(s->wire_received, b2, sizeof b2),
            bytes_human(s->app_sent, b3, sizeof b3), bytes_human(s->app_received, b4, sizeof b4));
    text_mode_lines(out, o, r);
}

/* --- JSON ------------------------------------------------------------------------------- */

/* The report is a jansson tree written compact, keys in the order they are set (the order of
 * the contract), in ASCII. Reals are rounded to the decimals the text report shows and written
 * with 15 significant digits, so 0.1 reads 0.1 rather than 0.10000000000000001; a whole
 * number keeps a ".0" (100.000 reads 100.0). */
#define JSON_REPORT_FLAGS (JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(15))

static json_t *json_rounded(double v, double per_unit)
{
    return json_real(round(v * per_unit) / per_unit);
}

static json_t *json_ms(uint64_t ns) { return json_rounded(ms_of(ns), 1000.0); }
static json_t *json_count(uint64_t n) { return json_integer((json_int_t)n); }

/* Bytes as text, each byte standing for the code point of its value (Latin-1): a protocol
 * name or a message that is not UTF-8 is reported unchanged and reversibly, and ASCII reads as
 * itself. NULL when out of memory. */
static char *latin1_to_utf8(const uint8_t *s, size_t len, size_t *out_len)
{
    char *out = malloc(2 * len + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < 0x80) {
            out[n++] = (char)s[i];
        } else {
            out[n++] = (char)(0xC0 | (s[i] >> 6));
            out[n++] = (char)(0x80 | (s[i] & 0x3F));
        }
    }
    out[n] = '\0';
    *out_len = n;
    return out;
}

static json_t *json_bytes(const uint8_t *s, size_t len)
{
    size_t n;
    char *text = latin1_to_utf8(s, len, &n);
    json_t *v = text ? json_stringn(text, n) : NULL;
    free(text);
    return v;
}

static json_t *json_text(const char *s) { return json_bytes((const uint8_t *)s, strlen(s)); }

/* object[bytes] = value, the key as json_bytes spells it; value's reference is taken. */
static int json_set_bytes(json_t *object, const uint8_t *key, size_t len, json_t *value)
{
    size_t n;
    char *text = latin1_to_utf8(key, len, &n);
    if (!text) {
        json_decref(value);
        return -1;
    }
    int rc = json_object_setn_new(object, text, n, value);
    free(text);
    return rc;
}

static int json_errors(json_t *root, const struct load_stats *s)
{
    json_t *errors = json_object(), *examples = json_object();
    int rc = 0;
    for (int i = 0; i < FAIL_N; i++) {
        const char *name = stats_reason_name((enum fail_reason)i);
        rc |= json_object_set_new(errors, name, json_count(s->by_reason[i]));
        if (s->example[i][0])
            rc |= json_object_set_new(examples, name, json_text(s->example[i]));
    }
    rc |= json_object_set_new(root, "errors", errors);
    return rc | json_object_set_new(root, "error_examples", examples);
}

static int json_latency(json_t *root, const struct histogram *h)
{
    json_t *l = json_object();
    int rc = json_object_set_new(l, "p50", json_ms(histogram_percentile(h, 50)));
    rc |= json_object_set_new(l, "p90", json_ms(histogram_percentile(h, 90)));
    rc |= json_object_set_new(l, "p99", json_ms(histogram_percentile(h, 99)));
    rc |= json_object_set_new(l, "p999", json_ms(histogram_percentile(h, 99.9)));
    rc |= json_object_set_new(l, "max", json_ms(h->max_ns));
    rc |= json_object_set_new(l, "min", json_ms(h->n ? h->min_ns : 0));
    rc |= json_object_set_new(l, "mean",
                              json_rounded(histogram_mean(h) / (double)NS_PER_MS, 1000.0));
    return rc | json_object_set_new(root, "latency_ms", l);
}

static json_t *json_versions(const struct load_stats *s)
{
    json_t *v = json_object();
    int rc = json_object_set_new(v, "TLSv1.3", json_count(s->tls13));
    rc |= json_object_set_new(v, "TLSv1.2", json_count(s->tls12));
    rc |= json_object_set_new(v, "other", json_count(s->tls_other));
    return rc == 0 ? v : (json_decref(v), NULL);
}

static json_t *json_ciphers(const struct load_stats *s)
{
    json_t *c = json_object();
    int rc = 0;
    for (size_t i = 0; i < s->n_ciphers; i++) {
        const char *name = unitls_cipher_suite_name(s->cipher_id[i]);
        char hex[8];
        snprintf(hex, sizeof hex, "0x%04x", (unsigned)s->cipher_id[i]);
        rc |= json_object_set_new(c, name ? name : hex, json_count(s->cipher_n[i]));
    }
    rc |= json_object_set_new(c, "other", json_count(s->cipher_other));
    return rc == 0 ? c : (json_decref(c), NULL);
}

static json_t *json_alpn(const struct load_stats *s)
{
    json_t *a = json_object();
    int rc = 0;
    for (size_t i = 0; i < s->n_alpn; i++)
        rc |= json_set_bytes(a, s->alpn[i].name, s->alpn[i].len, json_count(s->alpn[i].n));
    rc |= json_object_set_new(a, "none", json_count(s->alpn_none));
    rc |= json_object_set_new(a, "other", json_count(s->alpn_other));
    return rc == 0 ? a : (json_decref(a), NULL);
}

static int json_tls(json_t *root, const struct load_stats *s)
{
    int rc = json_object_set_new(root, "handshakes", json_count(s->handshakes));
    rc |= json_object_set_new(root, "resumed", json_count(s->resumed));
    rc |= json_object_set_new(root, "resumption_ratio",
                              json_rounded(ratio_of(s->resumed, s->handshakes), 10000.0));
    rc |= json_object_set_new(root, "versions", json_versions(s));
    rc |= json_object_set_new(root, "ciphers", json_ciphers(s));
    return rc | json_object_set_new(root, "alpn", json_alpn(s));
}

static int json_run(json_t *root, const struct load_options *o, const struct target *t,
                    const struct run_result *r)
{
    const struct load_stats *s = &r->stats;
    int rc = json_object_set_new(root, "mode", json_text(options_mode_name(o->mode)));
    rc |= json_object_set_new(root, "target", json_text(t->text));
    rc |= json_object_set_new(root, "implementation",
                              json_text(unitls_implementation_name(o->implementation)));
    rc |= json_object_set_new(root, "workers", json_count(r->n_workers));
    rc |= json_object_set_new(root, "concurrency", json_count(o->concurrency));
    rc |= json_object_set_new(root, "duration_s",
                              json_rounded(seconds_of(r->elapsed_ns), 1000.0));
    rc |= json_object_set_new(root, "interrupted", json_boolean(r->interrupted));
    rc |= json_object_set_new(root, "completed", json_count(s->completed));
    rc |= json_object_set_new(root, "failed", json_count(s->failed));
    return rc | json_object_set_new(root, "rate_per_s",
                                    json_rounded(per_second(s->completed, r->elapsed_ns), 1000.0));
}

static int json_volumes(json_t *root, const struct load_options *o, const struct run_result *r)
{
    const struct load_stats *s = &r->stats;
    json_t *bytes = json_object(), *mb_s = json_object();
    int rc = json_object_set_new(bytes, "tls_sent", json_count(s->wire_sent));
    rc |= json_object_set_new(bytes, "tls_received", json_count(s->wire_received));
    rc |= json_object_set_new(bytes, "app_sent", json_count(s->app_sent));
    rc |= json_object_set_new(bytes, "app_received", json_count(s->app_received));
    rc |= json_object_set_new(root, "bytes", bytes);
    rc |= json_object_set_new(mb_s, "sent",
                              json_rounded(per_second(s->app_sent, r->elapsed_ns) / 1e6, 1000.0));
    rc |= json_object_set_new(
        mb_s, "received", json_rounded(per_second(s->app_received, r->elapsed_ns) / 1e6, 1000.0));
    rc |= json_object_set_new(root, "throughput_mb_s", mb_s);
    rc |= json_object_set_new(root, "held_peak", json_count(s->held_peak));
    rc |= json_object_set_new(root, "dropped", json_count(s->dropped));
    rc |= json_object_set_new(root, "rate_target_per_s",
                              o->rate > 0.0 ? json_rounded(o->rate, 1000.0) : json_null());
    return rc | json_object_set_new(root, "unstarted", json_count(s->unstarted));
}

int report_json(FILE *out, const struct load_options *o, const struct target *t,
                const struct run_result *r)
{
    json_t *root = json_object();
    if (!root)
        return -1;
    int rc = json_run(root, o, t, r);
    rc |= json_errors(root, &r->stats);
    rc |= json_latency(root, &r->stats.latency);
    rc |= json_tls(root, &r->stats);
    rc |= json_volumes(root, o, r);
    if (rc == 0)
        rc = json_dumpf(root, out, JSON_REPORT_FLAGS) == 0 && fputc('\n', out) != EOF ? 0 : -1;
    json_decref(root);
    return rc;
}

/* --- progress --------------------------------------------------------------------------- */

void report_progress(FILE *out, uint64_t elapsed_ns, uint64_t completed,
                     uint64_t completed_last_second, uint64_t failed, uint64_t in_flight)
{
    fprintf(out,
            "\r[%6.1fs] completed %" PRIu64 "  rate %" PRIu64 "/s  failed %" PRIu64
            "  in flight %" PRIu64 "\033[K",
            seconds_of(elapsed_ns), completed, completed_last_second, failed, in_flight);
    fflush(out);
}

void report_progress_end(FILE *out)
{
    fputs("\r\033[K", out);
    fflush(out);
}
