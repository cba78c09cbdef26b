/* settings: the schema of unitlsd.yaml's top level (the implementation, workers, user,
 * run_as_root, log, stats, listeners, drain) as key tables and the parsers of their values, into
 * struct settings; then loading, checking and freeing. Key tables drive the mappings: a key
 * outside the table is an error listing the allowed ones. The keys of each listener entry
 * are settings_listener.c's; reading YAML values and reporting errors at their line and
 * column is settings_yaml.c's job; building the listeners' TLS configurations is
 * settings_tls.c's. */
#include "daemon/settings.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/privileges.h"
#include "daemon/settings_listener.h"
#include "daemon/settings_tls.h"
#include "daemon/settings_yaml.h"

#define WORKERS_MAX 256u
/* drain.health_grace: a balancer notices a 503 within a few checks; systemd waits TimeoutStopSec. */
#define HEALTH_GRACE_MAX_MS (5u * 60u * 1000u)

/* --- the top level ------------------------------------------------------------------------ */

static void top_implementation(struct loader *ld, yaml_node_t *v, void *target)
{
    settings_implementation_value(ld, v, &((struct settings *)target)->implementation);
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
    const char *text = loader_scalar(ld, v, "workers", expected);
    unsigned long n;
    if (!text)
        return;
    if (strcmp(text, "auto") == 0)
        s->workers = cpus_online();
    else if (settings_number_parse(text, 1, WORKERS_MAX, &n) == 0)
        s->workers = (unsigned)n;
    else
        loader_fail(ld, v, "workers: '%s' is not valid; expected %s", text, expected);
}

/* The user must exist now: --check-config is where an operator learns of a typo. */
static void top_user(struct loader *ld, yaml_node_t *v, void *target)
{
    struct settings *s = target;
    const char *text = loader_scalar(ld, v, "user", "a user name");
    struct passwd pw;
    char *storage = NULL;
    if (!text)
        return;
    int rc = text[0] ? privileges_find_user(text, &pw, &storage) : ENOENT;
    free(storage);
    if (rc == ENOENT)
        loader_fail(ld, v, "user: no user named '%s'; expected an existing user", text);
    else if (rc != 0)
        loader_fail(ld, v, "user: looking up '%s': %s; expected an existing user", text,
                    strerror(rc));
    else
        s->user = loader_dup_text(ld, v, text);
}

static void top_run_as_root(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_bool(ld, v, "run_as_root", &((struct settings *)target)->allow_root);
}

static void log_level(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"debug", "info", "notice", "warning", "error", NULL};
    static const enum log_level levels[] = {LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_NOTICE,
                                            LOG_LEVEL_WARNING, LOG_LEVEL_ERROR};
    int i = loader_keyword(ld, v, "log.level", names);
    if (i >= 0)
        ((struct settings *)target)->log_level = levels[i];
}

static void log_access(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_bool(ld, v, "log.access", &((struct settings *)target)->log_access);
}

static const struct key_spec log_keys[] = {{"level", log_level, 0}, {"access", log_access, 0}};

static void top_log(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_mapping_walk(ld, v, "log", log_keys, N_KEYS(log_keys), target);
}

static void stats_listen(struct loader *ld, yaml_node_t *v, void *target)
{
    struct settings *s = target;
    ld->stats_mark = v->start_mark;
    s->has_stats = loader_endpoint(ld, v, "stats.listen", &s->stats_listen) == 0;
}

static const struct key_spec stats_keys[] = {{"listen", stats_listen, 1}};

static void top_stats(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_mapping_walk(ld, v, "stats", stats_keys, N_KEYS(stats_keys), target);
}

/* 0 is allowed (the default): no grace, the drain starts at once. */
static void drain_health_grace(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_duration_max(ld, v, "drain.health_grace", HEALTH_GRACE_MAX_MS,
                        &((struct settings *)target)->health_grace_ms);
}

static const struct key_spec drain_keys[] = {{"health_grace", drain_health_grace, 0}};

static void top_drain(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_mapping_walk(ld, v, "drain", drain_keys, N_KEYS(drain_keys), target);
}

static const struct key_spec top_keys[] = {
    {"implementation", top_implementation, 0},
    {"workers", top_workers, 0},
    {"user", top_user, 0},
    {"run_as_root", top_run_as_root, 0},
    {"log", top_log, 0},
    {"stats", top_stats, 0},
    {"listeners", settings_listeners_value, 1},
    {"drain", top_drain, 0},
};

/* Runs once every listener is known: key order in the file must not matter. */
static void stats_check(struct loader *ld)
{
    const struct settings *s = ld->s;
    for (size_t i = 0; s->has_stats && i < s->n_listeners; i++)
        for (size_t k = 0; k < s->listeners[i].n_listen; k++)
            if (endpoint_equal(&s->listeners[i].listen[k], &s->stats_listen))
                loader_fail_mark(ld, ld->stats_mark, "stats.listen: '%s' is also an address of the "
                                 "listener at line %d; expected an address of its own",
                                 s->stats_listen.text, s->listeners[i].line);
}

