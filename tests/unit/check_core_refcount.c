/* Reference counts hammered from several threads (credentials.h, config.h, context.h: "atomic:
 * shared across threads"). The counter every object uses (src/core/refcount.h) must end at the
 * exact count after concurrent increments and decrements, with exactly one "last" decrement;
 * and every public reference-counted type survives threads taking and dropping references at
 * once, with its last reference dropped on whichever thread comes last. The sanitizer build
 * turns any early free or leak into a failure; the getters read after the storm must still
 * answer as before. Each thread does a fixed number of rounds. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/unitls.h>

#include "core/refcount.h"
#include "testutil.h"

#define N_THREADS 8
#define ROUNDS 20000          /* per thread, for the objects */
#define COUNTER_ROUNDS 200000 /* per thread, for the bare counter: races need many tries */

/* Starts all threads at once so their rounds overlap as much as possible. */
static pthread_barrier_t start_line;

static void run_threads(void *(*fn)(void *), void *arg)
{
    pthread_t threads[N_THREADS];
    ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, fn, arg), 0);
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_join(threads[i], NULL), 0);
    pthread_barrier_destroy(&start_line);
}

/* --- the counter itself --- */

struct counter_run {
    refcount r;
    atomic_int lasts; /* how many decrements reported "last" */
};

static void *counter_up(void *p)
{
    struct counter_run *run = p;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < COUNTER_ROUNDS; i++) {
        refcount_inc(&run->r);
        refcount_inc(&run->r);
        if (refcount_dec(&run->r))
            atomic_fetch_add(&run->lasts, 1);
    }
    return NULL;
}

static void *counter_down(void *p)
{
    struct counter_run *run = p;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < COUNTER_ROUNDS; i++)
        if (refcount_dec(&run->r))
            atomic_fetch_add(&run->lasts, 1);
    return NULL;
}

START_TEST(test_counter_exact)
{
    struct counter_run run;
    refcount_init(&run.r);
    atomic_init(&run.lasts, 0);
    run_threads(counter_up, &run);
    unsigned n = atomic_load(&run.r.n);
    ck_assert_uint_eq(n, 1u + (unsigned)N_THREADS * COUNTER_ROUNDS);
    int lasts = atomic_load(&run.lasts);
    ck_assert_int_eq(lasts, 0);
    run_threads(counter_down, &run);
    n = atomic_load(&run.r.n);
    ck_assert_uint_eq(n, 1u);
    lasts = atomic_load(&run.lasts);
    ck_assert_int_eq(lasts, 0);
    ck_assert_int_eq(refcount_dec(&run.r), 1);
}
END_TEST

/* --- the public objects --- */

/* One object of each reference-counted type, and what its getters said before the storm. */
struct objects {
    unitls_certificate *cert;
    unitls_private_key *key;
    unitls_trust_store *store;
    unitls_signing_chain *chain;
    unitls_client_config *client;
    unitls_server_config *server;
    unitls_client_context *client_ctx;
    uint64_t chain_hash, client_hash, server_hash;
};

static void objects_make(struct objects *o)
{
    unitls_error err;
    memset(o, 0, sizeof *o);
    o->cert = unitls_certificate_from_buffer("leaf certificate", 16, &err);
    o->key = unitls_private_key_from_buffer("private key", 11, &err);
    o->store = unitls_trust_store_from_buffer("ca", 2, &err);
    ck_assert(o->cert && o->key && o->store);
    o->chain = unitls_signing_chain_new(o->cert, o->key, &o->cert, 1, &err);
    ck_assert_msg(o->chain != NULL, "%s", err.message);

    unitls_client_config_builder *cb = unitls_client_config_builder_new();
    unitls_client_config_builder_set_trust_store(cb, o->store);
    unitls_client_config_builder_add_inner_protocol(cb, "h2", 2);
    o->client = unitls_client_config_builder_build(cb, &err);
    ck_assert_msg(o->client != NULL, "%s", err.message);
    unitls_client_config_builder_free(cb);

    unitls_server_config_builder *sb = unitls_server_config_builder_new();
    unitls_server_config_builder_add_certificate_chain(sb, o->chain);
    o->server = unitls_server_config_builder_build(sb, &err);
    ck_assert_msg(o->server != NULL, "%s", err.message);
    unitls_server_config_builder_free(sb);

    /* a context of the default implementation over a configuration needing no files */
    unitls_client_config_builder *plain = unitls_client_config_builder_new();
    unitls_client_config *plain_cfg = unitls_client_config_builder_build(plain, &err);
    ck_assert_msg(plain_cfg != NULL, "%s", err.message);
    o->client_ctx = unitls_client_context_new(NULL, plain_cfg, &err);
    ck_assert_msg(o->client_ctx != NULL, "client context: %s", err.message);
    unitls_client_config_unref(plain_cfg);
    unitls_client_config_builder_free(plain);

    o->chain_hash = unitls_signing_chain_hash(o->chain);
    o->client_hash = unitls_client_config_hash(o->client);
    o->server_hash = unitls_server_config_hash(o->server);
}

