/* proxy_in: the PROXY protocol header a balancer sends; see proxy_in.h. Every read of data
 * below is bounded by len, checked before it is made. */
#include "daemon/proxy_in.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

static const uint8_t v1_signature[6] = {'P', 'R', 'O', 'X', 'Y', ' '};
static const uint8_t v2_signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                         0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

#define V2_FAMILY_UNSPEC 0x0u
#define V2_FAMILY_INET 0x1u
#define V2_FAMILY_INET6 0x2u
#define V2_FAMILY_UNIX 0x3u
#define V2_TRANSPORT_STREAM 0x1u
#define V2_UNIX_PATH 108u

/* A parse's outcome travels in these, so that each step states one verdict. */
struct verdict {
    enum proxy_in_problem *problem;
    char *why;
    size_t cap;
};

static enum proxy_in_status __attribute__((format(printf, 3, 4)))
invalid(const struct verdict *v, enum proxy_in_problem problem, const char *fmt, ...)
{
    va_list ap;
    *v->problem = problem;
    va_start(ap, fmt);
    vsnprintf(v->why, v->cap, fmt, ap);
    va_end(ap);
    return PROXY_IN_INVALID;
}

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

/* --- not a header: say what came instead ------------------------------------------------- */

static void printable_prefix(const uint8_t *data, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    for (; n < len && n < 16 && n + 1 < cap && data[n] != '\r' && data[n] != '\n'; n++)
        out[n] = data[n] >= 0x20 && data[n] < 0x7f && data[n] != '"' && data[n] != '\\'
                     ? (char)data[n] : '?';
    out[n] = '\0';
}

static enum proxy_in_status not_proxy(const struct verdict *v, const uint8_t *data, size_t len)
{
    char seen[20];
    if (data[0] == 0x16)
        return invalid(v, PROXY_IN_NOT_PROXY, "no PROXY header (got a TLS %s)",
                       len >= 6 && data[5] == 0x01 ? "ClientHello" : "handshake record");
    if (data[0] >= 0x20 && data[0] < 0x7f) {
        printable_prefix(data, len, seen, sizeof seen);
        return invalid(v, PROXY_IN_NOT_PROXY, "no PROXY header (got \"%s\")", seen);
    }
    return invalid(v, PROXY_IN_NOT_PROXY, "no PROXY header (got a byte 0x%02x)", data[0]);
}

/* --- version 1: one text line ------------------------------------------------------------ */

/* A port: 1 to 5 decimal digits up to 65535, no leading zero. */
static int v1_port(const char *text, uint16_t *port)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 5 || text[digits] != '\0' || (digits > 1 && text[0] == '0'))
        return -1;
    unsigned long v = strtoul(text, NULL, 10);
    if (v > 65535)
        return -1;
    *port = htons((uint16_t)v);
    return 0;
}

/* One address and port of a TCP4 or TCP6 line into a sockaddr. */
static int v1_address(int family, const char *host, const char *port_text,
                      struct sockaddr_storage *ss, socklen_t *len)
{
    uint16_t port;
    memset(ss, 0, sizeof *ss);
    if (v1_port(port_text, &port) != 0)
        return -1;
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_port = port;
        *len = sizeof *in;
        return inet_pton(AF_INET, host, &in->sin_addr) == 1 ? 0 : -1;
    }
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = port;
    *len = sizeof *in6;
    return inet_pton(AF_INET6, host, &in6->sin6_addr) == 1 ? 0 : -1;
}

/* Splits line (NUL-terminated, changed in place) at single spaces into at most n fields; the
 * number found, or n + 1 when there are more, or 0 for an empty field (two spaces). */
static size_t v1_fields(char *line, char **fields, size_t n)
{
    size_t found = 0;
    for (char *p = line;; p++) {
        char *space = strchr(p, ' ');
        if (found == n)
            return n + 1;
        fields[found++] = p;
        if (space)
            *space = '\0';
        if (*p == '\0')
            return 0;
        if (!space)
            return found;
        p = space;
    }
}

/* The line between "PROXY " and the CRLF (len bytes, printable). */
static enum proxy_in_status v1_line(const struct verdict *v, const uint8_t *text, size_t len,
                                    struct proxy_in_header *h)
{
    char line[PROXY_IN_V1_MAX + 1], *f[5];
    memcpy(line, text, len);
    line[len] = '\0';
    if (strcmp(line, "UNKNOWN") == 0 || strncmp(line, "UNKNOWN ", 8) == 0) {
        h->local = 1;
        return PROXY_IN_DONE;
    }
    int family = strncmp(line, "TCP4 ", 5) == 0 ? AF_INET
                 : strncmp(line, "TCP6 ", 5) == 0 ? AF_INET6 : AF_UNSPEC;
    if (family == AF_UNSPEC)
        return invalid(v, PROXY_IN_MALFORMED, "PROXY v1: protocol is not TCP4, TCP6 or UNKNOWN");
    if (v1_fields(line + 5, f, 4) != 4)
        return invalid(v, PROXY_IN_MALFORMED, "PROXY v1: expected SOURCE DESTINATION SPORT DPORT "
                       "after %s, separated by single spaces", family == AF_INET ? "TCP4" : "TCP6");
    if (v1_address(family, f[0], f[2], &h->source, &h->source_len) != 0 ||
        v1_address(family, f[1], f[3], &h->destination, &h->destination_len) != 0)
        return invalid(v, PROXY_IN_MALFORMED, "PROXY v1: an address or port is not a valid %s one",
                       family == AF_INET ? "IPv4" : "IPv6");
    return PROXY_IN_DONE;
}

