/* leafnames: reading the names and key types of OpenSSL leaves for the core's SNI table. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/error.h"
#include "leafnames.h"

static enum sni_key_type key_type(const EVP_PKEY *key)
{
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return SNI_KEY_RSA;
    case EVP_PKEY_RSA_PSS: return SNI_KEY_RSA_PSS;
    case EVP_PKEY_EC: return SNI_KEY_ECDSA;
    case EVP_PKEY_ED25519: return SNI_KEY_ED25519;
    case EVP_PKEY_ED448: return SNI_KEY_ED448;
    default: return SNI_KEY_OTHER;
    }
}

static int names_from_san(GENERAL_NAMES *gens, struct sni_names *l, uint32_t chain)
{
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        const ASN1_STRING *s = g->d.dNSName;
        if (sni_names_add(l, chain, (const char *)ASN1_STRING_get0_data(s),
                          (size_t)ASN1_STRING_length(s)) != 0)
            return -1;
    }
    return 0;
}

static int names_from_cn(X509 *leaf, struct sni_names *l, uint32_t chain)
{
    const X509_NAME *subject = X509_get_subject_name(leaf);
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx < 0)
        return 0;
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject,
                                                                                      idx)));
    int rc = len > 0 ? sni_names_add(l, chain, (const char *)utf8, (size_t)len) : 0;
    OPENSSL_free(utf8);
    return rc;
}

static int names_of_leaf(X509 *leaf, struct sni_names *l, uint32_t chain)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    if (!gens)
        return names_from_cn(leaf, l, chain);
    int rc = names_from_san(gens, l, chain);
    GENERAL_NAMES_free(gens);
    return rc;
}

unitls_status leafnames_table_build(const struct resolved_chain *chains, size_t n,
                                    struct sni_table **out, unitls_error *err)
{
    struct sni_names *l = sni_names_new();
    enum sni_key_type *types = calloc(n, sizeof *types);
    int rc = l && types ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        types[i] = key_type(chains[i].key);
        rc = names_of_leaf(chains[i].leaf, l, (uint32_t)i);
    }
    unitls_status st = rc == 0 ? sni_table_build(l, types, n, out, err)
                               : error_set(err, UNITLS_ERR_NOMEM, 0, "server names: out of memory");
    sni_names_free(l);
    free(types);
    return st;
}

/* --- what a leaf says of itself --- */

/* t in seconds since the epoch; -1 when it cannot be read. */
static int asn1_time_epoch(const ASN1_TIME *t, int64_t *out)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

/* The subject's first commonName as UTF-8 into cn (cap bytes, cut to fit); "" without one. */
static void common_name_of(const X509 *x, char *cn, size_t cap)
{
    const X509_NAME *subject = X509_get_subject_name(x);
    int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    unsigned char *utf8 = NULL;
    int len = idx < 0 ? -1
                      : ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
                                                       X509_NAME_get_entry(subject, idx)));
    snprintf(cn, cap, "%.*s", len > 0 ? len : 0, len > 0 ? (const char *)utf8 : "");
    OPENSSL_free(utf8);
}

/* Subject, validity and commonName of x into out: 1, or 0 when one cannot be read. */
static int x509_info(X509 *x, struct unitls_certificate_info *out)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int ok = x && bio &&
             X509_NAME_print_ex(bio, X509_get_subject_name(x), 0, XN_FLAG_RFC2253) >= 0 &&
             asn1_time_epoch(X509_get0_notBefore(x), &out->not_before) == 0 &&
             asn1_time_epoch(X509_get0_notAfter(x), &out->not_after) == 0;
    if (ok) {
        int n = BIO_read(bio, out->subject, (int)sizeof out->subject - 1);
        out->subject[n > 0 ? n : 0] = '\0';
        common_name_of(x, out->common_name, sizeof out->common_name);
    }
    BIO_free(bio);
    ERR_clear_error();
    return ok ? 1 : 0;
}

int openssl_leaf_info(const unitls_signing_chain *chain,
                                struct unitls_certificate_info *out, unitls_error *err)
{
    STACK_OF(X509) *certs = NULL;
    if (resolve_chain_certificates(chain, &certs, err) != UNITLS_OK)
        return -1;
    int ok = x509_info(sk_X509_value(certs, 0), out);
    sk_X509_pop_free(certs, X509_free);
    return ok;
}

int openssl_der_info(const uint8_t *der, size_t len, struct unitls_certificate_info *out)
{
    if (len > LONG_MAX)
        return 0;
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    int ok = x && p == der + len ? x509_info(x, out) : 0;
    X509_free(x);
    ERR_clear_error();
    return ok;
}
