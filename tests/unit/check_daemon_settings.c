/* settings (src/daemon/settings.c, settings_listener.c): unitlsd.yaml into struct settings and TLS configurations.
 * Each test writes a YAML file into its own temporary directory and checks either the parsed
 * values or the exact error lines, "FILE:LINE:COLUMN: message", in the order they are reported.
 * Certificates come from $UNITLS_TEST_CERTS (tests/gen-certs.sh), named in the YAML itself as
 * ${UNITLS_TEST_CERTS}/..., which also exercises environment expansion. */
#include <arpa/inet.h>
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <unitls/insecure.h>
#include <unitls/ocsp.h>

#include "daemon/settings.h"

#define CERT_LOCALHOST                                                                        \
    "      - cert: ${UNITLS_TEST_CERTS}/localhost.pem\n"                                     \
    "        key: ${UNITLS_TEST_CERTS}/localhost.key\n"

/* A valid listener named NAME on ADDR, seven lines long. */
#define LISTENER(name, addr)                                                                  \
    "  - name: " name "\n"                                                                    \
    "    listen: [\"" addr "\"]\n"                                                           \
    "    certificates:\n" CERT_LOCALHOST                                                      \
    "    backend:\n"                                                                          \
    "      address: 127.0.0.1:8080\n"

static char dir[256];
static char config_path[512];
static struct settings s;
static struct settings_errors errs;

static void setup(void)
{
    ck_assert_msg(getenv("UNITLS_TEST_CERTS"), "UNITLS_TEST_CERTS is not set");
    snprintf(dir, sizeof dir, "/tmp/check-settings-XXXXXX");
    ck_assert(mkdtemp(dir) != NULL);
    snprintf(config_path, sizeof config_path, "%s/unitlsd.yaml", dir);
    memset(&s, 0, sizeof s);
    memset(&errs, 0, sizeof errs);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    settings_free(&s);
    settings_errors_free(&errs);
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static int load(const char *yaml)
{
    write_file(config_path, yaml);
    return settings_load(config_path, &s, &errs);
}

static void dump_errors(void)
{
    for (size_t i = 0; i < errs.n; i++)
        fprintf(stderr, "  error %zu: %s\n", i, errs.lines[i]);
}

/* Fails unless error i is exactly at line:column of the test's file and contains needle. */
static void assert_error(size_t i, int line, int column, const char *needle)
{
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s:%d:%d: ", config_path, line, column);
    if (i >= errs.n || strncmp(errs.lines[i], prefix, strlen(prefix)) != 0 ||
        !strstr(errs.lines[i] + strlen(prefix), needle))
        dump_errors();
    ck_assert_msg(i < errs.n, "expected error %zu (%d:%d: %s), got %zu errors", i, line, column,
                  needle, errs.n);
    ck_assert_msg(strncmp(errs.lines[i], prefix, strlen(prefix)) == 0,
                  "error %zu is \"%s\", expected it at %d:%d", i, errs.lines[i], line, column);
    ck_assert_msg(strstr(errs.lines[i] + strlen(prefix), needle),
                  "error %zu is \"%s\", expected it to contain \"%s\"", i, errs.lines[i], needle);
}

static void assert_load_fails(const char *yaml, size_t n_errors)
{
    int rc = load(yaml);
    if (errs.n != n_errors)
        dump_errors();
    ck_assert_int_eq(rc, -1);
    ck_assert_uint_eq(errs.n, n_errors);
    ck_assert_ptr_null(s.listeners); /* freed on failure */
}

static void assert_load_ok(const char *yaml)
{
    int rc = load(yaml);
    if (rc != 0)
        dump_errors();
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(errs.n, 0);
}

static void cert_path(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", getenv("UNITLS_TEST_CERTS"), name);
}

static unsigned port_of(const struct endpoint *ep)
{
    if (ep->addr.ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)&ep->addr)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)&ep->addr)->sin6_port);
}

/* "openssl, gnutls": the implementations built, the default first. */
static void implementations_built(char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; unitls_implementation_at(i); i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? ", " : "",
                 unitls_implementation_name(unitls_implementation_at(i)));
}

static size_t n_implementations_built(void)
{
    size_t n = 0;
    while (unitls_implementation_at(n))
        n++;
    return n;
}

/* The message for an `implementation:` naming what libunitls was not built with. */
static void unknown_implementation_message(char *out, size_t cap, const char *name)
{
    char built[256];
    implementations_built(built, sizeof built);
    snprintf(out, cap, "implementation: unknown implementation '%s'; expected one of: %s "
             "(the implementations built)", name, built);
}

/* --- valid files --------------------------------------------------------------------------- */

static const char full_yaml[] =
    "# every key\n"
    "implementation: openssl\n"
    "workers: 4\n"
    "user: root\n"
    "run_as_root: true\n"
    "log:\n"
    "  level: warning\n"
    "  access: false\n"
    "stats:\n"
    "  listen: 127.0.0.1:9443\n"
    "listeners:\n"
    "  - name: web\n"
    "    listen: [\"127.0.0.1:8443\", \"[::1]:8443\"]\n"
    "    certificates:\n"
    "      - cert: ${UNITLS_TEST_CERTS}/example.org.pem\n"
    "        key: ${UNITLS_TEST_CERTS}/example.org.key\n"
    "      - cert: ${UNITLS_TEST_CERTS}/example.org-combined.pem\n"
    "    protocols: [h2, http/1.1]\n"
    "    tls_versions: { min: TLSv1.2, max: MAXIMUM_SUPPORTED }\n"
    "    ciphers: [TLS_AES_128_GCM_SHA256, UNITLS_TLS_CHACHA20_POLY1305_SHA256]\n"
    "    client_auth:\n"
    "      mode: optional\n"
    "      trust_store: ${UNITLS_TEST_CERTS}/client-ca.pem\n"
    "    backend:\n"
    "      address: unix:/run/app.sock\n"
    "      proxy_protocol: v2\n"
    "    timeouts: { handshake: 250ms, idle: 2m, connect: 1h }\n"
    "    max_connections: 500\n"
    "    session_tickets: 2\n"
    "    ocsp_refresh: true\n"
    "    implementation: openssl\n"
    "  - name: other.listener_2\n"
    "    listen: \"[::]:9000\"\n"
    "    certificates:\n" CERT_LOCALHOST
    "    backend: { address: \"[::1]:8081\", proxy_protocol: v1 }\n";

START_TEST(test_full_config_every_key)
{
    char path[1024];
    assert_load_ok(full_yaml);
    ck_assert_str_eq(s.path, config_path);
    ck_assert_str_eq(s.implementation, "openssl");
    ck_assert_uint_eq(s.workers, 4);
    ck_assert_str_eq(s.user, "root");
    ck_assert_int_eq(s.allow_root, 1);
    ck_assert_int_eq(s.log_level, LOG_LEVEL_WARNING);
    ck_assert_int_eq(s.log_access, 0);
    ck_assert_int_eq(s.has_stats, 1);
    ck_assert_str_eq(s.stats_listen.text, "127.0.0.1:9443");
    ck_assert_uint_eq(port_of(&s.stats_listen), 9443);
    ck_assert_uint_eq(s.n_listeners, 2);

    const struct listener_settings *l = &s.listeners[0];
    ck_assert_str_eq(l->name, "web");
    ck_assert_int_eq(l->line, 12);
    ck_assert_int_eq(l->column, 5);
    ck_assert_uint_eq(l->n_listen, 2);
    ck_assert_int_eq(l->listen[0].addr.ss_family, AF_INET);
    ck_assert_uint_eq(l->listen[0].addr_len, sizeof(struct sockaddr_in));
    ck_assert_int_eq(l->listen[1].addr.ss_family, AF_INET6);
    ck_assert_str_eq(l->listen[1].text, "[::1]:8443");
    ck_assert_uint_eq(port_of(&l->listen[1]), 8443);
    ck_assert_uint_eq(l->n_chains, 2);
    cert_path(path, sizeof path, "example.org.pem");
    ck_assert_str_eq(l->chains[0].cert_path, path);
    cert_path(path, sizeof path, "example.org.key");
    ck_assert_str_eq(l->chains[0].key_path, path);
    ck_assert_int_eq(l->chains[0].line, 15);
    ck_assert_int_eq(l->chains[0].column, 9);
    ck_assert_ptr_null(l->chains[1].key_path);
    ck_assert_int_eq(l->chains[1].line, 17);
    ck_assert_uint_eq(l->n_protocols, 2);
    ck_assert_str_eq(l->protocols[0], "h2");
    ck_assert_str_eq(l->protocols[1], "http/1.1");
    ck_assert_int_eq(l->min_version, UNITLS_TLSv1_2);
    ck_assert_int_eq(l->max_version, UNITLS_TLS_VERSION_MAXIMUM_SUPPORTED);
    ck_assert_uint_eq(l->n_ciphers, 2);
    ck_assert_uint_eq(l->ciphers[0], 0x1301);
    ck_assert_uint_eq(l->ciphers[1], 0x1303);
    ck_assert_int_eq(l->client_auth, UNITLS_CLIENT_AUTH_OPTIONAL);
    cert_path(path, sizeof path, "client-ca.pem");
    ck_assert_str_eq(l->client_trust_store, path);
    ck_assert_int_eq(l->trust_store_line, 23);
    ck_assert_int_eq(l->trust_store_column, 20);
    ck_assert_int_eq(l->backends[0].address.addr.ss_family, AF_UNIX);
    ck_assert_str_eq(((const struct sockaddr_un *)&l->backends[0].address.addr)->sun_path, "/run/app.sock");
    ck_assert_uint_eq(l->backends[0].address.addr_len,
                      offsetof(struct sockaddr_un, sun_path) + strlen("/run/app.sock") + 1);
    ck_assert_int_eq(l->backends[0].proxy_protocol, PROXY_PROTOCOL_V2);
    ck_assert_uint_eq(l->handshake_timeout_ms, 250);
    ck_assert_uint_eq(l->idle_timeout_ms, 120000);
    ck_assert_uint_eq(l->connect_timeout_ms, 3600000);
    ck_assert_uint_eq(l->max_connections, 500);
    ck_assert_uint_eq(l->session_tickets, 2);
    ck_assert_int_eq(l->ocsp_refresh, 1);
    cert_path(path, sizeof path, "example.org-combined.pem.ocsp");
    ck_assert_str_eq(l->chains[1].ocsp_path, path);
    ck_assert_str_eq(l->implementation, "openssl");
    ck_assert_ptr_eq(l->impl, unitls_implementation_find("openssl"));
    ck_assert_ptr_null(l->tls);

    l = &s.listeners[1];
    ck_assert_str_eq(l->name, "other.listener_2");
    ck_assert_uint_eq(l->n_listen, 1); /* a single address needs no list */
    ck_assert_str_eq(l->listen[0].text, "[::]:9000");
    ck_assert_int_eq(l->backends[0].address.addr.ss_family, AF_INET6);
    ck_assert_uint_eq(port_of(&l->backends[0].address), 8081);
    ck_assert_int_eq(l->backends[0].proxy_protocol, PROXY_PROTOCOL_V1);
    ck_assert_ptr_null(l->implementation);
    ck_assert_ptr_eq(l->impl, unitls_implementation_find("openssl")); /* the top level's */
}
END_TEST

