/* settings_listener: the schema of one entry of unitlsd.yaml's `listeners` list (its
 * certificates, addresses, protocols, versions, ciphers, groups, client_auth, backend,
 * or backends with their balance and retry, timeouts and limits, OCSP stapling, the insecure
 * block for legacy peers, accept_proxy, its implementation) as key tables and the parsers of their values, into struct
 * listener_settings; and the implementation key that the top level shares with the listeners.
 * settings_listener.h states the contract; settings.c reads the rest of the file. */
#include "daemon/settings_listener.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/proxy_header.h"

#define MAX_CONNECTIONS_MAX 1000000u
#define SESSION_TICKETS_MAX 8u
#define NAME_MAX_LEN 64u

/* --- the implementation: at the top level, and per listener ------------------------------ */

/* "openssl, gnutls": the implementations built into libunitls, the default first. */
static void implementations_list(char *buf, size_t cap)
{
    buf[0] = '\0';
    for (size_t i = 0; unitls_implementation_at(i); i++)
        snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? ", " : "",
                 unitls_implementation_name(unitls_implementation_at(i)));
}

/* The name of an implementation built into libunitls, into *out (replacing what was there).
 * A name libunitls was not built with, known elsewhere or not, is an error naming those it
 * was built with. */
void settings_implementation_value(struct loader *ld, yaml_node_t *v, char **out)
{
    char names[256], expected[300];
    implementations_list(names, sizeof names);
    snprintf(expected, sizeof expected, "one of the implementations built: %s", names);
    const char *text = loader_scalar(ld, v, "implementation", expected);
    char *copy;
    if (!text)
        return;
    if (!unitls_implementation_find(text)) {
        loader_fail(ld, v, "implementation: unknown implementation '%s'; expected one of: %s "
                    "(the implementations built)", text, names);
    } else if ((copy = loader_dup_text(ld, v, text))) {
        free(*out);
        *out = copy;
    }
}

/* Runs once the whole file is read, as the top-level key may come after the listeners: each
 * listener uses its own implementation, else the top level's, else the library default. */
void settings_implementations_resolve(struct settings *s)
{
    const unitls_implementation *top = unitls_implementation_find(s->implementation);
    if (!top)
        top = unitls_implementation_default();
    for (size_t i = 0; i < s->n_listeners; i++) {
        struct listener_settings *l = &s->listeners[i];
        l->impl = l->implementation ? unitls_implementation_find(l->implementation) : NULL;
        if (!l->impl)
            l->impl = top;
    }
}

/* --- a listener's certificates, addresses, protocols, ciphers and versions --------------- */

static void chain_cert(struct loader *ld, yaml_node_t *v, void *target)
{
    ((struct chain_settings *)target)->cert_path = loader_path(ld, v, "cert");
}

static void chain_key(struct loader *ld, yaml_node_t *v, void *target)
{
    ((struct chain_settings *)target)->key_path = loader_path(ld, v, "key");
}

static void chain_ocsp(struct loader *ld, yaml_node_t *v, void *target)
{
    struct chain_settings *c = target;
    c->ocsp_line = (int)v->start_mark.line + 1;
    c->ocsp_column = (int)v->start_mark.column + 1;
    c->ocsp_path = loader_path(ld, v, "ocsp");
}

static const struct key_spec chain_keys[] = {
    {"cert", chain_cert, 1}, {"key", chain_key, 0}, {"ocsp", chain_ocsp, 0}};

static void listener_certificates(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    size_t n = loader_list_length(ld, v, "certificates", "mappings {cert: FILE, key: FILE}");
    if (n == 0 || !(l->chains = loader_array_new(ld, v, n, sizeof *l->chains)))
        return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = loader_list_item(ld, v, i);
        struct chain_settings *c = &l->chains[l->n_chains];
        c->line = (int)item->start_mark.line + 1;
        c->column = (int)item->start_mark.column + 1;
        loader_mapping_walk(ld, item, "certificates entry", chain_keys, N_KEYS(chain_keys), c);
        if (c->cert_path) {
            l->n_chains++;
        } else {
            free(c->key_path);
            free(c->ocsp_path);
            memset(c, 0, sizeof *c);
        }
    }
}

