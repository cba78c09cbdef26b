/* iobio: the BIO through which OpenSSL reads a buffer's incoming store and writes its outgoing
 * store (core/iostore.h). At the transport's EOF with the store empty a read fails without
 * retry and BIO_eof() says so, which OpenSSL reports as an unexpected EOF. Writes are never
 * retried: a record once built is stored whole, or the store records that it ran out of memory. */
#ifndef UNITLS_OPENSSL_IOBIO_H
#define UNITLS_OPENSSL_IOBIO_H

#include <openssl/bio.h>

#include "core/iostore.h"

/* The BIO method over an iostore. One per context: created at context init, freed at fini
 * after the last buffer (buffers hold a context reference). NULL when out of memory. */
BIO_METHOD *iobio_method_new(void);
/* A BIO reading from and writing to io (borrowed; io must outlive the BIO). */
BIO *iobio_new(BIO_METHOD *method, struct iostore *io);

#endif
