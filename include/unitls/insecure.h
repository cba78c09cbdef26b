/* Insecure settings, for tests only (PEP 748's insecure module). Not included by unitls.h:
 * a caller has to ask for it by name. Each call below raises a SecurityWarning, and so does
 * every configuration, context and connection created from an insecure configuration. */
#ifndef UNITLS_INSECURE_H
#define UNITLS_INSECURE_H

#include <unitls/config.h>
#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

/* The client accepts any server certificate (no chain verification, no hostname check). */
UNITLS_API unitls_status unitls_insecure_client_config_builder_disable_verification(
    unitls_client_config_builder *b);
/* The client verifies the chain but not that it names the host it connected to. */
UNITLS_API unitls_status unitls_insecure_client_config_builder_disable_hostname_check(
    unitls_client_config_builder *b);

UNITLS_END_DECLS

#endif
