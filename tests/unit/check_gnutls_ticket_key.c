/* ticket_key (src/gnutls/ticket_key.c): GnuTLS's master ticket key is exactly what
 * docs/unitlsd.yaml.5 says: HKDF-SHA256 of the first key's 80 bytes, no salt, the info
 * "unitls gnutls session ticket key", 64 bytes. The expected value was computed apart, with
 *   openssl kdf -keylen 64 -kdfopt digest:SHA256 -kdfopt hexkey:HEX80 \
 *       -kdfopt "info:unitls gnutls session ticket key" HKDF
 * (and Python's hmac module), so an operator can check it the same way. Later keys do not
 * change it; another first key does. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/unitls.h>

#include "gnutls/ticket_key.h"

/* The 80 bytes (i * 3 + 1) mod 256, i = 0..79, in base64; and another key. */
#define KEY_A "AQQHCg0QExYZHB8iJSgrLjE0Nzo9QENGSUxPUlVYW15hZGdqbXBzdnl8f4KFiIuOkZSXmp2go6aprK+y" \
              "tbi7vsHEx8rN0NPW2dzf4uXo6+4="
#define KEY_B "AgcMERYbICUqLzQ5PkNITVJXXGFma3B1en+EiY6TmJ2ip6yxtrvAxcrP1Nne4+jt8vf8AQYLEBUaHyQp" \
              "LjM4PUJHTFFWW2Blam90eX6DiI0="

static const char expected_a[] =
    "d86a52a1af5d855627ea7aed26946b88d4ff095be6ce386a4f56b1acbb06ab8d"
    "560663170f90d25ae8aaa0d57d558a33745e6756c1896563a2b8c8b8b0b3dfce";

/* The derived key of text, in hex (129 bytes). */
static void derive_hex(const char *text, char out[129])
{
    unitls_error err;
    unitls_ticket_keys *k = unitls_ticket_keys_from_buffer(text, strlen(text), &err);
    ck_assert_msg(k != NULL, "%s", err.message);
    gnutls_datum_t key = {NULL, 0};
    ck_assert_int_eq(gtls_ticket_key_derive(k, &key, &err), UNITLS_OK);
    ck_assert_uint_eq(key.size, 64);
    for (unsigned i = 0; i < key.size; i++)
        snprintf(out + 2 * i, 3, "%02x", key.data[i]);
    gnutls_memset(key.data, 0, key.size);
    gnutls_free(key.data);
    unitls_ticket_keys_unref(k);
}

START_TEST(test_known_answer)
{
    char hex[129];
    derive_hex(KEY_A "\n", hex);
    ck_assert_str_eq(hex, expected_a);
}
END_TEST

START_TEST(test_first_key_only)
{
    char hex[129];
    derive_hex("# rotated\n" KEY_A "\n" KEY_B "\n", hex);
    ck_assert_str_eq(hex, expected_a);
    derive_hex(KEY_B "\n" KEY_A "\n", hex);
    ck_assert_str_ne(hex, expected_a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gnutls_ticket_key");
    TCase *tc = tcase_create("derive");
    tcase_add_test(tc, test_known_answer);
    tcase_add_test(tc, test_first_key_only);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
