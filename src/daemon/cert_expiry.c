/* cert_expiry: leaf validity per served certificate, read once per generation; see
 * cert_expiry.h. */
#include "daemon/cert_expiry.h"

#include <stdlib.h>
#include <string.h>

#include <unitls/unitls.h>

#include "daemon/log.h"

void cert_expiry_clear(struct cert_expiry *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->entries[i].listener);
        free(t->entries[i].certificate);
    }
    free(t->entries);
    memset(t, 0, sizeof *t);
}

/* Appends chain's leaf to t (room made by the caller). */
static void entry_read(struct cert_expiry *t, const struct runtime_listener *l,
                       const unitls_signing_chain *chain)
{
    struct unitls_certificate_info info;
    unitls_error err;
    const unitls_implementation *impl = unitls_server_context_implementation(l->ctx);
    if (unitls_signing_chain_leaf_info(impl, chain, &info, &err) != UNITLS_OK) {
        log_warn("metrics: listener %s: %s", l->name, err.message);
        return;
    }
    const char *path = unitls_certificate_path(unitls_signing_chain_leaf(chain));
    struct cert_expiry_entry *e = &t->entries[t->n];
    e->certificate = strdup(path ? path : "");
    e->listener = strdup(l->name);
    if (!e->certificate || !e->listener) {
        free(e->certificate);
        free(e->listener);
        memset(e, 0, sizeof *e);
        return;
    }
    memcpy(e->subject, info.subject, sizeof e->subject);
    e->not_after = info.not_after;
    t->n++;
}

void cert_expiry_follow(struct cert_expiry *t, const struct generation *g)
{
    if (!g || g->serial == t->serial)
        return;
    cert_expiry_clear(t);
    size_t cap = 0;
    for (size_t i = 0; i < g->n_listeners; i++)
        cap += unitls_server_config_n_certificate_chains(
            unitls_server_context_configuration(g->listeners[i]->ctx));
    t->entries = cap ? calloc(cap, sizeof *t->entries) : NULL;
    if (cap && !t->entries) {
        log_error("metrics: certificate expiry: out of memory");
        return;
    }
    t->serial = g->serial;
    for (size_t i = 0; i < g->n_listeners; i++) {
        const struct runtime_listener *l = g->listeners[i];
        unitls_server_config *cfg = unitls_server_context_configuration(l->ctx);
        size_t n = unitls_server_config_n_certificate_chains(cfg);
        for (size_t k = 0; k < n && t->n < cap; k++)
            entry_read(t, l, unitls_server_config_certificate_chain(cfg, k));
    }
}
