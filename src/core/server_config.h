/* Library-internal hooks into server configuration builders, used by insecure.c. */
#ifndef UNITLS_CORE_SERVER_CONFIG_H
#define UNITLS_CORE_SERVER_CONFIG_H

#include <unitls/config.h>

/* insecure.h's legacy switches: with versions, the legacy bounds lowest and highest (see
 * fields_set_legacy_versions); without, the security level is lowered. */
unitls_status server_config_builder_legacy(unitls_server_config_builder *b, int versions,
                                           enum unitls_tls_version lowest,
                                           enum unitls_tls_version highest);

#endif
