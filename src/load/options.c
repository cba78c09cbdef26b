/* options: a table of options, each with a function that applies its value, read with
 * getopt_long. Long options take "--name VALUE" or "--name=VALUE" (or a unique abbreviation of
 * the name); a few have a one-letter form ("-c 10", "-kq"). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unitls/ciphers.h>
#include <unitls/unitls.h>

#include "options.h"

#define DEFAULT_CONCURRENCY 10u
#define DEFAULT_DURATION_MS 10000u
#define DEFAULT_TIMEOUT_MS 10000u
#define DEFAULT_PAYLOAD (1024u * 1024u)
#define MAX_WORKERS 256u
#define MAX_CONCURRENCY 1000000u

static int usage_error(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int usage_error(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int parse_u64(const char *text, uint64_t *out, char **end)
{
    if (!text || *text < '0' || *text > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(text, end, 10);
    if (errno != 0)
        return -1;
    *out = v;
    return 0;
}

/* value * unit without overflow. */
static int scale(uint64_t value, uint64_t unit, uint64_t *out)
{
    if (value > UINT64_MAX / unit)
        return -1;
    *out = value * unit;
    return 0;
}

int options_parse_duration_ms(const char *text, uint64_t *out)
{
    char *end = NULL;
    uint64_t v;
    if (parse_u64(text, &v, &end) != 0)
        return -1;
    uint64_t unit;
    if (strcmp(end, "ms") == 0)
        unit = 1;
    else if (strcmp(end, "s") == 0 || *end == '\0')
        unit = 1000;
    else if (strcmp(end, "m") == 0)
        unit = 60000;
    else if (strcmp(end, "h") == 0)
        unit = 3600000;
    else
        return -1;
    return scale(v, unit, out);
}

int options_parse_size(const char *text, uint64_t *out)
{
    char *end = NULL;
    uint64_t v;
    if (parse_u64(text, &v, &end) != 0)
        return -1;
    uint64_t unit = 1;
    if (*end == 'K' || *end == 'k')
        unit = 1024;
    else if (*end == 'M' || *end == 'm')
        unit = 1024 * 1024;
    else if (*end == 'G' || *end == 'g')
        unit = 1024 * 1024 * 1024;
    if (unit != 1)
        end++;
    if (*end != '\0')
        return -1;
    return scale(v, unit, out);
}

static int parse_port(const char *text, uint16_t *port)
{
    char *end = NULL;
    uint64_t v;
    if (parse_u64(text, &v, &end) != 0 || *end != '\0' || v == 0 || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

int options_parse_target(const char *text, char *host, size_t host_len, uint16_t *port)
{
    const char *host_start = text;
    const char *host_end;
    const char *port_text;
    if (*text == '[') {
        host_start = text + 1;
        host_end = strchr(host_start, ']');
        if (!host_end || host_end[1] != ':')
            return -1;
        port_text = host_end + 2;
    } else {
        host_end = strrchr(text, ':');
        if (!host_end || memchr(text, ':', (size_t)(host_end - text)))
            return -1; /* no port, or an IPv6 address without brackets */
        port_text = host_end + 1;
    }
    size_t len = (size_t)(host_end - host_start);
    if (len == 0 || len >= host_len)
        return -1;
    uint16_t p;
    if (parse_port(port_text, &p) != 0)
        return -1;
    memcpy(host, host_start, len);
    host[len] = '\0';
    *port = p;
    return 0;
}

static int positive_unsigned(const char *v, unsigned max, unsigned *out)
{
    char *end = NULL;
    uint64_t n;
    if (parse_u64(v, &n, &end) != 0 || *end != '\0' || n == 0 || n > max)
        return -1;
    *out = (unsigned)n;
    return 0;
}

/* --- one function per option ------------------------------------------------------------ */

typedef int (*option_apply)(struct load_options *o, const char *v, char *err, size_t err_len);

static int apply_mode(struct load_options *o, const char *v, char *err, size_t err_len)
{
    static const enum load_mode modes[] = {MODE_HANDSHAKE, MODE_RESUME, MODE_REQUEST,
                                           MODE_THROUGHPUT, MODE_HOLD};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(v, options_mode_name(modes[i])) == 0) {
            o->mode = modes[i];
            return 0;
        }
    }
    return usage_error(err, err_len,
                       "--mode %s: expected handshake, resume, request, throughput or hold", v);
}

static int apply_concurrency(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (positive_unsigned(v, MAX_CONCURRENCY, &o->concurrency) != 0)
        return usage_error(err, err_len, "--concurrency %s: expected 1 to %u", v,
                           MAX_CONCURRENCY);
    return 0;
}

