/* The implementations compiled into libunitls, the default first. This file is the only one
 * that knows them all: the core reaches them through this table, the implementations know
 * only the core. configure decides which are built (--without-openssl, --without-gnutls). */
#include "config.h"

#include "core/impl.h"
#ifdef HAVE_OPENSSL
#include "openssl/openssl.h"
#endif
#ifdef HAVE_GNUTLS
#include "gnutls/gnutls_impl.h"
#endif

const unitls_implementation *const builtin_implementations[] = {
#ifdef HAVE_OPENSSL
    &openssl_implementation,
#endif
#ifdef HAVE_GNUTLS
    &gtls_implementation,
#endif
    NULL,
};
