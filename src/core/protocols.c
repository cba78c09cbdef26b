/* ALPN protocol names PEP 748 defines, as wire bytes. */
#include <string.h>

#include <unitls/protocols.h>

struct protocol_bytes {
    enum unitls_next_protocol p;
    const char *bytes;
};

static const struct protocol_bytes known_protocols[] = {
    {UNITLS_NEXT_PROTOCOL_H2, "h2"},
    {UNITLS_NEXT_PROTOCOL_H2C, "h2c"},
    {UNITLS_NEXT_PROTOCOL_HTTP1, "http/1.1"},
    {UNITLS_NEXT_PROTOCOL_WEBRTC, "webrtc"},
    {UNITLS_NEXT_PROTOCOL_C_WEBRTC, "c-webrtc"},
    {UNITLS_NEXT_PROTOCOL_FTP, "ftp"},
    {UNITLS_NEXT_PROTOCOL_STUN, "stun.nat-discovery"},
    {UNITLS_NEXT_PROTOCOL_TURN, "stun.turn"},
};

#define N_PROTOCOLS (sizeof known_protocols / sizeof known_protocols[0])

const uint8_t *unitls_next_protocol_bytes(enum unitls_next_protocol p, size_t *len)
{
    for (size_t i = 0; i < N_PROTOCOLS; i++) {
        if (known_protocols[i].p == p) {
            if (len)
                *len = strlen(known_protocols[i].bytes);
            return (const uint8_t *)known_protocols[i].bytes;
        }
    }
    return NULL;
}

unitls_status unitls_next_protocol_from_bytes(const uint8_t *bytes, size_t len,
                                             enum unitls_next_protocol *out)
{
    if (!bytes || !out)
        return UNITLS_ERR_INVALID;
    for (size_t i = 0; i < N_PROTOCOLS; i++) {
        const char *known = known_protocols[i].bytes;
        if (strlen(known) == len && memcmp(known, bytes, len) == 0) {
            *out = known_protocols[i].p;
            return UNITLS_OK;
        }
    }
    return UNITLS_ERR_INVALID;
}
