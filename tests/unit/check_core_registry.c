/* The registry of compiled-in implementations and its validation entry points
 * (implementation.h), as the real library ships it: the default is the first built
 * implementation (the first name in UNITLS_IMPLEMENTATIONS: "openssl" whenever it is built) and
 * is found by that name, unknown names find nothing, every listed implementation is found by its own name,
 * each says which constructors it accepts, and validate_*_config accepts a usable
 * configuration and refuses an unusable one with the same status and message that creating a
 * context from it gives. The registry's own source checks, against implementations made for
 * the purpose, are in check_core_dispatch. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/unitls.h>

#include "testutil.h"

#define MAX_IMPLEMENTATIONS 64

/* The name the default must have: the first in UNITLS_IMPLEMENTATIONS (set by `make check`),
 * else "openssl". */
static void expected_default(char *name, size_t cap)
{
    const char *list = getenv("UNITLS_IMPLEMENTATIONS");
    if (!list || !*list)
        list = "openssl";
    list += strspn(list, " ");
    snprintf(name, cap, "%.*s", (int)strcspn(list, " "), list);
}

START_TEST(test_default_is_first_built)
{
    char want[64];
    expected_default(want, sizeof want);
    const unitls_implementation *impl = unitls_implementation_default();
    ck_assert_ptr_nonnull(impl);
    ck_assert_str_eq(unitls_implementation_name(impl), want);
    ck_assert_ptr_eq(unitls_implementation_find(want), impl);
    ck_assert_ptr_eq(unitls_implementation_at(0), impl);
}
END_TEST

START_TEST(test_find_unknown)
{
    const char *names[] = {"nope", "", "openssl ", " openssl", "openss", "openssl3", "rustls"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        ck_assert_msg(unitls_implementation_find(names[i]) == NULL, "\"%s\" was found", names[i]);
    ck_assert_ptr_null(unitls_implementation_find(NULL));
}
END_TEST

/* at() lists each implementation once, then NULL; each is found by its name. */
START_TEST(test_at_enumerates)
{
    size_t n = 0;
    while (n < MAX_IMPLEMENTATIONS && unitls_implementation_at(n))
        n++;
    ck_assert_uint_ge(n, 1);
    ck_assert_uint_lt(n, MAX_IMPLEMENTATIONS);
    for (size_t i = 0; i < n; i++) {
        const unitls_implementation *impl = unitls_implementation_at(i);
        const char *name = unitls_implementation_name(impl);
        ck_assert_ptr_nonnull(name);
        ck_assert_ptr_eq(unitls_implementation_find(name), impl);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(unitls_implementation_name(unitls_implementation_at(j)), name);
    }
    ck_assert_ptr_null(unitls_implementation_at(n + 1));
    ck_assert_ptr_null(unitls_implementation_at((size_t)-1));
}
END_TEST

/* The default accepts what its description promises: certificates and keys from buffers and
 * files, trust stores also from the system; "system" is for trust stores only. */
START_TEST(test_description_and_sources)
{
    const unitls_implementation *impl = unitls_implementation_default();
    const char *d = unitls_implementation_description(impl);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_gt(strlen(d), 0);
    const unsigned want = UNITLS_SOURCE_BUFFER | UNITLS_SOURCE_FILE;
    unsigned cert = unitls_implementation_supported_sources(impl, UNITLS_OBJECT_CERTIFICATE);
    unsigned key = unitls_implementation_supported_sources(impl, UNITLS_OBJECT_PRIVATE_KEY);
    unsigned store = unitls_implementation_supported_sources(impl, UNITLS_OBJECT_TRUST_STORE);
    ck_assert_uint_eq(cert & want, want);
    ck_assert_uint_eq(key & want, want);
    ck_assert_uint_eq(store & (want | UNITLS_SOURCE_SYSTEM), want | UNITLS_SOURCE_SYSTEM);
    ck_assert_uint_eq(cert & UNITLS_SOURCE_SYSTEM, 0);
    ck_assert_uint_eq(key & UNITLS_SOURCE_SYSTEM, 0);
    ck_assert_uint_eq(unitls_implementation_supported_sources(impl, (enum unitls_object_kind)3),
                      0);
    ck_assert_uint_eq(unitls_implementation_supported_sources(NULL, UNITLS_OBJECT_CERTIFICATE),
                      0);
    ck_assert_ptr_null(unitls_implementation_name(NULL));
    ck_assert_ptr_null(unitls_implementation_description(NULL));
}
END_TEST

START_TEST(test_validate_null_arguments)
{
    const unitls_implementation *impl = unitls_implementation_default();
    unitls_client_config_builder *cb = unitls_client_config_builder_new();
    unitls_client_config *cc = unitls_client_config_builder_build(cb, NULL);
    unitls_server_config_builder *sb = tu_server_builder((const char *const[]){"default.test"}, 1);
    unitls_server_config *sc = unitls_server_config_builder_build(sb, NULL);
    ck_assert(cc && sc);
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_int_eq(unitls_implementation_validate_client_config(NULL, cc, &err),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(err.status, UNITLS_ERR_INVALID);
    ck_assert_uint_gt(strlen(err.message), 0);
    ck_assert_int_eq(unitls_implementation_validate_client_config(impl, NULL, NULL),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_implementation_validate_server_config(NULL, sc, NULL),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_implementation_validate_server_config(impl, NULL, &err),
                     UNITLS_ERR_INVALID);
    unitls_client_config_unref(cc);
    unitls_server_config_unref(sc);
    unitls_client_config_builder_free(cb);
    unitls_server_config_builder_free(sb);
}
END_TEST

/* Usable configurations validate, for every implementation in the table. */
START_TEST(test_validate_usable)
{
    unitls_client_config_builder *cb = tu_client_builder();
    unitls_client_config_builder_add_inner_protocol(cb, "h2", 2);
    unitls_client_config *cc = unitls_client_config_builder_build(cb, NULL);
    unitls_client_config_builder *plain = unitls_client_config_builder_new();
    unitls_client_config *pc = unitls_client_config_builder_build(plain, NULL);
    const char *const names[] = {"example.org", "example.org-rsa"};
    unitls_server_config_builder *sb = tu_server_builder(names, 2);
    unitls_server_config *sc = unitls_server_config_builder_build(sb, NULL);
    ck_assert(cc && pc && sc);
    for (size_t i = 0; i < MAX_IMPLEMENTATIONS && unitls_implementation_at(i); i++) {
        const unitls_implementation *impl = unitls_implementation_at(i);
        unitls_error err;
        unitls_error_clear(&err);
        tu_assert_status(unitls_implementation_validate_client_config(impl, cc, &err), UNITLS_OK,
                         unitls_implementation_name(impl), err.message);
        tu_assert_status(unitls_implementation_validate_client_config(impl, pc, &err), UNITLS_OK,
                         unitls_implementation_name(impl), err.message);
        tu_assert_status(unitls_implementation_validate_server_config(impl, sc, &err), UNITLS_OK,
                         unitls_implementation_name(impl), err.message);
    }
    unitls_client_config_unref(cc);
    unitls_client_config_unref(pc);
    unitls_server_config_unref(sc);
    unitls_client_config_builder_free(cb);
    unitls_client_config_builder_free(plain);
    unitls_server_config_builder_free(sb);
}
END_TEST

/* A server whose certificate is not one: validation refuses it with ERR_CONFIGURATION, and a
 * context refuses it the same way, word for word. */
START_TEST(test_validate_agrees_with_context_server)
{
    unitls_certificate *leaf = unitls_certificate_from_buffer("not a certificate", 17, NULL);
    unitls_private_key *key = tu_private_key("example.org.key");
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, NULL, 0, NULL);
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_server_config_builder_add_certificate_chain(b, s);
    unitls_error err;
    unitls_server_config *c = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "the core parses nothing, so this builds: %s", err.message);

    unitls_error verr, cerr;
    unitls_error_clear(&verr);
    unitls_error_clear(&cerr);
    unitls_status st = unitls_implementation_validate_server_config(tu_impl(), c, &verr);
    tu_assert_status(st, UNITLS_ERR_CONFIGURATION, "validate", verr.message);
    ck_assert_uint_gt(strlen(verr.message), 0);
    ck_assert_ptr_null(unitls_server_context_new(tu_impl(), c, &cerr));
    ck_assert_int_eq(cerr.status, verr.status);
    ck_assert_str_eq(cerr.message, verr.message);

    unitls_server_config_unref(c);
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(s);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
}
END_TEST

