/* report: what unitls-load prints. The final report as text or as one JSON object (the keys
 * are a contract for scripts: mode, completed, failed, rate_per_s, resumed, latency_ms with
 * p50/p90/p99/p999/max, errors with every reason; see docs/unitls-load.1), and the live
 * progress line for a terminal. */
#ifndef UNITLS_LOAD_REPORT_H
#define UNITLS_LOAD_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "options.h"
#include "runner.h"
#include "target.h"

void report_text(FILE *out, const struct load_options *o, const struct target *t,
                 const struct run_result *r);
/* Returns 0, or -1 when the report could not be built (out of memory) or written. */
int report_json(FILE *out, const struct load_options *o, const struct target *t,
                const struct run_result *r);

/* One progress line, rewritten in place ("\r", cleared to the end). */
void report_progress(FILE *out, uint64_t elapsed_ns, uint64_t completed,
                     uint64_t completed_last_second, uint64_t failed, uint64_t in_flight);
/* Clears the progress line so the report starts on a clean line. */
void report_progress_end(FILE *out);

#endif