START_TEST(test_defaults)
{
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443"));
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    ck_assert_str_eq(s.implementation, unitls_implementation_name(unitls_implementation_default()));
    ck_assert_uint_eq(s.workers, cpus < 1 ? 1 : cpus > 256 ? 256 : (unsigned)cpus);
    ck_assert_ptr_null(s.user);
    ck_assert_int_eq(s.allow_root, 0);
    ck_assert_int_eq(s.log_level, LOG_LEVEL_INFO);
    ck_assert_int_eq(s.log_access, 1);
    ck_assert_int_eq(s.has_stats, 0);
    const struct listener_settings *l = &s.listeners[0];
    ck_assert_uint_eq(l->handshake_timeout_ms, 10000);
    ck_assert_uint_eq(l->idle_timeout_ms, 300000);
    ck_assert_uint_eq(l->connect_timeout_ms, 5000);
    ck_assert_uint_eq(l->max_connections, 10000);
    ck_assert_uint_eq(l->session_tickets, 1);
    ck_assert_int_eq(l->client_auth, UNITLS_CLIENT_AUTH_NONE);
    ck_assert_ptr_null(l->client_trust_store);
    ck_assert_int_eq(l->backends[0].proxy_protocol, PROXY_PROTOCOL_NONE);
    ck_assert_uint_eq(l->n_backends, 1);
    ck_assert_int_eq(l->balance, BALANCE_FIRST);
    ck_assert_uint_eq(l->backend_retry_ms, 10000);
    ck_assert_uint_eq(s.health_grace_ms, 0);
    ck_assert_int_eq(l->min_version, UNITLS_TLS_VERSION_UNSET);
    ck_assert_int_eq(l->max_version, UNITLS_TLS_VERSION_UNSET);
    ck_assert_ptr_null(l->ciphers);
    ck_assert_uint_eq(l->n_protocols, 0);
    ck_assert_ptr_null(l->implementation);
    ck_assert_ptr_eq(l->impl, unitls_implementation_default());
}
END_TEST

/* A listener without the backend block, for the backends tests: six lines long. */
#define LISTENER_NO_BACKEND(name, addr)                                                       \
    "  - name: " name "\n"                                                                    \
    "    listen: [\"" addr "\"]\n"                                                           \
    "    certificates:\n" CERT_LOCALHOST

/* backends: every entry with the keys of a backend block, in order; balance and backend_retry;
 * drain.health_grace, 0s included. */
START_TEST(test_backends)
{
    assert_load_ok("drain: {health_grace: 7s}\n"
                   "listeners:\n" LISTENER_NO_BACKEND("web", "127.0.0.1:8443")
                   "    backends:\n"
                   "      - {address: 127.0.0.1:8081}\n"
                   "      - {address: \"[::1]:8082\", proxy_protocol: v2}\n"
                   "      - address: unix:/run/app.sock\n"
                   "    balance: round_robin\n"
                   "    backend_retry: 2500ms\n");
    const struct listener_settings *l = &s.listeners[0];
    ck_assert_uint_eq(l->n_backends, 3);
    ck_assert_uint_eq(port_of(&l->backends[0].address), 8081);
    ck_assert_int_eq(l->backends[0].proxy_protocol, PROXY_PROTOCOL_NONE);
    ck_assert_int_eq(l->backends[1].address.addr.ss_family, AF_INET6);
    ck_assert_int_eq(l->backends[1].proxy_protocol, PROXY_PROTOCOL_V2);
    ck_assert_int_eq(l->backends[2].address.addr.ss_family, AF_UNIX);
    ck_assert_int_eq(l->balance, BALANCE_ROUND_ROBIN);
    ck_assert_uint_eq(l->backend_retry_ms, 2500);
    ck_assert_uint_eq(s.health_grace_ms, 7000);
    settings_free(&s);
    assert_load_ok("drain: {health_grace: 0s}\n"
                   "listeners:\n" LISTENER("web", "127.0.0.1:8443") "    balance: first\n");
    ck_assert_uint_eq(s.health_grace_ms, 0);
    ck_assert_int_eq(s.listeners[0].balance, BALANCE_FIRST);
}
END_TEST

/* backend and backends together, an empty list, neither, a bad balance or retry, an entry
 * twice or with a bad key, a grace too long: each at its line and column. */
START_TEST(test_backends_errors)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    backends: [{address: 127.0.0.1:8081}]\n"
                      "    balance: random\n"
                      "    backend_retry: 0s\n",
                      3);
    assert_error(0, 10, 14, "balance: unknown value 'random'; expected one of: first, "
                            "round_robin");
    assert_error(1, 11, 20, "backend_retry: '0s' is not valid");
    assert_error(2, 9, 15, "backends: backend is given too (line 8); expected either backend "
                           "(one) or backends (a list)");
    settings_errors_free(&errs);
    assert_load_fails("listeners:\n" LISTENER_NO_BACKEND("web", "127.0.0.1:8443")
                      "    backends: []\n",
                      1);
    assert_error(0, 7, 15, "backends: the list is empty");
    settings_errors_free(&errs);
    assert_load_fails("listeners:\n" LISTENER_NO_BACKEND("web", "127.0.0.1:8443"), 1);
    assert_error(0, 2, 5, "listener: key 'backend' is missing; it is required (or 'backends'");
    settings_errors_free(&errs);
    assert_load_fails("drain: {health_grace: 6m}\n"
                      "listeners:\n" LISTENER_NO_BACKEND("web", "127.0.0.1:8443")
                      "    backends:\n"
                      "      - {address: 127.0.0.1:8081}\n"
                      "      - {address: 127.0.0.1:8081, proxy: v1}\n",
                      3);
    assert_error(0, 1, 23, "drain.health_grace: '6m' is not valid; expected a duration from 0s "
                           "to 300s");
    assert_error(1, 10, 35, "backends entry: unknown key 'proxy'");
    assert_error(2, 10, 9, "backends: '127.0.0.1:8081' is listed twice (entry 1 and 2)");
}
END_TEST

START_TEST(test_workers_auto_and_number)
{
    assert_load_ok("workers: auto\nlisteners:\n" LISTENER("web", "127.0.0.1:8443"));
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    ck_assert_uint_eq(s.workers, cpus < 1 ? 1 : cpus > 256 ? 256 : (unsigned)cpus);
    settings_free(&s);
    assert_load_ok("workers: 256\nlisteners:\n" LISTENER("web", "127.0.0.1:8443"));
    ck_assert_uint_eq(s.workers, 256);
}
END_TEST

START_TEST(test_addresses_parse)
{
    assert_load_ok("listeners:\n"
                   "  - name: a\n"
                   "    listen: [\"0.0.0.0:1\", \"[::]:65535\", \"unix:/run/unitlsd/a.sock\"]\n"
                   "    certificates:\n" CERT_LOCALHOST
                   "    backend: {address: \"[2001:db8::1]:80\"}\n");
    const struct listener_settings *l = &s.listeners[0];
    ck_assert_uint_eq(l->n_listen, 3);
    ck_assert_uint_eq(port_of(&l->listen[0]), 1);
    ck_assert_uint_eq(port_of(&l->listen[1]), 65535);
    ck_assert_int_eq(l->listen[2].addr.ss_family, AF_UNIX);
    ck_assert_str_eq(((const struct sockaddr_un *)&l->listen[2].addr)->sun_path,
                     "/run/unitlsd/a.sock");
    char text[64];
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&l->backends[0].address.addr;
    ck_assert_ptr_nonnull(inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text));
    ck_assert_str_eq(text, "2001:db8::1");
}
END_TEST

START_TEST(test_durations_every_unit)
{
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                   "    timeouts: {handshake: 1ms, idle: 24h, connect: 90s}\n");
    ck_assert_uint_eq(s.listeners[0].handshake_timeout_ms, 1);
    ck_assert_uint_eq(s.listeners[0].idle_timeout_ms, 86400000u);
    ck_assert_uint_eq(s.listeners[0].connect_timeout_ms, 90000);
}
END_TEST

START_TEST(test_log_levels)
{
    static const char *const names[] = {"debug", "info", "notice", "warning", "error"};
    static const enum log_level levels[] = {LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_NOTICE,
                                            LOG_LEVEL_WARNING, LOG_LEVEL_ERROR};
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "log: {level: %s}\nlisteners:\n" LISTENER("web", "127.0.0.1:1"),
             names[_i]);
    assert_load_ok(yaml);
    ck_assert_int_eq(s.log_level, levels[_i]);
}
END_TEST

START_TEST(test_client_auth_system_store)
{
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                   "    client_auth: {mode: required, trust_store: system}\n");
    ck_assert_int_eq(s.listeners[0].client_auth, UNITLS_CLIENT_AUTH_REQUIRED);
    ck_assert_str_eq(s.listeners[0].client_trust_store, "system");
}
END_TEST

/* --- environment and relative paths ------------------------------------------------------ */

