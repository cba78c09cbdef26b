/* idstore: loading certificates and keys named by OSSL_STORE URIs, once, at context init. */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/store.h>
#include <openssl/ui.h>

#include "core/cfgmsg.h"
#include "core/error.h"
#include "idstore.h"
#include "tls_error.h"

#define IDSTORE_URI_MAX 4096
#define IDSTORE_MAX_OBJECTS 100000 /* a bound on a misbehaving loader, far above any real store */

struct collect {
    STACK_OF(X509) *certs;
    EVP_PKEY **key;
    int found;
};

static void collect_info(OSSL_STORE_INFO *info, struct collect *c, int depth);

/* Loads every object of one URI. Returns 0, or -1 when the URI could not be opened. */
static int collect_uri(const char *uri, struct collect *c, int depth)
{
    OSSL_STORE_CTX *sc = OSSL_STORE_open_ex(uri, NULL, NULL, UI_null(), NULL, NULL, NULL, NULL);
    if (!sc)
        return -1;
    if (!c->certs)
        OSSL_STORE_expect(sc, OSSL_STORE_INFO_PKEY);
    else if (!c->key && depth > 0)
        OSSL_STORE_expect(sc, OSSL_STORE_INFO_CERT);
    for (int n = 0; n < IDSTORE_MAX_OBJECTS && !OSSL_STORE_eof(sc); n++) {
        OSSL_STORE_INFO *info = OSSL_STORE_load(sc);
        if (!info) {
            if (OSSL_STORE_error(sc))
                break;
            continue;
        }
        collect_info(info, c, depth);
        OSSL_STORE_INFO_free(info);
    }
    OSSL_STORE_close(sc);
    return 0;
}

static void collect_info(OSSL_STORE_INFO *info, struct collect *c, int depth)
{
    switch (OSSL_STORE_INFO_get_type(info)) {
    case OSSL_STORE_INFO_CERT:
        if (c->certs) {
            X509 *x = OSSL_STORE_INFO_get1_CERT(info);
            if (x && sk_X509_push(c->certs, x) > 0)
                c->found = 1;
            else
                X509_free(x);
        }
        break;
    case OSSL_STORE_INFO_PKEY:
        if (c->key && !*c->key && (*c->key = OSSL_STORE_INFO_get1_PKEY(info)))
            c->found = 1;
        break;
    case OSSL_STORE_INFO_NAME:
        /* A directory lists its files by name: follow one level (a trust store directory). */
        if (depth == 0 && c->certs && !c->key)
            collect_uri(OSSL_STORE_INFO_get0_NAME(info), c, depth + 1);
        break;
    default:
        break;
    }
}

unitls_status idstore_load(const uint8_t *id, size_t len, const char *what, STACK_OF(X509) *certs,
                           EVP_PKEY **key, unitls_error *err)
{
    char shown[256];
    describe_id(id, len, shown, sizeof shown);
    if (!id || len == 0 || len >= IDSTORE_URI_MAX || memchr(id, '\0', len))
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "%s %s: not a URI OSSL_STORE can open (1 to %d bytes, no NUL)", what,
                         shown, IDSTORE_URI_MAX - 1);
    char uri[IDSTORE_URI_MAX];
    memcpy(uri, id, len);
    uri[len] = '\0';
    ERR_clear_error();
    struct collect c = {certs, key, 0};
    int opened = collect_uri(uri, &c, 0);
    OPENSSL_cleanse(uri, sizeof uri); /* a pkcs11 URI may carry a PIN */
    if (opened != 0 && ERR_GET_REASON(ERR_peek_last_error()) == ERR_R_UNSUPPORTED) {
        ERR_clear_error();
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "%s %s: no OSSL_STORE loader handles its scheme (a provider or engine "
                         "for it must be configured in openssl.cnf)", what, shown);
    }
    if (opened != 0)
        return tls_error_from_queue_last(err, UNITLS_ERR_CONFIGURATION,
                                         "%s %s: OSSL_STORE cannot open it", what, shown);
    if (!c.found)
        return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "%s %s: holds no %s", what,
                                    shown, certs ? "certificate" : "private key");
    ERR_clear_error();
    return UNITLS_OK;
}
