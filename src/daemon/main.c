/* unitlsd: arguments, start-up order, and the main thread's loop (signals, reload, systemd
 * status and watchdog, /metrics, OCSP staples: ocsp_monitor.h).
 *
 * Start-up: load and check the whole file, building every TLS configuration (files read with
 * the privileges we started with) -> take systemd's sockets -> bind listeners and build the
 * contexts (the first generation) -> drop privileges -> start workers -> READY=1.
 * SIGHUP reloads (see daemon_reload); SIGTERM/SIGINT turn /health to 503, keep accepting for
 * drain.health_grace (none by default, or without stats.listen), then stop accepting, give
 * open connections DRAIN_TIMEOUT_MS to finish, close the rest and exit 0. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "daemon/activation.h"
#include "daemon/heap_trim.h"
#include "daemon/log.h"
#include "daemon/ocsp_monitor.h"
#include "daemon/privileges.h"
#include "daemon/runtime.h"
#include "daemon/sdnotify.h"
#include "daemon/settings.h"
#include "daemon/stats.h"
#include "daemon/worker.h"

/* The configured sysconfdir (daemon.am): the same default as unitlsd(8) and the unit. */
#ifndef SYSCONFDIR
#error "SYSCONFDIR: the build passes the sysconfdir given to configure"
#endif
#define DEFAULT_CONFIG SYSCONFDIR "/unitlsd/unitlsd.yaml"

/* How long open connections may take to finish after SIGTERM/SIGINT. */
#define DRAIN_TIMEOUT_MS 10000u
/* How often STATUS= is refreshed for `systemctl status`. */
#define STATUS_INTERVAL_MS 5000u
/* How often heap_trim looks at the workers' counters. */
#define HEAP_TRIM_TICK_MS 1000u

struct daemon {
    const char *config_path;
    struct event_base *base;
    struct generation *gen;            /* the current one; workers hold their own refs */
    struct worker_pool *pool;
    struct stats_server *stats;
    struct ocsp_monitor *ocsp;         /* OCSP state per certificate, refreshes */
    struct activation_set act;         /* systemd's sockets, kept for reloads that add one */
    struct event *sighup, *sigterm, *sigint, *watchdog, *status, *heap_trim_ev;
    struct event *grace;               /* the health grace after SIGTERM; NULL before */
    unsigned health_grace_ms;          /* drain.health_grace, as of the last (re)load */
    int draining;                      /* SIGTERM or SIGINT came: /health answers 503 */
    struct heap_trim trim;
    unsigned workers;                  /* fixed at start: a reload cannot change it */
    char *user;                        /* likewise */
    char stats_listen[128];            /* likewise; "" without stats */
    uint64_t reloads_ok, reloads_failed;
    const char *last_reload;           /* "none", "ok", "failed" */
    uint64_t status_handshakes, status_ms;
    double handshake_rate;
    int stuck_reported;
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* --- the configuration --------------------------------------------------------------------- */

static void errors_log(struct settings_errors *errs, const char *when)
{
    for (size_t i = 0; i < errs->n; i++)
        log_error("%s%s", when, errs->lines[i]);
    settings_errors_free(errs);
}

/* Loads path and builds every listener's TLS configuration: every file read and digested.
 * settings_load reports an implementation that is not built at its line and column. Each
 * implementation's own checks (keys match their certificates, ...) come with the contexts
 * runtime_build makes next, which parse only the chains no running context has parsed already;
 * context_failure_log says where those checks failed. 0 with *s filled; -1 with every error
 * logged. */
static int config_load(const char *path, const char *when, struct settings *s)
{
    struct settings_errors errs = {0};
    if (settings_load(path, s, &errs) != 0) {
        errors_log(&errs, when);
        return -1;
    }
    if (settings_build_tls(s, NULL, SETTINGS_DEFER_VALIDATION, &errs) != 0) {
        errors_log(&errs, when);
        settings_free(s);
        return -1;
    }
    return 0;
}

/* runtime_build failed with reason: where a configuration fails its implementation's checks,
 * every failing entry at its line and column (all listeners, as --check-config would); else
 * the reason itself. */
static void context_failure_log(const struct settings *s, const char *when, const char *reason)
{
    struct settings_errors errs = {0};
    if (settings_explain_tls(s, NULL, &errs) > 0) {
        errors_log(&errs, when);
    } else {
        settings_errors_free(&errs);
        log_error("%s%s", when, reason);
    }
}

/* --- status and watchdog --------------------------------------------------------------------- */

static void status_text(struct daemon *d, char *buf, size_t cap)
{
    struct worker_totals t;
    worker_pool_totals(d->pool, &t);
    uint64_t now = monotonic_ms();
    if (d->status_ms && now > d->status_ms)
        d->handshake_rate = (double)(t.handshakes - d->status_handshakes) * 1000.0 /
                            (double)(now - d->status_ms);
    d->status_handshakes = t.handshakes;
    d->status_ms = now;
    snprintf(buf, cap, "%" PRIu64 " connections, %.0f handshakes/s, last reload %s",
             t.accepted - t.closed, d->handshake_rate, d->last_reload);
}

static void on_status(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    char text[256];
    status_text(arg, text, sizeof text);
    sdnotify_status(text);
}

/* WATCHDOG=1 only when every worker's loop has turned since the last one: a stuck worker
 * then gets the service restarted. */
static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct daemon *d = arg;
    if (worker_pool_alive(d->pool)) {
        sdnotify_watchdog();
        d->stuck_reported = 0;
    } else if (!d->stuck_reported) {
        log_error("a worker's event loop is stuck: withholding WATCHDOG=1");
        d->stuck_reported = 1;
    }
}

