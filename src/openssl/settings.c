/* settings: versions, cipher suites, groups, options and modes shared by client and server
 * SSL_CTXs. Cipher suites are configured by IANA id and mapped to OpenSSL's names through
 * OpenSSL's own table (SSL_CIPHER_find), so any suite OpenSSL knows can be named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "core/cfgmsg.h"
#include "core/error.h"
#include "core/tls_params.h"
#include "settings.h"
#include "tls_error.h"

#define DEFAULT_GROUPS "X25519:P-256:P-384"
#define GROUP_NAME_ROOM 16 /* longest OpenSSL group name ("ffdhe8192") plus separator */
#define CIPHER_NAME_ROOM 64 /* longest OpenSSL suite name plus separator, with margin */

static unitls_status suite_error(uint16_t id, int known, unitls_error *err)
{
    char library[64], msg[CFGMSG_SIZE];
    snprintf(library, sizeof library, "OpenSSL %s", OpenSSL_version(OPENSSL_VERSION_STRING));
    cfgmsg_cipher_suite(id, known, library, msg, sizeof msg);
    return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
}

static void append_name(char *list, const char *name)
{
    if (*list)
        strcat(list, ":");
    strcat(list, name);
}

/* Sorts the ids into OpenSSL's two lists by name. An unknown id is an error when the caller
 * named it and skipped when it came from the defaults. */
static unitls_status suites_to_lists(SSL_CTX *ctx, const uint16_t *ids, size_t n, int explicit,
                                     char *tls12, char *tls13, unitls_error *err)
{
    SSL *probe = SSL_new(ctx);
    if (!probe)
        return tls_error_from_queue(err, UNITLS_ERR_NOMEM, "cipher suites: SSL_new");
    for (size_t i = 0; i < n; i++) {
        const unsigned char wire[2] = {(unsigned char)(ids[i] >> 8), (unsigned char)ids[i]};
        const SSL_CIPHER *c = SSL_CIPHER_find(probe, wire);
        if (!c && explicit) {
            SSL_free(probe);
            return suite_error(ids[i], 0, err);
        }
        if (c)
            append_name(unitls_cipher_suite_is_tls13(ids[i]) ? tls13 : tls12,
                        SSL_CIPHER_get_name(c));
    }
    SSL_free(probe);
    return UNITLS_OK;
}

static int list_has(const STACK_OF(SSL_CIPHER) *sk, uint16_t id)
{
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++)
        if (SSL_CIPHER_get_protocol_id(sk_SSL_CIPHER_value(sk, i)) == id)
            return 1;
    return 0;
}

/* Checks that every named suite survived into the context's list, and says which protocol
 * versions have a suite left. */
static unitls_status suites_check(SSL_CTX *ctx, const uint16_t *ids, size_t n, int explicit,
                                  int *has12, int *has13, unitls_error *err)
{
    const STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
    *has12 = *has13 = 0;
    for (size_t i = 0; i < n; i++) {
        if (list_has(sk, ids[i])) {
            *(unitls_cipher_suite_is_tls13(ids[i]) ? has13 : has12) = 1;
        } else if (explicit) {
            return suite_error(ids[i], 1, err);
        }
    }
    return UNITLS_OK;
}

static unitls_status suites_apply(SSL_CTX *ctx, const struct settings *s, int *has12,
                                  int *has13, unitls_error *err)
{
    int explicit = s->ciphers != NULL;
    uint16_t defaults[TLS_PARAMS_MAX_DEFAULT_SUITES];
    size_t n = explicit ? s->n_ciphers
                        : tls_params_default_suites(s->security_lowered, defaults,
                                                    TLS_PARAMS_MAX_DEFAULT_SUITES);
    const uint16_t *ids = explicit ? s->ciphers : defaults;
    char *tls12 = calloc(n + 1, CIPHER_NAME_ROOM), *tls13 = calloc(n + 1, CIPHER_NAME_ROOM);
    unitls_status st = UNITLS_OK;
    if (!tls12 || !tls13)
        st = error_set(err, UNITLS_ERR_NOMEM, 0, "cipher suites: out of memory");
    if (st == UNITLS_OK)
        st = suites_to_lists(ctx, ids, n, explicit, tls12, tls13, err);
    if (st == UNITLS_OK && !SSL_CTX_set_ciphersuites(ctx, tls13))
        st = tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "TLS 1.3 cipher suites %s",
                                  tls13);
    /* An empty TLS 1.2 list is refused by OpenSSL; the version bounds then exclude 1.2. */
    if (st == UNITLS_OK && *tls12 && !SSL_CTX_set_cipher_list(ctx, tls12))
        st = tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "TLS 1.2 cipher suites %s",
                                  tls12);
    if (st == UNITLS_OK)
        st = suites_check(ctx, ids, n, explicit, has12, has13, err);
    free(tls12);
    free(tls13);
    return st;
}

