/* certificate_info: the core's side of unitls_signing_chain_leaf_info (certificate_info.h):
 * arguments checked, the chain's files loaded, the implementation asked. */
#include <string.h>

#include "core/error.h"
#include "core/impl.h"
#include "core/material.h"

unitls_status unitls_signing_chain_leaf_info(const unitls_implementation *impl,
                                             const unitls_signing_chain *chain,
                                             struct unitls_certificate_info *out,
                                             unitls_error *err)
{
    if (!chain || !out)
        return error_set(err, UNITLS_ERR_INVALID, 0, "certificate info: %s is NULL",
                         chain ? "out" : "the chain");
    memset(out, 0, sizeof *out);
    impl = impl ? impl : unitls_implementation_default();
    if (!impl->leaf_info)
        return error_set(err, UNITLS_ERR_INVALID, 0,
                         "certificate info: the %s implementation cannot read certificates",
                         impl->name);
    /* Loading only takes a reference to a chain without files: chain is not changed. */
    unitls_signing_chain *loaded = signing_chain_load((unitls_signing_chain *)chain, err);
    if (!loaded)
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    int read = impl->leaf_info(loaded, out, err);
    unitls_signing_chain_unref(loaded);
    if (read == 1)
        return UNITLS_OK;
    memset(out, 0, sizeof *out);
    if (read < 0)
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    const char *path = unitls_certificate_path(unitls_signing_chain_leaf(chain));
    return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                     "certificate %s: its subject or validity cannot be read",
                     path ? path : "(in memory)");
}

unitls_status unitls_certificate_info_from_der(const unitls_implementation *impl,
                                               const uint8_t *der, size_t len,
                                               struct unitls_certificate_info *out,
                                               unitls_error *err)
{
    if (!der || !out)
        return error_set(err, UNITLS_ERR_INVALID, 0, "certificate info: %s is NULL",
                         der ? "out" : "the certificate");
    memset(out, 0, sizeof *out);
    impl = impl ? impl : unitls_implementation_default();
    if (!impl->der_info)
        return error_set(err, UNITLS_ERR_INVALID, 0,
                         "certificate info: the %s implementation cannot read certificates",
                         impl->name);
    if (impl->der_info(der, len, out) == 1)
        return UNITLS_OK;
    memset(out, 0, sizeof *out);
    return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                     "certificate info: %zu bytes that are not a readable DER certificate", len);
}