static const struct listener_settings *listener_named(const struct settings *s, const char *name)
{
    for (size_t i = 0; i < s->n_listeners; i++)
        if (s->listeners[i].name && strcmp(s->listeners[i].name, name) == 0)
            return &s->listeners[i];
    return NULL;
}

static void listener_name(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char expected[] = "1 to 64 letters, digits, '.', '_' or '-'";
    struct listener_settings *l = target;
    const char *text = loader_scalar(ld, v, "name", expected);
    size_t n = text ? strlen(text) : 0;
    const struct listener_settings *other = text ? listener_named(ld->s, text) : NULL;
    if (!text)
        return;
    if (n == 0 || n > NAME_MAX_LEN ||
        strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
        loader_fail(ld, v, "name: '%s' is not valid; expected %s", text, expected);
    else if (other)
        loader_fail(ld, v, "name: '%s' is already the name of the listener at line %d; expected a "
                    "unique name", text, other->line);
    else
        l->name = loader_dup_text(ld, v, text);
}

/* 1 after reporting that some listener (this one included) already has the address. */
static int address_taken(struct loader *ld, yaml_node_t *node, const struct endpoint *ep)
{
    for (size_t i = 0; i < ld->s->n_listeners; i++) {
        const struct listener_settings *l = &ld->s->listeners[i];
        for (size_t k = 0; k < l->n_listen; k++) {
            if (!endpoint_equal(&l->listen[k], ep))
                continue;
            loader_fail(ld, node, "listen: '%s' is already an address of the listener at line %d; "
                        "expected each address once", ep->text, l->line);
            return 1;
        }
    }
    return 0;
}

static void listen_one(struct loader *ld, yaml_node_t *item, struct listener_settings *l)
{
    struct endpoint ep;
    if (loader_endpoint(ld, item, "listen", &ep) == 0 && !address_taken(ld, item, &ep))
        l->listen[l->n_listen++] = ep;
}

/* One address, or a list of them. */
static void listener_listen(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    int single = v->type == YAML_SCALAR_NODE;
    size_t n = single ? 1 : loader_list_length(ld, v, "listen", "addresses " ADDRESS_EXPECTED);
    if (n == 0 || !(l->listen = loader_array_new(ld, v, n, sizeof *l->listen)))
        return;
    for (size_t i = 0; i < n; i++)
        listen_one(ld, single ? v : loader_list_item(ld, v, i), l);
}

static void protocol_one(struct loader *ld, yaml_node_t *item, struct listener_settings *l)
{
    const char *text = loader_scalar(ld, item, "protocols",
                                     "an ALPN protocol name of 1 to 255 bytes");
    size_t n = text ? strlen(text) : 0;
    if (!text)
        return;
    if (n == 0 || n > UNITLS_PROTOCOL_NAME_MAX) {
        loader_fail(ld, item, "protocols: '%s' is %zu bytes long; expected 1 to %d bytes", text, n,
                    UNITLS_PROTOCOL_NAME_MAX);
        return;
    }
    for (size_t i = 0; i < l->n_protocols; i++) {
        if (strcmp(l->protocols[i], text) == 0) {
            loader_fail(ld, item, "protocols: '%s' is listed twice; expected each once", text);
            return;
        }
    }
    if ((l->protocols[l->n_protocols] = loader_dup_text(ld, item, text)))
        l->n_protocols++;
}

static void listener_protocols(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    size_t n = loader_list_length(ld, v, "protocols",
                                  "ALPN protocol names, such as h2 and http/1.1");
    if (n == 0 || !(l->protocols = loader_array_new(ld, v, n, sizeof *l->protocols)))
        return;
    for (size_t i = 0; i < n; i++)
        protocol_one(ld, loader_list_item(ld, v, i), l);
}

static void cipher_one(struct loader *ld, yaml_node_t *item, struct listener_settings *l)
{
    static const char expected[] = "an IANA cipher suite name such as TLS_AES_128_GCM_SHA256";
    const char *text = loader_scalar(ld, item, "ciphers", expected);
    uint16_t id;
    if (!text)
        return;
    if (unitls_cipher_suite_from_name(text, &id) != UNITLS_OK) {
        loader_fail(ld, item, "ciphers: unknown cipher suite '%s'; expected %s", text, expected);
        return;
    }
    for (size_t i = 0; i < l->n_ciphers; i++) {
        if (l->ciphers[i] == id) {
            loader_fail(ld, item, "ciphers: '%s' is listed twice; expected each once", text);
            return;
        }
    }
    l->ciphers[l->n_ciphers++] = id;
}

static void listener_ciphers(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    size_t n = loader_list_length(ld, v, "ciphers", "IANA cipher suite names");
    if (n == 0 || !(l->ciphers = loader_array_new(ld, v, n, sizeof *l->ciphers)))
        return;
    for (size_t i = 0; i < n; i++)
        cipher_one(ld, loader_list_item(ld, v, i), l);
}

static void group_one(struct loader *ld, yaml_node_t *item, struct listener_settings *l)
{
    const char *text = loader_scalar(ld, item, "groups", "a group name such as x25519");
    uint16_t id;
    if (!text)
        return;
    if (unitls_group_from_name(text, &id) != UNITLS_OK) {
        loader_fail(ld, item, "groups: unknown group '%s'; expected one of %s", text,
                    unitls_group_names());
        return;
    }
    for (size_t i = 0; i < l->n_groups; i++) {
        if (l->groups[i] == id) {
            loader_fail(ld, item, "groups: '%s' is listed twice; expected each once", text);
            return;
        }
    }
    l->groups[l->n_groups++] = id;
}

static void listener_groups(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    size_t n = loader_list_length(ld, v, "groups", "key-exchange group names such as x25519");
    if (n == 0 || !(l->groups = loader_array_new(ld, v, n, sizeof *l->groups)))
        return;
    for (size_t i = 0; i < n; i++)
        group_one(ld, loader_list_item(ld, v, i), l);
}

/* Early data (0-RTT) is replayable and unitlsd does not accept it; the key exists so that a
 * configuration can say so, and only 0 is accepted. */
static void listener_max_early_data(struct loader *ld, yaml_node_t *v, void *target)
{
    (void)target;
    unsigned n = 0;
    if (loader_number(ld, v, "max_early_data", 0, 999999999u, &n) == 0 && n != 0)
        loader_fail(ld, v, "max_early_data: %u; early data (0-RTT) is off in unitlsd, expected 0",
                    n);
}

static void version_value(struct loader *ld, yaml_node_t *v, const char *what,
                          enum unitls_tls_version *out)
{
    static const char expected[] = "one of: TLSv1.2, TLSv1.3, MINIMUM_SUPPORTED, MAXIMUM_SUPPORTED";
    const char *text = loader_scalar(ld, v, what, expected);
    enum unitls_tls_version version;
    if (!text)
        return;
    if (unitls_tls_version_from_name(text, &version) != UNITLS_OK ||
        version == UNITLS_TLS_VERSION_UNSET)
        loader_fail(ld, v, "%s: unknown version '%s'; expected %s", what, text, expected);
    else
        *out = version;
}

static void versions_min(struct loader *ld, yaml_node_t *v, void *target)
{
    ((struct listener_settings *)target)->versions_min_given = 1;
    version_value(ld, v, "tls_versions.min", &((struct listener_settings *)target)->min_version);
}

static void versions_max(struct loader *ld, yaml_node_t *v, void *target)
{
    version_value(ld, v, "tls_versions.max", &((struct listener_settings *)target)->max_version);
}

static const struct key_spec version_keys[] = {{"min", versions_min, 0}, {"max", versions_max, 0}};

static void listener_tls_versions(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    loader_mapping_walk(ld, v, "tls_versions", version_keys, N_KEYS(version_keys), l);
    if (l->min_version != UNITLS_TLS_VERSION_UNSET && l->max_version != UNITLS_TLS_VERSION_UNSET &&
        l->min_version > l->max_version)
        loader_fail(ld, v, "tls_versions: min %s is above max %s; expected min at most max",
                    unitls_tls_version_name(l->min_version),
                    unitls_tls_version_name(l->max_version));
}

/* --- a listener's insecure block: legacy peers, on purpose only -------------------------- */

static void insecure_min_version(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"TLSv1.0", "TLSv1.1", NULL};
    static const enum unitls_tls_version versions[] = {UNITLS_TLSv1_0, UNITLS_TLSv1_1};
    int i = loader_keyword(ld, v, "insecure.min_version", names);
    if (i >= 0)
        ((struct listener_settings *)target)->insecure_min_version = versions[i];
}

