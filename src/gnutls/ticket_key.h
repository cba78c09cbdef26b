/* ticket_key: GnuTLS's session ticket key from a configured key set (ticket_keys.h).
 *
 * GnuTLS 3.7 seals tickets under one 64-byte master key (gnutls_session_ticket_enable_server)
 * and has no per-ticket key callback, so a set of keys cannot be handed to it: the master key
 * is derived from the set's FIRST key alone, the same way on every server, so servers sharing
 * a first key open each other's tickets. A ticket sealed before a rotation (under another
 * first key) is not opened: that client makes a full handshake. */
#ifndef UNITLS_GNUTLS_TICKET_KEY_H
#define UNITLS_GNUTLS_TICKET_KEY_H

#include <gnutls/gnutls.h>
#include <unitls/ticket_keys.h>

/* The info string of the derivation (no NUL), as docs/unitlsd.yaml.5 and ticket_keys.h say. */
#define GTLS_TICKET_KEY_INFO "unitls gnutls session ticket key"
#define GTLS_TICKET_KEY_SIZE 64

/* Derives the master key from keys' first key: HKDF-SHA256 (RFC 5869) of its 80 bytes, no
 * salt (HashLen zero bytes), info GTLS_TICKET_KEY_INFO, 64 bytes. *out gets a gnutls_malloc'd
 * key the caller wipes (gnutls_memset) and frees; on failure it is untouched and err says why.
 * Every intermediate copy of key material is wiped. */
unitls_status gtls_ticket_key_derive(const unitls_ticket_keys *keys, gnutls_datum_t *out,
                                     unitls_error *err);

#endif
