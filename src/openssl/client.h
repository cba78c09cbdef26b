/* client: the OpenSSL client context (one SSL_CTX per unitls_client_context, built once) and
 * its buffers. Verification uses the configuration's trust store (the system's by default);
 * the hostname is checked against the certificate (DNS name, or IP address for an IP
 * literal, which is then not sent as SNI). With session resumption on, the context remembers
 * the latest session per server name and offers it on the next buffer for that name. */
#ifndef UNITLS_OPENSSL_CLIENT_H
#define UNITLS_OPENSSL_CLIENT_H

#include "core/impl.h"

unitls_status openssl_validate_client_config(const unitls_client_config *cfg, unitls_error *err);
unitls_status openssl_client_context_init(unitls_client_context *ctx, void **state,
                                          unitls_error *err);
void openssl_client_context_fini(void *state);
unitls_buffer *openssl_client_buffer_new(unitls_client_context *ctx, void *state,
                                         const char *server_hostname, unitls_error *err);

#endif
