/* conn_proxy: a connection's first phase on a listener with accept_proxy, before any TLS:
 * refusing a source outside the trusted ranges at accept, reading a trusted one's PROXY header
 * (proxy_in.h) as it arrives, taking the client it names, and refusing a header that is
 * missing, malformed, of a version not taken or late. conn.h states the behaviour;
 * conn_internal.h, what conn.c calls here. */
#include "daemon/conn_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/log.h"

/* --- the balancer's PROXY header (accept_proxy) ------------------------------------------- */

static enum failure_reason proxy_reason_of(enum proxy_in_problem problem)
{
    return problem == PROXY_IN_NOT_PROXY ? FAILURE_PROXY_NO_HEADER
           : problem == PROXY_IN_VERSION ? FAILURE_PROXY_VERSION : FAILURE_PROXY_MALFORMED;
}

/* Ends c in PHASE_PROXY; conn_free logs and counts it with the reason in words. */
void __attribute__((format(printf, 3, 4)))
conn_proxy_refuse(struct conn *c, enum failure_reason reason, const char *fmt, ...)
{
    va_list ap;
    c->proxy->reason = reason;
    va_start(ap, fmt);
    vsnprintf(c->proxy->why, sizeof c->proxy->why, fmt, ap);
    va_end(ap);
    conn_fail(c, END_PROXY, 0);
}

/* A header that names a client makes it the connection's client; LOCAL, UNKNOWN and UNSPEC
 * (health checks, or a balancer that cannot tell) leave the balancer as the client, and so
 * does a UNIX-family source: it has no network address to log or hand on. */
static void proxy_apply(struct conn *c, const struct proxy_in_header *h)
{
    if (h->local || h->source.ss_family == AF_UNIX || h->source_len > sizeof c->peer ||
        h->destination_len > sizeof c->reached)
        return;
    c->balancer = c->peer;
    c->balancer_len = c->peer_len;
    memcpy(&c->peer, &h->source, h->source_len);
    c->peer_len = h->source_len;
    memcpy(&c->reached, &h->destination, h->destination_len);
    c->reached_len = h->destination_len;
}

/* The client's bytes that came with the header go to TLS as if just received. */
static int proxy_hand_over(struct conn *c, const uint8_t *data, size_t n)
{
    while (n > 0) {
        uint8_t *room = NULL;
        size_t cap = 0;
        if (unitls_buffer_incoming_reserve(c->tls, &room, &cap) != UNITLS_OK || cap == 0)
            return -1;
        size_t take = n < cap ? n : cap;
        memcpy(room, data, take);
        unitls_buffer_incoming_commit(c->tls, take);
        data += take;
        n -= take;
    }
    return 0;
}

static void proxy_done(struct conn *c, const struct proxy_in_header *h)
{
    struct proxy_wait *w = c->proxy;
    proxy_apply(c, h);
    if (proxy_hand_over(c, w->buf + h->header_len, w->len - h->header_len) != 0) {
        conn_fail(c, END_NOMEM, ENOMEM);
        return;
    }
    free(w);
    c->proxy = NULL;
    c->phase = PHASE_HANDSHAKE;
}

/* One recv of the header: 1 once it is whole (the handshake may start), else 0 (wait for
 * more, or c was refused). */
int conn_proxy_read(struct conn *c)
{
    struct proxy_wait *w = c->proxy;
    size_t room = sizeof w->buf - w->len;
    ssize_t n = room > 0 ? recv(c->client_fd, w->buf + w->len, room, 0) : 0;
    int err = errno;
    if (n < 0 && would_block(err))
        return 0;
    if (n <= 0) {
        char errbuf[128];
        conn_proxy_refuse(c, FAILURE_PROXY_PEER_CLOSED,
                          "%s before a whole PROXY header (%zu bytes)",
                          n == 0 ? "closed" : strerror_r(err, errbuf, sizeof errbuf), w->len);
        return 0;
    }
    w->len += (size_t)n;
    struct proxy_in_header h;
    enum proxy_in_problem problem = PROXY_IN_MALFORMED;
    char why[sizeof w->why];
    enum proxy_in_status st = proxy_in_parse(w->buf, w->len, c->listener->accept_proxy, &h,
                                             &problem, why, sizeof why);
    if (st == PROXY_IN_INVALID)
        conn_proxy_refuse(c, proxy_reason_of(problem), "%s", why);
    else if (st == PROXY_IN_DONE)
        proxy_done(c, &h);
    return st == PROXY_IN_DONE && !(c->flags & F_DEAD);
}

/* Counts and logs (rate-limited) a PROXY refusal: the peer is the balancer (or whoever
 * connected), as no header named a client. */
void conn_proxy_refusal_note(struct conn_env *env, const char *listener,
                             const struct sockaddr *peer, socklen_t peer_len,
                             enum failure_reason reason, const char *why)
{
    char client[128];
    log_format_address(peer, peer_len, client, sizeof client);
    struct failure_note n = {.listener = listener, .client = client, .reason = reason,
                             .facts = why};
    if (failure_log_note(&env->failures, &n, conn_env_clock_ms(env)) &&
        !evtimer_pending(env->failure_flush, NULL))
        conn_failure_flush_arm(env, FAILURE_LOG_WINDOW_MS);
}

/* A source accept_proxy does not trust is refused at once, before anything is allocated:
 * counted, logged (rate-limited) and given its access line. */
void conn_proxy_refuse_untrusted(struct conn_env *env, struct runtime_listener *l, int fd,
                                 const struct sockaddr *peer, socklen_t peer_len)
{
    static const char why[] = "untrusted source: not in accept_proxy.trusted";
    counter_add(&env->counters.accepted, 1);
    counter_add(&env->counters.closed, 1);
    conn_proxy_refusal_note(env, l->name, peer, peer_len, FAILURE_PROXY_UNTRUSTED, why);
    if (l->log_access && log_enabled(LOG_PRIO_INFO)) {
        struct log_access_record r = {.listener = l->name, .client = peer,
                                      .client_len = peer_len, .end = conn_end_names[END_PROXY],
                                      .detail = why};
        log_access(&r);
    }
    close(fd);
    runtime_listener_release(l); /* as a failed conn_start: the accept loop goes on */
}
