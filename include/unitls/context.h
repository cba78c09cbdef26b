/* Client and server contexts (PEP 748's ClientContext and ServerContext): an implementation's
 * prepared state for one configuration, and the factory of buffers and sockets. Contexts are
 * immutable from the caller's view and reference counted (atomic); any thread may create
 * buffers from a shared context. Each buffer and socket holds a reference to its context. */
#ifndef UNITLS_CONTEXT_H
#define UNITLS_CONTEXT_H

#include <stdint.h>
#include <unitls/config.h>
#include <unitls/export.h>
#include <unitls/implementation.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

typedef struct unitls_client_context unitls_client_context;
typedef struct unitls_server_context unitls_server_context;
typedef struct unitls_buffer unitls_buffer;
typedef struct unitls_socket unitls_socket;

/* Validates config against impl (NULL: the default implementation) and prepares everything a
 * connection needs. Takes a reference to config. */
UNITLS_API unitls_client_context *unitls_client_context_new(const unitls_implementation *impl,
                                                            unitls_client_config *config,
                                                            unitls_error *err);
UNITLS_API unitls_client_context *unitls_client_context_ref(unitls_client_context *ctx);
UNITLS_API void unitls_client_context_unref(unitls_client_context *ctx);
UNITLS_API unitls_client_config *unitls_client_context_configuration(
    const unitls_client_context *ctx);
UNITLS_API const unitls_implementation *unitls_client_context_implementation(
    const unitls_client_context *ctx);
/* A buffer for one connection to server_hostname (sent as SNI and checked against the
 * certificate; NULL sends no SNI and, unless the hostname check is disabled, fails the
 * handshake's verification). */
UNITLS_API unitls_buffer *unitls_client_context_create_buffer(unitls_client_context *ctx,
                                                              const char *server_hostname,
                                                              unitls_error *err);
/* Connects a blocking TCP socket to host:port and completes the handshake (SNI and hostname
 * verification against host). */
UNITLS_API unitls_socket *unitls_client_context_connect(unitls_client_context *ctx,
                                                        const char *host, uint16_t port,
                                                        unitls_error *err);

UNITLS_API unitls_server_context *unitls_server_context_new(const unitls_implementation *impl,
                                                            unitls_server_config *config,
                                                            unitls_error *err);
/* Addition to PEP 748, for reloads: the same as unitls_server_context_new, but whatever the
 * implementation derives from one signing chain alone (parsed certificates, decoded keys, the
 * names it serves) is shared with previous wherever a chain of config compares equal
 * (unitls_signing_chain_equal) to one of previous's configuration. The result behaves exactly
 * as a context built from scratch; previous is only read and stays valid. Renewing one of a
 * listener's 10,000 certificates then costs one chain's work, not 10,000. previous may be
 * NULL or of another implementation: nothing is shared then. */
UNITLS_API unitls_server_context *unitls_server_context_new_derived(
    const unitls_implementation *impl, unitls_server_config *config,
    const unitls_server_context *previous, unitls_error *err);
UNITLS_API unitls_server_context *unitls_server_context_ref(unitls_server_context *ctx);
UNITLS_API void unitls_server_context_unref(unitls_server_context *ctx);
UNITLS_API unitls_server_config *unitls_server_context_configuration(
    const unitls_server_context *ctx);
UNITLS_API const unitls_implementation *unitls_server_context_implementation(
    const unitls_server_context *ctx);
UNITLS_API unitls_buffer *unitls_server_context_create_buffer(unitls_server_context *ctx,
                                                              unitls_error *err);
/* Binds host:port (host NULL: all addresses; port 0: any) and listens with backlog. */
UNITLS_API unitls_socket *unitls_server_context_listen(unitls_server_context *ctx,
                                                       const char *host, uint16_t port,
                                                       int backlog, unitls_error *err);

UNITLS_END_DECLS

#endif
