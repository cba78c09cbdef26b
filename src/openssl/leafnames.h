/* leafnames: the server-name table (core/sni_table.h) of a server's resolved chains: each
 * leaf's DNS subjectAltNames, or its subject CN when it has no subjectAltName extension, and
 * its key type as OpenSSL reports it; and what a leaf says of itself (impl.h's leaf_info). */
#ifndef UNITLS_OPENSSL_LEAFNAMES_H
#define UNITLS_OPENSSL_LEAFNAMES_H

#include "core/sni_table.h"
#include "resolve.h"

/* UNITLS_ERR_NOMEM on failure; n >= 1. */
unitls_status leafnames_table_build(const struct resolved_chain *chains, size_t n,
                                    struct sni_table **out, unitls_error *err);

/* impl.h's leaf_info: the subject (RFC 4514) and validity of chain's leaf. */
int openssl_leaf_info(const unitls_signing_chain *chain, struct unitls_certificate_info *out,
                      unitls_error *err);
/* impl.h's der_info: the same of one DER certificate. */
int openssl_der_info(const uint8_t *der, size_t len, struct unitls_certificate_info *out);

#endif
