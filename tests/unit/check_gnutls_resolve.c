/* The GnuTLS implementation's resolve module (src/gnutls/resolve.h): signing chains from PEM
 * and DER material (keys separate or inside the leaf's PEM, PKCS#8 or traditional), the key
 * types GnuTLS serves, the key/leaf check and its message (cfgmsg's wording, as OpenSSL's),
 * refusal of encrypted keys and of unreadable or empty material, ids that are not PKCS#11
 * URIs, the leaves' names for SNI, and trust stores applied to GnuTLS credentials.
 *
 * Uses the test PKI of tests/gen-certs.sh in $UNITLS_TEST_CERTS; keys of the types that PKI
 * lacks (Ed25519, Ed448, RSA-PSS) and other encodings are made here with GnuTLS. Links the
 * module with the library's core only, so it runs before the rest of src/gnutls exists. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <unitls/unitls.h>

#include "core/cfgmsg.h"
#include "core/material.h"
#include "core/sni_table.h"
#include "gnutls/resolve.h"

#define PATH_SIZE 1024

/* --- files and credentials --- */

static void cert_path(char out[PATH_SIZE], const char *name)
{
    const char *dir = getenv("UNITLS_TEST_CERTS");
    ck_assert_msg(dir && *dir, "UNITLS_TEST_CERTS is not set (tests/gen-certs.sh makes it)");
    int n = snprintf(out, PATH_SIZE, "%s/%s", dir, name);
    ck_assert_msg(n > 0 && n < PATH_SIZE, "path too long: %s/%s", dir, name);
}

static gnutls_datum_t read_cert_file(const char *name)
{
    char path[PATH_SIZE];
    cert_path(path, name);
    gnutls_datum_t d = {NULL, 0};
    int rc = gnutls_load_file(path, &d);
    ck_assert_msg(rc >= 0, "cannot read %s: %s", path, gnutls_strerror(rc));
    return d;
}

/* a then b in one new datum (gnutls_free it). */
static gnutls_datum_t concat(const gnutls_datum_t *a, const gnutls_datum_t *b)
{
    gnutls_datum_t d = {gnutls_malloc(a->size + b->size), a->size + b->size};
    ck_assert_ptr_nonnull(d.data);
    memcpy(d.data, a->data, a->size);
    memcpy(d.data + a->size, b->data, b->size);
    return d;
}

static gnutls_datum_t text(const char *s)
{
    gnutls_datum_t d = {(unsigned char *)s, (unsigned)strlen(s)};
    return d;
}

/* A file certificate as a built configuration holds it: path and content. */
static unitls_certificate *cert_file(const char *name)
{
    char path[PATH_SIZE];
    unitls_error err;
    cert_path(path, name);
    unitls_certificate *c = unitls_certificate_from_file(path, &err);
    ck_assert_msg(c != NULL, "certificate %s: %s", path, err.message);
    unitls_certificate *loaded = certificate_load(c, &err);
    ck_assert_msg(loaded != NULL, "load %s: %s", path, err.message);
    unitls_certificate_unref(c);
    return loaded;
}

static unitls_private_key *key_file(const char *name)
{
    char path[PATH_SIZE];
    unitls_error err;
    cert_path(path, name);
    unitls_private_key *k = unitls_private_key_from_file(path, &err);
    ck_assert_msg(k != NULL, "private key %s: %s", path, err.message);
    unitls_private_key *loaded = private_key_load(k, &err);
    ck_assert_msg(loaded != NULL, "load %s: %s", path, err.message);
    unitls_private_key_unref(k);
    return loaded;
}

static unitls_certificate *cert_buf(const void *data, size_t len)
{
    unitls_error err;
    unitls_certificate *c = unitls_certificate_from_buffer(data, len, &err);
    ck_assert_msg(c != NULL, "certificate buffer: %s", err.message);
    return c;
}

static unitls_private_key *key_buf(const void *data, size_t len)
{
    unitls_error err;
    unitls_private_key *k = unitls_private_key_from_buffer(data, len, &err);
    ck_assert_msg(k != NULL, "private key buffer: %s", err.message);
    return k;
}

/* A chain from the given objects, whose references it takes over. */
static unitls_signing_chain *chain_take(unitls_certificate *leaf, unitls_private_key *key,
                                        unitls_certificate *intermediate)
{
    unitls_error err;
    unitls_certificate *chain[1] = {intermediate};
    unitls_signing_chain *s = unitls_signing_chain_new(leaf, key, chain, intermediate ? 1 : 0,
                                                       &err);
    ck_assert_msg(s != NULL, "signing chain: %s", err.message);
    unitls_certificate_unref(leaf);
    unitls_private_key_unref(key);
    unitls_certificate_unref(intermediate);
    return s;
}

/* NAME.pem (leaf then intermediate) with key file key_name (NULL: none). */
static unitls_signing_chain *file_chain(const char *leaf_name, const char *key_name)
{
    return chain_take(cert_file(leaf_name), key_name ? key_file(key_name) : NULL, NULL);
}

