/* Data after the handshake: the incoming store's bound, 64 MiB each way through the copying
 * calls and through the zero-copy ones, clean close in both directions, and ragged EOF. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MIB (1024u * 1024u)

static struct tu_conn *established(void)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context("example.org"));
    tu_handshake_ok(c);
    tu_settle(c);
    return c;
}

static void offer_refused(unitls_buffer *b, const void *data, size_t len, const char *what)
{
    size_t before = unitls_buffer_incoming_bytes_buffered(b);
    unitls_status st = unitls_buffer_process_incoming(b, data, len);
    tu_assert_status(st, UNITLS_WANT_READ, what, unitls_buffer_last_error(b)->message);
    ck_assert_msg(unitls_buffer_incoming_bytes_buffered(b) == before,
                  "%s: %zu bytes buffered after a refused offer, %zu before", what,
                  unitls_buffer_incoming_bytes_buffered(b), before);
}

static void offer_taken(unitls_buffer *b, const void *data, size_t len, const char *what)
{
    size_t before = unitls_buffer_incoming_bytes_buffered(b);
    unitls_status st = unitls_buffer_process_incoming(b, data, len);
    tu_assert_status(st, UNITLS_OK, what, unitls_buffer_last_error(b)->message);
    ck_assert_msg(unitls_buffer_incoming_bytes_buffered(b) == before + len,
                  "%s: %zu bytes buffered, expected %zu", what,
                  unitls_buffer_incoming_bytes_buffered(b), before + len);
}

/* Offers past the bound are refused whole with WANT_READ and store nothing; offers that fit
 * exactly are taken (checked on a fresh server buffer, before any TLS processing). */
START_TEST(test_incoming_bound_exact)
{
    unitls_server_context *sctx = tu_server_context("example.org");
    unitls_error err;
    unitls_buffer *b = unitls_server_context_create_buffer(sctx, &err);
    ck_assert_msg(b != NULL, "server buffer: %s", err.message);
    size_t limit = unitls_buffer_incoming_limit(b);
    ck_assert_msg(limit >= 16 * 1024 + 5, "incoming limit %zu is below one TLS record", limit);
    uint8_t *junk = calloc(1, limit + 1);
    ck_assert_ptr_nonnull(junk);

    offer_refused(b, junk, limit + 1, "offer of limit + 1 to an empty buffer");
    offer_taken(b, junk, 10, "offer of 10 bytes");
    offer_refused(b, junk, limit - 10 + 1, "offer one byte past the remaining room");
    offer_taken(b, junk, limit - 10, "offer of exactly the remaining room");
    ck_assert_uint_eq(unitls_buffer_incoming_bytes_buffered(b), limit);
    offer_refused(b, junk, 1, "offer of 1 byte to a full buffer");

    free(junk);
    unitls_buffer_free(b);
    unitls_server_context_unref(sctx);
}
END_TEST

/* With a peer writing and the receiver not reading, the receiver's store fills to its bound;
 * more ciphertext is refused until the application reads, then taken. */
START_TEST(test_incoming_bound_under_load)
{
    struct tu_conn *c = established();
    c->chunk = TU_PIPE_SIZE;
    uint8_t *data = malloc(16 * 1024);
    ck_assert_ptr_nonnull(data);
    tu_pattern_fill(3, 0, data, 16 * 1024);
    unitls_status st = UNITLS_OK;
    for (unsigned i = 0; i < 64 && st == UNITLS_OK; i++) {
        size_t n = 0;
        st = unitls_buffer_write(c->client, data, 16 * 1024, &n);
        tu_conn_move(c);
    }
    tu_assert_status(st, UNITLS_WANT_WRITE, "client write with the reader stalled",
                     unitls_buffer_last_error(c->client)->message);
    size_t limit = unitls_buffer_incoming_limit(c->server);
    ck_assert_uint_eq(unitls_buffer_incoming_bytes_buffered(c->server), limit);
    ck_assert_uint_gt(c->to_server.len, 0);

    size_t offer = c->to_server.len < 100 ? c->to_server.len : 100;
    offer_refused(c->server, c->to_server.data, offer, "ciphertext to a full server buffer");

    uint8_t got[512];
    size_t n = 0;
    st = unitls_buffer_read(c->server, got, sizeof got, &n);
    tu_assert_status(st, UNITLS_OK, "server read", unitls_buffer_last_error(c->server)->message);
    ck_assert_uint_eq(tu_pattern_check(3, 0, got, n), n);
    ck_assert_uint_lt(unitls_buffer_incoming_bytes_buffered(c->server), limit);
    ck_assert_uint_gt(tu_conn_move(c), 0);
    free(data);
    tu_conn_free(c);
}
END_TEST

/* 64 MiB each way at once through write/read and process_outgoing/process_incoming, every
 * byte checked against the sender's stream. */
START_TEST(test_64mib_each_way_copying)
{
    struct tu_conn *c = established();
    c->chunk = TU_PIPE_SIZE;
    tu_transfer_duplex(c, 64u * MIB);
    tu_conn_free(c);
}
END_TEST

/* The same through outgoing_peek/outgoing_consume and incoming_reserve/incoming_commit. */
START_TEST(test_64mib_each_way_zero_copy)
{
    struct tu_conn *c = established();
    c->mode = TU_MOVE_ZEROCOPY;
    c->chunk = TU_PIPE_SIZE;
    tu_transfer_duplex(c, 64u * MIB);
    tu_conn_free(c);
}
END_TEST

