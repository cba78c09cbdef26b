/* TLS versions (PEP 748's TLSVersion). UNSET stands for the PEP's None: the secure default. */
#ifndef UNITLS_VERSIONS_H
#define UNITLS_VERSIONS_H

#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

enum unitls_tls_version {
    UNITLS_TLS_VERSION_UNSET = 0,
    UNITLS_TLS_VERSION_MINIMUM_SUPPORTED = 1,
    UNITLS_TLSv1_2 = 0x0303,               /* the wire value */
    UNITLS_TLSv1_3 = 0x0304,
    UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED = 0xFFFF
};

/* "TLSv1.2", "TLSv1.3", "MINIMUM_SUPPORTED", "MAXIMUM_SUPPORTED", "UNSET"; NULL if unknown. */
UNITLS_API const char *unitls_tls_version_name(enum unitls_tls_version v);

/* Parses the names above (also "TLSv1_2"/"TLSv1_3"). UNITLS_ERR_INVALID when unknown. */
UNITLS_API unitls_status unitls_tls_version_from_name(const char *name,
                                                     enum unitls_tls_version *out);

UNITLS_END_DECLS

#endif
