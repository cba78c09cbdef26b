/* resolve: parsing certificate and key material (PEM or DER) and PKCS#11 URIs into GnuTLS
 * objects, checking a chain's key against its leaf, and reading a leaf's names. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/cfgmsg.h"
#include "core/error.h"
#include "core/material.h"
#include "core/refcount.h"
#include "resolve.h"

#define DESC_SIZE CFGMSG_DESC_SIZE
#define URI_MAX 4096
#define PKCS11_SCHEME "pkcs11:"

struct gtls_chain {
    refcount refs;
    gnutls_pcert_st *pcerts; /* leaf first */
    unsigned n_pcerts;
    gnutls_privkey_t key;
    gnutls_pk_algorithm_t pk;
};

/* Certificates parsed so far, in order. */
struct crt_list {
    gnutls_x509_crt_t *v;
    unsigned n, cap;
};

/* --- errors --- */

/* A configuration error in cfgmsg's words about desc; code < 0 appends GnuTLS's reason and
 * becomes impl_code. GnuTLS running out of memory is reported as such. */
static unitls_status nomem(unitls_error *err, const char *desc)
{
    return error_set(err, UNITLS_ERR_NOMEM, GNUTLS_E_MEMORY_ERROR, "%s: out of memory", desc);
}

static unitls_status cfg_fail(unitls_error *err, enum cfgmsg m, const char *desc, int code)
{
    if (code == GNUTLS_E_MEMORY_ERROR)
        return nomem(err, desc);
    char msg[CFGMSG_SIZE];
    cfgmsg_format(m, desc, msg, sizeof msg);
    if (code >= 0)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
    return error_set(err, UNITLS_ERR_CONFIGURATION, code, "%s: %s", msg, gnutls_strerror(code));
}

/* A library must never prompt: GnuTLS asks this instead of a terminal or a global callback,
 * so only a PIN carried in a PKCS#11 URI is ever used. */
static int refuse_pin(void *userdata, int attempt, const char *token_url,
                      const char *token_label, unsigned flags, char *pin, size_t pin_max)
{
    (void)userdata;
    (void)attempt;
    (void)token_url;
    (void)token_label;
    (void)flags;
    (void)pin;
    (void)pin_max;
    return GNUTLS_E_PKCS11_PIN_ERROR;
}

/* --- certificate lists --- */

static int crt_list_push(struct crt_list *l, gnutls_x509_crt_t c)
{
    if (l->n == l->cap) {
        unsigned cap = l->cap ? l->cap * 2 : 4;
        gnutls_x509_crt_t *grown = cap > l->cap ? realloc(l->v, cap * sizeof *grown) : NULL;
        if (!grown) {
            gnutls_x509_crt_deinit(c);
            return GNUTLS_E_MEMORY_ERROR;
        }
        l->v = grown;
        l->cap = cap;
    }
    l->v[l->n++] = c;
    return 0;
}

