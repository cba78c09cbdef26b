/* The byte stores of a buffer (src/core/iostore.h), used alone:
 * - incoming: data that does not fit the bound is refused whole with WANT_READ and stores
 *   nothing; what fits is taken in order through iostore_in_take, partly or wholly; freed
 *   room is reused (the store compacts); reserve/commit expose the free room in place;
 * - outgoing: iostore_out_append grows the store; take, peek and consume drain it in order;
 *   iostore_out_prepare makes room in one allocation; an impossible size is refused and
 *   flagged as out of memory;
 * - memory: each store is allocated when bytes arrive and freed as soon as it is empty again
 *   (but not while a reserve is outstanding), and iostore_release frees both.
 * The stores are struct iostore's fields, which are part of the header's contract. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/iostore.h"

#define LIMIT IOSTORE_INCOMING_LIMIT

/* A store of len bytes, each a function of its index and seed. */
static uint8_t *pattern(size_t len, unsigned seed)
{
    uint8_t *p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)(i * 31u + seed * 7u + (i >> 8));
    return p;
}

/* Takes exactly len incoming bytes and checks them against want. */
static void in_take_expect(struct iostore *io, const uint8_t *want, size_t len)
{
    uint8_t *got = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(got);
    size_t n = iostore_in_take(io, got, len);
    ck_assert_uint_eq(n, len);
    ck_assert_msg(memcmp(got, want, len) == 0, "incoming bytes came out altered or reordered");
    free(got);
}

/* --- incoming: the bound --- */

/* A put past the bound into an empty store is refused and allocates nothing. */
START_TEST(test_put_over_limit_refused_empty)
{
    struct iostore io = {0};
    uint8_t *data = pattern(LIMIT + 1, 1);
    ck_assert_int_eq(iostore_put(&io, data, LIMIT + 1), UNITLS_WANT_READ);
    ck_assert_uint_eq(iostore_in_len(&io), 0);
    ck_assert_ptr_null(io.in);
    free(data);
    iostore_release(&io);
}
END_TEST

/* Exactly the room is taken; one byte more is refused whole, leaving the store as it was. */
START_TEST(test_put_refused_whole_at_bound)
{
    struct iostore io = {0};
    uint8_t *data = pattern(LIMIT + 1, 2);
    ck_assert_int_eq(iostore_put(&io, data, 10), UNITLS_OK);
    ck_assert_uint_eq(iostore_in_len(&io), 10);
    ck_assert_int_eq(iostore_put(&io, data + 10, LIMIT - 10 + 1), UNITLS_WANT_READ);
    ck_assert_uint_eq(iostore_in_len(&io), 10);
    ck_assert_int_eq(iostore_put(&io, data + 10, LIMIT - 10), UNITLS_OK);
    ck_assert_uint_eq(iostore_in_len(&io), LIMIT);
    ck_assert_int_eq(iostore_put(&io, data, 1), UNITLS_WANT_READ);
    ck_assert_uint_eq(iostore_in_len(&io), LIMIT);
    in_take_expect(&io, data, LIMIT);
    free(data);
    iostore_release(&io);
}
END_TEST

/* An empty put is fine and allocates nothing. */
START_TEST(test_put_empty)
{
    struct iostore io = {0};
    uint8_t byte = 0;
    ck_assert_int_eq(iostore_put(&io, &byte, 0), UNITLS_OK);
    ck_assert_ptr_null(io.in);
    ck_assert_uint_eq(iostore_in_len(&io), 0);
    iostore_release(&io);
}
END_TEST

/* The bound holds two of TLS 1.2's largest records. */
START_TEST(test_limit_holds_two_records)
{
    ck_assert_uint_ge(LIMIT, 2u * (5u + 16384u + 2048u));
}
END_TEST

/* --- incoming: taking --- */

/* Partial takes come out in order; the store is freed when the last byte is taken. */
START_TEST(test_in_take_partial_then_freed)
{
    struct iostore io = {0};
    uint8_t *data = pattern(1000, 3);
    ck_assert_int_eq(iostore_put(&io, data, 1000), UNITLS_OK);
    ck_assert_ptr_nonnull(io.in);
    in_take_expect(&io, data, 1);
    in_take_expect(&io, data + 1, 499);
    ck_assert_uint_eq(iostore_in_len(&io), 500);
    ck_assert_ptr_nonnull(io.in);
    uint8_t rest[600];
    ck_assert_uint_eq(iostore_in_take(&io, rest, sizeof rest), 500);
    ck_assert_int_eq(memcmp(rest, data + 500, 500), 0);
    ck_assert_ptr_null(io.in);
    ck_assert_uint_eq(iostore_in_take(&io, rest, sizeof rest), 0);
    free(data);
    iostore_release(&io);
}
END_TEST

