/* unitls-load: load and handshake testing on the client side of libunitls.
 *
 * main parses the command line, prepares what every worker shares (the server's address, the
 * client configuration, the request bytes), runs the load and prints the report. Exit status:
 * 0 when the run took place (failed connections are data, not an error of the tool), 2 for bad
 * usage, 1 when the run could not take place at all. */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <unitls/unitls.h>

#include "histogram_hdr.h"
#include "options.h"
#include "report.h"
#include "runner.h"
#include "target.h"
#include "tlsconf.h"

#define EXIT_RAN 0
#define EXIT_COULD_NOT_RUN 1
#define EXIT_USAGE 2
#define REQUEST_MAX (1024 * 1024)

/* --insecure makes the library warn for the configuration and again for every connection:
 * show the first warning, count the rest, so a run of a million handshakes stays readable. */
struct warnings {
    atomic_uint_fast64_t n;
};

static void on_warning(enum unitls_warning_category category, const char *message, void *arg)
{
    struct warnings *w = arg;
    if (atomic_fetch_add(&w->n, 1) == 0)
        fprintf(stderr, "unitls-load: %s: %s\n",
                category == UNITLS_WARNING_SECURITY ? "SecurityWarning" : "warning", message);
}

static int request_load(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "unitls-load: --request %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint8_t *buf = malloc(REQUEST_MAX);
    size_t n = buf ? fread(buf, 1, REQUEST_MAX, f) : 0;
    int too_big = buf && n == REQUEST_MAX && fgetc(f) != EOF;
    int failed = ferror(f);
    fclose(f);
    if (!buf || failed || too_big || n == 0) {
        fprintf(stderr, "unitls-load: --request %s: %s\n", path,
                !buf ? "out of memory" : failed ? "read error" : too_big ? "larger than 1 MiB"
                                                                          : "empty");
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* GET / with a Host header naming the server as the certificate would. */
static int request_default(const struct load_options *o, uint8_t **out, size_t *len)
{
    const char *name = o->sni ? o->sni : o->host;
    int v6 = !o->sni && strchr(o->host, ':') != NULL;
    char port[8] = "";
    if (o->port != 443)
        snprintf(port, sizeof port, ":%u", (unsigned)o->port);
    char *buf = malloc(1024);
    if (!buf)
        return -1;
    int n = snprintf(buf, 1024,
                     "GET / HTTP/1.1\r\nHost: %s%s%s%s\r\nUser-Agent: unitls-load/%s\r\n\r\n",
                     v6 ? "[" : "", name, v6 ? "]" : "", port, unitls_version());
    if (n < 0 || n >= 1024) {
        free(buf);
        return -1;
    }
    *out = (uint8_t *)buf;
    *len = (size_t)n;
    return 0;
}

/* Every connection is a descriptor: take the hard limit. */
static void descriptors_raise(unsigned concurrency)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && (rlim_t)concurrency + 64 > rl.rlim_cur)
        fprintf(stderr, "unitls-load: warning: --concurrency %u is near the descriptor limit "
                        "(%llu); expect \"other\" failures\n",
                concurrency, (unsigned long long)rl.rlim_cur);
}

/* The report on stdout and, with --hdr, the latency distribution in hdr: EXIT_RAN, or
 * EXIT_COULD_NOT_RUN when either could not be written. */
static int reports_write(const struct load_options *o, const struct target *t,
                         const struct run_result *result, FILE *hdr)
{
    int status = EXIT_RAN;
    if (!o->json) {
        report_text(stdout, o, t, result);
    } else if (report_json(stdout, o, t, result) != 0) {
        fprintf(stderr, "unitls-load: the JSON report could not be built or written\n");
        status = EXIT_COULD_NOT_RUN;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "unitls-load: standard output: %s\n", strerror(errno));
        status = EXIT_COULD_NOT_RUN;
    }
    if (hdr && histogram_hdr_write(hdr, &result->stats.latency) != 0) {
        fprintf(stderr, "unitls-load: --hdr %s: %s\n", o->hdr_file, strerror(errno));
        status = EXIT_COULD_NOT_RUN;
    }
    return status;
}

