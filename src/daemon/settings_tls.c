/* settings_tls: listener settings into unitls_server_configs, and the search for the entry to
 * blame when one does not build or validate; settings_tls.h states the contract. */
#include "daemon/settings_tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <unitls/insecure.h>
#include <unitls/ocsp.h>

#include "daemon/settings_yaml.h"

#define ALL_CHAINS ((size_t)-1)

/* --- TLS configurations -------------------------------------------------------------------- */

enum config_part {
    PART_CHAINS_ONLY = 0, PART_CLIENT_AUTH = 1, PART_CLIENT_CRL = 4, PART_OCSP = 8,
    PART_TICKET_KEYS = 16, PART_ALL = 31
};

/* The chain's OCSP response file, as chain `index` of b. A listener that fetches its responses
 * may not have one yet: a missing file is then no response, not an error. The file is read
 * (and a read failure reported, naming it) when b is built. */
static unitls_status builder_set_ocsp(unitls_server_config_builder *b,
                                      const struct listener_settings *l,
                                      const struct chain_settings *c, size_t index,
                                      unitls_error *err)
{
    if (!c->ocsp_path || (l->ocsp_refresh && access(c->ocsp_path, F_OK) != 0 && errno == ENOENT))
        return UNITLS_OK;
    unitls_ocsp_response *r = unitls_ocsp_response_from_file(c->ocsp_path, err);
    if (!r)
        return err->status;
    unitls_status st = unitls_server_config_builder_set_ocsp_response(b, index, r);
    unitls_ocsp_response_unref(r);
    if (st != UNITLS_OK)
        snprintf(err->message, sizeof err->message, "%s: cannot set the OCSP response: %s",
                 c->ocsp_path, unitls_status_name(st));
    return st;
}

/* Adds chain c as chain `index` of b, with its OCSP response when with_ocsp. */
static unitls_status builder_add_chain(unitls_server_config_builder *b,
                                       const struct listener_settings *l,
                                       const struct chain_settings *c, size_t index,
                                       int with_ocsp, unitls_error *err)
{
    unitls_certificate *leaf = unitls_certificate_from_file(c->cert_path, err);
    unitls_private_key *key = leaf && c->key_path
                                  ? unitls_private_key_from_file(c->key_path, err) : NULL;
    unitls_signing_chain *chain = leaf && (key || !c->key_path)
                                      ? unitls_signing_chain_new(leaf, key, NULL, 0, err) : NULL;
    unitls_status st = chain ? unitls_server_config_builder_add_certificate_chain(b, chain)
                             : err->status;
    if (st == UNITLS_OK && with_ocsp)
        st = builder_set_ocsp(b, l, c, index, err);
    unitls_signing_chain_unref(chain);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
    return st;
}

static unitls_status builder_set_client_auth(unitls_server_config_builder *b,
                                             const struct listener_settings *l,
                                             unitls_error *err)
{
    if (l->client_auth == UNITLS_CLIENT_AUTH_NONE)
        return UNITLS_OK;
    unitls_trust_store *store = strcmp(l->client_trust_store, "system") == 0
                                    ? unitls_trust_store_system()
                                    : unitls_trust_store_from_file(l->client_trust_store, err);
    if (!store)
        return err->status;
    unitls_server_config_builder_set_trust_store(b, store);
    unitls_trust_store_unref(store);
    return unitls_server_config_builder_set_client_auth(b, l->client_auth);
}

static unitls_status builder_set_client_crl(unitls_server_config_builder *b,
                                            const struct listener_settings *l,
                                            unitls_error *err)
{
    if (l->client_auth == UNITLS_CLIENT_AUTH_NONE || !l->client_crl)
        return UNITLS_OK;
    unitls_crl *crl = unitls_crl_from_file(l->client_crl, err);
    if (!crl)
        return err->status;
    unitls_status st = unitls_server_config_builder_set_client_crl(b, crl);
    unitls_crl_unref(crl);
    return st;
}

/* The listener's ticket key file, read and checked (mode, lines) when b is built. */
static unitls_status builder_set_ticket_keys(unitls_server_config_builder *b,
                                             const struct listener_settings *l,
                                             unitls_error *err)
{
    if (!l->session_ticket_keys)
        return UNITLS_OK;
    unitls_ticket_keys *keys = unitls_ticket_keys_from_file(l->session_ticket_keys, err);
    if (!keys)
        return err->status;
    unitls_status st = unitls_server_config_builder_set_session_ticket_keys(b, keys);
    unitls_ticket_keys_unref(keys);
    return st;
}

