/* Configurations that can never work are refused when the configuration is built or the
 * context created, with UNITLS_ERR_CONFIGURATION and a message naming the cause: a key that
 * does not match its certificate, a cipher suite the implementation lacks, an id that names
 * nothing, unreadable material, an impossible version range. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* Builds the configuration and a context from it; exactly one of the two must fail with
 * ERR_CONFIGURATION. The message is copied to message. */
static void expect_client_refused(unitls_client_config_builder *b, char *message, size_t cap)
{
    unitls_error err;
    unitls_error_clear(&err);
    unitls_client_config *cfg = unitls_client_config_builder_build(b, &err);
    unitls_client_config_builder_free(b);
    if (cfg) {
        unitls_client_context *ctx = unitls_client_context_new(tu_client_impl(), cfg, &err);
        unitls_client_config_unref(cfg);
        ck_assert_msg(ctx == NULL, "the client context was created");
    }
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "client refusal", err.message);
    ck_assert_msg(err.message[0] != '\0', "the error has no message");
    snprintf(message, cap, "%s", err.message);
}

static void expect_server_refused(unitls_server_config_builder *b, char *message, size_t cap)
{
    unitls_error err;
    unitls_error_clear(&err);
    unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
    unitls_server_config_builder_free(b);
    if (cfg) {
        unitls_server_context *ctx = unitls_server_context_new(tu_server_impl(), cfg, &err);
        unitls_server_config_unref(cfg);
        ck_assert_msg(ctx == NULL, "the server context was created");
    }
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "server refusal", err.message);
    ck_assert_msg(err.message[0] != '\0', "the error has no message");
    snprintf(message, cap, "%s", err.message);
}

static void assert_mentions(const char *message, const char *needle)
{
    ck_assert_msg(strcasestr(message, needle) != NULL, "message \"%s\" does not mention \"%s\"",
                  message, needle);
}

static unitls_signing_chain *chain_of(const char *leaf_file, const char *key_file)
{
    unitls_certificate *leaf = tu_certificate(leaf_file);
    unitls_private_key *key = key_file ? tu_private_key(key_file) : NULL;
    unitls_error err;
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    return s;
}

static unitls_server_config_builder *server_builder_with(unitls_signing_chain *s)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    tu_assert_status(unitls_server_config_builder_add_certificate_chain(b, s), UNITLS_OK,
                     "add_certificate_chain", "");
    unitls_signing_chain_unref(s);
    return b;
}

/* A server chain whose key belongs to another certificate; the message names the key file. */
START_TEST(test_server_key_mismatch)
{
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_server_refused(server_builder_with(chain_of("example.org.pem", "default.test.key")),
                          message, sizeof message);
    assert_mentions(message, "default.test.key");
}
END_TEST

/* The same for a client's own chain (client authentication). */
START_TEST(test_client_key_mismatch)
{
    unitls_client_config_builder *b = tu_client_builder();
    unitls_signing_chain *s = chain_of("client.pem", "example.org.key");
    tu_assert_status(unitls_client_config_builder_set_certificate_chain(b, s), UNITLS_OK,
                     "set_certificate_chain", "");
    unitls_signing_chain_unref(s);
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_client_refused(b, message, sizeof message);
    assert_mentions(message, "example.org.key");
}
END_TEST

/* A chain with no separate key whose leaf material holds none either. */
START_TEST(test_chain_without_any_key)
{
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_server_refused(server_builder_with(chain_of("example.org.pem", NULL)), message,
                          sizeof message);
    assert_mentions(message, "example.org.pem");
}
END_TEST

/* A file that is no certificate at all (the CA's openssl config) is named in the message. */
START_TEST(test_leaf_not_a_certificate)
{
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_server_refused(server_builder_with(chain_of("ca.cnf", "example.org.key")), message,
                          sizeof message);
    assert_mentions(message, "ca.cnf");
}
END_TEST

/* A certificate file that does not exist is named in the message. */
START_TEST(test_missing_certificate_file)
{
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_server_refused(server_builder_with(chain_of("no-such-file.pem", "example.org.key")),
                          message, sizeof message);
    assert_mentions(message, "no-such-file.pem");
}
END_TEST

static const uint16_t unassigned_suite = 0x0A0A; /* a GREASE value: never a real suite */

/* A client offering a suite id the implementation lacks; alone, and after a real one. */
START_TEST(test_client_unknown_cipher)
{
    uint16_t ids[2] = {UNITLS_TLS_AES_128_GCM_SHA256, unassigned_suite};
    unitls_client_config_builder *b = tu_client_builder();
    unitls_status st = _i == 0 ? unitls_client_config_builder_set_ciphers(b, ids + 1, 1)
                               : unitls_client_config_builder_set_ciphers(b, ids, 2);
    if (st != UNITLS_OK) {
        tu_assert_status(st, UNITLS_ERR_CONFIGURATION, "set_ciphers", "0x0A0A");
        unitls_client_config_builder_free(b);
        return;
    }
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_client_refused(b, message, sizeof message);
    assert_mentions(message, "0a0a");
}
END_TEST

/* The implementation's validation says the same about such a configuration. */
START_TEST(test_validate_names_unknown_cipher)
{
    unitls_client_config_builder *b = tu_client_builder();
    if (unitls_client_config_builder_set_ciphers(b, &unassigned_suite, 1) != UNITLS_OK) {
        unitls_client_config_builder_free(b);
        return; /* refused by the setter: covered by test_client_unknown_cipher */
    }
    unitls_error err;
    unitls_client_config *cfg = unitls_client_config_builder_build(b, &err);
    unitls_client_config_builder_free(b);
    if (!cfg) {
        tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "build", err.message);
        return;
    }
    unitls_status st = unitls_implementation_validate_client_config(tu_client_impl(), cfg, &err);
    tu_assert_status(st, UNITLS_ERR_CONFIGURATION, "validate_client_config", err.message);
    assert_mentions(err.message, "0a0a");
    unitls_client_config_unref(cfg);
}
END_TEST