static void objects_ref(struct objects *o)
{
    unitls_certificate_ref(o->cert);
    unitls_private_key_ref(o->key);
    unitls_trust_store_ref(o->store);
    unitls_signing_chain_ref(o->chain);
    unitls_client_config_ref(o->client);
    unitls_server_config_ref(o->server);
    unitls_client_context_ref(o->client_ctx);
}

static void objects_unref(struct objects *o)
{
    unitls_certificate_unref(o->cert);
    unitls_private_key_unref(o->key);
    unitls_trust_store_unref(o->store);
    unitls_signing_chain_unref(o->chain);
    unitls_client_config_unref(o->client);
    unitls_server_config_unref(o->server);
    unitls_client_context_unref(o->client_ctx);
}

/* The getters answer as they did before the threads ran; 0 when one does not. */
static int objects_intact(const struct objects *o)
{
    size_t len = 0;
    const uint8_t *content = unitls_certificate_content(o->cert, &len);
    return content && len == 16 && memcmp(content, "leaf certificate", 16) == 0 &&
           unitls_private_key_source(o->key) == UNITLS_SOURCE_BUFFER &&
           unitls_trust_store_source(o->store) == UNITLS_SOURCE_BUFFER &&
           unitls_signing_chain_hash(o->chain) == o->chain_hash &&
           unitls_client_config_hash(o->client) == o->client_hash &&
           unitls_server_config_hash(o->server) == o->server_hash &&
           unitls_client_context_configuration(o->client_ctx) != NULL;
}

/* Each round takes a reference to every object, reads through it, and drops it; every 64
 * rounds the thread holds 64 references at once before dropping them. */
static void *storm(void *p)
{
    struct objects *o = p;
    pthread_barrier_wait(&start_line);
    int broken = 0;
    for (int i = 0; i < ROUNDS / 4; i++) {
        objects_ref(o);
        broken |= !objects_intact(o);
        objects_unref(o);
        if (i % 64 == 63) {
            for (int k = 0; k < 64; k++)
                objects_ref(o);
            for (int k = 0; k < 64; k++)
                objects_unref(o);
        }
    }
    return broken ? (void *)o : NULL;
}

static void run_storm(struct objects *o)
{
    pthread_t threads[N_THREADS];
    ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, storm, o), 0);
    for (int i = 0; i < N_THREADS; i++) {
        void *broken = NULL;
        ck_assert_int_eq(pthread_join(threads[i], &broken), 0);
        ck_assert_msg(broken == NULL, "thread %d saw an object change", i);
    }
    pthread_barrier_destroy(&start_line);
}

START_TEST(test_objects_survive_storm)
{
    struct objects o;
    objects_make(&o);
    run_storm(&o);
    ck_assert_msg(objects_intact(&o), "an object changed after the threads ran");
    objects_unref(&o);
}
END_TEST

/* The creator hands one reference to each thread and drops its own at once; the threads use
 * the objects and drop theirs, so the last drop happens on some worker thread. */
static void *use_and_release(void *p)
{
    struct objects *o = p;
    pthread_barrier_wait(&start_line);
    int broken = 0;
    for (int i = 0; i < ROUNDS / 8; i++) {
        objects_ref(o);
        broken |= !objects_intact(o);
        objects_unref(o);
    }
    objects_unref(o);
    return broken ? (void *)o : NULL;
}

START_TEST(test_last_reference_on_worker)
{
    struct objects *o = malloc(sizeof *o);
    ck_assert_ptr_nonnull(o);
    objects_make(o);
    for (int i = 0; i < N_THREADS; i++)
        objects_ref(o);
    objects_unref(o); /* the creator's own */
    pthread_t threads[N_THREADS];
    ck_assert_int_eq(pthread_barrier_init(&start_line, NULL, N_THREADS), 0);
    for (int i = 0; i < N_THREADS; i++)
        ck_assert_int_eq(pthread_create(&threads[i], NULL, use_and_release, o), 0);
    for (int i = 0; i < N_THREADS; i++) {
        void *broken = NULL;
        ck_assert_int_eq(pthread_join(threads[i], &broken), 0);
        ck_assert_msg(broken == NULL, "thread %d saw an object change", i);
    }
    pthread_barrier_destroy(&start_line);
    free(o); /* the objects are gone; LeakSanitizer reports any that is not */
}
END_TEST

static Suite *refcount_suite(void)
{
    Suite *s = suite_create("core_refcount");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_counter_exact);
    tcase_add_test(tc, test_objects_survive_storm);
    tcase_add_test(tc, test_last_reference_on_worker);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(refcount_suite());
}