/* Room freed by taking is used again: with half taken, a put of that half fits (the unread
 * bytes move to the front) and everything comes out in order. */
START_TEST(test_in_room_reused_after_take)
{
    struct iostore io = {0};
    uint8_t *data = pattern(LIMIT + LIMIT / 2, 4);
    ck_assert_int_eq(iostore_put(&io, data, LIMIT), UNITLS_OK);
    in_take_expect(&io, data, LIMIT / 2);
    ck_assert_int_eq(iostore_put(&io, data + LIMIT, LIMIT / 2 + 1), UNITLS_WANT_READ);
    ck_assert_int_eq(iostore_put(&io, data + LIMIT, LIMIT / 2), UNITLS_OK);
    ck_assert_uint_eq(iostore_in_len(&io), LIMIT);
    in_take_expect(&io, data + LIMIT / 2, LIMIT);
    ck_assert_ptr_null(io.in);
    free(data);
    iostore_release(&io);
}
END_TEST

/* A take of 0 bytes moves nothing. */
START_TEST(test_in_take_zero)
{
    struct iostore io = {0};
    uint8_t data[4] = {1, 2, 3, 4}, got[4];
    ck_assert_int_eq(iostore_put(&io, data, 4), UNITLS_OK);
    ck_assert_uint_eq(iostore_in_take(&io, got, 0), 0);
    ck_assert_uint_eq(iostore_in_len(&io), 4);
    iostore_release(&io);
}
END_TEST

/* --- incoming: reserve and commit --- */

/* On an empty store: the whole bound, in place; committed bytes read back in order. */
START_TEST(test_reserve_commit_empty)
{
    struct iostore io = {0};
    uint8_t *ptr = NULL;
    size_t cap = 0;
    ck_assert_int_eq(iostore_reserve(&io, &ptr, &cap), UNITLS_OK);
    ck_assert_ptr_nonnull(ptr);
    ck_assert_uint_eq(cap, LIMIT);
    uint8_t *data = pattern(300, 5);
    memcpy(ptr, data, 300);
    ck_assert_int_eq(iostore_commit(&io, 300), UNITLS_OK);
    ck_assert_uint_eq(iostore_in_len(&io), 300);
    in_take_expect(&io, data, 300);
    ck_assert_ptr_null(io.in);
    free(data);
    iostore_release(&io);
}
END_TEST

/* With bytes stored and some taken: the room after them, all of it contiguous. */
START_TEST(test_reserve_after_take_is_contiguous)
{
    struct iostore io = {0};
    uint8_t *data = pattern(LIMIT + 400, 6);
    ck_assert_int_eq(iostore_put(&io, data, 1000), UNITLS_OK);
    in_take_expect(&io, data, 400);
    uint8_t *ptr = NULL;
    size_t cap = 0;
    ck_assert_int_eq(iostore_reserve(&io, &ptr, &cap), UNITLS_OK);
    ck_assert_uint_eq(cap, LIMIT - 600);
    memcpy(ptr, data + 1000, cap);
    ck_assert_int_eq(iostore_commit(&io, cap), UNITLS_OK);
    ck_assert_uint_eq(iostore_in_len(&io), LIMIT);
    in_take_expect(&io, data + 400, 600);
    in_take_expect(&io, data + 1000, cap);
    free(data);
    iostore_release(&io);
}
END_TEST

/* A full store reserves no room; committing 0 is fine, 1 is not. */
START_TEST(test_reserve_full_store)
{
    struct iostore io = {0};
    uint8_t *data = pattern(LIMIT, 7);
    ck_assert_int_eq(iostore_put(&io, data, LIMIT), UNITLS_OK);
    uint8_t *ptr = NULL;
    size_t cap = 1;
    ck_assert_int_eq(iostore_reserve(&io, &ptr, &cap), UNITLS_OK);
    ck_assert_uint_eq(cap, 0);
    ck_assert_int_eq(iostore_commit(&io, 1), UNITLS_ERR_INVALID);
    ck_assert_int_eq(iostore_commit(&io, 0), UNITLS_OK);
    ck_assert_uint_eq(iostore_in_len(&io), LIMIT);
    in_take_expect(&io, data, LIMIT);
    free(data);
    iostore_release(&io);
}
END_TEST

/* Commit without a reserve, more than the room, or twice for one reserve: refused, and the
 * store keeps its bytes. */
