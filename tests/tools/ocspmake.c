/* ocspmake: writes a DER OCSPResponse (RFC 6960) for a test certificate, so tests can make
 * valid, expired, not-yet-valid, revoked, wrongly signed and other-certificate responses
 * without faking the clock. Built with libcrypto only; not installed.
 *
 *   ocspmake --issuer CA.pem --issuer-key CA.key --cert LEAF.pem
 *            [--signer S.pem --signer-key S.key] [--status good|revoked|unknown]
 *            [--this-update SECS] [--next-update SECS|none]
 *            [--resp-status successful|trylater|internalerror|unauthorized] --out FILE.der
 *
 * SECS are seconds relative to now (may be negative); defaults: this-update -60, next-update
 * +86400. The signer defaults to the issuer; the signer's certificate is included in the
 * response. The CertID is SHA-1 over the issuer's name and key (what responders use).
 * Exit 0 on success, 1 when a file or the signing fails, 2 on bad arguments. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

struct options {
    const char *issuer_path, *issuer_key_path, *cert_path;
    const char *signer_path, *signer_key_path, *out_path;
    int cert_status;            /* V_OCSP_CERTSTATUS_* */
    int response_status;        /* OCSP_RESPONSE_STATUS_* */
    long this_update_offset;
    long next_update_offset;
    int has_next_update;
};

static void usage_exit(const char *why, const char *arg)
{
    if (arg)
        fprintf(stderr, "ocspmake: %s: %s\n", why, arg);
    else
        fprintf(stderr, "ocspmake: %s\n", why);
    fprintf(stderr,
            "usage: ocspmake --issuer CA.pem --issuer-key CA.key --cert LEAF.pem\n"
            "         [--signer S.pem --signer-key S.key] [--status good|revoked|unknown]\n"
            "         [--this-update SECS] [--next-update SECS|none]\n"
            "         [--resp-status successful|trylater|internalerror|unauthorized]\n"
            "         --out FILE.der\n");
    exit(2);
}

static long parse_seconds(const char *option, const char *text)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value > INT_MAX || value < -INT_MAX)
        usage_exit(option, "expects a number of seconds (relative to now)");
    return value;
}

static int parse_cert_status(const char *text)
{
    if (strcmp(text, "good") == 0)
        return V_OCSP_CERTSTATUS_GOOD;
    if (strcmp(text, "revoked") == 0)
        return V_OCSP_CERTSTATUS_REVOKED;
    if (strcmp(text, "unknown") == 0)
        return V_OCSP_CERTSTATUS_UNKNOWN;
    usage_exit("--status expects good, revoked or unknown, not", text);
    return -1;
}

static int parse_response_status(const char *text)
{
    if (strcmp(text, "successful") == 0)
        return OCSP_RESPONSE_STATUS_SUCCESSFUL;
    if (strcmp(text, "trylater") == 0)
        return OCSP_RESPONSE_STATUS_TRYLATER;
    if (strcmp(text, "internalerror") == 0)
        return OCSP_RESPONSE_STATUS_INTERNALERROR;
    if (strcmp(text, "unauthorized") == 0)
        return OCSP_RESPONSE_STATUS_UNAUTHORIZED;
    usage_exit("--resp-status expects successful, trylater, internalerror or unauthorized, not",
               text);
    return -1;
}

/* The value of the option at argv[i], which must exist. */
static const char *option_value(int argc, char **argv, int i)
{
    if (i + 1 >= argc)
        usage_exit("missing value after", argv[i]);
    return argv[i + 1];
}

static void parse_option(struct options *o, const char *name, const char *value)
{
    if (strcmp(name, "--issuer") == 0)
        o->issuer_path = value;
    else if (strcmp(name, "--issuer-key") == 0)
        o->issuer_key_path = value;
    else if (strcmp(name, "--cert") == 0)
        o->cert_path = value;
    else if (strcmp(name, "--signer") == 0)
        o->signer_path = value;
    else if (strcmp(name, "--signer-key") == 0)
        o->signer_key_path = value;
    else if (strcmp(name, "--out") == 0)
        o->out_path = value;
    else if (strcmp(name, "--status") == 0)
        o->cert_status = parse_cert_status(value);
    else if (strcmp(name, "--resp-status") == 0)
        o->response_status = parse_response_status(value);
    else if (strcmp(name, "--this-update") == 0)
        o->this_update_offset = parse_seconds(name, value);
    else if (strcmp(name, "--next-update") == 0) {
        o->has_next_update = strcmp(value, "none") != 0;
        if (o->has_next_update)
            o->next_update_offset = parse_seconds(name, value);
    } else
        usage_exit("unknown option", name);
}