static struct gtls_chain *resolve_ok(unitls_signing_chain *s)
{
    struct gtls_chain *c = NULL;
    unitls_error err;
    unitls_status st = gtls_chain_resolve(s, &c, &err);
    ck_assert_msg(st == UNITLS_OK, "resolve: %s: %s", unitls_status_name(st), err.message);
    ck_assert_ptr_nonnull(c);
    unitls_signing_chain_unref(s);
    return c;
}

/* Resolving s fails with status; the message is in err. s is released. */
static void resolve_fails(unitls_signing_chain *s, unitls_status status, unitls_error *err)
{
    struct gtls_chain *c = (struct gtls_chain *)&status; /* must stay untouched */
    unitls_status st = gtls_chain_resolve(s, &c, err);
    ck_assert_msg(st == status, "resolve: expected %s, got %s (%s)", unitls_status_name(status),
                  unitls_status_name(st), st == UNITLS_OK ? "" : err->message);
    ck_assert_ptr_eq(c, (struct gtls_chain *)&status);
    unitls_signing_chain_unref(s);
}

static void assert_contains(const char *message, const char *part)
{
    ck_assert_msg(strstr(message, part) != NULL, "\"%s\" does not contain \"%s\"", message, part);
}

/* n certificates to send, the leaf being the DER file der_name. */
static void assert_pcerts(const struct gtls_chain *c, unsigned n, const char *der_name)
{
    unsigned got = 0;
    gnutls_pcert_st *p = gtls_chain_pcerts(c, &got);
    ck_assert_uint_eq(got, n);
    gnutls_datum_t want = read_cert_file(der_name);
    ck_assert_msg(p[0].cert.size == want.size && memcmp(p[0].cert.data, want.data, want.size) == 0,
                  "the first certificate is not %s", der_name);
    gnutls_free(want.data);
    ck_assert_ptr_nonnull(p[0].pubkey);
}

/* --- material made with GnuTLS --- */

/* A key and a self-signed certificate for it, both PEM. */
struct made {
    gnutls_datum_t cert, key;
};

static gnutls_x509_privkey_t make_key(gnutls_pk_algorithm_t pk, unsigned bits)
{
    gnutls_x509_privkey_t key;
    ck_assert_int_ge(gnutls_x509_privkey_init(&key), 0);
    int rc = gnutls_x509_privkey_generate(key, pk, bits, 0);
    ck_assert_msg(rc >= 0, "generate %s: %s", gnutls_pk_get_name(pk), gnutls_strerror(rc));
    return key;
}

/* A self-signed certificate for key, CN "made.test", with one subjectAltName of san_type. */
static gnutls_datum_t self_signed(gnutls_x509_privkey_t key,
                                  gnutls_x509_subject_alt_name_t san_type, const char *san)
{
    gnutls_x509_crt_t crt;
    ck_assert_int_ge(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_ge(gnutls_x509_crt_set_version(crt, 3), 0);
    ck_assert_int_ge(gnutls_x509_crt_set_serial(crt, "\x01\x02", 2), 0);
    ck_assert_int_ge(gnutls_x509_crt_set_activation_time(crt, 1000000000), 0);
    ck_assert_int_ge(gnutls_x509_crt_set_expiration_time(crt, 4000000000), 0);
    ck_assert_int_ge(gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                                   "made.test", 9), 0);
    ck_assert_int_ge(gnutls_x509_crt_set_subject_alt_name(crt, san_type, san,
                                                          (unsigned)strlen(san),
                                                          GNUTLS_FSAN_SET), 0);
    ck_assert_int_ge(gnutls_x509_crt_set_key(crt, key), 0);
    int rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_UNKNOWN, 0);
    ck_assert_msg(rc >= 0, "sign: %s", gnutls_strerror(rc));
    gnutls_datum_t pem;
    ck_assert_int_ge(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &pem), 0);
    gnutls_x509_crt_deinit(crt);
    return pem;
}

/* A key of pk (bits: its size or curve), as PKCS#8 when pkcs8, else GnuTLS's traditional
 * encoding; its certificate has one subjectAltName, san of san_type. */
static struct made make_san(gnutls_pk_algorithm_t pk, unsigned bits, int pkcs8,
                            gnutls_x509_subject_alt_name_t san_type, const char *san)
{
    gnutls_x509_privkey_t key = make_key(pk, bits);
    struct made m;
    m.cert = self_signed(key, san_type, san);
    int rc = pkcs8 ? gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL,
                                                         GNUTLS_PKCS_PLAIN, &m.key)
                   : gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &m.key);
    ck_assert_msg(rc >= 0, "export key: %s", gnutls_strerror(rc));
    gnutls_x509_privkey_deinit(key);
    return m;
}

static struct made make(gnutls_pk_algorithm_t pk, unsigned bits, int pkcs8,
                        const char *dns_name)
{
    return make_san(pk, bits, pkcs8, GNUTLS_SAN_DNSNAME, dns_name);
}

