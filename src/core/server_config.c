/* Server configurations and their builder (PEP 748's TLSServerConfiguration), with client
 * authentication, session tickets and their keys (ticket_keys.h) as additions. */
#include <stdlib.h>
#include <string.h>

#include "config_fields.h"
#include "error.h"
#include "material.h"
#include "ocsp_internal.h"
#include "refcount.h"
#include "server_config.h"
#include "warning_internal.h"
#include <unitls/insecure.h>

#define MAX_SESSION_TICKETS 8u

struct server_options {
    enum unitls_client_auth client_auth;
    unsigned session_tickets;
    uint32_t max_early_data; /* 0: early data (0-RTT) refused */
    int strict_sni; /* 1: refuse a name no chain covers, an absent one and a malformed one */
    int client_verification_disabled; /* insecure.h: any client certificate is accepted */
    int insecure; /* made or touched by insecure.h: warns even if nothing is off */
};

struct unitls_server_config_builder {
    struct config_fields fields;
    unitls_signing_chain **chains;
    unitls_ocsp_response **ocsp; /* per chain; NULL: no staple */
    size_t n_chains;
    struct server_options options;
    unitls_crl *client_crl; /* NULL: no revocation check */
    unitls_ticket_keys *ticket_keys; /* NULL: the context's own random keys */
};

struct unitls_server_config {
    refcount refs;
    struct config_fields fields;
    unitls_signing_chain **chains; /* loaded snapshots */
    unitls_ocsp_response **ocsp;   /* per chain, loaded snapshots; NULL: no staple */
    size_t n_chains;
    struct server_options options;
    unitls_crl *client_crl; /* loaded snapshot */
    unitls_ticket_keys *ticket_keys; /* loaded snapshot; NULL: the context's own keys */
    uint64_t hash;
};

unitls_server_config_builder *unitls_server_config_builder_new(void)
{
    unitls_server_config_builder *b = calloc(1, sizeof *b);
    if (b)
        b->options.session_tickets = 1;
    return b;
}

static void chains_free(unitls_signing_chain **chains, size_t n)
{
    for (size_t i = 0; i < n; i++)
        unitls_signing_chain_unref(chains[i]);
    free(chains);
}

static void ocsp_free(unitls_ocsp_response **ocsp, size_t n)
{
    for (size_t i = 0; ocsp && i < n; i++)
        unitls_ocsp_response_unref(ocsp[i]);
    free(ocsp);
}

void unitls_server_config_builder_free(unitls_server_config_builder *b)
{
    if (!b)
        return;
    fields_free(&b->fields);
    ocsp_free(b->ocsp, b->n_chains);
    chains_free(b->chains, b->n_chains);
    unitls_crl_unref(b->client_crl);
    unitls_ticket_keys_unref(b->ticket_keys);
    free(b);
}

unitls_status unitls_server_config_builder_add_certificate_chain(unitls_server_config_builder *b,
                                                                 unitls_signing_chain *chain)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    if (!chain)
        return fields_fail(&b->fields, UNITLS_ERR_INVALID, "certificate chain: NULL chain");
    unitls_signing_chain **grown = realloc(b->chains, (b->n_chains + 1) * sizeof *grown);
    if (grown)
        b->chains = grown;
    unitls_ocsp_response **ocsp_grown = realloc(b->ocsp, (b->n_chains + 1) * sizeof *ocsp_grown);
    if (ocsp_grown)
        b->ocsp = ocsp_grown;
    if (!grown || !ocsp_grown)
        return fields_fail(&b->fields, UNITLS_ERR_NOMEM, "certificate chain: out of memory");
    b->ocsp[b->n_chains] = NULL;
    grown[b->n_chains++] = unitls_signing_chain_ref(chain);
    return UNITLS_OK;
}

unitls_status unitls_server_config_builder_set_ocsp_response(unitls_server_config_builder *b,
                                                             size_t chain_index,
                                                             unitls_ocsp_response *r)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    if (chain_index >= b->n_chains)
        return fields_fail(&b->fields, UNITLS_ERR_INVALID,
                           "OCSP response: no certificate chain %zu (%zu added so far)",
                           chain_index, b->n_chains);
    unitls_ocsp_response *old = b->ocsp[chain_index];
    b->ocsp[chain_index] = unitls_ocsp_response_ref(r);
    unitls_ocsp_response_unref(old);
    return UNITLS_OK;
}

