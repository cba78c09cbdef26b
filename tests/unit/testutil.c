/* testutil: shared helpers of the buffer-pairing suites (see testutil.h for the contract). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IO_CHUNK (16u * 1024u)
#define READS_PER_ROUND 64u
#define STALL_ROUNDS 4u

/* --- implementation and files --- */

/* The implementation the variable names (fails the test when none has the name), or NULL when
 * the variable is unset or empty. */
static const unitls_implementation *impl_named_by(const char *variable)
{
    const char *name = getenv(variable);
    if (!name || !*name)
        return NULL;
    const unitls_implementation *impl = unitls_implementation_find(name);
    ck_assert_msg(impl != NULL, "no implementation named \"%s\" (%s)", name, variable);
    return impl;
}

const unitls_implementation *tu_impl(void)
{
    const unitls_implementation *impl = impl_named_by("UNITLS_TEST_IMPL");
    return impl ? impl : unitls_implementation_default();
}

const unitls_implementation *tu_client_impl(void)
{
    const unitls_implementation *impl = impl_named_by("UNITLS_TEST_CLIENT_IMPL");
    return impl ? impl : tu_impl();
}

const unitls_implementation *tu_server_impl(void)
{
    const unitls_implementation *impl = impl_named_by("UNITLS_TEST_SERVER_IMPL");
    return impl ? impl : tu_impl();
}

const char *tu_impl_name(void)
{
    const char *name = getenv("UNITLS_TEST_IMPL");
    if (!name || !*name)
        return unitls_implementation_name(unitls_implementation_default());
    const unitls_implementation *impl = unitls_implementation_find(name);
    return impl ? unitls_implementation_name(impl) : name;
}

void tu_cert_path(char out[TU_PATH_MAX], const char *name)
{
    const char *dir = getenv("UNITLS_TEST_CERTS");
    ck_assert_msg(dir && *dir, "UNITLS_TEST_CERTS is not set (run through `make check`)");
    int n = snprintf(out, TU_PATH_MAX, "%s/%s", dir, name);
    ck_assert_msg(n > 0 && n < TU_PATH_MAX, "path too long: %s/%s", dir, name);
}

