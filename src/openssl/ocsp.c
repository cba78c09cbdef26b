/* ocsp: judging OCSP responses, building requests and stapling, with OpenSSL. */
#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "core/ocsp_internal.h"
#include "core/ocsp_staple.h"
#include "ocsp_impl.h"
#include "resolve.h"

#define NAME_SIZE 128

/* The leaf and its issuer among a chain's certificates (borrowed from certs). */
struct leaf_pair {
    STACK_OF(X509) *certs;
    X509 *leaf;
    X509 *issuer; /* NULL when the chain does not carry it */
};

static void name_text(const X509_NAME *name, char *buf, size_t cap)
{
    BIO *bio = BIO_new(BIO_s_mem());
    buf[0] = '\0';
    if (bio && X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        int n = BIO_read(bio, buf, (int)(cap - 1));
        buf[n > 0 ? n : 0] = '\0';
    }
    BIO_free(bio);
}

static void cert_subject_text(const X509 *x, char *buf, size_t cap)
{
    name_text(X509_get_subject_name(x), buf, cap);
}

/* The chain's certificates, its leaf, and the leaf's issuer when the chain carries it. */
static unitls_status leaf_pair_resolve(const unitls_signing_chain *chain, struct leaf_pair *out,
                                       unitls_error *err)
{
    unitls_status st = resolve_chain_certificates(chain, &out->certs, err);
    if (st != UNITLS_OK)
        return st;
    out->leaf = sk_X509_value(out->certs, 0);
    out->issuer = NULL;
    for (int i = 1; !out->issuer && i < sk_X509_num(out->certs); i++) {
        X509 *candidate = sk_X509_value(out->certs, i);
        if (X509_check_issued(candidate, out->leaf) == X509_V_OK)
            out->issuer = candidate;
    }
    ERR_clear_error();
    return UNITLS_OK;
}

static int64_t asn1_time_seconds(const ASN1_GENERALIZEDTIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (int64_t)timegm(&tm);
}

static void serial_text(const ASN1_INTEGER *serial, char *buf, size_t cap)
{
    ocsp_serial_text(ASN1_STRING_get0_data(serial), (size_t)ASN1_STRING_length(serial), buf,
                     cap);
}

/* The single response about the leaf (its CertID made with the response's own hash), or NULL
 * with the serial the first one names in other_serial. */
static OCSP_SINGLERESP *single_find(OCSP_BASICRESP *basic, const struct leaf_pair *pair,
                                    char *other_serial, size_t cap)
{
    snprintf(other_serial, cap, "none: the response holds no certificate status");
    for (int i = 0; i < OCSP_resp_count(basic); i++) {
        OCSP_SINGLERESP *single = OCSP_resp_get0(basic, i);
        const OCSP_CERTID *id = OCSP_SINGLERESP_get0_id(single);
        ASN1_OBJECT *md_oid = NULL;
        ASN1_INTEGER *serial = NULL;
        OCSP_id_get0_info(NULL, &md_oid, NULL, &serial, (OCSP_CERTID *)id);
        if (i == 0 && serial)
            serial_text(serial, other_serial, cap);
        const EVP_MD *md = md_oid ? EVP_get_digestbyobj(md_oid) : NULL;
        OCSP_CERTID *ours = md ? OCSP_cert_to_id(md, pair->leaf, pair->issuer) : NULL;
        int same = ours && OCSP_id_cmp(ours, id) == 0;
        OCSP_CERTID_free(ours);
        if (same)
            return single;
    }
    return NULL;
}

/* 1 when signer's key made the response's signature. */
static int signed_by(OCSP_BASICRESP *basic, X509 *signer)
{
    STACK_OF(X509) *only = sk_X509_new_null();
    int ok = only && sk_X509_push(only, signer) > 0 &&
             OCSP_basic_verify(basic, only, NULL, OCSP_NOINTERN | OCSP_NOVERIFY) == 1;
    sk_X509_free(only);
    return ok;
}

static int is_ocsp_responder(X509 *x)
{
    return (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) &&
           (X509_get_extended_key_usage(x) & XKU_OCSP_SIGN);
}

static int within_validity(const X509 *x)
{
    return X509_cmp_current_time(X509_get0_notBefore(x)) < 0 &&
           X509_cmp_current_time(X509_get0_notAfter(x)) > 0;
}

/* A delegated responder's certificate: issued and signed by the issuer, in its validity, for
 * OCSP signing. 0 with info refused otherwise. */
