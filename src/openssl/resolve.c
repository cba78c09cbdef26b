/* resolve: parsing certificate and key material (PEM or DER) and ids into OpenSSL objects. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "core/cfgmsg.h"
#include "core/error.h"
#include "core/material.h"
#include "idstore.h"
#include "keydecoder.h"
#include "resolve.h"
#include "tls_error.h"

#define DESC_SIZE CFGMSG_DESC_SIZE

/* Encrypted PEM keys are refused: a library must never prompt on a terminal. */
static int no_password(char *buf, int size, int rwflag, void *arg)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)arg;
    return -1;
}

static int is_pem(const uint8_t *p, size_t len)
{
    return memmem(p, len, "-----BEGIN ", 11) != NULL;
}

static BIO *material_bio(const uint8_t *p, size_t len)
{
    return len <= INT_MAX ? BIO_new_mem_buf(p, (int)len) : NULL;
}

static int pem_ended_cleanly(void)
{
    unsigned long e = ERR_peek_last_error();
    return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

static unitls_status not_loaded(const char *desc, unitls_error *err)
{
    char msg[CFGMSG_SIZE];
    cfgmsg_format(CFGMSG_NOT_LOADED, desc, msg, sizeof msg);
    return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
}

/* Appends every certificate of PEM or DER material to out. */
static unitls_status certs_parse(const uint8_t *p, size_t len, const char *desc,
                                 STACK_OF(X509) *out, unitls_error *err)
{
    int before = sk_X509_num(out), ok = 1;
    if (is_pem(p, len)) {
        BIO *bio = material_bio(p, len);
        X509 *x;
        while (bio && (x = PEM_read_bio_X509(bio, NULL, no_password, NULL)))
            if (sk_X509_push(out, x) <= 0) {
                X509_free(x);
                break;
            }
        ok = bio && pem_ended_cleanly();
        BIO_free(bio);
    } else {
        const unsigned char *q = p, *end = p + len;
        while (ok && q < end) {
            X509 *x = d2i_X509(NULL, &q, (long)(end - q));
            ok = x && sk_X509_push(out, x) > 0;
            if (!ok)
                X509_free(x);
        }
    }
    char msg[CFGMSG_SIZE];
    if (!ok) {
        cfgmsg_format(CFGMSG_UNREADABLE_CERTIFICATES, desc, msg, sizeof msg);
        return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "%s", msg);
    }
    ERR_clear_error();
    if (sk_X509_num(out) == before) {
        cfgmsg_format(CFGMSG_NO_CERTIFICATE, desc, msg, sizeof msg);
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
    }
    return UNITLS_OK;
}

/* Reads the first private key of PEM or DER material; quiet is for material that may hold no
 * key (a leaf's PEM): then a missing key is not an error but *out stays NULL. */
static unitls_status key_parse(struct keydecoder *kd, const uint8_t *p, size_t len,
                               const char *desc, int quiet, EVP_PKEY **out, unitls_error *err)
{
    if (quiet && !is_pem(p, len))
        return UNITLS_OK; /* DER certificate material cannot hold a key */
    int rc = keydecoder_decode(kd, p, len, out);
    if (rc == 1 || (rc == 0 && quiet)) {
        ERR_clear_error();
        return UNITLS_OK;
    }
    char msg[CFGMSG_SIZE];
    cfgmsg_format(rc == 0 ? CFGMSG_NO_PRIVATE_KEY : CFGMSG_UNREADABLE_PRIVATE_KEY, desc, msg,
                  sizeof msg);
    if (rc == 0)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
    return tls_error_from_queue_last(err, UNITLS_ERR_CONFIGURATION, "%s", msg);
}

/* Certificates of one certificate object into out; when key is not NULL, also the private key
 * its material or id may hold. */
static unitls_status certificate_resolve(struct keydecoder *kd, const unitls_certificate *c,
                                         STACK_OF(X509) *out, EVP_PKEY **key, unitls_error *err)
{
    char desc[DESC_SIZE];
    describe_certificate(c, desc, sizeof desc);
    size_t len = 0;
    if (unitls_certificate_source(c) == UNITLS_SOURCE_ID) {
        const uint8_t *id = unitls_certificate_id(c, &len);
        return idstore_load(id, len, "certificate id", out, key, err);
    }
    const uint8_t *content = unitls_certificate_content(c, &len);
    if (!content || len == 0)
        return not_loaded(desc, err);
    unitls_status st = certs_parse(content, len, desc, out, err);
    if (st == UNITLS_OK && key)
        st = key_parse(kd, content, len, desc, 1, key, err);
    return st;
}

