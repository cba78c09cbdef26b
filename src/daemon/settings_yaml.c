/* settings_yaml: libyaml's document API read into C values, each problem reported with the
 * node's line and column; settings_yaml.h states the contract. The value parsers here know the
 * forms of values (a duration, an address), never which key takes which form. */
#include "daemon/settings_yaml.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define DURATION_MAX_MS (24ul * 3600ul * 1000ul)

/* --- error lines ------------------------------------------------------------------------- */

void settings_errors_append(struct settings_errors *errs, char *line)
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
    settings_errors_append(errs, text);
}

void __attribute__((format(printf, 5, 6)))
settings_errors_report(struct settings_errors *errs, const char *path, int line, int column,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report_v(errs, path, line, column, fmt, ap);
    va_end(ap);
}

void __attribute__((format(printf, 3, 4)))
loader_fail_mark(struct loader *ld, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    ld->n_errors++;
    va_start(ap, fmt);
    report_v(ld->errs, ld->path, (int)mark.line + 1, (int)mark.column + 1, fmt, ap);
    va_end(ap);
}


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
const char *loader_scalar(struct loader *ld, yaml_node_t *node, const char *what,
                          const char *expected)
{
    if (node->type != YAML_SCALAR_NODE) {
        loader_fail(ld, node, "%s: found %s; expected %s", what, node_kind(node), expected);
        return NULL;
    }
    const char *text = (const char *)node->data.scalar.value;
    if (strlen(text) != node->data.scalar.length) {
        loader_fail(ld, node, "%s: the value holds a NUL byte; expected %s", what, expected);
        return NULL;
    }
    return text;
}

char *loader_dup_text(struct loader *ld, yaml_node_t *node, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        loader_fail(ld, node, "out of memory");
    return copy;
}

/* A whole decimal number in [min, max] (no sign, no spaces, at most 9 digits). */
int settings_number_parse(const char *text, unsigned long min, unsigned long max,
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

int loader_number(struct loader *ld, yaml_node_t *node, const char *what, unsigned min,
                  unsigned max, unsigned *out)
{
    char expected[64];
    snprintf(expected, sizeof expected, "a whole number from %u to %u", min, max);
    const char *text = loader_scalar(ld, node, what, expected);
    unsigned long v;
    if (!text)
        return -1;
    if (settings_number_parse(text, min, max, &v) != 0) {
        loader_fail(ld, node, "%s: '%s' is not valid; expected %s", what, text, expected);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* The index of the value among names (NULL-terminated); -1 after reporting another value. */
int loader_keyword(struct loader *ld, yaml_node_t *node, const char *what,
                   const char *const *names)
{
    char expected[160] = "one of:";
    for (size_t i = 0; names[i]; i++)
        snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s %s",
                 i ? "," : "", names[i]);
    const char *text = loader_scalar(ld, node, what, expected);
    for (int i = 0; text && names[i]; i++)
        if (strcmp(text, names[i]) == 0)
            return i;
    if (text)
        loader_fail(ld, node, "%s: unknown value '%s'; expected %s", what, text, expected);
    return -1;
}

void loader_bool(struct loader *ld, yaml_node_t *node, const char *what, int *out)
{
    static const char *const names[] = {"false", "true", NULL};
    int v = loader_keyword(ld, node, what, names);
    if (v >= 0)
        *out = v;
}

/* 0 ("0s") is parsed; whether it is allowed is the caller's business. */
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
        if (v > DURATION_MAX_MS / units[i].ms)
            return -1;
        *ms = (unsigned)(v * units[i].ms);
        return 0;
    }
    return -1;
}

void loader_duration(struct loader *ld, yaml_node_t *node, const char *what, unsigned *ms)
{
    static const char expected[] = "a duration from 1ms to 24h: a number and a unit, ms, s, m or h";
    const char *text = loader_scalar(ld, node, what, expected);
    unsigned parsed = 0;
    if (text && (duration_parse(text, &parsed) != 0 || parsed == 0))
        loader_fail(ld, node, "%s: '%s' is not valid; expected %s", what, text, expected);
    else if (text)
        *ms = parsed;
}

void loader_duration_max(struct loader *ld, yaml_node_t *node, const char *what, unsigned max_ms,
                         unsigned *ms)
{
    char expected[160];
    snprintf(expected, sizeof expected, "a duration from 0s to %us: a number and a unit, ms, s, "
             "m or h", max_ms / 1000u);
    const char *text = loader_scalar(ld, node, what, expected);
    unsigned parsed = 0;
    if (text && (duration_parse(text, &parsed) != 0 || parsed > max_ms))
        loader_fail(ld, node, "%s: '%s' is not valid; expected %s", what, text, expected);
    else if (text)
        *ms = parsed;
}

/* --- environment variables and paths ---------------------------------------------------- */