static struct options parse_options(int argc, char **argv)
{
    struct options o = {.cert_status = V_OCSP_CERTSTATUS_GOOD,
                        .response_status = OCSP_RESPONSE_STATUS_SUCCESSFUL,
                        .this_update_offset = -60,
                        .next_update_offset = 86400,
                        .has_next_update = 1};
    for (int i = 1; i < argc; i += 2)
        parse_option(&o, argv[i], option_value(argc, argv, i));
    if (!o.issuer_path || !o.issuer_key_path || !o.cert_path || !o.out_path)
        usage_exit("--issuer, --issuer-key, --cert and --out are required", NULL);
    if ((o.signer_path == NULL) != (o.signer_key_path == NULL))
        usage_exit("--signer and --signer-key go together", NULL);
    return o;
}

static void report_failure(const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char detail[256] = "";
    if (e)
        ERR_error_string_n(e, detail, sizeof detail);
    fprintf(stderr, "ocspmake: %s %s%s%s\n", what, path ? path : "", e ? ": " : "", detail);
}

static X509 *read_certificate(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ocspmake: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    if (!cert)
        report_failure("no PEM certificate in", path);
    return cert;
}

static EVP_PKEY *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "ocspmake: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    if (!key)
        report_failure("no PEM private key in", path);
    return key;
}

/* The signed basic response for cert, or NULL. */
static OCSP_BASICRESP *make_basic(const struct options *o, X509 *issuer, X509 *cert,
                                  X509 *signer, EVP_PKEY *signer_key)
{
    OCSP_BASICRESP *basic = OCSP_BASICRESP_new();
    OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
    time_t now = time(NULL);
    ASN1_TIME *this_update = X509_time_adj_ex(NULL, 0, o->this_update_offset, &now);
    ASN1_TIME *next_update =
        o->has_next_update ? X509_time_adj_ex(NULL, 0, o->next_update_offset, &now) : NULL;
    ASN1_TIME *revoked_at = X509_time_adj_ex(NULL, 0, -3600, &now);
    int ok = basic && id && this_update && revoked_at && (next_update || !o->has_next_update);
    if (ok)
        ok = OCSP_basic_add1_status(basic, id, o->cert_status, OCSP_REVOKED_STATUS_NOSTATUS,
                                    revoked_at, this_update, next_update) != NULL;
    if (ok)
        ok = OCSP_basic_sign(basic, signer, signer_key, EVP_sha256(), NULL, 0) == 1;
    if (!ok) {
        report_failure("cannot make the basic response", NULL);
        OCSP_BASICRESP_free(basic);
        basic = NULL;
    }
    OCSP_CERTID_free(id);
    ASN1_TIME_free(this_update);
    ASN1_TIME_free(next_update);
    ASN1_TIME_free(revoked_at);
    return basic;
}

static int write_response(const char *path, OCSP_RESPONSE *response)
{
    unsigned char *der = NULL;
    int len = i2d_OCSP_RESPONSE(response, &der);
    if (len <= 0) {
        report_failure("cannot encode the response for", path);
        return 0;
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(der, 1, (size_t)len, f) == (size_t)len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (!ok)
        fprintf(stderr, "ocspmake: cannot write %s: %s\n", path, strerror(errno));
    OPENSSL_free(der);
    return ok;
}

static OCSP_RESPONSE *make_response(const struct options *o, X509 *issuer, X509 *cert,
                                    X509 *signer, EVP_PKEY *signer_key)
{
    if (o->response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL)
        return OCSP_response_create(o->response_status, NULL);
    OCSP_BASICRESP *basic = make_basic(o, issuer, cert, signer, signer_key);
    if (!basic)
        return NULL;
    OCSP_RESPONSE *response = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic);
    OCSP_BASICRESP_free(basic);
    return response;
}

int main(int argc, char **argv)
{
    struct options o = parse_options(argc, argv);
    X509 *issuer = read_certificate(o.issuer_path);
    X509 *cert = read_certificate(o.cert_path);
    X509 *signer = o.signer_path ? read_certificate(o.signer_path) : NULL;
    EVP_PKEY *signer_key = read_key(o.signer_key_path ? o.signer_key_path : o.issuer_key_path);
    OCSP_RESPONSE *response = NULL;
    int ok = issuer && cert && signer_key && (signer || !o.signer_path);
    if (ok) {
        response = make_response(&o, issuer, cert, signer ? signer : issuer, signer_key);
        ok = response != NULL;
    }
    if (ok)
        ok = write_response(o.out_path, response);
    OCSP_RESPONSE_free(response);
    EVP_PKEY_free(signer_key);
    X509_free(signer);
    X509_free(cert);
    X509_free(issuer);
    return ok ? 0 : 1;
}
