/* explain: keeping the first flight, and classifying and wording a failed handshake. Only
 * explain_keep and explain_release run on good connections; everything else runs on failure
 * paths, where formatting is fine. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/ciphers.h>
#include <unitls/insecure.h>

#include "explain.h"
#include "hello_inspect.h"
#include "sni_table.h"

#define FACTS_SIZE 640
#define MAX_LISTED 16 /* suites or groups named in facts; the rest become "..." */

struct first_flight {
    size_t len, cap;
    uint8_t bytes[];
};

struct handshake_explanation {
    enum unitls_handshake_failure reason;
    char facts[FACTS_SIZE];
};

/* --- keeping the first flight --- */

static struct first_flight *flight_grow(struct first_flight *ff, size_t cap)
{
    struct first_flight *n = realloc(ff, sizeof *n + cap);
    if (!n)
        return NULL;
    if (!ff)
        n->len = 0;
    n->cap = cap;
    return n;
}

void explain_keep(unitls_buffer *b, const uint8_t *data, size_t len)
{
    struct first_flight *ff = b->first_flight;
    while (len > 0) {
        const uint8_t *head = ff && ff->len ? ff->bytes : data;
        size_t head_len = ff && ff->len ? ff->len : len;
        size_t want = hello_first_flight_span(head, head_len);
        if (!ff || ff->cap < want) {
            struct first_flight *n = flight_grow(ff, want);
            if (!n) {
                b->first_flight_done = 1; /* not explained is better than not served */
                return;
            }
            b->first_flight = ff = n;
        }
        size_t take = want - ff->len < len ? want - ff->len : len;
        memcpy(ff->bytes + ff->len, data, take);
        ff->len += take;
        data += take;
        len -= take;
        if (ff->len == hello_first_flight_span(ff->bytes, ff->len)) {
            b->first_flight_done = 1;
            return;
        }
    }
}

void explain_release(unitls_buffer *b)
{
    free(b->first_flight);
    b->first_flight = NULL;
    b->first_flight_done = 1;
}

void explain_free(unitls_buffer *b)
{
    explain_release(b);
    free(b->explanation);
    b->explanation = NULL;
}

/* --- facts: key=value pairs, printable ASCII, quoted when holding a space --- */

struct text {
    char *s;
    size_t cap, len;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
    if (t->len + 1 >= t->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        t->len = t->len + (size_t)n < t->cap ? t->len + (size_t)n : t->cap - 1;
}

static void fact(struct text *t, const char *key, const char *value)
{
    if (!value || !*value)
        return;
    int quote = strchr(value, ' ') != NULL;
    text_add(t, "%s%s=%s", t->len ? " " : "", key, quote ? "\"" : "");
    for (const char *c = value; *c && t->len + 2 < t->cap; c++) {
        char ch = (*c >= 0x20 && *c < 0x7F && *c != '"') ? *c : '.';
        t->s[t->len++] = ch;
    }
    t->s[t->len] = '\0';
    if (quote)
        text_add(t, "\"");
}

/* --- what the configuration allows --- */

struct allowed {
    uint16_t lo, hi;        /* wire versions */
    const uint16_t *suites; /* configured, or the defaults */
    size_t n_suites;
    int suites_exact;       /* 0: legacy suites are added beyond the list (lowered level) */
};

static uint16_t wire_version(enum unitls_tls_version v, uint16_t unset)
{
    if (v == UNITLS_TLS_VERSION_UNSET)
        return unset;
    if (v == UNITLS_TLS_VERSION_MINIMUM_SUPPORTED)
        return 0x0303;
    if (v == UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED)
        return 0x0304;
    return (uint16_t)v;
}

static void allowed_of(const unitls_buffer *b, struct allowed *a)
{
    size_t n = 0;
    const uint16_t *suites = NULL;
    int lowered = 0;
    if (b->client_ctx) {
        const unitls_client_config *c = unitls_client_context_configuration(b->client_ctx);
        a->lo = wire_version(unitls_client_config_lowest_supported_version(c), 0x0303);
        a->hi = wire_version(unitls_client_config_highest_supported_version(c), 0x0304);
        suites = unitls_client_config_ciphers(c, &n);
        lowered = unitls_client_config_security_level_lowered(c);
    } else {
        const unitls_server_config *c = unitls_server_context_configuration(b->server_ctx);
        a->lo = wire_version(unitls_server_config_lowest_supported_version(c), 0x0303);
        a->hi = wire_version(unitls_server_config_highest_supported_version(c), 0x0304);
        suites = unitls_server_config_ciphers(c, &n);
        lowered = unitls_server_config_security_level_lowered(c);
    }
    a->suites_exact = !(lowered && (!suites || n == 0));
    if (!suites || n == 0)
        suites = unitls_cipher_suite_defaults(&n);
    a->suites = suites;
    a->n_suites = n;
}

static void versions_range(const struct allowed *a, char *out, size_t cap)
{
    const char *lo = hello_version_name(a->lo), *hi = hello_version_name(a->hi);
    if (a->lo == a->hi)
        snprintf(out, cap, "%s", lo ? lo : "?");
    else
        snprintf(out, cap, "%s-%s", lo ? lo : "?", hi ? hi : "?");
}

static int suite_allowed(const struct allowed *a, uint16_t id)
{
    for (size_t i = 0; i < a->n_suites; i++)
        if (a->suites[i] == id)
            return 1;
    return 0;
}

/* A comma-separated list of suite names from ids (2-byte wire values or a uint16_t array). */
static void suites_list(const uint8_t *wire, const uint16_t *ids, size_t n, char *out,
                        size_t cap)
{
    struct text t = {out, cap, 0};
    out[0] = '\0';
    size_t listed = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t id = ids ? ids[i] : 0;
        if (wire)
            id = (uint16_t)((wire[2 * i] << 8) | wire[2 * i + 1]);
        if (hello_is_signal(id))
            continue;
        char buf[7];
        if (listed++ == MAX_LISTED) {
            text_add(&t, ",...");
            break;
        }
        text_add(&t, "%s%s", t.len ? "," : "", hello_suite_name(id, buf));
    }
}

