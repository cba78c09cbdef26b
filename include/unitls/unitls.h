/* libunitls: PEP 748's unified TLS API in C. Including this header brings in the whole
 * public API except insecure.h. No public header names a TLS library: the implementation is
 * chosen at run time (see implementation.h). */
#ifndef UNITLS_UNITLS_H
#define UNITLS_UNITLS_H

#include <unitls/export.h>
#include <unitls/status.h>
#include <unitls/ciphers.h>
#include <unitls/groups.h>
#include <unitls/protocols.h>
#include <unitls/versions.h>
#include <unitls/credentials.h>
#include <unitls/config.h>
#include <unitls/implementation.h>
#include <unitls/context.h>
#include <unitls/buffer.h>
#include <unitls/socket.h>
#include <unitls/warning.h>
#include <unitls/ocsp.h>
#include <unitls/certificate_info.h>
#include <unitls/ticket_keys.h>

UNITLS_BEGIN_DECLS

/* The library's version, "MAJOR.MINOR.PATCH". */
UNITLS_API const char *unitls_version(void);

UNITLS_END_DECLS

#endif