static int apply_duration(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (options_parse_duration_ms(v, &o->duration_ms) != 0 || o->duration_ms == 0)
        return usage_error(err, err_len,
                           "--duration %s: expected a positive duration (250ms, 10s, 2m)", v);
    return 0;
}

static int apply_count(struct load_options *o, const char *v, char *err, size_t err_len)
{
    char *end = NULL;
    if (parse_u64(v, &o->count, &end) != 0 || *end != '\0' || o->count == 0)
        return usage_error(err, err_len, "--count %s: expected a positive integer", v);
    return 0;
}

static int apply_rate(struct load_options *o, const char *v, char *err, size_t err_len)
{
    char *end = NULL;
    errno = 0;
    double r = strtod(v, &end);
    if (errno != 0 || end == v || *end != '\0' || !(r > 0.0) || !isfinite(r) || r > 1e7)
        return usage_error(err, err_len, "--rate %s: expected a positive number per second", v);
    o->rate = r;
    return 0;
}

static int apply_workers(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (positive_unsigned(v, MAX_WORKERS, &o->workers) != 0)
        return usage_error(err, err_len, "--workers %s: expected 1 to %u", v, MAX_WORKERS);
    return 0;
}

static int apply_timeout(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (options_parse_duration_ms(v, &o->timeout_ms) != 0 || o->timeout_ms == 0)
        return usage_error(err, err_len, "--timeout %s: expected a positive duration", v);
    return 0;
}

static int apply_sni(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (*v == '\0' || strlen(v) > 255)
        return usage_error(err, err_len, "--sni: expected a name of 1 to 255 bytes");
    o->sni = v;
    return 0;
}

static int apply_alpn(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (*v == '\0' || strlen(v) > 255)
        return usage_error(err, err_len, "--alpn: expected a protocol of 1 to 255 bytes");
    if (o->n_alpn == OPTIONS_MAX_ALPN)
        return usage_error(err, err_len, "--alpn: at most %d protocols", OPTIONS_MAX_ALPN);
    o->alpn[o->n_alpn++] = v;
    return 0;
}

static int apply_cafile(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (*v == '\0')
        return usage_error(err, err_len, "--cafile: expected a file name");
    o->cafile = v;
    return 0;
}

static int apply_tls_version(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (strcmp(v, "1.2") == 0 || strcmp(v, "TLSv1.2") == 0)
        o->tls_version = UNITLS_TLSv1_2;
    else if (strcmp(v, "1.3") == 0 || strcmp(v, "TLSv1.3") == 0)
        o->tls_version = UNITLS_TLSv1_3;
    else if (strcmp(v, "1.0") == 0 || strcmp(v, "TLSv1.0") == 0)
        o->tls_version = UNITLS_TLSv1_0; /* checked against --insecure-legacy at the end */
    else if (strcmp(v, "1.1") == 0 || strcmp(v, "TLSv1.1") == 0)
        o->tls_version = UNITLS_TLSv1_1;
    else
        return usage_error(err, err_len, "--tls-version %s: expected 1.2 or 1.3 (1.0 and 1.1 "
                           "with --insecure-legacy)", v);
    return 0;
}

static int apply_cipher(struct load_options *o, const char *v, char *err, size_t err_len)
{
    uint16_t id;
    if (unitls_cipher_suite_from_name(v, &id) != UNITLS_OK)
        return usage_error(err, err_len,
                           "--cipher %s: not an IANA cipher suite name (TLS_AES_128_GCM_SHA256, "
                           "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, ...)", v);
    if (o->n_ciphers == OPTIONS_MAX_CIPHERS)
        return usage_error(err, err_len, "--cipher: at most %d suites", OPTIONS_MAX_CIPHERS);
    o->ciphers[o->n_ciphers++] = id;
    return 0;
}

static int apply_request(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (*v == '\0')
        return usage_error(err, err_len, "--request: expected a file name");
    o->request_file = v;
    return 0;
}

static int apply_payload(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (options_parse_size(v, &o->payload_len) != 0 || o->payload_len == 0)
        return usage_error(err, err_len, "--payload %s: expected a positive size (64K, 10M)", v);
    return 0;
}

/* "openssl, gnutls": the implementations built into libunitls, the default first. */
static void implementations_list(char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; unitls_implementation_at(i); i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? ", " : "",
                 unitls_implementation_name(unitls_implementation_at(i)));
}

