/* The daemon's parsed configuration: CONFIG.md's YAML as plain C data, before any TLS object is
 * built. settings_load() (settings.c) fills it from a file and reports every error of the file
 * at once as FILE:LINE:COLUMN: what is wrong, what was expected. The runtime (listener.c,
 * worker.c, conn.c) reads it; nothing here touches libunitls objects except each listener's
 * implementation (a constant of the library, found by name) and the built server configuration
 * that each listener carries once settings_build_tls() has run.
 *
 * File paths (cert, key, ocsp, trust_store, crl, session_ticket_keys) and addresses may use
 * ${VAR} from the environment (${CREDENTIALS_DIRECTORY} under systemd); an unset variable is
 * an error. A relative file path is resolved against the directory of the configuration file,
 * so the paths stored here are ready to open. docs/unitlsd.yaml.5 is the user's reference for
 * every key and default. */
#ifndef UNITLSD_SETTINGS_H
#define UNITLSD_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unitls/unitls.h>

#include "daemon/backend_pool.h"
#include "daemon/endpoint.h"

enum log_level { LOG_LEVEL_DEBUG = 7, LOG_LEVEL_INFO = 6, LOG_LEVEL_NOTICE = 5,
                 LOG_LEVEL_WARNING = 4, LOG_LEVEL_ERROR = 3 };

struct chain_settings {
    char *cert_path;                /* leaf first, then intermediates (PEM or DER) */
    char *key_path;                 /* may be NULL when the cert file holds the key */
    /* The DER OCSP response to staple: `ocsp:` as given, else CERT.ocsp on a listener with
     * ocsp_refresh (where fetched responses are kept); NULL for neither. */
    char *ocsp_path;
    int ocsp_line, ocsp_column;     /* where `ocsp:` was given; 0 when it was not */
    int line, column;               /* where the entry starts, for messages */
};

struct listener_settings {
    char *name;
    struct endpoint *listen;        /* n_listen addresses */
    size_t n_listen;
    struct chain_settings *chains;  /* n_chains, the first is the default */
    size_t n_chains;
    char **protocols;               /* ALPN, server preference order */
    size_t n_protocols;
    enum unitls_tls_version min_version, max_version; /* UNSET when not given */
    uint16_t *ciphers;              /* NULL when not given */
    size_t n_ciphers;
    uint16_t *groups;               /* key-exchange groups by IANA id; NULL when not given */
    size_t n_groups;
    enum unitls_client_auth client_auth;
    char *client_trust_store;       /* path, or "system", or NULL */
    int trust_store_line, trust_store_column; /* where trust_store was given, for messages */
    char *client_crl;               /* CRL file path (PEM or DER, one or more CRLs), or NULL */
    int crl_line, crl_column;       /* where crl was given, for messages */
    /* `backends:`, or the one `backend:` as a list of one, in the order `balance` goes by */
    struct backend_config *backends;
    size_t n_backends;
    enum balance balance;           /* default first */
    unsigned backend_retry_ms;      /* how long a failed backend is skipped; default 10 s */
    int backend_line, backend_column;   /* where `backend:` was given; 0 when it was not */
    int backends_line, backends_column; /* where `backends:` was given; 0 when it was not */
    /* accept_proxy: the PROXY versions a trusted source must start with, as a mask of
     * 1 << PROXY_PROTOCOL_V1 and 1 << PROXY_PROTOCOL_V2; 0 without accept_proxy. */
    unsigned accept_proxy;
    struct cidr_list proxy_trusted; /* the sources that must send a header; all others are
                                       refused (with accept_proxy) */
    unsigned handshake_timeout_ms, idle_timeout_ms, connect_timeout_ms;
    unsigned max_connections;
    unsigned session_tickets;       /* per full handshake, default 1 */
    /* The session ticket key file (ticket_keys.h's format) shared with other instances, or
     * NULL: the listener's context makes its own keys. */
    char *session_ticket_keys;
    int ticket_keys_line, ticket_keys_column; /* where it was given, for messages */
    int strict_sni;                 /* refuse absent, malformed, uncovered names; default 0 */
    int ocsp_refresh;               /* fetch OCSP responses from the responders; default 0 */
    /* insecure: {min_version, security_level}, for legacy peers on purpose (insecure.h) */
    enum unitls_tls_version insecure_min_version; /* TLSv1.0 or TLSv1.1; UNSET when not given */
    int insecure_lowered;           /* security_level: 0 given */
    int insecure_line, insecure_column; /* where the block starts; 0 without one */
    int versions_min_given;         /* tls_versions.min given (excludes insecure.min_version) */
    char *implementation;           /* its own `implementation:`; NULL when not given */
    /* The implementation its contexts are made with, set once the whole file is read: its own
     * key, else the top level's, else unitls_implementation_default(). */
    const unitls_implementation *impl;
    int line, column;

