/* fuzz_buffer_IMPL: a server buffer of one implementation (FUZZ_IMPLEMENTATION, "openssl" or
 * "gnutls": fuzz/fuzz.am builds one program per implementation configured) fed arbitrary bytes
 * as if they came from a client: unitls_buffer_process_incoming, then the handshake, reads,
 * one write and shutdown, exactly as unitlsd drives a connection, and after a failure the
 * explanation (unitls_buffer_handshake_failure). Every loop is bounded.
 *
 * The server is what the daemon would run: two chains (ECDSA fuzz.test, RSA rsa.fuzz.test),
 * ALPN h2 and http/1.1, session tickets, client certificates requested (optional) and checked
 * against client-ca, all from the fixed PKI in fuzz/pki ($UNITLS_FUZZ_PKI overrides where it
 * is read from). Seeds: client flights recorded from openssl s_client and gnutls-cli against
 * that PKI (fuzz/capture-flights.py): ClientHellos of TLS 1.2 and 1.3 with SNI and ALPN, and
 * whole TLS 1.2 client flights with a client certificate. Checked on every input: the status
 * contract of each call, and that an explanation is printable ASCII as buffer.h promises. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unitls/unitls.h>

#include "fuzz/fuzz_target.h"

#ifndef FUZZ_IMPLEMENTATION
#error "FUZZ_IMPLEMENTATION names the implementation under test (fuzz/fuzz.am)"
#endif
#ifndef FUZZ_PKI_DIR
#error "FUZZ_PKI_DIR is where fuzz/pki is (fuzz/fuzz.am)"
#endif

#define FUZZ_ROUNDS 64u      /* feed, drive and drain cycles per input */
#define FUZZ_READS 16u       /* reads per cycle, each up to a record */
#define FUZZ_SCRATCH 17000u  /* a record's plaintext and then some */

static unitls_server_context *server; /* built once, shared by every input's buffer */

static void pki_path(char *out, size_t cap, const char *name)
{
    const char *dir = getenv("UNITLS_FUZZ_PKI");
    if ((size_t)snprintf(out, cap, "%s/%s", dir && dir[0] ? dir : FUZZ_PKI_DIR, name) >= cap)
        fuzz_fail("the path of %s is too long", name);
}

static unitls_signing_chain *chain_load(const char *cert_name, const char *key_name)
{
    char cert_path[4096], key_path[4096];
    unitls_error err;
    pki_path(cert_path, sizeof cert_path, cert_name);
    pki_path(key_path, sizeof key_path, key_name);
    unitls_certificate *leaf = unitls_certificate_from_file(cert_path, &err);
    unitls_private_key *key = leaf ? unitls_private_key_from_file(key_path, &err) : NULL;
    unitls_signing_chain *chain = key ? unitls_signing_chain_new(leaf, key, NULL, 0, &err) : NULL;
    if (!chain)
        fuzz_fail("setup: chain %s: %s", cert_path, err.message);
    unitls_private_key_unref(key);
    unitls_certificate_unref(leaf);
    return chain;
}

static void setup_check(unitls_status st, const char *what)
{
    if (st != UNITLS_OK)
        fuzz_fail("setup: %s: %s", what, unitls_status_name(st));
}

static unitls_server_config *server_config_build(void)
{
    unitls_server_config_builder *b = unitls_server_config_builder_new();
    if (!b)
        fuzz_fail("setup: no memory for a builder");
    unitls_signing_chain *ec = chain_load("server-ec.pem", "server-ec.key");
    unitls_signing_chain *rsa = chain_load("server-rsa.pem", "server-rsa.key");
    setup_check(unitls_server_config_builder_add_certificate_chain(b, ec), "ECDSA chain");
    setup_check(unitls_server_config_builder_add_certificate_chain(b, rsa), "RSA chain");
    setup_check(unitls_server_config_builder_add_inner_protocol(b, "h2", 2), "ALPN h2");
    setup_check(unitls_server_config_builder_add_inner_protocol(b, "http/1.1", 8), "ALPN");
    char ca_path[4096];
    unitls_error err;
    pki_path(ca_path, sizeof ca_path, "client-ca.pem");
    unitls_trust_store *ca = unitls_trust_store_from_file(ca_path, &err);
    if (!ca)
        fuzz_fail("setup: trust store %s: %s", ca_path, err.message);
    setup_check(unitls_server_config_builder_set_trust_store(b, ca), "trust store");
    setup_check(unitls_server_config_builder_set_client_auth(b, UNITLS_CLIENT_AUTH_OPTIONAL),
                "client auth");
    unitls_server_config *cfg = unitls_server_config_builder_build(b, &err);
    if (!cfg)
        fuzz_fail("setup: server configuration: %s", err.message);
    unitls_trust_store_unref(ca);
    unitls_signing_chain_unref(rsa);
    unitls_signing_chain_unref(ec);
    unitls_server_config_builder_free(b);
    return cfg;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const unitls_implementation *impl = unitls_implementation_find(FUZZ_IMPLEMENTATION);
    if (!impl)
        fuzz_fail("setup: no implementation named %s in this build", FUZZ_IMPLEMENTATION);
    unitls_server_config *cfg = server_config_build();
    unitls_error err;
    server = unitls_server_context_new(impl, cfg, &err);
    if (!server)
        fuzz_fail("setup: %s server context: %s", FUZZ_IMPLEMENTATION, err.message);
    unitls_server_config_unref(cfg);
    return 0;
}