static int apply_implementation(struct load_options *o, const char *v, char *err,
                                size_t err_len)
{
    const unitls_implementation *impl = unitls_implementation_find(v);
    char names[256];
    if (!impl) {
        implementations_list(names, sizeof names);
        return usage_error(err, err_len,
                           "--implementation %s: not built into libunitls; expected one of: %s",
                           v, names);
    }
    o->implementation = impl;
    return 0;
}

static int apply_flag(int *flag)
{
    *flag = 1;
    return 0;
}

static int apply_insecure(struct load_options *o, const char *v, char *err, size_t err_len)
{
    (void)v, (void)err, (void)err_len;
    return apply_flag(&o->insecure);
}

static int apply_insecure_legacy(struct load_options *o, const char *v, char *err,
                                 size_t err_len)
{
    (void)v, (void)err, (void)err_len;
    return apply_flag(&o->insecure_legacy);
}

static int apply_json(struct load_options *o, const char *v, char *err, size_t err_len)
{
    (void)v, (void)err, (void)err_len;
    return apply_flag(&o->json);
}

static int apply_quiet(struct load_options *o, const char *v, char *err, size_t err_len)
{
    (void)v, (void)err, (void)err_len;
    return apply_flag(&o->quiet);
}

static int apply_hdr(struct load_options *o, const char *v, char *err, size_t err_len)
{
    if (*v == '\0')
        return usage_error(err, err_len, "--hdr: expected a file name");
    o->hdr_file = v;
    return 0;
}

struct option_def {
    const char *name;
    char letter;       /* 0: long form only */
    int takes_value;
    option_apply apply;
};

static const struct option_def option_table[] = {
    {"mode", 'm', 1, apply_mode},
    {"concurrency", 'c', 1, apply_concurrency},
    {"duration", 'd', 1, apply_duration},
    {"count", 'n', 1, apply_count},
    {"rate", 'r', 1, apply_rate},
    {"workers", 'w', 1, apply_workers},
    {"timeout", 't', 1, apply_timeout},
    {"sni", 0, 1, apply_sni},
    {"alpn", 0, 1, apply_alpn},
    {"cafile", 0, 1, apply_cafile},
    {"insecure", 'k', 0, apply_insecure},
    {"insecure-legacy", 0, 0, apply_insecure_legacy},
    {"tls-version", 0, 1, apply_tls_version},
    {"cipher", 0, 1, apply_cipher},
    {"implementation", 0, 1, apply_implementation},
    {"request", 0, 1, apply_request},
    {"payload", 0, 1, apply_payload},
    {"json", 0, 0, apply_json},
    {"hdr", 0, 1, apply_hdr},
    {"quiet", 'q', 0, apply_quiet},
};
#define N_OPTIONS (sizeof option_table / sizeof option_table[0])

/* --- getopt_long ------------------------------------------------------------------------ */

/* getopt_long's code for a long-only option: past every character, so never a letter. */
#define LONG_ONLY_BASE 256

/* getopt_long's tables, built from option_table so the options are listed once. --help and
 * --version come last: they end the parse rather than apply a value. */
struct getopt_tables {
    struct option longopts[N_OPTIONS + 3];
    char shortopts[2 * N_OPTIONS + 5];
};

static int option_code(size_t i)
{
    return option_table[i].letter ? option_table[i].letter : LONG_ONLY_BASE + (int)i;
}

static void getopt_tables_build(struct getopt_tables *t)
{
    size_t n_short = 0;
    /* '-': operands come back in place as code 1, wherever they are and whatever
     * POSIXLY_CORRECT says, and argv is left in its order; ':': a missing value returns ':',
     * told apart from '?'. */
    t->shortopts[n_short++] = '-';
    t->shortopts[n_short++] = ':';
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option_def *d = &option_table[i];
        t->longopts[i] = (struct option){d->name, d->takes_value ? required_argument : no_argument,
                                         NULL, option_code(i)};
        if (d->letter) {
            t->shortopts[n_short++] = d->letter;
            if (d->takes_value)
                t->shortopts[n_short++] = ':';
        }
    }
    t->longopts[N_OPTIONS] = (struct option){"help", no_argument, NULL, 'h'};
    t->longopts[N_OPTIONS + 1] = (struct option){"version", no_argument, NULL, 'V'};
    t->longopts[N_OPTIONS + 2] = (struct option){NULL, 0, NULL, 0};
    t->shortopts[n_short++] = 'h';
    t->shortopts[n_short++] = 'V';
    t->shortopts[n_short] = '\0';
}

