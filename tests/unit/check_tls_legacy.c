/* Legacy peers through insecure.h: a client and a server that allow TLS 1.0 (or 1.1) at the
 * lowered security level handshake at that version, with an EC and an RSA chain, and both
 * report it; without the switch on either side the handshake fails; each switch warns, and so
 * does every configuration built with it; the switches take part in equality and hashing; the
 * ordinary setters refuse TLS 1.0 and 1.1 (naming insecure.h), and legacy versions without the
 * lowered level are refused at build. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

struct warning_count {
    int n;
    char last[256];
};

static void count_warning(enum unitls_warning_category category, const char *message, void *arg)
{
    struct warning_count *w = arg;
    if (category == UNITLS_WARNING_SECURITY)
        w->n++;
    snprintf(w->last, sizeof w->last, "%s", message ? message : "(null)");
}

static const enum unitls_tls_version legacy[] = {UNITLS_TLSv1_0, UNITLS_TLSv1_1};
static const char *const chains[] = {"example.org", "example.org-rsa"};

#define UNSET UNITLS_TLS_VERSION_UNSET

/* A client builder trusting ca.pem with legacy bounds lo..hi (lo UNSET: no switch at all). */
static unitls_client_config_builder *client_builder(enum unitls_tls_version lo,
                                                    enum unitls_tls_version hi)
{
    unitls_client_config_builder *b = tu_client_builder();
    if (lo == UNSET)
        return b;
    tu_assert_status(unitls_insecure_client_config_builder_allow_legacy_versions(b, lo, hi),
                     UNITLS_OK, "client legacy versions", "");
    tu_assert_status(unitls_insecure_client_config_builder_lower_security_level(b), UNITLS_OK,
                     "client security level", "");
    return b;
}

static unitls_server_config_builder *server_builder(const char *chain, enum unitls_tls_version lo,
                                                    enum unitls_tls_version hi)
{
    unitls_server_config_builder *b = tu_server_builder(&chain, 1);
    if (lo == UNSET)
        return b;
    tu_assert_status(unitls_insecure_server_config_builder_allow_legacy_versions(b, lo, hi),
                     UNITLS_OK, "server legacy versions", "");
    tu_assert_status(unitls_insecure_server_config_builder_lower_security_level(b), UNITLS_OK,
                     "server security level", "");
    return b;
}

static void quiet(void)
{
    static struct warning_count ignored;
    unitls_set_warning_handler(count_warning, &ignored);
}

/* Both sides finish at version v and report it. */
static void expect_version(unitls_client_context *cctx, unitls_server_context *sctx,
                           enum unitls_tls_version v, const char *chain)
{
    struct tu_conn *c = tu_conn_take(cctx, "example.org", sctx);
    unitls_status st = tu_handshake(c);
    ck_assert_msg(st == UNITLS_OK, "%s at %s: client %s (%s), server %s (%s)", chain,
                  unitls_tls_version_name(v), unitls_status_name(c->client_status),
                  unitls_buffer_last_error(c->client)->message,
                  unitls_status_name(c->server_status),
                  unitls_buffer_last_error(c->server)->message);
    ck_assert_str_eq(unitls_tls_version_name(unitls_buffer_negotiated_tls_version(c->client)),
                     unitls_tls_version_name(v));
    ck_assert_str_eq(unitls_tls_version_name(unitls_buffer_negotiated_tls_version(c->server)),
                     unitls_tls_version_name(v));
    uint8_t echo[5];
    tu_send_all(c, c->client, "hello", 5);
    tu_recv_exact(c, c->server, echo, 5);
    ck_assert_int_eq(memcmp(echo, "hello", 5), 0);
    tu_conn_free(c);
}

static void expect_refused(unitls_client_context *cctx, unitls_server_context *sctx,
                           const char *what)
{
    struct tu_conn *c = tu_conn_take(cctx, "example.org", sctx);
    ck_assert_msg(tu_handshake(c) != UNITLS_OK, "%s: the handshake succeeded", what);
    ck_assert_msg(c->client_status != UNITLS_OK || c->server_status != UNITLS_OK, "%s", what);
    tu_conn_free(c);
}

