/* Insecure settings (PEP 748's insecure module). Not included by unitls.h: a caller has to
 * ask for it by name.
 *
 * SecurityWarnings, "at every step of the way" (PEP 748), through unitls_set_warning_handler:
 * each call below raises one (a builder made here included, and a switch that turns nothing
 * off, such as disabling client verification on a server without client auth), and so does,
 * each time, every configuration built from a builder any call below made or touched, every
 * client or server context created from such a configuration (unitls_server_context_new_derived
 * too), and every connection: each buffer, hence each socket connected or accepted. Such a
 * configuration is insecure (unitls_client_config_is_insecure, unitls_server_config_is_insecure)
 * even when nothing is turned off: as with the PEP reference's InsecureConfiguration, using the
 * module is what counts. The marks and every switch are part of the configuration's equality
 * and hash.
 *
 * Disabling verification is for tests only. The legacy switches (an addition to PEP 748) are
 * for an operator who must still talk to an old peer, on purpose and for that peer alone. */
#ifndef UNITLS_INSECURE_H
#define UNITLS_INSECURE_H

#include <unitls/config.h>
#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

/* Builders that are insecure from the start (the PEP's InsecureConfiguration): like
 * unitls_*_config_builder_new, but what is built from them warns at every step even if no
 * switch below is used. NULL when out of memory. */
UNITLS_API unitls_client_config_builder *unitls_insecure_client_config_builder_new(void);
UNITLS_API unitls_server_config_builder *unitls_insecure_server_config_builder_new(void);

/* --- clients --- */

/* The client accepts any server certificate (no chain verification, no hostname check). */
UNITLS_API unitls_status unitls_insecure_client_config_builder_disable_verification(
    unitls_client_config_builder *b);
/* The client verifies the chain but not that it names the host it connected to. */
UNITLS_API unitls_status unitls_insecure_client_config_builder_disable_hostname_check(
    unitls_client_config_builder *b);

/* --- servers --- */

/* The server accepts any client certificate: with client auth (unitls_server_config_builder_
 * set_client_auth) it still asks for one, and UNITLS_CLIENT_AUTH_REQUIRED still refuses a
 * client that sends none, but the chain is not verified against the trust store, so an
 * unknown, expired or self-signed certificate is accepted and reported by getpeercert. The
 * PEP's insecure server context disables verification the same way; a server has no hostname
 * to check. Without client auth it turns nothing off (and still warns and marks). A client CRL
 * together with this switch is refused at _build (UNITLS_ERR_CONFIGURATION): it would never be
 * consulted. */
UNITLS_API unitls_status unitls_insecure_server_config_builder_disable_client_verification(
    unitls_server_config_builder *b);
/* 1 when the configuration accepts any client certificate. */
UNITLS_API int unitls_server_config_client_verification_disabled(const unitls_server_config *c);

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
/* 1 when the configuration was built from a builder this module made or touched (see above:
 * whatever it turned off, if anything). unitls_client_config_is_insecure is the client's. */
UNITLS_API int unitls_server_config_is_insecure(const unitls_server_config *c);

UNITLS_END_DECLS

#endif
