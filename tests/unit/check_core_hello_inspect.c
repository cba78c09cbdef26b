/* hello_inspect: the first flight read without the TLS library. Good ClientHellos come from
 * real clients: a unitls client buffer of each built implementation (made here) and bytes
 * captured from `openssl s_client -tls1`; a ServerHello from a unitls server buffer. Every
 * truncation of a good hello asks for more and never reads past the end (the sanitizer build
 * checks the bytes are on the heap, sized exactly); split records, oversized records and
 * messages, plaintext, HTTP and an SSLv2-compatible hello are named. */
#include <stdlib.h>
#include <string.h>

#include "core/hello_inspect.h"
#include "testutil.h"

/* `openssl s_client -tls1 -cipher DEFAULT@SECLEVEL=0 -connect 127.0.0.1:PORT` (OpenSSL 3.0). */
static const uint8_t tls1_hello[] = {
    0x16, 0x03, 0x01, 0x00, 0x63, 0x01, 0x00, 0x00, 0x5f, 0x03, 0x01, 0x43, 0xc3, 0x86, 0x6d,
    0x83, 0xb4, 0x95, 0x7d, 0xb6, 0x3e, 0x14, 0xd1, 0xd7, 0x15, 0x14, 0xbb, 0x1a, 0x2c, 0x8d,
    0x25, 0x85, 0xb9, 0x56, 0x83, 0xcd, 0x3f, 0xef, 0x6a, 0x04, 0xfe, 0x56, 0x77, 0x00, 0x00,
    0x12, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x35,
    0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0x24, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01,
    0x02, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19,
    0x00, 0x18, 0x00, 0x23, 0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00};

