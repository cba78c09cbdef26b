/* The GnuTLS implementation's table: what it accepts, and where each entry point lives. */
#include "client.h"
#include "leafnames.h"
#include "gnutls_impl.h"
#include "ocsp_impl.h"
#include "server.h"

#define ALL_SOURCES (UNITLS_SOURCE_BUFFER | UNITLS_SOURCE_FILE | UNITLS_SOURCE_ID)

const unitls_implementation gtls_implementation = {
    .name = "gnutls",
    .description =
        "GnuTLS 3.7: certificates and private keys from a buffer, a file (PEM or DER; a PEM "
        "leaf may carry its intermediates and key) or an id; trust stores from a buffer, a "
        "file, an id or the system's. An id is a PKCS#11 URI (pkcs11:...; a PIN must be in the "
        "URI, there are no prompts). TLS 1.2 and 1.3 only: MINIMUM_SUPPORTED means TLS 1.2. "
        "Cipher suites are enabled by their cipher, MAC and key exchange, so sibling suites "
        "may be enabled too; ALPN offers at most 8 protocols of at most 31 bytes.",
    .sources = {
        [UNITLS_OBJECT_CERTIFICATE] = ALL_SOURCES,
        [UNITLS_OBJECT_PRIVATE_KEY] = ALL_SOURCES,
        [UNITLS_OBJECT_TRUST_STORE] = ALL_SOURCES | UNITLS_SOURCE_SYSTEM,
    },
    .validate_client_config = gtls_validate_client_config,
    .validate_server_config = gtls_validate_server_config,
    .client_context_init = gtls_client_context_init,
    .client_context_fini = gtls_client_context_fini,
    .client_buffer_new = gtls_client_buffer_new,
    .server_context_init = gtls_server_context_init,
    .server_context_fini = gtls_server_context_fini,
    .server_context_init_derived = gtls_server_context_init_derived,
    .server_buffer_new = gtls_server_buffer_new,
    .ocsp_check = gtls_ocsp_check,
    .ocsp_request = gtls_ocsp_request,
    .leaf_info = gtls_leaf_info,
    .der_info = gtls_der_info,
};
