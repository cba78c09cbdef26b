/* http: one state per position in the response grammar; see http.h for what is parsed. */
#include <string.h>

#include "http.h"

enum state {
    S_VERSION,      /* matching "HTTP/1." */
    S_MINOR,
    S_STATUS_SP,
    S_STATUS,
    S_REASON,
    S_HEADER_START, /* at the start of a header line, or the empty line */
    S_HEADER_NAME,
    S_HEADER_VALUE,
    S_HEADERS_LF,   /* after the empty line's '\r' */
    S_BODY_LENGTH,
    S_BODY_EOF,
    S_CHUNK_SIZE,
    S_CHUNK_EXT,
    S_CHUNK_DATA,
    S_CHUNK_CRLF,
    S_TRAILER_START,
    S_TRAILER_LINE,
    S_DONE,
    S_ERROR
};

enum known_header { H_CONTENT_LENGTH, H_TRANSFER_ENCODING, H_CONNECTION, H_COUNT };
static const char *const header_names[H_COUNT] = {"content-length", "transfer-encoding",
                                                  "connection"};
#define HEADERS_ALL ((uint8_t)((1u << H_COUNT) - 1u))
#define MAX_CHUNK_DIGITS 15

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

void http_response_init(struct http_response *r, int head_request)
{
    memset(r, 0, sizeof *r);
    r->state = S_VERSION;
    r->head_request = (uint8_t)(head_request != 0);
}

/* Rolling match of a lower-case token anywhere in a header value: 1 once complete. */
static int token_step(uint8_t *pos, const char *token, int c)
{
    c = lower(c);
    if (c == token[*pos])
        (*pos)++;
    else
        *pos = (uint8_t)(c == token[0] ? 1 : 0);
    if (token[*pos] == '\0') {
        *pos = 0;
        return 1;
    }
    return 0;
}

static uint8_t headers_end(struct http_response *r)
{
    if (r->status >= 100 && r->status < 200 && r->status != 101) {
        unsigned char head = r->head_request;
        http_response_init(r, head); /* an interim response: the real one follows */
        return S_VERSION;
    }
    if (r->head_request || r->status == 204 || r->status == 304)
        return S_DONE;
    if (r->chunked) {
        r->pos = 0; /* counts the size's digits */
        r->length = 0;
        return S_CHUNK_SIZE;
    }
    if (r->has_length)
        return r->length ? S_BODY_LENGTH : S_DONE;
    return S_BODY_EOF;
}

static uint8_t header_name_step(struct http_response *r, int c)
{
    if (c == ':') {
        uint8_t matched = 0;
        for (unsigned h = 0; h < H_COUNT; h++)
            if ((r->header & (1u << h)) && header_names[h][r->pos] == '\0')
                matched = (uint8_t)(1u << h);
        r->header = matched;
        r->token_pos = 0;
        r->pos = 0;
        if (matched & (1u << H_CONTENT_LENGTH)) {
            r->has_length = 1;
            r->length = 0;
        }
        return S_HEADER_VALUE;
    }
    if (c == '\n')
        return S_ERROR;
    for (unsigned h = 0; h < H_COUNT; h++)
        if ((r->header & (1u << h)) && header_names[h][r->pos] != lower(c))
            r->header = (uint8_t)(r->header & ~(1u << h));
    if (r->pos < UINT8_MAX)
        r->pos++;
    return S_HEADER_NAME;
}

static uint8_t header_value_step(struct http_response *r, int c)
{
    if (c == '\n')
        return S_HEADER_START;
    if (r->header & (1u << H_CONTENT_LENGTH)) {
        if (c >= '0' && c <= '9') {
            if (r->length > (UINT64_MAX - 9u) / 10u)
                return S_ERROR;
            r->length = r->length * 10u + (uint64_t)(c - '0');
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return S_ERROR;
        }
    } else if (r->header & (1u << H_TRANSFER_ENCODING)) {
        if (token_step(&r->token_pos, "chunked", c))
            r->chunked = 1;
    } else if (r->header & (1u << H_CONNECTION)) {
        if (token_step(&r->token_pos, "close", c))
            r->close = 1;
        if (token_step(&r->pos, "keep-alive", c))
            r->keep_alive = 1;
    }
    return S_HEADER_VALUE;
}

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

static uint8_t chunk_size_step(struct http_response *r, int c)
{
    int v = hex_value(c);
    if (v >= 0) {
        if (++r->pos > MAX_CHUNK_DIGITS)
            return S_ERROR;
        r->length = r->length * 16u + (uint64_t)v;
        return S_CHUNK_SIZE;
    }
    if (c == ';' || c == ' ' || c == '\t')
        return S_CHUNK_EXT;
    if (c == '\r')
        return S_CHUNK_SIZE;
    if (c == '\n' && r->pos > 0)
        return r->length ? S_CHUNK_DATA : S_TRAILER_START;
    return S_ERROR;
}

