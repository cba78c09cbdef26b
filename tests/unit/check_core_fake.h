/* check_core_fake: two fake TLS implementations for check_core_dispatch, so the core's side of
 * src/core/impl.h (registry, validation, contexts, buffer dispatch) is tested with no TLS
 * library. check_core_fake.c also defines builtin_implementations (in place of src/builtin.c):
 * {fake-a, fake-b}.
 *   fake-a  accepts certificates and keys from buffers only, the system trust store only, and
 *           cannot derive server contexts;
 *   fake-b  accepts every source and derives server contexts.
 * Both refuse configurations naming FAKE_REFUSED_CIPHER (validation and context init alike),
 * record every call in fake_calls, and give buffers whose ops answer fixed, recognisable
 * values (see check_core_fake.c). */
#ifndef UNITLS_TESTS_CHECK_CORE_FAKE_H
#define UNITLS_TESTS_CHECK_CORE_FAKE_H

#include <stddef.h>
#include <stdint.h>

#include "core/impl.h"

#define FAKE_STATE_MAGIC 0x5eed
#define FAKE_REFUSED_CIPHER 0x00FF
#define FAKE_ALL_SOURCES (UNITLS_SOURCE_BUFFER | UNITLS_SOURCE_FILE | UNITLS_SOURCE_ID)

/* What the fakes were asked; tests reset it (each runs in its own process). */
struct fake_calls {
    int validate_client, validate_server;
    int client_init, client_fini, server_init, server_init_derived, server_fini;
    int buffer_new, buffer_free;
    const void *derived_from; /* the previous state handed to the last derived init */
    const char *last_op;      /* the name of the last buffer op called */
};
extern struct fake_calls fake_calls;

/* A context's state. */
struct fake_state {
    int magic;
};

/* A fake buffer: the core's base first, then what the ops record. */
struct fake_buffer {
    struct unitls_buffer base;
    char host[64];
    int has_host;
};

extern const unitls_implementation fake_a, fake_b;

#endif
