/* server: building a GnuTLS server context from a configuration, and server buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/insecure.h>

#include "core/cfgmsg.h"
#include "core/error.h"
#include "core/tls_params.h"
#include "server.h"
#include "server_state.h"
#include "ticket_key.h"
#include "tlsbuffer.h"
#include "verify.h"

#define AUTO_TICKETS 2  /* what GnuTLS 3.7 sends by itself after a TLS 1.3 handshake */
#define ALPN_MAX_NAME 31 /* below GnuTLS 3.7's MAX_ALPN_PROTOCOL_NAME */

static void state_free(struct server_state *st)
{
    if (!st)
        return;
    if (st->cred)
        gnutls_certificate_free_credentials(st->cred);
    gtls_priority_clear(&st->priority);
    gtls_chains_clear(&st->chains);
    free(st->alpn);
    if (st->ticket_key.data) {
        gnutls_memset(st->ticket_key.data, 0, st->ticket_key.size);
        gnutls_free(st->ticket_key.data);
    }
    free(st);
}

/* The chosen protocol is handed to GnuTLS, which holds names of at most 31 bytes. */
static unitls_status alpn_apply(struct server_state *st, const unitls_server_config *cfg,
                                unitls_error *err)
{
    unitls_status rc = UNITLS_OK;
    for (size_t i = 0; rc == UNITLS_OK && i < unitls_server_config_n_inner_protocols(cfg); i++) {
        size_t n = 0;
        const uint8_t *p = unitls_server_config_inner_protocol(cfg, i, &n);
        if (n > ALPN_MAX_NAME)
            return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                             "ALPN protocol of %zu bytes (GnuTLS negotiates 1 to %d)", n,
                             ALPN_MAX_NAME);
        rc = tls_params_alpn_append(&st->alpn, &st->alpn_len, p, n, err);
    }
    return rc;
}

static unitls_status client_auth_apply(struct server_state *st, const unitls_server_config *cfg,
                                       unitls_error *err)
{
    st->client_auth = unitls_server_config_client_auth(cfg);
    /* Disabled verification (insecure.h): the certificate is still asked for (and required, by
     * GNUTLS_CERT_REQUIRE), but no verify function looks at it. */
    if (st->client_auth == UNITLS_CLIENT_AUTH_NONE ||
        unitls_server_config_client_verification_disabled(cfg))
        return UNITLS_OK;
    unitls_status rc = gtls_trust_apply(st->cred, unitls_server_config_trust_store(cfg), err);
    const unitls_crl *crl = unitls_server_config_client_crl(cfg);
    if (rc == UNITLS_OK && crl)
        rc = gtls_crl_apply(st->cred, crl, err);
    if (rc == UNITLS_OK)
        gnutls_certificate_set_verify_function(st->cred, gtls_verify_peer);
    return rc;
}

/* GnuTLS sends AUTO_TICKETS by itself; any other number is sent after the handshake. The key
 * is derived from the configured keys (ticket_key.h), else made at random for this context. */
static unitls_status tickets_apply(struct server_state *st, const unitls_server_config *cfg,
                                   unitls_error *err)
{
    st->tickets = unitls_server_config_session_tickets(cfg);
    st->init_flags = GNUTLS_SERVER;
    if (st->tickets == 0) {
        st->init_flags |= GNUTLS_NO_TICKETS;
        return UNITLS_OK;
    }
    if (st->tickets != AUTO_TICKETS)
        st->init_flags |= GNUTLS_NO_AUTO_SEND_TICKET;
    const unitls_ticket_keys *keys = unitls_server_config_session_ticket_keys(cfg);
    if (keys)
        return gtls_ticket_key_derive(keys, &st->ticket_key, err);
    int r = gnutls_session_ticket_key_generate(&st->ticket_key);
    if (r < 0)
        return error_set(err, UNITLS_ERR_NOMEM, r, "session ticket key: %s", gnutls_strerror(r));
    return UNITLS_OK;
}

/* Sessions never set GNUTLS_ENABLE_EARLY_DATA, so GnuTLS refuses 0-RTT; a non-zero configured
 * amount is refused here rather than half supported (core/cfgmsg.h). */
static unitls_status early_data_check(const unitls_server_config *cfg, unitls_error *err)
{
    uint32_t n = unitls_server_config_max_early_data(cfg);
    if (n == 0)
        return UNITLS_OK;
    char library[64], msg[CFGMSG_SIZE];
    snprintf(library, sizeof library, "GnuTLS %s", gnutls_check_version(NULL));
    cfgmsg_early_data(n, library, msg, sizeof msg);
    return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
}