static void made_free(struct made *m)
{
    gnutls_free(m->cert.data);
    gnutls_free(m->key.data);
}

static unitls_signing_chain *made_chain(const struct made *m)
{
    return chain_take(cert_buf(m->cert.data, m->cert.size), key_buf(m->key.data, m->key.size),
                      NULL);
}

/* The test PKI's key file name re-encoded: format DER or PEM, PKCS#8 (encrypted with a
 * password when one is given) or traditional. */
static gnutls_datum_t reencode_key(const char *name, gnutls_x509_crt_fmt_t fmt, int pkcs8,
                                   const char *password)
{
    gnutls_datum_t pem = read_cert_file(name), out;
    gnutls_x509_privkey_t key;
    ck_assert_int_ge(gnutls_x509_privkey_init(&key), 0);
    ck_assert_int_ge(gnutls_x509_privkey_import2(key, &pem, GNUTLS_X509_FMT_PEM, NULL, 0), 0);
    int rc = pkcs8 ? gnutls_x509_privkey_export2_pkcs8(key, fmt, password,
                                                         password ? GNUTLS_PKCS_PBES2_AES_256
                                                                  : GNUTLS_PKCS_PLAIN, &out)
                   : gnutls_x509_privkey_export2(key, fmt, &out);
    ck_assert_msg(rc >= 0, "export %s: %s", name, gnutls_strerror(rc));
    gnutls_x509_privkey_deinit(key);
    gnutls_free(pem.data);
    return out;
}

/* The first certificate of a PEM file as DER. */
static gnutls_datum_t first_cert_der(const char *name)
{
    gnutls_datum_t pem = read_cert_file(name), der;
    gnutls_x509_crt_t crt;
    ck_assert_int_ge(gnutls_x509_crt_init(&crt), 0);
    ck_assert_int_ge(gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM), 0);
    ck_assert_int_ge(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der), 0);
    gnutls_x509_crt_deinit(crt);
    gnutls_free(pem.data);
    return der;
}

/* --- chains --- */

START_TEST(test_ecdsa_chain)
{
    struct gtls_chain *c = resolve_ok(file_chain("example.org.pem", "example.org.key"));
    assert_pcerts(c, 2, "example.org.der");
    ck_assert_int_eq(gtls_chain_pk(c), GNUTLS_PK_ECDSA);
    ck_assert_int_eq(gtls_chain_key_type(c), SNI_KEY_ECDSA);
    ck_assert_ptr_nonnull(gtls_chain_key(c));
    struct gtls_chain *again = gtls_chain_ref(c);
    ck_assert_ptr_eq(again, c);
    gtls_chain_unref(c);
    assert_pcerts(again, 2, "example.org.der"); /* still held by the second reference */
    gtls_chain_unref(again);
    gtls_chain_unref(NULL);
}
END_TEST

START_TEST(test_rsa_chain)
{
    struct gtls_chain *c = resolve_ok(file_chain("example.org-rsa.pem", "example.org-rsa.key"));
    assert_pcerts(c, 2, "example.org-rsa.der");
    ck_assert_int_eq(gtls_chain_pk(c), GNUTLS_PK_RSA);
    ck_assert_int_eq(gtls_chain_key_type(c), SNI_KEY_RSA);
    gtls_chain_unref(c);
}
END_TEST

/* The intermediates: those after the leaf in its material, then the chain's own. */
START_TEST(test_intermediates_in_order)
{
    unitls_signing_chain *s = chain_take(cert_file("example.org.pem"), key_file("example.org.key"),
                                         cert_file("ca.pem"));
    struct gtls_chain *c = resolve_ok(s);
    unsigned n = 0;
    gnutls_pcert_st *p = gtls_chain_pcerts(c, &n);
    ck_assert_uint_eq(n, 3);
    gnutls_datum_t inter = first_cert_der("intermediate.pem"), ca = first_cert_der("ca.pem");
    ck_assert(p[1].cert.size == inter.size && !memcmp(p[1].cert.data, inter.data, inter.size));
    ck_assert(p[2].cert.size == ca.size && !memcmp(p[2].cert.data, ca.data, ca.size));
    gnutls_free(inter.data);
    gnutls_free(ca.data);
    gtls_chain_unref(c);
}
END_TEST

START_TEST(test_key_in_leaf_pem)
{
    struct gtls_chain *c = resolve_ok(file_chain("example.org-combined.pem", NULL));
    assert_pcerts(c, 2, "example.org.der");
    ck_assert_int_eq(gtls_chain_key_type(c), SNI_KEY_ECDSA);
    gtls_chain_unref(c);
}
END_TEST

