/* ocsp_monitor: per-certificate OCSP state, its log lines, expiry timers and refreshes; see
 * ocsp_monitor.h. Main thread only: the contexts it installs responses in are shared with the
 * workers, which the library allows (unitls_server_context_set_ocsp_response). */
#include "daemon/ocsp_monitor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>

#include "daemon/log.h"
#include "daemon/ocsp_refresh.h"
#include "daemon/settings.h"

/* Timers re-check at least this often, so a wall clock that jumps is followed within it. */
#define RECHECK_MAX_S 3600

struct ocsp_entry {
    struct ocsp_monitor *m;
    char *listener;
    char *certificate;              /* the certificate file: the entry's name */
    char *ocsp_path;                /* where fetched responses are written */
    int refresh;
    unitls_server_context *ctx;     /* the current generation's (a reference) */
    size_t chain_index;
    unitls_signing_chain *chain;    /* chain chain_index of ctx (a reference) */
    struct unitls_ocsp_info info;   /* the verdict last logged */
    int reported;                   /* info was logged */
    unitls_ocsp_response *unwritten; /* a fetched response its file does not hold (the write
                                        failed): installed in the contexts of later reloads */
    struct event *timer;
    struct ocsp_fetch *fetch;       /* in flight */
    char url[1024];                 /* the responder of the fetch in flight or last made */
    unsigned n_failures;            /* in a row */
    int64_t retry_at;               /* with n_failures: the next try */
    int refresh_stopped;            /* cannot work for this certificate (no responder, https) */
    uint64_t refreshes, refresh_failures;
};

struct ocsp_monitor {
    struct event_base *base;
    struct evdns_base *dns;         /* made for the first entry that refreshes */
    struct ocsp_entry **entries;
    size_t n_entries;
    uint64_t random_state;          /* back-off jitter */
};

static int64_t now_s(void) { return (int64_t)time(NULL); }

static uint64_t random_next(struct ocsp_monitor *m)
{
    /* xorshift64: jitter needs spread, not secrecy. */
    uint64_t x = m->random_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    m->random_state = x;
    return x;
}

/* "2026-12-07T06:35:05Z" */
static const char *time_text(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, cap, "unknown");
    return buf;
}

/* --- verdicts and their log lines ---------------------------------------------------------- */

static void verdict_read(const struct ocsp_entry *e, int64_t now, struct unitls_ocsp_info *info)
{
    memset(info, 0, sizeof *info);
    if (unitls_server_context_ocsp_info(e->ctx, e->chain_index, now, info) != UNITLS_OK) {
        info->state = UNITLS_OCSP_INVALID;
        snprintf(info->reason, sizeof info->reason, "the context has no chain %zu",
                 e->chain_index);
    }
}

/* Why an entry does not staple, in words. */
static const char *unstapled_reason(const struct ocsp_entry *e, char *buf, size_t cap)
{
    const struct unitls_ocsp_info *info = &e->info;
    char when[32];
    if (info->state == UNITLS_OCSP_ABSENT)
        snprintf(buf, cap, "%s", e->refresh ? "no response yet; fetching one (ocsp_refresh)"
                                            : "no response");
    else if (info->reason[0])
        snprintf(buf, cap, "%s", info->reason);
    else if (info->state == UNITLS_OCSP_EXPIRED)
        snprintf(buf, cap, "expired at its nextUpdate %s",
                 time_text(info->next_update, when, sizeof when));
    else
        snprintf(buf, cap, "the response is not valid");
    return buf;
}

static void verdict_log(const struct ocsp_entry *e)
{
    char when[32], why[256];
    if (e->info.state == UNITLS_OCSP_VALID)
        log_info("ocsp: listener %s certificate %s: stapling, valid until %s", e->listener,
                 e->certificate, time_text(e->info.next_update, when, sizeof when));
    else if (e->info.state == UNITLS_OCSP_ABSENT)
        log_notice("ocsp: listener %s certificate %s: not stapled: %s", e->listener,
                   e->certificate, unstapled_reason(e, why, sizeof why));
    else
        log_warn("ocsp: listener %s certificate %s: not stapled: %s", e->listener,
                 e->certificate, unstapled_reason(e, why, sizeof why));
}

