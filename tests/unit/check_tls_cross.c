/* Cross-implementation interoperability in memory: for every ordered pair of distinct built
 * implementations (UNITLS_IMPLEMENTATIONS, else the library's table), a client of the first
 * against a server of the second, paired through testutil's link: SNI over several chains
 * (ECDSA and RSA; exact, wildcard, default), ALPN, TLS 1.2 and 1.3 each forced by either side,
 * client authentication (required and optional), resumption, 64 MiB each way, clean close and
 * ragged EOF.
 *
 * Each pair is a test case named after it ("openssl_client-gnutls_server"), so a failure line
 * names the pair; a test's loop index is pair * variants + variant. Every name in
 * UNITLS_IMPLEMENTATIONS must be a compiled-in implementation, in the library's order. With
 * one implementation there is no pair: the program says so and runs that check alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MAX_IMPLS 8
#define MAX_PAIRS (MAX_IMPLS * (MAX_IMPLS - 1))
#define NAME_SIZE 32
#define LABEL_SIZE (2 * NAME_SIZE + 16)
#define MIB (1024u * 1024u)

struct pair {
    char client[NAME_SIZE];
    char server[NAME_SIZE];
    char label[LABEL_SIZE]; /* the test case's name */
};

/* Filled by main before any test forks. */
static char impls[MAX_IMPLS][NAME_SIZE];
static size_t n_impls;
static int from_environment;   /* impls came from UNITLS_IMPLEMENTATIONS */
static char list_problem[200]; /* why the list could not be read whole, or "" */
static struct pair pairs[MAX_PAIRS];
static size_t n_pairs;

/* --- the implementations and their pairs --- */

static void impl_add(const char *name, size_t len)
{
    if (n_impls == MAX_IMPLS || len >= NAME_SIZE) {
        snprintf(list_problem, sizeof list_problem,
                 "more than %d implementations, or a name of %d bytes or more", MAX_IMPLS,
                 NAME_SIZE);
        return;
    }
    memcpy(impls[n_impls], name, len);
    impls[n_impls][len] = '\0';
    n_impls++;
}

/* The names in UNITLS_IMPLEMENTATIONS (space-separated), else the library's table. */
static void impls_collect(void)
{
    const char *list = getenv("UNITLS_IMPLEMENTATIONS");
    if (list && *list) {
        from_environment = 1;
        for (const char *p = list; *p && !list_problem[0];) {
            size_t skip = strspn(p, " \t"), len = strcspn(p + skip, " \t");
            if (len > 0)
                impl_add(p + skip, len);
            p += skip + len;
        }
        return;
    }
    for (size_t i = 0; i < MAX_IMPLS && unitls_implementation_at(i); i++) {
        const char *name = unitls_implementation_name(unitls_implementation_at(i));
        impl_add(name, strlen(name));
    }
}

static void pairs_collect(void)
{
    for (size_t c = 0; c < n_impls; c++)
        for (size_t s = 0; s < n_impls; s++) {
            if (c == s)
                continue;
            struct pair *p = &pairs[n_pairs++];
            snprintf(p->client, sizeof p->client, "%s", impls[c]);
            snprintf(p->server, sizeof p->server, "%s", impls[s]);
            snprintf(p->label, sizeof p->label, "%s_client-%s_server", impls[c], impls[s]);
        }
}

/* Puts pair p's implementations on the two sides for the rest of this test (Check runs each
 * test in its own process, and every test sets them again). */
static const struct pair *pair_enter(int p)
{
    ck_assert_msg(p >= 0 && (size_t)p < n_pairs, "pair %d of %zu", p, n_pairs);
    const struct pair *pr = &pairs[p];
    ck_assert_int_eq(setenv("UNITLS_TEST_CLIENT_IMPL", pr->client, 1), 0);
    ck_assert_int_eq(setenv("UNITLS_TEST_SERVER_IMPL", pr->server, 1), 0);
    return pr;
}

