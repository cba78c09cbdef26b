/* The GnuTLS implementation's table, registered as "gnutls" (src/builtin.c). Internal symbols
 * of this folder start with gtls_: the gnutls_ prefix is GnuTLS's own. */
#ifndef UNITLS_GNUTLS_GNUTLS_IMPL_H
#define UNITLS_GNUTLS_GNUTLS_IMPL_H

#include "core/impl.h"

extern const unitls_implementation gtls_implementation;

#endif
