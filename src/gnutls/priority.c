/* priority: IANA cipher suite ids to a GnuTLS priority string, through GnuTLS's own suite table
 * (gnutls_cipher_suite_info), so any suite GnuTLS knows can be named. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/cfgmsg.h"
#include "core/error.h"
#include "core/tls_params.h"
#include "priority.h"

#define DEFAULT_GROUPS "+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1"
#define SIGNATURES "+SIGN-ALL:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:-SIGN-DSA-SHA1"
#define SIGNATURES_LOWERED "+SIGN-ALL:%VERIFY_ALLOW_SIGN_WITH_SHA1:%PROFILE_VERY_WEAK"
#define PRIORITY_MAX 2048 /* every cipher, MAC and key exchange GnuTLS has fits with margin */

/* The distinct algorithms the configured suites need, in the order first named. */
struct algorithms {
    gnutls_cipher_algorithm_t cipher[GTLS_MAX_SUITES];
    gnutls_mac_algorithm_t mac[GTLS_MAX_SUITES];
    gnutls_kx_algorithm_t kx[GTLS_MAX_SUITES];
    size_t n_cipher, n_mac, n_kx;
    int has12, has13;
};

static unitls_status suite_error(uint16_t id, int known, unitls_error *err)
{
    char library[64], msg[CFGMSG_SIZE];
    snprintf(library, sizeof library, "GnuTLS %s", gnutls_check_version(NULL));
    cfgmsg_cipher_suite(id, known, library, msg, sizeof msg);
    return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
}

/* GnuTLS's description of suite id: 1 when it knows it. */
static int suite_lookup(uint16_t id, struct gtls_suite *out)
{
    unsigned char wire[2];
    gnutls_kx_algorithm_t kx;
    gnutls_cipher_algorithm_t cipher;
    gnutls_mac_algorithm_t mac;
    gnutls_protocol_t min_version;
    for (size_t i = 0;
         gnutls_cipher_suite_info(i, wire, &kx, &cipher, &mac, &min_version) != NULL; i++) {
        if (((uint16_t)(wire[0] << 8) | wire[1]) != id)
            continue;
        *out = (struct gtls_suite){id, (uint8_t)unitls_cipher_suite_is_tls13(id), kx, cipher, mac};
        return 1;
    }
    return 0;
}

#define ADD_UNIQUE(arr, n, v)                                                                 \
    do {                                                                                       \
        size_t k_ = 0;                                                                         \
        while (k_ < (n) && (arr)[k_] != (v))                                                   \
            k_++;                                                                              \
        if (k_ == (n) && (n) < GTLS_MAX_SUITES)                                                \
            (arr)[(n)++] = (v);                                                                \
    } while (0)

static unitls_status algorithms_collect(const uint16_t *ids, size_t n, int explicit,
                                        struct algorithms *a, unitls_error *err)
{
    memset(a, 0, sizeof *a);
    for (size_t i = 0; i < n; i++) {
        struct gtls_suite s;
        if (!suite_lookup(ids[i], &s)) {
            if (explicit)
                return suite_error(ids[i], 0, err);
            continue;
        }
        ADD_UNIQUE(a->cipher, a->n_cipher, s.cipher);
        ADD_UNIQUE(a->mac, a->n_mac, s.mac);
        if (!s.tls13)
            ADD_UNIQUE(a->kx, a->n_kx, s.kx);
        *(s.tls13 ? &a->has13 : &a->has12) = 1;
    }
    return UNITLS_OK;
}

/* Appends ":+NAME" (or the text as is when plus is 0); 0 when it does not fit. */
static int append(char *buf, size_t cap, const char *text, int plus)
{
    size_t used = strlen(buf);
    int n = snprintf(buf + used, cap - used, "%s%s", plus ? ":+" : ":", text);
    return n > 0 && (size_t)n < cap - used;
}

/* GnuTLS's priority keyword for a group of groups.h's table: "GROUP-" and the IANA name in
 * capitals (GROUP-SECP256R1, GROUP-X25519, GROUP-FFDHE2048). */
