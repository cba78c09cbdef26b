/* Check suite for endpoint: parsing, printing and comparing socket addresses as the
 * configuration writes them, and the CIDR ranges of accept_proxy.trusted with their edge
 * cases: /0, /32, /128, a bare address, IPv4-mapped IPv6 ranges and peers, prefix lengths out
 * of range or malformed, bits set past the prefix (an error naming the range meant), "unix". */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "daemon/endpoint.h"

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

/* --- addresses ----------------------------------------------------------------------------- */

static void parse_ok(const char *text, int family)
{
    struct endpoint ep;
    char why[200] = "";
    ck_assert_msg(endpoint_parse(text, &ep, why, sizeof why) == 0, "%s: %s", text, why);
    ck_assert_int_eq(ep.addr.ss_family, family);
    ck_assert_str_eq(ep.text, text);
}

static void parse_bad(const char *text, const char *reason_part)
{
    struct endpoint ep;
    char why[200] = "";
    ck_assert_int_eq(endpoint_parse(text, &ep, why, sizeof why), -1);
    ck_assert_msg(strstr(why, reason_part) != NULL, "%s: '%s' lacks '%s'", text, why,
                  reason_part);
}

START_TEST(endpoint_forms)
{
    parse_ok("127.0.0.1:443", AF_INET);
    parse_ok("0.0.0.0:1", AF_INET);
    parse_ok("[::1]:65535", AF_INET6);
    parse_ok("[::ffff:10.0.0.1]:80", AF_INET6);
    parse_ok("unix:/run/unitlsd.sock", AF_UNIX);
}
END_TEST