static void crt_list_clear(struct crt_list *l)
{
    for (unsigned i = 0; i < l->n; i++)
        gnutls_x509_crt_deinit(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static gnutls_datum_t datum(const uint8_t *p, size_t len)
{
    gnutls_datum_t d = {(unsigned char *)p, (unsigned)len};
    return d;
}

static int is_pem(const uint8_t *p, size_t len)
{
    return memmem(p, len, "-----BEGIN ", 11) != NULL;
}

/* The size of the DER SEQUENCE starting at p (header and body), or 0 when its header is
 * malformed or it runs past len: how concatenated DER certificates are told apart. */
static size_t der_sequence_size(const uint8_t *p, size_t len)
{
    if (len < 2 || p[0] != 0x30)
        return 0;
    size_t header = 2, body = p[1];
    if (p[1] & 0x80) {
        size_t n_octets = p[1] & 0x7fu;
        if (n_octets == 0 || n_octets > 4 || len < 2 + n_octets)
            return 0;
        body = 0;
        for (size_t i = 0; i < n_octets; i++)
            body = body << 8 | p[2 + i];
        header += n_octets;
    }
    return body <= len - header ? header + body : 0;
}

/* Appends every certificate of DER material (one or several concatenated). */
static int der_certs_import(const uint8_t *p, size_t len, struct crt_list *out)
{
    while (len > 0) {
        size_t size = der_sequence_size(p, len);
        if (size == 0)
            return GNUTLS_E_ASN1_DER_ERROR;
        gnutls_x509_crt_t c;
        int rc = gnutls_x509_crt_init(&c);
        if (rc < 0)
            return rc;
        gnutls_datum_t d = datum(p, size);
        rc = gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_DER);
        if (rc < 0) {
            gnutls_x509_crt_deinit(c);
            return rc;
        }
        if ((rc = crt_list_push(out, c)) < 0)
            return rc;
        p += size;
        len -= size;
    }
    return 0;
}

/* Appends every CERTIFICATE block of PEM material; other blocks (a key) are skipped. */
static int pem_certs_import(const uint8_t *p, size_t len, struct crt_list *out)
{
    gnutls_x509_crt_t *crts = NULL;
    unsigned n = 0;
    gnutls_datum_t d = datum(p, len);
    int rc = gnutls_x509_crt_list_import2(&crts, &n, &d, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0)
        return rc;
    unsigned i = 0;
    for (; i < n && rc >= 0; i++)
        rc = crt_list_push(out, crts[i]);
    for (; i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    return rc;
}

/* Appends every certificate of PEM or DER material to out. */
static unitls_status certs_parse(const uint8_t *p, size_t len, const char *desc,
                                 struct crt_list *out, unitls_error *err)
{
    if (len > UINT_MAX)
        return cfg_fail(err, CFGMSG_UNREADABLE_CERTIFICATES, desc, 0);
    unsigned before = out->n;
    int rc = is_pem(p, len) ? pem_certs_import(p, len, out) : der_certs_import(p, len, out);
    if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND || (rc >= 0 && out->n == before))
        return cfg_fail(err, CFGMSG_NO_CERTIFICATE, desc, 0);
    if (rc < 0)
        return cfg_fail(err, CFGMSG_UNREADABLE_CERTIFICATES, desc, rc);
    return UNITLS_OK;
}

/* --- private keys --- */

enum key_block { KEY_NONE, KEY_PLAIN, KEY_ENCRYPTED };

static const uint8_t *find(const uint8_t *from, const uint8_t *end, const char *s)
{
    return from < end ? memmem(from, (size_t)(end - from), s, strlen(s)) : NULL;
}

/* The first PEM block labelled "... PRIVATE KEY", from its BEGIN line to the end of its END
 * line's dashes, and whether it is encrypted (PKCS#8 "ENCRYPTED PRIVATE KEY", or a
 * traditional key with "Proc-Type: 4,ENCRYPTED"). A block without an END line is KEY_PLAIN
 * to the end of the material, so that GnuTLS reports what is wrong with it. */
static enum key_block pem_key_block(const uint8_t *p, size_t len, gnutls_datum_t *block)
{
    static const char tail[] = "PRIVATE KEY", encrypted[] = "ENCRYPTED PRIVATE KEY";
    const size_t tail_len = sizeof tail - 1, encrypted_len = sizeof encrypted - 1;
    const uint8_t *end = p + len, *begin = p;
    while ((begin = find(begin, end, "-----BEGIN "))) {
        const uint8_t *label = begin + 11, *label_end = find(label, end, "-----");
        if (!label_end)
            return KEY_NONE;
        size_t label_len = (size_t)(label_end - label);
        begin = label_end + 5;
        if (label_len < tail_len || memcmp(label_end - tail_len, tail, tail_len) != 0)
            continue;
        const uint8_t *stop = find(begin, end, "-----END ");
        const uint8_t *stop_end = stop ? find(stop + 9, end, "-----") : NULL;
        const uint8_t *block_end = stop_end ? stop_end + 5 : end;
        *block = datum(label - 11, (size_t)(block_end - (label - 11)));
        int pkcs8_encrypted = label_len == encrypted_len &&
                              memcmp(label, encrypted, encrypted_len) == 0;
        return pkcs8_encrypted || find(label, block_end, "Proc-Type: 4,ENCRYPTED")
                   ? KEY_ENCRYPTED : KEY_PLAIN;
    }
    return KEY_NONE;
}

/* Decodes one unencrypted key (PKCS#8, PKCS#1 RSA, SEC1 EC, ...) into a new privkey. Returns
 * 0 or GnuTLS's error. GNUTLS_PKCS_PLAIN and the refusing PIN callback keep GnuTLS from
 * asking anyone for a password. */
static int x509_key_import(const gnutls_datum_t *d, gnutls_x509_crt_fmt_t fmt,
                           gnutls_privkey_t *out)
{
    gnutls_x509_privkey_t xkey = NULL;
    gnutls_privkey_t key = NULL;
    int rc = gnutls_x509_privkey_init(&xkey);
    if (rc < 0)
        return rc;
    gnutls_x509_privkey_set_pin_function(xkey, refuse_pin, NULL);
    rc = gnutls_x509_privkey_import2(xkey, d, fmt, NULL, GNUTLS_PKCS_PLAIN);
    if (rc >= 0)
        rc = gnutls_privkey_init(&key);
    if (rc >= 0)
        rc = gnutls_privkey_import_x509(key, xkey, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
    if (rc < 0) {
        if (key)
            gnutls_privkey_deinit(key); /* does not own xkey: the import failed */
        gnutls_x509_privkey_deinit(xkey);
        return rc;
    }
    *out = key;
    return 0;
}

/* Reads the first private key of PEM or DER material; quiet is for material that may hold no
 * key (a leaf's PEM): then a missing key is not an error but *out stays NULL. */
static unitls_status key_parse(const uint8_t *p, size_t len, const char *desc, int quiet,
                               gnutls_privkey_t *out, unitls_error *err)
{
    int pem = is_pem(p, len);
    if (quiet && !pem)
        return UNITLS_OK; /* DER certificate material cannot hold a key */
    if (len > UINT_MAX)
        return cfg_fail(err, CFGMSG_UNREADABLE_PRIVATE_KEY, desc, 0);
    gnutls_datum_t d = datum(p, len);
    if (pem) {
        switch (pem_key_block(p, len, &d)) {
        case KEY_NONE:
            return quiet ? UNITLS_OK : cfg_fail(err, CFGMSG_NO_PRIVATE_KEY, desc, 0);
        case KEY_ENCRYPTED:
            return cfg_fail(err, CFGMSG_ENCRYPTED_PRIVATE_KEY, desc, 0);
        case KEY_PLAIN:
            break;
        }
    }
    int rc = x509_key_import(&d, pem ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER, out);
    if (rc == GNUTLS_E_DECRYPTION_FAILED) /* encrypted DER PKCS#8 */
        return cfg_fail(err, CFGMSG_ENCRYPTED_PRIVATE_KEY, desc, 0);
    if (rc < 0)
        return cfg_fail(err, CFGMSG_UNREADABLE_PRIVATE_KEY, desc, rc);
    return UNITLS_OK;
}

/* --- ids (PKCS#11 URIs) --- */

/* A NUL-terminated copy of the id in uri[URI_MAX] when it is a PKCS#11 URI. The caller wipes
 * uri: the URI may carry a PIN. */
static unitls_status id_uri(const uint8_t *id, size_t len, const char *desc, char *uri,
                            unitls_error *err)
{
    size_t scheme_len = sizeof PKCS11_SCHEME - 1;
    if (!id || len <= scheme_len || len >= URI_MAX || memchr(id, '\0', len) ||
        strncasecmp((const char *)id, PKCS11_SCHEME, scheme_len) != 0)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "%s: not a PKCS#11 URI (GnuTLS resolves ids of the form pkcs11:..., "
                         "at most %d bytes, no NUL)", desc, URI_MAX - 1);
    memcpy(uri, id, len);
    uri[len] = '\0';
    return UNITLS_OK;
}

static int url_key_import(const char *uri, gnutls_privkey_t *out)
{
    gnutls_privkey_t key;
    int rc = gnutls_privkey_init(&key);
    if (rc < 0)
        return rc;
    gnutls_privkey_set_pin_function(key, refuse_pin, NULL);
    rc = gnutls_privkey_import_url(key, uri, 0);
    if (rc < 0) {
        gnutls_privkey_deinit(key);
        return rc;
    }
    *out = key;
    return 0;
}

static int url_crt_import(const char *uri, struct crt_list *out)
{
    gnutls_x509_crt_t c;
    int rc = gnutls_x509_crt_init(&c);
    if (rc < 0)
        return rc;
    gnutls_x509_crt_set_pin_function(c, refuse_pin, NULL);
    rc = gnutls_x509_crt_import_url(c, uri, 0);
    if (rc < 0) {
        gnutls_x509_crt_deinit(c);
        return rc;
    }
    return crt_list_push(out, c);
}

/* The certificate a PKCS#11 URI names and, when key is not NULL, the key under the same URI
 * if there is one (a missing key is left for the chain check to report; a key that is there
 * but cannot be used, for want of a PIN say, is reported here). */
static unitls_status certificate_from_id(const uint8_t *id, size_t len, const char *desc,
                                         struct crt_list *out, gnutls_privkey_t *key,
                                         unitls_error *err)
{
    char uri[URI_MAX];
    unitls_status st = id_uri(id, len, desc, uri, err);
    if (st != UNITLS_OK)
        return st;
    const char *what = "it";
    int rc = url_crt_import(uri, out);
    if (rc >= 0 && key) {
        rc = url_key_import(uri, key);
        what = "its private key";
        if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            rc = 0;
    }
    gnutls_memset(uri, 0, sizeof uri);
    if (rc == GNUTLS_E_MEMORY_ERROR)
        return nomem(err, desc);
    if (rc < 0)
        return error_set(err, UNITLS_ERR_CONFIGURATION, rc, "%s: GnuTLS cannot load %s: %s",
                         desc, what, gnutls_strerror(rc));
    return UNITLS_OK;
}

static unitls_status key_from_id(const uint8_t *id, size_t len, const char *desc,
                                 gnutls_privkey_t *out, unitls_error *err)
{
    char uri[URI_MAX];
    unitls_status st = id_uri(id, len, desc, uri, err);
    if (st != UNITLS_OK)
        return st;
    int rc = url_key_import(uri, out);
    gnutls_memset(uri, 0, sizeof uri);
    if (rc == GNUTLS_E_MEMORY_ERROR)
        return nomem(err, desc);
    if (rc < 0)
        return error_set(err, UNITLS_ERR_CONFIGURATION, rc, "%s: GnuTLS cannot load it: %s",
                         desc, gnutls_strerror(rc));
    return UNITLS_OK;
}

/* --- credentials --- */

/* Certificates of one certificate object into out; when key is not NULL, also the private key
 * its material or id may hold. */
static unitls_status certificate_resolve(const unitls_certificate *c, struct crt_list *out,
                                         gnutls_privkey_t *key, unitls_error *err)
{
    char desc[DESC_SIZE];
    describe_certificate(c, desc, sizeof desc);
    size_t len = 0;
    if (unitls_certificate_source(c) == UNITLS_SOURCE_ID) {
        const uint8_t *id = unitls_certificate_id(c, &len);
        return certificate_from_id(id, len, desc, out, key, err);
    }
    const uint8_t *content = unitls_certificate_content(c, &len);
    if (!content || len == 0)
        return cfg_fail(err, CFGMSG_NOT_LOADED, desc, 0);
    unitls_status st = certs_parse(content, len, desc, out, err);
    if (st == UNITLS_OK && key)
        st = key_parse(content, len, desc, 1, key, err);
    return st;
}

static unitls_status key_resolve(const unitls_private_key *k, gnutls_privkey_t *out,
                                 unitls_error *err)
{
    char desc[DESC_SIZE];
    describe_private_key(k, desc, sizeof desc);
    size_t len = 0;
    if (unitls_private_key_source(k) == UNITLS_SOURCE_ID) {
        const uint8_t *id = unitls_private_key_id(k, &len);
        return key_from_id(id, len, desc, out, err);
    }
    const uint8_t *material = private_key_material(k, &len);
    if (!material || len == 0)
        return cfg_fail(err, CFGMSG_NOT_LOADED, desc, 0);
    return key_parse(material, len, desc, 0, out, err);
}

/* --- the key/leaf check --- */

static int datums_equal(const gnutls_datum_t *a, const gnutls_datum_t *b)
{
    return a->size == b->size && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
}

/* The public values of a key: RSA modulus and exponent, or a curve and its point (Ed25519 and
 * Ed448 have no y). Compared rather than the encoded SubjectPublicKeyInfo, whose optional
 * RSA-PSS parameters may differ between a key and its certificate. */
struct public_values {
    gnutls_ecc_curve_t curve;
    gnutls_datum_t v[2];
};

static int public_values_get(gnutls_pubkey_t k, gnutls_pk_algorithm_t pk,
                             struct public_values *out)
{
    memset(out, 0, sizeof *out);
    if (pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS)
        return gnutls_pubkey_export_rsa_raw2(k, &out->v[0], &out->v[1], 0);
    return gnutls_pubkey_export_ecc_raw2(k, &out->curve, &out->v[0], &out->v[1], 0);
}

static void public_values_free(struct public_values *p)
{
    gnutls_free(p->v[0].data);
    gnutls_free(p->v[1].data);
}

static int key_ids_equal(gnutls_pubkey_t a, gnutls_pubkey_t b)
{
    unsigned char id_a[64], id_b[64];
    size_t len_a = sizeof id_a, len_b = sizeof id_b;
    int rc = gnutls_pubkey_get_key_id(a, GNUTLS_KEYID_USE_SHA256, id_a, &len_a);
    if (rc >= 0)
        rc = gnutls_pubkey_get_key_id(b, GNUTLS_KEYID_USE_SHA256, id_b, &len_b);
    return rc < 0 ? rc : len_a == len_b && memcmp(id_a, id_b, len_a) == 0;
}

/* 1 when both are the same public key, 0 when not, GnuTLS's error when they cannot be read. */
static int pubkeys_equal(gnutls_pubkey_t a, gnutls_pubkey_t b)
{
    int pk = gnutls_pubkey_get_pk_algorithm(a, NULL);
    if (pk != gnutls_pubkey_get_pk_algorithm(b, NULL))
        return 0;
    switch (pk) {
    case GNUTLS_PK_RSA:
    case GNUTLS_PK_RSA_PSS:
    case GNUTLS_PK_ECDSA:
    case GNUTLS_PK_EDDSA_ED25519:
    case GNUTLS_PK_EDDSA_ED448:
        break;
    default:
        return key_ids_equal(a, b);
    }
    struct public_values va, vb;
    int rc = public_values_get(a, (gnutls_pk_algorithm_t)pk, &va);
    if (rc >= 0)
        rc = public_values_get(b, (gnutls_pk_algorithm_t)pk, &vb);
    else
        memset(&vb, 0, sizeof vb);
    if (rc >= 0)
        rc = va.curve == vb.curve && datums_equal(&va.v[0], &vb.v[0]) &&
             datums_equal(&va.v[1], &vb.v[1]);
    public_values_free(&va);
    public_values_free(&vb);
    return rc;
}

/* For a key whose public half GnuTLS cannot read (some PKCS#11 tokens): 1 when a signature
 * it makes verifies with the leaf's public key, as GnuTLS's own key/certificate check does. */
static int signature_verifies(gnutls_pubkey_t leaf_pub, gnutls_privkey_t key)
{
    static const char text[] = "unitls: does this key belong to this certificate?";
    gnutls_datum_t data = datum((const uint8_t *)text, sizeof text - 1), sig = {NULL, 0};
    gnutls_digest_algorithm_t hash = GNUTLS_DIG_SHA256;
    gnutls_pk_algorithm_t pk = (gnutls_pk_algorithm_t)gnutls_pubkey_get_pk_algorithm(leaf_pub,
                                                                                     NULL);
    if (gnutls_privkey_get_pk_algorithm(key, NULL) != (int)pk)
        return 0;
    gnutls_pubkey_get_preferred_hash_algorithm(leaf_pub, &hash, NULL);
    gnutls_sign_algorithm_t algo = gnutls_pk_to_sign(pk, hash);
    int rc = gnutls_privkey_sign_data2(key, algo, 0, &data, &sig);
    if (rc == GNUTLS_E_MEMORY_ERROR)
        return rc;
    if (rc >= 0)
        rc = gnutls_pubkey_verify_data2(leaf_pub, algo, 0, &data, &sig) >= 0;
    gnutls_free(sig.data);
    return rc > 0;
}

/* 1 when key is the leaf's key, 0 when not, GnuTLS's error otherwise. */
static int key_matches_leaf(gnutls_x509_crt_t leaf, gnutls_privkey_t key)
{
    gnutls_pubkey_t leaf_pub = NULL, key_pub = NULL;
    int rc = gnutls_pubkey_init(&leaf_pub);
    if (rc >= 0)
        rc = gnutls_pubkey_import_x509(leaf_pub, leaf, 0);
    if (rc >= 0)
        rc = gnutls_pubkey_init(&key_pub);
    if (rc >= 0) {
        if (gnutls_pubkey_import_privkey(key_pub, key, 0, 0) >= 0)
            rc = pubkeys_equal(leaf_pub, key_pub);
        else
            rc = signature_verifies(leaf_pub, key);
    }
    if (key_pub)
        gnutls_pubkey_deinit(key_pub);
    if (leaf_pub)
        gnutls_pubkey_deinit(leaf_pub);
    return rc;
}

static unitls_status chain_check_key(const unitls_signing_chain *s, gnutls_x509_crt_t leaf,
                                     gnutls_privkey_t key, unitls_error *err)
{
    char msg[CFGMSG_SIZE];
    if (!key) {
        char cert_desc[DESC_SIZE];
        describe_certificate(unitls_signing_chain_leaf(s), cert_desc, sizeof cert_desc);
        return cfg_fail(err, CFGMSG_CHAIN_WITHOUT_KEY, cert_desc, 0);
    }
    int rc = key_matches_leaf(leaf, key);
    if (rc == 1)
        return UNITLS_OK;
    if (rc == GNUTLS_E_MEMORY_ERROR)
        return nomem(err, "signing chain");
    if (rc == 0)
        rc = GNUTLS_E_CERTIFICATE_KEY_MISMATCH;
    cfgmsg_key_mismatch(s, msg, sizeof msg);
    return error_set(err, UNITLS_ERR_CONFIGURATION, rc, "%s: %s", msg, gnutls_strerror(rc));
}

/* --- chains --- */

static enum sni_key_type key_type_of(gnutls_pk_algorithm_t pk)
{
    switch (pk) {
    case GNUTLS_PK_RSA: return SNI_KEY_RSA;
    case GNUTLS_PK_RSA_PSS: return SNI_KEY_RSA_PSS;
    case GNUTLS_PK_ECDSA: return SNI_KEY_ECDSA;
    case GNUTLS_PK_EDDSA_ED25519: return SNI_KEY_ED25519;
    case GNUTLS_PK_EDDSA_ED448: return SNI_KEY_ED448;
    default: return SNI_KEY_OTHER;
    }
}

/* The chain object from resolved parts: takes key on success; certs stay the caller's. */
static unitls_status chain_new(struct crt_list *certs, gnutls_privkey_t key,
                               struct gtls_chain **out, unitls_error *err)
{
    struct gtls_chain *c = calloc(1, sizeof *c);
    gnutls_pcert_st *pcerts = calloc(certs->n, sizeof *pcerts);
    unsigned n = certs->n;
    int rc = c && pcerts ? gnutls_pcert_import_x509_list(pcerts, certs->v, &n, 0)
                         : GNUTLS_E_MEMORY_ERROR;
    if (rc < 0) {
        free(pcerts);
        free(c);
        return rc == GNUTLS_E_MEMORY_ERROR
                   ? nomem(err, "signing chain")
                   : error_set(err, UNITLS_ERR_CONFIGURATION, rc, "signing chain: %s",
                               gnutls_strerror(rc));
    }
    refcount_init(&c->refs);
    c->pcerts = pcerts;
    c->n_pcerts = n;
    c->key = key;
    c->pk = (gnutls_pk_algorithm_t)gnutls_privkey_get_pk_algorithm(key, NULL);
    *out = c;
    return UNITLS_OK;
}

unitls_status gtls_chain_resolve(const unitls_signing_chain *s, struct gtls_chain **out,
                                 unitls_error *err)
{
    if (!s || !out)
        return error_set(err, UNITLS_ERR_INVALID, 0, "signing chain: NULL argument");
    struct crt_list certs = {NULL, 0, 0};
    gnutls_privkey_t key = NULL;
    const unitls_private_key *k = unitls_signing_chain_key(s);
    unitls_status st = certificate_resolve(unitls_signing_chain_leaf(s), &certs,
                                           k ? NULL : &key, err);
    if (st == UNITLS_OK && k)
        st = key_resolve(k, &key, err);
    for (size_t i = 0; st == UNITLS_OK && i < unitls_signing_chain_length(s); i++)
        st = certificate_resolve(unitls_signing_chain_intermediate(s, i), &certs, NULL, err);
    if (st == UNITLS_OK)
        st = chain_check_key(s, certs.v[0], key, err);
    if (st == UNITLS_OK)
        st = chain_new(&certs, key, out, err);
    if (st != UNITLS_OK && key)
        gnutls_privkey_deinit(key);
    crt_list_clear(&certs);
    return st;
}

unitls_status gtls_chain_certificates(const unitls_signing_chain *s, gnutls_x509_crt_t **certs,
                                     unsigned *n, unitls_error *err)
{
    struct crt_list l = {NULL, 0, 0};
    unitls_status st = certificate_resolve(unitls_signing_chain_leaf(s), &l, NULL, err);
    for (size_t i = 0; st == UNITLS_OK && i < unitls_signing_chain_length(s); i++)
        st = certificate_resolve(unitls_signing_chain_intermediate(s, i), &l, NULL, err);
    if (st != UNITLS_OK) {
        crt_list_clear(&l);
        return st;
    }
    *certs = l.v;
    *n = l.n;
    return UNITLS_OK;
}

struct gtls_chain *gtls_chain_ref(struct gtls_chain *c)
{
    if (c)
        refcount_inc(&c->refs);
    return c;
}

void gtls_chain_unref(struct gtls_chain *c)
{
    if (!c || !refcount_dec(&c->refs))
        return;
    for (unsigned i = 0; i < c->n_pcerts; i++)
        gnutls_pcert_deinit(&c->pcerts[i]);
    free(c->pcerts);
    gnutls_privkey_deinit(c->key); /* GnuTLS wipes the key's values as it frees them */
    free(c);
}

gnutls_pcert_st *gtls_chain_pcerts(const struct gtls_chain *c, unsigned *n)
{
    *n = c->n_pcerts;
    return c->pcerts;
}

gnutls_privkey_t gtls_chain_key(const struct gtls_chain *c) { return c->key; }

gnutls_pk_algorithm_t gtls_chain_pk(const struct gtls_chain *c) { return c->pk; }

enum sni_key_type gtls_chain_key_type(const struct gtls_chain *c) { return key_type_of(c->pk); }

/* --- trust --- */

static unitls_status trust_from_id(gnutls_certificate_credentials_t cred, const uint8_t *id,
                                   size_t len, const char *desc, unitls_error *err)
{
    char uri[URI_MAX];
    unitls_status st = id_uri(id, len, desc, uri, err);
    if (st != UNITLS_OK)
        return st;
    /* GnuTLS reads a pkcs11: URL given as a trust file: the token's CA objects. */
    int rc = gnutls_certificate_set_x509_trust_file(cred, uri, GNUTLS_X509_FMT_DER);
    gnutls_memset(uri, 0, sizeof uri);
    if (rc == 0)
        return cfg_fail(err, CFGMSG_NO_CERTIFICATE, desc, 0);
    if (rc < 0)
        return cfg_fail(err, CFGMSG_UNREADABLE_CERTIFICATES, desc, rc);
    return UNITLS_OK;
}

static unitls_status trust_from_material(gnutls_certificate_credentials_t cred,
                                         const unitls_trust_store *t, const char *desc,
                                         unitls_error *err)
{
    size_t len = 0;
    const uint8_t *content = unitls_trust_store_content(t, &len);
    if (!content || len == 0)
        return cfg_fail(err, CFGMSG_NOT_LOADED, desc, 0);
    struct crt_list certs = {NULL, 0, 0};
    unitls_status st = certs_parse(content, len, desc, &certs, err);
    if (st == UNITLS_OK && certs.n > INT_MAX)
        st = cfg_fail(err, CFGMSG_UNREADABLE_CERTIFICATES, desc, 0);
    if (st == UNITLS_OK) {
        /* GnuTLS copies the certificates; ours are freed below either way. */
        int rc = gnutls_certificate_set_x509_trust(cred, certs.v, (int)certs.n);
        if (rc < 0)
            st = cfg_fail(err, CFGMSG_UNREADABLE_CERTIFICATES, desc, rc);
    }
    crt_list_clear(&certs);
    return st;
}

unitls_status gtls_trust_apply(gnutls_certificate_credentials_t cred,
                               const unitls_trust_store *t, unitls_error *err)
{
    char desc[DESC_SIZE];
    describe_trust_store(t, desc, sizeof desc);
    if (!cred)
        return error_set(err, UNITLS_ERR_INVALID, 0, "%s: NULL credentials", desc);
    if (!t || unitls_trust_store_source(t) == UNITLS_SOURCE_SYSTEM) {
        /* Like OpenSSL's default paths: a system without CAs trusts nothing, which is no
         * configuration error; every verification will then fail and say so. */
        int rc = gnutls_certificate_set_x509_system_trust(cred);
        return rc == GNUTLS_E_MEMORY_ERROR ? nomem(err, desc) : UNITLS_OK;
    }
    if (unitls_trust_store_source(t) == UNITLS_SOURCE_ID) {
        size_t len = 0;
        const uint8_t *id = unitls_trust_store_id(t, &len);
        return trust_from_id(cred, id, len, desc, err);
    }
    return trust_from_material(cred, t, desc, err);
}

/* --- client certificate revocation lists --- */

/* Adds one PEM (any number of CRLs) or DER CRL; GnuTLS verifies it against the CAs already in
 * the list and fails rather than skipping one it cannot verify. Returns the number added. */
static int crl_add(gnutls_x509_trust_list_t tl, const uint8_t *p, size_t len,
                   gnutls_x509_crt_fmt_t fmt)
{
    gnutls_datum_t d = datum(p, len);
    return gnutls_x509_trust_list_add_trust_mem(
        tl, NULL, &d, fmt, GNUTLS_TL_VERIFY_CRL | GNUTLS_TL_FAIL_ON_INVALID_CRL, 0);
}

static int crls_add(gnutls_x509_trust_list_t tl, const uint8_t *p, size_t len)
{
    if (is_pem(p, len))
        return crl_add(tl, p, len, GNUTLS_X509_FMT_PEM);
    int n = 0;
    while (len > 0) {
        size_t size = der_sequence_size(p, len);
        if (size == 0)
            return GNUTLS_E_ASN1_DER_ERROR;
        int rc = crl_add(tl, p, size, GNUTLS_X509_FMT_DER);
        if (rc < 0)
            return rc;
        n += rc;
        p += size;
        len -= size;
    }
    return n;
}

/* Whether a CRL of the material (the first, for concatenated DER) is past its nextUpdate:
 * GnuTLS refuses such a CRL with the same error as one from an unknown issuer. */
static int crls_expired(const uint8_t *p, size_t len)
{
    gnutls_x509_crl_t *crls = NULL;
    unsigned n = 0;
    gnutls_datum_t d = datum(p, len);
    size_t first = is_pem(p, len) ? len : der_sequence_size(p, len);
    d.size = (unsigned)(first ? first : len);
    if (gnutls_x509_crl_list_import2(&crls, &n, &d,
                                     is_pem(p, len) ? GNUTLS_X509_FMT_PEM : GNUTLS_X509_FMT_DER,
                                     0) < 0)
        return 0;
    int expired = 0;
    time_t now = time(NULL);
    for (unsigned i = 0; i < n; i++) {
        time_t next = gnutls_x509_crl_get_next_update(crls[i]);
        expired |= next != (time_t)-1 && next < now;
        gnutls_x509_crl_deinit(crls[i]);
    }
    gnutls_free(crls);
    return expired;
}

unitls_status gtls_crl_apply(gnutls_certificate_credentials_t cred, const unitls_crl *crl,
                             unitls_error *err)
{
    char desc[DESC_SIZE];
    describe_crl(crl, desc, sizeof desc);
    size_t len = 0;
    const uint8_t *content = unitls_crl_content(crl, &len);
    if (!content || len == 0)
        return cfg_fail(err, CFGMSG_NOT_LOADED, desc, 0);
    gnutls_x509_trust_list_t tl;
    gnutls_certificate_get_trust_list(cred, &tl);
    int rc = crls_add(tl, content, len);
    if (rc == GNUTLS_E_CRL_VERIFICATION_ERROR)
        return cfg_fail(err, crls_expired(content, len) ? CFGMSG_CRL_EXPIRED
                                                        : CFGMSG_CRL_UNKNOWN_ISSUER, desc, rc);
    if (rc <= 0)
        return cfg_fail(err, CFGMSG_UNREADABLE_CRL, desc, rc);
    return UNITLS_OK;
}
