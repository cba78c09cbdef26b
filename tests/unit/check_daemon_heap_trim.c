/* Check suite for heap_trim's decisions: when a tick trims and when it must not, and when a
 * worker's falling connection count trims. The ticks are fed made-up counter totals and clock
 * values, the workers' decisions made-up counts, so no daemon and no burst is needed. */
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

/* Opens connections one by one, the count going from `from` to `to`. */
static void drop_rise(struct heap_trim_drop *d, size_t from, size_t to)
{
    for (size_t n = from + 1; n <= to; n++)
        heap_trim_drop_opened(d, n);
}

/* Closes connections one by one from n down to to; returns how many trims that made. */
static int drop_fall(struct heap_trim_drop *d, size_t from, size_t to)
{
    int trims = 0;
    for (size_t n = from; n-- > to;)
        trims += heap_trim_drop_closed(d, n, 0);
    return trims;
}

START_TEST(a_flood_released_trims_a_few_times_down_to_zero)
{
    struct heap_trim_drop d = {0};
    drop_rise(&d, 0, 2000);
    /* halvings 2000 -> 1000 -> 500 -> 250 -> 125 -> 61 (the first with 64 fewer), then zero */
    ck_assert_int_eq(drop_fall(&d, 2000, 1001), 0);
    ck_assert_int_eq(heap_trim_drop_closed(&d, 1000, 0), TRIMS);
    ck_assert_int_eq(drop_fall(&d, 1000, 0), TRIMS * 5);
}
END_TEST

START_TEST(steady_load_never_trims)
{
    /* 500 open, churning: connections close and others open, the count never halves */
    struct heap_trim_drop d = {0};
    drop_rise(&d, 0, 500);
    int trims = 0;
    for (unsigned i = 0; i < 10000; i++) {
        size_t n = 400 + (i * 37u) % 100u;
        trims += heap_trim_drop_closed(&d, n, 0);
        heap_trim_drop_opened(&d, n + 1);
    }
    ck_assert_int_eq(trims, 0);
}
END_TEST

START_TEST(a_small_burst_never_trims)
{
    /* up to HEAP_TRIM_DROP - 1 open and back to zero, again and again */
    struct heap_trim_drop d = {0};
    int trims = 0;
    for (unsigned i = 0; i < 100; i++) {
        drop_rise(&d, 0, HEAP_TRIM_DROP - 1);
        trims += drop_fall(&d, HEAP_TRIM_DROP - 1, 0);
    }
    ck_assert_int_eq(trims, 0);
}
END_TEST

START_TEST(a_burst_of_drop_size_trims_once_at_zero)
{
    struct heap_trim_drop d = {0};
    drop_rise(&d, 0, HEAP_TRIM_DROP);
    ck_assert_int_eq(drop_fall(&d, HEAP_TRIM_DROP, 1), 0);
    ck_assert_int_eq(heap_trim_drop_closed(&d, 0, 0), TRIMS);
    /* a lone connection on the idle worker afterwards: no trim */
    heap_trim_drop_opened(&d, 1);
    ck_assert_int_eq(heap_trim_drop_closed(&d, 0, 0), 0);
}
END_TEST

START_TEST(a_drop_is_counted_from_the_last_trim)
{
    struct heap_trim_drop d = {0};
    drop_rise(&d, 0, 1000);
    ck_assert_int_eq(drop_fall(&d, 1000, 500), TRIMS);
    if (!TRIMS)
        return;
    /* back up to 600: the next trim needs the count at 300 (half of the new peak) */
    drop_rise(&d, 500, 600);
    ck_assert_int_eq(drop_fall(&d, 600, 301), 0);
    ck_assert_int_eq(heap_trim_drop_closed(&d, 300, 0), 1);
}
END_TEST

START_TEST(trims_need_drop_size_closes_between_them)
{
    /* a peak of 100: 100 -> 50 is a halving but only 50 fewer; the trim waits for 36 */
    struct heap_trim_drop d = {0};
    drop_rise(&d, 0, 100);
    ck_assert_int_eq(drop_fall(&d, 100, 37), 0);
    ck_assert_int_eq(heap_trim_drop_closed(&d, 36, 0), TRIMS);
    /* 36 -> 0: fewer than HEAP_TRIM_DROP closed, but the burst's peak was 100: one at zero */
    ck_assert_int_eq(drop_fall(&d, 36, 0), TRIMS);
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
    TCase *drop = tcase_create("worker_drop");
    tcase_add_test(drop, a_flood_released_trims_a_few_times_down_to_zero);
    tcase_add_test(drop, steady_load_never_trims);
    tcase_add_test(drop, a_small_burst_never_trims);
    tcase_add_test(drop, a_burst_of_drop_size_trims_once_at_zero);
    tcase_add_test(drop, a_drop_is_counted_from_the_last_trim);
    tcase_add_test(drop, trims_need_drop_size_closes_between_them);
    suite_add_tcase(s, drop);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
