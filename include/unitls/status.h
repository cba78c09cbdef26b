/* Statuses and errors: PEP 748's TLSError hierarchy rendered as a status code plus an
 * optional, caller-owned error record. No global or thread-local error state exists: a failed
 * call fills the unitls_error the caller passed (when not NULL) or the object's own last error. */
#ifndef UNITLS_STATUS_H
#define UNITLS_STATUS_H

#include <unitls/export.h>

UNITLS_BEGIN_DECLS

typedef enum unitls_status {
    UNITLS_OK = 0,
    UNITLS_WANT_READ,          /* WantReadError: feed more incoming bytes, then call again */
    UNITLS_WANT_WRITE,         /* WantWriteError: drain outgoing bytes, then call again */
    UNITLS_RAGGED_EOF,         /* RaggedEOF: transport EOF without close_notify */
    UNITLS_ERR_CONFIGURATION,  /* ConfigurationError: the configuration can never work */
    UNITLS_ERR_TLS,            /* any other TLS error: handshake failure, alert, bad record */
    UNITLS_ERR_CERTIFICATE,    /* peer verification failed (a TLS error) */
    UNITLS_ERR_INVALID,        /* bad argument, or a call in the wrong state */
    UNITLS_ERR_NOMEM,
    UNITLS_ERR_IO              /* an operating-system I/O error */
} unitls_status;

#define UNITLS_ERROR_MESSAGE_SIZE 256

typedef struct unitls_error {
    unitls_status status;
    char message[UNITLS_ERROR_MESSAGE_SIZE]; /* names the cause: file, name, what was expected */
    long impl_code;                          /* the implementation's own code, 0 if none */
} unitls_error;

/* The status's constant name ("UNITLS_WANT_READ"); "UNITLS_UNKNOWN" for a value out of range. */
UNITLS_API const char *unitls_status_name(unitls_status status);

/* True for the statuses PEP 748 derives from TLSError: everything but OK, ERR_INVALID,
 * ERR_NOMEM and ERR_IO. WANT_READ, WANT_WRITE and RAGGED_EOF are TLS errors in the PEP too. */
UNITLS_API int unitls_status_is_tls_error(unitls_status status);

/* Resets an error record to UNITLS_OK with an empty message. */
UNITLS_API void unitls_error_clear(unitls_error *err);

UNITLS_END_DECLS

#endif