/* A TLS 1.2 connection carries data the same way, with odd-sized moves. */
START_TEST(test_8mib_tls12_odd_chunks)
{
    unitls_client_config_builder *b = tu_client_builder();
    tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, UNITLS_TLSv1_2);
    struct tu_conn *c = tu_conn_take(tu_client_context_from(b), "example.org",
                                     tu_server_context("example.org"));
    c->chunk = 1000;
    tu_handshake_ok(c);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(c->client), UNITLS_TLSv1_2);
    tu_transfer_duplex(c, 8u * MIB);
    tu_conn_free(c);
}
END_TEST

static void expect_clean_end(unitls_buffer *b, const char *side)
{
    uint8_t byte;
    size_t n = 1;
    unitls_status st = unitls_buffer_read(b, &byte, 1, &n);
    tu_assert_status(st, UNITLS_OK, side, unitls_buffer_last_error(b)->message);
    ck_assert_msg(n == 0, "%s: read %zu bytes where a clean close was expected", side, n);
}

/* One side ends with data then close_notify: the peer reads the data, then OK with 0 bytes
 * (again on every later read); the peer's own shutdown then completes with OK, and so does the
 * first side's second shutdown. _i == 0: the client closes first; 1: the server. */
START_TEST(test_clean_close)
{
    struct tu_conn *c = established();
    unitls_buffer *first = _i == 0 ? c->client : c->server;
    unitls_buffer *second = _i == 0 ? c->server : c->client;
    static const char bye[] = "last words";
    char got[sizeof bye];

    tu_send_all(c, first, bye, sizeof bye);
    unitls_status st = unitls_buffer_shutdown(first);
    tu_assert_status(st, UNITLS_WANT_READ, "first shutdown",
                     unitls_buffer_last_error(first)->message);
    ck_assert_uint_gt(tu_conn_move(c), 0);

    tu_recv_exact(c, second, got, sizeof got);
    ck_assert_msg(memcmp(got, bye, sizeof bye) == 0, "data before close_notify was altered");
    expect_clean_end(second, "second side after close_notify");
    expect_clean_end(second, "second side reading again");

    st = unitls_buffer_shutdown(second);
    tu_assert_status(st, UNITLS_OK, "second shutdown", unitls_buffer_last_error(second)->message);
    ck_assert_uint_gt(tu_conn_move(c), 0);
    expect_clean_end(first, "first side after the peer's close_notify");
    st = unitls_buffer_shutdown(first);
    tu_assert_status(st, UNITLS_OK, "first shutdown again",
                     unitls_buffer_last_error(first)->message);
    tu_conn_free(c);
}
END_TEST

/* The transport ends without close_notify: read gives RAGGED_EOF (on either side), after
 * handing over the data that did arrive. */
START_TEST(test_ragged_eof)
{
    struct tu_conn *c = established();
    unitls_buffer *sender = _i == 0 ? c->client : c->server;
    unitls_buffer *receiver = _i == 0 ? c->server : c->client;
    static const char partial[] = "data, then the cable is cut";
    char got[sizeof partial];
    tu_send_all(c, sender, partial, sizeof partial);

    unitls_status st = unitls_buffer_process_incoming_eof(receiver);
    tu_assert_status(st, UNITLS_OK, "process_incoming_eof",
                     unitls_buffer_last_error(receiver)->message);
    size_t n = 0;
    st = unitls_buffer_read(receiver, got, sizeof got, &n);
    tu_assert_status(st, UNITLS_OK, "read of the data before EOF",
                     unitls_buffer_last_error(receiver)->message);
    ck_assert_uint_eq(n, sizeof partial);
    ck_assert_msg(memcmp(got, partial, n) == 0, "data before EOF was altered");
    st = unitls_buffer_read(receiver, got, sizeof got, &n);
    tu_assert_status(st, UNITLS_RAGGED_EOF, "read at EOF",
                     unitls_buffer_last_error(receiver)->message);
    tu_conn_free(c);
}
END_TEST

/* EOF during the handshake is no clean end either: the handshake fails rather than waiting. */
START_TEST(test_eof_during_handshake)
{
    struct tu_conn *c = tu_conn_take(tu_client_context(), "example.org",
                                     tu_server_context("example.org"));
    unitls_status st = unitls_buffer_do_handshake(c->client);
    tu_assert_status(st, UNITLS_WANT_READ, "client hello",
                     unitls_buffer_last_error(c->client)->message);
    tu_conn_move(c);
    tu_assert_status(unitls_buffer_process_incoming_eof(c->client), UNITLS_OK, "eof", "");
    st = unitls_buffer_do_handshake(c->client);
    ck_assert_msg(st != UNITLS_OK && st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE,
                  "handshake after EOF: %s", unitls_status_name(st));
    tu_conn_free(c);
}
END_TEST

static Suite *transfer_suite(void)
{
    Suite *s = suite_create("tls_transfer");
    TCase *tc = tcase_create("incoming_bound");
    tcase_add_test(tc, test_incoming_bound_exact);
    tcase_add_test(tc, test_incoming_bound_under_load);
    suite_add_tcase(s, tc);

    tc = tcase_create("bulk");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_64mib_each_way_copying);
    tcase_add_test(tc, test_64mib_each_way_zero_copy);
    tcase_add_test(tc, test_8mib_tls12_odd_chunks);
    suite_add_tcase(s, tc);

    tc = tcase_create("close");
    tcase_add_loop_test(tc, test_clean_close, 0, 2);
    tcase_add_loop_test(tc, test_ragged_eof, 0, 2);
    tcase_add_test(tc, test_eof_during_handshake);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(transfer_suite());
}
