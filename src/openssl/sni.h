/* sni: which of a server's signing chains serve a client's server name.
 *
 * Names come from each leaf: its DNS subjectAltNames, or its subject CN when it has no
 * subjectAltName extension. A name selects a set of chains, at most one per key type (RSA,
 * RSA-PSS, ECDSA, Ed25519, Ed448, other), the first configured chain winning a type; OpenSSL
 * then serves the one the client can use (ECDSA when it can, else RSA). Selection: the exact
 * name (case-insensitive, one trailing dot ignored), else a wildcard "*.rest" for a name with
 * exactly one label before "rest", else the default set: the first chain's (with the chains of
 * other key types that share its first name).
 *
 * The table is built once per server context and read-only after, so any thread may look up.
 * Lookups are binary searches over sorted arrays: O(log n) in the number of names. */
#ifndef UNITLS_OPENSSL_SNI_H
#define UNITLS_OPENSSL_SNI_H

#include <stddef.h>
#include <stdint.h>

#include "resolve.h"

#define SNI_KEY_TYPES 6
#define SNI_NAME_MAX 255

struct cert_set {
    uint32_t chain[SNI_KEY_TYPES]; /* indices into the server's chains, in configured order */
    uint8_t n;
    uint8_t types;                 /* bit mask of the key types present */
};

struct sni_table;

/* Builds the table for n resolved chains (n >= 1). UNITLS_ERR_NOMEM on failure. */
unitls_status sni_table_build(const struct resolved_chain *chains, size_t n,
                              struct sni_table **out, unitls_error *err);
/* The set serving name (len bytes, not NUL-terminated); the default set when nothing matches
 * or name is NULL. Never NULL. */
const struct cert_set *sni_table_select(const struct sni_table *t, const char *name, size_t len);
const struct cert_set *sni_table_default(const struct sni_table *t);
size_t sni_table_n_names(const struct sni_table *t);
void sni_table_free(struct sni_table *t);

#endif
