/* tlsclient's command line (see tlsclient.c for what each option means) and the client
 * context it describes. Bad usage prints the usage and exits with status 2. */
#ifndef UNITLS_TEST_TLSCLIENT_OPTIONS_H
#define UNITLS_TEST_TLSCLIENT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/unitls.h>

#define MAX_ALPN 8
#define MAX_CIPHERS 16

struct client_options {
    const char *address;
    const char *cafile, *sni, *peer_cert_out;
    int no_sni, resume;
    const char *alpn[MAX_ALPN];
    size_t n_alpn;
    uint16_t ciphers[MAX_CIPHERS];
    size_t n_ciphers;
    enum unitls_tls_version tls_min, tls_max;
    uint64_t echo_bytes, seed;
    const char *input, *output, *progress_file, *stop_file;
    int half_close, until_close, rounds, barrier, hold, loop, silent, probe, json, quiet;
    unsigned connections, ramp;
    uint64_t count, duration_ms, hold_ms;
    unsigned timeout_ms;
};

void options_parse(int argc, char **argv, struct client_options *o);

/* The client context the options describe, or NULL after printing why. */
unitls_client_context *client_context_from_options(const struct client_options *o);

/* open(2) for reading / for writing (created, truncated); -1 after printing why. */
int open_read(const char *path);
int open_write(const char *path);

#endif
