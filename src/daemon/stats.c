/* stats: /metrics and /health over libevent's evhttp on the main thread; see stats.h. */
#include "daemon/stats.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "daemon/cert_expiry.h"
#include "daemon/listener.h"
#include "daemon/ocsp_monitor.h"

struct stats_server {
    struct listen_socket *sock;
    struct evhttp *http;
    struct stats_sources src;
    struct cert_expiry expiry;   /* read once per generation */
};

struct stats_server *stats_open(const struct endpoint *address, struct activation_set *act,
                                char *err, size_t errlen)
{
    struct stats_server *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "%s: out of memory", address->text);
        return NULL;
    }
    st->sock = listener_open(address, act, err, errlen);
    if (!st->sock) {
        free(st);
        return NULL;
    }
    return st;
}

static void metric(struct evbuffer *out, const char *name, const char *type, const char *help,
                   uint64_t value)
{
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name,
                        type, name, value);
}

/* A label value in the text format: backslash, quote and newline escaped (a certificate's
 * path may hold any of them). */
static const char *label_escape(const char *text, char *buf, size_t cap)
{
    size_t n = 0;
    for (; *text && n + 3 < cap; text++) {
        if (*text == '\\' || *text == '"' || *text == '\n')
            buf[n++] = '\\';
        buf[n++] = *text == '\n' ? 'n' : *text;
    }
    buf[n] = '\0';
    return buf;
}