static int verdict_changed(const struct unitls_ocsp_info *a, const struct unitls_ocsp_info *b)
{
    return a->state != b->state || a->next_update != b->next_update ||
           a->this_update != b->this_update || strcmp(a->reason, b->reason) != 0;
}

/* Reads the entry's verdict at now; logs it when it differs from the one last logged. */
static void entry_check(struct ocsp_entry *e, int64_t now)
{
    struct unitls_ocsp_info info;
    verdict_read(e, now, &info);
    if (e->reported && !verdict_changed(&e->info, &info))
        return;
    e->info = info;
    e->reported = 1;
    verdict_log(e);
}

/* --- the timer ------------------------------------------------------------------------------ */

static int refreshing(const struct ocsp_entry *e) { return e->refresh && !e->refresh_stopped; }

static int64_t fetch_due(const struct ocsp_entry *e, int64_t now)
{
    return e->n_failures ? e->retry_at : ocsp_refresh_due(&e->info, now);
}

/* Arms the timer for the next thing to do: notice the staple's expiry; fetch. At least a second
 * ahead, so that a clock read a little early does not spin. */
static void entry_schedule(struct ocsp_entry *e, int64_t now)
{
    int64_t due = now + RECHECK_MAX_S;
    if (e->info.state == UNITLS_OCSP_VALID && e->info.next_update < due)
        due = e->info.next_update;
    if (refreshing(e) && !e->fetch && fetch_due(e, now) < due)
        due = fetch_due(e, now);
    int64_t wait = due - now;
    struct timeval tv = {.tv_sec = (time_t)(wait < 1 ? 1 : wait), .tv_usec = 0};
    evtimer_add(e->timer, &tv);
}

static void entry_fetch(struct ocsp_entry *e, int64_t now);

static void on_entry_timer(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct ocsp_entry *e = arg;
    int64_t now = now_s();
    entry_check(e, now);
    if (refreshing(e) && !e->fetch && now >= fetch_due(e, now))
        entry_fetch(e, now);
    entry_schedule(e, now);
}

/* --- refreshing ----------------------------------------------------------------------------- */

/* The staple kept after a failure, for the failure's log line. */
static const char *kept_staple(const struct ocsp_entry *e, char *buf, size_t cap)
{
    char when[32];
    if (e->info.state == UNITLS_OCSP_VALID)
        snprintf(buf, cap, "still stapling the current response, valid until %s",
                 time_text(e->info.next_update, when, sizeof when));
    else
        snprintf(buf, cap, "not stapling");
    return buf;
}

static void entry_failed(struct ocsp_entry *e, int64_t now, const char *why)
{
    char kept[128];
    e->n_failures++;
    e->refresh_failures++;
    unsigned wait = ocsp_refresh_backoff_s(e->n_failures, random_next(e->m));
    e->retry_at = now + wait;
    log_warn("ocsp: listener %s certificate %s: refresh from %s failed (%u in a row): %s; %s; "
             "next try in %u s", e->listener, e->certificate, e->url[0] ? e->url : "-",
             e->n_failures, why, kept_staple(e, kept, sizeof kept), wait);
}

/* A refresh that cannot work for this certificate: said once, counted once. */
static void entry_stop(struct ocsp_entry *e, const char *why)
{
    e->refresh_stopped = 1;
    e->refresh_failures++;
    log_error("ocsp: listener %s certificate %s: cannot refresh: %s; not refreshing this "
              "certificate until it is replaced", e->listener, e->certificate, why);
}

/* Re-reads the verdict of every entry stapling from the same chain of the same context (other
 * listeners may share it), after a response was installed there. */
