/* Filling unitls_error records. Every failing call in the library reports through here so
 * messages read alike: what failed, the name involved, and why. */
#ifndef UNITLS_CORE_ERROR_H
#define UNITLS_CORE_ERROR_H

#include <unitls/status.h>

/* Writes status, impl_code and a printf-style message into err (no-op when err is NULL) and
 * returns status, so callers can `return error_set(err, ...)`. */
unitls_status error_set(unitls_error *err, unitls_status status, long impl_code,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Copies src into dst when dst is not NULL. */
void error_copy(unitls_error *dst, const unitls_error *src);

#endif
