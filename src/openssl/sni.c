/* sni: the name -> chain-set table of a server context, built from the leaves' names. */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "core/error.h"
#include "sni.h"

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

struct name_list {
    struct name_ref *v;
    size_t n, cap;
};

static int key_type(const EVP_PKEY *key)
{
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return 0;
    case EVP_PKEY_RSA_PSS: return 1;
    case EVP_PKEY_EC: return 2;
    case EVP_PKEY_ED25519: return 3;
    case EVP_PKEY_ED448: return 4;
    default: return 5;
    }
}

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

/* Records one certificate name. Returns -1 when out of memory; names that cannot select
 * (partial wildcards such as "a*.example.net") are skipped. */
static int names_add(struct name_list *l, const char *raw, size_t raw_len, uint32_t chain)
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

static int names_from_san(GENERAL_NAMES *gens, struct name_list *l, uint32_t chain)
{
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        const ASN1_STRING *s = g->d.dNSName;
        if (names_add(l, (const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s),
                      chain) != 0)
            return -1;
    }
    return 0;
}

static int names_from_cn(X509 *leaf, struct name_list *l, uint32_t chain)
{
    const X509_NAME *subject = X509_get_subject_name(leaf);
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx < 0)
        return 0;
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject,
                                                                                      idx)));
    int rc = len > 0 ? names_add(l, (const char *)utf8, (size_t)len, chain) : 0;
    OPENSSL_free(utf8);
    return rc;
}

static int names_of_leaf(X509 *leaf, struct name_list *l, uint32_t chain)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    if (!gens)
        return names_from_cn(leaf, l, chain);
    int rc = names_from_san(gens, l, chain);
    GENERAL_NAMES_free(gens);
    return rc;
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
static int entries_merge(struct sni_table *t, struct name_list *l,
                         const struct resolved_chain *chains)
{
    t->exact = calloc(l->n ? l->n : 1, sizeof *t->exact);
    if (!t->exact)
        return -1;
    for (size_t i = 0; i < l->n; i++) {
        struct name_ref *r = &l->v[i];
        size_t *count = r->wildcard ? &t->n_wild : &t->n_exact;
        struct sni_entry *base = r->wildcard ? t->exact + t->n_exact : t->exact;
        struct sni_entry *last = *count ? &base[*count - 1] : NULL;
        if (!last || strcmp(last->name, r->name) != 0) {
            last = &base[(*count)++];
            last->name = r->name;
            r->name = NULL;
        }
        set_add(&last->set, r->chain, key_type(chains[r->chain].key));
    }
    t->wild = t->exact + t->n_exact; /* exact names sort before wildcards */
    return 0;
}

static void names_free(struct name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].name);
    free(l->v);
}

/* The default set: the one chain 0's first name selects, else chain 0 alone. */
static void fallback_choose(struct sni_table *t, const char *first_name, int first_wild,
                            const struct resolved_chain *chains)
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
    set_add(&t->fallback, 0, key_type(chains[0].key));
}

unitls_status sni_table_build(const struct resolved_chain *chains, size_t n,
                              struct sni_table **out, unitls_error *err)
{
    struct name_list l = {NULL, 0, 0};
    struct sni_table *t = calloc(1, sizeof *t);
    int rc = t ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = names_of_leaf(chains[i].leaf, &l, (uint32_t)i);
    char *first_name = NULL;
    int first_wild = 0;
    if (rc == 0 && l.n > 0 && l.v[0].chain == 0) {
        rc = (first_name = strdup(l.v[0].name)) ? 0 : -1;
        first_wild = l.v[0].wildcard;
    }
    if (rc == 0) {
        qsort(l.v, l.n, sizeof *l.v, ref_compare);
        rc = entries_merge(t, &l, chains);
    }
    if (rc == 0)
        fallback_choose(t, first_name, first_wild, chains);
    free(first_name);
    names_free(&l);
    if (rc != 0) {
        sni_table_free(t);
        return error_set(err, UNITLS_ERR_NOMEM, 0, "server names: out of memory");
    }
    *out = t;
    return UNITLS_OK;
}

const struct cert_set *sni_table_select(const struct sni_table *t, const char *name, size_t len)
{
    char key[SNI_NAME_MAX + 1];
    if (!name || (len = name_normalize(name, len, key)) == 0)
        return &t->fallback;
    const struct sni_entry *e = bsearch(key, t->exact, t->n_exact, sizeof *e, entry_compare);
    if (e)
        return &e->set;
    const char *dot = strchr(key, '.');
    if (dot && dot > key && dot[1]) {
        e = bsearch(dot + 1, t->wild, t->n_wild, sizeof *e, entry_compare);
        if (e)
            return &e->set;
    }
    return &t->fallback;
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
