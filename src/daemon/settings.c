/* settings: unitlsd.yaml, read with libyaml's document API, into struct settings; then each
 * listener's unitls_server_config. A parser never stops at a problem: it records the error with
 * the node's line and column and the walk goes on, so one run reports every error of the file.
 * Key tables drive the mappings: a key outside the table is an error listing the allowed ones. */
#include "settings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <yaml.h>

#define WORKERS_MAX 256u
#define MAX_CONNECTIONS_MAX 1000000u
#define SESSION_TICKETS_MAX 8u
#define DURATION_MAX_MS (24ul * 3600ul * 1000ul)
#define NAME_MAX_LEN 64u
#define ALL_CHAINS ((size_t)-1)
#define ADDRESS_EXPECTED "IPV4:PORT, [IPV6]:PORT or unix:/PATH (numeric hosts, port 1 to 65535)"

struct loader {
    const char *path;            /* as given, the FILE of every message */
    char *dir;                   /* directory of the file ("" for "/"), NULL for the cwd */
    yaml_document_t *doc;
    struct settings *s;
    struct settings_errors *errs;
    size_t n_errors;
    unsigned char *clean;        /* per listener: 1 when its entry had no error */
    yaml_mark_t stats_mark;
};

typedef void (*value_parser)(struct loader *ld, yaml_node_t *value, void *target);

struct key_spec {
    const char *key;
    value_parser parse;
    int required;
};

#define N_KEYS(table) (sizeof(table) / sizeof(table)[0])

/* --- error lines ------------------------------------------------------------------------- */

static void errors_append(struct settings_errors *errs, char *line)
{
    char **grown = line ? realloc(errs->lines, (errs->n + 1) * sizeof *grown) : NULL;
    if (!grown) {
        free(line);
        return;
    }
    grown[errs->n++] = line;
    errs->lines = grown;
}

static void __attribute__((format(printf, 5, 0)))
report_v(struct settings_errors *errs, const char *path, int line, int column, const char *fmt,
         va_list ap)
{
    char *msg = NULL, *text = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    if (msg && asprintf(&text, "%s:%d:%d: %s", path, line, column, msg) < 0)
        text = NULL;
    free(msg);
    errors_append(errs, text);
}

static void __attribute__((format(printf, 5, 6)))
report_at(struct settings_errors *errs, const char *path, int line, int column, const char *fmt,
          ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_v(errs, path, line, column, fmt, ap);
    va_end(ap);
}

static void __attribute__((format(printf, 3, 4)))
fail_mark(struct loader *ld, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    ld->n_errors++;
    va_start(ap, fmt);
    report_v(ld->errs, ld->path, (int)mark.line + 1, (int)mark.column + 1, fmt, ap);
    va_end(ap);
}

#define fail(ld, node, ...) fail_mark((ld), (node)->start_mark, __VA_ARGS__)

/* --- nodes and scalars ------------------------------------------------------------------- */

static yaml_node_t *node_at(struct loader *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

static const char *node_kind(const yaml_node_t *n)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    return n->data.scalar.length == 0 ? "an empty value" : "a single value";
}

/* The text of a scalar node; NULL after reporting anything else (or a NUL inside). */
static const char *scalar(struct loader *ld, yaml_node_t *node, const char *what,
                          const char *expected)
{
    if (node->type != YAML_SCALAR_NODE) {
        fail(ld, node, "%s: found %s; expected %s", what, node_kind(node), expected);
        return NULL;
    }
    const char *text = (const char *)node->data.scalar.value;
    if (strlen(text) != node->data.scalar.length) {
        fail(ld, node, "%s: the value holds a NUL byte; expected %s", what, expected);
        return NULL;
    }
    return text;
}

static char *dup_text(struct loader *ld, yaml_node_t *node, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        fail(ld, node, "out of memory");
    return copy;
}

