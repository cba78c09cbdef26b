/* leafnames: reading the names and key types of OpenSSL leaves for the core's SNI table. */
#include <stdlib.h>

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
