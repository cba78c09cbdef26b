/* Check suite for the worker's slot accounting (worker_slots): a slot pauses when its
 * listener's max_connections places are all taken, a failed accept gives its place back, a
 * paused slot resumes only when its listener has room again (whichever worker freed it), and
 * the caller is told how many stay paused so it keeps re-checking. The places are plain
 * counters here, standing in for the runtime's gauges; no event loop and no socket is needed. */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "daemon/worker_slots.h"

/* A listener as far as the accounting sees it: open connections against max_connections, as
 * the runtime's gauge counts them across workers. */
struct runtime_listener {
    unsigned open, max;
    unsigned takes_refused;
};

static int fake_take(struct runtime_listener *l)
{
    if (l->open < l->max) {
        l->open++;
        return 1;
    }
    l->takes_refused++;
    return 0;
}

static void fake_give_back(struct runtime_listener *l)
{
    ck_assert_uint_gt(l->open, 0); /* never more places given back than taken */
    l->open--;
}

static int fake_has_room(const struct runtime_listener *l) { return l->open < l->max; }

static const struct worker_slots_places fake_places = {
    .take = fake_take, .give_back = fake_give_back, .has_room = fake_has_room};

/* What the worker was told to resume, in order. */
struct resumed {
    size_t index[8];
    size_t n;
};

static void record_resume(size_t i, void *arg)
{
    struct resumed *r = arg;
    ck_assert_uint_lt(r->n, 8);
    r->index[r->n++] = i;
}

