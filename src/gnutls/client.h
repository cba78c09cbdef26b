/* client: the GnuTLS client context (a priority cache and one certificate credentials object
 * per unitls_client_context, built once) and its buffers. Verification uses the
 * configuration's trust store (the system's by default) and verify.h's callback; the server
 * name is sent as SNI unless it is an IP literal (then checked as an address). With session
 * resumption on, the context remembers the latest session per server name (a TLS 1.2 session
 * after its handshake, a TLS 1.3 ticket as it arrives) and offers it on the next buffer for
 * that name. A client chain for client authentication is served by a retrieve callback from
 * the resolved chain (resolve.h). GnuTLS limits ALPN to 8 protocols of at most 31 bytes; a
 * longer list is a configuration error. */
#ifndef UNITLS_GNUTLS_CLIENT_H
#define UNITLS_GNUTLS_CLIENT_H

#include "core/impl.h"

unitls_status gtls_validate_client_config(const unitls_client_config *cfg, unitls_error *err);
unitls_status gtls_client_context_init(unitls_client_context *ctx, void **state,
                                       unitls_error *err);
void gtls_client_context_fini(void *state);
unitls_buffer *gtls_client_buffer_new(unitls_client_context *ctx, void *state,
                                      const char *server_hostname, unitls_error *err);

#endif