/* A whole decimal number in [min, max] (no sign, no spaces, at most 9 digits). */
static int number_parse(const char *text, unsigned long min, unsigned long max,
                        unsigned long *out)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 9 || text[digits] != '\0')
        return -1;
    unsigned long v = strtoul(text, NULL, 10);
    if (v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int number_value(struct loader *ld, yaml_node_t *node, const char *what, unsigned min,
                        unsigned max, unsigned *out)
{
    char expected[64];
    snprintf(expected, sizeof expected, "a whole number from %u to %u", min, max);
    const char *text = scalar(ld, node, what, expected);
    unsigned long v;
    if (!text)
        return -1;
    if (number_parse(text, min, max, &v) != 0) {
        fail(ld, node, "%s: '%s' is not valid; expected %s", what, text, expected);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* The index of the value among names (NULL-terminated); -1 after reporting another value. */
static int keyword_value(struct loader *ld, yaml_node_t *node, const char *what,
                         const char *const *names)
{
    char expected[160] = "one of:";
    for (size_t i = 0; names[i]; i++)
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s %s",
                 i ? "," : "", names[i]);
    const char *text = scalar(ld, node, what, expected);
    for (int i = 0; text && names[i]; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    if (text)
        fail(ld, node, "%s: unknown value '%s'; expected %s", what, text, expected);
    return -1;
}

static void bool_value(struct loader *ld, yaml_node_t *node, const char *what, int *out)
{
    static const char *const names[] = {"false", "true", NULL};
    int v = keyword_value(ld, node, what, names);
    if (v >= 0)
        *out = v;
}

static int duration_parse(const char *text, unsigned *ms)
{
    static const struct { const char *unit; unsigned long ms; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 9)
        return -1;
    unsigned long v = strtoul(text, NULL, 10);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(text + digits, units[i].unit) != 0)
            continue;
        if (v == 0 || v > DURATION_MAX_MS / units[i].ms)
            return -1;
        *ms = (unsigned)(v * units[i].ms);
        return 0;
    }
    return -1;
}

static void duration_value(struct loader *ld, yaml_node_t *node, const char *what, unsigned *ms)
{
    static const char expected[] = "a duration from 1ms to 24h: a number and a unit, ms, s, m or h";
    const char *text = scalar(ld, node, what, expected);
    if (text && duration_parse(text, ms) != 0)
        fail(ld, node, "%s: '%s' is not valid; expected %s", what, text, expected);
}

/* --- environment variables and paths ---------------------------------------------------- */

/* Appends the value of the variable named by p[0..n) to f; 0, or -1 after reporting. */
static int env_put(struct loader *ld, yaml_node_t *node, const char *what, const char *p,
                   size_t n, FILE *f)
{
    char name[128];
    if (n == 0 || n >= sizeof name) {
        fail(ld, node, "%s: '${}' names no variable of 1 to 127 bytes; expected ${NAME}", what);
        return -1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    const char *value = getenv(name);
    if (!value) {
        fail(ld, node, "%s: environment variable %s is not set; expected it in the environment",
             what, name);
        return -1;
    }
    fputs(value, f);
    return 0;
}

/* text with each ${NAME} replaced from the environment; NULL after reporting a problem. */
static char *env_expand(struct loader *ld, yaml_node_t *node, const char *what, const char *text)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    int ok = f != NULL;
    for (const char *p = text; f && *p;) {
        const char *end = strncmp(p, "${", 2) == 0 ? strchr(p + 2, '}') : NULL;
        if (strncmp(p, "${", 2) == 0 && !end) {
            fail(ld, node, "%s: '${' without its '}' in '%s'; expected ${NAME}", what, text);
            ok = 0;
            break;
        }
        if (!end) {
            fputc(*p++, f);
            continue;
        }
        if (env_put(ld, node, what, p + 2, (size_t)(end - p - 2), f) != 0)
            ok = 0;
        p = end + 1;
    }
    if (!f || fclose(f) != 0) {
        fail(ld, node, "%s: out of memory", what);
        ok = 0;
    }
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

/* A file path: expanded, and resolved against the configuration's directory when relative. */
static char *path_value(struct loader *ld, yaml_node_t *node, const char *what)
{
    const char *text = scalar(ld, node, what, "a file path");
    char *expanded = text ? env_expand(ld, node, what, text) : NULL;
    if (!expanded)
        return NULL;
    if (expanded[0] == '\0') {
        fail(ld, node, "%s: the path is empty; expected a file path", what);
        free(expanded);
        return NULL;
    }
    if (expanded[0] == '/' || !ld->dir)
        return expanded;
    char *joined = NULL;
    if (asprintf(&joined, "%s/%s", ld->dir, expanded) < 0) {
        joined = NULL;
        fail(ld, node, "%s: out of memory", what);
    }
    free(expanded);
    return joined;
}

/* --- addresses --------------------------------------------------------------------------- */

static int endpoint_unix(const char *path, struct endpoint *ep, char *why, size_t cap)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t n = strlen(path);
    if (path[0] != '/') {
        snprintf(why, cap, "the socket path is not absolute");
        return -1;
    }
    if (n >= sizeof sun.sun_path) {
        snprintf(why, cap, "the socket path is longer than %zu bytes", sizeof sun.sun_path - 1);
        return -1;
    }
    memcpy(sun.sun_path, path, n + 1);
    memcpy(&ep->addr, &sun, sizeof sun);
    ep->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

static int endpoint_inet(char *host, size_t n, uint16_t port, struct endpoint *ep, char *why,
                         size_t cap)
{
    if (host[0] == '[') {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        if (n < 2 || host[n - 1] != ']') {
            snprintf(why, cap, "'[' without its ']'");
            return -1;
        }
        host[n - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &sin6.sin6_addr) != 1) {
            snprintf(why, cap, "'%s' is not a numeric IPv6 address", host + 1);
            return -1;
        }
        memcpy(&ep->addr, &sin6, sizeof sin6);
        ep->addr_len = sizeof sin6;
        return 0;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        snprintf(why, cap, "'%s' is not a numeric IPv4 address (IPv6 goes in brackets)", host);
        return -1;
    }
    memcpy(&ep->addr, &sin, sizeof sin);
    ep->addr_len = sizeof sin;
    return 0;
}

/* Parses "IPV4:PORT", "[IPV6]:PORT" or "unix:/PATH"; -1 with the reason in why. */
static int endpoint_parse(const char *text, struct endpoint *ep, char *why, size_t cap)
{
    memset(ep, 0, sizeof *ep);
    size_t len = strlen(text);
    if (len >= sizeof ep->text) {
        snprintf(why, cap, "longer than %zu bytes", sizeof ep->text - 1);
        return -1;
    }
    memcpy(ep->text, text, len + 1);
    if (strncmp(text, "unix:", 5) == 0)
        return endpoint_unix(text + 5, ep, why, cap);
    const char *colon = strrchr(text, ':');
    unsigned long port;
    if (!colon) {
        snprintf(why, cap, "no port");
        return -1;
    }
    if (number_parse(colon + 1, 1, 65535, &port) != 0) {
        snprintf(why, cap, "port '%s' is not a number from 1 to 65535", colon + 1);
        return -1;
    }
    char host[sizeof ep->text];
    size_t n = (size_t)(colon - text);
    memcpy(host, text, n);
    host[n] = '\0';
    return endpoint_inet(host, n, (uint16_t)port, ep, why, cap);
}

static int endpoint_value(struct loader *ld, yaml_node_t *node, const char *what,
                          struct endpoint *ep)
{
    const char *text = scalar(ld, node, what, ADDRESS_EXPECTED);
    char *expanded = text ? env_expand(ld, node, what, text) : NULL;
    char why[200];
    if (!expanded)
        return -1;
    int rc = endpoint_parse(expanded, ep, why, sizeof why);
    if (rc != 0)
        fail(ld, node, "%s: '%s': %s; expected %s", what, expanded, why, ADDRESS_EXPECTED);
    free(expanded);
    return rc;
}

static int endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
    return a->addr_len == b->addr_len && memcmp(&a->addr, &b->addr, a->addr_len) == 0;
}