unitls_status unitls_server_config_builder_set_ciphers(unitls_server_config_builder *b,
                                                       const uint16_t *ids, size_t n)
{
    return b ? fields_set_ciphers(&b->fields, ids, n) : UNITLS_ERR_INVALID;
}

unitls_status unitls_server_config_builder_set_groups(unitls_server_config_builder *b,
                                                      const uint16_t *ids, size_t n)
{
    return b ? fields_set_groups(&b->fields, ids, n) : UNITLS_ERR_INVALID;
}

const uint16_t *unitls_server_config_groups(const unitls_server_config *c, size_t *n)
{
    if (n)
        *n = c ? c->fields.n_groups : 0;
    return c ? c->fields.groups : NULL;
}

unitls_status unitls_server_config_builder_set_max_early_data(unitls_server_config_builder *b,
                                                              uint32_t n)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    b->options.max_early_data = n;
    return UNITLS_OK;
}

uint32_t unitls_server_config_max_early_data(const unitls_server_config *c)
{
    return c ? c->options.max_early_data : 0;
}

unitls_status unitls_server_config_builder_add_inner_protocol(unitls_server_config_builder *b,
                                                              const void *bytes, size_t len)
{
    return b ? fields_add_protocol(&b->fields, bytes, len) : UNITLS_ERR_INVALID;
}

unitls_status unitls_server_config_builder_set_lowest_supported_version(
    unitls_server_config_builder *b, enum unitls_tls_version v)
{
    return b ? fields_set_version(&b->fields, 1, v) : UNITLS_ERR_INVALID;
}

unitls_status unitls_server_config_builder_set_highest_supported_version(
    unitls_server_config_builder *b, enum unitls_tls_version v)
{
    return b ? fields_set_version(&b->fields, 0, v) : UNITLS_ERR_INVALID;
}

unitls_status unitls_server_config_builder_set_trust_store(unitls_server_config_builder *b,
                                                           unitls_trust_store *store)
{
    return b ? fields_set_trust_store(&b->fields, store) : UNITLS_ERR_INVALID;
}

unitls_status unitls_server_config_builder_set_client_auth(unitls_server_config_builder *b,
                                                           enum unitls_client_auth mode)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    if (mode != UNITLS_CLIENT_AUTH_NONE && mode != UNITLS_CLIENT_AUTH_OPTIONAL &&
        mode != UNITLS_CLIENT_AUTH_REQUIRED)
        return fields_fail(&b->fields, UNITLS_ERR_CONFIGURATION,
                           "client auth: unknown mode %d; expected none, optional or required",
                           (int)mode);
    b->options.client_auth = mode;
    return UNITLS_OK;
}

unitls_status unitls_server_config_builder_set_client_crl(unitls_server_config_builder *b,
                                                           unitls_crl *crl)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    unitls_crl *old = b->client_crl;
    b->client_crl = unitls_crl_ref(crl);
    unitls_crl_unref(old);
    return UNITLS_OK;
}

unitls_status unitls_server_config_builder_set_session_tickets(unitls_server_config_builder *b,
                                                               unsigned n)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    if (n > MAX_SESSION_TICKETS)
        return fields_fail(&b->fields, UNITLS_ERR_CONFIGURATION,
                           "session tickets: %u per handshake; expected 0 to %u", n,
                           MAX_SESSION_TICKETS);
    b->options.session_tickets = n;
    return UNITLS_OK;
}

unitls_status unitls_server_config_builder_set_session_ticket_keys(unitls_server_config_builder *b,
                                                                   unitls_ticket_keys *keys)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    unitls_ticket_keys *old = b->ticket_keys;
    b->ticket_keys = unitls_ticket_keys_ref(keys);
    unitls_ticket_keys_unref(old);
    return UNITLS_OK;
}

unitls_status unitls_server_config_builder_set_strict_sni(unitls_server_config_builder *b,
                                                          int strict)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    b->options.strict_sni = strict != 0;
    return UNITLS_OK;
}

unitls_status server_config_builder_legacy(unitls_server_config_builder *b, int versions,
                                           enum unitls_tls_version lowest,
                                           enum unitls_tls_version highest)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    return versions ? fields_set_legacy_versions(&b->fields, lowest, highest)
                    : fields_lower_security(&b->fields);
}

void server_config_builder_mark_insecure(unitls_server_config_builder *b)
{
    if (b)
        b->options.insecure = 1;
}

