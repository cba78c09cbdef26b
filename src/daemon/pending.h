/* pending: the bytes a slow peer could not take yet, for one direction of one connection.
 *
 * The store is allocated on the first pending_put and freed as soon as it is drained, so an
 * idle connection holds none. It never grows: it holds at most PENDING_CAPACITY bytes, and the
 * caller keeps under that by not reading the other side while anything is kept (conn.h).
 * Bytes leave from the front (pending_consume); a put after a partial drain first moves what
 * is left to the start, so a put never fails for lack of room at the end alone.
 *
 * Not thread-safe: a store belongs to its connection's worker. */
#ifndef UNITLSD_PENDING_H
#define UNITLSD_PENDING_H

#include <stddef.h>
#include <stdint.h>

#define PENDING_CAPACITY (64u * 1024u)

/* Zero-initialised: empty, no store. */
struct pending {
    uint8_t *data;
    uint32_t start, end;
};

/* Bytes kept. */
size_t pending_len(const struct pending *p);

/* The first kept byte; valid until the next put, consume or free. NULL when none is kept. */
const uint8_t *pending_data(const struct pending *p);

/* Keeps a copy of n bytes after those already kept. 0, or -1 (nothing kept) when the store
 * cannot be allocated or n would take it past PENDING_CAPACITY. */
int pending_put(struct pending *p, const uint8_t *data, size_t n);

/* Replaces the first drop kept bytes (all of them when drop is more) with the n bytes of data,
 * ahead of the rest: a header made for one peer swapped for another's. 0, or -1 (nothing
 * changed) when the store cannot be allocated or the result would exceed PENDING_CAPACITY. */
int pending_replace_front(struct pending *p, size_t drop, const uint8_t *data, size_t n);

/* Drops the first n kept bytes (all of them when n is more); frees the store once none are
 * left. */
void pending_consume(struct pending *p, size_t n);

/* Drops everything and frees the store; p is empty and reusable afterwards. */
void pending_free(struct pending *p);

#endif