START_TEST(test_commit_refusals)
{
    struct iostore io = {0};
    ck_assert_int_eq(iostore_commit(&io, 0), UNITLS_ERR_INVALID);
    ck_assert_int_eq(iostore_commit(&io, 1), UNITLS_ERR_INVALID);
    uint8_t *ptr = NULL;
    size_t cap = 0;
    ck_assert_int_eq(iostore_reserve(&io, &ptr, &cap), UNITLS_OK);
    ck_assert_int_eq(iostore_commit(&io, cap + 1), UNITLS_ERR_INVALID);
    ptr[0] = 0x5a;
    ck_assert_int_eq(iostore_commit(&io, 1), UNITLS_OK);
    ck_assert_int_eq(iostore_commit(&io, 1), UNITLS_ERR_INVALID);
    ck_assert_uint_eq(iostore_in_len(&io), 1);
    uint8_t got = 0;
    ck_assert_uint_eq(iostore_in_take(&io, &got, 1), 1);
    ck_assert_uint_eq(got, 0x5a);
    iostore_release(&io);
}
END_TEST

/* An outstanding reserve keeps the empty store (its pointer stays valid); committing nothing
 * frees it. */
START_TEST(test_reserve_keeps_store_until_commit)
{
    struct iostore io = {0};
    uint8_t *ptr = NULL, got[8];
    size_t cap = 0;
    ck_assert_int_eq(iostore_reserve(&io, &ptr, &cap), UNITLS_OK);
    ck_assert_uint_eq(iostore_in_take(&io, got, sizeof got), 0);
    ck_assert_ptr_nonnull(io.in);
    ck_assert_ptr_eq(io.in, ptr);
    ck_assert_int_eq(iostore_commit(&io, 0), UNITLS_OK);
    ck_assert_ptr_null(io.in);
    iostore_release(&io);
}
END_TEST

/* --- outgoing --- */

/* Appends come out in order through take, with the store freed once drained. */
START_TEST(test_out_append_take_in_order)
{
    struct iostore io = {0};
    uint8_t *data = pattern(50000, 8);
    ck_assert_ptr_null(io.out);
    ck_assert_int_eq(iostore_out_append(&io, data, 100), 0);
    ck_assert_int_eq(iostore_out_append(&io, data + 100, 20000), 0);
    ck_assert_int_eq(iostore_out_append(&io, data + 20100, 29900), 0);
    ck_assert_uint_eq(iostore_out_len(&io), 50000);
    uint8_t *got = malloc(50000);
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(iostore_take(&io, got, 7), 7);
    ck_assert_uint_eq(iostore_take(&io, got + 7, 0), 0);
    ck_assert_uint_eq(iostore_take(&io, got + 7, 30000), 30000);
    ck_assert_ptr_nonnull(io.out);
    ck_assert_uint_eq(iostore_take(&io, got + 30007, 50000), 50000 - 30007);
    ck_assert_int_eq(memcmp(got, data, 50000), 0);
    ck_assert_ptr_null(io.out);
    ck_assert_uint_eq(iostore_out_len(&io), 0);
    ck_assert_uint_eq(iostore_take(&io, got, 10), 0);
    free(got);
    free(data);
    iostore_release(&io);
}
END_TEST

/* peek shows the pending bytes in place; consume drops them; the store is freed when empty. */
START_TEST(test_out_peek_consume)
{
    struct iostore io = {0};
    const uint8_t *ptr = (const uint8_t *)"x";
    size_t len = 99;
    iostore_peek(&io, &ptr, &len);
    ck_assert_ptr_null(ptr);
    ck_assert_uint_eq(len, 0);

    uint8_t *data = pattern(9000, 9);
    ck_assert_int_eq(iostore_out_append(&io, data, 9000), 0);
    iostore_peek(&io, &ptr, &len);
    ck_assert_uint_eq(len, 9000);
    ck_assert_int_eq(memcmp(ptr, data, len), 0);
    ck_assert_int_eq(iostore_consume(&io, 9001), UNITLS_ERR_INVALID);
    ck_assert_uint_eq(iostore_out_len(&io), 9000);
    ck_assert_int_eq(iostore_consume(&io, 1000), UNITLS_OK);
    iostore_peek(&io, &ptr, &len);
    ck_assert_uint_eq(len, 8000);
    ck_assert_int_eq(memcmp(ptr, data + 1000, len), 0);
    ck_assert_int_eq(iostore_consume(&io, 0), UNITLS_OK);
    ck_assert_int_eq(iostore_consume(&io, 8000), UNITLS_OK);
    ck_assert_ptr_null(io.out);
    iostore_peek(&io, &ptr, &len);
    ck_assert_ptr_null(ptr);
    ck_assert_uint_eq(len, 0);
    ck_assert_int_eq(iostore_consume(&io, 1), UNITLS_ERR_INVALID);
    free(data);
    iostore_release(&io);
}
END_TEST

