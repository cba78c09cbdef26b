/* The run-time choice of TLS implementation (PEP 748's TLSImplementation). Implementations
 * are compiled into the library and found by name; each is a constant object that lives as
 * long as the process. */
#ifndef UNITLS_IMPLEMENTATION_H
#define UNITLS_IMPLEMENTATION_H

#include <stddef.h>
#include <unitls/config.h>
#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

typedef struct unitls_implementation unitls_implementation;

/* Which kind of object a source query is about. */
enum unitls_object_kind {
    UNITLS_OBJECT_CERTIFICATE,
    UNITLS_OBJECT_PRIVATE_KEY,
    UNITLS_OBJECT_TRUST_STORE
};

/* The default implementation (the first compiled in). Never NULL. */
UNITLS_API const unitls_implementation *unitls_implementation_default(void);
/* The implementation with this name, or NULL. */
UNITLS_API const unitls_implementation *unitls_implementation_find(const char *name);
/* The i-th compiled-in implementation, or NULL past the end. */
UNITLS_API const unitls_implementation *unitls_implementation_at(size_t i);
UNITLS_API const char *unitls_implementation_name(const unitls_implementation *impl);
/* A bit mask of enum unitls_source: the constructors this implementation accepts for kind. */
UNITLS_API unsigned unitls_implementation_supported_sources(const unitls_implementation *impl,
                                                            enum unitls_object_kind kind);
/* One line saying what the implementation supports (sources, id syntax). */
UNITLS_API const char *unitls_implementation_description(const unitls_implementation *impl);
/* UNITLS_OK when impl can use every constructor, cipher and version the configuration names;
 * UNITLS_ERR_CONFIGURATION with a message naming the first that it cannot. */
UNITLS_API unitls_status unitls_implementation_validate_client_config(
    const unitls_implementation *impl, const unitls_client_config *cfg, unitls_error *err);
UNITLS_API unitls_status unitls_implementation_validate_server_config(
    const unitls_implementation *impl, const unitls_server_config *cfg, unitls_error *err);

UNITLS_END_DECLS

#endif
