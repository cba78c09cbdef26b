/* ocsp: judging OCSP responses, building requests and stapling, with GnuTLS. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/ocsp.h>
#include <gnutls/x509.h>

#include "core/error.h"
#include "core/ocsp_internal.h"
#include "core/ocsp_staple.h"
#include "ocsp_impl.h"
#include "resolve.h"

#define NAME_SIZE 128
#define OID_PKIX_OCSP_BASIC "1.3.6.1.5.5.7.48.1.1"

/* The chain's certificates, its leaf, and the leaf's issuer when the chain carries it. */
struct leaf_pair {
    gnutls_x509_crt_t *certs;
    unsigned n;
    gnutls_x509_crt_t leaf;
    gnutls_x509_crt_t issuer; /* NULL when the chain does not carry it */
};

static void leaf_pair_clear(struct leaf_pair *p)
{
    for (unsigned i = 0; i < p->n; i++)
        gnutls_x509_crt_deinit(p->certs[i]);
    free(p->certs);
    memset(p, 0, sizeof *p);
}

static unitls_status leaf_pair_resolve(const unitls_signing_chain *chain, struct leaf_pair *out,
                                       unitls_error *err)
{
    unitls_status st = gtls_chain_certificates(chain, &out->certs, &out->n, err);
    if (st != UNITLS_OK)
        return st;
    out->leaf = out->certs[0];
    out->issuer = NULL;
    for (unsigned i = 1; !out->issuer && i < out->n; i++)
        if (gnutls_x509_crt_check_issuer(out->leaf, out->certs[i]))
            out->issuer = out->certs[i];
    return UNITLS_OK;
}

/* The certificate's subject (or, with issuer set, its issuer) in RFC 4514 form. */
static void dn_text(gnutls_x509_crt_t crt, int issuer, char *buf, size_t cap)
{
    gnutls_datum_t dn = {NULL, 0};
    int rc = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0)
                    : gnutls_x509_crt_get_dn3(crt, &dn, 0);
    snprintf(buf, cap, "%.*s", rc < 0 ? 0 : (int)dn.size, rc < 0 ? "" : (const char *)dn.data);
    gnutls_free(dn.data);
}

static int datum_equal(const gnutls_datum_t *a, const gnutls_datum_t *b)
{
    return a->size == b->size && memcmp(a->data, b->data, a->size) == 0;
}

/* 1 when single response indx names pair's leaf: its CertID, made with the response's own
 * digest, equals ours (serial, issuer name hash and issuer key hash). */
static int single_is_leaf(gnutls_digest_algorithm_t dig, const gnutls_datum_t id[3],
                          const struct leaf_pair *pair)
{
    gnutls_ocsp_req_t req = NULL;
    gnutls_datum_t ours[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
    gnutls_digest_algorithm_t our_dig;
    int same = gnutls_ocsp_req_init(&req) >= 0 &&
               gnutls_ocsp_req_add_cert(req, dig, pair->issuer, pair->leaf) >= 0 &&
               gnutls_ocsp_req_get_cert_id(req, 0, &our_dig, &ours[0], &ours[1], &ours[2]) >= 0 &&
               datum_equal(&id[0], &ours[0]) && datum_equal(&id[1], &ours[1]) &&
               datum_equal(&id[2], &ours[2]);
    for (int i = 0; i < 3; i++)
        gnutls_free(ours[i].data);
    gnutls_ocsp_req_deinit(req);
    return same;
}

/* The index of the single response about the leaf, or -1 with the serial the first one names
 * in other_serial. */
static int single_find(gnutls_ocsp_resp_t resp, const struct leaf_pair *pair,
                       char *other_serial, size_t cap)
{
    snprintf(other_serial, cap, "none: the response holds no certificate status");
    for (unsigned i = 0; i < INT_MAX; i++) {
        gnutls_digest_algorithm_t dig;
        gnutls_datum_t id[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}}; /* name, key hashes; serial */
        if (gnutls_ocsp_resp_get_single(resp, i, &dig, &id[0], &id[1], &id[2], NULL, NULL, NULL,
                                        NULL, NULL) < 0)
            break;
        if (i == 0)
            ocsp_serial_text(id[2].data, id[2].size, other_serial, cap);
        int same = single_is_leaf(dig, id, pair);
        for (int k = 0; k < 3; k++)
            gnutls_free(id[k].data);
        if (same)
            return (int)i;
    }
    return -1;
}