START_TEST(test_env_expansion)
{
    ck_assert_int_eq(setenv("CHECK_SETTINGS_CREDS", "/run/credentials/unitlsd.service", 1), 0);
    ck_assert_int_eq(setenv("CHECK_SETTINGS_PORT", "8443", 1), 0);
    assert_load_ok("listeners:\n"
                   "  - name: web\n"
                   "    listen: \"127.0.0.1:${CHECK_SETTINGS_PORT}\"\n"
                   "    certificates:\n"
                   "      - cert: ${CHECK_SETTINGS_CREDS}/site.pem\n"
                   "        key: ${CHECK_SETTINGS_CREDS}/${CHECK_SETTINGS_PORT}$x.key\n"
                   "    backend: {address: 127.0.0.1:8080}\n");
    const struct listener_settings *l = &s.listeners[0];
    ck_assert_str_eq(l->chains[0].cert_path, "/run/credentials/unitlsd.service/site.pem");
    ck_assert_str_eq(l->chains[0].key_path, "/run/credentials/unitlsd.service/8443$x.key");
    ck_assert_uint_eq(port_of(&l->listen[0]), 8443);
}
END_TEST

START_TEST(test_env_unset_variable_named)
{
    unsetenv("CHECK_SETTINGS_UNSET_A");
    unsetenv("CHECK_SETTINGS_UNSET_B");
    assert_load_fails("listeners:\n"
                      "  - name: web\n"
                      "    listen: 127.0.0.1:8443\n"
                      "    certificates:\n"
                      "      - cert: ${CHECK_SETTINGS_UNSET_A}/a/${CHECK_SETTINGS_UNSET_B}.pem\n"
                      "        key: /x/${CHECK_SETTINGS_UNSET\n"
                      "    backend: {address: 127.0.0.1:8080}\n",
                      3);
    assert_error(0, 5, 15, "cert: environment variable CHECK_SETTINGS_UNSET_A is not set");
    assert_error(1, 5, 15, "cert: environment variable CHECK_SETTINGS_UNSET_B is not set");
    assert_error(2, 6, 14, "key: '${' without its '}'");
}
END_TEST

START_TEST(test_relative_paths_follow_config_dir)
{
    assert_load_ok("listeners:\n"
                   "  - name: web\n"
                   "    listen: 127.0.0.1:8443\n"
                   "    certificates:\n"
                   "      - {cert: demo/demo.pem, key: ../demo.key}\n"
                   "    client_auth: {mode: required, trust_store: ca.pem}\n"
                   "    backend: {address: 127.0.0.1:8080}\n");
    char want[1024];
    snprintf(want, sizeof want, "%s/demo/demo.pem", dir);
    ck_assert_str_eq(s.listeners[0].chains[0].cert_path, want);
    snprintf(want, sizeof want, "%s/../demo.key", dir);
    ck_assert_str_eq(s.listeners[0].chains[0].key_path, want);
    snprintf(want, sizeof want, "%s/ca.pem", dir);
    ck_assert_str_eq(s.listeners[0].client_trust_store, want);
}
END_TEST

/* A relative configuration path gives paths relative to the same working directory. */
START_TEST(test_relative_config_path)
{
    char cwd[1024], sub[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(sub, sizeof sub, "%s/conf", dir);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    snprintf(config_path, sizeof config_path, "%s/conf/unitlsd.yaml", dir);
    write_file(config_path, "listeners:\n"
                            "  - name: web\n"
                            "    listen: 127.0.0.1:8443\n"
                            "    certificates: [{cert: demo/demo.pem, key: demo/demo.key}]\n"
                            "    backend: {address: 127.0.0.1:8080}\n");
    ck_assert_int_eq(chdir(dir), 0);
    int rc = settings_load("conf/unitlsd.yaml", &s, &errs);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(s.listeners[0].chains[0].cert_path, "conf/demo/demo.pem");
    ck_assert_str_eq(s.listeners[0].chains[0].key_path, "conf/demo/demo.key");
    settings_free(&s);
    ck_assert_int_eq(chdir(sub), 0);
    rc = settings_load("unitlsd.yaml", &s, &errs);
    ck_assert_int_eq(chdir(cwd), 0);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(s.listeners[0].chains[0].cert_path, "demo/demo.pem");
}
END_TEST

/* settings_load_buffer (fuzz/fuzz_settings.c's way in) reads text as settings_load reads a
 * file: paths resolve against the name's directory, errors name it, a NUL is an error. */
START_TEST(test_load_buffer)
{
    static const char yaml[] = "listeners:\n"
                               "  - name: web\n"
                               "    listen: 127.0.0.1:8443\n"
                               "    certificates: [{cert: demo.pem, key: demo.key}]\n"
                               "    backend: {address: 127.0.0.1:8080}\n";
    ck_assert_int_eq(settings_load_buffer("/etc/unitlsd/unitlsd.yaml", yaml, sizeof yaml - 1,
                                          &s, &errs), 0);
    ck_assert_uint_eq(errs.n, 0);
    ck_assert_str_eq(s.listeners[0].name, "web");
    ck_assert_str_eq(s.listeners[0].chains[0].cert_path, "/etc/unitlsd/demo.pem");
    ck_assert_str_eq(s.path, "/etc/unitlsd/unitlsd.yaml");
    settings_free(&s);

    static const char bad[] = "workers: 0\n";
    ck_assert_int_eq(settings_load_buffer("mem.yaml", bad, sizeof bad - 1, &s, &errs), -1);
    ck_assert_uint_ge(errs.n, 1);
    ck_assert_msg(strncmp(errs.lines[0], "mem.yaml:1:10: workers:", 23) == 0, "got \"%s\"",
                  errs.lines[0]);
    settings_errors_free(&errs);

    static const char nul[] = "workers: 2\n\0listeners: []\n";
    ck_assert_int_eq(settings_load_buffer("nul.yaml", nul, sizeof nul - 1, &s, &errs), -1);
    ck_assert_uint_ge(errs.n, 1);
    ck_assert_msg(strncmp(errs.lines[0], "nul.yaml:", 9) == 0, "got \"%s\"", errs.lines[0]);
    settings_errors_free(&errs);

    ck_assert_int_eq(settings_load_buffer("empty.yaml", "", 0, &s, &errs), -1);
    ck_assert_uint_eq(errs.n, 1);
    ck_assert_ptr_nonnull(strstr(errs.lines[0], "the file is empty"));
}
END_TEST

/* --- errors: keys and types --------------------------------------------------------------- */

START_TEST(test_unknown_top_key)
{
    assert_load_fails("listners:\n" LISTENER("web", "127.0.0.1:8443"), 2);
    assert_error(0, 1, 1,
                 "top level: unknown key 'listners'; expected one of: implementation, workers, "
                 "user, run_as_root, log, stats, listeners");
    assert_error(1, 1, 1, "top level: key 'listeners' is missing; it is required");
}
END_TEST

START_TEST(test_unknown_listener_key)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443") "    max_conections: 5\n",
                      1);
    assert_error(0, 9, 5,
                 "listener: unknown key 'max_conections'; expected one of: name, listen, "
                 "certificates, protocols, tls_versions, ciphers, groups, max_early_data, "
                 "client_auth, backend, "
                 "timeouts, max_connections, session_tickets, session_ticket_keys, strict_sni, "
                 "ocsp_refresh, "
                 "implementation, insecure, accept_proxy");
}
END_TEST

START_TEST(test_wrong_types)
{
    assert_load_fails("log: debug\n"
                      "stats: [127.0.0.1:9443]\n"
                      "listeners:\n"
                      "  - name: [web]\n"
                      "    listen: {a: 1}\n"
                      "    certificates: /etc/x.pem\n"
                      "    protocols: {h2: yes}\n"
                      "    backend: 127.0.0.1:8080\n"
                      "    timeouts:\n",
                      8);
    assert_error(0, 1, 6, "log: found a single value; expected a mapping with keys level, access");
    assert_error(1, 2, 8, "stats: found a list; expected a mapping with keys listen");
    assert_error(2, 4, 11, "name: found a list; expected 1 to 64 letters");
    assert_error(3, 5, 13, "listen: found a mapping; expected a list of addresses");
    assert_error(4, 6, 19, "certificates: found a single value; expected a list of mappings");
    assert_error(5, 7, 16, "protocols: found a mapping; expected a list of ALPN protocol names");
    assert_error(6, 8, 14, "backend: found a single value; expected a mapping with keys address");
    assert_error(7, 9, 14, "timeouts: found an empty value; expected a mapping");
}
END_TEST

START_TEST(test_duplicate_key)
{
    assert_load_fails("workers: 2\nworkers: 3\nlisteners:\n" LISTENER("web", "127.0.0.1:8443"),
                      1);
    assert_error(0, 2, 1, "top level: key 'workers' is given twice; expected it once");
}
END_TEST

START_TEST(test_missing_listener_keys)
{
    assert_load_fails("listeners:\n"
                      "  - name: lonely\n"
                      "    protocols: [h2]\n",
                      3);
    assert_error(0, 2, 5, "listener: key 'listen' is missing");
    assert_error(1, 2, 5, "listener: key 'certificates' is missing");
    assert_error(2, 2, 5, "listener: key 'backend' is missing");
}
END_TEST

START_TEST(test_empty_lists)
{
    assert_load_fails("listeners: []\n", 1);
    assert_error(0, 1, 12, "listeners: the list is empty; expected at least one of listener");
    settings_errors_free(&errs);
    assert_load_fails("listeners:\n"
                      "  - name: web\n"
                      "    listen: []\n"
                      "    certificates: []\n"
                      "    backend: {address: 127.0.0.1:8080}\n",
                      2);
    assert_error(0, 3, 13, "listen: the list is empty; expected at least one of addresses");
    assert_error(1, 4, 19, "certificates: the list is empty");
}
END_TEST

START_TEST(test_workers_out_of_range)
{
    static const char *const values[] = {"0", "257", "many", "-1", "+4", "4.0"};
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "workers: %s\nlisteners:\n" LISTENER("web", "127.0.0.1:1"),
             values[_i]);
    assert_load_fails(yaml, 1);
    char needle[128];
    snprintf(needle, sizeof needle,
             "workers: '%s' is not valid; expected auto or a whole number from 1 to 256",
             values[_i]);
    assert_error(0, 1, 10, needle);
}
END_TEST

