/* Check suite for proxy_header: the PROXY protocol headers byte for byte as HAProxy's
 * proxy-protocol.txt writes them (version 1's text line, version 2's binary block), for IPv4,
 * IPv6 (the longest v1 line included), and the pairs that carry no addresses: a unix client, a
 * missing address, and a client and local address of different families. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "daemon/proxy_header.h"

static const unsigned char signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                            0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

static struct sockaddr_in v4(const char *ip, unsigned short port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ck_assert_int_eq(inet_pton(AF_INET, ip, &sa.sin_addr), 1);
    return sa;
}

static struct sockaddr_in6 v6(const char *ip, unsigned short port)
{
    struct sockaddr_in6 sa;
    memset(&sa, 0, sizeof sa);
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(port);
    ck_assert_int_eq(inet_pton(AF_INET6, ip, &sa.sin6_addr), 1);
    return sa;
}

static struct sockaddr_un unix_client(void)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, "/run/unitlsd-test.sock");
    return sa;
}

/* The header as a NUL-terminated string (v1 is text). */
static const char *v1_text(const struct sockaddr *client, const struct sockaddr *local)
{
    static unsigned char out[PROXY_HEADER_MAX + 1];
    memset(out, 0xAA, sizeof out);
    size_t n = proxy_header_build(PROXY_PROTOCOL_V1, client, local, out);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_le(n, PROXY_HEADER_MAX);
    out[n] = '\0';
    return (const char *)out;
}

START_TEST(v1_tcp4)
{
    struct sockaddr_in c = v4("192.0.2.1", 56324), l = v4("198.51.100.2", 443);
    ck_assert_str_eq(v1_text((struct sockaddr *)&c, (struct sockaddr *)&l),
                     "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n");
}
END_TEST

START_TEST(v1_tcp6_compressed)
{
    struct sockaddr_in6 c = v6("2001:db8::1", 1), l = v6("::1", 8443);
    ck_assert_str_eq(v1_text((struct sockaddr *)&c, (struct sockaddr *)&l),
                     "PROXY TCP6 2001:db8::1 ::1 1 8443\r\n");
}
END_TEST

START_TEST(v1_longest_line_fits)
{
    /* the specification's worst case: two full IPv6 addresses and two 5-digit ports */
    const char *full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    struct sockaddr_in6 c = v6(full, 65535), l = v6(full, 65535);
    const char *line = v1_text((struct sockaddr *)&c, (struct sockaddr *)&l);
    ck_assert_str_eq(line, "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                           "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n");
    ck_assert_uint_eq(strlen(line), 104); /* the length proxy-protocol.txt gives */
}
END_TEST

START_TEST(v1_without_addresses_is_unknown)
{
    struct sockaddr_un u = unix_client();
    struct sockaddr_in l4 = v4("127.0.0.1", 443);
    struct sockaddr_in6 l6 = v6("::1", 443);
    ck_assert_str_eq(v1_text((struct sockaddr *)&u, (struct sockaddr *)&l4), "PROXY UNKNOWN\r\n");
    ck_assert_str_eq(v1_text((struct sockaddr *)&l4, NULL), "PROXY UNKNOWN\r\n");
    ck_assert_str_eq(v1_text(NULL, (struct sockaddr *)&l4), "PROXY UNKNOWN\r\n");
    /* a mixed pair cannot be written as TCP4 or TCP6 */
    ck_assert_str_eq(v1_text((struct sockaddr *)&l4, (struct sockaddr *)&l6),
                     "PROXY UNKNOWN\r\n");
}
END_TEST

START_TEST(v2_tcp4)
{
    struct sockaddr_in c = v4("192.0.2.1", 0x1234), l = v4("198.51.100.2", 443);
    unsigned char out[PROXY_HEADER_MAX];
    size_t n = proxy_header_build(PROXY_PROTOCOL_V2, (struct sockaddr *)&c,
                                  (struct sockaddr *)&l, out);
    static const unsigned char want[28] = {
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
        0x21,                   /* version 2, PROXY */
        0x11,                   /* AF_INET, STREAM */
        0x00, 0x0C,             /* 12 bytes of addresses follow, big-endian */
        192, 0, 2, 1,           /* source */
        198, 51, 100, 2,        /* destination */
        0x12, 0x34,             /* source port */
        0x01, 0xBB,             /* destination port 443 */
    };
    ck_assert_uint_eq(n, sizeof want);
    ck_assert_mem_eq(out, want, sizeof want);
}
END_TEST

START_TEST(v2_tcp6)
{
    struct sockaddr_in6 c = v6("2001:db8::7", 40000), l = v6("::1", 8443);
    unsigned char out[PROXY_HEADER_MAX];
    size_t n = proxy_header_build(PROXY_PROTOCOL_V2, (struct sockaddr *)&c,
                                  (struct sockaddr *)&l, out);
    ck_assert_uint_eq(n, 16 + 36);
    ck_assert_mem_eq(out, signature, sizeof signature);
    ck_assert_uint_eq(out[12], 0x21);
    ck_assert_uint_eq(out[13], 0x21); /* AF_INET6, STREAM */
    ck_assert_uint_eq(out[14], 0);
    ck_assert_uint_eq(out[15], 36);
    ck_assert_mem_eq(out + 16, &c.sin6_addr, 16);
    ck_assert_mem_eq(out + 32, &l.sin6_addr, 16);
    ck_assert_uint_eq((unsigned)(out[48] << 8 | out[49]), 40000);
    ck_assert_uint_eq((unsigned)(out[50] << 8 | out[51]), 8443);
}
END_TEST

START_TEST(v2_without_addresses_is_local)
{
    struct sockaddr_un u = unix_client();
    struct sockaddr_in l4 = v4("127.0.0.1", 443);
    struct sockaddr_in6 l6 = v6("::1", 443);
    const struct sockaddr *pairs[][2] = {
        {(struct sockaddr *)&u, (struct sockaddr *)&l4},
        {(struct sockaddr *)&l4, NULL},
        {(struct sockaddr *)&l6, (struct sockaddr *)&l4},
    };
    static const unsigned char local[4] = {0x20, 0x00, 0x00, 0x00}; /* LOCAL, UNSPEC, none */
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        unsigned char out[PROXY_HEADER_MAX];
        ck_assert_uint_eq(proxy_header_build(PROXY_PROTOCOL_V2, pairs[i][0], pairs[i][1], out),
                          16);
        ck_assert_mem_eq(out, signature, sizeof signature);
        ck_assert_mem_eq(out + 12, local, sizeof local);
    }
}
END_TEST

