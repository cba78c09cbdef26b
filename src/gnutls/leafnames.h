/* leafnames: the names a server chain's leaf covers (its DNS subjectAltNames, or its subject
 * CN when it has no subjectAltName extension), added to the core's SNI name list; and what a
 * leaf says of itself (impl.h's leaf_info). */
#ifndef UNITLS_GNUTLS_LEAFNAMES_H
#define UNITLS_GNUTLS_LEAFNAMES_H

#include <stdint.h>

#include "core/impl.h"
#include "core/sni_table.h"

struct gtls_chain;

/* Adds the leaf's names to l as chain index. -1 when out of memory. */
int gtls_chain_add_names(const struct gtls_chain *c, struct sni_names *l, uint32_t index);

/* impl.h's leaf_info: the subject (RFC 4514) and validity of chain's leaf. */
int gtls_leaf_info(const unitls_signing_chain *chain, struct unitls_certificate_info *out,
                   unitls_error *err);
/* impl.h's der_info: the same of one DER certificate. */
int gtls_der_info(const uint8_t *der, size_t len, struct unitls_certificate_info *out);

#endif