START_TEST(test_bad_addresses)
{
    assert_load_fails("listeners:\n"
                      "  - name: web\n"
                      "    listen:\n"
                      "      - 127.0.0.1\n"
                      "      - 127.0.0.1:0\n"
                      "      - 127.0.0.1:65536\n"
                      "      - localhost:443\n"
                      "      - ::1:443\n"
                      "      - \"[::1:443\"\n"
                      "      - unix:run/x.sock\n"
                      "      - unix:/0123456789012345678901234567890123456789012345678901234567"
                      "890123456789012345678901234567890123456789012345678.sock\n"
                      "      - \"[::1]:https\"\n"
                      "    certificates:\n" CERT_LOCALHOST
                      "    backend: {address: 10.0.0.300:80}\n",
                      10);
    assert_error(0, 4, 9, "listen: '127.0.0.1': no port; expected IPV4:PORT, [IPV6]:PORT or "
                          "unix:/PATH (numeric hosts, port 1 to 65535)");
    assert_error(1, 5, 9, "listen: '127.0.0.1:0': port '0' is not a number from 1 to 65535");
    assert_error(2, 6, 9, "port '65536' is not a number from 1 to 65535");
    assert_error(3, 7, 9, "'localhost' is not a numeric IPv4 address (IPv6 goes in brackets)");
    assert_error(4, 8, 9, "'::1' is not a numeric IPv4 address (IPv6 goes in brackets)");
    assert_error(5, 9, 9, "listen: '[::1:443': '[' without its ']'");
    assert_error(6, 10, 9, "the socket path is not absolute");
    assert_error(7, 11, 9, "the socket path is longer than 107 bytes");
    assert_error(8, 12, 9, "port 'https' is not a number from 1 to 65535");
    assert_error(9, 16, 24, "backend.address: '10.0.0.300:80': '10.0.0.300' is not a numeric IPv4");
}
END_TEST

START_TEST(test_duplicate_names_and_addresses)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                          LISTENER("web", "[::1]:8443")
                      "  - name: api\n"
                      "    listen: [\"127.0.0.1:9443\", \"127.0.0.1:8443\", \"127.0.0.1:9443\"]\n"
                      "    certificates:\n" CERT_LOCALHOST
                      "    backend: {address: 127.0.0.1:8080}\n",
                      3);
    assert_error(0, 9, 11, "name: 'web' is already the name of the listener at line 2; "
                           "expected a unique name");
    assert_error(1, 17, 32, "listen: '127.0.0.1:8443' is already an address of the listener at "
                            "line 2; expected each address once");
    assert_error(2, 17, 50, "listen: '127.0.0.1:9443' is already an address of the listener at "
                            "line 16");
}
END_TEST

START_TEST(test_bad_names)
{
    assert_load_fails("listeners:\n" LISTENER("we b", "127.0.0.1:1") LISTENER("\"\"", "127.0.0.1:2")
                          LISTENER("a123456789012345678901234567890123456789012345678901234567"
                                   "89012345", "127.0.0.1:3"),
                      3);
    assert_error(0, 2, 11, "name: 'we b' is not valid; expected 1 to 64 letters, digits");
    assert_error(1, 9, 11, "name: '' is not valid");
    assert_error(2, 16, 11, "is not valid");
}
END_TEST

START_TEST(test_bad_durations)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    timeouts:\n"
                      "      handshake: 10\n"
                      "      idle: 0s\n"
                      "      connect: 25h\n"
                      "  - name: web2\n"
                      "    listen: 127.0.0.1:8444\n"
                      "    certificates:\n" CERT_LOCALHOST
                      "    backend: {address: 127.0.0.1:8080}\n"
                      "    timeouts: {handshake: 1.5s, idle: -1s, connect: 10 s}\n",
                      6);
    assert_error(0, 10, 18, "timeouts.handshake: '10' is not valid; expected a duration from "
                            "1ms to 24h: a number and a unit, ms, s, m or h");
    assert_error(1, 11, 13, "timeouts.idle: '0s' is not valid");
    assert_error(2, 12, 16, "timeouts.connect: '25h' is not valid");
    assert_error(3, 19, 27, "timeouts.handshake: '1.5s'");
    assert_error(4, 19, 39, "timeouts.idle: '-1s'");
    assert_error(5, 19, 53, "timeouts.connect: '10 s'");
}
END_TEST

START_TEST(test_bad_keywords)
{
    char needle[512];
    assert_load_fails("implementation: boringssl\n"
                      "run_as_root: yes\n"
                      "log: {level: verbose, access: 1}\n"
                      "listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    client_auth: {mode: sometimes}\n"
                      "    tls_versions: {min: TLSv1.1, max: UNSET}\n",
                      7);
    unknown_implementation_message(needle, sizeof needle, "boringssl");
    assert_error(0, 1, 17, needle);
    assert_error(1, 2, 14, "run_as_root: unknown value 'yes'; expected one of: false, true");
    assert_error(2, 3, 14, "log.level: unknown value 'verbose'; expected one of: debug, info, "
                           "notice, warning, error");
    assert_error(3, 3, 31, "log.access: unknown value '1'");
    assert_error(4, 12, 25, "client_auth.mode: unknown value 'sometimes'; expected one of: none, "
                            "optional, required");
    assert_error(5, 13, 25, "tls_versions.min: unknown version 'TLSv1.1'; expected one of: "
                            "TLSv1.2, TLSv1.3, MINIMUM_SUPPORTED, MAXIMUM_SUPPORTED");
    assert_error(6, 13, 39, "tls_versions.max: unknown version 'UNSET'");
}
END_TEST

/* The insecure block: legacy peers on purpose, carried into the built configuration. */
START_TEST(test_insecure_block)
{
    assert_load_ok("listeners:\n" LISTENER("legacy", "127.0.0.1:8443")
                   "    insecure: {min_version: TLSv1.0, security_level: 0}\n"
                   LISTENER("old11", "127.0.0.1:8444")
                   "    insecure:\n"
                   "      min_version: TLSv1.1\n"
                   "      security_level: 0\n"
                   LISTENER("weak", "127.0.0.1:8445")
                   "    insecure: {security_level: 0}\n"
                   LISTENER("plain", "127.0.0.1:8446"));
    ck_assert_int_eq(s.listeners[0].insecure_min_version, UNITLS_TLSv1_0);
    ck_assert_int_eq(s.listeners[0].insecure_lowered, 1);
    ck_assert_int_eq(s.listeners[1].insecure_min_version, UNITLS_TLSv1_1);
    ck_assert_int_eq(s.listeners[2].insecure_min_version, UNITLS_TLS_VERSION_UNSET);
    ck_assert_int_eq(s.listeners[2].insecure_lowered, 1);
    ck_assert_int_eq(s.listeners[3].insecure_lowered, 0);
    ck_assert_int_eq(s.listeners[3].insecure_line, 0);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert_int_eq(unitls_server_config_lowest_supported_version(s.listeners[0].tls),
                     UNITLS_TLSv1_0);
    ck_assert_int_eq(unitls_server_config_security_level_lowered(s.listeners[0].tls), 1);
    ck_assert_int_eq(unitls_server_config_lowest_supported_version(s.listeners[1].tls),
                     UNITLS_TLSv1_1);
    ck_assert_int_eq(unitls_server_config_is_insecure(s.listeners[2].tls), 1);
    ck_assert_int_eq(unitls_server_config_is_insecure(s.listeners[3].tls), 0);
    ck_assert(!unitls_server_config_equal(s.listeners[0].tls, s.listeners[3].tls));
}
END_TEST

START_TEST(test_insecure_block_bad_values)
{
    assert_load_fails("listeners:\n" LISTENER("a", "127.0.0.1:8443")
                      "    insecure: {min_version: TLSv1.2, security_level: 1}\n"
                      LISTENER("b", "127.0.0.1:8444")
                      "    insecure: {min_version: TLSv1.0}\n"
                      LISTENER("c", "127.0.0.1:8445")
                      "    insecure: {}\n"
                      LISTENER("d", "127.0.0.1:8446")
                      "    tls_versions: {min: TLSv1.2}\n"
                      "    insecure: {min_version: TLSv1.1, security_level: 0, level: 0}\n"
                      LISTENER("e", "127.0.0.1:8447")
                      "    insecure: yes\n",
                      7);
    assert_error(0, 9, 29, "insecure.min_version: unknown value 'TLSv1.2'; expected one of: "
                           "TLSv1.0, TLSv1.1");
    assert_error(1, 9, 54, "insecure.security_level: '1' is not valid; expected 0 (the level "
                           "legacy peers need");
    assert_error(2, 17, 15, "insecure: min_version needs security_level: 0 as well");
    assert_error(3, 25, 15, "insecure: the block is empty; expected min_version: TLSv1.0 or "
                            "TLSv1.1, with security_level: 0");
    assert_error(4, 34, 57, "insecure: unknown key 'level'");
    assert_error(5, 34, 15, "insecure: min_version and tls_versions.min both set the lowest "
                            "version; expected only one of them");
    assert_error(6, 42, 15, "insecure: found");
}
END_TEST

/* tls_versions still refuses the legacy versions: they belong to the insecure block. */
START_TEST(test_tls_versions_refuse_legacy)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    tls_versions: {min: TLSv1.0}\n",
                      1);
    assert_error(0, 9, 25, "tls_versions.min: unknown version 'TLSv1.0'");
}
END_TEST

START_TEST(test_versions_min_above_max)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    tls_versions: {min: TLSv1.3, max: TLSv1.2}\n",
                      1);
    assert_error(0, 9, 19, "tls_versions: min TLSv1.3 is above max TLSv1.2; expected min at "
                           "most max");
}
END_TEST

