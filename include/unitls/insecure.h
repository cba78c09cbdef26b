/* Insecure settings (PEP 748's insecure module). Not included by unitls.h: a caller has to
 * ask for it by name. Each call below raises a SecurityWarning, and so does every
 * configuration built from an insecure builder, and every client context and connection
 * created from an insecure client configuration. Every switch is part of the configuration's
 * equality and hash.
 *
 * Disabling verification is for tests only. The legacy switches (an addition to PEP 748) are
 * for an operator who must still talk to an old peer, on purpose and for that peer alone. */
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

/* --- legacy peers (added to PEP 748) --- */

/* Allows TLS 1.0 and 1.1 (lowest UNITLS_TLSv1_0) or TLS 1.1 (UNITLS_TLSv1_1) as the lowest
 * supported version, values the ordinary setters refuse. highest is UNITLS_TLS_VERSION_UNSET
 * to leave the highest version as configured, or UNITLS_TLSv1_0/UNITLS_TLSv1_1 to stop there
 * (for a peer that cannot cope with a newer ClientHello, or to stand in for a legacy peer in
 * tests). Other values are UNITLS_ERR_CONFIGURATION. Legacy bounds need the lowered security
 * level below as well (_build says so otherwise): TLS 1.0 and 1.1 sign handshakes with SHA-1
 * and have no AEAD suite. A later ordinary version setter replaces the bound it sets. */
UNITLS_API unitls_status unitls_insecure_client_config_builder_allow_legacy_versions(
    unitls_client_config_builder *b, enum unitls_tls_version lowest,
    enum unitls_tls_version highest);
UNITLS_API unitls_status unitls_insecure_server_config_builder_allow_legacy_versions(
    unitls_server_config_builder *b, enum unitls_tls_version lowest,
    enum unitls_tls_version highest);

/* Lowers the security level to what legacy peers need: SHA-1 signatures, RSA keys of 1024
 * bits, and, when no cipher suites are configured, the CBC suites with SHA-1 MACs that TLS 1.0
 * and 1.1 negotiate (after the secure defaults, which stay preferred). OpenSSL's security
 * level 0; on GnuTLS, SHA-1 signatures and the weak verification profile. */
UNITLS_API unitls_status unitls_insecure_client_config_builder_lower_security_level(
    unitls_client_config_builder *b);
UNITLS_API unitls_status unitls_insecure_server_config_builder_lower_security_level(
    unitls_server_config_builder *b);

/* 1 when the configuration has the lowered security level. Legacy bounds show in
 * unitls_*_config_lowest/highest_supported_version. */
UNITLS_API int unitls_client_config_security_level_lowered(const unitls_client_config *c);
UNITLS_API int unitls_server_config_security_level_lowered(const unitls_server_config *c);
/* 1 when a legacy version or the lowered security level is allowed (a server has no other
 * insecure switch; unitls_client_config_is_insecure covers these too). */
UNITLS_API int unitls_server_config_is_insecure(const unitls_server_config *c);

UNITLS_END_DECLS

#endif
