/* Check suite for proxy_in, the PROXY protocol header a balancer sends: v1 TCP4, TCP6 (the
 * longest line, 107 bytes, and one byte more) and UNKNOWN; v2 PROXY over IPv4, IPv6 and UNIX,
 * UNSPEC, LOCAL, TLVs walked and their lengths checked; the v2 length bound; every way to be
 * malformed that the parser names; versions a listener does not take; what it says when the
 * bytes are no header at all. Every valid header is also fed one byte more at a time: each
 * strict prefix must ask for more and the whole must parse as when it came at once. Each input
 * is parsed from a heap block of exactly its length, so a sanitizer build catches a read past
 * what arrived. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "daemon/proxy_in.h"

#define BOTH (PROXY_IN_V1 | PROXY_IN_V2)

static const uint8_t sig[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

struct result {
    enum proxy_in_status st;
    struct proxy_in_header h;
    enum proxy_in_problem problem;
    char why[200];
};

static struct result parse(const void *data, size_t len, unsigned mask)
{
    struct result r;
    memset(&r, 0, sizeof r);
    r.problem = (enum proxy_in_problem)-1;
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, data, len);
    r.st = proxy_in_parse(copy, len, mask, &r.h, &r.problem, r.why, sizeof r.why);
    free(copy);
    for (const char *p = r.why; *p; p++)
        ck_assert_msg(*p >= 0x20 && *p < 0x7f, "unprintable reason: %s", r.why);
    return r;
}

/* Parses data whole, then every strict prefix: each must be PROXY_IN_MORE. */
static struct result parse_split(const void *data, size_t len, unsigned mask)
{
    struct result whole = parse(data, len, mask);
    ck_assert_int_eq(whole.st, PROXY_IN_DONE);
    for (size_t k = 0; k < whole.h.header_len; k++) {
        struct result part = parse(data, k, mask);
        ck_assert_msg(part.st == PROXY_IN_MORE, "prefix of %zu bytes: status %d (%s)", k,
                      part.st, part.why);
    }
    struct result exact = parse(data, whole.h.header_len, mask);
    ck_assert_int_eq(exact.st, PROXY_IN_DONE);
    ck_assert_int_eq(memcmp(&exact.h, &whole.h, sizeof exact.h), 0);
    return whole;
}

static void invalid(const void *data, size_t len, unsigned mask, enum proxy_in_problem problem,
                    const char *why_part)
{
    struct result r = parse(data, len, mask);
    ck_assert_msg(r.st == PROXY_IN_INVALID, "status %d for '%s'", r.st, why_part);
    ck_assert_int_eq(r.problem, problem);
    ck_assert_msg(strstr(r.why, why_part) != NULL, "'%s' lacks '%s'", r.why, why_part);
}

static void invalid_text(const char *text, enum proxy_in_problem problem, const char *why_part)
{
    invalid(text, strlen(text), BOTH, problem, why_part);
}

static void address_is(const struct sockaddr_storage *ss, socklen_t len, const char *expected)
{
    char buf[128];
    ck_assert_str_eq(endpoint_format((const struct sockaddr *)ss, len, buf, sizeof buf),
                     expected);
}

/* --- version 1 ----------------------------------------------------------------------------- */

START_TEST(v1_tcp4)
{
    static const char text[] = "PROXY TCP4 203.0.113.7 198.51.100.1 4242 443\r\n\x16\x03\x01";
    struct result r = parse_split(text, sizeof text - 1, BOTH);
    ck_assert_uint_eq(r.h.version, 1);
    ck_assert_uint_eq(r.h.local, 0);
    ck_assert_uint_eq(r.h.header_len, sizeof text - 1 - 3); /* the TLS bytes stay */
    address_is(&r.h.source, r.h.source_len, "203.0.113.7:4242");
    address_is(&r.h.destination, r.h.destination_len, "198.51.100.1:443");
}
END_TEST