/* A traditional key (label names it) resolves both separate and inside the leaf's PEM. */
static void assert_traditional_key(const gnutls_datum_t *leaf, const gnutls_datum_t *key,
                                   const char *label)
{
    ck_assert_ptr_nonnull(memmem(key->data, key->size, label, strlen(label)));
    struct gtls_chain *c = resolve_ok(chain_take(cert_buf(leaf->data, leaf->size),
                                                 key_buf(key->data, key->size), NULL));
    gtls_chain_unref(c);

    gnutls_datum_t both = concat(key, leaf); /* the key first: its place does not matter */
    c = resolve_ok(chain_take(cert_buf(both.data, both.size), NULL, NULL));
    unsigned n = 0;
    gnutls_pcert_st *p = gtls_chain_pcerts(c, &n);
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_ge(n, 1);
    gtls_chain_unref(c);
    gnutls_free(both.data);
}

/* Traditional "RSA PRIVATE KEY" and "EC PRIVATE KEY" keys. The EC one is made here: GnuTLS
 * re-encodes a PKCS#8 EC key as SEC1 without its curve, which nothing can read back. */
START_TEST(test_traditional_keys)
{
    gnutls_datum_t leaf = read_cert_file("example.org-rsa.pem");
    gnutls_datum_t key = reencode_key("example.org-rsa.key", GNUTLS_X509_FMT_PEM, 0, NULL);
    assert_traditional_key(&leaf, &key, "BEGIN RSA PRIVATE KEY");
    gnutls_free(leaf.data);
    gnutls_free(key.data);

    struct made m = make(GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0,
                         "made.test");
    assert_traditional_key(&m.cert, &m.key, "BEGIN EC PRIVATE KEY");
    made_free(&m);
}
END_TEST

/* DER leaf and DER PKCS#8 key; concatenated DER certificates. */
START_TEST(test_der_material)
{
    unitls_signing_chain *s = chain_take(cert_file("example.org.der"),
                                         key_file("example.org.key.der"),
                                         cert_file("intermediate.pem"));
    struct gtls_chain *c = resolve_ok(s);
    assert_pcerts(c, 2, "example.org.der");
    gtls_chain_unref(c);

    gnutls_datum_t leaf = read_cert_file("example.org.der");
    gnutls_datum_t inter = first_cert_der("intermediate.pem");
    gnutls_datum_t both = concat(&leaf, &inter);
    c = resolve_ok(chain_take(cert_buf(both.data, both.size), key_file("example.org.key"), NULL));
    assert_pcerts(c, 2, "example.org.der");
    gtls_chain_unref(c);

    /* a truncated second certificate makes the material unreadable */
    unitls_error err;
    resolve_fails(chain_take(cert_buf(both.data, both.size - 1), key_file("example.org.key"),
                             NULL), UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "certificate buffer: cannot read it as PEM or DER certificates");
    gnutls_free(both.data);
    gnutls_free(leaf.data);
    gnutls_free(inter.data);
}
END_TEST

/* Ed25519, Ed448, RSA-PSS and ECDSA keys as PKCS#8, and ECDSA as SEC1 too (GnuTLS writes no
 * usable traditional form of the others). */
START_TEST(test_key_types)
{
    static const struct {
        gnutls_pk_algorithm_t pk;
        unsigned bits;
        enum sni_key_type type;
    } kinds[] = {
        {GNUTLS_PK_EDDSA_ED25519, 0, SNI_KEY_ED25519},
        {GNUTLS_PK_EDDSA_ED448, 0, SNI_KEY_ED448},
        {GNUTLS_PK_RSA_PSS, 2048, SNI_KEY_RSA_PSS},
        {GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1), SNI_KEY_ECDSA},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        unsigned bits = kinds[i].bits;
        if (bits == 0)
            bits = GNUTLS_CURVE_TO_BITS(kinds[i].pk == GNUTLS_PK_EDDSA_ED448
                                            ? GNUTLS_ECC_CURVE_ED448
                                            : GNUTLS_ECC_CURVE_ED25519);
        for (int pkcs8 = kinds[i].pk == GNUTLS_PK_ECDSA ? 0 : 1; pkcs8 <= 1; pkcs8++) {
            struct made m = make(kinds[i].pk, bits, pkcs8, "made.test");
            struct gtls_chain *c = resolve_ok(made_chain(&m));
            ck_assert_msg(gtls_chain_pk(c) == kinds[i].pk, "%s: pk %d",
                          gnutls_pk_get_name(kinds[i].pk), (int)gtls_chain_pk(c));
            ck_assert_int_eq(gtls_chain_key_type(c), kinds[i].type);
            gtls_chain_unref(c);
            made_free(&m);
        }
    }
}
END_TEST

/* Two keys of one type: the second does not match the first's certificate. */
START_TEST(test_mismatch_same_type_made)
{
    static const gnutls_pk_algorithm_t pks[] = {GNUTLS_PK_EDDSA_ED25519, GNUTLS_PK_EDDSA_ED448};
    for (size_t i = 0; i < 2; i++) {
        unsigned bits = GNUTLS_CURVE_TO_BITS(i ? GNUTLS_ECC_CURVE_ED448 : GNUTLS_ECC_CURVE_ED25519);
        struct made a = make(pks[i], bits, 1, "a.test"), b = make(pks[i], bits, 1, "b.test");
        unitls_error err;
        resolve_fails(chain_take(cert_buf(a.cert.data, a.cert.size),
                                 key_buf(b.key.data, b.key.size), NULL),
                      UNITLS_ERR_CONFIGURATION, &err);
        ck_assert_str_eq(err.message, "private key buffer does not match certificate buffer: "
                                      "The certificate and the given key do not match.");
        made_free(&a);
        made_free(&b);
    }
}
END_TEST

