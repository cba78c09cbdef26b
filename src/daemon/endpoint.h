/* endpoint: socket addresses as the configuration writes them ("127.0.0.1:443", "[::1]:443",
 * "unix:/run/x.sock"), printed back the same way, compared; and address ranges in CIDR
 * notation ("10.0.0.0/8", "::1/128") for the sources a listener trusts to speak for their
 * clients (accept_proxy.trusted). Plain data and pure functions: no YAML, no sockets, no
 * allocation; the runtime, the listeners and the stats server need only this header for
 * their addresses, not the configuration's schema.
 *
 * Ranges, decided here once:
 * - "ADDR/LEN" with LEN from 0 to 32 (IPv4) or 0 to 128 (IPv6); a bare address is the range
 *   of that one address (/32, /128). /0 is every address of its family.
 * - Bits past the prefix must be zero: "10.1.2.3/8" is an error that names the range meant
 *   ("10.0.0.0/8"), as a typo in a trust list must not pass silently.
 * - An IPv4-mapped IPv6 range ("::ffff:10.0.0.0/104") is stored as the IPv4 range it
 *   denotes ("10.0.0.0/8"), and an IPv4-mapped peer (a dual-stack socket's "::ffff:10.1.2.3")
 *   is matched as the IPv4 address it is. So "::/0" covers every IPv6 peer and no IPv4 one;
 *   list "0.0.0.0/0" too to trust every source.
 * - "unix" is the range of every peer of a unix socket address (which has no IP address). */
#ifndef UNITLSD_ENDPOINT_H
#define UNITLSD_ENDPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* What a listener sends its backend ahead of the client's bytes, and which PROXY versions an
 * accept_proxy listener takes from its balancer (as a mask of 1 << version). */
enum proxy_protocol { PROXY_PROTOCOL_NONE = 0, PROXY_PROTOCOL_V1, PROXY_PROTOCOL_V2 };

/* A socket address as written in the file. */
struct endpoint {
    char text[128];                 /* as written, for logs */
    struct sockaddr_storage addr;
    socklen_t addr_len;
};

/* Parses "IPV4:PORT", "[IPV6]:PORT" (numeric hosts, port 1 to 65535) or "unix:/PATH" into *ep
 * (zero-filled beyond the address, text kept). 0, or -1 with the reason in why (cap bytes;
 * "no port", "'x' is not a numeric IPv4 address ...") and *ep unspecified. */
int endpoint_parse(const char *text, struct endpoint *ep, char *why, size_t cap);

/* 1 when a and b, both parsed by endpoint_parse, are the same socket address: family,
 * address, port or unix path; their text is not compared. */
int endpoint_equal(const struct endpoint *a, const struct endpoint *b);

/* Writes sa as "127.0.0.1:443", "[::1]:443", "unix:/path" or "unix" (unnamed), "-" for none,
 * "family-N" for another family, into buf, always NUL-terminated. Returns buf. */
char *endpoint_format(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap);

/* One range of addresses. */
struct cidr {
    sa_family_t family;             /* AF_INET, AF_INET6, or AF_UNIX for "unix" */
    uint8_t prefix_len;             /* bits that must match: 0..32 or 0..128 */
    uint8_t addr[16];               /* network order; 4 bytes used for IPv4 */
};

/* At most "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" and its NUL. */
#define CIDR_TEXT_MAX 52

/* Parses a range as described above into *out: 0, or -1 with the reason in why. */
int cidr_parse(const char *text, struct cidr *out, char *why, size_t cap);
/* "10.0.0.0/8", "::1/128", "unix" into buf (CIDR_TEXT_MAX bytes suffice). Returns buf. */
char *cidr_format(const struct cidr *c, char *buf, size_t cap);
/* 1 when c and d are the same range. */
int cidr_equal(const struct cidr *c, const struct cidr *d);
/* 1 when the socket address sa (len bytes) lies in c; 0 otherwise, also for a NULL or short
 * address. */
int cidr_contains(const struct cidr *c, const struct sockaddr *sa, socklen_t len);

struct cidr_list {
    struct cidr *items;             /* n items, owned by whoever filled the list */
    size_t n;
};

/* 1 when sa lies in some range of list; 0 for an empty list. */
int cidr_list_contains(const struct cidr_list *list, const struct sockaddr *sa, socklen_t len);

#endif
