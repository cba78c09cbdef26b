/* server_select: the server's decisions on a ClientHello (chains by server name, ALPN by the
 * server's preference) and the certificate retrieve callback (the chain the client can use). */
#include <string.h>

#include "core/hello_inspect.h"
#include "core/ocsp_staple.h"
#include "core/tls_params.h"
#include "ocsp_impl.h"
#include "server_state.h"
#include "tlsbuffer.h"

static uint8_t kx_family(gnutls_kx_algorithm_t kx)
{
    switch (kx) {
    case GNUTLS_KX_ECDHE_ECDSA: return GTLS_KX_ECDSA;
    case GNUTLS_KX_ECDHE_RSA:
    case GNUTLS_KX_DHE_RSA:
    case GNUTLS_KX_RSA: return GTLS_KX_RSA;
    default: return 0;
    }
}

/* The key exchange families of the client's TLS 1.2 suites that this context enables. */
static uint8_t offered_kx(const struct server_state *st, const uint8_t *suites, size_t len)
{
    uint8_t mask = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        const struct gtls_suite *s =
            gtls_priority_find(&st->priority, (uint16_t)((suites[i] << 8) | suites[i + 1]));
        if (s && !s->tls13)
            mask |= kx_family(s->kx);
    }
    return mask;
}

/* Offers GnuTLS exactly the protocol the core's rule picks, so GnuTLS can only agree. */
static int alpn_choose(const struct server_state *st, gnutls_session_t session,
                       const struct hello_client *h)
{
    const uint8_t *name = NULL;
    uint8_t len = 0;
    if (!st->alpn || !h->alpn ||
        !tls_params_alpn_select(st->alpn, st->alpn_len, h->alpn, h->alpn_len, &name, &len))
        return 0;
    gnutls_datum_t chosen = {(unsigned char *)name, len};
    return gnutls_alpn_set_protocols(session, &chosen, 1, 0);
}

int gtls_server_on_client_hello(gnutls_session_t session, unsigned htype, unsigned when,
                                unsigned incoming, const gnutls_datum_t *msg)
{
    (void)htype;
    (void)when;
    (void)incoming;
    struct gtls_buffer *b = gtls_buffer_of(session);
    const struct server_state *st = b->state;
    struct hello_client h;
    if (b->certs || hello_client_parse_body(msg->data, msg->size, &h) != HELLO_OK)
        return 0; /* a second ClientHello (after HelloRetryRequest), or GnuTLS's to refuse */
    if (h.status_request)
        buffer_ocsp_requested(&b->base);
    size_t name_len = 0;
    const char *name = h.server_name
                           ? sni_extension_host_name(h.server_name, h.server_name_len, &name_len)
                           : NULL;
    enum sni_match match;
    const struct cert_set *set = sni_table_match(st->chains.sni, name, name_len, &match);
    if (name && match != SNI_MATCH_MALFORMED)
        gtls_buffer_set_server_name(b, name, name_len);
    if (st->strict_sni && match != SNI_MATCH_EXACT && match != SNI_MATCH_WILDCARD)
        return GNUTLS_E_UNRECOGNIZED_NAME; /* sent as unrecognized_name (112) by fail() */
    b->certs = set;
    b->client_kx = offered_kx(st, h.suites, h.suites_len);
    return alpn_choose(st, session, &h);
}

/* A signature scheme the client offers fits pk (no list, as in TLS 1.2 without the extension:
 * the defaults, which cover every key type GnuTLS serves). */
static int signature_fits(gnutls_session_t session, gnutls_pk_algorithm_t pk)
{
    gnutls_sign_algorithm_t alg;
    unsigned i = 0;
    for (; gnutls_sign_algorithm_get_requested(session, i, &alg) == 0; i++)
        if (gnutls_sign_supports_pk_algorithm(alg, pk))
            return 1;
    return i == 0;
}

static int usable(const struct gtls_buffer *b, const struct gtls_chain *c)
{
    gnutls_pk_algorithm_t pk = gtls_chain_pk(c);
    if (!signature_fits(b->session, pk))
        return 0;
    if (gnutls_protocol_get_version(b->session) == GNUTLS_TLS1_3)
        return 1;
    switch (pk) {
    case GNUTLS_PK_ECDSA:
    case GNUTLS_PK_EDDSA_ED25519:
    case GNUTLS_PK_EDDSA_ED448: return (b->client_kx & GTLS_KX_ECDSA) != 0;
    case GNUTLS_PK_RSA:
    case GNUTLS_PK_RSA_PSS: return (b->client_kx & GTLS_KX_RSA) != 0;
    default: return 1;
    }
}

/* The set's chain to serve (its index in the configuration): by key type preference, the
 * first the client can use; else the first configured (GnuTLS then fails the handshake for
 * want of a usable one). */
static size_t chain_choose(const struct server_state *st, const struct gtls_buffer *b,
                           const struct cert_set *set)
{
    static const enum sni_key_type preference[] = {SNI_KEY_ECDSA,   SNI_KEY_RSA,
                                                   SNI_KEY_RSA_PSS, SNI_KEY_ED25519,
                                                   SNI_KEY_ED448,   SNI_KEY_OTHER};
    for (size_t p = 0; p < sizeof preference / sizeof preference[0]; p++) {
        if (!(set->types & (1u << preference[p])))
            continue;
        for (size_t i = 0; i < set->n; i++) {
            const struct gtls_chain *c = st->chains.chain[set->chain[i]];
            if (gtls_chain_key_type(c) == preference[p] && usable(b, c))
                return set->chain[i];
        }
    }
    return set->chain[0];
}

int gtls_server_retrieve(gnutls_session_t session, const struct gnutls_cert_retr_st *info,
                         gnutls_pcert_st **certs, unsigned *n_certs, gnutls_ocsp_data_st **ocsp,
                         unsigned *n_ocsp, gnutls_privkey_t *key, unsigned *flags)
{
    (void)info;
    struct gtls_buffer *b = gtls_buffer_of(session);
    const struct server_state *st = b->state;
    const struct cert_set *set = b->certs ? b->certs : sni_table_default(st->chains.sni);
    size_t index = chain_choose(st, b, set);
    const struct gtls_chain *c = st->chains.chain[index];
    *certs = gtls_chain_pcerts(c, n_certs);
    *key = gtls_chain_key(c);
    /* The leaf's staple: its bytes stay referenced by the buffer, which outlives the session's
     * use of them (the session is freed with the buffer). */
    int stapled = gtls_ocsp_staple(&b->base, index, &b->ocsp_staple);
    *ocsp = stapled ? &b->ocsp_staple : NULL;
    *n_ocsp = stapled ? 1 : 0;
    *flags = 0; /* the chain and staple are ours: GnuTLS must not free them */
    return 0;
}