/* An SSLv2-compatible ClientHello (RFC 6101, E.2) offering TLS 1.0 and two suites. */
static const uint8_t sslv2_hello[] = {0x80, 0x1c, 0x01, 0x03, 0x01, 0x00, 0x06, 0x00, 0x00,
                                      0x00, 0x10, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x35, 0x01,
                                      0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                      0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

/* The server's answer to a TLS 1.2 client limited to TLS 1.3 servers (openssl s_server). */
static const uint8_t alert_tls10[] = {0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46};

/* A heap copy of exactly len bytes, so reading past them is a sanitizer report. */
static uint8_t *exact(const uint8_t *p, size_t len)
{
    uint8_t *c = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(c);
    if (len)
        memcpy(c, p, len);
    return c;
}

static enum hello_result inspect_exact(const uint8_t *p, size_t len, struct hello_client *h)
{
    uint8_t *c = exact(p, len);
    enum hello_result r = hello_client_inspect(c, len, h);
    free(c);
    return r;
}

/* The ClientHello a unitls client buffer of implementation i sends (len bytes, malloc'd). */
static uint8_t *unitls_hello(const unitls_implementation *impl, size_t *len)
{
    unitls_client_config_builder *b = tu_client_builder();
    static const uint8_t h2[] = {'h', '2'};
    tu_assert_status(unitls_client_config_builder_add_inner_protocol(b, h2, sizeof h2), UNITLS_OK,
                     "add_inner_protocol", "");
    unitls_error err;
    unitls_client_config *cfg = unitls_client_config_builder_build(b, &err);
    unitls_client_config_builder_free(b);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    unitls_client_context *ctx = unitls_client_context_new(impl, cfg, &err);
    unitls_client_config_unref(cfg);
    ck_assert_msg(ctx != NULL, "%s", err.message);
    unitls_buffer *buf = unitls_client_context_create_buffer(ctx, "example.org", &err);
    ck_assert_msg(buf != NULL, "%s", err.message);
    ck_assert(unitls_buffer_do_handshake(buf) == UNITLS_WANT_READ);
    uint8_t *out = malloc(16384);
    ck_assert_ptr_nonnull(out);
    *len = unitls_buffer_process_outgoing(buf, out, 16384);
    unitls_buffer_free(buf);
    unitls_client_context_unref(ctx);
    return out;
}

static int list_has(const uint8_t *list, size_t len, uint16_t v)
{
    for (size_t i = 0; list && i + 1 < len; i += 2)
        if (((list[i] << 8) | list[i + 1]) == v)
            return 1;
    return 0;
}

static void assert_modern_hello(const struct hello_client *h, const char *impl)
{
    uint16_t versions[8];
    size_t n = hello_client_versions(h, versions, 8);
    ck_assert_msg(n >= 2 && versions[n - 1] == 0x0304 && versions[n - 2] == 0x0303,
                  "%s: versions", impl);
    ck_assert_msg(list_has(h->suites, h->suites_len, 0x1301), "%s: TLS_AES_128_GCM_SHA256",
                  impl);
    ck_assert_msg(h->groups && h->groups_len >= 2, "%s: supported_groups", impl);
    ck_assert_msg(h->sigalgs && h->sigalgs_len >= 2, "%s: signature_algorithms", impl);
    /* server_name_list length, host_name type, name length, name (RFC 6066, 3) */
    static const uint8_t sni[] = "\x00\x0e\x00\x00\x0b" "example.org";
    ck_assert_msg(h->server_name && h->server_name_len == sizeof sni - 1 &&
                      memcmp(h->server_name, sni, sizeof sni - 1) == 0,
                  "%s: SNI", impl);
    ck_assert_msg(h->alpn && h->alpn_len == 3 && memcmp(h->alpn, "\x02h2", 3) == 0, "%s: ALPN",
                  impl);
}

START_TEST(test_unitls_clients)
{
    const unitls_implementation *impl;
    for (size_t i = 0; (impl = unitls_implementation_at(i)) != NULL; i++) {
        size_t len = 0;
        uint8_t *hello = unitls_hello(impl, &len);
        struct hello_client h;
        uint8_t *kept = exact(hello, len); /* the fields point into it */
        ck_assert_int_eq(hello_client_inspect(kept, len, &h), HELLO_OK);
        assert_modern_hello(&h, unitls_implementation_name(impl));
        free(kept);
        for (size_t cut = 0; cut < len; cut++)
            ck_assert_msg(inspect_exact(hello, cut, &h) == HELLO_NEED_MORE, "%s cut at %zu",
                          unitls_implementation_name(impl), cut);
        free(hello);
    }
}
END_TEST

START_TEST(test_openssl_tls1)
{
    struct hello_client h;
    ck_assert_int_eq(hello_client_inspect(tls1_hello, sizeof tls1_hello, &h), HELLO_OK);
    ck_assert_uint_eq(h.record_version, 0x0301);
    ck_assert_uint_eq(h.legacy_version, 0x0301);
    ck_assert_ptr_null(h.versions);
    uint16_t versions[8];
    ck_assert_uint_eq(hello_client_versions(&h, versions, 8), 1);
    ck_assert_uint_eq(versions[0], 0x0301);
    ck_assert_uint_eq(h.suites_len, 18);
    char buf[7];
    ck_assert_str_eq(hello_suite_name((uint16_t)((h.suites[0] << 8) | h.suites[1]), buf),
                     "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA");
    ck_assert(hello_is_signal(0x00FF)); /* the renegotiation SCSV it ends with */
    ck_assert_ptr_nonnull(h.groups);
    ck_assert_str_eq(hello_group_name((uint16_t)((h.groups[0] << 8) | h.groups[1]), buf),
                     "x25519");
    ck_assert_ptr_null(h.server_name);
    for (size_t cut = 0; cut < sizeof tls1_hello; cut++)
        ck_assert_int_eq(inspect_exact(tls1_hello, cut, &h), HELLO_NEED_MORE);
}
END_TEST

/* The same ClientHello as two records: not inspected, not misread. */
START_TEST(test_split_records)
{
    uint8_t split[sizeof tls1_hello + 5];
    size_t first = 40; /* body bytes in the first record */
    size_t body = sizeof tls1_hello - 5;
    memcpy(split, tls1_hello, 5 + first);
    split[3] = 0;
    split[4] = (uint8_t)first;
    memcpy(split + 5 + first, "\x16\x03\x01\x00", 4);
    split[5 + first + 4] = (uint8_t)(body - first);
    memcpy(split + 10 + first, tls1_hello + 5 + first, body - first);
    struct hello_client h;
    ck_assert_int_eq(inspect_exact(split, sizeof split, &h), HELLO_SPLIT);
    ck_assert_int_eq(inspect_exact(split, 5 + first, &h), HELLO_SPLIT);
}
END_TEST

START_TEST(test_oversized)
{
    uint8_t rec[] = {0x16, 0x03, 0x01, 0x48, 0x01, 0x01, 0x00, 0x47, 0xfd};
    struct hello_client h;
    ck_assert_int_eq(inspect_exact(rec, 5, &h), HELLO_TOO_LARGE);
    /* a record within bounds announcing a message above 16 KiB */
    uint8_t msg[] = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x01, 0x00, 0x00};
    ck_assert_int_eq(inspect_exact(msg, sizeof msg, &h), HELLO_TOO_LARGE);
}
END_TEST