static enum proxy_in_status v1_parse(const struct verdict *v, const uint8_t *data, size_t len,
                                     struct proxy_in_header *out)
{
    size_t end = min_size(len, PROXY_IN_V1_MAX);
    for (size_t i = sizeof v1_signature; i < end; i++) {
        if (data[i] == '\r') {
            if (i + 2 > PROXY_IN_V1_MAX)
                break; /* its LF would be byte 108 */
            if (i + 1 == len)
                return PROXY_IN_MORE;
            if (data[i + 1] != '\n')
                return invalid(v, PROXY_IN_MALFORMED, "PROXY v1: a CR not followed by LF");
            struct proxy_in_header h;
            memset(&h, 0, sizeof h);
            h.version = 1;
            h.header_len = i + 2;
            enum proxy_in_status st = v1_line(v, data + sizeof v1_signature,
                                              i - sizeof v1_signature, &h);
            if (st == PROXY_IN_DONE)
                *out = h;
            return st;
        }
        if (data[i] < 0x20 || data[i] > 0x7e)
            return invalid(v, PROXY_IN_MALFORMED, "PROXY v1: byte 0x%02x in the line", data[i]);
    }
    if (len >= PROXY_IN_V1_MAX)
        return invalid(v, PROXY_IN_MALFORMED, "PROXY v1: no CRLF within %u bytes",
                       PROXY_IN_V1_MAX);
    return PROXY_IN_MORE;
}

/* --- version 2: binary ------------------------------------------------------------------- */

static void v2_inet(struct proxy_in_header *h, const uint8_t *b)
{
    struct sockaddr_in *src = (struct sockaddr_in *)&h->source;
    struct sockaddr_in *dst = (struct sockaddr_in *)&h->destination;
    src->sin_family = dst->sin_family = AF_INET;
    memcpy(&src->sin_addr, b, 4);
    memcpy(&dst->sin_addr, b + 4, 4);
    memcpy(&src->sin_port, b + 8, 2);
    memcpy(&dst->sin_port, b + 10, 2);
    h->source_len = h->destination_len = sizeof *src;
}

static void v2_inet6(struct proxy_in_header *h, const uint8_t *b)
{
    struct sockaddr_in6 *src = (struct sockaddr_in6 *)&h->source;
    struct sockaddr_in6 *dst = (struct sockaddr_in6 *)&h->destination;
    src->sin6_family = dst->sin6_family = AF_INET6;
    memcpy(&src->sin6_addr, b, 16);
    memcpy(&dst->sin6_addr, b + 16, 16);
    memcpy(&src->sin6_port, b + 32, 2);
    memcpy(&dst->sin6_port, b + 34, 2);
    h->source_len = h->destination_len = sizeof *src;
}

/* A path of up to 108 bytes, NUL-padded or not: the socket address length says which. */
static socklen_t v2_unix_path(struct sockaddr_storage *ss, const uint8_t *path)
{
    struct sockaddr_un *un = (struct sockaddr_un *)ss;
    size_t n = strnlen((const char *)path, V2_UNIX_PATH);
    un->sun_family = AF_UNIX;
    memcpy(un->sun_path, path, n);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (n < V2_UNIX_PATH));
}

/* Walks the TLVs in [b, b + len): each a type, a 2-byte length and that many bytes. */
static enum proxy_in_status v2_tlvs(const struct verdict *v, const uint8_t *b, size_t len,
                                    size_t *n_tlvs)
{
    size_t at = 0, n = 0;
    while (at < len) {
        if (len - at < 3)
            return invalid(v, PROXY_IN_MALFORMED, "PROXY v2: a TLV header cut short by the "
                           "header's end");
        size_t value_len = (size_t)b[at + 1] << 8 | b[at + 2];
        if (value_len > len - at - 3)
            return invalid(v, PROXY_IN_MALFORMED, "PROXY v2: TLV type 0x%02x of %zu bytes runs "
                           "past the header's end", b[at], value_len);
        at += 3 + value_len;
        n++;
    }
    *n_tlvs = n;
    return PROXY_IN_DONE;
}

