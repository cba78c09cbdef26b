/* Session ticket key sets (ticket_keys.h, src/core/ticket_key_file.c): the reader takes 1 to 8
 * lines of base64 of 80 bytes (16 name, 32 AES, 32 HMAC), with CRLF, blank lines, '#'
 * comments and blanks around a key; it refuses a 9th key, another length, a character outside
 * base64, missing padding, a repeated key name and text without a key, naming the line and
 * never a key's bytes. A file is read when a configuration is built, refused when group or
 * others may read it, and is part of the configuration's equality and hash; keys with session
 * tickets off fail the build. Parsed keys are wiped, on failure too. Linked with the static
 * core to reach the reader itself. */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unitls/unitls.h>

#include <nettle/base64.h>

#include "core/material.h"
#include "core/ticket_key_file.h"

#define KEY_B64 108 /* characters of one key's base64 */

static char tmp_dir[PATH_MAX - 64];

/* --- building key text --- */

/* The 80 bytes of key `seed`: byte i is seed * 7 + i (mod 256), so fields are recognisable. */
static void key_bytes(unsigned seed, uint8_t out[UNITLS_TICKET_KEY_SIZE])
{
    for (unsigned i = 0; i < UNITLS_TICKET_KEY_SIZE; i++)
        out[i] = (uint8_t)(seed * 7u + i);
}

/* The base64 of len bytes of in, NUL-terminated (out holds BASE64_ENCODE_RAW_LENGTH(len) + 1). */
static void b64_encode(const uint8_t *in, size_t len, char *out)
{
    base64_encode_raw(out, len, in);
    out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
}

/* The base64 line (no newline) of key seed. */
static void key_line(unsigned seed, char out[KEY_B64 + 1])
{
    uint8_t raw[UNITLS_TICKET_KEY_SIZE];
    key_bytes(seed, raw);
    b64_encode(raw, sizeof raw, out);
}

/* n keys with seeds first, first + 1, ... one per line (LF), into buf. */
static void keys_text(char *buf, size_t cap, unsigned first, unsigned n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        char line[KEY_B64 + 1];
        key_line(first + i, line);
        used += (size_t)snprintf(buf + used, cap - used, "%s\n", line);
        ck_assert(used < cap);
    }
}

/* Parses text: the status, with the set and message left for the test. */
static int parse(const char *text, struct ticket_key_set *set, char *why, size_t cap)
{
    why[0] = '\0';
    return ticket_key_file_parse((const uint8_t *)text, strlen(text), set, why, cap);
}

static int all_zero(const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        if (b[i])
            return 0;
    return 1;
}

/* Fails unless parsing text fails with a message containing want and no 8 characters of any
 * key line in text (no key bytes in messages, even as base64). */
static void assert_refused(const char *text, const char *want)
{
    struct ticket_key_set set;
    char why[256];
    ck_assert_msg(parse(text, &set, why, sizeof why) == -1, "accepted: %s", text);
    ck_assert_msg(strstr(why, want) != NULL, "message '%s' lacks '%s'", why, want);
    ck_assert_msg(all_zero(&set, sizeof set), "a refused set was not wiped");
    for (const char *p = text; strlen(p) >= 8; p++) {
        char piece[9];
        memcpy(piece, p, 8);
        piece[8] = '\0';
        if (strchr(piece, '\n') || strchr(piece, ' ') || strchr(piece, '#'))
            continue;
        ck_assert_msg(strstr(why, piece) == NULL, "message '%s' shows key text '%s'", why, piece);
    }
    unitls_error err;
    unitls_ticket_keys *k = unitls_ticket_keys_from_buffer(text, strlen(text), &err);
    ck_assert_msg(k == NULL, "from_buffer accepted what the reader refuses");
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "session ticket keys from buffer: ") == err.message &&
                      strstr(err.message, want),
                  "from_buffer message: %s", err.message);
}

/* --- the reader --- */

