/* settings_yaml: the reading layer under settings.c. It loads the one YAML document of a file
 * with libyaml's document API and turns its nodes into C values (scalars, whole numbers,
 * keywords, booleans, durations, file paths, socket addresses), walks mappings through key
 * tables and lists item by item, and keeps the list of error lines. What each key means, the
 * schema of unitlsd.yaml, is settings.c's and settings_listener.c's business, not this
 * module's.
 *
 * A parser never stops at a problem: it appends "FILE:LINE:COLUMN: what is wrong, what was
 * expected" to ld->errs at the node's position (1-based), counts it in ld->n_errors and returns
 * NULL, -1 or 0 items, so that the walk goes on and one run reports every error of the file.
 * A caller that gets such a result has nothing more to report. `what` names the key being read
 * ("timeouts.idle"); it starts every message. Strings returned are the caller's to free. */
#ifndef UNITLSD_SETTINGS_YAML_H
#define UNITLSD_SETTINGS_YAML_H

#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

#include "daemon/settings.h"

#define ADDRESS_EXPECTED "IPV4:PORT, [IPV6]:PORT or unix:/PATH (numeric hosts, port 1 to 65535)"

/* The state of one read of a file. The first fields are this module's; s, clean and stats_mark
 * are the schema's (settings.c, settings_listener.c), carried here because every value parser
 * receives the loader. */
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

/* Stores the value of one key into target, the object the mapping describes. */
typedef void (*value_parser)(struct loader *ld, yaml_node_t *value, void *target);

struct key_spec {
    const char *key;
    value_parser parse;
    int required;
};

#define N_KEYS(table) (sizeof(table) / sizeof(table)[0])

/* --- error lines: not counted in a loader ------------------------------------------------ */

/* Appends line (taken over) to errs; a NULL line, or no memory to grow, drops it. */
void settings_errors_append(struct settings_errors *errs, char *line);
/* Appends "path:line:column: message". */
void settings_errors_report(struct settings_errors *errs, const char *path, int line, int column,
                            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* --- errors of a loader: appended and counted -------------------------------------------- */

void loader_fail_mark(struct loader *ld, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define loader_fail(ld, node, ...) loader_fail_mark((ld), (node)->start_mark, __VA_ARGS__)

/* --- values ------------------------------------------------------------------------------ */

/* The text of a scalar node; NULL after reporting another kind of node (or a NUL inside). */
const char *loader_scalar(struct loader *ld, yaml_node_t *node, const char *what,
                          const char *expected);
/* A copy of text; NULL after reporting that memory ran out. */
char *loader_dup_text(struct loader *ld, yaml_node_t *node, const char *text);
/* Reports nothing: 0 with *out set when text is a whole decimal number in [min, max] (no sign,
 * no spaces, at most 9 digits), else -1. */
int settings_number_parse(const char *text, unsigned long min, unsigned long max,
                          unsigned long *out);
/* A whole number in [min, max] into *out: 0, or -1 after reporting. */
int loader_number(struct loader *ld, yaml_node_t *node, const char *what, unsigned min,
                  unsigned max, unsigned *out);
/* The index of the node's value among names (NULL-terminated); -1 after reporting. */
int loader_keyword(struct loader *ld, yaml_node_t *node, const char *what,
                   const char *const *names);
/* true or false into *out as 1 or 0; *out is left alone after reporting. */
void loader_bool(struct loader *ld, yaml_node_t *node, const char *what, int *out);
/* A duration from 1ms to 24h ("250ms", "10s", "5m", "1h") into *ms; left alone after
 * reporting. */
void loader_duration(struct loader *ld, yaml_node_t *node, const char *what, unsigned *ms);
/* A duration from 0 to max_ms (whole seconds) into *ms; left alone after reporting. */
void loader_duration_max(struct loader *ld, yaml_node_t *node, const char *what, unsigned max_ms,
                         unsigned *ms);
/* A file path with each ${VAR} replaced from the environment (unset is an error), resolved
 * against the directory of the file when relative; NULL after reporting. */
char *loader_path(struct loader *ld, yaml_node_t *node, const char *what);
/* An address of ADDRESS_EXPECTED, ${VAR} expanded, into *ep: 0, or -1 after reporting. */
int loader_endpoint(struct loader *ld, yaml_node_t *node, const char *what,
                    struct endpoint *ep);

/* --- mappings and lists ------------------------------------------------------------------ */

/* Hands each value of a mapping node to its key's parser (with target), reporting unknown and
 * repeated keys and missing required ones. Returns the mask of the keys present (bit i for
 * keys[i]; at most 63 keys), or -1 after reporting that the node is no mapping. */
long loader_mapping_walk(struct loader *ld, yaml_node_t *node, const char *what,
                         const struct key_spec *keys, size_t n_keys, void *target);
/* The number of items of a list node; 0 after reporting a node that is no list, or empty. */
size_t loader_list_length(struct loader *ld, yaml_node_t *node, const char *what,
                          const char *expected);
/* Item i of a list node; i below its loader_list_length(). */
yaml_node_t *loader_list_item(struct loader *ld, yaml_node_t *list, size_t i);
/* n zeroed elements of size bytes; NULL after reporting that memory ran out. */
void *loader_array_new(struct loader *ld, yaml_node_t *node, size_t n, size_t size);

/* --- the document ------------------------------------------------------------------------ */

/* Loads the one document of f into doc, reporting malformed YAML, an empty file or a second
 * document. 0 when doc holds a document with a root node, a second document reported or not
 * (the caller sets ld->doc before walking it, then deletes it); -1 after reporting, with
 * nothing to delete. */
int loader_document_load(struct loader *ld, FILE *f, yaml_document_t *doc);

#endif