START_TEST(test_bad_protocols_and_ciphers)
{
    char yaml[2048], long_name[300];
    memset(long_name, 'p', 256);
    long_name[256] = '\0';
    snprintf(yaml, sizeof yaml,
             "listeners:\n" LISTENER("web", "127.0.0.1:8443")
             "    protocols: [h2, \"\", %s, h2]\n"
             "    ciphers: [TLS_AES_128_GCM_SHA256, TLS_RSA_WITH_RC4_128_MD5,\n"
             "              TLS_AES_128_GCM_SHA256]\n",
             long_name);
    assert_load_fails(yaml, 5);
    assert_error(0, 9, 21, "protocols: '' is 0 bytes long; expected 1 to 255 bytes");
    assert_error(1, 9, 25, "is 256 bytes long; expected 1 to 255 bytes");
    assert_error(2, 9, 283, "protocols: 'h2' is listed twice; expected each once");
    assert_error(3, 10, 39, "ciphers: unknown cipher suite 'TLS_RSA_WITH_RC4_128_MD5'; expected "
                            "an IANA cipher suite name");
    assert_error(4, 11, 15, "ciphers: 'TLS_AES_128_GCM_SHA256' is listed twice");
}
END_TEST

START_TEST(test_bad_numbers)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    max_connections: 0\n"
                      "    session_tickets: 9\n"
                      "    backend: {address: 127.0.0.1:1, proxy_protocol: v3}\n",
                      3);
    assert_error(0, 9, 22, "max_connections: '0' is not valid; expected a whole number from 1 to "
                           "1000000");
    assert_error(1, 10, 22, "session_tickets: '9' is not valid; expected a whole number from 0 "
                            "to 8");
    /* the duplicate's value is not parsed, so proxy_protocol: v3 adds no error */
    assert_error(2, 11, 5, "listener: key 'backend' is given twice; expected it once");
}
END_TEST

/* strict_sni: false by default, true reaches the built configuration, anything else is an
 * error at its value. */
START_TEST(test_strict_sni)
{
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443") "    strict_sni: true\n"
                   LISTENER("api", "127.0.0.1:8444") "    strict_sni: false\n"
                   LISTENER("old", "127.0.0.1:8445"));
    ck_assert_int_eq(s.listeners[0].strict_sni, 1);
    ck_assert_int_eq(s.listeners[1].strict_sni, 0);
    ck_assert_int_eq(s.listeners[2].strict_sni, 0);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert_int_eq(unitls_server_config_strict_sni(s.listeners[0].tls), 1);
    ck_assert_int_eq(unitls_server_config_strict_sni(s.listeners[1].tls), 0);
    ck_assert_int_eq(unitls_server_config_strict_sni(s.listeners[2].tls), 0);
    ck_assert(!unitls_server_config_equal(s.listeners[0].tls, s.listeners[2].tls));
}
END_TEST

START_TEST(test_strict_sni_bad_value)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443") "    strict_sni: yes\n", 1);
    assert_error(0, 9, 17, "strict_sni: unknown value 'yes'; expected one of: false, true");
}
END_TEST

START_TEST(test_client_auth_needs_trust_store)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    client_auth: {mode: required}\n"
                      "  - name: web2\n"
                      "    listen: 127.0.0.1:1\n"
                      "    certificates:\n" CERT_LOCALHOST
                      "    backend: {address: 127.0.0.1:8080}\n"
                      "    client_auth: {trust_store: system}\n",
                      2);
    assert_error(0, 9, 18, "client_auth: mode required needs key 'trust_store'; expected a CA "
                           "file or system");
    assert_error(1, 16, 18, "client_auth: key 'mode' is missing; it is required");
}
END_TEST

START_TEST(test_stats_errors)
{
    assert_load_fails("stats: {listen: 127.0.0.1:8443}\nlisteners:\n" LISTENER("web",
                                                                              "127.0.0.1:8443"),
                      1);
    assert_error(0, 1, 17, "stats.listen: '127.0.0.1:8443' is also an address of the listener at "
                           "line 3; expected an address of its own");
    settings_errors_free(&errs);
    assert_load_fails("stats: {}\nlisteners:\n" LISTENER("web", "127.0.0.1:8443"), 1);
    assert_error(0, 1, 8, "stats: key 'listen' is missing; it is required");
}
END_TEST

START_TEST(test_unknown_user)
{
    assert_load_fails("user: no-such-user-unitls\nlisteners:\n" LISTENER("web", "127.0.0.1:1"),
                      1);
    assert_error(0, 1, 7, "user: no user named 'no-such-user-unitls'; expected an existing user");
}
END_TEST

/* --- errors: the file ------------------------------------------------------------------- */

START_TEST(test_yaml_syntax_error)
{
    assert_load_fails("workers: 2\nlisteners:\n  - name: web\n   listen: x\n", 1);
    assert_error(0, 4, 4, "YAML: while parsing a block collection: did not find expected '-'");
    ck_assert_ptr_nonnull(strstr(errs.lines[0], "expected well-formed YAML"));
}
END_TEST

START_TEST(test_yaml_syntax_error_after_first_document)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:1") "---\nworkers: [\n", 1);
    assert_error(0, 11, 1, "YAML: while parsing a flow node: did not find expected node content");
}
END_TEST

/* libyaml reports bytes that are not UTF-8 by offset; the error still gets line:column. */
START_TEST(test_invalid_utf8_position)
{
    assert_load_fails("workers: 2\n# caf\xc3\xa9\nlisteners: [ab\xc3\xa9\xff]\n", 1);
    assert_error(0, 3, 16, "YAML: invalid leading UTF-8 octet; expected well-formed YAML");
}
END_TEST

START_TEST(test_nul_in_value)
{
    assert_load_fails("workers: \"4\\0\"\nlisteners:\n" LISTENER("web", "127.0.0.1:1"), 1);
    assert_error(0, 1, 10, "workers: the value holds a NUL byte; expected auto or a whole number");
}
END_TEST

START_TEST(test_second_document)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:1") "---\nworkers: 2\n", 1);
    assert_error(0, 10, 1, "a second YAML document; expected one document per file");
}
END_TEST

START_TEST(test_empty_file)
{
    assert_load_fails("# nothing here\n", 1);
    assert_error(0, 1, 1, "the file is empty; expected a mapping with at least 'listeners'");
    settings_errors_free(&errs);
    assert_load_fails("[1, 2]\n", 1);
    assert_error(0, 1, 1, "top level: found a list; expected a mapping with keys implementation");
}
END_TEST

START_TEST(test_missing_file)
{
    char path[600];
    snprintf(path, sizeof path, "%s/absent.yaml", dir);
    ck_assert_int_eq(settings_load(path, &s, &errs), -1);
    ck_assert_uint_eq(errs.n, 1);
    char want[700];
    snprintf(want, sizeof want, "%s: cannot open the configuration: No such file or directory",
             path);
    ck_assert_str_eq(errs.lines[0], want);
}
END_TEST

/* One run reports the errors of every part of the file, in file order. */
START_TEST(test_every_error_reported_at_once)
{
    assert_load_fails("workers: 0\n"
                      "log: {level: loud}\n"
                      "colour: blue\n"
                      "listeners:\n"
                      "  - name: web\n"
                      "    listen: 127.0.0.1:99999\n"
                      "    certificates: [{key: a.key}]\n"
                      "    backend: {address: 127.0.0.1:8080, proxy: v1}\n"
                      "    timeouts: {idle: forever}\n"
                      "  - name: web2\n",
                      10);
    assert_error(0, 1, 10, "workers: '0'");
    assert_error(1, 2, 14, "log.level: unknown value 'loud'");
    assert_error(2, 3, 1, "top level: unknown key 'colour'");
    assert_error(3, 6, 13, "listen: '127.0.0.1:99999': port '99999'");
    assert_error(4, 7, 20, "certificates entry: key 'cert' is missing");
    assert_error(5, 8, 40, "backend: unknown key 'proxy'; expected one of: address, "
                           "proxy_protocol");
    assert_error(6, 9, 22, "timeouts.idle: 'forever'");
    assert_error(7, 10, 5, "listener: key 'listen' is missing");
    assert_error(8, 10, 5, "listener: key 'certificates' is missing");
    assert_error(9, 10, 5, "listener: key 'backend' is missing");
}
END_TEST

/* --- TLS configurations ------------------------------------------------------------------ */

START_TEST(test_build_tls_full)
{
    assert_load_ok(full_yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert_uint_eq(errs.n, 0);
    const unitls_server_config *c = s.listeners[0].tls;
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(unitls_server_config_n_certificate_chains(c), 2);
    ck_assert_uint_eq(unitls_server_config_n_inner_protocols(c), 2);
    size_t n = 0;
    const uint16_t *ids = unitls_server_config_ciphers(c, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(ids[1], 0x1303);
    ck_assert_int_eq(unitls_server_config_lowest_supported_version(c), UNITLS_TLSv1_2);
    ck_assert_int_eq(unitls_server_config_client_auth(c), UNITLS_CLIENT_AUTH_OPTIONAL);
    ck_assert_ptr_nonnull(unitls_server_config_trust_store(c));
    ck_assert_uint_eq(unitls_server_config_session_tickets(c), 2);
    ck_assert_ptr_nonnull(s.listeners[1].tls);
    ck_assert_uint_eq(unitls_server_config_session_tickets(s.listeners[1].tls), 1);
}
END_TEST

/* Two loads of unchanged files give equal configurations: reload reuses contexts by this. */
START_TEST(test_build_tls_equal_across_loads)
{
    struct settings again;
    assert_load_ok(full_yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert_int_eq(settings_load(config_path, &again, &errs), 0);
    ck_assert_int_eq(settings_build_tls(&again, unitls_implementation_find("openssl"), SETTINGS_VALIDATE, &errs), 0);
    ck_assert(unitls_server_config_equal(s.listeners[0].tls, again.listeners[0].tls));
    ck_assert(!unitls_server_config_equal(s.listeners[0].tls, again.listeners[1].tls));
    settings_free(&again);
}
END_TEST

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[4096];
    size_t n;
    ck_assert(in && out);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

/* Every failing certificate entry is reported at its own line, with libunitls's reason. */
START_TEST(test_build_tls_certificate_errors)
{
    char empty[600], yaml[4096];
    snprintf(empty, sizeof empty, "%s/empty.pem", dir);
    write_file(empty, "");
    snprintf(yaml, sizeof yaml,
             "listeners:\n"
             "  - name: web\n"
             "    listen: 127.0.0.1:8443\n"
             "    certificates:\n"
             "      - {cert: missing.pem, key: missing.key}\n"
             "      - cert: ${UNITLS_TEST_CERTS}/example.org.pem\n"
             "        key: ${UNITLS_TEST_CERTS}/other-example.org.key\n"
             "      - cert: empty.pem\n"
             "        key: ${UNITLS_TEST_CERTS}/localhost.key\n"
             "      - cert: ${UNITLS_TEST_CERTS}/localhost.pem\n"
             "        key: ${UNITLS_TEST_CERTS}/localhost.key\n"
             "      - cert: ${UNITLS_TEST_CERTS}/localhost.pem\n"
             "    backend: {address: 127.0.0.1:8080}\n");
    assert_load_ok(yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), -1);
    ck_assert_ptr_null(s.listeners[0].tls);
    if (errs.n != 4)
        dump_errors();
    ck_assert_uint_eq(errs.n, 4);
    char want[1200];
    snprintf(want, sizeof want, "listener 'web': certificate file %s/missing.pem: No such file",
             dir);
    assert_error(0, 5, 9, want);
    assert_error(1, 6, 9, "does not match");
    assert_error(2, 8, 9, "empty.pem: the file is empty");
    assert_error(3, 12, 9, "holds no private key");
}
END_TEST

START_TEST(test_build_tls_trust_store_error)
{
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                   "    client_auth:\n"
                   "      mode: required\n"
                   "      trust_store: clients/ca.pem\n");
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), -1);
    ck_assert_uint_eq(errs.n, 1);
    assert_error(0, 11, 20, "listener 'web': trust store file");
    assert_error(0, 11, 20, "clients/ca.pem: No such file or directory");
}
END_TEST