/* --- mappings and lists ------------------------------------------------------------------ */

static void keys_list(const struct key_spec *keys, size_t n, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? ", " : "", keys[i].key);
}

/* The index of the key node in keys; n_keys after reporting an unknown or non-scalar key. */
static size_t key_find(struct loader *ld, yaml_node_t *key, const char *what,
                       const struct key_spec *keys, size_t n_keys)
{
    char allowed[256];
    keys_list(keys, n_keys, allowed, sizeof allowed);
    const char *text = scalar(ld, key, what, "a key");
    for (size_t i = 0; text && i < n_keys; i++)
        if (strcmp(text, keys[i].key) == 0)
            return i;
    if (text)
        fail(ld, key, "%s: unknown key '%s'; expected one of: %s", what, text, allowed);
    return n_keys;
}

/* Hands each value of a mapping node to its key's parser and reports required keys that are
 * missing. Returns the mask of keys present, or -1 after reporting that the node is no mapping. */
static long mapping_walk(struct loader *ld, yaml_node_t *node, const char *what,
                         const struct key_spec *keys, size_t n_keys, void *target)
{
    if (node->type != YAML_MAPPING_NODE) {
        char allowed[256];
        keys_list(keys, n_keys, allowed, sizeof allowed);
        fail(ld, node, "%s: found %s; expected a mapping with keys %s", what, node_kind(node),
             allowed);
        return -1;
    }
    long seen = 0;
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = node_at(ld, p->key);
        size_t i = key_find(ld, key, what, keys, n_keys);
        if (i == n_keys)
            continue;
        if (seen & (1l << i)) {
            fail(ld, key, "%s: key '%s' is given twice; expected it once", what, keys[i].key);
            continue;
        }
        seen |= 1l << i;
        keys[i].parse(ld, node_at(ld, p->value), target);
    }
    for (size_t i = 0; i < n_keys; i++)
        if (keys[i].required && !(seen & (1l << i)))
            fail(ld, node, "%s: key '%s' is missing; it is required", what, keys[i].key);
    return seen;
}

/* The number of items of a list node; 0 after reporting a node that is no list, or empty. */
static size_t list_length(struct loader *ld, yaml_node_t *node, const char *what,
                          const char *expected)
{
    if (node->type != YAML_SEQUENCE_NODE) {
        fail(ld, node, "%s: found %s; expected a list of %s", what, node_kind(node), expected);
        return 0;
    }
    size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n == 0)
        fail(ld, node, "%s: the list is empty; expected at least one of %s", what, expected);
    return n;
}

static yaml_node_t *list_item(struct loader *ld, yaml_node_t *list, size_t i)
{
    return node_at(ld, list->data.sequence.items.start[i]);
}

static void *array_new(struct loader *ld, yaml_node_t *node, size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        fail(ld, node, "out of memory");
    return p;
}

/* --- a listener's certificates, addresses, protocols, ciphers and versions --------------- */

static void chain_cert(struct loader *ld, yaml_node_t *v, void *target)
{
    ((struct chain_settings *)target)->cert_path = path_value(ld, v, "cert");
}

static void chain_key(struct loader *ld, yaml_node_t *v, void *target)
{
    ((struct chain_settings *)target)->key_path = path_value(ld, v, "key");
}

static const struct key_spec chain_keys[] = {{"cert", chain_cert, 1}, {"key", chain_key, 0}};

static void listener_certificates(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    size_t n = list_length(ld, v, "certificates", "mappings {cert: FILE, key: FILE}");
    if (n == 0 || !(l->chains = array_new(ld, v, n, sizeof *l->chains)))
        return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = list_item(ld, v, i);
        struct chain_settings *c = &l->chains[l->n_chains];
        c->line = (int)item->start_mark.line + 1;
        c->column = (int)item->start_mark.column + 1;
        mapping_walk(ld, item, "certificates entry", chain_keys, N_KEYS(chain_keys), c);
        if (c->cert_path) {
            l->n_chains++;
        } else {
            free(c->key_path);
            memset(c, 0, sizeof *c);
        }
    }
}

static const struct listener_settings *listener_named(const struct settings *s, const char *name)
{
    for (size_t i = 0; i < s->n_listeners; i++)
        if (s->listeners[i].name && strcmp(s->listeners[i].name, name) == 0)
            return &s->listeners[i];
    return NULL;
}

