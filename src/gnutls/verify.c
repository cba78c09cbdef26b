/* verify: the certificate verification callback shared by clients and servers. */
#include <gnutls/x509.h>

#include "tlsbuffer.h"
#include "verify.h"

int gtls_verify_peer(gnutls_session_t session)
{
    struct gtls_buffer *b = gtls_buffer_of(session);
    int server = b->base.server_ctx != NULL;
    unsigned n_peers = 0;
    if (!gnutls_certificate_get_peers(session, &n_peers) || n_peers == 0)
        return server ? 0 : GNUTLS_E_NO_CERTIFICATE_FOUND;
    gnutls_typed_vdata_st data[2] = {
        {GNUTLS_DT_KEY_PURPOSE_OID,
         (unsigned char *)(server ? GNUTLS_KP_TLS_WWW_CLIENT : GNUTLS_KP_TLS_WWW_SERVER), 0},
        {GNUTLS_DT_DNS_HOSTNAME, (unsigned char *)b->server_name, 0},
    };
    int with_name = !server && b->check_hostname && b->has_server_name;
    unsigned status = 0;
    int r = gnutls_certificate_verify_peers(session, data, with_name ? 2 : 1, &status);
    if (r < 0)
        return r;
    if (!server && b->check_hostname && !b->has_server_name)
        status |= GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER;
    b->verify_status = status;
    return status ? GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR : 0;
}
