/* insecure.h: the switches that turn off verification (client certificates on servers,
 * server certificates and names on clients) and those that let client and server builders
 * reach legacy peers, and builders insecure from the start. Each call warns and marks the
 * builder, so the configurations, contexts and connections made from it warn again, even when
 * the call turned nothing off. */
#include <unitls/insecure.h>

#include "client_config.h"
#include "server_config.h"
#include "warning_internal.h"

#define CLIENT_BUILDER "client configuration builder"
#define SERVER_BUILDER "server configuration builder"

/* Every client-side call starts here: the warning, then the mark. */
static void client_touched(unitls_client_config_builder *b, const char *why)
{
    warn_insecure(CLIENT_BUILDER, why);
    client_config_builder_mark_insecure(b);
}

static void server_touched(unitls_server_config_builder *b, const char *why)
{
    warn_insecure(SERVER_BUILDER, why);
    server_config_builder_mark_insecure(b);
}

unitls_client_config_builder *unitls_insecure_client_config_builder_new(void)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    if (b)
        client_touched(b, "made insecure (nothing turned off yet)");
    return b;
}

unitls_server_config_builder *unitls_insecure_server_config_builder_new(void)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    if (b)
        server_touched(b, "made insecure (nothing turned off yet)");
    return b;
}

unitls_status unitls_insecure_client_config_builder_disable_verification(
    unitls_client_config_builder *b)
{
    client_touched(b, "certificate verification disabled");
    return client_config_builder_disable_checks(b, 1, 0);
}

unitls_status unitls_insecure_client_config_builder_disable_hostname_check(
    unitls_client_config_builder *b)
{
    client_touched(b, "hostname check disabled");
    return client_config_builder_disable_checks(b, 0, 1);
}

unitls_status unitls_insecure_server_config_builder_disable_client_verification(
    unitls_server_config_builder *b)
{
    server_touched(b, "client-certificate verification disabled");
    return server_config_builder_disable_client_verification(b);
}

/* Names the version in the warning, as the version is what an operator will look for. */
static const char *legacy_why(enum unitls_tls_version lowest)
{
    return lowest == UNITLS_TLSv1_0   ? "TLS 1.0 and 1.1 allowed (legacy peers)"
           : lowest == UNITLS_TLSv1_1 ? "TLS 1.1 allowed (legacy peers)"
                                      : "legacy versions asked for";
}

unitls_status unitls_insecure_client_config_builder_allow_legacy_versions(
    unitls_client_config_builder *b, enum unitls_tls_version lowest,
    enum unitls_tls_version highest)
{
    client_touched(b, legacy_why(lowest));
    return client_config_builder_legacy(b, 1, lowest, highest);
}

unitls_status unitls_insecure_server_config_builder_allow_legacy_versions(
    unitls_server_config_builder *b, enum unitls_tls_version lowest,
    enum unitls_tls_version highest)
{
    server_touched(b, legacy_why(lowest));
    return server_config_builder_legacy(b, 1, lowest, highest);
}

#define LOWERED "security level lowered (SHA-1 signatures, RSA-1024 keys, CBC suites)"

unitls_status unitls_insecure_client_config_builder_lower_security_level(
    unitls_client_config_builder *b)
{
    client_touched(b, LOWERED);
    return client_config_builder_legacy(b, 0, UNITLS_TLS_VERSION_UNSET,
                                      UNITLS_TLS_VERSION_UNSET);
}

unitls_status unitls_insecure_server_config_builder_lower_security_level(
    unitls_server_config_builder *b)
{
    server_touched(b, LOWERED);
    return server_config_builder_legacy(b, 0, UNITLS_TLS_VERSION_UNSET,
                                      UNITLS_TLS_VERSION_UNSET);
}