/* --- the verdict --- */

struct verdict {
    enum unitls_handshake_failure reason;
    struct text facts;
    char words[UNITLS_ERROR_MESSAGE_SIZE];
};

static void say(struct verdict *v, enum unitls_handshake_failure reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(struct verdict *v, enum unitls_handshake_failure reason, const char *fmt, ...)
{
    v->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->words, sizeof v->words, fmt, ap);
    va_end(ap);
}

struct failure_in {
    const unitls_buffer *b;
    const char *peer;         /* "client" or "server" */
    const uint8_t *bytes;     /* the first flight (NULL, 0 when nothing came) */
    size_t len;
    int eof;
    struct allowed allowed;
    struct impl_failure_facts f;
};

static enum unitls_handshake_failure alert_reason(int d)
{
    switch (d) {
    case 70: return UNITLS_HANDSHAKE_FAILURE_VERSION;
    case 40:
    case 71: return UNITLS_HANDSHAKE_FAILURE_CIPHER;
    case 112: return UNITLS_HANDSHAKE_FAILURE_SNI;
    case 120: return UNITLS_HANDSHAKE_FAILURE_ALPN;
    case 42:
    case 43:
    case 44:
    case 45:
    case 46:
    case 48:
    case 116: return UNITLS_HANDSHAKE_FAILURE_CERTIFICATE;
    default: return UNITLS_HANDSHAKE_FAILURE_NONE;
    }
}

static const char *alert_text(int d, char *buf, size_t cap)
{
    const char *name = d >= 0 ? hello_alert_name((unsigned)d) : NULL;
    if (name)
        return name;
    snprintf(buf, cap, "%d", d);
    return buf;
}

/* The first bytes, quoted: text up to the first line end when printable, else hex. */
static void quote_first_bytes(const uint8_t *p, size_t len, char *out, size_t cap)
{
    size_t n = 0;
    while (n < len && n < HELLO_FIRST_BYTES && p[n] >= 0x20 && p[n] < 0x7F)
        n++;
    int text = n > 0 && (n == len || p[n] == '\r' || p[n] == '\n');
    struct text t = {out, cap, 0};
    out[0] = '\0';
    if (text)
        text_add(&t, "%.*s", (int)n, (const char *)p);
    else
        for (size_t i = 0; i < len && i < 8; i++)
            text_add(&t, "%02x", p[i]);
}

