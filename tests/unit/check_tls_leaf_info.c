/* What a signing chain's leaf says of itself (certificate_info.h): subject and validity as
 * OpenSSL's command line reports them (tests/gen-certs.sh writes NAME.dates), read through
 * the implementation under test, and the same through every built implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct dates {
    long long not_before, not_after;
    char subject[256];
};

/* NAME.dates: "NOT_BEFORE NOT_AFTER\nSUBJECT\n". */
static struct dates dates_read(const char *name)
{
    char file[TU_PATH_MAX], path[TU_PATH_MAX];
    snprintf(file, sizeof file, "%s.dates", name);
    tu_cert_path(path, file);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "%s: cannot open", path);
    struct dates d = {0, 0, ""};
    ck_assert_int_eq(fscanf(f, "%lld %lld\n", &d.not_before, &d.not_after), 2);
    ck_assert_ptr_nonnull(fgets(d.subject, sizeof d.subject, f));
    d.subject[strcspn(d.subject, "\n")] = '\0';
    fclose(f);
    return d;
}

static void assert_info_is(const char *name, const unitls_implementation *impl)
{
    struct dates want = dates_read(name);
    unitls_signing_chain *chain = tu_chain(name);
    struct unitls_certificate_info info;
    unitls_error err;
    unitls_status st = unitls_signing_chain_leaf_info(impl, chain, &info, &err);
    tu_assert_status(st, UNITLS_OK, "leaf_info", name);
    ck_assert_str_eq(info.subject, want.subject);
    ck_assert_int_eq(info.not_before, want.not_before);
    ck_assert_int_eq(info.not_after, want.not_after);
    unitls_signing_chain_unref(chain);
}

START_TEST(test_valid_leaf)
{
    assert_info_is("example.org", tu_impl());
    struct dates d = dates_read("example.org");
    ck_assert_ptr_nonnull(strstr(d.subject, "CN=example.org"));
    ck_assert_int_gt(d.not_after, d.not_before);
}
END_TEST

START_TEST(test_expired_leaf)
{
    assert_info_is("expired.test", tu_impl());
    struct dates d = dates_read("expired.test");
    ck_assert_int_eq(d.not_after, 1577923200); /* 2020-01-02T00:00:00Z, as gen-certs signed */
}
END_TEST

/* Every built implementation says the same of the same leaf. */
START_TEST(test_every_implementation_agrees)
{
    for (size_t i = 0; unitls_implementation_at(i); i++) {
        assert_info_is("example.org", unitls_implementation_at(i));
        assert_info_is("expired.test", unitls_implementation_at(i));
    }
}
END_TEST

/* A leaf given as a buffer reads the same as from its file. */
START_TEST(test_leaf_from_buffer)
{
    size_t len = 0;
    uint8_t *pem = tu_read_cert_file("example.org.pem", &len);
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_buffer(pem, len, &err);
    ck_assert_msg(leaf != NULL, "%s", err.message);
    unitls_private_key *key = tu_private_key("example.org.key");
    unitls_signing_chain *chain = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(chain != NULL, "%s", err.message);
    struct unitls_certificate_info info;
    tu_assert_status(unitls_signing_chain_leaf_info(tu_impl(), chain, &info, &err), UNITLS_OK,
                     "leaf_info", "example.org.pem as a buffer");
    struct dates want = dates_read("example.org");
    ck_assert_str_eq(info.subject, want.subject);
    ck_assert_int_eq(info.not_after, want.not_after);
    unitls_signing_chain_unref(chain);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
    free(pem);
}
END_TEST

/* A leaf that is no certificate fails with the configuration's status, naming it, and leaves
 * *out zeroed. */
START_TEST(test_unreadable_leaf)
{
    static const char junk[] = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n"
                               "-----END CERTIFICATE-----\n";
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_buffer(junk, sizeof junk - 1, &err);
    ck_assert_msg(leaf != NULL, "%s", err.message);
    unitls_private_key *key = tu_private_key("example.org.key");
    unitls_signing_chain *chain = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(chain != NULL, "%s", err.message);
    struct unitls_certificate_info info;
    memset(&info, 0x55, sizeof info);
    unitls_status st = unitls_signing_chain_leaf_info(tu_impl(), chain, &info, &err);
    ck_assert_int_eq(st, UNITLS_ERR_CONFIGURATION);
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "certificate") != NULL, "message: %s", err.message);
    ck_assert_int_eq(info.not_after, 0);
    ck_assert_str_eq(info.subject, "");
    unitls_signing_chain_unref(chain);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
}
END_TEST

