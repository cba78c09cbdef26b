/* The server-name table (src/core/sni_table.h), used alone:
 * - selection: the exact name, else a one-label wildcard, else the default set; names compare
 *   case-insensitively, with one trailing dot ignored, on both the certificate's and the
 *   client's side;
 * - names that cannot select (partial wildcards, empty, too long, holding NUL) are skipped;
 * - a set holds the first chain of each key type, in configured order;
 * - the default set is the set of chain 0's first name (chain 0 alone when it has none);
 * - sni_extension_host_name on good, truncated and malformed server_name bodies;
 * - a client's name is well-formed (1..253 bytes after one trailing dot, labels 1..63 bytes of
 *   letters, digits, '-' and '_') or malformed, never looked up; sni_table_match says why a set
 *   was chosen (exact, wildcard, no name, uncovered, malformed). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sni_table.h"

#define MAX_CHAINS 8

struct chain_names {
    enum sni_key_type type;
    const char *names[4]; /* NULL-terminated (at most 3 names) */
};

/* A table from chains, each with its names in order. */
static struct sni_table *table_of(const struct chain_names *chains, size_t n_chains)
{
    ck_assert_uint_le(n_chains, MAX_CHAINS);
    struct sni_names *l = sni_names_new();
    ck_assert_ptr_nonnull(l);
    enum sni_key_type types[MAX_CHAINS];
    for (size_t c = 0; c < n_chains; c++) {
        types[c] = chains[c].type;
        for (size_t i = 0; i < 3 && chains[c].names[i]; i++)
            ck_assert_int_eq(sni_names_add(l, (uint32_t)c, chains[c].names[i],
                                           strlen(chains[c].names[i])),
                             0);
    }
    struct sni_table *t = NULL;
    unitls_error err;
    ck_assert_int_eq(sni_table_build(l, types, n_chains, &t, &err), UNITLS_OK);
    ck_assert_ptr_nonnull(t);
    sni_names_free(l);
    return t;
}

