/* Files referenced by a configuration are read when it is built (config.h, credentials.h):
 * the configuration keeps the content it read; the same content gives an equal configuration
 * with the same hash; a file replaced in place (rewritten, or renamed over) gives an unequal
 * one with another hash, while configurations built earlier keep what they read; an
 * unreadable file fails the build with UNITLS_ERR_CONFIGURATION and a message naming the kind
 * of object, the path and the OS reason. Files live in a fresh temporary directory; one test
 * also reads the generated test PKI ($UNITLS_TEST_CERTS). */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unitls/unitls.h>

#include "testutil.h"

static char tmp_dir[PATH_MAX - 64];

/* Unchecked fixture (in the parent, around the whole test case): the directory. */
static void dir_create(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/unitls-core-files-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmp_dir) != NULL, "mkdtemp %s failed", tmp_dir);
}

static const char *const file_names[] = {"leaf.pem", "key.pem",   "inter.pem", "ca.pem",
                                         "b-leaf.pem", "big.pem", "empty.pem", "subdir",
                                         "tmp.new"};

static void path_of(char out[PATH_MAX], const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s", tmp_dir, name);
}

static void dir_remove(void)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof file_names / sizeof file_names[0]; i++) {
        path_of(path, file_names[i]);
        if (unlink(path) != 0)
            rmdir(path);
    }
    rmdir(tmp_dir);
}

enum write_mode {
    WRITE_IN_PLACE, /* truncate and rewrite the same inode */
    WRITE_RENAME    /* write a new file and rename it over the old name */
};