static int explain_not_tls(const struct failure_in *in, enum hello_result r, struct verdict *v)
{
    if (r != HELLO_NOT_TLS && r != HELLO_HTTP && r != HELLO_SSLV2 &&
        !(r == HELLO_NEED_MORE && in->len > 0 && in->bytes[0] != HELLO_TYPE_HANDSHAKE &&
          in->bytes[0] != HELLO_TYPE_ALERT))
        return 0;
    char quoted[80];
    quote_first_bytes(in->bytes, in->len, quoted, sizeof quoted);
    fact(&v->facts, "first_bytes", quoted);
    if (r == HELLO_SSLV2) {
        fact(&v->facts, "format", "SSLv2");
        say(v, UNITLS_HANDSHAKE_FAILURE_NOT_TLS,
            "the %s sent an SSLv2-compatible ClientHello, which TLS 1.2 and later do not accept",
            in->peer);
    } else {
        say(v, UNITLS_HANDSHAKE_FAILURE_NOT_TLS, "the %s did not speak TLS: it sent \"%s\"%s",
            in->peer, quoted, r == HELLO_HTTP ? " (looks like HTTP)" : "");
    }
    return 1;
}

static int explain_certificate(const struct failure_in *in, struct verdict *v)
{
    char buf[12];
    if (in->f.check[0]) {
        fact(&v->facts, "check", in->f.check);
        fact(&v->facts, "subject", in->f.subject);
        fact(&v->facts, "issuer", in->f.issuer);
        say(v, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE,
            "the %s's certificate failed verification (%s; subject \"%s\", issuer \"%s\")",
            in->peer, in->f.check, in->f.subject, in->f.issuer);
        return 1;
    }
    if (alert_reason(in->f.alert_received) != UNITLS_HANDSHAKE_FAILURE_CERTIFICATE) {
        /* The implementation's own verdict on a certificate (one missing where it is
         * required), whatever alert it answered with: GnuTLS sends handshake_failure for it in
         * TLS 1.2, which alone would read as a suite mismatch. */
        if (in->b->last_error.status != UNITLS_ERR_CERTIFICATE)
            return 0;
        say(v, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE, "%s", in->b->last_error.message);
        return 1;
    }
    const char *alert = alert_text(in->f.alert_received, buf, sizeof buf);
    fact(&v->facts, "alert", alert);
    say(v, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE,
        "the %s refused our certificate (alert %s) or sent none where one is required", in->peer,
        alert);
    return 1;
}

/* --- a server's view: the client's ClientHello --- */

static void client_sni(const struct hello_client *h, char *out, size_t cap)
{
    size_t n = 0;
    const char *name =
        h->server_name ? sni_extension_host_name(h->server_name, h->server_name_len, &n) : NULL;
    snprintf(out, cap, "%.*s", name ? (int)n : 0, name ? name : "");
}

/* A name refused with unrecognized_name (strict SNI): the fact "sni" is the name, or "no name"
 * or "malformed" (a malformed name's bytes are not repeated into logs). */
static void explain_refused_name(const struct hello_client *h, struct verdict *v)
{
    size_t n = 0;
    const char *name =
        h->server_name ? sni_extension_host_name(h->server_name, h->server_name_len, &n) : NULL;
    enum unitls_handshake_failure r = UNITLS_HANDSHAKE_FAILURE_SNI;
    if (!name) {
        fact(&v->facts, "sni", "no name");
        say(v, r, "the client sent no server name, which this server requires");
    } else if (!sni_name_well_formed(name, n)) {
        fact(&v->facts, "sni", "malformed");
        say(v, r, "the client's server name is malformed (%zu bytes)", n);
    } else {
        char buf[SNI_NAME_MAX + 1];
        snprintf(buf, sizeof buf, "%.*s", (int)n, name);
        fact(&v->facts, "sni", buf);
        say(v, r, "no certificate of this server covers the name \"%s\"", buf);
    }
}