uint8_t *tu_read_cert_file(const char *name, size_t *len)
{
    char path[TU_PATH_MAX];
    tu_cert_path(path, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 4096, used = 0;
    uint8_t *data = malloc(cap);
    ck_assert_ptr_nonnull(data);
    size_t n;
    while ((n = fread(data + used, 1, cap - used, f)) > 0) {
        used += n;
        if (used == cap) {
            cap *= 2;
            data = realloc(data, cap);
            ck_assert_ptr_nonnull(data);
        }
    }
    ck_assert_msg(!ferror(f), "cannot read %s", path);
    fclose(f);
    *len = used;
    return data;
}

int tu_der_equals_file(const uint8_t *der, size_t len, const char *name)
{
    size_t want_len = 0;
    uint8_t *want = tu_read_cert_file(name, &want_len);
    int same = der && len == want_len && memcmp(der, want, len) == 0;
    free(want);
    return same;
}

void tu_assert_peer_cert(unitls_buffer *b, const char *der_file)
{
    const uint8_t *der = NULL;
    size_t len = 0;
    unitls_status st = unitls_buffer_getpeercert(b, &der, &len);
    tu_assert_status(st, UNITLS_OK, "getpeercert", unitls_buffer_last_error(b)->message);
    ck_assert_msg(tu_der_equals_file(der, len, der_file),
                  "the peer certificate (%zu bytes) is not %s", len, der_file);
}

/* --- credentials --- */

unitls_certificate *tu_certificate(const char *file)
{
    char path[TU_PATH_MAX];
    unitls_error err;
    tu_cert_path(path, file);
    unitls_certificate *c = unitls_certificate_from_file(path, &err);
    ck_assert_msg(c != NULL, "certificate %s: %s", path, err.message);
    return c;
}

unitls_private_key *tu_private_key(const char *file)
{
    char path[TU_PATH_MAX];
    unitls_error err;
    tu_cert_path(path, file);
    unitls_private_key *k = unitls_private_key_from_file(path, &err);
    ck_assert_msg(k != NULL, "private key %s: %s", path, err.message);
    return k;
}

unitls_trust_store *tu_trust_store(const char *file)
{
    char path[TU_PATH_MAX];
    unitls_error err;
    tu_cert_path(path, file);
    unitls_trust_store *t = unitls_trust_store_from_file(path, &err);
    ck_assert_msg(t != NULL, "trust store %s: %s", path, err.message);
    return t;
}

unitls_signing_chain *tu_chain(const char *name)
{
    char leaf_file[TU_PATH_MAX], key_file[TU_PATH_MAX];
    snprintf(leaf_file, sizeof leaf_file, "%s.pem", name);
    snprintf(key_file, sizeof key_file, "%s.key", name);
    unitls_certificate *leaf = tu_certificate(leaf_file);
    unitls_private_key *key = tu_private_key(key_file);
    unitls_error err;
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, NULL, 0, &err);
    ck_assert_msg(s != NULL, "signing chain %s: %s", name, err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    return s;
}

/* --- configurations and contexts --- */

unitls_client_config_builder *tu_client_builder(void)
{
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    ck_assert_ptr_nonnull(b);
    unitls_trust_store *ca = tu_trust_store("ca.pem");
    unitls_status st = unitls_client_config_builder_set_trust_store(b, ca);
    tu_assert_status(st, UNITLS_OK, "set_trust_store", "ca.pem");
    unitls_trust_store_unref(ca);
    return b;
}

unitls_client_context *tu_client_context_from(unitls_client_config_builder *b)
{
    unitls_error err;
    unitls_client_config *cfg = unitls_client_config_builder_build(b, &err);
    ck_assert_msg(cfg != NULL, "client config build: %s: %s", unitls_status_name(err.status),
                  err.message);
    unitls_client_config_builder_free(b);
    unitls_client_context *ctx = unitls_client_context_new(tu_client_impl(), cfg, &err);
    ck_assert_msg(ctx != NULL, "client context: %s: %s", unitls_status_name(err.status),
                  err.message);
    unitls_client_config_unref(cfg);
    return ctx;
}

unitls_client_context *tu_client_context(void)
{
    return tu_client_context_from(tu_client_builder());
}

void tu_client_versions(unitls_client_config_builder *b, enum unitls_tls_version lowest,
                        enum unitls_tls_version highest)
{
    unitls_status st = UNITLS_OK;
    if (lowest != UNITLS_TLS_VERSION_UNSET)
        st = unitls_client_config_builder_set_lowest_supported_version(b, lowest);
    tu_assert_status(st, UNITLS_OK, "client lowest version", unitls_tls_version_name(lowest));
    if (highest != UNITLS_TLS_VERSION_UNSET)
        st = unitls_client_config_builder_set_highest_supported_version(b, highest);
    tu_assert_status(st, UNITLS_OK, "client highest version", unitls_tls_version_name(highest));
}

void tu_server_versions(unitls_server_config_builder *b, enum unitls_tls_version lowest,
                        enum unitls_tls_version highest)
{
    unitls_status st = UNITLS_OK;
    if (lowest != UNITLS_TLS_VERSION_UNSET)
        st = unitls_server_config_builder_set_lowest_supported_version(b, lowest);
    tu_assert_status(st, UNITLS_OK, "server lowest version", unitls_tls_version_name(lowest));
    if (highest != UNITLS_TLS_VERSION_UNSET)
        st = unitls_server_config_builder_set_highest_supported_version(b, highest);
    tu_assert_status(st, UNITLS_OK, "server highest version", unitls_tls_version_name(highest));
}

unitls_server_config_builder *tu_server_builder(const char *const *names, size_t n_names)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n_names; i++) {
        unitls_signing_chain *s = tu_chain(names[i]);
        unitls_status st = unitls_server_config_builder_add_certificate_chain(b, s);
        tu_assert_status(st, UNITLS_OK, "add_certificate_chain", names[i]);
        unitls_signing_chain_unref(s);
    }
    return b;
}

unitls_server_context *tu_server_context_from(unitls_server_config_builder *b)
{
    unitls_error err;
    unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
    ck_assert_msg(cfg != NULL, "server config build: %s: %s", unitls_status_name(err.status),
                  err.message);
    unitls_server_config_builder_free(b);
    unitls_server_context *ctx = unitls_server_context_new(tu_server_impl(), cfg, &err);
    ck_assert_msg(ctx != NULL, "server context: %s: %s", unitls_status_name(err.status),
                  err.message);
    unitls_server_config_unref(cfg);
    return ctx;
}

unitls_server_context *tu_server_context(const char *name)
{
    return tu_server_context_from(tu_server_builder(&name, 1));
}

