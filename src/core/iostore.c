/* iostore: the incoming and outgoing byte stores of a buffer. See iostore.h for the bounds and
 * the memory policy. */
#include <stdlib.h>
#include <string.h>

#include "iostore.h"

#define OUTGOING_MIN_ALLOC 4096u

size_t iostore_in_len(const struct iostore *io) { return io->in_end - io->in_start; }

size_t iostore_out_len(const struct iostore *io) { return io->out_end - io->out_start; }

static void in_release_if_empty(struct iostore *io)
{
    if (io->in_start != io->in_end || io->in_reserved)
        return;
    free(io->in);
    io->in = NULL;
    io->in_start = io->in_end = 0;
}

static void out_release_if_empty(struct iostore *io)
{
    if (io->out_start != io->out_end)
        return;
    free(io->out);
    io->out = NULL;
    io->out_start = io->out_end = io->out_cap = 0;
}

/* Moves the unread incoming bytes to the front so the free room is contiguous. */
static void in_compact(struct iostore *io)
{
    size_t used = iostore_in_len(io);
    if (io->in_start == 0)
        return;
    if (used > 0)
        memmove(io->in, io->in + io->in_start, used);
    io->in_start = 0;
    io->in_end = used;
}

static int in_allocate(struct iostore *io)
{
    if (!io->in)
        io->in = malloc(IOSTORE_INCOMING_LIMIT);
    return io->in ? 0 : -1;
}

unitls_status iostore_put(struct iostore *io, const void *data, size_t len)
{
    if (len == 0)
        return UNITLS_OK;
    if (len > IOSTORE_INCOMING_LIMIT - iostore_in_len(io))
        return UNITLS_WANT_READ;
    if (in_allocate(io) != 0)
        return UNITLS_ERR_NOMEM;
    if (len > IOSTORE_INCOMING_LIMIT - io->in_end)
        in_compact(io);
    memcpy(io->in + io->in_end, data, len);
    io->in_end += len;
    return UNITLS_OK;
}

unitls_status iostore_reserve(struct iostore *io, uint8_t **ptr, size_t *cap)
{
    if (in_allocate(io) != 0)
        return UNITLS_ERR_NOMEM;
    in_compact(io);
    io->in_reserved = 1;
    *ptr = io->in + io->in_end;
    *cap = IOSTORE_INCOMING_LIMIT - io->in_end;
    return UNITLS_OK;
}

unitls_status iostore_commit(struct iostore *io, size_t n)
{
    if (!io->in_reserved || n > IOSTORE_INCOMING_LIMIT - io->in_end)
        return UNITLS_ERR_INVALID;
    io->in_end += n;
    io->in_reserved = 0;
    in_release_if_empty(io);
    return UNITLS_OK;
}

/* Makes room for len more outgoing bytes: first by moving drained space to the end, then by
 * growing to at least twice the capacity so a flight never grows one record at a time. */
static int out_make_room(struct iostore *io, size_t len)
{
    if (io->out_cap - io->out_end >= len)
        return 0;
    size_t used = iostore_out_len(io);
    if (io->out_start > 0) {
        memmove(io->out, io->out + io->out_start, used);
        io->out_start = 0;
        io->out_end = used;
        if (io->out_cap - used >= len)
            return 0;
    }
    if (len > SIZE_MAX / 2 - used)
        return -1;
    size_t cap = io->out_cap * 2;
    if (cap < used + len)
        cap = used + len;
    if (cap < OUTGOING_MIN_ALLOC)
        cap = OUTGOING_MIN_ALLOC;
    uint8_t *grown = realloc(io->out, cap);
    if (!grown)
        return -1;
    io->out = grown;
    io->out_cap = cap;
    return 0;
}

int iostore_out_prepare(struct iostore *io, size_t len) { return out_make_room(io, len); }

int iostore_out_full(const struct iostore *io)
{
    return iostore_out_len(io) >= IOSTORE_OUTGOING_HIGH_WATER;
}

size_t iostore_write_chunk(const struct iostore *io, size_t len)
{
    size_t room = IOSTORE_OUTGOING_HIGH_WATER - iostore_out_len(io);
    size_t chunk = len < room ? len : room;
    if (chunk < IOSTORE_RECORD_PLAINTEXT_MAX)
        chunk = len < IOSTORE_RECORD_PLAINTEXT_MAX ? len : IOSTORE_RECORD_PLAINTEXT_MAX;
    return chunk;
}

int iostore_out_prepare_records(struct iostore *io, size_t chunk)
{
    size_t records = chunk / IOSTORE_RECORD_PLAINTEXT_MAX + 1;
    return out_make_room(io, chunk + records * IOSTORE_RECORD_OVERHEAD_ROOM);
}

size_t iostore_take(struct iostore *io, void *dst, size_t cap)
{
    size_t n = iostore_out_len(io);
    if (n > cap)
        n = cap;
    if (n == 0)
        return 0;
    memcpy(dst, io->out + io->out_start, n);
    io->out_start += n;
    out_release_if_empty(io);
    return n;
}

void iostore_peek(const struct iostore *io, const uint8_t **ptr, size_t *len)
{
    *len = iostore_out_len(io);
    *ptr = *len ? io->out + io->out_start : NULL;
}

unitls_status iostore_consume(struct iostore *io, size_t n)
{
    if (n > iostore_out_len(io))
        return UNITLS_ERR_INVALID;
    io->out_start += n;
    out_release_if_empty(io);
    return UNITLS_OK;
}

void iostore_release(struct iostore *io)
{
    free(io->in);
    free(io->out);
    memset(io, 0, sizeof *io);
}

size_t iostore_in_take(struct iostore *io, void *dst, size_t cap)
{
    size_t n = iostore_in_len(io);
    if (n > cap)
        n = cap;
    if (n == 0)
        return 0;
    memcpy(dst, io->in + io->in_start, n);
    io->in_start += n;
    in_release_if_empty(io);
    return n;
}

int iostore_out_append(struct iostore *io, const void *data, size_t len)
{
    if (out_make_room(io, len) != 0) {
        io->out_of_memory = 1;
        return -1;
    }
    memcpy(io->out + io->out_end, data, len);
    io->out_end += len;
    return 0;
}
