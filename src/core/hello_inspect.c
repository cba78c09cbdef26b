/* hello_inspect: bounds-checked walks over the first flight (RFC 8446, sections 4.1.2, 4.1.3,
 * 5.1, 6; RFC 6101 appendix E.2 for the SSLv2-compatible hello). */
#include <stdio.h>
#include <string.h>

#include <unitls/ciphers.h>
#include <unitls/groups.h>

#include "hello_inspect.h"

#define HS_CLIENT_HELLO 1
#define HS_SERVER_HELLO 2
#define EXT_SERVER_NAME 0
#define EXT_STATUS_REQUEST 5
#define STATUS_TYPE_OCSP 1
#define EXT_SUPPORTED_GROUPS 10
#define EXT_SIGNATURE_ALGORITHMS 13
#define EXT_ALPN 16
#define EXT_SUPPORTED_VERSIONS 43

struct reader {
    const uint8_t *p;
    size_t left;
};

static uint16_t be16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

static int skip(struct reader *r, size_t n)
{
    if (r->left < n)
        return -1;
    r->p += n;
    r->left -= n;
    return 0;
}

static int u16(struct reader *r, uint16_t *v)
{
    if (r->left < 2)
        return -1;
    *v = be16(r->p);
    return skip(r, 2);
}

/* A vector with a length prefix of width bytes (1 or 2). */
static int vector(struct reader *r, unsigned width, const uint8_t **data, size_t *len)
{
    if (r->left < width)
        return -1;
    size_t n = width == 1 ? r->p[0] : be16(r->p);
    if (skip(r, width) != 0 || r->left < n)
        return -1;
    *data = r->p;
    *len = n;
    return skip(r, n);
}

/* A list inside an extension body: a length prefix of width bytes that must fill the body. */
static void inner_list(const uint8_t *body, size_t len, unsigned width, const uint8_t **out,
                       size_t *out_len)
{
    struct reader r = {body, len};
    const uint8_t *list = NULL;
    size_t n = 0;
    if (vector(&r, width, &list, &n) == 0 && r.left == 0) {
        *out = list;
        *out_len = n;
    }
}

static void client_extension_take(struct hello_client *out, unsigned type, const uint8_t *body,
                                  size_t len)
{
    switch (type) {
    case EXT_SERVER_NAME:
        out->server_name = body;
        out->server_name_len = len;
        break;
    case EXT_ALPN: inner_list(body, len, 2, &out->alpn, &out->alpn_len); break;
    case EXT_SUPPORTED_GROUPS: inner_list(body, len, 2, &out->groups, &out->groups_len); break;
    case EXT_SIGNATURE_ALGORITHMS:
        inner_list(body, len, 2, &out->sigalgs, &out->sigalgs_len);
        break;
    case EXT_SUPPORTED_VERSIONS:
        inner_list(body, len, 1, &out->versions, &out->versions_len);
        break;
    case EXT_STATUS_REQUEST: out->status_request = hello_status_request_ocsp(body, len); break;
    default: break;
    }
}

int hello_status_request_ocsp(const uint8_t *body, size_t len)
{
    /* CertificateStatusRequest (RFC 6066, section 8): status_type, then the ocsp request's
     * responder_id_list and extensions, which a server may ignore. */
    return len >= 1 && body[0] == STATUS_TYPE_OCSP;
}

/* Walks an extensions block; take is called for each (type, body). */
static int extensions_walk(struct reader *r, void (*take)(void *, unsigned, const uint8_t *,
                                                          size_t),
                           void *arg)
{
    const uint8_t *exts = NULL;
    size_t len = 0;
    if (r->left == 0)
        return 0; /* no extensions at all */
    if (vector(r, 2, &exts, &len) != 0)
        return -1;
    struct reader e = {exts, len};
    while (e.left > 0) {
        uint16_t type = 0;
        const uint8_t *body = NULL;
        size_t body_len = 0;
        if (u16(&e, &type) != 0 || vector(&e, 2, &body, &body_len) != 0)
            return -1;
        take(arg, type, body, body_len);
    }
    return 0;
}

static void client_take(void *arg, unsigned type, const uint8_t *body, size_t len)
{
    client_extension_take(arg, type, body, len);
}

enum hello_result hello_client_parse_body(const uint8_t *msg, size_t len,
                                          struct hello_client *out)
{
    struct reader r = {msg, len};
    const uint8_t *ignored = NULL;
    size_t ignored_len = 0;
    struct hello_client h;
    memset(&h, 0, sizeof h);
    if (u16(&r, &h.legacy_version) != 0 || skip(&r, 32) != 0 ||
        vector(&r, 1, &ignored, &ignored_len) != 0 ||
        vector(&r, 2, &h.suites, &h.suites_len) != 0 ||
        vector(&r, 1, &ignored, &ignored_len) != 0 || extensions_walk(&r, client_take, &h) != 0)
        return HELLO_MALFORMED;
    *out = h;
    return HELLO_OK;
}