/* Setter failures are kept by the builder and come back from _build. */
static void builder_set_options(unitls_server_config_builder *b, const struct listener_settings *l)
{
    for (size_t i = 0; i < l->n_protocols; i++)
        unitls_server_config_builder_add_inner_protocol(b, l->protocols[i],
                                                        strlen(l->protocols[i]));
    if (l->n_ciphers)
        unitls_server_config_builder_set_ciphers(b, l->ciphers, l->n_ciphers);
    if (l->n_groups)
        unitls_server_config_builder_set_groups(b, l->groups, l->n_groups);
    if (l->min_version != UNITLS_TLS_VERSION_UNSET)
        unitls_server_config_builder_set_lowest_supported_version(b, l->min_version);
    if (l->max_version != UNITLS_TLS_VERSION_UNSET)
        unitls_server_config_builder_set_highest_supported_version(b, l->max_version);
    unitls_server_config_builder_set_session_tickets(b, l->session_tickets);
    unitls_server_config_builder_set_strict_sni(b, l->strict_sni);
    if (l->insecure_min_version != UNITLS_TLS_VERSION_UNSET)
        unitls_insecure_server_config_builder_allow_legacy_versions(b, l->insecure_min_version,
                                                                    UNITLS_TLS_VERSION_UNSET);
    if (l->insecure_lowered)
        unitls_insecure_server_config_builder_lower_security_level(b);
}

/* A configuration of l: every chain and part, or (to find which entry fails) only chain
 * `only` with the parts asked for; validated by impl unless impl is NULL. NULL with err filled
 * on failure. */
static unitls_server_config *listener_config(const struct listener_settings *l, size_t only,
                                             enum config_part parts,
                                             const unitls_implementation *impl,
                                             unitls_error *err)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    unitls_status st = b ? UNITLS_OK : UNITLS_ERR_NOMEM;
    if (!b)
        snprintf(err->message, sizeof err->message, "out of memory");
    size_t n_added = 0;
    for (size_t i = 0; st == UNITLS_OK && i < l->n_chains; i++)
        if (only == ALL_CHAINS || only == i)
            st = builder_add_chain(b, l, &l->chains[i], n_added++, (parts & PART_OCSP) != 0,
                                   err);
    if (st == UNITLS_OK && (parts & PART_CLIENT_AUTH))
        st = builder_set_client_auth(b, l, err);
    if (st == UNITLS_OK && (parts & PART_CLIENT_CRL))
        st = builder_set_client_crl(b, l, err);
    if (st == UNITLS_OK && (parts & PART_TICKET_KEYS))
        st = builder_set_ticket_keys(b, l, err);
    if (st == UNITLS_OK && parts == PART_ALL)
        builder_set_options(b, l);
    unitls_server_config *cfg = st == UNITLS_OK ? unitls_server_config_builder_build(b, err) : NULL;
    unitls_server_config_builder_free(b);
    if (cfg && impl && unitls_implementation_validate_server_config(impl, cfg, err) != UNITLS_OK) {
        unitls_server_config_unref(cfg);
        cfg = NULL;
    }
    return cfg;
}

/* 1 when building `only`/`parts` fails; the failure is reported at line:column. */
static int listener_probe(const struct listener_settings *l, size_t only, enum config_part parts,
                          const unitls_implementation *impl, const char *path, int line,
                          int column, struct settings_errors *errs)
{
    unitls_error err;
    unitls_error_clear(&err);
    unitls_server_config *cfg = listener_config(l, only, parts, impl, &err);
    if (cfg) {
        unitls_server_config_unref(cfg);
        return 0;
    }
    settings_errors_report(errs, path, line, column, "listener '%s': %s", l->name, err.message);
    return 1;
}

/* 1 when chain i builds alone but not with its OCSP response; reported at the ocsp key (at
 * the entry for CERT.ocsp, which has no key of its own). */
static int ocsp_probe(const struct listener_settings *l, size_t i,
                      const unitls_implementation *impl, const char *path,
                      struct settings_errors *errs)
{
    const struct chain_settings *c = &l->chains[i];
    if (!c->ocsp_path)
        return 0;
    return listener_probe(l, i, PART_OCSP, impl, path, c->ocsp_line ? c->ocsp_line : c->line,
                          c->ocsp_line ? c->ocsp_column : c->column, errs);
}

