/* The implementations compiled into libunitls, the default first. This file is the only one
 * that knows them all: the core reaches them through this table, the implementations know
 * only the core. configure decides which are built (--without-openssl, --without-gnutls).
 *
 * GnuTLS comes first where it is built: it passes every suite OpenSSL passes and costs less
 * per handshake and per idle connection (docs/performance.md, 2026-12-07). configure lists
 * UNITLS_IMPLEMENTATIONS in the same order. */
#include "config.h"

#include "core/impl.h"
#ifdef HAVE_OPENSSL
#include "openssl/openssl.h"
#endif
#ifdef HAVE_GNUTLS
#include "gnutls/gnutls_impl.h"
#endif

const unitls_implementation *const builtin_implementations[] = {
#ifdef HAVE_GNUTLS
    &gtls_implementation,
#endif
#ifdef HAVE_OPENSSL
    &openssl_implementation,
#endif
    NULL,
};
