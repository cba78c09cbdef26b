/* ocsp_internal: the library-internal side of OCSP responses (ocsp.c), shared by the core's
 * configurations and staple slots and by the implementations that check responses.
 *
 * Checking is split in two so every implementation gives the same verdicts in the same words:
 * an implementation checks what does not depend on the time (parsing, responder status, the
 * CertID, the signature and signer, the certificate status, nextUpdate present) and reports a
 * problem with ocsp_info_refuse; the core then judges the validity window at a given time
 * (ocsp_info_at). */
#ifndef UNITLS_CORE_OCSP_INTERNAL_H
#define UNITLS_CORE_OCSP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <unitls/ocsp.h>

/* How far a response's thisUpdate may lie ahead of our clock and still count: responders
 * date responses by their own clock, and a fresh response must not be refused for a skew of a
 * few seconds (OpenSSL's OCSP_check_validity takes such a leeway too). */
#define OCSP_THIS_UPDATE_LEEWAY 300

/* A loaded copy of a file response, or a new reference to any other. NULL with err filled
 * (naming the path) when the file cannot be read. */
unitls_ocsp_response *ocsp_response_load(unitls_ocsp_response *r, unitls_error *err);
/* A hash of the content (and of the path for a file not read yet); 0 for NULL. */
uint64_t ocsp_response_hash(const unitls_ocsp_response *r);

/* Why an implementation refuses a response. The wording is the core's (ocsp_info_refuse). */
enum ocsp_problem {
    OCSP_PROBLEM_UNPARSABLE,         /* detail NULL: libraries word parse errors apart */
    OCSP_PROBLEM_RESPONDER_STATUS,   /* detail: ocsp_responder_status_name() */
    OCSP_PROBLEM_NOT_BASIC,          /* a successful response of another type than basic */
    OCSP_PROBLEM_ISSUER_MISSING,     /* detail: the leaf's issuer name */
    OCSP_PROBLEM_OTHER_CERTIFICATE,  /* detail: the serial the response names ("0x1002") */
    OCSP_PROBLEM_NOT_SIGNED_BY_ISSUER, /* detail: the issuer's name */
    OCSP_PROBLEM_SIGNER_NOT_ISSUED,  /* detail: the responder's name */
    OCSP_PROBLEM_SIGNER_NOT_RESPONDER, /* detail: the responder's name (no OCSPSigning) */
    OCSP_PROBLEM_SIGNER_TIME,        /* detail: the responder's name (expired or not yet valid) */
    OCSP_PROBLEM_REVOKED,
    OCSP_PROBLEM_UNKNOWN,
    OCSP_PROBLEM_NO_NEXT_UPDATE,
    OCSP_PROBLEM_CHAIN,              /* detail: why the chain's certificates cannot be read */
    OCSP_PROBLEM_UNSUPPORTED         /* detail: the implementation's name */
};

/* Sets info to INVALID with the problem in words (this_update and next_update are kept). */
void ocsp_info_refuse(struct unitls_ocsp_info *info, enum ocsp_problem p, const char *detail);
/* An implementation's verdict for a response that passed every check: VALID, with its
 * thisUpdate and nextUpdate. */
void ocsp_info_sound(struct unitls_ocsp_info *info, int64_t this_update, int64_t next_update);
/* The verdict at time now of a response an implementation judged (info VALID or INVALID):
 * VALID becomes EXPIRED, with the time in words, outside [thisUpdate - leeway, nextUpdate). */
void ocsp_info_at(const struct unitls_ocsp_info *judged, int64_t now,
                  struct unitls_ocsp_info *out);
/* "malformedRequest", "internalError", "tryLater", "sigRequired", "unauthorized", or
 * "status N" written to buf (16 bytes). */
const char *ocsp_responder_status_name(int status, char buf[16]);
/* Writes a serial number's bytes as "0x..." hex (at most cap - 1 characters). */
void ocsp_serial_text(const uint8_t *serial, size_t len, char *buf, size_t cap);

/* The current time as seconds since the epoch, for "0 means now" arguments. */
int64_t ocsp_now(int64_t now);

#endif