/* --- the key/leaf check --- */

/* The message is cfgmsg's, as OpenSSL's implementation words it, and GnuTLS's reason. */
static void assert_mismatch(unitls_signing_chain *s)
{
    char want[CFGMSG_SIZE + 64], base[CFGMSG_SIZE];
    cfgmsg_key_mismatch(s, base, sizeof base);
    snprintf(want, sizeof want, "%s: %s", base,
             gnutls_strerror(GNUTLS_E_CERTIFICATE_KEY_MISMATCH));
    unitls_error err;
    resolve_fails(s, UNITLS_ERR_CONFIGURATION, &err);
    ck_assert_str_eq(err.message, want);
    ck_assert_int_eq(err.impl_code, GNUTLS_E_CERTIFICATE_KEY_MISMATCH);
}

START_TEST(test_key_mismatch)
{
    char leaf[PATH_SIZE], key[PATH_SIZE], want[3 * PATH_SIZE];
    cert_path(leaf, "example.org.pem");
    cert_path(key, "other-example.org.key");
    snprintf(want, sizeof want, "private key file %s does not match certificate file %s: ", key,
             leaf);
    unitls_signing_chain *s = file_chain("example.org.pem", "other-example.org.key");
    unitls_signing_chain_ref(s);
    assert_mismatch(s);
    unitls_error err;
    resolve_fails(s, UNITLS_ERR_CONFIGURATION, &err);
    ck_assert_msg(strncmp(err.message, want, strlen(want)) == 0, "\"%s\"", err.message);

    assert_mismatch(file_chain("example.org.pem", "example.org-rsa.key"));     /* RSA, ECDSA */
    assert_mismatch(file_chain("example.org-rsa.pem", "example.org.key"));     /* ECDSA, RSA */
    assert_mismatch(file_chain("example.org-rsa.pem", "client.key"));
}
END_TEST

/* A leaf PEM holding a key of another leaf names "the private key in" the leaf. */
START_TEST(test_key_mismatch_in_leaf)
{
    gnutls_datum_t leaf = read_cert_file("example.org.pem");
    gnutls_datum_t key = read_cert_file("other-example.org.key");
    gnutls_datum_t both = concat(&leaf, &key);
    unitls_signing_chain *s = chain_take(cert_buf(both.data, both.size), NULL, NULL);
    unitls_signing_chain_ref(s);
    assert_mismatch(s);
    unitls_error err;
    resolve_fails(s, UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message,
                    "the private key in certificate buffer does not match certificate buffer");
    gnutls_free(both.data);
    gnutls_free(leaf.data);
    gnutls_free(key.data);
}
END_TEST

START_TEST(test_chain_without_key)
{
    char leaf[PATH_SIZE], want[2 * PATH_SIZE];
    cert_path(leaf, "example.org.pem");
    snprintf(want, sizeof want, "certificate file %s: holds no private key and the signing "
                                "chain names none", leaf);
    unitls_error err;
    resolve_fails(file_chain("example.org.pem", NULL), UNITLS_ERR_CONFIGURATION, &err);
    ck_assert_str_eq(err.message, want);
}
END_TEST

/* --- unreadable material --- */

static const char garbage[] = "this is neither PEM nor DER";
static const char bad_pem[] = "-----BEGIN CERTIFICATE-----\nnot*base64!\n-----END CERTIFICATE-----\n";

START_TEST(test_garbage_certificates)
{
    unitls_error err;
    resolve_fails(chain_take(cert_buf(garbage, strlen(garbage)), key_file("example.org.key"),
                             NULL), UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "certificate buffer: cannot read it as PEM or DER certificates: ");
    ck_assert_int_lt(err.impl_code, 0);

    resolve_fails(chain_take(cert_buf(bad_pem, strlen(bad_pem)), key_file("example.org.key"),
                             NULL), UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "certificate buffer: cannot read it as PEM or DER certificates: ");

    /* a PEM with a key and no certificate */
    gnutls_datum_t key = read_cert_file("example.org.key");
    resolve_fails(chain_take(cert_buf(key.data, key.size), NULL, NULL), UNITLS_ERR_CONFIGURATION,
                  &err);
    ck_assert_str_eq(err.message, "certificate buffer: holds no certificate");
    gnutls_free(key.data);

    /* garbage as an intermediate */
    resolve_fails(chain_take(cert_file("example.org.pem"), key_file("example.org.key"),
                             cert_buf(garbage, strlen(garbage))), UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "certificate buffer: cannot read it as PEM or DER certificates");
}
END_TEST