/* A bad chain does not hide a bad trust store: it is tried with a chain that works. */
START_TEST(test_build_tls_chain_and_trust_store_errors)
{
    assert_load_ok("listeners:\n"
                   "  - name: web\n"
                   "    listen: 127.0.0.1:8443\n"
                   "    certificates:\n"
                   "      - cert: missing.pem\n" CERT_LOCALHOST
                   "    client_auth: {mode: optional, trust_store: missing-ca.pem}\n"
                   "    backend: {address: 127.0.0.1:8080}\n");
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), -1);
    ck_assert_uint_eq(errs.n, 2);
    assert_error(0, 5, 9, "missing.pem: No such file or directory");
    assert_error(1, 8, 48, "missing-ca.pem: No such file or directory");
}
END_TEST

/* client_auth.crl: a CRL file checked with the client certificate, part of the configuration;
 * a CRL that cannot be read or is not from a trusted CA is reported at the crl key's value. */
START_TEST(test_build_tls_client_crl)
{
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                   "    client_auth:\n"
                   "      mode: required\n"
                   "      trust_store: ${UNITLS_TEST_CERTS}/client-ca.pem\n"
                   "      crl: ${UNITLS_TEST_CERTS}/client-ca.crl.pem\n");
    char want[600];
    cert_path(want, sizeof want, "client-ca.crl.pem");
    ck_assert_str_eq(s.listeners[0].client_crl, want);
    ck_assert_int_eq(s.listeners[0].crl_line, 12);
    ck_assert_int_eq(s.listeners[0].crl_column, 12);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert_ptr_nonnull(unitls_server_config_client_crl(s.listeners[0].tls));
}
END_TEST

START_TEST(test_build_tls_client_crl_errors)
{
    static const char *const crls[] = {"${UNITLS_TEST_CERTS}/other-ca.crl.pem", "missing.crl",
                                       "${UNITLS_TEST_CERTS}/client-ca.pem"};
    static const char *const needles[] = {"other-ca.crl.pem: a CRL is not issued",
                                          "missing.crl: No such file",
                                          "client-ca.pem: cannot read it as PEM or DER"};
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "listeners:\n" LISTENER("web", "127.0.0.1:8443")
             "    client_auth:\n"
             "      mode: required\n"
             "      trust_store: ${UNITLS_TEST_CERTS}/client-ca.pem\n"
             "      crl: %s\n", crls[_i]);
    assert_load_ok(yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), -1);
    if (errs.n != 1)
        dump_errors();
    ck_assert_uint_eq(errs.n, 1);
    assert_error(0, 12, 12, "listener 'web': CRL file");
    assert_error(0, 12, 12, needles[_i]);
}
END_TEST

START_TEST(test_client_crl_needs_client_auth)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    client_auth: {mode: none, crl: x.crl}\n", 1);
    assert_error(0, 9, 36, "client_auth: crl needs mode optional or required");
}
END_TEST

/* --- session ticket keys ----------------------------------------------------------------- */

#define TICKET_KEY_1 "AQQHCg0QExYZHB8iJSgrLjE0Nzo9QENGSUxPUlVYW15hZGdqbXBzdnl8f4KFiIuOkZSXmp2go6" \
                     "aprK+ytbi7vsHEx8rN0NPW2dzf4uXo6+4="
#define TICKET_KEY_2 "AgcMERYbICUqLzQ5PkNITVJXXGFma3B1en+EiY6TmJ2ip6yxtrvAxcrP1Nne4+jt8vf8AQYLEB" \
                     "UaHyQpLjM4PUJHTFFWW2Blam90eX6DiI0="

/* Writes dir/keys with text and mode. */
static void write_ticket_keys(const char *text, mode_t mode)
{
    char path[600];
    snprintf(path, sizeof path, "%s/keys", dir);
    write_file(path, text);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* session_ticket_keys: a path relative to the configuration's directory, read when the TLS
 * configuration is built and part of it; the key's position is kept for messages. */
START_TEST(test_session_ticket_keys)
{
    write_ticket_keys("# fleet keys\n" TICKET_KEY_2 "\n" TICKET_KEY_1 "\n", 0600);
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                   "    session_ticket_keys: keys\n");
    char want[600];
    snprintf(want, sizeof want, "%s/keys", dir);
    ck_assert_str_eq(s.listeners[0].session_ticket_keys, want);
    ck_assert_int_eq(s.listeners[0].ticket_keys_line, 9);
    ck_assert_int_eq(s.listeners[0].ticket_keys_column, 26);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    unitls_ticket_keys *k = unitls_server_config_session_ticket_keys(s.listeners[0].tls);
    ck_assert_uint_eq(unitls_ticket_keys_count(k), 2);
}
END_TEST

/* A key file others may read, or with a line that is not a key, is reported at the key's
 * value with the file, its mode or the line; no key bytes in the message. */
START_TEST(test_session_ticket_keys_errors)
{
    static const mode_t modes[] = {0644, 0600};
    static const char *const texts[] = {TICKET_KEY_1 "\n", TICKET_KEY_1 "\nAAAA\n"};
    static const char *const needles[] = {"keys: mode 0644 lets group or others read it; "
                                          "expected 0600 or 0400",
                                          "keys: line 2: decodes to 3 bytes; expected 80"};
    write_ticket_keys(texts[_i], modes[_i]);
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                   "    session_ticket_keys: keys\n");
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), -1);
    if (errs.n != 1)
        dump_errors();
    ck_assert_uint_eq(errs.n, 1);
    assert_error(0, 9, 26, "listener 'web': session ticket keys file ");
    assert_error(0, 9, 26, needles[_i]);
    ck_assert_msg(!strstr(errs.lines[0], "AQQHCg0Q"), "key bytes in: %s", errs.lines[0]);
}
END_TEST

START_TEST(test_session_ticket_keys_need_tickets)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    session_ticket_keys: keys\n"
                      "    session_tickets: 0\n", 1);
    assert_error(0, 9, 26, "session_ticket_keys: session_tickets is 0, so no ticket would use "
                 "the keys");
}
END_TEST

/* --- OCSP stapling ----------------------------------------------------------------------- */

/* A listener whose one certificate entry (lines 5 to 7) staples what `ocsp` (line 7, value at
 * column 15) names; `extra` adds listener keys at line 9 on. */
static void ocsp_yaml(char *out, size_t cap, const char *ocsp, const char *extra)
{
    snprintf(out, cap,
             "listeners:\n"
             "  - name: web\n"
             "    listen: 127.0.0.1:8443\n"
             "    certificates:\n"
             "      - cert: ${UNITLS_TEST_CERTS}/localhost.pem\n"
             "        key: ${UNITLS_TEST_CERTS}/localhost.key\n"
             "        ocsp: %s\n"
             "    backend: {address: 127.0.0.1:8080}\n"
             "%s", ocsp, extra);
}

/* ocsp: a path resolved like cert and key, where it was given; ocsp_refresh false by default,
 * and with it every entry without `ocsp:` keeps its responses in CERT.ocsp. */
START_TEST(test_ocsp_keys)
{
    char yaml[2048], want[1200];
    ocsp_yaml(yaml, sizeof yaml, "staples/localhost.der",
              LISTENER("api", "127.0.0.1:8444") "    ocsp_refresh: true\n");
    assert_load_ok(yaml);
    const struct chain_settings *c = &s.listeners[0].chains[0];
    snprintf(want, sizeof want, "%s/staples/localhost.der", dir);
    ck_assert_str_eq(c->ocsp_path, want);
    ck_assert_int_eq(c->ocsp_line, 7);
    ck_assert_int_eq(c->ocsp_column, 15);
    ck_assert_int_eq(s.listeners[0].ocsp_refresh, 0);
    ck_assert_int_eq(s.listeners[1].ocsp_refresh, 1);
    c = &s.listeners[1].chains[0];
    cert_path(want, sizeof want, "localhost.pem.ocsp");
    ck_assert_str_eq(c->ocsp_path, want);
    ck_assert_int_eq(c->ocsp_line, 0);
    settings_free(&s);
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443"));
    ck_assert_ptr_null(s.listeners[0].chains[0].ocsp_path);
    ck_assert_int_eq(s.listeners[0].ocsp_refresh, 0);
}
END_TEST

START_TEST(test_ocsp_bad_values)
{
    char yaml[2048];
    ocsp_yaml(yaml, sizeof yaml, "[a.der]", "    ocsp_refresh: soon\n");
    assert_load_fails(yaml, 2);
    assert_error(0, 7, 15, "ocsp: ");
    assert_error(1, 9, 19, "ocsp_refresh: unknown value 'soon'; expected one of: false, true");
}
END_TEST

