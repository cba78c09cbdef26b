/* Warnings, above all PEP 748's SecurityWarning: raised every time an insecure configuration,
 * context or connection is created. The handler is process-wide (the one piece of global
 * state in the library, guarded by a lock); the default writes one line to stderr. */
#ifndef UNITLS_WARNING_H
#define UNITLS_WARNING_H

#include <unitls/export.h>

UNITLS_BEGIN_DECLS

enum unitls_warning_category {
    UNITLS_WARNING_SECURITY = 1
};

typedef void (*unitls_warning_handler)(enum unitls_warning_category category,
                                       const char *message, void *arg);

/* Installs fn (NULL restores the default stderr handler). Returns nothing; takes effect for
 * every warning raised after it returns. */
UNITLS_API void unitls_set_warning_handler(unitls_warning_handler fn, void *arg);

/* Raises a warning through the current handler. */
UNITLS_API void unitls_warn(enum unitls_warning_category category, const char *message);

UNITLS_END_DECLS

#endif
