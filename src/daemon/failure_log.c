/* failure_log: per-worker failure counts and log rate limit; see failure_log.h. */
#include "daemon/failure_log.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"

static const char *const reason_names[FAILURE_REASONS] = {
    [FAILURE_VERSION] = "version",
    [FAILURE_CIPHER] = "cipher",
    [FAILURE_GROUP] = "group",
    [FAILURE_SNI] = "sni",
    [FAILURE_ALPN] = "alpn",
    [FAILURE_CLIENT_CERTIFICATE] = "client_certificate",
    [FAILURE_NOT_TLS] = "not_tls",
    [FAILURE_TIMEOUT] = "timeout",
    [FAILURE_PEER_CLOSED] = "peer_closed",
    [FAILURE_OTHER] = "other",
    [FAILURE_PROXY_UNTRUSTED] = "untrusted",
    [FAILURE_PROXY_NO_HEADER] = "no_header",
    [FAILURE_PROXY_MALFORMED] = "malformed",
    [FAILURE_PROXY_VERSION] = "version_refused",
    [FAILURE_PROXY_TIMEOUT] = "timeout",
    [FAILURE_PROXY_PEER_CLOSED] = "peer_closed",
};

const char *failure_reason_name(enum failure_reason r)
{
    return (unsigned)r < FAILURE_REASONS ? reason_names[r] : reason_names[FAILURE_OTHER];
}

enum failure_reason failure_reason_from_library(enum unitls_handshake_failure f)
{
    switch (f) {
    case UNITLS_HANDSHAKE_FAILURE_VERSION: return FAILURE_VERSION;
    case UNITLS_HANDSHAKE_FAILURE_CIPHER: return FAILURE_CIPHER;
    case UNITLS_HANDSHAKE_FAILURE_GROUP: return FAILURE_GROUP;
    case UNITLS_HANDSHAKE_FAILURE_SNI: return FAILURE_SNI;
    case UNITLS_HANDSHAKE_FAILURE_ALPN: return FAILURE_ALPN;
    case UNITLS_HANDSHAKE_FAILURE_CERTIFICATE: return FAILURE_CLIENT_CERTIFICATE;
    case UNITLS_HANDSHAKE_FAILURE_NOT_TLS: return FAILURE_NOT_TLS;
    case UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED: return FAILURE_PEER_CLOSED;
    case UNITLS_HANDSHAKE_FAILURE_NONE:
    case UNITLS_HANDSHAKE_FAILURE_OTHER:
    default: return FAILURE_OTHER;
    }
}

void failure_facts_sanitize(char *facts)
{
    for (; *facts; facts++)
        if ((unsigned char)*facts < 0x20 || (unsigned char)*facts > 0x7e || *facts == '\\')
            *facts = '?';
}

void failure_facts_trim(char *facts, size_t cap)
{
    size_t len = strlen(facts);
    if (cap < 8 || len + 1 < cap)
        return;
    size_t cut = len - 4; /* room for "...\"" */
    while (cut > 0 && facts[cut - 1] != ',' && facts[cut - 1] != ' ')
        cut--;
    size_t quotes = 0;
    for (size_t i = 0; i < cut; i++)
        quotes += facts[i] == '"';
    memcpy(facts + cut, "...", 3);
    facts[cut + 3] = (quotes % 2) ? '"' : '\0';
    facts[cut + 4] = '\0';
}

void failure_log_init(struct failure_log *fl) { atomic_init(&fl->head, NULL); }

void failure_log_fini(struct failure_log *fl)
{
    struct failure_entry *e = atomic_load_explicit(&fl->head, memory_order_relaxed);
    while (e) {
        struct failure_entry *next = e->next;
        free(e);
        e = next;
    }
    atomic_store_explicit(&fl->head, NULL, memory_order_relaxed);
}

/* Names compare as cut to FAILURE_LOG_NAME_MAX, the way they are stored. */
static struct failure_entry *entry_find(const struct failure_log *fl, const char *listener)
{
    struct failure_entry *e = atomic_load_explicit(&fl->head, memory_order_acquire);
    for (; e; e = e->next)
        if (strncmp(e->listener, listener, FAILURE_LOG_NAME_MAX) == 0)
            return e;
    return NULL;
}

/* The entry is complete before the release store makes it reachable to readers. */
static struct failure_entry *entry_add(struct failure_log *fl, const char *listener)
{
    struct failure_entry *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    strncpy(e->listener, listener, FAILURE_LOG_NAME_MAX);
    for (size_t r = 0; r < FAILURE_REASONS; r++)
        atomic_init(&e->count[r], 0);
    e->next = atomic_load_explicit(&fl->head, memory_order_relaxed);
    atomic_store_explicit(&fl->head, e, memory_order_release);
    return e;
}