static void on_heap_trim(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct daemon *d = arg;
    struct worker_totals t;
    worker_pool_totals(d->pool, &t);
    heap_trim_tick(&d->trim, t.accepted, t.handshakes, monotonic_ms());
}

/* --- reload -------------------------------------------------------------------------------- */

static void reload_warn_fixed(const struct daemon *d, const struct settings *s)
{
    if (s->workers != d->workers)
        log_warn("reload: workers %u -> %u takes effect at the next start", d->workers,
                 s->workers);
    if ((s->user == NULL) != (d->user == NULL) || (s->user && strcmp(s->user, d->user) != 0))
        log_warn("reload: user takes effect at the next start");
    if (strcmp(s->has_stats ? s->stats_listen.text : "", d->stats_listen) != 0)
        log_warn("reload: stats.listen takes effect at the next start");
}

/* One line per listener of g: its implementation, and whether its context carried over from
 * previous (NULL at start-up) or is new. */
static void listeners_log(const struct generation *g, const struct generation *previous,
                          const char *when)
{
    char text[256];
    for (size_t i = 0; i < g->n_listeners && log_enabled(LOG_PRIO_INFO); i++) {
        runtime_listener_describe(g, i, previous, text, sizeof text);
        log_info("%slistener %s", when, text);
    }
}

/* One warning per insecure listener of each generation, at start and at every reload: the
 * operator who allowed legacy peers should keep being reminded, by listener name. */
static void insecure_listeners_warn(const struct generation *g, const char *when)
{
    for (size_t i = 0; i < g->n_listeners; i++)
        if (g->listeners[i]->insecure[0])
            log_warn("%slistener %s: insecure: allows %s (SHA-1 signatures, RSA-1024 keys, CBC "
                     "suites) for legacy peers; every client of this listener may be "
                     "downgraded", when, g->listeners[i]->name, g->listeners[i]->insecure);
}

/* The library's SecurityWarnings repeat, per configuration built, what
 * insecure_listeners_warn says once per listener by name: kept for debugging only. */
static void on_library_warning(enum unitls_warning_category category, const char *message,
                               void *arg)
{
    (void)arg;
    log_debug("libunitls: %s: %s",
              category == UNITLS_WARNING_SECURITY ? "SecurityWarning" : "warning", message);
}

static void reload_apply(struct daemon *d, const struct settings *s, struct generation *g,
                         const struct runtime_build_report *r, uint64_t started_ms)
{
    reload_warn_fixed(d, s);
    listeners_log(g, d->gen, "reload: ");
    insecure_listeners_warn(g, "reload: ");
    log_set_level((int)s->log_level);
    d->health_grace_ms = s->health_grace_ms;
    worker_pool_switch(d->pool, g);
    runtime_unref(d->gen);
    d->gen = g;
    ocsp_monitor_update(d->ocsp, s, g);
    d->reloads_ok++;
    d->last_reload = "ok";
    log_notice("reload: generation %u in %" PRIu64 " ms: contexts %zu reused, %zu built, "
               "%zu retired; listening sockets %zu kept, %zu added, %zu removed",
               g->serial, monotonic_ms() - started_ms, r->contexts_reused, r->contexts_built,
               r->contexts_retired, r->sockets_kept, r->sockets_added, r->sockets_removed);
}

