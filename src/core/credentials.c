/* Certificates, private keys, trust stores and CRLs: where material comes from, and snapshots
 * of files taken when a configuration is built.
 *
 * The four public types share one representation (struct source): a kind, a path or id, and
 * the content with its SHA-256 once known. Buffers are digested at creation; files when a
 * configuration loads them (certificate_load() and friends return a new, loaded object so
 * the caller's unloaded object stays as it was).
 *
 * Every byte of material this file frees is wiped first (wipe_free), whatever its kind: a key
 * file obviously, but also a certificate file that holds its key after the chain (one PEM for
 * both), an id that carries a PKCS#11 PIN, and a file's bytes while it is read. Telling
 * those apart would be a guess; clearing a certificate's bytes costs nothing next to reading
 * them. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "config_fields.h"
#include "error.h"
#include "material.h"
#include "ocsp_internal.h"
#include "refcount.h"
#include "ticket_key_file.h"

struct source {
    refcount refs;
    enum unitls_source kind;
    const char *what;   /* "certificate", "private key", "trust store": for messages */
    char *path;
    uint8_t *id;
    size_t id_len;
    uint8_t *content;   /* NULL until known */
    size_t content_len;
    int has_digest;
    uint8_t digest[UNITLS_DIGEST_SIZE];
    int private_file; /* a file group or others may read or write is refused */
};

_Static_assert(SHA256_DIGEST_SIZE == UNITLS_DIGEST_SIZE, "credential digests are SHA-256");

struct unitls_certificate { struct source s; };
struct unitls_private_key { struct source s; };
struct unitls_trust_store { struct source s; };
struct unitls_crl { struct source s; };
struct unitls_ocsp_response { struct source s; };
struct unitls_ticket_keys { struct source s; };

void material_wipe(void *p, size_t len)
{
    volatile uint8_t *v = p;
    while (len--)
        *v++ = 0;
}

/* The one way material is freed here (see the top of the file). */
static void wipe_free(uint8_t *p, size_t len)
{
    if (p)
        material_wipe(p, len);
    free(p);
}

static void source_free(struct source *s)
{
    wipe_free(s->content, s->content_len);
    wipe_free(s->id, s->id_len);
    free(s->path);
    free(s);
}

static void source_set_content(struct source *s, uint8_t *content, size_t len)
{
    s->content = content;
    s->content_len = len;
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    sha256_update(&ctx, len, content);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, s->digest);
    material_wipe(&ctx, sizeof ctx); /* its block holds the content's tail */
    s->has_digest = 1;
}

static struct source *source_new(size_t size, const char *what, enum unitls_source kind)
{
    struct source *s = calloc(1, size);
    if (!s)
        return NULL;
    refcount_init(&s->refs);
    s->kind = kind;
    s->what = what;
    return s;
}

static struct source *source_from_buffer(size_t size, const char *what,
                                         const void *data, size_t len, unitls_error *err)
{
    if (!data || len == 0) {
        error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s from buffer: the buffer is empty", what);
        return NULL;
    }
    struct source *s = source_new(size, what, UNITLS_SOURCE_BUFFER);
    uint8_t *copy = malloc(len);
    if (!s || !copy) {
        free(s);
        free(copy);
        error_set(err, UNITLS_ERR_NOMEM, 0, "%s from buffer: out of memory", what);
        return NULL;
    }
    memcpy(copy, data, len);
    source_set_content(s, copy, len);
    return s;
}

static struct source *source_from_file(size_t size, const char *what,
                                       const char *path, unitls_error *err)
{
    if (!path || !*path) {
        error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s from file: the path is empty", what);
        return NULL;
    }
    struct source *s = source_new(size, what, UNITLS_SOURCE_FILE);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        error_set(err, UNITLS_ERR_NOMEM, 0, "%s file %s: out of memory", what, path);
        return NULL;
    }
    return s;
}

static struct source *source_from_id(size_t size, const char *what, const void *id,
                                     size_t len, unitls_error *err)
{
    if (!id || len == 0) {
        error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s from id: the id is empty", what);
        return NULL;
    }
    struct source *s = source_new(size, what, UNITLS_SOURCE_ID);
    if (!s || !(s->id = malloc(len))) {
        free(s);
        error_set(err, UNITLS_ERR_NOMEM, 0, "%s from id: out of memory", what);
        return NULL;
    }
    memcpy(s->id, id, len);
    s->id_len = len;
    return s;
}

