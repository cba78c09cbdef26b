/* histogram: log-linear buckets; see histogram.h for the precision it guarantees. */
#include <string.h>

#include "histogram.h"

void histogram_init(struct histogram *h)
{
    memset(h, 0, sizeof *h);
    h->min_ns = UINT64_MAX;
}

static unsigned highest_bit(uint64_t v) { return 63u - (unsigned)__builtin_clzll(v); }

unsigned histogram_bucket_of(uint64_t ns)
{
    if (ns < HISTOGRAM_SUB_COUNT)
        return (unsigned)ns;
    unsigned shift = highest_bit(ns) - HISTOGRAM_SUB_BITS;
    if (shift > HISTOGRAM_MAX_SHIFT)
        return HISTOGRAM_BUCKETS - 1u;
    /* ns >> shift lies in [SUB_COUNT, 2 * SUB_COUNT): the bucket within this power of two. */
    return HISTOGRAM_SUB_COUNT * shift + (unsigned)(ns >> shift);
}

uint64_t histogram_bucket_low(unsigned bucket)
{
    if (bucket < 2u * HISTOGRAM_SUB_COUNT)
        return bucket;
    unsigned shift = bucket / HISTOGRAM_SUB_COUNT - 1u;
    uint64_t mantissa = bucket - HISTOGRAM_SUB_COUNT * shift;
    return mantissa << shift;
}

uint64_t histogram_bucket_high(unsigned bucket)
{
    if (bucket < 2u * HISTOGRAM_SUB_COUNT)
        return bucket;
    unsigned shift = bucket / HISTOGRAM_SUB_COUNT - 1u;
    return histogram_bucket_low(bucket) + (1ull << shift) - 1u;
}

void histogram_record(struct histogram *h, uint64_t ns)
{
    h->counts[histogram_bucket_of(ns)]++;
    h->n++;
    h->sum_ns += ns;
    if (ns < h->min_ns)
        h->min_ns = ns;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

void histogram_merge(struct histogram *dst, const struct histogram *src)
{
    if (src->n == 0)
        return;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->n += src->n;
    dst->sum_ns += src->sum_ns;
    if (src->min_ns < dst->min_ns)
        dst->min_ns = src->min_ns;
    if (src->max_ns > dst->max_ns)
        dst->max_ns = src->max_ns;
}

uint64_t histogram_percentile(const struct histogram *h, double pct)
{
    if (h->n == 0)
        return 0;
    if (pct <= 0.0)
        return h->min_ns;
    if (pct >= 100.0)
        return h->max_ns;
    /* The rank of the value asked for, 1-based, rounded up: p50 of 1..10 is the 5th value. */
    double exact = pct / 100.0 * (double)h->n;
    uint64_t rank = (uint64_t)exact;
    if ((double)rank < exact)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t v = histogram_bucket_high(i);
            return v > h->max_ns ? h->max_ns : (v < h->min_ns ? h->min_ns : v);
        }
    }
    return h->max_ns;
}

double histogram_mean(const struct histogram *h)
{
    return h->n ? (double)h->sum_ns / (double)h->n : 0.0;
}