/* A legacy client (stopping at the version) and a legacy server (allowing TLS 1.0 and up). */
START_TEST(test_legacy_client_handshakes)
{
    enum unitls_tls_version v = legacy[_i / 2];
    const char *chain = chains[_i % 2];
    quiet();
    expect_version(tu_client_context_from(client_builder(v, v)),
                   tu_server_context_from(server_builder(chain, UNITLS_TLSv1_0, UNSET)), v,
                   chain);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* A legacy server (stopping at the version) and a legacy client (allowing TLS 1.0 and up). */
START_TEST(test_legacy_server_handshakes)
{
    enum unitls_tls_version v = legacy[_i / 2];
    const char *chain = chains[_i % 2];
    quiet();
    expect_version(tu_client_context_from(client_builder(UNITLS_TLSv1_0, UNSET)),
                   tu_server_context_from(server_builder(chain, v, v)), v, chain);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* Legacy on both sides but room for TLS 1.3: the newest version still wins. */
START_TEST(test_legacy_allowed_still_prefers_newest)
{
    quiet();
    struct tu_conn *c = tu_conn_take(tu_client_context_from(client_builder(UNITLS_TLSv1_0, UNSET)),
                                     "example.org",
                                     tu_server_context_from(server_builder("example.org",
                                                                           UNITLS_TLSv1_0, UNSET)));
    tu_handshake_ok(c);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(c->client), UNITLS_TLSv1_3);
    tu_conn_free(c);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

START_TEST(test_secure_server_refuses_legacy_client)
{
    enum unitls_tls_version v = legacy[_i];
    quiet();
    expect_refused(tu_client_context_from(client_builder(v, v)),
                   tu_server_context_from(server_builder("example.org", UNSET, UNSET)),
                   "legacy client, secure server");
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

START_TEST(test_secure_client_refuses_legacy_server)
{
    enum unitls_tls_version v = legacy[_i];
    quiet();
    expect_refused(tu_client_context_from(client_builder(UNSET, UNSET)),
                   tu_server_context_from(server_builder("example.org", v, v)),
                   "secure client, legacy server");
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* The lowered level alone: no legacy version, but a SecurityWarning all the same. */
START_TEST(test_lowered_level_alone_negotiates_tls13)
{
    struct warning_count w = {0, ""};
    unitls_set_warning_handler(count_warning, &w);
    unitls_client_config_builder *cb = tu_client_builder();
    unitls_insecure_client_config_builder_lower_security_level(cb);
    unitls_server_config_builder *sb = tu_server_builder(&chains[0], 1);
    unitls_insecure_server_config_builder_lower_security_level(sb);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(cb), "example.org",
                                     tu_server_context_from(sb));
    tu_handshake_ok(c);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(c->server), UNITLS_TLSv1_3);
    tu_conn_free(c);
    ck_assert_int_ge(w.n, 4);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* Each switch warns on the call, the build warns again (client and server), and a client's
 * contexts and buffers warn as for any insecure client configuration. */
START_TEST(test_switches_warn)
{
    struct warning_count w = {0, ""};
    unitls_set_warning_handler(count_warning, &w);
    unitls_client_config_builder *cb = tu_client_builder();
    unitls_insecure_client_config_builder_allow_legacy_versions(cb, UNITLS_TLSv1_0, UNSET);
    ck_assert_int_eq(w.n, 1);
    ck_assert_msg(strstr(w.last, "TLS 1.0") != NULL, "warning: %s", w.last);
    unitls_insecure_client_config_builder_lower_security_level(cb);
    ck_assert_int_eq(w.n, 2);
    ck_assert_msg(strstr(w.last, "security level") != NULL, "warning: %s", w.last);
    unitls_error err;
    unitls_client_config *cc = unitls_client_config_builder_build(cb, &err);
    ck_assert_msg(cc != NULL, "%s", err.message);
    ck_assert_int_eq(w.n, 3);
    ck_assert_int_eq(unitls_client_config_is_insecure(cc), 1);
    ck_assert_int_eq(unitls_client_config_security_level_lowered(cc), 1);
    ck_assert_int_eq(unitls_client_config_lowest_supported_version(cc), UNITLS_TLSv1_0);
    unitls_client_context *ctx = unitls_client_context_new(tu_client_impl(), cc, &err);
    ck_assert_msg(ctx != NULL, "%s", err.message);
    ck_assert_int_eq(w.n, 4);
    unitls_client_config_unref(cc);
    unitls_client_config_builder_free(cb);

    unitls_server_config_builder *sb = tu_server_builder(&chains[0], 1);
    unitls_insecure_server_config_builder_allow_legacy_versions(sb, UNITLS_TLSv1_1, UNSET);
    unitls_insecure_server_config_builder_lower_security_level(sb);
    ck_assert_int_eq(w.n, 6);
    unitls_server_config *sc = unitls_server_config_builder_build(sb, &err);
    ck_assert_msg(sc != NULL, "%s", err.message);
    ck_assert_int_eq(w.n, 7);
    ck_assert_msg(strstr(w.last, "server configuration built") != NULL, "warning: %s", w.last);
    ck_assert_int_eq(unitls_server_config_is_insecure(sc), 1);
    ck_assert_int_eq(unitls_server_config_security_level_lowered(sc), 1);
    unitls_server_context *sctx = unitls_server_context_new(tu_server_impl(), sc, &err);
    ck_assert_msg(sctx != NULL, "%s", err.message);
    unitls_server_config_unref(sc);
    unitls_server_config_builder_free(sb);

    int before = w.n;
    struct tu_conn *c = tu_conn_take(ctx, "example.org", sctx);
    ck_assert_int_gt(w.n, before); /* the client buffer */
    tu_conn_free(c);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

static unitls_client_config *client_config(int lowered, enum unitls_tls_version lo,
                                           enum unitls_tls_version hi)
{
    unitls_client_config_builder *b = tu_client_builder();
    if (lo != UNSET)
        unitls_insecure_client_config_builder_allow_legacy_versions(b, lo, hi);
    if (lowered)
        unitls_insecure_client_config_builder_lower_security_level(b);
    unitls_error err;
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    unitls_client_config_builder_free(b);
    return c;
}

static unitls_server_config *server_config(int lowered, enum unitls_tls_version lo,
                                           enum unitls_tls_version hi)
{
    unitls_server_config_builder *b = tu_server_builder(&chains[0], 1);
    if (lo != UNSET)
        unitls_insecure_server_config_builder_allow_legacy_versions(b, lo, hi);
    if (lowered)
        unitls_insecure_server_config_builder_lower_security_level(b);
    unitls_error err;
    unitls_server_config *c = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    unitls_server_config_builder_free(b);
    return c;
}

/* Configurations: 0 secure, 1 lowered only, 2 TLS 1.0+, 3 TLS 1.1+, 4 TLS 1.0-1.0. */
#define N_VARIANTS 5
static const struct { int lowered; enum unitls_tls_version lo, hi; } variants[N_VARIANTS] = {
    {0, UNSET, UNSET}, {1, UNSET, UNSET}, {1, UNITLS_TLSv1_0, UNSET}, {1, UNITLS_TLSv1_1, UNSET},
    {1, UNITLS_TLSv1_0, UNITLS_TLSv1_0}};

START_TEST(test_equality_and_hash)
{
    quiet();
    unitls_client_config *cc[N_VARIANTS], *cc2[N_VARIANTS];
    unitls_server_config *sc[N_VARIANTS], *sc2[N_VARIANTS];
    for (int i = 0; i < N_VARIANTS; i++) {
        cc[i] = client_config(variants[i].lowered, variants[i].lo, variants[i].hi);
        cc2[i] = client_config(variants[i].lowered, variants[i].lo, variants[i].hi);
        sc[i] = server_config(variants[i].lowered, variants[i].lo, variants[i].hi);
        sc2[i] = server_config(variants[i].lowered, variants[i].lo, variants[i].hi);
    }
    for (int i = 0; i < N_VARIANTS; i++) {
        ck_assert_int_eq(unitls_client_config_equal(cc[i], cc2[i]), 1);
        ck_assert_uint_eq(unitls_client_config_hash(cc[i]), unitls_client_config_hash(cc2[i]));
        ck_assert_int_eq(unitls_server_config_equal(sc[i], sc2[i]), 1);
        ck_assert_uint_eq(unitls_server_config_hash(sc[i]), unitls_server_config_hash(sc2[i]));
        for (int k = 0; k < N_VARIANTS; k++) {
            if (k == i)
                continue;
            ck_assert_msg(!unitls_client_config_equal(cc[i], cc[k]), "client %d == %d", i, k);
            ck_assert_msg(unitls_client_config_hash(cc[i]) != unitls_client_config_hash(cc[k]),
                          "client hash %d == %d", i, k);
            ck_assert_msg(!unitls_server_config_equal(sc[i], sc[k]), "server %d == %d", i, k);
            ck_assert_msg(unitls_server_config_hash(sc[i]) != unitls_server_config_hash(sc[k]),
                          "server hash %d == %d", i, k);
        }
    }
    for (int i = 0; i < N_VARIANTS; i++) {
        unitls_client_config_unref(cc[i]);
        unitls_client_config_unref(cc2[i]);
        unitls_server_config_unref(sc[i]);
        unitls_server_config_unref(sc2[i]);
    }
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

/* The PEP's setters refuse TLS 1.0 and 1.1 with a ConfigurationError naming insecure.h. */
START_TEST(test_ordinary_setters_refuse_legacy)
{
    enum unitls_tls_version v = legacy[_i];
    unitls_error err;
    unitls_client_config_builder *cb = tu_client_builder();
    ck_assert_int_eq(unitls_client_config_builder_set_lowest_supported_version(cb, v),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_ptr_null(unitls_client_config_builder_build(cb, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "insecure.h") != NULL, "%s", err.message);
    unitls_client_config_builder_free(cb);
    unitls_server_config_builder *sb = tu_server_builder(&chains[0], 1);
    ck_assert_int_eq(unitls_server_config_builder_set_highest_supported_version(sb, v),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_ptr_null(unitls_server_config_builder_build(sb, &err));
    ck_assert_msg(strstr(err.message, "insecure.h") != NULL, "%s", err.message);
    unitls_server_config_builder_free(sb);
}
END_TEST

/* Legacy versions without the lowered level, or a non-legacy value given to the switch. */
START_TEST(test_legacy_switch_misuse_refused)
{
    quiet();
    unitls_error err;
    unitls_client_config_builder *cb = tu_client_builder();
    unitls_insecure_client_config_builder_allow_legacy_versions(cb, UNITLS_TLSv1_0, UNSET);
    ck_assert_ptr_null(unitls_client_config_builder_build(cb, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "lower_security_level") != NULL, "%s", err.message);
    unitls_client_config_builder_free(cb);

    unitls_server_config_builder *sb = tu_server_builder(&chains[0], 1);
    ck_assert_int_eq(unitls_insecure_server_config_builder_allow_legacy_versions(
                         sb, UNITLS_TLSv1_2, UNSET),
                     UNITLS_ERR_CONFIGURATION);
    unitls_server_config_builder_free(sb);
    sb = tu_server_builder(&chains[0], 1);
    ck_assert_int_eq(unitls_insecure_server_config_builder_allow_legacy_versions(
                         sb, UNITLS_TLSv1_0, UNITLS_TLSv1_3),
                     UNITLS_ERR_CONFIGURATION);
    unitls_server_config_builder_free(sb);
    sb = tu_server_builder(&chains[0], 1);
    unitls_insecure_server_config_builder_lower_security_level(sb);
    unitls_insecure_server_config_builder_allow_legacy_versions(sb, UNITLS_TLSv1_1,
                                                                UNITLS_TLSv1_0);
    ck_assert_ptr_null(unitls_server_config_builder_build(sb, &err));
    ck_assert_msg(strstr(err.message, "above the highest") != NULL, "%s", err.message);
    unitls_server_config_builder_free(sb);
    ck_assert_int_eq(unitls_insecure_client_config_builder_lower_security_level(NULL),
                     UNITLS_ERR_INVALID);
    unitls_set_warning_handler(NULL, NULL);
}
END_TEST

static Suite *legacy_suite(void)
{
    Suite *s = suite_create("tls_legacy");
    TCase *tc = tcase_create("legacy");
    tcase_add_loop_test(tc, test_legacy_client_handshakes, 0, 4);
    tcase_add_loop_test(tc, test_legacy_server_handshakes, 0, 4);
    tcase_add_test(tc, test_legacy_allowed_still_prefers_newest);
    tcase_add_loop_test(tc, test_secure_server_refuses_legacy_client, 0, 2);
    tcase_add_loop_test(tc, test_secure_client_refuses_legacy_server, 0, 2);
    tcase_add_test(tc, test_lowered_level_alone_negotiates_tls13);
    tcase_add_test(tc, test_switches_warn);
    tcase_add_test(tc, test_equality_and_hash);
    tcase_add_loop_test(tc, test_ordinary_setters_refuse_legacy, 0, 2);
    tcase_add_test(tc, test_legacy_switch_misuse_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(legacy_suite());
}
