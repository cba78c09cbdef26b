/* Check suite for runtime, the daemon's generations: built from settings made here by hand
 * (no YAML, no certificate files), with the core's fake implementations standing in for TLS
 * (check_core_fake.[ch]), so every context init and fini is counted. It checks that
 * - a generation copies each listener's settings and gets one socket per address;
 * - a reload reuses the very context object of an equal configuration on the same
 *   implementation (one built from equal bytes, not the same pointer), builds a new one
 *   (derived from the same-named listener's, when that is of the same implementation) for a
 *   changed one, and counts reused, built and retired contexts as distinct objects;
 * - a retired context lives exactly as long as something (a connection's listener reference,
 *   a buffer) holds it; a reused one outlives the generation that built it;
 * - sockets of addresses that stay are the same objects, new ones are bound, dropped ones
 *   closed with their last generation; a failed build closes what it bound and changes nothing
 *   of the previous generation; systemd's sockets go back to the activation set, still open;
 * - max_connections slots are counted per listener name across generations;
 * - a failing backend is logged at most once per RUNTIME_BACKEND_LOG_MS, with the count of
 *   the failures in between.
 * Listening addresses are unix sockets in a fresh directory, so no port is ever taken. */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <unitls/unitls.h>

#include "check_core_fake.h"
#include "daemon/runtime.h"
#include "daemon/settings.h"

#define MAX_LISTENERS 4
#define MAX_ADDRESSES 3
#define ERR_MAX 256

static char dir[64];