static const struct option_def *option_by_code(int code)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (option_code(i) == code)
            return &option_table[i];
    return NULL;
}

static const char *long_name_of(const struct getopt_tables *t, int code)
{
    for (const struct option *l = t->longopts; l->name; l++)
        if (l->val == code)
            return l->name;
    return NULL;
}

/* "--in": the long options it abbreviates, comma-separated, and how many. */
static size_t long_matches(const struct getopt_tables *t, const char *arg, char *buf, size_t cap)
{
    size_t len = strcspn(arg + 2, "="), n = 0;
    buf[0] = '\0';
    for (const struct option *l = t->longopts; l->name; l++) {
        if (strncmp(l->name, arg + 2, len) != 0)
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, cap - used, "%s--%s", n ? ", " : "", l->name);
        n++;
    }
    return n;
}

/* The reason for getopt_long's '?' or ':'. arg is the element it stopped in
 * (argv[optind - 1]); bad_code is its optopt: the option's code when the option is known, the
 * letter for an unknown short option, 0 for an unknown or ambiguous long one. */
static void getopt_error(const struct getopt_tables *t, int code, int bad_code, const char *arg,
                         char *err, size_t err_len)
{
    int typed_long = strncmp(arg, "--", 2) == 0;
    const char *name = long_name_of(t, bad_code);
    char matches[256];
    if (code == ':' && typed_long)
        usage_error(err, err_len, "%s needs a value", arg);
    else if (code == ':')
        usage_error(err, err_len, "-%c needs a value", bad_code);
    else if (name)
        usage_error(err, err_len, "--%s takes no value", name);
    else if (bad_code != 0)
        usage_error(err, err_len, "unknown option -%c", bad_code);
    else if (typed_long && long_matches(t, arg, matches, sizeof matches) > 1)
        usage_error(err, err_len, "ambiguous option %s (%s)", arg, matches);
    else
        usage_error(err, err_len, "unknown option %s", arg);
}

static void defaults_set(struct load_options *o)
{
    memset(o, 0, sizeof *o);
    o->mode = MODE_HANDSHAKE;
    o->workers = 1;
    o->timeout_ms = DEFAULT_TIMEOUT_MS;
    o->payload_len = DEFAULT_PAYLOAD;
    o->tls_version = UNITLS_TLS_VERSION_UNSET;
    o->implementation = unitls_implementation_default();
}

/* Checks between options, once all are known, and fills the defaults that depend on others. */
static int options_finish(struct load_options *o, int concurrency_set, char *err, size_t len)
{
    if (!o->target)
        return usage_error(err, len, "missing HOST:PORT");
    if (options_parse_target(o->target, o->host, sizeof o->host, &o->port) != 0)
        return usage_error(err, len, "%s: expected HOST:PORT or [IPv6]:PORT", o->target);
    if (o->duration_ms && o->count)
        return usage_error(err, len, "--duration and --count exclude each other");
    if (o->mode == MODE_HOLD && o->count)
        return usage_error(err, len, "--mode hold runs for a --duration, not a --count");
    if (o->insecure && o->cafile)
        return usage_error(err, len, "--insecure and --cafile exclude each other");
    if ((o->tls_version == UNITLS_TLSv1_0 || o->tls_version == UNITLS_TLSv1_1) &&
        !o->insecure_legacy)
        return usage_error(err, len, "--tls-version %s: TLS 1.0 and 1.1 are insecure and "
                           "refused unless asked for with --insecure-legacy",
                           o->tls_version == UNITLS_TLSv1_0 ? "1.0" : "1.1");
    if (o->request_file && o->mode != MODE_REQUEST)
        return usage_error(err, len, "--request only applies to --mode request");
    if (!o->duration_ms && !o->count)
        o->duration_ms = DEFAULT_DURATION_MS;
    if (!concurrency_set)
        o->concurrency = o->rate > 0.0 ? 1000u : DEFAULT_CONCURRENCY;
    if (o->workers > o->concurrency)
        o->workers = o->concurrency;
    return 0;
}

/* An operand: the one HOST:PORT, wherever it comes on the line. */
static int operand_take(struct load_options *o, const char *arg, char *err, size_t err_len)
{
    if (o->target)
        return usage_error(err, err_len, "unexpected argument %s (one HOST:PORT only)", arg);
    o->target = arg;
    return 0;
}