START_TEST(test_garbage_keys)
{
    unitls_error err;
    resolve_fails(chain_take(cert_file("example.org.pem"), key_buf(garbage, strlen(garbage)),
                             NULL), UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "private key buffer: cannot read a private key (PEM or DER, "
                                 "unencrypted): ");

    resolve_fails(chain_take(cert_file("example.org.pem"), key_file("example.org.pem"), NULL),
                  UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, ": holds no PEM private key");

    static const char bad_key[] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    resolve_fails(chain_take(cert_file("example.org.pem"), key_buf(bad_key, strlen(bad_key)),
                             NULL), UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "private key buffer: cannot read a private key");

    /* a broken key inside the leaf's PEM is an error, not a missing key */
    gnutls_datum_t leaf = read_cert_file("example.org.pem");
    gnutls_datum_t bad = text(bad_key), both = concat(&leaf, &bad);
    resolve_fails(chain_take(cert_buf(both.data, both.size), NULL, NULL),
                  UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "certificate buffer: cannot read a private key");
    gnutls_free(both.data);
    gnutls_free(leaf.data);
}
END_TEST

START_TEST(test_encrypted_keys_refused)
{
    static const char want[] = "private key buffer: the private key is encrypted (unitls never "
                               "prompts for a passphrase)";
    unitls_error err;
    gnutls_datum_t pkcs8 = reencode_key("example.org.key", GNUTLS_X509_FMT_PEM, 1, "secret");
    assert_contains((const char *)pkcs8.data, "ENCRYPTED PRIVATE KEY");
    resolve_fails(chain_take(cert_file("example.org.pem"), key_buf(pkcs8.data, pkcs8.size),
                             NULL), UNITLS_ERR_CONFIGURATION, &err);
    ck_assert_str_eq(err.message, want);
    gnutls_free(pkcs8.data);

    static const char traditional[] =
        "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
        "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nAAAA\n"
        "-----END RSA PRIVATE KEY-----\n";
    resolve_fails(chain_take(cert_file("example.org-rsa.pem"),
                             key_buf(traditional, strlen(traditional)), NULL),
                  UNITLS_ERR_CONFIGURATION, &err);
    ck_assert_str_eq(err.message, want);

    gnutls_datum_t der = reencode_key("example.org.key", GNUTLS_X509_FMT_DER, 1, "secret");
    resolve_fails(chain_take(cert_file("example.org.pem"), key_buf(der.data, der.size), NULL),
                  UNITLS_ERR_CONFIGURATION, &err);
    ck_assert_msg(strcmp(err.message, want) == 0 ||
                      strstr(err.message, "private key buffer: cannot read a private key"),
                  "\"%s\"", err.message);
    gnutls_free(der.data);
}
END_TEST

/* A file object outside a built configuration has no content to read. */
START_TEST(test_not_loaded)
{
    char path[PATH_SIZE];
    unitls_error err;
    cert_path(path, "example.org.pem");
    unitls_certificate *leaf = unitls_certificate_from_file(path, &err);
    ck_assert_ptr_nonnull(leaf);
    resolve_fails(chain_take(leaf, key_file("example.org.key"), NULL), UNITLS_ERR_CONFIGURATION,
                  &err);
    assert_contains(err.message, "not loaded");
}
END_TEST

/* Ids must be PKCS#11 URIs; what follows '?' (a PIN) never appears in a message. */
START_TEST(test_ids)
{
    static const char file_id[] = "file:/etc/x.pem?pin-value=1234";
    unitls_error err;
    unitls_certificate *leaf = unitls_certificate_from_id(file_id, strlen(file_id), &err);
    ck_assert_ptr_nonnull(leaf);
    resolve_fails(chain_take(leaf, NULL, NULL), UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "certificate id file:/etc/x.pem: not a PKCS#11 URI");
    ck_assert_ptr_null(strstr(err.message, "1234"));

    unitls_private_key *key = unitls_private_key_from_id(file_id, strlen(file_id), &err);
    ck_assert_ptr_nonnull(key);
    resolve_fails(chain_take(cert_file("example.org.pem"), key, NULL), UNITLS_ERR_CONFIGURATION,
                  &err);
    assert_contains(err.message, "private key id file:/etc/x.pem: not a PKCS#11 URI");
    ck_assert_ptr_null(strstr(err.message, "1234"));

    static const char absent[] = "pkcs11:token=unitls-no-such-token;object=x?pin-value=1234";
    leaf = unitls_certificate_from_id(absent, strlen(absent), &err);
    ck_assert_ptr_nonnull(leaf);
    resolve_fails(chain_take(leaf, NULL, NULL), UNITLS_ERR_CONFIGURATION, &err);
    assert_contains(err.message, "certificate id pkcs11:token=unitls-no-such-token;object=x: ");
    ck_assert_ptr_null(strstr(err.message, "1234"));
}
END_TEST

/* --- names --- */