static void setup(void)
{
    memset(&fake_calls, 0, sizeof fake_calls);
    snprintf(dir, sizeof dir, "/tmp/unitls-runtime-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    /* empty once every generation is gone: a socket file left behind is a leak */
    ck_assert_msg(rmdir(dir) == 0, "%s is not empty", dir);
}

/* --- settings made by hand -------------------------------------------------------------------- */

/* A server configuration of one chain whose certificate is the bytes cert (a fake accepts any
 * bytes from a buffer); refused: the cipher the fakes refuse. */
static unitls_server_config *config_of(const char *cert, int refused)
{
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_buffer(cert, strlen(cert), &err);
    unitls_private_key *key = unitls_private_key_from_buffer("key", 3, &err);
    ck_assert_ptr_nonnull(leaf);
    ck_assert_ptr_nonnull(key);
    unitls_signing_chain *chain = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(chain != NULL, "%s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_server_config_builder_add_certificate_chain(b, chain);
    if (refused) {
        const uint16_t ids[] = {FAKE_REFUSED_CIPHER};
        unitls_server_config_builder_set_ciphers(b, ids, 1);
    }
    unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(cfg != NULL, "%s", err.message);
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(chain);
    return cfg;
}

static void path_of(char *out, size_t cap, const char *file)
{
    snprintf(out, cap, "%s/%s", dir, file);
}

static struct endpoint endpoint_of(const char *file)
{
    char text[128], why[128];
    struct endpoint ep;
    snprintf(text, sizeof text, "unix:%s/%s", dir, file);
    ck_assert_msg(endpoint_parse(text, &ep, why, sizeof why) == 0, "%s: %s", text, why);
    return ep;
}

/* A configuration being written: up to MAX_LISTENERS listeners. */
struct config {
    struct listener_settings listeners[MAX_LISTENERS];
    struct settings s;
};

/* Adds listener name serving the certificate bytes cert with impl on the socket files named in
 * files (a space-separated list). */
static struct listener_settings *listener_add(struct config *c, const char *name,
                                              const char *cert,
                                              const unitls_implementation *impl,
                                              const char *files)
{
    ck_assert_uint_lt(c->s.n_listeners, MAX_LISTENERS);
    struct listener_settings *ls = &c->listeners[c->s.n_listeners++];
    memset(ls, 0, sizeof *ls);
    ls->name = strdup(name);
    ls->listen = calloc(MAX_ADDRESSES, sizeof *ls->listen);
    ck_assert_ptr_nonnull(ls->listen);
    char list[128];
    snprintf(list, sizeof list, "%s", files);
    char *save = NULL;
    for (char *f = strtok_r(list, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
        ck_assert_uint_lt(ls->n_listen, MAX_ADDRESSES);
        ls->listen[ls->n_listen++] = endpoint_of(f);
    }
    ls->backends = calloc(1, sizeof *ls->backends);
    ck_assert_ptr_nonnull(ls->backends);
    ls->backends[0].address = endpoint_of("backend.sock");
    ls->n_backends = 1;
    ls->backend_retry_ms = 10000;
    ls->handshake_timeout_ms = 1000;
    ls->idle_timeout_ms = 2000;
    ls->connect_timeout_ms = 3000;
    ls->max_connections = 100;
    ls->impl = impl;
    ls->tls = config_of(cert, 0);
    return ls;
}

static void config_init(struct config *c)
{
    memset(c, 0, sizeof *c);
    c->s.listeners = c->listeners;
    c->s.log_access = 1;
    c->s.workers = 1;
}

static void config_free(struct config *c)
{
    for (size_t i = 0; i < c->s.n_listeners; i++) {
        free(c->listeners[i].name);
        free(c->listeners[i].listen);
        free(c->listeners[i].backends);
        unitls_server_config_unref(c->listeners[i].tls);
    }
    c->s.n_listeners = 0;
}

/* runtime_build that fails the test unless it succeeds. */
static struct generation *build(const struct config *c, const struct generation *previous,
                                struct activation_set *act, struct runtime_build_report *r)
{
    char err[ERR_MAX] = "";
    struct generation *g = runtime_build(&c->s, previous, act, r, err, sizeof err);
    ck_assert_msg(g != NULL, "runtime_build: %s", err);
    return g;
}

static void assert_report(const struct runtime_build_report *r, size_t reused, size_t built,
                          size_t retired, size_t kept, size_t added, size_t removed)
{
    ck_assert_uint_eq(r->contexts_reused, reused);
    ck_assert_uint_eq(r->contexts_built, built);
    ck_assert_uint_eq(r->contexts_retired, retired);
    ck_assert_uint_eq(r->sockets_kept, kept);
    ck_assert_uint_eq(r->sockets_added, added);
    ck_assert_uint_eq(r->sockets_removed, removed);
}

/* 1 when a client can connect to the socket file file of dir. */
static int accepts(const char *file)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    path_of(sun.sun_path, sizeof sun.sun_path, file);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    int ok = connect(fd, (const struct sockaddr *)&sun, sizeof sun) == 0;
    close(fd);
    return ok;
}

static int file_exists(const char *file)
{
    char path[128];
    struct stat st;
    path_of(path, sizeof path, file);
    return lstat(path, &st) == 0;
}

static struct listen_socket *socket_of(const struct generation *g, const char *file)
{
    struct endpoint ep = endpoint_of(file);
    for (size_t i = 0; i < g->n_sockets; i++)
        if (endpoint_equal(&g->sockets[i].sock->address, &ep))
            return g->sockets[i].sock;
    return NULL;
}

static void assert_describes(const struct generation *g, size_t i,
                             const struct generation *previous, const char *want)
{
    char buf[256];
    runtime_listener_describe(g, i, previous, buf, sizeof buf);
    ck_assert_str_eq(buf, want);
}

/* --- building --------------------------------------------------------------------------------- */

START_TEST(first_generation_copies_settings)
{
    struct config c;
    config_init(&c);
    struct listener_settings *a = listener_add(&c, "a", "cert-A", &fake_b, "a1.sock a2.sock");
    a->handshake_timeout_ms = 111;
    a->idle_timeout_ms = 222;
    a->connect_timeout_ms = 333;
    a->max_connections = 7;
    a->insecure_min_version = UNITLS_TLSv1_0;
    a->backends[0].proxy_protocol = PROXY_PROTOCOL_V2;
    listener_add(&c, "b", "cert-B", &fake_b, "b1.sock");
    struct runtime_build_report r;
    struct generation *g = build(&c, NULL, NULL, &r);

    ck_assert_uint_eq(g->serial, 1);
    ck_assert_uint_eq(g->n_listeners, 2);
    ck_assert_uint_eq(g->n_sockets, 3);
    assert_report(&r, 0, 2, 0, 0, 3, 0);
    ck_assert_int_eq(fake_calls.server_init, 2);
    ck_assert_int_eq(fake_calls.server_init_derived, 0);

    const struct runtime_listener *la = g->listeners[0], *lb = g->listeners[1];
    ck_assert_str_eq(la->name, "a");
    ck_assert_str_eq(lb->name, "b");
    ck_assert_uint_eq(la->handshake_timeout_ms, 111);
    ck_assert_uint_eq(la->idle_timeout_ms, 222);
    ck_assert_uint_eq(la->connect_timeout_ms, 333);
    ck_assert_uint_eq(la->max_connections, 7);
    ck_assert_int_eq(la->log_access, 1);
    ck_assert_str_eq(la->insecure, "TLS 1.0 and 1.1 at security level 0");
    ck_assert_str_eq(lb->insecure, "");
    ck_assert_uint_eq(la->backends.n, 1);
    ck_assert_uint_eq(la->backends.retry_ms, 10000);
    ck_assert_int_eq(la->backends.backends[0].config.proxy_protocol, PROXY_PROTOCOL_V2);
    ck_assert_int_eq(lb->backends.backends[0].config.proxy_protocol, PROXY_PROTOCOL_NONE);
    ck_assert_uint_eq(la->accept_proxy, 0);
    ck_assert_uint_eq(la->proxy_trusted.n, 0);
    ck_assert_int_eq(endpoint_equal(&la->backends.backends[0].config.address,
                                    &a->backends[0].address), 1);
    ck_assert_ptr_eq(unitls_server_context_implementation(la->ctx), &fake_b);
    ck_assert_int_eq(unitls_server_config_equal(unitls_server_context_configuration(la->ctx),
                                                a->tls), 1);
    ck_assert_ptr_ne(la->ctx, lb->ctx);
    ck_assert_ptr_ne(la->gauge, lb->gauge);

    /* each address its socket, listening, feeding its own listener */
    ck_assert_ptr_eq(g->sockets[0].listener, la);
    ck_assert_ptr_eq(g->sockets[1].listener, la);
    ck_assert_ptr_eq(g->sockets[2].listener, lb);
    ck_assert_int_eq(accepts("a1.sock"), 1);
    ck_assert_int_eq(accepts("a2.sock"), 1);
    ck_assert_int_eq(accepts("b1.sock"), 1);

    assert_describes(g, 0, NULL, "a: fake-b, context built");
    assert_describes(g, 1, NULL, "b: fake-b, context built");
    char impls[64];
    runtime_implementations(g, impls, sizeof impls);
    ck_assert_str_eq(impls, "fake-b");

    /* the last reference closes the sockets (their files go) and finishes the contexts */
    runtime_unref(g);
    ck_assert_int_eq(fake_calls.server_fini, 2);
    ck_assert_int_eq(file_exists("a1.sock"), 0);
    ck_assert_int_eq(file_exists("b1.sock"), 0);
    config_free(&c);
}
END_TEST

/* accept_proxy's versions and trusted ranges are the listener's own copy: the settings are
 * freed after a build while the listener lives on with its connections. */
START_TEST(trusted_ranges_outlive_the_settings)
{
    struct config c;
    config_init(&c);
    struct listener_settings *a = listener_add(&c, "a", "cert-A", &fake_b, "a1.sock");
    a->accept_proxy = 1u << PROXY_PROTOCOL_V1 | 1u << PROXY_PROTOCOL_V2;
    a->proxy_trusted.n = 2;
    a->proxy_trusted.items = calloc(2, sizeof *a->proxy_trusted.items);
    ck_assert_ptr_nonnull(a->proxy_trusted.items);
    char why[128];
    ck_assert_int_eq(cidr_parse("10.0.0.0/8", &a->proxy_trusted.items[0], why, sizeof why), 0);
    ck_assert_int_eq(cidr_parse("::1", &a->proxy_trusted.items[1], why, sizeof why), 0);
    struct runtime_build_report r;
    struct generation *g = build(&c, NULL, NULL, &r);
    free(a->proxy_trusted.items);
    config_free(&c);

    const struct runtime_listener *l = g->listeners[0];
    ck_assert_uint_eq(l->accept_proxy, 1u << PROXY_PROTOCOL_V1 | 1u << PROXY_PROTOCOL_V2);
    ck_assert_uint_eq(l->proxy_trusted.n, 2);
    char text[CIDR_TEXT_MAX];
    ck_assert_str_eq(cidr_format(&l->proxy_trusted.items[0], text, sizeof text), "10.0.0.0/8");
    ck_assert_str_eq(cidr_format(&l->proxy_trusted.items[1], text, sizeof text), "::1/128");
    runtime_unref(g);
}
END_TEST

START_TEST(generation_references_count)
{
    struct config c;
    config_init(&c);
    listener_add(&c, "a", "cert-A", &fake_b, "a1.sock");
    struct runtime_build_report r;
    struct generation *g = build(&c, NULL, NULL, &r);
    ck_assert_ptr_eq(runtime_ref(g), g);
    runtime_unref(g);
    ck_assert_int_eq(fake_calls.server_fini, 0);
    ck_assert_int_eq(accepts("a1.sock"), 1);
    runtime_unref(g);
    ck_assert_int_eq(fake_calls.server_fini, 1);
    ck_assert_int_eq(file_exists("a1.sock"), 0);
    ck_assert_ptr_null(runtime_ref(NULL));
    runtime_unref(NULL);
    config_free(&c);
}
END_TEST

/* Listeners of equal configurations on one implementation share one context; another
 * implementation gets its own even for an equal configuration. */
START_TEST(equal_configurations_share_a_context)
{
    struct config c;
    config_init(&c);
    listener_add(&c, "a", "cert-A", &fake_b, "a1.sock");
    listener_add(&c, "b", "cert-A", &fake_b, "b1.sock");
    listener_add(&c, "c", "cert-A", &fake_a, "c1.sock");
    struct runtime_build_report r;
    struct generation *g = build(&c, NULL, NULL, &r);
    assert_report(&r, 0, 2, 0, 0, 3, 0);
    ck_assert_ptr_eq(g->listeners[0]->ctx, g->listeners[1]->ctx);
    ck_assert_ptr_ne(g->listeners[0]->ctx, g->listeners[2]->ctx);
    ck_assert_ptr_eq(unitls_server_context_implementation(g->listeners[2]->ctx), &fake_a);
    assert_describes(g, 1, NULL, "b: fake-b, context shared with listener a");
    assert_describes(g, 2, NULL, "c: fake-a, context built");
    char impls[64];
    runtime_implementations(g, impls, sizeof impls);
    ck_assert_str_eq(impls, "fake-a, fake-b"); /* libunitls's order, not the listeners' */
    runtime_unref(g);
    ck_assert_int_eq(fake_calls.server_fini, 2);
    config_free(&c);
}
END_TEST

/* --- reloads: contexts ------------------------------------------------------------------------ */

/* An equal configuration (built again from the same bytes: another object) gets the running
 * context itself; a changed one a new context derived from its listener's. */
START_TEST(reload_reuses_equal_and_replaces_changed)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "a1.sock");
    listener_add(&c1, "b", "cert-B", &fake_b, "b1.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);

    config_init(&c2);
    listener_add(&c2, "a", "cert-A", &fake_b, "a1.sock");
    listener_add(&c2, "b", "cert-B2", &fake_b, "b1.sock");
    ck_assert_ptr_ne(c2.listeners[0].tls, c1.listeners[0].tls);
    struct generation *g2 = build(&c2, g1, NULL, &r);

    ck_assert_uint_eq(g2->serial, 2);
    assert_report(&r, 1, 1, 1, 2, 0, 0);
    ck_assert_ptr_eq(g2->listeners[0]->ctx, g1->listeners[0]->ctx);
    ck_assert_ptr_ne(g2->listeners[1]->ctx, g1->listeners[1]->ctx);
    ck_assert_int_eq(fake_calls.server_init, 2);
    ck_assert_int_eq(fake_calls.server_init_derived, 1);
    ck_assert_ptr_nonnull(fake_calls.derived_from);
    ck_assert_int_eq(unitls_server_config_equal(
                         unitls_server_context_configuration(g2->listeners[1]->ctx),
                         c2.listeners[1].tls), 1);
    assert_describes(g2, 0, g1, "a: fake-b, context reused");
    assert_describes(g2, 1, g1, "b: fake-b, context built");
    /* a listener of the same name counts on: the same gauge */
    ck_assert_ptr_eq(g2->listeners[0]->gauge, g1->listeners[0]->gauge);
    ck_assert_ptr_eq(g2->listeners[1]->gauge, g1->listeners[1]->gauge);

    /* the old generation gone, only the retired context is finished */
    runtime_unref(g1);
    ck_assert_int_eq(fake_calls.server_fini, 1);
    runtime_unref(g2);
    ck_assert_int_eq(fake_calls.server_fini, 3);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* A reused context may move to another listener: reuse is by configuration, not by name. */
START_TEST(reuse_follows_configuration_not_name)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "a1.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);
    config_init(&c2);
    listener_add(&c2, "renamed", "cert-A", &fake_b, "a1.sock");
    struct generation *g2 = build(&c2, g1, NULL, &r);
    assert_report(&r, 1, 0, 0, 1, 0, 0);
    ck_assert_ptr_eq(g2->listeners[0]->ctx, g1->listeners[0]->ctx);
    /* a new name: a new gauge, its connections counted from zero */
    ck_assert_ptr_ne(g2->listeners[0]->gauge, g1->listeners[0]->gauge);
    assert_describes(g2, 0, g1, "renamed: fake-b, context reused");
    runtime_unref(g1);
    runtime_unref(g2);
    ck_assert_int_eq(fake_calls.server_fini, 1);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* Another implementation never gets a context of the old one, nor its state. */
START_TEST(implementation_change_builds_from_scratch)
{
    struct config c1, c2, c3;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_a, "a1.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);

    config_init(&c2);
    listener_add(&c2, "a", "cert-A", &fake_b, "a1.sock"); /* equal configuration */
    struct generation *g2 = build(&c2, g1, NULL, &r);
    assert_report(&r, 0, 1, 1, 1, 0, 0);
    ck_assert_ptr_ne(g2->listeners[0]->ctx, g1->listeners[0]->ctx);
    ck_assert_ptr_eq(unitls_server_context_implementation(g2->listeners[0]->ctx), &fake_b);
    ck_assert_int_eq(fake_calls.server_init_derived, 0);
    ck_assert_int_eq(fake_calls.server_init, 2);
    assert_describes(g2, 0, g1, "a: fake-b (was fake-a), context built");

    /* then a change on the same implementation derives from the running context */
    config_init(&c3);
    listener_add(&c3, "a", "cert-A3", &fake_b, "a1.sock");
    struct generation *g3 = build(&c3, g2, NULL, &r);
    assert_report(&r, 0, 1, 1, 1, 0, 0);
    ck_assert_int_eq(fake_calls.server_init_derived, 1);
    ck_assert_ptr_nonnull(fake_calls.derived_from);
    assert_describes(g3, 0, g2, "a: fake-b, context built");

    runtime_unref(g1);
    runtime_unref(g2);
    ck_assert_int_eq(fake_calls.server_fini, 2);
    runtime_unref(g3);
    ck_assert_int_eq(fake_calls.server_fini, 3);
    config_free(&c1);
    config_free(&c2);
    config_free(&c3);
}
END_TEST

/* A retired context is finished only when the last connection that holds it ends: a
 * connection holds its listener (and its buffer the context). */
START_TEST(retired_context_lives_with_its_connections)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "a1.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);

    /* a connection of g1's listener: the listener referenced, a buffer of its context */
    struct runtime_listener *held = runtime_listener_ref(g1->listeners[0]);
    unitls_error err;
    unitls_buffer *tls = unitls_server_context_create_buffer(held->ctx, &err);
    ck_assert_ptr_nonnull(tls);

    config_init(&c2);
    listener_add(&c2, "a", "cert-A2", &fake_b, "a1.sock");
    struct generation *g2 = build(&c2, g1, NULL, &r);
    assert_report(&r, 0, 1, 1, 1, 0, 0);
    runtime_unref(g1);
    ck_assert_int_eq(fake_calls.server_fini, 0);
    ck_assert_int_eq(accepts("a1.sock"), 1); /* g2 kept the socket */

    runtime_listener_unref(held);
    ck_assert_int_eq(fake_calls.server_fini, 0); /* the buffer still holds the context */
    unitls_buffer_free(tls);
    ck_assert_int_eq(fake_calls.server_fini, 1);
    ck_assert_int_eq(fake_calls.buffer_free, 1);

    runtime_unref(g2);
    ck_assert_int_eq(fake_calls.server_fini, 2);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* A listener whose connections outlive every generation frees itself with the last one. */
START_TEST(listener_outlives_generations)
{
    struct config c;
    config_init(&c);
    listener_add(&c, "a", "cert-A", &fake_b, "a1.sock");
    struct runtime_build_report r;
    struct generation *g = build(&c, NULL, NULL, &r);
    struct runtime_listener *one = runtime_listener_ref(g->listeners[0]);
    struct runtime_listener *two = runtime_listener_ref(g->listeners[0]);
    runtime_unref(g);
    ck_assert_int_eq(file_exists("a1.sock"), 0); /* sockets go with the generation */
    ck_assert_str_eq(one->name, "a");
    runtime_listener_unref(one);
    ck_assert_int_eq(fake_calls.server_fini, 0);
    runtime_listener_unref(two);
    ck_assert_int_eq(fake_calls.server_fini, 1);
    ck_assert_ptr_null(runtime_listener_ref(NULL));
    runtime_listener_unref(NULL);
    config_free(&c);
}
END_TEST

/* --- reloads: sockets ------------------------------------------------------------------------- */

START_TEST(reload_keeps_adds_and_removes_sockets)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "x.sock y.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);
    struct listen_socket *y1 = socket_of(g1, "y.sock");
    ck_assert_ptr_nonnull(y1);

    config_init(&c2);
    listener_add(&c2, "a", "cert-A", &fake_b, "y.sock z.sock");
    struct generation *g2 = build(&c2, g1, NULL, &r);
    assert_report(&r, 1, 0, 0, 1, 1, 1);
    ck_assert_ptr_eq(socket_of(g2, "y.sock"), y1); /* the same socket: its queue never closed */
    ck_assert_ptr_null(socket_of(g2, "x.sock"));
    ck_assert_ptr_eq(g2->sockets[0].listener, g2->listeners[0]);
    ck_assert_int_eq(accepts("x.sock"), 1); /* g1 still polls it */
    ck_assert_int_eq(accepts("z.sock"), 1);

    runtime_unref(g1);
    ck_assert_int_eq(accepts("x.sock"), 0);
    ck_assert_int_eq(file_exists("x.sock"), 0);
    ck_assert_int_eq(accepts("y.sock"), 1);
    ck_assert_int_eq(accepts("z.sock"), 1);
    runtime_unref(g2);
    ck_assert_int_eq(file_exists("y.sock"), 0);
    ck_assert_int_eq(file_exists("z.sock"), 0);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* A socket moving to another listener is kept, and feeds the new one. */
START_TEST(kept_socket_feeds_its_new_listener)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "x.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);
    config_init(&c2);
    listener_add(&c2, "a", "cert-A", &fake_b, "a2.sock");
    listener_add(&c2, "b", "cert-B", &fake_b, "x.sock");
    struct generation *g2 = build(&c2, g1, NULL, &r);
    assert_report(&r, 1, 1, 0, 1, 1, 0);
    ck_assert_ptr_eq(socket_of(g2, "x.sock"), socket_of(g1, "x.sock"));
    for (size_t i = 0; i < g2->n_sockets; i++)
        if (g2->sockets[i].sock == socket_of(g2, "x.sock"))
            ck_assert_ptr_eq(g2->sockets[i].listener, g2->listeners[1]);
    runtime_unref(g1);
    runtime_unref(g2);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* A build that fails on an address listed twice closes the sockets it bound, finishes the
 * contexts it built, and leaves the previous generation serving as before. */
START_TEST(failed_build_undoes_itself)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "x.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);

    config_init(&c2);
    listener_add(&c2, "a", "cert-A", &fake_b, "x.sock w.sock");
    listener_add(&c2, "b", "cert-B", &fake_b, "w.sock");
    struct runtime_build_report untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    char err[ERR_MAX] = "";
    struct generation *g2 = runtime_build(&c2.s, g1, NULL, &untouched, err, sizeof err);
    ck_assert_ptr_null(g2);
    ck_assert_msg(strstr(err, "listener b") && strstr(err, "w.sock") &&
                      strstr(err, "listed twice"),
                  "%s", err);
    ck_assert_int_eq(accepts("w.sock"), 0);
    ck_assert_int_eq(file_exists("w.sock"), 0);
    /* the context built for b is finished; a's (reused) is not */
    ck_assert_int_eq(fake_calls.server_init, 2);
    ck_assert_int_eq(fake_calls.server_fini, 1);
    ck_assert_uint_eq(g1->n_sockets, 1);
    ck_assert_int_eq(accepts("x.sock"), 1);

    /* and the next build still counts from g1 */
    struct generation *g3 = build(&c1, g1, NULL, &r);
    ck_assert_uint_eq(g3->serial, 2);
    assert_report(&r, 1, 0, 0, 1, 0, 0);
    runtime_unref(g1);
    runtime_unref(g3);
    ck_assert_int_eq(fake_calls.server_fini, 2);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* A context the implementation refuses fails the build, naming the listener and the reason. */
START_TEST(refused_context_fails_the_build)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "x.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);

    config_init(&c2);
    listener_add(&c2, "a", "cert-A", &fake_b, "x.sock");
    struct listener_settings *bad = listener_add(&c2, "bad", "cert-B", &fake_b, "w.sock");
    unitls_server_config_unref(bad->tls);
    bad->tls = config_of("cert-B", 1);
    char err[ERR_MAX] = "";
    ck_assert_ptr_null(runtime_build(&c2.s, g1, NULL, &r, err, sizeof err));
    ck_assert_msg(strstr(err, "listener bad") && strstr(err, "refused"), "%s", err);
    ck_assert_int_eq(file_exists("w.sock"), 0);
    ck_assert_int_eq(accepts("x.sock"), 1);
    ck_assert_int_eq(fake_calls.server_fini, 0); /* a's context is g1's, still running */
    runtime_unref(g1);
    ck_assert_int_eq(fake_calls.server_fini, 1);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* --- systemd's sockets ------------------------------------------------------------------------ */

/* An activation set of one listening unix socket at file, as activation_take would make it. */
static void activation_one(struct activation_set *act, const char *file)
{
    act->n = 1;
    act->fds = calloc(1, sizeof *act->fds);
    ck_assert_ptr_nonnull(act->fds);
    struct activation_fd *a = &act->fds[0];
    struct endpoint ep = endpoint_of(file);
    a->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(a->fd, 0);
    ck_assert_int_eq(bind(a->fd, (const struct sockaddr *)&ep.addr, ep.addr_len), 0);
    ck_assert_int_eq(listen(a->fd, 16), 0);
    a->addr_len = sizeof a->addr;
    ck_assert_int_eq(getsockname(a->fd, (struct sockaddr *)&a->addr, &a->addr_len), 0);
}

/* Dropped by a reload, systemd's socket goes back to the set, open and listening; listed
 * again, it is claimed again. */
START_TEST(activated_socket_returns_to_the_set)
{
    struct activation_set act;
    activation_one(&act, "sd.sock");
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "sd.sock x.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, &act, &r);
    assert_report(&r, 0, 1, 0, 0, 2, 0);
    ck_assert_int_eq(socket_of(g1, "sd.sock")->fd, act.fds[0].fd);
    ck_assert_int_eq(socket_of(g1, "sd.sock")->activated, 1);
    ck_assert_int_eq(act.fds[0].lent, 1);

    config_init(&c2);
    listener_add(&c2, "a", "cert-A", &fake_b, "x.sock");
    struct generation *g2 = build(&c2, g1, &act, &r);
    assert_report(&r, 1, 0, 0, 1, 0, 1);
    ck_assert_int_eq(act.fds[0].lent, 0);
    runtime_unref(g1);
    ck_assert_int_ne(fcntl(act.fds[0].fd, F_GETFD), -1); /* not closed */
    ck_assert_int_eq(accepts("sd.sock"), 1);              /* still listening */

    struct generation *g3 = build(&c1, g2, &act, &r);
    assert_report(&r, 1, 0, 0, 1, 1, 0);
    ck_assert_int_eq(act.fds[0].lent, 1);
    ck_assert_int_eq(socket_of(g3, "sd.sock")->fd, act.fds[0].fd);
    runtime_unref(g2);
    runtime_unref(g3);
    ck_assert_int_ne(fcntl(act.fds[0].fd, F_GETFD), -1);
    activation_release(&act);
    char path[128];
    path_of(path, sizeof path, "sd.sock");
    unlink(path);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* A failed build gives back what it claimed. */
START_TEST(failed_build_returns_claimed_sockets)
{
    struct activation_set act;
    activation_one(&act, "sd.sock");
    struct config c;
    config_init(&c);
    listener_add(&c, "a", "cert-A", &fake_b, "sd.sock");
    listener_add(&c, "b", "cert-B", &fake_b, "sd.sock");
    struct runtime_build_report r;
    char err[ERR_MAX] = "";
    ck_assert_ptr_null(runtime_build(&c.s, NULL, &act, &r, err, sizeof err));
    ck_assert_int_eq(act.fds[0].lent, 0);
    ck_assert_int_ne(fcntl(act.fds[0].fd, F_GETFD), -1);
    activation_release(&act);
    char path[128];
    path_of(path, sizeof path, "sd.sock");
    unlink(path);
    config_free(&c);
}
END_TEST

/* --- slots ------------------------------------------------------------------------------------ */

START_TEST(slots_bound_by_max_connections)
{
    struct config c;
    config_init(&c);
    listener_add(&c, "a", "cert-A", &fake_b, "a1.sock")->max_connections = 2;
    struct runtime_build_report r;
    struct generation *g = build(&c, NULL, NULL, &r);
    struct runtime_listener *l = g->listeners[0];
    ck_assert_int_eq(runtime_listener_has_room(l), 1);
    ck_assert_int_eq(runtime_listener_acquire(l), 1);
    ck_assert_int_eq(runtime_listener_acquire(l), 1);
    ck_assert_int_eq(runtime_listener_has_room(l), 0);
    ck_assert_int_eq(runtime_listener_acquire(l), 0);
    ck_assert_int_eq(runtime_listener_acquire(l), 0); /* refusals take nothing */
    runtime_listener_release(l);
    ck_assert_int_eq(runtime_listener_has_room(l), 1);
    ck_assert_int_eq(runtime_listener_acquire(l), 1);
    ck_assert_int_eq(runtime_listener_has_room(l), 0);
    runtime_listener_release(l);
    runtime_listener_release(l);
    ck_assert_uint_eq(atomic_load(&l->gauge->open), 0);
    runtime_unref(g);
    config_free(&c);
}
END_TEST

START_TEST(zero_max_connections_takes_none)
{
    struct config c;
    config_init(&c);
    listener_add(&c, "a", "cert-A", &fake_b, "a1.sock")->max_connections = 0;
    struct runtime_build_report r;
    struct generation *g = build(&c, NULL, NULL, &r);
    ck_assert_int_eq(runtime_listener_has_room(g->listeners[0]), 0);
    ck_assert_int_eq(runtime_listener_acquire(g->listeners[0]), 0);
    ck_assert_uint_eq(atomic_load(&g->listeners[0]->gauge->open), 0);
    runtime_unref(g);
    config_free(&c);
}
END_TEST

/* Connections accepted by the old generation count against the new one's limit, whatever
 * changed, as long as the listener keeps its name; the new limit applies to them. */
START_TEST(slots_carry_across_generations)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "a1.sock")->max_connections = 3;
    listener_add(&c1, "b", "cert-B", &fake_b, "b1.sock")->max_connections = 1;
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);
    struct runtime_listener *old_a = g1->listeners[0];
    ck_assert_int_eq(runtime_listener_acquire(old_a), 1);
    ck_assert_int_eq(runtime_listener_acquire(old_a), 1);
    ck_assert_int_eq(runtime_listener_acquire(g1->listeners[1]), 1);

    config_init(&c2);
    listener_add(&c2, "a", "cert-A2", &fake_b, "a1.sock")->max_connections = 2;
    listener_add(&c2, "fresh", "cert-B", &fake_b, "b1.sock")->max_connections = 1;
    struct generation *g2 = build(&c2, g1, NULL, &r);
    struct runtime_listener *new_a = g2->listeners[0];
    ck_assert_int_eq(runtime_listener_has_room(new_a), 0); /* 2 open, limit now 2 */
    ck_assert_int_eq(runtime_listener_acquire(new_a), 0);
    ck_assert_int_eq(runtime_listener_has_room(old_a), 1); /* the old one keeps its limit */
    /* a listener of another name counts from zero, even on b's socket and context */
    ck_assert_int_eq(runtime_listener_has_room(g2->listeners[1]), 1);
    ck_assert_int_eq(runtime_listener_acquire(g2->listeners[1]), 1);

    /* an old connection ending frees a slot of the new listener */
    runtime_listener_release(old_a);
    ck_assert_int_eq(runtime_listener_has_room(new_a), 1);
    ck_assert_int_eq(runtime_listener_acquire(new_a), 1);
    ck_assert_int_eq(runtime_listener_has_room(new_a), 0);

    runtime_listener_release(old_a);
    runtime_listener_release(new_a);
    runtime_listener_release(g1->listeners[1]);
    runtime_listener_release(g2->listeners[1]);
    runtime_unref(g1);
    ck_assert_uint_eq(atomic_load(&new_a->gauge->open), 0);
    runtime_unref(g2);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

/* --- the backend failure log's pace ----------------------------------------------------------- */

START_TEST(backend_failures_logged_once_per_interval)
{
    struct config c;
    config_init(&c);
    listener_add(&c, "a", "cert-A", &fake_b, "a1.sock");
    struct runtime_build_report r;
    struct generation *g = build(&c, NULL, NULL, &r);
    struct runtime_listener *l = g->listeners[0];
    const uint64_t t0 = 1000000;
    uint64_t unlogged = 12345;
    ck_assert_int_eq(runtime_listener_backend_log_due(l, t0, &unlogged), 1);
    ck_assert_uint_eq(unlogged, 0);
    unlogged = 12345;
    ck_assert_int_eq(runtime_listener_backend_log_due(l, t0 + 1, &unlogged), 0);
    ck_assert_int_eq(runtime_listener_backend_log_due(l, t0 + RUNTIME_BACKEND_LOG_MS / 2,
                                                      &unlogged), 0);
    ck_assert_int_eq(runtime_listener_backend_log_due(l, t0 + RUNTIME_BACKEND_LOG_MS - 1,
                                                      &unlogged), 0);
    ck_assert_uint_eq(unlogged, 12345); /* written only when due */
    ck_assert_int_eq(runtime_listener_backend_log_due(l, t0 + RUNTIME_BACKEND_LOG_MS,
                                                      &unlogged), 1);
    ck_assert_uint_eq(unlogged, 3);
    /* another worker's clock a little behind: the same interval */
    ck_assert_int_eq(runtime_listener_backend_log_due(l, t0 + RUNTIME_BACKEND_LOG_MS - 5,
                                                      &unlogged), 0);
    /* the wall clock stepped back a whole interval: a new one */
    ck_assert_int_eq(runtime_listener_backend_log_due(l, t0 - 1, &unlogged), 1);
    ck_assert_uint_eq(unlogged, 1);
    runtime_unref(g);
    config_free(&c);
}
END_TEST

/* The pace is the listener name's: a reload does not start a new interval. */
START_TEST(backend_log_pace_survives_reload)
{
    struct config c1, c2;
    config_init(&c1);
    listener_add(&c1, "a", "cert-A", &fake_b, "a1.sock");
    struct runtime_build_report r;
    struct generation *g1 = build(&c1, NULL, NULL, &r);
    uint64_t unlogged = 0;
    ck_assert_int_eq(runtime_listener_backend_log_due(g1->listeners[0], 5000, &unlogged), 1);
    config_init(&c2);
    listener_add(&c2, "a", "cert-A2", &fake_b, "a1.sock");
    struct generation *g2 = build(&c2, g1, NULL, &r);
    ck_assert_int_eq(runtime_listener_backend_log_due(g2->listeners[0], 5001, &unlogged), 0);
    ck_assert_int_eq(runtime_listener_backend_log_due(g1->listeners[0], 5002, &unlogged), 0);
    ck_assert_int_eq(runtime_listener_backend_log_due(
                         g2->listeners[0], 5000 + RUNTIME_BACKEND_LOG_MS, &unlogged), 1);
    ck_assert_uint_eq(unlogged, 2);
    runtime_unref(g1);
    runtime_unref(g2);
    config_free(&c1);
    config_free(&c2);
}
END_TEST

static TCase *tcase_of(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, setup, teardown);
    return tc;
}

