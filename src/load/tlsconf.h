/* tlsconf: the one client configuration of a run, built from the options. Every worker makes
 * its own client context from it (so each worker's session memory is its own, and workers
 * share no mutable TLS state). */
#ifndef UNITLS_LOAD_TLSCONF_H
#define UNITLS_LOAD_TLSCONF_H

#include <unitls/unitls.h>

#include "options.h"

/* Session resumption is on in resume mode only: every other mode measures full handshakes.
 * --insecure and --insecure-legacy go through insecure.h, so the library raises its
 * SecurityWarning. NULL with
 * err filled when a value cannot work (an unreadable CA file, a suite the library refuses). */
unitls_client_config *tlsconf_build(const struct load_options *o, unitls_error *err);

#endif