/* Appending after a partial drain keeps the order (drained room is reused). */
START_TEST(test_out_append_after_partial_drain)
{
    struct iostore io = {0};
    uint8_t *data = pattern(12000, 10);
    ck_assert_int_eq(iostore_out_append(&io, data, 4000), 0);
    ck_assert_int_eq(iostore_consume(&io, 3000), UNITLS_OK);
    ck_assert_int_eq(iostore_out_append(&io, data + 4000, 8000), 0);
    const uint8_t *ptr = NULL;
    size_t len = 0;
    iostore_peek(&io, &ptr, &len);
    ck_assert_uint_eq(len, 9000);
    ck_assert_int_eq(memcmp(ptr, data + 3000, len), 0);
    free(data);
    iostore_release(&io);
}
END_TEST

/* prepare makes room for a large write in one go: appends up to that size do not move the
 * store. */
START_TEST(test_out_prepare_one_allocation)
{
    struct iostore io = {0};
    ck_assert_int_eq(iostore_out_prepare(&io, 100000), 0);
    ck_assert_ptr_nonnull(io.out);
    ck_assert_uint_ge(io.out_cap, 100000);
    const uint8_t *before = io.out;
    uint8_t *data = pattern(100000, 11);
    for (size_t off = 0; off < 100000; off += 10000)
        ck_assert_int_eq(iostore_out_append(&io, data + off, 10000), 0);
    ck_assert_ptr_eq(io.out, before);
    ck_assert_uint_eq(iostore_out_len(&io), 100000);
    free(data);
    iostore_release(&io);
}
END_TEST

/* A size that can never fit is refused: -1, out_of_memory set, the pending bytes intact. */
START_TEST(test_out_impossible_size)
{
    struct iostore io = {0};
    uint8_t data[16] = {0};
    ck_assert_int_eq(iostore_out_append(&io, data, sizeof data), 0);
    ck_assert_int_eq(iostore_out_prepare(&io, SIZE_MAX), -1);
    ck_assert_int_eq(iostore_out_append(&io, data, SIZE_MAX), -1);
    ck_assert_int_eq(io.out_of_memory, 1);
    ck_assert_uint_eq(iostore_out_len(&io), sizeof data);
    iostore_release(&io);
}
END_TEST

/* release frees both stores and leaves an empty, reusable store. */
START_TEST(test_release)
{
    struct iostore io = {0};
    uint8_t data[100] = {0};
    ck_assert_int_eq(iostore_put(&io, data, sizeof data), UNITLS_OK);
    ck_assert_int_eq(iostore_out_append(&io, data, sizeof data), 0);
    iostore_release(&io);
    ck_assert_ptr_null(io.in);
    ck_assert_ptr_null(io.out);
    ck_assert_uint_eq(iostore_in_len(&io), 0);
    ck_assert_uint_eq(iostore_out_len(&io), 0);
    ck_assert_int_eq(iostore_put(&io, data, sizeof data), UNITLS_OK);
    iostore_release(&io);
    iostore_release(&io);
}
END_TEST

static Suite *iostore_suite(void)
{
    Suite *s = suite_create("core_iostore");
    TCase *tc = tcase_create("incoming_bound");
    tcase_add_test(tc, test_put_over_limit_refused_empty);
    tcase_add_test(tc, test_put_refused_whole_at_bound);
    tcase_add_test(tc, test_put_empty);
    tcase_add_test(tc, test_limit_holds_two_records);
    suite_add_tcase(s, tc);

    tc = tcase_create("incoming_take");
    tcase_add_test(tc, test_in_take_partial_then_freed);
    tcase_add_test(tc, test_in_room_reused_after_take);
    tcase_add_test(tc, test_in_take_zero);
    suite_add_tcase(s, tc);

    tc = tcase_create("reserve_commit");
    tcase_add_test(tc, test_reserve_commit_empty);
    tcase_add_test(tc, test_reserve_after_take_is_contiguous);
    tcase_add_test(tc, test_reserve_full_store);
    tcase_add_test(tc, test_commit_refusals);
    tcase_add_test(tc, test_reserve_keeps_store_until_commit);
    suite_add_tcase(s, tc);

    tc = tcase_create("outgoing");
    tcase_add_test(tc, test_out_append_take_in_order);
    tcase_add_test(tc, test_out_peek_consume);
    tcase_add_test(tc, test_out_append_after_partial_drain);
    tcase_add_test(tc, test_out_prepare_one_allocation);
    tcase_add_test(tc, test_out_impossible_size);
    tcase_add_test(tc, test_release);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(iostore_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
