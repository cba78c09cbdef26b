/* cfgmsg: configuration errors worded once for every implementation. */
#include <stdio.h>

#include <unitls/ciphers.h>
#include <unitls/groups.h>

#include "cfgmsg.h"

void describe_id(const uint8_t *id, size_t len, char *buf, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; id && i < len && id[i] != '?' && n + 1 < cap; i++)
        buf[n++] = (id[i] >= 0x20 && id[i] < 0x7f) ? (char)id[i] : '?';
    if (cap > 0)
        buf[n] = '\0';
}

static void describe(const char *what, enum unitls_source source, const char *path,
                     const uint8_t *id, size_t id_len, char *buf, size_t cap)
{
    char shown[160];
    switch (source) {
    case UNITLS_SOURCE_FILE:
        snprintf(buf, cap, "%s file %s", what, path ? path : "?");
        break;
    case UNITLS_SOURCE_ID:
        describe_id(id, id_len, shown, sizeof shown);
        snprintf(buf, cap, "%s id %s", what, shown);
        break;
    case UNITLS_SOURCE_SYSTEM:
        snprintf(buf, cap, "system %s", what);
        break;
    default:
        snprintf(buf, cap, "%s buffer", what);
        break;
    }
}

void describe_certificate(const unitls_certificate *c, char *buf, size_t cap)
{
    size_t id_len = 0;
    const uint8_t *id = unitls_certificate_id(c, &id_len);
    describe("certificate", unitls_certificate_source(c), unitls_certificate_path(c), id, id_len,
             buf, cap);
}

void describe_private_key(const unitls_private_key *k, char *buf, size_t cap)
{
    size_t id_len = 0;
    const uint8_t *id = unitls_private_key_id(k, &id_len);
    describe("private key", unitls_private_key_source(k), unitls_private_key_path(k), id, id_len,
             buf, cap);
}

void describe_trust_store(const unitls_trust_store *t, char *buf, size_t cap)
{
    if (!t) {
        snprintf(buf, cap, "system trust store");
        return;
    }
    size_t id_len = 0;
    const uint8_t *id = unitls_trust_store_id(t, &id_len);
    describe("trust store", unitls_trust_store_source(t), unitls_trust_store_path(t), id, id_len,
             buf, cap);
}

void describe_crl(const unitls_crl *c, char *buf, size_t cap)
{
    describe("CRL", unitls_crl_source(c), unitls_crl_path(c), NULL, 0, buf, cap);
}

void cfgmsg_format(enum cfgmsg m, const char *desc, char *buf, size_t cap)
{
    const char *what = "is not usable";
    switch (m) {
    case CFGMSG_NOT_LOADED:
        what = "not loaded (only a built configuration holds its content)";
        break;
    case CFGMSG_UNREADABLE_CERTIFICATES:
        what = "cannot read it as PEM or DER certificates";
        break;
    case CFGMSG_NO_CERTIFICATE:
        what = "holds no certificate";
        break;
    case CFGMSG_NO_PRIVATE_KEY:
        what = "holds no PEM private key";
        break;
    case CFGMSG_UNREADABLE_PRIVATE_KEY:
        what = "cannot read a private key (PEM or DER, unencrypted)";
        break;
    case CFGMSG_ENCRYPTED_PRIVATE_KEY:
        what = "the private key is encrypted (unitls never prompts for a passphrase)";
        break;
    case CFGMSG_CHAIN_WITHOUT_KEY:
        what = "holds no private key and the signing chain names none";
        break;
    case CFGMSG_UNREADABLE_CRL:
        what = "cannot read it as PEM or DER certificate revocation lists";
        break;
    case CFGMSG_CRL_UNKNOWN_ISSUER:
        what = "a CRL is not issued (signed) by a CA of the client trust store";
        break;
    case CFGMSG_CRL_EXPIRED:
        what = "a CRL is past its next update; issue a fresh one";
        break;
    }
    snprintf(buf, cap, "%s: %s", desc, what);
}

void cfgmsg_key_mismatch(const unitls_signing_chain *s, char *buf, size_t cap)
{
    char cert_desc[CFGMSG_DESC_SIZE], key_desc[CFGMSG_DESC_SIZE + 32];
    describe_certificate(unitls_signing_chain_leaf(s), cert_desc, sizeof cert_desc);
    const unitls_private_key *k = unitls_signing_chain_key(s);
    if (k)
        describe_private_key(k, key_desc, sizeof key_desc);
    else
        snprintf(key_desc, sizeof key_desc, "the private key in %s", cert_desc);
    snprintf(buf, cap, "%s does not match %s", key_desc, cert_desc);
}

void cfgmsg_cipher_suite(uint16_t id, int known, const char *library, char *buf, size_t cap)
{
    char name[80];
    const char *iana = unitls_cipher_suite_name(id);
    if (iana)
        snprintf(name, sizeof name, "%s (0x%04X)", iana, id);
    else
        snprintf(name, sizeof name, "0x%04X", id);
    if (known)
        snprintf(buf, cap, "cipher suite %s cannot be used with %s (its providers or build lack "
                           "it)", name, library);
    else
        snprintf(buf, cap, "cipher suite %s is not known to %s", name, library);
}

void cfgmsg_group(uint16_t id, const char *library, char *buf, size_t cap)
{
    const char *iana = unitls_group_name(id);
    snprintf(buf, cap, "group %s (0x%04X) cannot be used with %s (its providers or build lack it)",
             iana ? iana : "unknown", id, library);
}

void cfgmsg_early_data(uint32_t n, const char *library, char *buf, size_t cap)
{
    /* Early data arrives before the handshake completes and can be replayed; the buffer layer
     * has no path that keeps it apart from ordinary application data, so it is refused whole
     * rather than half supported. */
    snprintf(buf, cap, "max early data %u: unitls on %s does not support early data (0-RTT) "
                       "yet; use 0", (unsigned)n, library);
}
