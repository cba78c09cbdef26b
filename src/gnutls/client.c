/* client: building a client context from a configuration, session blobs for the core's
 * session cache, and client buffers. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/insecure.h>

#include "client.h"
#include "core/error.h"
#include "core/refcount.h"
#include "core/session_cache.h"
#include "core/tls_params.h"
#include "priority.h"
#include "resolve.h"
#include "tlsbuffer.h"
#include "verify.h"

#define ALPN_MAX_PROTOCOLS 8     /* GnuTLS 3.7's MAX_ALPN_PROTOCOLS */
#define ALPN_MAX_NAME 31         /* below its MAX_ALPN_PROTOCOL_NAME */

struct client_state {
    struct gtls_priority priority;
    gnutls_certificate_credentials_t cred;
    struct gtls_chain *own;         /* for client authentication; NULL when none */
    gnutls_datum_t alpn[ALPN_MAX_PROTOCOLS];
    unsigned n_alpn;
    struct session_cache *sessions; /* NULL when resumption is off */
    unsigned init_flags;
    int check_hostname;
};

/* --- sessions: GnuTLS's packed session data, immutable and shared by reference --- */

struct session_blob {
    refcount refs;
    gnutls_datum_t data; /* holds the session's secrets: wiped when freed */
};

static void *blob_hold(void *s)
{
    refcount_inc(&((struct session_blob *)s)->refs);
    return s;
}

/* gnutls_session_set_data copies what it needs: a connection may share the blob. */
static void *blob_copy(void *s) { return blob_hold(s); }

static void blob_release(void *s)
{
    struct session_blob *blob = s;
    if (!blob || !refcount_dec(&blob->refs))
        return;
    gnutls_memset(blob->data.data, 0, blob->data.size);
    gnutls_free(blob->data.data);
    free(blob);
}

static const struct session_cache_ops session_ops = {blob_hold, blob_copy, blob_release};

/* Remembers the buffer's current session for its server name. */
static void session_remember(const struct gtls_buffer *b)
{
    const struct client_state *st = b->state;
    if (!st->sessions || !b->has_server_name)
        return;
    struct session_blob *blob = calloc(1, sizeof *blob);
    if (!blob)
        return;
    refcount_init(&blob->refs);
    if (gnutls_session_get_data2(b->session, &blob->data) < 0 || blob->data.size == 0) {
        gnutls_free(blob->data.data);
        free(blob);
        return;
    }
    session_cache_put(st->sessions, b->server_name, blob);
}

/* A TLS 1.3 ticket arrived: it is the session to offer next. */
static int on_ticket(gnutls_session_t session, unsigned htype, unsigned when,
                     unsigned incoming, const gnutls_datum_t *msg)
{
    (void)htype;
    (void)when;
    (void)incoming;
    (void)msg;
    session_remember(gtls_buffer_of(session));
    return 0;
}

/* A TLS 1.2 session is complete when its handshake is (its ticket came inside). */
static int after_handshake(struct gtls_buffer *b)
{
    if (gnutls_protocol_get_version(b->session) != GNUTLS_TLS1_3)
        session_remember(b);
    return 0;
}

/* --- the context --- */

static void state_free(struct client_state *st)
{
    if (!st)
        return;
    if (st->cred)
        gnutls_certificate_free_credentials(st->cred);
    gtls_priority_clear(&st->priority);
    gtls_chain_unref(st->own);
    for (unsigned i = 0; i < st->n_alpn; i++)
        free(st->alpn[i].data);
    session_cache_free(st->sessions);
    free(st);
}

static int own_retrieve(gnutls_session_t session, const struct gnutls_cert_retr_st *info,
                        gnutls_pcert_st **certs, unsigned *n_certs, gnutls_ocsp_data_st **ocsp,
                        unsigned *n_ocsp, gnutls_privkey_t *key, unsigned *flags)
{
    (void)info;
    const struct client_state *st = gtls_buffer_of(session)->state;
    *certs = gtls_chain_pcerts(st->own, n_certs);
    *key = gtls_chain_key(st->own);
    *ocsp = NULL;
    *n_ocsp = 0;
    *flags = 0; /* the chain is the context's: GnuTLS must not free it */
    return 0;
}