static void write_file(const char *name, const void *data, size_t len, enum write_mode mode)
{
    char path[PATH_MAX], tmp[PATH_MAX];
    path_of(path, name);
    path_of(tmp, "tmp.new");
    FILE *f = fopen(mode == WRITE_RENAME ? tmp : path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    if (mode == WRITE_RENAME)
        ck_assert_msg(rename(tmp, path) == 0, "rename to %s failed", path);
}

static void write_text(const char *name, const char *text, enum write_mode mode)
{
    write_file(name, text, strlen(text), mode);
}

/* The four files of a client configuration and their first contents. */
enum which_file { F_LEAF, F_KEY, F_INTER, F_CA, N_FILES };
static const char *const client_files[N_FILES] = {"leaf.pem", "key.pem", "inter.pem", "ca.pem"};
static const char *const first_content[N_FILES] = {"LEAF certificate v1", "KEY v1",
                                                   "INTERMEDIATE v1", "CA bundle v1"};
static const char *const kind_words[N_FILES] = {"certificate", "private key", "certificate",
                                                "trust store"};

static void write_client_files(enum write_mode mode)
{
    for (int i = 0; i < N_FILES; i++)
        write_text(client_files[i], first_content[i], mode);
}

/* A client builder whose chain (leaf, key, one intermediate) and trust store are files. */
static unitls_client_config_builder *client_builder_on_files(void)
{
    char path[PATH_MAX];
    unitls_error err;
    path_of(path, client_files[F_LEAF]);
    unitls_certificate *leaf = unitls_certificate_from_file(path, &err);
    path_of(path, client_files[F_KEY]);
    unitls_private_key *key = unitls_private_key_from_file(path, &err);
    path_of(path, client_files[F_INTER]);
    unitls_certificate *inter = unitls_certificate_from_file(path, &err);
    path_of(path, client_files[F_CA]);
    unitls_trust_store *ca = unitls_trust_store_from_file(path, &err);
    ck_assert(leaf && key && inter && ca);
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, &inter, 1, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_certificate_chain(b, s);
    unitls_client_config_builder_set_trust_store(b, ca);
    unitls_signing_chain_unref(s);
    unitls_certificate_unref(leaf);
    unitls_certificate_unref(inter);
    unitls_private_key_unref(key);
    unitls_trust_store_unref(ca);
    return b;
}

static unitls_client_config *build_client(void)
{
    unitls_client_config_builder *b = client_builder_on_files();
    unitls_error err;
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    unitls_client_config_builder_free(b);
    return c;
}

static const uint8_t *cert_content(const unitls_certificate *c, size_t *len)
{
    return unitls_certificate_content(c, len);
}

static const uint8_t *store_content(const unitls_trust_store *t, size_t *len)
{
    return unitls_trust_store_content(t, len);
}

/* Fails unless the object's content (read through get) is exactly want. */
#define assert_content(get, obj, want)                                                        \
    do {                                                                                      \
        size_t got_len_ = 0;                                                                  \
        const uint8_t *got_ = get(obj, &got_len_);                                            \
        assert_bytes(got_, got_len_, want);                                                   \
    } while (0)

static void assert_bytes(const uint8_t *got, size_t got_len, const char *want)
{
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(got_len, strlen(want));
    ck_assert_mem_eq(got, want, got_len);
}

/* --- snapshots --- */

/* The configuration holds what the files held, as file objects with their paths; the
 * caller's objects stay unloaded. */
START_TEST(test_snapshot_holds_content)
{
    write_client_files(WRITE_IN_PLACE);
    unitls_client_config_builder *b = client_builder_on_files();
    unitls_error err;
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s", err.message);

    unitls_signing_chain *s = unitls_client_config_certificate_chain(c);
    unitls_certificate *leaf = unitls_signing_chain_leaf(s);
    assert_content(cert_content, leaf, first_content[F_LEAF]);
    assert_content(cert_content, unitls_signing_chain_intermediate(s, 0), first_content[F_INTER]);
    assert_content(store_content, unitls_client_config_trust_store(c), first_content[F_CA]);
    char path[PATH_MAX];
    path_of(path, client_files[F_LEAF]);
    ck_assert_int_eq(unitls_certificate_source(leaf), UNITLS_SOURCE_FILE);
    ck_assert_str_eq(unitls_certificate_path(leaf), path);
    path_of(path, client_files[F_KEY]);
    ck_assert_str_eq(unitls_private_key_path(unitls_signing_chain_key(s)), path);

    /* the digest is the SHA-256 of the content read: the same as for those bytes in a buffer */
    uint8_t from_file[UNITLS_DIGEST_SIZE], from_buffer[UNITLS_DIGEST_SIZE];
    unitls_certificate *buf = unitls_certificate_from_buffer(
        first_content[F_LEAF], strlen(first_content[F_LEAF]), NULL);
    ck_assert_int_eq(unitls_certificate_digest(leaf, from_file), 1);
    ck_assert_int_eq(unitls_certificate_digest(buf, from_buffer), 1);
    ck_assert_mem_eq(from_file, from_buffer, UNITLS_DIGEST_SIZE);
    unitls_certificate_unref(buf);

    /* a second build from the same builder reads again and finds the same */
    unitls_client_config *c2 = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c2 != NULL, "build: %s", err.message);
    ck_assert_int_eq(unitls_client_config_equal(c, c2), 1);
    unitls_client_config_unref(c2);
    unitls_client_config_builder_free(b);
    unitls_client_config_unref(c);
}
END_TEST

/* A caller's file object is never loaded in place: after a build it still holds no content. */
START_TEST(test_caller_objects_stay_unloaded)
{
    write_client_files(WRITE_IN_PLACE);
    char path[PATH_MAX];
    path_of(path, client_files[F_LEAF]);
    unitls_certificate *leaf = unitls_certificate_from_file(path, NULL);
    path_of(path, client_files[F_CA]);
    unitls_trust_store *ca = unitls_trust_store_from_file(path, NULL);
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, NULL, NULL, 0, NULL);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_certificate_chain(b, s);
    unitls_client_config_builder_set_trust_store(b, ca);
    unitls_client_config *c = unitls_client_config_builder_build(b, NULL);
    ck_assert_ptr_nonnull(c);
    size_t len = 5;
    ck_assert_ptr_null(unitls_certificate_content(leaf, &len));
    ck_assert_ptr_null(unitls_trust_store_content(ca, &len));
    ck_assert_uint_eq(len, 0);
    ck_assert_ptr_ne(unitls_signing_chain_leaf(unitls_client_config_certificate_chain(c)), leaf);
    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);
    unitls_signing_chain_unref(s);
    unitls_certificate_unref(leaf);
    unitls_trust_store_unref(ca);
}
END_TEST