/* A connection between contexts that must be of pr's implementations (fails otherwise). */
static struct tu_conn *pair_conn(const struct pair *pr, unitls_client_context *cctx,
                                 const char *host, unitls_server_context *sctx)
{
    const char *cname = unitls_implementation_name(unitls_client_context_implementation(cctx));
    const char *sname = unitls_implementation_name(unitls_server_context_implementation(sctx));
    ck_assert_msg(strcmp(cname, pr->client) == 0 && strcmp(sname, pr->server) == 0,
                  "%s: contexts of %s (client) and %s (server)", pr->label, cname, sname);
    return tu_conn_new(cctx, host, sctx);
}

/* pair_conn that drops the caller's context references. */
static struct tu_conn *pair_conn_take(const struct pair *pr, unitls_client_context *cctx,
                                      const char *host, unitls_server_context *sctx)
{
    struct tu_conn *c = pair_conn(pr, cctx, host, sctx);
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
    return c;
}

static void handshake_ok(const struct pair *pr, struct tu_conn *c, const char *what)
{
    tu_handshake(c);
    ck_assert_msg(c->client_status == UNITLS_OK && c->server_status == UNITLS_OK,
                  "%s, %s: client %s (%s), server %s (%s)", pr->label, what,
                  unitls_status_name(c->client_status),
                  unitls_buffer_last_error(c->client)->message,
                  unitls_status_name(c->server_status),
                  unitls_buffer_last_error(c->server)->message);
}

/* --- the list itself --- */

/* Every listed implementation is compiled in; from UNITLS_IMPLEMENTATIONS, exactly the
 * library's table in its order (so no built implementation goes untested). */
START_TEST(test_built_implementations_found)
{
    ck_assert_msg(list_problem[0] == '\0', "UNITLS_IMPLEMENTATIONS: %s", list_problem);
    ck_assert_msg(n_impls > 0, "no implementation listed");
    for (size_t i = 0; i < n_impls; i++) {
        const unitls_implementation *impl = unitls_implementation_find(impls[i]);
        ck_assert_msg(impl != NULL, "implementation \"%s\" (UNITLS_IMPLEMENTATIONS) is not in the "
                      "library", impls[i]);
        ck_assert_str_eq(unitls_implementation_name(impl), impls[i]);
        if (!from_environment)
            continue;
        const unitls_implementation *at = unitls_implementation_at(i);
        ck_assert_msg(at == impl, "the library's implementation %zu is %s, UNITLS_IMPLEMENTATIONS "
                      "says %s", i, at ? unitls_implementation_name(at) : "(none)", impls[i]);
    }
    const unitls_implementation *extra = unitls_implementation_at(n_impls);
    ck_assert_msg(extra == NULL, "the library has %s, which UNITLS_IMPLEMENTATIONS does not list",
                  extra ? unitls_implementation_name(extra) : "");
}
END_TEST

/* One implementation: nothing to cross, and that is all this program can check. */
START_TEST(test_no_pair_with_one_implementation)
{
    ck_assert_uint_eq(n_impls, 1);
    ck_assert_uint_eq(n_pairs, 0);
}
END_TEST

/* --- SNI --- */

/* default.test first (the default chain); example.org has an ECDSA and an RSA chain. */
static const char *const sni_chains[] = {"default.test", "example.org", "wildcard.example.net",
                                         "example.org-rsa"};

struct sni_case {
    const char *host;     /* NULL: no SNI */
    int verify_host;      /* 0: hostname check off, to see the default chain */
    uint16_t tls12_suite; /* 0: a default client (TLS 1.3 first) */
    const char *leaf_der;
};

static const struct sni_case sni_cases[] = {
    {"example.org", 1, 0, "example.org.der"},          /* exact, ECDSA preferred */
    {"www.example.org", 1, 0, "example.org.der"},      /* exact, second SAN */
    {"a.example.net", 1, 0, "wildcard.example.net.der"}, /* one-label wildcard */
    {"unknown.test", 0, 0, "default.test.der"},        /* no match: the default chain */
    {NULL, 0, 0, "default.test.der"},                  /* no SNI: the default chain */
    {"www.example.org", 1, UNITLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "example.org-rsa.der"},
    {"example.org", 1, UNITLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "example.org.der"},
};
#define N_SNI_CASES ((int)(sizeof sni_cases / sizeof sni_cases[0]))

