/* Library-internal hooks into server configuration builders, used by insecure.c. */
#ifndef UNITLS_CORE_SERVER_CONFIG_H
#define UNITLS_CORE_SERVER_CONFIG_H

#include <unitls/config.h>

/* Marks b as made or touched through insecure.h: what is built from it counts as insecure
 * (and warns at every step) even when no switch turned anything off. */
void server_config_builder_mark_insecure(unitls_server_config_builder *b);

/* The server accepts any client certificate: the chain is not verified (nor checked against a
 * CRL); whether one must be sent still follows the client-auth mode. */
unitls_status server_config_builder_disable_client_verification(unitls_server_config_builder *b);

/* insecure.h's legacy switches: with versions, the legacy bounds lowest and highest (see
 * fields_set_legacy_versions); without, the security level is lowered. */
unitls_status server_config_builder_legacy(unitls_server_config_builder *b, int versions,
                                           enum unitls_tls_version lowest,
                                           enum unitls_tls_version highest);

#endif
