/* ocsp_impl: OCSP responses with GnuTLS's gnutls_ocsp_* API (ocsp.c; not "ocsp.h", which would
 * shadow <gnutls/ocsp.h>): judging a response for a chain's leaf (impl.h's ocsp_check, in
 * core/ocsp_internal.h's words, the same verdicts as the OpenSSL implementation), building a
 * request (ocsp_request), and the staple a server's certificate retrieve callback returns.
 *
 * A response is signed by the leaf's issuer (the chain's certificate GnuTLS says issued the
 * leaf), or by a responder certificate carried in the response that the issuer issued, that
 * is within its validity now and holds the OCSPSigning key purpose
 * (gnutls_ocsp_resp_verify_direct). */
#ifndef UNITLS_GNUTLS_OCSP_IMPL_H
#define UNITLS_GNUTLS_OCSP_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <gnutls/gnutls.h>

#include "core/impl.h"

void gtls_ocsp_check(const uint8_t *der, size_t len, const unitls_signing_chain *chain,
                     struct unitls_ocsp_info *info);
unitls_status gtls_ocsp_request(const unitls_signing_chain *chain, uint8_t *der, size_t cap,
                                size_t *der_len, char *url, size_t url_cap, unitls_error *err);

/* For the retrieve callback, once chain chain_index serves b: fills out (which b owns) with
 * the chain's response, bytes the buffer keeps alive, and returns 1 when the client asked and
 * the response is valid now; 0 when nothing is to be stapled. */
int gtls_ocsp_staple(unitls_buffer *b, size_t chain_index, gnutls_ocsp_data_st *out);

#endif