/* Reads and checks the whole file first; any error keeps the running generation untouched. */
static void daemon_reload(struct daemon *d)
{
    sdnotify_reloading();
    uint64_t started_ms = monotonic_ms();
    struct settings s;
    struct generation *g = NULL;
    if (config_load(d->config_path, "reload: ", &s) == 0) {
        char err[512];
        struct runtime_build_report r;
        g = runtime_build(&s, d->gen, &d->act, &r, err, sizeof err);
        if (g)
            reload_apply(d, &s, g, &r, started_ms);
        else
            context_failure_log(&s, "reload: ", err);
        settings_free(&s);
    }
    if (!g) {
        d->reloads_failed++;
        d->last_reload = "failed";
        log_error("reload: failed (%" PRIu64 " failed so far); still serving generation %u",
                  d->reloads_failed, d->gen->serial);
    }
    char text[256];
    status_text(d, text, sizeof text);
    sdnotify_ready(text);
}

/* Not during the health grace: the daemon is stopping, and systemd would read the reload's
 * READY=1 as the end of its STOPPING=1. */
static void on_sighup(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct daemon *d = arg;
    if (d->draining)
        log_notice("SIGHUP: not reloading, the daemon is stopping");
    else
        daemon_reload(d);
}

static void on_grace_end(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct daemon *d = arg;
    log_notice("health grace over: stopping");
    event_base_loopbreak(d->base);
}

/* Starts the health grace: 0, or -1 when its timer cannot be made (then no grace). */
static int grace_start(struct daemon *d)
{
    struct timeval tv = {.tv_sec = (time_t)(d->health_grace_ms / 1000u),
                         .tv_usec = (suseconds_t)(d->health_grace_ms % 1000u) * 1000};
    d->grace = evtimer_new(d->base, on_grace_end, d);
    return d->grace && evtimer_add(d->grace, &tv) == 0 ? 0 : -1;
}

/* /health turns 503 at once, and the listeners go on accepting and serving for the health
 * grace, so that a balancer sees the 503 and sends new clients elsewhere before any is
 * refused; then the loop ends and daemon_stop drains. Without stats.listen no balancer can
 * see /health, so there is no grace. A second signal cuts the grace short. */
static void on_terminate(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    struct daemon *d = arg;
    const char *name = sig == SIGTERM ? "SIGTERM" : "SIGINT";
    int again = d->draining;
    d->draining = 1;
    if (again) {
        log_notice("%s again: stopping now", name);
    } else if (d->health_grace_ms > 0 && d->stats) {
        sdnotify_stopping();
        if (grace_start(d) == 0) {
            log_notice("%s: /health answers 503; accepting for %u ms more (drain.health_grace), "
                       "then stopping", name, d->health_grace_ms);
            return;
        }
        log_error("%s: cannot time the health grace: stopping now", name);
    } else {
        log_notice("%s: stopping", name);
    }
    event_base_loopbreak(d->base);
}

/* --- start-up ------------------------------------------------------------------------------ */

static void activation_log_unclaimed(const struct activation_set *act)
{
    for (size_t i = 0; i < act->n; i++) {
        if (act->fds[i].lent)
            continue;
        char addr[160];
        log_format_address((const struct sockaddr *)&act->fds[i].addr, act->fds[i].addr_len,
                           addr, sizeof addr);
        log_warn("socket activation: %s (%s) matches no listener: unused until a reload "
                 "adds it", addr, act->fds[i].name[0] ? act->fds[i].name : "unnamed");
    }
}

/* Binds (or claims) every listening socket and builds the first generation's contexts.
 * Passed sockets no listener claims stay open in d->act: systemd keeps its own copy anyway, so
 * closing ours would not free the port, and a reload that adds the address can claim it. */