START_TEST(test_plaintext)
{
    struct hello_client h;
    const char *http[] = {"GET / HTTP/1.1\r\n", "POST /x HTTP/1.1\r\n", "PRI * HTTP/2.0\r\n",
                          "OPTIONS * HTTP/1.1\r\n", "HEAD / HTTP/1.0\r\n"};
    for (size_t i = 0; i < sizeof http / sizeof http[0]; i++)
        ck_assert_int_eq(inspect_exact((const uint8_t *)http[i], strlen(http[i]), &h),
                         HELLO_HTTP);
    ck_assert_int_eq(inspect_exact((const uint8_t *)"GE", 2, &h), HELLO_NEED_MORE);
    ck_assert_int_eq(inspect_exact((const uint8_t *)"SSH-2.0-OpenSSH\r\n", 17, &h),
                     HELLO_NOT_TLS);
    ck_assert_int_eq(inspect_exact((const uint8_t *)"\x16\x02\x00", 3, &h), HELLO_NOT_TLS);
    ck_assert_int_eq(inspect_exact(NULL, 0, &h), HELLO_NEED_MORE);
    ck_assert_uint_eq(hello_first_flight_span((const uint8_t *)"GET ", 4), HELLO_FIRST_BYTES);
}
END_TEST

START_TEST(test_sslv2)
{
    struct hello_client h;
    ck_assert_int_eq(inspect_exact(sslv2_hello, sizeof sslv2_hello, &h), HELLO_SSLV2);
    ck_assert_int_eq(inspect_exact(sslv2_hello, 2, &h), HELLO_NEED_MORE);
}
END_TEST

START_TEST(test_grease)
{
    ck_assert(hello_is_signal(0x0A0A));
    ck_assert(hello_is_signal(0xFAFA));
    ck_assert(!hello_is_signal(0x0A1A));
    ck_assert(!hello_is_signal(0x1301));
    /* supported_versions with GREASE first, as Chrome sends it */
    const uint8_t versions[] = {0x7a, 0x7a, 0x03, 0x04, 0x03, 0x03};
    struct hello_client h;
    memset(&h, 0, sizeof h);
    h.versions = versions;
    h.versions_len = sizeof versions;
    uint16_t out[8];
    ck_assert_uint_eq(hello_client_versions(&h, out, 8), 2);
    ck_assert_uint_eq(out[0], 0x0303);
    ck_assert_uint_eq(out[1], 0x0304);
    char buf[7];
    ck_assert_str_eq(hello_suite_name(0xABCD, buf), "0xABCD");
}
END_TEST

START_TEST(test_server_alert)
{
    struct hello_server s;
    uint8_t *c = exact(alert_tls10, sizeof alert_tls10);
    ck_assert_int_eq(hello_server_inspect(c, sizeof alert_tls10, &s), HELLO_ALERT);
    free(c);
    ck_assert_uint_eq(s.record_version, 0x0301);
    ck_assert_uint_eq(s.alert_level, 2);
    ck_assert_str_eq(hello_alert_name(s.alert_description), "protocol_version");
    ck_assert_str_eq(hello_version_words(s.record_version), "TLS 1.0");
    for (size_t cut = 0; cut < sizeof alert_tls10; cut++) {
        c = exact(alert_tls10, cut);
        ck_assert_int_eq(hello_server_inspect(c, cut, &s), HELLO_NEED_MORE);
        free(c);
    }
    ck_assert_int_eq(hello_server_inspect((const uint8_t *)"HTTP/1.1 400 Bad", 16, &s),
                     HELLO_HTTP);
}
END_TEST

/* A unitls server buffer's first flight, read as its client would. */
START_TEST(test_server_hello)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context("example.org"));
    ck_assert(unitls_buffer_do_handshake(c->client) == UNITLS_WANT_READ);
    uint8_t buf[16384];
    size_t n = unitls_buffer_process_outgoing(c->client, buf, sizeof buf);
    ck_assert(unitls_buffer_process_incoming(c->server, buf, n) == UNITLS_OK);
    unitls_buffer_do_handshake(c->server);
    n = unitls_buffer_process_outgoing(c->server, buf, sizeof buf);
    struct hello_server s;
    uint8_t *copy = exact(buf, n);
    ck_assert_int_eq(hello_server_inspect(copy, n, &s), HELLO_OK);
    free(copy);
    ck_assert_uint_eq(s.selected_version, 0x0304);
    ck_assert_uint_eq(s.legacy_version, 0x0303);
    ck_assert(unitls_cipher_suite_is_tls13(s.suite));
    ck_assert(!s.retry_request);
    tu_conn_free(c);
}
END_TEST

static Suite *hello_inspect_suite(void)
{
    Suite *s = suite_create("core_hello_inspect");
    TCase *tc = tcase_create("hello_inspect");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_unitls_clients);
    tcase_add_test(tc, test_openssl_tls1);
    tcase_add_test(tc, test_split_records);
    tcase_add_test(tc, test_oversized);
    tcase_add_test(tc, test_plaintext);
    tcase_add_test(tc, test_sslv2);
    tcase_add_test(tc, test_grease);
    tcase_add_test(tc, test_server_alert);
    tcase_add_test(tc, test_server_hello);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(hello_inspect_suite());
}