/* Only 0: the one level below the default that legacy peers need; the default has no name. */
static void insecure_security_level(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char expected[] = "0 (the level legacy peers need; leave the key out for the "
                                   "default)";
    const char *text = loader_scalar(ld, v, "insecure.security_level", expected);
    if (!text)
        return;
    if (strcmp(text, "0") == 0)
        ((struct listener_settings *)target)->insecure_lowered = 1;
    else
        loader_fail(ld, v, "insecure.security_level: '%s' is not valid; expected %s", text,
                    expected);
}

static const struct key_spec insecure_keys[] = {{"min_version", insecure_min_version, 0},
                                                {"security_level", insecure_security_level, 0}};

static void listener_insecure(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    l->insecure_line = (int)v->start_mark.line + 1;
    l->insecure_column = (int)v->start_mark.column + 1;
    long seen = loader_mapping_walk(ld, v, "insecure", insecure_keys, N_KEYS(insecure_keys), l);
    if (seen == 0)
        loader_fail(ld, v, "insecure: the block is empty; expected min_version: TLSv1.0 or "
                    "TLSv1.1, with security_level: 0");
    else if (seen > 0 && (seen & 1l) && !(seen & 2l))
        loader_fail(ld, v, "insecure: min_version needs security_level: 0 as well (TLS 1.0 and "
                    "1.1 sign with SHA-1); expected both keys");
}

