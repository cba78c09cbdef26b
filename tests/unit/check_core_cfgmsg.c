/* The wording of configuration errors (src/core/cfgmsg.h), which every implementation shares:
 * the exact text for each credential source (file, buffer, id, system), each cfgmsg, a key
 * that does not match its leaf, and a cipher suite an implementation lacks; an id's bytes after
 * '?' (where pkcs11 URIs carry a PIN) never appear, and non-printable bytes are replaced.
 * Credentials made from files are not read until a configuration is built, so the paths here
 * need not exist. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/unitls.h>

#include "core/cfgmsg.h"

#define SECRET "s3cr3t-PIN"

static const char pin_uri[] = "pkcs11:token=unitls;object=leaf?pin-value=" SECRET;

static unitls_certificate *cert_file(const char *path)
{
    unitls_error err;
    unitls_certificate *c = unitls_certificate_from_file(path, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    return c;
}

static unitls_certificate *cert_id(const char *id)
{
    unitls_error err;
    unitls_certificate *c = unitls_certificate_from_id(id, strlen(id), &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    return c;
}

static unitls_private_key *key_file(const char *path)
{
    unitls_error err;
    unitls_private_key *k = unitls_private_key_from_file(path, &err);
    ck_assert_msg(k != NULL, "%s", err.message);
    return k;
}

static unitls_private_key *key_id(const char *id)
{
    unitls_error err;
    unitls_private_key *k = unitls_private_key_from_id(id, strlen(id), &err);
    ck_assert_msg(k != NULL, "%s", err.message);
    return k;
}

static unitls_signing_chain *chain_of(unitls_certificate *leaf, unitls_private_key *key)
{
    unitls_error err;
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    return s;
}

static void assert_no_secret(const char *text)
{
    ck_assert_msg(strstr(text, SECRET) == NULL && strstr(text, "pin-value") == NULL,
                  "\"%s\" shows what follows '?' in an id", text);
}

/* --- describing credentials --- */

START_TEST(test_describe_certificate)
{
    char buf[CFGMSG_DESC_SIZE];
    unitls_certificate *c = cert_file("/etc/unitls/leaf.pem");
    describe_certificate(c, buf, sizeof buf);
    ck_assert_str_eq(buf, "certificate file /etc/unitls/leaf.pem");
    unitls_certificate_unref(c);

    unitls_error err;
    c = unitls_certificate_from_buffer("x", 1, &err);
    ck_assert_ptr_nonnull(c);
    describe_certificate(c, buf, sizeof buf);
    ck_assert_str_eq(buf, "certificate buffer");
    unitls_certificate_unref(c);

    c = cert_id(pin_uri);
    describe_certificate(c, buf, sizeof buf);
    ck_assert_str_eq(buf, "certificate id pkcs11:token=unitls;object=leaf");
    unitls_certificate_unref(c);
}
END_TEST

START_TEST(test_describe_private_key)
{
    char buf[CFGMSG_DESC_SIZE];
    unitls_private_key *k = key_file("/etc/unitls/leaf.key");
    describe_private_key(k, buf, sizeof buf);
    ck_assert_str_eq(buf, "private key file /etc/unitls/leaf.key");
    unitls_private_key_unref(k);

    unitls_error err;
    k = unitls_private_key_from_buffer("x", 1, &err);
    ck_assert_ptr_nonnull(k);
    describe_private_key(k, buf, sizeof buf);
    ck_assert_str_eq(buf, "private key buffer");
    unitls_private_key_unref(k);

    k = key_id(pin_uri);
    describe_private_key(k, buf, sizeof buf);
    ck_assert_str_eq(buf, "private key id pkcs11:token=unitls;object=leaf");
    unitls_private_key_unref(k);
}
END_TEST

START_TEST(test_describe_trust_store)
{
    char buf[CFGMSG_DESC_SIZE];
    describe_trust_store(NULL, buf, sizeof buf);
    ck_assert_str_eq(buf, "system trust store");
    unitls_trust_store *t = unitls_trust_store_system();
    ck_assert_ptr_nonnull(t);
    describe_trust_store(t, buf, sizeof buf);
    ck_assert_str_eq(buf, "system trust store");
    unitls_trust_store_unref(t);

    unitls_error err;
    t = unitls_trust_store_from_file("/etc/unitls/ca.pem", &err);
    ck_assert_ptr_nonnull(t);
    describe_trust_store(t, buf, sizeof buf);
    ck_assert_str_eq(buf, "trust store file /etc/unitls/ca.pem");
    unitls_trust_store_unref(t);

    t = unitls_trust_store_from_buffer("x", 1, &err);
    ck_assert_ptr_nonnull(t);
    describe_trust_store(t, buf, sizeof buf);
    ck_assert_str_eq(buf, "trust store buffer");
    unitls_trust_store_unref(t);

    t = unitls_trust_store_from_id(pin_uri, strlen(pin_uri), &err);
    ck_assert_ptr_nonnull(t);
    describe_trust_store(t, buf, sizeof buf);
    ck_assert_str_eq(buf, "trust store id pkcs11:token=unitls;object=leaf");
    unitls_trust_store_unref(t);
}
END_TEST