static void quiet_warning(enum unitls_warning_category category, const char *message, void *arg)
{
    (void)category;
    (void)message;
    (void)arg;
}

static unitls_client_context *sni_client(const struct sni_case *sc)
{
    unitls_client_config_builder *b = tu_client_builder();
    if (!sc->verify_host) {
        unitls_set_warning_handler(quiet_warning, NULL);
        tu_assert_status(unitls_insecure_client_config_builder_disable_hostname_check(b),
                         UNITLS_OK, "disable_hostname_check", "");
    }
    if (sc->tls12_suite) {
        tu_assert_status(unitls_client_config_builder_set_ciphers(b, &sc->tls12_suite, 1),
                         UNITLS_OK, "set_ciphers", unitls_cipher_suite_name(sc->tls12_suite));
        tu_client_versions(b, UNITLS_TLS_VERSION_UNSET, UNITLS_TLSv1_2);
    }
    return tu_client_context_from(b);
}

START_TEST(test_sni_selects_chain)
{
    const struct pair *pr = pair_enter(_i / N_SNI_CASES);
    const struct sni_case *sc = &sni_cases[_i % N_SNI_CASES];
    struct tu_conn *c = pair_conn_take(pr, sni_client(sc), sc->host,
                                       tu_server_context_from(tu_server_builder(sni_chains, 4)));
    handshake_ok(pr, c, sc->host ? sc->host : "no SNI");
    const char *seen = unitls_buffer_server_name(c->server);
    if (sc->host)
        ck_assert_msg(seen && strcmp(seen, sc->host) == 0, "%s: server saw SNI \"%s\", sent \"%s\"",
                      pr->label, seen ? seen : "(none)", sc->host);
    else
        ck_assert_msg(seen == NULL, "%s: server saw SNI \"%s\", none sent", pr->label, seen);
    tu_assert_peer_cert(c->client, sc->leaf_der);
    if (sc->tls12_suite)
        ck_assert_uint_eq(unitls_buffer_cipher(c->client), sc->tls12_suite);
    tu_conn_free(c);
}
END_TEST

/* --- ALPN --- */

static void add_alpn(unitls_client_config_builder *cb, unitls_server_config_builder *sb,
                     const char *const *client, size_t n_client, const char *const *server,
                     size_t n_server)
{
    for (size_t i = 0; i < n_client; i++)
        tu_assert_status(unitls_client_config_builder_add_inner_protocol(cb, client[i],
                                                                         strlen(client[i])),
                         UNITLS_OK, "client add_inner_protocol", client[i]);
    for (size_t i = 0; i < n_server; i++)
        tu_assert_status(unitls_server_config_builder_add_inner_protocol(sb, server[i],
                                                                         strlen(server[i])),
                         UNITLS_OK, "server add_inner_protocol", server[i]);
}

static void assert_protocol(const struct pair *pr, unitls_buffer *b, const char *side,
                            const char *want)
{
    const uint8_t *p = NULL;
    size_t len = 0;
    unitls_status st = unitls_buffer_negotiated_protocol(b, &p, &len);
    if (!want) {
        ck_assert_msg(st == UNITLS_ERR_INVALID, "%s, %s: expected no protocol, got %s",
                      pr->label, side, unitls_status_name(st));
        return;
    }
    tu_assert_status(st, UNITLS_OK, side, pr->label);
    ck_assert_msg(len == strlen(want) && memcmp(p, want, len) == 0,
                  "%s, %s: negotiated \"%.*s\", expected \"%s\"", pr->label, side, (int)len,
                  (const char *)p, want);
}

/* Variants: TLS 1.3 and 1.2 with the server's preference winning, and no overlap. */
#define N_ALPN_VARIANTS 3