/* The address block of a PROXY command: its size for the family, or 0 after reporting. */
static size_t v2_block_size(const struct verdict *v, unsigned family, unsigned transport,
                            size_t body)
{
    static const size_t sizes[] = {[V2_FAMILY_INET] = 12, [V2_FAMILY_INET6] = 36,
                                   [V2_FAMILY_UNIX] = 2 * V2_UNIX_PATH};
    if (family > V2_FAMILY_UNIX) {
        invalid(v, PROXY_IN_MALFORMED, "PROXY v2: unknown address family %u", family);
        return 0;
    }
    if (transport != V2_TRANSPORT_STREAM) {
        invalid(v, PROXY_IN_MALFORMED, "PROXY v2: transport %u is not a stream", transport);
        return 0;
    }
    if (body < sizes[family]) {
        invalid(v, PROXY_IN_MALFORMED, "PROXY v2: %zu bytes of addresses; family %u needs %zu",
                body, family, sizes[family]);
        return 0;
    }
    return sizes[family];
}

static enum proxy_in_status v2_proxy(const struct verdict *v, const uint8_t *body, size_t len,
                                     unsigned family_byte, struct proxy_in_header *h)
{
    unsigned family = family_byte >> 4, transport = family_byte & 0x0fu;
    if (family == V2_FAMILY_UNSPEC) {
        h->local = 1; /* no addresses: the protocol block is ignored, as for LOCAL */
        return PROXY_IN_DONE;
    }
    size_t block = v2_block_size(v, family, transport, len);
    if (block == 0)
        return PROXY_IN_INVALID;
    if (family == V2_FAMILY_INET) {
        v2_inet(h, body);
    } else if (family == V2_FAMILY_INET6) {
        v2_inet6(h, body);
    } else {
        h->source_len = v2_unix_path(&h->source, body);
        h->destination_len = v2_unix_path(&h->destination, body + V2_UNIX_PATH);
    }
    return v2_tlvs(v, body + block, len - block, &h->n_tlvs);
}

static enum proxy_in_status v2_parse(const struct verdict *v, const uint8_t *data, size_t len,
                                     struct proxy_in_header *out)
{
    if (len < PROXY_IN_V2_FIXED)
        return PROXY_IN_MORE;
    unsigned version = data[12] >> 4, command = data[12] & 0x0fu;
    size_t body = (size_t)data[14] << 8 | data[15];
    if (version != 2)
        return invalid(v, PROXY_IN_MALFORMED, "PROXY v2: version %u in the version byte",
                       version);
    if (command > 1)
        return invalid(v, PROXY_IN_MALFORMED, "PROXY v2: unknown command %u", command);
    if (body > PROXY_IN_HEADER_MAX - PROXY_IN_V2_FIXED)
        return invalid(v, PROXY_IN_MALFORMED, "PROXY v2: a header of %zu bytes; at most %u are "
                       "taken", body + PROXY_IN_V2_FIXED, PROXY_IN_HEADER_MAX);
    if (len - PROXY_IN_V2_FIXED < body)
        return PROXY_IN_MORE;
    struct proxy_in_header h;
    memset(&h, 0, sizeof h);
    h.version = 2;
    h.header_len = PROXY_IN_V2_FIXED + body;
    h.local = command == 0;
    enum proxy_in_status st = command == 0 ? PROXY_IN_DONE
                              : v2_proxy(v, data + PROXY_IN_V2_FIXED, body, data[13], &h);
    if (st == PROXY_IN_DONE)
        *out = h;
    return st;
}

/* --- either ------------------------------------------------------------------------------- */

/* 1 when the len bytes of data begin sig (as far as they go). */
static int begins(const uint8_t *data, size_t len, const uint8_t *sig, size_t sig_len)
{
    return memcmp(data, sig, min_size(len, sig_len)) == 0;
}

enum proxy_in_status proxy_in_parse(const uint8_t *data, size_t len, unsigned mask,
                                    struct proxy_in_header *out,
                                    enum proxy_in_problem *problem, char *why, size_t cap)
{
    if (!data || !out || !problem || !why || cap == 0)
        return PROXY_IN_INVALID;
    struct verdict v = {problem, why, cap};
    if (len == 0)
        return PROXY_IN_MORE;
    int v1 = begins(data, len, v1_signature, sizeof v1_signature);
    int v2 = !v1 && begins(data, len, v2_signature, sizeof v2_signature);
    if (!v1 && !v2)
        return not_proxy(&v, data, len);
    if (!(mask & (v1 ? PROXY_IN_V1 : PROXY_IN_V2)))
        return invalid(&v, PROXY_IN_VERSION, "a PROXY %s header; this listener takes %s",
                       v1 ? "v1" : "v2", (mask & (PROXY_IN_V1 | PROXY_IN_V2)) == 0 ? "none"
                                         : v1 ? "only v2" : "only v1");
    if (v1)
        return len < sizeof v1_signature ? PROXY_IN_MORE : v1_parse(&v, data, len, out);
    return len < sizeof v2_signature ? PROXY_IN_MORE : v2_parse(&v, data, len, out);
}
