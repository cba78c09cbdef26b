/* OCSP stapling (include/unitls/ocsp.h), against the implementation under test:
 * - verdicts on responses made by tests/tools/ocspmake for the test PKI: valid, expired, not
 *   yet valid, without nextUpdate, revoked, unknown, for another certificate, signed by a
 *   stranger, by a delegated responder (with and without the OCSPSigning key purpose, and one
 *   another CA issued), unparsable bytes, a non-successful responder status, a chain without
 *   the leaf's issuer; and every built implementation gives the same verdict in the same words;
 * - stapling in memory, TLS 1.2 and 1.3, to a raw OpenSSL client that asks for status
 *   (SSL_set_tlsext_status_type): the selected chain's response arrives (the second chain's when
 *   SNI picks it), none when it is expired, invalid or absent, and unitls_buffer_ocsp_stapling
 *   says so; a client that does not ask gets none;
 * - running contexts: set_ocsp_response installs a fresh response for the next handshake and
 *   refuses an invalid one keeping the old; ocsp_info judges at a given time;
 * - configurations: the response is part of equality and hash (a file replaced in place too),
 *   a bad chain index fails the build, an unreadable file names itself;
 * - requests: the DER OCSPRequest's CertID and the AIA URL, and the errors.
 *
 * The fixtures are made once, before the tests fork, into a temporary directory removed at the
 * end; ocspmake is found under $UNITLS_BUILDDIR. */
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define V12 UNITLS_TLSv1_2
#define V13 UNITLS_TLSv1_3
#define ROUNDS 200
#define IO_CHUNK 16384

static char fixture_dir[TU_PATH_MAX / 2]; /* made by main before any test forks */

/* --- fixtures --- */

struct fixture {
    const char *name;     /* FILE.der in fixture_dir */
    const char *args[12]; /* ocspmake arguments after the common ones, NULL-terminated */
};

/* For leaf ocsp.test from the intermediate unless --cert or --issuer say otherwise. */
static const struct fixture fixtures[] = {
    {"valid", {NULL}},
    {"expired", {"--this-update", "-7200", "--next-update", "-3600", NULL}},
    {"future", {"--this-update", "3600", "--next-update", "7200", NULL}},
    {"nonext", {"--next-update", "none", NULL}},
    {"revoked", {"--status", "revoked", NULL}},
    {"unknown", {"--status", "unknown", NULL}},
    {"trylater", {"--resp-status", "trylater", NULL}},
    {"other-cert", {"--cert", "example.org.pem", NULL}},
    {"valid-example", {"--cert", "example.org.pem", NULL}},
    {"stranger", {"--signer", "other-ca.pem", "--signer-key", "other-ca.key", NULL}},
    {"delegated", {"--signer", "ocsp-responder.pem", "--signer-key", "ocsp-responder.key", NULL}},
    {"delegated-noeku",
     {"--signer", "ocsp-responder-noeku.pem", "--signer-key", "ocsp-responder-noeku.key", NULL}},
    {"other-responder",
     {"--signer", "other-responder.pem", "--signer-key", "other-responder.key", NULL}},
    {"valid-short", {"--next-update", "600", NULL}},
};

#define N_FIXTURES (sizeof fixtures / sizeof fixtures[0])

static void fixture_path(char out[TU_PATH_MAX], const char *name)
{
    snprintf(out, TU_PATH_MAX, "%s/%s.der", fixture_dir, name);
}

/* argv[i] for a certificate argument: a path in the test PKI. */
static int is_pki_option(const char *opt)
{
    return strcmp(opt, "--cert") == 0 || strcmp(opt, "--signer") == 0 ||
           strcmp(opt, "--signer-key") == 0 || strcmp(opt, "--issuer") == 0 ||
           strcmp(opt, "--issuer-key") == 0;
}

/* tu_cert_path without Check's assertions, which only work inside a test. */
static void pki_path(char out[TU_PATH_MAX], const char *name)
{
    const char *dir = getenv("UNITLS_TEST_CERTS");
    snprintf(out, TU_PATH_MAX, "%.512s/%.256s", dir ? dir : ".", name);
}