/* --- the in-memory link --- */

struct tu_conn *tu_conn_new(unitls_client_context *cctx, const char *server_hostname,
                            unitls_server_context *sctx)
{
    struct tu_conn *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    unitls_error err;
    c->client = unitls_client_context_create_buffer(cctx, server_hostname, &err);
    ck_assert_msg(c->client != NULL, "client buffer: %s: %s", unitls_status_name(err.status),
                  err.message);
    c->server = unitls_server_context_create_buffer(sctx, &err);
    ck_assert_msg(c->server != NULL, "server buffer: %s: %s", unitls_status_name(err.status),
                  err.message);
    c->mode = TU_MOVE_COPY;
    c->chunk = IO_CHUNK;
    c->client_status = UNITLS_WANT_READ;
    c->server_status = UNITLS_WANT_READ;
    return c;
}

struct tu_conn *tu_conn_take(unitls_client_context *cctx, const char *server_hostname,
                             unitls_server_context *sctx)
{
    struct tu_conn *c = tu_conn_new(cctx, server_hostname, sctx);
    unitls_client_context_unref(cctx);
    unitls_server_context_unref(sctx);
    return c;
}

void tu_conn_free(struct tu_conn *c)
{
    if (!c)
        return;
    unitls_buffer_free(c->client);
    unitls_buffer_free(c->server);
    free(c);
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

static size_t incoming_room(const unitls_buffer *to)
{
    size_t limit = unitls_buffer_incoming_limit(to);
    size_t held = unitls_buffer_incoming_bytes_buffered(to);
    return held < limit ? limit - held : 0;
}

/* Copying mode: process_outgoing into the staging pipe, then as much of it as fits the
 * receiver's bound (and the chunk) through process_incoming. */
static size_t move_copy(unitls_buffer *from, struct tu_pipe *p, unitls_buffer *to, size_t chunk)
{
    size_t pulled = 0;
    if (p->len < TU_PIPE_SIZE) {
        pulled = unitls_buffer_process_outgoing(from, p->data + p->len,
                                                min_size(TU_PIPE_SIZE - p->len, chunk));
        ck_assert_msg(pulled <= min_size(TU_PIPE_SIZE - p->len, chunk),
                      "process_outgoing returned %zu, more than asked", pulled);
        p->len += pulled;
    }
    size_t offer = min_size(min_size(p->len, chunk), incoming_room(to));
    if (offer == 0)
        return pulled;
    unitls_status st = unitls_buffer_process_incoming(to, p->data, offer);
    if (st == UNITLS_WANT_READ)
        return pulled;
    tu_assert_status(st, UNITLS_OK, "process_incoming", unitls_buffer_last_error(to)->message);
    memmove(p->data, p->data + offer, p->len - offer);
    p->len -= offer;
    return pulled + offer;
}

/* Zero-copy mode: outgoing_peek straight into incoming_reserve. */
static size_t move_zerocopy(unitls_buffer *from, unitls_buffer *to, size_t chunk)
{
    const uint8_t *src = NULL;
    uint8_t *dst = NULL;
    size_t len = 0, cap = 0;
    unitls_status st = unitls_buffer_outgoing_peek(from, &src, &len);
    tu_assert_status(st, UNITLS_OK, "outgoing_peek", unitls_buffer_last_error(from)->message);
    if (len == 0)
        return 0;
    st = unitls_buffer_incoming_reserve(to, &dst, &cap);
    tu_assert_status(st, UNITLS_OK, "incoming_reserve", unitls_buffer_last_error(to)->message);
    size_t n = min_size(min_size(len, cap), chunk);
    if (n == 0)
        return 0;
    memcpy(dst, src, n);
    st = unitls_buffer_incoming_commit(to, n);
    tu_assert_status(st, UNITLS_OK, "incoming_commit", unitls_buffer_last_error(to)->message);
    st = unitls_buffer_outgoing_consume(from, n);
    tu_assert_status(st, UNITLS_OK, "outgoing_consume", unitls_buffer_last_error(from)->message);
    return n;
}

size_t tu_conn_move(struct tu_conn *c)
{
    if (c->mode == TU_MOVE_ZEROCOPY)
        return move_zerocopy(c->client, c->server, c->chunk) +
               move_zerocopy(c->server, c->client, c->chunk);
    return move_copy(c->client, &c->to_server, c->server, c->chunk) +
           move_copy(c->server, &c->to_client, c->client, c->chunk);
}

static int still_going(unitls_status st)
{
    return st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE;
}

/* Enough rounds for a handshake moved one byte per round, with room to spare. */
static unsigned handshake_rounds(const struct tu_conn *c)
{
    return TU_HANDSHAKE_ROUNDS + (unsigned)(4u * TU_PIPE_SIZE / c->chunk);
}

unitls_status tu_handshake(struct tu_conn *c)
{
    unsigned max_rounds = handshake_rounds(c);
    for (unsigned round = 0; round < max_rounds; round++) {
        if (still_going(c->client_status))
            c->client_status = unitls_buffer_do_handshake(c->client);
        if (still_going(c->server_status))
            c->server_status = unitls_buffer_do_handshake(c->server);
        if (tu_conn_move(c) == 0)
            break;
    }
    if (c->client_status == UNITLS_OK && c->server_status == UNITLS_OK)
        return UNITLS_OK;
    return still_going(c->client_status) || c->client_status == UNITLS_OK ? c->server_status
                                                                          : c->client_status;
}

void tu_handshake_ok(struct tu_conn *c)
{
    tu_handshake(c);
    ck_assert_msg(c->client_status == UNITLS_OK && c->server_status == UNITLS_OK,
                  "handshake: client %s (%s), server %s (%s)",
                  unitls_status_name(c->client_status),
                  unitls_buffer_last_error(c->client)->message,
                  unitls_status_name(c->server_status),
                  unitls_buffer_last_error(c->server)->message);
    ck_assert_msg(unitls_buffer_handshake_done(c->client) &&
                      unitls_buffer_handshake_done(c->server),
                  "handshake_done is 0 after do_handshake returned OK");
}

static void expect_nothing_to_read(unitls_buffer *b, const char *side)
{
    uint8_t byte;
    size_t n = 0;
    unitls_status st = unitls_buffer_read(b, &byte, 1, &n);
    ck_assert_msg(st == UNITLS_WANT_READ, "%s read while settling: %s, n=%zu (%s)", side,
                  unitls_status_name(st), n, unitls_buffer_last_error(b)->message);
}

void tu_settle(struct tu_conn *c)
{
    unsigned max_rounds = handshake_rounds(c);
    for (unsigned round = 0; round < max_rounds; round++) {
        expect_nothing_to_read(c->client, "client");
        expect_nothing_to_read(c->server, "server");
        if (tu_conn_move(c) == 0)
            return;
    }
    ck_abort_msg("bytes still moving after %u rounds of settling", max_rounds);
}

void tu_send_all(struct tu_conn *c, unitls_buffer *b, const void *src, size_t len)
{
    const uint8_t *p = src;
    size_t done = 0, stalls = 0;
    while (done < len && stalls < STALL_ROUNDS) {
        size_t n = 0;
        unitls_status st = unitls_buffer_write(b, p + done, len - done, &n);
        ck_assert_msg(st == UNITLS_OK || st == UNITLS_WANT_WRITE, "write: %s (%s)",
                      unitls_status_name(st), unitls_buffer_last_error(b)->message);
        done += n;
        size_t moved = tu_conn_move(c);
        stalls = (n == 0 && moved == 0) ? stalls + 1 : 0;
    }
    ck_assert_msg(done == len, "write stalled after %zu of %zu bytes", done, len);
    while (tu_conn_move(c) > 0)
        ;
}

void tu_recv_exact(struct tu_conn *c, unitls_buffer *b, void *dst, size_t len)
{
    uint8_t *p = dst;
    size_t done = 0, stalls = 0;
    while (done < len && stalls < STALL_ROUNDS) {
        size_t n = 0;
        unitls_status st = unitls_buffer_read(b, p + done, len - done, &n);
        if (st == UNITLS_OK) {
            ck_assert_msg(n > 0, "read: clean close after %zu of %zu bytes", done, len);
            done += n;
            stalls = 0;
            continue;
        }
        tu_assert_status(st, UNITLS_WANT_READ, "read", unitls_buffer_last_error(b)->message);
        stalls = tu_conn_move(c) == 0 ? stalls + 1 : 0;
    }
    ck_assert_msg(done == len, "read stalled after %zu of %zu bytes", done, len);
}

/* --- streams --- */

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15u;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
    return x ^ (x >> 31);
}

