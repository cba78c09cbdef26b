/* Certificates, private keys, trust stores and signing chains (credentials.h) as the core sees
 * them: where material comes from (buffer, file, id, system), copies taken at construction,
 * SHA-256 digests of what is held, equality by source and content, reference counts, and
 * signing chains that hold their own references and compare and hash by content. Files are
 * only read when a configuration is built (check_core_config_files covers snapshots and
 * replaced files); here, the reading itself: files of every size around the first buffer and
 * its growth, a file whose size fstat cannot tell (procfs), and what an unreadable key file
 * says: the kind, the path and the OS's words for the reason in the message, and no errno in
 * impl_code (that field is for TLS implementations' codes). */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unitls/unitls.h>

#include "testutil.h"

/* --- SHA-256 known answers (FIPS 180-2 vectors and boundary lengths from sha256sum) --- */

static const struct {
    const char *text; /* NULL: n_a bytes of 'a' */
    size_t n_a;
    const char *hex;
} sha256_vectors[] = {
    {"abc", 0, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {NULL, 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
    {NULL, 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
    {NULL, 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
    {NULL, 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
    {NULL, 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
    {NULL, 4096, "c93eee2d0db02f10acc7460d9576e122dcf8cd53c4bf8dfcae1b3e74ebcfff5a"},
    {NULL, 5000, "c526c6222044dab5674de9c4ac7f4566ebb5e4d8bf9d8ea34c9cc8a7cc3c869c"},
    {NULL, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};
#define N_SHA256 ((int)(sizeof sha256_vectors / sizeof sha256_vectors[0]))

static void to_hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static unitls_certificate *cert_buf(const char *text)
{
    unitls_error err;
    unitls_certificate *c = unitls_certificate_from_buffer(text, strlen(text), &err);
    ck_assert_msg(c != NULL, "certificate from buffer: %s", err.message);
    return c;
}

static unitls_private_key *key_buf(const char *text)
{
    unitls_error err;
    unitls_private_key *k = unitls_private_key_from_buffer(text, strlen(text), &err);
    ck_assert_msg(k != NULL, "private key from buffer: %s", err.message);
    return k;
}

/* One run per vector: a certificate from a buffer carries the SHA-256 of its content. */
START_TEST(test_digest_known_answers)
{
    size_t len = sha256_vectors[_i].text ? strlen(sha256_vectors[_i].text)
                                         : sha256_vectors[_i].n_a;
    char *data = malloc(len);
    ck_assert_ptr_nonnull(data);
    if (sha256_vectors[_i].text)
        memcpy(data, sha256_vectors[_i].text, len);
    else
        memset(data, 'a', len);
    unitls_error err;
    unitls_certificate *c = unitls_certificate_from_buffer(data, len, &err);
    free(data);
    ck_assert_msg(c != NULL, "%s", err.message);
    uint8_t digest[UNITLS_DIGEST_SIZE];
    ck_assert_int_eq(unitls_certificate_digest(c, digest), 1);
    char hex[2 * UNITLS_DIGEST_SIZE + 1];
    to_hex(digest, sizeof digest, hex);
    ck_assert_str_eq(hex, sha256_vectors[_i].hex);
    unitls_certificate_unref(c);
}
END_TEST

/* --- construction --- */

/* The buffer is copied: changing the caller's bytes afterwards changes nothing. */
START_TEST(test_certificate_from_buffer)
{
    char data[] = "-----BEGIN CERTIFICATE-----abc";
    unitls_certificate *c = cert_buf(data);
    memset(data, 'z', sizeof data - 1);
    ck_assert_int_eq(unitls_certificate_source(c), UNITLS_SOURCE_BUFFER);
    ck_assert_ptr_null(unitls_certificate_path(c));
    size_t len = 99;
    ck_assert_ptr_null(unitls_certificate_id(c, &len));
    ck_assert_uint_eq(len, 0);
    const uint8_t *content = unitls_certificate_content(c, &len);
    ck_assert_uint_eq(len, strlen("-----BEGIN CERTIFICATE-----abc"));
    ck_assert_mem_eq(content, "-----BEGIN CERTIFICATE-----abc", len);
    unitls_certificate_unref(c);
}
END_TEST

/* Empty or NULL buffers, paths and ids are configuration errors naming the kind of object. */
static void expect_refused(void *obj, const char *kind, const char *how, unitls_error *err)
{
    ck_assert_msg(obj == NULL, "%s from %s was created", kind, how);
    tu_assert_status(err->status, UNITLS_ERR_CONFIGURATION, kind, err->message);
    ck_assert_msg(strstr(err->message, kind) != NULL, "message: %s", err->message);
    unitls_error_clear(err);
}

START_TEST(test_empty_material_refused)
{
    unitls_error e;
    unitls_error_clear(&e);
    expect_refused(unitls_certificate_from_buffer(NULL, 0, &e), "certificate", "NULL", &e);
    expect_refused(unitls_certificate_from_buffer("x", 0, &e), "certificate", "0 bytes", &e);
    expect_refused(unitls_certificate_from_buffer(NULL, 5, &e), "certificate", "NULL+5", &e);
    expect_refused(unitls_certificate_from_file("", &e), "certificate", "\"\"", &e);
    expect_refused(unitls_certificate_from_file(NULL, &e), "certificate", "NULL path", &e);
    expect_refused(unitls_certificate_from_id("x", 0, &e), "certificate", "empty id", &e);
    expect_refused(unitls_certificate_from_id(NULL, 3, &e), "certificate", "NULL id", &e);

    expect_refused(unitls_private_key_from_buffer("x", 0, &e), "private key", "0 bytes", &e);
    expect_refused(unitls_private_key_from_buffer(NULL, 5, &e), "private key", "NULL", &e);
    expect_refused(unitls_private_key_from_file("", &e), "private key", "\"\"", &e);
    expect_refused(unitls_private_key_from_file(NULL, &e), "private key", "NULL path", &e);
    expect_refused(unitls_private_key_from_id("x", 0, &e), "private key", "empty id", &e);

    expect_refused(unitls_trust_store_from_buffer("x", 0, &e), "trust store", "0 bytes", &e);
    expect_refused(unitls_trust_store_from_buffer(NULL, 5, &e), "trust store", "NULL", &e);
    expect_refused(unitls_trust_store_from_file("", &e), "trust store", "\"\"", &e);
    expect_refused(unitls_trust_store_from_file(NULL, &e), "trust store", "NULL path", &e);
    expect_refused(unitls_trust_store_from_id("x", 0, &e), "trust store", "empty id", &e);

    /* one byte is not empty */
    unitls_certificate *c = unitls_certificate_from_buffer("x", 1, NULL);
    ck_assert_ptr_nonnull(c);
    unitls_certificate_unref(c);
}
END_TEST

/* A file object keeps a copy of the path and reads nothing yet: a path that does not exist is
 * accepted here (the error comes at build), and no content or digest is held. */
START_TEST(test_from_file_defers_reading)
{
    char path[] = "/nonexistent/unitls/cert.pem";
    unitls_certificate *c = unitls_certificate_from_file(path, NULL);
    unitls_private_key *k = unitls_private_key_from_file(path, NULL);
    unitls_trust_store *t = unitls_trust_store_from_file(path, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(k);
    ck_assert_ptr_nonnull(t);
    path[1] = 'X';
    ck_assert_int_eq(unitls_certificate_source(c), UNITLS_SOURCE_FILE);
    ck_assert_int_eq(unitls_private_key_source(k), UNITLS_SOURCE_FILE);
    ck_assert_int_eq(unitls_trust_store_source(t), UNITLS_SOURCE_FILE);
    ck_assert_str_eq(unitls_certificate_path(c), "/nonexistent/unitls/cert.pem");
    ck_assert_str_eq(unitls_private_key_path(k), "/nonexistent/unitls/cert.pem");
    ck_assert_str_eq(unitls_trust_store_path(t), "/nonexistent/unitls/cert.pem");
    size_t len = 99;
    ck_assert_ptr_null(unitls_certificate_content(c, &len));
    ck_assert_uint_eq(len, 0);
    len = 99;
    ck_assert_ptr_null(unitls_trust_store_content(t, &len));
    ck_assert_uint_eq(len, 0);
    uint8_t digest[UNITLS_DIGEST_SIZE];
    ck_assert_int_eq(unitls_certificate_digest(c, digest), 0);
    ck_assert_ptr_null(unitls_certificate_id(c, &len));
    unitls_certificate_unref(c);
    unitls_private_key_unref(k);
    unitls_trust_store_unref(t);
}
END_TEST

/* An id is copied byte for byte (NULs included); it holds no content. */
START_TEST(test_from_id)
{
    uint8_t id[] = {'p', 'k', 'c', 's', '1', '1', ':', 0, 0xff};
    unitls_certificate *c = unitls_certificate_from_id(id, sizeof id, NULL);
    unitls_private_key *k = unitls_private_key_from_id(id, sizeof id, NULL);
    unitls_trust_store *t = unitls_trust_store_from_id(id, sizeof id, NULL);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_nonnull(k);
    ck_assert_ptr_nonnull(t);
    uint8_t copy[sizeof id];
    memcpy(copy, id, sizeof id);
    memset(id, 0, sizeof id);
    ck_assert_int_eq(unitls_certificate_source(c), UNITLS_SOURCE_ID);
    ck_assert_int_eq(unitls_private_key_source(k), UNITLS_SOURCE_ID);
    ck_assert_int_eq(unitls_trust_store_source(t), UNITLS_SOURCE_ID);
    size_t len = 0;
    const uint8_t *got = unitls_certificate_id(c, &len);
    ck_assert_uint_eq(len, sizeof copy);
    ck_assert_mem_eq(got, copy, len);
    got = unitls_private_key_id(k, &len);
    ck_assert_uint_eq(len, sizeof copy);
    ck_assert_mem_eq(got, copy, len);
    got = unitls_trust_store_id(t, &len);
    ck_assert_uint_eq(len, sizeof copy);
    ck_assert_mem_eq(got, copy, len);
    ck_assert_ptr_null(unitls_certificate_path(c));
    ck_assert_ptr_null(unitls_certificate_content(c, &len));
    ck_assert_uint_eq(len, 0);
    uint8_t digest[UNITLS_DIGEST_SIZE];
    ck_assert_int_eq(unitls_certificate_digest(c, digest), 0);
    unitls_certificate_unref(c);
    unitls_private_key_unref(k);
    unitls_trust_store_unref(t);
}
END_TEST

START_TEST(test_private_key_from_buffer)
{
    unitls_private_key *k = key_buf("-----BEGIN PRIVATE KEY-----");
    ck_assert_int_eq(unitls_private_key_source(k), UNITLS_SOURCE_BUFFER);
    ck_assert_ptr_null(unitls_private_key_path(k));
    size_t len = 5;
    ck_assert_ptr_null(unitls_private_key_id(k, &len));
    ck_assert_uint_eq(len, 0);
    unitls_private_key_unref(k);
}
END_TEST

/* The system store: its own source, no path or content; any two compare equal. */
START_TEST(test_trust_store_system)
{
    unitls_trust_store *a = unitls_trust_store_system();
    unitls_trust_store *b = unitls_trust_store_system();
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(unitls_trust_store_source(a), UNITLS_SOURCE_SYSTEM);
    ck_assert_ptr_null(unitls_trust_store_path(a));
    size_t len = 7;
    ck_assert_ptr_null(unitls_trust_store_content(a, &len));
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(unitls_trust_store_equal(a, b), 1);
    unitls_trust_store *buf = unitls_trust_store_from_buffer("ca", 2, NULL);
    ck_assert_int_eq(unitls_trust_store_equal(a, buf), 0);
    const uint8_t *content = unitls_trust_store_content(buf, &len);
    ck_assert_uint_eq(len, 2);
    ck_assert_mem_eq(content, "ca", 2);
    unitls_trust_store_unref(buf);
    unitls_trust_store_unref(a);
    unitls_trust_store_unref(b);
}
END_TEST

/* --- equality --- */

/* Same source kind, same path or id, same content: equal; any difference: unequal. */
START_TEST(test_certificate_equality)
{
    unitls_certificate *abc1 = cert_buf("abc"), *abc2 = cert_buf("abc");
    unitls_certificate *abd = cert_buf("abd"), *abcd = cert_buf("abcd");
    unitls_certificate *f1 = unitls_certificate_from_file("/a/cert.pem", NULL);
    unitls_certificate *f2 = unitls_certificate_from_file("/a/cert.pem", NULL);
    unitls_certificate *f3 = unitls_certificate_from_file("/a/cert2.pem", NULL);
    unitls_certificate *id1 = unitls_certificate_from_id("abc", 3, NULL);
    unitls_certificate *id2 = unitls_certificate_from_id("abc", 3, NULL);
    unitls_certificate *id3 = unitls_certificate_from_id("abc\0", 4, NULL);

    ck_assert_int_eq(unitls_certificate_equal(abc1, abc1), 1);
    ck_assert_int_eq(unitls_certificate_equal(abc1, abc2), 1);
    ck_assert_int_eq(unitls_certificate_equal(abc1, abd), 0);
    ck_assert_int_eq(unitls_certificate_equal(abc1, abcd), 0);
    ck_assert_int_eq(unitls_certificate_equal(f1, f2), 1);
    ck_assert_int_eq(unitls_certificate_equal(f1, f3), 0);
    ck_assert_int_eq(unitls_certificate_equal(id1, id2), 1);
    ck_assert_int_eq(unitls_certificate_equal(id1, id3), 0);
    /* the same bytes from different sources are different certificates */
    ck_assert_int_eq(unitls_certificate_equal(abc1, id1), 0);
    ck_assert_int_eq(unitls_certificate_equal(id1, abc1), 0);
    ck_assert_int_eq(unitls_certificate_equal(abc1, f1), 0);
    ck_assert_int_eq(unitls_certificate_equal(NULL, NULL), 1);
    ck_assert_int_eq(unitls_certificate_equal(abc1, NULL), 0);
    ck_assert_int_eq(unitls_certificate_equal(NULL, f1), 0);

    unitls_certificate *all[] = {abc1, abc2, abd, abcd, f1, f2, f3, id1, id2, id3};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        unitls_certificate_unref(all[i]);
}
END_TEST

START_TEST(test_private_key_equality)
{
    unitls_private_key *a1 = key_buf("key-a"), *a2 = key_buf("key-a"), *b = key_buf("key-b");
    unitls_private_key *f1 = unitls_private_key_from_file("/k/a.key", NULL);
    unitls_private_key *f2 = unitls_private_key_from_file("/k/b.key", NULL);
    unitls_private_key *i1 = unitls_private_key_from_id("pkcs11:a", 8, NULL);
    unitls_private_key *i2 = unitls_private_key_from_id("pkcs11:b", 8, NULL);
    ck_assert_int_eq(unitls_private_key_equal(a1, a2), 1);
    ck_assert_int_eq(unitls_private_key_equal(a1, b), 0);
    ck_assert_int_eq(unitls_private_key_equal(f1, f1), 1);
    ck_assert_int_eq(unitls_private_key_equal(f1, f2), 0);
    ck_assert_int_eq(unitls_private_key_equal(i1, i2), 0);
    ck_assert_int_eq(unitls_private_key_equal(a1, i1), 0);
    ck_assert_int_eq(unitls_private_key_equal(NULL, NULL), 1);
    ck_assert_int_eq(unitls_private_key_equal(NULL, a1), 0);
    unitls_private_key *all[] = {a1, a2, b, f1, f2, i1, i2};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        unitls_private_key_unref(all[i]);
}
END_TEST

START_TEST(test_trust_store_equality)
{
    unitls_trust_store *a1 = unitls_trust_store_from_buffer("ca-a", 4, NULL);
    unitls_trust_store *a2 = unitls_trust_store_from_buffer("ca-a", 4, NULL);
    unitls_trust_store *b = unitls_trust_store_from_buffer("ca-b", 4, NULL);
    unitls_trust_store *f = unitls_trust_store_from_file("/ca-a", NULL);
    unitls_trust_store *i = unitls_trust_store_from_id("ca-a", 4, NULL);
    ck_assert_int_eq(unitls_trust_store_equal(a1, a2), 1);
    ck_assert_int_eq(unitls_trust_store_equal(a1, b), 0);
    ck_assert_int_eq(unitls_trust_store_equal(a1, f), 0);
    ck_assert_int_eq(unitls_trust_store_equal(a1, i), 0);
    ck_assert_int_eq(unitls_trust_store_equal(f, i), 0);
    ck_assert_int_eq(unitls_trust_store_equal(NULL, NULL), 1);
    ck_assert_int_eq(unitls_trust_store_equal(a1, NULL), 0);
    unitls_trust_store *all[] = {a1, a2, b, f, i};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        unitls_trust_store_unref(all[k]);
}
END_TEST

/* --- reference counts (single thread; check_core_refcount hammers them from threads) --- */

START_TEST(test_credential_refs)
{
    unitls_certificate *c = cert_buf("cert");
    unitls_private_key *k = key_buf("key");
    unitls_trust_store *t = unitls_trust_store_system();
    for (int i = 0; i < 3; i++) {
        ck_assert_ptr_eq(unitls_certificate_ref(c), c);
        ck_assert_ptr_eq(unitls_private_key_ref(k), k);
        ck_assert_ptr_eq(unitls_trust_store_ref(t), t);
    }
    for (int i = 0; i < 3; i++) {
        unitls_certificate_unref(c);
        unitls_private_key_unref(k);
        unitls_trust_store_unref(t);
    }
    /* still alive with the first reference: the sanitizer build catches a premature free */
    size_t len = 0;
    ck_assert_mem_eq(unitls_certificate_content(c, &len), "cert", 4);
    ck_assert_int_eq(unitls_private_key_source(k), UNITLS_SOURCE_BUFFER);
    ck_assert_int_eq(unitls_trust_store_source(t), UNITLS_SOURCE_SYSTEM);
    ck_assert_ptr_null(unitls_certificate_ref(NULL));
    ck_assert_ptr_null(unitls_private_key_ref(NULL));
    ck_assert_ptr_null(unitls_trust_store_ref(NULL));
    unitls_certificate_unref(NULL);
    unitls_private_key_unref(NULL);
    unitls_trust_store_unref(NULL);
    unitls_certificate_unref(c);
    unitls_private_key_unref(k);
    unitls_trust_store_unref(t);
}
END_TEST

/* --- signing chains --- */

static unitls_signing_chain *chain_new(const char *leaf, const char *key,
                                       const char *const *inter, size_t n_inter)
{
    unitls_certificate *l = cert_buf(leaf);
    unitls_private_key *k = key ? key_buf(key) : NULL;
    unitls_certificate *certs[8];
    ck_assert_uint_le(n_inter, 8);
    for (size_t i = 0; i < n_inter; i++)
        certs[i] = cert_buf(inter[i]);
    unitls_error err;
    unitls_signing_chain *s = unitls_signing_chain_new(l, k, certs, n_inter, &err);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    unitls_certificate_unref(l);
    unitls_private_key_unref(k);
    for (size_t i = 0; i < n_inter; i++)
        unitls_certificate_unref(certs[i]);
    return s;
}

/* The chain holds its own references: the caller's are all dropped before it is read. */
START_TEST(test_chain_accessors_and_ownership)
{
    const char *inter[] = {"intermediate-1", "intermediate-2"};
    unitls_signing_chain *s = chain_new("leaf", "key", inter, 2);
    ck_assert_uint_eq(unitls_signing_chain_length(s), 2);
    size_t len = 0;
    const uint8_t *p = unitls_certificate_content(unitls_signing_chain_leaf(s), &len);
    ck_assert_uint_eq(len, 4);
    ck_assert_mem_eq(p, "leaf", 4);
    unitls_private_key *expect_key = key_buf("key");
    ck_assert_int_eq(unitls_private_key_equal(unitls_signing_chain_key(s), expect_key), 1);
    unitls_private_key_unref(expect_key);
    for (size_t i = 0; i < 2; i++) {
        p = unitls_certificate_content(unitls_signing_chain_intermediate(s, i), &len);
        ck_assert_uint_eq(len, strlen(inter[i]));
        ck_assert_mem_eq(p, inter[i], len);
    }
    ck_assert_ptr_null(unitls_signing_chain_intermediate(s, 2));
    ck_assert_ptr_null(unitls_signing_chain_intermediate(s, (size_t)-1));
    ck_assert_ptr_eq(unitls_signing_chain_ref(s), s);
    unitls_signing_chain_unref(s);
    ck_assert_uint_eq(unitls_signing_chain_length(s), 2); /* still alive */
    unitls_signing_chain_unref(s);

    unitls_signing_chain *nokey = chain_new("leaf", NULL, NULL, 0);
    ck_assert_ptr_null(unitls_signing_chain_key(nokey));
    ck_assert_uint_eq(unitls_signing_chain_length(nokey), 0);
    ck_assert_ptr_null(unitls_signing_chain_intermediate(nokey, 0));
    unitls_signing_chain_unref(nokey);

    ck_assert_ptr_null(unitls_signing_chain_leaf(NULL));
    ck_assert_ptr_null(unitls_signing_chain_key(NULL));
    ck_assert_uint_eq(unitls_signing_chain_length(NULL), 0);
    ck_assert_ptr_null(unitls_signing_chain_ref(NULL));
    unitls_signing_chain_unref(NULL);
}
END_TEST

START_TEST(test_chain_invalid_arguments)
{
    unitls_certificate *leaf = cert_buf("leaf");
    unitls_certificate *inter[2] = {cert_buf("i1"), NULL};
    unitls_error err;

    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_signing_chain_new(NULL, NULL, NULL, 0, &err));
    tu_assert_status(err.status, UNITLS_ERR_INVALID, "NULL leaf", err.message);
    ck_assert_msg(strstr(err.message, "leaf") != NULL, "message: %s", err.message);

    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_signing_chain_new(leaf, NULL, NULL, 1, &err));
    tu_assert_status(err.status, UNITLS_ERR_INVALID, "NULL intermediates", err.message);
    ck_assert_msg(err.message[0] != '\0', "no message");

    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_signing_chain_new(leaf, NULL, inter, 2, &err));
    tu_assert_status(err.status, UNITLS_ERR_INVALID, "NULL intermediate", err.message);
    ck_assert_msg(strstr(err.message, "1") != NULL, "message does not name index 1: %s",
                  err.message);

    unitls_signing_chain *ok = unitls_signing_chain_new(leaf, NULL, inter, 1, &err);
    ck_assert_ptr_nonnull(ok);
    unitls_signing_chain_unref(ok);
    unitls_certificate_unref(inter[0]);
    unitls_certificate_unref(leaf);
}
END_TEST

/* Equal content: equal and the same hash. Each single change: unequal, another hash. */
START_TEST(test_chain_equal_and_hash)
{
    const char *i12[] = {"i1", "i2"}, *i21[] = {"i2", "i1"}, *i13[] = {"i1", "i3"};
    const char *i123[] = {"i1", "i2", "i3"};
    unitls_signing_chain *base = chain_new("leaf", "key", i12, 2);
    unitls_signing_chain *same = chain_new("leaf", "key", i12, 2);
    ck_assert_int_eq(unitls_signing_chain_equal(base, same), 1);
    ck_assert_int_eq(unitls_signing_chain_equal(same, base), 1);
    ck_assert_uint_eq(unitls_signing_chain_hash(base), unitls_signing_chain_hash(same));
    ck_assert_uint_ne(unitls_signing_chain_hash(base), 0);

    unitls_signing_chain *variants[] = {
        chain_new("leaf2", "key", i12, 2), /* another leaf */
        chain_new("leaf", "key2", i12, 2), /* another key */
        chain_new("leaf", NULL, i12, 2),   /* no separate key */
        chain_new("leaf", "key", i21, 2),  /* intermediates swapped */
        chain_new("leaf", "key", i13, 2),  /* another intermediate */
        chain_new("leaf", "key", i123, 3), /* one more */
        chain_new("leaf", "key", i12, 1),  /* one fewer */
        chain_new("leaf", "key", NULL, 0), /* none */
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        ck_assert_msg(!unitls_signing_chain_equal(base, variants[i]), "variant %zu equal", i);
        ck_assert_msg(!unitls_signing_chain_equal(variants[i], base), "variant %zu equal", i);
        ck_assert_msg(unitls_signing_chain_hash(base) != unitls_signing_chain_hash(variants[i]),
                      "variant %zu has the same hash", i);
        unitls_signing_chain_unref(variants[i]);
    }
    ck_assert_int_eq(unitls_signing_chain_equal(NULL, NULL), 1);
    ck_assert_int_eq(unitls_signing_chain_equal(base, NULL), 0);
    ck_assert_int_eq(unitls_signing_chain_equal(NULL, base), 0);
    ck_assert_uint_eq(unitls_signing_chain_hash(NULL), 0);
    unitls_signing_chain_unref(base);
    unitls_signing_chain_unref(same);
}
END_TEST

/* File and id sources compare by path and id before any file is read. */
START_TEST(test_chain_equal_by_path_and_id)
{
    unitls_certificate *f1 = unitls_certificate_from_file("/x/leaf.pem", NULL);
    unitls_certificate *f2 = unitls_certificate_from_file("/x/leaf.pem", NULL);
    unitls_certificate *f3 = unitls_certificate_from_file("/y/leaf.pem", NULL);
    unitls_private_key *k1 = unitls_private_key_from_id("pkcs11:k", 8, NULL);
    unitls_private_key *k2 = unitls_private_key_from_id("pkcs11:k", 8, NULL);
    unitls_signing_chain *a = unitls_signing_chain_new(f1, k1, NULL, 0, NULL);
    unitls_signing_chain *b = unitls_signing_chain_new(f2, k2, NULL, 0, NULL);
    unitls_signing_chain *c = unitls_signing_chain_new(f3, k1, NULL, 0, NULL);
    ck_assert_int_eq(unitls_signing_chain_equal(a, b), 1);
    ck_assert_uint_eq(unitls_signing_chain_hash(a), unitls_signing_chain_hash(b));
    ck_assert_int_eq(unitls_signing_chain_equal(a, c), 0);
    ck_assert_uint_ne(unitls_signing_chain_hash(a), unitls_signing_chain_hash(c));
    unitls_signing_chain_unref(a);
    unitls_signing_chain_unref(b);
    unitls_signing_chain_unref(c);
    unitls_certificate_unref(f1);
    unitls_certificate_unref(f2);
    unitls_certificate_unref(f3);
    unitls_private_key_unref(k1);
    unitls_private_key_unref(k2);
}
END_TEST

/* --- reading files --- */

static char files_dir[PATH_MAX - 64];

/* Unchecked fixture (in the parent, around the test case): the directory. */
static void files_dir_create(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(files_dir, sizeof files_dir, "%s/unitls-core-credentials-XXXXXX",
             base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(files_dir) != NULL, "mkdtemp %s failed", files_dir);
}

static const char *const file_names[] = {"material", "leaf.pem", "empty.pem", "fifo.pem",
                                         "subdir", "unreadable.pem"};

static void file_path(char out[PATH_MAX], const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s", files_dir, name);
}

static void files_dir_remove(void)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof file_names / sizeof file_names[0]; i++) {
        file_path(path, file_names[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(files_dir);
}

static void file_write(const char *name, const uint8_t *data, size_t len)
{
    char path[PATH_MAX];
    file_path(path, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
}

/* A client configuration whose chain is leaf.pem with the key at key_path, and whose trust
 * store is at store_path: building it reads all three files. NULL with err filled when the
 * build fails. */
static unitls_client_config *build_on_files(const char *key_path, const char *store_path,
                                            unitls_error *err)
{
    char leaf_path[PATH_MAX];
    file_path(leaf_path, "leaf.pem");
    unitls_certificate *leaf = unitls_certificate_from_file(leaf_path, NULL);
    unitls_private_key *key = unitls_private_key_from_file(key_path, NULL);
    unitls_trust_store *store = unitls_trust_store_from_file(store_path, NULL);
    unitls_signing_chain *chain = unitls_signing_chain_new(leaf, key, NULL, 0, NULL);
    ck_assert(leaf && key && store && chain);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_certificate_chain(b, chain);
    unitls_client_config_builder_set_trust_store(b, store);
    unitls_error_clear(err);
    unitls_client_config *c = unitls_client_config_builder_build(b, err);
    unitls_client_config_builder_free(b);
    unitls_signing_chain_unref(chain);
    unitls_trust_store_unref(store);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
    return c;
}

/* Sizes around the reader's first buffer (the file's size plus one byte, or 1024 bytes when
 * the size is unknown) and a large one. */
static const size_t file_sizes[] = {1, 1023, 1024, 1025, 4095, 4096, 4097, 65536, 1000003};
#define N_FILE_SIZES ((int)(sizeof file_sizes / sizeof file_sizes[0]))

/* One run per size: the key file and the trust store file (the same file) read whole, the
 * snapshot holding exactly the file's bytes. */
START_TEST(test_file_read_sizes)
{
    size_t len = file_sizes[_i];
    uint8_t *data = malloc(len);
    ck_assert_ptr_nonnull(data);
    tu_pattern_fill((uint64_t)len, 0, data, len);
    file_write("material", data, len);
    file_write("leaf.pem", (const uint8_t *)"LEAF", 4);
    char path[PATH_MAX];
    file_path(path, "material");
    unitls_error err;
    unitls_client_config *c = build_on_files(path, path, &err);
    ck_assert_msg(c != NULL, "build with a %zu-byte file: %s", len, err.message);
    size_t got_len = 0;
    const uint8_t *got = unitls_trust_store_content(unitls_client_config_trust_store(c),
                                                    &got_len);
    ck_assert_uint_eq(got_len, len);
    ck_assert_mem_eq(got, data, len);
    unitls_client_config_unref(c);
    free(data);
}
END_TEST

/* procfs reports size 0 for its files: the reader grows its buffer until the end. The
 * process's limits file is longer than the first buffer and stays the same while it runs. */
START_TEST(test_file_of_unknown_size)
{
    const char *path = "/proc/self/limits";
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size != 0)
        return; /* not Linux procfs: nothing of this kind to read */
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static uint8_t want[65536];
    size_t want_len = fread(want, 1, sizeof want, f);
    fclose(f);
    ck_assert_uint_gt(want_len, 1024); /* past the first buffer: the growth is exercised */
    file_write("leaf.pem", (const uint8_t *)"LEAF", 4);
    unitls_error err;
    unitls_client_config *c = build_on_files(path, path, &err);
    ck_assert_msg(c != NULL, "build on %s: %s", path, err.message);
    size_t got_len = 0;
    const uint8_t *got = unitls_trust_store_content(unitls_client_config_trust_store(c),
                                                    &got_len);
    ck_assert_uint_eq(got_len, want_len);
    ck_assert_mem_eq(got, want, want_len);
    unitls_client_config_unref(c);
}
END_TEST

enum bad_file { BAD_MISSING, BAD_DIRECTORY, BAD_FIFO, BAD_EMPTY, BAD_UNREADABLE, N_BAD_FILES };

/* Makes the bad file of kind which; its path in path, the words its error must carry in
 * *reason. 0 when this kind cannot be made here (unreadable files, for root). */
static int bad_file_make(enum bad_file which, char path[PATH_MAX], const char **reason)
{
    switch (which) {
    case BAD_MISSING:
        file_path(path, "missing.pem");
        *reason = strerror(ENOENT);
        return 1;
    case BAD_DIRECTORY:
        file_path(path, "subdir");
        ck_assert_msg(mkdir(path, 0700) == 0 || errno == EEXIST, "mkdir %s", path);
        *reason = strerror(EISDIR);
        return 1;
    case BAD_FIFO:
        file_path(path, "fifo.pem");
        ck_assert_msg(mkfifo(path, 0600) == 0 || errno == EEXIST, "mkfifo %s", path);
        *reason = "not a regular file";
        return 1;
    case BAD_EMPTY:
        file_write("empty.pem", (const uint8_t *)"", 0);
        file_path(path, "empty.pem");
        *reason = "the file is empty";
        return 1;
    case BAD_UNREADABLE:
        if (geteuid() == 0)
            return 0; /* root reads it anyway */
        file_write("unreadable.pem", (const uint8_t *)"KEY", 3);
        file_path(path, "unreadable.pem");
        ck_assert_int_eq(chmod(path, 0), 0);
        *reason = strerror(EACCES);
        return 1;
    default:
        return 0;
    }
}

/* One run per kind of unreadable key file: the build fails with a configuration error whose
 * message names the kind, the path and the reason in words; impl_code is 0. */
START_TEST(test_file_errors_in_words)
{
    char path[PATH_MAX], store_path[PATH_MAX];
    const char *reason = NULL;
    if (!bad_file_make((enum bad_file)_i, path, &reason))
        return;
    file_write("leaf.pem", (const uint8_t *)"LEAF", 4);
    file_write("material", (const uint8_t *)"CA", 2);
    file_path(store_path, "material");
    unitls_error err;
    unitls_client_config *c = build_on_files(path, store_path, &err);
    ck_assert_ptr_null(c);
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, path, err.message);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want, "private key file %s: %s", path, reason);
    ck_assert_msg(strstr(err.message, want) != NULL, "\"%s\" lacks \"%s\"", err.message, want);
    ck_assert_int_eq(err.impl_code, 0);
}
END_TEST

static Suite *credentials_suite(void)
{
    Suite *s = suite_create("core_credentials");
    TCase *tc = tcase_create("digest");
    tcase_add_loop_test(tc, test_digest_known_answers, 0, N_SHA256);
    suite_add_tcase(s, tc);

    tc = tcase_create("construction");
    tcase_add_test(tc, test_certificate_from_buffer);
    tcase_add_test(tc, test_empty_material_refused);
    tcase_add_test(tc, test_from_file_defers_reading);
    tcase_add_test(tc, test_from_id);
    tcase_add_test(tc, test_private_key_from_buffer);
    tcase_add_test(tc, test_trust_store_system);
    suite_add_tcase(s, tc);

    tc = tcase_create("equality");
    tcase_add_test(tc, test_certificate_equality);
    tcase_add_test(tc, test_private_key_equality);
    tcase_add_test(tc, test_trust_store_equality);
    tcase_add_test(tc, test_credential_refs);
    suite_add_tcase(s, tc);

    tc = tcase_create("signing_chain");
    tcase_add_test(tc, test_chain_accessors_and_ownership);
    tcase_add_test(tc, test_chain_invalid_arguments);
    tcase_add_test(tc, test_chain_equal_and_hash);
    tcase_add_test(tc, test_chain_equal_by_path_and_id);
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_unchecked_fixture(tc, files_dir_create, files_dir_remove);
    tcase_add_loop_test(tc, test_file_read_sizes, 0, N_FILE_SIZES);
    tcase_add_test(tc, test_file_of_unknown_size);
    tcase_add_loop_test(tc, test_file_errors_in_words, 0, N_BAD_FILES);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(credentials_suite());
}
