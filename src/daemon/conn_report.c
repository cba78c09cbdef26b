/* conn_report: how a connection ended, told once it has: the counters of its end, its access
 * line, and the failure log's lines for a failed handshake or backend. conn.h states what is
 * reported; conn_internal.h, what conn.c calls here. */
#include "daemon/conn_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <unitls/ocsp.h>

#include "daemon/log.h"

const char *const conn_end_names[] = {
    [END_CLEAN] = "clean", [END_RAGGED] = "ragged",
    [END_TIMEOUT_HANDSHAKE] = "timeout: handshake", [END_TIMEOUT_CONNECT] = "timeout: connect",
    [END_TIMEOUT_IDLE] = "timeout: idle", [END_BACKEND_REFUSED] = "backend refused",
    [END_BACKEND_ERROR] = "backend error", [END_CLIENT_ERROR] = "client error",
    [END_TLS_ERROR] = "tls error", [END_SHUTDOWN] = "shutdown", [END_NOMEM] = "out of memory",
    [END_PROXY] = "proxy refused",
};

/* --- the end -------------------------------------------------------------------------------- */

static const char *end_detail(const struct conn *c, char *buf, size_t cap)
{
    if (c->end == END_TLS_ERROR)
        return unitls_buffer_last_error(c->tls)->message;
    if (c->end == END_PROXY && c->proxy)
        return c->proxy->why;
    if (c->end_errno == 0)
        return NULL;
    return strerror_r(c->end_errno, buf, cap);
}

/* For the access line: "stapled", or why not when the client asked (a resumed session sends
 * no certificate, so no staple); NULL when it did not ask. */
static const char *ocsp_stapling_word(const unitls_buffer *tls)
{
    enum unitls_ocsp_state state = UNITLS_OCSP_ABSENT;
    enum unitls_ocsp_stapling stapling = unitls_buffer_ocsp_stapling(tls, &state);
    if (stapling == UNITLS_OCSP_NOT_REQUESTED)
        return NULL;
    if (stapling == UNITLS_OCSP_STAPLED)
        return "stapled";
    return unitls_buffer_session_resumed(tls) ? "resumed" : unitls_ocsp_state_name(state);
}

void conn_access_log(const struct conn *c, const char *failure)
{
    char errbuf[128];
    const uint8_t *alpn = NULL;
    size_t alpn_len = 0;
    if (unitls_buffer_negotiated_protocol(c->tls, &alpn, &alpn_len) != UNITLS_OK)
        alpn = NULL;
    enum unitls_tls_version version = (enum unitls_tls_version)c->tls_version;
    uint64_t now = conn_env_clock_ms(c->env);
    struct log_access_record r = {
        .listener = c->listener->name,
        .client = &c->peer.sa,
        .client_len = c->peer_len,
        .via = c->balancer_len > 0 ? &c->balancer.sa : NULL,
        .via_len = c->balancer_len,
        .sni = unitls_buffer_server_name(c->tls),
        .alpn = alpn,
        .alpn_len = alpn_len,
        .tls_version = version != UNITLS_TLS_VERSION_UNSET ? unitls_tls_version_name(version)
                                                           : NULL,
        .cipher = unitls_cipher_suite_name(c->cipher),
        .bytes_in = c->bytes_in,
        .bytes_out = c->bytes_out,
        .duration_ms = now > c->started_ms ? now - c->started_ms : 0,
        .end = conn_end_names[c->end],
        .detail = end_detail(c, errbuf, sizeof errbuf),
        .failure = failure,
        /* Only an insecure listener negotiates these: its connections stand out. */
        .legacy = version == UNITLS_TLSv1_0 || version == UNITLS_TLSv1_1
                      ? unitls_tls_version_name(version) : NULL,
        .ocsp = ocsp_stapling_word(c->tls),
        .resumed = (c->phase == PHASE_CONNECT || c->phase == PHASE_RELAY) &&
                   unitls_buffer_session_resumed(c->tls),
        .backend = conn_backend(c) ? conn_backend(c)->config.address.text : NULL,
    };
    log_access(&r);
}

/* --- failed handshakes ---------------------------------------------------------------------- */