/* The 8 stream bytes of the word holding offset. */
static uint64_t pattern_word(uint64_t seed, uint64_t offset)
{
    return splitmix64(splitmix64(seed) ^ (offset >> 3));
}

void tu_pattern_fill(uint64_t seed, uint64_t offset, uint8_t *dst, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t at = offset + i;
        uint64_t word = pattern_word(seed, at);
        for (unsigned k = (unsigned)(at & 7u); k < 8 && i < len; k++, i++)
            dst[i] = (uint8_t)(word >> (8 * k));
    }
}

size_t tu_pattern_check(uint64_t seed, uint64_t offset, const uint8_t *src, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t at = offset + i;
        uint64_t word = pattern_word(seed, at);
        for (unsigned k = (unsigned)(at & 7u); k < 8 && i < len; k++, i++)
            if (src[i] != (uint8_t)(word >> (8 * k)))
                return i;
    }
    return len;
}

struct stream_end {
    unitls_buffer *b;
    const char *side;
    uint64_t seed_out, seed_in;
    uint64_t sent, received;
};

/* Offers the next piece of this side's stream to write; the bytes taken. */
static size_t stream_write(struct stream_end *e, uint64_t total, uint8_t *tmp)
{
    if (e->sent >= total)
        return 0;
    size_t len = (size_t)(total - e->sent < IO_CHUNK ? total - e->sent : IO_CHUNK);
    tu_pattern_fill(e->seed_out, e->sent, tmp, len);
    size_t n = 0;
    unitls_status st = unitls_buffer_write(e->b, tmp, len, &n);
    ck_assert_msg(st == UNITLS_OK || st == UNITLS_WANT_WRITE, "%s write at %llu: %s (%s)",
                  e->side, (unsigned long long)e->sent, unitls_status_name(st),
                  unitls_buffer_last_error(e->b)->message);
    ck_assert_msg(n <= len, "%s write took %zu of %zu bytes", e->side, n, len);
    e->sent += n;
    return n;
}