static unitls_status key_resolve(struct keydecoder *kd, const unitls_private_key *k,
                                 EVP_PKEY **out, unitls_error *err)
{
    char desc[DESC_SIZE];
    describe_private_key(k, desc, sizeof desc);
    size_t len = 0;
    if (unitls_private_key_source(k) == UNITLS_SOURCE_ID) {
        const uint8_t *id = unitls_private_key_id(k, &len);
        return idstore_load(id, len, "private key id", NULL, out, err);
    }
    const uint8_t *material = private_key_material(k, &len);
    if (!material || len == 0)
        return not_loaded(desc, err);
    return key_parse(kd, material, len, desc, 0, out, err);
}

static unitls_status chain_check_key(const unitls_signing_chain *s, X509 *leaf, EVP_PKEY *key,
                                     unitls_error *err)
{
    char msg[CFGMSG_SIZE];
    if (!key) {
        char cert_desc[DESC_SIZE];
        describe_certificate(unitls_signing_chain_leaf(s), cert_desc, sizeof cert_desc);
        cfgmsg_format(CFGMSG_CHAIN_WITHOUT_KEY, cert_desc, msg, sizeof msg);
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
    }
    if (X509_check_private_key(leaf, key) == 1)
        return UNITLS_OK;
    cfgmsg_key_mismatch(s, msg, sizeof msg);
    return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "%s", msg);
}

void resolved_chain_clear(struct resolved_chain *c)
{
    X509_free(c->leaf);
    EVP_PKEY_free(c->key);
    sk_X509_pop_free(c->chain, X509_free);
    memset(c, 0, sizeof *c);
}

unitls_status resolve_chain(struct keydecoder *kd, const unitls_signing_chain *s,
                            struct resolved_chain *out, unitls_error *err)
{
    struct resolved_chain r = {NULL, NULL, sk_X509_new_null()};
    if (!r.chain)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "signing chain: out of memory");
    const unitls_private_key *k = unitls_signing_chain_key(s);
    unitls_status st = certificate_resolve(kd, unitls_signing_chain_leaf(s), r.chain,
                                           k ? NULL : &r.key, err);
    if (st == UNITLS_OK) {
        r.leaf = sk_X509_shift(r.chain); /* the leaf comes first; the rest are intermediates */
        if (k)
            st = key_resolve(kd, k, &r.key, err);
    }
    for (size_t i = 0; st == UNITLS_OK && i < unitls_signing_chain_length(s); i++)
        st = certificate_resolve(kd, unitls_signing_chain_intermediate(s, i), r.chain, NULL,
                                 err);
    if (st == UNITLS_OK)
        st = chain_check_key(s, r.leaf, r.key, err);
    if (st != UNITLS_OK) {
        resolved_chain_clear(&r);
        return st;
    }
    *out = r;
    return UNITLS_OK;
}

unitls_status resolve_chain_certificates(const unitls_signing_chain *s, STACK_OF(X509) **out,
                                        unitls_error *err)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    if (!certs)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "signing chain: out of memory");
    unitls_status st = certificate_resolve(NULL, unitls_signing_chain_leaf(s), certs, NULL, err);
    for (size_t i = 0; st == UNITLS_OK && i < unitls_signing_chain_length(s); i++)
        st = certificate_resolve(NULL, unitls_signing_chain_intermediate(s, i), certs, NULL, err);
    if (st != UNITLS_OK) {
        sk_X509_pop_free(certs, X509_free);
        return st;
    }
    *out = certs;
    return UNITLS_OK;
}

static unitls_status store_add_all(X509_STORE *store, STACK_OF(X509) *certs,
                                   STACK_OF(X509_NAME) *names, const char *desc,
                                   unitls_error *err)
{
    for (int i = 0; i < sk_X509_num(certs); i++) {
        X509 *x = sk_X509_value(certs, i);
        if (!X509_STORE_add_cert(store, x))
            return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "%s: certificate %d",
                                        desc, i);
        X509_NAME *name = names ? X509_NAME_dup(X509_get_subject_name(x)) : NULL;
        if (names && (!name || sk_X509_NAME_push(names, name) <= 0)) {
            X509_NAME_free(name);
            return error_set(err, UNITLS_ERR_NOMEM, 0, "%s: out of memory", desc);
        }
    }
    return UNITLS_OK;
}

static unitls_status trust_store_certs(const unitls_trust_store *t, const char *desc,
                                       STACK_OF(X509) *certs, unitls_error *err)
{
    size_t len = 0;
    if (unitls_trust_store_source(t) == UNITLS_SOURCE_ID) {
        const uint8_t *id = unitls_trust_store_id(t, &len);
        return idstore_load(id, len, "trust store id", certs, NULL, err);
    }
    const uint8_t *content = unitls_trust_store_content(t, &len);
    if (!content || len == 0)
        return not_loaded(desc, err);
    return certs_parse(content, len, desc, certs, err);
}