/* Runs the load and prints the report: EXIT_RAN, or EXIT_COULD_NOT_RUN when it could not.
 * --hdr's file is opened first, so a path that cannot be written stops the tool before the
 * load rather than after it. */
static int run_and_report(const struct load_options *o, const struct target *t,
                          unitls_client_config *cfg, const uint8_t *request, size_t request_len)
{
    char err[512];
    FILE *hdr = NULL;
    if (o->hdr_file && !(hdr = fopen(o->hdr_file, "w"))) {
        fprintf(stderr, "unitls-load: --hdr %s: %s\n", o->hdr_file, strerror(errno));
        return EXIT_COULD_NOT_RUN;
    }
    struct run_result *result = calloc(1, sizeof *result);
    int status = EXIT_COULD_NOT_RUN;
    if (!result) {
        fprintf(stderr, "unitls-load: out of memory\n");
    } else {
        descriptors_raise(o->concurrency);
        if (runner_run(o, t, cfg, request, request_len, result, err, sizeof err) != 0)
            fprintf(stderr, "unitls-load: %s\n", err);
        else
            status = reports_write(o, t, result, hdr);
    }
    if (hdr && fclose(hdr) != 0 && status == EXIT_RAN) {
        fprintf(stderr, "unitls-load: --hdr %s: %s\n", o->hdr_file, strerror(errno));
        status = EXIT_COULD_NOT_RUN;
    }
    free(result);
    return status;
}

static int run(const struct load_options *o)
{
    char err[512];
    struct target t;
    if (target_resolve(o->host, o->port, &t, err, sizeof err) != 0) {
        fprintf(stderr, "unitls-load: %s\n", err);
        return EXIT_COULD_NOT_RUN;
    }
    uint8_t *request = NULL;
    size_t request_len = 0;
    if (o->mode == MODE_REQUEST &&
        (o->request_file ? request_load(o->request_file, &request, &request_len)
                         : request_default(o, &request, &request_len)) != 0)
        return EXIT_COULD_NOT_RUN;
    unitls_error e;
    unitls_error_clear(&e);
    unitls_client_config *cfg = tlsconf_build(o, &e);
    int status = EXIT_COULD_NOT_RUN;
    if (cfg)
        status = run_and_report(o, &t, cfg, request, request_len);
    else
        fprintf(stderr, "unitls-load: client configuration: %s\n", e.message);
    unitls_client_config_unref(cfg);
    free(request);
    return status;
}

/* OpenSSL allocates and frees a few hundred small objects per handshake, many of one size:
 * glibc's per-thread cache keeps 7 chunks per size by default, so most of them go the slow
 * way through the arenas. A deeper cache takes about 6 % off the tool's instructions per
 * handshake (measured with callgrind: what h2load gets from jemalloc). The cache depth is a
 * tunable read at start-up only, hence one re-exec; a GLIBC_TUNABLES set by the user is kept. */
static void allocator_tune(char **argv)
{
#ifdef __GLIBC__
    if (getenv("GLIBC_TUNABLES"))
        return;
    if (setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=1024", 1) != 0)
        return;
    execv("/proc/self/exe", argv);
    unsetenv("GLIBC_TUNABLES"); /* no re-exec: run as we are */
#else
    (void)argv;
#endif
}

int main(int argc, char **argv)
{
    allocator_tune(argv);
    struct load_options o;
    char err[512];
    switch (options_parse(argc, argv, &o, err, sizeof err)) {
    case OPTIONS_HELP:
        options_usage(stdout);
        return EXIT_RAN;
    case OPTIONS_VERSION:
        options_version(stdout);
        return EXIT_RAN;
    case OPTIONS_USAGE:
        fprintf(stderr, "unitls-load: %s\n(unitls-load --help lists the options)\n", err);
        return EXIT_USAGE;
    case OPTIONS_OK:
        break;
    }
    struct warnings warnings;
    atomic_init(&warnings.n, 0);
    unitls_set_warning_handler(on_warning, &warnings);
    int status = run(&o);
    unitls_set_warning_handler(NULL, NULL);
    uint64_t n = atomic_load(&warnings.n);
    if (n > 1)
        fprintf(stderr, "unitls-load: %llu more security warnings like the first (one per "
                        "insecure connection)\n",
                (unsigned long long)(n - 1));
    return status;
}
