/* ocsp_staple: each server context's current OCSP response per chain (its staple slots), and
 * what a server buffer's handshake staples.
 *
 * A staple is immutable once made: a loaded response and the implementation's verdict on it
 * (ocsp_internal.h), reference counted. A context's slots are made at its creation from its
 * configuration's responses and replaced one at a time by
 * unitls_server_context_set_ocsp_response. One mutex per context guards the slot pointers
 * only: a handshake takes it to add a reference to its chain's staple (no allocation, no I/O
 * under it), a replacement to swap a pointer; checking a response happens outside it. A
 * buffer keeps the reference to what it stapled until it is freed, so the bytes given to the
 * TLS library stay valid for as long as the connection lives. */
#ifndef UNITLS_CORE_OCSP_STAPLE_H
#define UNITLS_CORE_OCSP_STAPLE_H

#include <stddef.h>
#include <stdint.h>

#include "impl.h"

struct ocsp_slots;

/* The slots for cfg's chains, each checked by impl at creation. NULL with err filled on
 * running out of memory only: a response that is not valid is a verdict, not an error. */
struct ocsp_slots *ocsp_slots_new(const unitls_implementation *impl,
                                  const unitls_server_config *cfg, unitls_error *err);
void ocsp_slots_free(struct ocsp_slots *s);

/* The slots of a server context (context.c). */
struct ocsp_slots *server_context_ocsp_slots(const unitls_server_context *ctx);

/* For implementations, on a server buffer's handshake: */

/* The ClientHello asked for a staple (a status_request extension of type ocsp). */
void buffer_ocsp_requested(unitls_buffer *b);
/* Chain chain_index of the buffer's context serves this handshake. When the client asked,
 * records the chain's verdict now, and when that is VALID returns 1 with the response (valid
 * until b is freed) and its nextUpdate (seconds since the epoch), counting b as stapled;
 * returns 0 otherwise. */
int buffer_ocsp_staple(unitls_buffer *b, size_t chain_index, const uint8_t **der, size_t *len,
                       int64_t *next_update);
/* Drops what the buffer holds (unitls_buffer_free). */
void buffer_ocsp_release(unitls_buffer *b);

#endif
