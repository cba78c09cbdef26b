/* client: building a client SSL_CTX from a configuration, and client buffers. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <unitls/insecure.h>

#include "client.h"
#include "core/error.h"
#include "core/tls_params.h"
#include "iobio.h"
#include "resolve.h"
#include "core/session_cache.h"
#include "settings.h"
#include "tls_error.h"
#include "tlsbuffer.h"

struct client_state {
    SSL_CTX *ctx;
    BIO_METHOD *bio_method;
    struct session_cache *sessions; /* NULL when resumption is off */
    int verify_peer;
    int check_hostname;
};

static void state_free(struct client_state *st)
{
    if (!st)
        return;
    SSL_CTX_free(st->ctx);
    BIO_meth_free(st->bio_method);
    session_cache_free(st->sessions);
    free(st);
}

/* OpenSSL hands every new session (a TLS 1.3 ticket, or a TLS 1.2 session) to the context.
 * The cache keeps a copy: OpenSSL marks a connection's own session unresumable when the
 * connection is freed without close_notify, a TLS 1.0-era rule that would make resumption
 * depend on how the previous connection happened to end. */
static int on_new_session(SSL *ssl, SSL_SESSION *sess)
{
    const struct client_state *st = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    const struct tlsbuffer *b = tlsbuffer_of(ssl);
    if (!st || !st->sessions || !b || !b->has_server_name)
        return 0;
    SSL_SESSION *copy = SSL_SESSION_is_resumable(sess) ? SSL_SESSION_dup(sess) : NULL;
    if (copy)
        session_cache_put(st->sessions, b->server_name, copy);
    return 0;
}

/* 1 when sessions a and b carry the same ticket (or neither has one). */
static int same_ticket(const void *a, const void *b)
{
    const unsigned char *ta = NULL, *tb = NULL;
    size_t la = 0, lb = 0;
    SSL_SESSION_get0_ticket(a, &ta, &la);
    SSL_SESSION_get0_ticket(b, &tb, &lb);
    return la == lb && (la == 0 || memcmp(ta, tb, la) == 0);
}

/* A resumed TLS 1.2 handshake can bring a renewed ticket: a server that rotated its ticket
 * keys renews tickets sealed with an older one. OpenSSL hands sessions to on_new_session
 * after full handshakes only, so the renewed one is taken here, once the handshake is done,
 * when its ticket differs from the one the cache holds (compared in place: no copy on a
 * handshake that renewed nothing). TLS 1.3 tickets always arrive as new sessions. */
static void on_info(const SSL *ssl, int where, int ret)
{
    (void)ret;
    if (!(where & SSL_CB_HANDSHAKE_DONE) || !SSL_session_reused(ssl) ||
        SSL_version(ssl) >= TLS1_3_VERSION)
        return;
    const struct client_state *st = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    const struct tlsbuffer *b = tlsbuffer_of(ssl);
    SSL_SESSION *now = SSL_get_session(ssl);
    if (!st || !st->sessions || !b || !b->has_server_name || !now || !SSL_SESSION_has_ticket(now))
        return;
    /* on_new_session does not change the connection; OpenSSL's callback type has it mutable. */
    if (!session_cache_holds(st->sessions, b->server_name, now, same_ticket))
        on_new_session((SSL *)(uintptr_t)ssl, now);
}

static void *session_hold(void *s) { return SSL_SESSION_up_ref(s) ? s : NULL; }

static void *session_copy(void *s) { return SSL_SESSION_dup(s); }

static void session_release(void *s) { SSL_SESSION_free(s); }

static const struct session_cache_ops session_ops = {session_hold, session_copy,
                                                     session_release};

/* A buffer created without a server name must not pass the hostname check. */
static int verify_without_name(int preverify_ok, X509_STORE_CTX *x)
{
    if (preverify_ok && X509_STORE_CTX_get_error_depth(x) == 0) {
        X509_STORE_CTX_set_error(x, X509_V_ERR_HOSTNAME_MISMATCH);
        return 0;
    }
    return preverify_ok;
}

static unitls_status verification_apply(SSL_CTX *ctx, const unitls_client_config *cfg,
                                        unitls_error *err)
{
    if (unitls_client_config_verification_disabled(cfg)) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return UNITLS_OK;
    }
    X509_STORE *store = NULL;
    unitls_status st = resolve_trust_store(unitls_client_config_trust_store(cfg), &store, NULL,
                                           err);
    if (st != UNITLS_OK)
        return st;
    SSL_CTX_set_cert_store(ctx, store);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    return UNITLS_OK;
}

static unitls_status own_chain_apply(SSL_CTX *ctx, const unitls_client_config *cfg,
                                     unitls_error *err)
{
    const unitls_signing_chain *chain = unitls_client_config_certificate_chain(cfg);
    if (!chain)
        return UNITLS_OK;
    struct keydecoder *kd = keydecoder_new();
    if (!kd)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "client certificate chain: out of memory");
    struct resolved_chain r;
    unitls_status st = resolve_chain(kd, chain, &r, err);
    keydecoder_free(kd);
    if (st != UNITLS_OK)
        return st;
    if (!SSL_CTX_use_cert_and_key(ctx, r.leaf, r.key, r.chain, 1))
        st = tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION,
                                  "client certificate chain cannot be used");
    resolved_chain_clear(&r);
    return st;
}

