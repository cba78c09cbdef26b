/* fuzz_proxy: the PROXY protocol header parser (src/daemon/proxy_in.[ch]) on arbitrary bytes,
 * as the first bytes a balancer sends, with each mask of versions a listener may take. Seeds:
 * v1 TCP4, TCP6 (the longest line) and UNKNOWN; v2 PROXY over IPv4, IPv6 and UNIX with TLVs,
 * UNSPEC and LOCAL; each followed by the start of a ClientHello; truncated headers, an
 * oversize v2 length, a v1 line past 107 bytes, a bare ClientHello and HTTP. Checked on every
 * input, as proxy_in.h states: the status is one of three; a header never ends past the bytes
 * given or past the bounds (107 bytes for v1, PROXY_IN_HEADER_MAX for v2); it parses alike from
 * exactly its own bytes, and one byte fewer asks for more; addresses agree with `local`; a
 * refusal has a problem and a printable reason; the versions mask only ever turns a header of
 * a version not taken into PROXY_IN_VERSION. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/proxy_in.h"
#include "fuzz/fuzz_target.h"

#define BOTH (PROXY_IN_V1 | PROXY_IN_V2)

struct outcome {
    enum proxy_in_status st;
    struct proxy_in_header h;
    enum proxy_in_problem problem;
    char why[256];
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* Parses the first len bytes from a heap block of exactly that size. */
static struct outcome parse(const uint8_t *data, size_t len, unsigned mask)
{
    struct outcome o;
    memset(&o, 0, sizeof o);
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        abort();
    if (len)
        memcpy(copy, data, len);
    o.st = proxy_in_parse(copy, len, mask, &o.h, &o.problem, o.why, sizeof o.why);
    free(copy);
    return o;
}

static void check_reason(const struct outcome *o)
{
    if (o->problem != PROXY_IN_NOT_PROXY && o->problem != PROXY_IN_MALFORMED &&
        o->problem != PROXY_IN_VERSION)
        fuzz_fail("proxy_in_parse: problem %d out of range", (int)o->problem);
    if (o->why[0] == '\0')
        fuzz_fail("proxy_in_parse: a refusal without a reason");
    for (const char *p = o->why; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            fuzz_fail("proxy_in_parse: unprintable byte 0x%02x in the reason", (unsigned char)*p);
}

static void check_address(const char *what, const struct sockaddr_storage *ss, socklen_t len)
{
    if (len > sizeof *ss)
        fuzz_fail("proxy_in_parse: %s length %u past a sockaddr_storage", what, (unsigned)len);
    if (len > 0 && ss->ss_family != AF_INET && ss->ss_family != AF_INET6 &&
        ss->ss_family != AF_UNIX)
        fuzz_fail("proxy_in_parse: %s of family %d", what, ss->ss_family);
}

static void check_header(const struct proxy_in_header *h, size_t size)
{
    if (h->version != 1 && h->version != 2)
        fuzz_fail("proxy_in_parse: version %u", h->version);
    if (h->header_len == 0 || h->header_len > size)
        fuzz_fail("proxy_in_parse: header of %zu bytes from %zu given", h->header_len, size);
    if (h->header_len > (h->version == 1 ? PROXY_IN_V1_MAX : PROXY_IN_HEADER_MAX))
        fuzz_fail("proxy_in_parse: v%u header of %zu bytes", h->version, h->header_len);
    if (h->local != (h->source_len == 0) || h->local != (h->destination_len == 0))
        fuzz_fail("proxy_in_parse: local %u with address lengths %u and %u", h->local,
                  (unsigned)h->source_len, (unsigned)h->destination_len);
    check_address("source", &h->source, h->source_len);
    check_address("destination", &h->destination, h->destination_len);
}

/* A header parses alike from exactly its own bytes, and one byte fewer is a beginning. */
static void check_boundary(const uint8_t *data, const struct outcome *whole)
{
    size_t n = whole->h.header_len;
    struct outcome exact = parse(data, n, BOTH);
    if (exact.st != PROXY_IN_DONE || memcmp(&exact.h, &whole->h, sizeof exact.h) != 0)
        fuzz_fail("proxy_in_parse: the header's own %zu bytes parse differently", n);
    struct outcome shorter = parse(data, n - 1, BOTH);
    if (shorter.st != PROXY_IN_MORE)
        fuzz_fail("proxy_in_parse: %zu of a %zu-byte header gave status %d (%s)", n - 1, n,
                  shorter.st, shorter.why);
}

/* Taking one version only refuses the other with PROXY_IN_VERSION and changes nothing else. */
static void check_masks(const uint8_t *data, size_t size, const struct outcome *both)
{
    for (unsigned version = 1; version <= 2; version++) {
        unsigned mask = version == 1 ? PROXY_IN_V1 : PROXY_IN_V2;
        struct outcome one = parse(data, size, mask);
        if (one.st == PROXY_IN_INVALID)
            check_reason(&one);
        int other = both->st == PROXY_IN_DONE && both->h.version != version;
        if (other && (one.st != PROXY_IN_INVALID || one.problem != PROXY_IN_VERSION))
            fuzz_fail("proxy_in_parse: a v%u header with only v%u taken gave status %d",
                      both->h.version, version, one.st);
        if (both->st == PROXY_IN_DONE && !other &&
            (one.st != PROXY_IN_DONE || memcmp(&one.h, &both->h, sizeof one.h) != 0))
            fuzz_fail("proxy_in_parse: taking v%u only changed a v%u header", version,
                      version);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct outcome o = parse(data, size, BOTH);
    switch (o.st) {
    case PROXY_IN_DONE:
        check_header(&o.h, size);
        check_boundary(data, &o);
        break;
    case PROXY_IN_MORE:
        if (size >= PROXY_IN_HEADER_MAX)
            fuzz_fail("proxy_in_parse: asks for more after %zu bytes", size);
        break;
    case PROXY_IN_INVALID:
        check_reason(&o);
        break;
    default:
        fuzz_fail("proxy_in_parse: status %d", (int)o.st);
    }
    check_masks(data, size, &o);
    return 0;
}
