/* CRLs for client authentication (unitls_server_config_builder_set_client_crl), in memory:
 * a client certificate that client-ca.crl.pem (or .der) lists is refused with
 * UNITLS_ERR_CERTIFICATE, the facts naming the revoked check and the client learning
 * certificate_revoked; a good client from the same CA is served; an empty CRL lets the
 * formerly revoked client in; the CRL is part of the configuration's equality and hash (a file
 * replaced in place included); an unreadable CRL, one from a CA outside the client trust
 * store, or one past its next update is a configuration error naming it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define V12 UNITLS_TLSv1_2
#define V13 UNITLS_TLSv1_3
#define FACTS 640

static int is_failure(unitls_status st)
{
    return st != UNITLS_OK && st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE;
}

static unitls_crl *crl_file(const char *name)
{
    char path[TU_PATH_MAX];
    tu_cert_path(path, name);
    unitls_error err = {0};
    unitls_crl *crl = unitls_crl_from_file(path, &err);
    ck_assert_msg(crl != NULL, "crl_from_file %s: %s", name, err.message);
    return crl;
}

/* A builder serving example.org, requiring a certificate from client-ca, checked against the
 * CRL file crl_name (NULL: none). */
static unitls_server_config_builder *crl_builder(const char *crl_name)
{
    const char *name = "example.org";
    unitls_server_config_builder *b = tu_server_builder(&name, 1);
    unitls_trust_store *t = tu_trust_store("client-ca.pem");
    tu_assert_status(unitls_server_config_builder_set_trust_store(b, t), UNITLS_OK,
                     "set_trust_store", "client-ca.pem");
    unitls_trust_store_unref(t);
    tu_assert_status(unitls_server_config_builder_set_client_auth(b, UNITLS_CLIENT_AUTH_REQUIRED),
                     UNITLS_OK, "set_client_auth", "");
    if (crl_name) {
        unitls_crl *crl = crl_file(crl_name);
        tu_assert_status(unitls_server_config_builder_set_client_crl(b, crl), UNITLS_OK,
                         "set_client_crl", crl_name);
        unitls_crl_unref(crl);
    }
    return b;
}

static struct tu_conn *crl_conn(const char *client, const char *crl_name,
                                enum unitls_tls_version highest)
{
    unitls_client_config_builder *cb = tu_client_builder();
    unitls_signing_chain *s = tu_chain(client);
    tu_assert_status(unitls_client_config_builder_set_certificate_chain(cb, s), UNITLS_OK,
                     "set_certificate_chain", client);
    unitls_signing_chain_unref(s);
    tu_client_versions(cb, UNITLS_TLS_VERSION_UNSET, highest);
    unitls_server_config_builder *sb = crl_builder(crl_name);
    return tu_conn_take(tu_client_context_from(cb), "example.org", tu_server_context_from(sb));
}

static void assert_facts(unitls_buffer *b, const char *side, const char *needle)
{
    char facts[FACTS];
    enum unitls_handshake_failure got = unitls_buffer_handshake_failure(b, facts, sizeof facts);
    ck_assert_msg(got == UNITLS_HANDSHAKE_FAILURE_CERTIFICATE, "%s: reason %s (facts \"%s\")",
                  side, unitls_handshake_failure_name(got), facts);
    ck_assert_msg(strstr(facts, needle) != NULL, "%s: facts \"%s\" lack \"%s\"", side, facts,
                  needle);
}

/* Runs the handshake; in TLS 1.3 the client finishes first and reads the refusal afterwards. */
static unitls_status refused_handshake(struct tu_conn *c)
{
    tu_handshake(c);
    unitls_status client_st = c->client_status;
    for (int i = 0; i < 8 && (!is_failure(c->server_status) || client_st == UNITLS_OK); i++) {
        uint8_t byte;
        size_t n = 0;
        unitls_status st = unitls_buffer_read(c->client, &byte, 1, &n);
        if (client_st == UNITLS_OK && is_failure(st))
            client_st = st;
        tu_conn_move(c);
        if (!is_failure(c->server_status))
            c->server_status = unitls_buffer_do_handshake(c->server);
    }
    return client_st;
}