/* --- ids --- */

START_TEST(test_describe_id_cuts_at_question_mark)
{
    char buf[128];
    describe_id((const uint8_t *)pin_uri, strlen(pin_uri), buf, sizeof buf);
    ck_assert_str_eq(buf, "pkcs11:token=unitls;object=leaf");
    describe_id((const uint8_t *)"?pin-value=" SECRET, 21, buf, sizeof buf);
    ck_assert_str_eq(buf, "");
    describe_id((const uint8_t *)"file:/a?b?c", 11, buf, sizeof buf);
    ck_assert_str_eq(buf, "file:/a");
    describe_id((const uint8_t *)"pkcs11:object=no-pin", 20, buf, sizeof buf);
    ck_assert_str_eq(buf, "pkcs11:object=no-pin");
}
END_TEST

/* Bytes outside printable ASCII become '?'; only len bytes count (NUL included). */
START_TEST(test_describe_id_non_printable)
{
    char buf[64];
    static const uint8_t id[] = {'p', 'k', 0x01, 'c', 0x7f, 's', 0xff, '\n', '\0', 'x'};
    describe_id(id, sizeof id, buf, sizeof buf);
    ck_assert_str_eq(buf, "pk?c?s???x");
    describe_id(id, 2, buf, sizeof buf);
    ck_assert_str_eq(buf, "pk");
}
END_TEST

/* The output is cut to the room and always terminated; cap 0 writes nothing; NULL is empty. */
START_TEST(test_describe_id_bounds)
{
    char buf[8];
    memset(buf, 'Z', sizeof buf);
    describe_id((const uint8_t *)"pkcs11:token=long", 17, buf, 5);
    ck_assert_str_eq(buf, "pkcs");
    memset(buf, 'Z', sizeof buf);
    describe_id((const uint8_t *)"abc", 3, buf, 0);
    ck_assert_int_eq(buf[0], 'Z');
    describe_id(NULL, 10, buf, sizeof buf);
    ck_assert_str_eq(buf, "");
    describe_id((const uint8_t *)"abc", 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "");
}
END_TEST

/* A long id is shown cut, still without what follows its '?'. */
START_TEST(test_long_id_never_shows_secret)
{
    char id[400];
    memset(id, 'a', 300);
    snprintf(id + 300, sizeof id - 300, "?pin-value=%s", SECRET);
    char buf[CFGMSG_DESC_SIZE];
    unitls_certificate *c = cert_id(id);
    describe_certificate(c, buf, sizeof buf);
    unitls_certificate_unref(c);
    assert_no_secret(buf);
    ck_assert_msg(strncmp(buf, "certificate id aaaa", 19) == 0, "\"%s\"", buf);
    ck_assert_uint_lt(strlen(buf), CFGMSG_DESC_SIZE);
}
END_TEST

/* --- messages --- */

struct format_case {
    enum cfgmsg m;
    const char *text;
};

static const struct format_case formats[] = {
    {CFGMSG_NOT_LOADED, "not loaded (only a built configuration holds its content)"},
    {CFGMSG_UNREADABLE_CERTIFICATES, "cannot read it as PEM or DER certificates"},
    {CFGMSG_NO_CERTIFICATE, "holds no certificate"},
    {CFGMSG_NO_PRIVATE_KEY, "holds no PEM private key"},
    {CFGMSG_UNREADABLE_PRIVATE_KEY, "cannot read a private key (PEM or DER, unencrypted)"},
    {CFGMSG_ENCRYPTED_PRIVATE_KEY,
     "the private key is encrypted (unitls never prompts for a passphrase)"},
    {CFGMSG_CHAIN_WITHOUT_KEY, "holds no private key and the signing chain names none"},
};

START_TEST(test_format_each_message)
{
    const struct format_case *fc = &formats[_i];
    char buf[CFGMSG_SIZE], want[CFGMSG_SIZE];
    cfgmsg_format(fc->m, "certificate file /x.pem", buf, sizeof buf);
    snprintf(want, sizeof want, "certificate file /x.pem: %s", fc->text);
    ck_assert_str_eq(buf, want);
}
END_TEST