START_TEST(test_one_key_fields)
{
    char text[256], why[256];
    keys_text(text, sizeof text, 3, 1);
    struct ticket_key_set set;
    ck_assert_msg(parse(text, &set, why, sizeof why) == 0, "%s", why);
    ck_assert_uint_eq(set.n, 1);
    uint8_t raw[UNITLS_TICKET_KEY_SIZE];
    key_bytes(3, raw);
    ck_assert_mem_eq(set.keys[0].name, raw, 16);
    ck_assert_mem_eq(set.keys[0].aes, raw + 16, 32);
    ck_assert_mem_eq(set.keys[0].hmac, raw + 48, 32);
    ticket_key_set_wipe(&set);
    ck_assert(all_zero(&set, sizeof set));
}
END_TEST

START_TEST(test_eight_keys_in_order)
{
    char text[1024], why[256];
    keys_text(text, sizeof text, 10, 8);
    struct ticket_key_set set;
    ck_assert_msg(parse(text, &set, why, sizeof why) == 0, "%s", why);
    ck_assert_uint_eq(set.n, 8);
    for (unsigned i = 0; i < 8; i++) {
        uint8_t raw[UNITLS_TICKET_KEY_SIZE];
        key_bytes(10 + i, raw);
        ck_assert_mem_eq(set.keys[i].name, raw, 16);
    }
    ticket_key_set_wipe(&set);
    unitls_error err;
    unitls_ticket_keys *k = unitls_ticket_keys_from_buffer(text, strlen(text), &err);
    ck_assert_msg(k != NULL, "%s", err.message);
    ck_assert_uint_eq(unitls_ticket_keys_count(k), 8);
    ck_assert_int_eq(unitls_ticket_keys_source(k), UNITLS_SOURCE_BUFFER);
    ck_assert_ptr_null(unitls_ticket_keys_path(k));
    unitls_ticket_keys_unref(k);
}
END_TEST

START_TEST(test_nine_keys_refused)
{
    char text[1200];
    keys_text(text, sizeof text, 10, 9);
    assert_refused(text, "line 9: a key beyond the first 8; at most 8 keys");
}
END_TEST

