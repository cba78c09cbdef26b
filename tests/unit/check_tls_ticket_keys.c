/* Session ticket keys shared by a fleet (ticket_keys.h), in memory per implementation: two
 * server contexts built separately from one key file resume each other's tickets (TLS 1.3
 * and 1.2); contexts with other keys do not, and nothing fails for it. After a rotation (a
 * new first line in front of the old key): OpenSSL still opens a ticket made under the old
 * key and issues a new one under the new key (a context holding only the new key resumes
 * it); GnuTLS, whose one key comes from the first line, makes a full handshake, as
 * documented, and resumes on tickets made after the rotation. Key files live in a temporary
 * directory with mode 0600. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char tmp_dir[PATH_MAX - 64];

static void dir_create(void)
{
    const char *base = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/unitls-tls-tickets-XXXXXX",
             base && *base ? base : "/tmp");
    ck_assert_msg(mkdtemp(tmp_dir) != NULL, "mkdtemp %s failed", tmp_dir);
}

static const char *const file_names[] = {"old", "rotated", "new", "other"};

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

/* The base64 line of key seed: 80 bytes, byte i = seed * 31 + i. */
static void key_line(unsigned seed, char out[109])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t raw[UNITLS_TICKET_KEY_SIZE];
    for (unsigned i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(seed * 31u + i);
    size_t o = 0;
    for (size_t i = 0; i < sizeof raw; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16;
        if (i + 1 < sizeof raw)
            v |= (uint32_t)raw[i + 1] << 8;
        if (i + 2 < sizeof raw)
            v |= raw[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < sizeof raw ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < sizeof raw ? alphabet[v & 63] : '=';
    }
    out[o] = '\0';
}

/* Writes file name (mode 0600) with the keys of seeds, in order. */
static void write_keys(const char *name, const unsigned *seeds, size_t n)
{
    char path[PATH_MAX];
    path_of(path, name);
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    for (size_t i = 0; i < n; i++) {
        char line[109];
        key_line(seeds[i], line);
        fprintf(f, "%s\n", line);
    }
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0600), 0);
}

/* A server context of its own (built from scratch) with the key file name. */
static unitls_server_context *server(const char *name)
{
    const char *chain = "example.org";
    unitls_server_config_builder *b = tu_server_builder(&chain, 1);
    char path[PATH_MAX];
    path_of(path, name);
    unitls_error err;
    unitls_ticket_keys *k = unitls_ticket_keys_from_file(path, &err);
    ck_assert_msg(k != NULL, "%s", err.message);
    tu_assert_status(unitls_server_config_builder_set_session_ticket_keys(b, k), UNITLS_OK,
                     "set_session_ticket_keys", "");
    unitls_ticket_keys_unref(k);
    return tu_server_context_from(b);
}

static unitls_client_context *client(enum unitls_tls_version highest)
{
    unitls_client_config_builder *b = tu_client_builder();
    tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, highest);
    return tu_client_context_from(b);
}

static enum unitls_tls_version version_of(int i)
{
    return i == 0 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2;
}

/* One connection (handshake, tickets, clean close); whether it resumed, both sides agreeing. */
static int connect_once(unitls_client_context *cctx, unitls_server_context *sctx)
{
    struct tu_conn *c = tu_conn_new(cctx, "example.org", sctx);
    tu_handshake_ok(c);
    tu_settle(c);
    int resumed = unitls_buffer_session_resumed(c->client);
    ck_assert_msg(resumed == unitls_buffer_session_resumed(c->server),
                  "resumed: client says %d, server %d", resumed,
                  unitls_buffer_session_resumed(c->server));
    unitls_buffer_shutdown(c->client);
    tu_conn_move(c);
    unitls_buffer_shutdown(c->server);
    tu_conn_move(c);
    tu_conn_free(c);
    return resumed;
}

static int is_gnutls(void) { return strcmp(tu_impl_name(), "gnutls") == 0; }

/* Two instances of a fleet: contexts built apart from one file resume each other's tickets,
 * both ways. */
START_TEST(test_same_file_resumes_across_contexts)
{
    static const unsigned seeds[] = {1, 2};
    write_keys("old", seeds, 2);
    unitls_client_context *cctx = client(version_of(_i));
    unitls_server_context *a = server("old");
    unitls_server_context *b = server("old");
    ck_assert_msg(!connect_once(cctx, a), "the first connection resumed");
    ck_assert_msg(connect_once(cctx, b), "a ticket from context A did not resume on B");
    ck_assert_msg(connect_once(cctx, a), "a ticket from context B did not resume on A");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(a);
    unitls_server_context_unref(b);
}
END_TEST