unitls_status server_config_builder_disable_client_verification(unitls_server_config_builder *b)
{
    if (!b)
        return UNITLS_ERR_INVALID;
    b->options.client_verification_disabled = 1;
    return UNITLS_OK;
}

/* Why c is insecure, for its warnings; NULL when it is not. */
static const char *server_config_insecurity(const unitls_server_config *c)
{
    const char *why = NULL;
    if (c->options.client_verification_disabled)
        return "client certificates are not verified";
    if (fields_insecure(&c->fields, &why))
        return why;
    return c->options.insecure ? "made through insecure.h (no check is turned off)" : NULL;
}

static uint64_t server_config_compute_hash(const unitls_server_config *c)
{
    uint64_t h = fields_hash(&c->fields);
    for (size_t i = 0; i < c->n_chains; i++) {
        h = hash_mix(h, unitls_signing_chain_hash(c->chains[i]));
        h = hash_mix(h, ocsp_response_hash(c->ocsp[i]));
    }
    h = hash_mix(h, (uint64_t)c->options.client_auth);
    h = hash_mix(h, c->options.max_early_data);
    h = hash_mix(h, crl_hash(c->client_crl));
    h = hash_mix(h, ticket_keys_hash(c->ticket_keys));
    h = hash_mix(h, (uint64_t)c->options.strict_sni);
    h = hash_mix(h, (uint64_t)c->options.client_verification_disabled);
    h = hash_mix(h, (uint64_t)c->options.insecure);
    return hash_mix(h, c->options.session_tickets);
}

/* Loads every chain's files and OCSP response into the configuration's own snapshot. */
static unitls_status server_config_load_chains(unitls_server_config *c,
                                               const unitls_server_config_builder *b,
                                               unitls_error *err)
{
    c->chains = calloc(b->n_chains, sizeof *c->chains);
    c->ocsp = calloc(b->n_chains, sizeof *c->ocsp);
    if (!c->chains || !c->ocsp)
        return error_set(err, UNITLS_ERR_NOMEM, 0, "server configuration: out of memory");
    for (; c->n_chains < b->n_chains; c->n_chains++) {
        size_t i = c->n_chains;
        unitls_signing_chain *loaded = signing_chain_load(b->chains[i], err);
        if (!loaded)
            return err ? err->status : UNITLS_ERR_CONFIGURATION;
        c->chains[i] = loaded;
        if (b->ocsp[i] && !(c->ocsp[i] = ocsp_response_load(b->ocsp[i], err))) {
            c->n_chains++; /* the chain is in: freed with the configuration */
            return err ? err->status : UNITLS_ERR_CONFIGURATION;
        }
    }
    return UNITLS_OK;
}

unitls_server_config *unitls_server_config_builder_build(const unitls_server_config_builder *b,
                                                         unitls_error *err)
{
    if (!b) {
        error_set(err, UNITLS_ERR_INVALID, 0, "server configuration: no builder");
        return NULL;
    }
    if (b->n_chains == 0 && b->fields.first_error.status == UNITLS_OK) {
        error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                  "server configuration: no certificate chain; a server needs at least one");
        return NULL;
    }
    if (b->client_crl && b->options.client_verification_disabled) {
        error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                  "server configuration: a client CRL is set but client-certificate "
                  "verification is disabled (insecure.h), so the CRL would never be "
                  "consulted; drop one of the two");
        return NULL;
    }
    if (b->ticket_keys && b->options.session_tickets == 0) {
        error_set(err, UNITLS_ERR_CONFIGURATION, 0,
                  "server configuration: session ticket keys are set but session tickets are "
                  "off (0 per handshake), so the keys would never be used; drop one of the two");
        return NULL;
    }
    unitls_server_config *c = calloc(1, sizeof *c);
    if (!c) {
        error_set(err, UNITLS_ERR_NOMEM, 0, "server configuration: out of memory");
        return NULL;
    }
    refcount_init(&c->refs);
    c->options = b->options;
    if (fields_build(&b->fields, &c->fields, err) != UNITLS_OK ||
        server_config_load_chains(c, b, err) != UNITLS_OK ||
        (b->client_crl && !(c->client_crl = crl_load(b->client_crl, err))) ||
        (b->ticket_keys && !(c->ticket_keys = ticket_keys_load(b->ticket_keys, err)))) {
        unitls_server_config_unref(c);
        return NULL;
    }
    c->hash = server_config_compute_hash(c);
    const char *why = server_config_insecurity(c);
    if (why)
        warn_insecure("server configuration built", why);
    return c;
}

