/* hello: the parts of a ClientHello a server decides on before GnuTLS does: the offered cipher
 * suites (to pick a certificate the client can use), the server name (to pick the chains) and
 * the ALPN list (to pick the protocol by the core's rule). GnuTLS 3.7 has no API that shows a
 * server the client's suites, so the server reads them from the message its handshake hook
 * receives. Nothing is copied: the fields point into the message. */
#ifndef UNITLS_GNUTLS_HELLO_H
#define UNITLS_GNUTLS_HELLO_H

#include <stddef.h>
#include <stdint.h>

struct client_hello {
    const uint8_t *suites; /* 2-byte IANA ids */
    size_t suites_len;
    const uint8_t *server_name; /* the server_name extension's body, NULL if absent */
    size_t server_name_len;
    const uint8_t *alpn; /* the protocol list (wire format, without its length), or NULL */
    size_t alpn_len;
};

/* Parses a ClientHello's body (after the handshake header). 0, or -1 when malformed (GnuTLS
 * then rejects the message itself). */
int client_hello_parse(const uint8_t *msg, size_t len, struct client_hello *out);

#endif