static int responder_check(X509 *signer, X509 *issuer, struct unitls_ocsp_info *info)
{
    char name[NAME_SIZE];
    cert_subject_text(signer, name, sizeof name);
    if (X509_check_issued(issuer, signer) != X509_V_OK ||
        X509_verify(signer, X509_get0_pubkey(issuer)) != 1)
        ocsp_info_refuse(info, OCSP_PROBLEM_SIGNER_NOT_ISSUED, name);
    else if (!within_validity(signer))
        ocsp_info_refuse(info, OCSP_PROBLEM_SIGNER_TIME, name);
    else if (!is_ocsp_responder(signer))
        ocsp_info_refuse(info, OCSP_PROBLEM_SIGNER_NOT_RESPONDER, name);
    else
        return 1;
    return 0;
}

/* The certificate the responder ID names: among those the response carries, or the issuer;
 * NULL when neither. */
static X509 *signer_find(OCSP_BASICRESP *basic, X509 *issuer)
{
    STACK_OF(X509) *extra = sk_X509_new_null();
    X509 *signer = NULL;
    int found = extra && sk_X509_push(extra, issuer) > 0 &&
                OCSP_resp_get0_signer(basic, &signer, extra) == 1;
    sk_X509_free(extra);
    return found ? signer : NULL;
}

/* The signature: by the issuer, or by a responder the issuer delegated to. */
static int signature_check(OCSP_BASICRESP *basic, X509 *issuer, struct unitls_ocsp_info *info)
{
    X509 *signer = signer_find(basic, issuer);
    if (signer && X509_cmp(signer, issuer) != 0 && !responder_check(signer, issuer, info))
        return 0;
    if (signer && signed_by(basic, signer))
        return 1;
    char name[NAME_SIZE];
    cert_subject_text(issuer, name, sizeof name);
    ocsp_info_refuse(info, OCSP_PROBLEM_NOT_SIGNED_BY_ISSUER, name);
    return 0;
}

/* What the single response says of the leaf: good, with a nextUpdate. */
static void single_judge(OCSP_SINGLERESP *single, struct unitls_ocsp_info *info)
{
    int reason = 0;
    ASN1_GENERALIZEDTIME *revoked_at = NULL, *this_update = NULL, *next_update = NULL;
    int status = OCSP_single_get0_status(single, &reason, &revoked_at, &this_update,
                                         &next_update);
    info->this_update = asn1_time_seconds(this_update);
    info->next_update = asn1_time_seconds(next_update);
    if (status == V_OCSP_CERTSTATUS_REVOKED)
        ocsp_info_refuse(info, OCSP_PROBLEM_REVOKED, NULL);
    else if (status != V_OCSP_CERTSTATUS_GOOD)
        ocsp_info_refuse(info, OCSP_PROBLEM_UNKNOWN, NULL);
    else if (!next_update)
        ocsp_info_refuse(info, OCSP_PROBLEM_NO_NEXT_UPDATE, NULL);
    else
        ocsp_info_sound(info, info->this_update, info->next_update);
}

/* The checks on a successful basic response, in impl.h's order. */
static void basic_judge(OCSP_BASICRESP *basic, const unitls_signing_chain *chain,
                        struct unitls_ocsp_info *info)
{
    struct leaf_pair pair = {NULL, NULL, NULL};
    char text[NAME_SIZE];
    unitls_error err;
    unitls_error_clear(&err);
    if (leaf_pair_resolve(chain, &pair, &err) != UNITLS_OK) {
        ocsp_info_refuse(info, OCSP_PROBLEM_CHAIN, err.message);
        return;
    }
    OCSP_SINGLERESP *single = NULL;
    if (!pair.issuer) {
        name_text(X509_get_issuer_name(pair.leaf), text, sizeof text);
        ocsp_info_refuse(info, OCSP_PROBLEM_ISSUER_MISSING, text);
    } else if (!(single = single_find(basic, &pair, text, sizeof text))) {
        ocsp_info_refuse(info, OCSP_PROBLEM_OTHER_CERTIFICATE, text);
    } else if (signature_check(basic, pair.issuer, info)) {
        single_judge(single, info);
    }
    sk_X509_pop_free(pair.certs, X509_free);
}

void openssl_ocsp_check(const uint8_t *der, size_t len, const unitls_signing_chain *chain,
                        struct unitls_ocsp_info *info)
{
    ERR_clear_error();
    const unsigned char *p = der;
    OCSP_RESPONSE *resp = len <= LONG_MAX ? d2i_OCSP_RESPONSE(NULL, &p, (long)len) : NULL;
    OCSP_BASICRESP *basic = NULL;
    if (!resp || p != der + len) {
        ocsp_info_refuse(info, OCSP_PROBLEM_UNPARSABLE, NULL);
    } else if (OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
        char buf[16];
        ocsp_info_refuse(info, OCSP_PROBLEM_RESPONDER_STATUS,
                         ocsp_responder_status_name(OCSP_response_status(resp), buf));
    } else if (!(basic = OCSP_response_get1_basic(resp))) {
        ocsp_info_refuse(info, OCSP_PROBLEM_NOT_BASIC, NULL);
    } else {
        basic_judge(basic, chain, info);
    }
    OCSP_BASICRESP_free(basic);
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
}