/* The response file is configuration content: read at build, so a changed file makes an
 * unequal configuration and an unchanged one an equal configuration (a reload reuses the
 * context). An unparsable response still builds: that chain just does not staple. */
START_TEST(test_build_tls_ocsp)
{
    char yaml[2048], der[600];
    struct settings again, changed;
    snprintf(der, sizeof der, "%s/localhost.der", dir);
    write_file(der, "not an OCSP response");
    ocsp_yaml(yaml, sizeof yaml, "localhost.der", "");
    assert_load_ok(yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    unitls_ocsp_response *r = unitls_server_config_ocsp_response(s.listeners[0].tls, 0);
    ck_assert_ptr_nonnull(r);
    size_t len = 0;
    const uint8_t *content = unitls_ocsp_response_content(r, &len);
    ck_assert_uint_eq(len, strlen("not an OCSP response"));
    ck_assert_int_eq(memcmp(content, "not an OCSP response", len), 0);
    ck_assert_int_eq(settings_load(config_path, &again, &errs), 0);
    ck_assert_int_eq(settings_build_tls(&again, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert(unitls_server_config_equal(s.listeners[0].tls, again.listeners[0].tls));
    write_file(der, "another response");
    ck_assert_int_eq(settings_load(config_path, &changed, &errs), 0);
    ck_assert_int_eq(settings_build_tls(&changed, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert(!unitls_server_config_equal(s.listeners[0].tls, changed.listeners[0].tls));
    settings_free(&again);
    settings_free(&changed);
}
END_TEST

/* A response file that cannot be read is an error at the ocsp key's value, unless the listener
 * fetches its own (ocsp_refresh): then it is no response yet. */
START_TEST(test_build_tls_ocsp_missing)
{
    char yaml[2048];
    ocsp_yaml(yaml, sizeof yaml, "missing.der", "");
    assert_load_ok(yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), -1);
    if (errs.n != 1)
        dump_errors();
    ck_assert_uint_eq(errs.n, 1);
    assert_error(0, 7, 15, "listener 'web': ");
    assert_error(0, 7, 15, "missing.der");
    settings_free(&s);
    settings_errors_free(&errs);
    ocsp_yaml(yaml, sizeof yaml, "missing.der", "    ocsp_refresh: true\n");
    assert_load_ok(yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert_ptr_null(unitls_server_config_ocsp_response(s.listeners[0].tls, 0));
}
END_TEST

/* The daemon defers the implementation's checks to its contexts: files are still read (a
 * missing one fails at once), a key that does not match its leaf only shows when the context is
 * made, and settings_explain_tls then says where, as a validating build would have. */
START_TEST(test_build_tls_deferred_then_explained)
{
    assert_load_ok("listeners:\n"
                   "  - name: web\n"
                   "    listen: 127.0.0.1:8443\n"
                   "    certificates:\n" CERT_LOCALHOST
                   "      - cert: ${UNITLS_TEST_CERTS}/example.org.pem\n"
                   "        key: ${UNITLS_TEST_CERTS}/other-example.org.key\n"
                   "    backend: {address: 127.0.0.1:8080}\n"
                   LISTENER("fine", "127.0.0.1:8444"));
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_DEFER_VALIDATION, &errs), 0);
    ck_assert_uint_eq(errs.n, 0);
    ck_assert_ptr_nonnull(s.listeners[0].tls);
    unitls_error err;
    unitls_error_clear(&err);
    unitls_server_context *ctx = unitls_server_context_new(unitls_implementation_default(),
                                                           s.listeners[0].tls, &err);
    ck_assert_ptr_null(ctx);
    ck_assert_uint_eq(settings_explain_tls(&s, NULL, &errs), 1);
    assert_error(0, 7, 9, "listener 'web': ");
    assert_error(0, 7, 9, "does not match");
}
END_TEST

START_TEST(test_build_tls_deferred_missing_file)
{
    assert_load_ok("listeners:\n"
                   "  - name: web\n"
                   "    listen: 127.0.0.1:8443\n"
                   "    certificates:\n"
                   "      - {cert: missing.pem, key: missing.key}\n"
                   "    backend: {address: 127.0.0.1:8080}\n");
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_DEFER_VALIDATION, &errs), -1);
    ck_assert_uint_eq(errs.n, 1);
    assert_error(0, 5, 9, "missing.pem: No such file");
}
END_TEST

START_TEST(test_explain_tls_valid_says_nothing)
{
    assert_load_ok(full_yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_DEFER_VALIDATION, &errs), 0);
    ck_assert_uint_eq(settings_explain_tls(&s, NULL, &errs), 0);
    ck_assert_uint_eq(errs.n, 0);
}
END_TEST

/* A failure that no single entry explains is reported at the listener. */
START_TEST(test_build_tls_listener_error)
{
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                   "    tls_versions: {min: TLSv1.3}\n"
                   "    ciphers: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]\n");
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), -1);
    ck_assert_uint_eq(errs.n, 1);
    assert_error(0, 2, 5, "listener 'web': ");
}
END_TEST

START_TEST(test_check_file)
{
    char *out = NULL;
    size_t len = 0;
    write_file(config_path, full_yaml);
    FILE *report = open_memstream(&out, &len);
    ck_assert_int_eq(settings_check_file(config_path, report, NULL), 0);
    fclose(report);
    ck_assert_uint_eq(len, 0);
    free(out);

    /* the summary of a valid file: one line, naming the file and what it would serve */
    report = open_memstream(&out, &len);
    ck_assert_int_eq(settings_check_file(config_path, NULL, report), 0);
    fclose(report);
    char summary[1200];
    snprintf(summary, sizeof summary, "%s: valid: 2 listeners on 3 addresses, 3 certificates (openssl)\n",
             config_path);
    ck_assert_str_eq(out, summary);
    free(out);

    /* listener one has a parse error; listener two parses but its key does not match */
    char cert[600];
    snprintf(cert, sizeof cert, "%s/renewed.pem", dir);
    char src[600];
    cert_path(src, sizeof src, "example.org.pem");
    copy_file(src, cert);
    write_file(config_path, "listeners:\n" LISTENER("web", "127.0.0.1:8443")
                            "    idle: 5s\n"
                            "  - name: api\n"
                            "    listen: 127.0.0.1:9443\n"
                            "    certificates:\n"
                            "      - cert: renewed.pem\n"
                            "        key: ${UNITLS_TEST_CERTS}/localhost.key\n"
                            "    backend: {address: 127.0.0.1:8080}\n");
    report = open_memstream(&out, &len);
    ck_assert_int_eq(settings_check_file(config_path, report, NULL), 1);
    fclose(report);
    char want[2048];
    snprintf(want, sizeof want,
             "%s:9:5: listener: unknown key 'idle'; expected one of: name, listen, certificates, "
             "protocols, tls_versions, ciphers, groups, max_early_data, client_auth, backend, "
             "timeouts, max_connections, session_tickets, session_ticket_keys, strict_sni, "
             "ocsp_refresh, implementation, insecure, accept_proxy, backends, balance, "
             "backend_retry\n%s:13:9: listener "
             "'api': "
             "private key file ",
             config_path, config_path);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "report:\n%s\nexpected it to start:\n%s",
                  out, want);
    ck_assert_ptr_nonnull(strstr(out, "does not match certificate file"));
    /* exactly two lines */
    ck_assert_int_eq(out[len - 1], '\n');
    ck_assert_ptr_eq(strchr(out + strlen(want), '\n'), out + len - 1);
    free(out);
}
END_TEST

START_TEST(test_check_file_missing)
{
    char path[600], *out = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, "%s/none.yaml", dir);
    FILE *report = open_memstream(&out, &len);
    ck_assert_int_eq(settings_check_file(path, report, NULL), 1);
    fclose(report);
    ck_assert_ptr_nonnull(strstr(out, "none.yaml: cannot open the configuration"));
    free(out);
    ck_assert_int_eq(settings_check_file(path, NULL, NULL), 1);
}
END_TEST

/* --- the implementation: per listener, at the top level, the default --------------------- */

/* A listener's own key wins over the top-level one, which applies to listeners without one
 * wherever it stands in the file; every pair of the implementations built is tried. */
START_TEST(test_implementation_precedence)
{
    size_t n = n_implementations_built();
    for (size_t top = 0; top < n; top++) {
        for (size_t own = 0; own < n; own++) {
            const char *top_name = unitls_implementation_name(unitls_implementation_at(top));
            const char *own_name = unitls_implementation_name(unitls_implementation_at(own));
            char yaml[2048];
            snprintf(yaml, sizeof yaml,
                     "listeners:\n" LISTENER("own", "127.0.0.1:8443")
                     "    implementation: %s\n" LISTENER("inherits", "127.0.0.1:8444")
                     "implementation: %s\n",
                     own_name, top_name);
            assert_load_ok(yaml);
            ck_assert_str_eq(s.implementation, top_name);
            ck_assert_str_eq(s.listeners[0].implementation, own_name);
            ck_assert_ptr_eq(s.listeners[0].impl, unitls_implementation_at(own));
            ck_assert_ptr_null(s.listeners[1].implementation);
            ck_assert_ptr_eq(s.listeners[1].impl, unitls_implementation_at(top));
            settings_free(&s);
        }
    }
}
END_TEST

/* Without a top-level key, a listener without its own uses the library default. */
START_TEST(test_implementation_listener_only)
{
    size_t last = n_implementations_built() - 1;
    const char *name = unitls_implementation_name(unitls_implementation_at(last));
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "listeners:\n" LISTENER("a", "127.0.0.1:8443") LISTENER("b", "127.0.0.1:8444")
             "    implementation: %s\n",
             name);
    assert_load_ok(yaml);
    ck_assert_ptr_eq(s.listeners[0].impl, unitls_implementation_default());
    ck_assert_ptr_eq(s.listeners[1].impl, unitls_implementation_at(last));
}
END_TEST

/* A name libunitls was not built with, at the top level or in a listener, is an error at its
 * line and column naming those built; so is a value that is not a name. */