START_TEST(v1_longest)
{
    static const char text[] = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                               "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    struct result r = parse_split(text, sizeof text - 1, BOTH);
    ck_assert_uint_eq(r.h.header_len, 104);
    /* the specification's worst case: UNKNOWN with those addresses, 107 bytes */
    static const char unknown[] = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                                  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    ck_assert_uint_eq(sizeof unknown - 1, PROXY_IN_V1_MAX);
    ck_assert_uint_eq(parse_split(unknown, sizeof unknown - 1, BOTH).h.header_len,
                      PROXY_IN_V1_MAX);
    address_is(&r.h.source, r.h.source_len, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
    struct result small = parse_split("PROXY TCP6 ::1 2001:db8::1 0 1\r\n", 32, BOTH);
    address_is(&small.h.source, small.h.source_len, "[::1]:0");
    address_is(&small.h.destination, small.h.destination_len, "[2001:db8::1]:1");
}
END_TEST

START_TEST(v1_too_long)
{
    /* 108 bytes with the CRLF: one past the limit, refused without waiting for more */
    char text[PROXY_IN_V1_MAX + 16] = "PROXY UNKNOWN ";
    size_t n = strlen(text);
    memset(text + n, 'x', PROXY_IN_V1_MAX - n - 1);
    memcpy(text + PROXY_IN_V1_MAX - 1, "\r\n", 2);
    invalid(text, PROXY_IN_V1_MAX + 1, BOTH, PROXY_IN_MALFORMED, "no CRLF within 107 bytes");
    invalid(text, PROXY_IN_V1_MAX, BOTH, PROXY_IN_MALFORMED, "no CRLF within 107 bytes");
    ck_assert_int_eq(parse(text, PROXY_IN_V1_MAX - 1, BOTH).st, PROXY_IN_MORE);
    /* the same line one byte shorter is taken */
    memcpy(text + PROXY_IN_V1_MAX - 2, "\r\n", 2);
    ck_assert_int_eq(parse(text, PROXY_IN_V1_MAX, BOTH).st, PROXY_IN_DONE);
}
END_TEST

START_TEST(v1_unknown)
{
    struct result r = parse_split("PROXY UNKNOWN\r\n", 15, BOTH);
    ck_assert_uint_eq(r.h.local, 1);
    ck_assert_uint_eq(r.h.source_len, 0);
    ck_assert_uint_eq(r.h.header_len, 15);
    static const char text[] = "PROXY UNKNOWN ffff::1 ffff::2 65535 65535\r\nrest";
    r = parse_split(text, sizeof text - 1, BOTH);
    ck_assert_uint_eq(r.h.local, 1);
    ck_assert_uint_eq(r.h.header_len, sizeof text - 1 - 4);
}
END_TEST

START_TEST(v1_malformed)
{
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", PROXY_IN_MALFORMED, "byte 0x0a");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", PROXY_IN_MALFORMED, "CR not followed");
    invalid_text("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", PROXY_IN_MALFORMED, "single spaces");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", PROXY_IN_MALFORMED, "single spaces");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", PROXY_IN_MALFORMED, "single spaces");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", PROXY_IN_MALFORMED, "single spaces");
    invalid_text("PROXY TCP4 \r\n", PROXY_IN_MALFORMED, "single spaces");
    invalid_text("PROXY TCP4\r\n", PROXY_IN_MALFORMED, "not TCP4, TCP6 or UNKNOWN");
    invalid_text("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", PROXY_IN_MALFORMED, "not TCP4");
    invalid_text("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", PROXY_IN_MALFORMED, "not TCP4");
    invalid_text("PROXY \r\n", PROXY_IN_MALFORMED, "not TCP4");
    invalid_text("PROXY UNKNOWNX\r\n", PROXY_IN_MALFORMED, "not TCP4");
    invalid_text("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", PROXY_IN_MALFORMED, "valid IPv4");
    invalid_text("PROXY TCP4 ::1 5.6.7.8 1 2\r\n", PROXY_IN_MALFORMED, "valid IPv4");
    invalid_text("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", PROXY_IN_MALFORMED, "valid IPv6");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", PROXY_IN_MALFORMED, "valid IPv4");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", PROXY_IN_MALFORMED, "valid IPv4");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", PROXY_IN_MALFORMED, "valid IPv4");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n", PROXY_IN_MALFORMED, "valid IPv4");
    invalid_text("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", PROXY_IN_MALFORMED, "valid IPv4");
    invalid(("PROXY TCP4 1.2.3.4\0 5.6.7.8 1 2\r\n"), 33, BOTH, PROXY_IN_MALFORMED, "byte 0x00");
    invalid_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\x7f\r\n", PROXY_IN_MALFORMED, "byte 0x7f");
}
END_TEST

/* --- version 2 ----------------------------------------------------------------------------- */