START_TEST(test_server_unknown_cipher)
{
    const char *name = "example.org";
    unitls_server_config_builder *b = tu_server_builder(&name, 1);
    if (unitls_server_config_builder_set_ciphers(b, &unassigned_suite, 1) != UNITLS_OK) {
        unitls_server_config_builder_free(b);
        return;
    }
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_server_refused(b, message, sizeof message);
    assert_mentions(message, "0a0a");
}
END_TEST

/* An id naming nothing, whatever the implementation's id syntax: an OSSL_STORE file: URI for
 * OpenSSL, which names no file; not even a PKCS#11 URI for GnuTLS. */
static const char missing_uri[] = "file:///nonexistent/unitls-tests/nothing-here.pem";

/* A certificate id naming nothing. */
START_TEST(test_certificate_id_names_nothing)
{
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_id(missing_uri, strlen(missing_uri), &err);
    ck_assert_msg(leaf != NULL, "certificate_from_id: %s", err.message);
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, NULL, NULL, 0, &err);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    unitls_certificate_unref(leaf);
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_server_refused(server_builder_with(s), message, sizeof message);
}
END_TEST

/* A trust store id naming nothing. */
START_TEST(test_trust_store_id_names_nothing)
{
    unitls_error err;
    unitls_trust_store *t = unitls_trust_store_from_id(missing_uri, strlen(missing_uri), &err);
    ck_assert_msg(t != NULL, "trust_store_from_id: %s", err.message);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    tu_assert_status(unitls_client_config_builder_set_trust_store(b, t), UNITLS_OK,
                     "set_trust_store", missing_uri);
    unitls_trust_store_unref(t);
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_client_refused(b, message, sizeof message);
}
END_TEST

/* A private key id naming nothing, beside a real certificate. */
START_TEST(test_key_id_names_nothing)
{
    unitls_error err;
    unitls_certificate *leaf = tu_certificate("example.org.pem");
    unitls_private_key *key = unitls_private_key_from_id(missing_uri, strlen(missing_uri), &err);
    ck_assert_msg(key != NULL, "private_key_from_id: %s", err.message);
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_server_refused(server_builder_with(s), message, sizeof message);
}
END_TEST

/* The same material through a file: URI that exists works, so the failures above are about
 * the missing target and not about ids as such. OpenSSL only (see errors_suite): its ids are
 * OSSL_STORE URIs, which include file: URIs; GnuTLS's ids are PKCS#11 URIs. */
START_TEST(test_existing_file_uri_works)
{
    char path[TU_PATH_MAX], uri[TU_PATH_MAX + 8];
    tu_cert_path(path, "example.org-combined.pem");
    snprintf(uri, sizeof uri, "file:%s", path);
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_id(uri, strlen(uri), &err);
    ck_assert_msg(leaf != NULL, "certificate_from_id: %s", err.message);
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, NULL, NULL, 0, &err);
    unitls_certificate_unref(leaf);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context_from(server_builder_with(s)));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "example.org.der");
    tu_conn_free(c);
}
END_TEST

/* A lowest version above the highest can never negotiate anything. */
START_TEST(test_inverted_version_range)
{
    unitls_client_config_builder *b = tu_client_builder();
    unitls_status lo =
        unitls_client_config_builder_set_lowest_supported_version(b, UNITLS_TLSv1_3);
    unitls_status hi =
        unitls_client_config_builder_set_highest_supported_version(b, UNITLS_TLSv1_2);
    if (lo != UNITLS_OK || hi != UNITLS_OK) {
        ck_assert_msg(lo == UNITLS_ERR_CONFIGURATION || hi == UNITLS_ERR_CONFIGURATION,
                      "setters: %s, %s", unitls_status_name(lo), unitls_status_name(hi));
        unitls_client_config_builder_free(b);
        return;
    }
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_client_refused(b, message, sizeof message);
}
END_TEST

/* A server configuration needs at least one chain. */
START_TEST(test_server_without_chain)
{
    char message[UNITLS_ERROR_MESSAGE_SIZE];
    expect_server_refused(unitls_server_config_builder_new(), message, sizeof message);
}
END_TEST

static Suite *errors_suite(void)
{
    Suite *s = suite_create("tls_errors");
    TCase *tc = tcase_create("material");
    tcase_add_test(tc, test_server_key_mismatch);
    tcase_add_test(tc, test_client_key_mismatch);
    tcase_add_test(tc, test_chain_without_any_key);
    tcase_add_test(tc, test_leaf_not_a_certificate);
    tcase_add_test(tc, test_missing_certificate_file);
    suite_add_tcase(s, tc);

    tc = tcase_create("ciphers_versions");
    tcase_add_loop_test(tc, test_client_unknown_cipher, 0, 2);
    tcase_add_test(tc, test_validate_names_unknown_cipher);
    tcase_add_test(tc, test_server_unknown_cipher);
    tcase_add_test(tc, test_inverted_version_range);
    tcase_add_test(tc, test_server_without_chain);
    suite_add_tcase(s, tc);

    tc = tcase_create("ids");
    tcase_add_test(tc, test_certificate_id_names_nothing);
    tcase_add_test(tc, test_trust_store_id_names_nothing);
    tcase_add_test(tc, test_key_id_names_nothing);
    /* OpenSSL-specific: a file: URI is an id only where ids are OSSL_STORE URIs. */
    if (strcmp(tu_impl_name(), "openssl") == 0)
        tcase_add_test(tc, test_existing_file_uri_works);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(errors_suite());
}
