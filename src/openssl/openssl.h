/* The OpenSSL implementation of libunitls ("openssl", the default). The only part of the
 * library that includes OpenSSL's headers is this folder; nothing OpenSSL-specific leaves it. */
#ifndef UNITLS_OPENSSL_OPENSSL_H
#define UNITLS_OPENSSL_OPENSSL_H

#include "core/impl.h"

extern const unitls_implementation openssl_implementation;

#endif