/* Builds signature, version/command, family, length and body into out; its length. */
static size_t v2(uint8_t *out, uint8_t ver_cmd, uint8_t family, const void *body, size_t n)
{
    memcpy(out, sig, 12);
    out[12] = ver_cmd;
    out[13] = family;
    out[14] = (uint8_t)(n >> 8);
    out[15] = (uint8_t)n;
    if (n)
        memcpy(out + 16, body, n);
    return 16 + n;
}

static const uint8_t inet_block[12] = {203, 0, 113, 7, 198, 51, 100, 1, 0x10, 0x92, 0x01, 0xbb};

START_TEST(v2_inet)
{
    uint8_t buf[64];
    size_t n = v2(buf, 0x21, 0x11, inet_block, sizeof inet_block);
    buf[n] = 0x16; /* the ClientHello begins */
    struct result r = parse_split(buf, n + 1, BOTH);
    ck_assert_uint_eq(r.h.version, 2);
    ck_assert_uint_eq(r.h.local, 0);
    ck_assert_uint_eq(r.h.header_len, 28);
    ck_assert_uint_eq(r.h.n_tlvs, 0);
    address_is(&r.h.source, r.h.source_len, "203.0.113.7:4242");
    address_is(&r.h.destination, r.h.destination_len, "198.51.100.1:443");
}
END_TEST

START_TEST(v2_inet6_with_tlvs)
{
    uint8_t body[36 + 64], buf[160];
    memset(body, 0, sizeof body);
    body[0] = 0x20, body[1] = 0x01, body[2] = 0x0d, body[3] = 0xb8, body[15] = 7;
    body[16] = 0x20, body[17] = 0x01, body[18] = 0x0d, body[19] = 0xb8, body[31] = 1;
    body[32] = 0x15, body[33] = 0xb3, body[34] = 0x01, body[35] = 0xbb;
    /* NOOP of 1 byte, AUTHORITY "example.org", an empty CRC32C-typed TLV, an unknown type */
    static const uint8_t tlvs[] = {0x04, 0, 1, 0,    0x02, 0, 11, 'e', 'x', 'a', 'm',
                                   'p',  'l', 'e', '.', 'o', 'r', 'g', 0x03, 0, 0,
                                   0xee, 0, 2, 0xab, 0xcd};
    memcpy(body + 36, tlvs, sizeof tlvs);
    size_t n = v2(buf, 0x21, 0x21, body, 36 + sizeof tlvs);
    struct result r = parse_split(buf, n, BOTH);
    ck_assert_uint_eq(r.h.n_tlvs, 4);
    ck_assert_uint_eq(r.h.header_len, n);
    address_is(&r.h.source, r.h.source_len, "[2001:db8::7]:5555");
    address_is(&r.h.destination, r.h.destination_len, "[2001:db8::1]:443");
}
END_TEST

START_TEST(v2_unix)
{
    uint8_t body[216], buf[240];
    memset(body, 0, sizeof body);
    strcpy((char *)body, "/run/haproxy/client.sock");
    memset(body + 108, 'a', 108); /* a destination path of all 108 bytes, no NUL */
    body[108] = '/';
    size_t n = v2(buf, 0x21, 0x31, body, sizeof body);
    struct result r = parse_split(buf, n, BOTH);
    ck_assert_uint_eq(r.h.local, 0);
    ck_assert_int_eq(r.h.source.ss_family, AF_UNIX);
    address_is(&r.h.source, r.h.source_len, "unix:/run/haproxy/client.sock");
    ck_assert_uint_eq(r.h.destination_len, offsetof(struct sockaddr_un, sun_path) + 108);
    char buf2[200];
    endpoint_format((struct sockaddr *)&r.h.destination, r.h.destination_len, buf2, sizeof buf2);
    ck_assert_uint_eq(strlen(buf2), 5 + 108);
}
END_TEST