START_TEST(headers_stay_within_the_bound)
{
    /* whatever the pair, nothing is written past PROXY_HEADER_MAX */
    const char *full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    struct sockaddr_in6 c = v6(full, 65535), l = v6(full, 65535);
    unsigned char out[PROXY_HEADER_MAX + 16];
    for (int version = PROXY_PROTOCOL_V1; version <= PROXY_PROTOCOL_V2; version++) {
        memset(out, 0x5A, sizeof out);
        size_t n = proxy_header_build((enum proxy_protocol)version, (struct sockaddr *)&c,
                                      (struct sockaddr *)&l, out);
        ck_assert_uint_le(n, PROXY_HEADER_MAX);
        for (size_t i = PROXY_HEADER_MAX; i < sizeof out; i++)
            ck_assert_uint_eq(out[i], 0x5A);
    }
}
END_TEST

/* --- TLVs ------------------------------------------------------------------------------------ */

/* A v4 header with tls's TLVs of mask; *n its length. */
static unsigned char *v2_with_tlvs(unsigned mask, const struct proxy_tls *tls, size_t *n)
{
    static unsigned char out[PROXY_HEADER_MAX + PROXY_TLV_ROOM + 16];
    struct sockaddr_in c = v4("192.0.2.1", 0x1234), l = v4("198.51.100.2", 443);
    memset(out, 0x5A, sizeof out);
    size_t len = proxy_header_build(PROXY_PROTOCOL_V2, (struct sockaddr *)&c,
                                    (struct sockaddr *)&l, out);
    *n = proxy_header_add_tlvs(out, len, mask, tls);
    ck_assert_uint_le(*n, PROXY_HEADER_MAX + PROXY_TLV_ROOM);
    ck_assert_uint_eq(out[*n], 0x5A);
    /* the length field covers the addresses and every TLV */
    ck_assert_uint_eq((size_t)(out[14] << 8 | out[15]), *n - 16);
    return out;
}

START_TEST(tlvs_alpn_authority_ssl_with_certificate)
{
    static const uint8_t h2[] = {'h', '2'};
    struct proxy_tls tls = {h2, 2, "example.org", "TLSv1.3", "TLS_AES_128_GCM_SHA256",
                            PROXY_CLIENT_CERT_CONN | PROXY_CLIENT_CERT_SESSION, "client"};
    size_t n;
    const unsigned char *out = v2_with_tlvs(PROXY_TLV_ALPN | PROXY_TLV_AUTHORITY | PROXY_TLV_SSL,
                                            &tls, &n);
    static const unsigned char want[] = {
        0x01, 0x00, 0x02, 'h', '2',                                  /* PP2_TYPE_ALPN */
        0x02, 0x00, 0x0B, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g',
        0x20, 0x00, 0x31,                                            /* PP2_TYPE_SSL, 49 */
        0x07,                                        /* SSL | CERT_CONN | CERT_SESS */
        0x00, 0x00, 0x00, 0x00,                      /* verify: 0, verified */
        0x21, 0x00, 0x07, 'T', 'L', 'S', 'v', '1', '.', '3',         /* SSL_VERSION */
        0x22, 0x00, 0x06, 'c', 'l', 'i', 'e', 'n', 't',              /* SSL_CN */
        0x23, 0x00, 0x16, 'T', 'L', 'S', '_', 'A', 'E', 'S', '_', '1', '2', '8', '_', 'G', 'C',
        'M', '_', 'S', 'H', 'A', '2', '5', '6',                      /* SSL_CIPHER */
    };
    ck_assert_uint_eq(n, 28 + sizeof want);
    ck_assert_mem_eq(out + 28, want, sizeof want);
}
END_TEST

