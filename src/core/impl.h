/* The interface between the library's core and a TLS implementation.
 *
 * An implementation is a constant table of function pointers (struct unitls_implementation).
 * The core owns configurations, contexts' reference counts, argument checking, sockets and
 * SecurityWarnings; the implementation owns everything that touches its TLS library. Only an
 * implementation's own folder includes its TLS library's headers.
 *
 * Buffers use C-style inheritance: an implementation's buffer struct begins with a
 * struct unitls_buffer (the base), which the core reads for dispatch, context and last error.
 * The base also holds the buffer's byte stores (iostore.h): the core serves every call on them
 * (process_incoming, incoming_reserve, outgoing_peek, ...) itself, and the implementation's TLS
 * library reads and writes them through iostore_in_take and iostore_out_append. The other
 * public unitls_buffer_* functions check their arguments, then call through base.ops. */
#ifndef UNITLS_CORE_IMPL_H
#define UNITLS_CORE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/unitls.h>

#include "iostore.h"
#include "refcount.h"

/* What an implementation knows of a failed handshake beyond the bytes the core saw: its
 * facts, not a verdict (the core classifies and words them, explain.h). */
struct impl_failure_facts {
    int alert_received;  /* the peer's alert description, -1 when none */
    int alert_sent;      /* ours, -1 when none or unknown */
    enum unitls_handshake_failure hint; /* the library's own reading of its error, NONE if none */
    char check[64];      /* the certificate check that failed, in words ("unknown CA"), or "" */
    char subject[128];   /* that certificate's subject and issuer (RFC 4514), "" if unknown */
    char issuer[128];
};

struct unitls_buffer_ops {
    unitls_status (*do_handshake)(unitls_buffer *b);
    int (*handshake_done)(const unitls_buffer *b);
    unitls_status (*read)(unitls_buffer *b, void *dst, size_t cap, size_t *n);
    unitls_status (*write)(unitls_buffer *b, const void *src, size_t len, size_t *n);
    unitls_status (*shutdown)(unitls_buffer *b);
    unitls_status (*getpeercert)(unitls_buffer *b, const uint8_t **der, size_t *len);
    uint16_t (*cipher)(const unitls_buffer *b);
    unitls_status (*negotiated_protocol)(const unitls_buffer *b, const uint8_t **p, size_t *len);
    enum unitls_tls_version (*negotiated_tls_version)(const unitls_buffer *b);
    const char *(*server_name)(const unitls_buffer *b);
    int (*session_resumed)(const unitls_buffer *b);
    /* Optional: fills out (which arrives with alerts -1, hint NONE and empty strings) after a
     * failed handshake. Called on failure paths only. */
    void (*failure_facts)(const unitls_buffer *b, struct impl_failure_facts *out);
    /* Releases the implementation's state and the buffer's memory. The core has released the
     * byte stores before, and drops the context reference afterwards. */
    void (*free)(unitls_buffer *b);
};

struct ocsp_staple;

/* A server buffer's OCSP stapling (ocsp_staple.h writes it). */
struct buffer_ocsp {
    int requested;                /* the ClientHello asked for a staple */
    int stapled;                  /* and the chain's response was given to the TLS library */
    enum unitls_ocsp_state state; /* the selected chain's verdict then; ABSENT before */
    struct ocsp_staple *held;     /* what was stapled, referenced until the buffer is freed */
};

/* The base every implementation's buffer starts with. */
struct unitls_buffer {
    const struct unitls_buffer_ops *ops;
    unitls_client_context *client_ctx; /* exactly one of the two is set, with a reference */
    unitls_server_context *server_ctx;
    unitls_error last_error;           /* the implementation writes it when a call fails */
    struct iostore io;                 /* ciphertext from and for the network */
    /* The peer's first flight, kept until the handshake ends (explain.h), and the
     * explanation of a failed handshake; both NULL otherwise. */
    struct first_flight *first_flight;
    struct handshake_explanation *explanation;
    int first_flight_done;             /* the first flight is kept whole, or never will be */
    struct buffer_ocsp ocsp;
};

/* Fills b's last error for WANT_READ or WANT_WRITE without formatting (these are frequent)
 * and returns status. */
unitls_status buffer_want(unitls_buffer *b, unitls_status status);

/* Fills the base: takes a reference to the one context given and raises the SecurityWarning
 * for a connection from an insecure client or server configuration. Call before returning the
 * buffer. */
