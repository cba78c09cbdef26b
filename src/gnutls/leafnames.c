/* leafnames: the server names a resolved chain's leaf covers, for the SNI table. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "leafnames.h"
#include "resolve.h"

#define SAN_MAX 1024 /* entries read from one subjectAltName: a bound on a hostile leaf */

/* Adds the leaf's DNS subjectAltNames. Returns 1 when the leaf has a subjectAltName
 * extension (even one without a DNS name: then its CN does not count), 0 when it has none,
 * -1 when out of memory. Names too long to select are skipped, as the SNI table would. */
static int names_from_san(gnutls_x509_crt_t leaf, struct sni_names *l, uint32_t index)
{
    int has_san = 0;
    for (unsigned seq = 0; seq < SAN_MAX; seq++) {
        char name[SNI_NAME_MAX + 2];
        size_t size = sizeof name;
        int type = gnutls_x509_crt_get_subject_alt_name(leaf, seq, name, &size, NULL);
        if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        has_san = 1;
        if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
            continue;
        if (type < 0)
            break; /* a malformed extension: what was read so far is all there is */
        if (type == GNUTLS_SAN_DNSNAME && sni_names_add(l, index, name, size) != 0)
            return -1;
    }
    return has_san;
}

static int names_from_cn(gnutls_x509_crt_t leaf, struct sni_names *l, uint32_t index)
{
    char name[SNI_NAME_MAX + 2];
    size_t size = sizeof name;
    int rc = gnutls_x509_crt_get_dn_by_oid(leaf, GNUTLS_OID_X520_COMMON_NAME, 0, 0, name,
                                           &size);
    if (rc == GNUTLS_E_MEMORY_ERROR)
        return -1;
    if (rc < 0)
        return 0; /* no CN, or one too long to select */
    return sni_names_add(l, index, name, size);
}

int gtls_chain_add_names(const struct gtls_chain *c, struct sni_names *l, uint32_t index)
{
    gnutls_x509_crt_t leaf;
    if (gnutls_x509_crt_init(&leaf) < 0)
        return -1;
    /* The leaf parsed once already; importing its DER again can only fail for memory. */
    unsigned n = 0;
    const gnutls_pcert_st *pcerts = gtls_chain_pcerts(c, &n);
    int rc = gnutls_x509_crt_import(leaf, &pcerts[0].cert, GNUTLS_X509_FMT_DER);
    if (rc >= 0)
        rc = names_from_san(leaf, l, index);
    if (rc == 0)
        rc = names_from_cn(leaf, l, index);
    gnutls_x509_crt_deinit(leaf);
    return rc < 0 ? -1 : 0;
}

/* --- what a leaf says of itself --- */

/* Subject, validity and commonName of crt into out: 1, or 0 when one cannot be read. */
static int crt_info(gnutls_x509_crt_t crt, struct unitls_certificate_info *out)
{
    gnutls_datum_t dn = {NULL, 0};
    time_t not_before = gnutls_x509_crt_get_activation_time(crt);
    time_t not_after = gnutls_x509_crt_get_expiration_time(crt);
    int ok = gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0 && not_before != (time_t)-1 &&
             not_after != (time_t)-1;
    if (ok) {
        snprintf(out->subject, sizeof out->subject, "%.*s", (int)dn.size,
                 (const char *)dn.data);
        out->not_before = (int64_t)not_before;
        out->not_after = (int64_t)not_after;
        /* A commonName too long for the field is left out rather than cut mid-character. */
        size_t size = sizeof out->common_name;
        if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
                                          out->common_name, &size) < 0)
            out->common_name[0] = '\0';
    }
    gnutls_free(dn.data);
    return ok ? 1 : 0;
}

int gtls_leaf_info(const unitls_signing_chain *chain,
                             struct unitls_certificate_info *out, unitls_error *err)
{
    gnutls_x509_crt_t *certs = NULL;
    unsigned n = 0;
    if (gtls_chain_certificates(chain, &certs, &n, err) != UNITLS_OK)
        return -1;
    int ok = crt_info(certs[0], out);
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(certs[i]);
    free(certs);
    return ok;
}

int gtls_der_info(const uint8_t *der, size_t len, struct unitls_certificate_info *out)
{
    gnutls_x509_crt_t crt;
    if (len > UINT_MAX || gnutls_x509_crt_init(&crt) < 0)
        return 0;
    gnutls_datum_t d = {(unsigned char *)(uintptr_t)der, (unsigned)len};
    int ok = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0 ? crt_info(crt, out) : 0;
    gnutls_x509_crt_deinit(crt);
    return ok;
}
