/* runner: one run of unitls-load: splits the work over the workers, starts their threads,
 * prints the live progress line (once a second, on a terminal), turns SIGINT/SIGTERM into an
 * orderly stop, joins the workers and merges their statistics.
 *
 * SIGINT, SIGTERM and SIGUSR1 are blocked in every thread for the run; the calling thread
 * takes them with sigtimedwait (SIGUSR1 is how a worker says it ended), and the mask is
 * restored before runner_run returns. */
#ifndef UNITLS_LOAD_RUNNER_H
#define UNITLS_LOAD_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include <unitls/unitls.h>

#include "options.h"
#include "stats.h"
#include "target.h"

struct run_result {
    struct load_stats stats;
    uint64_t elapsed_ns;   /* from the start to the last worker's end */
    unsigned n_workers;
    int interrupted;       /* a signal stopped the run early */
};

/* Runs the load described by o against t with configuration cfg (each worker makes its own
 * context from it). 0 with *out filled, or -1 with a reason in err when the run could not
 * start (no context, no thread). */
int runner_run(const struct load_options *o, const struct target *t, unitls_client_config *cfg,
               const uint8_t *request, size_t request_len, struct run_result *out, char *err,
               size_t err_len);

#endif
