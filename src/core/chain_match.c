/* chain_match: the previous configuration's chains sorted by content hash. */
#include <stdint.h>
#include <stdlib.h>

#include "chain_match.h"

struct chain_match_entry {
    uint64_t hash;
    size_t pos; /* in prev */
};

struct chain_match {
    const unitls_server_config *prev;
    size_t n;
    struct chain_match_entry e[];
};

static int entry_cmp(const void *a, const void *b)
{
    const struct chain_match_entry *x = a, *y = b;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

struct chain_match *chain_match_new(const unitls_server_config *prev)
{
    size_t n = unitls_server_config_n_certificate_chains(prev);
    struct chain_match *m = malloc(sizeof *m + n * sizeof m->e[0]);
    if (!m)
        return NULL;
    m->prev = prev;
    m->n = n;
    for (size_t i = 0; i < n; i++) {
        m->e[i].hash =
            unitls_signing_chain_hash(unitls_server_config_certificate_chain(prev, i));
        m->e[i].pos = i;
    }
    if (n > 1)
        qsort(m->e, n, sizeof m->e[0], entry_cmp);
    return m;
}

long chain_match_find(const struct chain_match *m, const unitls_signing_chain *s)
{
    uint64_t h = unitls_signing_chain_hash(s);
    size_t lo = 0, hi = m->n;
    while (lo < hi) { /* the first entry whose hash is >= h */
        size_t mid = lo + (hi - lo) / 2;
        if (m->e[mid].hash < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < m->n && m->e[lo].hash == h; lo++) {
        size_t i = m->e[lo].pos;
        if (unitls_signing_chain_equal(unitls_server_config_certificate_chain(m->prev, i), s))
            return (long)i;
    }
    return -1;
}

void chain_match_free(struct chain_match *m) { free(m); }