static unitls_status verification_apply(struct client_state *st,
                                        const unitls_client_config *cfg, unitls_error *err)
{
    if (unitls_client_config_verification_disabled(cfg))
        return UNITLS_OK;
    st->check_hostname = !unitls_client_config_hostname_check_disabled(cfg);
    unitls_status rc = gtls_trust_apply(st->cred, unitls_client_config_trust_store(cfg), err);
    if (rc == UNITLS_OK)
        gnutls_certificate_set_verify_function(st->cred, gtls_verify_peer);
    return rc;
}

static unitls_status own_chain_apply(struct client_state *st, const unitls_client_config *cfg,
                                     unitls_error *err)
{
    const unitls_signing_chain *chain = unitls_client_config_certificate_chain(cfg);
    if (!chain)
        return UNITLS_OK;
    unitls_status rc = gtls_chain_resolve(chain, &st->own, err);
    if (rc == UNITLS_OK)
        gnutls_certificate_set_retrieve_function3(st->cred, own_retrieve);
    return rc;
}

static unitls_status alpn_apply(struct client_state *st, const unitls_client_config *cfg,
                                unitls_error *err)
{
    size_t n = unitls_client_config_n_inner_protocols(cfg);
    if (n > ALPN_MAX_PROTOCOLS)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "ALPN: %zu protocols, but GnuTLS offers at most %d", n,
                         ALPN_MAX_PROTOCOLS);
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const uint8_t *p = unitls_client_config_inner_protocol(cfg, i, &len);
        if (len == 0 || len > ALPN_MAX_NAME)
            return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                             "ALPN protocol of %zu bytes (GnuTLS offers 1 to %d)", len,
                             ALPN_MAX_NAME);
        if (!(st->alpn[i].data = malloc(len)))
            return error_set(err, UNITLS_ERR_NOMEM, 0, "ALPN protocols: out of memory");
        memcpy(st->alpn[i].data, p, len);
        st->alpn[i].size = (unsigned)len;
        st->n_alpn = (unsigned)i + 1;
    }
    return UNITLS_OK;
}

static unitls_status resumption_apply(struct client_state *st, const unitls_client_config *cfg,
                                      unitls_error *err)
{
    st->init_flags = GNUTLS_CLIENT;
    if (!unitls_client_config_session_resumption(cfg)) {
        st->init_flags |= GNUTLS_NO_TICKETS;
        return UNITLS_OK;
    }
    st->sessions = session_cache_new(&session_ops);
    if (!st->sessions)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "client session cache: out of memory");
    return UNITLS_OK;
}

static unitls_status state_configure(struct client_state *st, const unitls_client_config *cfg,
                                     unitls_error *err)
{
    size_t n_ciphers = 0;
    const uint16_t *ciphers = unitls_client_config_ciphers(cfg, &n_ciphers);
    struct gtls_settings s = {ciphers, n_ciphers, unitls_client_config_lowest_supported_version(cfg),
                              unitls_client_config_highest_supported_version(cfg), 0,
                              unitls_client_config_security_level_lowered(cfg), NULL, 0};
    s.groups = unitls_client_config_groups(cfg, &s.n_groups);
    unitls_status rc = gtls_priority_build(&s, &st->priority, err);
    if (rc == UNITLS_OK)
        rc = verification_apply(st, cfg, err);
    if (rc == UNITLS_OK)
        rc = own_chain_apply(st, cfg, err);
    if (rc == UNITLS_OK)
        rc = alpn_apply(st, cfg, err);
    if (rc == UNITLS_OK)
        rc = resumption_apply(st, cfg, err);
    return rc;
}