/* One byte of the status line. */
static uint8_t status_line_step(struct http_response *r, int c)
{
    switch (r->state) {
    case S_VERSION:
        if (c != "HTTP/1."[r->pos])
            return S_ERROR;
        return ++r->pos == 7 ? S_MINOR : S_VERSION;
    case S_MINOR:
        if (c < '0' || c > '9')
            return S_ERROR;
        r->minor = (uint8_t)(c - '0');
        return S_STATUS_SP;
    case S_STATUS_SP:
        return c == ' ' ? S_STATUS : S_ERROR;
    case S_STATUS:
        if (c >= '0' && c <= '9' && r->status < 1000) {
            r->status = r->status * 10u + (unsigned)(c - '0');
            return S_STATUS;
        }
        if (r->status < 100 || r->status > 999)
            return S_ERROR;
        return c == '\n' ? S_HEADER_START : S_REASON;
    default: /* S_REASON */
        return c == '\n' ? S_HEADER_START : S_REASON;
    }
}

/* One byte of the chunked framing around the chunks' data, trailers included. */
static uint8_t chunk_step(struct http_response *r, int c)
{
    switch (r->state) {
    case S_CHUNK_SIZE:
        return chunk_size_step(r, c);
    case S_CHUNK_EXT:
        if (c != '\n')
            return S_CHUNK_EXT;
        return r->length ? S_CHUNK_DATA : S_TRAILER_START;
    case S_CHUNK_CRLF:
        if (c == '\r')
            return S_CHUNK_CRLF;
        if (c != '\n')
            return S_ERROR;
        r->pos = 0;
        r->length = 0;
        return S_CHUNK_SIZE;
    case S_TRAILER_START:
        if (c == '\r')
            return S_TRAILER_START;
        return c == '\n' ? S_DONE : S_TRAILER_LINE;
    default: /* S_TRAILER_LINE */
        return c == '\n' ? S_TRAILER_START : S_TRAILER_LINE;
    }
}

/* One byte of everything but bodies. */
static uint8_t byte_step(struct http_response *r, int c)
{
    switch (r->state) {
    case S_VERSION:
    case S_MINOR:
    case S_STATUS_SP:
    case S_STATUS:
    case S_REASON:
        return status_line_step(r, c);
    case S_HEADER_START:
        if (c == '\r')
            return S_HEADERS_LF;
        if (c == '\n')
            return headers_end(r);
        r->header = HEADERS_ALL;
        r->pos = 0;
        return header_name_step(r, c);
    case S_HEADER_NAME:
        return header_name_step(r, c);
    case S_HEADER_VALUE:
        return header_value_step(r, c);
    case S_HEADERS_LF:
        return c == '\n' ? headers_end(r) : S_ERROR;
    case S_CHUNK_SIZE:
    case S_CHUNK_EXT:
    case S_CHUNK_CRLF:
    case S_TRAILER_START:
    case S_TRAILER_LINE:
        return chunk_step(r, c);
    default:
        return S_ERROR;
    }
}

/* Skips up to len body bytes; returns how many. */
static size_t body_step(struct http_response *r, size_t len)
{
    if (r->state == S_BODY_EOF)
        return len;
    size_t take = r->length < len ? (size_t)r->length : len;
    r->length -= take;
    if (r->length == 0)
        r->state = r->state == S_BODY_LENGTH ? S_DONE : S_CHUNK_CRLF;
    return take;
}

enum http_result http_response_feed(struct http_response *r, const uint8_t *p, size_t len,
                                    size_t *used)
{
    size_t i = 0;
    while (i < len && r->state != S_DONE && r->state != S_ERROR) {
        if (r->state == S_BODY_LENGTH || r->state == S_BODY_EOF || r->state == S_CHUNK_DATA)
            i += body_step(r, len - i);
        else
            r->state = byte_step(r, p[i++]);
    }
    *used = i;
    if (r->state == S_DONE)
        return HTTP_DONE;
    return r->state == S_ERROR ? HTTP_ERROR : HTTP_MORE;
}

enum http_result http_response_eof(const struct http_response *r)
{
    if (r->state == S_DONE || r->state == S_BODY_EOF)
        return HTTP_DONE;
    return HTTP_ERROR;
}

int http_response_reusable(const struct http_response *r)
{
    if (r->state != S_DONE || r->close)
        return 0;
    return r->minor >= 1 || r->keep_alive;
}