static void metric_family(struct evbuffer *out, const char *name, const char *type,
                        const char *help)
{
    evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The total (no labels, as before), then one series per listener of the current generation and
 * reason, every reason from 0 so that a rate works from the first failure. A listener's
 * counts carry over reloads that keep its name. */
static void metrics_handshake_failures(struct evbuffer *out, const struct stats_sources *src,
                                       uint64_t total)
{
    evbuffer_add_printf(out, "# HELP unitlsd_handshake_failures_total Connections that ended "
                             "before their handshake completed: in all (no labels), and by "
                             "listener and reason.\n"
                             "# TYPE unitlsd_handshake_failures_total counter\n"
                             "unitlsd_handshake_failures_total %" PRIu64 "\n", total);
    const struct generation *g = *src->gen;
    for (size_t i = 0; g && i < g->n_listeners; i++) {
        uint64_t counts[FAILURE_REASONS] = {0};
        worker_pool_failure_counts(src->pool, g->listeners[i]->name, counts);
        for (size_t r = 0; r < FAILURE_HANDSHAKE_REASONS; r++)
            evbuffer_add_printf(out, "unitlsd_handshake_failures_total{listener=\"%s\","
                                     "reason=\"%s\"} %" PRIu64 "\n", g->listeners[i]->name,
                                failure_reason_name((enum failure_reason)r), counts[r]);
    }
}

/* Per listener with accept_proxy, and reason, every reason from 0: connections refused before
 * TLS for their source or their PROXY header (conn.h). */
static void metrics_proxy_rejected(struct evbuffer *out, const struct stats_sources *src)
{
    const struct generation *g = *src->gen;
    int described = 0;
    for (size_t i = 0; g && i < g->n_listeners; i++) {
        if (!g->listeners[i]->accept_proxy)
            continue;
        if (!described++)
            evbuffer_add_printf(out, "# HELP unitlsd_proxy_rejected_total Connections refused "
                                     "by a listener with accept_proxy, by reason: an untrusted "
                                     "source, or no valid PROXY header from a trusted one.\n"
                                     "# TYPE unitlsd_proxy_rejected_total counter\n");
        uint64_t counts[FAILURE_REASONS] = {0};
        worker_pool_failure_counts(src->pool, g->listeners[i]->name, counts);
        for (size_t r = FAILURE_HANDSHAKE_REASONS; r < FAILURE_REASONS; r++)
            evbuffer_add_printf(out, "unitlsd_proxy_rejected_total{listener=\"%s\","
                                     "reason=\"%s\"} %" PRIu64 "\n", g->listeners[i]->name,
                                failure_reason_name((enum failure_reason)r), counts[r]);
    }
}

/* The wall clock in ms, as the workers' marks use it (conn_env_clock_ms). */
static uint64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

enum backend_series { SERIES_CONNECTS, SERIES_FAILURES, SERIES_UP };

/* One series per backend of each listener of the current generation. The counters of a
 * backend carry over reloads that keep its listener's name and its address. */
static void backend_series(struct evbuffer *out, const struct generation *g, const char *name,
                           enum backend_series what, uint64_t now)
{
    char addr[300];
    for (size_t i = 0; g && i < g->n_listeners; i++) {
        const struct backend_pool *pool = &g->listeners[i]->backends;
        for (size_t k = 0; k < pool->n; k++) {
            const struct backend_health *h = pool->backends[k].health;
            uint64_t v = what == SERIES_CONNECTS   ? atomic_load(&h->connects)
                         : what == SERIES_FAILURES ? atomic_load(&h->failures)
                                                   : !backend_pool_is_down(pool, k, now);
            evbuffer_add_printf(out, "%s{listener=\"%s\",backend=\"%s\"} %" PRIu64 "\n", name,
                                g->listeners[i]->name,
                                label_escape(pool->backends[k].config.address.text, addr,
                                             sizeof addr), v);
        }
    }
}

/* The failures in all (no labels, as before), then per listener and backend, with the
 * connects and whether passive health has the backend up. */
static void metrics_backends(struct evbuffer *out, const struct stats_sources *src,
                             uint64_t failures)
{
    const struct generation *g = *src->gen;
    uint64_t now = wall_ms();
    metric_family(out, "unitlsd_backend_connections_total", "counter", "Backend connects "
                  "started, by listener and backend (failed ones included).");
    backend_series(out, g, "unitlsd_backend_connections_total", SERIES_CONNECTS, now);
    metric(out, "unitlsd_backend_failures_total", "counter", "Backend connects refused or "
           "timed out: in all (no labels), and by listener and backend.", failures);
    backend_series(out, g, "unitlsd_backend_failures_total", SERIES_FAILURES, now);
    metric_family(out, "unitlsd_backend_up", "gauge", "1 unless the backend's last connect "
                  "failed less than its listener's backend_retry ago (passive health).");
    backend_series(out, g, "unitlsd_backend_up", SERIES_UP, now);
}

static void metrics_totals(struct evbuffer *out, const struct stats_sources *src)
{
    struct worker_totals t;
    worker_pool_totals(src->pool, &t);
    metric(out, "unitlsd_workers", "gauge", "Worker threads.", worker_pool_size(src->pool));
    metric(out, "unitlsd_connections_accepted_total", "counter", "Accepted client connections.",
           t.accepted);
    metric(out, "unitlsd_connections_open", "gauge", "Open client connections.",
           t.accepted - t.closed);
    metric(out, "unitlsd_handshakes_total", "counter", "Completed TLS handshakes.",
           t.handshakes);
    metric(out, "unitlsd_handshakes_resumed_total", "counter",
           "Completed TLS handshakes that resumed a session.", t.resumed);
    metrics_handshake_failures(out, src, t.handshake_failures);
    metrics_proxy_rejected(out, src);
    metrics_backends(out, src, t.backend_failures);
    metric(out, "unitlsd_client_bytes_received_total", "counter",
           "Plaintext bytes from clients to backends.", t.bytes_in);
    metric(out, "unitlsd_client_bytes_sent_total", "counter",
           "Plaintext bytes from backends to clients.", t.bytes_out);
}

static void metrics_runtime(struct evbuffer *out, const struct stats_sources *src)
{
    const struct generation *g = *src->gen;
    evbuffer_add_printf(out, "# HELP unitlsd_reloads_total Reloads by result.\n"
                             "# TYPE unitlsd_reloads_total counter\n"
                             "unitlsd_reloads_total{result=\"ok\"} %" PRIu64 "\n"
                             "unitlsd_reloads_total{result=\"failed\"} %" PRIu64 "\n",
                        *src->reloads_ok, *src->reloads_failed);
    if (!g)
        return;
    metric(out, "unitlsd_generation", "gauge", "Configuration generation served.", g->serial);
    uint64_t n_insecure = 0;
    for (size_t i = 0; i < g->n_listeners; i++)
        n_insecure += g->listeners[i]->insecure[0] != '\0';
    metric(out, "unitlsd_insecure_listeners", "gauge",
           "Listeners whose insecure block allows legacy peers.", n_insecure);
    evbuffer_add_printf(out, "# HELP unitlsd_listener_connections_open Open connections per "
                             "listener.\n# TYPE unitlsd_listener_connections_open gauge\n");
    for (size_t i = 0; i < g->n_listeners; i++)
        evbuffer_add_printf(out, "unitlsd_listener_connections_open{listener=\"%s\"} %u\n",
                            g->listeners[i]->name,
                            atomic_load_explicit(&g->listeners[i]->gauge->open,
                                                 memory_order_relaxed));
}

static void ocsp_series(struct evbuffer *out, const char *name, const struct ocsp_entry_view *v,
                        uint64_t value)
{
    char cert[1024];
    evbuffer_add_printf(out, "%s{listener=\"%s\",certificate=\"%s\"} %" PRIu64 "\n", name,
                        v->listener, label_escape(v->certificate, cert, sizeof cert), value);
}

static void ocsp_states(struct evbuffer *out, const struct ocsp_entry_view *v)
{
    static const enum unitls_ocsp_state states[] = {UNITLS_OCSP_ABSENT, UNITLS_OCSP_VALID,
                                                    UNITLS_OCSP_EXPIRED, UNITLS_OCSP_INVALID};
    char cert[1024];
    label_escape(v->certificate, cert, sizeof cert);
    for (size_t k = 0; k < sizeof states / sizeof states[0]; k++)
        evbuffer_add_printf(out, "unitlsd_ocsp_state{listener=\"%s\",certificate=\"%s\","
                                 "state=\"%s\"} %d\n", v->listener, cert,
                            unitls_ocsp_state_name(states[k]), v->state == states[k]);
}

/* Each certificate that staples (ocsp: or ocsp_refresh): its state, 1 for the current one of
 * absent, valid, expired and invalid; its response's nextUpdate; its refreshes. */
static void metrics_ocsp(struct evbuffer *out, const struct ocsp_monitor *m)
{
    size_t n = ocsp_monitor_size(m);
    struct ocsp_entry_view v;
    if (n == 0)
        return;
    metric_family(out, "unitlsd_ocsp_state", "gauge", "OCSP stapling state per certificate: 1 "
                "for the current one (valid: stapled when a client asks).");
    for (size_t i = 0; i < n; i++) {
        ocsp_monitor_entry(m, i, &v);
        ocsp_states(out, &v);
    }
    metric_family(out, "unitlsd_ocsp_next_update_seconds", "gauge", "nextUpdate of the "
                "certificate's OCSP response in seconds since the epoch; 0 when unknown.");
    for (size_t i = 0; i < n; i++) {
        ocsp_monitor_entry(m, i, &v);
        ocsp_series(out, "unitlsd_ocsp_next_update_seconds", &v,
                    v.next_update > 0 ? (uint64_t)v.next_update : 0);
    }
    metric_family(out, "unitlsd_ocsp_refreshes_total", "counter", "Valid OCSP responses "
                "fetched from the responder and installed (ocsp_refresh).");
    for (size_t i = 0; i < n; i++) {
        ocsp_monitor_entry(m, i, &v);
        ocsp_series(out, "unitlsd_ocsp_refreshes_total", &v, v.refreshes);
    }
    metric_family(out, "unitlsd_ocsp_refresh_failures_total", "counter", "OCSP fetches that "
                "failed or brought no valid response (ocsp_refresh).");
    for (size_t i = 0; i < n; i++) {
        ocsp_monitor_entry(m, i, &v);
        ocsp_series(out, "unitlsd_ocsp_refresh_failures_total", &v, v.refresh_failures);
    }
}

/* Each served certificate's notAfter as a timestamp, as Prometheus exporters give expiry
 * times (days left: (unitlsd_certificate_expiry_seconds - time()) / 86400). */
static void metrics_expiry(struct evbuffer *out, struct cert_expiry *t, const struct generation *g)
{
    cert_expiry_follow(t, g);
    if (t->n == 0)
        return;
    metric_family(out, "unitlsd_certificate_expiry_seconds", "gauge", "notAfter of each served "
                "certificate's leaf, in seconds since the epoch.");
    char cert[1024], subject[600];
    for (size_t i = 0; i < t->n; i++) {
        const struct cert_expiry_entry *e = &t->entries[i];
        evbuffer_add_printf(out, "unitlsd_certificate_expiry_seconds{listener=\"%s\","
                                 "certificate=\"%s\",subject=\"%s\"} %" PRId64 "\n",
                            e->listener, label_escape(e->certificate, cert, sizeof cert),
                            label_escape(e->subject, subject, sizeof subject), e->not_after);
    }
}

/* 1 for GET and HEAD; else answers 405 and returns 0. */
static int method_allowed(struct evhttp_request *req)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (method == EVHTTP_REQ_GET || method == EVHTTP_REQ_HEAD)
        return 1;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
    evhttp_send_error(req, 405, "Method Not Allowed");
    return 0;
}

