/* cert_expiry: when each certificate unitlsd serves expires, for /metrics
 * (unitlsd_certificate_expiry_seconds). The table is read from a generation's contexts, each
 * leaf through its listener's implementation (unitls_signing_chain_leaf_info), once per
 * generation: a scrape between reloads reads nothing, and a reload that renews a certificate
 * makes a new generation, which the next scrape reads. Main thread only. */
#ifndef UNITLSD_CERT_EXPIRY_H
#define UNITLSD_CERT_EXPIRY_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/runtime.h"

struct cert_expiry_entry {
    char *listener;
    char *certificate;        /* the leaf's file, "" for one given in memory */
    char subject[256];        /* RFC 4514 */
    int64_t not_after;        /* seconds since the epoch */
};

struct cert_expiry {
    unsigned serial;          /* the generation read; 0 before the first */
    struct cert_expiry_entry *entries;
    size_t n;
};

/* Brings t to generation g: reads every listener's chains when g is not the generation t
 * holds. A leaf that cannot be read is left out and logged once per generation. */
void cert_expiry_follow(struct cert_expiry *t, const struct generation *g);

/* Frees the entries; t itself is the caller's (zero-initialised before first use). */
void cert_expiry_clear(struct cert_expiry *t);

#endif
