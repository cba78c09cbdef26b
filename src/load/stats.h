/* stats: what one worker observed, and the merge of all workers into the run's totals.
 *
 * A worker owns its struct load_stats and updates it from its own thread only, so nothing
 * here locks; the runner merges them after the workers have stopped. Failures are counted by
 * reason, with the first message seen for each reason kept as an example. Small tables count
 * the negotiated versions, suites and ALPN protocols; they never allocate (an exotic value past
 * a table's capacity is counted under "other"). */
#ifndef UNITLS_LOAD_STATS_H
#define UNITLS_LOAD_STATS_H

#include <stddef.h>
#include <stdint.h>

#include <unitls/buffer.h>
#include <unitls/status.h>

#include "histogram.h"

/* Socket-level reasons first, then one per reason a failed handshake is explained by
 * (unitls_buffer_handshake_failure, same names and order), then what fails after it. */
enum fail_reason {
    FAIL_REFUSED,      /* the TCP connection was refused */
    FAIL_TIMEOUT,      /* no progress within --timeout (connect, handshake, response) */
    FAIL_RESET,        /* the connection was reset after the handshake */
    FAIL_VERSION,      /* handshake failures, as the library explains them */
    FAIL_CIPHER,
    FAIL_GROUP,
    FAIL_SNI,
    FAIL_ALPN,
    FAIL_CERTIFICATE,
    FAIL_NOT_TLS,
    FAIL_PEER_CLOSED,  /* the server closed or reset the connection during the handshake */
    FAIL_CLOSED,       /* the server closed the connection after it, before the unit was done */
    FAIL_OTHER,        /* anything else: out of ports or descriptors, a TLS error later, ... */
    FAIL_N
};

#define STATS_MAX_CIPHERS 16
#define STATS_MAX_ALPN 8
#define STATS_MESSAGE_LEN 320 /* a library message (256) and our hint */

struct stats_alpn {
    uint8_t len;
    uint8_t name[255];
    uint64_t n;
};

struct load_stats {
    uint64_t completed;
    uint64_t failed;
    uint64_t by_reason[FAIL_N];
    char example[FAIL_N][STATS_MESSAGE_LEN]; /* first message per reason, "" if none */
    uint64_t handshakes;                     /* completed handshakes (not units) */
    uint64_t resumed;
    uint64_t tls12, tls13, tls_other;
    uint16_t cipher_id[STATS_MAX_CIPHERS];
    uint64_t cipher_n[STATS_MAX_CIPHERS];
    size_t n_ciphers;
    uint64_t cipher_other;
    struct stats_alpn alpn[STATS_MAX_ALPN];
    size_t n_alpn;
    uint64_t alpn_none, alpn_other;
    uint64_t wire_sent, wire_received;       /* TLS bytes on the socket */
    uint64_t app_sent, app_received;         /* plaintext */
    uint64_t dropped;                        /* hold: held connections the server closed */
    uint64_t unstarted;                      /* open loop: arrivals never started */
    uint64_t held_peak;                      /* hold: the most connections held at once */
    struct histogram latency;                /* per completed unit */
};

void stats_init(struct load_stats *s);
void stats_fail(struct load_stats *s, enum fail_reason reason, const char *message);
/* A completed handshake: version, suite, ALPN (NULL/0: none), resumed or not. */
void stats_handshake(struct load_stats *s, int tls_version, uint16_t cipher,
                     const uint8_t *alpn, size_t alpn_len, int resumed);
void stats_merge(struct load_stats *dst, const struct load_stats *src);

/* "refused", "timeout", "reset", the handshake failure names ("version", ..., "peer_closed"),
 * "closed", "other". */
const char *stats_reason_name(enum fail_reason reason);
/* The reason for a failed handshake as the library classified it. */
enum fail_reason stats_reason_of_handshake(enum unitls_handshake_failure f);
/* The reason for a unitls status that ended a connection after its handshake. */
enum fail_reason stats_reason_of_status(unitls_status st);
/* The reason for an errno from socket, connect, send or recv. */
enum fail_reason stats_reason_of_errno(int err);

#endif
