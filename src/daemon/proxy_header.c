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

/* --- version 2 TLVs -------------------------------------------------------------------------- */

enum {
    PP2_TYPE_ALPN = 0x01,
    PP2_TYPE_AUTHORITY = 0x02,
    PP2_TYPE_SSL = 0x20,
    PP2_SUBTYPE_SSL_VERSION = 0x21,
    PP2_SUBTYPE_SSL_CN = 0x22,
    PP2_SUBTYPE_SSL_CIPHER = 0x23,
    PP2_CLIENT_SSL = 0x01,
};

/* Writes one TLV (value cut at PROXY_TLV_VALUE_MAX) at out; returns its size. */
static size_t tlv_put(unsigned char *out, unsigned type, const void *value, size_t n)
{
    n = n > PROXY_TLV_VALUE_MAX ? PROXY_TLV_VALUE_MAX : n;
    out[0] = (unsigned char)type;
    out[1] = (unsigned char)(n >> 8);
    out[2] = (unsigned char)(n & 0xFF);
    memcpy(out + 3, value, n);
    return 3 + n;
}

static size_t tlv_put_text(unsigned char *out, unsigned type, const char *text)
{
    return text ? tlv_put(out, type, text, strlen(text)) : 0;
}

/* PP2_TYPE_SSL: its header, then the sub-TLVs, its length fixed last. */
static size_t tlv_ssl(unsigned char *out, const struct proxy_tls *tls)
{
    size_t n = 3;
    out[n++] = (unsigned char)(PP2_CLIENT_SSL | tls->client_cert);
    uint32_t verify = htonl(tls->client_cert ? 0u : 1u);
    memcpy(out + n, &verify, sizeof verify);
    n += sizeof verify;
    n += tlv_put_text(out + n, PP2_SUBTYPE_SSL_VERSION, tls->version);
    if (tls->client_cert)
        n += tlv_put_text(out + n, PP2_SUBTYPE_SSL_CN, tls->client_cn);
    n += tlv_put_text(out + n, PP2_SUBTYPE_SSL_CIPHER, tls->cipher);
    out[0] = PP2_TYPE_SSL;
    out[1] = (unsigned char)((n - 3) >> 8);
    out[2] = (unsigned char)((n - 3) & 0xFF);
    return n;
}

size_t proxy_header_add_tlvs(unsigned char *out, size_t len, unsigned tlvs,
                             const struct proxy_tls *tls)
{
    size_t n = len;
    if ((tlvs & PROXY_TLV_ALPN) && tls->alpn && tls->alpn_len > 0)
        n += tlv_put(out + n, PP2_TYPE_ALPN, tls->alpn, tls->alpn_len);
    if (tlvs & PROXY_TLV_AUTHORITY)
        n += tlv_put_text(out + n, PP2_TYPE_AUTHORITY, tls->authority);
    if (tlvs & PROXY_TLV_SSL)
        n += tlv_ssl(out + n, tls);
    size_t body = (size_t)out[14] << 8 | out[15];
    body += n - len;
    out[14] = (unsigned char)(body >> 8);
    out[15] = (unsigned char)(body & 0xFF);
    return n;
}
