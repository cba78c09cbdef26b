/* options: unitls-load's command line, parsed into a plain struct with nothing resolved yet
 * (no DNS, no file read): parsing is pure, so it is unit-tested without a network.
 *
 * options_parse fills *o from argv (argv[0] is the program name) and returns OPTIONS_OK,
 * OPTIONS_HELP (--help: print options_usage), OPTIONS_VERSION (--version: print
 * options_version), or OPTIONS_USAGE with a one-line reason in err. Strings in *o point into
 * argv (which outlives the run); nothing is allocated. The one thing looked up is the
 * implementation, in libunitls's table of those built. */
#ifndef UNITLS_LOAD_OPTIONS_H
#define UNITLS_LOAD_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <unitls/implementation.h>
#include <unitls/versions.h>

#define OPTIONS_MAX_ALPN 16
#define OPTIONS_MAX_CIPHERS 32
#define OPTIONS_HOST_MAX 256

enum load_mode {
    MODE_HANDSHAKE,  /* a new connection and a full handshake per unit, never resumed */
    MODE_RESUME,     /* a new connection per unit, resuming the worker's latest session */
    MODE_REQUEST,    /* a request and its response per unit, on kept-alive connections */
    MODE_THROUGHPUT, /* a new connection per unit streaming payload_len bytes each way */
    MODE_HOLD        /* concurrency connections held open for the duration */
};

enum options_result { OPTIONS_OK, OPTIONS_HELP, OPTIONS_VERSION, OPTIONS_USAGE };

struct load_options {
    enum load_mode mode;
    char host[OPTIONS_HOST_MAX]; /* without brackets for IPv6 */
    uint16_t port;
    const char *target;          /* HOST:PORT as given */
    unsigned concurrency;        /* connections in flight (at most, with a rate) */
    uint64_t duration_ms;        /* 0 when count is set */
    uint64_t count;              /* units in total; 0 when the run is timed */
    double rate;                 /* arrivals per second, open loop; 0: closed loop */
    unsigned workers;
    uint64_t timeout_ms;         /* per connect+handshake, per request, per transfer */
    const char *sni;             /* NULL: the host */
    const char *alpn[OPTIONS_MAX_ALPN];
    size_t n_alpn;
    const char *cafile;          /* NULL: the system trust store */
    int insecure;
    int insecure_legacy;         /* TLS 1.0/1.1 and the lowered security level (insecure.h) */
    enum unitls_tls_version tls_version; /* UNSET: the library's range; 1.0/1.1 only with
                                            insecure_legacy */
    uint16_t ciphers[OPTIONS_MAX_CIPHERS];
    size_t n_ciphers;
    const char *request_file;    /* NULL: a minimal HTTP/1.1 GET */
    uint64_t payload_len;
    int json;
    const char *hdr_file;        /* NULL: no HdrHistogram percentile distribution file */
    int quiet;                   /* no live progress line even on a terminal */
    const unitls_implementation *implementation; /* never NULL: the library's default unless
                                                    --implementation names another */
};

enum options_result options_parse(int argc, char *const argv[], struct load_options *o,
                                  char *err, size_t err_len);
void options_usage(FILE *out);
/* The tool's and the library's versions, and the implementations built, the default first. */
void options_version(FILE *out);
const char *options_mode_name(enum load_mode mode);

/* Value parsers, exposed for the unit tests. Each returns 0 and writes *out, or -1. */
/* "250ms", "10s", "2m", "1h"; a bare number is seconds. */
int options_parse_duration_ms(const char *text, uint64_t *out);
/* "1000", "64K", "10M", "1G" (powers of 1024). */
int options_parse_size(const char *text, uint64_t *out);
/* "host:port", "[v6]:port"; host gets the name without brackets. */
int options_parse_target(const char *text, char *host, size_t host_len, uint16_t *port);

#endif
