/* hello_inspect: reads the peer's first flight, implementation-neutral.
 *
 * A server's first incoming bytes should be a ClientHello; a client's, the server's answer to
 * ours (a ServerHello or an alert). This module reads them so that a failed handshake can be
 * explained by what the peer offered or answered, the same way for every implementation; the
 * GnuTLS server also picks its certificates from the ClientHello it parses here.
 *
 * Every function is bounded: it never reads past len, gives up cleanly (HELLO_SPLIT) on a
 * ClientHello that spans several records and (HELLO_TOO_LARGE) on one above 16 KiB, and names
 * plaintext (HTTP requests in particular) and SSLv2-compatible hellos. Nothing is copied: the
 * fields point into the bytes given. GREASE values (RFC 8701) are left to the readers below,
 * which skip them. */
#ifndef UNITLS_CORE_HELLO_INSPECT_H
#define UNITLS_CORE_HELLO_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#define HELLO_RECORD_HEADER 5u
#define HELLO_MAX_RECORD 16384u /* the largest plaintext record, and our bound on a hello */
#define HELLO_FIRST_BYTES 32u   /* how much of a plaintext peer is kept to quote it */

#define HELLO_TYPE_ALERT 21
#define HELLO_TYPE_HANDSHAKE 22

enum hello_result {
    HELLO_OK,        /* a complete message was read */
    HELLO_NEED_MORE, /* the bytes end before the message does */
    HELLO_NOT_TLS,   /* not a TLS record */
    HELLO_HTTP,      /* not TLS: an HTTP request (or response, on a client) */
    HELLO_SSLV2,     /* an SSLv2-compatible ClientHello */
    HELLO_SPLIT,     /* a ClientHello spread over several records: not inspected */
    HELLO_TOO_LARGE, /* a record or message above HELLO_MAX_RECORD */
    HELLO_MALFORMED, /* TLS framing, but not a well-formed message of the expected kind */
    HELLO_ALERT      /* client side: the server answered with an alert */
};

struct hello_client {
    uint16_t record_version;
    uint16_t legacy_version;
    const uint8_t *versions; /* supported_versions: 2-byte values, NULL when absent */
    size_t versions_len;
    const uint8_t *suites;   /* 2-byte IANA ids */
    size_t suites_len;
    const uint8_t *groups;   /* supported_groups: 2-byte ids, NULL when absent */
    size_t groups_len;
    const uint8_t *sigalgs;  /* signature_algorithms: 2-byte ids, NULL when absent */
    size_t sigalgs_len;
    const uint8_t *server_name; /* the server_name extension's body, NULL when absent */
    size_t server_name_len;
    const uint8_t *alpn;     /* the protocol list (wire format, without its length), or NULL */
    size_t alpn_len;
    int status_request;      /* status_request (5) asks for an OCSP staple */
};

struct hello_server {
    uint16_t record_version;
    uint8_t alert_level;       /* HELLO_ALERT: the alert */
    uint8_t alert_description;
    uint16_t legacy_version;   /* HELLO_OK: the ServerHello */
    uint16_t selected_version; /* its supported_versions choice, 0 when absent */
    uint16_t suite;
    int retry_request;         /* a HelloRetryRequest */
};

/* Parses a ClientHello's body (after the 4-byte handshake header). HELLO_OK or
 * HELLO_MALFORMED. */
enum hello_result hello_client_parse_body(const uint8_t *msg, size_t len,
                                          struct hello_client *out);
/* 1 when a status_request extension's body asks for OCSP (status_type ocsp), else 0. */
int hello_status_request_ocsp(const uint8_t *body, size_t len);
/* Reads the first bytes a server received. out is filled on HELLO_OK only. */
enum hello_result hello_client_inspect(const uint8_t *p, size_t len, struct hello_client *out);
/* Reads the first bytes a client received: HELLO_OK (a ServerHello), HELLO_ALERT, or why not.
 * out is filled on HELLO_OK and HELLO_ALERT only. */
enum hello_result hello_server_inspect(const uint8_t *p, size_t len, struct hello_server *out);

/* How many first bytes the inspectors need, given the first len of them: the whole first
 * record (at most HELLO_MAX_RECORD of its body) for TLS, HELLO_FIRST_BYTES for anything else,
 * HELLO_RECORD_HEADER while fewer than that have arrived. */
size_t hello_first_flight_span(const uint8_t *p, size_t len);

/* The effective versions a ClientHello offers: supported_versions without GREASE, else
 * legacy_version and every version below it down to TLS 1.0. Writes at most cap values to out
 * and returns the count, lowest first. */
size_t hello_client_versions(const struct hello_client *h, uint16_t *out, size_t cap);
/* 1 for a GREASE value (RFC 8701) or TLS_EMPTY_RENEGOTIATION_INFO_SCSV/TLS_FALLBACK_SCSV:
 * signals, not offers. */
int hello_is_signal(uint16_t value);

/* "TLSv1.0".."TLSv1.3", "SSLv3", or NULL for another value. */
const char *hello_version_name(uint16_t wire);
/* "TLS 1.0" style, for sentences; NULL for an unknown value. */
const char *hello_version_words(uint16_t wire);
/* The alert description's RFC name ("protocol_version"), NULL when unknown. */
const char *hello_alert_name(unsigned description);
/* The IANA name (unitls_cipher_suite_name, then a small table of legacy suites) or its id in
 * hex ("0x00FF") written to buf (7 bytes). */
const char *hello_suite_name(uint16_t id, char buf[7]);
/* The group's IANA name ("x25519", "secp256r1") or its id in hex ("0x0019") written to buf. */
const char *hello_group_name(uint16_t id, char buf[7]);

#endif