/* The versions the client offers that we allow; facts and words when none. */
static int explain_versions(const struct failure_in *in, const struct hello_client *h,
                            struct verdict *v, int *has12, int *has13)
{
    uint16_t offered[8];
    size_t n = hello_client_versions(h, offered, 8);
    char list[96], allowed[32];
    struct text t = {list, sizeof list, 0};
    list[0] = '\0';
    int common = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = hello_version_name(offered[i]);
        if (name)
            text_add(&t, "%s%s", t.len ? "," : "", name);
        else
            text_add(&t, "%s0x%04X", t.len ? "," : "", (unsigned)offered[i]);
        if (offered[i] >= in->allowed.lo && offered[i] <= in->allowed.hi) {
            common = 1;
            *has12 |= offered[i] <= 0x0303;
            *has13 |= offered[i] == 0x0304;
        }
    }
    if (common)
        return 0;
    char sni[256];
    versions_range(&in->allowed, allowed, sizeof allowed);
    client_sni(h, sni, sizeof sni);
    fact(&v->facts, "offered", list);
    fact(&v->facts, "allowed", allowed);
    fact(&v->facts, "sni", sni);
    say(v, UNITLS_HANDSHAKE_FAILURE_VERSION, "the client offered %s; this server allows %s", list,
        allowed);
    return 1;
}

static int explain_suites(const struct failure_in *in, const struct hello_client *h, int has12,
                          int has13, struct verdict *v)
{
    if (!in->allowed.suites_exact)
        return 0;
    for (size_t i = 0; i + 1 < h->suites_len; i += 2) {
        uint16_t id = (uint16_t)((h->suites[i] << 8) | h->suites[i + 1]);
        int fits = unitls_cipher_suite_is_tls13(id) ? has13 : has12;
        if (fits && suite_allowed(&in->allowed, id))
            return 0;
    }
    char offered[FACTS_SIZE / 2], allowed[FACTS_SIZE / 2];
    suites_list(h->suites, NULL, h->suites_len / 2, offered, sizeof offered);
    suites_list(NULL, in->allowed.suites, in->allowed.n_suites, allowed, sizeof allowed);
    fact(&v->facts, "offered", offered);
    fact(&v->facts, "allowed", allowed);
    say(v, UNITLS_HANDSHAKE_FAILURE_CIPHER,
        "the client offered no cipher suite this server allows for the versions in common "
        "(offered %s)", offered);
    return 1;
}

static void client_groups(const struct hello_client *h, char *out, size_t cap)
{
    struct text t = {out, cap, 0};
    out[0] = '\0';
    for (size_t i = 0; h->groups && i + 1 < h->groups_len && i < 2 * MAX_LISTED; i += 2) {
        uint16_t id = (uint16_t)((h->groups[i] << 8) | h->groups[i + 1]);
        char buf[7];
        if (!hello_is_signal(id))
            text_add(&t, "%s%s", t.len ? "," : "", hello_group_name(id, buf));
    }
}

static void client_alpn(const struct hello_client *h, char *out, size_t cap)
{
    struct text t = {out, cap, 0};
    out[0] = '\0';
    for (size_t i = 0; h->alpn && i < h->alpn_len;) {
        size_t n = h->alpn[i];
        if (i + 1 + n > h->alpn_len)
            break;
        text_add(&t, "%s%.*s", t.len ? "," : "", (int)n, (const char *)h->alpn + i + 1);
        i += 1 + n;
    }
}

/* What the implementation said, with the ClientHello's matching field as facts. */
static int explain_server_hint(const struct failure_in *in, const struct hello_client *h,
                               struct verdict *v)
{
    enum unitls_handshake_failure r = in->f.hint;
    if (r == UNITLS_HANDSHAKE_FAILURE_NONE)
        r = alert_reason(in->f.alert_sent);
    char buf[256];
    switch (r) {
    case UNITLS_HANDSHAKE_FAILURE_GROUP:
        client_groups(h, buf, sizeof buf);
        fact(&v->facts, "offered", buf);
        say(v, r, "the client offered no key-exchange group this server allows (offered %s)",
            buf[0] ? buf : "none");
        return 1;
    case UNITLS_HANDSHAKE_FAILURE_SNI: explain_refused_name(h, v); return 1;
    case UNITLS_HANDSHAKE_FAILURE_ALPN:
        client_alpn(h, buf, sizeof buf);
        fact(&v->facts, "offered", buf);
        say(v, r, "the client offered no application protocol this server serves (offered %s)",
            buf[0] ? buf : "none");
        return 1;
    case UNITLS_HANDSHAKE_FAILURE_NONE:
    case UNITLS_HANDSHAKE_FAILURE_OTHER: return 0;
    default: say(v, r, "%s", in->b->last_error.message); return 1;
    }
}

