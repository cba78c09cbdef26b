/* Strict SNI (unitls_server_config_builder_set_strict_sni), in memory, client against server:
 * - strict: a covered name (exact or wildcard) is served; a name no chain covers, no name and
 *   a malformed name are refused with unrecognized_name (112), and the failure reads as `sni`
 *   with the name, "no name" or "malformed" as the fact; the client learns `sni` too;
 * - not strict: an uncovered name and no name get the default chain; a malformed name is not
 *   matched (it would select example.org's chain if it were) and gets the default chain;
 * - the setting is read back, and is part of the configuration's equality and hash.
 * A malformed name is made by patching one byte of a real client's ClientHello in flight.
 * Without strict SNI the TLS libraries refuse some malformed names on their own before any
 * chain is chosen (GnuTLS any byte outside letters, digits, '-', '.', '_', with
 * illegal_parameter; OpenSSL a NUL, with its own unrecognized_name): that is accepted here,
 * a match is not. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define FACTS 640

static const char *const sni_chains[] = {"default.test", "example.org", "wildcard.example.net"};

static unitls_server_config_builder *server_builder(int strict)
{
    unitls_server_config_builder *b = tu_server_builder(sni_chains, 3);
    tu_assert_status(unitls_server_config_builder_set_strict_sni(b, strict), UNITLS_OK,
                     "set_strict_sni", "");
    return b;
}

static unitls_server_context *server(int strict)
{
    return tu_server_context_from(server_builder(strict));
}

static void quiet_warning(enum unitls_warning_category category, const char *message, void *arg)
{
    (void)category;
    (void)message;
    (void)arg;
}

/* A client that does not check the server's name (to see the default chain served). */
static unitls_client_context *lax_client(enum unitls_tls_version highest)
{
    unitls_set_warning_handler(quiet_warning, NULL);
    unitls_client_config_builder *b = tu_client_builder();
    tu_assert_status(unitls_insecure_client_config_builder_disable_hostname_check(b), UNITLS_OK,
                     "disable_hostname_check", "");
    if (highest != UNITLS_TLS_VERSION_UNSET)
        tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, highest);
    return tu_client_context_from(b);
}

static int is_failure(unitls_status st)
{
    return st != UNITLS_OK && st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE;
}

/* Fails unless b's handshake failed for `sni` with the fact needle. */
static void assert_sni_failure(unitls_buffer *b, const char *side, const char *needle)
{
    char facts[FACTS];
    enum unitls_handshake_failure got = unitls_buffer_handshake_failure(b, facts, sizeof facts);
    ck_assert_msg(got == UNITLS_HANDSHAKE_FAILURE_SNI, "%s: expected sni, got %s (facts \"%s\")",
                  side, unitls_handshake_failure_name(got), facts);
    ck_assert_msg(!needle || strstr(facts, needle), "%s: facts \"%s\" lack \"%s\"", side, facts,
                  needle);
}

static const struct {
    const char *host, *leaf_der;
} covered[] = {
    {"example.org", "example.org.der"},
    {"default.test", "default.test.der"},
    {"a.example.net", "wildcard.example.net.der"},
};

START_TEST(test_strict_serves_covered_names)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), covered[_i].host, server(1));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, covered[_i].leaf_der);
    tu_conn_free(c);
}
END_TEST

START_TEST(test_strict_refuses_uncovered_name)
{
    struct tu_conn *c = tu_conn_take(lax_client(UNITLS_TLS_VERSION_UNSET), "unknown.test",
                                     server(1));
    ck_assert(tu_handshake(c) != UNITLS_OK);
    ck_assert(is_failure(c->server_status));
    ck_assert(is_failure(c->client_status));
    assert_sni_failure(c->server, "server", "sni=unknown.test");
    assert_sni_failure(c->client, "client", "unrecognized_name");
    tu_conn_free(c);
}
END_TEST

