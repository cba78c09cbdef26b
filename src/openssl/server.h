/* server: the OpenSSL server context and its buffers.
 *
 * One SSL_CTX per unitls_server_context, built once: settings, ticket keys (OpenSSL's own,
 * random per SSL_CTX, so resumption lasts as long as the context), client authentication, and
 * the default certificate set. Every other chain is resolved at init too and kept as OpenSSL
 * objects; the client hello callback picks the set for the client's server name (sni.h) and,
 * when it is not the default, installs it on that connection's SSL (reference counts only, a
 * few microseconds) rather than switching among thousands of prepared SSL_CTXs (about 190 us
 * and 12 KiB each in OpenSSL 3.0). With both an ECDSA and an RSA chain installed, OpenSSL
 * serves the one the client's signature algorithms and suites allow, ECDSA first.
 *
 * ALPN follows the server's preference; no overlap negotiates no protocol (the handshake goes
 * on). Tickets: unitls_server_config_session_tickets() per full handshake; 0 turns resumption
 * off. OpenSSL's server-side session cache is off: resumption is by ticket only. */
#ifndef UNITLS_OPENSSL_SERVER_H
#define UNITLS_OPENSSL_SERVER_H

#include "core/impl.h"

unitls_status openssl_validate_server_config(const unitls_server_config *cfg, unitls_error *err);
unitls_status openssl_server_context_init(unitls_server_context *ctx, void **state,
                                          unitls_error *err);
void openssl_server_context_fini(void *state);
/* Shares the resolved objects of every chain equal to one of previous_state's. */
unitls_status openssl_server_context_init_derived(unitls_server_context *ctx, void **state,
                                                  const void *previous_state, unitls_error *err);
unitls_buffer *openssl_server_buffer_new(unitls_server_context *ctx, void *state,
                                         unitls_error *err);

#endif