enum options_result options_parse(int argc, char *const argv[], struct load_options *o,
                                  char *err, size_t err_len)
{
    struct getopt_tables tables;
    getopt_tables_build(&tables);
    defaults_set(o);
    int concurrency_set = 0;
    /* getopt's state is libc's: reset it (glibc starts over at optind 0) so a second parse, as
     * in the unit tests, begins afresh, and keep its own messages off: ours name the cause. */
    optind = 0;
    opterr = 0;
    int code;
    while ((code = getopt_long(argc, argv, tables.shortopts, tables.longopts, NULL)) != -1) {
        if (code == 'h')
            return OPTIONS_HELP;
        if (code == 'V')
            return OPTIONS_VERSION;
        if (code == 1) {
            if (operand_take(o, optarg, err, err_len) != 0)
                return OPTIONS_USAGE;
            continue;
        }
        if (code == '?' || code == ':') {
            getopt_error(&tables, code, optopt, argv[optind - 1], err, err_len);
            return OPTIONS_USAGE;
        }
        const struct option_def *d = option_by_code(code);
        if (d->apply(o, optarg, err, err_len) != 0)
            return OPTIONS_USAGE;
        if (d->apply == apply_concurrency)
            concurrency_set = 1;
    }
    for (; optind < argc; optind++) /* what follows "--" */
        if (operand_take(o, argv[optind], err, err_len) != 0)
            return OPTIONS_USAGE;
    return options_finish(o, concurrency_set, err, err_len) == 0 ? OPTIONS_OK : OPTIONS_USAGE;
}

const char *options_mode_name(enum load_mode mode)
{
    switch (mode) {
    case MODE_HANDSHAKE:
        return "handshake";
    case MODE_RESUME:
        return "resume";
    case MODE_REQUEST:
        return "request";
    case MODE_THROUGHPUT:
        return "throughput";
    case MODE_HOLD:
        return "hold";
    }
    return "?";
}

void options_usage(FILE *out)
{
    fputs("usage: unitls-load [options] HOST:PORT\n"
          "\n"
          "  -m, --mode MODE         handshake (default), resume, request, throughput, hold\n"
          "  -c, --concurrency N     connections in flight (default 10; with --rate: the\n"
          "                          most in flight, default 1000)\n"
          "  -d, --duration T        run for T (250ms, 10s, 2m; default 10s)\n"
          "  -n, --count N           run N units (handshakes, requests, transfers) instead\n"
          "  -r, --rate R            open loop: start R units per second; latency counts\n"
          "                          from each unit's intended start\n"
          "  -w, --workers N         threads, each with its own event loop (default 1)\n"
          "  -t, --timeout T         per connect+handshake, request or transfer (default 10s)\n"
          "      --sni NAME          server name to send and verify (default: HOST)\n"
          "      --alpn PROTO        offer PROTO with ALPN (repeatable)\n"
          "      --cafile FILE       trust the CAs in FILE (default: the system store)\n"
          "  -k, --insecure          do not verify the server (warns)\n"
          "      --insecure-legacy   allow legacy servers: TLS 1.0 and 1.1, SHA-1 signatures,\n"
          "                          RSA-1024 keys, CBC suites (warns)\n"
          "      --tls-version V     1.2 or 1.3 only, or 1.0 or 1.1 with --insecure-legacy\n"
          "                          (default: the library's range)\n"
          "      --cipher NAME       IANA suite name, in preference order (repeatable)\n"
          "      --implementation NAME\n"
          "                          libunitls's TLS implementation to use (default: the\n"
          "                          library's default; --version lists those built)\n"
          "      --request FILE      request mode: send FILE's bytes (default: GET /)\n"
          "      --payload BYTES     throughput mode: bytes each way (64K, 10M; default 1M)\n"
          "      --json              print the report as one JSON object\n"
          "      --hdr FILE          also write the latency distribution to FILE in\n"
          "                          HdrHistogram's percentile text format (values in ms)\n"
          "  -q, --quiet             no live progress line\n"
          "  -V, --version           versions and the TLS implementations built\n"
          "  -h, --help              this text\n"
          "\n"
          "Exit status: 0 when the run took place (failures are in the report), 2 for bad\n"
          "usage, 1 when it could not run at all.\n",
          out);
}

void options_version(FILE *out)
{
    fprintf(out, "unitls-load %s (libunitls %s)\nimplementations:", PACKAGE_VERSION,
            unitls_version());
    for (size_t i = 0; unitls_implementation_at(i); i++)
        fprintf(out, "%s %s%s", i ? "," : "",
                unitls_implementation_name(unitls_implementation_at(i)),
                unitls_implementation_at(i) == unitls_implementation_default() ? " (default)"
                                                                               : "");
    fputc('\n', out);
}