/* Reads until WANT_READ, checking every byte against the peer's stream; the bytes read. */
static size_t stream_read(struct stream_end *e, uint64_t total, uint8_t *tmp)
{
    size_t got = 0;
    for (unsigned i = 0; i < READS_PER_ROUND; i++) {
        size_t n = 0;
        unitls_status st = unitls_buffer_read(e->b, tmp, IO_CHUNK, &n);
        if (st == UNITLS_WANT_READ)
            break;
        tu_assert_status(st, UNITLS_OK, e->side, unitls_buffer_last_error(e->b)->message);
        ck_assert_msg(n > 0, "%s: clean close after %llu bytes", e->side,
                      (unsigned long long)e->received);
        ck_assert_msg(e->received + n <= total, "%s: more bytes than sent", e->side);
        size_t bad = tu_pattern_check(e->seed_in, e->received, tmp, n);
        ck_assert_msg(bad == n, "%s: byte %llu differs from what the peer sent", e->side,
                      (unsigned long long)(e->received + bad));
        e->received += n;
        got += n;
    }
    return got;
}

void tu_transfer_duplex(struct tu_conn *c, uint64_t total)
{
    static const uint64_t client_seed = 1, server_seed = 2;
    struct stream_end ends[2] = {
        {c->client, "client", client_seed, server_seed, 0, 0},
        {c->server, "server", server_seed, client_seed, 0, 0},
    };
    uint8_t *tmp = malloc(IO_CHUNK);
    ck_assert_ptr_nonnull(tmp);
    uint64_t max_rounds = total / 256 + 10000;
    unsigned stalls = 0;
    for (uint64_t round = 0; round < max_rounds && stalls < STALL_ROUNDS; round++) {
        size_t progress = stream_write(&ends[0], total, tmp) + stream_write(&ends[1], total, tmp);
        progress += tu_conn_move(c);
        progress += stream_read(&ends[0], total, tmp) + stream_read(&ends[1], total, tmp);
        if (ends[0].received == total && ends[1].received == total)
            break;
        stalls = progress == 0 ? stalls + 1 : 0;
    }
    free(tmp);
    ck_assert_msg(ends[0].received == total && ends[1].received == total,
                  "transfer incomplete: client sent %llu received %llu, server sent %llu "
                  "received %llu of %llu",
                  (unsigned long long)ends[0].sent, (unsigned long long)ends[0].received,
                  (unsigned long long)ends[1].sent, (unsigned long long)ends[1].received,
                  (unsigned long long)total);
}

/* --- running --- */

int tu_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