START_TEST(v2_local_and_unspec)
{
    uint8_t buf[64];
    size_t n = v2(buf, 0x20, 0x00, NULL, 0);
    struct result r = parse_split(buf, n, BOTH);
    ck_assert_uint_eq(r.h.local, 1);
    ck_assert_uint_eq(r.h.header_len, 16);
    ck_assert_uint_eq(r.h.source_len, 0);
    /* LOCAL ignores its block, whatever the family says */
    n = v2(buf, 0x20, 0x11, inet_block, sizeof inet_block);
    r = parse_split(buf, n, BOTH);
    ck_assert_uint_eq(r.h.local, 1);
    ck_assert_uint_eq(r.h.header_len, 28);
    n = v2(buf, 0x20, 0x77, "\x01\x02\x03", 3); /* nonsense, ignored */
    ck_assert_int_eq(parse(buf, n, BOTH).st, PROXY_IN_DONE);
    /* PROXY of family UNSPEC: no addresses, like LOCAL */
    n = v2(buf, 0x21, 0x00, "\x01\x02", 2);
    r = parse_split(buf, n, BOTH);
    ck_assert_uint_eq(r.h.local, 1);
    ck_assert_uint_eq(r.h.header_len, 18);
}
END_TEST

START_TEST(v2_malformed)
{
    uint8_t buf[300];
    size_t n = v2(buf, 0x11, 0x11, inet_block, sizeof inet_block);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "version 1 in the version byte");
    n = v2(buf, 0x22, 0x11, inet_block, sizeof inet_block);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "unknown command 2");
    n = v2(buf, 0x21, 0x41, inet_block, sizeof inet_block);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "unknown address family 4");
    n = v2(buf, 0x21, 0x12, inet_block, sizeof inet_block);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "transport 2 is not a stream");
    n = v2(buf, 0x21, 0x10, inet_block, sizeof inet_block);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "transport 0 is not a stream");
    n = v2(buf, 0x21, 0x11, inet_block, 11);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "11 bytes of addresses; family 1 needs 12");
    n = v2(buf, 0x21, 0x21, inet_block, 12);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "family 2 needs 36");
    uint8_t body[216 + 8] = {0};
    n = v2(buf, 0x21, 0x31, body, 215);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "family 3 needs 216");
    /* TLVs: a header cut short, a value running past the end */
    uint8_t tlv[14];
    memcpy(tlv, inet_block, 12);
    tlv[12] = 0x04, tlv[13] = 0;
    n = v2(buf, 0x21, 0x11, tlv, 14);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "TLV header cut short");
    uint8_t over[18];
    memcpy(over, inet_block, 12);
    memcpy(over + 12, "\x02\x00\x04" "abc", 6);
    n = v2(buf, 0x21, 0x11, over, 18);
    invalid(buf, n, BOTH, PROXY_IN_MALFORMED, "TLV type 0x02 of 4 bytes runs past");
}
END_TEST

START_TEST(v2_length_bounds)
{
    static uint8_t buf[PROXY_IN_HEADER_MAX + 64];
    uint8_t body[PROXY_IN_HEADER_MAX];
    memset(body, 0, sizeof body);
    memcpy(body, inet_block, 12);
    /* the longest taken: 16 + 2032 bytes, one TLV filling what the addresses leave */
    size_t tlv_len = PROXY_IN_HEADER_MAX - 16 - 12 - 3;
    body[12] = 0xe0, body[13] = (uint8_t)(tlv_len >> 8), body[14] = (uint8_t)tlv_len;
    size_t n = v2(buf, 0x21, 0x11, body, PROXY_IN_HEADER_MAX - 16);
    ck_assert_uint_eq(n, PROXY_IN_HEADER_MAX);
    struct result r = parse(buf, n, BOTH);
    ck_assert_int_eq(r.st, PROXY_IN_DONE);
    ck_assert_uint_eq(r.h.header_len, PROXY_IN_HEADER_MAX);
    ck_assert_int_eq(parse(buf, n - 1, BOTH).st, PROXY_IN_MORE);
    /* one more byte is refused as soon as the length field arrives */
    buf[15]++;
    invalid(buf, 16, BOTH, PROXY_IN_MALFORMED, "a header of 2049 bytes; at most 2048");
    buf[14] = 0xff, buf[15] = 0xff;
    invalid(buf, 16, BOTH, PROXY_IN_MALFORMED, "a header of 65551 bytes");
    /* LOCAL is bounded too */
    buf[12] = 0x20;
    invalid(buf, 16, BOTH, PROXY_IN_MALFORMED, "at most 2048");
}
END_TEST

/* --- either -------------------------------------------------------------------------------- */