/* The certificate the response carries under its responder ID's name, or NULL (borrowed from
 * certs; for naming a delegated responder in a reason). */
static gnutls_x509_crt_t signer_named(gnutls_ocsp_resp_t resp, gnutls_x509_crt_t *certs,
                                      size_t n)
{
    gnutls_datum_t id = {NULL, 0};
    gnutls_x509_crt_t found = NULL;
    if (gnutls_ocsp_resp_get_responder_raw_id(resp, GNUTLS_OCSP_RESP_ID_DN, &id) < 0)
        return NULL;
    for (size_t i = 0; !found && i < n; i++) {
        gnutls_datum_t dn = {NULL, 0};
        if (gnutls_x509_crt_get_raw_dn(certs[i], &dn) >= 0 && datum_equal(&dn, &id))
            found = certs[i];
        gnutls_free(dn.data);
    }
    gnutls_free(id.data);
    return found;
}

/* Words for verify_direct's complaint about a delegated responder. */
static void signer_refuse(gnutls_ocsp_resp_t resp, unsigned verify, const char *issuer_name,
                          struct unitls_ocsp_info *info)
{
    gnutls_x509_crt_t *certs = NULL;
    size_t n = 0;
    if (gnutls_ocsp_resp_get_certs(resp, &certs, &n) < 0)
        n = 0;
    gnutls_x509_crt_t signer = signer_named(resp, certs, n);
    char name[NAME_SIZE] = "";
    if (signer)
        dn_text(signer, 0, name, sizeof name);
    if (!signer || (verify & (GNUTLS_OCSP_VERIFY_SIGNATURE_FAILURE |
                              GNUTLS_OCSP_VERIFY_SIGNER_NOT_FOUND)))
        ocsp_info_refuse(info, OCSP_PROBLEM_NOT_SIGNED_BY_ISSUER, issuer_name);
    else if (verify & (GNUTLS_OCSP_VERIFY_CERT_EXPIRED | GNUTLS_OCSP_VERIFY_CERT_NOT_ACTIVATED))
        ocsp_info_refuse(info, OCSP_PROBLEM_SIGNER_TIME, name);
    else if (verify & GNUTLS_OCSP_VERIFY_SIGNER_KEYUSAGE_ERROR)
        ocsp_info_refuse(info, OCSP_PROBLEM_SIGNER_NOT_RESPONDER, name);
    else
        ocsp_info_refuse(info, OCSP_PROBLEM_SIGNER_NOT_ISSUED, name);
    for (size_t i = 0; i < n; i++)
        gnutls_x509_crt_deinit(certs[i]);
    gnutls_free(certs);
}

/* The signature: by the issuer, or by a responder the issuer delegated to. */
static int signature_check(gnutls_ocsp_resp_t resp, gnutls_x509_crt_t issuer,
                           struct unitls_ocsp_info *info)
{
    unsigned verify = 0;
    int rc = gnutls_ocsp_resp_verify_direct(resp, issuer, &verify, 0);
    if (rc >= 0 && verify == 0)
        return 1;
    char issuer_name[NAME_SIZE];
    dn_text(issuer, 0, issuer_name, sizeof issuer_name);
    signer_refuse(resp, rc < 0 ? GNUTLS_OCSP_VERIFY_SIGNATURE_FAILURE : verify, issuer_name,
                  info);
    return 0;
}