/* No client certificate: verify is 1 (the specification: zero only for a verified one), no
 * CN; a resumed session's certificate sets CERT_SESS alone; absent values and TLVs outside the
 * mask are left out. */
START_TEST(tlvs_without_certificate_and_partial)
{
    struct proxy_tls tls = {NULL, 0, NULL, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                            0, "ignored"};
    size_t n;
    const unsigned char *out = v2_with_tlvs(PROXY_TLV_ALPN | PROXY_TLV_AUTHORITY | PROXY_TLV_SSL,
                                            &tls, &n);
    ck_assert_uint_eq(out[28], 0x20);
    ck_assert_uint_eq(out[31], 0x01);                     /* SSL only */
    ck_assert_uint_eq(out[35], 0x01);                     /* verify 1 */
    ck_assert_uint_eq(out[36], 0x21);                     /* the version first */
    ck_assert_uint_eq(out[36 + 3 + 7], 0x23);             /* then the cipher: no CN */
    ck_assert_uint_eq(n, 28 + 3 + 5 + 3 + 7 + 3 + strlen(tls.cipher));

    tls.client_cert = PROXY_CLIENT_CERT_SESSION;
    tls.client_cn = "client";
    out = v2_with_tlvs(PROXY_TLV_SSL, &tls, &n);
    ck_assert_uint_eq(out[31], 0x05);                     /* SSL | CERT_SESS */
    ck_assert_uint_eq(out[35], 0x00);

    out = v2_with_tlvs(PROXY_TLV_AUTHORITY, &tls, &n);    /* no name: nothing added */
    ck_assert_uint_eq(n, 28);
    tls.authority = "a.example";
    out = v2_with_tlvs(PROXY_TLV_ALPN, &tls, &n);         /* not asked for */
    ck_assert_uint_eq(n, 28);
}
END_TEST

/* Values longer than a TLV may carry here are cut at PROXY_TLV_VALUE_MAX, so that every TLV
 * fits PROXY_TLV_ROOM. */
START_TEST(tlvs_stay_within_the_bound)
{
    static char longest[1000];
    memset(longest, 'x', sizeof longest - 1);
    struct proxy_tls tls = {(const uint8_t *)longest, sizeof longest - 1, longest, longest,
                            longest, PROXY_CLIENT_CERT_CONN | PROXY_CLIENT_CERT_SESSION, longest};
    size_t n;
    const unsigned char *out = v2_with_tlvs(PROXY_TLV_ALPN | PROXY_TLV_AUTHORITY | PROXY_TLV_SSL,
                                            &tls, &n);
    ck_assert_uint_eq(n, PROXY_HEADER_MAX - 100 + PROXY_TLV_ROOM);
    ck_assert_uint_eq((unsigned)(out[29] << 8 | out[30]), PROXY_TLV_VALUE_MAX);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon_proxy_header");
    TCase *v1 = tcase_create("v1");
    tcase_add_test(v1, v1_tcp4);
    tcase_add_test(v1, v1_tcp6_compressed);
    tcase_add_test(v1, v1_longest_line_fits);
    tcase_add_test(v1, v1_without_addresses_is_unknown);
    suite_add_tcase(s, v1);
    TCase *v2 = tcase_create("v2");
    tcase_add_test(v2, v2_tcp4);
    tcase_add_test(v2, v2_tcp6);
    tcase_add_test(v2, v2_without_addresses_is_local);
    tcase_add_test(v2, headers_stay_within_the_bound);
    suite_add_tcase(s, v2);
    TCase *tlvs = tcase_create("tlvs");
    tcase_add_test(tlvs, tlvs_alpn_authority_ssl_with_certificate);
    tcase_add_test(tlvs, tlvs_without_certificate_and_partial);
    tcase_add_test(tlvs, tlvs_stay_within_the_bound);
    suite_add_tcase(s, tlvs);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
