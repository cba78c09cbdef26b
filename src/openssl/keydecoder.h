/* keydecoder: private keys from PEM or DER material through one reusable OSSL_DECODER context.
 * In OpenSSL 3.0 building a decoder context costs about ten times decoding a key with it
 * (PEM_read_bio_PrivateKey builds one per call: ~400 us against ~45 us per key), which matters
 * for a server loading thousands of chains. A decoder belongs to one context build (one
 * thread). It never prompts: encrypted keys fail. */
#ifndef UNITLS_OPENSSL_KEYDECODER_H
#define UNITLS_OPENSSL_KEYDECODER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

struct keydecoder;

/* NULL when out of memory. The decoder context itself is made on first use. */
struct keydecoder *keydecoder_new(void);
void keydecoder_free(struct keydecoder *d);

/* Decodes the first private key of the material: for PEM, the first block whose label ends in
 * "PRIVATE KEY" (other blocks, certificates included, are skipped); otherwise the whole as
 * DER (PKCS#8 or the key type's own structure). 1 with *out set (the caller frees it); 0 when
 * PEM material holds no private key block; -1 when decoding failed (OpenSSL's error queue may
 * say why). */
int keydecoder_decode(struct keydecoder *d, const uint8_t *material, size_t len, EVP_PKEY **out);

#endif