static void offered_facts(const struct hello_client *h, struct verdict *v)
{
    uint16_t offered[8];
    size_t n = hello_client_versions(h, offered, 8);
    char list[96], sni[256];
    struct text t = {list, sizeof list, 0};
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *name = hello_version_name(offered[i]);
        text_add(&t, "%s%s", t.len ? "," : "", name ? name : "?");
    }
    fact(&v->facts, "offered", list);
    client_sni(h, sni, sizeof sni);
    fact(&v->facts, "sni", sni);
}

static void explain_server_side(const struct failure_in *in, struct verdict *v)
{
    struct hello_client h;
    if (in->len == 0) {
        if (in->eof)
            say(v, UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED,
                "the client closed the connection before sending a ClientHello");
        return;
    }
    enum hello_result r = hello_client_inspect(in->bytes, in->len, &h);
    if (explain_not_tls(in, r, v) || explain_certificate(in, v))
        return;
    int has12 = 0, has13 = 0;
    if (r == HELLO_OK) {
        if (explain_versions(in, &h, v, &has12, &has13) ||
            explain_suites(in, &h, has12, has13, v) || explain_server_hint(in, &h, v))
            return;
        if (in->eof) {
            offered_facts(&h, v);
            say(v, UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED,
                "the client closed the connection during the handshake, after its ClientHello");
        }
        return;
    }
    if (in->eof && r == HELLO_NEED_MORE)
        say(v, UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED,
            "the client closed the connection in the middle of its ClientHello");
}

/* --- a client's view: the server's answer --- */

/* The configured suites a client's ClientHello carried: those of a version it offers (a TLS
 * 1.3 suite only up to TLS 1.3, the others only below it); the rest never left it. */
static void client_suites(const struct allowed *a, char *out, size_t cap)
{
    uint16_t sent[MAX_LISTED + 1];
    size_t n = 0;
    for (size_t i = 0; i < a->n_suites && n < MAX_LISTED + 1; i++) {
        int tls13 = unitls_cipher_suite_is_tls13(a->suites[i]);
        if (tls13 ? a->hi >= 0x0304 : a->lo < 0x0304)
            sent[n++] = a->suites[i];
    }
    suites_list(NULL, sent, n, out, cap);
}

static void client_offer(const struct failure_in *in, char *versions, size_t vcap, char *suites,
                         size_t scap)
{
    versions_range(&in->allowed, versions, vcap);
    client_suites(&in->allowed, suites, scap);
}

static void explain_silence(const struct failure_in *in, struct verdict *v)
{
    char versions[32], suites[FACTS_SIZE / 2];
    client_offer(in, versions, sizeof versions, suites, sizeof suites);
    fact(&v->facts, "offered", versions);
    fact(&v->facts, "suites", suites);
    fact(&v->facts, "sni", unitls_buffer_server_name(in->b));
    say(v, UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED,
        "the server closed the connection right after our ClientHello, as servers limited to "
        "older TLS versions or other suites usually do; offered %s, %s", versions, suites);
}

/* A protocol_version alert. Its record version names the server's version when below ours;
 * else, when we offer every version from our lowest up to TLS 1.3, the server can only be
 * older than our lowest (a TLS 1.0 server answers a TLS 1.2 ClientHello in a TLS 1.2 record). */
static void explain_version_alert(const struct failure_in *in, const struct hello_server *h,
                                  const char *alert, const char *allowed, struct verdict *v)
{
    const char *answered = hello_version_words(h->record_version);
    enum unitls_handshake_failure r = UNITLS_HANDSHAKE_FAILURE_VERSION;
    if (answered && h->record_version < in->allowed.lo) {
        fact(&v->facts, "answered", hello_version_name(h->record_version));
        fact(&v->facts, "allowed", allowed);
        say(v, r, "server answered %s (alert %s); this client allows %s", answered, alert,
            allowed);
    } else if (in->allowed.hi >= 0x0304 && in->allowed.lo > 0x0301) {
        const char *lowest = hello_version_words(in->allowed.lo);
        char below[40];
        snprintf(below, sizeof below, "below_%s", hello_version_name(in->allowed.lo));
        fact(&v->facts, "answered", below);
        fact(&v->facts, "allowed", allowed);
        say(v, r, "server answered a version below %s%s (alert %s); this client allows %s",
            lowest ? lowest : "?", in->allowed.lo == 0x0303 ? ", TLS 1.0 or 1.1" : "", alert,
            allowed);
    } else {
        fact(&v->facts, "allowed", allowed);
        say(v, r, "the server refused every version we offer (alert %s); this client allows %s",
            alert, allowed);
    }
}

