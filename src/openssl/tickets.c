/* tickets: an OpenSSL server's session tickets; tickets.h states the contract.
 *
 * With configured keys, tickets are sealed as OpenSSL seals them with its own keys (RFC 5077's
 * layout: key name, IV, AES-256-CBC, HMAC-SHA256), by the first key of the set; a ticket is
 * opened by the key its name picks. OpenSSL's default ticket callback works the same way,
 * which is what lets a key set stand in for it unchanged. */
#include "tickets.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/error.h"
#include "core/material.h"
#include "core/ticket_key_file.h"

static const unsigned char session_id_context[] = "unitls";

/* What OpenSSL's ticket key callback returns. */
#define TICKET_FAIL (-1)
#define TICKET_UNKNOWN 0 /* no key has that name: a full handshake */
#define TICKET_OK 1
#define TICKET_RENEW 2   /* opened by an older key: send a ticket sealed by the first */

_Static_assert(TICKET_KEY_NAME_SIZE == 16, "OpenSSL's ticket key names are 16 bytes");

/* Keys the cipher and MAC for k; 1 when both took. */
static int key_init(const struct ticket_key *k, unsigned char *iv, EVP_CIPHER_CTX *cipher,
                    EVP_MAC_CTX *mac, int enc)
{
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)k->hmac, sizeof k->hmac),
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end()};
    if (!EVP_MAC_CTX_set_params(mac, params))
        return 0;
    return enc ? EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), NULL, k->aes, iv) == 1
               : EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), NULL, k->aes, iv) == 1;
}

static int on_ticket_key(SSL *ssl, unsigned char *name, unsigned char *iv,
                         EVP_CIPHER_CTX *cipher, EVP_MAC_CTX *mac, int enc)
{
    const struct ticket_key_set *set = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
    if (!set || set->n == 0)
        return TICKET_FAIL;
    if (enc) {
        const struct ticket_key *k = &set->keys[0];
        if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1)
            return TICKET_FAIL;
        memcpy(name, k->name, sizeof k->name);
        return key_init(k, iv, cipher, mac, 1) ? TICKET_OK : TICKET_FAIL;
    }
    for (size_t i = 0; i < set->n; i++) {
        const struct ticket_key *k = &set->keys[i];
        if (memcmp(name, k->name, sizeof k->name) != 0)
            continue;
        if (!key_init(k, iv, cipher, mac, 0))
            return TICKET_FAIL;
        return i == 0 ? TICKET_OK : TICKET_RENEW;
    }
    return TICKET_UNKNOWN;
}

/* Parses cfg's keys into a new set and hands it to ctx's callback. */
static unitls_status keys_install(SSL_CTX *ctx, const unitls_ticket_keys *configured,
                                  struct ticket_key_set **keys, unitls_error *err)
{
    struct ticket_key_set *set = malloc(sizeof *set);
    if (!set)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "session ticket keys: out of memory");
    if (ticket_keys_get(configured, set, err) != 0) {
        free(set); /* the parser wiped it */
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    }
    SSL_CTX_set_app_data(ctx, set);
    if (!SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, on_ticket_key)) {
        openssl_tickets_free(set);
        SSL_CTX_set_app_data(ctx, NULL);
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "session ticket keys: OpenSSL refused the ticket key callback");
    }
    *keys = set;
    return UNITLS_OK;
}

unitls_status openssl_tickets_apply(SSL_CTX *ctx, const unitls_server_config *cfg,
                                    struct ticket_key_set **keys, unitls_error *err)
{
    unsigned tickets = unitls_server_config_session_tickets(cfg);
    SSL_CTX_set_num_tickets(ctx, tickets);
    if (tickets == 0)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_session_id_context(ctx, session_id_context, sizeof session_id_context - 1);
    const unitls_ticket_keys *configured = unitls_server_config_session_ticket_keys(cfg);
    if (!configured || tickets == 0)
        return UNITLS_OK;
    return keys_install(ctx, configured, keys, err);
}

void openssl_tickets_free(struct ticket_key_set *keys)
{
    ticket_key_set_wipe(keys);
    free(keys);
}