START_TEST(test_strict_refuses_no_name)
{
    struct tu_conn *c = tu_conn_take(lax_client(UNITLS_TLS_VERSION_UNSET), NULL, server(1));
    ck_assert(tu_handshake(c) != UNITLS_OK);
    ck_assert(is_failure(c->server_status));
    ck_assert(is_failure(c->client_status));
    assert_sni_failure(c->server, "server", "sni=\"no name\"");
    assert_sni_failure(c->client, "client", NULL);
    tu_conn_free(c);
}
END_TEST

START_TEST(test_lax_serves_default_chain)
{
    const char *host = _i == 0 ? "unknown.test" : NULL;
    struct tu_conn *c = tu_conn_take(lax_client(UNITLS_TLS_VERSION_UNSET), host, server(0));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "default.test.der");
    tu_conn_free(c);
}
END_TEST

/* The server's answer to a ClientHello for "example.org" whose name has one byte replaced by
 * bad (same length, so the hello stays well-formed TLS). TLS 1.2 keeps the Certificate in the
 * clear. Returns the server buffer; out receives what the server sent. */
static unitls_buffer *answer_patched_hello(unitls_server_context *sctx, uint8_t bad,
                                           unitls_status *status, uint8_t *out, size_t cap,
                                           size_t *out_len)
{
    unitls_client_context *cctx = lax_client(UNITLS_TLSv1_2);
    unitls_buffer *cb = unitls_client_context_create_buffer(cctx, "example.org", NULL);
    ck_assert_ptr_nonnull(cb);
    tu_assert_status(unitls_buffer_do_handshake(cb), UNITLS_WANT_READ, "first flight", "");
    static uint8_t hello[8192];
    size_t n = unitls_buffer_process_outgoing(cb, hello, sizeof hello);
    ck_assert_uint_gt(n, 0);
    uint8_t *at = NULL;
    for (size_t i = 0; i + 11 <= n && !at; i++)
        if (memcmp(hello + i, "example.org", 11) == 0)
            at = hello + i;
    ck_assert_msg(at != NULL, "the ClientHello does not carry the name");
    at[3] = bad;
    unitls_buffer *sb = unitls_server_context_create_buffer(sctx, NULL);
    ck_assert_ptr_nonnull(sb);
    tu_assert_status(unitls_buffer_process_incoming(sb, hello, n), UNITLS_OK, "incoming", "");
    *status = unitls_buffer_do_handshake(sb);
    *out_len = unitls_buffer_process_outgoing(sb, out, cap);
    unitls_buffer_free(cb);
    unitls_client_context_unref(cctx);
    return sb;
}

static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t len)
{
    for (size_t i = 0; i + len <= n; i++)
        if (memcmp(hay + i, needle, len) == 0)
            return 1;
    return 0;
}

/* Bytes that make "example.org" malformed: a control byte, NUL, non-ASCII, a space. */
static const uint8_t bad_bytes[] = {0x01, 0x00, 0xe4, ' '};

START_TEST(test_strict_refuses_malformed_name)
{
    unitls_server_context *sctx = server(1);
    static uint8_t out[16384];
    size_t n = 0;
    unitls_status st;
    unitls_buffer *sb = answer_patched_hello(sctx, bad_bytes[_i], &st, out, sizeof out, &n);
    ck_assert_msg(is_failure(st), "server: %s", unitls_status_name(st));
    ck_assert_ptr_null(unitls_buffer_server_name(sb));
    assert_sni_failure(sb, "server", "sni=malformed");
    /* the alert record: level fatal (2), description unrecognized_name (112) */
    ck_assert_msg(n >= 7 && out[0] == 21 && out[5] == 2 && out[6] == 112,
                  "the server did not send unrecognized_name (%zu bytes)", n);
    unitls_buffer_free(sb);
    unitls_server_context_unref(sctx);
}
END_TEST

