/* proxy_header: PROXY protocol v1 and v2 headers; see proxy_header.h. */
#include "daemon/proxy_header.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static const unsigned char v2_signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                               0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

static int is_inet_pair(const struct sockaddr *a, const struct sockaddr *b)
{
    return a && b && a->sa_family == b->sa_family &&
           (a->sa_family == AF_INET || a->sa_family == AF_INET6);
}

static const void *addr_of(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                                     : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
}

static const void *port_of(const struct sockaddr *sa)
{
    return sa->sa_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_port
                                     : (const void *)&((const struct sockaddr_in *)sa)->sin_port;
}

static size_t header_v1(const struct sockaddr *client, const struct sockaddr *local, char *out)
{
    if (!is_inet_pair(client, local))
        return (size_t)snprintf(out, PROXY_HEADER_MAX, "PROXY UNKNOWN\r\n");
    char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
    unsigned short sport, dport;
    memcpy(&sport, port_of(client), sizeof sport);
    memcpy(&dport, port_of(local), sizeof dport);
    inet_ntop(client->sa_family, addr_of(client), src, sizeof src);
    inet_ntop(local->sa_family, addr_of(local), dst, sizeof dst);
    int n = snprintf(out, PROXY_HEADER_MAX, "PROXY %s %s %s %u %u\r\n",
                     client->sa_family == AF_INET6 ? "TCP6" : "TCP4", src, dst, ntohs(sport),
                     ntohs(dport));
    return n > 0 ? (size_t)n : 0;
}

static size_t header_v2(const struct sockaddr *client, const struct sockaddr *local,
                        unsigned char *out)
{
    memcpy(out, v2_signature, sizeof v2_signature);
    if (!is_inet_pair(client, local)) {
        memcpy(out + 12, "\x20\x00\x00\x00", 4); /* version 2 LOCAL, UNSPEC, no addresses */
        return 16;
    }
    size_t alen = client->sa_family == AF_INET6 ? 16 : 4;
    out[12] = 0x21;                                            /* version 2, PROXY */
    out[13] = client->sa_family == AF_INET6 ? 0x21 : 0x11;     /* TCP over IPv6 / IPv4 */
    out[14] = 0;
    out[15] = (unsigned char)(2 * alen + 4);
    memcpy(out + 16, addr_of(client), alen);
    memcpy(out + 16 + alen, addr_of(local), alen);
    memcpy(out + 16 + 2 * alen, port_of(client), 2);
    memcpy(out + 18 + 2 * alen, port_of(local), 2);
    return 20 + 2 * alen;
}

size_t proxy_header_build(enum proxy_protocol version, const struct sockaddr *client,
                          const struct sockaddr *local, unsigned char *out)
{
    if (version == PROXY_PROTOCOL_V1)
        return header_v1(client, local, (char *)out);
    return header_v2(client, local, out);
}