/* Sends what the server has for the client nowhere, as a peer that never answers would. */
static void drain(unitls_buffer *b)
{
    static uint8_t sink[FUZZ_SCRATCH];
    for (unsigned i = 0; i < FUZZ_ROUNDS && unitls_buffer_process_outgoing(b, sink, sizeof sink);
         i++)
        ;
}

/* What a status may be; anything else breaks buffer.h's contract. */
static void check_status(unitls_status st, const char *call)
{
    if (st > UNITLS_ERR_TLS && st != UNITLS_ERR_CERTIFICATE)
        fuzz_fail("%s: unexpected status %s", call, unitls_status_name(st));
}

static void connection_info(unitls_buffer *b)
{
    const uint8_t *p = NULL;
    size_t len = 0;
    if (unitls_buffer_negotiated_protocol(b, &p, &len) == UNITLS_OK && (!p || len == 0))
        fuzz_fail("negotiated_protocol: OK without a protocol");
    if (unitls_buffer_getpeercert(b, &p, &len) == UNITLS_OK && (!p || len == 0))
        fuzz_fail("getpeercert: OK without a certificate");
    if (unitls_buffer_cipher(b) == 0)
        fuzz_fail("cipher: 0 after the handshake");
    if (unitls_buffer_negotiated_tls_version(b) == UNITLS_TLS_VERSION_UNSET)
        fuzz_fail("negotiated_tls_version: unset after the handshake");
    (void)unitls_buffer_server_name(b);
    (void)unitls_buffer_session_resumed(b);
}

/* Reads everything the client's bytes hold, answers once; 0 when the connection is over. */
static int application(unitls_buffer *b, int *answered)
{
    static uint8_t plain[FUZZ_SCRATCH];
    for (unsigned i = 0; i < FUZZ_READS; i++) {
        size_t n = 0;
        unitls_status st = unitls_buffer_read(b, plain, sizeof plain, &n);
        check_status(st, "read");
        if (st == UNITLS_WANT_WRITE) {
            drain(b);
            continue;
        }
        if (st != UNITLS_OK || n == 0)
            return st == UNITLS_WANT_READ;
    }
    if (!*answered) {
        static const char answer[] = "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        size_t taken = 0;
        check_status(unitls_buffer_write(b, answer, sizeof answer - 1, &taken), "write");
        *answered = 1;
    }
    return 1;
}

/* Runs the handshake, then the application; 0 when the connection is over. */
static int drive(unitls_buffer *b, int *answered)
{
    if (!unitls_buffer_handshake_done(b)) {
        unitls_status st = unitls_buffer_do_handshake(b);
        check_status(st, "do_handshake");
        if (st == UNITLS_WANT_WRITE)
            drain(b);
        if (st != UNITLS_OK)
            return st == UNITLS_WANT_READ || st == UNITLS_WANT_WRITE;
        connection_info(b);
    }
    return application(b, answered);
}

static void explain(const unitls_buffer *b)
{
    char facts[512];
    enum unitls_handshake_failure f = unitls_buffer_handshake_failure(b, facts, sizeof facts);
    if (!unitls_handshake_failure_name(f))
        fuzz_fail("handshake_failure: value %d out of range", (int)f);
    size_t len = strnlen(facts, sizeof facts);
    if (len == sizeof facts)
        fuzz_fail("handshake_failure: the facts are not NUL-terminated");
    for (size_t i = 0; i < len; i++)
        if (facts[i] < 0x20 || facts[i] > 0x7E)
            fuzz_fail("handshake_failure: byte 0x%02X at %zu of \"%s\" is not printable",
                      (unsigned)(unsigned char)facts[i], i, facts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unitls_error err;
    unitls_buffer *b = unitls_server_context_create_buffer(server, &err);
    if (!b)
        fuzz_fail("create_buffer: %s", err.message);
    size_t fed = 0;
    int answered = 0, open = 1;
    for (unsigned round = 0; round < FUZZ_ROUNDS && open && fed < size; round++) {
        size_t room = unitls_buffer_incoming_limit(b) - unitls_buffer_incoming_bytes_buffered(b);
        size_t n = size - fed < room ? size - fed : room;
        if (n > 0) {
            unitls_status st = unitls_buffer_process_incoming(b, data + fed, n);
            check_status(st, "process_incoming");
            if (st == UNITLS_OK)
                fed += n;
        }
        open = drive(b, &answered);
        drain(b);
    }
    if (open) {
        check_status(unitls_buffer_process_incoming_eof(b), "process_incoming_eof");
        (void)drive(b, &answered);
    }
    if (unitls_buffer_handshake_done(b))
        check_status(unitls_buffer_shutdown(b), "shutdown");
    drain(b);
    explain(b);
    unitls_buffer_free(b);
    return 0;
}
