/* tlsclient's command line and client context; see the header. */
#include "tlsclient_options.h"

#include "backend_util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <unitls/insecure.h>

enum {
    OPT_CAFILE = 256, OPT_SNI, OPT_NO_SNI, OPT_ALPN, OPT_TLS_MIN, OPT_TLS_MAX, OPT_CIPHER,
    OPT_RESUME, OPT_PEER_CERT_OUT, OPT_ECHO_BYTES, OPT_INPUT, OPT_OUTPUT, OPT_HALF_CLOSE,
    OPT_UNTIL_CLOSE, OPT_ROUNDS, OPT_CONNECTIONS, OPT_RAMP, OPT_BARRIER, OPT_HOLD, OPT_HOLD_MS,
    OPT_LOOP, OPT_DURATION_MS, OPT_COUNT, OPT_STOP_FILE, OPT_TIMEOUT_MS, OPT_SILENT,
    OPT_PROGRESS_FILE, OPT_JSON, OPT_QUIET, OPT_SEED, OPT_PROBE, OPT_HELP
};

static const struct option long_options[] = {
    {"cafile", required_argument, NULL, OPT_CAFILE},
    {"sni", required_argument, NULL, OPT_SNI},
    {"no-sni", no_argument, NULL, OPT_NO_SNI},
    {"alpn", required_argument, NULL, OPT_ALPN},
    {"tls-min", required_argument, NULL, OPT_TLS_MIN},
    {"tls-max", required_argument, NULL, OPT_TLS_MAX},
    {"cipher", required_argument, NULL, OPT_CIPHER},
    {"resume", no_argument, NULL, OPT_RESUME},
    {"peer-cert-out", required_argument, NULL, OPT_PEER_CERT_OUT},
    {"echo-bytes", required_argument, NULL, OPT_ECHO_BYTES},
    {"input", required_argument, NULL, OPT_INPUT},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"half-close", no_argument, NULL, OPT_HALF_CLOSE},
    {"until-close", no_argument, NULL, OPT_UNTIL_CLOSE},
    {"rounds", no_argument, NULL, OPT_ROUNDS},
    {"connections", required_argument, NULL, OPT_CONNECTIONS},
    {"ramp", required_argument, NULL, OPT_RAMP},
    {"barrier", no_argument, NULL, OPT_BARRIER},
    {"hold", no_argument, NULL, OPT_HOLD},
    {"hold-ms", required_argument, NULL, OPT_HOLD_MS},
    {"loop", no_argument, NULL, OPT_LOOP},
    {"duration-ms", required_argument, NULL, OPT_DURATION_MS},
    {"count", required_argument, NULL, OPT_COUNT},
    {"stop-file", required_argument, NULL, OPT_STOP_FILE},
    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT_MS},
    {"silent", no_argument, NULL, OPT_SILENT},
    {"progress-file", required_argument, NULL, OPT_PROGRESS_FILE},
    {"json", no_argument, NULL, OPT_JSON},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"seed", required_argument, NULL, OPT_SEED},
    {"probe", no_argument, NULL, OPT_PROBE},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static void usage(const char *why)
{
    if (why != NULL)
        fprintf(stderr, "tlsclient: %s\n", why);
    fprintf(stderr,
            "usage: tlsclient --cafile F [--sni NAME|--no-sni] [--alpn P]... [--tls-min V] "
            "[--tls-max V]\n"
            "       [--cipher NAME]... [--resume] [--peer-cert-out F] [--echo-bytes N | "
            "--input F [--output F]]\n"
            "       [--half-close] [--until-close] [--rounds] [--connections C] [--ramp R] "
            "[--barrier]\n"
            "       [--hold] [--hold-ms T] [--loop] [--duration-ms T] [--count N] "
            "[--stop-file F]\n"
            "       [--timeout-ms T] [--silent] [--progress-file F] [--json] [--quiet] "
            "HOST:PORT\n");
    exit(2);
}

static uint64_t number(const char *name, const char *value)
{
    uint64_t v;
    if (size_parse(value, &v) != 0) {
        fprintf(stderr, "tlsclient: --%s wants a number, got '%s'\n", name, value);
        exit(2);
    }
    return v;
}

static enum unitls_tls_version version(const char *value)
{
    enum unitls_tls_version v;
    if (unitls_tls_version_from_name(value, &v) != UNITLS_OK)
        usage("--tls-min/--tls-max want TLSv1.2, TLSv1.3, MINIMUM_SUPPORTED or MAXIMUM_SUPPORTED");
    return v;
}