START_TEST(endpoint_errors)
{
    parse_bad("127.0.0.1", "no port");
    parse_bad("127.0.0.1:0", "port '0'");
    parse_bad("127.0.0.1:65536", "port '65536'");
    parse_bad("127.0.0.1:+80", "port");
    parse_bad("localhost:80", "not a numeric IPv4");
    parse_bad("::1:80", "not a numeric IPv4");
    parse_bad("[::1:80", "without its");
    parse_bad("[::1:zz]:443", "not a numeric IPv6");
    parse_bad("unix:run/x", "not absolute");
    char longpath[200] = "unix:/";
    memset(longpath + 6, 'a', 110);
    longpath[116] = '\0';
    parse_bad(longpath, "longer than");
    char huge[300];
    memset(huge, '1', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    parse_bad(huge, "longer than 127 bytes");
}
END_TEST

START_TEST(endpoint_compare)
{
    struct endpoint a, b, c;
    char why[200];
    ck_assert_int_eq(endpoint_parse("127.0.0.1:443", &a, why, sizeof why), 0);
    ck_assert_int_eq(endpoint_parse("127.000.0.1:443", &b, why, sizeof why), -1); /* octal-ish */
    ck_assert_int_eq(endpoint_parse("127.0.0.1:0443", &b, why, sizeof why), 0);
    ck_assert_int_eq(endpoint_equal(&a, &b), 1); /* same address, other text */
    ck_assert_int_eq(endpoint_parse("127.0.0.1:444", &c, why, sizeof why), 0);
    ck_assert_int_eq(endpoint_equal(&a, &c), 0);
    ck_assert_int_eq(endpoint_parse("[::1]:443", &c, why, sizeof why), 0);
    ck_assert_int_eq(endpoint_equal(&a, &c), 0);
    ck_assert_int_eq(endpoint_parse("[0:0::1]:443", &b, why, sizeof why), 0);
    ck_assert_int_eq(endpoint_equal(&b, &c), 1);
    ck_assert_int_eq(endpoint_parse("unix:/a", &b, why, sizeof why), 0);
    ck_assert_int_eq(endpoint_parse("unix:/b", &c, why, sizeof why), 0);
    ck_assert_int_eq(endpoint_equal(&b, &c), 0);
}
END_TEST

START_TEST(endpoint_print)
{
    char buf[128];
    struct sockaddr_in a = v4("192.0.2.1", 443);
    struct sockaddr_in6 b = v6("2001:db8::1", 8443);
    struct sockaddr_un u;
    memset(&u, 0, sizeof u);
    u.sun_family = AF_UNIX;
    strcpy(u.sun_path, "/run/x.sock");
    ck_assert_str_eq(endpoint_format((struct sockaddr *)&a, sizeof a, buf, sizeof buf),
                     "192.0.2.1:443");
    ck_assert_str_eq(endpoint_format((struct sockaddr *)&b, sizeof b, buf, sizeof buf),
                     "[2001:db8::1]:8443");
    ck_assert_str_eq(endpoint_format((struct sockaddr *)&u, sizeof u, buf, sizeof buf),
                     "unix:/run/x.sock");
    ck_assert_str_eq(endpoint_format((struct sockaddr *)&u, sizeof(sa_family_t), buf,
                                     sizeof buf), "unix");
    ck_assert_str_eq(endpoint_format(NULL, 0, buf, sizeof buf), "-");
    /* A length too short for the family is not read past. */
    ck_assert_str_eq(endpoint_format((struct sockaddr *)&a, 4, buf, sizeof buf), "family-2");
    char small[8];
    endpoint_format((struct sockaddr *)&b, sizeof b, small, sizeof small);
    ck_assert_str_eq(small, "[2001:d");
}
END_TEST

/* --- ranges -------------------------------------------------------------------------------- */

static struct cidr range(const char *text)
{
    struct cidr c;
    char why[200] = "";
    ck_assert_msg(cidr_parse(text, &c, why, sizeof why) == 0, "%s: %s", text, why);
    return c;
}

static const char *shown(const char *text)
{
    static char buf[CIDR_TEXT_MAX];
    struct cidr c = range(text);
    return cidr_format(&c, buf, sizeof buf);
}

static void range_bad(const char *text, const char *reason_part)
{
    struct cidr c;
    char why[200] = "";
    ck_assert_int_eq(cidr_parse(text, &c, why, sizeof why), -1);
    ck_assert_msg(strstr(why, reason_part) != NULL, "%s: '%s' lacks '%s'", text, why,
                  reason_part);
}

static int in4(const char *range_text, const char *ip)
{
    struct cidr c = range(range_text);
    struct sockaddr_in sa = v4(ip, 1234);
    return cidr_contains(&c, (struct sockaddr *)&sa, sizeof sa);
}

static int in6(const char *range_text, const char *ip)
{
    struct cidr c = range(range_text);
    struct sockaddr_in6 sa = v6(ip, 1234);
    return cidr_contains(&c, (struct sockaddr *)&sa, sizeof sa);
}

START_TEST(cidr_forms)
{
    ck_assert_str_eq(shown("10.0.0.0/8"), "10.0.0.0/8");
    ck_assert_str_eq(shown("127.0.0.1"), "127.0.0.1/32");
    ck_assert_str_eq(shown("127.0.0.1/32"), "127.0.0.1/32");
    ck_assert_str_eq(shown("0.0.0.0/0"), "0.0.0.0/0");
    ck_assert_str_eq(shown("::1"), "::1/128");
    ck_assert_str_eq(shown("::/0"), "::/0");
    ck_assert_str_eq(shown("2001:DB8::/32"), "2001:db8::/32");
    ck_assert_str_eq(shown("10.1.2.0/23"), "10.1.2.0/23");
    ck_assert_str_eq(shown("unix"), "unix");
    /* IPv4-mapped: stored as the IPv4 range it denotes */
    ck_assert_str_eq(shown("::ffff:10.0.0.0/104"), "10.0.0.0/8");
    ck_assert_str_eq(shown("::ffff:0:0/96"), "0.0.0.0/0");
    ck_assert_str_eq(shown("::ffff:192.0.2.1"), "192.0.2.1/32");
}
END_TEST

START_TEST(cidr_errors)
{
    range_bad("10.0.0.0/33", "from 0 to 32");
    range_bad("::/129", "from 0 to 128");
    range_bad("10.0.0.0/", "prefix length ''");
    range_bad("10.0.0.0/-1", "prefix length '-1'");
    range_bad("10.0.0.0/08", "prefix length '08'");
    range_bad("10.0.0.0/8/8", "prefix length '8/8'");
    range_bad("10.0.0.0/ 8", "prefix length");
    range_bad("10.0.0.0/1000", "prefix length");
    range_bad("example.org/8", "not a numeric IPv4 or IPv6");
    range_bad("10.0.0/8", "not a numeric");
    range_bad("", "not a numeric");
    range_bad("/8", "not a numeric");
    range_bad("[::1]/128", "not a numeric");
    range_bad("Unix", "not a numeric");
    /* bits past the prefix: the error names the range meant */
    range_bad("10.1.2.3/8", "(the range is 10.0.0.0/8)");
    range_bad("10.1.2.3/0", "(the range is 0.0.0.0/0)");
    range_bad("192.168.1.129/25", "(the range is 192.168.1.128/25)");
    range_bad("2001:db8::1/32", "(the range is 2001:db8::/32)");
    range_bad("::1/0", "(the range is ::/0)");
    /* a mapped address with a prefix below 96 has the mapping's ffff past it */
    range_bad("::ffff:10.0.0.0/80", "bits past the /80 prefix");
    char huge[200];
    memset(huge, '1', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    range_bad(huge, "too long");
}
END_TEST

START_TEST(cidr_contains_v4)
{
    ck_assert_int_eq(in4("10.0.0.0/8", "10.255.1.2"), 1);
    ck_assert_int_eq(in4("10.0.0.0/8", "11.0.0.0"), 0);
    ck_assert_int_eq(in4("10.0.0.0/8", "9.255.255.255"), 0);
    ck_assert_int_eq(in4("127.0.0.1/32", "127.0.0.1"), 1);
    ck_assert_int_eq(in4("127.0.0.1", "127.0.0.2"), 0);
    ck_assert_int_eq(in4("0.0.0.0/0", "203.0.113.9"), 1);
    ck_assert_int_eq(in4("192.168.1.128/25", "192.168.1.255"), 1);
    ck_assert_int_eq(in4("192.168.1.128/25", "192.168.1.127"), 0);
    ck_assert_int_eq(in4("10.1.2.0/23", "10.1.3.200"), 1);
    ck_assert_int_eq(in4("10.1.2.0/23", "10.1.4.0"), 0);
    /* families do not cross: ::/0 is every IPv6 peer, no IPv4 one */
    ck_assert_int_eq(in4("::/0", "10.0.0.1"), 0);
    ck_assert_int_eq(in4("unix", "10.0.0.1"), 0);
}
END_TEST

START_TEST(cidr_contains_v6)
{
    ck_assert_int_eq(in6("::1/128", "::1"), 1);
    ck_assert_int_eq(in6("::1", "::2"), 0);
    ck_assert_int_eq(in6("::/0", "2001:db8::1"), 1);
    ck_assert_int_eq(in6("2001:db8::/32", "2001:db8:ffff::1"), 1);
    ck_assert_int_eq(in6("2001:db8::/32", "2001:db9::1"), 0);
    ck_assert_int_eq(in6("fe80::/10", "febf::1"), 1);
    ck_assert_int_eq(in6("fe80::/10", "fec0::1"), 0);
    ck_assert_int_eq(in6("0.0.0.0/0", "2001:db8::1"), 0);
    /* an IPv4-mapped peer (a dual-stack socket) is its IPv4 address */
    ck_assert_int_eq(in6("10.0.0.0/8", "::ffff:10.9.8.7"), 1);
    ck_assert_int_eq(in6("::ffff:10.0.0.0/104", "::ffff:10.9.8.7"), 1);
    ck_assert_int_eq(in6("10.0.0.0/8", "::ffff:11.9.8.7"), 0);
    ck_assert_int_eq(in6("::/0", "::ffff:10.9.8.7"), 0);
    ck_assert_int_eq(in6("::ffff:0:0/96", "::ffff:1.2.3.4"), 1);
}
END_TEST

START_TEST(cidr_contains_odd_peers)
{
    struct cidr any4 = range("0.0.0.0/0"), unix_range = range("unix");
    struct sockaddr_in a = v4("1.2.3.4", 1);
    struct sockaddr_un u;
    memset(&u, 0, sizeof u);
    u.sun_family = AF_UNIX;
    ck_assert_int_eq(cidr_contains(&any4, NULL, 0), 0);
    ck_assert_int_eq(cidr_contains(&any4, (struct sockaddr *)&a, 2), 0); /* short */
    ck_assert_int_eq(cidr_contains(&any4, (struct sockaddr *)&u, sizeof(sa_family_t)), 0);
    ck_assert_int_eq(cidr_contains(&unix_range, (struct sockaddr *)&u, sizeof(sa_family_t)), 1);
    ck_assert_int_eq(cidr_contains(&unix_range, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(cidr_contains(NULL, (struct sockaddr *)&a, sizeof a), 0);
}
END_TEST

START_TEST(cidr_lists)
{
    struct cidr items[3] = {range("10.0.0.0/8"), range("::1"), range("192.168.0.0/16")};
    struct cidr_list list = {items, 3}, empty = {NULL, 0};
    struct sockaddr_in a = v4("192.168.4.4", 1), b = v4("172.16.0.1", 1);
    struct sockaddr_in6 c = v6("::1", 1);
    ck_assert_int_eq(cidr_list_contains(&list, (struct sockaddr *)&a, sizeof a), 1);
    ck_assert_int_eq(cidr_list_contains(&list, (struct sockaddr *)&b, sizeof b), 0);
    ck_assert_int_eq(cidr_list_contains(&list, (struct sockaddr *)&c, sizeof c), 1);
    ck_assert_int_eq(cidr_list_contains(&empty, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(cidr_list_contains(NULL, (struct sockaddr *)&a, sizeof a), 0);
    ck_assert_int_eq(cidr_equal(&items[0], &items[0]), 1);
    struct cidr same = range("::ffff:10.0.0.0/104");
    ck_assert_int_eq(cidr_equal(&items[0], &same), 1);
    ck_assert_int_eq(cidr_equal(&items[0], &items[2]), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon_endpoint");
    TCase *tc = tcase_create("endpoint");
    tcase_add_test(tc, endpoint_forms);
    tcase_add_test(tc, endpoint_errors);
    tcase_add_test(tc, endpoint_compare);
    tcase_add_test(tc, endpoint_print);
    tcase_add_test(tc, cidr_forms);
    tcase_add_test(tc, cidr_errors);
    tcase_add_test(tc, cidr_contains_v4);
    tcase_add_test(tc, cidr_contains_v6);
    tcase_add_test(tc, cidr_contains_odd_peers);
    tcase_add_test(tc, cidr_lists);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
