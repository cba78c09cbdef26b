/* The client session cache (src/core/session_cache.h), used alone with fake sessions that
 * count their references:
 * - put/get per name, a put replacing the name's previous session (released at once);
 * - holds compares a session with the remembered one in place, copying nothing;
 * - get hands out a copy made through the ops (hold, copy, release of the hold; or copy alone
 *   when sessions have no reference count), never the remembered session itself;
 * - a full probe window displaces its oldest entry (by time of put), releasing its session;
 * - freeing the cache releases every session;
 * - several threads putting and getting at once lose and leak nothing (a bounded smoke test).
 * Which names share a probe window is computed here with the cache's own hash (FNV-1a modulo
 * SESSION_CACHE_SLOTS; a window of 4 slots), as session_cache.c defines them. */
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/session_cache.h"

#define PROBE_WINDOW 4
#define THREADS 4
#define THREAD_ROUNDS 2000
#define THREAD_NAMES 12

struct fake_session {
    atomic_int refs;
    int id;
};

/* Per test process (Check forks each test). */
static atomic_int live;      /* sessions allocated and not yet freed */
static atomic_int n_hold, n_copy, n_release;
static int copy_fails;       /* copy returns NULL */

static struct fake_session *session_new(int id)
{
    struct fake_session *s = malloc(sizeof *s);
    ck_assert_ptr_nonnull(s);
    atomic_init(&s->refs, 1);
    s->id = id;
    atomic_fetch_add(&live, 1);
    return s;
}

static void *fake_hold(void *p)
{
    struct fake_session *s = p;
    atomic_fetch_add(&n_hold, 1);
    atomic_fetch_add(&s->refs, 1);
    return s;
}

static void *fake_copy(void *p)
{
    const struct fake_session *s = p;
    atomic_fetch_add(&n_copy, 1);
    return copy_fails ? NULL : session_new(s->id);
}

static void fake_release(void *p)
{
    struct fake_session *s = p;
    if (!s)
        return;
    atomic_fetch_add(&n_release, 1);
    if (atomic_fetch_sub(&s->refs, 1) == 1) {
        atomic_fetch_sub(&live, 1);
        free(s);
    }
}

static const struct session_cache_ops held_ops = {fake_hold, fake_copy, fake_release};
static const struct session_cache_ops copied_ops = {NULL, fake_copy, fake_release};

static void reset_counts(void)
{
    atomic_store(&live, 0);
    atomic_store(&n_hold, 0);
    atomic_store(&n_copy, 0);
    atomic_store(&n_release, 0);
    copy_fails = 0;
}

static struct session_cache *cache_new(const struct session_cache_ops *ops)
{
    struct session_cache *c = session_cache_new(ops);
    ck_assert_ptr_nonnull(c);
    return c;
}

/* The id of the session get hands out for name (released again), or -1 for none. The copy
 * must be a new object, not a remembered one. */
static int id_of(struct session_cache *c, const char *name)
{
    struct fake_session *s = session_cache_get(c, name);
    if (!s)
        return -1;
    ck_assert_int_eq(atomic_load(&s->refs), 1);
    int id = s->id;
    fake_release(s);
    return id;
}

/* --- put and get --- */

