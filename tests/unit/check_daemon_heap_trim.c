/* Check suite for heap_trim's decision: when a tick trims and when it must not. The ticks are
 * fed made-up counter totals and clock values, so no daemon and no burst is needed. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "daemon/heap_trim.h"
#include "daemon/log.h"

#if defined(HAVE_MALLOC_H) && defined(HAVE_MALLOC_TRIM)
#define TRIMS 1
#else
#define TRIMS 0 /* without malloc_trim no tick ever trims */
#endif

/* The clock starts well past HEAP_TRIM_MIN_MS, as CLOCK_MONOTONIC does on a running system. */
#define T0 100000u

START_TEST(sustained_load_never_trims)
{
    struct heap_trim t = {0};
    uint64_t hs = 0;
    for (unsigned i = 0; i < 1000; i++) {
        hs += HEAP_TRIM_QUIET + 1;
        ck_assert_int_eq(heap_trim_tick(&t, hs, hs, T0 + i * 1000u), 0);
    }
}
END_TEST

START_TEST(a_trickle_trims_once_per_burst_size)
{
    /* 50 handshakes a second is quiet: a trim once per HEAP_TRIM_HANDSHAKES of them */
    struct heap_trim t = {0};
    uint64_t hs = 0;
    int trims = 0;
    for (unsigned i = 0; i < 100; i++) {
        hs += HEAP_TRIM_QUIET / 2;
        trims += heap_trim_tick(&t, hs, hs, T0 + i * 1000u);
    }
    ck_assert_int_eq(trims, TRIMS * (int)(hs / HEAP_TRIM_HANDSHAKES));
}
END_TEST

START_TEST(trims_once_the_burst_is_over)
{
    struct heap_trim t = {0};
    ck_assert_int_eq(heap_trim_tick(&t, 0, 0, T0), 0);
    /* the burst: not quiet, so no trim while it lasts */
    ck_assert_int_eq(heap_trim_tick(&t, 3000, 3000, T0 + 1000), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 6000, 6000, T0 + 2000), 0);
    /* the first quiet tick after it */
    ck_assert_int_eq(heap_trim_tick(&t, 6010, 6010, T0 + 3000), TRIMS);
    /* nothing new since: no second trim, however long it stays quiet */
    ck_assert_int_eq(heap_trim_tick(&t, 6010, 6010, T0 + 60000), 0);
}
END_TEST

START_TEST(accepts_alone_keep_a_tick_busy)
{
    struct heap_trim t = {0};
    ck_assert_int_eq(heap_trim_tick(&t, 0, 0, T0), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 2000, 2000, T0 + 1000), 0);
    /* handshakes stopped but connections keep arriving (failing or slow handshakes) */
    ck_assert_int_eq(heap_trim_tick(&t, 2500, 2000, T0 + 2000), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 2500, 2000, T0 + 3000), TRIMS);
}
END_TEST

START_TEST(at_most_one_trim_per_interval)
{
    struct heap_trim t = {0};
    ck_assert_int_eq(heap_trim_tick(&t, 2000, 2000, T0), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 2000, 2000, T0 + 1000), TRIMS);
    /* a second burst, over within the interval: waits for it to pass */
    ck_assert_int_eq(heap_trim_tick(&t, 4000, 4000, T0 + 2000), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 4000, 4000, T0 + 3000), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 4000, 4000, T0 + 1000 + HEAP_TRIM_MIN_MS - 1), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 4000, 4000, T0 + 1000 + HEAP_TRIM_MIN_MS), TRIMS);
}
END_TEST

START_TEST(a_burst_is_counted_from_the_last_trim)
{
    struct heap_trim t = {0};
    ck_assert_int_eq(heap_trim_tick(&t, 1500, 1500, T0), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 1500, 1500, T0 + 1000), TRIMS);
    if (!TRIMS)
        return;
    /* 999 more handshakes, in short bursts, long after: not enough for another trim */
    ck_assert_int_eq(heap_trim_tick(&t, 2000, 2000, T0 + 30000), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 2000, 2000, T0 + 31000), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 2499, 2499, T0 + 32000), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 2499, 2499, T0 + 33000), 0);
    ck_assert_int_eq(heap_trim_tick(&t, 2500, 2500, T0 + 34000), TRIMS);
}
END_TEST

int main(void)
{
    log_set_level(LOG_PRIO_WARNING); /* the trims' debug lines are not wanted here */
    Suite *s = suite_create("daemon_heap_trim");
    TCase *tc = tcase_create("decision");
    tcase_add_test(tc, sustained_load_never_trims);
    tcase_add_test(tc, a_trickle_trims_once_per_burst_size);
    tcase_add_test(tc, trims_once_the_burst_is_over);
    tcase_add_test(tc, accepts_alone_keep_a_tick_busy);
    tcase_add_test(tc, at_most_one_trim_per_interval);
    tcase_add_test(tc, a_burst_is_counted_from_the_last_trim);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