START_TEST(test_alpn)
{
    static const char *const client[] = {"http/1.1", "h2"};
    static const char *const server[] = {"h2", "http/1.1"};
    static const char *const other[] = {"spdy/3"};
    const struct pair *pr = pair_enter(_i / N_ALPN_VARIANTS);
    int variant = _i % N_ALPN_VARIANTS;
    const char *name = "example.org";
    unitls_client_config_builder *cb = tu_client_builder();
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    if (variant == 2)
        add_alpn(cb, sb, client, 2, other, 1);
    else
        add_alpn(cb, sb, client, 2, server, 2);
    if (variant == 1)
        tu_client_versions(cb, UNITLS_TLS_VERSION_UNSET, UNITLS_TLSv1_2);
    struct tu_conn *c = pair_conn_take(pr, tu_client_context_from(cb), name,
                                       tu_server_context_from(sb));
    handshake_ok(pr, c, "ALPN");
    const char *want = variant == 2 ? NULL : "h2";
    assert_protocol(pr, c->client, "client", want);
    assert_protocol(pr, c->server, "server", want);
    tu_conn_free(c);
}
END_TEST

/* --- versions --- */

/* Variants: TLS 1.3 forced by the client, by the server, TLS 1.2 by the client, by the server;
 * the other side left at its defaults. */
#define N_VERSION_VARIANTS 4

START_TEST(test_version_forced)
{
    const struct pair *pr = pair_enter(_i / N_VERSION_VARIANTS);
    int variant = _i % N_VERSION_VARIANTS;
    enum unitls_tls_version v = variant < 2 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2;
    int by_server = variant % 2;
    const char *name = "example.org";
    unitls_client_config_builder *cb = tu_client_builder();
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    if (by_server)
        tu_server_versions(sb, v, v);
    else
        tu_client_versions(cb, v, v);
    struct tu_conn *c = pair_conn_take(pr, tu_client_context_from(cb), name,
                                       tu_server_context_from(sb));
    handshake_ok(pr, c, unitls_tls_version_name(v));
    enum unitls_tls_version cv = unitls_buffer_negotiated_tls_version(c->client);
    enum unitls_tls_version sv = unitls_buffer_negotiated_tls_version(c->server);
    ck_assert_msg(cv == v && sv == v, "%s, %s forced by the %s: client got %s, server %s",
                  pr->label, unitls_tls_version_name(v), by_server ? "server" : "client",
                  unitls_tls_version_name(cv), unitls_tls_version_name(sv));
    uint16_t cc = unitls_buffer_cipher(c->client), sc = unitls_buffer_cipher(c->server);
    ck_assert_msg(cc != 0 && cc == sc, "%s: ciphers: client 0x%04x, server 0x%04x", pr->label,
                  cc, sc);
    ck_assert_int_eq(unitls_cipher_suite_is_tls13(cc), v == UNITLS_TLSv1_3);
    tu_assert_peer_cert(c->client, "example.org.der");
    tu_conn_free(c);
}
END_TEST

/* --- client authentication --- */

struct mtls_case {
    enum unitls_client_auth mode;
    enum unitls_tls_version highest;
    const char *client_chain; /* NULL: the client has no certificate */
    int accepted;
};

static const struct mtls_case mtls_cases[] = {
    {UNITLS_CLIENT_AUTH_REQUIRED, UNITLS_TLSv1_3, "client", 1},
    {UNITLS_CLIENT_AUTH_REQUIRED, UNITLS_TLSv1_2, "client", 1},
    {UNITLS_CLIENT_AUTH_REQUIRED, UNITLS_TLSv1_3, NULL, 0},
    {UNITLS_CLIENT_AUTH_REQUIRED, UNITLS_TLSv1_2, NULL, 0},
    {UNITLS_CLIENT_AUTH_OPTIONAL, UNITLS_TLSv1_3, "client", 1},
    {UNITLS_CLIENT_AUTH_OPTIONAL, UNITLS_TLSv1_3, NULL, 1},
    {UNITLS_CLIENT_AUTH_OPTIONAL, UNITLS_TLSv1_2, NULL, 1},
};
#define N_MTLS_CASES ((int)(sizeof mtls_cases / sizeof mtls_cases[0]))