static void listener_name(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char expected[] = "1 to 64 letters, digits, '.', '_' or '-'";
    struct listener_settings *l = target;
    const char *text = scalar(ld, v, "name", expected);
    size_t n = text ? strlen(text) : 0;
    const struct listener_settings *other = text ? listener_named(ld->s, text) : NULL;
    if (!text)
        return;
    if (n == 0 || n > NAME_MAX_LEN ||
        strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
        fail(ld, v, "name: '%s' is not valid; expected %s", text, expected);
    else if (other)
        fail(ld, v, "name: '%s' is already the name of the listener at line %d; expected a "
             "unique name", text, other->line);
    else
        l->name = dup_text(ld, v, text);
}

/* 1 after reporting that some listener (this one included) already has the address. */
static int address_taken(struct loader *ld, yaml_node_t *node, const struct endpoint *ep)
{
    for (size_t i = 0; i < ld->s->n_listeners; i++) {
        const struct listener_settings *l = &ld->s->listeners[i];
        for (size_t k = 0; k < l->n_listen; k++) {
            if (!endpoint_equal(&l->listen[k], ep))
                continue;
            fail(ld, node, "listen: '%s' is already an address of the listener at line %d; "
                 "expected each address once", ep->text, l->line);
            return 1;
        }
    }
    return 0;
}

static void listen_one(struct loader *ld, yaml_node_t *item, struct listener_settings *l)
{
    struct endpoint ep;
    if (endpoint_value(ld, item, "listen", &ep) == 0 && !address_taken(ld, item, &ep))
        l->listen[l->n_listen++] = ep;
}

/* One address, or a list of them. */
static void listener_listen(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    int single = v->type == YAML_SCALAR_NODE;
    size_t n = single ? 1 : list_length(ld, v, "listen", "addresses " ADDRESS_EXPECTED);
    if (n == 0 || !(l->listen = array_new(ld, v, n, sizeof *l->listen)))
        return;
    for (size_t i = 0; i < n; i++)
        listen_one(ld, single ? v : list_item(ld, v, i), l);
}

static void protocol_one(struct loader *ld, yaml_node_t *item, struct listener_settings *l)
{
    const char *text = scalar(ld, item, "protocols", "an ALPN protocol name of 1 to 255 bytes");
    size_t n = text ? strlen(text) : 0;
    if (!text)
        return;
    if (n == 0 || n > UNITLS_PROTOCOL_NAME_MAX) {
        fail(ld, item, "protocols: '%s' is %zu bytes long; expected 1 to %d bytes", text, n,
             UNITLS_PROTOCOL_NAME_MAX);
        return;
    }
    for (size_t i = 0; i < l->n_protocols; i++) {
        if (strcmp(l->protocols[i], text) == 0) {
            fail(ld, item, "protocols: '%s' is listed twice; expected each once", text);
            return;
        }
    }
    if ((l->protocols[l->n_protocols] = dup_text(ld, item, text)))
        l->n_protocols++;
}

static void listener_protocols(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    size_t n = list_length(ld, v, "protocols", "ALPN protocol names, such as h2 and http/1.1");
    if (n == 0 || !(l->protocols = array_new(ld, v, n, sizeof *l->protocols)))
        return;
    for (size_t i = 0; i < n; i++)
        protocol_one(ld, list_item(ld, v, i), l);
}

static void cipher_one(struct loader *ld, yaml_node_t *item, struct listener_settings *l)
{
    static const char expected[] = "an IANA cipher suite name such as TLS_AES_128_GCM_SHA256";
    const char *text = scalar(ld, item, "ciphers", expected);
    uint16_t id;
    if (!text)
        return;
    if (unitls_cipher_suite_from_name(text, &id) != UNITLS_OK) {
        fail(ld, item, "ciphers: unknown cipher suite '%s'; expected %s", text, expected);
        return;
    }
    for (size_t i = 0; i < l->n_ciphers; i++) {
        if (l->ciphers[i] == id) {
            fail(ld, item, "ciphers: '%s' is listed twice; expected each once", text);
            return;
        }
    }
    l->ciphers[l->n_ciphers++] = id;
}

static void listener_ciphers(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    size_t n = list_length(ld, v, "ciphers", "IANA cipher suite names");
    if (n == 0 || !(l->ciphers = array_new(ld, v, n, sizeof *l->ciphers)))
        return;
    for (size_t i = 0; i < n; i++)
        cipher_one(ld, list_item(ld, v, i), l);
}

static void version_value(struct loader *ld, yaml_node_t *v, const char *what,
                          enum unitls_tls_version *out)
{
    static const char expected[] = "one of: TLSv1.2, TLSv1.3, MINIMUM_SUPPORTED, MAXIMUM_SUPPORTED";
    const char *text = scalar(ld, v, what, expected);
    enum unitls_tls_version version;
    if (!text)
        return;
    if (unitls_tls_version_from_name(text, &version) != UNITLS_OK ||
        version == UNITLS_TLS_VERSION_UNSET)
        fail(ld, v, "%s: unknown version '%s'; expected %s", what, text, expected);
    else
        *out = version;
}

static void versions_min(struct loader *ld, yaml_node_t *v, void *target)
{
    version_value(ld, v, "tls_versions.min", &((struct listener_settings *)target)->min_version);
}

static void versions_max(struct loader *ld, yaml_node_t *v, void *target)
{
    version_value(ld, v, "tls_versions.max", &((struct listener_settings *)target)->max_version);
}

static const struct key_spec version_keys[] = {{"min", versions_min, 0}, {"max", versions_max, 0}};

static void listener_tls_versions(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    mapping_walk(ld, v, "tls_versions", version_keys, N_KEYS(version_keys), l);
    if (l->min_version != UNITLS_TLS_VERSION_UNSET && l->max_version != UNITLS_TLS_VERSION_UNSET &&
        l->min_version > l->max_version)
        fail(ld, v, "tls_versions: min %s is above max %s; expected min at most max",
             unitls_tls_version_name(l->min_version), unitls_tls_version_name(l->max_version));
}

/* --- a listener's client authentication, backend and limits ------------------------------ */

static void client_auth_mode(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"none", "optional", "required", NULL};
    static const enum unitls_client_auth modes[] = {
        UNITLS_CLIENT_AUTH_NONE, UNITLS_CLIENT_AUTH_OPTIONAL, UNITLS_CLIENT_AUTH_REQUIRED};
    int i = keyword_value(ld, v, "client_auth.mode", names);
    if (i >= 0)
        ((struct listener_settings *)target)->client_auth = modes[i];
}

static void client_auth_trust_store(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    l->trust_store_line = (int)v->start_mark.line + 1;
    l->trust_store_column = (int)v->start_mark.column + 1;
    if (v->type == YAML_SCALAR_NODE && strcmp((const char *)v->data.scalar.value, "system") == 0)
        l->client_trust_store = dup_text(ld, v, "system");
    else
        l->client_trust_store = path_value(ld, v, "client_auth.trust_store");
}