/* Files larger than any first guess are read whole, byte for byte. */
START_TEST(test_large_file_read_whole)
{
    const size_t len = 300001;
    uint8_t *data = malloc(len);
    ck_assert_ptr_nonnull(data);
    tu_pattern_fill(7, 0, data, len);
    write_file("big.pem", data, len, WRITE_IN_PLACE);
    char path[PATH_MAX];
    path_of(path, "big.pem");
    unitls_trust_store *t = unitls_trust_store_from_file(path, NULL);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_trust_store(b, t);
    unitls_error err;
    unitls_client_config *c = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    size_t got_len = 0;
    const uint8_t *got = unitls_trust_store_content(unitls_client_config_trust_store(c), &got_len);
    ck_assert_uint_eq(got_len, len);
    ck_assert_uint_eq(tu_pattern_check(7, 0, got, got_len), len);
    unitls_client_config_unref(c);
    unitls_client_config_builder_free(b);
    unitls_trust_store_unref(t);
    free(data);
}
END_TEST

/* --- replaced files --- */

/* Rewriting every file with the same bytes (new inodes and all) changes nothing. */
START_TEST(test_same_content_stays_equal)
{
    write_client_files(WRITE_IN_PLACE);
    unitls_client_config *c1 = build_client();
    write_client_files(WRITE_RENAME);
    unitls_client_config *c2 = build_client();
    write_client_files(WRITE_IN_PLACE);
    unitls_client_config *c3 = build_client();
    ck_assert_int_eq(unitls_client_config_equal(c1, c2), 1);
    ck_assert_int_eq(unitls_client_config_equal(c1, c3), 1);
    ck_assert_uint_eq(unitls_client_config_hash(c1), unitls_client_config_hash(c2));
    ck_assert_uint_eq(unitls_client_config_hash(c1), unitls_client_config_hash(c3));
    unitls_client_config_unref(c1);
    unitls_client_config_unref(c2);
    unitls_client_config_unref(c3);
}
END_TEST

/* One run per (file, way of replacing): _i / 2 picks the file, _i % 2 the way. The new
 * configuration differs and hashes differently; the old one keeps its content; putting the
 * first content back gives a configuration equal to the first again. */
START_TEST(test_replaced_file)
{
    enum which_file f = (enum which_file)(_i / 2);
    enum write_mode mode = (enum write_mode)(_i % 2);
    write_client_files(WRITE_IN_PLACE);
    unitls_client_config *before = build_client();
    unitls_client_config *before_again = build_client();

    write_text(client_files[f], "renewed content of the same size, or not", mode);
    unitls_client_config *after = build_client();
    ck_assert_msg(!unitls_client_config_equal(before, after), "%s replaced: still equal",
                  client_files[f]);
    ck_assert_msg(unitls_client_config_hash(before) != unitls_client_config_hash(after),
                  "%s replaced: same hash", client_files[f]);
    /* the earlier configuration did not follow the file */
    ck_assert_int_eq(unitls_client_config_equal(before, before_again), 1);
    unitls_signing_chain *s = unitls_client_config_certificate_chain(before);
    assert_content(cert_content, unitls_signing_chain_leaf(s), first_content[F_LEAF]);
    assert_content(store_content, unitls_client_config_trust_store(before), first_content[F_CA]);

    write_text(client_files[f], first_content[f], mode);
    unitls_client_config *restored = build_client();
    ck_assert_int_eq(unitls_client_config_equal(before, restored), 1);
    ck_assert_uint_eq(unitls_client_config_hash(before), unitls_client_config_hash(restored));

    unitls_client_config_unref(before);
    unitls_client_config_unref(before_again);
    unitls_client_config_unref(after);
    unitls_client_config_unref(restored);
}
END_TEST

/* A server with two file chains and a file trust store: renewing the second chain's leaf, or
 * the client CA, makes an unequal configuration. */
