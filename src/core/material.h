/* The library-internal side of credentials: what implementations read and what configuration
 * builders do to snapshot files. Not part of the public API (hidden symbols). */
#ifndef UNITLS_CORE_MATERIAL_H
#define UNITLS_CORE_MATERIAL_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/credentials.h>
#include <unitls/ticket_keys.h>

struct ticket_key_set; /* ticket_key_file.h */

/* Zeroes len bytes at p in a way the compiler keeps: how every copy of key material is
 * cleared before its memory is freed or goes out of scope. */
void material_wipe(void *p, size_t len);

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
/* Also parses the keys: a file that is readable or writable by group or others, or whose text
 * is not a key set, fails naming the file and its mode or line. */
unitls_ticket_keys *ticket_keys_load(unitls_ticket_keys *k, unitls_error *err);

/* The keys of k (a buffer, or a loaded file) parsed into *set, which the caller wipes with
 * ticket_key_set_wipe when done: 0, or -1 with err filled (a file not loaded). */
int ticket_keys_get(const unitls_ticket_keys *k, struct ticket_key_set *set, unitls_error *err);

/* A 64-bit digest-derived hash of each object's content (0 for NULL). */
uint64_t certificate_hash(const unitls_certificate *c);
uint64_t private_key_hash(const unitls_private_key *k);
uint64_t trust_store_hash(const unitls_trust_store *t);
uint64_t crl_hash(const unitls_crl *c);
uint64_t ticket_keys_hash(const unitls_ticket_keys *k);

#endif