static const struct key_spec client_auth_keys[] = {{"mode", client_auth_mode, 1},
                                                   {"trust_store", client_auth_trust_store, 0}};

static void listener_client_auth(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    long seen = mapping_walk(ld, v, "client_auth", client_auth_keys, N_KEYS(client_auth_keys), l);
    if (seen >= 0 && !(seen & 2l) && l->client_auth != UNITLS_CLIENT_AUTH_NONE)
        fail(ld, v, "client_auth: mode %s needs key 'trust_store'; expected a CA file or system",
             l->client_auth == UNITLS_CLIENT_AUTH_REQUIRED ? "required" : "optional");
}

static void backend_address(struct loader *ld, yaml_node_t *v, void *target)
{
    endpoint_value(ld, v, "backend.address", &((struct listener_settings *)target)->backend);
}

static void backend_proxy_protocol(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"none", "v1", "v2", NULL};
    static const enum proxy_protocol kinds[] = {PROXY_PROTOCOL_NONE, PROXY_PROTOCOL_V1,
                                                PROXY_PROTOCOL_V2};
    int i = keyword_value(ld, v, "backend.proxy_protocol", names);
    if (i >= 0)
        ((struct listener_settings *)target)->proxy_protocol = kinds[i];
}

static const struct key_spec backend_keys[] = {{"address", backend_address, 1},
                                               {"proxy_protocol", backend_proxy_protocol, 0}};

static void listener_backend(struct loader *ld, yaml_node_t *v, void *target)
{
    mapping_walk(ld, v, "backend", backend_keys, N_KEYS(backend_keys), target);
}

static void timeout_handshake(struct loader *ld, yaml_node_t *v, void *target)
{
    duration_value(ld, v, "timeouts.handshake",
                   &((struct listener_settings *)target)->handshake_timeout_ms);
}

static void timeout_idle(struct loader *ld, yaml_node_t *v, void *target)
{
    duration_value(ld, v, "timeouts.idle", &((struct listener_settings *)target)->idle_timeout_ms);
}

static void timeout_connect(struct loader *ld, yaml_node_t *v, void *target)
{
    duration_value(ld, v, "timeouts.connect",
                   &((struct listener_settings *)target)->connect_timeout_ms);
}

static const struct key_spec timeout_keys[] = {
    {"handshake", timeout_handshake, 0}, {"idle", timeout_idle, 0}, {"connect", timeout_connect, 0}};

static void listener_timeouts(struct loader *ld, yaml_node_t *v, void *target)
{
    mapping_walk(ld, v, "timeouts", timeout_keys, N_KEYS(timeout_keys), target);
}

static void listener_max_connections(struct loader *ld, yaml_node_t *v, void *target)
{
    number_value(ld, v, "max_connections", 1, MAX_CONNECTIONS_MAX,
                 &((struct listener_settings *)target)->max_connections);
}

static void listener_session_tickets(struct loader *ld, yaml_node_t *v, void *target)
{
    number_value(ld, v, "session_tickets", 0, SESSION_TICKETS_MAX,
                 &((struct listener_settings *)target)->session_tickets);
}

static const struct key_spec listener_keys[] = {
    {"name", listener_name, 1},
    {"listen", listener_listen, 1},
    {"certificates", listener_certificates, 1},
    {"protocols", listener_protocols, 0},
    {"tls_versions", listener_tls_versions, 0},
    {"ciphers", listener_ciphers, 0},
    {"client_auth", listener_client_auth, 0},
    {"backend", listener_backend, 1},
    {"timeouts", listener_timeouts, 0},
    {"max_connections", listener_max_connections, 0},
    {"session_tickets", listener_session_tickets, 0},
};

static void listener_defaults(struct listener_settings *l, const yaml_node_t *node)
{
    l->handshake_timeout_ms = 10u * 1000u;
    l->idle_timeout_ms = 300u * 1000u;
    l->connect_timeout_ms = 5u * 1000u;
    l->max_connections = 10000;
    l->session_tickets = 1;
    l->line = (int)node->start_mark.line + 1;
    l->column = (int)node->start_mark.column + 1;
}

/* --- the top level ------------------------------------------------------------------------ */

static void top_listeners(struct loader *ld, yaml_node_t *v, void *target)
{
    struct settings *s = target;
    size_t n = list_length(ld, v, "listeners", "listener mappings");
    if (n == 0 || !(s->listeners = array_new(ld, v, n, sizeof *s->listeners)))
        return;
    s->n_listeners = n;
    if (!(ld->clean = array_new(ld, v, n, 1)))
        return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = list_item(ld, v, i);
        size_t before = ld->n_errors;
        listener_defaults(&s->listeners[i], item);
        mapping_walk(ld, item, "listener", listener_keys, N_KEYS(listener_keys),
                     &s->listeners[i]);
        ld->clean[i] = ld->n_errors == before;
    }
}

static void implementations_list(char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; unitls_implementation_at(i); i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? ", " : "",
                 unitls_implementation_name(unitls_implementation_at(i)));
}

static void top_implementation(struct loader *ld, yaml_node_t *v, void *target)
{
    struct settings *s = target;
    char names[128];
    implementations_list(names, sizeof names);
    const char *text = scalar(ld, v, "implementation", names);
    char *copy;
    if (!text)
        return;
    if (!unitls_implementation_find(text)) {
        fail(ld, v, "implementation: unknown implementation '%s'; expected one of: %s", text,
             names);
    } else if ((copy = dup_text(ld, v, text))) {
        free(s->implementation);
        s->implementation = copy;
    }
}

