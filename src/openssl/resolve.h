/* resolve: the library's credentials (certificates, keys, trust stores, signing chains) turned
 * into OpenSSL objects, once, when a context is built or a configuration validated.
 *
 * Material is the snapshot the configuration took (buffer or file content), PEM (any number of
 * certificates) or DER; ids are OSSL_STORE URIs (idstore.h). Encrypted keys are refused rather
 * than prompted for. Messages name the object: its file path, "buffer", or its id. */
#ifndef UNITLS_OPENSSL_RESOLVE_H
#define UNITLS_OPENSSL_RESOLVE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <unitls/unitls.h>

#include "keydecoder.h"

struct resolved_chain {
    X509 *leaf;
    EVP_PKEY *key;
    STACK_OF(X509) *chain; /* intermediates in order: those following the leaf in its own
                            * material, then those of the signing chain */
};

/* Resolves a signing chain, decoding keys with kd (one per context build). When the chain has
 * no key, the key is taken from the leaf's own material (a PEM holding both, or an id naming
 * both). Fails with UNITLS_ERR_CONFIGURATION when something cannot be read or the key does not
 * match the leaf. out is untouched on failure. */
unitls_status resolve_chain(struct keydecoder *kd, const unitls_signing_chain *s,
                            struct resolved_chain *out, unitls_error *err);
void resolved_chain_clear(struct resolved_chain *c);
/* The certificates of a signing chain without its key (for OCSP): the leaf first, then those
 * following it in its material, then the chain's intermediates. *out untouched on failure. */
unitls_status resolve_chain_certificates(const unitls_signing_chain *s, STACK_OF(X509) **out,
                                        unitls_error *err);

/* A new X509_STORE with the trust store's certificates (t NULL or a system store: OpenSSL's
 * default paths). When ca_names is not NULL it receives the subjects of a non-system store's
 * certificates (for a server's certificate request), or NULL for the system store. */
unitls_status resolve_trust_store(const unitls_trust_store *t, X509_STORE **store,
                                  STACK_OF(X509_NAME) **ca_names, unitls_error *err);

/* Adds crl's CRLs (PEM or DER, one or more) to store and turns on checking of every
 * certificate of the peer's chain (X509_V_FLAG_CRL_CHECK_ALL, as GnuTLS does; the server's
 * verify callback lets a certificate whose issuer has no CRL pass). UNITLS_ERR_CONFIGURATION
 * naming the CRL when it cannot be read, a CRL is past its nextUpdate or not signed by a CA in
 * store. */
unitls_status resolve_crls(X509_STORE *store, const unitls_crl *crl, unitls_error *err);

#endif
