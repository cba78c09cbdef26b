/* tickets: session tickets of an OpenSSL server context: how many, and whose keys seal them.
 * Without configured keys OpenSSL's own random keys (made with the SSL_CTX) seal them; with a
 * key set (ticket_keys.h) a ticket callback does, so every context holding the same set opens
 * the others' tickets. */
#ifndef UNITLS_OPENSSL_TICKETS_H
#define UNITLS_OPENSSL_TICKETS_H

#include <openssl/ssl.h>
#include <unitls/ticket_keys.h>

struct ticket_key_set;

/* Sets ctx's ticket count, cache mode and session id context from cfg, and with configured
 * keys parses them into a new set (*keys, which the caller frees with
 * openssl_tickets_free after ctx) and installs the callback that uses it; *keys stays NULL
 * without keys. The callback finds the set through ctx's app data, which this takes. */
unitls_status openssl_tickets_apply(SSL_CTX *ctx, const unitls_server_config *cfg,
                                    struct ticket_key_set **keys, unitls_error *err);
/* Wipes and frees a set openssl_tickets_apply made (NULL: nothing). */
void openssl_tickets_free(struct ticket_key_set *keys);

#endif
