/* chains: resolving, sharing and naming a server context's chains. */
#include <stdlib.h>
#include <string.h>

#include "chains.h"
#include "core/chain_match.h"
#include "core/error.h"

static unitls_status chains_resolve(struct gtls_chains *c, const struct gtls_chains *prev,
                                    unitls_error *err)
{
    struct chain_match *match = NULL;
    size_t n = unitls_server_config_n_certificate_chains(c->config);
    c->chain = calloc(n, sizeof *c->chain);
    unitls_status rc = UNITLS_OK;
    if (!c->chain || (prev && !(match = chain_match_new(prev->config))))
        rc = error_set(err, UNITLS_ERR_NOMEM, 0, "server chains: out of memory");
    for (size_t i = 0; rc == UNITLS_OK && i < n; i++) {
        const unitls_signing_chain *s = unitls_server_config_certificate_chain(c->config, i);
        long same = match ? chain_match_find(match, s) : -1;
        if (same >= 0)
            c->chain[i] = gtls_chain_ref(prev->chain[same]);
        else
            rc = gtls_chain_resolve(s, &c->chain[i], err);
        if (rc == UNITLS_OK)
            c->n = i + 1;
    }
    chain_match_free(match);
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
