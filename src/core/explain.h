/* explain: why a handshake failed, the same rules and words for every implementation.
 *
 * The core keeps the peer's first flight (the first record it sent: a ClientHello for a
 * server, a ServerHello or an alert for a client; or the first bytes of a peer that does not
 * speak TLS) from the moment the bytes arrive until the handshake ends. A completed handshake
 * drops it unread; only a failed one parses it (hello_inspect.h) and compares what the peer
 * offered or answered with what the configuration allows, adding the implementation's facts
 * (impl.h: alerts, the certificate check that failed). The result is one of the public enum
 * unitls_handshake_failure's reasons, facts as key=value pairs, and a sentence that replaces
 * the head of the buffer's last error ("version: server answered TLS 1.0 ...").
 *
 * Cost on a good connection: one allocation and one copy of the first record per handshake,
 * and a flag test per incoming batch afterwards. */
#ifndef UNITLS_CORE_EXPLAIN_H
#define UNITLS_CORE_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "impl.h"

/* Keeps incoming bytes while the first flight is incomplete (sets b->first_flight_done once it
 * is whole or cannot be kept: out of memory, or nothing to keep once the handshake is done). */
void explain_keep(unitls_buffer *b, const uint8_t *data, size_t len);
/* The handshake completed: drops the first flight. */
void explain_release(unitls_buffer *b);
/* The handshake failed with b->last_error: classifies it once and rewrites the message. */
void explain_failure(unitls_buffer *b);
/* The classification (NONE while the handshake has not failed) and its facts, as
 * unitls_buffer_handshake_failure documents. */
enum unitls_handshake_failure explain_result(const unitls_buffer *b, char *facts, size_t cap);
/* Frees what the buffer holds of this module. */
void explain_free(unitls_buffer *b);

#endif
