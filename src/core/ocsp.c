/* OCSP responses: the words of every verdict, the validity window judged at a given time, and the public
 * check and request calls that dispatch to an implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "impl.h"
#include "material.h"
#include "ocsp_internal.h"

/* --- verdicts in words --- */

const char *unitls_ocsp_state_name(enum unitls_ocsp_state s)
{
    static const char *const names[] = {"absent", "valid", "expired", "invalid"};
    if ((unsigned)s >= sizeof names / sizeof names[0])
        return NULL;
    return names[s];
}

const char *ocsp_responder_status_name(int status, char buf[16])
{
    switch (status) {
    case 0: return "successful";
    case 1: return "malformedRequest";
    case 2: return "internalError";
    case 3: return "tryLater";
    case 5: return "sigRequired";
    case 6: return "unauthorized";
    default: snprintf(buf, 16, "status %d", status); return buf;
    }
}

void ocsp_serial_text(const uint8_t *serial, size_t len, char *buf, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t at = 0;
    if (cap < 4) {
        if (cap > 0)
            buf[0] = '\0';
        return;
    }
    buf[at++] = '0';
    buf[at++] = 'x';
    size_t i = 0;
    while (i + 1 < len && serial[i] == 0) /* DER's sign byte says nothing to a reader */
        i++;
    for (; i < len && at + 2 < cap; i++) {
        buf[at++] = hex[serial[i] >> 4];
        buf[at++] = hex[serial[i] & 15];
    }
    buf[at] = '\0';
}

void ocsp_info_refuse(struct unitls_ocsp_info *info, enum ocsp_problem p, const char *detail)
{
    const char *d = detail ? detail : "";
    char *r = info->reason;
    size_t cap = sizeof info->reason;
    info->state = UNITLS_OCSP_INVALID;
    switch (p) {
    case OCSP_PROBLEM_UNPARSABLE:
        snprintf(r, cap, "unparsable: not a DER OCSP response%s%s%s", detail ? " (" : "", d,
                 detail ? ")" : "");
        break;
    case OCSP_PROBLEM_RESPONDER_STATUS:
        snprintf(r, cap, "responder status is %s, not successful", d);
        break;
    case OCSP_PROBLEM_NOT_BASIC: snprintf(r, cap, "not a basic OCSP response"); break;
    case OCSP_PROBLEM_ISSUER_MISSING:
        snprintf(r, cap, "issuer not in chain: add %s to the chain to check responses", d);
        break;
    case OCSP_PROBLEM_OTHER_CERTIFICATE:
        snprintf(r, cap, "for another certificate (serial %s)", d);
        break;
    case OCSP_PROBLEM_NOT_SIGNED_BY_ISSUER:
        snprintf(r, cap, "not signed by the issuer %s", d);
        break;
    case OCSP_PROBLEM_SIGNER_NOT_ISSUED:
        snprintf(r, cap, "not signed by the issuer: signed by %s, which the issuer did not issue",
                 d);
        break;
    case OCSP_PROBLEM_SIGNER_NOT_RESPONDER:
        snprintf(r, cap, "signed by %s, which lacks the OCSP signing key purpose", d);
        break;
    case OCSP_PROBLEM_SIGNER_TIME:
        snprintf(r, cap, "signed by %s, whose certificate is expired or not yet valid", d);
        break;
    case OCSP_PROBLEM_REVOKED: snprintf(r, cap, "status is revoked"); break;
    case OCSP_PROBLEM_UNKNOWN: snprintf(r, cap, "status is unknown"); break;
    case OCSP_PROBLEM_NO_NEXT_UPDATE:
        snprintf(r, cap, "no nextUpdate: a stapled response must expire");
        break;
    case OCSP_PROBLEM_CHAIN: snprintf(r, cap, "the chain cannot be read: %s", d); break;
    case OCSP_PROBLEM_UNSUPPORTED:
        snprintf(r, cap, "implementation %s does not check OCSP responses", d);
        break;
    }
}