static void explain_server_alert(const struct failure_in *in, const struct hello_server *h,
                                 struct verdict *v)
{
    char buf[12], allowed[32];
    const char *alert = alert_text(h->alert_description, buf, sizeof buf);
    enum unitls_handshake_failure r = alert_reason(h->alert_description);
    if (r == UNITLS_HANDSHAKE_FAILURE_CIPHER && in->f.hint == UNITLS_HANDSHAKE_FAILURE_GROUP)
        r = UNITLS_HANDSHAKE_FAILURE_GROUP;
    versions_range(&in->allowed, allowed, sizeof allowed);
    fact(&v->facts, "alert", alert);
    if (r == UNITLS_HANDSHAKE_FAILURE_VERSION) {
        explain_version_alert(in, h, alert, allowed, v);
        return;
    }
    switch (r) {
    case UNITLS_HANDSHAKE_FAILURE_CIPHER:
    case UNITLS_HANDSHAKE_FAILURE_GROUP: {
        char suites[FACTS_SIZE / 2];
        client_suites(&in->allowed, suites, sizeof suites);
        fact(&v->facts, "offered", suites);
        say(v, r, "the server refused the handshake (alert %s), as servers do when no %s is in "
            "common; offered %s", alert,
            r == UNITLS_HANDSHAKE_FAILURE_GROUP ? "key-exchange group" : "cipher suite or group",
            suites);
        return;
    }
    case UNITLS_HANDSHAKE_FAILURE_SNI:
        fact(&v->facts, "sni", unitls_buffer_server_name(in->b));
        say(v, r, "the server refused the name we asked for (alert %s)", alert);
        return;
    case UNITLS_HANDSHAKE_FAILURE_ALPN:
        say(v, r, "the server serves none of our application protocols (alert %s)", alert);
        return;
    case UNITLS_HANDSHAKE_FAILURE_CERTIFICATE:
        say(v, r, "the server refused our certificate (alert %s) or wanted one", alert);
        return;
    default: say(v, UNITLS_HANDSHAKE_FAILURE_OTHER, "the server sent alert %s", alert); return;
    }
}

/* A ServerHello we cannot accept: its version or its suite. */
static int explain_server_hello(const struct failure_in *in, const struct hello_server *h,
                                struct verdict *v)
{
    uint16_t chosen = h->selected_version ? h->selected_version : h->legacy_version;
    char allowed[32], buf[12];
    versions_range(&in->allowed, allowed, sizeof allowed);
    if (chosen < in->allowed.lo || chosen > in->allowed.hi) {
        const char *words = hello_version_words(chosen);
        const char *alert = in->f.alert_sent >= 0
                                ? alert_text(in->f.alert_sent, buf, sizeof buf)
                                : "protocol_version";
        fact(&v->facts, "answered", hello_version_name(chosen));
        fact(&v->facts, "allowed", allowed);
        say(v, UNITLS_HANDSHAKE_FAILURE_VERSION,
            "server answered %s (alert %s); this client allows %s", words ? words : "?", alert,
            allowed);
        return 1;
    }
    if (!h->retry_request && in->allowed.suites_exact &&
        !suite_allowed(&in->allowed, h->suite)) {
        char name[7];
        fact(&v->facts, "chosen", hello_suite_name(h->suite, name));
        say(v, UNITLS_HANDSHAKE_FAILURE_CIPHER,
            "the server chose %s, which this client does not allow", hello_suite_name(h->suite,
                                                                                   name));
        return 1;
    }
    return 0;
}

/* A handshake_failure alert after a ServerHello we accepted: version and suite were agreed,
 * so the server is refusing what comes after them, and servers that require a client
 * certificate answer its absence (or one they cannot use) so in TLS 1.2. */