unitls_status resolve_trust_store(const unitls_trust_store *t, X509_STORE **store,
                                  STACK_OF(X509_NAME) **ca_names, unitls_error *err)
{
    X509_STORE *s = X509_STORE_new();
    if (!s)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "trust store: out of memory");
    if (!t || unitls_trust_store_source(t) == UNITLS_SOURCE_SYSTEM) {
        X509_STORE_set_default_paths(s);
        ERR_clear_error(); /* a missing default file or directory is not an error */
        *store = s;
        if (ca_names)
            *ca_names = NULL;
        return UNITLS_OK;
    }
    char desc[DESC_SIZE];
    describe_trust_store(t, desc, sizeof desc);
    STACK_OF(X509) *certs = sk_X509_new_null();
    STACK_OF(X509_NAME) *names = ca_names ? sk_X509_NAME_new_null() : NULL;
    unitls_status st = (!certs || (ca_names && !names))
                           ? error_set(err, UNITLS_ERR_NOMEM, 0, "%s: out of memory", desc)
                           : trust_store_certs(t, desc, certs, err);
    if (st == UNITLS_OK)
        st = store_add_all(s, certs, names, desc, err);
    sk_X509_pop_free(certs, X509_free);
    if (st != UNITLS_OK) {
        sk_X509_NAME_pop_free(names, X509_NAME_free);
        X509_STORE_free(s);
        return st;
    }
    *store = s;
    if (ca_names)
        *ca_names = names;
    return UNITLS_OK;
}

/* --- client certificate revocation lists --- */

/* Appends the CRLs of PEM (any number of X509 CRL blocks) or DER (one or several concatenated)
 * material; -1 when the material holds something else. */
static int crls_parse(const uint8_t *p, size_t len, STACK_OF(X509_CRL) *out)
{
    if (len > INT_MAX)
        return -1;
    BIO *bio = BIO_new_mem_buf(p, (int)len);
    if (!bio)
        return -1;
    int pem = memmem(p, len, "-----BEGIN ", 11) != NULL;
    X509_CRL *crl;
    while (BIO_pending(bio) > 0 &&
           (crl = pem ? PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL)
                      : d2i_X509_CRL_bio(bio, NULL))) {
        if (!sk_X509_CRL_push(out, crl)) {
            X509_CRL_free(crl);
            break;
        }
    }
    int complete = pem || BIO_pending(bio) == 0;
    BIO_free(bio);
    ERR_clear_error(); /* PEM reading ends with "no start line" */
    return complete ? sk_X509_CRL_num(out) : -1;
}

/* Whether a CA of store signed crl. The lookup by subject first makes a hashed directory
 * (the system store) load the candidates. */
static int crl_issuer_known(X509_STORE *store, X509_CRL *crl)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx && X509_STORE_CTX_init(ctx, store, NULL, NULL))
        X509_OBJECT_free(X509_STORE_CTX_get_obj_by_subject(ctx, X509_LU_X509,
                                                           X509_CRL_get_issuer(crl)));
    X509_STORE_CTX_free(ctx);
    int known = 0;
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
    for (int i = 0; !known && i < sk_X509_OBJECT_num(objs); i++) {
        X509 *ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
        known = ca && X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) == 0 &&
                X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1;
    }
    ERR_clear_error();
    return known;
}

unitls_status resolve_crls(X509_STORE *store, const unitls_crl *crl, unitls_error *err)
{
    char desc[DESC_SIZE], msg[CFGMSG_SIZE];
    describe_crl(crl, desc, sizeof desc);
    size_t len = 0;
    const uint8_t *content = unitls_crl_content(crl, &len);
    if (!content || len == 0)
        return not_loaded(desc, err);
    STACK_OF(X509_CRL) *crls = sk_X509_CRL_new_null();
    if (!crls)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "%s: out of memory", desc);
    enum cfgmsg m = CFGMSG_UNREADABLE_CRL;
    int failed = crls_parse(content, len, crls) <= 0;
    for (int i = 0; !failed && i < sk_X509_CRL_num(crls); i++) {
        X509_CRL *c = sk_X509_CRL_value(crls, i);
        const ASN1_TIME *next = X509_CRL_get0_nextUpdate(c);
        if (next && X509_cmp_current_time(next) < 0) {
            m = CFGMSG_CRL_EXPIRED;
            failed = 1;
        } else if (!crl_issuer_known(store, c)) {
            m = CFGMSG_CRL_UNKNOWN_ISSUER;
            failed = 1;
        } else if (!X509_STORE_add_crl(store, c)) {
            failed = 1;
        }
    }
    sk_X509_CRL_pop_free(crls, X509_CRL_free);
    if (!failed) {
        X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
        return UNITLS_OK;
    }
    cfgmsg_format(m, desc, msg, sizeof msg);
    return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "%s", msg);
}