static const struct cert_set *select_name(const struct sni_table *t, const char *name)
{
    const struct cert_set *s = sni_table_select(t, name, name ? strlen(name) : 0);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* Fails unless set holds exactly the chains listed (n of them, in that order). */
static void assert_set(const struct cert_set *s, const uint32_t *chains, size_t n,
                       const char *what)
{
    ck_assert_msg(s->n == n, "%s: %u chains in the set, expected %zu", what, s->n, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(s->chain[i] == chains[i], "%s: chain %zu of the set is %u, expected %u",
                      what, i, s->chain[i], chains[i]);
}

static void assert_selects(const struct sni_table *t, const char *name, uint32_t chain)
{
    assert_set(select_name(t, name), &chain, 1, name ? name : "(no name)");
}

/* default.test, *.example.net, www.example.net: all ECDSA, one chain per set. */
static const struct chain_names three[] = {
    {SNI_KEY_ECDSA, {"default.test", NULL}},
    {SNI_KEY_ECDSA, {"*.example.net", NULL}},
    {SNI_KEY_ECDSA, {"www.example.net", NULL}},
};

/* --- selection order --- */

START_TEST(test_exact_beats_wildcard_beats_default)
{
    struct sni_table *t = table_of(three, 3);
    ck_assert_uint_eq(sni_table_n_names(t), 3);
    assert_selects(t, "www.example.net", 2);
    assert_selects(t, "mail.example.net", 1);
    assert_selects(t, "default.test", 0);
    assert_selects(t, "unknown.test", 0);
    sni_table_free(t);
}
END_TEST

/* A wildcard covers exactly one label: not the bare parent, not two labels. */
START_TEST(test_wildcard_one_label_only)
{
    struct sni_table *t = table_of(three, 3);
    assert_selects(t, "a.b.example.net", 0);
    assert_selects(t, "example.net", 0);
    assert_selects(t, ".example.net", 0);
    assert_selects(t, "net", 0);
    assert_selects(t, "*.example.net", 0); /* '*' is malformed in a client's name */
    sni_table_free(t);
}
END_TEST

/* No name, an empty one, one too long, one holding NUL: the default set. */
START_TEST(test_unusable_client_names_get_default)
{
    struct sni_table *t = table_of(three, 3);
    assert_selects(t, NULL, 0);
    assert_selects(t, "", 0);
    assert_selects(t, ".", 0);
    char longname[SNI_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_selects(t, longname, 0);
    static const char with_nul[] = "www.example.net\0x";
    assert_set(sni_table_select(t, with_nul, sizeof with_nul - 1), (const uint32_t[]){0}, 1,
               "name holding NUL");
    /* only len bytes count: a prefix of a longer buffer selects by the prefix */
    assert_set(sni_table_select(t, "www.example.netXYZ", 15), (const uint32_t[]){2}, 1,
               "first 15 bytes");
    ck_assert_ptr_eq(sni_table_default(t), select_name(t, NULL));
    sni_table_free(t);
}
END_TEST

/* --- spelling --- */

START_TEST(test_case_insensitive)
{
    static const struct chain_names chains[] = {
        {SNI_KEY_ECDSA, {"Default.Test", NULL}},
        {SNI_KEY_ECDSA, {"*.EXAMPLE.net", NULL}},
        {SNI_KEY_ECDSA, {"WWW.Example.NET", NULL}},
    };
    struct sni_table *t = table_of(chains, 3);
    assert_selects(t, "www.example.net", 2);
    assert_selects(t, "WWW.EXAMPLE.NET", 2);
    assert_selects(t, "Mail.Example.Net", 1);
    assert_selects(t, "DEFAULT.TEST", 0);
    sni_table_free(t);
}
END_TEST

/* One trailing dot is ignored on either side; two are not. */
START_TEST(test_one_trailing_dot)
{
    static const struct chain_names chains[] = {
        {SNI_KEY_ECDSA, {"default.test", NULL}},
        {SNI_KEY_ECDSA, {"dotted.example.", NULL}},
        {SNI_KEY_ECDSA, {"www.example.net", NULL}},
        {SNI_KEY_ECDSA, {"*.example.org.", NULL}},
    };
    struct sni_table *t = table_of(chains, 4);
    assert_selects(t, "www.example.net.", 2);
    assert_selects(t, "www.example.net..", 0);
    assert_selects(t, "dotted.example", 1);
    assert_selects(t, "dotted.example.", 1);
    assert_selects(t, "a.example.org", 3);
    assert_selects(t, "a.example.org.", 3);
    sni_table_free(t);
}
END_TEST

/* Partial wildcards and names that cannot be DNS names are skipped; the chain's other names
 * still count. */
START_TEST(test_unusable_certificate_names_skipped)
{
    struct sni_names *l = sni_names_new();
    ck_assert_ptr_nonnull(l);
    static const char *const skipped[] = {"a*.example.net", "*a.example.net", "foo.*.example.net",
                                          "*.*.example.net", "*", "*.", "", ".", "ex*ample.org"};
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        ck_assert_int_eq(sni_names_add(l, 1, skipped[i], strlen(skipped[i])), 0);
    char longname[SNI_NAME_MAX + 1];
    memset(longname, 'b', sizeof longname);
    ck_assert_int_eq(sni_names_add(l, 1, longname, sizeof longname), 0);
    ck_assert_int_eq(sni_names_add(l, 1, "nul\0.example.org", 16), 0);
    ck_assert_int_eq(sni_names_add(l, 0, "default.test", 12), 0);
    ck_assert_int_eq(sni_names_add(l, 1, "good.example.net", 16), 0);
    enum sni_key_type types[2] = {SNI_KEY_ECDSA, SNI_KEY_ECDSA};
    struct sni_table *t = NULL;
    ck_assert_int_eq(sni_table_build(l, types, 2, &t, NULL), UNITLS_OK);
    sni_names_free(l);
    ck_assert_uint_eq(sni_table_n_names(t), 2);
    assert_selects(t, "good.example.net", 1);
    assert_selects(t, "xa.example.net", 0);
    assert_selects(t, "foo.x.example.net", 0);
    assert_selects(t, "nul", 0);
    sni_table_free(t);
}
END_TEST

/* A name of exactly SNI_NAME_MAX bytes is kept (and found); one more byte is not. */
START_TEST(test_longest_name)
{
    char name[SNI_NAME_MAX + 1];
    memset(name, 'c', sizeof name);
    struct sni_names *l = sni_names_new();
    ck_assert_int_eq(sni_names_add(l, 0, "default.test", 12), 0);
    ck_assert_int_eq(sni_names_add(l, 1, name, SNI_NAME_MAX), 0);
    enum sni_key_type types[2] = {SNI_KEY_ECDSA, SNI_KEY_RSA};
    struct sni_table *t = NULL;
    ck_assert_int_eq(sni_table_build(l, types, 2, &t, NULL), UNITLS_OK);
    sni_names_free(l);
    ck_assert_uint_eq(sni_table_n_names(t), 2);
    /* a client's 255-byte name is malformed (over 253 bytes, a 255-byte label): not found */
    assert_set(sni_table_select(t, name, SNI_NAME_MAX), (const uint32_t[]){0}, 1, "255 bytes");
    assert_set(sni_table_select(t, name, SNI_NAME_MAX + 1), (const uint32_t[]){0}, 1, "256 bytes");
    sni_table_free(t);
}
END_TEST

/* --- sets of chains --- */

/* Several chains for one name: the first of each key type, in configured order. */
START_TEST(test_first_chain_per_key_type_wins)
{
    static const struct chain_names chains[] = {
        {SNI_KEY_ECDSA, {"default.test", NULL}},
        {SNI_KEY_RSA, {"example.org", NULL}},
        {SNI_KEY_ECDSA, {"example.org", NULL}},
        {SNI_KEY_RSA, {"example.org", NULL}},
        {SNI_KEY_ED25519, {"EXAMPLE.ORG", NULL}},
        {SNI_KEY_ECDSA, {"example.org", NULL}},
    };
    struct sni_table *t = table_of(chains, 6);
    const struct cert_set *s = select_name(t, "example.org");
    assert_set(s, (const uint32_t[]){1, 2, 4}, 3, "example.org");
    ck_assert_uint_eq(s->types, (1u << SNI_KEY_RSA) | (1u << SNI_KEY_ECDSA) |
                                    (1u << SNI_KEY_ED25519));
    ck_assert_uint_eq(sni_table_n_names(t), 2);
    sni_table_free(t);
}
END_TEST

/* One chain naming the same name twice counts once. */
START_TEST(test_duplicate_name_in_chain)
{
    static const struct chain_names chains[] = {
        {SNI_KEY_ECDSA, {"default.test", "default.test", "Default.Test."}},
    };
    struct sni_table *t = table_of(chains, 1);
    ck_assert_uint_eq(sni_table_n_names(t), 1);
    assert_selects(t, "default.test", 0);
    sni_table_free(t);
}
END_TEST

/* The default set is what chain 0's first name selects, other key types included. */
START_TEST(test_default_set_is_chain0_first_name)
{
    static const struct chain_names chains[] = {
        {SNI_KEY_ECDSA, {"a.test", "b.test", NULL}},
        {SNI_KEY_RSA, {"b.test", NULL}},
        {SNI_KEY_RSA, {"a.test", NULL}},
        {SNI_KEY_RSA, {"c.test", NULL}},
    };
    struct sni_table *t = table_of(chains, 4);
    assert_set(sni_table_default(t), (const uint32_t[]){0, 2}, 2, "default set");
    assert_set(select_name(t, "unknown.test"), (const uint32_t[]){0, 2}, 2, "unknown name");
    assert_set(select_name(t, "b.test"), (const uint32_t[]){0, 1}, 2, "b.test");
    assert_selects(t, "c.test", 3);
    sni_table_free(t);
}
END_TEST

/* The same when chain 0's first name is a wildcard. */
START_TEST(test_default_set_from_wildcard)
{
    static const struct chain_names chains[] = {
        {SNI_KEY_ECDSA, {"*.example.net", NULL}},
        {SNI_KEY_RSA, {"*.example.net", NULL}},
        {SNI_KEY_RSA, {"example.net", NULL}},
    };
    struct sni_table *t = table_of(chains, 3);
    assert_set(sni_table_default(t), (const uint32_t[]){0, 1}, 2, "default set");
    assert_set(select_name(t, "www.example.net"), (const uint32_t[]){0, 1}, 2, "wildcard");
    assert_selects(t, "example.net", 2);
    sni_table_free(t);
}
END_TEST

/* Chain 0 without a usable name: the default set is chain 0 alone, even where another chain
 * of another type exists. */
START_TEST(test_default_set_without_names)
{
    static const struct chain_names chains[] = {
        {SNI_KEY_RSA, {"a*.bad", NULL}},
        {SNI_KEY_ECDSA, {"example.org", NULL}},
    };
    struct sni_table *t = table_of(chains, 2);
    assert_set(sni_table_default(t), (const uint32_t[]){0}, 1, "default set");
    ck_assert_uint_eq(sni_table_default(t)->types, 1u << SNI_KEY_RSA);
    assert_selects(t, "example.org", 1);
    sni_table_free(t);
}
END_TEST

/* A server whose only leaf has no usable name at all (an IP-only or email-only certificate):
 * the table holds no name, and every client name gets chain 0. */
START_TEST(test_no_names_at_all)
{
    static const struct chain_names chains[] = {{SNI_KEY_ECDSA, {NULL}}};
    struct sni_table *t = table_of(chains, 1);
    ck_assert_uint_eq(sni_table_n_names(t), 0);
    assert_set(sni_table_default(t), (const uint32_t[]){0}, 1, "default set");
    assert_selects(t, "example.org", 0);
    assert_selects(t, "a.example.org", 0);
    sni_table_free(t);
}
END_TEST

/* Names recorded for a chain index past n_chains are ignored; the build empties the list. */
START_TEST(test_names_of_unknown_chain_ignored)
{
    struct sni_names *l = sni_names_new();
    ck_assert_int_eq(sni_names_add(l, 0, "default.test", 12), 0);
    ck_assert_int_eq(sni_names_add(l, 5, "ghost.test", 10), 0);
    enum sni_key_type types[1] = {SNI_KEY_ECDSA};
    struct sni_table *t = NULL;
    ck_assert_int_eq(sni_table_build(l, types, 1, &t, NULL), UNITLS_OK);
    ck_assert_uint_eq(sni_table_n_names(t), 1);
    assert_selects(t, "ghost.test", 0);
    sni_table_free(t);
    /* the list is empty and reusable after a build */
    ck_assert_int_eq(sni_names_add(l, 0, "again.test", 10), 0);
    ck_assert_int_eq(sni_table_build(l, types, 1, &t, NULL), UNITLS_OK);
    ck_assert_uint_eq(sni_table_n_names(t), 1);
    assert_selects(t, "again.test", 0);
    sni_table_free(t);
    sni_names_free(l);
}
END_TEST

/* Many names: every one is found (binary search over the sorted arrays). */
START_TEST(test_many_names)
{
    enum { N_CHAINS = 8, NAMES_PER_CHAIN = 50 };
    struct sni_names *l = sni_names_new();
    enum sni_key_type types[N_CHAINS];
    char name[64];
    for (uint32_t c = 0; c < N_CHAINS; c++) {
        types[c] = SNI_KEY_ECDSA;
        for (int i = 0; i < NAMES_PER_CHAIN; i++) {
            int len = snprintf(name, sizeof name, "host%d.chain%u.test", i, c);
            ck_assert_int_eq(sni_names_add(l, c, name, (size_t)len), 0);
        }
    }
    struct sni_table *t = NULL;
    ck_assert_int_eq(sni_table_build(l, types, N_CHAINS, &t, NULL), UNITLS_OK);
    sni_names_free(l);
    ck_assert_uint_eq(sni_table_n_names(t), N_CHAINS * NAMES_PER_CHAIN);
    for (uint32_t c = 0; c < N_CHAINS; c++)
        for (int i = 0; i < NAMES_PER_CHAIN; i++) {
            snprintf(name, sizeof name, "HOST%d.chain%u.test", i, c);
            assert_selects(t, name, c);
        }
    sni_table_free(t);
}
END_TEST

START_TEST(test_cert_set_equal)
{
    struct cert_set a = {{1, 2}, 2, 0}, b = {{1, 2}, 2, 0}, c = {{2, 1}, 2, 0}, d = {{1}, 1, 0};
    ck_assert_int_eq(cert_set_equal(&a, &b), 1);
    ck_assert_int_eq(cert_set_equal(&a, &c), 0);
    ck_assert_int_eq(cert_set_equal(&a, &d), 0);
}
END_TEST

/* --- the server_name extension --- */

static const char *host_of(const uint8_t *ext, size_t len, size_t *name_len)
{
    /* an exact-size copy, so a read past the body is caught by the sanitizers */
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, ext, len);
    const char *name = sni_extension_host_name(copy, len, name_len);
    static char found[64];
    if (name) {
        ck_assert_uint_lt(*name_len, sizeof found);
        ck_assert_msg(name >= (const char *)copy && name + *name_len <= (const char *)copy + len,
                      "the name does not point into the body");
        memcpy(found, name, *name_len);
        found[*name_len] = '\0';
    }
    free(copy);
    return name ? found : NULL;
}

START_TEST(test_extension_good)
{
    static const uint8_t one[] = {0, 14, 0, 0, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o',
                                  'r', 'g'};
    size_t n = 0;
    const char *name = host_of(one, sizeof one, &n);
    ck_assert_ptr_nonnull(name);
    ck_assert_uint_eq(n, 11);
    ck_assert_str_eq(name, "example.org");

    /* an entry of another type first is skipped */
    static const uint8_t two[] = {0, 10, 7, 0, 2, 'z', 'z', 0, 0, 2, 'h', 'i'};
    name = host_of(two, sizeof two, &n);
    ck_assert_ptr_nonnull(name);
    ck_assert_str_eq(name, "hi");

    /* an empty host_name is reported as such (0 bytes), for the table to treat as none */
    static const uint8_t empty_name[] = {0, 3, 0, 0, 0};
    ck_assert_ptr_nonnull(host_of(empty_name, sizeof empty_name, &n));
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(test_extension_truncated)
{
    static const uint8_t full[] = {0, 14, 0, 0, 11, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o',
                                   'r', 'g'};
    size_t n = 99;
    for (size_t len = 0; len < sizeof full; len++)
        ck_assert_msg(host_of(full, len, &n) == NULL, "a body cut to %zu bytes gave a name", len);
    ck_assert_uint_eq(n, 99);
}
END_TEST

START_TEST(test_extension_malformed)
{
    size_t n = 0;
    /* the list length disagrees with the body */
    static const uint8_t long_list[] = {0, 15, 0, 0, 2, 'h', 'i'};
    static const uint8_t short_list[] = {0, 3, 0, 0, 2, 'h', 'i'};
    /* an entry runs past the list */
    static const uint8_t long_entry[] = {0, 5, 0, 0, 9, 'h', 'i'};
    /* an empty list, and a list of other types only */
    static const uint8_t empty_list[] = {0, 0};
    static const uint8_t no_host[] = {0, 5, 1, 0, 2, 'h', 'i'};
    /* an entry header cut short after a complete entry */
    static const uint8_t cut_header[] = {0, 7, 1, 0, 2, 'h', 'i', 0, 0};
    /* a huge list length */
    static const uint8_t huge[] = {0xff, 0xff, 0, 0, 2, 'h', 'i'};
    ck_assert_ptr_null(host_of(long_list, sizeof long_list, &n));
    ck_assert_ptr_null(host_of(short_list, sizeof short_list, &n));
    ck_assert_ptr_null(host_of(long_entry, sizeof long_entry, &n));
    ck_assert_ptr_null(host_of(empty_list, sizeof empty_list, &n));
    ck_assert_ptr_null(host_of(no_host, sizeof no_host, &n));
    ck_assert_ptr_null(host_of(cut_header, sizeof cut_header, &n));
    ck_assert_ptr_null(host_of(huge, sizeof huge, &n));
}
END_TEST

/* --- well-formedness of a client's name --- */

/* A name of n bytes: labels of label_len 'a's (the last one shorter) joined by dots. */
static void name_of(char *out, size_t n, size_t label_len)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (i % (label_len + 1) == label_len) ? '.' : 'a';
    out[n] = '\0';
}

static void assert_form(const char *name, size_t len, int well_formed, const char *what)
{
    ck_assert_msg(sni_name_well_formed(name, len) == well_formed, "%s: expected %s", what,
                  well_formed ? "well-formed" : "malformed");
}

START_TEST(test_well_formed_names)
{
    assert_form("example.net", 11, 1, "plain");
    assert_form("a", 1, 1, "one label");
    assert_form("xn--bcher-kva.example", 21, 1, "punycode");
    assert_form("_acme.Example-1.NET", 19, 1, "underscore, digit, hyphen, upper case");
    assert_form("example.net.", 12, 1, "one trailing dot");
    char label63[64];
    memset(label63, 'b', 63);
    label63[63] = '\0';
    assert_form(label63, 63, 1, "a 63-byte label");
    char n253[SNI_HOST_MAX + 2];
    name_of(n253, SNI_HOST_MAX, 63);
    ck_assert(n253[SNI_HOST_MAX - 1] != '.');
    assert_form(n253, SNI_HOST_MAX, 1, "253 bytes");
    n253[SNI_HOST_MAX] = '.';
    assert_form(n253, SNI_HOST_MAX + 1, 1, "253 bytes and a trailing dot");
}
END_TEST

START_TEST(test_malformed_names)
{
    assert_form(NULL, 0, 0, "no name");
    assert_form("", 0, 0, "empty");
    assert_form(".", 1, 0, "a dot alone");
    assert_form("example.net..", 13, 0, "two trailing dots");
    assert_form(".example.net", 12, 0, "leading dot");
    assert_form("a..b", 4, 0, "empty label");
    char n254[SNI_HOST_MAX + 2];
    name_of(n254, SNI_HOST_MAX + 1, 63);
    assert_form(n254, SNI_HOST_MAX + 1, 0, "254 bytes");
    char label64[65];
    memset(label64, 'b', 64);
    memcpy(label64 + 64, "", 1);
    assert_form(label64, 64, 0, "a 64-byte label");
    assert_form("www.example.net\0x", 17, 0, "NUL");
    assert_form("www.exa\tmple.net", 16, 0, "control byte");
    assert_form("www.exa\x7fmple.net", 16, 0, "DEL");
    assert_form("www.b\xc3\xbc" "cher.net", 15, 0, "non-ASCII (UTF-8)");
    assert_form("www example.net", 15, 0, "space");
    assert_form("*.example.net", 13, 0, "wildcard");
}
END_TEST

static void assert_match(const struct sni_table *t, const char *name, size_t len,
                         enum sni_match want, uint32_t chain)
{
    enum sni_match got = (enum sni_match)-1;
    const struct cert_set *s = sni_table_match(t, name, len, &got);
    ck_assert_msg(got == want, "%s: match %d, expected %d", name ? name : "(no name)", (int)got,
                  (int)want);
    assert_set(s, &chain, 1, name ? name : "(no name)");
}

/* Each reason, and a malformed name that would otherwise match a chain is still not looked up. */
START_TEST(test_match_reasons)
{
    struct sni_table *t = table_of(three, 3);
    assert_match(t, "www.example.net", 15, SNI_MATCH_EXACT, 2);
    assert_match(t, "WWW.example.net.", 16, SNI_MATCH_EXACT, 2);
    assert_match(t, "mail.example.net", 16, SNI_MATCH_WILDCARD, 1);
    assert_match(t, NULL, 0, SNI_MATCH_NO_NAME, 0);
    assert_match(t, "unknown.test", 12, SNI_MATCH_UNCOVERED, 0);
    assert_match(t, "", 0, SNI_MATCH_MALFORMED, 0);
    assert_match(t, "www.example.net\0", 16, SNI_MATCH_MALFORMED, 0);
    assert_match(t, "www.example.net\x01", 16, SNI_MATCH_MALFORMED, 0);
    assert_match(t, "m\xc3\xa4il.example.net", 17, SNI_MATCH_MALFORMED, 0);
    assert_match(t, "www.example.net..", 17, SNI_MATCH_MALFORMED, 0);
    ck_assert_ptr_eq(sni_table_select(t, "mail.example.net", 16),
                     sni_table_match(t, "mail.example.net", 16, NULL));
    sni_table_free(t);
}
END_TEST

/* A certificate name of exactly 253 bytes is found by the client's name of 253 bytes. */
START_TEST(test_253_byte_name_found)
{
    char name[SNI_HOST_MAX + 1];
    name_of(name, SNI_HOST_MAX, 63);
    struct sni_names *l = sni_names_new();
    ck_assert_int_eq(sni_names_add(l, 0, "default.test", 12), 0);
    ck_assert_int_eq(sni_names_add(l, 1, name, SNI_HOST_MAX), 0);
    enum sni_key_type types[2] = {SNI_KEY_ECDSA, SNI_KEY_RSA};
    struct sni_table *t = NULL;
    ck_assert_int_eq(sni_table_build(l, types, 2, &t, NULL), UNITLS_OK);
    sni_names_free(l);
    assert_match(t, name, SNI_HOST_MAX, SNI_MATCH_EXACT, 1);
    sni_table_free(t);
}
END_TEST

static Suite *sni_table_suite(void)
{
    Suite *s = suite_create("core_sni_table");
    TCase *tc = tcase_create("selection");
    tcase_add_test(tc, test_exact_beats_wildcard_beats_default);
    tcase_add_test(tc, test_wildcard_one_label_only);
    tcase_add_test(tc, test_unusable_client_names_get_default);
    tcase_add_test(tc, test_many_names);
    suite_add_tcase(s, tc);

    tc = tcase_create("spelling");
    tcase_add_test(tc, test_case_insensitive);
    tcase_add_test(tc, test_one_trailing_dot);
    tcase_add_test(tc, test_unusable_certificate_names_skipped);
    tcase_add_test(tc, test_longest_name);
    suite_add_tcase(s, tc);

    tc = tcase_create("sets");
    tcase_add_test(tc, test_first_chain_per_key_type_wins);
    tcase_add_test(tc, test_duplicate_name_in_chain);
    tcase_add_test(tc, test_default_set_is_chain0_first_name);
    tcase_add_test(tc, test_default_set_from_wildcard);
    tcase_add_test(tc, test_default_set_without_names);
    tcase_add_test(tc, test_no_names_at_all);
    tcase_add_test(tc, test_names_of_unknown_chain_ignored);
    tcase_add_test(tc, test_cert_set_equal);
    suite_add_tcase(s, tc);

    tc = tcase_create("extension");
    tcase_add_test(tc, test_extension_good);
    tcase_add_test(tc, test_extension_truncated);
    tcase_add_test(tc, test_extension_malformed);
    suite_add_tcase(s, tc);

    tc = tcase_create("well-formed");
    tcase_add_test(tc, test_well_formed_names);
    tcase_add_test(tc, test_malformed_names);
    tcase_add_test(tc, test_match_reasons);
    tcase_add_test(tc, test_253_byte_name_found);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sni_table_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
