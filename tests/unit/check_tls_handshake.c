/* Handshakes between a client buffer and a server buffer in memory: TLS 1.3 and 1.2, every
 * default cipher suite on its own, byte-at-a-time feeding, and the ways a signing chain's
 * material can be given (separate PEM key, key inside the leaf's PEM, DER). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void assert_agreed(const struct tu_conn *c, enum unitls_tls_version version)
{
    enum unitls_tls_version cv = unitls_buffer_negotiated_tls_version(c->client);
    enum unitls_tls_version sv = unitls_buffer_negotiated_tls_version(c->server);
    ck_assert_msg(cv == version && sv == version, "versions: client %s, server %s, expected %s",
                  unitls_tls_version_name(cv), unitls_tls_version_name(sv),
                  unitls_tls_version_name(version));
    uint16_t cc = unitls_buffer_cipher(c->client), sc = unitls_buffer_cipher(c->server);
    ck_assert_msg(cc != 0 && cc == sc, "ciphers: client 0x%04x, server 0x%04x", cc, sc);
    ck_assert_msg(unitls_cipher_suite_is_tls13(cc) == (version == UNITLS_TLSv1_3),
                  "cipher 0x%04x does not belong to %s", cc, unitls_tls_version_name(version));
}

/* Unset versions on both sides negotiate TLS 1.3 with a TLS 1.3 suite, and the client sees the
 * server's leaf; nothing is reported before the handshake. */
START_TEST(test_tls13_by_default)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context("example.org"));
    ck_assert_int_eq(unitls_buffer_cipher(c->client), 0);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(c->client), UNITLS_TLS_VERSION_UNSET);
    ck_assert_int_eq(unitls_buffer_handshake_done(c->client), 0);
    tu_handshake_ok(c);
    assert_agreed(c, UNITLS_TLSv1_3);
    tu_assert_peer_cert(c->client, "example.org.der");
    ck_assert_int_eq(unitls_buffer_is_server(c->server), 1);
    ck_assert_int_eq(unitls_buffer_is_server(c->client), 0);
    tu_conn_free(c);
}
END_TEST

/* A client capped at TLS 1.2 gets TLS 1.2 with a TLS 1.2 suite from a default server. */
START_TEST(test_tls12_when_client_capped)
{
    unitls_client_config_builder *b = tu_client_builder();
    tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, UNITLS_TLSv1_2);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(b), "example.org",
                                     tu_server_context("example.org"));
    tu_handshake_ok(c);
    assert_agreed(c, UNITLS_TLSv1_2);
    tu_assert_peer_cert(c->client, "example.org.der");
    tu_conn_free(c);
}
END_TEST

/* Each default suite works alone: a client offering only it (and only its version) gets it,
 * from a server left at its defaults with a key of the type the suite needs. */
START_TEST(test_each_default_suite)
{
    size_t n = 0;
    const uint16_t *ids = unitls_cipher_suite_defaults(&n);
    ck_assert_uint_lt((size_t)_i, n);
    uint16_t id = ids[_i];
    const char *name = unitls_cipher_suite_name(id);
    ck_assert_ptr_nonnull(name);
    int tls13 = unitls_cipher_suite_is_tls13(id);
    enum unitls_tls_version v = tls13 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2;
    const char *chain = strstr(name, "_RSA_") ? "example.org-rsa" : "example.org";

    unitls_client_config_builder *b = tu_client_builder();
    unitls_status st = unitls_client_config_builder_set_ciphers(b, &id, 1);
    tu_assert_status(st, UNITLS_OK, "set_ciphers", name);
    tu_client_versions(b, v, v);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(b), "example.org",
                                     tu_server_context(chain));
    tu_handshake(c);
    ck_assert_msg(c->client_status == UNITLS_OK && c->server_status == UNITLS_OK,
                  "%s: client %s (%s), server %s (%s)", name,
                  unitls_status_name(c->client_status),
                  unitls_buffer_last_error(c->client)->message,
                  unitls_status_name(c->server_status),
                  unitls_buffer_last_error(c->server)->message);
    ck_assert_msg(unitls_buffer_cipher(c->client) == id && unitls_buffer_cipher(c->server) == id,
                  "%s (0x%04x): client reports 0x%04x, server 0x%04x", name, id,
                  unitls_buffer_cipher(c->client), unitls_buffer_cipher(c->server));
    assert_agreed(c, v);
    tu_conn_free(c);
}
END_TEST

/* Every byte of the handshake and of some data crosses one process_outgoing/process_incoming
 * call at a time, with the TLS engine run between bytes. */
START_TEST(test_one_byte_at_a_time)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context("example.org"));
    c->chunk = 1;
    tu_handshake_ok(c);
    assert_agreed(c, UNITLS_TLSv1_3);

    uint8_t out[700], in[700];
    tu_pattern_fill(7, 0, out, sizeof out);
    tu_send_all(c, c->client, out, sizeof out);
    tu_recv_exact(c, c->server, in, sizeof in);
    ck_assert_msg(memcmp(in, out, sizeof in) == 0, "server read other bytes than sent");
    tu_pattern_fill(8, 0, out, sizeof out);
    tu_send_all(c, c->server, out, sizeof out);
    tu_recv_exact(c, c->client, in, sizeof in);
    ck_assert_msg(memcmp(in, out, sizeof in) == 0, "client read other bytes than sent");
    tu_conn_free(c);
}
END_TEST

