/* endpoint: addresses and address ranges; see endpoint.h for the rules. */
#include "daemon/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

static const uint8_t v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* --- addresses ------------------------------------------------------------------------- */

/* A decimal number of 1 to 5 digits in [1, 65535]. */
static int port_parse(const char *text, uint16_t *out)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 5 || text[digits] != '\0')
        return -1;
    unsigned long v = strtoul(text, NULL, 10);
    if (v < 1 || v > 65535)
        return -1;
    *out = (uint16_t)v;
    return 0;
}

static int endpoint_unix(const char *path, struct endpoint *ep, char *why, size_t cap)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    size_t n = strlen(path);
    if (path[0] != '/') {
        snprintf(why, cap, "the socket path is not absolute");
        return -1;
    }
    if (n >= sizeof sun.sun_path) {
        snprintf(why, cap, "the socket path is longer than %zu bytes", sizeof sun.sun_path - 1);
        return -1;
    }
    memcpy(sun.sun_path, path, n + 1);
    memcpy(&ep->addr, &sun, sizeof sun);
    ep->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

static int endpoint_inet(char *host, size_t n, uint16_t port, struct endpoint *ep, char *why,
                         size_t cap)
{
    if (host[0] == '[') {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
        if (n < 2 || host[n - 1] != ']') {
            snprintf(why, cap, "'[' without its ']'");
            return -1;
        }
        host[n - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &sin6.sin6_addr) != 1) {
            snprintf(why, cap, "'%s' is not a numeric IPv6 address", host + 1);
            return -1;
        }
        memcpy(&ep->addr, &sin6, sizeof sin6);
        ep->addr_len = sizeof sin6;
        return 0;
    }
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        snprintf(why, cap, "'%s' is not a numeric IPv4 address (IPv6 goes in brackets)", host);
        return -1;
    }
    memcpy(&ep->addr, &sin, sizeof sin);
    ep->addr_len = sizeof sin;
    return 0;
}

int endpoint_parse(const char *text, struct endpoint *ep, char *why, size_t cap)
{
    if (!text || !ep || !why || cap == 0)
        return -1;
    memset(ep, 0, sizeof *ep);
    size_t len = strlen(text);
    if (len >= sizeof ep->text) {
        snprintf(why, cap, "longer than %zu bytes", sizeof ep->text - 1);
        return -1;
    }
    memcpy(ep->text, text, len + 1);
    if (strncmp(text, "unix:", 5) == 0)
        return endpoint_unix(text + 5, ep, why, cap);
    const char *colon = strrchr(text, ':');
    uint16_t port;
    if (!colon) {
        snprintf(why, cap, "no port");
        return -1;
    }
    if (port_parse(colon + 1, &port) != 0) {
        snprintf(why, cap, "port '%s' is not a number from 1 to 65535", colon + 1);
        return -1;
    }
    char host[sizeof ep->text];
    size_t n = (size_t)(colon - text);
    memcpy(host, text, n);
    host[n] = '\0';
    return endpoint_inet(host, n, port, ep, why, cap);
}

int endpoint_equal(const struct endpoint *a, const struct endpoint *b)
{
    return a->addr_len == b->addr_len && memcmp(&a->addr, &b->addr, a->addr_len) == 0;
}

char *endpoint_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (!sa || len < sizeof(sa_family_t)) {
        snprintf(buf, cap, "-");
    } else if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(buf, cap, "%s:%u", host, ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        snprintf(buf, cap, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else if (sa->sa_family == AF_UNIX) {
        const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
        size_t path_len = len > offsetof(struct sockaddr_un, sun_path)
                              ? len - offsetof(struct sockaddr_un, sun_path) : 0;
        if (path_len > sizeof un->sun_path)
            path_len = sizeof un->sun_path;
        if (path_len > 0 && un->sun_path[0] != '\0')
            snprintf(buf, cap, "unix:%.*s", (int)strnlen(un->sun_path, path_len), un->sun_path);
        else
            snprintf(buf, cap, "unix");
    } else {
        snprintf(buf, cap, "family-%d", sa->sa_family);
    }
    return buf;
}

/* --- ranges ---------------------------------------------------------------------------- */

static unsigned family_bits(sa_family_t family) { return family == AF_INET ? 32u : 128u; }

/* The prefix length after '/': 0 to max, decimal, no sign or leading zero. */
static int prefix_parse(const char *text, unsigned max, uint8_t *out)
{
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || digits > 3 || text[digits] != '\0' || (digits > 1 && text[0] == '0'))
        return -1;
    unsigned long v = strtoul(text, NULL, 10);
    if (v > max)
        return -1;
    *out = (uint8_t)v;
    return 0;
}

