/* verify: checking the peer's certificate during the handshake, for both sides, installed
 * once on a context's credentials (gnutls_certificate_set_verify_function).
 *
 * A client verifies the server's chain against its trust store for TLS server use and, when
 * the hostname check is on, that the leaf names the server name the buffer was created for (a
 * DNS name, or an IP address for an IP literal); a buffer created without a server name then
 * fails, as the OpenSSL implementation does. A server verifies a client's chain for TLS client
 * use when one is sent; whether one must be sent is GnuTLS's check (GNUTLS_CERT_REQUIRE). The
 * refusal's status is kept in the buffer so the error can say why in words. */
#ifndef UNITLS_GNUTLS_VERIFY_H
#define UNITLS_GNUTLS_VERIFY_H

#include <gnutls/gnutls.h>

/* The callback: 0 to go on, or a negative GnuTLS code that fails the handshake. */
int gtls_verify_peer(gnutls_session_t session);

#endif
