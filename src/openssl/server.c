/* server: building a server SSL_CTX from a configuration, choosing certificates by server name
 * in the client hello callback, ALPN by server preference, and server buffers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <unitls/insecure.h>

#include "core/cfgmsg.h"
#include "core/chain_match.h"
#include "core/error.h"
#include "core/hello_inspect.h"
#include "core/ocsp_staple.h"
#include "core/tls_params.h"
#include "iobio.h"
#include "ocsp_impl.h"
#include "resolve.h"
#include "server.h"
#include "settings.h"
#include "leafnames.h"
#include "tickets.h"
#include "tls_error.h"
#include "tlsbuffer.h"

struct server_state {
    const unitls_server_config *config; /* owned by the context, which outlives the state */
    SSL_CTX *ctx;
    BIO_METHOD *bio_method;
    struct resolved_chain *chains;
    size_t n_chains;
    struct sni_table *sni;
    uint8_t *alpn;   /* server preference, wire format; NULL when none is configured */
    size_t alpn_len;
    struct ticket_key_set *ticket_keys; /* configured keys (tickets.h); NULL: OpenSSL's own */
};

static void state_free(struct server_state *st)
{
    if (!st)
        return;
    SSL_CTX_free(st->ctx);
    openssl_tickets_free(st->ticket_keys); /* after the SSL_CTX whose callback reads them */
    BIO_meth_free(st->bio_method);
    for (size_t i = 0; st->chains && i < st->n_chains; i++)
        resolved_chain_clear(&st->chains[i]);
    free(st->chains);
    sni_table_free(st->sni);
    free(st->alpn);
    free(st);
}

static int set_install(SSL *ssl, const struct server_state *st, const struct cert_set *set)
{
    SSL_certs_clear(ssl);
    for (size_t i = 0; i < set->n; i++) {
        const struct resolved_chain *c = &st->chains[set->chain[i]];
        if (!SSL_use_cert_and_key(ssl, c->leaf, c->key, c->chain, 1))
            return 0;
    }
    return 1;
}

/* Runs before OpenSSL looks at certificates, suites or signature algorithms. */
static int on_client_hello(SSL *ssl, int *alert, void *arg)
{
    const struct server_state *st = arg;
    struct tlsbuffer *b = tlsbuffer_of(ssl);
    if (b->hello_seen) /* the second ClientHello after a HelloRetryRequest */
        return SSL_CLIENT_HELLO_SUCCESS;
    b->hello_seen = 1;
    const unsigned char *ext = NULL;
    size_t ext_len = 0, name_len = 0;
    const char *name = NULL;
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_status_request, &ext, &ext_len) &&
        hello_status_request_ocsp(ext, ext_len))
        buffer_ocsp_requested(&b->base);
    if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &ext_len))
        name = sni_extension_host_name(ext, ext_len, &name_len);
    enum sni_match match;
    const struct cert_set *set = sni_table_match(st->sni, name, name_len, &match);
    if (match != SNI_MATCH_MALFORMED && name)
        tlsbuffer_set_server_name(b, name, name_len);
    if (unitls_server_config_strict_sni(st->config) && match != SNI_MATCH_EXACT &&
        match != SNI_MATCH_WILDCARD) {
        b->refused_name = 1;
        *alert = SSL_AD_UNRECOGNIZED_NAME;
        return SSL_CLIENT_HELLO_ERROR;
    }
    if (cert_set_equal(set, sni_table_default(st->sni)))
        return SSL_CLIENT_HELLO_SUCCESS; /* already in the SSL_CTX */
    if (!set_install(ssl, st, set)) {
        *alert = SSL_AD_INTERNAL_ERROR;
        return SSL_CLIENT_HELLO_ERROR;
    }
    return SSL_CLIENT_HELLO_SUCCESS;
}

/* OpenSSL calls this after choosing the certificate, for a client that asked for a staple:
 * the chosen leaf tells which chain (SSL_use_cert_and_key shares our X509 objects). A resumed
 * session sends no certificate, so nothing is stapled. */
static int on_status_request(SSL *ssl, void *arg)
{
    const struct server_state *st = arg;
    if (SSL_session_reused(ssl))
        return SSL_TLSEXT_ERR_NOACK;
    X509 *leaf = SSL_get_certificate(ssl);
    for (size_t i = 0; leaf && i < st->n_chains; i++)
        if (st->chains[i].leaf == leaf)
            return openssl_ocsp_staple(ssl, &tlsbuffer_of(ssl)->base, i);
    return SSL_TLSEXT_ERR_NOACK;
}

/* The first of the server's protocols that the client offers; none is not a failure. */
static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *out_len,
                   const unsigned char *in, unsigned int in_len, void *arg)
{
    (void)ssl;
    const struct server_state *st = arg;
    return tls_params_alpn_select(st->alpn, st->alpn_len, in, in_len, out, out_len)
               ? SSL_TLSEXT_ERR_OK
               : SSL_TLSEXT_ERR_NOACK;
}

