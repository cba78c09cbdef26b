/* chains: a server context's signing chains as resolved GnuTLS objects (resolve.h) and the
 * core's SNI table over them (core/sni_table.h), built once per context and read-only after.
 *
 * A derived context (a reload) takes another reference to the resolved chain of every
 * signing chain that compares equal (unitls_signing_chain_equal) to one of the previous
 * context's, found through a sorted index of the previous chains' content hashes, and parses
 * only the new ones. */
#ifndef UNITLS_GNUTLS_CHAINS_H
#define UNITLS_GNUTLS_CHAINS_H

#include <stddef.h>

#include <unitls/unitls.h>

#include "core/sni_table.h"
#include "resolve.h"

struct gtls_chains {
    const unitls_server_config *config; /* owned by the context, which outlives this */
    struct gtls_chain **chain;          /* in configured order */
    size_t n;
    struct sni_table *sni;
};

/* Resolves cfg's chains into out (sharing with prev, which may be NULL) and builds the SNI
 * table. UNITLS_ERR_CONFIGURATION when there is no chain or one cannot be resolved; out is
 * left empty on failure. */
unitls_status gtls_chains_build(const unitls_server_config *cfg, const struct gtls_chains *prev,
                                struct gtls_chains *out, unitls_error *err);
void gtls_chains_clear(struct gtls_chains *c);

#endif
