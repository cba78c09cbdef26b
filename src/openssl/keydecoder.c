/* keydecoder: finding a private key block and decoding it with a decoder context kept across
 * calls. */
#include <stdlib.h>
#include <string.h>

#include <openssl/decoder.h>
#include <openssl/pem.h>

#include "keydecoder.h"

struct keydecoder {
    OSSL_DECODER_CTX *ctx;
    EVP_PKEY *decoded; /* where ctx writes each key it decodes */
};

struct keydecoder *keydecoder_new(void) { return calloc(1, sizeof(struct keydecoder)); }

void keydecoder_free(struct keydecoder *d)
{
    if (!d)
        return;
    OSSL_DECODER_CTX_free(d->ctx);
    EVP_PKEY_free(d->decoded);
    free(d);
}

static int no_password(char *buf, int size, int rwflag, void *arg)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)arg;
    return -1;
}

static int decoder_ready(struct keydecoder *d)
{
    if (d->ctx)
        return 1;
    d->ctx = OSSL_DECODER_CTX_new_for_pkey(&d->decoded, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL,
                                           NULL);
    if (d->ctx && OSSL_DECODER_CTX_set_pem_password_cb(d->ctx, no_password, NULL))
        return 1;
    OSSL_DECODER_CTX_free(d->ctx);
    d->ctx = NULL;
    return 0;
}

static const uint8_t *find(const uint8_t *from, const uint8_t *end, const char *s)
{
    return from < end ? memmem(from, (size_t)(end - from), s, strlen(s)) : NULL;
}

/* The first PEM block labelled "... PRIVATE KEY", from its BEGIN line to the end of its END
 * line's dashes. 0 when there is none. */
static int pem_key_block(const uint8_t *p, size_t len, const uint8_t **block, size_t *block_len)
{
    static const char tail[] = "PRIVATE KEY";
    const uint8_t *end = p + len, *begin = p;
    while ((begin = find(begin, end, "-----BEGIN "))) {
        const uint8_t *label = begin + 11, *label_end = find(label, end, "-----");
        if (!label_end)
            return 0;
        size_t label_len = (size_t)(label_end - label);
        if (label_len >= sizeof tail - 1 &&
            memcmp(label_end - (sizeof tail - 1), tail, sizeof tail - 1) == 0) {
            const uint8_t *stop = find(label_end + 5, end, "-----END ");
            const uint8_t *stop_end = stop ? find(stop + 9, end, "-----") : NULL;
            if (!stop_end)
                return 0;
            *block = begin;
            *block_len = (size_t)(stop_end + 5 - begin);
            return 1;
        }
        begin = label_end + 5;
    }
    return 0;
}

int keydecoder_decode(struct keydecoder *d, const uint8_t *material, size_t len, EVP_PKEY **out)
{
    const uint8_t *data = material;
    size_t data_len = len;
    if (memmem(material, len, "-----BEGIN ", 11) &&
        !pem_key_block(material, len, &data, &data_len))
        return 0;
    if (!decoder_ready(d))
        return -1;
    EVP_PKEY_free(d->decoded);
    d->decoded = NULL;
    const unsigned char *p = data;
    if (!OSSL_DECODER_from_data(d->ctx, &p, &data_len) || !d->decoded)
        return -1;
    *out = d->decoded;
    d->decoded = NULL;
    return 1;
}