START_TEST(test_implementation_unknown)
{
    char needle[512], built[256], expected[512];
    assert_load_fails("implementation: boringssl\n"
                      "listeners:\n" LISTENER("a", "127.0.0.1:8443")
                      "    implementation: wolfssl\n" LISTENER("b", "127.0.0.1:8444")
                      "    implementation: [openssl]\n" LISTENER("c", "127.0.0.1:8445")
                      "    implementation: \"\"\n",
                      4);
    unknown_implementation_message(needle, sizeof needle, "boringssl");
    assert_error(0, 1, 17, needle);
    unknown_implementation_message(needle, sizeof needle, "wolfssl");
    assert_error(1, 10, 21, needle);
    implementations_built(built, sizeof built);
    snprintf(expected, sizeof expected,
             "implementation: found a list; expected one of the implementations built: %s", built);
    assert_error(2, 18, 21, expected);
    unknown_implementation_message(needle, sizeof needle, "");
    assert_error(3, 26, 21, needle);
}
END_TEST

/* The project's implementations that this libunitls was built without are refused like any
 * unknown name (nothing to check when every one was built). */
START_TEST(test_implementation_not_built)
{
    static const char *const names[] = {"openssl", "gnutls"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (unitls_implementation_find(names[i]))
            continue;
        char yaml[2048], needle[512];
        snprintf(yaml, sizeof yaml, "listeners:\n" LISTENER("web", "127.0.0.1:8443")
                 "    implementation: %s\n", names[i]);
        assert_load_fails(yaml, 1);
        unknown_implementation_message(needle, sizeof needle, names[i]);
        assert_error(0, 9, 21, needle);
        settings_errors_free(&errs);
    }
}
END_TEST

/* One listener per implementation built: each configuration validates with, and makes a
 * context of, its listener's implementation. */
START_TEST(test_build_tls_each_listener_implementation)
{
    char yaml[8192] = "listeners:\n";
    size_t n = n_implementations_built();
    for (size_t i = 0; i < n; i++)
        snprintf(yaml + strlen(yaml), sizeof yaml - strlen(yaml),
                 "  - name: l%zu\n"
                 "    listen: 127.0.0.1:%zu\n"
                 "    certificates:\n" CERT_LOCALHOST
                 "    backend: {address: 127.0.0.1:8080}\n"
                 "    implementation: %s\n",
                 i, 8443 + i, unitls_implementation_name(unitls_implementation_at(i)));
    assert_load_ok(yaml);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    ck_assert_uint_eq(settings_explain_tls(&s, NULL, &errs), 0);
    for (size_t i = 0; i < n; i++) {
        unitls_error err;
        unitls_error_clear(&err);
        ck_assert_ptr_eq(s.listeners[i].impl, unitls_implementation_at(i));
        unitls_server_context *ctx = unitls_server_context_new(s.listeners[i].impl,
                                                               s.listeners[i].tls, &err);
        ck_assert_msg(ctx != NULL, "listener l%zu: %s", i, err.message);
        ck_assert_ptr_eq(unitls_server_context_implementation(ctx), unitls_implementation_at(i));
        unitls_server_context_unref(ctx);
    }
}
END_TEST

/* --check-config reports a listener's unknown implementation at its line and column. */
START_TEST(test_check_file_implementation)
{
    char *out = NULL, want[1200], needle[512];
    size_t len = 0;
    write_file(config_path, "listeners:\n" LISTENER("web", "127.0.0.1:8443")
                            "    implementation: boringssl\n");
    FILE *report = open_memstream(&out, &len);
    ck_assert_int_eq(settings_check_file(config_path, report, NULL), 1);
    fclose(report);
    unknown_implementation_message(needle, sizeof needle, "boringssl");
    snprintf(want, sizeof want, "%s:9:21: %s\n", config_path, needle);
    ck_assert_str_eq(out, want);
    free(out);
}
END_TEST

/* groups: names and aliases in any case reach the built configuration in order; unset keeps
 * the library's default (no list). */
START_TEST(test_groups)
{
    assert_load_ok("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                   "    groups: [X25519, p-256, secp384r1, P-521, ffdhe2048]\n"
                   LISTENER("old", "127.0.0.1:8445") "    max_early_data: 0\n");
    ck_assert_uint_eq(s.listeners[0].n_groups, 5);
    ck_assert_int_eq(settings_build_tls(&s, NULL, SETTINGS_VALIDATE, &errs), 0);
    size_t n = 0;
    const uint16_t *ids = unitls_server_config_groups(s.listeners[0].tls, &n);
    ck_assert_uint_eq(n, 5);
    ck_assert(ids[0] == 0x001d && ids[1] == 0x0017 && ids[2] == 0x0018 && ids[3] == 0x0019 &&
              ids[4] == 0x0100);
    ck_assert_ptr_null(unitls_server_config_groups(s.listeners[1].tls, &n));
    ck_assert_uint_eq(unitls_server_config_max_early_data(s.listeners[1].tls), 0);
}
END_TEST

/* An unknown or repeated group and a non-zero max_early_data are errors at their values. */
START_TEST(test_groups_and_early_data_bad_values)
{
    assert_load_fails("listeners:\n" LISTENER("web", "127.0.0.1:8443")
                      "    groups: [x25519, P-999, X25519]\n"
                      "    max_early_data: 16384\n"
                      LISTENER("api", "127.0.0.1:8444") "    groups: []\n",
                      4);
    assert_error(0, 9, 22, "groups: unknown group 'P-999'; expected one of x25519, x448, "
                           "secp256r1");
    assert_error(1, 9, 29, "groups: 'X25519' is listed twice; expected each once");
    assert_error(2, 10, 21, "max_early_data: 16384; early data (0-RTT) is off in unitlsd, "
                            "expected 0");
    assert_error(3, 18, 13, "groups:");
}
END_TEST

static Suite *settings_suite(void)
{
    Suite *suite = suite_create("daemon_settings");
    TCase *tc = tcase_create("valid");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_full_config_every_key);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_backends);
    tcase_add_test(tc, test_workers_auto_and_number);
    tcase_add_test(tc, test_addresses_parse);
    tcase_add_test(tc, test_durations_every_unit);
    tcase_add_loop_test(tc, test_log_levels, 0, 5);
    tcase_add_test(tc, test_client_auth_system_store);
    tcase_add_test(tc, test_env_expansion);
    tcase_add_test(tc, test_relative_paths_follow_config_dir);
    tcase_add_test(tc, test_relative_config_path);
    tcase_add_test(tc, test_load_buffer);
    suite_add_tcase(suite, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_env_unset_variable_named);
    tcase_add_test(tc, test_unknown_top_key);
    tcase_add_test(tc, test_unknown_listener_key);
    tcase_add_test(tc, test_wrong_types);
    tcase_add_test(tc, test_duplicate_key);
    tcase_add_test(tc, test_missing_listener_keys);
    tcase_add_test(tc, test_empty_lists);
    tcase_add_loop_test(tc, test_workers_out_of_range, 0, 6);
    tcase_add_test(tc, test_bad_addresses);
    tcase_add_test(tc, test_duplicate_names_and_addresses);
    tcase_add_test(tc, test_bad_names);
    tcase_add_test(tc, test_bad_durations);
    tcase_add_test(tc, test_bad_keywords);
    tcase_add_test(tc, test_versions_min_above_max);
    tcase_add_test(tc, test_insecure_block);
    tcase_add_test(tc, test_insecure_block_bad_values);
    tcase_add_test(tc, test_tls_versions_refuse_legacy);
    tcase_add_test(tc, test_bad_protocols_and_ciphers);
    tcase_add_test(tc, test_bad_numbers);
    tcase_add_test(tc, test_backends_errors);
    tcase_add_test(tc, test_strict_sni_bad_value);
    tcase_add_test(tc, test_groups);
    tcase_add_test(tc, test_groups_and_early_data_bad_values);
    tcase_add_test(tc, test_client_auth_needs_trust_store);
    tcase_add_test(tc, test_stats_errors);
    tcase_add_test(tc, test_unknown_user);
    tcase_add_test(tc, test_yaml_syntax_error);
    tcase_add_test(tc, test_yaml_syntax_error_after_first_document);
    tcase_add_test(tc, test_second_document);
    tcase_add_test(tc, test_invalid_utf8_position);
    tcase_add_test(tc, test_nul_in_value);
    tcase_add_test(tc, test_empty_file);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_every_error_reported_at_once);
    suite_add_tcase(suite, tc);

    tc = tcase_create("tls");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_build_tls_full);
    tcase_add_test(tc, test_strict_sni);
    tcase_add_test(tc, test_build_tls_equal_across_loads);
    tcase_add_test(tc, test_build_tls_certificate_errors);
    tcase_add_test(tc, test_build_tls_trust_store_error);
    tcase_add_test(tc, test_build_tls_chain_and_trust_store_errors);
    tcase_add_test(tc, test_build_tls_client_crl);
    tcase_add_loop_test(tc, test_build_tls_client_crl_errors, 0, 3);
    tcase_add_test(tc, test_client_crl_needs_client_auth);
    tcase_add_test(tc, test_session_ticket_keys);
    tcase_add_loop_test(tc, test_session_ticket_keys_errors, 0, 2);
    tcase_add_test(tc, test_session_ticket_keys_need_tickets);
    tcase_add_test(tc, test_ocsp_keys);
    tcase_add_test(tc, test_ocsp_bad_values);
    tcase_add_test(tc, test_build_tls_ocsp);
    tcase_add_test(tc, test_build_tls_ocsp_missing);
    tcase_add_test(tc, test_build_tls_listener_error);
    tcase_add_test(tc, test_build_tls_deferred_then_explained);
    tcase_add_test(tc, test_build_tls_deferred_missing_file);
    tcase_add_test(tc, test_explain_tls_valid_says_nothing);
    tcase_add_test(tc, test_check_file);
    tcase_add_test(tc, test_check_file_missing);
    suite_add_tcase(suite, tc);

    tc = tcase_create("implementation");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_implementation_precedence);
    tcase_add_test(tc, test_implementation_listener_only);
    tcase_add_test(tc, test_implementation_unknown);
    tcase_add_test(tc, test_implementation_not_built);
    tcase_add_test(tc, test_build_tls_each_listener_implementation);
    tcase_add_test(tc, test_check_file_implementation);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(settings_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