/* out = a copy of c sharing its OpenSSL objects (each up-referenced). */
static int resolved_chain_share(const struct resolved_chain *c, struct resolved_chain *out)
{
    STACK_OF(X509) *chain = X509_chain_up_ref(c->chain);
    if (!chain)
        return 0;
    X509_up_ref(c->leaf);
    EVP_PKEY_up_ref(c->key);
    *out = (struct resolved_chain){c->leaf, c->key, chain};
    return 1;
}

/* Resolves every chain of cfg; with prev, a chain equal to one of prev's shares its objects
 * instead of being parsed again. */
static unitls_status chains_resolve(struct server_state *st, const unitls_server_config *cfg,
                                    const struct server_state *prev, unitls_error *err)
{
    size_t n = unitls_server_config_n_certificate_chains(cfg);
    if (n == 0)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "server configuration: no certificate chain");
    struct chain_match *match = NULL;
    st->chains = calloc(n, sizeof *st->chains);
    struct keydecoder *kd = keydecoder_new();
    unitls_status rc = UNITLS_OK;
    if (!st->chains || !kd || (prev && !(match = chain_match_new(prev->config))))
        rc = error_set(err, UNITLS_ERR_NOMEM, 0, "server chains: out of memory");
    for (size_t i = 0; rc == UNITLS_OK && i < n; i++) {
        const unitls_signing_chain *s = unitls_server_config_certificate_chain(cfg, i);
        long same = match ? chain_match_find(match, s) : -1;
        if (same >= 0 && !resolved_chain_share(&prev->chains[same], &st->chains[i]))
            rc = error_set(err, UNITLS_ERR_NOMEM, 0, "server chains: out of memory");
        else if (same < 0)
            rc = resolve_chain(kd, s, &st->chains[i], err);
        if (rc == UNITLS_OK)
            st->n_chains = i + 1;
    }
    chain_match_free(match);
    keydecoder_free(kd);
    return rc == UNITLS_OK ? leafnames_table_build(st->chains, n, &st->sni, err) : rc;
}

/* Every chain must be acceptable to OpenSSL (key strength, security level) now, not at the
 * first handshake that selects it; the default set goes into the SSL_CTX itself. */
static unitls_status chains_install(struct server_state *st, unitls_error *err)
{
    SSL *probe = SSL_new(st->ctx);
    if (!probe)
        return tls_error_from_queue(err, UNITLS_ERR_NOMEM, "server chains: SSL_new");
    unitls_status rc = UNITLS_OK;
    for (size_t i = 0; rc == UNITLS_OK && i < st->n_chains; i++) {
        const struct resolved_chain *c = &st->chains[i];
        if (!SSL_use_cert_and_key(probe, c->leaf, c->key, c->chain, 1))
            rc = tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION,
                                      "certificate chain %zu cannot be used", i);
    }
    SSL_free(probe);
    const struct cert_set *def = sni_table_default(st->sni);
    for (size_t i = 0; rc == UNITLS_OK && i < def->n; i++) {
        const struct resolved_chain *c = &st->chains[def->chain[i]];
        if (!SSL_CTX_use_cert_and_key(st->ctx, c->leaf, c->key, c->chain, 1))
            rc = tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION,
                                      "certificate chain %u cannot be used", def->chain[i]);
    }
    return rc;
}

static unitls_status alpn_apply(struct server_state *st, const unitls_server_config *cfg,
                                unitls_error *err)
{
    unitls_status rc = UNITLS_OK;
    for (size_t i = 0; rc == UNITLS_OK && i < unitls_server_config_n_inner_protocols(cfg); i++) {
        size_t n = 0;
        const uint8_t *p = unitls_server_config_inner_protocol(cfg, i, &n);
        rc = tls_params_alpn_append(&st->alpn, &st->alpn_len, p, n, err);
    }
    if (rc == UNITLS_OK && st->alpn)
        SSL_CTX_set_alpn_select_cb(st->ctx, on_alpn, st);
    return rc;
}

/* A client whose issuer has no CRL configured is not refused for that: only certificates a
 * configured CRL lists are, as with GnuTLS. */
static int verify_without_issuer_crl(int ok, X509_STORE_CTX *x)
{
    if (!ok && X509_STORE_CTX_get_error(x) == X509_V_ERR_UNABLE_TO_GET_CRL) {
        X509_STORE_CTX_set_error(x, X509_V_OK);
        return 1;
    }
    return ok;
}

/* insecure.h's disabled client verification: whatever the chain, it is accepted. */
static int verify_accept_any(int ok, X509_STORE_CTX *x)
{
    (void)ok;
    (void)x;
    return 1;
}

