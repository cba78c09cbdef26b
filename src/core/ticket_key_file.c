/* ticket_key_file: session ticket key text into keys; ticket_key_file.h states the contract.
 *
 * Each line is checked here first, so that an error can name the line and column at fault and
 * the length is known (and refused) before a byte is decoded; nettle then decodes it. Decoded
 * bytes only ever land in the caller's set or in stack memory wiped before return. */
#include "ticket_key_file.h"

#include <stdio.h>
#include <string.h>

#include <nettle/base64.h>

#include "material.h"

/* 80 bytes are 26 groups of three and a pair: 108 characters ending in one '='. */
#define KEY_B64_LEN (((UNITLS_TICKET_KEY_SIZE + 2) / 3) * 4)

/* One line of the text, without its LF, a CR before it, and surrounding spaces and tabs. */
struct line {
    const uint8_t *p;
    size_t len;
    size_t column; /* 1-based column of p[0] in the line as written */
};

static int blank(uint8_t c) { return c == ' ' || c == '\t'; }

/* The 6-bit value of a base64 character, or -1. */
static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* The line starting at text[*pos], which is moved past its LF. */
static struct line line_next(const uint8_t *text, size_t len, size_t *pos)
{
    size_t start = *pos, end = start;
    while (end < len && text[end] != '\n')
        end++;
    *pos = end < len ? end + 1 : end;
    if (end > start && text[end - 1] == '\r')
        end--;
    size_t first = start;
    while (first < end && blank(text[first]))
        first++;
    while (end > first && blank(text[end - 1]))
        end--;
    return (struct line){text + first, end - first, first - start + 1};
}

/* Checks l as the base64 of one key: 0, or -1 with why. Nothing is decoded yet. */
static int b64_check(const struct line *l, char *why, size_t cap)
{
    size_t pad = 0;
    while (pad < l->len && l->p[l->len - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < l->len; i++) {
        if (i < l->len - pad ? b64_value(l->p[i]) < 0 : i >= l->len - pad + 2) {
            snprintf(why, cap, "not base64 at column %zu", l->column + i);
            return -1;
        }
    }
    if (l->len % 4 != 0) {
        snprintf(why, cap, "%zu characters of base64, not a multiple of 4 ('=' padding "
                 "missing?); expected %d", l->len, KEY_B64_LEN);
        return -1;
    }
    size_t bytes = l->len / 4 * 3 - pad;
    if (bytes != UNITLS_TICKET_KEY_SIZE) {
        snprintf(why, cap, "decodes to %zu bytes; expected %d (16 name, 32 AES, 32 HMAC)", bytes,
                 UNITLS_TICKET_KEY_SIZE);
        return -1;
    }
    /* RFC 4648's canonical form: the bits of the last character past the last byte are zero,
     * so one key has one spelling and equal keys make equal files. */
    size_t last = l->len - pad - 1;
    if (pad > 0 && (b64_value(l->p[last]) & (pad == 1 ? 3 : 15)) != 0) {
        snprintf(why, cap, "not base64 at column %zu (not its canonical form: bits set past "
                 "the last byte)", l->column + last);
        return -1;
    }
    return 0;
}

/* Decodes a line b64_check accepted into out (BASE64_DECODE_LENGTH(KEY_B64_LEN) bytes, of
 * which the first UNITLS_TICKET_KEY_SIZE are the key). */
static void b64_decode(const struct line *l, uint8_t *out)
{
    struct base64_decode_ctx ctx;
    size_t n = 0;
    base64_decode_init(&ctx);
    base64_decode_update(&ctx, &n, out, l->len, (const char *)l->p);
    base64_decode_final(&ctx);
    material_wipe(&ctx, sizeof ctx); /* its word held the last bits */
}

/* Adds the key on line l (line number no) to set: 0, or -1 with why. */
static int key_add(struct ticket_key_set *set, const struct line *l, size_t no,
                   const size_t *lines, char *why, size_t cap)
{
    char reason[160];
    if (set->n == UNITLS_TICKET_KEYS_MAX) {
        snprintf(why, cap, "line %zu: a key beyond the first %d; at most %d keys", no,
                 UNITLS_TICKET_KEYS_MAX, UNITLS_TICKET_KEYS_MAX);
        return -1;
    }
    if (b64_check(l, reason, sizeof reason) != 0) {
        snprintf(why, cap, "line %zu: %s", no, reason);
        return -1;
    }
    uint8_t raw[BASE64_DECODE_LENGTH(KEY_B64_LEN)];
    b64_decode(l, raw);
    struct ticket_key *k = &set->keys[set->n];
    memcpy(k->name, raw, sizeof k->name);
    memcpy(k->aes, raw + sizeof k->name, sizeof k->aes);
    memcpy(k->hmac, raw + sizeof k->name + sizeof k->aes, sizeof k->hmac);
    material_wipe(raw, sizeof raw);
    for (size_t i = 0; i < set->n; i++) {
        if (memcmp(set->keys[i].name, k->name, sizeof k->name) == 0) {
            snprintf(why, cap, "line %zu: the same key name (first 16 bytes) as line %zu; "
                     "each key needs its own", no, lines[i]);
            return -1;
        }
    }
    set->n++;
    return 0;
}

int ticket_key_file_parse(const uint8_t *text, size_t len, struct ticket_key_set *out,
                          char *why, size_t cap)
{
    size_t lines[UNITLS_TICKET_KEYS_MAX]; /* the line each key came from, for messages */
    size_t pos = 0, no = 0;
    memset(out, 0, sizeof *out);
    while (text && pos < len) {
        struct line l = line_next(text, len, &pos);
        no++;
        if (l.len == 0 || l.p[0] == '#')
            continue;
        if (out->n < UNITLS_TICKET_KEYS_MAX)
            lines[out->n] = no;
        if (key_add(out, &l, no, lines, why, cap) != 0) {
            ticket_key_set_wipe(out);
            return -1;
        }
    }
    if (out->n == 0) {
        snprintf(why, cap, "no key (%zu lines, none a key); expected 1 to %d lines of base64",
                 no, UNITLS_TICKET_KEYS_MAX);
        return -1;
    }
    return 0;
}

void ticket_key_set_wipe(struct ticket_key_set *set)
{
    if (set)
        material_wipe(set, sizeof *set);
}
