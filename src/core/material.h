/* The library-internal side of credentials: what implementations read and what configuration
 * builders do to snapshot files. Not part of the public API (hidden symbols). */
#ifndef UNITLS_CORE_MATERIAL_H
#define UNITLS_CORE_MATERIAL_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/credentials.h>

/* The private key's material (buffer, or file content as loaded by a configuration build);
 * NULL and *len = 0 for an id or an unloaded file key. Borrowed. */
const uint8_t *private_key_material(const unitls_private_key *k, size_t *len);

/* Snapshot loaders used by configuration builders. For a file object they read the file once
 * and return a new object holding path, content and digest; for any other source they return
 * a new reference to the same object. NULL with err filled (the path and OS reason, or an
 * empty file) on failure. */
unitls_certificate *certificate_load(unitls_certificate *c, unitls_error *err);
unitls_private_key *private_key_load(unitls_private_key *k, unitls_error *err);
unitls_trust_store *trust_store_load(unitls_trust_store *t, unitls_error *err);
unitls_crl *crl_load(unitls_crl *c, unitls_error *err);
unitls_signing_chain *signing_chain_load(unitls_signing_chain *s, unitls_error *err);

/* A 64-bit digest-derived hash of each object's content (0 for NULL). */
uint64_t certificate_hash(const unitls_certificate *c);
uint64_t private_key_hash(const unitls_private_key *k);
uint64_t trust_store_hash(const unitls_trust_store *t);
uint64_t crl_hash(const unitls_crl *c);

#endif