/* Reports why l does not build or validate: each chain is built alone (then with its OCSP
 * response), then the trust store and the ticket key file with a chain that works, so that
 * every failing entry is reported at its own line; `whole`, the error of the whole build, at
 * the listener, is the fallback. */
static void listener_explain(const struct listener_settings *l, const unitls_implementation *impl,
                             const char *whole, const char *path, struct settings_errors *errs)
{
    int located = 0;
    size_t usable = ALL_CHAINS; /* a chain that builds alone, to try the trust store with */
    for (size_t i = 0; i < l->n_chains; i++) {
        if (listener_probe(l, i, PART_CHAINS_ONLY, impl, path, l->chains[i].line,
                           l->chains[i].column, errs))
            located++;
        else if (ocsp_probe(l, i, impl, path, errs))
            located++;
        else if (usable == ALL_CHAINS)
            usable = i;
    }
    int trust_failed = 0;
    if (l->client_auth != UNITLS_CLIENT_AUTH_NONE && usable != ALL_CHAINS)
        located += trust_failed = listener_probe(l, usable, PART_CLIENT_AUTH, impl, path,
                                                 l->trust_store_line, l->trust_store_column, errs);
    if (l->client_auth != UNITLS_CLIENT_AUTH_NONE && l->client_crl && usable != ALL_CHAINS &&
        !trust_failed)
        located += listener_probe(l, usable, PART_CLIENT_AUTH | PART_CLIENT_CRL, impl, path,
                                  l->crl_line, l->crl_column, errs);
    if (l->session_ticket_keys && usable != ALL_CHAINS)
        located += listener_probe(l, usable, PART_TICKET_KEYS, impl, path, l->ticket_keys_line,
                                  l->ticket_keys_column, errs);
    if (!located)
        settings_errors_report(errs, path, l->line, l->column, "listener '%s': %s", l->name, whole);
}

/* Builds l->tls, validated by impl when `validate` says so; on failure every failing entry is
 * reported at its line. */
static int listener_build(struct listener_settings *l, const unitls_implementation *impl,
                          enum settings_validation validate, const char *path,
                          struct settings_errors *errs)
{
    unitls_error err;
    unitls_error_clear(&err);
    const unitls_implementation *checker = validate == SETTINGS_VALIDATE ? impl : NULL;
    if ((l->tls = listener_config(l, ALL_CHAINS, PART_ALL, checker, &err)))
        return 0;
    listener_explain(l, impl, err.message, path, errs);
    return -1;
}

/* impl when given, else the listener's own (set by settings_load). */
static const unitls_implementation *implementation_of(const struct listener_settings *l,
                                                      const unitls_implementation *impl)
{
    if (!impl)
        impl = l->impl;
    return impl ? impl : unitls_implementation_default();
}

int settings_build_listeners(struct settings *s, const unitls_implementation *impl,
                             enum settings_validation validate, const unsigned char *clean,
                             struct settings_errors *errs)
{
    int rc = 0;
    for (size_t i = 0; i < s->n_listeners; i++) {
        struct listener_settings *l = &s->listeners[i];
        if ((!clean || clean[i]) && !l->tls &&
            listener_build(l, implementation_of(l, impl), validate, s->path, errs) != 0)
            rc = -1;
    }
    return rc;
}

int settings_build_tls(struct settings *s, const unitls_implementation *impl,
                       enum settings_validation validate, struct settings_errors *errs)
{
    return s && errs ? settings_build_listeners(s, impl, validate, NULL, errs) : -1;
}

size_t settings_explain_tls(const struct settings *s, const unitls_implementation *impl,
                            struct settings_errors *errs)
{
    if (!s || !errs)
        return 0;
    size_t before = errs->n;
    for (size_t i = 0; i < s->n_listeners; i++) {
        const struct listener_settings *l = &s->listeners[i];
        const unitls_implementation *checker = implementation_of(l, impl);
        unitls_error err;
        unitls_error_clear(&err);
        if (l->tls &&
            unitls_implementation_validate_server_config(checker, l->tls, &err) != UNITLS_OK)
            listener_explain(l, checker, err.message, s->path, errs);
    }
    return errs->n - before;
}
