/* fuzz_ticket_keys: the session ticket key reader (src/core/ticket_key_file.c) and the key set
 * made from a buffer (unitls_ticket_keys_from_buffer) on arbitrary bytes, as an operator's key
 * file. Seeds: one key, eight, a rotation with comments, blank lines and CRLF, and one of each
 * refusal (a ninth key, 48 bytes, a character outside base64, padding missing or inside, a
 * repeated name, comments only). Checked on every input, as ticket_key_file.h states: the
 * result is 0 or -1; an accepted set has 1 to 8 keys with distinct names, each the decoding of
 * a line of the input (its base64 is found in the input); a refused set is all zeros and its
 * reason is one of the reader's fixed forms, made of line and column numbers and fixed words
 * only, so no key byte can be in it; the key set object agrees with the reader. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/ticket_keys.h>

#include <nettle/base64.h>

#include "core/ticket_key_file.h"
#include "fuzz/fuzz_target.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

/* The base64 of len bytes of in, NUL-terminated (out holds BASE64_ENCODE_RAW_LENGTH(len) + 1). */
static void b64_encode(const uint8_t *in, size_t len, char *out)
{
    base64_encode_raw(out, len, in);
    out[BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
}

static void check_accepted(const struct ticket_key_set *set, const uint8_t *data, size_t size)
{
    if (set->n < 1 || set->n > UNITLS_TICKET_KEYS_MAX)
        fuzz_fail("ticket_key_file_parse: accepted %zu keys", set->n);
    for (size_t i = 0; i < set->n; i++) {
        char line[UNITLS_TICKET_KEY_SIZE / 3 * 4 + 8];
        b64_encode((const uint8_t *)&set->keys[i], UNITLS_TICKET_KEY_SIZE, line);
        if (!memmem(data, size, line, strlen(line)))
            fuzz_fail("ticket_key_file_parse: key %zu is not the decoding of any line", i);
        for (size_t j = 0; j < i; j++)
            if (memcmp(set->keys[i].name, set->keys[j].name, TICKET_KEY_NAME_SIZE) == 0)
                fuzz_fail("ticket_key_file_parse: keys %zu and %zu share a name", j, i);
    }
}

/* The reason after "line N: ". */
static int known_line_reason(const char *r)
{
    static const char *const forms[] = {"a key beyond the first ", "not base64 at column ",
                                        "decodes to ", ("the same key name (first 16 bytes) as "
                                                        "line ")};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (strncmp(r, forms[i], strlen(forms[i])) == 0)
            return 1;
    static const char length_form[] = " characters of base64, not a multiple of 4";
    size_t digits = strspn(r, "0123456789");
    return digits > 0 && strncmp(r + digits, length_form, sizeof length_form - 1) == 0;
}

static void check_refused(const struct ticket_key_set *set, const char *why)
{
    const uint8_t *p = (const uint8_t *)set;
    for (size_t i = 0; i < sizeof *set; i++)
        if (p[i])
            fuzz_fail("ticket_key_file_parse: a refused set was not wiped (byte %zu)", i);
    size_t digits = strncmp(why, "line ", 5) == 0 ? strspn(why + 5, "0123456789") : 0;
    if (strncmp(why, "no key (", 8) == 0)
        return;
    if (digits == 0 || strncmp(why + 5 + digits, ": ", 2) != 0 ||
        !known_line_reason(why + 7 + digits))
        fuzz_fail("ticket_key_file_parse: reason of no known form: %s", why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1); /* exactly size bytes: reads past show */
    if (!copy)
        abort();
    if (size)
        memcpy(copy, data, size);
    struct ticket_key_set set;
    char why[256] = "";
    int rc = ticket_key_file_parse(copy, size, &set, why, sizeof why);
    if (rc == 0)
        check_accepted(&set, copy, size);
    else if (rc == -1)
        check_refused(&set, why);
    else
        fuzz_fail("ticket_key_file_parse: returned %d", rc);
    unitls_error err;
    unitls_ticket_keys *k = unitls_ticket_keys_from_buffer(copy, size, &err);
    if ((k != NULL) != (rc == 0 && size > 0))
        fuzz_fail("unitls_ticket_keys_from_buffer: %s where the reader %s",
                  k ? "accepted" : "refused", rc == 0 ? "accepted" : "refused");
    if (k && unitls_ticket_keys_count(k) != set.n)
        fuzz_fail("unitls_ticket_keys_count: %zu, the reader %zu", unitls_ticket_keys_count(k),
                  set.n);
    unitls_ticket_keys_unref(k);
    ticket_key_set_wipe(&set);
    free(copy);
    return 0;
}
