/* Check suite for backend_pool: which backend a connection tries, without sockets.
 * - first: the list's order, failover to the next when one is marked down;
 * - round_robin: successive connections start one backend further on, wrapping;
 * - a marked backend is skipped until backend_retry has passed (not a millisecond less), or
 *   until a connection reached it; a mark far in the future (the clock stepped back) is void,
 *   one a few ms ahead (another thread's clock) is not;
 * - one connection tries each backend at most once, the ones not marked first, then the marked
 *   ones rather than none; -1 once all were tried;
 * - all marked down: /health's question (backend_pool_all_down);
 * - a new pool (a reload) keeps the health and counters of a backend with the same address. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/backend_pool.h"

#define RETRY_MS 10000u
#define T0 1700000000000ull /* a wall clock in ms */

static struct backend_config configs[4];
static struct backend_pool pool;

static void configs_make(size_t n)
{
    static const char *const texts[] = {"127.0.0.1:8001", "127.0.0.1:8002", "[::1]:8003",
                                        "unix:/run/app.sock"};
    char why[128];
    memset(configs, 0, sizeof configs);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(endpoint_parse(texts[i], &configs[i].address, why, sizeof why), 0);
}

static void pool_make(size_t n, enum balance balance)
{
    configs_make(n);
    ck_assert_int_eq(backend_pool_init(&pool, configs, n, balance, RETRY_MS, NULL), 0);
    ck_assert_uint_eq(pool.n, n);
}

static void teardown(void) { backend_pool_fini(&pool); }

/* The first backend a new connection tries at now. */
static int first_choice(uint64_t now)
{
    struct backend_plan plan = {0};
    return backend_pool_next(&pool, &plan, now);
}

START_TEST(first_in_order)
{
    pool_make(3, BALANCE_FIRST);
    for (int k = 0; k < 5; k++)
        ck_assert_int_eq(first_choice(T0), 0);
    struct backend_plan plan = {0};
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), 0);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), 1);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), 2);
    ck_assert_int_eq(plan.current, 2);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), -1);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), -1);
}
END_TEST

START_TEST(first_skips_marked)
{
    pool_make(3, BALANCE_FIRST);
    backend_pool_failed(&pool, 0, T0);
    ck_assert_int_eq(backend_pool_is_down(&pool, 0, T0), 1);
    ck_assert_int_eq(first_choice(T0 + 1), 1);
    backend_pool_failed(&pool, 1, T0 + 1);
    ck_assert_int_eq(first_choice(T0 + 2), 2);
    ck_assert_int_eq(backend_pool_all_down(&pool, T0 + 2), 0);
}
END_TEST

START_TEST(round_robin_spreads)
{
    pool_make(3, BALANCE_ROUND_ROBIN);
    int counts[3] = {0};
    for (int k = 0; k < 30; k++) {
        int i = first_choice(T0);
        ck_assert_int_eq(i, k % 3);
        counts[i]++;
    }
    ck_assert_int_eq(counts[0], 10);
    ck_assert_int_eq(counts[1], 10);
    ck_assert_int_eq(counts[2], 10);
}
END_TEST

START_TEST(round_robin_retries_in_rotated_order)
{
    pool_make(3, BALANCE_ROUND_ROBIN);
    ck_assert_int_eq(first_choice(T0), 0);
    struct backend_plan plan = {0};
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), 1);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), 2);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), 0);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), -1);
}
END_TEST

START_TEST(round_robin_skips_marked)
{
    pool_make(3, BALANCE_ROUND_ROBIN);
    backend_pool_failed(&pool, 1, T0);
    int counts[3] = {0};
    for (int k = 0; k < 30; k++)
        counts[first_choice(T0 + 1)]++;
    ck_assert_int_eq(counts[1], 0);
    ck_assert_int_eq(counts[0] + counts[2], 30);
    ck_assert_int_eq(counts[0], 10); /* its own turns */
    ck_assert_int_eq(counts[2], 20); /* its own and the marked one's */
}
END_TEST

START_TEST(mark_expires_after_retry)
{
    pool_make(2, BALANCE_FIRST);
    backend_pool_failed(&pool, 0, T0);
    ck_assert_int_eq(first_choice(T0 + RETRY_MS - 1), 1);
    ck_assert_int_eq(backend_pool_is_down(&pool, 0, T0 + RETRY_MS - 1), 1);
    ck_assert_int_eq(backend_pool_is_down(&pool, 0, T0 + RETRY_MS), 0);
    ck_assert_int_eq(first_choice(T0 + RETRY_MS), 0);
    /* A later failure marks it again, from its own time. */
    backend_pool_failed(&pool, 0, T0 + 20000);
    ck_assert_int_eq(first_choice(T0 + 20000 + RETRY_MS - 1), 1);
    ck_assert_int_eq(first_choice(T0 + 20000 + RETRY_MS), 0);
}
END_TEST

START_TEST(mark_cleared_when_reached)
{
    pool_make(2, BALANCE_FIRST);
    backend_pool_failed(&pool, 0, T0);
    ck_assert_int_eq(first_choice(T0 + 1), 1);
    backend_pool_reached(&pool, 0);
    ck_assert_int_eq(backend_pool_is_down(&pool, 0, T0 + 1), 0);
    ck_assert_int_eq(first_choice(T0 + 1), 0);
}
END_TEST