static int daemon_bind(struct daemon *d, const struct settings *s)
{
    char err[512];
    if (activation_take(&d->act, err, sizeof err) != 0) {
        log_error("socket activation: %s", err);
        return -1;
    }
    struct runtime_build_report r;
    d->gen = runtime_build(s, NULL, &d->act, &r, err, sizeof err);
    if (!d->gen) {
        context_failure_log(s, "", err);
        return -1;
    }
    if (s->has_stats && !(d->stats = stats_open(&s->stats_listen, &d->act, err, sizeof err))) {
        log_error("stats: %s", err);
        return -1;
    }
    activation_log_unclaimed(&d->act);
    return 0;
}

static struct event *signal_add(struct daemon *d, int sig, event_callback_fn cb)
{
    struct event *ev = evsignal_new(d->base, sig, cb, d);
    if (ev)
        event_add(ev, NULL);
    return ev;
}

static struct event *timer_add(struct daemon *d, uint64_t ms, event_callback_fn cb)
{
    struct event *ev = event_new(d->base, -1, EV_PERSIST, cb, d);
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000u),
                         .tv_usec = (suseconds_t)(ms % 1000u) * 1000};
    if (ev)
        event_add(ev, &tv);
    return ev;
}

/* Workers, signals, timers. The heartbeat beats several times per watchdog period, so one
 * late turn of a busy loop does not look like a stuck one. */
static int daemon_run_setup(struct daemon *d)
{
    char err[256];
    uint64_t watchdog_ms = sdnotify_watchdog_interval_usec() / 1000u;
    unsigned heartbeat_ms = watchdog_ms ? (unsigned)(watchdog_ms / 4u) : 1000u;
    if (heartbeat_ms == 0)
        heartbeat_ms = 1;
    if (heartbeat_ms > 1000u)
        heartbeat_ms = 1000u;
    d->base = event_base_new();
    if (!d->base) {
        log_error("cannot create the main event loop");
        return -1;
    }
    d->pool = worker_pool_start(d->workers, d->gen, heartbeat_ms, err, sizeof err);
    if (!d->pool) {
        log_error("%s", err);
        return -1;
    }
    d->sighup = signal_add(d, SIGHUP, on_sighup);
    d->sigterm = signal_add(d, SIGTERM, on_terminate);
    d->sigint = signal_add(d, SIGINT, on_terminate);
    d->status = timer_add(d, STATUS_INTERVAL_MS, on_status);
    d->heap_trim_ev = timer_add(d, HEAP_TRIM_TICK_MS, on_heap_trim);
    if (watchdog_ms)
        d->watchdog = timer_add(d, watchdog_ms, on_watchdog);
    d->ocsp = ocsp_monitor_new(d->base);
    if (!d->ocsp) {
        log_error("ocsp: out of memory");
        return -1;
    }
    struct stats_sources src = {d->pool, &d->gen, &d->reloads_ok, &d->reloads_failed, d->ocsp,
                                &d->draining};
    if (d->stats && stats_start(d->stats, d->base, &src) != 0) {
        log_error("stats: cannot start the /metrics server");
        return -1;
    }
    return d->sighup && d->sigterm && d->sigint && d->status && d->heap_trim_ev ? 0 : -1;
}

static int daemon_start(struct daemon *d)
{
    struct settings s;
    if (config_load(d->config_path, "", &s) != 0)
        return -1;
    log_set_level((int)s.log_level);
    d->workers = s.workers ? s.workers : 1;
    d->health_grace_ms = s.health_grace_ms;
    if (s.health_grace_ms > 0 && !s.has_stats)
        log_warn("drain.health_grace: no grace on SIGTERM without stats.listen, as there is no "
                 "/health for a balancer to see");
    d->user = s.user ? strdup(s.user) : NULL;
    if (s.has_stats)
        snprintf(d->stats_listen, sizeof d->stats_listen, "%s", s.stats_listen.text);
    char err[256];
    int rc = daemon_bind(d, &s);
    if (rc == 0 && privileges_drop(s.user, s.allow_root, err, sizeof err) != 0) {
        log_error("%s", err);
        rc = -1;
    }
    if (rc == 0)
        rc = daemon_run_setup(d);
    if (rc == 0) {
        char impls[256];
        runtime_implementations(d->gen, impls, sizeof impls);
        listeners_log(d->gen, NULL, "");
        insecure_listeners_warn(d->gen, "");
        ocsp_monitor_update(d->ocsp, &s, d->gen);
        log_notice("unitlsd %s: %zu listeners on %zu sockets, %u workers, %s", PACKAGE_VERSION,
                   d->gen->n_listeners, d->gen->n_sockets, d->workers, impls);
        char text[256];
        status_text(d, text, sizeof text);
        sdnotify_ready(text);
    }
    settings_free(&s);
    return rc;
}