static void chain_recheck(struct ocsp_monitor *m, const struct ocsp_entry *e, int64_t now)
{
    for (size_t i = 0; i < m->n_entries; i++) {
        struct ocsp_entry *other = m->entries[i];
        if (other->ctx == e->ctx && other->chain_index == e->chain_index) {
            entry_check(other, now);
            entry_schedule(other, now);
        }
    }
}

/* A valid response r: written beside the certificate, installed in the running context. */
static void entry_refreshed(struct ocsp_entry *e, int64_t now, unitls_ocsp_response *r,
                            const struct unitls_ocsp_info *info)
{
    char err[512], when[32];
    unitls_error uerr;
    unitls_error_clear(&uerr);
    size_t len = 0;
    const uint8_t *der = unitls_ocsp_response_content(r, &len);
    int written = ocsp_file_replace(e->ocsp_path, der, len, err, sizeof err) == 0;
    if (!written)
        log_warn("ocsp: listener %s certificate %s: %s; the fresh response is served from "
                 "memory only, and lost at a restart", e->listener, e->certificate, err);
    if (unitls_server_context_set_ocsp_response(e->ctx, e->chain_index, r, &uerr) != UNITLS_OK) {
        entry_failed(e, now, uerr.message);
        return;
    }
    unitls_ocsp_response_unref(e->unwritten);
    e->unwritten = written ? NULL : unitls_ocsp_response_ref(r);
    e->n_failures = 0;
    e->refreshes++;
    log_info("ocsp: listener %s certificate %s: refreshed from %s: valid until %s%s%s",
             e->listener, e->certificate, e->url, time_text(info->next_update, when, sizeof when),
             written ? ", written to " : "", written ? e->ocsp_path : "");
    chain_recheck(e->m, e, now);
}

/* The responder's answer: a valid response for this certificate, or a failure. */
static void entry_answer(struct ocsp_entry *e, int64_t now, const uint8_t *body, size_t len)
{
    unitls_error uerr;
    unitls_error_clear(&uerr);
    struct unitls_ocsp_info info;
    memset(&info, 0, sizeof info);
    unitls_ocsp_response *r = unitls_ocsp_response_from_buffer(body, len, &uerr);
    char why[300];
    if (!r) {
        entry_failed(e, now, uerr.message);
    } else if (unitls_ocsp_response_check(unitls_server_context_implementation(e->ctx), r,
                                          e->chain, now, &info, &uerr) != UNITLS_OK) {
        entry_failed(e, now, uerr.message);
    } else if (info.state != UNITLS_OCSP_VALID) {
        snprintf(why, sizeof why, "the answer is %s: %s", unitls_ocsp_state_name(info.state),
                 info.reason[0] ? info.reason : "(no reason given)");
        entry_failed(e, now, why);
    } else {
        entry_refreshed(e, now, r, &info);
    }
    unitls_ocsp_response_unref(r);
}

static void on_fetch_done(void *arg, const uint8_t *body, size_t len, const char *error)
{
    struct ocsp_entry *e = arg;
    struct ocsp_fetch *f = e->fetch; /* body lives in f: freed last */
    int64_t now = now_s();
    e->fetch = NULL;
    if (error)
        entry_failed(e, now, error);
    else
        entry_answer(e, now, body, len);
    entry_schedule(e, now);
    ocsp_fetch_free(f);
}

static void entry_fetch(struct ocsp_entry *e, int64_t now)
{
    uint8_t request[4096];
    size_t request_len = 0;
    char err[sizeof e->url + 256];
    unitls_error uerr;
    unitls_error_clear(&uerr);
    e->url[0] = '\0';
    if (unitls_ocsp_request_build(unitls_server_context_implementation(e->ctx), e->chain,
                                  request, sizeof request, &request_len, e->url, sizeof e->url,
                                  &uerr) != UNITLS_OK) {
        entry_stop(e, uerr.message);
        return;
    }
    if (strncasecmp(e->url, "http://", 7) != 0) {
        snprintf(err, sizeof err, "the responder URL %s is not http:// (unitlsd fetches OCSP "
                 "responses over plain HTTP only)", e->url);
        entry_stop(e, err);
        return;
    }
    log_debug("ocsp: listener %s certificate %s: fetching a response from %s", e->listener,
              e->certificate, e->url);
    e->fetch = ocsp_fetch_start(e->m->base, e->m->dns, e->url, request, request_len,
                                on_fetch_done, e, err, sizeof err);
    if (!e->fetch)
        entry_failed(e, now, err);
}

