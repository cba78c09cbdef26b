/* server_state: what a server context holds, shared by server.c (building it, making buffers)
 * and server_select.c (the handshake callbacks that read it). Internal to the server files. */
#ifndef UNITLS_GNUTLS_SERVER_STATE_H
#define UNITLS_GNUTLS_SERVER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include "chains.h"
#include "priority.h"

struct server_state {
    struct gtls_priority priority;
    gnutls_certificate_credentials_t cred;
    struct gtls_chains chains;
    uint8_t *alpn; /* server preference, wire format; NULL when none is configured */
    size_t alpn_len;
    gnutls_datum_t ticket_key; /* data NULL when tickets are off */
    unsigned tickets;          /* per full TLS 1.3 handshake */
    unsigned init_flags;       /* for gnutls_init */
    enum unitls_client_auth client_auth;
    int strict_sni;            /* refuse absent, malformed and uncovered names (alert 112) */
};

/* Key exchange families of the TLS 1.2 suites a client offers (struct gtls_buffer's
 * client_kx). */
#define GTLS_KX_ECDSA 1u /* ECDHE_ECDSA: ECDSA and EdDSA keys */
#define GTLS_KX_RSA 2u   /* ECDHE_RSA, DHE_RSA, RSA: RSA keys */

/* The handshake hook on the ClientHello: records the server name, selects the chains, picks
 * the ALPN protocol and notes the client's key exchanges. */
int gtls_server_on_client_hello(gnutls_session_t session, unsigned htype, unsigned when,
                                unsigned incoming, const gnutls_datum_t *msg);
/* The certificate retrieve callback (gnutls_certificate_set_retrieve_function3). */
int gtls_server_retrieve(gnutls_session_t session, const struct gnutls_cert_retr_st *info,
                         gnutls_pcert_st **certs, unsigned *n_certs, gnutls_ocsp_data_st **ocsp,
                         unsigned *n_ocsp, gnutls_privkey_t *key, unsigned *flags);

#endif
