/* gen-many-certs: writes N ECDSA P-256 leaf certificates and keys for the many-certificates
 * benchmark, fast (one process, no openssl(1) per file).
 *
 *   gen-many-certs DIR N CA.pem CA.key
 *
 * Leaf i is DIR/site-i.pem (the leaf, PEM) with DIR/site-i.key (PKCS#8 PEM), subject
 * CN=site-i.bench.test, SAN DNS:site-i.bench.test, signed by the given CA, valid 30 days.
 * Writing the same i again makes a new key and certificate: that is how the benchmark
 * "renews" one certificate in place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static EVP_PKEY *ca_key;
static X509 *ca_cert;

static int fail(const char *what)
{
    fprintf(stderr, "gen-many-certs: %s\n", what);
    return 1;
}

static int add_san(X509 *x, const char *dns)
{
    char value[300];
    snprintf(value, sizeof value, "DNS:%s", dns);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, ca_cert, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, value);
    int ok = ext && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

static int write_pair(const char *dir, long i)
{
    char name[256], path[4096];
    snprintf(name, sizeof name, "site-%ld.bench.test", i);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    if (!key || !x)
        return 0;
    X509_set_version(x, 2);
    ASN1_INTEGER_set_int64(X509_get_serialNumber(x), 1000 + i);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 24 * 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)name, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(ca_cert));
    X509_set_pubkey(x, key);
    int ok = add_san(x, name) && X509_sign(x, ca_key, EVP_sha256()) > 0;
    snprintf(path, sizeof path, "%s/site-%ld.key", dir, i);
    FILE *f = ok ? fopen(path, "w") : NULL;
    ok = f && PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s/site-%ld.pem", dir, i);
    f = ok ? fopen(path, "w") : NULL;
    ok = f && PEM_write_X509(f, x);
    if (f)
        fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: gen-many-certs DIR N CA.pem CA.key [FIRST]\n");
        return 2;
    }
    long n = atol(argv[2]), first = argc == 6 ? atol(argv[5]) : 0;
    FILE *f = fopen(argv[3], "r");
    ca_cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    f = fopen(argv[4], "r");
    ca_key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f)
        fclose(f);
    if (!ca_cert || !ca_key)
        return fail("cannot read the CA certificate or key");
    for (long i = first; i < first + n; i++)
        if (!write_pair(argv[1], i))
            return fail("cannot write a certificate");
    return 0;
}