START_TEST(test_get_unknown_name)
{
    reset_counts();
    struct session_cache *c = cache_new(&held_ops);
    ck_assert_ptr_null(session_cache_get(c, "example.org"));
    ck_assert_int_eq(atomic_load(&n_copy), 0);
    session_cache_put(c, "example.org", session_new(1));
    ck_assert_ptr_null(session_cache_get(c, "www.example.org"));
    ck_assert_ptr_null(session_cache_get(c, "Example.org"));
    ck_assert_ptr_null(session_cache_get(c, ""));
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

/* get returns a copy: a new object with the remembered session's content, each time. */
START_TEST(test_get_returns_copy)
{
    reset_counts();
    struct session_cache *c = cache_new(_i == 0 ? &held_ops : &copied_ops);
    struct fake_session *stored = session_new(7);
    session_cache_put(c, "example.org", stored);
    struct fake_session *a = session_cache_get(c, "example.org");
    struct fake_session *b = session_cache_get(c, "example.org");
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_ptr_ne(a, stored);
    ck_assert_ptr_ne(b, stored);
    ck_assert_ptr_ne(a, b);
    ck_assert_int_eq(a->id, 7);
    ck_assert_int_eq(b->id, 7);
    ck_assert_int_eq(atomic_load(&stored->refs), 1);
    ck_assert_int_eq(atomic_load(&live), 3);
    fake_release(a);
    fake_release(b);
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

/* With a hold op: hold, copy, release of the hold, once each per get. */
START_TEST(test_ops_with_hold)
{
    reset_counts();
    struct session_cache *c = cache_new(&held_ops);
    session_cache_put(c, "example.org", session_new(1));
    ck_assert_int_eq(id_of(c, "example.org"), 1);
    ck_assert_int_eq(atomic_load(&n_hold), 1);
    ck_assert_int_eq(atomic_load(&n_copy), 1);
    ck_assert_int_eq(atomic_load(&n_release), 2); /* the hold and, in id_of, the copy */
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

/* Without a hold op: copy alone. */
START_TEST(test_ops_without_hold)
{
    reset_counts();
    struct session_cache *c = cache_new(&copied_ops);
    session_cache_put(c, "example.org", session_new(1));
    ck_assert_int_eq(id_of(c, "example.org"), 1);
    ck_assert_int_eq(atomic_load(&n_hold), 0);
    ck_assert_int_eq(atomic_load(&n_copy), 1);
    ck_assert_int_eq(atomic_load(&n_release), 1); /* the copy, in id_of */
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

/* A copy that fails gives NULL and leaks no hold; the session stays remembered. */
START_TEST(test_copy_failure)
{
    reset_counts();
    struct session_cache *c = cache_new(_i == 0 ? &held_ops : &copied_ops);
    struct fake_session *stored = session_new(3);
    session_cache_put(c, "example.org", stored);
    copy_fails = 1;
    ck_assert_ptr_null(session_cache_get(c, "example.org"));
    ck_assert_int_eq(atomic_load(&stored->refs), 1);
    copy_fails = 0;
    ck_assert_int_eq(id_of(c, "example.org"), 3);
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

/* A put for a remembered name replaces its session, releasing the old one at once. */
START_TEST(test_put_replaces)
{
    reset_counts();
    struct session_cache *c = cache_new(&held_ops);
    session_cache_put(c, "example.org", session_new(1));
    session_cache_put(c, "other.test", session_new(9));
    ck_assert_int_eq(atomic_load(&live), 2);
    session_cache_put(c, "example.org", session_new(2));
    ck_assert_int_eq(atomic_load(&live), 2);
    ck_assert_int_eq(id_of(c, "example.org"), 2);
    ck_assert_int_eq(id_of(c, "other.test"), 9);
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

static int same_id(const void *held, const void *sess)
{
    return ((const struct fake_session *)held)->id == ((const struct fake_session *)sess)->id;
}

/* holds compares with the remembered session in place: no hold, no copy, nothing left. */
START_TEST(test_holds_compares_in_place)
{
    reset_counts();
    struct session_cache *c = cache_new(&held_ops);
    struct fake_session one = {1, 1}, two = {1, 2};
    ck_assert_int_eq(session_cache_holds(c, "example.org", &one, same_id), 0);
    session_cache_put(c, "example.org", session_new(1));
    ck_assert_int_eq(session_cache_holds(c, "example.org", &one, same_id), 1);
    ck_assert_int_eq(session_cache_holds(c, "example.org", &two, same_id), 0);
    ck_assert_int_eq(session_cache_holds(c, "other.test", &one, same_id), 0);
    ck_assert_int_eq(atomic_load(&n_hold), 0);
    ck_assert_int_eq(atomic_load(&n_copy), 0);
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

/* Freeing the cache releases every session it holds; an empty cache frees cleanly too. */
START_TEST(test_free_releases_all)
{
    reset_counts();
    struct session_cache *c = cache_new(&held_ops);
    char name[32];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "host%d.test", i);
        session_cache_put(c, name, session_new(i));
    }
    ck_assert_int_le(atomic_load(&live), 40);
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
    session_cache_free(cache_new(&copied_ops));
    session_cache_free(NULL);
}
END_TEST

/* --- displacement --- */

/* session_cache.c's slot for a name. */
static size_t home_slot(const char *name)
{
    uint64_t h = 1469598103934665603u;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 1099511628211u;
    return (size_t)(h % SESSION_CACHE_SLOTS);
}

#define N_COLLIDING 8

/* N_COLLIDING names with the same home slot (so the same probe window). */
static void colliding_names(char names[N_COLLIDING][32])
{
    size_t found = 0, home = 0;
    for (unsigned i = 0; i < 100000 && found < N_COLLIDING; i++) {
        char candidate[32];
        snprintf(candidate, sizeof candidate, "host%u.example", i);
        if (found == 0)
            home = home_slot(candidate);
        if (home_slot(candidate) == home)
            snprintf(names[found++], 32, "%s", candidate);
    }
    ck_assert_uint_eq(found, N_COLLIDING);
}

/* A full window displaces the oldest put; a replaced name counts as new; get does not make an
 * entry younger. Every displaced session is released. */
START_TEST(test_full_window_displaces_oldest)
{
    reset_counts();
    char names[N_COLLIDING][32];
    colliding_names(names);
    struct session_cache *c = cache_new(&held_ops);
    for (int i = 0; i < PROBE_WINDOW; i++)
        session_cache_put(c, names[i], session_new(i));
    for (int i = 0; i < PROBE_WINDOW; i++)
        ck_assert_int_eq(id_of(c, names[i]), i);

    session_cache_put(c, names[4], session_new(4)); /* displaces names[0] */
    ck_assert_int_eq(id_of(c, names[0]), -1);
    ck_assert_int_eq(atomic_load(&live), PROBE_WINDOW);
    for (int i = 1; i <= 4; i++)
        ck_assert_int_eq(id_of(c, names[i]), i);

    session_cache_put(c, names[1], session_new(11)); /* names[1] is now the youngest */
    session_cache_put(c, names[5], session_new(5));  /* displaces names[2] */
    ck_assert_int_eq(id_of(c, names[2]), -1);
    ck_assert_int_eq(id_of(c, names[1]), 11);

    ck_assert_int_eq(id_of(c, names[3]), 3);         /* a get does not refresh names[3] */
    session_cache_put(c, names[6], session_new(6));  /* displaces names[3] */
    ck_assert_int_eq(id_of(c, names[3]), -1);
    ck_assert_int_eq(id_of(c, names[4]), 4);
    ck_assert_int_eq(id_of(c, names[5]), 5);
    ck_assert_int_eq(id_of(c, names[6]), 6);
    ck_assert_int_eq(atomic_load(&live), PROBE_WINDOW);
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

/* Names of other windows are not displaced by a full one. */
START_TEST(test_other_windows_untouched)
{
    reset_counts();
    char names[N_COLLIDING][32];
    colliding_names(names);
    size_t home = home_slot(names[0]);
    char far[32] = "";
    for (unsigned i = 0; i < 100000 && !far[0]; i++) {
        char candidate[32];
        snprintf(candidate, sizeof candidate, "far%u.example", i);
        size_t distance = (home_slot(candidate) + SESSION_CACHE_SLOTS - home) % SESSION_CACHE_SLOTS;
        if (distance >= 2 * PROBE_WINDOW && distance <= SESSION_CACHE_SLOTS - 2 * PROBE_WINDOW)
            snprintf(far, sizeof far, "%s", candidate);
    }
    ck_assert_msg(far[0], "no name far from the window");
    struct session_cache *c = cache_new(&held_ops);
    session_cache_put(c, far, session_new(100));
    for (int i = 0; i < N_COLLIDING; i++)
        session_cache_put(c, names[i], session_new(i));
    ck_assert_int_eq(id_of(c, far), 100);
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

/* --- threads --- */

struct worker {
    struct session_cache *cache;
    unsigned index;
    int bad_ids; /* copies whose id names no session ever put for that name */
};

/* Session ids encode the name: id % THREAD_NAMES is the name's index. */
static void *worker_run(void *arg)
{
    struct worker *w = arg;
    char name[32];
    for (unsigned round = 0; round < THREAD_ROUNDS; round++) {
        unsigned k = (round * 7u + w->index * 3u) % THREAD_NAMES;
        snprintf(name, sizeof name, "shared%u.test", k);
        if (round % 3 == 0) {
            session_cache_put(w->cache, name, session_new((int)(round * THREAD_NAMES + k)));
            continue;
        }
        struct fake_session *s = session_cache_get(w->cache, name);
        if (s && (unsigned)s->id % THREAD_NAMES != k)
            w->bad_ids++;
        fake_release(s);
    }
    return NULL;
}

/* Threads put and get on shared names at once (hold/copy ops, and copy alone): every copy
 * belongs to its name, and once the cache is freed no session is left. */
START_TEST(test_threads_smoke)
{
    reset_counts();
    struct session_cache *c = cache_new(_i == 0 ? &held_ops : &copied_ops);
    struct worker workers[THREADS];
    pthread_t threads[THREADS];
    for (unsigned t = 0; t < THREADS; t++) {
        workers[t] = (struct worker){c, t, 0};
        ck_assert_int_eq(pthread_create(&threads[t], NULL, worker_run, &workers[t]), 0);
    }
    for (unsigned t = 0; t < THREADS; t++)
        ck_assert_int_eq(pthread_join(threads[t], NULL), 0);
    for (unsigned t = 0; t < THREADS; t++)
        ck_assert_msg(workers[t].bad_ids == 0, "thread %u got %d sessions of another name", t,
                      workers[t].bad_ids);
    ck_assert_int_le(atomic_load(&live), THREAD_NAMES);
    session_cache_free(c);
    ck_assert_int_eq(atomic_load(&live), 0);
}
END_TEST

static Suite *session_cache_suite(void)
{
    Suite *s = suite_create("core_session_cache");
    TCase *tc = tcase_create("put_get");
    tcase_add_test(tc, test_get_unknown_name);
    tcase_add_loop_test(tc, test_get_returns_copy, 0, 2);
    tcase_add_test(tc, test_ops_with_hold);
    tcase_add_test(tc, test_ops_without_hold);
    tcase_add_loop_test(tc, test_copy_failure, 0, 2);
    tcase_add_test(tc, test_put_replaces);
    tcase_add_test(tc, test_holds_compares_in_place);
    tcase_add_test(tc, test_free_releases_all);
    suite_add_tcase(s, tc);

    tc = tcase_create("displacement");
    tcase_add_test(tc, test_full_window_displaces_oldest);
    tcase_add_test(tc, test_other_windows_untouched);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_add_loop_test(tc, test_threads_smoke, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(session_cache_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