/* The SNI table of chains (released): their leaves' names and key types. */
static struct sni_table *names_table(struct gtls_chain **chains, uint32_t n)
{
    struct sni_names *names = sni_names_new();
    ck_assert_ptr_nonnull(names);
    enum sni_key_type types[8];
    ck_assert_uint_le(n, 8);
    for (uint32_t i = 0; i < n; i++) {
        ck_assert_int_eq(gtls_chain_add_names(chains[i], names, i), 0);
        types[i] = gtls_chain_key_type(chains[i]);
        gtls_chain_unref(chains[i]);
    }
    struct sni_table *t = NULL;
    unitls_error err;
    ck_assert_int_eq(sni_table_build(names, types, n, &t, &err), UNITLS_OK);
    sni_names_free(names);
    return t;
}

START_TEST(test_names)
{
    static const char *const leaves[] = {"default.test", "example.org", "cnonly.test",
                                         "wildcard.example.net", "localhost"};
    enum { N = sizeof leaves / sizeof leaves[0] };
    struct gtls_chain *chains[N];
    for (uint32_t i = 0; i < N; i++) {
        char pem[64], key[64];
        snprintf(pem, sizeof pem, "%s.pem", leaves[i]);
        snprintf(key, sizeof key, "%s.key", leaves[i]);
        chains[i] = resolve_ok(file_chain(pem, key));
    }
    struct sni_table *t = names_table(chains, N);
    /* default.test 1, example.org 2, cnonly.test's CN 1, the wildcard 1, localhost 1 (its IP
     * addresses are no names) */
    ck_assert_uint_eq(sni_table_n_names(t), 6);
    static const struct {
        const char *name;
        uint32_t chain;
    } want[] = {{"www.example.org", 1}, {"example.org", 1}, {"cnonly.test", 2},
                {"a.example.net", 3},   {"localhost", 4},   {"made.test", 0},
                {"127.0.0.1", 0}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct cert_set *set = sni_table_select(t, want[i].name, strlen(want[i].name));
        ck_assert_msg(set->n >= 1 && set->chain[0] == want[i].chain, "%s: chain %u, want %u",
                      want[i].name, set->n ? set->chain[0] : 99u, want[i].chain);
    }
    sni_table_free(t);
}
END_TEST

/* A leaf whose subjectAltName has no DNS name does not fall back to its CN ("made.test"). */
START_TEST(test_names_san_without_dns)
{
    struct made m = make_san(GNUTLS_PK_EDDSA_ED25519,
                             GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_ED25519), 1,
                             GNUTLS_SAN_RFC822NAME, "a@made.test");
    struct gtls_chain *c = resolve_ok(made_chain(&m));
    struct sni_table *t = names_table(&c, 1);
    ck_assert_uint_eq(sni_table_n_names(t), 0);
    sni_table_free(t);
    made_free(&m);
}
END_TEST

/* --- trust stores --- */

static unitls_trust_store *trust_file(const char *name)
{
    char path[PATH_SIZE];
    unitls_error err;
    cert_path(path, name);
    unitls_trust_store *t = unitls_trust_store_from_file(path, &err);
    ck_assert_msg(t != NULL, "trust store %s: %s", path, err.message);
    unitls_trust_store *loaded = trust_store_load(t, &err);
    ck_assert_msg(loaded != NULL, "load %s: %s", path, err.message);
    unitls_trust_store_unref(t);
    return loaded;
}

static unitls_trust_store *trust_buf(const void *data, size_t len)
{
    unitls_error err;
    unitls_trust_store *t = unitls_trust_store_from_buffer(data, len, &err);
    ck_assert_msg(t != NULL, "trust store buffer: %s", err.message);
    return t;
}

/* Applies t (released) to new credentials; returns them, or NULL with err on failure. */
static gnutls_certificate_credentials_t trust(unitls_trust_store *t, unitls_status want,
                                              unitls_error *err)
{
    gnutls_certificate_credentials_t cred;
    ck_assert_int_ge(gnutls_certificate_allocate_credentials(&cred), 0);
    unitls_status st = gtls_trust_apply(cred, t, err);
    ck_assert_msg(st == want, "trust: expected %s, got %s (%s)", unitls_status_name(want),
                  unitls_status_name(st), st == UNITLS_OK ? "" : err->message);
    unitls_trust_store_unref(t);
    if (st == UNITLS_OK)
        return cred;
    gnutls_certificate_free_credentials(cred);
    return NULL;
}

