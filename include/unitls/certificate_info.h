/* What a signing chain's leaf certificate says of itself (added to PEP 748, whose Certificate
 * is opaque): its subject and its validity period, read by an implementation with its own TLS
 * library. Monitoring uses it (unitlsd exports each served certificate's expiry); nothing in
 * the handshake depends on it. Every implementation built in gives the same answers. */
#ifndef UNITLS_CERTIFICATE_INFO_H
#define UNITLS_CERTIFICATE_INFO_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/credentials.h>
#include <unitls/export.h>
#include <unitls/implementation.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

struct unitls_certificate_info {
    char subject[256];   /* RFC 4514 form, most specific RDN first ("CN=example.org,O=Example");
                            cut to fit, always NUL-terminated */
    int64_t not_before;  /* seconds since the epoch (UTC) */
    int64_t not_after;
    char common_name[128]; /* the subject's first commonName as UTF-8, "" when it has none;
                              cut to fit, always NUL-terminated */
};

/* Reads the leaf of chain (its file loaded now when it is a file certificate) with impl (NULL:
 * the default implementation) into *out. OK; ERR_INVALID for a NULL chain or out;
 * ERR_CONFIGURATION naming the file when the leaf cannot be read or parsed; ERR_INVALID too
 * when the implementation cannot read certificates at all (saying so). *out is zeroed on
 * failure. */
UNITLS_API unitls_status unitls_signing_chain_leaf_info(const unitls_implementation *impl,
                                                        const unitls_signing_chain *chain,
                                                        struct unitls_certificate_info *out,
                                                        unitls_error *err);

/* The same facts of one DER certificate (a peer's, from unitls_buffer_getpeercert), read with
 * impl (NULL: the default implementation): OK; ERR_INVALID for NULL arguments or an
 * implementation that cannot read certificates; ERR_CONFIGURATION when der is not a
 * certificate. *out is zeroed on failure. */
UNITLS_API unitls_status unitls_certificate_info_from_der(const unitls_implementation *impl,
                                                          const uint8_t *der, size_t len,
                                                          struct unitls_certificate_info *out,
                                                          unitls_error *err);

UNITLS_END_DECLS

#endif