/* --- entries across reloads ----------------------------------------------------------------- */

static void entry_free(struct ocsp_entry *e)
{
    if (!e)
        return;
    ocsp_fetch_free(e->fetch);
    if (e->timer)
        event_free(e->timer);
    unitls_ocsp_response_unref(e->unwritten);
    unitls_signing_chain_unref(e->chain);
    unitls_server_context_unref(e->ctx);
    free(e->listener);
    free(e->certificate);
    free(e->ocsp_path);
    free(e);
}

static struct ocsp_entry *entry_new(struct ocsp_monitor *m, const char *listener,
                                    const char *certificate)
{
    struct ocsp_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->m = m;
    e->listener = strdup(listener);
    e->certificate = strdup(certificate);
    e->timer = evtimer_new(m->base, on_entry_timer, e);
    if (!e->listener || !e->certificate || !e->timer) {
        entry_free(e);
        return NULL;
    }
    return e;
}

/* Takes the first entry of old named listener/certificate out of old; NULL when none. */
static struct ocsp_entry *entry_take(struct ocsp_entry **old, size_t n_old, const char *listener,
                                     const char *certificate)
{
    for (size_t i = 0; i < n_old; i++) {
        struct ocsp_entry *e = old[i];
        if (e && strcmp(e->listener, listener) == 0 && strcmp(e->certificate, certificate) == 0) {
            old[i] = NULL;
            return e;
        }
    }
    return NULL;
}

/* A response fetched before a reload that could not be written (after privileges were
 * dropped, say) goes into the new context when it is fresher than the file the context was
 * built with; a file someone put in place since, being newer, wins. */
static void unwritten_reinstall(struct ocsp_entry *e, int64_t now)
{
    struct unitls_ocsp_info current, fetched;
    unitls_error uerr;
    unitls_error_clear(&uerr);
    verdict_read(e, now, &current);
    if (unitls_ocsp_response_check(unitls_server_context_implementation(e->ctx), e->unwritten,
                                   e->chain, now, &fetched, &uerr) != UNITLS_OK ||
        fetched.state != UNITLS_OCSP_VALID) {
        unitls_ocsp_response_unref(e->unwritten);
        e->unwritten = NULL;
        return;
    }
    if (current.state != UNITLS_OCSP_VALID || fetched.this_update > current.this_update)
        unitls_server_context_set_ocsp_response(e->ctx, e->chain_index, e->unwritten, &uerr);
}

/* Moves e to chain index of ctx. A different certificate starts afresh: its fetch in flight,
 * failures and unwritten response were for the old one. */
static int entry_attach(struct ocsp_entry *e, unitls_server_context *ctx, size_t index,
                        const struct listener_settings *ls, const struct chain_settings *c)
{
    unitls_signing_chain *chain =
        unitls_server_config_certificate_chain(unitls_server_context_configuration(ctx), index);
    char *path = strdup(c->ocsp_path);
    if (!chain || !path) {
        free(path);
        return -1;
    }
    int renewed = !e->chain || !unitls_signing_chain_equal(e->chain, chain);
    if (renewed || !ls->ocsp_refresh) {
        ocsp_fetch_free(e->fetch);
        e->fetch = NULL;
        e->n_failures = 0;
        unitls_ocsp_response_unref(e->unwritten);
        e->unwritten = NULL;
    }
    if (renewed)
        e->refresh_stopped = 0;
    unitls_signing_chain_unref(e->chain);
    e->chain = unitls_signing_chain_ref(chain);
    unitls_server_context_unref(e->ctx);
    e->ctx = unitls_server_context_ref(ctx);
    e->chain_index = index;
    free(e->ocsp_path);
    e->ocsp_path = path;
    e->refresh = ls->ocsp_refresh;
    if (e->unwritten)
        unwritten_reinstall(e, now_s());
    return 0;
}

