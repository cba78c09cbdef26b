/* pending: a slow peer's kept bytes; see pending.h for the contract. */
#include "daemon/pending.h"

#include <stdlib.h>
#include <string.h>

size_t pending_len(const struct pending *p) { return p->end - p->start; }

const uint8_t *pending_data(const struct pending *p)
{
    return pending_len(p) > 0 ? p->data + p->start : NULL;
}

int pending_put(struct pending *p, const uint8_t *data, size_t n)
{
    if (n == 0)
        return 0;
    if (n > PENDING_CAPACITY - pending_len(p))
        return -1;
    if (!p->data && !(p->data = malloc(PENDING_CAPACITY)))
        return -1;
    if (p->start > 0) {
        memmove(p->data, p->data + p->start, pending_len(p));
        p->end -= p->start;
        p->start = 0;
    }
    memcpy(p->data + p->end, data, n);
    p->end += (uint32_t)n;
    return 0;
}

int pending_replace_front(struct pending *p, size_t drop, const uint8_t *data, size_t n)
{
    size_t len = pending_len(p);
    size_t rest = len - (drop < len ? drop : len);
    if (n > PENDING_CAPACITY - rest)
        return -1;
    if (n == 0) {
        pending_consume(p, len - rest);
        return 0;
    }
    if (!p->data && !(p->data = malloc(PENDING_CAPACITY)))
        return -1;
    uint32_t rest_at = p->end - (uint32_t)rest;
    if (n <= rest_at) {
        p->start = rest_at - (uint32_t)n; /* room before the rest: no move */
    } else {
        memmove(p->data + n, p->data + rest_at, rest);
        p->start = 0;
        p->end = (uint32_t)(n + rest);
    }
    memcpy(p->data + p->start, data, n);
    return 0;
}

void pending_consume(struct pending *p, size_t n)
{
    p->start += (uint32_t)(n < pending_len(p) ? n : pending_len(p));
    if (pending_len(p) == 0)
        pending_free(p);
}

void pending_free(struct pending *p)
{
    free(p->data);
    p->data = NULL;
    p->start = p->end = 0;
}
