/* ticket_key: a configured key set into GnuTLS's master ticket key; ticket_key.h states the
 * contract and why only the first key counts. */
#include "ticket_key.h"

#include <gnutls/crypto.h>

#include "core/error.h"
#include "core/material.h"
#include "core/ticket_key_file.h"

#define SHA256_SIZE 32

/* HKDF-SHA256 of the 80 bytes of first into out (GTLS_TICKET_KEY_SIZE bytes): 0, or a GnuTLS
 * error. */
static int hkdf(const struct ticket_key *first, uint8_t *out)
{
    uint8_t salt_bytes[SHA256_SIZE] = {0};
    uint8_t prk[SHA256_SIZE];
    gnutls_datum_t ikm = {(unsigned char *)first, (unsigned)sizeof *first};
    gnutls_datum_t salt = {salt_bytes, (unsigned)sizeof salt_bytes};
    gnutls_datum_t info = {(unsigned char *)GTLS_TICKET_KEY_INFO,
                           (unsigned)(sizeof GTLS_TICKET_KEY_INFO - 1)};
    int r = gnutls_hkdf_extract(GNUTLS_MAC_SHA256, &ikm, &salt, prk);
    gnutls_datum_t prk_datum = {prk, (unsigned)sizeof prk};
    if (r == 0)
        r = gnutls_hkdf_expand(GNUTLS_MAC_SHA256, &prk_datum, &info, out, GTLS_TICKET_KEY_SIZE);
    material_wipe(prk, sizeof prk);
    return r;
}

unitls_status gtls_ticket_key_derive(const unitls_ticket_keys *keys, gnutls_datum_t *out,
                                     unitls_error *err)
{
    struct ticket_key_set set;
    if (ticket_keys_get(keys, &set, err) != 0)
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    uint8_t *key = gnutls_malloc(GTLS_TICKET_KEY_SIZE);
    int r = key ? hkdf(&set.keys[0], key) : GNUTLS_E_MEMORY_ERROR;
    ticket_key_set_wipe(&set);
    if (r < 0) {
        if (key) {
            material_wipe(key, GTLS_TICKET_KEY_SIZE);
            gnutls_free(key);
        }
        return error_set(err, r == GNUTLS_E_MEMORY_ERROR ? UNITLS_ERR_NOMEM : UNITLS_ERR_TLS, r,
                         "session ticket key: deriving GnuTLS's key: %s", gnutls_strerror(r));
    }
    out->data = key;
    out->size = GTLS_TICKET_KEY_SIZE;
    return UNITLS_OK;
}