static unitls_status client_auth_apply(SSL_CTX *ctx, const unitls_server_config *cfg,
                                       unitls_error *err)
{
    enum unitls_client_auth mode = unitls_server_config_client_auth(cfg);
    if (mode == UNITLS_CLIENT_AUTH_NONE) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return UNITLS_OK;
    }
    int request = SSL_VERIFY_PEER;
    if (mode == UNITLS_CLIENT_AUTH_REQUIRED)
        request |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    if (unitls_server_config_client_verification_disabled(cfg)) {
        SSL_CTX_set_verify(ctx, request, verify_accept_any);
        return UNITLS_OK;
    }
    X509_STORE *store = NULL;
    STACK_OF(X509_NAME) *names = NULL;
    unitls_status rc = resolve_trust_store(unitls_server_config_trust_store(cfg), &store, &names,
                                           err);
    if (rc != UNITLS_OK)
        return rc;
    SSL_CTX_set_cert_store(ctx, store);
    if (names)
        SSL_CTX_set_client_CA_list(ctx, names);
    const unitls_crl *crl = unitls_server_config_client_crl(cfg);
    if (crl && (rc = resolve_crls(store, crl, err)) != UNITLS_OK)
        return rc;
    SSL_CTX_set_verify(ctx, request, crl ? verify_without_issuer_crl : NULL);
    return UNITLS_OK;
}

/* Early data is off, said explicitly rather than left to OpenSSL's defaults: no ticket
 * invites it and none is read. A non-zero configured amount is refused (core/cfgmsg.h). */
static unitls_status early_data_apply(SSL_CTX *ctx, const unitls_server_config *cfg,
                                      unitls_error *err)
{
    uint32_t n = unitls_server_config_max_early_data(cfg);
    if (n > 0) {
        char library[64], msg[CFGMSG_SIZE];
        snprintf(library, sizeof library, "OpenSSL %s", OpenSSL_version(OPENSSL_VERSION_STRING));
        cfgmsg_early_data(n, library, msg, sizeof msg);
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
    }
    if (!SSL_CTX_set_max_early_data(ctx, 0) || !SSL_CTX_set_recv_max_early_data(ctx, 0))
        return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "early data: disabling");
    return UNITLS_OK;
}

static unitls_status state_configure(struct server_state *st, const unitls_server_config *cfg,
                                     const struct server_state *prev, unitls_error *err)
{
    size_t n_ciphers = 0;
    const uint16_t *ciphers = unitls_server_config_ciphers(cfg, &n_ciphers);
    struct settings s = {ciphers, n_ciphers, unitls_server_config_lowest_supported_version(cfg),
                         unitls_server_config_highest_supported_version(cfg), 1,
                         unitls_server_config_security_level_lowered(cfg), NULL, 0};
    s.groups = unitls_server_config_groups(cfg, &s.n_groups);
    unitls_status rc = settings_apply(st->ctx, &s, err);
    if (rc == UNITLS_OK)
        rc = early_data_apply(st->ctx, cfg, err);
    if (rc == UNITLS_OK)
        rc = chains_resolve(st, cfg, prev, err);
    if (rc == UNITLS_OK)
        rc = chains_install(st, err);
    if (rc == UNITLS_OK)
        rc = alpn_apply(st, cfg, err);
    if (rc == UNITLS_OK)
        rc = client_auth_apply(st->ctx, cfg, err);
    if (rc == UNITLS_OK)
        rc = openssl_tickets_apply(st->ctx, cfg, &st->ticket_keys, err);
    if (rc == UNITLS_OK) {
        SSL_CTX_set_client_hello_cb(st->ctx, on_client_hello, st);
        SSL_CTX_set_tlsext_status_cb(st->ctx, on_status_request);
        SSL_CTX_set_tlsext_status_arg(st->ctx, st);
    }
    return rc;
}

static unitls_status state_build(const unitls_server_config *cfg,
                                 const struct server_state *prev, struct server_state **out,
                                 unitls_error *err)
{
    ERR_clear_error();
    struct server_state *st = calloc(1, sizeof *st);
    if (!st || !(st->ctx = SSL_CTX_new(TLS_server_method())) ||
        !(st->bio_method = iobio_method_new())) {
        state_free(st);
        return tls_error_from_queue(err, UNITLS_ERR_NOMEM, "server context: creating SSL_CTX");
    }
    st->config = cfg;
    unitls_status rc = state_configure(st, cfg, prev, err);
    ERR_clear_error();
    if (rc != UNITLS_OK) {
        state_free(st);
        return rc;
    }
    *out = st;
    return UNITLS_OK;
}

unitls_status openssl_validate_server_config(const unitls_server_config *cfg, unitls_error *err)
{
    struct server_state *st = NULL;
    unitls_status rc = state_build(cfg, NULL, &st, err);
    state_free(st);
    return rc;
}

unitls_status openssl_server_context_init_derived(unitls_server_context *ctx, void **state,
                                                  const void *previous_state, unitls_error *err)
{
    struct server_state *st = NULL;
    unitls_status rc = state_build(unitls_server_context_configuration(ctx), previous_state, &st,
                                   err);
    if (rc == UNITLS_OK)
        *state = st;
    return rc;
}

unitls_status openssl_server_context_init(unitls_server_context *ctx, void **state,
                                          unitls_error *err)
{
    return openssl_server_context_init_derived(ctx, state, NULL, err);
}

void openssl_server_context_fini(void *state) { state_free(state); }

unitls_buffer *openssl_server_buffer_new(unitls_server_context *ctx, void *state,
                                         unitls_error *err)
{
    const struct server_state *st = state;
    struct tlsbuffer *b = tlsbuffer_new(st->ctx, st->bio_method, err);
    return b ? tlsbuffer_start(b, NULL, ctx) : NULL;
}
