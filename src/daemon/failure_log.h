/* failure_log: one worker's count of failed handshakes per listener and reason, and the rate
 * limit on their log lines.
 *
 * Every failure is counted (for /metrics: unitlsd_handshake_failures_total{listener,reason});
 * its log line is allowed for at most FAILURE_LOG_LINES_PER_S failures of one listener and
 * reason in a window of FAILURE_LOG_WINDOW_MS starting at the window's first line. The failures
 * a window suppressed are reported once: by the next window's first line (failure_log_record
 * hands them over) or, when no failure comes, by failure_log_flush once the window is over.
 *
 * A failure_log belongs to one worker thread: recording and flushing take no lock and are
 * called by that thread only. The counts are single-writer relaxed atomics, and a listener's
 * entry, once added, is published with a release store and never changed or removed until
 * failure_log_fini; so any thread may read the counts (failure_log_counts) while the worker
 * runs. So the rate limit, too, is per worker: with N workers a flood can log up to N times
 * the limit; a shared limit would need a lock or atomics on every failure, and losing that
 * factor is the cheaper trade.
 *
 * Listeners are known by name: a listener kept across a reload keeps its counts. Entries are
 * allocated on a listener's first failure in this worker (not per failure) and live until
 * failure_log_fini. */
#ifndef UNITLSD_FAILURE_LOG_H
#define UNITLSD_FAILURE_LOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <unitls/buffer.h>

#define FAILURE_LOG_LINES_PER_S 10u
#define FAILURE_LOG_WINDOW_MS 1000u
/* Listener names are at most 64 characters (settings_listener.c). */
#define FAILURE_LOG_NAME_MAX 64u

/* Why a handshake failed, as the daemon reports it. */
enum failure_reason {
    FAILURE_VERSION,
    FAILURE_CIPHER,
    FAILURE_GROUP,
    FAILURE_SNI,
    FAILURE_ALPN,
    FAILURE_CLIENT_CERTIFICATE,
    FAILURE_NOT_TLS,
    FAILURE_TIMEOUT,      /* the daemon's handshake timeout fired */
    FAILURE_PEER_CLOSED,
    FAILURE_OTHER,
    /* A listener with accept_proxy refused the connection before TLS (proxy_in.h): */
    FAILURE_PROXY_UNTRUSTED,   /* from a source not in accept_proxy.trusted */
    FAILURE_PROXY_NO_HEADER,   /* a trusted source's bytes were no PROXY header */
    FAILURE_PROXY_MALFORMED,   /* a PROXY header the specification forbids, or too long */
    FAILURE_PROXY_VERSION,     /* a PROXY version accept_proxy.versions does not list */
    FAILURE_PROXY_TIMEOUT,     /* no whole header within the handshake timeout */
    FAILURE_PROXY_PEER_CLOSED, /* closed or reset before a whole header */
    FAILURE_REASONS       /* how many there are */
};

/* The reasons below FAILURE_HANDSHAKE_REASONS are handshake failures; the others are PROXY
 * refusals (unitlsd_proxy_rejected_total), counted and rate-limited the same way. */
#define FAILURE_HANDSHAKE_REASONS FAILURE_PROXY_UNTRUSTED
#define FAILURE_IS_PROXY(r) ((r) >= FAILURE_PROXY_UNTRUSTED && (r) < FAILURE_REASONS)

/* "version", "cipher", "group", "sni", "alpn", "client_certificate", "not_tls", "timeout",
 * "peer_closed", "other"; for PROXY refusals "untrusted", "no_header", "malformed",
 * "version_refused", "timeout", "peer_closed"; "other" for a value out of range. */
const char *failure_reason_name(enum failure_reason r);
/* The daemon's reason for the library's: its "certificate" is, on a server buffer, the
 * client's certificate; NONE (the library could not tell) and values out of range are
 * FAILURE_OTHER. */
enum failure_reason failure_reason_from_library(enum unitls_handshake_failure f);
/* Makes facts safe for a log line in place: bytes outside printable ASCII, and backslashes,
 * become '?' (the library promises printable facts; part of them come from the peer, so the
 * daemon does not rely on it). Quotes stay: the facts quote their own values. */