/* /health's status and body (see stats.h): why not 200, or "ok". */
static int health_report(struct stats_server *st, struct evbuffer *out)
{
    const struct stats_sources *src = &st->src;
    if (*src->draining) {
        evbuffer_add_printf(out, "draining: unitlsd is stopping (SIGTERM)\n");
        return 503;
    }
    const struct generation *g = *src->gen;
    uint64_t now = wall_ms();
    size_t n_down = 0;
    for (size_t i = 0; g && i < g->n_listeners; i++) {
        const struct runtime_listener *l = g->listeners[i];
        if (!backend_pool_all_down(&l->backends, now))
            continue;
        evbuffer_add_printf(out, "listener %s: no reachable backend (%s marked down: its "
                            "connects failed)\n", l->name,
                            l->backends.n == 1 ? "its one backend is" : "every backend is");
        n_down++;
    }
    if (n_down > 0)
        return 503;
    evbuffer_add_printf(out, "ok: %zu listeners serving\n", g ? g->n_listeners : 0);
    return 200;
}

static int metrics_report(struct stats_server *st, struct evbuffer *out)
{
    metrics_totals(out, &st->src);
    metrics_runtime(out, &st->src);
    metrics_ocsp(out, st->src.ocsp);
    metrics_expiry(out, &st->expiry, *st->src.gen);
    return 200;
}