static unitls_status state_configure(struct server_state *st, const unitls_server_config *cfg,
                                     const struct server_state *prev, unitls_error *err)
{
    st->strict_sni = unitls_server_config_strict_sni(cfg);
    size_t n_ciphers = 0;
    const uint16_t *ciphers = unitls_server_config_ciphers(cfg, &n_ciphers);
    struct gtls_settings s = {ciphers, n_ciphers, unitls_server_config_lowest_supported_version(cfg),
                              unitls_server_config_highest_supported_version(cfg), 1,
                              unitls_server_config_security_level_lowered(cfg), NULL, 0};
    s.groups = unitls_server_config_groups(cfg, &s.n_groups);
    unitls_status rc = early_data_check(cfg, err);
    if (rc == UNITLS_OK)
        rc = gtls_priority_build(&s, &st->priority, err);
    if (rc == UNITLS_OK)
        rc = gtls_chains_build(cfg, prev ? &prev->chains : NULL, &st->chains, err);
    if (rc == UNITLS_OK)
        rc = alpn_apply(st, cfg, err);
    if (rc == UNITLS_OK)
        rc = client_auth_apply(st, cfg, err);
    if (rc == UNITLS_OK)
        rc = tickets_apply(st, cfg, err);
    if (rc == UNITLS_OK)
        gnutls_certificate_set_retrieve_function3(st->cred, gtls_server_retrieve);
    return rc;
}

static unitls_status state_build(const unitls_server_config *cfg,
                                 const struct server_state *prev, struct server_state **out,
                                 unitls_error *err)
{
    struct server_state *st = calloc(1, sizeof *st);
    int r = st ? gnutls_certificate_allocate_credentials(&st->cred) : GNUTLS_E_MEMORY_ERROR;
    if (r < 0) {
        state_free(st);
        return error_set(err, UNITLS_ERR_NOMEM, r, "server context: %s", gnutls_strerror(r));
    }
    unitls_status rc = state_configure(st, cfg, prev, err);
    if (rc != UNITLS_OK) {
        state_free(st);
        return rc;
    }
    *out = st;
    return UNITLS_OK;
}

unitls_status gtls_validate_server_config(const unitls_server_config *cfg, unitls_error *err)
{
    struct server_state *st = NULL;
    unitls_status rc = state_build(cfg, NULL, &st, err);
    state_free(st);
    return rc;
}

unitls_status gtls_server_context_init_derived(unitls_server_context *ctx, void **state,
                                               const void *previous_state, unitls_error *err)
{
    struct server_state *st = NULL;
    unitls_status rc =
        state_build(unitls_server_context_configuration(ctx), previous_state, &st, err);
    if (rc == UNITLS_OK)
        *state = st;
    return rc;
}

unitls_status gtls_server_context_init(unitls_server_context *ctx, void **state,
                                       unitls_error *err)
{
    return gtls_server_context_init_derived(ctx, state, NULL, err);
}

void gtls_server_context_fini(void *state) { state_free(state); }

/* TLS 1.3 tickets beyond (or instead of) GnuTLS's automatic pair. */
static int after_handshake(struct gtls_buffer *b)
{
    const struct server_state *st = b->state;
    if (st->tickets == 0 || st->tickets == AUTO_TICKETS ||
        gnutls_protocol_get_version(b->session) != GNUTLS_TLS1_3)
        return 0;
    return gnutls_session_ticket_send(b->session, st->tickets, 0);
}

static int session_configure(struct gtls_buffer *b, const struct server_state *st)
{
    int r = 0;
    if (st->ticket_key.data)
        r = gnutls_session_ticket_enable_server(b->session, &st->ticket_key);
    if (r == 0 && st->client_auth != UNITLS_CLIENT_AUTH_NONE)
        gnutls_certificate_server_set_request(b->session,
                                              st->client_auth == UNITLS_CLIENT_AUTH_REQUIRED
                                                  ? GNUTLS_CERT_REQUIRE
                                                  : GNUTLS_CERT_REQUEST);
    gnutls_handshake_set_hook_function(b->session, GNUTLS_HANDSHAKE_CLIENT_HELLO,
                                       GNUTLS_HOOK_PRE, gtls_server_on_client_hello);
    b->after_handshake = after_handshake;
    return r;
}

unitls_buffer *gtls_server_buffer_new(unitls_server_context *ctx, void *state,
                                      unitls_error *err)
{
    const struct server_state *st = state;
    struct gtls_buffer *b = gtls_buffer_new(st->init_flags, &st->priority, st->cred, st, err);
    if (!b)
        return NULL;
    int r = session_configure(b, st);
    if (r < 0) {
        error_set(err, UNITLS_ERR_TLS, r, "server buffer: %s", gnutls_strerror(r));
        gtls_buffer_discard(b);
        return NULL;
    }
    return gtls_buffer_start(b, NULL, ctx);
}
