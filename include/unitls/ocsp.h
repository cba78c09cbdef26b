/* OCSP stapling (added to PEP 748): a server staples a DER OCSPResponse (RFC 6960) for a
 * signing chain's leaf when a client asks (status_request, TLS 1.2 and 1.3), and only while
 * the response is valid.
 *
 * A response is valid for a chain when it is a successful basic response, holds a single
 * response whose CertID names the chain's leaf (serial, issuer name and key hashes), is signed
 * by the leaf's issuer or by a responder certificate the issuer issued for OCSP signing
 * (id-kp-OCSPSigning; carried in the response, and within its own validity now), says `good`,
 * and now lies between its thisUpdate and nextUpdate (a response without nextUpdate is
 * refused: a staple must expire). A thisUpdate up to five minutes ahead of the clock counts as
 * reached, for responders whose clocks run slightly ahead; a nextUpdate gets no such leeway.
 * The issuer is the chain's certificate whose subject is the leaf's issuer name; a chain that
 * does not carry its leaf's issuer cannot be checked and never staples (add the issuer to the
 * chain file).
 *
 * Responses are checked by an implementation, with its own TLS library; every implementation
 * built in gives the same verdicts. */
#ifndef UNITLS_OCSP_H
#define UNITLS_OCSP_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/config.h>
#include <unitls/context.h>
#include <unitls/credentials.h>
#include <unitls/export.h>
#include <unitls/implementation.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

typedef struct unitls_ocsp_response unitls_ocsp_response;

/* --- responses (credentials, like unitls_crl) --- */

/* A DER OCSPResponse, as `openssl ocsp -respout` writes it and HAProxy, hitch and nginx read
 * it. A buffer is copied; a file is read when the configuration holding it is built, so a file
 * replaced in place makes an unequal configuration on the next build. Empty buffer or path:
 * UNITLS_ERR_CONFIGURATION. The content is only parsed when checked: a configuration holding
 * an unparsable response builds, and that chain does not staple. */
UNITLS_API unitls_ocsp_response *unitls_ocsp_response_from_buffer(const void *der, size_t len,
                                                                  unitls_error *err);
UNITLS_API unitls_ocsp_response *unitls_ocsp_response_from_file(const char *path,
                                                                unitls_error *err);
UNITLS_API unitls_ocsp_response *unitls_ocsp_response_ref(unitls_ocsp_response *r);
UNITLS_API void unitls_ocsp_response_unref(unitls_ocsp_response *r);
UNITLS_API enum unitls_source unitls_ocsp_response_source(const unitls_ocsp_response *r);
UNITLS_API const char *unitls_ocsp_response_path(const unitls_ocsp_response *r);
/* The buffer, or the file content as read when the configuration holding it was built (NULL
 * with *len 0 for a file response not loaded yet). */
UNITLS_API const uint8_t *unitls_ocsp_response_content(const unitls_ocsp_response *r,
                                                       size_t *len);
/* Equal content (and, for files not yet read, equal paths). Two NULLs are equal. */
UNITLS_API int unitls_ocsp_response_equal(const unitls_ocsp_response *a,
                                          const unitls_ocsp_response *b);

/* --- verdicts --- */

enum unitls_ocsp_state {
    UNITLS_OCSP_ABSENT = 0, /* no response for this chain */
    UNITLS_OCSP_VALID,      /* stapled when a client asks */
    UNITLS_OCSP_EXPIRED,    /* past its nextUpdate, or its thisUpdate is still ahead */
    UNITLS_OCSP_INVALID     /* unparsable, for another certificate, badly signed, not good */
};
/* "absent", "valid", "expired", "invalid"; NULL for a value out of range. */
UNITLS_API const char *unitls_ocsp_state_name(enum unitls_ocsp_state s);

struct unitls_ocsp_info {
    enum unitls_ocsp_state state;
    int64_t this_update;  /* seconds since the epoch; 0 when unknown (absent, unparsable) */
    int64_t next_update;
    char reason[160];     /* why not valid, in words ("status is revoked", "not signed by the
                             issuer CN=Test CA", "for another certificate (serial 0x1002)");
                             "" when valid or absent */
};