int main(void)
{
    Suite *s = suite_create("daemon_runtime");
    TCase *tc = tcase_of("build");
    tcase_add_test(tc, first_generation_copies_settings);
    tcase_add_test(tc, trusted_ranges_outlive_the_settings);
    tcase_add_test(tc, generation_references_count);
    tcase_add_test(tc, equal_configurations_share_a_context);
    suite_add_tcase(s, tc);
    tc = tcase_of("contexts");
    tcase_add_test(tc, reload_reuses_equal_and_replaces_changed);
    tcase_add_test(tc, reuse_follows_configuration_not_name);
    tcase_add_test(tc, implementation_change_builds_from_scratch);
    tcase_add_test(tc, retired_context_lives_with_its_connections);
    tcase_add_test(tc, listener_outlives_generations);
    suite_add_tcase(s, tc);
    tc = tcase_of("sockets");
    tcase_add_test(tc, reload_keeps_adds_and_removes_sockets);
    tcase_add_test(tc, kept_socket_feeds_its_new_listener);
    tcase_add_test(tc, failed_build_undoes_itself);
    tcase_add_test(tc, refused_context_fails_the_build);
    tcase_add_test(tc, activated_socket_returns_to_the_set);
    tcase_add_test(tc, failed_build_returns_claimed_sockets);
    suite_add_tcase(s, tc);
    tc = tcase_of("slots");
    tcase_add_test(tc, slots_bound_by_max_connections);
    tcase_add_test(tc, zero_max_connections_takes_none);
    tcase_add_test(tc, slots_carry_across_generations);
    tcase_add_test(tc, backend_failures_logged_once_per_interval);
    tcase_add_test(tc, backend_log_pace_survives_reload);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