/* What single response indx says of the leaf: good, with a nextUpdate. */
static void single_judge(gnutls_ocsp_resp_t resp, int indx, struct unitls_ocsp_info *info)
{
    unsigned status = 0, reason = 0;
    time_t this_update = 0, next_update = 0, revoked_at = 0;
    gnutls_ocsp_resp_get_single(resp, (unsigned)indx, NULL, NULL, NULL, NULL, &status,
                                &this_update, &next_update, &revoked_at, &reason);
    info->this_update = (int64_t)this_update;
    info->next_update = next_update == (time_t)-1 ? 0 : (int64_t)next_update;
    if (status == GNUTLS_OCSP_CERT_REVOKED)
        ocsp_info_refuse(info, OCSP_PROBLEM_REVOKED, NULL);
    else if (status != GNUTLS_OCSP_CERT_GOOD)
        ocsp_info_refuse(info, OCSP_PROBLEM_UNKNOWN, NULL);
    else if (next_update == (time_t)-1)
        ocsp_info_refuse(info, OCSP_PROBLEM_NO_NEXT_UPDATE, NULL);
    else
        ocsp_info_sound(info, info->this_update, info->next_update);
}

/* The checks on a successful basic response, in impl.h's order. */
static void basic_judge(gnutls_ocsp_resp_t resp, const unitls_signing_chain *chain,
                        struct unitls_ocsp_info *info)
{
    struct leaf_pair pair = {NULL, 0, NULL, NULL};
    char text[NAME_SIZE];
    unitls_error err;
    unitls_error_clear(&err);
    if (leaf_pair_resolve(chain, &pair, &err) != UNITLS_OK) {
        ocsp_info_refuse(info, OCSP_PROBLEM_CHAIN, err.message);
        return;
    }
    int single = -1;
    if (!pair.issuer) {
        dn_text(pair.leaf, 1, text, sizeof text);
        ocsp_info_refuse(info, OCSP_PROBLEM_ISSUER_MISSING, text);
    } else if ((single = single_find(resp, &pair, text, sizeof text)) < 0) {
        ocsp_info_refuse(info, OCSP_PROBLEM_OTHER_CERTIFICATE, text);
    } else if (signature_check(resp, pair.issuer, info)) {
        single_judge(resp, single, info);
    }
    leaf_pair_clear(&pair);
}

static int is_basic(gnutls_ocsp_resp_t resp)
{
    gnutls_datum_t oid = {NULL, 0};
    if (gnutls_ocsp_resp_get_response(resp, &oid, NULL) < 0)
        return 0;
    int basic = oid.size == strlen(OID_PKIX_OCSP_BASIC) &&
                memcmp(oid.data, OID_PKIX_OCSP_BASIC, oid.size) == 0;
    gnutls_free(oid.data);
    return basic;
}

void gtls_ocsp_check(const uint8_t *der, size_t len, const unitls_signing_chain *chain,
                     struct unitls_ocsp_info *info)
{
    gnutls_ocsp_resp_t resp = NULL;
    gnutls_datum_t d = {(unsigned char *)der, (unsigned)len};
    int rc = len > UINT_MAX ? GNUTLS_E_ASN1_DER_ERROR : gnutls_ocsp_resp_init(&resp);
    if (rc >= 0)
        rc = gnutls_ocsp_resp_import(resp, &d);
    int status = rc >= 0 ? gnutls_ocsp_resp_get_status(resp) : -1;
    char buf[16];
    if (rc < 0 || status < 0)
        ocsp_info_refuse(info, OCSP_PROBLEM_UNPARSABLE, NULL);
    else if (status != GNUTLS_OCSP_RESP_SUCCESSFUL)
        ocsp_info_refuse(info, OCSP_PROBLEM_RESPONDER_STATUS,
                         ocsp_responder_status_name(status, buf));
    else if (!is_basic(resp))
        ocsp_info_refuse(info, OCSP_PROBLEM_NOT_BASIC, NULL);
    else
        basic_judge(resp, chain, info);
    gnutls_ocsp_resp_deinit(resp);
}

/* --- requests --- */

/* The leaf's first OCSP URL (Authority Information Access), NUL-terminated in a new
 * gnutls_malloc'ed datum the caller frees. */