static unsigned cpus_online(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > (long)WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

static void top_workers(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char expected[] = "auto or a whole number from 1 to 256";
    struct settings *s = target;
    const char *text = scalar(ld, v, "workers", expected);
    unsigned long n;
    if (!text)
        return;
    if (strcmp(text, "auto") == 0)
        s->workers = cpus_online();
    else if (number_parse(text, 1, WORKERS_MAX, &n) == 0)
        s->workers = (unsigned)n;
    else
        fail(ld, v, "workers: '%s' is not valid; expected %s", text, expected);
}

/* The user must exist now: --check-config is where an operator learns of a typo. */
static void top_user(struct loader *ld, yaml_node_t *v, void *target)
{
    struct settings *s = target;
    const char *text = scalar(ld, v, "user", "a user name");
    struct passwd pw, *found = NULL;
    char buf[4096];
    if (!text)
        return;
    int rc = text[0] ? getpwnam_r(text, &pw, buf, sizeof buf, &found) : 0;
    if (rc != 0 && rc != ERANGE)
        fail(ld, v, "user: looking up '%s': %s; expected an existing user", text, strerror(rc));
    else if (rc == 0 && !found)
        fail(ld, v, "user: no user named '%s'; expected an existing user", text);
    else
        s->user = dup_text(ld, v, text);
}

static void top_run_as_root(struct loader *ld, yaml_node_t *v, void *target)
{
    bool_value(ld, v, "run_as_root", &((struct settings *)target)->allow_root);
}

static void log_level(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"debug", "info", "notice", "warning", "error", NULL};
    static const enum log_level levels[] = {LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_NOTICE,
                                            LOG_LEVEL_WARNING, LOG_LEVEL_ERROR};
    int i = keyword_value(ld, v, "log.level", names);
    if (i >= 0)
        ((struct settings *)target)->log_level = levels[i];
}

static void log_access(struct loader *ld, yaml_node_t *v, void *target)
{
    bool_value(ld, v, "log.access", &((struct settings *)target)->log_access);
}

static const struct key_spec log_keys[] = {{"level", log_level, 0}, {"access", log_access, 0}};

static void top_log(struct loader *ld, yaml_node_t *v, void *target)
{
    mapping_walk(ld, v, "log", log_keys, N_KEYS(log_keys), target);
}

static void stats_listen(struct loader *ld, yaml_node_t *v, void *target)
{
    struct settings *s = target;
    ld->stats_mark = v->start_mark;
    s->has_stats = endpoint_value(ld, v, "stats.listen", &s->stats_listen) == 0;
}

static const struct key_spec stats_keys[] = {{"listen", stats_listen, 1}};

static void top_stats(struct loader *ld, yaml_node_t *v, void *target)
{
    mapping_walk(ld, v, "stats", stats_keys, N_KEYS(stats_keys), target);
}

static const struct key_spec top_keys[] = {
    {"implementation", top_implementation, 0},
    {"workers", top_workers, 0},
    {"user", top_user, 0},
    {"run_as_root", top_run_as_root, 0},
    {"log", top_log, 0},
    {"stats", top_stats, 0},
    {"listeners", top_listeners, 1},
};

/* Runs once every listener is known: key order in the file must not matter. */
static void stats_check(struct loader *ld)
{
    const struct settings *s = ld->s;
    for (size_t i = 0; s->has_stats && i < s->n_listeners; i++)
        for (size_t k = 0; k < s->listeners[i].n_listen; k++)
            if (endpoint_equal(&s->listeners[i].listen[k], &s->stats_listen))
                fail_mark(ld, ld->stats_mark, "stats.listen: '%s' is also an address of the "
                          "listener at line %d; expected an address of its own",
                          s->stats_listen.text, s->listeners[i].line);
}

/* --- the file ------------------------------------------------------------------------------ */

/* Where byte offset lies in f, in characters: libyaml gives only an offset for bytes that are
 * not UTF-8. */
static yaml_mark_t mark_of_offset(FILE *f, size_t offset)
{
    yaml_mark_t mark = {offset, 0, 0};
    int c;
    rewind(f);
    for (size_t i = 0; i < offset && (c = getc(f)) != EOF; i++) {
        if (c == '\n') {
            mark.line++;
            mark.column = 0;
        } else if ((c & 0xC0) != 0x80) {
            mark.column++;
        }
    }
    return mark;
}

static void yaml_problem(struct loader *ld, const yaml_parser_t *p, FILE *f)
{
    yaml_mark_t mark = p->error == YAML_READER_ERROR ? mark_of_offset(f, p->problem_offset)
                                                     : p->problem_mark;
    fail_mark(ld, mark, "YAML: %s%s%s; expected well-formed YAML", p->context ? p->context : "",
              p->context ? ": " : "", p->problem ? p->problem : "out of memory");
}

/* A file holds one document: a second one is a mistake, often a stray '---'. */
static void document_expect_end(struct loader *ld, yaml_parser_t *parser, FILE *f)
{
    yaml_document_t extra;
    if (!yaml_parser_load(parser, &extra)) {
        yaml_problem(ld, parser, f);
        return;
    }
    yaml_node_t *root = yaml_document_get_root_node(&extra);
    if (root)
        fail(ld, root, "a second YAML document; expected one document per file");
    yaml_document_delete(&extra);
}

/* 0 when doc holds the file's document (with a root node); the caller deletes it. */
static int document_load(struct loader *ld, FILE *f, yaml_document_t *doc)
{
    yaml_parser_t parser;
    yaml_mark_t start = {0, 0, 0};
    if (!yaml_parser_initialize(&parser)) {
        fail_mark(ld, start, "out of memory");
        return -1;
    }
    yaml_parser_set_input_file(&parser, f);
    int rc = -1;
    if (!yaml_parser_load(&parser, doc)) {
        yaml_problem(ld, &parser, f);
    } else if (!yaml_document_get_root_node(doc)) {
        fail_mark(ld, start, "the file is empty; expected a mapping with at least 'listeners'");
        yaml_document_delete(doc);
    } else {
        document_expect_end(ld, &parser, f);
        rc = 0;
    }
    yaml_parser_delete(&parser);
    return rc;
}