START_TEST(test_wrong_length_refused)
{
    uint8_t raw[48];
    for (unsigned i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(i * 13u);
    char line[80], text[400], good[KEY_B64 + 1];
    b64_encode(raw, sizeof raw, line);
    key_line(1, good);
    snprintf(text, sizeof text, "%s\n%s\n", good, line);
    assert_refused(text, "line 2: decodes to 48 bytes; expected 80");
    uint8_t more[81] = {0};
    char long_line[120];
    b64_encode(more, sizeof more, long_line);
    snprintf(text, sizeof text, "%s\n", long_line);
    assert_refused(text, "line 1: decodes to 81 bytes; expected 80");
}
END_TEST

START_TEST(test_bad_base64_refused)
{
    char line[KEY_B64 + 1], text[400];
    key_line(5, line);
    line[16] = '*';
    snprintf(text, sizeof text, "# keys\n%s\n", line);
    assert_refused(text, "line 2: not base64 at column 17");
    key_line(5, line);
    line[20] = '=';
    snprintf(text, sizeof text, "%s\n", line);
    assert_refused(text, "line 1: not base64 at column 21");
    key_line(5, line);
    line[KEY_B64 - 1] = '\0'; /* padding dropped */
    snprintf(text, sizeof text, "%s\n", line);
    assert_refused(text, "line 1: 107 characters of base64, not a multiple of 4");
    key_line(5, line);
    line[KEY_B64 - 2] = line[KEY_B64 - 2] == 'B' ? 'D' : 'B'; /* bits past byte 80 set */
    snprintf(text, sizeof text, "%s\n", line);
    assert_refused(text, "line 1: not base64 at column 107 (not its canonical form");
    key_line(5, line);
    line[40] = ' '; /* a blank inside a key */
    snprintf(text, sizeof text, "%s\n", line);
    assert_refused(text, "line 1: not base64 at column 41");
    key_line(5, line);
    line[3] = '\0'; /* a NUL byte, with the rest of the key after it */
    struct ticket_key_set set;
    char why[256];
    ck_assert_int_eq(ticket_key_file_parse((const uint8_t *)line, KEY_B64, &set, why,
                                           sizeof why), -1);
    ck_assert_msg(strstr(why, "line 1: not base64 at column 4"), "%s", why);
}
END_TEST

START_TEST(test_empty_refused)
{
    assert_refused("\n\n  \n", "no key (3 lines, none a key)");
    assert_refused("# only a comment\n", "no key (1 lines, none a key)");
    struct ticket_key_set set;
    char why[256];
    ck_assert_int_eq(ticket_key_file_parse((const uint8_t *)"", 0, &set, why, sizeof why), -1);
    ck_assert_msg(strstr(why, "no key"), "%s", why);
    unitls_error err;
    ck_assert_ptr_null(unitls_ticket_keys_from_buffer("", 0, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_ptr_null(unitls_ticket_keys_from_buffer(NULL, 5, &err));
}
END_TEST

START_TEST(test_comments_blanks_crlf)
{
    char a[KEY_B64 + 1], b[KEY_B64 + 1], text[600], why[256];
    key_line(1, a);
    key_line(2, b);
    snprintf(text, sizeof text, "# rotated 2026-12-07\r\n\r\n  %s \t\r\n   # old key next\n"
             "\t%s", a, b); /* no newline at the end */
    struct ticket_key_set set;
    ck_assert_msg(parse(text, &set, why, sizeof why) == 0, "%s", why);
    ck_assert_uint_eq(set.n, 2);
    uint8_t raw[UNITLS_TICKET_KEY_SIZE];
    key_bytes(2, raw);
    ck_assert_mem_eq(set.keys[1].hmac, raw + 48, 32);
    ticket_key_set_wipe(&set);
    snprintf(text, sizeof text, "%s # trailing comment\n", a); /* a comment after a key is not */
    assert_refused(text, "line 1: not base64 at column 108"); /* its padding, now inside */
}
END_TEST

START_TEST(test_repeated_name_refused)
{
    char a[KEY_B64 + 1], text[800];
    key_line(1, a);
    snprintf(text, sizeof text, "%s\n\n%s\n", a, a);
    assert_refused(text, "line 3: the same key name (first 16 bytes) as line 1");
}
END_TEST

START_TEST(test_failure_wipes_earlier_keys)
{
    char text[1200], why[256];
    keys_text(text, sizeof text, 40, 9);
    struct ticket_key_set set;
    memset(&set, 0xa5, sizeof set);
    ck_assert_int_eq(parse(text, &set, why, sizeof why), -1);
    ck_assert_msg(all_zero(&set, sizeof set), "8 keys read before the 9th were left behind");
    uint8_t secret[32];
    memset(secret, 0x5a, sizeof secret);
    material_wipe(secret, sizeof secret);
    ck_assert(all_zero(secret, sizeof secret));
}
END_TEST

/* --- files and configurations --- */

static void dir_create(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/unitls-ticket-keys-XXXXXX",
             base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmp_dir) != NULL, "mkdtemp %s failed", tmp_dir);
}

static const char *const file_names[] = {"keys", "other"};

static void path_of(char out[PATH_MAX], const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s", tmp_dir, name);
}

static void dir_remove(void)
{
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof file_names / sizeof file_names[0]; i++) {
        path_of(path, file_names[i]);
        unlink(path);
    }
    rmdir(tmp_dir);
}