/* --- shutdown ------------------------------------------------------------------------------ */

static void event_drop(struct event **ev)
{
    if (*ev)
        event_free(*ev);
    *ev = NULL;
}

/* Stops accepting at once (the listening sockets close as soon as every worker has let go of
 * them, so new connections are refused rather than left queued), then drains. */
static void daemon_stop(struct daemon *d)
{
    if (d->pool) {
        sdnotify_stopping();
        struct worker_totals t;
        worker_pool_totals(d->pool, &t);
        log_notice("draining %" PRIu64 " open connections (at most %u ms)",
                   t.accepted - t.closed, DRAIN_TIMEOUT_MS);
        runtime_unref(d->gen);
        d->gen = NULL;
        uint64_t left = worker_pool_drain(d->pool, DRAIN_TIMEOUT_MS);
        log_notice("stopped%s: %" PRIu64 " connections closed at the drain deadline",
                   left ? "" : " cleanly", left);
        worker_pool_free(d->pool);
    }
    ocsp_monitor_free(d->ocsp);
    stats_free(d->stats);
    runtime_unref(d->gen);
    activation_release(&d->act);
    event_drop(&d->sighup);
    event_drop(&d->sigterm);
    event_drop(&d->sigint);
    event_drop(&d->status);
    event_drop(&d->heap_trim_ev);
    event_drop(&d->watchdog);
    event_drop(&d->grace);
    if (d->base)
        event_base_free(d->base);
    free(d->user);
}

/* --- arguments ----------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: unitlsd [-c FILE] [--check-config]\n"
            "TLS termination daemon: terminates TLS per the listeners in FILE and forwards\n"
            "plaintext to their backends. Runs in the foreground and logs to stderr.\n\n"
            "  -c, --config FILE   configuration file (default: %s)\n"
            "  -t, --check-config  check FILE (certificates and keys included) and exit:\n"
            "                      0 when valid (one line says what it would serve), 1 with\n"
            "                      every error otherwise; binds nothing\n"
            "  -V, --version       print the versions and the TLS implementations built,\n"
            "                      then exit\n"
            "  -h, --help          print this help and exit\n\n"
            "Signals: SIGHUP reloads FILE; SIGTERM and SIGINT drain and exit (after\n"
            "drain.health_grace, when set; a second signal skips it).\n"
            "See unitlsd(8) and unitlsd.yaml(5).\n",
            DEFAULT_CONFIG);
}

/* The versions, and the implementations built into libunitls, the default first. */
static void version_print(void)
{
    printf("unitlsd %s (libunitls %s)\nimplementations:", PACKAGE_VERSION, unitls_version());
    for (size_t i = 0; unitls_implementation_at(i); i++)
        printf("%s %s%s", i ? "," : "", unitls_implementation_name(unitls_implementation_at(i)),
               unitls_implementation_at(i) == unitls_implementation_default() ? " (default)" : "");
    printf("\n");
}

/* -1 to run; otherwise the exit status. */
static int options_parse(int argc, char **argv, const char **config, int *check)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 't'},
        {"version", no_argument, NULL, 'V'},      {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "c:tVh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': *config = optarg; break;
        case 't': *check = 1; break;
        case 'V': version_print(); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "unitlsd: unexpected argument: %s\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    struct daemon d = {.config_path = DEFAULT_CONFIG, .last_reload = "none"};
    int check = 0;
    int rc = options_parse(argc, argv, &d.config_path, &check);
    if (rc >= 0)
        return rc;
    if (check)
        return settings_check_file(d.config_path, stderr, stdout);
    log_detect_journal();
    signal(SIGPIPE, SIG_IGN);
    unitls_set_warning_handler(on_library_warning, NULL);
    if (evthread_use_pthreads() != 0) {
        log_error("libevent: no thread support");
        return 1;
    }
    rc = daemon_start(&d);
    if (rc == 0)
        event_base_dispatch(d.base);
    else
        log_error("not started");
    daemon_stop(&d);
    return rc == 0 ? 0 : 1;
}
