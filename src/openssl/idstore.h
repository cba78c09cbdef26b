/* idstore: objects named by id. For this implementation an id is an OSSL_STORE URI:
 * "file:/path/to/pem" always works; "pkcs11:..." and other schemes work when the OpenSSL
 * configuration loads a provider (or engine) that registers the scheme. Loading never prompts:
 * a PIN, if any, must be part of the URI or the provider's configuration. */
#ifndef UNITLS_OPENSSL_IDSTORE_H
#define UNITLS_OPENSSL_IDSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <unitls/status.h>

/* Opens the URI in id (len bytes, not NUL-terminated) and appends every certificate it holds to
 * certs (when certs is not NULL) and stores the first private key in *key (when key is not
 * NULL; the caller frees it). A directory listing is followed one level down (trust stores).
 * what names the object in messages ("certificate id"). UNITLS_ERR_CONFIGURATION when the URI
 * cannot be opened or holds none of what was asked for. */
unitls_status idstore_load(const uint8_t *id, size_t len, const char *what, STACK_OF(X509) *certs,
                           EVP_PKEY **key, unitls_error *err);

#endif