/* Other keys: the ticket is not opened, the handshake is full and succeeds. */
START_TEST(test_other_keys_do_not_resume)
{
    static const unsigned one[] = {1}, other[] = {9};
    write_keys("old", one, 1);
    write_keys("other", other, 1);
    unitls_client_context *cctx = client(version_of(_i));
    unitls_server_context *a = server("old");
    unitls_server_context *b = server("other");
    ck_assert(!connect_once(cctx, a));
    ck_assert_msg(!connect_once(cctx, b), "a ticket resumed on a context with other keys");
    ck_assert_msg(connect_once(cctx, b), "B's own ticket did not resume on B");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(a);
    unitls_server_context_unref(b);
}
END_TEST

/* A context with no keys configured keeps its random keys to itself. */
START_TEST(test_configured_and_random_keys_differ)
{
    static const unsigned one[] = {1};
    write_keys("old", one, 1);
    unitls_client_context *cctx = client(version_of(_i));
    unitls_server_context *a = server("old");
    unitls_server_context *random_keys = tu_server_context("example.org");
    ck_assert(!connect_once(cctx, a));
    ck_assert_msg(!connect_once(cctx, random_keys), "a configured key's ticket resumed on a "
                  "context with random keys");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(a);
    unitls_server_context_unref(random_keys);
}
END_TEST

/* The rotation an operator makes: old = {K1}; rotated = {K2, K1}; new = {K2}. */
START_TEST(test_rotation)
{
    static const unsigned old_keys[] = {1}, rotated_keys[] = {2, 1}, new_keys[] = {2};
    write_keys("old", old_keys, 1);
    write_keys("rotated", rotated_keys, 2);
    write_keys("new", new_keys, 1);
    unitls_client_context *cctx = client(version_of(_i));
    unitls_server_context *old = server("old");
    unitls_server_context *rotated = server("rotated");
    unitls_server_context *fresh = server("new");
    ck_assert(!connect_once(cctx, old)); /* a ticket under K1 */
    int resumed = connect_once(cctx, rotated);
    if (is_gnutls()) {
        ck_assert_msg(!resumed, "GnuTLS resumed a ticket of an older first key; the "
                      "documentation says it makes a full handshake");
    } else {
        ck_assert_msg(resumed, "a ticket under the second key did not resume");
    }
    /* The client now holds a ticket under K2: issued anew after K1 opened the old one (TLS
     * 1.3 always sends new tickets; after a resumed TLS 1.2 handshake the OpenSSL server
     * renews the ticket, which the client keeps), or made by GnuTLS's full handshake. */
    ck_assert_msg(connect_once(cctx, fresh), "the ticket after the rotation is not under "
                  "the new first key");
    ck_assert_msg(connect_once(cctx, rotated), "the rotated context did not resume its own");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(old);
    unitls_server_context_unref(rotated);
    unitls_server_context_unref(fresh);
}
END_TEST

/* GnuTLS derives its key from the first line only: a context whose first key matches resumes
 * whatever follows it; OpenSSL looks at every key. */
START_TEST(test_first_key_decides_for_gnutls)
{
    static const unsigned a_keys[] = {1, 5}, b_keys[] = {1, 6};
    write_keys("old", a_keys, 2);
    write_keys("other", b_keys, 2);
    unitls_client_context *cctx = client(version_of(_i));
    unitls_server_context *a = server("old");
    unitls_server_context *b = server("other");
    ck_assert(!connect_once(cctx, a));
    ck_assert_msg(connect_once(cctx, b), "same first key, other second key: did not resume");
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(a);
    unitls_server_context_unref(b);
}
END_TEST

static Suite *ticket_keys_suite(void)
{
    Suite *s = suite_create("tls_ticket_keys");
    TCase *tc = tcase_create("ticket_keys");
    tcase_add_unchecked_fixture(tc, dir_create, dir_remove);
    tcase_add_loop_test(tc, test_same_file_resumes_across_contexts, 0, 2);
    tcase_add_loop_test(tc, test_other_keys_do_not_resume, 0, 2);
    tcase_add_loop_test(tc, test_configured_and_random_keys_differ, 0, 2);
    tcase_add_loop_test(tc, test_rotation, 0, 2);
    tcase_add_loop_test(tc, test_first_key_decides_for_gnutls, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(ticket_keys_suite());
}