START_TEST(test_lax_never_matches_malformed_name)
{
    unitls_server_context *sctx = server(0);
    static uint8_t out[16384];
    size_t n = 0, der_len = 0, ok_len = 0;
    unitls_status st;
    unitls_buffer *sb = answer_patched_hello(sctx, bad_bytes[_i], &st, out, sizeof out, &n);
    ck_assert_ptr_null(unitls_buffer_server_name(sb));
    if (is_failure(st)) { /* the TLS library's own refusal (see the top), not ours */
        char facts[FACTS];
        ck_assert(unitls_buffer_handshake_failure(sb, facts, sizeof facts) !=
                  UNITLS_HANDSHAKE_FAILURE_SNI);
        ck_assert_msg(n >= 7 && out[0] == 21, "no alert from the refusing library");
        unitls_buffer_free(sb);
        unitls_server_context_unref(sctx);
        return;
    }
    uint8_t *def = tu_read_cert_file("default.test.der", &der_len);
    uint8_t *org = tu_read_cert_file("example.org.der", &ok_len);
    ck_assert_msg(contains(out, n, def, der_len), "the default chain was not served");
    ck_assert_msg(!contains(out, n, org, ok_len), "a malformed name selected example.org");
    free(def);
    free(org);
    unitls_buffer_free(sb);
    unitls_server_context_unref(sctx);
}
END_TEST

/* The unpatched name selects example.org's chain: the lax test above is not vacuous. */
START_TEST(test_lax_well_formed_name_matches)
{
    unitls_server_context *sctx = server(0);
    static uint8_t out[16384];
    size_t n = 0, ok_len = 0;
    unitls_status st;
    unitls_buffer *sb = answer_patched_hello(sctx, 'M', &st, out, sizeof out, &n);
    ck_assert_msg(!is_failure(st), "server: %s", unitls_status_name(st));
    ck_assert_str_eq(unitls_buffer_server_name(sb), "exaMple.org");
    uint8_t *org = tu_read_cert_file("example.org.der", &ok_len);
    ck_assert_msg(contains(out, n, org, ok_len), "example.org's chain was not served");
    free(org);
    unitls_buffer_free(sb);
    unitls_server_context_unref(sctx);
}
END_TEST

static unitls_server_config *config_of(int strict)
{
    unitls_server_config_builder *b = server_builder(strict);
    unitls_server_config *c = unitls_server_config_builder_build(b, NULL);
    unitls_server_config_builder_free(b);
    return c;
}

START_TEST(test_setting_equality_and_hash)
{
    unitls_server_config *lax = config_of(0);
    unitls_server_config *strict = config_of(1);
    unitls_server_config *strict2 = config_of(7);
    ck_assert(lax && strict && strict2);
    ck_assert_int_eq(unitls_server_config_strict_sni(lax), 0);
    ck_assert_int_eq(unitls_server_config_strict_sni(strict), 1);
    ck_assert_int_eq(unitls_server_config_strict_sni(NULL), 0);
    ck_assert(!unitls_server_config_equal(lax, strict));
    ck_assert(unitls_server_config_hash(lax) != unitls_server_config_hash(strict));
    ck_assert(unitls_server_config_equal(strict, strict2));
    ck_assert(unitls_server_config_hash(strict) == unitls_server_config_hash(strict2));
    ck_assert_int_eq(unitls_server_config_builder_set_strict_sni(NULL, 1), UNITLS_ERR_INVALID);
    unitls_server_config_unref(lax);
    unitls_server_config_unref(strict);
    unitls_server_config_unref(strict2);
}
END_TEST

static Suite *strict_sni_suite(void)
{
    Suite *s = suite_create("tls_strict_sni");
    TCase *tc = tcase_create("strict");
    tcase_add_loop_test(tc, test_strict_serves_covered_names, 0,
                        (int)(sizeof covered / sizeof covered[0]));
    tcase_add_test(tc, test_strict_refuses_uncovered_name);
    tcase_add_test(tc, test_strict_refuses_no_name);
    tcase_add_loop_test(tc, test_strict_refuses_malformed_name, 0, (int)sizeof bad_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("lax");
    tcase_add_loop_test(tc, test_lax_serves_default_chain, 0, 2);
    tcase_add_loop_test(tc, test_lax_never_matches_malformed_name, 0, (int)sizeof bad_bytes);
    tcase_add_test(tc, test_lax_well_formed_name_matches);
    suite_add_tcase(s, tc);

    tc = tcase_create("config");
    tcase_add_test(tc, test_setting_equality_and_hash);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(strict_sni_suite()); }
