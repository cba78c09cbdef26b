/* Library-internal hooks into client configuration builders, used by insecure.c. */
#ifndef UNITLS_CORE_CLIENT_CONFIG_H
#define UNITLS_CORE_CLIENT_CONFIG_H

#include <unitls/config.h>

/* Marks b as made or touched through insecure.h: what is built from it counts as insecure
 * (and warns at every step) even when no switch turned anything off. */
void client_config_builder_mark_insecure(unitls_client_config_builder *b);

/* Turns off chain verification (which implies the hostname check) or only the hostname
 * check. */
unitls_status client_config_builder_disable_checks(unitls_client_config_builder *b,
                                                   int verification, int hostname);

/* insecure.h's legacy switches: with versions, the legacy bounds lowest and highest (see
 * fields_set_legacy_versions); without, the security level is lowered. */
unitls_status client_config_builder_legacy(unitls_client_config_builder *b, int versions,
                                           enum unitls_tls_version lowest,
                                           enum unitls_tls_version highest);

#endif