/* Runs once the listener's keys are read, as their order does not matter. */
static void listener_insecure_check(struct loader *ld, const struct listener_settings *l)
{
    yaml_mark_t at = {0, (size_t)(l->insecure_line - 1), (size_t)(l->insecure_column - 1)};
    if (l->insecure_min_version != UNITLS_TLS_VERSION_UNSET && l->versions_min_given)
        loader_fail_mark(ld, at, "insecure: min_version and tls_versions.min both set the lowest "
                         "version; expected only one of them");
}

/* --- a listener's client authentication, backend and limits ------------------------------ */

static void client_auth_mode(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"none", "optional", "required", NULL};
    static const enum unitls_client_auth modes[] = {
        UNITLS_CLIENT_AUTH_NONE, UNITLS_CLIENT_AUTH_OPTIONAL, UNITLS_CLIENT_AUTH_REQUIRED};
    int i = loader_keyword(ld, v, "client_auth.mode", names);
    if (i >= 0)
        ((struct listener_settings *)target)->client_auth = modes[i];
}

static void client_auth_trust_store(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    l->trust_store_line = (int)v->start_mark.line + 1;
    l->trust_store_column = (int)v->start_mark.column + 1;
    if (v->type == YAML_SCALAR_NODE && strcmp((const char *)v->data.scalar.value, "system") == 0)
        l->client_trust_store = loader_dup_text(ld, v, "system");
    else
        l->client_trust_store = loader_path(ld, v, "client_auth.trust_store");
}

static void client_auth_crl(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    l->crl_line = (int)v->start_mark.line + 1;
    l->crl_column = (int)v->start_mark.column + 1;
    l->client_crl = loader_path(ld, v, "client_auth.crl");
}

static const struct key_spec client_auth_keys[] = {{"mode", client_auth_mode, 1},
                                                   {"trust_store", client_auth_trust_store, 0},
                                                   {"crl", client_auth_crl, 0}};