/* Room for the first read when fstat gives no size (procfs and the like report 0). */
#define READ_FIRST_CAP 1024u

/* Doubles *cap, moving the len bytes read so far: allocating anew rather than realloc(), which
 * could leave them behind in memory it frees unwiped. 0, or -1 with *buf untouched. */
static int buffer_grow(uint8_t **buf, size_t *cap, size_t len)
{
    if (*cap > SIZE_MAX / 2)
        return -1;
    uint8_t *grown = malloc(*cap * 2);
    if (!grown)
        return -1;
    memcpy(grown, *buf, len);
    wipe_free(*buf, len);
    *buf = grown;
    *cap *= 2;
    return 0;
}

/* Reads fd to its end into a new buffer. size is what fstat said (0: unknown); one byte more
 * than that lets the end be seen without growing. 0, or an errno value with nothing kept. */
static int read_to_end(int fd, size_t size, uint8_t **out, size_t *out_len)
{
    size_t cap = size > 0 && size < SIZE_MAX ? size + 1 : READ_FIRST_CAP;
    size_t len = 0;
    uint8_t *buf = malloc(cap);
    int e = ENOMEM;
    while (buf) {
        if (len == cap && buffer_grow(&buf, &cap, len) != 0)
            break;
        ssize_t got = read(fd, buf + len, cap - len);
        if (got > 0) {
            len += (size_t)got;
        } else if (got == 0) {
            *out = buf;
            *out_len = len;
            return 0;
        } else if (errno != EINTR) {
            e = errno;
            break;
        }
    }
    wipe_free(buf, len);
    return e;
}

/* Opens path for reading if it is a regular file. The fd (with *size and *mode), or -1 with
 * *reason set to why not. O_NONBLOCK: opening a FIFO would otherwise wait for a writer (and
 * hang a daemon's reload); with it the open returns and the regular-file check refuses the
 * FIFO. */
static int open_regular(const char *path, off_t *size, mode_t *mode, const char **reason)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        *reason = strerror(errno);
        return -1;
    }
    struct stat st;
    const char *why = NULL;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (S_ISDIR(st.st_mode))
        why = strerror(EISDIR);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    if (why) {
        close(fd);
        *reason = why;
        return -1;
    }
    *size = st.st_size;
    *mode = st.st_mode;
    return fd;
}

/* Group and others may neither read nor write a private file: the check is on the open
 * descriptor, so the file checked is the file read. 0, or -1 with err naming file and mode. */
static int private_mode_check(const char *what, const char *path, mode_t mode,
                              unitls_error *err)
{
    mode_t open_to = S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH;
    if (!(mode & open_to))
        return 0;
    error_set(err, UNITLS_ERR_CONFIGURATION, 0,
              "%s file %s: mode %04o lets group or others %s it; expected 0600 or 0400 "
              "(chmod go-rw %s)", what, path, (unsigned)(mode & 07777),
              mode & (S_IRGRP | S_IROTH) ? "read" : "write", path);
    return -1;
}

/* Reads a whole regular file (refusing one others may read or write when private_file);
 * every buffer it frees on the way (growing, failing) is wiped, as the file may be a private
 * key. On failure err's message names the file and the reason (the OS's words for an errno);
 * impl_code stays 0, as no TLS implementation is involved. */