static int settings_defaults(struct settings *s, const char *path)
{
    memset(s, 0, sizeof *s);
    s->path = strdup(path);
    s->implementation = strdup(unitls_implementation_name(unitls_implementation_default()));
    s->workers = cpus_online();
    s->log_level = LOG_LEVEL_INFO;
    s->log_access = 1;
    return s->path && s->implementation ? 0 : -1;
}

/* Fills s (even when the file has errors) and ld->clean; the number of errors. */
static size_t settings_read(struct loader *ld, struct settings *s)
{
    const char *slash = strrchr(ld->path, '/');
    if (settings_defaults(s, ld->path) != 0 ||
        (slash && !(ld->dir = strndup(ld->path, (size_t)(slash - ld->path))))) {
        errors_append(ld->errs, strdup("out of memory"));
        return 1;
    }
    FILE *f = fopen(ld->path, "rb");
    if (!f) {
        char *line = NULL;
        if (asprintf(&line, "%s: cannot open the configuration: %s", ld->path,
                     strerror(errno)) < 0)
            line = NULL;
        errors_append(ld->errs, line);
        return 1;
    }
    yaml_document_t doc;
    if (document_load(ld, f, &doc) == 0) {
        ld->doc = &doc;
        mapping_walk(ld, yaml_document_get_root_node(&doc), "top level", top_keys,
                     N_KEYS(top_keys), s);
        stats_check(ld);
        yaml_document_delete(&doc);
    }
    fclose(f);
    return ld->n_errors;
}

int settings_load(const char *path, struct settings *out, struct settings_errors *errs)
{
    if (!path || !out || !errs)
        return -1;
    struct loader ld = {.path = path, .s = out, .errs = errs};
    size_t n_errors = settings_read(&ld, out);
    free(ld.dir);
    free(ld.clean);
    if (n_errors == 0)
        return 0;
    settings_free(out);
    return -1;
}

/* --- TLS configurations -------------------------------------------------------------------- */

enum config_part { PART_CHAINS_ONLY = 0, PART_CLIENT_AUTH = 1, PART_ALL = 3 };

static unitls_status builder_add_chain(unitls_server_config_builder *b,
                                       const struct chain_settings *c, unitls_error *err)
{
    unitls_certificate *leaf = unitls_certificate_from_file(c->cert_path, err);
    unitls_private_key *key = leaf && c->key_path
                                  ? unitls_private_key_from_file(c->key_path, err) : NULL;
    unitls_signing_chain *chain = leaf && (key || !c->key_path)
                                      ? unitls_signing_chain_new(leaf, key, NULL, 0, err) : NULL;
    unitls_status st = chain ? unitls_server_config_builder_add_certificate_chain(b, chain)
                             : err->status;
    unitls_signing_chain_unref(chain);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
    return st;
}

static unitls_status builder_set_client_auth(unitls_server_config_builder *b,
                                             const struct listener_settings *l,
                                             unitls_error *err)
{
    if (l->client_auth == UNITLS_CLIENT_AUTH_NONE)
        return UNITLS_OK;
    unitls_trust_store *store = strcmp(l->client_trust_store, "system") == 0
                                    ? unitls_trust_store_system()
                                    : unitls_trust_store_from_file(l->client_trust_store, err);
    if (!store)
        return err->status;
    unitls_server_config_builder_set_trust_store(b, store);
    unitls_trust_store_unref(store);
    return unitls_server_config_builder_set_client_auth(b, l->client_auth);
}

/* Setter failures are kept by the builder and come back from _build. */
static void builder_set_options(unitls_server_config_builder *b, const struct listener_settings *l)
{
    for (size_t i = 0; i < l->n_protocols; i++)
        unitls_server_config_builder_add_inner_protocol(b, l->protocols[i],
                                                        strlen(l->protocols[i]));
    if (l->n_ciphers)
        unitls_server_config_builder_set_ciphers(b, l->ciphers, l->n_ciphers);
    if (l->min_version != UNITLS_TLS_VERSION_UNSET)
        unitls_server_config_builder_set_lowest_supported_version(b, l->min_version);
    if (l->max_version != UNITLS_TLS_VERSION_UNSET)
        unitls_server_config_builder_set_highest_supported_version(b, l->max_version);
    unitls_server_config_builder_set_session_tickets(b, l->session_tickets);
}

/* A configuration of l: every chain and part, or (to find which entry fails) only chain
 * `only` with the parts asked for; validated by impl unless impl is NULL. NULL with err filled
 * on failure. */
static unitls_server_config *listener_config(const struct listener_settings *l, size_t only,
                                             enum config_part parts,
                                             const unitls_implementation *impl,
                                             unitls_error *err)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_status st = b ? UNITLS_OK : UNITLS_ERR_NOMEM;
    if (!b)
        snprintf(err->message, sizeof err->message, "out of memory");
    for (size_t i = 0; st == UNITLS_OK && i < l->n_chains; i++)
        if (only == ALL_CHAINS || only == i)
            st = builder_add_chain(b, &l->chains[i], err);
    if (st == UNITLS_OK && (parts & PART_CLIENT_AUTH))
        st = builder_set_client_auth(b, l, err);
    if (st == UNITLS_OK && parts == PART_ALL)
        builder_set_options(b, l);
    unitls_server_config *cfg = st == UNITLS_OK ? unitls_server_config_builder_build(b, err) : NULL;
    unitls_server_config_builder_free(b);
    if (cfg && impl && unitls_implementation_validate_server_config(impl, cfg, err) != UNITLS_OK) {
        unitls_server_config_unref(cfg);
        cfg = NULL;
    }
    return cfg;
}