static void listener_client_auth(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    long seen = loader_mapping_walk(ld, v, "client_auth", client_auth_keys,
                                    N_KEYS(client_auth_keys), l);
    if (seen >= 0 && !(seen & 2l) && l->client_auth != UNITLS_CLIENT_AUTH_NONE)
        loader_fail(ld, v,
                    "client_auth: mode %s needs key 'trust_store'; expected a CA file or system",
                    l->client_auth == UNITLS_CLIENT_AUTH_REQUIRED ? "required" : "optional");
    if (seen >= 0 && (seen & 4l) && l->client_auth == UNITLS_CLIENT_AUTH_NONE)
        loader_fail_mark(ld, (yaml_mark_t){0, (size_t)(l->crl_line - 1),
                                           (size_t)(l->crl_column - 1)},
                         "client_auth: crl needs mode optional or required; with mode none no "
                         "client certificate is checked");
}

/* --- a listener's backends: `backend:` (one) or `backends:` (a list), balance, retry ----- */

/* A backend block being read: messages name its keys under the block's own key, so an entry
 * of `backends:` reads "backends.address: ..." and `backend:` "backend.address: ...". */
struct backend_block {
    struct backend_config *cfg;
    const char *key; /* "backend" or "backends" */
};

/* "KEY.NAME" of b into buf. */
static const char *backend_key(const struct backend_block *b, const char *name, char *buf,
                               size_t cap)
{
    snprintf(buf, cap, "%s.%s", b->key, name);
    return buf;
}

static void backend_address(struct loader *ld, yaml_node_t *v, void *target)
{
    struct backend_block *b = target;
    char what[32];
    loader_endpoint(ld, v, backend_key(b, "address", what, sizeof what), &b->cfg->address);
}

static void backend_proxy_protocol(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"none", "v1", "v2", NULL};
    static const enum proxy_protocol kinds[] = {PROXY_PROTOCOL_NONE, PROXY_PROTOCOL_V1,
                                                PROXY_PROTOCOL_V2};
    struct backend_block *b = target;
    char what[32];
    int i = loader_keyword(ld, v, backend_key(b, "proxy_protocol", what, sizeof what), names);
    if (i >= 0)
        b->cfg->proxy_protocol = kinds[i];
}

static void backend_tlvs(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"alpn", "authority", "ssl", NULL};
    static const unsigned bits[] = {PROXY_TLV_ALPN, PROXY_TLV_AUTHORITY, PROXY_TLV_SSL};
    struct backend_block *b = target;
    char what[32];
    backend_key(b, "tlvs", what, sizeof what);
    size_t n = loader_list_length(ld, v, what, "TLVs: alpn, authority, ssl");
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = loader_list_item(ld, v, i);
        int k = loader_keyword(ld, item, what, names);
        if (k >= 0 && (mask & bits[k]))
            loader_fail(ld, item, "%s: '%s' is listed twice; expected each once", what,
                        names[k]);
        mask |= k >= 0 ? bits[k] : 0;
    }
    b->cfg->proxy_tlvs = mask;
}

/* The keys of a backend block: `backend:`, and each entry of `backends:`. */
static const struct key_spec backend_keys[] = {{"address", backend_address, 1},
                                               {"proxy_protocol", backend_proxy_protocol, 0},
                                               {"tlvs", backend_tlvs, 0}};

/* One backend block into *cfg: `backend:` (key "backend", what "backend") or an entry of
 * `backends:` (key "backends", what "backends entry"). */
static void backend_block(struct loader *ld, yaml_node_t *v, const char *key, const char *what,
                          struct backend_config *cfg)
{
    struct backend_block b = {cfg, key};
    long seen = loader_mapping_walk(ld, v, what, backend_keys, N_KEYS(backend_keys), &b);
    if (seen >= 0 && (seen & 4l) && cfg->proxy_protocol != PROXY_PROTOCOL_V2)
        loader_fail(ld, v, "%s.tlvs: TLVs are sent in a PROXY version 2 header; expected "
                    "proxy_protocol: v2 beside them", key);
}