static int read_whole_file(const char *what, const char *path, int private_file, uint8_t **out,
                           size_t *out_len, unitls_error *err)
{
    const char *reason = NULL;
    off_t size = 0;
    mode_t mode = 0;
    int fd = open_regular(path, &size, &mode, &reason);
    if (fd < 0) {
        error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s file %s: %s", what, path, reason);
        return -1;
    }
    if (private_file && private_mode_check(what, path, mode, err) != 0) {
        close(fd);
        return -1;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    int e = read_to_end(fd, size > 0 ? (size_t)size : 0, &buf, &len);
    close(fd);
    if (e != 0) {
        error_set(err, e == ENOMEM ? UNITLS_ERR_NOMEM : UNITLS_ERR_CONFIGURATION, 0,
                  "%s file %s: %s", what, path, e == ENOMEM ? "out of memory" : strerror(e));
        return -1;
    }
    if (len == 0) {
        wipe_free(buf, len);
        error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s file %s: the file is empty", what, path);
        return -1;
    }
    *out = buf;
    *out_len = len;
    return 0;
}

/* A loaded copy of a file source; a new reference for any other kind. */
static struct source *source_load(struct source *s, size_t size, unitls_error *err)
{
    if (s->kind != UNITLS_SOURCE_FILE) {
        refcount_inc(&s->refs);
        return s;
    }
    uint8_t *content;
    size_t len;
    if (read_whole_file(s->what, s->path, s->private_file, &content, &len, err) != 0)
        return NULL;
    struct source *loaded = source_from_file(size, s->what, s->path, err);
    if (!loaded) {
        wipe_free(content, len);
        return NULL;
    }
    loaded->private_file = s->private_file;
    source_set_content(loaded, content, len);
    return loaded;
}

static int source_equal(const struct source *a, const struct source *b)
{
    if (a == b)
        return 1;
    if (!a || !b || a->kind != b->kind || a->has_digest != b->has_digest)
        return 0;
    if (a->kind == UNITLS_SOURCE_FILE && strcmp(a->path, b->path) != 0)
        return 0;
    if (a->kind == UNITLS_SOURCE_ID &&
        (a->id_len != b->id_len || memcmp(a->id, b->id, a->id_len) != 0))
        return 0;
    return !a->has_digest || memcmp(a->digest, b->digest, UNITLS_DIGEST_SIZE) == 0;
}

static uint64_t source_hash(const struct source *s)
{
    if (!s)
        return 0;
    uint64_t h = hash_bytes(0xcbf29ce484222325ULL, &s->kind, sizeof s->kind);
    if (s->path)
        h = hash_bytes(h, s->path, strlen(s->path));
    if (s->id)
        h = hash_bytes(h, s->id, s->id_len);
    if (s->has_digest)
        h = hash_bytes(h, s->digest, UNITLS_DIGEST_SIZE);
    return h;
}

/* The public accessors are the same for the three types; one definition serves them all. */
#define SOURCE_ACCESSORS(type, prefix)                                                        \
    type *prefix##_ref(type *x)                                                              \
    {                                                                                        \
        if (x)                                                                               \
            refcount_inc(&x->s.refs);                                                        \
        return x;                                                                            \
    }                                                                                        \
    void prefix##_unref(type *x)                                                             \
    {                                                                                        \
        if (x && refcount_dec(&x->s.refs))                                                   \
            source_free(&x->s);                                                              \
    }                                                                                        \
    enum unitls_source prefix##_source(const type *x) { return x ? x->s.kind : 0; }          \
    const char *prefix##_path(const type *x) { return x ? x->s.path : NULL; }                \
    const uint8_t *prefix##_id(const type *x, size_t *len)                                   \
    {                                                                                        \
        if (len)                                                                             \
            *len = x ? x->s.id_len : 0;                                                      \
        return x ? x->s.id : NULL;                                                           \
    }                                                                                        \
    int prefix##_equal(const type *a, const type *b)                                         \
    {                                                                                        \
        return source_equal(a ? &a->s : NULL, b ? &b->s : NULL);                             \
    }

SOURCE_ACCESSORS(unitls_certificate, unitls_certificate)
SOURCE_ACCESSORS(unitls_private_key, unitls_private_key)
SOURCE_ACCESSORS(unitls_trust_store, unitls_trust_store)
/* CRLs have no id source; the shared accessor is defined but not part of the API. */
const uint8_t *unitls_crl_id(const unitls_crl *x, size_t *len);
SOURCE_ACCESSORS(unitls_crl, unitls_crl)
/* Nor have OCSP responses (ocsp.h). */
const uint8_t *unitls_ocsp_response_id(const unitls_ocsp_response *x, size_t *len);
SOURCE_ACCESSORS(unitls_ocsp_response, unitls_ocsp_response)
/* Nor have session ticket keys (ticket_keys.h). */
const uint8_t *unitls_ticket_keys_id(const unitls_ticket_keys *x, size_t *len);
SOURCE_ACCESSORS(unitls_ticket_keys, unitls_ticket_keys)

static const uint8_t *source_content(const struct source *s, size_t *len)
{
    if (len)
        *len = s ? s->content_len : 0;
    return s ? s->content : NULL;
}

/* --- certificates --- */

unitls_certificate *unitls_certificate_from_buffer(const void *data, size_t len,
                                                   unitls_error *err)
{
    return (unitls_certificate *)source_from_buffer(sizeof(unitls_certificate), "certificate",
                                                    data, len, err);
}

unitls_certificate *unitls_certificate_from_file(const char *path, unitls_error *err)
{
    return (unitls_certificate *)source_from_file(sizeof(unitls_certificate), "certificate",
                                                  path, err);
}

unitls_certificate *unitls_certificate_from_id(const void *id, size_t len, unitls_error *err)
{
    return (unitls_certificate *)source_from_id(sizeof(unitls_certificate), "certificate",
                                                id, len, err);
}

const uint8_t *unitls_certificate_content(const unitls_certificate *c, size_t *len)
{
    return source_content(c ? &c->s : NULL, len);
}

int unitls_certificate_digest(const unitls_certificate *c, uint8_t digest[UNITLS_DIGEST_SIZE])
{
    if (!c || !digest || !c->s.has_digest)
        return 0;
    memcpy(digest, c->s.digest, UNITLS_DIGEST_SIZE);
    return 1;
}

unitls_certificate *certificate_load(unitls_certificate *c, unitls_error *err)
{
    return (unitls_certificate *)source_load(&c->s, sizeof *c, err);
}

uint64_t certificate_hash(const unitls_certificate *c) { return source_hash(c ? &c->s : NULL); }

/* --- private keys --- */

unitls_private_key *unitls_private_key_from_buffer(const void *data, size_t len,
                                                   unitls_error *err)
{
    return (unitls_private_key *)source_from_buffer(sizeof(unitls_private_key), "private key",
                                                    data, len, err);
}

unitls_private_key *unitls_private_key_from_file(const char *path, unitls_error *err)
{
    return (unitls_private_key *)source_from_file(sizeof(unitls_private_key), "private key",
                                                  path, err);
}

unitls_private_key *unitls_private_key_from_id(const void *id, size_t len, unitls_error *err)
{
    return (unitls_private_key *)source_from_id(sizeof(unitls_private_key), "private key",
                                                id, len, err);
}

const uint8_t *private_key_material(const unitls_private_key *k, size_t *len)
{
    return source_content(k ? &k->s : NULL, len);
}

unitls_private_key *private_key_load(unitls_private_key *k, unitls_error *err)
{
    return (unitls_private_key *)source_load(&k->s, sizeof *k, err);
}

uint64_t private_key_hash(const unitls_private_key *k) { return source_hash(k ? &k->s : NULL); }

/* --- trust stores --- */

unitls_trust_store *unitls_trust_store_system(void)
{
    return (unitls_trust_store *)source_new(sizeof(unitls_trust_store), "trust store",
                                            UNITLS_SOURCE_SYSTEM);
}

unitls_trust_store *unitls_trust_store_from_buffer(const void *data, size_t len,
                                                   unitls_error *err)
{
    return (unitls_trust_store *)source_from_buffer(sizeof(unitls_trust_store), "trust store",
                                                    data, len, err);
}

unitls_trust_store *unitls_trust_store_from_file(const char *path, unitls_error *err)
{
    return (unitls_trust_store *)source_from_file(sizeof(unitls_trust_store), "trust store",
                                                  path, err);
}

unitls_trust_store *unitls_trust_store_from_id(const void *id, size_t len, unitls_error *err)
{
    return (unitls_trust_store *)source_from_id(sizeof(unitls_trust_store), "trust store",
                                                id, len, err);
}

const uint8_t *unitls_trust_store_content(const unitls_trust_store *t, size_t *len)
{
    return source_content(t ? &t->s : NULL, len);
}

unitls_trust_store *trust_store_load(unitls_trust_store *t, unitls_error *err)
{
    return (unitls_trust_store *)source_load(&t->s, sizeof *t, err);
}

uint64_t trust_store_hash(const unitls_trust_store *t) { return source_hash(t ? &t->s : NULL); }

/* --- certificate revocation lists --- */

unitls_crl *unitls_crl_from_buffer(const void *data, size_t len, unitls_error *err)
{
    return (unitls_crl *)source_from_buffer(sizeof(unitls_crl), "CRL", data, len, err);
}

unitls_crl *unitls_crl_from_file(const char *path, unitls_error *err)
{
    return (unitls_crl *)source_from_file(sizeof(unitls_crl), "CRL", path, err);
}

const uint8_t *unitls_crl_content(const unitls_crl *c, size_t *len)
{
    return source_content(c ? &c->s : NULL, len);
}

unitls_crl *crl_load(unitls_crl *c, unitls_error *err)
{
    return (unitls_crl *)source_load(&c->s, sizeof *c, err);
}

uint64_t crl_hash(const unitls_crl *c) { return source_hash(c ? &c->s : NULL); }

/* --- OCSP responses (ocsp.h), credentials as CRLs are --- */

unitls_ocsp_response *unitls_ocsp_response_from_buffer(const void *der, size_t len,
                                                       unitls_error *err)
{
    return (unitls_ocsp_response *)source_from_buffer(sizeof(unitls_ocsp_response),
                                                      "OCSP response", der, len, err);
}

unitls_ocsp_response *unitls_ocsp_response_from_file(const char *path, unitls_error *err)
{
    return (unitls_ocsp_response *)source_from_file(sizeof(unitls_ocsp_response),
                                                    "OCSP response", path, err);
}

const uint8_t *unitls_ocsp_response_content(const unitls_ocsp_response *r, size_t *len)
{
    return source_content(r ? &r->s : NULL, len);
}

unitls_ocsp_response *ocsp_response_load(unitls_ocsp_response *r, unitls_error *err)
{
    return (unitls_ocsp_response *)source_load(&r->s, sizeof *r, err);
}

uint64_t ocsp_response_hash(const unitls_ocsp_response *r)
{
    return source_hash(r ? &r->s : NULL);
}

/* --- session ticket keys (ticket_keys.h), credentials that are parsed when read --- */

#define TICKET_KEYS_WHAT "session ticket keys"

/* Parses s's content into *set: the number of keys, or 0 with err saying where (as `origin`:
 * "from buffer", "file PATH") when the text is not a key set. */
static size_t ticket_keys_parse_source(const struct source *s, struct ticket_key_set *set,
                                       unitls_error *err)
{
    char why[200];
    if (ticket_key_file_parse(s->content, s->content_len, set, why, sizeof why) == 0)
        return set->n;
    if (s->kind == UNITLS_SOURCE_FILE)
        error_set(err, UNITLS_ERR_CONFIGURATION, 0, TICKET_KEYS_WHAT " file %s: %s", s->path, why);
    else
        error_set(err, UNITLS_ERR_CONFIGURATION, 0, TICKET_KEYS_WHAT " from buffer: %s", why);
    return 0;
}

unitls_ticket_keys *unitls_ticket_keys_from_buffer(const void *text, size_t len,
                                                   unitls_error *err)
{
    struct source *s = source_from_buffer(sizeof(unitls_ticket_keys), TICKET_KEYS_WHAT, text,
                                          len, err);
    struct ticket_key_set set;
    if (s && ticket_keys_parse_source(s, &set, err) == 0) {
        source_free(s);
        return NULL;
    }
    ticket_key_set_wipe(&set);
    return (unitls_ticket_keys *)s;
}

unitls_ticket_keys *unitls_ticket_keys_from_file(const char *path, unitls_error *err)
{
    struct source *s = source_from_file(sizeof(unitls_ticket_keys), TICKET_KEYS_WHAT, path, err);
    if (s)
        s->private_file = 1;
    return (unitls_ticket_keys *)s;
}

size_t unitls_ticket_keys_count(const unitls_ticket_keys *k)
{
    struct ticket_key_set set;
    if (!k || !k->s.content || ticket_keys_parse_source(&k->s, &set, NULL) == 0)
        return 0;
    size_t n = set.n;
    ticket_key_set_wipe(&set);
    return n;
}

unitls_ticket_keys *ticket_keys_load(unitls_ticket_keys *k, unitls_error *err)
{
    unitls_ticket_keys *loaded = (unitls_ticket_keys *)source_load(&k->s, sizeof *k, err);
    struct ticket_key_set set;
    if (loaded && ticket_keys_parse_source(&loaded->s, &set, err) == 0) {
        unitls_ticket_keys_unref(loaded);
        return NULL;
    }
    ticket_key_set_wipe(&set);
    return loaded;
}

int ticket_keys_get(const unitls_ticket_keys *k, struct ticket_key_set *set, unitls_error *err)
{
    if (!k || !k->s.content) {
        error_set(err, UNITLS_ERR_CONFIGURATION, 0, TICKET_KEYS_WHAT " %s: not read yet",
                  k && k->s.path ? k->s.path : "(none)");
        return -1;
    }
    return ticket_keys_parse_source(&k->s, set, err) > 0 ? 0 : -1;
}

uint64_t ticket_keys_hash(const unitls_ticket_keys *k) { return source_hash(k ? &k->s : NULL); }