/* Single writer: a relaxed load and store, no locked instruction. */
static void count_one(atomic_uint_fast64_t *counter)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

static int window_over(const struct failure_window *w, uint64_t now_ms)
{
    return now_ms < w->start_ms || now_ms - w->start_ms >= FAILURE_LOG_WINDOW_MS;
}

enum failure_log_verdict failure_log_record(struct failure_log *fl, const char *listener,
                                            enum failure_reason r, uint64_t now_ms,
                                            uint64_t *suppressed_before)
{
    *suppressed_before = 0;
    if ((unsigned)r >= FAILURE_REASONS)
        r = FAILURE_OTHER;
    struct failure_entry *e = entry_find(fl, listener);
    if (!e && !(e = entry_add(fl, listener)))
        return FAILURE_LOG_LINE;
    count_one(&e->count[r]);
    struct failure_window *w = &e->window[r];
    if (w->n_logged == 0 || window_over(w, now_ms)) {
        *suppressed_before = w->n_suppressed;
        w->n_suppressed = 0;
        w->start_ms = now_ms;
        w->n_logged = 1;
        return FAILURE_LOG_LINE;
    }
    if (w->n_logged < FAILURE_LOG_LINES_PER_S) {
        w->n_logged++;
        return FAILURE_LOG_LINE;
    }
    w->n_suppressed++;
    return FAILURE_LOG_SUPPRESS;
}

int failure_log_flush(struct failure_log *fl, uint64_t now_ms,
                      void (*report)(void *arg, const char *listener, enum failure_reason r,
                                     uint64_t n_suppressed),
                      void *arg, uint64_t *next_due_ms)
{
    int pending = 0;
    uint64_t next = UINT64_MAX;
    struct failure_entry *e = atomic_load_explicit(&fl->head, memory_order_relaxed);
    for (; e; e = e->next) {
        for (size_t r = 0; r < FAILURE_REASONS; r++) {
            struct failure_window *w = &e->window[r];
            if (w->n_suppressed == 0)
                continue;
            if (now_ms == UINT64_MAX || window_over(w, now_ms)) {
                report(arg, e->listener, (enum failure_reason)r, w->n_suppressed);
                w->n_suppressed = 0;
                continue;
            }
            pending = 1;
            if (w->start_ms + FAILURE_LOG_WINDOW_MS < next)
                next = w->start_ms + FAILURE_LOG_WINDOW_MS;
        }
    }
    if (pending)
        *next_due_ms = next;
    return pending;
}

void failure_log_counts(const struct failure_log *fl, const char *listener,
                        uint64_t counts[FAILURE_REASONS])
{
    const struct failure_entry *e = entry_find(fl, listener);
    if (!e)
        return;
    for (size_t r = 0; r < FAILURE_REASONS; r++)
        counts[r] += atomic_load_explicit(&e->count[r], memory_order_relaxed);
}

static void suppressed_line(void *arg, const char *listener, enum failure_reason r,
                            uint64_t n_suppressed)
{
    (void)arg;
    log_notice("listener %s: %" PRIu64 " %s with reason=%s not logged (at most "
               "%u lines a second per listener and reason in each worker)",
               listener, n_suppressed,
               FAILURE_IS_PROXY(r) ? "PROXY refusals" : "handshake failures",
               failure_reason_name(r), FAILURE_LOG_LINES_PER_S);
}

int failure_log_note(struct failure_log *fl, const struct failure_note *n, uint64_t now_ms)
{
    uint64_t suppressed = 0;
    if (failure_log_record(fl, n->listener, n->reason, now_ms, &suppressed) ==
        FAILURE_LOG_SUPPRESS)
        return 1;
    if (suppressed > 0)
        suppressed_line(NULL, n->listener, n->reason, suppressed);
    if (FAILURE_IS_PROXY(n->reason))
        log_notice("listener %s: proxy: %s: %s (reason=%s)", n->listener, n->client, n->facts,
                   failure_reason_name(n->reason));
    else
        log_notice("listener %s: handshake failed: client=%s reason=%s%s%s", n->listener,
                   n->client, failure_reason_name(n->reason), n->facts[0] ? " " : "", n->facts);
    return 0;
}

int failure_log_flush_lines(struct failure_log *fl, uint64_t now_ms, uint64_t *next_due_ms)
{
    return failure_log_flush(fl, now_ms, suppressed_line, NULL, next_due_ms);
}