/* --- the file ------------------------------------------------------------------------------ */

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

/* Fills s (even when the file has errors) and ld->clean from given, or from the file ld->path
 * when given is NULL; the number of errors. */
static size_t settings_read(struct loader *ld, struct settings *s, FILE *given)
{
    const char *slash = strrchr(ld->path, '/');
    if (settings_defaults(s, ld->path) != 0 ||
        (slash && !(ld->dir = strndup(ld->path, (size_t)(slash - ld->path))))) {
        settings_errors_append(ld->errs, strdup("out of memory"));
        return 1;
    }
    FILE *f = given ? given : fopen(ld->path, "rb");
    if (!f) {
        char *line = NULL;
        if (asprintf(&line, "%s: cannot open the configuration: %s", ld->path,
                     strerror(errno)) < 0)
            line = NULL;
        settings_errors_append(ld->errs, line);
        return 1;
    }
    yaml_document_t doc;
    if (loader_document_load(ld, f, &doc) == 0) {
        ld->doc = &doc;
        loader_mapping_walk(ld, yaml_document_get_root_node(&doc), "top level", top_keys,
                            N_KEYS(top_keys), s);
        stats_check(ld);
        settings_implementations_resolve(s);
        yaml_document_delete(&doc);
    }
    if (!given)
        fclose(f);
    return ld->n_errors;
}

static int settings_load_from(const char *path, FILE *given, struct settings *out,
                              struct settings_errors *errs)
{
    struct loader ld = {.path = path, .s = out, .errs = errs};
    size_t n_errors = settings_read(&ld, out, given);
    free(ld.dir);
    free(ld.clean);
    if (n_errors == 0)
        return 0;
    settings_free(out);
    return -1;
}

int settings_load(const char *path, struct settings *out, struct settings_errors *errs)
{
    if (!path || !out || !errs)
        return -1;
    return settings_load_from(path, NULL, out, errs);
}

int settings_load_buffer(const char *name, const void *text, size_t len, struct settings *out,
                         struct settings_errors *errs)
{
    if (!name || !text || !out || !errs)
        return -1;
    /* Read-only ("r"): the cast only satisfies fmemopen's prototype. */
    FILE *f = fmemopen((void *)(uintptr_t)text, len, "r");
    if (!f) {
        char *line = NULL;
        if (asprintf(&line, "%s: cannot read the configuration from memory: %s", name,
                     strerror(errno)) < 0)
            line = NULL;
        settings_errors_append(errs, line);
        memset(out, 0, sizeof *out);
        return -1;
    }
    int rc = settings_load_from(name, f, out, errs);
    fclose(f);
    return rc;
}

/* Certificate problems of the listeners that parsed cleanly are reported along with the
 * file's other errors, so that one run shows everything to fix. */
/* The summary line of a valid file: counts, and each implementation the listeners use, once
 * (the listeners of a file rarely use more than two, so a linear look-back is enough). */
static void check_summary(const struct settings *s, FILE *out)
{
    size_t addresses = 0, chains = 0;
    for (size_t i = 0; i < s->n_listeners; i++) {
        addresses += s->listeners[i].n_listen;
        chains += s->listeners[i].n_chains;
    }
    fprintf(out, "%s: valid: %zu listener%s on %zu address%s, %zu certificate%s (", s->path,
            s->n_listeners, s->n_listeners == 1 ? "" : "s", addresses,
            addresses == 1 ? "" : "es", chains, chains == 1 ? "" : "s");
    for (size_t i = 0; i < s->n_listeners; i++) {
        const unitls_implementation *impl = s->listeners[i].impl;
        size_t j = 0;
        while (j < i && s->listeners[j].impl != impl)
            j++;
        if (j == i && impl)
            fprintf(out, "%s%s", i ? ", " : "", unitls_implementation_name(impl));
    }
    fprintf(out, ")\n");
}

int settings_check_file(const char *path, FILE *report, FILE *summary)
{
    struct settings s;
    struct settings_errors errs = {NULL, 0};
    struct loader ld = {.path = path, .s = &s, .errs = &errs};
    int invalid = !path || settings_read(&ld, &s, NULL) != 0;
    if (path && ld.clean &&
        settings_build_listeners(&s, NULL, SETTINGS_VALIDATE, ld.clean, &errs) != 0)
        invalid = 1;
    for (size_t i = 0; report && i < errs.n; i++)
        fprintf(report, "%s\n", errs.lines[i]);
    if (report && invalid && errs.n == 0)
        fprintf(report, "%s: invalid configuration\n", path ? path : "(no path)");
    if (summary && !invalid)
        check_summary(&s, summary);
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
        free(l->chains[i].ocsp_path);
    }
    free(l->chains);
    for (size_t i = 0; i < l->n_protocols; i++)
        free(l->protocols[i]);
    free(l->protocols);
    free(l->ciphers);
    free(l->groups);
    free(l->client_trust_store);
    free(l->client_crl);
    free(l->session_ticket_keys);
    free(l->implementation);
    free(l->proxy_trusted.items);
    free(l->backends);
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
