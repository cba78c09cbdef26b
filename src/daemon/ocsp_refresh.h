/* ocsp_refresh: the parts of `ocsp_refresh: true` for one certificate, which ocsp_monitor.c
 * puts together on the main thread:
 * - when: ocsp_refresh_due() is the time to fetch given the current staple's verdict (at once
 *   without a valid one, else once half of its validity is left), and ocsp_refresh_backoff_s()
 *   the wait after consecutive failures;
 * - fetching: ocsp_fetch_start() POSTs an OCSPRequest (application/ocsp-request, RFC 6960
 *   appendix A.1) to the responder's http:// URL with libevent's HTTP client, bounded in time
 *   and in the size of the answer, and reports the outcome once, from its own event (never
 *   from inside evhttp), so that the callback may free the fetch;
 * - keeping: ocsp_file_replace() writes a response next to the certificate atomically, so that
 *   a reload or a restart reads either the old response or the new one, never half of one. */
#ifndef UNITLSD_OCSP_REFRESH_H
#define UNITLSD_OCSP_REFRESH_H

#include <stddef.h>
#include <stdint.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <unitls/ocsp.h>

/* Each phase of a fetch (connect, send, each read) may take this long... */
#define OCSP_FETCH_TIMEOUT_S 10
/* ...and the whole fetch this long. */
#define OCSP_FETCH_DEADLINE_S 30
/* A larger answer is no OCSP response for one certificate (they are a few KiB). */
#define OCSP_FETCH_MAX_BYTES (64u * 1024u)
/* The first retry after a failed fetch, and the longest wait between retries. */
#define OCSP_BACKOFF_FIRST_S 10u
#define OCSP_BACKOFF_MAX_S 3600u

/* When to fetch, in seconds since the epoch, for a staple with verdict info at now: now when it
 * is not valid (absent, expired, invalid); else when half of its validity (nextUpdate minus
 * thisUpdate) is left. */
int64_t ocsp_refresh_due(const struct unitls_ocsp_info *info, int64_t now);

/* The wait before the next try after n_failures (>= 1) consecutive failed fetches: 10 s
 * doubled per failure, at most an hour, less up to a fifth chosen by random (any value), so
 * that many certificates that failed together do not retry together. */
unsigned ocsp_refresh_backoff_s(unsigned n_failures, uint64_t random);

/* One fetch in flight. */
struct ocsp_fetch;

/* The outcome of a fetch: body (len bytes, valid during the call) when the responder answered
 * 200, else error (a sentence) with body NULL. The callee may free the fetch. */
typedef void (*ocsp_fetch_done_fn)(void *arg, const uint8_t *body, size_t len,
                                   const char *error);

/* POSTs request (request_len bytes, copied) to url, which must be http:// (an https:// or any
 * other URL is refused here, as unitlsd has no TLS client for responders), resolving its host
 * with dns (NULL: the blocking resolver). done is called once, later, from base's loop. NULL
 * with the reason in err when the fetch cannot start. */
struct ocsp_fetch *ocsp_fetch_start(struct event_base *base, struct evdns_base *dns,
                                    const char *url, const uint8_t *request, size_t request_len,
                                    ocsp_fetch_done_fn done, void *arg, char *err,
                                    size_t errlen);
/* Cancels a fetch still in flight (done is not called) or frees a finished one; NULL is a
 * no-op. */
void ocsp_fetch_free(struct ocsp_fetch *f);

/* Replaces path with der (len bytes): a temporary file in the same directory, written,
 * fsync'ed and renamed over path, then the directory synced. 0, or -1 with the reason in err
 * (path untouched; the temporary file removed). */
int ocsp_file_replace(const char *path, const uint8_t *der, size_t len, char *err,
                      size_t errlen);

#endif