/* A handshake that failed, not one we cut short (shutdown). */
int conn_handshake_failed(const struct conn *c)
{
    return c->phase == PHASE_HANDSHAKE && c->end != END_SHUTDOWN;
}

/* The library tells what the bytes showed; the daemon knows its own timeout, and an EOF or a
 * reset the library could not place is the peer closing. */
static enum failure_reason failure_reason_of(const struct conn *c,
                                             enum unitls_handshake_failure lib)
{
    if (c->end == END_TIMEOUT_HANDSHAKE)
        return FAILURE_TIMEOUT;
    if (lib != UNITLS_HANDSHAKE_FAILURE_NONE)
        return failure_reason_from_library(lib);
    if (c->end == END_RAGGED || (c->end == END_CLIENT_ERROR &&
                                 (c->end_errno == ECONNRESET || c->end_errno == EPIPE)))
        return FAILURE_PEER_CLOSED;
    return FAILURE_OTHER;
}

void conn_failure_flush_arm(struct conn_env *env, uint64_t ms)
{
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000u),
                         .tv_usec = (suseconds_t)(ms % 1000u) * 1000};
    evtimer_add(env->failure_flush, &tv);
}

/* Says how many failure lines a finished window suppressed, when no later failure did. */
void conn_on_failure_flush(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    struct conn_env *env = arg;
    uint64_t now = conn_env_clock_ms(env), due = 0;
    if (failure_log_flush_lines(&env->failures, now, &due))
        conn_failure_flush_arm(env, due > now ? due - now : 1);
}

/* Counts and logs (rate-limited) c's failed handshake, and writes "reason=R FACTS" into
 * described for the access line. */
void conn_failure_report(struct conn *c, char *described, size_t cap)
{
    char facts[FAILURE_FACTS_MAX] = "", client[128];
    enum unitls_handshake_failure lib = unitls_buffer_handshake_failure(c->tls, facts,
                                                                        sizeof facts);
    failure_facts_sanitize(facts);
    failure_facts_trim(facts, sizeof facts);
    log_format_address(&c->peer.sa, c->peer_len, client, sizeof client);
    struct failure_note n = {.listener = c->listener->name, .client = client,
                             .reason = failure_reason_of(c, lib), .facts = facts};
    if (failure_log_note(&c->env->failures, &n, conn_env_clock_ms(c->env)) &&
        !evtimer_pending(c->env->failure_flush, NULL))
        conn_failure_flush_arm(c->env, FAILURE_LOG_WINDOW_MS);
    snprintf(described, cap, "reason=%s%s%s", failure_reason_name(n.reason), facts[0] ? " " : "",
             facts);
}

/* One line per listener per RUNTIME_BACKEND_LOG_MS, saying how many failed meanwhile: a
 * dead backend under load must not flood the log (each connection's access line and the
 * backend_failures counters still count every one). */
static void backend_failure_log(struct conn *c, enum conn_end end, int err)
{
    uint64_t unlogged = 0;
    if (!runtime_listener_backend_log_due(c->listener, conn_env_clock_ms(c->env), &unlogged))
        return;
    char errbuf[128], more[96] = "";
    if (unlogged > 0)
        snprintf(more, sizeof more, " (and %" PRIu64 " more failures since the last such line)",
                 unlogged);
    log_warn("listener %s: backend %s: %s%s", c->listener->name,
             conn_backend(c)->config.address.text,
             end == END_TIMEOUT_CONNECT ? "connect timed out"
                                        : strerror_r(err, errbuf, sizeof errbuf),
             more);
}

void conn_backend_failure(struct conn *c, enum conn_end end, int err, int mark_down)
{
    counter_add(&c->env->counters.backend_failures, 1);
    if (mark_down)
        backend_pool_failed(&c->listener->backends, c->plan.current, conn_env_clock_ms(c->env));
    backend_failure_log(c, end, err);
}

void conn_count_end(struct conn *c)
{
    struct conn_counters *k = &c->env->counters;
    counter_add(&k->closed, 1);
    if (conn_handshake_failed(c))
        counter_add(&k->handshake_failures, 1);
}
