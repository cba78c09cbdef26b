/* insecure.h: switches that turn off server verification on client builders. Each call
 * warns; the configurations, contexts and buffers made from the result warn again. */
#include <unitls/insecure.h>

#include "client_config.h"
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