static void group_keyword(uint16_t id, char *buf, size_t cap)
{
    const char *name = unitls_group_name(id);
    size_t used = (size_t)snprintf(buf, cap, "GROUP-");
    for (size_t i = 0; name && name[i] && used + 1 < cap; i++)
        buf[used++] = (char)toupper((unsigned char)name[i]);
    buf[used < cap ? used : cap - 1] = '\0';
}

static int groups_append(char *buf, size_t cap, const struct gtls_settings *s)
{
    if (!s->groups)
        return append(buf, cap, DEFAULT_GROUPS, 0);
    int ok = 1;
    for (size_t i = 0; ok && i < s->n_groups; i++) {
        char keyword[32];
        group_keyword(s->groups[i], keyword, sizeof keyword);
        ok = append(buf, cap, keyword, 1);
    }
    return ok;
}

/* Every configured group must be one this GnuTLS can use. */
static unitls_status groups_check(const struct gtls_settings *s, unitls_error *err)
{
    for (size_t i = 0; s->groups && i < s->n_groups; i++) {
        char keyword[32];
        group_keyword(s->groups[i], keyword, sizeof keyword);
        gnutls_group_t g = gnutls_group_get_id(keyword + strlen("GROUP-"));
        const gnutls_group_t *supported = gnutls_group_list();
        size_t k = 0;
        while (g != GNUTLS_GROUP_INVALID && supported[k] && supported[k] != g)
            k++;
        if (g == GNUTLS_GROUP_INVALID || !supported[k]) {
            char library[64], msg[CFGMSG_SIZE];
            snprintf(library, sizeof library, "GnuTLS %s", gnutls_check_version(NULL));
            cfgmsg_group(s->groups[i], library, msg, sizeof msg);
            return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "%s", msg);
        }
    }
    return UNITLS_OK;
}

static int priority_string(const struct algorithms *a, uint16_t lo, uint16_t hi,
                           const struct gtls_settings *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "NONE");
    int ok = 1;
    static const struct { uint16_t wire; const char *name; } versions[] = {
        {TLS_PARAMS_TLS13, "VERS-TLS1.3"}, {TLS_PARAMS_TLS12, "VERS-TLS1.2"},
        {TLS_PARAMS_TLS11, "VERS-TLS1.1"}, {TLS_PARAMS_TLS10, "VERS-TLS1.0"}};
    for (size_t i = 0; ok && i < sizeof versions / sizeof versions[0]; i++)
        if (lo <= versions[i].wire && versions[i].wire <= hi)
            ok = append(buf, cap, versions[i].name, 1);
    for (size_t i = 0; ok && i < a->n_cipher; i++)
        ok = append(buf, cap, gnutls_cipher_get_name(a->cipher[i]), 1);
    for (size_t i = 0; ok && i < a->n_mac; i++)
        ok = append(buf, cap, gnutls_mac_get_name(a->mac[i]), 1);
    for (size_t i = 0; ok && lo <= TLS_PARAMS_TLS12 && i < a->n_kx; i++)
        ok = append(buf, cap, gnutls_kx_get_name(a->kx[i]), 1);
    ok = ok && append(buf, cap, s->security_lowered ? SIGNATURES_LOWERED : SIGNATURES, 0);
    ok = ok && groups_append(buf, cap, s);
    ok = ok && append(buf, cap, "+COMP-NULL", 0);
    return ok && (!s->server || append(buf, cap, "%SERVER_PRECEDENCE", 0));
}