START_TEST(takes_places_until_the_listener_is_full)
{
    struct runtime_listener l = {.max = 3};
    struct runtime_listener *ls[] = {&l};
    struct worker_slots s = {.places = &fake_places};
    ck_assert_int_eq(worker_slots_set(&s, ls, 1), 0);
    ck_assert_uint_eq(worker_slots_paused(&s), 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(worker_slots_take(&s, 0), 1);
    ck_assert_uint_eq(l.open, 3);
    /* the fourth finds it full: refused, and the slot pauses */
    ck_assert_int_eq(worker_slots_take(&s, 0), 0);
    ck_assert_uint_eq(l.open, 3);
    ck_assert_uint_eq(worker_slots_paused(&s), 1);
    worker_slots_clear(&s);
}
END_TEST

START_TEST(a_failed_accept_gives_its_place_back)
{
    struct runtime_listener l = {.max = 1};
    struct runtime_listener *ls[] = {&l};
    struct worker_slots s = {.places = &fake_places};
    ck_assert_int_eq(worker_slots_set(&s, ls, 1), 0);
    ck_assert_int_eq(worker_slots_take(&s, 0), 1);
    worker_slots_untake(&s, 0); /* accept4 said EAGAIN */
    ck_assert_uint_eq(l.open, 0);
    /* the place is free for the next connection, and nothing paused */
    ck_assert_int_eq(worker_slots_take(&s, 0), 1);
    ck_assert_uint_eq(worker_slots_paused(&s), 0);
    worker_slots_clear(&s);
}
END_TEST

START_TEST(resumes_only_when_room_comes_back)
{
    struct runtime_listener l = {.max = 2};
    struct runtime_listener *ls[] = {&l};
    struct worker_slots s = {.places = &fake_places};
    struct resumed r = {0};
    ck_assert_int_eq(worker_slots_set(&s, ls, 1), 0);
    worker_slots_take(&s, 0);
    worker_slots_take(&s, 0);
    ck_assert_int_eq(worker_slots_take(&s, 0), 0);
    /* still full: a re-check resumes nothing, and says one slot stays paused */
    ck_assert_uint_eq(worker_slots_resume(&s, record_resume, &r), 1);
    ck_assert_uint_eq(r.n, 0);
    /* a connection of another worker ends: the gauge has room, the slot resumes once */
    l.open--;
    ck_assert_uint_eq(worker_slots_resume(&s, record_resume, &r), 0);
    ck_assert_uint_eq(r.n, 1);
    ck_assert_uint_eq(r.index[0], 0);
    ck_assert_uint_eq(worker_slots_resume(&s, record_resume, &r), 0);
    ck_assert_uint_eq(r.n, 1);
    worker_slots_clear(&s);
}
END_TEST

START_TEST(listeners_are_accounted_apart)
{
    /* two sockets of listener a, one of listener b: a full pauses a's two, not b's */
    struct runtime_listener a = {.max = 1}, b = {.max = 5};
    struct runtime_listener *ls[] = {&a, &b, &a};
    struct worker_slots s = {.places = &fake_places};
    struct resumed r = {0};
    ck_assert_int_eq(worker_slots_set(&s, ls, 3), 0);
    ck_assert_int_eq(worker_slots_take(&s, 0), 1);
    ck_assert_int_eq(worker_slots_take(&s, 2), 0);
    ck_assert_int_eq(worker_slots_take(&s, 1), 1);
    ck_assert_uint_eq(worker_slots_paused(&s), 1);
    /* socket 0 of a finds it full too on its next connection */
    ck_assert_int_eq(worker_slots_take(&s, 0), 0);
    ck_assert_uint_eq(worker_slots_paused(&s), 2);
    ck_assert_uint_eq(b.open, 1);
    /* a's connection ends: both of a's slots resume, in order */
    fake_give_back(&a);
    ck_assert_uint_eq(worker_slots_resume(&s, record_resume, &r), 0);
    ck_assert_uint_eq(r.n, 2);
    ck_assert_uint_eq(r.index[0], 0);
    ck_assert_uint_eq(r.index[1], 2);
    worker_slots_clear(&s);
}
END_TEST

START_TEST(a_full_listener_starts_paused)
{
    /* a reload hands over a generation whose listener is at its limit already */
    struct runtime_listener full = {.open = 4, .max = 4}, open = {.max = 4};
    struct runtime_listener *ls[] = {&full, &open};
    struct worker_slots s = {.places = &fake_places};
    ck_assert_int_eq(worker_slots_set(&s, ls, 2), 0);
    ck_assert_int_eq(s.slot[0].paused, 1);
    ck_assert_int_eq(s.slot[1].paused, 0);
    ck_assert_uint_eq(worker_slots_paused(&s), 1);
    /* a second generation replaces the slots: paused state is computed afresh */
    full.open = 0;
    ck_assert_int_eq(worker_slots_set(&s, ls, 2), 0);
    ck_assert_uint_eq(worker_slots_paused(&s), 0);
    worker_slots_clear(&s);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_ptr_null(s.slot);
}
END_TEST

START_TEST(a_pause_for_lack_of_fds_resumes_when_there_is_room)
{
    /* accept4 ran out of fds: paused though the listener has room; the re-check resumes it */
    struct runtime_listener l = {.max = 10};
    struct runtime_listener *ls[] = {&l};
    struct worker_slots s = {.places = &fake_places};
    struct resumed r = {0};
    ck_assert_int_eq(worker_slots_set(&s, ls, 1), 0);
    worker_slots_pause(&s, 0);
    ck_assert_uint_eq(worker_slots_paused(&s), 1);
    ck_assert_uint_eq(worker_slots_resume(&s, record_resume, &r), 0);
    ck_assert_uint_eq(r.n, 1);
    ck_assert_uint_eq(worker_slots_paused(&s), 0);
    worker_slots_clear(&s);
}
END_TEST

START_TEST(no_sockets_no_slots)
{
    struct worker_slots s = {.places = &fake_places};
    struct resumed r = {0};
    ck_assert_int_eq(worker_slots_set(&s, NULL, 0), 0);
    ck_assert_uint_eq(s.n, 0);
    ck_assert_uint_eq(worker_slots_resume(&s, record_resume, &r), 0);
    ck_assert_uint_eq(r.n, 0);
    worker_slots_clear(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("daemon_worker");
    TCase *tc = tcase_create("slots");
    tcase_add_test(tc, takes_places_until_the_listener_is_full);
    tcase_add_test(tc, a_failed_accept_gives_its_place_back);
    tcase_add_test(tc, resumes_only_when_room_comes_back);
    tcase_add_test(tc, listeners_are_accounted_apart);
    tcase_add_test(tc, a_full_listener_starts_paused);
    tcase_add_test(tc, a_pause_for_lack_of_fds_resumes_when_there_is_room);
    tcase_add_test(tc, no_sockets_no_slots);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