static struct tu_conn *mtls_conn(const struct pair *pr, const struct mtls_case *mc)
{
    const char *name = "example.org";
    unitls_server_config_builder *sb = tu_server_builder(&name, 1);
    unitls_trust_store *t = tu_trust_store("client-ca.pem");
    tu_assert_status(unitls_server_config_builder_set_trust_store(sb, t), UNITLS_OK,
                     "server set_trust_store", "client-ca.pem");
    unitls_trust_store_unref(t);
    tu_assert_status(unitls_server_config_builder_set_client_auth(sb, mc->mode), UNITLS_OK,
                     "set_client_auth", "");
    tu_server_versions(sb, UNITLS_TLS_VERSION_UNSET, mc->highest);
    unitls_client_config_builder *cb = tu_client_builder();
    if (mc->client_chain) {
        unitls_signing_chain *s = tu_chain(mc->client_chain);
        tu_assert_status(unitls_client_config_builder_set_certificate_chain(cb, s), UNITLS_OK,
                         "set_certificate_chain", mc->client_chain);
        unitls_signing_chain_unref(s);
    }
    return pair_conn_take(pr, tu_client_context_from(cb), name, tu_server_context_from(sb));
}

static int is_failure(unitls_status st)
{
    return st != UNITLS_OK && st != UNITLS_WANT_READ && st != UNITLS_WANT_WRITE;
}

/* The server refuses; the client fails its handshake or, in TLS 1.3 where it finishes first,
 * reads the server's alert as a TLS error. */
static void assert_server_refuses(const struct pair *pr, struct tu_conn *c)
{
    tu_handshake(c);
    ck_assert_msg(is_failure(c->server_status) && unitls_status_is_tls_error(c->server_status),
                  "%s: server handshake without a required certificate: %s (%s)", pr->label,
                  unitls_status_name(c->server_status),
                  unitls_buffer_last_error(c->server)->message);
    unitls_status client_st = c->client_status;
    if (client_st == UNITLS_OK) {
        uint8_t byte;
        size_t n = 0;
        client_st = unitls_buffer_read(c->client, &byte, sizeof byte, &n);
    }
    ck_assert_msg(client_st == UNITLS_ERR_TLS || client_st == UNITLS_ERR_CERTIFICATE,
                  "%s: client after the server's alert: %s (%s)", pr->label,
                  unitls_status_name(client_st), unitls_buffer_last_error(c->client)->message);
}

START_TEST(test_client_auth)
{
    const struct pair *pr = pair_enter(_i / N_MTLS_CASES);
    const struct mtls_case *mc = &mtls_cases[_i % N_MTLS_CASES];
    struct tu_conn *c = mtls_conn(pr, mc);
    if (!mc->accepted) {
        assert_server_refuses(pr, c);
        tu_conn_free(c);
        return;
    }
    handshake_ok(pr, c, "client authentication");
    tu_settle(c);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(c->server), mc->highest);
    tu_assert_peer_cert(c->client, "example.org.der");
    if (mc->client_chain) {
        tu_assert_peer_cert(c->server, "client.der");
    } else {
        const uint8_t *der = NULL;
        size_t len = 0;
        tu_assert_status(unitls_buffer_getpeercert(c->server, &der, &len), UNITLS_ERR_INVALID,
                         "server getpeercert", "no client certificate");
    }
    tu_conn_free(c);
}
END_TEST

/* --- resumption --- */

/* One connection: handshake, tickets, clean close both ways; whether it resumed (both sides
 * must agree). */