static void write_keys(const char *name, unsigned first, unsigned n, mode_t mode)
{
    char path[PATH_MAX], text[1200];
    path_of(path, name);
    keys_text(text, sizeof text, first, n);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* A configuration of one (unparsed) chain with the key file name, or NULL with err. */
static unitls_server_config *config_with(const char *name, unsigned tickets, unitls_error *err)
{
    unitls_certificate *leaf = unitls_certificate_from_buffer("LEAF", 4, err);
    unitls_private_key *key = unitls_private_key_from_buffer("KEY", 3, err);
    unitls_signing_chain *chain = unitls_signing_chain_new(leaf, key, NULL, 0, err);
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    ck_assert(chain && b);
    unitls_server_config_builder_add_certificate_chain(b, chain);
    unitls_server_config_builder_set_session_tickets(b, tickets);
    if (name) {
        char path[PATH_MAX];
        path_of(path, name);
        unitls_ticket_keys *k = unitls_ticket_keys_from_file(path, err);
        ck_assert_ptr_nonnull(k);
        ck_assert_uint_eq(unitls_ticket_keys_count(k), 0); /* not read yet */
        ck_assert_int_eq(unitls_server_config_builder_set_session_ticket_keys(b, k), UNITLS_OK);
        unitls_ticket_keys_unref(k);
    }
    unitls_server_config *c = unitls_server_config_builder_build(b, err);
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(chain);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
    return c;
}

START_TEST(test_file_read_at_build)
{
    write_keys("keys", 1, 3, 0600);
    unitls_error err;
    unitls_server_config *c = config_with("keys", 1, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    unitls_ticket_keys *k = unitls_server_config_session_ticket_keys(c);
    ck_assert_uint_eq(unitls_ticket_keys_count(k), 3);
    ck_assert_int_eq(unitls_ticket_keys_source(k), UNITLS_SOURCE_FILE);
    unitls_server_config_unref(c);
    write_keys("keys", 1, 1, 0400);
    c = config_with("keys", 1, &err);
    ck_assert_msg(c != NULL, "mode 0400: %s", err.message);
    unitls_server_config_unref(c);
}
END_TEST

START_TEST(test_open_mode_refused)
{
    static const mode_t modes[] = {0644, 0640, 0604, 0620};
    char path[PATH_MAX], want[PATH_MAX + 64];
    path_of(path, "keys");
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        write_keys("keys", 1, 1, modes[i]);
        unitls_error err;
        ck_assert_ptr_null(config_with("keys", 1, &err));
        ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
        snprintf(want, sizeof want, "session ticket keys file %s: mode %04o lets group or others",
                 path, (unsigned)modes[i]);
        ck_assert_msg(strstr(err.message, want) == err.message, "%s", err.message);
        ck_assert_msg(strstr(err.message, "expected 0600 or 0400"), "%s", err.message);
    }
}
END_TEST

START_TEST(test_bad_file_names_line)
{
    char path[PATH_MAX];
    path_of(path, "keys");
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("# a comment\nnot-a-key\n", f);
    fclose(f);
    chmod(path, 0600);
    unitls_error err;
    ck_assert_ptr_null(config_with("keys", 1, &err));
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "session ticket keys file %s: line 2: not base64 at column 4",
             path);
    ck_assert_msg(strcmp(err.message, want) == 0, "%s", err.message);
    unlink(path);
    ck_assert_ptr_null(config_with("keys", 1, &err));
    ck_assert_msg(strstr(err.message, "No such file"), "%s", err.message);
}
END_TEST

START_TEST(test_keys_need_tickets)
{
    write_keys("keys", 1, 1, 0600);
    unitls_error err;
    ck_assert_ptr_null(config_with("keys", 0, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "session ticket keys are set but session tickets are off"),
                  "%s", err.message);
}
END_TEST

/* Same file, same content: equal with equal hashes; the file changed (a rotation): unequal;
 * another file with other keys, or no keys: unequal. */
