/* ticket_key_file: the text of a session ticket key set (ticket_keys.h states the format)
 * into keys. The core checks a key set with it when one is made or loaded; an implementation
 * parses the configured set into its own copy when it builds a server context, and wipes that
 * copy when the context goes. Nothing here allocates, and no message holds a key's bytes. */
#ifndef UNITLS_CORE_TICKET_KEY_FILE_H
#define UNITLS_CORE_TICKET_KEY_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/ticket_keys.h>

#define TICKET_KEY_NAME_SIZE 16
#define TICKET_KEY_AES_SIZE 32
#define TICKET_KEY_HMAC_SIZE 32

/* One key, in the file's order. */
struct ticket_key {
    uint8_t name[TICKET_KEY_NAME_SIZE];
    uint8_t aes[TICKET_KEY_AES_SIZE];
    uint8_t hmac[TICKET_KEY_HMAC_SIZE];
};

_Static_assert(sizeof(struct ticket_key) == UNITLS_TICKET_KEY_SIZE, "a ticket key is 80 bytes");

/* The keys of one set: keys[0] encrypts, all decrypt. */
struct ticket_key_set {
    size_t n;
    struct ticket_key keys[UNITLS_TICKET_KEYS_MAX];
};

/* Parses the len bytes of text into *out: 0, or -1 with *out wiped and why (cap bytes) saying
 * what is wrong and on which line ("line 3: not base64 at column 17"). */
int ticket_key_file_parse(const uint8_t *text, size_t len, struct ticket_key_set *out,
                          char *why, size_t cap);

/* Zeroes every byte of set in a way the compiler keeps. */
void ticket_key_set_wipe(struct ticket_key_set *set);

#endif
