/* sni_table: the name -> chain-set table of a server context, built from the leaves' names. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sni_table.h"

struct sni_entry {
    char *name; /* lower case; for wildcards the part after "*." */
    struct cert_set set;
};

struct sni_table {
    struct sni_entry *exact, *wild;
    size_t n_exact, n_wild;
    struct cert_set fallback;
};

/* One (name, chain) pair met while building. */
struct name_ref {
    char *name;
    int wildcard;
    uint32_t chain;
};

struct sni_names {
    struct name_ref *v;
    size_t n, cap;
};

static void set_add(struct cert_set *s, uint32_t chain, int type)
{
    unsigned bit = 1u << type;
    if (s->types & bit)
        return;
    s->chain[s->n++] = chain;
    s->types = (uint8_t)(s->types | bit);
}

/* Lower-cases name into out (SNI_NAME_MAX + 1 bytes) without one trailing dot. Returns the
 * length, or 0 for a name that cannot be a DNS name (empty, too long, holding NUL). */
static size_t name_normalize(const char *name, size_t len, char *out)
{
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > SNI_NAME_MAX || memchr(name, '\0', len))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[len] = '\0';
    return len;
}

int sni_names_add(struct sni_names *l, uint32_t chain, const char *raw, size_t raw_len)
{
    char norm[SNI_NAME_MAX + 1];
    size_t len = name_normalize(raw, raw_len, norm);
    int wildcard = len > 2 && norm[0] == '*' && norm[1] == '.';
    const char *name = wildcard ? norm + 2 : norm;
    if (len == 0 || strchr(name, '*'))
        return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct name_ref *grown = realloc(l->v, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->v = grown;
        l->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    struct name_ref *r = &l->v[l->n++];
    r->name = copy;
    r->wildcard = wildcard;
    r->chain = chain;
    return 0;
}

static int ref_compare(const void *pa, const void *pb)
{
    const struct name_ref *a = pa, *b = pb;
    if (a->wildcard != b->wildcard)
        return a->wildcard - b->wildcard;
    int c = strcmp(a->name, b->name);
    if (c)
        return c;
    return (a->chain > b->chain) - (a->chain < b->chain);
}

static int entry_compare(const void *key, const void *pe)
{
    return strcmp(key, ((const struct sni_entry *)pe)->name);
}

/* Turns the sorted references into entries, one per distinct name, taking over the names. */
static int entries_merge(struct sni_table *t, struct sni_names *l,
                         const enum sni_key_type *key_types, size_t n_chains)
{
    t->exact = calloc(l->n ? l->n : 1, sizeof *t->exact);
    if (!t->exact)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        struct name_ref *r = &l->v[i];
        if (r->chain >= n_chains)
            continue;
        size_t *count = r->wildcard ? &t->n_wild : &t->n_exact;
        struct sni_entry *base = r->wildcard ? t->exact + t->n_exact : t->exact;
        struct sni_entry *last = *count ? &base[*count - 1] : NULL;
        if (!last || strcmp(last->name, r->name) != 0) {
            last = &base[(*count)++];
            last->name = r->name;
            r->name = NULL;
        }
        set_add(&last->set, r->chain, (int)key_types[r->chain]);
    }
    t->wild = t->exact + t->n_exact; /* exact names sort before wildcards */
    return 0;
}

struct sni_names *sni_names_new(void) { return calloc(1, sizeof(struct sni_names)); }

/* Frees the names the list still owns and empties it. */
static void names_clear(struct sni_names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

void sni_names_free(struct sni_names *l)
{
    if (!l)
        return;
    names_clear(l);
    free(l);
}

/* The default set: the one chain 0's first name selects, else chain 0 alone. */
static void fallback_choose(struct sni_table *t, const char *first_name, int first_wild,
                            const enum sni_key_type *key_types)
{
    const struct sni_entry *e = NULL;
    if (first_name)
        e = bsearch(first_name, first_wild ? t->wild : t->exact,
                    first_wild ? t->n_wild : t->n_exact, sizeof *e, entry_compare);
    if (e) {
        t->fallback = e->set;
        return;
    }
    memset(&t->fallback, 0, sizeof t->fallback);
    set_add(&t->fallback, 0, (int)key_types[0]);
}

/* The first name of chain 0, which chooses the default set. */
static int first_name_of_chain0(const struct sni_names *l, char **name, int *wild)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].chain == 0) {
            *wild = l->v[i].wildcard;
            return (*name = strdup(l->v[i].name)) ? 0 : -1;
        }
    return 0;
}

