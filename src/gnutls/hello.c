/* hello: a bounds-checked walk over a ClientHello (RFC 8446, section 4.1.2). */
#include <string.h>

#include "hello.h"

#define EXT_SERVER_NAME 0
#define EXT_ALPN 16

struct reader {
    const uint8_t *p;
    size_t left;
};

static int skip(struct reader *r, size_t n)
{
    if (r->left < n)
        return -1;
    r->p += n;
    r->left -= n;
    return 0;
}

/* A vector with a length prefix of width bytes (1 or 2). */
static int vector(struct reader *r, unsigned width, const uint8_t **data, size_t *len)
{
    if (r->left < width)
        return -1;
    size_t n = width == 1 ? r->p[0] : (size_t)((r->p[0] << 8) | r->p[1]);
    if (skip(r, width) != 0 || r->left < n)
        return -1;
    *data = r->p;
    *len = n;
    return skip(r, n);
}

static void extension_take(struct client_hello *out, unsigned type, const uint8_t *body,
                           size_t len)
{
    if (type == EXT_SERVER_NAME) {
        out->server_name = body;
        out->server_name_len = len;
    } else if (type == EXT_ALPN && len >= 2 && (size_t)((body[0] << 8) | body[1]) == len - 2) {
        out->alpn = body + 2;
        out->alpn_len = len - 2;
    }
}

static int extensions_parse(struct reader *r, struct client_hello *out)
{
    const uint8_t *exts = NULL;
    size_t len = 0;
    if (r->left == 0)
        return 0; /* no extensions at all */
    if (vector(r, 2, &exts, &len) != 0)
        return -1;
    struct reader e = {exts, len};
    while (e.left > 0) {
        if (e.left < 2)
            return -1;
        unsigned type = (unsigned)((e.p[0] << 8) | e.p[1]);
        const uint8_t *body = NULL;
        size_t body_len = 0;
        if (skip(&e, 2) != 0 || vector(&e, 2, &body, &body_len) != 0)
            return -1;
        extension_take(out, type, body, body_len);
    }
    return 0;
}

int client_hello_parse(const uint8_t *msg, size_t len, struct client_hello *out)
{
    struct reader r = {msg, len};
    const uint8_t *ignored = NULL;
    size_t ignored_len = 0;
    memset(out, 0, sizeof *out);
    if (skip(&r, 2 + 32) != 0 || vector(&r, 1, &ignored, &ignored_len) != 0 ||
        vector(&r, 2, &out->suites, &out->suites_len) != 0 ||
        vector(&r, 1, &ignored, &ignored_len) != 0)
        return -1;
    return extensions_parse(&r, out);
}
