/* Check suite for pending, the kept-bytes store of a connection's direction: order kept across
 * partial drains, the capacity bound, and no store held once drained. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/pending.h"

static uint8_t pattern[PENDING_CAPACITY + 1];

static void pattern_fill(void)
{
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 131u + 7u);
}

START_TEST(empty_holds_no_store)
{
    struct pending p = {0};
    ck_assert_uint_eq(pending_len(&p), 0);
    ck_assert_ptr_null(pending_data(&p));
    ck_assert_int_eq(pending_put(&p, pattern, 0), 0);
    ck_assert_ptr_null(p.data);
    pending_free(&p);
    ck_assert_ptr_null(p.data);
}
END_TEST

START_TEST(bytes_leave_in_order)
{
    struct pending p = {0};
    ck_assert_int_eq(pending_put(&p, pattern, 1000), 0);
    ck_assert_int_eq(pending_put(&p, pattern + 1000, 500), 0);
    ck_assert_uint_eq(pending_len(&p), 1500);
    ck_assert_mem_eq(pending_data(&p), pattern, 1500);
    pending_consume(&p, 600);
    ck_assert_uint_eq(pending_len(&p), 900);
    ck_assert_mem_eq(pending_data(&p), pattern + 600, 900);
    pending_free(&p);
}
END_TEST

START_TEST(drained_store_is_freed)
{
    struct pending p = {0};
    ck_assert_int_eq(pending_put(&p, pattern, 100), 0);
    ck_assert_ptr_nonnull(p.data);
    pending_consume(&p, 40);
    ck_assert_ptr_nonnull(p.data);
    pending_consume(&p, 60);
    ck_assert_uint_eq(pending_len(&p), 0);
    ck_assert_ptr_null(p.data);
    ck_assert_ptr_null(pending_data(&p));
    /* reusable afterwards */
    ck_assert_int_eq(pending_put(&p, pattern + 5, 10), 0);
    ck_assert_mem_eq(pending_data(&p), pattern + 5, 10);
    pending_free(&p);
}
END_TEST

START_TEST(capacity_is_a_hard_bound)
{
    struct pending p = {0};
    ck_assert_int_eq(pending_put(&p, pattern, PENDING_CAPACITY + 1), -1);
    ck_assert_uint_eq(pending_len(&p), 0);
    ck_assert_ptr_null(p.data);
    ck_assert_int_eq(pending_put(&p, pattern, PENDING_CAPACITY), 0);
    ck_assert_int_eq(pending_put(&p, pattern, 1), -1);
    ck_assert_uint_eq(pending_len(&p), PENDING_CAPACITY); /* a refused put keeps nothing */
    ck_assert_mem_eq(pending_data(&p), pattern, PENDING_CAPACITY);
    pending_free(&p);
}
END_TEST

/* After a partial drain the room at the front is reused: a full store, drained by half, takes
 * another half, and the bytes still come out in order. */
START_TEST(room_freed_at_the_front_is_reused)
{
    struct pending p = {0};
    const size_t half = PENDING_CAPACITY / 2;
    ck_assert_int_eq(pending_put(&p, pattern, PENDING_CAPACITY), 0);
    pending_consume(&p, half);
    ck_assert_int_eq(pending_put(&p, pattern, half), 0);
    ck_assert_uint_eq(pending_len(&p), PENDING_CAPACITY);
    ck_assert_mem_eq(pending_data(&p), pattern + half, PENDING_CAPACITY - half);
    ck_assert_mem_eq(pending_data(&p) + (PENDING_CAPACITY - half), pattern, half);
    pending_free(&p);
}
END_TEST

START_TEST(consume_past_the_end_empties)
{
    struct pending p = {0};
    ck_assert_int_eq(pending_put(&p, pattern, 10), 0);
    pending_consume(&p, 11);
    ck_assert_uint_eq(pending_len(&p), 0);
    ck_assert_ptr_null(p.data);
}
END_TEST

static int holds(const struct pending *p, const char *text)
{
    return pending_len(p) == strlen(text) && memcmp(pending_data(p), text, strlen(text)) == 0;
}

/* A header swapped for another of any length, ahead of the bytes behind it; into an empty
 * store; to nothing; and refused, with nothing changed, past the capacity. */
START_TEST(front_is_replaced)
{
    struct pending p = {0};
    ck_assert_int_eq(pending_replace_front(&p, 0, (const uint8_t *)"HDR1", 4), 0);
    ck_assert(holds(&p, "HDR1"));
    ck_assert_int_eq(pending_put(&p, (const uint8_t *)"client", 6), 0);
    ck_assert_int_eq(pending_replace_front(&p, 4, (const uint8_t *)"H2", 2), 0);
    ck_assert(holds(&p, "H2client"));
    ck_assert_int_eq(pending_replace_front(&p, 2, (const uint8_t *)"LONGER-HEADER", 13), 0);
    ck_assert(holds(&p, "LONGER-HEADERclient"));
    ck_assert_int_eq(pending_replace_front(&p, 13, NULL, 0), 0);
    ck_assert(holds(&p, "client"));
    ck_assert_int_eq(pending_replace_front(&p, 100, NULL, 0), 0);
    ck_assert_uint_eq(pending_len(&p), 0);
    ck_assert_ptr_null(p.data);
    pattern_fill();
    ck_assert_int_eq(pending_put(&p, pattern, PENDING_CAPACITY - 2), 0);
    ck_assert_int_eq(pending_replace_front(&p, 0, (const uint8_t *)"abc", 3), -1);
    ck_assert_uint_eq(pending_len(&p), PENDING_CAPACITY - 2);
    ck_assert_int_eq(pending_replace_front(&p, 0, (const uint8_t *)"ab", 2), 0);
    ck_assert_uint_eq(pending_len(&p), PENDING_CAPACITY);
    ck_assert_int_eq(memcmp(pending_data(&p), "ab", 2), 0);
    ck_assert_int_eq(memcmp(pending_data(&p) + 2, pattern, PENDING_CAPACITY - 2), 0);
    pending_free(&p);
}
END_TEST

int main(void)
{
    pattern_fill();
    Suite *s = suite_create("daemon_pending");
    TCase *tc = tcase_create("store");
    tcase_add_test(tc, empty_holds_no_store);
    tcase_add_test(tc, bytes_leave_in_order);
    tcase_add_test(tc, drained_store_is_freed);
    tcase_add_test(tc, capacity_is_a_hard_bound);
    tcase_add_test(tc, room_freed_at_the_front_is_reused);
    tcase_add_test(tc, consume_past_the_end_empties);
    tcase_add_test(tc, front_is_replaced);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
