/* fuzz_ocsp_IMPL: the OCSP response check of one implementation (FUZZ_IMPLEMENTATION; fuzz/fuzz.am
 * builds one program per implementation configured), unitls_ocsp_response_check, on arbitrary
 * bytes as the DER OCSPResponse of a chain: the leaf ocsp.fuzz.test and its issuer, the CA
 * Fuzz OCSP CA, from fuzz/pki ($UNITLS_FUZZ_PKI overrides where). The time is fixed,
 * 2030-01-01, so that a verdict depends on the bytes alone. Seeds: responses made by
 * fuzz/make-ocsp-seeds.sh, valid ones (signed by the issuer, by a responder it issued) and one
 * of each way to be refused (revoked, unknown, expired, not yet valid, without nextUpdate,
 * tryLater, for another certificate, signed by a stranger, by a certificate not issued for OCSP
 * signing).
 *
 * Checked on every input, as ocsp.h promises: a verdict is reached (OK) for any bytes; it is
 * valid, expired or invalid, never absent; a reason is given exactly when it is not valid, and
 * fits; a valid response holds the time between its thisUpdate and nextUpdate.
 *
 * With UNITLS_FUZZ_OCSP_DIFFERENTIAL=1 in the environment, and the other implementation built,
 * both must also give the same verdict ("every implementation built in gives the same
 * verdicts"). That is off by default: a response broken in two ways gets a verdict from
 * whichever check each implementation runs first, and the two libraries do not parse the same
 * bytes alike; see docs/fuzzing.md for what it has found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/ocsp.h>
#include <unitls/unitls.h>

#include "fuzz/fuzz_target.h"

#ifndef FUZZ_IMPLEMENTATION
#error "FUZZ_IMPLEMENTATION names the implementation under test (fuzz/fuzz.am)"
#endif
#ifndef FUZZ_PKI_DIR
#error "FUZZ_PKI_DIR is where fuzz/pki is (fuzz/fuzz.am)"
#endif

#define FUZZ_OCSP_NOW INT64_C(1893456000) /* 2030-01-01T00:00:00Z */

static const unitls_implementation *impl;   /* under test */
static const unitls_implementation *other;  /* the other one, when comparing; else NULL */
static unitls_signing_chain *chain;         /* ocsp-leaf then ocsp-ca */

static unitls_certificate *certificate_load(const char *name)
{
    const char *dir = getenv("UNITLS_FUZZ_PKI");
    char path[4096];
    unitls_error err;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir && dir[0] ? dir : FUZZ_PKI_DIR,
                         name) >= sizeof path)
        fuzz_fail("setup: the path of %s is too long", name);
    unitls_certificate *c = unitls_certificate_from_file(path, &err);
    if (!c)
        fuzz_fail("setup: certificate %s: %s", path, err.message);
    return c;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    impl = unitls_implementation_find(FUZZ_IMPLEMENTATION);
    if (!impl)
        fuzz_fail("setup: no implementation named %s in this build", FUZZ_IMPLEMENTATION);
    const char *differential = getenv("UNITLS_FUZZ_OCSP_DIFFERENTIAL");
    for (size_t i = 0; differential && strcmp(differential, "1") == 0 &&
                       unitls_implementation_at(i); i++)
        if (unitls_implementation_at(i) != impl)
            other = unitls_implementation_at(i);
    unitls_certificate *leaf = certificate_load("ocsp-leaf.pem");
    unitls_certificate *issuer = certificate_load("ocsp-ca.pem");
    const char *dir = getenv("UNITLS_FUZZ_PKI");
    char key_path[4096];
    unitls_error err;
    snprintf(key_path, sizeof key_path, "%s/ocsp-leaf.key", dir && dir[0] ? dir : FUZZ_PKI_DIR);
    unitls_private_key *key = unitls_private_key_from_file(key_path, &err);
    chain = key ? unitls_signing_chain_new(leaf, key, &issuer, 1, &err) : NULL;
    if (!chain)
        fuzz_fail("setup: the chain ocsp-leaf, ocsp-ca: %s", err.message);
    unitls_private_key_unref(key);
    unitls_certificate_unref(issuer);
    unitls_certificate_unref(leaf);
    return 0;
}

static struct unitls_ocsp_info verdict(const unitls_implementation *by, unitls_ocsp_response *r)
{
    struct unitls_ocsp_info info;
    unitls_error err;
    memset(&info, 0, sizeof info);
    unitls_status st = unitls_ocsp_response_check(by, r, chain, FUZZ_OCSP_NOW, &info, &err);
    if (st != UNITLS_OK)
        fuzz_fail("%s: check: %s (%s) instead of a verdict", unitls_implementation_name(by),
                  unitls_status_name(st), err.message);
    return info;
}

static void check_verdict(const struct unitls_ocsp_info *info)
{
    const char *state = unitls_ocsp_state_name(info->state);
    size_t reason_len = strnlen(info->reason, sizeof info->reason);
    if (!state || info->state == UNITLS_OCSP_ABSENT)
        fuzz_fail("check: state %d for a response", (int)info->state);
    if (reason_len == sizeof info->reason)
        fuzz_fail("check: the reason is not NUL-terminated");
    if ((info->state == UNITLS_OCSP_VALID) != (reason_len == 0))
        fuzz_fail("check: %s with reason \"%s\"", state, info->reason);
    if (info->state == UNITLS_OCSP_VALID &&
        !(info->this_update <= FUZZ_OCSP_NOW && FUZZ_OCSP_NOW < info->next_update))
        fuzz_fail("check: valid at %lld outside [%lld, %lld)", (long long)FUZZ_OCSP_NOW,
                  (long long)info->this_update, (long long)info->next_update);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unitls_error err;
    unitls_ocsp_response *r = unitls_ocsp_response_from_buffer(data, size, &err);
    if (size == 0) {
        if (r || err.status != UNITLS_ERR_CONFIGURATION)
            fuzz_fail("from_buffer: an empty response was not refused as a configuration error");
        return 0;
    }
    if (!r)
        fuzz_fail("from_buffer: %zu bytes refused before any check: %s", size, err.message);
    struct unitls_ocsp_info info = verdict(impl, r);
    check_verdict(&info);
    if (other) {
        struct unitls_ocsp_info theirs = verdict(other, r);
        if (theirs.state != info.state)
            fuzz_fail("%s says %s (%s), %s says %s (%s)", FUZZ_IMPLEMENTATION,
                      unitls_ocsp_state_name(info.state), info.reason,
                      unitls_implementation_name(other), unitls_ocsp_state_name(theirs.state),
                      theirs.reason);
    }
    unitls_ocsp_response_unref(r);
    return 0;
}