/* Both keys may be given (an error once the entry is read): the list stays the first one's. */
static void listener_backend(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    struct backend_config one = {0};
    l->backend_line = (int)v->start_mark.line + 1;
    l->backend_column = (int)v->start_mark.column + 1;
    backend_block(ld, v, "backend", "backend", &one);
    if (!l->backends && (l->backends = loader_array_new(ld, v, 1, sizeof *l->backends))) {
        l->backends[0] = one;
        l->n_backends = 1;
    }
}

/* 1 after reporting that an earlier entry of list (n entries) has the same address. */
static int backend_listed(struct loader *ld, yaml_node_t *item, const struct backend_config *list,
                          size_t n, const struct backend_config *b)
{
    for (size_t i = 0; i < n && b->address.addr_len > 0; i++) {
        if (endpoint_equal(&list[i].address, &b->address)) {
            loader_fail(ld, item, "backends: '%s' is listed twice (entry %zu and %zu); expected "
                        "each backend once", b->address.text, i + 1, n + 1);
            return 1;
        }
    }
    return 0;
}

static void listener_backends(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    l->backends_line = (int)v->start_mark.line + 1;
    l->backends_column = (int)v->start_mark.column + 1;
    size_t n = loader_list_length(ld, v, "backends", "backend mappings {address: ADDRESS}");
    struct backend_config *list;
    if (n > BACKENDS_MAX) {
        loader_fail(ld, v, "backends: %zu entries; expected at most %u", n, BACKENDS_MAX);
        return;
    }
    if (n == 0 || !(list = loader_array_new(ld, v, n, sizeof *list)))
        return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = loader_list_item(ld, v, i);
        backend_block(ld, item, "backends", "backends entry", &list[i]);
        backend_listed(ld, item, list, i, &list[i]);
    }
    if (l->backends) {
        free(list);
        return;
    }
    l->backends = list;
    l->n_backends = n;
}

static void listener_balance(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"first", "round_robin", NULL};
    static const enum balance kinds[] = {BALANCE_FIRST, BALANCE_ROUND_ROBIN};
    int i = loader_keyword(ld, v, "balance", names);
    if (i >= 0)
        ((struct listener_settings *)target)->balance = kinds[i];
}

static void listener_backend_retry(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_duration(ld, v, "backend_retry",
                    &((struct listener_settings *)target)->backend_retry_ms);
}

/* Runs once the listener's keys are read: exactly one of `backend` and `backends`. */
static void listener_backends_check(struct loader *ld, yaml_node_t *node,
                                    const struct listener_settings *l)
{
    yaml_mark_t at = {0, (size_t)(l->backends_line - 1), (size_t)(l->backends_column - 1)};
    if (l->backend_line && l->backends_line)
        loader_fail_mark(ld, at, "backends: backend is given too (line %d); expected either "
                         "backend (one) or backends (a list)", l->backend_line);
    else if (!l->backend_line && !l->backends_line)
        loader_fail(ld, node, "listener: key 'backend' is missing; it is required (or "
                    "'backends', a list of backends)");
}

/* --- a listener's accept_proxy: the PROXY header from a balancer -------------------------- */

#define TRUSTED_EXPECTED "an address range such as 10.0.0.0/8, \"::1/128\" or 127.0.0.1 (a " \
    "numeric address, /LEN optional, no bits set past LEN), or unix"

static void accept_proxy_versions(struct loader *ld, yaml_node_t *v, void *target)
{
    static const char *const names[] = {"v1", "v2", NULL};
    struct listener_settings *l = target;
    size_t n = loader_list_length(ld, v, "accept_proxy.versions", "PROXY versions: v1, v2");
    unsigned mask = 0;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = loader_list_item(ld, v, i);
        int k = loader_keyword(ld, item, "accept_proxy.versions", names);
        unsigned bit = k < 0 ? 0 : 1u << (k == 0 ? PROXY_PROTOCOL_V1 : PROXY_PROTOCOL_V2);
        if (bit && (mask & bit))
            loader_fail(ld, item, "accept_proxy.versions: '%s' is listed twice; expected each "
                        "once", names[k]);
        mask |= bit;
    }
    if (mask)
        l->accept_proxy = mask;
}

