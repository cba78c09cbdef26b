/* Session ticket keys shared by a fleet (added to PEP 748): servers that hold the same keys
 * resume each other's session tickets, so a client that lands on another machine behind a
 * balancer still resumes.
 *
 * A key set is text, one key per line, each the standard base64 (RFC 4648, canonical, with
 * its '=' padding) of 80 bytes: a 16-byte key name, a 32-byte AES-256 key, a 32-byte
 * HMAC-SHA256 key, in that order (HAProxy's tls-ticket-keys layout for 80-byte keys). At most
 * UNITLS_TICKET_KEYS_MAX keys; key names differ. The first key encrypts new tickets and every
 * key decrypts, so keys are rotated by putting a new first line in front of the others. A CR
 * before the end of a line, spaces and tabs around a key, blank lines and lines whose first
 * non-blank character is '#' are allowed; anything else is an error naming the line (never a
 * key's bytes).
 *
 * How an implementation uses the keys:
 *   openssl  AES-256-CBC and HMAC-SHA256 with the key whose name a ticket carries (RFC 5077's
 *            layout); a ticket decrypted by any key but the first is replaced by a new one.
 *   gnutls   GnuTLS 3.7 takes one 64-byte master key and no per-ticket callback, so its key
 *            is derived from the FIRST key only: HKDF-SHA256 (RFC 5869) with the 80 bytes as
 *            input keying material, no salt (32 zero bytes), the info "unitls gnutls session
 *            ticket key" (32 bytes, no NUL) and 64 bytes of output. Every server holding the
 *            same first key agrees; after a rotation, tickets made under an older first key do
 *            not resume (those clients make one full handshake; nothing fails).
 *
 * Like the credentials (credentials.h), a key set says where the keys come from: a buffer
 * (copied and checked at once) or a file, read and checked when a configuration holding it is
 * built; the configuration keeps that snapshot, so a changed file makes an unequal
 * configuration. A file must not be readable or writable by group or others (mode 0600 or
 * 0400), else the build fails naming the file and its mode. Key bytes are wiped when freed
 * and are in no message. */
#ifndef UNITLS_TICKET_KEYS_H
#define UNITLS_TICKET_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/config.h>
#include <unitls/credentials.h>
#include <unitls/export.h>
#include <unitls/status.h>

UNITLS_BEGIN_DECLS

typedef struct unitls_ticket_keys unitls_ticket_keys;

#define UNITLS_TICKET_KEY_SIZE 80 /* bytes of one key: 16 name, 32 AES, 32 HMAC */
#define UNITLS_TICKET_KEYS_MAX 8

/* A key set from len bytes of text (the file format above), copied and checked now: NULL with
 * UNITLS_ERR_CONFIGURATION and the line at fault in err for text that is not a key set (an
 * empty buffer included). */
UNITLS_API unitls_ticket_keys *unitls_ticket_keys_from_buffer(const void *text, size_t len,
                                                              unitls_error *err);
/* A key set read from path when a configuration holding it is built (which fails naming the
 * file, its mode or the line at fault). Empty path: UNITLS_ERR_CONFIGURATION. */
UNITLS_API unitls_ticket_keys *unitls_ticket_keys_from_file(const char *path, unitls_error *err);
UNITLS_API unitls_ticket_keys *unitls_ticket_keys_ref(unitls_ticket_keys *k);
UNITLS_API void unitls_ticket_keys_unref(unitls_ticket_keys *k);
UNITLS_API enum unitls_source unitls_ticket_keys_source(const unitls_ticket_keys *k);
/* The path for a file key set, else NULL. */
UNITLS_API const char *unitls_ticket_keys_path(const unitls_ticket_keys *k);
/* The number of keys: of a buffer, or of a file as read by the configuration holding it; 0 for
 * a file not read yet (and for NULL). */
UNITLS_API size_t unitls_ticket_keys_count(const unitls_ticket_keys *k);
/* Equal content (and, for files, equal paths). Two NULLs are equal. */
UNITLS_API int unitls_ticket_keys_equal(const unitls_ticket_keys *a, const unitls_ticket_keys *b);

/* The keys a server's tickets are made and opened with; NULL (the default) means keys the
 * server context makes at random when it is created, which no other context shares. The
 * builder takes its own reference; the keys are part of the configuration's equality and
 * hash. _build fails with UNITLS_ERR_CONFIGURATION when keys are set and session tickets are
 * off (unitls_server_config_builder_set_session_tickets(b, 0)). */
UNITLS_API unitls_status unitls_server_config_builder_set_session_ticket_keys(
    unitls_server_config_builder *b, unitls_ticket_keys *keys);
/* The configured key set (borrowed; a file's as read by _build), NULL when none. */
UNITLS_API unitls_ticket_keys *unitls_server_config_session_ticket_keys(
    const unitls_server_config *c);

UNITLS_END_DECLS

#endif