/* A value outside the enum still gives a sentence; a small buffer gets a cut, terminated one. */
START_TEST(test_format_unknown_and_cut)
{
    char buf[CFGMSG_SIZE];
    cfgmsg_format((enum cfgmsg)99, "private key buffer", buf, sizeof buf);
    ck_assert_str_eq(buf, "private key buffer: is not usable");
    char small[12];
    cfgmsg_format(CFGMSG_NO_CERTIFICATE, "certificate buffer", small, sizeof small);
    ck_assert_str_eq(small, "certificate");
}
END_TEST

START_TEST(test_key_mismatch)
{
    char buf[CFGMSG_SIZE];
    unitls_signing_chain *s = chain_of(cert_file("/etc/unitls/leaf.pem"),
                                       key_file("/etc/unitls/other.key"));
    cfgmsg_key_mismatch(s, buf, sizeof buf);
    ck_assert_str_eq(buf, "private key file /etc/unitls/other.key does not match certificate file "
                          "/etc/unitls/leaf.pem");
    unitls_signing_chain_unref(s);

    s = chain_of(cert_file("/etc/unitls/combined.pem"), NULL);
    cfgmsg_key_mismatch(s, buf, sizeof buf);
    ck_assert_str_eq(buf, "the private key in certificate file /etc/unitls/combined.pem does not "
                          "match certificate file /etc/unitls/combined.pem");
    unitls_signing_chain_unref(s);
}
END_TEST

/* Ids on both sides of a mismatch: neither shows its PIN. */
START_TEST(test_key_mismatch_ids_hide_pins)
{
    char buf[CFGMSG_SIZE];
    unitls_signing_chain *s = chain_of(cert_id(pin_uri),
                                       key_id("pkcs11:token=unitls;object=key?pin-value=" SECRET));
    cfgmsg_key_mismatch(s, buf, sizeof buf);
    ck_assert_str_eq(buf, "private key id pkcs11:token=unitls;object=key does not match "
                          "certificate id pkcs11:token=unitls;object=leaf");
    assert_no_secret(buf);
    unitls_signing_chain_unref(s);
}
END_TEST

START_TEST(test_cipher_suite)
{
    char buf[CFGMSG_SIZE];
    cfgmsg_cipher_suite(0x1301, 1, "TestTLS", buf, sizeof buf);
    ck_assert_str_eq(buf, "cipher suite TLS_AES_128_GCM_SHA256 (0x1301) cannot be used with "
                          "TestTLS (its providers or build lack it)");
    cfgmsg_cipher_suite(0xC02B, 0, "TestTLS", buf, sizeof buf);
    ck_assert_str_eq(buf, "cipher suite TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xC02B) is not "
                          "known to TestTLS");
    cfgmsg_cipher_suite(0x0A0A, 0, "TestTLS", buf, sizeof buf);
    ck_assert_str_eq(buf, "cipher suite 0x0A0A is not known to TestTLS");
    cfgmsg_cipher_suite(0x00ff, 1, "TestTLS", buf, sizeof buf);
    ck_assert_str_eq(buf, "cipher suite 0x00FF cannot be used with TestTLS (its providers or "
                          "build lack it)");
}
END_TEST

START_TEST(test_group_and_early_data)
{
    char buf[CFGMSG_SIZE];
    cfgmsg_group(0x0100, "TestTLS", buf, sizeof buf);
    ck_assert_str_eq(buf, "group ffdhe2048 (0x0100) cannot be used with TestTLS (its providers "
                          "or build lack it)");
    cfgmsg_early_data(16384, "TestTLS", buf, sizeof buf);
    ck_assert_str_eq(buf, "max early data 16384: unitls on TestTLS does not support early data "
                          "(0-RTT) yet; use 0");
}
END_TEST

static Suite *cfgmsg_suite(void)
{
    Suite *s = suite_create("core_cfgmsg");
    TCase *tc = tcase_create("describe");
    tcase_add_test(tc, test_describe_certificate);
    tcase_add_test(tc, test_describe_private_key);
    tcase_add_test(tc, test_describe_trust_store);
    suite_add_tcase(s, tc);

    tc = tcase_create("ids");
    tcase_add_test(tc, test_describe_id_cuts_at_question_mark);
    tcase_add_test(tc, test_describe_id_non_printable);
    tcase_add_test(tc, test_describe_id_bounds);
    tcase_add_test(tc, test_long_id_never_shows_secret);
    suite_add_tcase(s, tc);

    tc = tcase_create("messages");
    tcase_add_loop_test(tc, test_format_each_message, 0,
                        (int)(sizeof formats / sizeof formats[0]));
    tcase_add_test(tc, test_format_unknown_and_cut);
    tcase_add_test(tc, test_key_mismatch);
    tcase_add_test(tc, test_key_mismatch_ids_hide_pins);
    tcase_add_test(tc, test_cipher_suite);
    tcase_add_test(tc, test_group_and_early_data);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cfgmsg_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
