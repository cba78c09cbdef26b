/* Filling unitls_error records and naming statuses. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *const status_names[] = {
    [UNITLS_OK] = "UNITLS_OK",
    [UNITLS_WANT_READ] = "UNITLS_WANT_READ",
    [UNITLS_WANT_WRITE] = "UNITLS_WANT_WRITE",
    [UNITLS_RAGGED_EOF] = "UNITLS_RAGGED_EOF",
    [UNITLS_ERR_CONFIGURATION] = "UNITLS_ERR_CONFIGURATION",
    [UNITLS_ERR_TLS] = "UNITLS_ERR_TLS",
    [UNITLS_ERR_CERTIFICATE] = "UNITLS_ERR_CERTIFICATE",
    [UNITLS_ERR_INVALID] = "UNITLS_ERR_INVALID",
    [UNITLS_ERR_NOMEM] = "UNITLS_ERR_NOMEM",
    [UNITLS_ERR_IO] = "UNITLS_ERR_IO",
};

const char *unitls_status_name(unitls_status status)
{
    size_t i = (size_t)status;
    if (i >= sizeof status_names / sizeof status_names[0])
        return "UNITLS_UNKNOWN";
    return status_names[i];
}

int unitls_status_is_tls_error(unitls_status status)
{
    switch (status) {
    case UNITLS_WANT_READ:
    case UNITLS_WANT_WRITE:
    case UNITLS_RAGGED_EOF:
    case UNITLS_ERR_CONFIGURATION:
    case UNITLS_ERR_TLS:
    case UNITLS_ERR_CERTIFICATE:
        return 1;
    default:
        return 0;
    }
}

void unitls_error_clear(unitls_error *err)
{
    if (!err)
        return;
    err->status = UNITLS_OK;
    err->message[0] = '\0';
    err->impl_code = 0;
}

unitls_status error_set(unitls_error *err, unitls_status status, long impl_code,
                        const char *fmt, ...)
{
    if (!err)
        return status;
    err->status = status;
    err->impl_code = impl_code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

void error_copy(unitls_error *dst, const unitls_error *src)
{
    if (dst && src && dst != src)
        memcpy(dst, src, sizeof *dst);
}
