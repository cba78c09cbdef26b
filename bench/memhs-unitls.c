/* memhs-unitls: in-memory TLS handshakes through libunitls, timing only the server side.
 *
 * The twin of ../shared/tools/memhs.c (raw OpenSSL): same idea, but the server is a
 * unitls_buffer from a unitls_server_context, so the difference between the two is what
 * libunitls adds on top of its TLS implementation per handshake. Bytes move between the
 * client and server buffers with the zero-copy calls, as unitlsd moves them to sockets.
 *
 *   memhs-unitls CERT KEY CAFILE N [resume] [tickets=N] [impl=NAME]
 *
 * Prints one line: handshakes, how many resumed, server CPU microseconds per handshake and
 * handshakes per server CPU-second (thread CPU time, so the client's share is excluded). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <unitls/unitls.h>

#define ROUNDS_MAX 50

struct bench_options {
    const char *cert, *key, *cafile, *impl_name;
    long n;
    int resume;
    unsigned tickets;
};

static double thread_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const unitls_error *err)
{
    fprintf(stderr, "memhs-unitls: %s: %s (%s)\n", what, err ? err->message : "failed",
            err ? unitls_status_name(err->status) : "");
    exit(1);
}

static unitls_server_context *server_context_build(const struct bench_options *o,
                                                   const unitls_implementation *impl)
{
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_file(o->cert, &err);
    unitls_private_key *key = leaf ? unitls_private_key_from_file(o->key, &err) : NULL;
    unitls_signing_chain *chain = key ? unitls_signing_chain_new(leaf, key, NULL, 0, &err) : NULL;
    if (!chain)
        die("server chain", &err);
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_server_config_builder_add_certificate_chain(b, chain);
    unitls_server_config_builder_set_session_tickets(b, o->tickets);
    unitls_server_config *config = unitls_server_config_builder_build(b, &err);
    if (!config)
        die("server config", &err);
    unitls_server_context *ctx = unitls_server_context_new(impl, config, &err);
    if (!ctx)
        die("server context", &err);
    unitls_server_config_unref(config);
    unitls_server_config_builder_free(b);
    unitls_signing_chain_unref(chain);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
    return ctx;
}

static unitls_client_context *client_context_build(const struct bench_options *o,
                                                   const unitls_implementation *impl)
{
    unitls_error err;
    unitls_trust_store *trust = unitls_trust_store_from_file(o->cafile, &err);
    if (!trust)
        die("trust store", &err);
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_client_config_builder_set_trust_store(b, trust);
    unitls_client_config_builder_set_session_resumption(b, o->resume);
    unitls_client_config *config = unitls_client_config_builder_build(b, &err);
    if (!config)
        die("client config", &err);
    unitls_client_context *ctx = unitls_client_context_new(impl, config, &err);
    if (!ctx)
        die("client context", &err);
    unitls_client_config_unref(config);
    unitls_client_config_builder_free(b);
    unitls_trust_store_unref(trust);
    return ctx;
}

/* Moves everything from's outgoing side holds into to's incoming side, zero-copy. */
static void link_move(unitls_buffer *from, unitls_buffer *to)
{
    for (int guard = 0; guard < 64; guard++) {
        const uint8_t *src;
        size_t avail;
        if (unitls_buffer_outgoing_peek(from, &src, &avail) != UNITLS_OK || avail == 0)
            return;
        uint8_t *dst;
        size_t room;
        if (unitls_buffer_incoming_reserve(to, &dst, &room) != UNITLS_OK || room == 0)
            return;
        size_t n = avail < room ? avail : room;
        memcpy(dst, src, n);
        unitls_buffer_incoming_commit(to, n);
        unitls_buffer_outgoing_consume(from, n);
    }
}

/* One connection; returns the server CPU seconds it cost and sets *resumed. */
static double handshake_once(unitls_server_context *sctx, unitls_client_context *cctx,
                             int *resumed)
{
    unitls_error err;
    double server = 0, t0 = thread_cpu_seconds();
    unitls_buffer *s = unitls_server_context_create_buffer(sctx, &err);
    server += thread_cpu_seconds() - t0;
    if (!s)
        die("server buffer", &err);
    unitls_buffer *c = unitls_client_context_create_buffer(cctx, "localhost", &err);
    if (!c)
        die("client buffer", &err);
    int sdone = 0, cdone = 0;
    for (int round = 0; round < ROUNDS_MAX && !(sdone && cdone); round++) {
        if (!cdone && unitls_buffer_do_handshake(c) == UNITLS_OK)
            cdone = 1;
        link_move(c, s);
        t0 = thread_cpu_seconds();
        if (!sdone && unitls_buffer_do_handshake(s) == UNITLS_OK)
            sdone = 1;
        link_move(s, c);
        server += thread_cpu_seconds() - t0;
    }
    if (!sdone || !cdone)
        die("handshake", unitls_buffer_last_error(sdone ? c : s));
    uint8_t byte;
    size_t got;
    unitls_buffer_read(c, &byte, 1, &got); /* takes the tickets so the session can resume */
    *resumed = unitls_buffer_session_resumed(c);
    unitls_buffer_free(c);
    t0 = thread_cpu_seconds();
    unitls_buffer_free(s);
    return server + thread_cpu_seconds() - t0;
}

static int options_parse(int argc, char **argv, struct bench_options *o)
{
    if (argc < 5)
        return -1;
    *o = (struct bench_options){ argv[1], argv[2], argv[3], NULL, atol(argv[4]), 0, 1 };
    for (int i = 5; i < argc; i++) {
        if (!strcmp(argv[i], "resume"))
            o->resume = 1;
        else if (!strncmp(argv[i], "tickets=", 8))
            o->tickets = (unsigned)atoi(argv[i] + 8);
        else if (!strncmp(argv[i], "impl=", 5))
            o->impl_name = argv[i] + 5;
        else
            return -1;
    }
    return o->n > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct bench_options o;
    if (options_parse(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: memhs-unitls CERT KEY CAFILE N [resume] [tickets=N] [impl=NAME]\n");
        return 2;
    }
    const unitls_implementation *impl =
        o.impl_name ? unitls_implementation_find(o.impl_name) : unitls_implementation_default();
    if (!impl) {
        fprintf(stderr, "memhs-unitls: no implementation named %s\n", o.impl_name);
        return 2;
    }
    unitls_server_context *sctx = server_context_build(&o, impl);
    unitls_client_context *cctx = client_context_build(&o, impl);
    double server = 0;
    long resumed = 0;
    for (long i = 0; i < o.n; i++) {
        int r = 0;
        server += handshake_once(sctx, cctx, &r);
        resumed += r;
    }
    printf("%ld handshakes (%ld resumed): server %.1f us each, %.0f per server CPU-second\n",
           o.n, resumed, server / (double)o.n * 1e6, (double)o.n / server);
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
    return 0;
}
