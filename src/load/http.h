/* http: an incremental HTTP/1.x response reader for request mode. It decides where a response
 * ends (Content-Length, chunked encoding, or the connection's end) and whether the connection
 * may carry another request, without storing the response: a byte-level state machine of a
 * few dozen bytes per connection, fed straight from the decrypted stream.
 *
 * Only what framing needs is parsed: the version, the status code, and the headers
 * Content-Length, Transfer-Encoding and Connection. Interim 1xx responses are skipped. */
#ifndef UNITLS_LOAD_HTTP_H
#define UNITLS_LOAD_HTTP_H

#include <stddef.h>
#include <stdint.h>

enum http_result {
    HTTP_MORE,  /* the response is not complete yet */
    HTTP_DONE,  /* the response is complete */
    HTTP_ERROR  /* not an HTTP/1.x response this reader can frame */
};

struct http_response {
    uint8_t state;
    uint8_t pos;           /* progress through a literal: "HTTP/1.", a header name, a token */
    uint8_t header;        /* bit set of the known header names still matching */
    uint8_t token_pos;     /* progress through "chunked" / "close" / "keep-alive" */
    uint8_t head_request;  /* the request was HEAD: no body follows the headers */
    uint8_t minor;         /* HTTP/1.minor */
    uint8_t chunked, has_length, close, keep_alive;
    unsigned status;
    uint64_t length;       /* Content-Length, then the bytes of body or chunk still due */
};

void http_response_init(struct http_response *r, int head_request);
/* Consumes bytes of the response; *used receives how many belonged to it (fewer than len only
 * once DONE or ERROR). */
enum http_result http_response_feed(struct http_response *r, const uint8_t *p, size_t len,
                                    size_t *used);
/* The connection ended: DONE when the body was delimited by the end of the connection and the
 * headers were complete, ERROR otherwise. */
enum http_result http_response_eof(const struct http_response *r);
/* After DONE: 1 when the connection may carry the next request. */
int http_response_reusable(const struct http_response *r);

#endif