/* Zeroes every bit of addr past prefix bits; 1 when one of them was set. */
static int host_bits_clear(uint8_t *addr, unsigned bytes, unsigned prefix)
{
    int was_set = 0;
    for (unsigned i = 0; i < bytes; i++) {
        unsigned keep = prefix >= 8 * (i + 1) ? 8 : prefix > 8 * i ? prefix - 8 * i : 0;
        uint8_t mask = (uint8_t)(keep == 0 ? 0u : 0xffu << (8 - keep));
        was_set |= (addr[i] & (uint8_t)~mask) != 0;
        addr[i] &= mask;
    }
    return was_set;
}

/* An IPv4-mapped IPv6 range becomes the IPv4 range it denotes. Its prefix is 96 or more:
 * below that the mapping's ffff lies past the prefix, a host-bits error reported before. */
static void cidr_unmap(struct cidr *c)
{
    if (c->family != AF_INET6 || c->prefix_len < 96 ||
        memcmp(c->addr, v4_mapped_prefix, sizeof v4_mapped_prefix) != 0)
        return;
    memmove(c->addr, c->addr + 12, 4);
    memset(c->addr + 4, 0, 12);
    c->family = AF_INET;
    c->prefix_len = (uint8_t)(c->prefix_len - 96);
}

static int cidr_address(const char *host, struct cidr *c, char *why, size_t cap)
{
    if (inet_pton(AF_INET, host, c->addr) == 1) {
        c->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, host, c->addr) == 1) {
        c->family = AF_INET6;
        return 0;
    }
    snprintf(why, cap, "'%s' is not a numeric IPv4 or IPv6 address", host);
    return -1;
}

int cidr_parse(const char *text, struct cidr *out, char *why, size_t cap)
{
    if (!text || !out || !why || cap == 0)
        return -1;
    struct cidr c;
    memset(&c, 0, sizeof c);
    if (strcmp(text, "unix") == 0) {
        c.family = AF_UNIX;
        *out = c;
        return 0;
    }
    char host[CIDR_TEXT_MAX];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    if (n >= sizeof host) {
        snprintf(why, cap, "the address is too long (%zu bytes)", n);
        return -1;
    }
    memcpy(host, text, n);
    host[n] = '\0';
    if (cidr_address(host, &c, why, cap) != 0)
        return -1;
    unsigned bits = family_bits(c.family);
    c.prefix_len = (uint8_t)bits;
    if (slash && prefix_parse(slash + 1, bits, &c.prefix_len) != 0) {
        snprintf(why, cap, "prefix length '%s' is not a number from 0 to %u", slash + 1, bits);
        return -1;
    }
    if (host_bits_clear(c.addr, bits / 8, c.prefix_len)) {
        char meant[CIDR_TEXT_MAX];
        snprintf(why, cap, "bits past the /%u prefix are set (the range is %s)", c.prefix_len,
                 cidr_format(&c, meant, sizeof meant));
        return -1;
    }
    cidr_unmap(&c);
    *out = c;
    return 0;
}

char *cidr_format(const struct cidr *c, char *buf, size_t cap)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (c->family == AF_UNIX) {
        snprintf(buf, cap, "unix");
        return buf;
    }
    inet_ntop(c->family == AF_INET ? AF_INET : AF_INET6, c->addr, host, sizeof host);
    snprintf(buf, cap, "%s/%u", host, c->prefix_len);
    return buf;
}

int cidr_equal(const struct cidr *c, const struct cidr *d)
{
    return c->family == d->family && c->prefix_len == d->prefix_len &&
           memcmp(c->addr, d->addr, sizeof c->addr) == 0;
}

/* The peer's family and address bytes, an IPv4-mapped IPv6 address as IPv4; 0 for none. */
static sa_family_t peer_address(const struct sockaddr *sa, socklen_t len, uint8_t addr[16])
{
    if (!sa || len < sizeof(sa_family_t))
        return 0;
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        if (memcmp(a, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
            memcpy(addr, a + 12, 4);
            return AF_INET;
        }
        memcpy(addr, a, 16);
        return AF_INET6;
    }
    return sa->sa_family == AF_UNIX ? AF_UNIX : 0;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
    unsigned whole = prefix / 8, rest = prefix % 8;
    if (memcmp(a, b, whole) != 0)
        return 0;
    if (rest == 0)
        return 1;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (a[whole] & mask) == (b[whole] & mask);
}

int cidr_contains(const struct cidr *c, const struct sockaddr *sa, socklen_t len)
{
    uint8_t addr[16];
    sa_family_t family = c ? peer_address(sa, len, addr) : 0;
    if (family == 0 || family != c->family)
        return 0;
    return family == AF_UNIX || prefix_match(c->addr, addr, c->prefix_len);
}

int cidr_list_contains(const struct cidr_list *list, const struct sockaddr *sa, socklen_t len)
{
    for (size_t i = 0; list && i < list->n; i++)
        if (cidr_contains(&list->items[i], sa, len))
            return 1;
    return 0;
}
