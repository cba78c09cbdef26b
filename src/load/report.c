/* report: formatting only; every figure comes from the merged run_result. */
#include <inttypes.h>
#include <string.h>

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

void report_json_string(FILE *out, const uint8_t *s, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = s[i];
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(out, "\\u%04x", (unsigned)c); /* bytes outside ASCII, as Latin-1 */
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_cstr(FILE *out, const char *s)
{
    report_json_string(out, (const uint8_t *)s, strlen(s));
}

static void json_errors(FILE *out, const struct load_stats *s)
{
    fputs("\"errors\":{", out);
    for (int i = 0; i < FAIL_N; i++)
        fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "", stats_reason_name((enum fail_reason)i),
                s->by_reason[i]);
    fputs("},\"error_examples\":{", out);
    int first = 1;
    for (int i = 0; i < FAIL_N; i++) {
        if (!s->example[i][0])
            continue;
        fprintf(out, "%s\"%s\":", first ? "" : ",", stats_reason_name((enum fail_reason)i));
        json_cstr(out, s->example[i]);
        first = 0;
    }
    fputs("},", out);
}

static void json_latency(FILE *out, const struct histogram *h)
{
    fprintf(out,
            "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,"
            "\"max\":%.3f,\"min\":%.3f,\"mean\":%.3f},",
            ms_of(histogram_percentile(h, 50)), ms_of(histogram_percentile(h, 90)),
            ms_of(histogram_percentile(h, 99)), ms_of(histogram_percentile(h, 99.9)),
            ms_of(h->max_ns), h->n ? ms_of(h->min_ns) : 0.0, histogram_mean(h) / (double)NS_PER_MS);
}

static void json_tls(FILE *out, const struct load_stats *s)
{
    fprintf(out, "\"handshakes\":%" PRIu64 ",\"resumed\":%" PRIu64 ",\"resumption_ratio\":%.4f,",
            s->handshakes, s->resumed, ratio_of(s->resumed, s->handshakes));
    fprintf(out, "\"versions\":{\"TLSv1.3\":%" PRIu64 ",\"TLSv1.2\":%" PRIu64 ",\"other\":%" PRIu64
            "},\"ciphers\":{", s->tls13, s->tls12, s->tls_other);
    for (size_t i = 0; i < s->n_ciphers; i++) {
        const char *name = unitls_cipher_suite_name(s->cipher_id[i]);
        char hex[8];
        snprintf(hex, sizeof hex, "0x%04x", (unsigned)s->cipher_id[i]);
        fprintf(out, "%s", i ? "," : "");
        json_cstr(out, name ? name : hex);
        fprintf(out, ":%" PRIu64, s->cipher_n[i]);
    }
    fprintf(out, "%s\"other\":%" PRIu64 "},\"alpn\":{", s->n_ciphers ? "," : "", s->cipher_other);
    for (size_t i = 0; i < s->n_alpn; i++) {
        report_json_string(out, s->alpn[i].name, s->alpn[i].len);
        fprintf(out, ":%" PRIu64 ",", s->alpn[i].n);
    }
    fprintf(out, "\"none\":%" PRIu64 ",\"other\":%" PRIu64 "},", s->alpn_none, s->alpn_other);
}

void report_json(FILE *out, const struct load_options *o, const struct target *t,
                 const struct run_result *r)
{
    const struct load_stats *s = &r->stats;
    fputs("{\"mode\":", out);
    json_cstr(out, options_mode_name(o->mode));
    fputs(",\"target\":", out);
    json_cstr(out, t->text);
    fputs(",\"implementation\":", out);
    json_cstr(out, unitls_implementation_name(o->implementation));
    fprintf(out, ",\"workers\":%u,\"concurrency\":%u,\"duration_s\":%.3f,\"interrupted\":%s,",
            r->n_workers, o->concurrency, seconds_of(r->elapsed_ns),
            r->interrupted ? "true" : "false");
    fprintf(out, "\"completed\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"rate_per_s\":%.3f,",
            s->completed, s->failed, per_second(s->completed, r->elapsed_ns));
    json_errors(out, s);
    json_latency(out, &s->latency);
    json_tls(out, s);
    fprintf(out,
            "\"bytes\":{\"tls_sent\":%" PRIu64 ",\"tls_received\":%" PRIu64
            ",\"app_sent\":%" PRIu64 ",\"app_received\":%" PRIu64 "},",
            s->wire_sent, s->wire_received, s->app_sent, s->app_received);
    fprintf(out, "\"throughput_mb_s\":{\"sent\":%.3f,\"received\":%.3f},",
            per_second(s->app_sent, r->elapsed_ns) / 1e6,
            per_second(s->app_received, r->elapsed_ns) / 1e6);
    fprintf(out, "\"held_peak\":%" PRIu64 ",\"dropped\":%" PRIu64 ",", s->held_peak, s->dropped);
    if (o->rate > 0.0)
        fprintf(out, "\"rate_target_per_s\":%.3f,", o->rate);
    else
        fputs("\"rate_target_per_s\":null,", out);
    fprintf(out, "\"unstarted\":%" PRIu64 "}\n", s->unstarted);
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
