/* histogram_hdr: the percentile walk and the text; see histogram_hdr.h for the format. */
#include <math.h>
#include <stdint.h>

#include "clock.h"
#include "histogram_hdr.h"

/* In HdrHistogram's terms: values below 2 * HISTOGRAM_SUB_COUNT are exact (its first bucket,
 * of SubBuckets values), and each further power of two up to the last shift is one more bucket. */
#define HDR_SUB_BUCKETS (2u * HISTOGRAM_SUB_COUNT)
#define HDR_BUCKETS (HISTOGRAM_MAX_SHIFT + 1u)

static double ms_of(uint64_t ns) { return (double)ns / (double)NS_PER_MS; }

/* A bucket's value as a row shows it: its highest, within the exact minimum and maximum. */
static uint64_t row_value(const struct histogram *h, unsigned bucket)
{
    uint64_t v = histogram_bucket_high(bucket);
    return v > h->max_ns ? h->max_ns : (v < h->min_ns ? h->min_ns : v);
}

/* The percentile tick after level: the step is 100 / (ticks * 2^(k + 1)), k being how many times
 * the distance to 100 % has halved, so every half of the remaining distance gets the same
 * number of rows. The arithmetic is HdrHistogram's (log ratio truncated), so the levels, and
 * hence the rows, are the ones its own writer prints for the same counts. */
static double tick_next(double level)
{
    double halvings = floor(log(100.0 / (100.0 - level)) / log(2.0));
    double ticks = HISTOGRAM_HDR_TICKS_PER_HALF * pow(2.0, halvings + 1.0);
    return level + 100.0 / ticks;
}

static int header_write(FILE *out)
{
    return fprintf(out, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount",
                   "1/(1-Percentile)") < 0 ? -1 : 0;
}

static int row_write(FILE *out, uint64_t value_ns, double level, uint64_t cumulative)
{
    double p = level / 100.0;
    return fprintf(out, "%12.3f %2.12f %10llu %14.2f\n", ms_of(value_ns), p,
                   (unsigned long long)cumulative, 1.0 / (1.0 - p)) < 0 ? -1 : 0;
}

/* The 100 % row: 1/(1-Percentile) would be infinite, and HdrHistogram leaves it out. */
static int last_row_write(FILE *out, uint64_t value_ns, uint64_t cumulative)
{
    return fprintf(out, "%12.3f %2.12f %10llu\n", ms_of(value_ns), 1.0,
                   (unsigned long long)cumulative) < 0 ? -1 : 0;
}

/* The rows of a bucket holding the ranks up to cumulative: one per tick it reaches; in the
 * bucket that completes the count, only the first (the 100 % row follows). A tick that no
 * longer moves (counts past 2^53, where doubles run out of digits) ends the bucket's rows
 * rather than repeating it. Returns the next tick level, or a negative value on a write
 * error. */
static double bucket_rows_write(FILE *out, const struct histogram *h, unsigned bucket,
                                uint64_t cumulative, double level)
{
    double reached = 100.0 * (double)cumulative / (double)h->n;
    while (level <= reached) {
        if (row_write(out, row_value(h, bucket), level, cumulative) != 0)
            return -1.0;
        double next = tick_next(level);
        if (cumulative == h->n || !(next > level))
            return next;
        level = next;
    }
    return level;
}

static int rows_write(FILE *out, const struct histogram *h)
{
    double level = 0.0;
    uint64_t cumulative = 0;
    for (unsigned b = 0; b < HISTOGRAM_BUCKETS && cumulative < h->n; b++) {
        if (h->counts[b] == 0)
            continue;
        cumulative += h->counts[b];
        level = bucket_rows_write(out, h, b, cumulative, level);
        if (level < 0.0)
            return -1;
    }
    return h->n ? last_row_write(out, h->max_ns, cumulative) : 0;
}

/* The standard deviation around the exact mean, each bucket standing at its middle. */
static double stddev_ns(const struct histogram *h)
{
    if (h->n == 0)
        return 0.0;
    double mean = histogram_mean(h), sum_sq = 0.0;
    for (unsigned b = 0; b < HISTOGRAM_BUCKETS; b++) {
        if (h->counts[b] == 0)
            continue;
        uint64_t low = histogram_bucket_low(b), high = row_value(h, b);
        double middle = (double)(low < h->min_ns ? h->min_ns : low) / 2.0 + (double)high / 2.0;
        sum_sq += (double)h->counts[b] * (middle - mean) * (middle - mean);
    }
    return sqrt(sum_sq / (double)h->n);
}

static int footer_write(FILE *out, const struct histogram *h)
{
    if (fprintf(out, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n",
                histogram_mean(h) / (double)NS_PER_MS, stddev_ns(h) / (double)NS_PER_MS) < 0 ||
        fprintf(out, "#[Max     = %12.3f, Total count    = %12llu]\n",
                ms_of(h->n ? h->max_ns : 0), (unsigned long long)h->n) < 0 ||
        fprintf(out, "#[Buckets = %12u, SubBuckets     = %12u]\n", HDR_BUCKETS,
                HDR_SUB_BUCKETS) < 0)
        return -1;
    return 0;
}

int histogram_hdr_write(FILE *out, const struct histogram *h)
{
    if (header_write(out) != 0 || rows_write(out, h) != 0 || footer_write(out, h) != 0)
        return -1;
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