/* Appends the value of the variable named by p[0..n) to f; 0, or -1 after reporting. */
static int env_put(struct loader *ld, yaml_node_t *node, const char *what, const char *p,
                   size_t n, FILE *f)
{
    char name[128];
    if (n == 0 || n >= sizeof name) {
        loader_fail(ld, node, "%s: '${}' names no variable of 1 to 127 bytes; expected ${NAME}",
                    what);
        return -1;
    }
    memcpy(name, p, n);
    name[n] = '\0';
    const char *value = getenv(name);
    if (!value) {
        loader_fail(ld, node,
                    "%s: environment variable %s is not set; expected it in the environment",
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
            loader_fail(ld, node, "%s: '${' without its '}' in '%s'; expected ${NAME}", what, text);
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
        loader_fail(ld, node, "%s: out of memory", what);
        ok = 0;
    }
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

/* A file path: expanded, and resolved against the configuration's directory when relative. */
char *loader_path(struct loader *ld, yaml_node_t *node, const char *what)
{
    const char *text = loader_scalar(ld, node, what, "a file path");
    char *expanded = text ? env_expand(ld, node, what, text) : NULL;
    if (!expanded)
        return NULL;
    if (expanded[0] == '\0') {
        loader_fail(ld, node, "%s: the path is empty; expected a file path", what);
        free(expanded);
        return NULL;
    }
    if (expanded[0] == '/' || !ld->dir)
        return expanded;
    char *joined = NULL;
    if (asprintf(&joined, "%s/%s", ld->dir, expanded) < 0) {
        joined = NULL;
        loader_fail(ld, node, "%s: out of memory", what);
    }
    free(expanded);
    return joined;
}

/* --- addresses --------------------------------------------------------------------------- */

int loader_endpoint(struct loader *ld, yaml_node_t *node, const char *what,
                    struct endpoint *ep)
{
    const char *text = loader_scalar(ld, node, what, ADDRESS_EXPECTED);
    char *expanded = text ? env_expand(ld, node, what, text) : NULL;
    char why[200];
    if (!expanded)
        return -1;
    int rc = endpoint_parse(expanded, ep, why, sizeof why);
    if (rc != 0)
        loader_fail(ld, node, "%s: '%s': %s; expected %s", what, expanded, why, ADDRESS_EXPECTED);
    free(expanded);
    return rc;
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
    char allowed[512];
    keys_list(keys, n_keys, allowed, sizeof allowed);
    const char *text = loader_scalar(ld, key, what, "a key");
    for (size_t i = 0; text && i < n_keys; i++)
        if (strcmp(text, keys[i].key) == 0)
            return i;
    if (text)
        loader_fail(ld, key, "%s: unknown key '%s'; expected one of: %s", what, text, allowed);
    return n_keys;
}

/* Hands each value of a mapping node to its key's parser and reports required keys that are
 * missing. Returns the mask of keys present, or -1 after reporting that the node is no mapping. */
long loader_mapping_walk(struct loader *ld, yaml_node_t *node, const char *what,
                         const struct key_spec *keys, size_t n_keys, void *target)
{
    if (node->type != YAML_MAPPING_NODE) {
        char allowed[512];
        keys_list(keys, n_keys, allowed, sizeof allowed);
        loader_fail(ld, node, "%s: found %s; expected a mapping with keys %s", what,
                    node_kind(node),
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
            loader_fail(ld, key, "%s: key '%s' is given twice; expected it once", what,
                        keys[i].key);
            continue;
        }
        seen |= 1l << i;
        keys[i].parse(ld, node_at(ld, p->value), target);
    }
    for (size_t i = 0; i < n_keys; i++)
        if (keys[i].required && !(seen & (1l << i)))
            loader_fail(ld, node, "%s: key '%s' is missing; it is required", what, keys[i].key);
    return seen;
}

/* The number of items of a list node; 0 after reporting a node that is no list, or empty. */
size_t loader_list_length(struct loader *ld, yaml_node_t *node, const char *what,
                          const char *expected)
{
    if (node->type != YAML_SEQUENCE_NODE) {
        loader_fail(ld, node, "%s: found %s; expected a list of %s", what, node_kind(node),
                    expected);
        return 0;
    }
    size_t n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
    if (n == 0)
        loader_fail(ld, node, "%s: the list is empty; expected at least one of %s", what, expected);
    return n;
}

yaml_node_t *loader_list_item(struct loader *ld, yaml_node_t *list, size_t i)
{
    return node_at(ld, list->data.sequence.items.start[i]);
}

void *loader_array_new(struct loader *ld, yaml_node_t *node, size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        loader_fail(ld, node, "out of memory");
    return p;
}

/* --- the document ---------------------------------------------------------------------- */

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
    loader_fail_mark(ld, mark, "YAML: %s%s%s; expected well-formed YAML",
                     p->context ? p->context : "",
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
        loader_fail(ld, root, "a second YAML document; expected one document per file");
    yaml_document_delete(&extra);
}

/* 0 when doc holds the file's document (with a root node); the caller deletes it. */
int loader_document_load(struct loader *ld, FILE *f, yaml_document_t *doc)
{
    yaml_parser_t parser;
    yaml_mark_t start = {0, 0, 0};
    if (!yaml_parser_initialize(&parser)) {
        loader_fail_mark(ld, start, "out of memory");
        return -1;
    }
    yaml_parser_set_input_file(&parser, f);
    int rc = -1;
    if (!yaml_parser_load(&parser, doc)) {
        yaml_problem(ld, &parser, f);
    } else if (!yaml_document_get_root_node(doc)) {
        loader_fail_mark(ld, start,
                         "the file is empty; expected a mapping with at least 'listeners'");
        yaml_document_delete(doc);
    } else {
        document_expect_end(ld, &parser, f);
        rc = 0;
    }
    yaml_parser_delete(&parser);
    return rc;
}