static unitls_status state_build(const unitls_client_config *cfg, struct client_state **out,
                                 unitls_error *err)
{
    struct client_state *st = calloc(1, sizeof *st);
    int r = st ? gnutls_certificate_allocate_credentials(&st->cred) : GNUTLS_E_MEMORY_ERROR;
    if (r < 0) {
        state_free(st);
        return error_set(err, UNITLS_ERR_NOMEM, r, "client context: %s", gnutls_strerror(r));
    }
    unitls_status rc = state_configure(st, cfg, err);
    if (rc != UNITLS_OK) {
        state_free(st);
        return rc;
    }
    *out = st;
    return UNITLS_OK;
}

unitls_status gtls_validate_client_config(const unitls_client_config *cfg, unitls_error *err)
{
    struct client_state *st = NULL;
    unitls_status rc = state_build(cfg, &st, err);
    state_free(st);
    return rc;
}

unitls_status gtls_client_context_init(unitls_client_context *ctx, void **state,
                                       unitls_error *err)
{
    struct client_state *st = NULL;
    unitls_status rc = state_build(unitls_client_context_configuration(ctx), &st, err);
    if (rc == UNITLS_OK)
        *state = st;
    return rc;
}

void gtls_client_context_fini(void *state) { state_free(state); }

/* --- buffers --- */

static int is_ip_literal(const char *host)
{
    unsigned char addr[16];
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* SNI, the name to verify and a remembered session for host. */
static unitls_status buffer_aim(struct gtls_buffer *b, const struct client_state *st,
                                const char *host, unitls_error *err)
{
    size_t len = strlen(host);
    if (len == 0 || len > SNI_NAME_MAX)
        return error_set(err, UNITLS_ERR_INVALID, 0,
                         "server hostname of %zu bytes (1 to %d expected)", len, SNI_NAME_MAX);
    gtls_buffer_set_server_name(b, host, len);
    int r = is_ip_literal(host) ? 0 : gnutls_server_name_set(b->session, GNUTLS_NAME_DNS, host, len);
    if (r < 0)
        return error_set(err, UNITLS_ERR_INVALID, r, "server hostname %s: %s", host,
                         gnutls_strerror(r));
    struct session_blob *blob = st->sessions ? session_cache_get(st->sessions, host) : NULL;
    if (blob) {
        gnutls_session_set_data(b->session, blob->data.data, blob->data.size);
        blob_release(blob);
    }
    return UNITLS_OK;
}

static unitls_status buffer_configure(struct gtls_buffer *b, const struct client_state *st,
                                      const char *host, unitls_error *err)
{
    b->check_hostname = (uint8_t)st->check_hostname;
    if (st->sessions) {
        b->after_handshake = after_handshake;
        gnutls_handshake_set_hook_function(b->session, GNUTLS_HANDSHAKE_NEW_SESSION_TICKET,
                                           GNUTLS_HOOK_POST, on_ticket);
    }
    int r = st->n_alpn ? gnutls_alpn_set_protocols(b->session, st->alpn, st->n_alpn, 0) : 0;
    if (r < 0)
        return error_set(err, UNITLS_ERR_NOMEM, r, "ALPN protocols: %s", gnutls_strerror(r));
    return host ? buffer_aim(b, st, host, err) : UNITLS_OK;
}

unitls_buffer *gtls_client_buffer_new(unitls_client_context *ctx, void *state,
                                      const char *server_hostname, unitls_error *err)
{
    const struct client_state *st = state;
    struct gtls_buffer *b = gtls_buffer_new(st->init_flags, &st->priority, st->cred, st, err);
    if (!b)
        return NULL;
    if (buffer_configure(b, st, server_hostname, err) != UNITLS_OK) {
        gtls_buffer_discard(b);
        return NULL;
    }
    return gtls_buffer_start(b, ctx, NULL);
}