START_TEST(clock_stepped_back_voids_mark)
{
    pool_make(2, BALANCE_FIRST);
    backend_pool_failed(&pool, 0, T0);
    /* An hour earlier: the mark lies more than two retries ahead, so it was set by a clock
     * that has since been set back. */
    ck_assert_int_eq(backend_pool_is_down(&pool, 0, T0 - 3600000u), 0);
    ck_assert_int_eq(first_choice(T0 - 3600000u), 0);
    ck_assert_int_eq(backend_pool_is_down(&pool, 0, T0 - RETRY_MS - 1), 0);
    /* A little before the failure: another thread's cached clock, a few ms behind. */
    ck_assert_int_eq(backend_pool_is_down(&pool, 0, T0 - 5), 1);
    ck_assert_int_eq(backend_pool_is_down(&pool, 0, T0 - RETRY_MS), 1);
}
END_TEST

START_TEST(unmarked_first_then_marked)
{
    pool_make(4, BALANCE_FIRST);
    backend_pool_failed(&pool, 0, T0);
    backend_pool_failed(&pool, 2, T0);
    struct backend_plan plan = {0};
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0 + 1), 1);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0 + 1), 3);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0 + 1), 0);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0 + 1), 2);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0 + 1), -1);
}
END_TEST

START_TEST(all_marked_still_tried)
{
    pool_make(2, BALANCE_FIRST);
    ck_assert_int_eq(backend_pool_all_down(&pool, T0), 0);
    backend_pool_failed(&pool, 0, T0);
    backend_pool_failed(&pool, 1, T0);
    ck_assert_int_eq(backend_pool_all_down(&pool, T0 + 1), 1);
    struct backend_plan plan = {0};
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0 + 1), 0);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0 + 1), 1);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0 + 1), -1);
    ck_assert_int_eq(backend_pool_all_down(&pool, T0 + RETRY_MS), 0);
}
END_TEST

START_TEST(single_backend)
{
    pool_make(1, BALANCE_ROUND_ROBIN);
    for (int k = 0; k < 3; k++)
        ck_assert_int_eq(first_choice(T0), 0);
    backend_pool_failed(&pool, 0, T0);
    ck_assert_int_eq(backend_pool_all_down(&pool, T0), 1);
    struct backend_plan plan = {0};
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), 0);
    ck_assert_int_eq(backend_pool_next(&pool, &plan, T0), -1);
}
END_TEST

START_TEST(counters)
{
    pool_make(2, BALANCE_FIRST);
    backend_pool_connecting(&pool, 0);
    backend_pool_connecting(&pool, 0);
    backend_pool_connecting(&pool, 1);
    backend_pool_failed(&pool, 0, T0);
    ck_assert_uint_eq(atomic_load(&pool.backends[0].health->connects), 2);
    ck_assert_uint_eq(atomic_load(&pool.backends[0].health->failures), 1);
    ck_assert_uint_eq(atomic_load(&pool.backends[1].health->connects), 1);
    ck_assert_uint_eq(atomic_load(&pool.backends[1].health->failures), 0);
}
END_TEST

/* A reload: the backend kept (same address) keeps its mark and counters, even at another
 * place in the list; a new one starts fresh; the old pool can go first. */
START_TEST(health_kept_across_pools)
{
    pool_make(2, BALANCE_FIRST);
    backend_pool_connecting(&pool, 1);
    backend_pool_failed(&pool, 1, T0);
    struct backend_config next[2];
    next[0] = configs[1];
    configs_make(3);
    next[1] = configs[2];
    struct backend_pool reloaded;
    ck_assert_int_eq(backend_pool_init(&reloaded, next, 2, BALANCE_FIRST, RETRY_MS, &pool), 0);
    ck_assert_ptr_eq(reloaded.backends[0].health, pool.backends[1].health);
    ck_assert_ptr_ne(reloaded.backends[1].health, pool.backends[0].health);
    backend_pool_fini(&pool);
    ck_assert_int_eq(backend_pool_is_down(&reloaded, 0, T0 + 1), 1);
    ck_assert_uint_eq(atomic_load(&reloaded.backends[0].health->failures), 1);
    ck_assert_uint_eq(atomic_load(&reloaded.backends[1].health->connects), 0);
    struct backend_plan plan = {0};
    ck_assert_int_eq(backend_pool_next(&reloaded, &plan, T0 + 1), 1);
    pool = reloaded; /* freed by the teardown */
}
END_TEST

START_TEST(init_refuses_bad_sizes)
{
    configs_make(1);
    struct backend_pool p;
    ck_assert_int_eq(backend_pool_init(&p, configs, 0, BALANCE_FIRST, RETRY_MS, NULL), -1);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_int_eq(backend_pool_init(&p, configs, BACKENDS_MAX + 1, BALANCE_FIRST, RETRY_MS,
                                       NULL), -1);
    backend_pool_fini(&p);
    memset(&pool, 0, sizeof pool);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon_backend_pool");
    TCase *tc = tcase_create("backend_pool");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, first_in_order);
    tcase_add_test(tc, first_skips_marked);
    tcase_add_test(tc, round_robin_spreads);
    tcase_add_test(tc, round_robin_retries_in_rotated_order);
    tcase_add_test(tc, round_robin_skips_marked);
    tcase_add_test(tc, mark_expires_after_retry);
    tcase_add_test(tc, mark_cleared_when_reached);
    tcase_add_test(tc, clock_stepped_back_voids_mark);
    tcase_add_test(tc, unmarked_first_then_marked);
    tcase_add_test(tc, all_marked_still_tried);
    tcase_add_test(tc, single_backend);
    tcase_add_test(tc, counters);
    tcase_add_test(tc, health_kept_across_pools);
    tcase_add_test(tc, init_refuses_bad_sizes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
