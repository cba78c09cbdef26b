/* iostore: a buffer's two byte stores (ciphertext from and for the network), shared by every
 * implementation: each connects them to its TLS library (OpenSSL through a BIO, iobio.h;
 * GnuTLS through its pull and push functions) with iostore_in_take and iostore_out_append.
 *
 * Incoming: one linear store of at most IOSTORE_INCOMING_LIMIT bytes. Data that does not fit
 * is refused whole (UNITLS_WANT_READ), as PEP 748 asks. The TLS library drains the store through
 * iostore_in_take into its own record buffer, also taking partial records, so any bound of
 * at least one byte makes progress; two records of the largest size TLS 1.2 allows let a caller
 * hand over large reads at once.
 *
 * Outgoing: a linear store that the TLS library fills through iostore_out_append and the caller
 * drains (copying, or peek/consume in place). It grows as needed; the buffer stops taking
 * plaintext while it holds IOSTORE_OUTGOING_HIGH_WATER bytes or more.
 *
 * Idle memory: a store is allocated when bytes arrive and freed as soon as it is empty again,
 * so an idle connection holds none of our memory. The cost is one malloc/free pair per batch of
 * incoming bytes and per drained outgoing flight, never one per record of a batch.
 *
 * A store belongs to one buffer and so to one thread at a time. */
#ifndef UNITLS_CORE_IOSTORE_H
#define UNITLS_CORE_IOSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <unitls/status.h>

/* Two TLS 1.2 records of the largest allowed size (header, 2^14 plaintext, 2048 expansion). */
#define IOSTORE_INCOMING_LIMIT (2u * (5u + 16384u + 2048u))
#define IOSTORE_OUTGOING_HIGH_WATER (64u * 1024u)

struct iostore {
    uint8_t *in;        /* IOSTORE_INCOMING_LIMIT bytes when allocated */
    size_t in_start, in_end;
    int in_reserved;    /* a reserve is outstanding: keep the store until its commit */
    uint8_t *out;
    size_t out_start, out_end, out_cap;
    int eof;            /* the transport ended: no byte will follow in_end */
    int out_of_memory;  /* the write callback could not grow the outgoing store */
};

size_t iostore_in_len(const struct iostore *io);
size_t iostore_out_len(const struct iostore *io);

/* Appends network bytes. UNITLS_WANT_READ, storing nothing, when they do not fit the bound;
 * UNITLS_ERR_NOMEM when the store cannot be allocated. */
unitls_status iostore_put(struct iostore *io, const void *data, size_t len);
/* The free room at the end of the incoming store (*cap may be 0 when full). */
unitls_status iostore_reserve(struct iostore *io, uint8_t **ptr, size_t *cap);
/* Marks n reserved bytes as stored; UNITLS_ERR_INVALID when n exceeds the room. */
unitls_status iostore_commit(struct iostore *io, size_t n);

/* The largest plaintext of one record, and room for what a record adds to it (header,
 * explicit nonce, tag, content type: with margin). */
#define IOSTORE_RECORD_PLAINTEXT_MAX 16384u
#define IOSTORE_RECORD_OVERHEAD_ROOM 64u

/* 1 when the outgoing store holds IOSTORE_OUTGOING_HIGH_WATER bytes or more: a buffer then
 * takes no plaintext (write says WANT_WRITE) until the caller drains it. */
int iostore_out_full(const struct iostore *io);
/* How much of len bytes of plaintext one write takes while the store is below the mark: at
 * most what keeps the store near the mark, but at least a full record (or len when smaller),
 * so records stay large. */
size_t iostore_write_chunk(const struct iostore *io, size_t len);
/* Makes room at once for chunk bytes of plaintext once they are records. -1 when out of
 * memory. */
int iostore_out_prepare_records(struct iostore *io, size_t chunk);

/* Makes room for at least len more outgoing bytes in one allocation (so a large write does
 * not grow the store record by record). 0, or -1 when out of memory. */
int iostore_out_prepare(struct iostore *io, size_t len);
/* Moves up to cap outgoing bytes into dst; returns the count. */
size_t iostore_take(struct iostore *io, void *dst, size_t cap);
/* The contiguous outgoing bytes, in place (*ptr NULL and *len 0 when empty). */
void iostore_peek(const struct iostore *io, const uint8_t **ptr, size_t *len);
/* Drops n outgoing bytes; UNITLS_ERR_INVALID when fewer are buffered. */
unitls_status iostore_consume(struct iostore *io, size_t n);

/* The TLS library's side. Moves up to cap incoming bytes into dst; returns the count (0 when
 * the store is empty: the caller tells "wait for more" from "transport ended" by io->eof). */
size_t iostore_in_take(struct iostore *io, void *dst, size_t cap);
/* Stores len outgoing bytes whole; -1 when the store cannot grow (io->out_of_memory is then
 * set, so the buffer reports UNITLS_ERR_NOMEM rather than a TLS error). */
int iostore_out_append(struct iostore *io, const void *data, size_t len);

void iostore_release(struct iostore *io);

#endif
