/* sni_table: which of a server's signing chains serve a client's server name, the same rules
 * for every implementation.
 *
 * Names come from each leaf: its DNS subjectAltNames, or its subject CN when it has no
 * subjectAltName extension; the implementation reads them from its parsed certificates and
 * adds them to a struct sni_names. A name selects a set of chains, at most one per key type
 * (RSA, RSA-PSS, ECDSA, Ed25519, Ed448, other), the first configured chain winning a type; the
 * TLS library then serves the one the client can use (ECDSA when it can, else RSA). Selection: the exact
 * name (case-insensitive, one trailing dot ignored), else a wildcard "*.rest" for a name with
 * exactly one label before "rest", else the default set: the first chain's (with the chains of
 * other key types that share its first name). A client's name that is not well-formed is never
 * looked up (sni_name_well_formed); sni_table_match says why a set was chosen, so that a strict
 * server can refuse everything but a covered name.
 *
 * The table is built once per server context and read-only after, so any thread may look up.
 * Lookups are binary searches over sorted arrays: O(log n) in the number of names. */
#ifndef UNITLS_CORE_SNI_TABLE_H
#define UNITLS_CORE_SNI_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include <unitls/status.h>

enum sni_key_type {
    SNI_KEY_RSA,
    SNI_KEY_RSA_PSS,
    SNI_KEY_ECDSA,
    SNI_KEY_ED25519,
    SNI_KEY_ED448,
    SNI_KEY_OTHER,
    SNI_KEY_TYPES
};
#define SNI_NAME_MAX 255

struct cert_set {
    uint32_t chain[SNI_KEY_TYPES]; /* indices into the server's chains, in configured order */
    uint8_t n;
    uint8_t types;                 /* bit mask of the key types present */
};

struct sni_names;
struct sni_table;

/* The names met while reading the chains' leaves. NULL when out of memory. */
struct sni_names *sni_names_new(void);
/* Records one certificate name (raw bytes, len of them) of chain. Names that cannot select
 * (empty, too long, holding NUL, partial wildcards such as "a*.example.net") are skipped.
 * -1 when out of memory. */
int sni_names_add(struct sni_names *l, uint32_t chain, const char *name, size_t len);
void sni_names_free(struct sni_names *l);

/* Builds the table for n_chains chains (n_chains >= 1) whose key types are key_types[i], from
 * the names in l (which the build empties; the caller still frees l). UNITLS_ERR_NOMEM on
 * failure. */
unitls_status sni_table_build(struct sni_names *l, const enum sni_key_type *key_types,
                              size_t n_chains, struct sni_table **out, unitls_error *err);
/* A client's server name is well-formed when, after one trailing dot is dropped, it is 1 to
 * 253 bytes of labels 1 to 63 bytes long separated by single dots, each byte an ASCII letter,
 * digit, hyphen or underscore (RFC 1123 host names, plus the '_' that real service names
 * carry). Anything else (empty, too long, an empty or 64-byte label, NUL, control, space or
 * non-ASCII bytes, "*") is malformed and never looked up. 1 when well-formed. */
#define SNI_HOST_MAX 253
#define SNI_LABEL_MAX 63
int sni_name_well_formed(const char *name, size_t len);

/* Why a set was chosen for a client's name. */
enum sni_match {
    SNI_MATCH_EXACT,      /* a chain names it */
    SNI_MATCH_WILDCARD,   /* a chain's "*.rest" covers it */
    SNI_MATCH_NO_NAME,    /* the client sent none: the default set */
    SNI_MATCH_UNCOVERED,  /* well-formed, but no chain covers it: the default set */
    SNI_MATCH_MALFORMED   /* not a well-formed name: the default set, never looked up */
};
/* The set serving name (len bytes, not NUL-terminated; NULL for none) and, in *match, why.
 * Never NULL; match may be NULL. A strict server refuses all but EXACT and WILDCARD. */
const struct cert_set *sni_table_match(const struct sni_table *t, const char *name, size_t len,
                                       enum sni_match *match);
/* sni_table_match without the reason. */
const struct cert_set *sni_table_select(const struct sni_table *t, const char *name, size_t len);
const struct cert_set *sni_table_default(const struct sni_table *t);
size_t sni_table_n_names(const struct sni_table *t);
/* 1 when the two sets hold the same chains in the same order. */
int cert_set_equal(const struct cert_set *a, const struct cert_set *b);

/* The host_name of a server_name extension's body (RFC 6066, section 3) as a ClientHello
 * carries it, or NULL when there is none or the body is malformed. Points into ext. */
const char *sni_extension_host_name(const uint8_t *ext, size_t len, size_t *name_len);
void sni_table_free(struct sni_table *t);

#endif
