/* Atomic reference counts shared by every immutable object of the library. */
#ifndef UNITLS_CORE_REFCOUNT_H
#define UNITLS_CORE_REFCOUNT_H

#include <stdatomic.h>

typedef struct refcount {
    atomic_uint n;
} refcount;

static inline void refcount_init(refcount *r) { atomic_init(&r->n, 1u); }

static inline void refcount_inc(refcount *r)
{
    atomic_fetch_add_explicit(&r->n, 1u, memory_order_relaxed);
}

/* True when this was the last reference: the caller frees the object. The acquire fence makes
 * every other thread's writes before its unref visible to the freeing thread. */
static inline int refcount_dec(refcount *r)
{
    if (atomic_fetch_sub_explicit(&r->n, 1u, memory_order_release) != 1u)
        return 0;
    atomic_thread_fence(memory_order_acquire);
    return 1;
}

#endif