START_TEST(test_equality_and_hash)
{
    unitls_error err;
    write_keys("keys", 1, 2, 0600);
    write_keys("other", 7, 2, 0600);
    unitls_server_config *a = config_with("keys", 1, &err);
    unitls_server_config *same = config_with("keys", 1, &err);
    unitls_server_config *other = config_with("other", 1, &err);
    unitls_server_config *none = config_with(NULL, 1, &err);
    ck_assert(a && same && other && none);
    ck_assert(unitls_server_config_equal(a, same));
    ck_assert_uint_eq(unitls_server_config_hash(a), unitls_server_config_hash(same));
    ck_assert(!unitls_server_config_equal(a, other));
    ck_assert(unitls_server_config_hash(a) != unitls_server_config_hash(other));
    ck_assert(!unitls_server_config_equal(a, none));
    ck_assert(!unitls_server_config_equal(none, a));
    write_keys("keys", 0, 3, 0600); /* a new first line in front of the two keys */
    unitls_server_config *rotated = config_with("keys", 1, &err);
    ck_assert(rotated);
    ck_assert(!unitls_server_config_equal(a, rotated));
    ck_assert(unitls_server_config_hash(a) != unitls_server_config_hash(rotated));
    ck_assert_uint_eq(unitls_ticket_keys_count(unitls_server_config_session_ticket_keys(a)), 2);
    unitls_server_config_unref(a);
    unitls_server_config_unref(same);
    unitls_server_config_unref(other);
    unitls_server_config_unref(none);
    unitls_server_config_unref(rotated);
}
END_TEST

START_TEST(test_buffer_equality)
{
    char text[400], crlf[400], a[KEY_B64 + 1];
    keys_text(text, sizeof text, 1, 2);
    key_line(1, a);
    snprintf(crlf, sizeof crlf, "%s\r\n", a);
    unitls_error err;
    unitls_ticket_keys *x = unitls_ticket_keys_from_buffer(text, strlen(text), &err);
    unitls_ticket_keys *y = unitls_ticket_keys_from_buffer(text, strlen(text), &err);
    unitls_ticket_keys *z = unitls_ticket_keys_from_buffer(crlf, strlen(crlf), &err);
    ck_assert(x && y && z);
    ck_assert(unitls_ticket_keys_equal(x, y));
    ck_assert(!unitls_ticket_keys_equal(x, z));
    ck_assert(!unitls_ticket_keys_equal(x, NULL));
    ck_assert(unitls_ticket_keys_equal(NULL, NULL));
    ck_assert_ptr_eq(unitls_ticket_keys_ref(x), x);
    unitls_ticket_keys_unref(x);
    unitls_ticket_keys_unref(x);
    unitls_ticket_keys_unref(y);
    unitls_ticket_keys_unref(z);
    ck_assert_ptr_null(unitls_ticket_keys_from_file("", &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
}
END_TEST

static Suite *ticket_keys_suite(void)
{
    Suite *s = suite_create("core_ticket_keys");
    TCase *reader = tcase_create("reader");
    tcase_add_test(reader, test_one_key_fields);
    tcase_add_test(reader, test_eight_keys_in_order);
    tcase_add_test(reader, test_nine_keys_refused);
    tcase_add_test(reader, test_wrong_length_refused);
    tcase_add_test(reader, test_bad_base64_refused);
    tcase_add_test(reader, test_empty_refused);
    tcase_add_test(reader, test_comments_blanks_crlf);
    tcase_add_test(reader, test_repeated_name_refused);
    tcase_add_test(reader, test_failure_wipes_earlier_keys);
    suite_add_tcase(s, reader);
    TCase *files = tcase_create("files");
    tcase_add_unchecked_fixture(files, dir_create, dir_remove);
    tcase_add_test(files, test_file_read_at_build);
    tcase_add_test(files, test_open_mode_refused);
    tcase_add_test(files, test_bad_file_names_line);
    tcase_add_test(files, test_keys_need_tickets);
    tcase_add_test(files, test_equality_and_hash);
    tcase_add_test(files, test_buffer_equality);
    suite_add_tcase(s, files);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ticket_keys_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
