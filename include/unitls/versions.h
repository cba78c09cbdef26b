/* TLS versions (PEP 748's TLSVersion). UNSET stands for the PEP's None: the secure default.
 * TLS 1.0 and 1.1 are not PEP 748's: they exist so that a connection to a legacy peer, allowed
 * on purpose through insecure.h, can report its version; the ordinary setters refuse them. */
#ifndef UNITLS_VERSIONS_H
#define UNITLS_VERSIONS_H

#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

enum unitls_tls_version {
    UNITLS_TLS_VERSION_UNSET = 0,
    UNITLS_TLS_VERSION_MINIMUM_SUPPORTED = 1,
    UNITLS_TLSv1_0 = 0x0301,               /* only through insecure.h (not PEP 748's) */
    UNITLS_TLSv1_1 = 0x0302,               /* only through insecure.h (not PEP 748's) */
    UNITLS_TLSv1_2 = 0x0303,               /* the wire value */
    UNITLS_TLSv1_3 = 0x0304,
    UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED = 0xFFFF
};

/* "TLSv1.2", "TLSv1.3", "MINIMUM_SUPPORTED", "MAXIMUM_SUPPORTED", "UNSET", and "TLSv1.0",
 * "TLSv1.1" for the legacy values; NULL if unknown. */
UNITLS_API const char *unitls_tls_version_name(enum unitls_tls_version v);

/* Parses PEP 748's names above (also "TLSv1_2"/"TLSv1_3"). UNITLS_ERR_INVALID when unknown,
 * and for "TLSv1.0" and "TLSv1.1": a legacy version is never read from a name meant for the
 * ordinary setters. */
UNITLS_API unitls_status unitls_tls_version_from_name(const char *name,
                                                     enum unitls_tls_version *out);

UNITLS_END_DECLS

#endif
