/* Application protocols negotiated with ALPN (PEP 748's NextProtocol). Configurations take
 * protocols as byte strings; the enum names the well-known ones. */
#ifndef UNITLS_PROTOCOLS_H
#define UNITLS_PROTOCOLS_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

enum unitls_next_protocol {
    UNITLS_NEXT_PROTOCOL_H2 = 1,   /* "h2" */
    UNITLS_NEXT_PROTOCOL_H2C,      /* "h2c" */
    UNITLS_NEXT_PROTOCOL_HTTP1,    /* "http/1.1" */
    UNITLS_NEXT_PROTOCOL_WEBRTC,   /* "webrtc" */
    UNITLS_NEXT_PROTOCOL_C_WEBRTC, /* "c-webrtc" */
    UNITLS_NEXT_PROTOCOL_FTP,      /* "ftp" */
    UNITLS_NEXT_PROTOCOL_STUN,     /* "stun.nat-discovery" */
    UNITLS_NEXT_PROTOCOL_TURN      /* "stun.turn" */
};

/* The protocol's wire bytes (not NUL-terminated for the caller's purposes, though they are)
 * and their length in *len; NULL for a value outside the enum. */
UNITLS_API const uint8_t *unitls_next_protocol_bytes(enum unitls_next_protocol p, size_t *len);

/* Maps wire bytes to the enum. UNITLS_OK and *out written when known; UNITLS_ERR_INVALID when
 * the bytes name no member (the caller keeps them as raw bytes). */
UNITLS_API unitls_status unitls_next_protocol_from_bytes(const uint8_t *bytes, size_t len,
                                                        enum unitls_next_protocol *out);

UNITLS_END_DECLS

#endif
