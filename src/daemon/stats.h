/* Optional plain-HTTP statistics (stats.listen): GET /metrics answers the Prometheus text
 * format with the counters of every worker, per-listener open connections, per-backend
 * connects, failures and passive health, reload counts, the OCSP stapling state of each
 * certificate that staples and each served certificate's expiry (cert_expiry.h).
 * GET /health is for a balancer in front: 200 "ok: N listeners serving" while every listener
 * serves; 503 with one line per reason otherwise: "draining: ..." once SIGTERM came (the
 * health_grace, then the drain), or "listener NAME: no reachable backend ..." for each listener
 * whose backends are all marked down by passive health (backend_pool.h).
 * It runs on the main thread's event base, so it never competes with the workers' loops, and
 * only reads counters the workers publish with relaxed atomic stores. No TLS, no auth: bind it
 * to loopback or a unix socket. */
#ifndef UNITLSD_STATS_H
#define UNITLSD_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "daemon/activation.h"
#include "daemon/endpoint.h"
#include "daemon/runtime.h"
#include "daemon/worker.h"

struct ocsp_monitor; /* ocsp_monitor.h */

struct stats_server;

/* What /metrics reads; the pointers are the main thread's and stay valid while it runs. */
struct stats_sources {
    struct worker_pool *pool;
    struct generation **gen;           /* the current generation, swapped by reloads */
    const uint64_t *reloads_ok, *reloads_failed;
    const struct ocsp_monitor *ocsp;   /* OCSP state per certificate; may be NULL */
    const int *draining;               /* 1 once SIGTERM or SIGINT came: /health says 503 */
};

/* Binds address, or claims it from systemd's sockets act (may be NULL), before privileges are
 * dropped. NULL with the reason in err. */
struct stats_server *stats_open(const struct endpoint *address, struct activation_set *act,
                                char *err, size_t errlen);
/* Starts serving on base. 0, or -1 when the HTTP server cannot be set up. */
int stats_start(struct stats_server *st, struct event_base *base,
                const struct stats_sources *src);
/* Stops and frees; st may be NULL. */
void stats_free(struct stats_server *st);

#endif