/* The suites the cache enables, read back from GnuTLS. */
static void suites_read(struct gtls_priority *p)
{
    unsigned sidx = 0;
    p->n_suites = 0;
    for (unsigned i = 0; p->n_suites < GTLS_MAX_SUITES; i++) {
        int r = gnutls_priority_get_cipher_suite_index(p->cache, i, &sidx);
        if (r == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        unsigned char wire[2];
        struct gtls_suite *s = &p->suites[p->n_suites];
        gnutls_protocol_t min_version;
        if (r < 0 || !gnutls_cipher_suite_info(sidx, wire, &s->kx, &s->cipher, &s->mac,
                                               &min_version))
            continue;
        s->id = (uint16_t)((wire[0] << 8) | wire[1]);
        s->tls13 = (uint8_t)unitls_cipher_suite_is_tls13(s->id);
        p->n_suites++;
    }
}

/* Every suite the caller named explicitly must be enabled. */
static unitls_status suites_check(const struct gtls_priority *p, const uint16_t *ids, size_t n,
                                  int explicit, uint16_t lo, uint16_t hi, unitls_error *err)
{
    for (size_t i = 0; explicit && i < n; i++) {
        int tls13 = unitls_cipher_suite_is_tls13(ids[i]);
        if ((tls13 && hi < TLS_PARAMS_TLS13) || (!tls13 && lo > TLS_PARAMS_TLS12))
            continue; /* outside the bounds: not enabled, by the configuration's own choice */
        if (!gtls_priority_find(p, ids[i]))
            return suite_error(ids[i], 1, err);
    }
    return UNITLS_OK;
}

unitls_status gtls_priority_build(const struct gtls_settings *s, struct gtls_priority *p,
                                  unitls_error *err)
{
    int explicit = s->ciphers != NULL;
    uint16_t defaults[TLS_PARAMS_MAX_DEFAULT_SUITES];
    size_t n = explicit ? s->n_ciphers
                        : tls_params_default_suites(s->security_lowered, defaults,
                                                    TLS_PARAMS_MAX_DEFAULT_SUITES);
    const uint16_t *ids = explicit ? s->ciphers : defaults;
    struct algorithms a;
    unitls_status st = groups_check(s, err);
    if (st == UNITLS_OK)
        st = algorithms_collect(ids, n, explicit, &a, err);
    uint16_t lo = 0, hi = 0;
    if (st == UNITLS_OK)
        st = tls_params_versions(s->lowest, s->highest, a.has12, a.has13, "GnuTLS", &lo, &hi,
                                 err);
    if (st != UNITLS_OK)
        return st;
    char text[PRIORITY_MAX];
    if (!priority_string(&a, lo, hi, s, text, sizeof text))
        return error_set(err, UNITLS_ERR_CONFIGURATION, 0, "cipher suites: too many to list");
    struct gtls_priority built;
    memset(&built, 0, sizeof built);
    const char *where = NULL;
    int r = gnutls_priority_init2(&built.cache, text, &where, 0);
    if (r < 0)
        return error_set(err, UNITLS_ERR_CONFIGURATION, r, "GnuTLS priority \"%s\" at \"%s\": %s",
                         text, where ? where : "", gnutls_strerror(r));
    suites_read(&built);
    st = suites_check(&built, ids, n, explicit, lo, hi, err);
    if (st != UNITLS_OK) {
        gtls_priority_clear(&built);
        return st;
    }
    *p = built;
    return UNITLS_OK;
}

void gtls_priority_clear(struct gtls_priority *p)
{
    if (p->cache)
        gnutls_priority_deinit(p->cache);
    memset(p, 0, sizeof *p);
}

const struct gtls_suite *gtls_priority_find(const struct gtls_priority *p, uint16_t id)
{
    for (size_t i = 0; i < p->n_suites; i++)
        if (p->suites[i].id == id)
            return &p->suites[i];
    return NULL;
}

uint16_t gtls_priority_negotiated(const struct gtls_priority *p, gnutls_session_t session)
{
    int tls13 = gnutls_protocol_get_version(session) == GNUTLS_TLS1_3;
    gnutls_cipher_algorithm_t cipher = gnutls_cipher_get(session);
    gnutls_kx_algorithm_t kx = gnutls_kx_get(session);
    gnutls_mac_algorithm_t mac = gnutls_mac_get(session);
    for (size_t i = 0; i < p->n_suites; i++) {
        const struct gtls_suite *s = &p->suites[i];
        if (s->tls13 == tls13 && s->cipher == cipher &&
            (tls13 || (s->kx == kx && s->mac == mac)))
            return s->id;
    }
    return 0;
}
