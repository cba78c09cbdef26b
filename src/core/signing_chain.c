/* Signing chains: a leaf certificate, its key (or none when the leaf's material holds it), and
 * the intermediates in order. */
#include <stdlib.h>

#include "config_fields.h"
#include "error.h"
#include "material.h"
#include "refcount.h"

struct unitls_signing_chain {
    refcount refs;
    unitls_certificate *leaf;
    unitls_private_key *key;
    size_t n_chain;
    unitls_certificate *chain[]; /* n_chain intermediates */
};

static unitls_signing_chain *chain_alloc(size_t n_chain)
{
    unitls_signing_chain *s = calloc(1, sizeof *s + n_chain * sizeof s->chain[0]);
    if (s) {
        refcount_init(&s->refs);
        s->n_chain = n_chain;
    }
    return s;
}

unitls_signing_chain *unitls_signing_chain_new(unitls_certificate *leaf,
                                               unitls_private_key *leaf_key,
                                               unitls_certificate *const *chain, size_t n_chain,
                                               unitls_error *err)
{
    if (!leaf || (n_chain > 0 && !chain)) {
        error_set(err, UNITLS_ERR_INVALID, 0, "signing chain: %s",
                  leaf ? "intermediates missing" : "the leaf certificate is missing");
        return NULL;
    }
    for (size_t i = 0; i < n_chain; i++) {
        if (!chain[i]) {
            error_set(err, UNITLS_ERR_INVALID, 0, "signing chain: intermediate %zu is NULL", i);
            return NULL;
        }
    }
    unitls_signing_chain *s = chain_alloc(n_chain);
    if (!s) {
        error_set(err, UNITLS_ERR_NOMEM, 0, "signing chain: out of memory");
        return NULL;
    }
    s->leaf = unitls_certificate_ref(leaf);
    s->key = unitls_private_key_ref(leaf_key);
    for (size_t i = 0; i < n_chain; i++)
        s->chain[i] = unitls_certificate_ref(chain[i]);
    return s;
}

unitls_signing_chain *unitls_signing_chain_ref(unitls_signing_chain *s)
{
    if (s)
        refcount_inc(&s->refs);
    return s;
}

void unitls_signing_chain_unref(unitls_signing_chain *s)
{
    if (!s || !refcount_dec(&s->refs))
        return;
    unitls_certificate_unref(s->leaf);
    unitls_private_key_unref(s->key);
    for (size_t i = 0; i < s->n_chain; i++)
        unitls_certificate_unref(s->chain[i]);
    free(s);
}

unitls_certificate *unitls_signing_chain_leaf(const unitls_signing_chain *s)
{
    return s ? s->leaf : NULL;
}

unitls_private_key *unitls_signing_chain_key(const unitls_signing_chain *s)
{
    return s ? s->key : NULL;
}

size_t unitls_signing_chain_length(const unitls_signing_chain *s) { return s ? s->n_chain : 0; }

unitls_certificate *unitls_signing_chain_intermediate(const unitls_signing_chain *s, size_t i)
{
    return (s && i < s->n_chain) ? s->chain[i] : NULL;
}

int unitls_signing_chain_equal(const unitls_signing_chain *a, const unitls_signing_chain *b)
{
    if (a == b)
        return 1;
    if (!a || !b || a->n_chain != b->n_chain || !unitls_certificate_equal(a->leaf, b->leaf) ||
        !unitls_private_key_equal(a->key, b->key))
        return 0;
    for (size_t i = 0; i < a->n_chain; i++)
        if (!unitls_certificate_equal(a->chain[i], b->chain[i]))
            return 0;
    return 1;
}

uint64_t unitls_signing_chain_hash(const unitls_signing_chain *s)
{
    if (!s)
        return 0;
    uint64_t h = hash_mix(certificate_hash(s->leaf), private_key_hash(s->key));
    for (size_t i = 0; i < s->n_chain; i++)
        h = hash_mix(h, certificate_hash(s->chain[i]));
    return h;
}

unitls_signing_chain *signing_chain_load(unitls_signing_chain *s, unitls_error *err)
{
    unitls_signing_chain *loaded = chain_alloc(s->n_chain);
    if (!loaded) {
        error_set(err, UNITLS_ERR_NOMEM, 0, "signing chain: out of memory");
        return NULL;
    }
    loaded->leaf = certificate_load(s->leaf, err);
    int ok = loaded->leaf != NULL;
    if (ok && s->key)
        ok = (loaded->key = private_key_load(s->key, err)) != NULL;
    for (size_t i = 0; ok && i < s->n_chain; i++)
        ok = (loaded->chain[i] = certificate_load(s->chain[i], err)) != NULL;
    if (!ok) {
        unitls_signing_chain_unref(loaded);
        return NULL;
    }
    return loaded;
}