static void option_set(struct client_options *o, int id, const char *arg)
{
    const char *name = long_options[id - OPT_CAFILE].name;
    switch (id) {
    case OPT_CAFILE: o->cafile = arg; break;
    case OPT_SNI: o->sni = arg; break;
    case OPT_NO_SNI: o->no_sni = 1; break;
    case OPT_ALPN:
        if (o->n_alpn == MAX_ALPN)
            usage("too many --alpn");
        o->alpn[o->n_alpn++] = arg;
        break;
    case OPT_TLS_MIN: o->tls_min = version(arg); break;
    case OPT_TLS_MAX: o->tls_max = version(arg); break;
    case OPT_CIPHER:
        if (o->n_ciphers == MAX_CIPHERS ||
            unitls_cipher_suite_from_name(arg, &o->ciphers[o->n_ciphers]) != UNITLS_OK)
            usage("--cipher wants an IANA cipher suite name (at most 16)");
        o->n_ciphers++;
        break;
    case OPT_RESUME: o->resume = 1; break;
    case OPT_PEER_CERT_OUT: o->peer_cert_out = arg; break;
    case OPT_ECHO_BYTES: o->echo_bytes = number(name, arg); break;
    case OPT_INPUT: o->input = arg; break;
    case OPT_OUTPUT: o->output = arg; break;
    case OPT_HALF_CLOSE: o->half_close = 1; break;
    case OPT_UNTIL_CLOSE: o->until_close = 1; break;
    case OPT_ROUNDS: o->rounds = 1; break;
    case OPT_CONNECTIONS: o->connections = (unsigned)number(name, arg); break;
    case OPT_RAMP: o->ramp = (unsigned)number(name, arg); break;
    case OPT_BARRIER: o->barrier = 1; break;
    case OPT_HOLD: o->hold = 1; break;
    case OPT_HOLD_MS: o->hold_ms = number(name, arg); break;
    case OPT_LOOP: o->loop = 1; break;
    case OPT_DURATION_MS: o->duration_ms = number(name, arg); break;
    case OPT_COUNT: o->count = number(name, arg); break;
    case OPT_STOP_FILE: o->stop_file = arg; break;
    case OPT_TIMEOUT_MS: o->timeout_ms = (unsigned)number(name, arg); break;
    case OPT_SILENT: o->silent = 1; break;
    case OPT_PROGRESS_FILE: o->progress_file = arg; break;
    case OPT_JSON: o->json = 1; break;
    case OPT_QUIET: o->quiet = 1; break;
    case OPT_SEED: o->seed = number(name, arg); break;
    case OPT_PROBE: o->probe = 1; break;
    default: usage(NULL);
    }
}

static void options_check(const struct client_options *o)
{
    if (o->connections == 0 || o->connections > 100000 || o->ramp == 0)
        usage("--connections and --ramp want 1 to 100000");
    if ((o->input != NULL || o->output != NULL || o->rounds) && o->connections != 1)
        usage("--input, --output and --rounds work on one connection");
    if ((o->input != NULL || o->output != NULL || o->rounds) && o->loop)
        usage("--input, --output and --rounds do not go with --loop");
    if (o->rounds && (o->input != NULL || o->until_close))
        usage("--rounds sends pseudo-random bytes and expects their echo");
    if (o->loop && o->duration_ms == 0 && o->count == 0 && o->stop_file == NULL)
        usage("--loop needs --duration-ms, --count or --stop-file");
    if (!o->silent && !o->probe && o->cafile == NULL)
        usage("--cafile is required");
}

void options_parse(int argc, char **argv, struct client_options *o)
{
    memset(o, 0, sizeof *o);
    o->sni = "localhost";
    o->connections = 1;
    o->ramp = 50;
    o->timeout_ms = 30000;
    o->hold_ms = 120000;
    o->seed = 1;
    int id;
    while ((id = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (id < OPT_CAFILE || id > OPT_HELP || id == OPT_HELP)
            usage(NULL);
        option_set(o, id, optarg);
    }
    if (optind != argc - 1)
        usage("one HOST:PORT is required");
    o->address = argv[optind];
    options_check(o);
}

static unitls_client_config *config_build(const struct client_options *o)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_error err;
    unitls_error_clear(&err);
    if (b == NULL)
        return NULL;
    unitls_trust_store *ts = unitls_trust_store_from_file(o->cafile, &err);
    if (ts != NULL) {
        unitls_client_config_builder_set_trust_store(b, ts);
        unitls_trust_store_unref(ts);
    }
    for (size_t i = 0; i < o->n_alpn; i++)
        unitls_client_config_builder_add_inner_protocol(b, o->alpn[i], strlen(o->alpn[i]));
    if (o->n_ciphers > 0)
        unitls_client_config_builder_set_ciphers(b, o->ciphers, o->n_ciphers);
    if (o->tls_min != UNITLS_TLS_VERSION_UNSET)
        unitls_client_config_builder_set_lowest_supported_version(b, o->tls_min);
    if (o->tls_max != UNITLS_TLS_VERSION_UNSET)
        unitls_client_config_builder_set_highest_supported_version(b, o->tls_max);
    unitls_client_config_builder_set_session_resumption(b, o->resume);
    if (o->no_sni)
        unitls_insecure_client_config_builder_disable_hostname_check(b);
    unitls_client_config *cfg = ts != NULL ? unitls_client_config_builder_build(b, &err) : NULL;
    if (cfg == NULL)
        fprintf(stderr, "tlsclient: client configuration: %s: %s\n",
                unitls_status_name(err.status), err.message);
    unitls_client_config_builder_free(b);
    return cfg;
}

unitls_client_context *client_context_from_options(const struct client_options *o)
{
    unitls_error err;
    unitls_client_config *cfg = config_build(o);
    if (cfg == NULL)
        return NULL;
    unitls_error_clear(&err);
    unitls_client_context *ctx = unitls_client_context_new(NULL, cfg, &err);
    unitls_client_config_unref(cfg);
    if (ctx == NULL)
        fprintf(stderr, "tlsclient: client context: %s: %s\n", unitls_status_name(err.status),
                err.message);
    return ctx;
}

int open_read(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        fprintf(stderr, "tlsclient: %s: %s\n", path, strerror(errno));
    return fd;
}

int open_write(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        fprintf(stderr, "tlsclient: %s: %s\n", path, strerror(errno));
    return fd;
}