void buffer_base_init(unitls_buffer *b, const struct unitls_buffer_ops *ops,
                      unitls_client_context *client_ctx, unitls_server_context *server_ctx);

struct unitls_implementation {
    const char *name;
    const char *description;
    unsigned sources[3]; /* indexed by enum unitls_object_kind: masks of enum unitls_source */

    /* Implementation-specific checks beyond the sources (which the core checks first):
     * ciphers the library lacks, ids it cannot resolve. */
    unitls_status (*validate_client_config)(const unitls_client_config *cfg, unitls_error *err);
    unitls_status (*validate_server_config)(const unitls_server_config *cfg, unitls_error *err);

    /* Context state: built once from the configuration, read-only after, shared by every
     * thread that creates buffers. The core has checked the sources; init performs the same
     * implementation checks as validate_*_config (and fails with the same messages), so a
     * context is built in one pass: certificates and keys are parsed once, not twice. */
    unitls_status (*client_context_init)(unitls_client_context *ctx, void **state,
                                         unitls_error *err);
    void (*client_context_fini)(void *state);
    unitls_buffer *(*client_buffer_new)(unitls_client_context *ctx, void *state,
                                        const char *server_hostname, unitls_error *err);

    unitls_status (*server_context_init)(unitls_server_context *ctx, void **state,
                                         unitls_error *err);
    void (*server_context_fini)(void *state);
    /* Optional: like server_context_init, but state that depends only on one signing chain's
     * content may be shared with previous_state (a running context's state of this same
     * implementation) for chains that compare equal. NULL: the core calls server_context_init. */
    unitls_status (*server_context_init_derived)(unitls_server_context *ctx, void **state,
                                                 const void *previous_state, unitls_error *err);
    unitls_buffer *(*server_buffer_new)(unitls_server_context *ctx, void *state,
                                        unitls_error *err);

    /* Optional (NULL: every response is INVALID, and no request is built). ocsp_check judges
     * a DER OCSPResponse for chain's leaf (chain's files loaded) on everything but the time
     * and writes the verdict to info, which arrives zeroed: ocsp_info_sound, or
     * ocsp_info_refuse with the first problem found, in this order: unparsable, responder
     * status, not basic, issuer not in the chain, for another certificate, signature and
     * signer, certificate status, no nextUpdate (ocsp_internal.h). Called when a context is
     * created and when a response is installed, from any thread. ocsp_request implements
     * unitls_ocsp_request_build (the core has checked the arguments and loaded the chain). */
    void (*ocsp_check)(const uint8_t *der, size_t len, const unitls_signing_chain *chain,
                       struct unitls_ocsp_info *info);
    unitls_status (*ocsp_request)(const unitls_signing_chain *chain, uint8_t *der, size_t cap,
                                  size_t *der_len, char *url, size_t url_cap,
                                  unitls_error *err);

    /* Optional (NULL: unitls_signing_chain_leaf_info fails saying so). Reads the leaf of
     * chain (its files loaded by the core) into out, which arrives zeroed; any thread. 1 when
     * read; 0 when the leaf's subject or validity cannot be read (the core says so, naming the
     * file); -1 with err filled when the chain's certificates cannot be parsed at all. */
    int (*leaf_info)(const unitls_signing_chain *chain, struct unitls_certificate_info *out,
                     unitls_error *err);
    /* Optional with leaf_info, the same for one DER certificate: 1 when read, 0 when der is
     * not a certificate or its subject or validity cannot be read. Any thread. */
    int (*der_info)(const uint8_t *der, size_t len, struct unitls_certificate_info *out);
};

/* The compiled-in implementations, NULL-terminated; the first is the default. Defined by the
 * library's top level (src/builtin.c), which is the only place that knows them all. */
extern const unitls_implementation *const builtin_implementations[];

/* The core's own part of validation: every credential's source (buffer, file, id, system) is
 * one the implementation supports. The validate entry points run these, then the
 * implementation's checks; context construction runs these, then the implementation's init. */
unitls_status registry_check_client_sources(const unitls_implementation *impl,
                                            const unitls_client_config *cfg, unitls_error *err);
unitls_status registry_check_server_sources(const unitls_implementation *impl,
                                            const unitls_server_config *cfg, unitls_error *err);

#endif