/* Checks r (NULL: absent) for chain's leaf at time now (seconds since the epoch; 0 means the
 * current time) with impl (NULL: the default implementation) and writes the verdict to info.
 * OK whenever a verdict was reached, including INVALID and EXPIRED; ERR_INVALID for a NULL
 * chain or info, ERR_CONFIGURATION when r is a file that cannot be read (naming it). */
UNITLS_API unitls_status unitls_ocsp_response_check(const unitls_implementation *impl,
                                                    unitls_ocsp_response *r,
                                                    const unitls_signing_chain *chain,
                                                    int64_t now, struct unitls_ocsp_info *info,
                                                    unitls_error *err);

/* --- configurations --- */

/* Staples r for the chain added chain_index-th (from 0) by
 * unitls_server_config_builder_add_certificate_chain; NULL removes it. The response is part of
 * the configuration's equality and hash. ERR_INVALID when no chain has that index yet. A
 * response that is not valid does not fail the build or the context: that chain does not
 * staple, and unitls_server_context_ocsp_info says why. */
UNITLS_API unitls_status unitls_server_config_builder_set_ocsp_response(
    unitls_server_config_builder *b, size_t chain_index, unitls_ocsp_response *r);
/* The response configured for chain chain_index (borrowed), NULL when none. */
UNITLS_API unitls_ocsp_response *unitls_server_config_ocsp_response(
    const unitls_server_config *c, size_t chain_index);

/* --- running contexts --- */

/* The verdict, at time now (0: the current time), on the response the context staples for
 * chain chain_index: the configured one, or the last installed by
 * unitls_server_context_set_ocsp_response. ERR_INVALID for an index out of range. */
UNITLS_API unitls_status unitls_server_context_ocsp_info(const unitls_server_context *ctx,
                                                         size_t chain_index, int64_t now,
                                                         struct unitls_ocsp_info *info);
/* Installs r as chain chain_index's staple in a running context, for handshakes that start
 * afterwards (a fresh response without a reload). r is checked first (a file response is read
 * now): one that is not VALID now is refused with ERR_CONFIGURATION saying why, and the
 * previous response stays; ERR_INVALID for a NULL r or an index out of range. Safe to call
 * from any thread while other threads run handshakes on buffers of ctx. A context made later
 * from a configuration (unitls_server_context_new_derived included) starts again from that
 * configuration's responses. */
UNITLS_API unitls_status unitls_server_context_set_ocsp_response(unitls_server_context *ctx,
                                                                 size_t chain_index,
                                                                 unitls_ocsp_response *r,
                                                                 unitls_error *err);

/* What a server asks the leaf's OCSP responder for a fresh response: the DER OCSPRequest for
 * chain's leaf (SHA-1 CertID as responders expect, no nonce) written to der (cap bytes,
 * *der_len set), and the responder's URL from the leaf's Authority Information Access written
 * to url (url_cap bytes, NUL-terminated). ERR_CONFIGURATION when the leaf names no OCSP
 * responder or its issuer is not in the chain; ERR_INVALID when a buffer is too small (4096
 * bytes and 1024 bytes always suffice). */
UNITLS_API unitls_status unitls_ocsp_request_build(const unitls_implementation *impl,
                                                   const unitls_signing_chain *chain,
                                                   uint8_t *der, size_t cap, size_t *der_len,
                                                   char *url, size_t url_cap,
                                                   unitls_error *err);

/* --- connections --- */

enum unitls_ocsp_stapling {
    UNITLS_OCSP_NOT_REQUESTED = 0, /* the client did not ask (or a client buffer) */
    UNITLS_OCSP_STAPLED,           /* asked, and the chain's response was sent */
    UNITLS_OCSP_NOT_STAPLED        /* asked, and the chain had no valid response */
};
/* After a server buffer's handshake: whether the client asked for a staple and whether it got
 * one; when state is not NULL, the selected chain's verdict at handshake time is written to it
 * when the client asked (ABSENT when it did not, before the certificate was chosen, and on a
 * resumed session, where no certificate is sent). */
UNITLS_API enum unitls_ocsp_stapling unitls_buffer_ocsp_stapling(const unitls_buffer *b,
                                                                 enum unitls_ocsp_state *state);

UNITLS_END_DECLS

#endif