static int connect_once(const struct pair *pr, unitls_client_context *cctx,
                        unitls_server_context *sctx)
{
    struct tu_conn *c = pair_conn(pr, cctx, "example.org", sctx);
    handshake_ok(pr, c, "resumption");
    tu_settle(c);
    int client_resumed = unitls_buffer_session_resumed(c->client);
    int server_resumed = unitls_buffer_session_resumed(c->server);
    ck_assert_msg(client_resumed == server_resumed, "%s: resumed: client says %d, server %d",
                  pr->label, client_resumed, server_resumed);
    tu_assert_peer_cert(c->client, "example.org.der");
    unitls_buffer_shutdown(c->client);
    tu_conn_move(c);
    unitls_buffer_shutdown(c->server);
    tu_conn_move(c);
    tu_conn_free(c);
    return client_resumed;
}

/* The first connection is full, the second resumes (_i % 2: TLS 1.3, 1.2). */
START_TEST(test_second_connection_resumes)
{
    const struct pair *pr = pair_enter(_i / 2);
    enum unitls_tls_version v = _i % 2 == 0 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2;
    unitls_client_config_builder *cb = tu_client_builder();
    tu_client_versions(cb, UNITLS_TLS_VERSION_UNSET, v);
    unitls_client_context *cctx = tu_client_context_from(cb);
    unitls_server_context *sctx = tu_server_context("example.org");
    ck_assert_msg(!connect_once(pr, cctx, sctx), "%s, %s: the first connection resumed",
                  pr->label, unitls_tls_version_name(v));
    ck_assert_msg(connect_once(pr, cctx, sctx), "%s, %s: the second connection did not resume",
                  pr->label, unitls_tls_version_name(v));
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
}
END_TEST

/* --- data and the end of it --- */

static struct tu_conn *established(const struct pair *pr)
{
    struct tu_conn *c = pair_conn_take(pr, tu_client_context(), "example.org",
                                       tu_server_context("example.org"));
    handshake_ok(pr, c, "data");
    tu_settle(c);
    return c;
}

/* 64 MiB each way at once, every byte checked (_i % 2: copying, zero-copy calls). */
START_TEST(test_64mib_each_way)
{
    const struct pair *pr = pair_enter(_i / 2);
    struct tu_conn *c = established(pr);
    c->mode = _i % 2 == 0 ? TU_MOVE_COPY : TU_MOVE_ZEROCOPY;
    c->chunk = TU_PIPE_SIZE;
    tu_transfer_duplex(c, 64u * MIB);
    tu_conn_free(c);
}
END_TEST

static void expect_clean_end(const struct pair *pr, unitls_buffer *b, const char *side)
{
    uint8_t byte;
    size_t n = 1;
    unitls_status st = unitls_buffer_read(b, &byte, 1, &n);
    ck_assert_msg(st == UNITLS_OK && n == 0, "%s, %s: read gave %s with %zu bytes (%s), expected "
                  "a clean close", pr->label, side, unitls_status_name(st), n,
                  unitls_buffer_last_error(b)->message);
}

/* Data, close_notify, the peer reads the data then 0; its own shutdown completes the close
 * (_i % 2: the client closes first, the server). */
START_TEST(test_clean_close)
{
    const struct pair *pr = pair_enter(_i / 2);
    struct tu_conn *c = established(pr);
    unitls_buffer *first = _i % 2 == 0 ? c->client : c->server;
    unitls_buffer *second = _i % 2 == 0 ? c->server : c->client;
    static const char bye[] = "last words";
    char got[sizeof bye];
    tu_send_all(c, first, bye, sizeof bye);
    tu_assert_status(unitls_buffer_shutdown(first), UNITLS_WANT_READ, "first shutdown",
                     unitls_buffer_last_error(first)->message);
    ck_assert_uint_gt(tu_conn_move(c), 0);
    tu_recv_exact(c, second, got, sizeof got);
    ck_assert_msg(memcmp(got, bye, sizeof bye) == 0, "%s: data before close_notify altered",
                  pr->label);
    expect_clean_end(pr, second, "after the peer's close_notify");
    tu_assert_status(unitls_buffer_shutdown(second), UNITLS_OK, "second shutdown",
                     unitls_buffer_last_error(second)->message);
    ck_assert_uint_gt(tu_conn_move(c), 0);
    expect_clean_end(pr, first, "after the answering close_notify");
    tu_assert_status(unitls_buffer_shutdown(first), UNITLS_OK, "first shutdown again",
                     unitls_buffer_last_error(first)->message);
    tu_conn_free(c);
}
END_TEST

