/* chains: resolving, sharing and naming a server context's chains. */
#include <stdlib.h>
#include <string.h>

#include "chains.h"
#include "core/error.h"

/* The index in prev of a chain equal to s, or -1. Chains are compared by content, which
 * unitls_signing_chain_hash summarises; the index is prev's chains sorted by that hash. */
struct chain_index_entry {
    uint64_t hash;
    size_t pos; /* in prev */
};

struct chain_index {
    struct chain_index_entry *e;
    size_t n;
};

static int chain_index_cmp(const void *a, const void *b)
{
    const struct chain_index_entry *x = a, *y = b;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static int chain_index_build(struct chain_index *ix, const struct gtls_chains *prev)
{
    size_t n = prev->n;
    ix->n = n;
    ix->e = malloc((n ? n : 1) * sizeof *ix->e);
    if (!ix->e)
        return 0;
    for (size_t i = 0; i < n; i++) {
        ix->e[i].hash =
            unitls_signing_chain_hash(unitls_server_config_certificate_chain(prev->config, i));
        ix->e[i].pos = i;
    }
    qsort(ix->e, n, sizeof *ix->e, chain_index_cmp);
    return 1;
}

static long chain_index_find(const struct chain_index *ix, const struct gtls_chains *prev,
                             const unitls_signing_chain *s)
{
    uint64_t h = unitls_signing_chain_hash(s);
    size_t lo = 0, hi = ix->n;
    while (lo < hi) { /* the first entry whose hash is >= h */
        size_t mid = lo + (hi - lo) / 2;
        if (ix->e[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < ix->n && ix->e[lo].hash == h; lo++) {
        size_t i = ix->e[lo].pos;
        if (unitls_signing_chain_equal(unitls_server_config_certificate_chain(prev->config, i),
                                       s))
            return (long)i;
    }
    return -1;
}

static unitls_status chains_resolve(struct gtls_chains *c, const struct gtls_chains *prev,
                                    unitls_error *err)
{
    struct chain_index ix = {NULL, 0};
    size_t n = unitls_server_config_n_certificate_chains(c->config);
    c->chain = calloc(n, sizeof *c->chain);
    unitls_status rc = UNITLS_OK;
    if (!c->chain || (prev && !chain_index_build(&ix, prev)))
        rc = error_set(err, UNITLS_ERR_NOMEM, 0, "server chains: out of memory");
    for (size_t i = 0; rc == UNITLS_OK && i < n; i++) {
        const unitls_signing_chain *s = unitls_server_config_certificate_chain(c->config, i);
        long same = prev ? chain_index_find(&ix, prev, s) : -1;
        if (same >= 0)
            c->chain[i] = gtls_chain_ref(prev->chain[same]);
        else
            rc = gtls_chain_resolve(s, &c->chain[i], err);
        if (rc == UNITLS_OK)
            c->n = i + 1;
    }
    free(ix.e);
    return rc;
}

static unitls_status sni_build(struct gtls_chains *c, unitls_error *err)
{
    struct sni_names *l = sni_names_new();
    enum sni_key_type *types = calloc(c->n, sizeof *types);
    int rc = l && types ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < c->n; i++) {
        types[i] = gtls_chain_key_type(c->chain[i]);
        rc = gtls_chain_add_names(c->chain[i], l, (uint32_t)i);
    }
    unitls_status st = rc == 0 ? sni_table_build(l, types, c->n, &c->sni, err)
                               : error_set(err, UNITLS_ERR_NOMEM, 0,
                                           "server names: out of memory");
    sni_names_free(l);
    free(types);
    return st;
}

unitls_status gtls_chains_build(const unitls_server_config *cfg, const struct gtls_chains *prev,
                                struct gtls_chains *out, unitls_error *err)
{
    struct gtls_chains c = {cfg, NULL, 0, NULL};
    if (unitls_server_config_n_certificate_chains(cfg) == 0)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "server configuration: no certificate chain");
    unitls_status rc = chains_resolve(&c, prev, err);
    if (rc == UNITLS_OK)
        rc = sni_build(&c, err);
    if (rc != UNITLS_OK) {
        gtls_chains_clear(&c);
        return rc;
    }
    *out = c;
    return UNITLS_OK;
}

void gtls_chains_clear(struct gtls_chains *c)
{
    for (size_t i = 0; c->chain && i < c->n; i++)
        gtls_chain_unref(c->chain[i]);
    free(c->chain);
    sni_table_free(c->sni);
    memset(c, 0, sizeof *c);
}
