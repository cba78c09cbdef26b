/* The implementations compiled into libunitls, the default first. This file is the only one
 * that knows them all: the core reaches them through this table, the implementations know
 * only the core. */
#include "core/impl.h"
#include "openssl/openssl.h"

const unitls_implementation *const builtin_implementations[] = {
    &openssl_implementation,
    NULL,
};
