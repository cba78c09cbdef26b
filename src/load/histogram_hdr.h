/* histogram_hdr: a latency histogram written as HdrHistogram's percentile distribution text
 * (what its outputPercentileDistribution and hdr_percentiles_print write), so HdrHistogram's
 * plotter and the tools that read its ".hgrm" files draw unitls-load's latencies.
 *
 * The text: a header line ("Value Percentile TotalCount 1/(1-Percentile)") and a blank line,
 * then one row each time the cumulative count reaches the next percentile tick, 5 ticks per
 * half of the remaining distance to 100 % (HdrHistogram's usual setting: rows thicken towards
 * the tail), ending with the 100 % row, which has no 1/(1-Percentile) column; then three
 * footer lines: mean and standard deviation, maximum and total count, and the histogram's
 * shape in HdrHistogram's terms (Buckets: powers of two covered; SubBuckets: values per power
 * of two).
 *
 * Values are in milliseconds with three decimals, like the JSON report's latency_ms. A row's
 * value is the highest value its bucket stands for, kept within the exact minimum and maximum
 * (so the 100 % row is the exact maximum, as histogram_percentile reports it); the mean is
 * exact, the standard deviation is computed from the buckets' middles. An empty histogram
 * gives the header and a footer of zeros, as HdrHistogram does. */
#ifndef UNITLS_LOAD_HISTOGRAM_HDR_H
#define UNITLS_LOAD_HISTOGRAM_HDR_H

#include <stdio.h>

#include "histogram.h"

#define HISTOGRAM_HDR_TICKS_PER_HALF 5

/* Writes h to out. Returns 0, or -1 when a write failed (errno tells why; out's error flag is
 * set). */
int histogram_hdr_write(FILE *out, const struct histogram *h);

#endif