void ocsp_info_sound(struct unitls_ocsp_info *info, int64_t this_update, int64_t next_update)
{
    info->state = UNITLS_OCSP_VALID;
    info->this_update = this_update;
    info->next_update = next_update;
    info->reason[0] = '\0';
}

static void time_text(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, cap, "%lld (seconds since the epoch)", (long long)t);
}

void ocsp_info_at(const struct unitls_ocsp_info *judged, int64_t now,
                  struct unitls_ocsp_info *out)
{
    *out = *judged;
    if (judged->state != UNITLS_OCSP_VALID)
        return;
    char when[64];
    if (now >= judged->next_update) {
        time_text(judged->next_update, when, sizeof when);
        out->state = UNITLS_OCSP_EXPIRED;
        snprintf(out->reason, sizeof out->reason, "expired at %s (its nextUpdate)", when);
    } else if (now < judged->this_update - OCSP_THIS_UPDATE_LEEWAY) {
        time_text(judged->this_update, when, sizeof when);
        out->state = UNITLS_OCSP_EXPIRED;
        snprintf(out->reason, sizeof out->reason, "not yet valid: its thisUpdate is %s", when);
    }
}

int64_t ocsp_now(int64_t now) { return now ? now : (int64_t)time(NULL); }

/* --- checking and requests through an implementation --- */

unitls_status unitls_ocsp_response_check(const unitls_implementation *impl,
                                         unitls_ocsp_response *r,
                                         const unitls_signing_chain *chain, int64_t now,
                                         struct unitls_ocsp_info *info, unitls_error *err)
{
    if (!chain || !info)
        return error_set(err, UNITLS_ERR_INVALID, 0, "OCSP response check: %s is NULL",
                         chain ? "info" : "the chain");
    impl = impl ? impl : unitls_implementation_default();
    struct unitls_ocsp_info judged = {0};
    if (!r) {
        *info = judged;
        return UNITLS_OK;
    }
    unitls_ocsp_response *loaded = ocsp_response_load(r, err);
    if (!loaded)
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    /* Loading only takes a reference to a chain without files: chain is not changed. */
    unitls_signing_chain *chain_loaded =
        signing_chain_load((unitls_signing_chain *)chain, err);
    if (!chain_loaded) {
        unitls_ocsp_response_unref(loaded);
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    }
    size_t der_len = 0;
    const uint8_t *der = unitls_ocsp_response_content(loaded, &der_len);
    if (impl->ocsp_check)
        impl->ocsp_check(der, der_len, chain_loaded, &judged);
    else
        ocsp_info_refuse(&judged, OCSP_PROBLEM_UNSUPPORTED, impl->name);
    ocsp_info_at(&judged, ocsp_now(now), info);
    unitls_signing_chain_unref(chain_loaded);
    unitls_ocsp_response_unref(loaded);
    return UNITLS_OK;
}

unitls_status unitls_ocsp_request_build(const unitls_implementation *impl,
                                        const unitls_signing_chain *chain, uint8_t *der,
                                        size_t cap, size_t *der_len, char *url, size_t url_cap,
                                        unitls_error *err)
{
    if (!chain || !der || !der_len || !url || url_cap == 0)
        return error_set(err, UNITLS_ERR_INVALID, 0, "OCSP request: missing argument");
    impl = impl ? impl : unitls_implementation_default();
    if (!impl->ocsp_request)
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                         "OCSP request: implementation %s does not build OCSP requests",
                         impl->name);
    unitls_signing_chain *loaded = signing_chain_load((unitls_signing_chain *)chain, err);
    if (!loaded)
        return err ? err->status : UNITLS_ERR_CONFIGURATION;
    unitls_status st = impl->ocsp_request(loaded, der, cap, der_len, url, url_cap, err);
    unitls_signing_chain_unref(loaded);
    return st;
}