unitls_status sni_table_build(struct sni_names *l, const enum sni_key_type *key_types,
                              size_t n_chains, struct sni_table **out, unitls_error *err)
{
    struct sni_table *t = calloc(1, sizeof *t);
    char *first_name = NULL;
    int first_wild = 0;
    int rc = t ? first_name_of_chain0(l, &first_name, &first_wild) : -1;
    if (rc == 0) {
        if (l->n > 1)
            qsort(l->v, l->n, sizeof *l->v, ref_compare);
        rc = entries_merge(t, l, key_types, n_chains);
    }
    if (rc == 0)
        fallback_choose(t, first_name, first_wild, key_types);
    free(first_name);
    names_clear(l);
    if (rc != 0) {
        sni_table_free(t);
        return error_set(err, UNITLS_ERR_NOMEM, 0, "server names: out of memory");
    }
    *out = t;
    return UNITLS_OK;
}

static int host_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

int sni_name_well_formed(const char *name, size_t len)
{
    if (!name)
        return 0;
    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > SNI_HOST_MAX)
        return 0;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if (!host_byte(c) || ++label > SNI_LABEL_MAX) {
            return 0;
        }
    }
    return label > 0;
}

static const struct cert_set *matched(const struct sni_entry *e, enum sni_match how,
                                      enum sni_match *match)
{
    if (match)
        *match = how;
    return &e->set;
}

static const struct cert_set *fallback(const struct sni_table *t, enum sni_match why,
                                       enum sni_match *match)
{
    if (match)
        *match = why;
    return &t->fallback;
}

const struct cert_set *sni_table_match(const struct sni_table *t, const char *name, size_t len,
                                       enum sni_match *match)
{
    char key[SNI_NAME_MAX + 1];
    if (!name)
        return fallback(t, SNI_MATCH_NO_NAME, match);
    if (!sni_name_well_formed(name, len) || (len = name_normalize(name, len, key)) == 0)
        return fallback(t, SNI_MATCH_MALFORMED, match);
    const struct sni_entry *e = bsearch(key, t->exact, t->n_exact, sizeof *e, entry_compare);
    if (e)
        return matched(e, SNI_MATCH_EXACT, match);
    const char *dot = strchr(key, '.');
    if (dot && dot > key && dot[1]) {
        e = bsearch(dot + 1, t->wild, t->n_wild, sizeof *e, entry_compare);
        if (e)
            return matched(e, SNI_MATCH_WILDCARD, match);
    }
    return fallback(t, SNI_MATCH_UNCOVERED, match);
}

const struct cert_set *sni_table_select(const struct sni_table *t, const char *name, size_t len)
{
    return sni_table_match(t, name, len, NULL);
}

const struct cert_set *sni_table_default(const struct sni_table *t) { return &t->fallback; }

size_t sni_table_n_names(const struct sni_table *t) { return t->n_exact + t->n_wild; }

void sni_table_free(struct sni_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_exact + t->n_wild; i++)
        free(t->exact[i].name);
    free(t->exact);
    free(t);
}

int cert_set_equal(const struct cert_set *a, const struct cert_set *b)
{
    return a->n == b->n && memcmp(a->chain, b->chain, a->n * sizeof a->chain[0]) == 0;
}

const char *sni_extension_host_name(const uint8_t *ext, size_t len, size_t *name_len)
{
    if (len < 2 || (size_t)((ext[0] << 8) | ext[1]) != len - 2)
        return NULL;
    for (size_t i = 2; i + 3 <= len;) {
        size_t n = (size_t)((ext[i + 1] << 8) | ext[i + 2]);
        if (i + 3 + n > len)
            return NULL;
        if (ext[i] == 0) /* host_name */ {
            *name_len = n;
            return (const char *)ext + i + 3;
        }
        i += 3 + n;
    }
    return NULL;
}
