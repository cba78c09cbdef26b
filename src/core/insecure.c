/* insecure.h: switches that turn off server verification on client builders, and those that
 * let client and server builders reach legacy peers. Each call warns; the configurations (and
 * client contexts and buffers) made from the result warn again. */
#include <unitls/insecure.h>

#include "client_config.h"
#include "server_config.h"
#include "warning_internal.h"

unitls_status unitls_insecure_client_config_builder_disable_verification(
    unitls_client_config_builder *b)
{
    warn_insecure("client configuration builder", "certificate verification disabled");
    return client_config_builder_disable_checks(b, 1, 0);
}

unitls_status unitls_insecure_client_config_builder_disable_hostname_check(
    unitls_client_config_builder *b)
{
    warn_insecure("client configuration builder", "hostname check disabled");
    return client_config_builder_disable_checks(b, 0, 1);
}

/* Names the version in the warning, as the version is what an operator will look for. */
static void warn_legacy(const char *what, enum unitls_tls_version lowest)
{
    warn_insecure(what, lowest == UNITLS_TLSv1_0 ? "TLS 1.0 and 1.1 allowed (legacy peers)"
                        : lowest == UNITLS_TLSv1_1 ? "TLS 1.1 allowed (legacy peers)"
                                                   : "legacy versions asked for");
}

unitls_status unitls_insecure_client_config_builder_allow_legacy_versions(
    unitls_client_config_builder *b, enum unitls_tls_version lowest,
    enum unitls_tls_version highest)
{
    warn_legacy("client configuration builder", lowest);
    return client_config_builder_legacy(b, 1, lowest, highest);
}

unitls_status unitls_insecure_server_config_builder_allow_legacy_versions(
    unitls_server_config_builder *b, enum unitls_tls_version lowest,
    enum unitls_tls_version highest)
{
    warn_legacy("server configuration builder", lowest);
    return server_config_builder_legacy(b, 1, lowest, highest);
}

#define LOWERED "security level lowered (SHA-1 signatures, RSA-1024 keys, CBC suites)"

unitls_status unitls_insecure_client_config_builder_lower_security_level(
    unitls_client_config_builder *b)
{
    warn_insecure("client configuration builder", LOWERED);
    return client_config_builder_legacy(b, 0, UNITLS_TLS_VERSION_UNSET,
                                      UNITLS_TLS_VERSION_UNSET);
}

unitls_status unitls_insecure_server_config_builder_lower_security_level(
    unitls_server_config_builder *b)
{
    warn_insecure("server configuration builder", LOWERED);
    return server_config_builder_legacy(b, 0, UNITLS_TLS_VERSION_UNSET,
                                      UNITLS_TLS_VERSION_UNSET);
}