/* 1 when cred's trust verifies the example.org leaf and its intermediate. */
static int verifies_example_org(gnutls_certificate_credentials_t cred)
{
    gnutls_x509_trust_list_t list;
    gnutls_certificate_get_trust_list(cred, &list);
    gnutls_datum_t pem = read_cert_file("example.org.pem");
    gnutls_x509_crt_t *crts = NULL;
    unsigned n = 0, status = 1;
    ck_assert_int_ge(gnutls_x509_crt_list_import2(&crts, &n, &pem, GNUTLS_X509_FMT_PEM, 0), 0);
    int rc = gnutls_x509_trust_list_verify_crt2(list, crts, n, NULL, 0, 0, &status, NULL);
    for (unsigned i = 0; i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    gnutls_free(pem.data);
    return rc >= 0 && status == 0;
}

START_TEST(test_trust_pem_and_der)
{
    unitls_error err;
    gnutls_certificate_credentials_t cred = trust(trust_file("ca.pem"), UNITLS_OK, &err);
    ck_assert(verifies_example_org(cred));
    gnutls_certificate_free_credentials(cred);

    cred = trust(trust_file("other-ca.pem"), UNITLS_OK, &err);
    ck_assert(!verifies_example_org(cred));
    gnutls_certificate_free_credentials(cred);

    gnutls_datum_t other = first_cert_der("other-ca.pem"), ca = first_cert_der("ca.pem");
    gnutls_datum_t both = concat(&other, &ca);
    cred = trust(trust_buf(both.data, both.size), UNITLS_OK, &err);
    ck_assert(verifies_example_org(cred));
    gnutls_certificate_free_credentials(cred);
    gnutls_free(both.data);
    gnutls_free(other.data);
    gnutls_free(ca.data);
}
END_TEST

START_TEST(test_trust_system)
{
    unitls_error err;
    gnutls_certificate_credentials_t cred = trust(NULL, UNITLS_OK, &err);
    gnutls_certificate_free_credentials(cred);
    cred = trust(unitls_trust_store_system(), UNITLS_OK, &err);
    gnutls_certificate_free_credentials(cred);
}
END_TEST

START_TEST(test_trust_errors)
{
    unitls_error err;
    gnutls_datum_t key = read_cert_file("example.org.key");
    ck_assert_ptr_null(trust(trust_buf(key.data, key.size), UNITLS_ERR_CONFIGURATION, &err));
    ck_assert_str_eq(err.message, "trust store buffer: holds no certificate");
    gnutls_free(key.data);

    ck_assert_ptr_null(trust(trust_buf(garbage, strlen(garbage)), UNITLS_ERR_CONFIGURATION,
                             &err));
    assert_contains(err.message,
                    "trust store buffer: cannot read it as PEM or DER certificates: ");
    ck_assert_ptr_null(trust(trust_buf(bad_pem, strlen(bad_pem)), UNITLS_ERR_CONFIGURATION,
                             &err));
    assert_contains(err.message,
                    "trust store buffer: cannot read it as PEM or DER certificates: ");

    static const char file_id[] = "file:/etc/ssl/certs?pin-value=1234";
    unitls_trust_store *t = unitls_trust_store_from_id(file_id, strlen(file_id), &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_null(trust(t, UNITLS_ERR_CONFIGURATION, &err));
    assert_contains(err.message, "trust store id file:/etc/ssl/certs: not a PKCS#11 URI");
    ck_assert_ptr_null(strstr(err.message, "1234"));

    static const char absent[] = "pkcs11:token=unitls-no-such-token?pin-value=1234";
    t = unitls_trust_store_from_id(absent, strlen(absent), &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_null(trust(t, UNITLS_ERR_CONFIGURATION, &err));
    assert_contains(err.message, "trust store id pkcs11:token=unitls-no-such-token: ");
    ck_assert_ptr_null(strstr(err.message, "1234"));

    char path[PATH_SIZE];
    cert_path(path, "ca.pem");
    t = unitls_trust_store_from_file(path, &err);
    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_null(trust(t, UNITLS_ERR_CONFIGURATION, &err));
    assert_contains(err.message, "not loaded");
}
END_TEST

static Suite *gnutls_resolve_suite(void)
{
    Suite *s = suite_create("gnutls_resolve");
    TCase *tc = tcase_create("chains");
    tcase_set_timeout(tc, 60); /* RSA and RSA-PSS key generation */
    tcase_add_test(tc, test_ecdsa_chain);
    tcase_add_test(tc, test_rsa_chain);
    tcase_add_test(tc, test_intermediates_in_order);
    tcase_add_test(tc, test_key_in_leaf_pem);
    tcase_add_test(tc, test_traditional_keys);
    tcase_add_test(tc, test_der_material);
    tcase_add_test(tc, test_key_types);
    suite_add_tcase(s, tc);

    tc = tcase_create("key_check");
    tcase_add_test(tc, test_key_mismatch);
    tcase_add_test(tc, test_key_mismatch_in_leaf);
    tcase_add_test(tc, test_mismatch_same_type_made);
    tcase_add_test(tc, test_chain_without_key);
    suite_add_tcase(s, tc);

    tc = tcase_create("refused");
    tcase_add_test(tc, test_garbage_certificates);
    tcase_add_test(tc, test_garbage_keys);
    tcase_add_test(tc, test_encrypted_keys_refused);
    tcase_add_test(tc, test_not_loaded);
    tcase_add_test(tc, test_ids);
    suite_add_tcase(s, tc);

    tc = tcase_create("names");
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_names_san_without_dns);
    suite_add_tcase(s, tc);

    tc = tcase_create("trust");
    tcase_add_test(tc, test_trust_pem_and_der);
    tcase_add_test(tc, test_trust_system);
    tcase_add_test(tc, test_trust_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(gnutls_resolve_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
