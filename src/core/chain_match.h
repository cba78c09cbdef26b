/* chain_match: which signing chain of a running server configuration equals a chain of the
 * one replacing it, so that a derived context (a reload) shares what the implementation made of
 * it instead of parsing it again. Chains compare by content (unitls_signing_chain_equal, which
 * unitls_signing_chain_hash summarises): the index is the previous chains sorted by that hash,
 * so finding one costs O(log n) hashes and one content comparison per candidate. Built once per
 * derived context, on the thread building it. */
#ifndef UNITLS_CORE_CHAIN_MATCH_H
#define UNITLS_CORE_CHAIN_MATCH_H

#include <unitls/unitls.h>

struct chain_match;

/* An index over prev's chains (prev borrowed: it must outlive the index). NULL when out of
 * memory. */
struct chain_match *chain_match_new(const unitls_server_config *prev);
/* The position in prev of a chain equal to s, or -1 when none is. */
long chain_match_find(const struct chain_match *m, const unitls_signing_chain *s);
void chain_match_free(struct chain_match *m);

#endif