    unitls_server_config *tls;      /* built by settings_build_tls(); NULL before */
};

struct settings {
    char *path;                     /* the file read */
    char *implementation;           /* the top level's; the default implementation's name when
                                       not given. Listeners may name their own. */
    unsigned workers;               /* resolved: "auto" becomes the CPU count */
    char *user;                     /* NULL: do not change user */
    int allow_root;                 /* run_as_root: true in the file */
    enum log_level log_level;
    int log_access;
    int has_stats;
    struct endpoint stats_listen;
    /* drain.health_grace: after SIGTERM, how long /health answers 503 while the listeners still
     * accept, before the drain; default 0 */
    unsigned health_grace_ms;
    struct listener_settings *listeners;
    size_t n_listeners;
};

/* A growing list of error lines, each "FILE:LINE:COLUMN: message". */
struct settings_errors {
    char **lines;
    size_t n;
};

/* Parses path into *out. Returns 0 when the file is valid; -1 with every problem appended to
 * errs otherwise (and *out freed). Does not read certificate files: settings_build_tls does. */
int settings_load(const char *path, struct settings *out, struct settings_errors *errs);
/* settings_load for a configuration already in memory: the len bytes of text, read as the
 * file's would be (a NUL or invalid UTF-8 among them is an error of the file). name stands
 * for the file's path: it starts every error line, and relative paths resolve against its
 * directory. For tests and the fuzz target fuzz/fuzz_settings.c. */
int settings_load_buffer(const char *name, const void *text, size_t len, struct settings *out,
                         struct settings_errors *errs);

/* How much settings_build_tls checks. SETTINGS_VALIDATE runs the implementation's validation
 * (for an OpenSSL build: every certificate and key parsed, each key matched to its leaf), the
 * full check of --check-config. SETTINGS_DEFER_VALIDATION reads and digests every file but
 * leaves that to the context the caller builds next (the daemon: a reload of a listener with
 * 10,000 chains then parses only the changed ones, through a derived context); when that
 * build fails, settings_explain_tls() says where. */
enum settings_validation { SETTINGS_VALIDATE, SETTINGS_DEFER_VALIDATION };

/* Builds each listener's unitls_server_config, which reads every certificate, key and trust
 * store file; the checks of `validate` are those of implementation impl (NULL: each
 * listener's own, its impl). 0 on success; -1 with every failure appended to errs, each at the
 * line and column of the certificate entry or trust_store that fails, else of the listener
 * entry. Listeners built already (tls != NULL) are left alone. */
int settings_build_tls(struct settings *s, const unitls_implementation *impl,
                       enum settings_validation validate, struct settings_errors *errs);

/* After a context could not be made from s's built configurations: validates each with impl
 * (NULL: each listener's own) and appends, for every listener that fails, the failing
 * entries at their line and column (the key that does not match its certificate, say), as
 * settings_build_tls with SETTINGS_VALIDATE would have. Returns the number of lines added; 0
 * when every configuration validates (the failure lies elsewhere). */
size_t settings_explain_tls(const struct settings *s, const unitls_implementation *impl,
                            struct settings_errors *errs);

/* Loads path, builds every listener's TLS configuration and validates it with the listener's
 * own implementation, and writes every error line to report (one per line; report may be NULL
 * to stay quiet). Nothing is bound or kept. 0 when the file is valid, 1 otherwise: the exit
 * status of --check-config, and the test a reload runs first. When the file is valid and
 * summary is not NULL, one line goes to summary saying what the file would serve:
 * "FILE: valid: N listeners on M addresses, K certificates (IMPLEMENTATIONS)". */
int settings_check_file(const char *path, FILE *report, FILE *summary);

/* Releases everything s holds (the built TLS configurations included) and zeroes it. */
void settings_free(struct settings *s);
void settings_errors_free(struct settings_errors *errs);

#endif