/* 1 for the start of an HTTP request (or response), -1 for a prefix of one, 0 otherwise. */
static int http_start(const uint8_t *p, size_t len)
{
    static const char *const starts[] = {"GET ",     "POST ",     "PUT ",     "HEAD ",
                                         "PRI *",    "DELETE ",   "OPTIONS ", "CONNECT ",
                                         "PATCH ",   "TRACE ",    "HTTP/"};
    int prefix = 0;
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++) {
        size_t n = strlen(starts[i]);
        size_t m = len < n ? len : n;
        if (memcmp(p, starts[i], m) != 0)
            continue;
        if (m == n || m >= 4)
            return 1;
        prefix = 1;
    }
    return prefix ? -1 : 0;
}

/* Classifies bytes that do not start a TLS record; HELLO_OK when they may. */
static enum hello_result framing(const uint8_t *p, size_t len, int client_hello)
{
    if (len == 0)
        return HELLO_NEED_MORE;
    if (client_hello && (p[0] & 0x80) && len >= 3 && p[2] == HS_CLIENT_HELLO)
        return HELLO_SSLV2;
    if (p[0] == HELLO_TYPE_HANDSHAKE || p[0] == HELLO_TYPE_ALERT) {
        if (len >= 2 && p[1] != 3)
            return HELLO_NOT_TLS;
        return len < HELLO_RECORD_HEADER ? HELLO_NEED_MORE : HELLO_OK;
    }
    if (client_hello && (p[0] & 0x80) && len < 3)
        return HELLO_NEED_MORE;
    int http = http_start(p, len);
    return http > 0 ? HELLO_HTTP : http < 0 ? HELLO_NEED_MORE : HELLO_NOT_TLS;
}

/* The first record's header, checked: its body in *body and *body_len (what arrived of it). */
static enum hello_result record_open(const uint8_t *p, size_t len, int client_hello,
                                     uint16_t *version, const uint8_t **body, size_t *body_len)
{
    enum hello_result r = framing(p, len, client_hello);
    if (r != HELLO_OK)
        return r;
    size_t rec_len = be16(p + 3);
    if (rec_len > HELLO_MAX_RECORD + 2048u)
        return HELLO_TOO_LARGE;
    *version = be16(p + 1);
    *body = p + HELLO_RECORD_HEADER;
    *body_len = len - HELLO_RECORD_HEADER < rec_len ? len - HELLO_RECORD_HEADER : rec_len;
    return *body_len < rec_len ? HELLO_NEED_MORE : HELLO_OK;
}

/* The handshake message of type at the start of a complete record body. */
static enum hello_result handshake_open(const uint8_t *body, size_t len, unsigned type,
                                        const uint8_t **msg, size_t *msg_len)
{
    if (len < 4 || body[0] != type)
        return HELLO_MALFORMED;
    size_t n = ((size_t)body[1] << 16) | ((size_t)body[2] << 8) | body[3];
    if (n > HELLO_MAX_RECORD)
        return HELLO_TOO_LARGE;
    if (n > len - 4)
        return HELLO_SPLIT;
    *msg = body + 4;
    *msg_len = n;
    return HELLO_OK;
}

enum hello_result hello_client_inspect(const uint8_t *p, size_t len, struct hello_client *out)
{
    uint16_t version = 0;
    const uint8_t *body = NULL, *msg = NULL;
    size_t body_len = 0, msg_len = 0;
    enum hello_result r = record_open(p, len, 1, &version, &body, &body_len);
    if (r == HELLO_NEED_MORE && body_len >= 4 && body[0] == HS_CLIENT_HELLO &&
        (((size_t)body[1] << 16) | ((size_t)body[2] << 8) | body[3]) > HELLO_MAX_RECORD)
        return HELLO_TOO_LARGE; /* known before the rest arrives */
    if (r != HELLO_OK)
        return r;
    if (p[0] != HELLO_TYPE_HANDSHAKE)
        return HELLO_MALFORMED;
    r = handshake_open(body, body_len, HS_CLIENT_HELLO, &msg, &msg_len);
    if (r != HELLO_OK)
        return r;
    struct hello_client h;
    if (hello_client_parse_body(msg, msg_len, &h) != HELLO_OK)
        return HELLO_MALFORMED;
    h.record_version = version;
    *out = h;
    return HELLO_OK;
}

static void server_take(void *arg, unsigned type, const uint8_t *body, size_t len)
{
    struct hello_server *h = arg;
    if (type == EXT_SUPPORTED_VERSIONS && len == 2)
        h->selected_version = be16(body);
}

/* SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (RFC 8446, 4.1.3). */
static const uint8_t retry_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C};

static enum hello_result server_hello_parse(const uint8_t *msg, size_t len, struct hello_server *h)
{
    struct reader r = {msg, len};
    const uint8_t *ignored = NULL;
    size_t ignored_len = 0;
    if (u16(&r, &h->legacy_version) != 0 || r.left < 32)
        return HELLO_MALFORMED;
    h->retry_request = memcmp(r.p, retry_random, 32) == 0;
    if (skip(&r, 32) != 0 || vector(&r, 1, &ignored, &ignored_len) != 0 ||
        u16(&r, &h->suite) != 0 || skip(&r, 1) != 0 || extensions_walk(&r, server_take, h) != 0)
        return HELLO_MALFORMED;
    return HELLO_OK;
}