/* OpenSSL's name for a group of groups.h's table, or NULL. */
static const char *group_openssl_name(uint16_t id)
{
    switch (id) {
    case UNITLS_GROUP_X25519: return "X25519";
    case UNITLS_GROUP_X448: return "X448";
    case UNITLS_GROUP_SECP256R1: return "P-256";
    case UNITLS_GROUP_SECP384R1: return "P-384";
    case UNITLS_GROUP_SECP521R1: return "P-521";
    default: return unitls_group_name(id); /* the ffdhe names are OpenSSL's too */
    }
}

static unitls_status group_error(uint16_t id, unitls_error *err)
{
    char library[64], msg[CFGMSG_SIZE];
    snprintf(library, sizeof library, "OpenSSL %s", OpenSSL_version(OPENSSL_VERSION_STRING));
    cfgmsg_group(id, library, msg, sizeof msg);
    ERR_clear_error();
    return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
}

/* Sets the configured groups; when OpenSSL refuses the list, finds the group it refuses by
 * trying each alone, so the message names it. */
static unitls_status groups_apply(SSL_CTX *ctx, const struct settings *s, unitls_error *err)
{
    if (!s->groups) {
        if (!SSL_CTX_set1_groups_list(ctx, DEFAULT_GROUPS))
            return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "groups %s",
                                        DEFAULT_GROUPS);
        return UNITLS_OK;
    }
    char *list = calloc(s->n_groups + 1, GROUP_NAME_ROOM);
    if (!list)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "groups: out of memory");
    for (size_t i = 0; i < s->n_groups; i++) {
        const char *name = group_openssl_name(s->groups[i]);
        if (!name || !SSL_CTX_set1_groups_list(ctx, name)) {
            free(list);
            return group_error(s->groups[i], err);
        }
        append_name(list, name);
    }
    long ok = SSL_CTX_set1_groups_list(ctx, list);
    free(list);
    if (!ok)
        return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "groups");
    return UNITLS_OK;
}

static unitls_status versions_apply(SSL_CTX *ctx, const struct settings *s, int has12,
                                    int has13, unitls_error *err)
{
    uint16_t lo = 0, hi = 0;
    unitls_status st = tls_params_versions(s->lowest, s->highest, has12, has13, "OpenSSL", &lo,
                                           &hi, err);
    if (st != UNITLS_OK)
        return st;
    if (!SSL_CTX_set_min_proto_version(ctx, lo) || !SSL_CTX_set_max_proto_version(ctx, hi))
        return tls_error_from_queue(err, UNITLS_ERR_CONFIGURATION, "TLS version bounds");
    return UNITLS_OK;
}

unitls_status settings_apply(SSL_CTX *ctx, const struct settings *s, unitls_error *err)
{
    uint64_t options = SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION;
    if (s->server)
        options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
    SSL_CTX_set_options(ctx, options);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    /* Whole reads from our store instead of a header and a body per record. */
    SSL_CTX_set_read_ahead(ctx, 1);
    if (s->security_lowered)
        SSL_CTX_set_security_level(ctx, 0);
    unitls_status st = groups_apply(ctx, s, err);
    if (st != UNITLS_OK)
        return st;
    int has12 = 0, has13 = 0;
    st = suites_apply(ctx, s, &has12, &has13, err);
    if (st != UNITLS_OK)
        return st;
    return versions_apply(ctx, s, has12, has13, err);
}