static void trusted_one(struct loader *ld, yaml_node_t *item, struct cidr_list *list)
{
    const char *text = loader_scalar(ld, item, "accept_proxy.trusted", TRUSTED_EXPECTED);
    struct cidr c;
    char why[200];
    if (!text)
        return;
    if (cidr_parse(text, &c, why, sizeof why) != 0) {
        loader_fail(ld, item, "accept_proxy.trusted: '%s': %s; expected %s", text, why,
                    TRUSTED_EXPECTED);
        return;
    }
    for (size_t i = 0; i < list->n; i++) {
        if (cidr_equal(&list->items[i], &c)) {
            char shown[CIDR_TEXT_MAX];
            loader_fail(ld, item, "accept_proxy.trusted: '%s' is listed twice (as %s); expected "
                        "each range once", text, cidr_format(&c, shown, sizeof shown));
            return;
        }
    }
    list->items[list->n++] = c;
}

static void accept_proxy_trusted(struct loader *ld, yaml_node_t *v, void *target)
{
    struct cidr_list *list = &((struct listener_settings *)target)->proxy_trusted;
    size_t n = loader_list_length(ld, v, "accept_proxy.trusted", "address ranges: " TRUSTED_EXPECTED);
    if (n == 0 || !(list->items = loader_array_new(ld, v, n, sizeof *list->items)))
        return;
    for (size_t i = 0; i < n; i++)
        trusted_one(ld, loader_list_item(ld, v, i), list);
}

static const struct key_spec accept_proxy_keys[] = {{"versions", accept_proxy_versions, 0},
                                                    {"trusted", accept_proxy_trusted, 1}};

/* Both versions unless `versions` says otherwise; `trusted` has no default, as trusting every
 * source must be written out (0.0.0.0/0 and "::/0"). */
static void listener_accept_proxy(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    l->accept_proxy = (1u << PROXY_PROTOCOL_V1) | (1u << PROXY_PROTOCOL_V2);
    loader_mapping_walk(ld, v, "accept_proxy", accept_proxy_keys, N_KEYS(accept_proxy_keys), l);
}

static void timeout_handshake(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_duration(ld, v, "timeouts.handshake",
                    &((struct listener_settings *)target)->handshake_timeout_ms);
}

static void timeout_idle(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_duration(ld, v, "timeouts.idle", &((struct listener_settings *)target)->idle_timeout_ms);
}

static void timeout_connect(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_duration(ld, v, "timeouts.connect",
                    &((struct listener_settings *)target)->connect_timeout_ms);
}

static const struct key_spec timeout_keys[] = {
    {"handshake", timeout_handshake, 0},
    {"idle", timeout_idle, 0},
    {"connect", timeout_connect, 0}};

static void listener_timeouts(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_mapping_walk(ld, v, "timeouts", timeout_keys, N_KEYS(timeout_keys), target);
}

static void listener_max_connections(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_number(ld, v, "max_connections", 1, MAX_CONNECTIONS_MAX,
                  &((struct listener_settings *)target)->max_connections);
}

static void listener_session_tickets(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_number(ld, v, "session_tickets", 0, SESSION_TICKETS_MAX,
                  &((struct listener_settings *)target)->session_tickets);
}

static void listener_session_ticket_keys(struct loader *ld, yaml_node_t *v, void *target)
{
    struct listener_settings *l = target;
    l->ticket_keys_line = (int)v->start_mark.line + 1;
    l->ticket_keys_column = (int)v->start_mark.column + 1;
    l->session_ticket_keys = loader_path(ld, v, "session_ticket_keys");
}

/* Keys for tickets that are never issued are a mistake worth saying (the file would still be
 * read, checked and compared on every reload for nothing). */
static void listener_tickets_check(struct loader *ld, const struct listener_settings *l)
{
    if (!l->session_ticket_keys || l->session_tickets != 0)
        return;
    loader_fail_mark(ld, (yaml_mark_t){0, (size_t)(l->ticket_keys_line - 1),
                                       (size_t)(l->ticket_keys_column - 1)},
                     "session_ticket_keys: session_tickets is 0, so no ticket would use the "
                     "keys; expected session_tickets of 1 or more, or no session_ticket_keys");
}