void failure_facts_sanitize(char *facts);
/* For facts the library cut at cap bytes (cap - 1 characters filled): ends them at the last
 * whole list item or pair instead, marked "...", with a quoted value closed again; facts that
 * were not cut are left alone. */
void failure_facts_trim(char *facts, size_t cap);

/* One listener's counts and windows (private to failure_log.c but for the fields' sake). */
struct failure_window {
    uint64_t start_ms;      /* when the window's first line was allowed */
    unsigned n_logged;      /* lines allowed in it; 0: no window yet */
    uint64_t n_suppressed;  /* failures not logged and not yet reported */
};

struct failure_entry {
    struct failure_entry *next;                /* set before the entry is published */
    char listener[FAILURE_LOG_NAME_MAX + 1];
    atomic_uint_fast64_t count[FAILURE_REASONS];
    struct failure_window window[FAILURE_REASONS];
};

struct failure_log {
    _Atomic(struct failure_entry *) head;
};

void failure_log_init(struct failure_log *fl);
/* Frees every entry: no other thread may read fl any more. */
void failure_log_fini(struct failure_log *fl);

enum failure_log_verdict {
    FAILURE_LOG_LINE,       /* log this failure's line */
    FAILURE_LOG_SUPPRESS    /* do not: the window's lines are used up */
};

/* Counts one failure of listener (a name, cut at FAILURE_LOG_NAME_MAX) for reason r at now_ms
 * and says whether to log its line. On FAILURE_LOG_LINE, *suppressed_before is how many
 * failures of this listener and reason the previous window suppressed and nobody reported yet
 * (to be said before this line); 0 otherwise. When no entry can be allocated the failure is not
 * counted and its line is allowed. A clock that steps back opens a new window. */
enum failure_log_verdict failure_log_record(struct failure_log *fl, const char *listener,
                                            enum failure_reason r, uint64_t now_ms,
                                            uint64_t *suppressed_before);

/* Calls report once for every listener and reason whose window ended by now_ms with failures
 * suppressed and not yet reported, and forgets them. Returns 1 when some window still holds
 * suppressed failures, with *next_due_ms the time its window ends (call again then); else 0.
 * now_ms UINT64_MAX reports everything (at shutdown). */
int failure_log_flush(struct failure_log *fl, uint64_t now_ms,
                      void (*report)(void *arg, const char *listener, enum failure_reason r,
                                     uint64_t n_suppressed),
                      void *arg, uint64_t *next_due_ms);

/* One failed handshake or PROXY refusal, for failure_log_note. */
struct failure_note {
    const char *listener;
    const char *client;          /* the peer's address, as text */
    enum failure_reason reason;
    const char *facts;           /* sanitised key=value pairs, may be ""; for a PROXY refusal
                                    the reason in words, printable ASCII */
};

/* Records n at now_ms (failure_log_record) and logs it at priority notice unless the window's
 * lines are used up:
 *   listener NAME: handshake failed: client=ADDR reason=R FACTS
 *   listener NAME: proxy: ADDR: FACTS (reason=R)          (a PROXY refusal)
 * preceded by the suppressed line of the previous window, if it has one. Returns 1 when the
 * line was suppressed: the caller then makes sure failure_log_flush_lines runs within
 * FAILURE_LOG_WINDOW_MS; else 0. */
int failure_log_note(struct failure_log *fl, const struct failure_note *n, uint64_t now_ms);
/* failure_log_flush writing each report as the line (priority notice)
 *   listener NAME: N handshake failures with reason=R not logged (at most 10 lines a second
 *   per listener and reason in each worker)
 * ("N PROXY refusals" for those reasons). 
 * Same return as failure_log_flush. */
int failure_log_flush_lines(struct failure_log *fl, uint64_t now_ms, uint64_t *next_due_ms);

/* Adds this worker's failure counts of listener to counts (indexed by reason). Any thread. */
void failure_log_counts(const struct failure_log *fl, const char *listener,
                        uint64_t counts[FAILURE_REASONS]);

#endif