/* The same byte-at-a-time handshake at TLS 1.2 (a different message flow). */
START_TEST(test_one_byte_at_a_time_tls12)
{
    unitls_client_config_builder *b = tu_client_builder();
    tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, UNITLS_TLSv1_2);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(b), "example.org",
                                     tu_server_context("example.org-rsa"));
    c->chunk = 1;
    tu_handshake_ok(c);
    assert_agreed(c, UNITLS_TLSv1_2);
    uint8_t out[300], in[300];
    tu_pattern_fill(9, 0, out, sizeof out);
    tu_send_all(c, c->server, out, sizeof out);
    tu_recv_exact(c, c->client, in, sizeof in);
    ck_assert_msg(memcmp(in, out, sizeof in) == 0, "client read other bytes than sent");
    tu_conn_free(c);
}
END_TEST

static unitls_server_context *server_with_chain(unitls_signing_chain *s)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    ck_assert_ptr_nonnull(b);
    unitls_status st = unitls_server_config_builder_add_certificate_chain(b, s);
    tu_assert_status(st, UNITLS_OK, "add_certificate_chain", "");
    unitls_signing_chain_unref(s);
    return tu_server_context_from(b);
}

/* A signing chain with no separate key: leaf, intermediate and key in one PEM file. */
START_TEST(test_chain_key_inside_leaf_pem)
{
    unitls_certificate *leaf = tu_certificate("example.org-combined.pem");
    unitls_error err;
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, NULL, NULL, 0, &err);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    unitls_certificate_unref(leaf);
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org", server_with_chain(s));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "example.org.der");
    tu_conn_free(c);
}
END_TEST

/* DER material: a DER leaf, a DER key and the intermediate given separately as a chain
 * certificate (the client only trusts the root, so the intermediate must be sent). */
START_TEST(test_chain_from_der_with_intermediate)
{
    unitls_certificate *leaf = tu_certificate("example.org.der");
    unitls_private_key *key = tu_private_key("example.org.key.der");
    unitls_certificate *inter = tu_certificate("intermediate.pem");
    unitls_error err;
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, &inter, 1, &err);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    unitls_certificate_unref(inter);
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org", server_with_chain(s));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "example.org.der");
    tu_conn_free(c);
}
END_TEST

/* Material given as buffers (not files) works the same. */
START_TEST(test_chain_and_trust_from_buffers)
{
    size_t leaf_len = 0, key_len = 0, ca_len = 0;
    uint8_t *leaf_pem = tu_read_cert_file("example.org.pem", &leaf_len);
    uint8_t *key_pem = tu_read_cert_file("example.org.key", &key_len);
    uint8_t *ca_pem = tu_read_cert_file("ca.pem", &ca_len);
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_buffer(leaf_pem, leaf_len, &err);
    ck_assert_msg(leaf != NULL, "certificate buffer: %s", err.message);
    unitls_private_key *key = unitls_private_key_from_buffer(key_pem, key_len, &err);
    ck_assert_msg(key != NULL, "private key buffer: %s", err.message);
    unitls_trust_store *ca = unitls_trust_store_from_buffer(ca_pem, ca_len, &err);
    ck_assert_msg(ca != NULL, "trust store buffer: %s", err.message);
    free(leaf_pem);
    free(key_pem);
    free(ca_pem);
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);

    unitls_client_config_builder *b = unitls_client_config_builder_new();
    tu_assert_status(unitls_client_config_builder_set_trust_store(b, ca), UNITLS_OK,
                     "set_trust_store", "buffer");
    unitls_trust_store_unref(ca);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(b), "example.org",
                                     server_with_chain(s));
    tu_handshake_ok(c);
    tu_assert_peer_cert(c->client, "example.org.der");
    tu_conn_free(c);
}
END_TEST

static Suite *handshake_suite(void)
{
    Suite *s = suite_create("tls_handshake");
    TCase *tc = tcase_create("versions");
    tcase_add_test(tc, test_tls13_by_default);
    tcase_add_test(tc, test_tls12_when_client_capped);
    suite_add_tcase(s, tc);

    size_t n_suites = 0;
    unitls_cipher_suite_defaults(&n_suites);
    tc = tcase_create("suites");
    tcase_add_loop_test(tc, test_each_default_suite, 0, (int)n_suites);
    suite_add_tcase(s, tc);

    tc = tcase_create("byte_at_a_time");
    tcase_add_test(tc, test_one_byte_at_a_time);
    tcase_add_test(tc, test_one_byte_at_a_time_tls12);
    suite_add_tcase(s, tc);

    tc = tcase_create("material");
    tcase_add_test(tc, test_chain_key_inside_leaf_pem);
    tcase_add_test(tc, test_chain_from_der_with_intermediate);
    tcase_add_test(tc, test_chain_and_trust_from_buffers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(handshake_suite());
}