/* One page of the stats listener: its content type, whether a cache may keep it, and what
 * writes its body and returns its status. */
struct page {
    const char *content_type;
    int no_store;
    int (*write)(struct stats_server *st, struct evbuffer *out);
};

static const struct page metrics_page = {"text/plain; version=0.0.4; charset=utf-8", 0,
                                         metrics_report};
static const struct page health_page = {"text/plain; charset=utf-8", 1, health_report};

/* Answers GET and HEAD with page p (405 to other methods, 500 when out of memory). */
static void page_serve(struct evhttp_request *req, struct stats_server *st, const struct page *p)
{
    struct evbuffer *out;
    if (!method_allowed(req))
        return;
    if (!(out = evbuffer_new())) {
        evhttp_send_error(req, 500, "Out of memory");
        return;
    }
    int code = p->write(st, out);
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Type", p->content_type);
    if (p->no_store)
        evhttp_add_header(headers, "Cache-Control", "no-store");
    evhttp_send_reply(req, code, code == 200 ? "OK" : "Service Unavailable", out);
    evbuffer_free(out);
}

static void on_health(struct evhttp_request *req, void *arg)
{
    page_serve(req, arg, &health_page);
}

static void on_metrics(struct evhttp_request *req, void *arg)
{
    page_serve(req, arg, &metrics_page);
}

int stats_start(struct stats_server *st, struct event_base *base,
                const struct stats_sources *src)
{
    st->src = *src;
    st->http = evhttp_new(base);
    if (!st->http)
        return -1;
    /* Every method evhttp knows reaches on_metrics and on_health, which answer 405 to all but
     * GET and HEAD (evhttp's own filter would answer 501 for a known method). */
    evhttp_set_allowed_methods(st->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                             EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
                                             EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
    evhttp_set_timeout(st->http, 10);
    if (evhttp_set_cb(st->http, "/metrics", on_metrics, st) != 0 ||
        evhttp_set_cb(st->http, "/health", on_health, st) != 0)
        return -1;
    /* evhttp closes the fd it accepts on when freed; the listen_socket keeps its own. */
    int fd = fcntl(st->sock->fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0 || evhttp_accept_socket(st->http, fd) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return 0;
}

void stats_free(struct stats_server *st)
{
    if (!st)
        return;
    if (st->http)
        evhttp_free(st->http);
    listener_unref(st->sock);
    cert_expiry_clear(&st->expiry);
    free(st);
}