/* The transport ends without close_notify: the data that arrived is read, then RAGGED_EOF
 * (_i % 2: the server receives, the client). */
START_TEST(test_ragged_eof)
{
    const struct pair *pr = pair_enter(_i / 2);
    struct tu_conn *c = established(pr);
    unitls_buffer *sender = _i % 2 == 0 ? c->client : c->server;
    unitls_buffer *receiver = _i % 2 == 0 ? c->server : c->client;
    static const char partial[] = "data, then the cable is cut";
    char got[sizeof partial];
    tu_send_all(c, sender, partial, sizeof partial);
    tu_assert_status(unitls_buffer_process_incoming_eof(receiver), UNITLS_OK,
                     "process_incoming_eof", unitls_buffer_last_error(receiver)->message);
    size_t n = 0;
    unitls_status st = unitls_buffer_read(receiver, got, sizeof got, &n);
    tu_assert_status(st, UNITLS_OK, "read before EOF", unitls_buffer_last_error(receiver)->message);
    ck_assert_msg(n == sizeof partial && memcmp(got, partial, n) == 0,
                  "%s: %zu bytes read before EOF, altered or short", pr->label, n);
    st = unitls_buffer_read(receiver, got, sizeof got, &n);
    tu_assert_status(st, UNITLS_RAGGED_EOF, "read at EOF",
                     unitls_buffer_last_error(receiver)->message);
    tu_conn_free(c);
}
END_TEST

/* --- the suite --- */

/* Adds test tf for pair p, with variants loop indices. */
static void add_pair_test(TCase *tc, const TTest *tf, size_t p, int variants)
{
    int start = (int)p * variants;
    tcase_add_loop_test(tc, tf, start, start + variants);
}

static Suite *cross_suite(void)
{
    Suite *s = suite_create("tls_cross");
    TCase *tc = tcase_create("implementations");
    tcase_add_test(tc, test_built_implementations_found);
    if (n_pairs == 0)
        tcase_add_test(tc, test_no_pair_with_one_implementation);
    suite_add_tcase(s, tc);

    for (size_t p = 0; p < n_pairs; p++) {
        tc = tcase_create(pairs[p].label);
        tcase_set_timeout(tc, 600); /* per test: 64 MiB each way under the sanitizers */
        add_pair_test(tc, test_sni_selects_chain, p, N_SNI_CASES);
        add_pair_test(tc, test_alpn, p, N_ALPN_VARIANTS);
        add_pair_test(tc, test_version_forced, p, N_VERSION_VARIANTS);
        add_pair_test(tc, test_client_auth, p, N_MTLS_CASES);
        add_pair_test(tc, test_second_connection_resumes, p, 2);
        add_pair_test(tc, test_64mib_each_way, p, 2);
        add_pair_test(tc, test_clean_close, p, 2);
        add_pair_test(tc, test_ragged_eof, p, 2);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void)
{
    impls_collect();
    if (!list_problem[0])
        pairs_collect();
    printf("implementations: %zu (%s)\n", n_impls,
           from_environment ? "UNITLS_IMPLEMENTATIONS" : "the library's table");
    for (size_t i = 0; i < n_impls; i++)
        printf("  %s\n", impls[i]);
    if (n_pairs == 0)
        printf("no pair: only one implementation is built, so no connection between two "
               "different implementations is tested\n");
    for (size_t p = 0; p < n_pairs; p++)
        printf("pair %zu: %s client, %s server\n", p, pairs[p].client, pairs[p].server);
    fflush(stdout);
    return tu_run_suite(cross_suite());
}