START_TEST(test_null_arguments)
{
    unitls_error err;
    struct unitls_certificate_info info;
    ck_assert_int_eq(unitls_signing_chain_leaf_info(tu_impl(), NULL, &info, &err),
                     UNITLS_ERR_INVALID);
    unitls_signing_chain *chain = tu_chain("example.org");
    ck_assert_int_eq(unitls_signing_chain_leaf_info(tu_impl(), chain, NULL, &err),
                     UNITLS_ERR_INVALID);
    unitls_signing_chain_unref(chain);
}
END_TEST

/* The subject's commonName comes with the rest. */
START_TEST(test_common_name)
{
    for (size_t i = 0; unitls_implementation_at(i); i++) {
        unitls_signing_chain *chain = tu_chain("example.org");
        struct unitls_certificate_info info;
        unitls_error err;
        tu_assert_status(unitls_signing_chain_leaf_info(unitls_implementation_at(i), chain,
                                                        &info, &err),
                         UNITLS_OK, "leaf_info", "example.org");
        ck_assert_str_eq(info.common_name, "example.org");
        unitls_signing_chain_unref(chain);
    }
}
END_TEST

/* A peer's certificate as DER (client.der: the leaf alone) reads as its chain's leaf does,
 * in every implementation. */
START_TEST(test_info_from_der)
{
    size_t len = 0;
    uint8_t *der = tu_read_cert_file("client.der", &len);
    unitls_signing_chain *chain = tu_chain("client");
    for (size_t i = 0; unitls_implementation_at(i); i++) {
        const unitls_implementation *impl = unitls_implementation_at(i);
        struct unitls_certificate_info from_der, from_chain;
        unitls_error err;
        tu_assert_status(unitls_certificate_info_from_der(impl, der, len, &from_der, &err),
                         UNITLS_OK, "info_from_der", "client.der");
        tu_assert_status(unitls_signing_chain_leaf_info(impl, chain, &from_chain, &err),
                         UNITLS_OK, "leaf_info", "client");
        ck_assert_str_eq(from_der.subject, from_chain.subject);
        ck_assert_str_eq(from_der.common_name, "client");
        ck_assert_int_eq(from_der.not_before, from_chain.not_before);
        ck_assert_int_eq(from_der.not_after, from_chain.not_after);
    }
    unitls_signing_chain_unref(chain);
    free(der);
}
END_TEST

/* Bytes that are no certificate (cut short, or junk) fail as configuration errors with *out
 * zeroed; NULL arguments are invalid. */
START_TEST(test_info_from_bad_der)
{
    size_t len = 0;
    uint8_t *der = tu_read_cert_file("client.der", &len);
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x05};
    for (size_t i = 0; unitls_implementation_at(i); i++) {
        const unitls_implementation *impl = unitls_implementation_at(i);
        struct unitls_certificate_info info;
        unitls_error err;
        memset(&info, 0x55, sizeof info);
        ck_assert_int_eq(unitls_certificate_info_from_der(impl, der, len / 2, &info, &err),
                         UNITLS_ERR_CONFIGURATION);
        ck_assert_str_eq(info.subject, "");
        ck_assert_str_eq(info.common_name, "");
        ck_assert_int_eq(unitls_certificate_info_from_der(impl, junk, sizeof junk, &info, &err),
                         UNITLS_ERR_CONFIGURATION);
        ck_assert_msg(strstr(err.message, "certificate") != NULL, "message: %s", err.message);
        ck_assert_int_eq(unitls_certificate_info_from_der(impl, NULL, 1, &info, &err),
                         UNITLS_ERR_INVALID);
        ck_assert_int_eq(unitls_certificate_info_from_der(impl, der, len, NULL, &err),
                         UNITLS_ERR_INVALID);
    }
    free(der);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tls_leaf_info");
    TCase *tc = tcase_create("leaf_info");
    tcase_add_test(tc, test_valid_leaf);
    tcase_add_test(tc, test_expired_leaf);
    tcase_add_test(tc, test_every_implementation_agrees);
    tcase_add_test(tc, test_leaf_from_buffer);
    tcase_add_test(tc, test_unreadable_leaf);
    tcase_add_test(tc, test_null_arguments);
    tcase_add_test(tc, test_common_name);
    tcase_add_test(tc, test_info_from_der);
    tcase_add_test(tc, test_info_from_bad_der);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