unitls_server_config *unitls_server_config_ref(unitls_server_config *c)
{
    if (c)
        refcount_inc(&c->refs);
    return c;
}

void unitls_server_config_unref(unitls_server_config *c)
{
    if (!c || !refcount_dec(&c->refs))
        return;
    fields_free(&c->fields);
    ocsp_free(c->ocsp, c->n_chains);
    chains_free(c->chains, c->n_chains);
    unitls_crl_unref(c->client_crl);
    unitls_ticket_keys_unref(c->ticket_keys);
    free(c);
}

size_t unitls_server_config_n_certificate_chains(const unitls_server_config *c)
{
    return c ? c->n_chains : 0;
}

unitls_signing_chain *unitls_server_config_certificate_chain(const unitls_server_config *c,
                                                             size_t i)
{
    return (c && i < c->n_chains) ? c->chains[i] : NULL;
}

unitls_ocsp_response *unitls_server_config_ocsp_response(const unitls_server_config *c,
                                                         size_t chain_index)
{
    return (c && chain_index < c->n_chains) ? c->ocsp[chain_index] : NULL;
}

const uint16_t *unitls_server_config_ciphers(const unitls_server_config *c, size_t *n)
{
    if (n)
        *n = c ? c->fields.n_ciphers : 0;
    return c ? c->fields.ciphers : NULL;
}

size_t unitls_server_config_n_inner_protocols(const unitls_server_config *c)
{
    return c ? c->fields.n_protocols : 0;
}

const uint8_t *unitls_server_config_inner_protocol(const unitls_server_config *c, size_t i,
                                                   size_t *len)
{
    return c ? fields_protocol(&c->fields, i, len) : NULL;
}

enum unitls_tls_version unitls_server_config_lowest_supported_version(
    const unitls_server_config *c)
{
    return c ? c->fields.lowest : UNITLS_TLS_VERSION_UNSET;
}

enum unitls_tls_version unitls_server_config_highest_supported_version(
    const unitls_server_config *c)
{
    return c ? c->fields.highest : UNITLS_TLS_VERSION_UNSET;
}

unitls_trust_store *unitls_server_config_trust_store(const unitls_server_config *c)
{
    return c ? c->fields.trust_store : NULL;
}

enum unitls_client_auth unitls_server_config_client_auth(const unitls_server_config *c)
{
    return c ? c->options.client_auth : UNITLS_CLIENT_AUTH_NONE;
}

unitls_crl *unitls_server_config_client_crl(const unitls_server_config *c)
{
    return c ? c->client_crl : NULL;
}

unitls_ticket_keys *unitls_server_config_session_ticket_keys(const unitls_server_config *c)
{
    return c ? c->ticket_keys : NULL;
}

unsigned unitls_server_config_session_tickets(const unitls_server_config *c)
{
    return c ? c->options.session_tickets : 0;
}

int unitls_server_config_strict_sni(const unitls_server_config *c)
{
    return c ? c->options.strict_sni : 0;
}

int unitls_server_config_equal(const unitls_server_config *a, const unitls_server_config *b)
{
    if (a == b)
        return 1;
    if (!a || !b || a->hash != b->hash || a->n_chains != b->n_chains ||
        memcmp(&a->options, &b->options, sizeof a->options) != 0 ||
        !unitls_crl_equal(a->client_crl, b->client_crl) ||
        !unitls_ticket_keys_equal(a->ticket_keys, b->ticket_keys) ||
        !fields_equal(&a->fields, &b->fields))
        return 0;
    for (size_t i = 0; i < a->n_chains; i++)
        if (!unitls_signing_chain_equal(a->chains[i], b->chains[i]) ||
            !unitls_ocsp_response_equal(a->ocsp[i], b->ocsp[i]))
            return 0;
    return 1;
}

uint64_t unitls_server_config_hash(const unitls_server_config *c) { return c ? c->hash : 0; }

int unitls_server_config_security_level_lowered(const unitls_server_config *c)
{
    return c ? c->fields.security_lowered : 0;
}

int unitls_server_config_is_insecure(const unitls_server_config *c)
{
    return c && server_config_insecurity(c) != NULL;
}

int unitls_server_config_client_verification_disabled(const unitls_server_config *c)
{
    return c ? c->options.client_verification_disabled : 0;
}
