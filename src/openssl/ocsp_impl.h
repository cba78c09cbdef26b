/* ocsp_impl: OCSP responses with OpenSSL's OCSP_* API (ocsp.c; not "ocsp.h", which would
 * shadow <openssl/ocsp.h>): judging a response for a chain's leaf (impl.h's ocsp_check, in
 * core/ocsp_internal.h's words), building a request (ocsp_request), and stapling the selected
 * chain's response on a server connection (the status callback).
 *
 * A response is signed by the leaf's issuer (the chain's certificate OpenSSL says issued the
 * leaf), or by a responder certificate carried in the response that the issuer issued and
 * signed, that holds the OCSPSigning extended key usage and is within its validity now. */
#ifndef UNITLS_OPENSSL_OCSP_IMPL_H
#define UNITLS_OPENSSL_OCSP_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/impl.h"

void openssl_ocsp_check(const uint8_t *der, size_t len, const unitls_signing_chain *chain,
                        struct unitls_ocsp_info *info);
unitls_status openssl_ocsp_request(const unitls_signing_chain *chain, uint8_t *der, size_t cap,
                                   size_t *der_len, char *url, size_t url_cap,
                                   unitls_error *err);

/* For the server's status callback, once OpenSSL chose chain chain_index for a client that
 * asked for a staple: gives ssl a copy of the chain's response when it is valid now.
 * SSL_TLSEXT_ERR_OK when stapled, SSL_TLSEXT_ERR_NOACK when not. */
int openssl_ocsp_staple(SSL *ssl, unitls_buffer *b, size_t chain_index);

#endif