static unitls_status alpn_apply(SSL_CTX *ctx, const unitls_client_config *cfg,
                                unitls_error *err)
{
    uint8_t *wire = NULL;
    size_t len = 0;
    unitls_status st = UNITLS_OK;
    for (size_t i = 0; st == UNITLS_OK && i < unitls_client_config_n_inner_protocols(cfg); i++) {
        size_t n = 0;
        const uint8_t *p = unitls_client_config_inner_protocol(cfg, i, &n);
        st = tls_params_alpn_append(&wire, &len, p, n, err);
    }
    /* SSL_CTX_set_alpn_protos returns 0 on success. */
    if (st == UNITLS_OK && wire && SSL_CTX_set_alpn_protos(ctx, wire, (unsigned)len) != 0)
        st = tls_error_from_queue(err, UNITLS_ERR_NOMEM, "ALPN protocols");
    free(wire);
    return st;
}

static unitls_status resumption_apply(struct client_state *st, const unitls_client_config *cfg,
                                      unitls_error *err)
{
    if (!unitls_client_config_session_resumption(cfg)) {
        SSL_CTX_set_session_cache_mode(st->ctx, SSL_SESS_CACHE_OFF);
        return UNITLS_OK;
    }
    st->sessions = session_cache_new(&session_ops);
    if (!st->sessions)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "client session cache: out of memory");
    SSL_CTX_set_session_cache_mode(st->ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
    SSL_CTX_sess_set_new_cb(st->ctx, on_new_session);
    SSL_CTX_set_info_callback(st->ctx, on_info);
    return UNITLS_OK;
}

static unitls_status state_build(const unitls_client_config *cfg, struct client_state **out,
                                 unitls_error *err)
{
    ERR_clear_error();
    struct client_state *st = calloc(1, sizeof *st);
    if (!st || !(st->ctx = SSL_CTX_new(TLS_client_method())) ||
        !(st->bio_method = iobio_method_new())) {
        state_free(st);
        return tls_error_from_queue(err, UNITLS_ERR_NOMEM, "client context: creating SSL_CTX");
    }
    SSL_CTX_set_app_data(st->ctx, st);
    size_t n_ciphers = 0;
    const uint16_t *ciphers = unitls_client_config_ciphers(cfg, &n_ciphers);
    struct settings s = {ciphers, n_ciphers, unitls_client_config_lowest_supported_version(cfg),
                         unitls_client_config_highest_supported_version(cfg), 0,
                         unitls_client_config_security_level_lowered(cfg), NULL, 0};
    s.groups = unitls_client_config_groups(cfg, &s.n_groups);
    st->verify_peer = !unitls_client_config_verification_disabled(cfg);
    st->check_hostname = st->verify_peer && !unitls_client_config_hostname_check_disabled(cfg);
    unitls_status rc = settings_apply(st->ctx, &s, err);
    if (rc == UNITLS_OK)
        rc = verification_apply(st->ctx, cfg, err);
    if (rc == UNITLS_OK)
        rc = own_chain_apply(st->ctx, cfg, err);
    if (rc == UNITLS_OK)
        rc = alpn_apply(st->ctx, cfg, err);
    if (rc == UNITLS_OK)
        rc = resumption_apply(st, cfg, err);
    ERR_clear_error();
    if (rc != UNITLS_OK) {
        state_free(st);
        return rc;
    }
    *out = st;
    return UNITLS_OK;
}

unitls_status openssl_validate_client_config(const unitls_client_config *cfg, unitls_error *err)
{
    struct client_state *st = NULL;
    unitls_status rc = state_build(cfg, &st, err);
    state_free(st);
    return rc;
}

unitls_status openssl_client_context_init(unitls_client_context *ctx, void **state,
                                          unitls_error *err)
{
    struct client_state *st = NULL;
    unitls_status rc = state_build(unitls_client_context_configuration(ctx), &st, err);
    if (rc == UNITLS_OK)
        *state = st;
    return rc;
}

void openssl_client_context_fini(void *state) { state_free(state); }

static int is_ip_literal(const char *host)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* SNI, the hostname check and a remembered session for host. */
static unitls_status buffer_aim(struct tlsbuffer *b, const struct client_state *st,
                                const char *host, unitls_error *err)
{
    size_t len = strlen(host);
    if (len == 0 || len > SNI_NAME_MAX)
        return error_set(err, UNITLS_ERR_INVALID, 0,
                         "server hostname of %zu bytes (1 to %d expected)", len, SNI_NAME_MAX);
    tlsbuffer_set_server_name(b, host, len);
    int ip = is_ip_literal(host);
    int ok = ip || SSL_set_tlsext_host_name(b->ssl, host);
    if (ok && st->check_hostname)
        ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(b->ssl), host)
                : SSL_set1_host(b->ssl, host);
    if (!ok)
        return tls_error_from_queue(err, UNITLS_ERR_INVALID, "server hostname %s", host);
    SSL_SESSION *sess = st->sessions ? session_cache_get(st->sessions, host) : NULL;
    if (sess) {
        SSL_set_session(b->ssl, sess);
        SSL_SESSION_free(sess);
    }
    return UNITLS_OK;
}

unitls_buffer *openssl_client_buffer_new(unitls_client_context *ctx, void *state,
                                         const char *server_hostname, unitls_error *err)
{
    const struct client_state *st = state;
    struct tlsbuffer *b = tlsbuffer_new(st->ctx, st->bio_method, err);
    if (!b)
        return NULL;
    if (server_hostname && buffer_aim(b, st, server_hostname, err) != UNITLS_OK) {
        tlsbuffer_discard(b);
        return NULL;
    }
    if (!server_hostname && st->check_hostname)
        SSL_set_verify(b->ssl, SSL_VERIFY_PEER, verify_without_name);
    ERR_clear_error();
    return tlsbuffer_start(b, ctx, NULL);
}