/* 1 when building `only`/`parts` fails; the failure is reported at line:column. */
static int listener_probe(const struct listener_settings *l, size_t only, enum config_part parts,
                          const unitls_implementation *impl, const char *path, int line,
                          int column, struct settings_errors *errs)
{
    unitls_error err;
    unitls_error_clear(&err);
    unitls_server_config *cfg = listener_config(l, only, parts, impl, &err);
    if (cfg) {
        unitls_server_config_unref(cfg);
        return 0;
    }
    report_at(errs, path, line, column, "listener '%s': %s", l->name, err.message);
    return 1;
}

/* Reports why l does not build or validate: each chain is built alone, then the trust store
 * with a chain that works, so that every failing entry is reported at its own line; `whole`,
 * the error of the whole build, at the listener, is the fallback. */
static void listener_explain(const struct listener_settings *l, const unitls_implementation *impl,
                             const char *whole, const char *path, struct settings_errors *errs)
{
    int located = 0;
    size_t usable = ALL_CHAINS; /* a chain that builds alone, to try the trust store with */
    for (size_t i = 0; i < l->n_chains; i++) {
        if (listener_probe(l, i, PART_CHAINS_ONLY, impl, path, l->chains[i].line,
                           l->chains[i].column, errs))
            located++;
        else if (usable == ALL_CHAINS)
            usable = i;
    }
    if (l->client_auth != UNITLS_CLIENT_AUTH_NONE && usable != ALL_CHAINS)
        located += listener_probe(l, usable, PART_CLIENT_AUTH, impl, path, l->trust_store_line,
                                  l->trust_store_column, errs);
    if (!located)
        report_at(errs, path, l->line, l->column, "listener '%s': %s", l->name, whole);
}

/* Builds l->tls, validated by impl when `validate` says so; on failure every failing entry is
 * reported at its line. */
static int listener_build(struct listener_settings *l, const unitls_implementation *impl,
                          enum settings_validation validate, const char *path,
                          struct settings_errors *errs)
{
    unitls_error err;
    unitls_error_clear(&err);
    const unitls_implementation *checker = validate == SETTINGS_VALIDATE ? impl : NULL;
    if ((l->tls = listener_config(l, ALL_CHAINS, PART_ALL, checker, &err)))
        return 0;
    listener_explain(l, impl, err.message, path, errs);
    return -1;
}

static const unitls_implementation *implementation_of(const struct settings *s,
                                                      const unitls_implementation *impl)
{
    if (!impl)
        impl = unitls_implementation_find(s->implementation);
    return impl ? impl : unitls_implementation_default();
}

static int listeners_build(struct settings *s, const unitls_implementation *impl,
                           enum settings_validation validate, const unsigned char *clean,
                           struct settings_errors *errs)
{
    int rc = 0;
    impl = implementation_of(s, impl);
    for (size_t i = 0; i < s->n_listeners; i++)
        if ((!clean || clean[i]) && !s->listeners[i].tls &&
            listener_build(&s->listeners[i], impl, validate, s->path, errs) != 0)
            rc = -1;
    return rc;
}

int settings_build_tls(struct settings *s, const unitls_implementation *impl,
                       enum settings_validation validate, struct settings_errors *errs)
{
    return s && errs ? listeners_build(s, impl, validate, NULL, errs) : -1;
}

size_t settings_explain_tls(const struct settings *s, const unitls_implementation *impl,
                            struct settings_errors *errs)
{
    if (!s || !errs)
        return 0;
    impl = implementation_of(s, impl);
    size_t before = errs->n;
    for (size_t i = 0; i < s->n_listeners; i++) {
        const struct listener_settings *l = &s->listeners[i];
        unitls_error err;
        unitls_error_clear(&err);
        if (l->tls && unitls_implementation_validate_server_config(impl, l->tls, &err) != UNITLS_OK)
            listener_explain(l, impl, err.message, s->path, errs);
    }
    return errs->n - before;
}

/* Certificate problems of the listeners that parsed cleanly are reported along with the
 * file's other errors, so that one run shows everything to fix. */
int settings_check_file(const char *path, FILE *report)
{
    struct settings s;
    struct settings_errors errs = {NULL, 0};
    struct loader ld = {.path = path, .s = &s, .errs = &errs};
    int invalid = !path || settings_read(&ld, &s) != 0;
    if (path && ld.clean && listeners_build(&s, NULL, SETTINGS_VALIDATE, ld.clean, &errs) != 0)
        invalid = 1;
    for (size_t i = 0; report && i < errs.n; i++)
        fprintf(report, "%s\n", errs.lines[i]);
    if (report && invalid && errs.n == 0)
        fprintf(report, "%s: invalid configuration\n", path ? path : "(no path)");
    free(ld.dir);
    free(ld.clean);
    if (path)
        settings_free(&s);
    settings_errors_free(&errs);
    return invalid;
}

/* --- freeing ------------------------------------------------------------------------------- */

static void listener_free(struct listener_settings *l)
{
    free(l->name);
    free(l->listen);
    for (size_t i = 0; i < l->n_chains; i++) {
        free(l->chains[i].cert_path);
        free(l->chains[i].key_path);
    }
    free(l->chains);
    for (size_t i = 0; i < l->n_protocols; i++)
        free(l->protocols[i]);
    free(l->protocols);
    free(l->ciphers);
    free(l->client_trust_store);
    unitls_server_config_unref(l->tls);
}

void settings_free(struct settings *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_listeners; i++)
        listener_free(&s->listeners[i]);
    free(s->listeners);
    free(s->path);
    free(s->implementation);
    free(s->user);
    memset(s, 0, sizeof *s);
}

void settings_errors_free(struct settings_errors *errs)
{
    if (!errs)
        return;
    for (size_t i = 0; i < errs->n; i++)
        free(errs->lines[i]);
    free(errs->lines);
    errs->lines = NULL;
    errs->n = 0;
}