static void assert_revoked_refused(const char *crl_name, enum unitls_tls_version highest)
{
    struct tu_conn *c = crl_conn("client-revoked", crl_name, highest);
    unitls_status client_st = refused_handshake(c);
    tu_assert_status(c->server_status, UNITLS_ERR_CERTIFICATE, "server handshake",
                     unitls_buffer_last_error(c->server)->message);
    assert_facts(c->server, "server", "check=revoked");
    assert_facts(c->server, "server", "CN=client-revoked");
    ck_assert_msg(is_failure(client_st), "client: %s", unitls_status_name(client_st));
    if (highest == V12)
        assert_facts(c->client, "client", "certificate_revoked");
    tu_conn_free(c);
}

START_TEST(test_revoked_client_refused_pem)
{
    assert_revoked_refused("client-ca.crl.pem", _i == 0 ? V13 : V12);
}
END_TEST

START_TEST(test_revoked_client_refused_der)
{
    assert_revoked_refused("client-ca.crl.der", _i == 0 ? V13 : V12);
}
END_TEST

static void assert_served(const char *client, const char *crl_name, const char *der)
{
    struct tu_conn *c = crl_conn(client, crl_name, V13);
    tu_handshake_ok(c);
    tu_settle(c);
    tu_assert_peer_cert(c->server, der);
    tu_conn_free(c);
}

START_TEST(test_good_client_served)
{
    assert_served("client", _i == 0 ? "client-ca.crl.pem" : "client-ca.crl.der", "client.der");
}
END_TEST

START_TEST(test_empty_crl_lets_client_in)
{
    assert_served("client-revoked", "client-ca-empty.crl.pem", "client-revoked.der");
}
END_TEST

/* A client whose issuer no configured CRL covers is not refused for that (OpenSSL would by
 * default say "unable to get CRL"): the server trusts client-ca and other-ca, the CRL is
 * other-ca's, the client's certificate client-ca's. */
START_TEST(test_issuer_without_crl_not_refused)
{
    const char *name = "example.org";
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    size_t len_a = 0, len_b = 0;
    uint8_t *a = tu_read_cert_file("client-ca.pem", &len_a);
    uint8_t *b = tu_read_cert_file("other-ca.pem", &len_b);
    uint8_t *both = malloc(len_a + len_b);
    ck_assert(both != NULL);
    memcpy(both, a, len_a);
    memcpy(both + len_a, b, len_b);
    unitls_error err = {0};
    unitls_trust_store *t = unitls_trust_store_from_buffer(both, len_a + len_b, &err);
    ck_assert_msg(t != NULL, "%s", err.message);
    free(a);
    free(b);
    free(both);
    tu_assert_status(unitls_server_config_builder_set_trust_store(sb, t), UNITLS_OK,
                     "set_trust_store", "");
    unitls_trust_store_unref(t);
    unitls_server_config_builder_set_client_auth(sb, UNITLS_CLIENT_AUTH_REQUIRED);
    unitls_crl *crl = crl_file("other-ca.crl.pem");
    unitls_server_config_builder_set_client_crl(sb, crl);
    unitls_crl_unref(crl);
    unitls_client_config_builder *cb = tu_client_builder();
    unitls_signing_chain *s = tu_chain("client");
    unitls_client_config_builder_set_certificate_chain(cb, s);
    unitls_signing_chain_unref(s);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(cb), name,
                                     tu_server_context_from(sb));
    tu_handshake_ok(c);
    tu_conn_free(c);
}
END_TEST

static unitls_server_config *build(unitls_server_config_builder *b)
{
    unitls_error err = {0};
    unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(cfg != NULL, "build: %s", err.message);
    unitls_server_config_builder_free(b);
    return cfg;
}

static int configs_equal(unitls_server_config *x, unitls_server_config *y)
{
    int eq = unitls_server_config_equal(x, y);
    if (eq)
        ck_assert(unitls_server_config_hash(x) == unitls_server_config_hash(y));
    unitls_server_config_unref(x);
    unitls_server_config_unref(y);
    return eq;
}