static int run_ocspmake(const char *tool, const struct fixture *f)
{
    static char paths[24][TU_PATH_MAX];
    const char *argv[40];
    size_t n = 0, p = 0;
    const char *cert = "ocsp.test.pem";
    for (size_t i = 0; f->args[i]; i += 2)
        if (strcmp(f->args[i], "--cert") == 0)
            cert = f->args[i + 1];
    argv[n++] = tool;
    const char *common[] = {"--issuer", "intermediate.pem", "--issuer-key", "intermediate.key",
                            "--cert", cert};
    for (size_t i = 0; i < 6; i += 2) {
        pki_path(paths[p], common[i + 1]);
        argv[n++] = common[i];
        argv[n++] = paths[p++];
    }
    for (size_t i = 0; f->args[i]; i += 2) {
        if (strcmp(f->args[i], "--cert") == 0)
            continue;
        argv[n++] = f->args[i];
        if (is_pki_option(f->args[i])) {
            pki_path(paths[p], f->args[i + 1]);
            argv[n++] = paths[p++];
        } else {
            argv[n++] = f->args[i + 1];
        }
    }
    fixture_path(paths[p], f->name);
    argv[n++] = "--out";
    argv[n++] = paths[p];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        execv(tool, (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int fixtures_make(void)
{
    const char *builddir = getenv("UNITLS_BUILDDIR");
    char tool[TU_PATH_MAX];
    snprintf(tool, sizeof tool, "%s/tests/tools/ocspmake", builddir ? builddir : ".");
    snprintf(fixture_dir, sizeof fixture_dir, "%s/unitls-ocsp.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(fixture_dir)) {
        fprintf(stderr, "mkdtemp %s: %s\n", fixture_dir, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < N_FIXTURES; i++) {
        if (run_ocspmake(tool, &fixtures[i]) != 0) {
            fprintf(stderr, "%s failed to make fixture %s\n", tool, fixtures[i].name);
            return -1;
        }
    }
    return 0;
}

static void fixtures_remove(void)
{
    char path[TU_PATH_MAX];
    for (size_t i = 0; i < N_FIXTURES; i++) {
        fixture_path(path, fixtures[i].name);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/replaced.der", fixture_dir);
    unlink(path);
    rmdir(fixture_dir);
}

static uint8_t *fixture_bytes(const char *name, size_t *len)
{
    char path[TU_PATH_MAX];
    fixture_path(path, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s: %s", path, strerror(errno));
    static uint8_t buf[8192];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ck_assert_msg(*len > 0 && *len < sizeof buf, "fixture %s: %zu bytes", name, *len);
    uint8_t *copy = malloc(*len);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, buf, *len);
    return copy;
}

static unitls_ocsp_response *response(const char *name)
{
    size_t len = 0;
    uint8_t *der = fixture_bytes(name, &len);
    unitls_error err = {0};
    unitls_ocsp_response *r = unitls_ocsp_response_from_buffer(der, len, &err);
    free(der);
    ck_assert_msg(r != NULL, "response %s: %s", name, err.message);
    return r;
}

static unitls_ocsp_response *response_file(const char *name)
{
    char path[TU_PATH_MAX];
    fixture_path(path, name);
    unitls_error err = {0};
    unitls_ocsp_response *r = unitls_ocsp_response_from_file(path, &err);
    ck_assert_msg(r != NULL, "response file %s: %s", name, err.message);
    return r;
}

/* The ocsp.test leaf alone (DER), with its key: a chain without the issuer. */
static unitls_signing_chain *leaf_only_chain(void)
{
    unitls_certificate *leaf = tu_certificate("ocsp.test.der");
    unitls_private_key *key = tu_private_key("ocsp.test.key");
    unitls_error err = {0};
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(s != NULL, "leaf-only chain: %s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    return s;
}

/* --- verdicts --- */

struct verdict_case {
    const char *fixture;                   /* NULL: unparsable bytes */
    int leaf_only;                         /* check against the chain without the issuer */
    enum unitls_ocsp_state state;
    const char *reason;                    /* a substring of info.reason */
};

static const struct verdict_case verdicts[] = {
    {"valid", 0, UNITLS_OCSP_VALID, ""},
    {"expired", 0, UNITLS_OCSP_EXPIRED, "expired at "},
    {"future", 0, UNITLS_OCSP_EXPIRED, "not yet valid"},
    {"nonext", 0, UNITLS_OCSP_INVALID, "no nextUpdate"},
    {"revoked", 0, UNITLS_OCSP_INVALID, "status is revoked"},
    {"unknown", 0, UNITLS_OCSP_INVALID, "status is unknown"},
    {"trylater", 0, UNITLS_OCSP_INVALID, "responder status is tryLater, not successful"},
    {"other-cert", 0, UNITLS_OCSP_INVALID, "for another certificate (serial 0x"},
    {"stranger", 0, UNITLS_OCSP_INVALID, "not signed by the issuer"},
    {"delegated", 0, UNITLS_OCSP_VALID, ""},
    {"delegated-noeku", 0, UNITLS_OCSP_INVALID, "lacks the OCSP signing key purpose"},
    {"other-responder", 0, UNITLS_OCSP_INVALID, "which the issuer did not issue"},
    {NULL, 0, UNITLS_OCSP_INVALID, "unparsable"},
    {"valid", 1, UNITLS_OCSP_INVALID, "issuer not in chain"},
};

#define N_VERDICTS (sizeof verdicts / sizeof verdicts[0])

static const uint8_t garbage[] = {0x30, 0x03, 0x0a, 0x01, 0x00, 0xde, 0xad, 0xbe, 0xef};

static struct unitls_ocsp_info verdict_with(const unitls_implementation *impl,
                                            const struct verdict_case *v, int64_t now)
{
    unitls_ocsp_response *r =
        v->fixture ? response(v->fixture)
                   : unitls_ocsp_response_from_buffer(garbage, sizeof garbage, NULL);
    ck_assert_ptr_nonnull(r);
    unitls_signing_chain *chain = v->leaf_only ? leaf_only_chain() : tu_chain("ocsp.test");
    struct unitls_ocsp_info info;
    unitls_error err = {0};
    tu_assert_status(unitls_ocsp_response_check(impl, r, chain, now, &info, &err), UNITLS_OK,
                     "ocsp_response_check", err.message);
    unitls_signing_chain_unref(chain);
    unitls_ocsp_response_unref(r);
    return info;
}

START_TEST(test_verdict)
{
    const struct verdict_case *v = &verdicts[_i];
    struct unitls_ocsp_info info = verdict_with(tu_impl(), v, 0);
    ck_assert_msg(info.state == v->state, "%s: state %s, want %s (reason \"%s\")",
                  v->fixture ? v->fixture : "garbage", unitls_ocsp_state_name(info.state),
                  unitls_ocsp_state_name(v->state), info.reason);
    ck_assert_msg(strstr(info.reason, v->reason) != NULL, "%s: reason \"%s\" lacks \"%s\"",
                  v->fixture ? v->fixture : "garbage", info.reason, v->reason);
    if (v->state == UNITLS_OCSP_VALID) {
        ck_assert_str_eq(info.reason, "");
        int64_t now = (int64_t)time(NULL);
        ck_assert_msg(info.this_update <= now && info.next_update > now,
                      "valid: this %lld next %lld now %lld", (long long)info.this_update,
                      (long long)info.next_update, (long long)now);
    }
}
END_TEST

/* A valid response judged at a later time is EXPIRED; before its thisUpdate, too. */
START_TEST(test_verdict_at_time)
{
    struct unitls_ocsp_info now = verdict_with(tu_impl(), &verdicts[0], 0);
    ck_assert_int_eq(now.state, UNITLS_OCSP_VALID);
    struct unitls_ocsp_info later = verdict_with(tu_impl(), &verdicts[0], now.next_update + 1);
    ck_assert_int_eq(later.state, UNITLS_OCSP_EXPIRED);
    ck_assert_msg(strstr(later.reason, "expired at") != NULL, "%s", later.reason);
    struct unitls_ocsp_info before =
        verdict_with(tu_impl(), &verdicts[0], now.this_update - 3600);
    ck_assert_int_eq(before.state, UNITLS_OCSP_EXPIRED);
    ck_assert_msg(strstr(before.reason, "not yet valid") != NULL, "%s", before.reason);
    ck_assert_int_eq(later.this_update, now.this_update);
}
END_TEST

/* Every built implementation reaches the same verdict in the same words. */
START_TEST(test_verdict_cross)
{
    const struct verdict_case *v = &verdicts[_i];
    const unitls_implementation *first = unitls_implementation_at(0);
    struct unitls_ocsp_info want = verdict_with(first, v, 0);
    for (size_t k = 1; unitls_implementation_at(k); k++) {
        const unitls_implementation *impl = unitls_implementation_at(k);
        struct unitls_ocsp_info got = verdict_with(impl, v, 0);
        ck_assert_msg(got.state == want.state && strcmp(got.reason, want.reason) == 0 &&
                          got.this_update == want.this_update &&
                          got.next_update == want.next_update,
                      "%s: %s says %s \"%s\", %s says %s \"%s\"",
                      v->fixture ? v->fixture : "garbage", unitls_implementation_name(first),
                      unitls_ocsp_state_name(want.state), want.reason,
                      unitls_implementation_name(impl), unitls_ocsp_state_name(got.state),
                      got.reason);
    }
}
END_TEST

START_TEST(test_check_arguments)
{
    unitls_signing_chain *chain = tu_chain("ocsp.test");
    struct unitls_ocsp_info info;
    unitls_error err = {0};
    tu_assert_status(unitls_ocsp_response_check(tu_impl(), NULL, chain, 0, &info, &err),
                     UNITLS_OK, "check absent", err.message);
    ck_assert_int_eq(info.state, UNITLS_OCSP_ABSENT);
    unitls_ocsp_response *r = response("valid");
    ck_assert_int_eq(unitls_ocsp_response_check(tu_impl(), r, NULL, 0, &info, &err),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_ocsp_response_check(tu_impl(), r, chain, 0, NULL, &err),
                     UNITLS_ERR_INVALID);
    unitls_ocsp_response *missing =
        unitls_ocsp_response_from_file("/nonexistent/unitls-ocsp.der", &err);
    ck_assert_ptr_nonnull(missing);
    ck_assert_int_eq(unitls_ocsp_response_check(tu_impl(), missing, chain, 0, &info, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "/nonexistent/unitls-ocsp.der") != NULL, "%s",
                  err.message);
    ck_assert_ptr_null(unitls_ocsp_response_from_buffer(NULL, 0, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_ptr_null(unitls_ocsp_response_from_file("", &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_str_eq(unitls_ocsp_state_name(UNITLS_OCSP_EXPIRED), "expired");
    ck_assert_ptr_null(unitls_ocsp_state_name((enum unitls_ocsp_state)9));
    unitls_ocsp_response_unref(missing);
    unitls_ocsp_response_unref(r);
    unitls_signing_chain_unref(chain);
}
END_TEST

/* --- a raw OpenSSL client over memory --- */

struct raw_client {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in;  /* what the server sent, for the client to read */
    BIO *out; /* what the client wrote, for the server */
};

static void raw_client_init(struct raw_client *c, enum unitls_tls_version version,
                            const char *sni, int ask_status)
{
    c->ctx = SSL_CTX_new(TLS_client_method());
    ck_assert_ptr_nonnull(c->ctx);
    int v = version == V13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(c->ctx, v);
    SSL_CTX_set_max_proto_version(c->ctx, v);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL); /* only the staple is under test */
    c->ssl = SSL_new(c->ctx);
    c->in = BIO_new(BIO_s_mem());
    c->out = BIO_new(BIO_s_mem());
    ck_assert(c->ssl && c->in && c->out);
    SSL_set_bio(c->ssl, c->in, c->out);
    SSL_set_connect_state(c->ssl);
    if (sni)
        SSL_set_tlsext_host_name(c->ssl, sni);
    if (ask_status)
        SSL_set_tlsext_status_type(c->ssl, TLSEXT_STATUSTYPE_ocsp);
}

static void raw_client_free(struct raw_client *c)
{
    /* As if closed cleanly: OpenSSL marks the session of an SSL freed otherwise unresumable. */
    SSL_set_shutdown(c->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(c->ssl); /* frees the BIOs */
    SSL_CTX_free(c->ctx);
}

/* Moves bytes both ways; 1 when any moved. */
static int raw_move(struct raw_client *c, unitls_buffer *server)
{
    static uint8_t buf[IO_CHUNK];
    int moved = 0, n;
    while ((n = BIO_read(c->out, buf, sizeof buf)) > 0) {
        tu_assert_status(unitls_buffer_process_incoming(server, buf, (size_t)n), UNITLS_OK,
                         "server process_incoming", unitls_buffer_last_error(server)->message);
        moved = 1;
    }
    size_t got;
    while ((got = unitls_buffer_process_outgoing(server, buf, sizeof buf)) > 0) {
        ck_assert_int_eq(BIO_write(c->in, buf, (int)got), (int)got);
        moved = 1;
    }
    return moved;
}

static void raw_handshake(struct raw_client *c, unitls_buffer *server)
{
    int client_done = 0, server_done = 0;
    for (int round = 0; round < ROUNDS && !(client_done && server_done); round++) {
        if (!client_done) {
            int r = SSL_do_handshake(c->ssl);
            int e = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
            ck_assert_msg(r == 1 || e == SSL_ERROR_WANT_READ, "client handshake: error %d", e);
            client_done = r == 1;
        }
        raw_move(c, server);
        if (!server_done) {
            unitls_status st = unitls_buffer_do_handshake(server);
            ck_assert_msg(st == UNITLS_OK || st == UNITLS_WANT_READ, "server handshake: %s %s",
                          unitls_status_name(st), unitls_buffer_last_error(server)->message);
            server_done = st == UNITLS_OK;
        }
        raw_move(c, server);
    }
    ck_assert_msg(client_done && server_done, "handshake stalled (client %d, server %d)",
                  client_done, server_done);
}

struct staple_result {
    uint8_t der[8192];
    long len; /* -1: none */
    enum unitls_ocsp_stapling stapling;
    enum unitls_ocsp_state state;
};

/* The client's session after the handshake, tickets read (TLS 1.3 sends them afterwards). */
static SSL_SESSION *raw_session(struct raw_client *c, unitls_buffer *server)
{
    uint8_t byte;
    for (int round = 0; round < ROUNDS && raw_move(c, server); round++)
        ck_assert_int_le(SSL_read(c->ssl, &byte, 1), 0);
    SSL_read(c->ssl, &byte, 1);
    SSL_SESSION *session = SSL_get1_session(c->ssl);
    ck_assert_msg(session && SSL_SESSION_is_resumable(session), "no resumable session");
    return session;
}

/* A handshake as staple_handshake's; with resume (not NULL) the client offers that session,
 * and with keep (not NULL) it receives the session it ends with. */
static void staple_handshake_session(unitls_server_context *ctx,
                                     enum unitls_tls_version version, const char *sni,
                                     int ask_status, SSL_SESSION *resume, SSL_SESSION **keep,
                                     struct staple_result *out)
{
    struct raw_client c;
    raw_client_init(&c, version, sni, ask_status);
    if (resume)
        ck_assert_int_eq(SSL_set_session(c.ssl, resume), 1);
    unitls_error err = {0};
    unitls_buffer *server = unitls_server_context_create_buffer(ctx, &err);
    ck_assert_msg(server != NULL, "server buffer: %s", err.message);
    raw_handshake(&c, server);
    if (resume)
        ck_assert_msg(SSL_session_reused(c.ssl), "the session was not resumed");
    if (keep)
        *keep = raw_session(&c, server);
    const unsigned char *p = NULL;
    out->len = SSL_get_tlsext_status_ocsp_resp(c.ssl, &p);
    if (out->len > 0) {
        ck_assert_int_lt(out->len, (long)sizeof out->der);
        memcpy(out->der, p, (size_t)out->len);
    } else {
        out->len = -1;
    }
    out->stapling = unitls_buffer_ocsp_stapling(server, &out->state);
    ck_assert_int_eq(unitls_buffer_negotiated_tls_version(server), version);
    unitls_buffer_free(server);
    raw_client_free(&c);
}

static void staple_handshake(unitls_server_context *ctx, enum unitls_tls_version version,
                             const char *sni, int ask_status, struct staple_result *out)
{
    staple_handshake_session(ctx, version, sni, ask_status, NULL, NULL, out);
}

static void assert_staple_is(const struct staple_result *got, const char *fixture)
{
    size_t len = 0;
    uint8_t *want = fixture_bytes(fixture, &len);
    ck_assert_msg(got->len == (long)len && memcmp(got->der, want, len) == 0,
                  "the staple is not %s (%ld bytes, want %zu)", fixture, got->len, len);
    free(want);
    ck_assert_int_eq(got->stapling, UNITLS_OCSP_STAPLED);
    ck_assert_int_eq(got->state, UNITLS_OCSP_VALID);
}

/* A server: chain 0 example.org with response0, chain 1 ocsp.test with response1 (each NULL:
 * none). */
static unitls_server_context *staple_server(const char *response0, const char *response1)
{
    const char *names[] = {"example.org", "ocsp.test"};
    unitls_server_config_builder *b = tu_server_builder(names, 2);
    const char *responses[] = {response0, response1};
    for (size_t i = 0; i < 2; i++) {
        if (!responses[i])
            continue;
        unitls_ocsp_response *r = response(responses[i]);
        tu_assert_status(unitls_server_config_builder_set_ocsp_response(b, i, r), UNITLS_OK,
                         "set_ocsp_response", responses[i]);
        unitls_ocsp_response_unref(r);
    }
    return tu_server_context_from(b);
}

static enum unitls_tls_version loop_version(int i) { return i == 0 ? V12 : V13; }

START_TEST(test_staple_second_chain)
{
    unitls_server_context *ctx = staple_server("valid-example", "valid");
    struct staple_result got;
    staple_handshake(ctx, loop_version(_i), "ocsp.test", 1, &got);
    assert_staple_is(&got, "valid");
    staple_handshake(ctx, loop_version(_i), "example.org", 1, &got);
    assert_staple_is(&got, "valid-example");
    unitls_server_context_unref(ctx);
}
END_TEST

START_TEST(test_staple_delegated)
{
    unitls_server_context *ctx = staple_server(NULL, "delegated");
    struct staple_result got;
    staple_handshake(ctx, loop_version(_i), "ocsp.test", 1, &got);
    assert_staple_is(&got, "delegated");
    unitls_server_context_unref(ctx);
}
END_TEST

struct no_staple_case {
    const char *fixture; /* for chain 1; NULL: none */
    enum unitls_ocsp_state state;
};

static const struct no_staple_case no_staples[] = {
    {"expired", UNITLS_OCSP_EXPIRED}, {"future", UNITLS_OCSP_EXPIRED},
    {"revoked", UNITLS_OCSP_INVALID}, {"stranger", UNITLS_OCSP_INVALID},
    {"other-cert", UNITLS_OCSP_INVALID}, {NULL, UNITLS_OCSP_ABSENT},
};

#define N_NO_STAPLES (sizeof no_staples / sizeof no_staples[0])

START_TEST(test_no_staple)
{
    const struct no_staple_case *v = &no_staples[_i / 2];
    unitls_server_context *ctx = staple_server("valid-example", v->fixture);
    struct staple_result got;
    staple_handshake(ctx, loop_version(_i % 2), "ocsp.test", 1, &got);
    ck_assert_msg(got.len == -1, "%s: a staple of %ld bytes arrived",
                  v->fixture ? v->fixture : "none", got.len);
    ck_assert_int_eq(got.stapling, UNITLS_OCSP_NOT_STAPLED);
    ck_assert_msg(got.state == v->state, "%s: state %s", v->fixture ? v->fixture : "none",
                  unitls_ocsp_state_name(got.state));
    unitls_server_context_unref(ctx);
}
END_TEST

START_TEST(test_not_requested)
{
    unitls_server_context *ctx = staple_server("valid-example", "valid");
    struct staple_result got;
    staple_handshake(ctx, loop_version(_i), "ocsp.test", 0, &got);
    ck_assert_int_eq(got.len, -1);
    ck_assert_int_eq(got.stapling, UNITLS_OCSP_NOT_REQUESTED);
    ck_assert_int_eq(got.state, UNITLS_OCSP_ABSENT);
    unitls_server_context_unref(ctx);
}
END_TEST

/* A resumed session sends no certificate, hence no staple: asked, not stapled, ABSENT. */
START_TEST(test_resumed_no_staple)
{
    unitls_server_context *ctx = staple_server("valid-example", "valid");
    struct staple_result got;
    SSL_SESSION *session = NULL;
    staple_handshake_session(ctx, loop_version(_i), "ocsp.test", 1, NULL, &session, &got);
    assert_staple_is(&got, "valid");
    staple_handshake_session(ctx, loop_version(_i), "ocsp.test", 1, session, NULL, &got);
    ck_assert_int_eq(got.len, -1);
    ck_assert_int_eq(got.stapling, UNITLS_OCSP_NOT_STAPLED);
    ck_assert_int_eq(got.state, UNITLS_OCSP_ABSENT);
    SSL_SESSION_free(session);
    unitls_server_context_unref(ctx);
}
END_TEST

/* The library's own client: GnuTLS's asks for status by default (and checks a staple it gets
 * against the certificate), OpenSSL's does not. A client buffer reports NOT_REQUESTED. */
START_TEST(test_library_client)
{
    unitls_server_context *ctx = staple_server("valid-example", "valid");
    struct tu_conn *c = tu_conn_take(tu_client_context(), "ocsp.test", ctx);
    tu_handshake_ok(c);
    int asks = strcmp(unitls_implementation_name(tu_client_impl()), "gnutls") == 0;
    enum unitls_ocsp_state state = UNITLS_OCSP_INVALID;
    ck_assert_int_eq(unitls_buffer_ocsp_stapling(c->server, &state),
                     asks ? UNITLS_OCSP_STAPLED : UNITLS_OCSP_NOT_REQUESTED);
    ck_assert_int_eq(state, asks ? UNITLS_OCSP_VALID : UNITLS_OCSP_ABSENT);
    ck_assert_int_eq(unitls_buffer_ocsp_stapling(c->client, &state), UNITLS_OCSP_NOT_REQUESTED);
    ck_assert_int_eq(state, UNITLS_OCSP_ABSENT);
    ck_assert_int_eq(unitls_buffer_ocsp_stapling(NULL, NULL), UNITLS_OCSP_NOT_REQUESTED);
    tu_conn_free(c);
}
END_TEST

/* --- running contexts --- */

START_TEST(test_set_response)
{
    unitls_server_context *ctx = staple_server(NULL, "expired");
    struct staple_result got;
    struct unitls_ocsp_info info;
    tu_assert_status(unitls_server_context_ocsp_info(ctx, 1, 0, &info), UNITLS_OK, "ocsp_info",
                     "");
    ck_assert_int_eq(info.state, UNITLS_OCSP_EXPIRED);
    staple_handshake(ctx, loop_version(_i), "ocsp.test", 1, &got);
    ck_assert_int_eq(got.stapling, UNITLS_OCSP_NOT_STAPLED);

    unitls_ocsp_response *fresh = response("valid");
    unitls_error err = {0};
    tu_assert_status(unitls_server_context_set_ocsp_response(ctx, 1, fresh, &err), UNITLS_OK,
                     "set_ocsp_response valid", err.message);
    staple_handshake(ctx, loop_version(_i), "ocsp.test", 1, &got);
    assert_staple_is(&got, "valid");

    unitls_ocsp_response *revoked = response("revoked");
    ck_assert_int_eq(unitls_server_context_set_ocsp_response(ctx, 1, revoked, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "status is revoked") != NULL, "%s", err.message);
    staple_handshake(ctx, loop_version(_i), "ocsp.test", 1, &got);
    assert_staple_is(&got, "valid"); /* the previous one stays */

    unitls_ocsp_response *other = response("valid");
    ck_assert_int_eq(unitls_server_context_set_ocsp_response(ctx, 0, other, &err),
                     UNITLS_ERR_CONFIGURATION); /* ocsp.test's response for example.org */
    ck_assert_msg(strstr(err.message, "another certificate") != NULL, "%s", err.message);
    ck_assert_int_eq(unitls_server_context_set_ocsp_response(ctx, 2, fresh, &err),
                     UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_context_set_ocsp_response(ctx, 1, NULL, &err),
                     UNITLS_ERR_INVALID);
    unitls_ocsp_response_unref(other);
    unitls_ocsp_response_unref(revoked);
    unitls_ocsp_response_unref(fresh);
    unitls_server_context_unref(ctx);
}
END_TEST

START_TEST(test_context_info)
{
    unitls_server_context *ctx = staple_server(NULL, "valid-short");
    struct unitls_ocsp_info info;
    tu_assert_status(unitls_server_context_ocsp_info(ctx, 1, 0, &info), UNITLS_OK, "now", "");
    ck_assert_int_eq(info.state, UNITLS_OCSP_VALID);
    int64_t next = info.next_update;
    tu_assert_status(unitls_server_context_ocsp_info(ctx, 1, next, &info), UNITLS_OK, "later",
                     "");
    ck_assert_int_eq(info.state, UNITLS_OCSP_EXPIRED);
    ck_assert_msg(strstr(info.reason, "expired at") != NULL, "%s", info.reason);
    tu_assert_status(unitls_server_context_ocsp_info(ctx, 0, 0, &info), UNITLS_OK, "absent", "");
    ck_assert_int_eq(info.state, UNITLS_OCSP_ABSENT);
    ck_assert_str_eq(info.reason, "");
    ck_assert_int_eq(unitls_server_context_ocsp_info(ctx, 2, 0, &info), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_context_ocsp_info(NULL, 0, 0, &info), UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_server_context_ocsp_info(ctx, 0, 0, NULL), UNITLS_ERR_INVALID);
    unitls_server_context_unref(ctx);
}
END_TEST

/* A derived context starts from its configuration's responses. */
START_TEST(test_derived_context)
{
    unitls_server_context *first = staple_server(NULL, "expired");
    const char *names[] = {"example.org", "ocsp.test"};
    unitls_server_config_builder *b = tu_server_builder(names, 2);
    unitls_ocsp_response *r = response("valid");
    tu_assert_status(unitls_server_config_builder_set_ocsp_response(b, 1, r), UNITLS_OK,
                     "set_ocsp_response", "valid");
    unitls_ocsp_response_unref(r);
    unitls_error err = {0};
    unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(cfg != NULL, "build: %s", err.message);
    unitls_server_config_builder_free(b);
    unitls_server_context *derived =
        unitls_server_context_new_derived(tu_server_impl(), cfg, first, &err);
    ck_assert_msg(derived != NULL, "new_derived: %s", err.message);
    unitls_server_config_unref(cfg);
    unitls_server_context_unref(first);
    struct staple_result got;
    staple_handshake(derived, loop_version(_i), "ocsp.test", 1, &got);
    assert_staple_is(&got, "valid");
    unitls_server_context_unref(derived);
}
END_TEST

/* Handshakes on one thread while another swaps the staple: every handshake staples one of the
 * two responses, whole (the sanitizer build checks that no swapped-out bytes are read). */
#define SWAPS 20

struct swapper {
    unitls_server_context *ctx;
    unitls_ocsp_response *responses[2];
    int failures;
};

static void *swap_responses(void *arg)
{
    struct swapper *w = arg;
    for (int i = 0; i < SWAPS; i++)
        if (unitls_server_context_set_ocsp_response(w->ctx, 1, w->responses[i % 2], NULL) !=
            UNITLS_OK)
            w->failures++;
    return NULL;
}

static int staple_is(const struct staple_result *got, const char *fixture)
{
    size_t len = 0;
    uint8_t *want = fixture_bytes(fixture, &len);
    int same = got->len == (long)len && memcmp(got->der, want, len) == 0;
    free(want);
    return same;
}

START_TEST(test_swap_while_serving)
{
    unitls_server_context *ctx = staple_server(NULL, "valid");
    struct swapper w = {ctx, {response("delegated"), response("valid")}, 0};
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, swap_responses, &w), 0);
    struct staple_result got;
    for (int i = 0; i < SWAPS; i++) {
        staple_handshake(ctx, loop_version(i % 2), "ocsp.test", 1, &got);
        ck_assert_int_eq(got.stapling, UNITLS_OCSP_STAPLED);
        ck_assert_msg(staple_is(&got, "valid") || staple_is(&got, "delegated"),
                      "handshake %d: the staple is neither response", i);
    }
    ck_assert_int_eq(pthread_join(thread, NULL), 0);
    ck_assert_int_eq(w.failures, 0);
    staple_handshake(ctx, V13, "ocsp.test", 1, &got);
    assert_staple_is(&got, "valid"); /* the last installed */
    unitls_ocsp_response_unref(w.responses[0]);
    unitls_ocsp_response_unref(w.responses[1]);
    unitls_server_context_unref(ctx);
}
END_TEST

/* --- configurations --- */

static unitls_server_config *config_with(unitls_ocsp_response *r)
{
    const char *names[] = {"example.org", "ocsp.test"};
    unitls_server_config_builder *b = tu_server_builder(names, 2);
    tu_assert_status(unitls_server_config_builder_set_ocsp_response(b, 1, r), UNITLS_OK,
                     "set_ocsp_response", "");
    unitls_error err = {0};
    unitls_server_config *c = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    unitls_server_config_builder_free(b);
    return c;
}

static void assert_configs(const unitls_server_config *a, const unitls_server_config *b,
                           int equal, const char *what)
{
    ck_assert_msg(unitls_server_config_equal(a, b) == equal, "%s: equal should be %d", what,
                  equal);
    if (equal)
        ck_assert_msg(unitls_server_config_hash(a) == unitls_server_config_hash(b), "%s", what);
    else
        ck_assert_msg(unitls_server_config_hash(a) != unitls_server_config_hash(b),
                      "%s: same hash", what);
}

static void copy_fixture(const char *from, const char *to_path)
{
    size_t len = 0;
    uint8_t *der = fixture_bytes(from, &len);
    FILE *f = fopen(to_path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(der, 1, len, f), len);
    ck_assert_int_eq(fclose(f), 0);
    free(der);
}

START_TEST(test_config_equality)
{
    unitls_ocsp_response *valid = response("valid"), *again = response("valid"),
                         *revoked = response("revoked");
    unitls_server_config *a = config_with(valid), *b = config_with(again),
                         *c = config_with(revoked), *none = config_with(NULL);
    assert_configs(a, b, 1, "the same response");
    assert_configs(a, c, 0, "another response");
    assert_configs(a, none, 0, "a response and none");
    ck_assert(unitls_ocsp_response_equal(unitls_server_config_ocsp_response(a, 1), again));
    ck_assert_ptr_null(unitls_server_config_ocsp_response(a, 0));
    ck_assert_ptr_null(unitls_server_config_ocsp_response(a, 2));

    char path[TU_PATH_MAX];
    snprintf(path, sizeof path, "%s/replaced.der", fixture_dir);
    copy_fixture("valid", path);
    unitls_error err = {0};
    unitls_ocsp_response *file = unitls_ocsp_response_from_file(path, &err);
    ck_assert_ptr_nonnull(file);
    size_t len = 1;
    ck_assert_ptr_null(unitls_ocsp_response_content(file, &len));
    ck_assert_uint_eq(len, 0);
    unitls_server_config *f1 = config_with(file);
    const uint8_t *content =
        unitls_ocsp_response_content(unitls_server_config_ocsp_response(f1, 1), &len);
    ck_assert(content != NULL && len > 0);
    ck_assert_str_eq(unitls_ocsp_response_path(unitls_server_config_ocsp_response(f1, 1)), path);
    ck_assert_int_eq(unitls_ocsp_response_source(file), UNITLS_SOURCE_FILE);
    copy_fixture("revoked", path);
    unitls_server_config *f2 = config_with(file);
    assert_configs(f1, f2, 0, "a file replaced in place");
    unitls_server_config *f3 = config_with(file);
    assert_configs(f2, f3, 1, "the same file content");
    unitls_server_config *list[] = {a, b, c, none, f1, f2, f3};
    for (size_t i = 0; i < sizeof list / sizeof list[0]; i++)
        unitls_server_config_unref(list[i]);
    unitls_ocsp_response *rs[] = {valid, again, revoked, file};
    for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++)
        unitls_ocsp_response_unref(rs[i]);
}
END_TEST

START_TEST(test_config_errors)
{
    const char *names[] = {"ocsp.test"};
    unitls_server_config_builder *b = tu_server_builder(names, 1);
    unitls_ocsp_response *r = response("valid");
    ck_assert_int_eq(unitls_server_config_builder_set_ocsp_response(b, 1, r), UNITLS_ERR_INVALID);
    unitls_error err = {0};
    ck_assert_ptr_null(unitls_server_config_builder_build(b, &err));
    ck_assert_msg(strstr(err.message, "no certificate chain 1") != NULL, "%s", err.message);
    unitls_server_config_builder_free(b);

    b = tu_server_builder(names, 1);
    unitls_ocsp_response *missing =
        unitls_ocsp_response_from_file("/nonexistent/unitls-ocsp.der", &err);
    tu_assert_status(unitls_server_config_builder_set_ocsp_response(b, 0, missing), UNITLS_OK,
                     "set_ocsp_response", "");
    ck_assert_ptr_null(unitls_server_config_builder_build(b, &err));
    ck_assert_int_eq(err.status, UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "OCSP response file /nonexistent/unitls-ocsp.der") != NULL,
                  "%s", err.message);
    /* NULL removes it again. */
    tu_assert_status(unitls_server_config_builder_set_ocsp_response(b, 0, NULL), UNITLS_OK,
                     "set_ocsp_response NULL", "");
    unitls_server_config *c = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(c != NULL, "build: %s", err.message);
    ck_assert_ptr_null(unitls_server_config_ocsp_response(c, 0));
    unitls_server_config_unref(c);
    unitls_server_config_builder_free(b);

    /* An unparsable response builds, and the chain does not staple. */
    b = tu_server_builder(names, 1);
    unitls_ocsp_response *junk = unitls_ocsp_response_from_buffer(garbage, sizeof garbage, &err);
    tu_assert_status(unitls_server_config_builder_set_ocsp_response(b, 0, junk), UNITLS_OK,
                     "set_ocsp_response garbage", "");
    unitls_server_context *ctx = tu_server_context_from(b);
    struct unitls_ocsp_info info;
    tu_assert_status(unitls_server_context_ocsp_info(ctx, 0, 0, &info), UNITLS_OK, "info", "");
    ck_assert_int_eq(info.state, UNITLS_OCSP_INVALID);
    ck_assert_msg(strstr(info.reason, "unparsable") != NULL, "%s", info.reason);
    unitls_server_context_unref(ctx);
    unitls_ocsp_response_unref(junk);
    unitls_ocsp_response_unref(missing);
    unitls_ocsp_response_unref(r);
}
END_TEST

/* A response installed from a file is read when it is installed. */
START_TEST(test_set_from_file)
{
    unitls_server_context *ctx = staple_server(NULL, NULL);
    unitls_ocsp_response *r = response_file("valid");
    unitls_error err = {0};
    tu_assert_status(unitls_server_context_set_ocsp_response(ctx, 1, r, &err), UNITLS_OK,
                     "set_ocsp_response file", err.message);
    struct staple_result got;
    staple_handshake(ctx, V13, "ocsp.test", 1, &got);
    assert_staple_is(&got, "valid");
    unitls_ocsp_response_unref(r);
    unitls_server_context_unref(ctx);
}
END_TEST

/* --- requests --- */

START_TEST(test_request)
{
    unitls_signing_chain *chain = tu_chain("ocsp.test");
    uint8_t der[4096];
    size_t len = 0;
    char url[1024];
    unitls_error err = {0};
    tu_assert_status(unitls_ocsp_request_build(tu_impl(), chain, der, sizeof der, &len, url,
                                               sizeof url, &err),
                     UNITLS_OK, "ocsp_request_build", err.message);
    ck_assert_str_eq(url, "http://127.0.0.1:8088/ocsp");
    const unsigned char *p = der;
    OCSP_REQUEST *req = d2i_OCSP_REQUEST(NULL, &p, (long)len);
    ck_assert_msg(req != NULL && p == der + len, "the request does not parse");
    ck_assert_int_eq(OCSP_request_onereq_count(req), 1);
    char leaf_path[TU_PATH_MAX], issuer_path[TU_PATH_MAX];
    tu_cert_path(leaf_path, "ocsp.test.pem");
    tu_cert_path(issuer_path, "intermediate.pem");
    FILE *lf = fopen(leaf_path, "r"), *isf = fopen(issuer_path, "r");
    ck_assert(lf && isf);
    X509 *leaf = PEM_read_X509(lf, NULL, NULL, NULL);
    X509 *issuer = PEM_read_X509(isf, NULL, NULL, NULL);
    fclose(lf);
    fclose(isf);
    OCSP_CERTID *want = OCSP_cert_to_id(EVP_sha1(), leaf, issuer);
    OCSP_CERTID *got = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, 0));
    ck_assert_int_eq(OCSP_id_cmp(want, got), 0);
    ck_assert_int_eq(OCSP_REQUEST_get_ext_count(req), 0); /* no nonce */
    OCSP_CERTID_free(want);
    X509_free(leaf);
    X509_free(issuer);
    OCSP_REQUEST_free(req);
    unitls_signing_chain_unref(chain);
}
END_TEST

START_TEST(test_request_errors)
{
    uint8_t der[4096];
    size_t len = 0;
    char url[1024];
    unitls_error err = {0};
    unitls_signing_chain *no_aia = tu_chain("example.org");
    ck_assert_int_eq(unitls_ocsp_request_build(tu_impl(), no_aia, der, sizeof der, &len, url,
                                               sizeof url, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "names no OCSP responder") != NULL, "%s", err.message);
    unitls_signing_chain *alone = leaf_only_chain();
    ck_assert_int_eq(unitls_ocsp_request_build(tu_impl(), alone, der, sizeof der, &len, url,
                                               sizeof url, &err),
                     UNITLS_ERR_CONFIGURATION);
    ck_assert_msg(strstr(err.message, "issuer not in chain") != NULL, "%s", err.message);
    unitls_signing_chain *chain = tu_chain("ocsp.test");
    ck_assert_int_eq(
        unitls_ocsp_request_build(tu_impl(), chain, der, 8, &len, url, sizeof url, &err),
        UNITLS_ERR_INVALID);
    ck_assert_int_eq(
        unitls_ocsp_request_build(tu_impl(), chain, der, sizeof der, &len, url, 8, &err),
        UNITLS_ERR_INVALID);
    ck_assert_int_eq(unitls_ocsp_request_build(tu_impl(), NULL, der, sizeof der, &len, url,
                                               sizeof url, &err),
                     UNITLS_ERR_INVALID);
    unitls_signing_chain_unref(chain);
    unitls_signing_chain_unref(alone);
    unitls_signing_chain_unref(no_aia);
}
END_TEST

/* Every built implementation builds the same request. */
START_TEST(test_request_cross)
{
    unitls_signing_chain *chain = tu_chain("ocsp.test");
    uint8_t want[4096], got[4096];
    size_t want_len = 0, got_len = 0;
    char url[1024];
    tu_assert_status(unitls_ocsp_request_build(unitls_implementation_at(0), chain, want,
                                               sizeof want, &want_len, url, sizeof url, NULL),
                     UNITLS_OK, "first implementation", "");
    for (size_t k = 1; unitls_implementation_at(k); k++) {
        tu_assert_status(unitls_ocsp_request_build(unitls_implementation_at(k), chain, got,
                                                   sizeof got, &got_len, url, sizeof url, NULL),
                         UNITLS_OK, unitls_implementation_name(unitls_implementation_at(k)), "");
        ck_assert_msg(got_len == want_len && memcmp(got, want, want_len) == 0,
                      "%s and %s build different requests",
                      unitls_implementation_name(unitls_implementation_at(0)),
                      unitls_implementation_name(unitls_implementation_at(k)));
    }
    unitls_signing_chain_unref(chain);
}
END_TEST

static Suite *ocsp_suite(void)
{
    Suite *s = suite_create("tls_ocsp");
    TCase *verdict = tcase_create("verdicts");
    tcase_add_loop_test(verdict, test_verdict, 0, (int)N_VERDICTS);
    tcase_add_loop_test(verdict, test_verdict_cross, 0, (int)N_VERDICTS);
    tcase_add_test(verdict, test_verdict_at_time);
    tcase_add_test(verdict, test_check_arguments);
    suite_add_tcase(s, verdict);

    TCase *wire = tcase_create("stapling");
    tcase_add_loop_test(wire, test_staple_second_chain, 0, 2);
    tcase_add_loop_test(wire, test_staple_delegated, 0, 2);
    tcase_add_loop_test(wire, test_no_staple, 0, (int)(2 * N_NO_STAPLES));
    tcase_add_loop_test(wire, test_not_requested, 0, 2);
    tcase_add_loop_test(wire, test_resumed_no_staple, 0, 2);
    tcase_add_test(wire, test_library_client);
    suite_add_tcase(s, wire);

    TCase *running = tcase_create("contexts");
    tcase_add_loop_test(running, test_set_response, 0, 2);
    tcase_add_loop_test(running, test_derived_context, 0, 2);
    tcase_add_test(running, test_context_info);
    tcase_add_test(running, test_set_from_file);
    tcase_add_test(running, test_swap_while_serving);
    suite_add_tcase(s, running);

    TCase *config = tcase_create("configurations");
    tcase_add_test(config, test_config_equality);
    tcase_add_test(config, test_config_errors);
    suite_add_tcase(s, config);

    TCase *request = tcase_create("requests");
    tcase_add_test(request, test_request);
    tcase_add_test(request, test_request_errors);
    tcase_add_test(request, test_request_cross);
    suite_add_tcase(s, request);
    return s;
}

int main(void)
{
    if (fixtures_make() != 0) {
        fixtures_remove();
        return 99; /* a hard error: the suite cannot run without its fixtures */
    }
    int rc = tu_run_suite(ocsp_suite());
    fixtures_remove();
    return rc;
}