static int explain_client_certificate_wanted(const struct failure_in *in, struct verdict *v)
{
    if (in->f.alert_received != 40 || !in->b->client_ctx)
        return 0;
    const unitls_client_config *cfg = unitls_client_context_configuration(in->b->client_ctx);
    int has_chain = cfg && unitls_client_config_certificate_chain(cfg) != NULL;
    fact(&v->facts, "alert", "handshake_failure");
    fact(&v->facts, "client_certificate", has_chain ? "sent" : "none");
    if (has_chain)
        say(v, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE,
            "the server refused the handshake after its ServerHello (alert handshake_failure): "
            "it did not accept this client's certificate");
    else
        say(v, UNITLS_HANDSHAKE_FAILURE_CERTIFICATE,
            "the server refused the handshake after its ServerHello (alert handshake_failure), "
            "as servers that require a client certificate do; this client has none");
    return 1;
}

static void explain_client_side(const struct failure_in *in, struct verdict *v)
{
    struct hello_server h;
    if (in->len == 0) {
        if (in->eof)
            explain_silence(in, v);
        return;
    }
    enum hello_result r = hello_server_inspect(in->bytes, in->len, &h);
    if (explain_not_tls(in, r, v) || explain_certificate(in, v))
        return;
    if (r == HELLO_ALERT) {
        explain_server_alert(in, &h, v);
        return;
    }
    if (r == HELLO_OK &&
        (explain_server_hello(in, &h, v) || explain_client_certificate_wanted(in, v)))
        return;
    if (in->f.alert_received >= 0 && alert_reason(in->f.alert_received)) {
        h.alert_description = (uint8_t)in->f.alert_received;
        h.record_version = 0x0303;
        explain_server_alert(in, &h, v);
        return;
    }
    if (in->f.hint != UNITLS_HANDSHAKE_FAILURE_NONE && in->f.hint != UNITLS_HANDSHAKE_FAILURE_OTHER)
        say(v, in->f.hint, "%s", in->b->last_error.message);
    else if (in->eof)
        say(v, UNITLS_HANDSHAKE_FAILURE_PEER_CLOSED,
            "the server closed the connection during the handshake");
}

static void classify(const struct failure_in *in, int is_server, struct verdict *v)
{
    if (is_server)
        explain_server_side(in, v);
    else
        explain_client_side(in, v);
}

static void gather(const unitls_buffer *b, struct failure_in *in)
{
    memset(in, 0, sizeof *in);
    in->b = b;
    in->peer = b->server_ctx ? "client" : "server";
    if (b->first_flight) {
        in->bytes = b->first_flight->bytes;
        in->len = b->first_flight->len;
    }
    in->eof = b->io.eof || b->last_error.status == UNITLS_RAGGED_EOF;
    allowed_of(b, &in->allowed);
    in->f.alert_received = -1;
    in->f.alert_sent = -1;
    if (b->ops->failure_facts)
        b->ops->failure_facts(b, &in->f);
}

void explain_failure(unitls_buffer *b)
{
    if (b->explanation)
        return;
    struct handshake_explanation *e = calloc(1, sizeof *e);
    if (!e)
        return;
    struct failure_in in;
    gather(b, &in);
    struct verdict v;
    memset(&v, 0, sizeof v);
    v.facts = (struct text){e->facts, sizeof e->facts, 0};
    classify(&in, b->server_ctx != NULL, &v);
    if (v.reason == UNITLS_HANDSHAKE_FAILURE_NONE)
        v.reason = UNITLS_HANDSHAKE_FAILURE_OTHER;
    e->reason = v.reason;
    b->explanation = e;
    explain_release(b);
    if (v.reason == UNITLS_HANDSHAKE_FAILURE_OTHER && !v.words[0])
        return; /* the implementation's own message says all we know */
    char original[UNITLS_ERROR_MESSAGE_SIZE];
    memcpy(original, b->last_error.message, sizeof original);
    original[sizeof original - 1] = '\0';
    struct text t = {b->last_error.message, sizeof b->last_error.message, 0};
    text_add(&t, "%s: %s [%s]", unitls_handshake_failure_name(v.reason), v.words, original);
}

enum unitls_handshake_failure explain_result(const unitls_buffer *b, char *facts, size_t cap)
{
    const struct handshake_explanation *e = b->explanation;
    if (facts && cap > 0)
        snprintf(facts, cap, "%s", e ? e->facts : "");
    return e ? e->reason : UNITLS_HANDSHAKE_FAILURE_NONE;
}
