/* The OpenSSL implementation's table: what it accepts, and where each entry point lives. */
#include "client.h"
#include "leafnames.h"
#include "ocsp_impl.h"
#include "openssl.h"
#include "server.h"

#define ALL_SOURCES (UNITLS_SOURCE_BUFFER | UNITLS_SOURCE_FILE | UNITLS_SOURCE_ID)

const unitls_implementation openssl_implementation = {
    .name = "openssl",
    .description =
        "OpenSSL 3 (libssl): certificates and private keys from a buffer, a file (PEM or DER; "
        "a PEM leaf may carry its intermediates and key) or an id; trust stores from a buffer, "
        "a file, an id or the system's. An id is an OSSL_STORE URI (file:/path, or pkcs11:... "
        "where a provider or engine registers the scheme); no passphrase prompts. TLS 1.2 and "
        "1.3 only: MINIMUM_SUPPORTED means TLS 1.2.",
    .sources = {
        [UNITLS_OBJECT_CERTIFICATE] = ALL_SOURCES,
        [UNITLS_OBJECT_PRIVATE_KEY] = ALL_SOURCES,
        [UNITLS_OBJECT_TRUST_STORE] = ALL_SOURCES | UNITLS_SOURCE_SYSTEM,
    },
    .validate_client_config = openssl_validate_client_config,
    .validate_server_config = openssl_validate_server_config,
    .client_context_init = openssl_client_context_init,
    .client_context_fini = openssl_client_context_fini,
    .client_buffer_new = openssl_client_buffer_new,
    .server_context_init = openssl_server_context_init,
    .server_context_fini = openssl_server_context_fini,
    .server_context_init_derived = openssl_server_context_init_derived,
    .server_buffer_new = openssl_server_buffer_new,
    .ocsp_check = openssl_ocsp_check,
    .ocsp_request = openssl_ocsp_request,
    .leaf_info = openssl_leaf_info,
    .der_info = openssl_der_info,
};