static size_t entries_wanted(const struct settings *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_listeners; i++)
        for (size_t j = 0; j < s->listeners[i].n_chains; j++)
            n += s->listeners[i].chains[j].ocsp_path != NULL;
    return n;
}

/* The entries of listener ls (running as rl) into list, reusing those of old. */
static void listener_entries(struct ocsp_monitor *m, const struct listener_settings *ls,
                             const struct runtime_listener *rl, struct ocsp_entry **old,
                             size_t n_old, struct ocsp_entry **list, size_t *n)
{
    for (size_t j = 0; j < ls->n_chains; j++) {
        const struct chain_settings *c = &ls->chains[j];
        if (!c->ocsp_path)
            continue;
        struct ocsp_entry *e = entry_take(old, n_old, ls->name, c->cert_path);
        if (!e)
            e = entry_new(m, ls->name, c->cert_path);
        if (!e || entry_attach(e, rl->ctx, j, ls, c) != 0) {
            log_error("ocsp: listener %s certificate %s: out of memory; not monitored",
                      ls->name, c->cert_path);
            entry_free(e);
            continue;
        }
        list[(*n)++] = e;
    }
}

static int any_refresh(const struct settings *s)
{
    for (size_t i = 0; i < s->n_listeners; i++)
        if (s->listeners[i].ocsp_refresh)
            return 1;
    return 0;
}

void ocsp_monitor_update(struct ocsp_monitor *m, const struct settings *s,
                         const struct generation *g)
{
    size_t wanted = entries_wanted(s);
    struct ocsp_entry **list = calloc(wanted ? wanted : 1, sizeof *list);
    if (!list) {
        log_error("ocsp: out of memory; OCSP state not updated");
        return;
    }
    if (any_refresh(s) && !m->dns)
        m->dns = evdns_base_new(m->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    size_t n = 0;
    for (size_t i = 0; i < s->n_listeners && i < g->n_listeners; i++)
        listener_entries(m, &s->listeners[i], g->listeners[i], m->entries, m->n_entries, list,
                         &n);
    for (size_t i = 0; i < m->n_entries; i++)
        entry_free(m->entries[i]); /* those no longer configured (taken ones are NULL) */
    free(m->entries);
    m->entries = list;
    m->n_entries = n;
    int64_t now = now_s();
    for (size_t i = 0; i < n; i++) {
        entry_check(list[i], now);
        entry_schedule(list[i], now);
    }
}

/* --- the monitor ---------------------------------------------------------------------------- */

struct ocsp_monitor *ocsp_monitor_new(struct event_base *base)
{
    struct ocsp_monitor *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->base = base;
    m->random_state = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ 0x9e3779b97f4a7c15u;
    return m;
}

size_t ocsp_monitor_size(const struct ocsp_monitor *m) { return m ? m->n_entries : 0; }

void ocsp_monitor_entry(const struct ocsp_monitor *m, size_t i, struct ocsp_entry_view *out)
{
    const struct ocsp_entry *e = m->entries[i];
    out->listener = e->listener;
    out->certificate = e->certificate;
    out->state = e->info.state;
    out->next_update = e->info.next_update;
    out->refresh = e->refresh;
    out->refreshes = e->refreshes;
    out->refresh_failures = e->refresh_failures;
}

void ocsp_monitor_free(struct ocsp_monitor *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_entries; i++)
        entry_free(m->entries[i]);
    free(m->entries);
    if (m->dns)
        evdns_base_free(m->dns, 0);
    free(m);
}
