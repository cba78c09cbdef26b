/* cfgmsg: the wording of configuration errors, the same for every implementation.
 *
 * Credentials are named the way an operator wrote them ("certificate file /etc/x.pem",
 * "private key buffer", "trust store id pkcs11:token=a"; an id's bytes after '?', where pkcs11
 * URIs carry a PIN, are never shown). Each call writes a message without the TLS library's
 * own reason; the implementation appends that (": <reason>") where it has one. */
#ifndef UNITLS_CORE_CFGMSG_H
#define UNITLS_CORE_CFGMSG_H

#include <stddef.h>
#include <stdint.h>

#include <unitls/config.h>
#include <unitls/credentials.h>

#define CFGMSG_DESC_SIZE 200
#define CFGMSG_SIZE 512

void describe_certificate(const unitls_certificate *c, char *buf, size_t cap);
void describe_private_key(const unitls_private_key *k, char *buf, size_t cap);
/* "trust store file ...", or "system trust store" (t NULL or the system's). */
void describe_trust_store(const unitls_trust_store *t, char *buf, size_t cap);
/* "CRL file ..." or "CRL buffer". */
void describe_crl(const unitls_crl *c, char *buf, size_t cap);
/* A printable form of an id for messages: bytes after '?' are cut off and non-printable bytes
 * replaced. */
void describe_id(const uint8_t *id, size_t len, char *buf, size_t cap);

enum cfgmsg {
    CFGMSG_NOT_LOADED,             /* a file credential outside a built configuration */
    CFGMSG_UNREADABLE_CERTIFICATES,
    CFGMSG_NO_CERTIFICATE,
    CFGMSG_NO_PRIVATE_KEY,
    CFGMSG_UNREADABLE_PRIVATE_KEY,
    CFGMSG_ENCRYPTED_PRIVATE_KEY,
    CFGMSG_CHAIN_WITHOUT_KEY,      /* desc names the leaf certificate */
    CFGMSG_UNREADABLE_CRL,         /* not PEM or DER CRLs */
    CFGMSG_CRL_UNKNOWN_ISSUER,     /* not signed by a CA of the client trust store */
    CFGMSG_CRL_EXPIRED             /* past its nextUpdate */
};

/* The message m about the credential described by desc. */
void cfgmsg_format(enum cfgmsg m, const char *desc, char *buf, size_t cap);
/* "<the chain's key> does not match <its leaf>". */
void cfgmsg_key_mismatch(const unitls_signing_chain *s, char *buf, size_t cap);
/* "cipher suite NAME (0x1301) is not known to LIBRARY" (known 0) or "... cannot be used with
 * LIBRARY (its providers or build lack it)" (known 1). */
void cfgmsg_cipher_suite(uint16_t id, int known, const char *library, char *buf, size_t cap);
/* "group NAME (0x0019) cannot be used with LIBRARY (its providers or build lack it)". */
void cfgmsg_group(uint16_t id, const char *library, char *buf, size_t cap);
/* "max early data N: unitls on LIBRARY does not support early data (0-RTT) yet; use 0". */
void cfgmsg_early_data(uint32_t n, const char *library, char *buf, size_t cap);

#endif