static unitls_status responder_url(gnutls_x509_crt_t leaf, size_t url_cap, gnutls_datum_t *url,
                                   unitls_error *err)
{
    int rc = GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
    for (unsigned seq = 0; seq < 64; seq++) {
        rc = gnutls_x509_crt_get_authority_info_access(leaf, seq, GNUTLS_IA_OCSP_URI, url, NULL);
        if (rc != GNUTLS_E_UNKNOWN_ALGORITHM)
            break; /* found, or no more entries (an entry of another kind is skipped) */
    }
    if (rc < 0) {
        char name[NAME_SIZE];
        dn_text(leaf, 0, name, sizeof name);
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "OCSP request: the leaf %s names no OCSP responder (its Authority "
                         "Information Access has no OCSP URL)",
                         name);
    }
    if (memchr(url->data, '\0', url->size))
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "OCSP request: the leaf's OCSP URL holds a NUL byte");
    if (url->size >= url_cap)
        return error_set(err, UNITLS_ERR_INVALID, 0,
                         "OCSP request: the responder URL needs %u bytes, %zu given",
                         url->size + 1, url_cap);
    return UNITLS_OK;
}

/* The DER request for pair's leaf (SHA-1 CertID, no nonce) into der. */
static unitls_status request_encode(const struct leaf_pair *pair, uint8_t *der, size_t cap,
                                    size_t *der_len, unitls_error *err)
{
    gnutls_ocsp_req_t req = NULL;
    gnutls_datum_t out = {NULL, 0};
    int rc = gnutls_ocsp_req_init(&req);
    if (rc >= 0)
        rc = gnutls_ocsp_req_add_cert(req, GNUTLS_DIG_SHA1, pair->issuer, pair->leaf);
    if (rc >= 0)
        rc = gnutls_ocsp_req_export(req, &out);
    unitls_status st = UNITLS_OK;
    unitls_status failed = rc == GNUTLS_E_MEMORY_ERROR ? UNITLS_ERR_NOMEM : UNITLS_ERR_CONFIGURATION;
    if (rc < 0)
        st = error_set(err, failed, rc, "OCSP request: %s", gnutls_strerror(rc));
    else if (out.size > cap)
        st = error_set(err, UNITLS_ERR_INVALID, 0,
                       "OCSP request: the request needs %u bytes, %zu given", out.size, cap);
    else {
        memcpy(der, out.data, out.size);
        *der_len = out.size;
    }
    gnutls_free(out.data);
    gnutls_ocsp_req_deinit(req);
    return st;
}

unitls_status gtls_ocsp_request(const unitls_signing_chain *chain, uint8_t *der, size_t cap,
                                size_t *der_len, char *url, size_t url_cap, unitls_error *err)
{
    struct leaf_pair pair = {NULL, 0, NULL, NULL};
    unitls_status st = leaf_pair_resolve(chain, &pair, err);
    if (st != UNITLS_OK)
        return st;
    gnutls_datum_t found_url = {NULL, 0};
    if (!pair.issuer) {
        char name[NAME_SIZE];
        dn_text(pair.leaf, 1, name, sizeof name);
        st = error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                       "OCSP request: issuer not in chain: add %s to the chain", name);
    }
    if (st == UNITLS_OK)
        st = responder_url(pair.leaf, url_cap, &found_url, err);
    if (st == UNITLS_OK)
        st = request_encode(&pair, der, cap, der_len, err);
    if (st == UNITLS_OK) {
        memcpy(url, found_url.data, found_url.size);
        url[found_url.size] = '\0';
    }
    gnutls_free(found_url.data);
    leaf_pair_clear(&pair);
    return st;
}

/* --- stapling --- */

int gtls_ocsp_staple(unitls_buffer *b, size_t chain_index, gnutls_ocsp_data_st *out)
{
    const uint8_t *der = NULL;
    size_t len = 0;
    int64_t next_update = 0;
    if (!buffer_ocsp_staple(b, chain_index, &der, &len, &next_update))
        return 0;
    if (len > UINT_MAX) {
        b->ocsp.stapled = 0;
        return 0;
    }
    memset(out, 0, sizeof *out);
    out->version = 0;
    out->response.data = (unsigned char *)der; /* held by b until it is freed */
    out->response.size = (unsigned)len;
    out->exptime = (time_t)next_update;
    return 1;
}