static unitls_server_config *build_server(void)
{
    char path[PATH_MAX];
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    const char *leaves[] = {"leaf.pem", "b-leaf.pem"};
    for (int i = 0; i < 2; i++) {
        path_of(path, leaves[i]);
        unitls_certificate *c = unitls_certificate_from_file(path, NULL);
        path_of(path, "key.pem");
        unitls_private_key *k = unitls_private_key_from_file(path, NULL);
        unitls_signing_chain *s = unitls_signing_chain_new(c, k, NULL, 0, NULL);
        ck_assert_ptr_nonnull(s);
        unitls_server_config_builder_add_certificate_chain(b, s);
        unitls_signing_chain_unref(s);
        unitls_certificate_unref(c);
        unitls_private_key_unref(k);
    }
    path_of(path, "ca.pem");
    unitls_trust_store *t = unitls_trust_store_from_file(path, NULL);
    unitls_server_config_builder_set_trust_store(b, t);
    unitls_server_config_builder_set_client_auth(b, UNITLS_CLIENT_AUTH_REQUIRED);
    unitls_trust_store_unref(t);
    unitls_error err;
    unitls_server_config *c = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    unitls_server_config_builder_free(b);
    return c;
}

START_TEST(test_server_replaced_files)
{
    write_client_files(WRITE_IN_PLACE);
    write_text("b-leaf.pem", "B LEAF v1", WRITE_IN_PLACE);
    unitls_server_config *c1 = build_server(), *c1b = build_server();
    ck_assert_int_eq(unitls_server_config_equal(c1, c1b), 1);
    ck_assert_uint_eq(unitls_server_config_hash(c1), unitls_server_config_hash(c1b));

    write_text("b-leaf.pem", "B LEAF v2", WRITE_RENAME);
    unitls_server_config *c2 = build_server();
    ck_assert_int_eq(unitls_server_config_equal(c1, c2), 0);
    ck_assert_uint_ne(unitls_server_config_hash(c1), unitls_server_config_hash(c2));
    ck_assert(unitls_signing_chain_equal(unitls_server_config_certificate_chain(c1, 0),
                                         unitls_server_config_certificate_chain(c2, 0)));
    ck_assert(!unitls_signing_chain_equal(unitls_server_config_certificate_chain(c1, 1),
                                          unitls_server_config_certificate_chain(c2, 1)));

    write_text("ca.pem", "CA bundle v2", WRITE_IN_PLACE);
    unitls_server_config *c3 = build_server();
    ck_assert_int_eq(unitls_server_config_equal(c2, c3), 0);
    ck_assert_uint_ne(unitls_server_config_hash(c2), unitls_server_config_hash(c3));

    unitls_server_config *configs[] = {c1, c1b, c2, c3};
    for (size_t i = 0; i < 4; i++)
        unitls_server_config_unref(configs[i]);
}
END_TEST

/* --- unreadable files --- */

/* Builds the client configuration with file f at path name (others valid); expects
 * ERR_CONFIGURATION naming the kind, the path and reason. */
static void expect_client_build_fails(enum which_file f, const char *name, const char *reason)
{
    write_client_files(WRITE_IN_PLACE);
    char path[PATH_MAX], good[PATH_MAX];
    path_of(path, name);
    path_of(good, client_files[F_LEAF]);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_certificate *leaf = unitls_certificate_from_file(f == F_LEAF ? path : good, NULL);
    path_of(good, client_files[F_KEY]);
    unitls_private_key *key = unitls_private_key_from_file(f == F_KEY ? path : good, NULL);
    path_of(good, client_files[F_INTER]);
    unitls_certificate *inter = unitls_certificate_from_file(f == F_INTER ? path : good, NULL);
    path_of(good, client_files[F_CA]);
    unitls_trust_store *ca = unitls_trust_store_from_file(f == F_CA ? path : good, NULL);
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, &inter, 1, NULL);
    unitls_client_config_builder_set_certificate_chain(b, s);
    unitls_client_config_builder_set_trust_store(b, ca);

    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_client_config_builder_build(b, &err));
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, path, err.message);
    ck_assert_msg(strstr(err.message, path) != NULL, "\"%s\" lacks the path", err.message);
    ck_assert_msg(strstr(err.message, reason) != NULL, "\"%s\" lacks \"%s\"", err.message,
                  reason);
    ck_assert_msg(strstr(err.message, kind_words[f]) != NULL, "\"%s\" lacks \"%s\"", err.message,
                  kind_words[f]);

    unitls_client_config_builder_free(b);
    unitls_signing_chain_unref(s);
    unitls_certificate_unref(leaf);
    unitls_certificate_unref(inter);
    unitls_private_key_unref(key);
    unitls_trust_store_unref(ca);
}

