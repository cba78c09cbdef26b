/* ocsp_monitor: the OCSP stapling state of every certificate entry that staples (one with
 * `ocsp:`, or any entry of a listener with `ocsp_refresh: true`), by listener and certificate,
 * kept across reloads on the main thread:
 * - ocsp_monitor_update(), after start-up and after each reload, takes the new generation's
 *   contexts and reads each entry's verdict from its context; a verdict that changed is logged
 *   once: "ocsp: listener L certificate C: stapling, valid until T" or "...: not stapled: WHY";
 * - a timer per entry notices a staple that expires while the daemon runs, and logs it once;
 * - on listeners with ocsp_refresh the same timer fetches a fresh response from the leaf's
 *   responder (ocsp_refresh.h) once half of the current one's validity is left, or at once
 *   without a valid one; a valid answer is written to the entry's ocsp file (CERT.ocsp without
 *   one) and installed in the running context, with no reload; a failed fetch keeps the old
 *   staple and retries after an exponential back-off (10 s to 1 h).
 * An entry is known by its listener's name and its certificate file, which names it in logs and
 * metrics; counters carry over reloads that keep both. Entries a reload drops are freed with
 * their timers and fetches in flight. /metrics reads entries through ocsp_monitor_entry(). */
#ifndef UNITLSD_OCSP_MONITOR_H
#define UNITLSD_OCSP_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <unitls/ocsp.h>

#include "daemon/runtime.h"

struct settings; /* settings.h: the configuration a generation was built from */

struct ocsp_monitor;

/* A monitor whose timers and fetches run on base. NULL when memory runs out. */
struct ocsp_monitor *ocsp_monitor_new(struct event_base *base);

/* Follows generation g, built from settings s (listener i of g is listener i of s): entries of
 * certificates still configured keep their state and counters and move to g's contexts (a
 * fetched response that could not be written to its file is installed in a new context when
 * it is fresher than the file's); new entries are checked and logged; entries no longer
 * configured are freed. */
void ocsp_monitor_update(struct ocsp_monitor *m, const struct settings *s,
                         const struct generation *g);

/* What /metrics shows of one entry; strings are the monitor's, valid until the next update. */
struct ocsp_entry_view {
    const char *listener;
    const char *certificate;       /* the certificate file, as configured */
    enum unitls_ocsp_state state;  /* as last checked: at every change of response, and at
                                      the staple's nextUpdate */
    int64_t next_update;           /* seconds since the epoch; 0 when unknown */
    int refresh;                   /* the listener has ocsp_refresh */
    uint64_t refreshes;            /* valid responses fetched and installed */
    uint64_t refresh_failures;     /* fetches that failed or brought no valid response */
};

size_t ocsp_monitor_size(const struct ocsp_monitor *m);
/* Entry i (below ocsp_monitor_size) into *out. */
void ocsp_monitor_entry(const struct ocsp_monitor *m, size_t i, struct ocsp_entry_view *out);

/* Cancels fetches, stops timers, frees; m may be NULL. Before the event base is freed. */
void ocsp_monitor_free(struct ocsp_monitor *m);

#endif