/* --- requests --- */

/* The leaf's first OCSP URL (Authority Information Access), checked to fit url_cap bytes; the
 * caller frees *urls with X509_email_free. */
static unitls_status responder_url(X509 *leaf, size_t url_cap, STACK_OF(OPENSSL_STRING) **urls,
                                   const char **url, unitls_error *err)
{
    *urls = X509_get1_ocsp(leaf);
    *url = *urls ? sk_OPENSSL_STRING_value(*urls, 0) : NULL;
    char name[NAME_SIZE];
    if (!*url) {
        cert_subject_text(leaf, name, sizeof name);
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "OCSP request: the leaf %s names no OCSP responder (its Authority "
                         "Information Access has no OCSP URL)",
                         name);
    }
    if (strlen(*url) >= url_cap)
        return error_set(err, UNITLS_ERR_INVALID, 0,
                         "OCSP request: the responder URL needs %zu bytes, %zu given",
                         strlen(*url) + 1, url_cap);
    return UNITLS_OK;
}

/* The DER request for pair's leaf (SHA-1 CertID, no nonce) into der. */
static unitls_status request_encode(const struct leaf_pair *pair, uint8_t *der, size_t cap,
                                    size_t *der_len, unitls_error *err)
{
    OCSP_REQUEST *req = OCSP_REQUEST_new();
    OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), pair->leaf, pair->issuer);
    if (!req || !id || !OCSP_request_add0_id(req, id)) {
        OCSP_CERTID_free(id);
        OCSP_REQUEST_free(req);
        return error_set(err, UNITLS_ERR_NOMEM, 0, "OCSP request: out of memory");
    }
    int n = i2d_OCSP_REQUEST(req, NULL);
    unitls_status st = UNITLS_OK;
    if (n <= 0) {
        st = error_set(err, UNITLS_ERR_NOMEM, 0, "OCSP request: cannot encode it");
    } else if ((size_t)n > cap) {
        st = error_set(err, UNITLS_ERR_INVALID, 0,
                       "OCSP request: the request needs %d bytes, %zu given", n, cap);
    } else {
        unsigned char *out = der;
        i2d_OCSP_REQUEST(req, &out);
        *der_len = (size_t)n;
    }
    OCSP_REQUEST_free(req);
    return st;
}

unitls_status openssl_ocsp_request(const unitls_signing_chain *chain, uint8_t *der, size_t cap,
                                   size_t *der_len, char *url, size_t url_cap,
                                   unitls_error *err)
{
    ERR_clear_error();
    struct leaf_pair pair = {NULL, NULL, NULL};
    unitls_status st = leaf_pair_resolve(chain, &pair, err);
    if (st != UNITLS_OK)
        return st;
    STACK_OF(OPENSSL_STRING) *urls = NULL;
    const char *first_url = NULL;
    if (!pair.issuer) {
        char name[NAME_SIZE];
        name_text(X509_get_issuer_name(pair.leaf), name, sizeof name);
        st = error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                       "OCSP request: issuer not in chain: add %s to the chain", name);
    }
    if (st == UNITLS_OK)
        st = responder_url(pair.leaf, url_cap, &urls, &first_url, err);
    if (st == UNITLS_OK)
        st = request_encode(&pair, der, cap, der_len, err);
    if (st == UNITLS_OK)
        memcpy(url, first_url, strlen(first_url) + 1);
    X509_email_free(urls);
    sk_X509_pop_free(pair.certs, X509_free);
    ERR_clear_error();
    return st;
}

/* --- stapling --- */

int openssl_ocsp_staple(SSL *ssl, unitls_buffer *b, size_t chain_index)
{
    const uint8_t *der = NULL;
    size_t len = 0;
    int64_t next_update = 0;
    if (!buffer_ocsp_staple(b, chain_index, &der, &len, &next_update))
        return SSL_TLSEXT_ERR_NOACK;
    /* OpenSSL takes ownership of the bytes it is given and frees them with the SSL. */
    unsigned char *copy = len <= LONG_MAX ? OPENSSL_memdup(der, len) : NULL;
    if (!copy || !SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)len)) {
        OPENSSL_free(copy);
        b->ocsp.stapled = 0;
        return SSL_TLSEXT_ERR_NOACK;
    }
    return SSL_TLSEXT_ERR_OK;
}