START_TEST(test_equality_and_hash)
{
    ck_assert(configs_equal(build(crl_builder(NULL)), build(crl_builder(NULL))));
    ck_assert(configs_equal(build(crl_builder("client-ca.crl.pem")),
                            build(crl_builder("client-ca.crl.pem"))));
    ck_assert(!configs_equal(build(crl_builder(NULL)), build(crl_builder("client-ca.crl.pem"))));
    ck_assert(!configs_equal(build(crl_builder("client-ca.crl.pem")),
                             build(crl_builder("client-ca-empty.crl.pem"))));
    unitls_server_config *with = build(crl_builder("client-ca.crl.pem"));
    ck_assert(unitls_server_config_client_crl(with) != NULL);
    unitls_server_config_unref(with);
}
END_TEST

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert(fwrite(data, 1, len, f) == len);
    ck_assert(fclose(f) == 0);
}

/* The file is snapshotted when the configuration is built: replaced in place, it makes an
 * unequal configuration. */
START_TEST(test_file_replaced_unequal)
{
    char path[] = "/tmp/unitls-crl-XXXXXX";
    int fd = mkstemp(path);
    ck_assert(fd >= 0);
    close(fd);
    size_t len = 0;
    uint8_t *revoking = tu_read_cert_file("client-ca.crl.pem", &len);
    write_file(path, revoking, len);
    free(revoking);
    unitls_error err = {0};
    unitls_crl *crl = unitls_crl_from_file(path, &err);
    ck_assert(crl != NULL);
    unitls_server_config_builder *b = crl_builder(NULL);
    unitls_server_config_builder_set_client_crl(b, crl);
    unitls_server_config *before = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(before != NULL, "%s", err.message);
    uint8_t *empty = tu_read_cert_file("client-ca-empty.crl.pem", &len);
    write_file(path, empty, len);
    free(empty);
    unitls_server_config *after = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(after != NULL, "%s", err.message);
    unitls_server_config_builder_free(b);
    unitls_crl_unref(crl);
    unlink(path);
    ck_assert(!configs_equal(before, after));
}
END_TEST

/* The context (or the build, for a missing file) fails with a configuration error naming the
 * CRL. */
static void assert_bad_crl(unitls_crl *crl, const char *needle)
{
    unitls_server_config_builder *b = crl_builder(NULL);
    unitls_server_config_builder_set_client_crl(b, crl);
    unitls_crl_unref(crl);
    unitls_error err = {0};
    unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
    unitls_server_config_builder_free(b);
    if (cfg) {
        unitls_server_context *ctx = unitls_server_context_new(tu_server_impl(), cfg, &err);
        ck_assert_msg(ctx == NULL, "a context was built with a bad CRL");
        unitls_server_config_unref(cfg);
    }
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "bad CRL", err.message);
    ck_assert_msg(strstr(err.message, needle) != NULL, "\"%s\" lacks \"%s\"", err.message,
                  needle);
}

START_TEST(test_bad_crl_is_configuration_error)
{
    static const char garbage[] = "not a CRL at all";
    unitls_error err = {0};
    assert_bad_crl(unitls_crl_from_buffer(garbage, sizeof garbage - 1, &err), "CRL buffer");
    assert_bad_crl(crl_file("other-ca.crl.pem"), "other-ca.crl.pem");
    assert_bad_crl(crl_file("client-ca.pem"), "client-ca.pem"); /* a certificate, no CRL */
    assert_bad_crl(crl_file("client-ca-expired.crl.pem"), "past its next update");
    assert_bad_crl(unitls_crl_from_file("/nonexistent/unitls.crl", &err), "/nonexistent/");
}
END_TEST

static Suite *crl_suite(void)
{
    Suite *s = suite_create("tls_crl");
    TCase *tc = tcase_create("crl");
    tcase_add_loop_test(tc, test_revoked_client_refused_pem, 0, 2);
    tcase_add_loop_test(tc, test_revoked_client_refused_der, 0, 2);
    tcase_add_loop_test(tc, test_good_client_served, 0, 2);
    tcase_add_test(tc, test_empty_crl_lets_client_in);
    tcase_add_test(tc, test_issuer_without_crl_not_refused);
    tcase_add_test(tc, test_equality_and_hash);
    tcase_add_test(tc, test_file_replaced_unequal);
    tcase_add_test(tc, test_bad_crl_is_configuration_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(crl_suite());
}