START_TEST(versions_taken)
{
    uint8_t buf[64];
    size_t n = v2(buf, 0x21, 0x11, inet_block, sizeof inet_block);
    invalid(buf, n, PROXY_IN_V1, PROXY_IN_VERSION, "a PROXY v2 header; this listener takes only v1");
    invalid(buf, 1, PROXY_IN_V1, PROXY_IN_VERSION, "PROXY v2"); /* decided on the first byte */
    invalid("PROXY UNKNOWN\r\n", 15, PROXY_IN_V2, PROXY_IN_VERSION,
            "a PROXY v1 header; this listener takes only v2");
    invalid("PROXY UNKNOWN\r\n", 15, 0, PROXY_IN_VERSION, "takes none");
    ck_assert_int_eq(parse("PROXY UNKNOWN\r\n", 15, PROXY_IN_V1).st, PROXY_IN_DONE);
    ck_assert_int_eq(parse(buf, n, PROXY_IN_V2).st, PROXY_IN_DONE);
}
END_TEST

START_TEST(not_a_header)
{
    static const uint8_t hello[] = {0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00};
    invalid(hello, sizeof hello, BOTH, PROXY_IN_NOT_PROXY, "no PROXY header (got a TLS ClientHello)");
    invalid(hello, 1, BOTH, PROXY_IN_NOT_PROXY, "no PROXY header (got a TLS handshake record)");
    invalid_text("GET / HTTP/1.1\r\nHost: x\r\n", PROXY_IN_NOT_PROXY,
                 "no PROXY header (got \"GET / HTTP/1.1\")");
    invalid_text("PROXZ", PROXY_IN_NOT_PROXY, "got \"PROXZ\"");
    invalid_text("proxy TCP4", PROXY_IN_NOT_PROXY, "got \"proxy TCP4\"");
    invalid_text("PROXY\r\n", PROXY_IN_NOT_PROXY, "got \"PROXY\"");
    invalid_text("\"\\x", PROXY_IN_NOT_PROXY, "got \"??x\"");
    invalid("\x80\x01", 2, BOTH, PROXY_IN_NOT_PROXY, "got a byte 0x80");
    uint8_t almost[12];
    memcpy(almost, sig, 12);
    almost[11] = 0x0B;
    invalid(almost, 12, BOTH, PROXY_IN_NOT_PROXY, "got a byte 0x0d");
    ck_assert_int_eq(parse(almost, 11, BOTH).st, PROXY_IN_MORE);
}
END_TEST

START_TEST(arguments)
{
    struct proxy_in_header h;
    enum proxy_in_problem problem;
    char why[64];
    const uint8_t data[1] = {'P'};
    ck_assert_int_eq(proxy_in_parse(NULL, 0, BOTH, &h, &problem, why, sizeof why),
                     PROXY_IN_INVALID);
    ck_assert_int_eq(proxy_in_parse(data, 1, BOTH, NULL, &problem, why, sizeof why),
                     PROXY_IN_INVALID);
    ck_assert_int_eq(proxy_in_parse(data, 1, BOTH, &h, NULL, why, sizeof why), PROXY_IN_INVALID);
    ck_assert_int_eq(proxy_in_parse(data, 1, BOTH, &h, &problem, NULL, 0), PROXY_IN_INVALID);
    ck_assert_int_eq(proxy_in_parse(data, 0, BOTH, &h, &problem, why, sizeof why), PROXY_IN_MORE);
    ck_assert_int_eq(proxy_in_parse(data, 1, BOTH, &h, &problem, why, sizeof why), PROXY_IN_MORE);
    /* a small why is cut, still terminated */
    char tiny[8];
    ck_assert_int_eq(proxy_in_parse((const uint8_t *)"\x16", 1, BOTH, &h, &problem, tiny,
                                    sizeof tiny), PROXY_IN_INVALID);
    ck_assert_str_eq(tiny, "no PROX");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon_proxy_in");
    TCase *tc = tcase_create("proxy_in");
    tcase_add_test(tc, v1_tcp4);
    tcase_add_test(tc, v1_longest);
    tcase_add_test(tc, v1_too_long);
    tcase_add_test(tc, v1_unknown);
    tcase_add_test(tc, v1_malformed);
    tcase_add_test(tc, v2_inet);
    tcase_add_test(tc, v2_inet6_with_tlvs);
    tcase_add_test(tc, v2_unix);
    tcase_add_test(tc, v2_local_and_unspec);
    tcase_add_test(tc, v2_malformed);
    tcase_add_test(tc, v2_length_bounds);
    tcase_add_test(tc, versions_taken);
    tcase_add_test(tc, not_a_header);
    tcase_add_test(tc, arguments);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