/* A client trust store that is no PEM at all: the same agreement on the client side. */
START_TEST(test_validate_agrees_with_context_client)
{
    unitls_trust_store *t = unitls_trust_store_from_id("no-such-scheme:nothing", 22, NULL);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_trust_store(b, t);
    unitls_client_config *c = unitls_client_config_builder_build(b, NULL);
    ck_assert_ptr_nonnull(c);
    unitls_error verr, cerr;
    unitls_error_clear(&verr);
    unitls_error_clear(&cerr);
    unitls_status st = unitls_implementation_validate_client_config(tu_impl(), c, &verr);
    tu_assert_status(st, UNITLS_ERR_CONFIGURATION, "validate", verr.message);
    ck_assert_ptr_null(unitls_client_context_new(tu_impl(), c, &cerr));
    ck_assert_int_eq(cerr.status, verr.status);
    ck_assert_str_eq(cerr.message, verr.message);
    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);
    unitls_trust_store_unref(t);
}
END_TEST

static Suite *registry_suite(void)
{
    Suite *s = suite_create("core_registry");
    TCase *tc = tcase_create("lookup");
    tcase_add_test(tc, test_default_is_first_built);
    tcase_add_test(tc, test_find_unknown);
    tcase_add_test(tc, test_at_enumerates);
    tcase_add_test(tc, test_description_and_sources);
    suite_add_tcase(s, tc);

    tc = tcase_create("validate");
    tcase_add_test(tc, test_validate_null_arguments);
    tcase_add_test(tc, test_validate_usable);
    tcase_add_test(tc, test_validate_agrees_with_context_server);
    tcase_add_test(tc, test_validate_agrees_with_context_client);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(registry_suite());
}
