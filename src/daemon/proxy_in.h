/* proxy_in: reads the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2)
 * that a balancer in front of unitlsd sends ahead of its client's bytes, saying who the client
 * was. proxy_header.h writes the same headers to backends; this is the other direction.
 *
 * proxy_in_parse is a pure function of the bytes that arrived so far: the caller keeps them
 * (at most PROXY_IN_HEADER_MAX) and calls it again with more after PROXY_IN_MORE, so a header
 * split over any number of reads, down to one byte each, parses as if it came at once. It
 * never reads past len, decides "not a PROXY header" from the first byte that differs from
 * both signatures, and bounds every length: a v1 line is at most 107 bytes with its CRLF, a
 * v2 header at most PROXY_IN_HEADER_MAX bytes in all (the protocol allows 65,551; what
 * balancers send, TLVs included, is a few hundred). The bytes after header_len are the
 * client's (its TLS ClientHello) and are the caller's to keep.
 *
 * Accepted: v1 "TCP4", "TCP6" (addresses and ports checked) and "UNKNOWN" (anything up to the
 * CRLF); v2 LOCAL (any family, its block ignored), v2 PROXY over STREAM of families INET,
 * INET6 and UNIX, and of family UNSPEC (no addresses). v2 TLVs are walked, each length
 * checked against the header's, and skipped. */
#ifndef UNITLSD_PROXY_IN_H
#define UNITLSD_PROXY_IN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/endpoint.h"

#define PROXY_IN_V1_MAX 107u          /* "PROXY TCP6 " + two IPv6 addresses, ports, CRLF */
#define PROXY_IN_V2_FIXED 16u         /* signature, version and command, family, length */
#define PROXY_IN_HEADER_MAX 2048u     /* the longest header taken, either version */

/* The mask of versions a listener takes, as settings.h's accept_proxy. */
#define PROXY_IN_V1 (1u << PROXY_PROTOCOL_V1)
#define PROXY_IN_V2 (1u << PROXY_PROTOCOL_V2)

enum proxy_in_status {
    PROXY_IN_DONE,      /* *out holds the header */
    PROXY_IN_MORE,      /* a valid beginning: call again with more bytes */
    PROXY_IN_INVALID    /* *problem and why say what is wrong */
};

enum proxy_in_problem {
    PROXY_IN_NOT_PROXY,  /* the bytes are something else (a ClientHello, HTTP, ...) */
    PROXY_IN_MALFORMED,  /* a PROXY signature, then something the specification forbids */
    PROXY_IN_VERSION     /* a valid beginning of a version the caller does not take */
};

struct proxy_in_header {
    uint8_t version;              /* 1 or 2 */
    /* 1 when the header names no client: v2 LOCAL (a balancer's health check), v1 UNKNOWN, v2
     * PROXY of family UNSPEC. The connection's own peer then stands for the client. */
    uint8_t local;
    /* The client (source) and the address it reached (destination): AF_INET, AF_INET6 or
     * AF_UNIX; lengths 0 when local. */
    struct sockaddr_storage source, destination;
    socklen_t source_len, destination_len;
    size_t n_tlvs;                /* v2 TLVs walked and skipped */
    size_t header_len;            /* the header's bytes; the client's start here */
};

/* Parses the len bytes of data that arrived so far, taking the versions in mask (PROXY_IN_V1
 * | PROXY_IN_V2). PROXY_IN_DONE writes *out; PROXY_IN_INVALID writes *problem and a one-line
 * reason into why (cap bytes, printable ASCII: "no PROXY header (got a TLS ClientHello)");
 * PROXY_IN_MORE writes nothing. len 0 is PROXY_IN_MORE. A NULL pointer argument is
 * PROXY_IN_INVALID with nothing written. */
enum proxy_in_status proxy_in_parse(const uint8_t *data, size_t len, unsigned mask,
                                    struct proxy_in_header *out,
                                    enum proxy_in_problem *problem, char *why, size_t cap);

#endif
