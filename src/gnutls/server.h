/* server: the GnuTLS server context and its buffers.
 *
 * Per context, built once and read-only after: a priority cache (priority.h), one certificate
 * credentials object, every signing chain resolved (chains.h) with the core's SNI table over
 * them, the ALPN list, and a session ticket key (random per context, wiped at fini), so
 * resumption lasts as long as the context. Per buffer: a session given those, the handshake
 * hook and nothing else expensive.
 *
 * Certificates: no chain is installed in the credentials. GnuTLS asks a retrieve callback once
 * per handshake; it serves, from the set the client's server name selects (exact, wildcard,
 * default: sni_table.h), the chain whose key the client can use: ECDSA first, else RSA, then
 * the other key types. "Can use" means a signature scheme the client offers fits the key and,
 * in TLS 1.2, a suite the client offers (and the context enables) has a key exchange for it.
 * The client's suites, server name and ALPN list come from the ClientHello itself, read by the
 * core's inspector (core/hello_inspect.h).
 * Limitation: a TLS 1.3 client offering ECDSA schemes only for another curve than the key's
 * is still given the ECDSA chain.
 *
 * ALPN follows the server's preference by the core's rule (tls_params_alpn_select); no overlap
 * negotiates no protocol and the handshake goes on. Names longer than 31 bytes (GnuTLS's limit)
 * are a configuration error. Tickets: unitls_server_config_session_tickets()
 * per full TLS 1.3 handshake (GnuTLS's automatic pair is replaced by that number); 0 disables
 * tickets and so resumption (there is no server-side session cache). Client authentication:
 * none, optional (requested, verified when sent) or required (GnuTLS refuses a handshake
 * without one: UNITLS_ERR_CERTIFICATE). */
#ifndef UNITLS_GNUTLS_SERVER_H
#define UNITLS_GNUTLS_SERVER_H

#include "core/impl.h"

unitls_status gtls_validate_server_config(const unitls_server_config *cfg, unitls_error *err);
unitls_status gtls_server_context_init(unitls_server_context *ctx, void **state,
                                       unitls_error *err);
void gtls_server_context_fini(void *state);
/* Shares the resolved chains of every chain equal to one of previous_state's. */
unitls_status gtls_server_context_init_derived(unitls_server_context *ctx, void **state,
                                               const void *previous_state, unitls_error *err);
unitls_buffer *gtls_server_buffer_new(unitls_server_context *ctx, void *state,
                                      unitls_error *err);

#endif
