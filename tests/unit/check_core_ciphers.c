/* Cipher suites (ciphers.h): the fifteen suites PEP 748 names map to their IANA names both
 * ways, ids the library does not name pass through configurations unchanged, the secure
 * default list is the PEP's (TLS 1.3's five, then TLS 1.2 ECDHE on AES-GCM or ChaCha20), and
 * lookups of names that are not IANA names fail without writing the output. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <unitls/unitls.h>

#include "testutil.h"

/* The PEP's CipherSuite enum, in its order, copied from the PEP's text. */
static const struct {
    uint16_t id;
    const char *name;
} pep_suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256"},
    {0x1302, "TLS_AES_256_GCM_SHA384"},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
    {0x1304, "TLS_AES_128_CCM_SHA256"},
    {0x1305, "TLS_AES_128_CCM_8_SHA256"},
    {0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
    {0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
    {0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
    {0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
    {0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"},
    {0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"},
    {0xC0AE, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"},
    {0xC0AF, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"},
    {0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
    {0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
};
#define N_PEP ((int)(sizeof pep_suites / sizeof pep_suites[0]))

/* Ids with no name here: NULL, legacy and GREASE values, neighbours of named ones. */
static const uint16_t unnamed_ids[] = {0x0000, 0x000A, 0x009C, 0x00FF, 0x0A0A, 0x1300,
                                       0x1306, 0xC02A, 0xC02D, 0xC031, 0xC0AB, 0xC0B0,
                                       0xCCA7, 0xCCAA, 0xFAFA, 0xFFFF};

/* One run per PEP suite: id to name. */
START_TEST(test_name_of_id)
{
    const char *name = unitls_cipher_suite_name(pep_suites[_i].id);
    ck_assert_msg(name != NULL, "0x%04X has no name", pep_suites[_i].id);
    ck_assert_str_eq(name, pep_suites[_i].name);
}
END_TEST

/* One run per PEP suite: name to id, with and without the UNITLS_ prefix. */
START_TEST(test_id_of_name)
{
    uint16_t id = 0;
    tu_assert_status(unitls_cipher_suite_from_name(pep_suites[_i].name, &id), UNITLS_OK,
                     pep_suites[_i].name, "from_name");
    ck_assert_uint_eq(id, pep_suites[_i].id);

    char prefixed[128];
    snprintf(prefixed, sizeof prefixed, "UNITLS_%s", pep_suites[_i].name);
    id = 0;
    tu_assert_status(unitls_cipher_suite_from_name(prefixed, &id), UNITLS_OK, prefixed,
                     "from_name");
    ck_assert_uint_eq(id, pep_suites[_i].id);
}
END_TEST

/* The enum constants carry the IANA ids (spot check of the header against the PEP). */
START_TEST(test_enum_values)
{
    ck_assert_uint_eq(UNITLS_TLS_AES_128_GCM_SHA256, 0x1301);
    ck_assert_uint_eq(UNITLS_TLS_AES_128_CCM_8_SHA256, 0x1305);
    ck_assert_uint_eq(UNITLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0xC030);
    ck_assert_uint_eq(UNITLS_TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8, 0xC0AF);
    ck_assert_uint_eq(UNITLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, 0xCCA9);
}
END_TEST

START_TEST(test_unnamed_ids_have_no_name)
{
    for (size_t i = 0; i < sizeof unnamed_ids / sizeof unnamed_ids[0]; i++)
        ck_assert_msg(unitls_cipher_suite_name(unnamed_ids[i]) == NULL, "0x%04X has a name",
                      unnamed_ids[i]);
}
END_TEST

/* Names that are not the IANA spelling fail with ERR_INVALID and leave *id alone. */
START_TEST(test_bad_names_rejected)
{
    const char *bad[] = {"",
                         "UNITLS_",
                         "tls_aes_128_gcm_sha256",
                         "TLS_AES_128_GCM_SHA256 ",
                         " TLS_AES_128_GCM_SHA256",
                         "TLS_AES_128_GCM",
                         "TLS_AES_128_GCM_SHA2567",
                         "ECDHE-RSA-AES128-GCM-SHA256",
                         "UNITLS_UNITLS_TLS_AES_128_GCM_SHA256",
                         "unitls_TLS_AES_128_GCM_SHA256",
                         "TLS_RSA_WITH_AES_128_GCM_SHA256"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint16_t id = 0xBEEF;
        ck_assert_msg(unitls_cipher_suite_from_name(bad[i], &id) == UNITLS_ERR_INVALID,
                      "\"%s\" was accepted", bad[i]);
        ck_assert_uint_eq(id, 0xBEEF);
    }
    uint16_t id = 0xBEEF;
    ck_assert_int_eq(unitls_cipher_suite_from_name(NULL, &id), UNITLS_ERR_INVALID);
    ck_assert_uint_eq(id, 0xBEEF);
    ck_assert_int_eq(unitls_cipher_suite_from_name("TLS_AES_128_GCM_SHA256", NULL),
                     UNITLS_ERR_INVALID);
}
END_TEST

START_TEST(test_is_tls13)
{
    for (int i = 0; i < N_PEP; i++)
        ck_assert_int_eq(unitls_cipher_suite_is_tls13(pep_suites[i].id),
                         (pep_suites[i].id & 0xFF00) == 0x1300);
    ck_assert_int_eq(unitls_cipher_suite_is_tls13(0x1306), 1); /* a future 0x13xx suite */
    ck_assert_int_eq(unitls_cipher_suite_is_tls13(0x0013), 0);
    ck_assert_int_eq(unitls_cipher_suite_is_tls13(0x0000), 0);
    ck_assert_int_eq(unitls_cipher_suite_is_tls13(0xC02B), 0);
}
END_TEST

/* _all lists the fifteen in the PEP's order, each named. */
START_TEST(test_all_suites)
{
    size_t n = 0;
    const uint16_t *all = unitls_cipher_suite_all(&n);
    ck_assert_ptr_nonnull(all);
    ck_assert_uint_eq(n, (size_t)N_PEP);
    for (int i = 0; i < N_PEP; i++) {
        ck_assert_uint_eq(all[i], pep_suites[i].id);
        ck_assert_str_eq(unitls_cipher_suite_name(all[i]), pep_suites[i].name);
    }
    ck_assert_ptr_eq(unitls_cipher_suite_all(NULL), all); /* n may be NULL; static array */
}
END_TEST

static int is_tls12_gcm_or_chacha(uint16_t id)
{
    const uint16_t allowed[] = {0xC02B, 0xC02C, 0xC02F, 0xC030, 0xCCA8, 0xCCA9};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (allowed[i] == id)
            return 1;
    return 0;
}

/* The defaults: the five TLS 1.3 suites first, then exactly the six TLS 1.2 ECDHE suites on
 * AES-GCM or ChaCha20-Poly1305 (no CCM), each once. */
START_TEST(test_default_suites)
{
    size_t n = 0;
    const uint16_t *def = unitls_cipher_suite_defaults(&n);
    ck_assert_ptr_nonnull(def);
    ck_assert_uint_eq(n, 11);
    unsigned seen13 = 0;
    for (size_t i = 0; i < 5; i++) {
        ck_assert_msg(def[i] >= 0x1301 && def[i] <= 0x1305, "default %zu is 0x%04X", i, def[i]);
        seen13 |= 1u << (def[i] - 0x1301);
    }
    ck_assert_uint_eq(seen13, 0x1f);
    for (size_t i = 5; i < n; i++) {
        ck_assert_msg(is_tls12_gcm_or_chacha(def[i]), "default %zu is 0x%04X", i, def[i]);
        ck_assert_ptr_null(strstr(unitls_cipher_suite_name(def[i]), "CCM"));
        for (size_t j = 5; j < i; j++)
            ck_assert_msg(def[j] != def[i], "0x%04X listed twice", def[i]);
    }
    ck_assert_ptr_eq(unitls_cipher_suite_defaults(NULL), def);
}
END_TEST

/* Ids outside the enum pass through client and server configurations unchanged, in order. */
START_TEST(test_unknown_ids_pass_through)
{
    const uint16_t ids[] = {0x00FF, UNITLS_TLS_AES_128_GCM_SHA256, 0x1306, 0xFAFA, 0x0000};
    const size_t n_ids = sizeof ids / sizeof ids[0];
    unitls_error err;

    unitls_client_config_builder *cb = unitls_client_config_builder_new();
    tu_assert_status(unitls_client_config_builder_set_ciphers(cb, ids, n_ids), UNITLS_OK,
                     "client set_ciphers", "");
    unitls_client_config *cc = unitls_client_config_builder_build(cb, &err);
    ck_assert_msg(cc != NULL, "client build: %s", err.message);
    size_t n = 0;
    const uint16_t *got = unitls_client_config_ciphers(cc, &n);
    ck_assert_uint_eq(n, n_ids);
    ck_assert_mem_eq(got, ids, sizeof ids);

    unitls_server_config_builder *sb = unitls_server_config_builder_new();
    unitls_certificate *leaf = unitls_certificate_from_buffer("leaf", 4, &err);
    unitls_signing_chain *chain = unitls_signing_chain_new(leaf, NULL, NULL, 0, &err);
    unitls_server_config_builder_add_certificate_chain(sb, chain);
    tu_assert_status(unitls_server_config_builder_set_ciphers(sb, ids, n_ids), UNITLS_OK,
                     "server set_ciphers", "");
    unitls_server_config *sc = unitls_server_config_builder_build(sb, &err);
    ck_assert_msg(sc != NULL, "server build: %s", err.message);
    got = unitls_server_config_ciphers(sc, &n);
    ck_assert_uint_eq(n, n_ids);
    ck_assert_mem_eq(got, ids, sizeof ids);

    unitls_server_config_unref(sc);
    unitls_server_config_builder_free(sb);
    unitls_signing_chain_unref(chain);
    unitls_certificate_unref(leaf);
    unitls_client_config_unref(cc);
    unitls_client_config_builder_free(cb);
}
END_TEST

static Suite *ciphers_suite(void)
{
    Suite *s = suite_create("core_ciphers");
    TCase *tc = tcase_create("names");
    tcase_add_loop_test(tc, test_name_of_id, 0, N_PEP);
    tcase_add_loop_test(tc, test_id_of_name, 0, N_PEP);
    tcase_add_test(tc, test_enum_values);
    tcase_add_test(tc, test_unnamed_ids_have_no_name);
    tcase_add_test(tc, test_bad_names_rejected);
    suite_add_tcase(s, tc);

    tc = tcase_create("lists");
    tcase_add_test(tc, test_is_tls13);
    tcase_add_test(tc, test_all_suites);
    tcase_add_test(tc, test_default_suites);
    tcase_add_test(tc, test_unknown_ids_pass_through);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(ciphers_suite());
}
