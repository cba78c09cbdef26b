/* histogram: a latency distribution in nanoseconds, log-linear like HdrHistogram.
 *
 * Values below HISTOGRAM_SUB_COUNT are counted exactly; above, every power of two is split
 * into HISTOGRAM_SUB_COUNT equal buckets, so a reported value is within 1/128 (< 0.8 %) of the
 * recorded one. Values past the last bucket (about 19 hours) are clamped into it; the exact
 * minimum, maximum and sum are kept beside the buckets. Recording is a few shifts and one
 * increment, no allocation. Histograms of several workers merge by adding buckets, so
 * percentiles of the whole run are exact over the merged counts, not averages of averages.
 * A histogram belongs to one thread at a time. */
#ifndef UNITLS_LOAD_HISTOGRAM_H
#define UNITLS_LOAD_HISTOGRAM_H

#include <stdint.h>

#define HISTOGRAM_SUB_BITS 7
#define HISTOGRAM_SUB_COUNT (1u << HISTOGRAM_SUB_BITS)
#define HISTOGRAM_MAX_SHIFT 39u
#define HISTOGRAM_BUCKETS (HISTOGRAM_SUB_COUNT * (HISTOGRAM_MAX_SHIFT + 2u))

struct histogram {
    uint64_t n;
    uint64_t min_ns;
    uint64_t max_ns;
    uint64_t sum_ns;
    uint64_t counts[HISTOGRAM_BUCKETS];
};

void histogram_init(struct histogram *h);
void histogram_record(struct histogram *h, uint64_t ns);
/* Adds every count of src into dst. */
void histogram_merge(struct histogram *dst, const struct histogram *src);
/* The value at or below which pct percent (0 to 100) of the recorded values lie: the highest
 * value of the bucket holding that rank, never above the exact maximum. 0 when empty. */
uint64_t histogram_percentile(const struct histogram *h, double pct);
/* The mean in nanoseconds, 0 when empty. */
double histogram_mean(const struct histogram *h);

/* Bucket arithmetic, exposed for the unit tests: a value's bucket and a bucket's range. */
unsigned histogram_bucket_of(uint64_t ns);
uint64_t histogram_bucket_low(unsigned bucket);
uint64_t histogram_bucket_high(unsigned bucket);

#endif