static void listener_strict_sni(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_bool(ld, v, "strict_sni", &((struct listener_settings *)target)->strict_sni);
}

static void listener_ocsp_refresh(struct loader *ld, yaml_node_t *v, void *target)
{
    loader_bool(ld, v, "ocsp_refresh", &((struct listener_settings *)target)->ocsp_refresh);
}

/* Runs once the listener's keys are read: with ocsp_refresh, a certificate entry without
 * `ocsp:` keeps its fetched responses in CERT.ocsp. */
static void listener_ocsp_paths(struct loader *ld, yaml_node_t *node, struct listener_settings *l)
{
    for (size_t i = 0; l->ocsp_refresh && i < l->n_chains; i++) {
        struct chain_settings *c = &l->chains[i];
        if (!c->ocsp_path && asprintf(&c->ocsp_path, "%s.ocsp", c->cert_path) < 0) {
            c->ocsp_path = NULL;
            loader_fail(ld, node, "listener: out of memory");
        }
    }
}

static void listener_implementation(struct loader *ld, yaml_node_t *v, void *target)
{
    settings_implementation_value(ld, v, &((struct listener_settings *)target)->implementation);
}

static const struct key_spec listener_keys[] = {
    {"name", listener_name, 1},
    {"listen", listener_listen, 1},
    {"certificates", listener_certificates, 1},
    {"protocols", listener_protocols, 0},
    {"tls_versions", listener_tls_versions, 0},
    {"ciphers", listener_ciphers, 0},
    {"groups", listener_groups, 0},
    {"max_early_data", listener_max_early_data, 0},
    {"client_auth", listener_client_auth, 0},
    {"backend", listener_backend, 0},
    {"timeouts", listener_timeouts, 0},
    {"max_connections", listener_max_connections, 0},
    {"session_tickets", listener_session_tickets, 0},
    {"session_ticket_keys", listener_session_ticket_keys, 0},
    {"strict_sni", listener_strict_sni, 0},
    {"ocsp_refresh", listener_ocsp_refresh, 0},
    {"implementation", listener_implementation, 0},
    {"insecure", listener_insecure, 0},
    {"accept_proxy", listener_accept_proxy, 0},
    {"backends", listener_backends, 0},
    {"balance", listener_balance, 0},
    {"backend_retry", listener_backend_retry, 0},
};

static void listener_defaults(struct listener_settings *l, const yaml_node_t *node)
{
    l->handshake_timeout_ms = 10u * 1000u;
    l->idle_timeout_ms = 300u * 1000u;
    l->connect_timeout_ms = 5u * 1000u;
    l->max_connections = 10000;
    l->session_tickets = 1;
    l->balance = BALANCE_FIRST;
    l->backend_retry_ms = 10u * 1000u;
    l->line = (int)node->start_mark.line + 1;
    l->column = (int)node->start_mark.column + 1;
}

/* --- the listeners: one mapping per entry ------------------------------------------------ */

void settings_listeners_value(struct loader *ld, yaml_node_t *v, void *target)
{
    struct settings *s = target;
    size_t n = loader_list_length(ld, v, "listeners", "listener mappings");
    if (n == 0 || !(s->listeners = loader_array_new(ld, v, n, sizeof *s->listeners)))
        return;
    s->n_listeners = n;
    if (!(ld->clean = loader_array_new(ld, v, n, 1)))
        return;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *item = loader_list_item(ld, v, i);
        size_t before = ld->n_errors;
        listener_defaults(&s->listeners[i], item);
        loader_mapping_walk(ld, item, "listener", listener_keys, N_KEYS(listener_keys),
                            &s->listeners[i]);
        listener_backends_check(ld, item, &s->listeners[i]);
        listener_insecure_check(ld, &s->listeners[i]);
        listener_tickets_check(ld, &s->listeners[i]);
        listener_ocsp_paths(ld, item, &s->listeners[i]);
        ld->clean[i] = ld->n_errors == before;
    }
}