/* One run per file of the client configuration. */
START_TEST(test_missing_file)
{
    expect_client_build_fails((enum which_file)_i, "no-such-file.pem", "No such file or directory");
}
END_TEST

START_TEST(test_directory_instead_of_file)
{
    char path[PATH_MAX];
    path_of(path, "subdir");
    mkdir(path, 0700);
    expect_client_build_fails((enum which_file)_i, "subdir", "Is a directory");
}
END_TEST

/* An empty file is an empty certificate (key, trust store): refused at build. */
START_TEST(test_empty_file)
{
    write_text("empty.pem", "", WRITE_IN_PLACE);
    expect_client_build_fails((enum which_file)_i, "empty.pem", "empty");
}
END_TEST

/* The server builder reports unreadable chain files the same way. */
START_TEST(test_server_missing_file)
{
    char path[PATH_MAX];
    path_of(path, "no-such-leaf.pem");
    unitls_certificate *c = unitls_certificate_from_file(path, NULL);
    unitls_signing_chain *s = unitls_signing_chain_new(c, NULL, NULL, 0, NULL);
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_server_config_builder_add_certificate_chain(b, s);
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_server_config_builder_build(b, &err));
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, path, err.message);
    ck_assert_msg(strstr(err.message, path) != NULL, "\"%s\" lacks the path", err.message);
    ck_assert_msg(strstr(err.message, "No such file or directory") != NULL, "%s", err.message);
    /* NULL err: still refused */
    ck_assert_ptr_null(unitls_server_config_builder_build(b, NULL));
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(s);
    unitls_certificate_unref(c);
}
END_TEST

/* A device is no file of material: refused with the path, without reading it forever. */
START_TEST(test_device_refused)
{
    unitls_trust_store *t = unitls_trust_store_from_file("/dev/zero", NULL);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_trust_store(b, t);
    unitls_error err;
    unitls_error_clear(&err);
    ck_assert_ptr_null(unitls_client_config_builder_build(b, &err));
    tu_assert_status(err.status, UNITLS_ERR_CONFIGURATION, "/dev/zero", err.message);
    ck_assert_msg(strstr(err.message, "/dev/zero") != NULL, "%s", err.message);
    unitls_client_config_builder_free(b);
    unitls_trust_store_unref(t);
}
END_TEST

/* --- the generated test PKI --- */

/* A real chain from $UNITLS_TEST_CERTS: the snapshot holds exactly the files' bytes. */
START_TEST(test_generated_pki_snapshot)
{
    unitls_signing_chain *s = tu_chain("example.org");
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_server_config_builder_add_certificate_chain(b, s);
    unitls_error err;
    unitls_server_config *c = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    size_t want_len = 0, got_len = 0;
    uint8_t *want = tu_read_cert_file("example.org.pem", &want_len);
    const uint8_t *got = unitls_certificate_content(
        unitls_signing_chain_leaf(unitls_server_config_certificate_chain(c, 0)), &got_len);
    ck_assert_uint_eq(got_len, want_len);
    ck_assert_mem_eq(got, want, want_len);
    free(want);
    unitls_server_config_unref(c);
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(s);
}
END_TEST

static Suite *config_files_suite(void)
{
    Suite *s = suite_create("core_config_files");
    TCase *tc = tcase_create("snapshot");
    tcase_add_unchecked_fixture(tc, dir_create, dir_remove);
    tcase_add_test(tc, test_snapshot_holds_content);
    tcase_add_test(tc, test_caller_objects_stay_unloaded);
    tcase_add_test(tc, test_large_file_read_whole);
    tcase_add_test(tc, test_same_content_stays_equal);
    tcase_add_loop_test(tc, test_replaced_file, 0, 2 * N_FILES);
    tcase_add_test(tc, test_server_replaced_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("unreadable");
    tcase_add_unchecked_fixture(tc, dir_create, dir_remove);
    tcase_add_loop_test(tc, test_missing_file, 0, N_FILES);
    tcase_add_loop_test(tc, test_directory_instead_of_file, 0, N_FILES);
    tcase_add_loop_test(tc, test_empty_file, 0, N_FILES);
    tcase_add_test(tc, test_server_missing_file);
    tcase_add_test(tc, test_device_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("pki");
    tcase_add_test(tc, test_generated_pki_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(config_files_suite());
}