enum hello_result hello_server_inspect(const uint8_t *p, size_t len, struct hello_server *out)
{
    struct hello_server h;
    memset(&h, 0, sizeof h);
    const uint8_t *body = NULL, *msg = NULL;
    size_t body_len = 0, msg_len = 0;
    enum hello_result r = record_open(p, len, 0, &h.record_version, &body, &body_len);
    if (r != HELLO_OK)
        return r;
    if (p[0] == HELLO_TYPE_ALERT) {
        if (body_len < 2)
            return HELLO_MALFORMED;
        h.alert_level = body[0];
        h.alert_description = body[1];
        *out = h;
        return HELLO_ALERT;
    }
    r = handshake_open(body, body_len, HS_SERVER_HELLO, &msg, &msg_len);
    if (r == HELLO_OK)
        r = server_hello_parse(msg, msg_len, &h);
    if (r == HELLO_OK)
        *out = h;
    return r;
}

size_t hello_first_flight_span(const uint8_t *p, size_t len)
{
    if (len >= 1 && p[0] != HELLO_TYPE_HANDSHAKE && p[0] != HELLO_TYPE_ALERT)
        return HELLO_FIRST_BYTES;
    if (len < HELLO_RECORD_HEADER)
        return HELLO_RECORD_HEADER;
    size_t rec_len = be16(p + 3);
    return HELLO_RECORD_HEADER + (rec_len < HELLO_MAX_RECORD ? rec_len : HELLO_MAX_RECORD);
}

int hello_is_signal(uint16_t v)
{
    return ((v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF)) || v == 0x00FF || v == 0x5600;
}

size_t hello_client_versions(const struct hello_client *h, uint16_t *out, size_t cap)
{
    size_t n = 0;
    if (h->versions) {
        for (size_t i = 0; i + 1 < h->versions_len; i += 2) {
            uint16_t v = be16(h->versions + i);
            if (!hello_is_signal(v) && n < cap)
                out[n++] = v;
        }
        for (size_t i = 1; i < n; i++) /* lowest first: insertion sort of a handful */
            for (size_t j = i; j > 0 && out[j - 1] > out[j]; j--) {
                uint16_t t = out[j];
                out[j] = out[j - 1];
                out[j - 1] = t;
            }
        return n;
    }
    for (uint16_t v = 0x0301; v <= h->legacy_version && v <= 0x0303 && n < cap; v++)
        out[n++] = v;
    if (n == 0 && cap > 0)
        out[n++] = h->legacy_version; /* SSLv3 or something stranger: quote it */
    return n;
}

const char *hello_version_name(uint16_t wire)
{
    switch (wire) {
    case 0x0300: return "SSLv3";
    case 0x0301: return "TLSv1.0";
    case 0x0302: return "TLSv1.1";
    case 0x0303: return "TLSv1.2";
    case 0x0304: return "TLSv1.3";
    default: return NULL;
    }
}

const char *hello_version_words(uint16_t wire)
{
    switch (wire) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return NULL;
    }
}

const char *hello_alert_name(unsigned d)
{
    switch (d) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return NULL;
    }
}

/* Suites older clients offer that the PEP does not name. */
static const char *legacy_suite_name(uint16_t id)
{
    switch (id) {
    case 0x002F: return "TLS_RSA_WITH_AES_128_CBC_SHA";
    case 0x0035: return "TLS_RSA_WITH_AES_256_CBC_SHA";
    case 0x003C: return "TLS_RSA_WITH_AES_128_CBC_SHA256";
    case 0x009C: return "TLS_RSA_WITH_AES_128_GCM_SHA256";
    case 0x009D: return "TLS_RSA_WITH_AES_256_GCM_SHA384";
    case 0x000A: return "TLS_RSA_WITH_3DES_EDE_CBC_SHA";
    case 0x0033: return "TLS_DHE_RSA_WITH_AES_128_CBC_SHA";
    case 0x0039: return "TLS_DHE_RSA_WITH_AES_256_CBC_SHA";
    case 0x009E: return "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256";
    case 0x009F: return "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384";
    case 0xC009: return "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA";
    case 0xC00A: return "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA";
    case 0xC013: return "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA";
    case 0xC014: return "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA";
    case 0xC023: return "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256";
    case 0xC027: return "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256";
    default: return NULL;
    }
}

const char *hello_suite_name(uint16_t id, char buf[7])
{
    const char *name = unitls_cipher_suite_name(id);
    if (!name)
        name = legacy_suite_name(id);
    if (name)
        return name;
    snprintf(buf, 7, "0x%04X", (unsigned)id);
    return buf;
}

const char *hello_group_name(uint16_t id, char buf[7])
{
    const char *name = unitls_group_name(id);
    if (name)
        return name;
    if (id == 0x11EC) /* offered by current browsers, though no implementation here has it */
        return "X25519MLKEM768";
    snprintf(buf, 7, "0x%04X", (unsigned)id);
    return buf;
}
