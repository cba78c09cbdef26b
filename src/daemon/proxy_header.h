/* The PROXY protocol header (HAProxy's proxy-protocol.txt) that tells a backend who the client
 * was: version 1 (one text line) or version 2 (binary), and what version 2's TLVs say of the
 * TLS connection (backend.tlvs). Pure functions of addresses and facts, so they can be tested
 * without sockets. */
#ifndef UNITLSD_PROXY_HEADER_H
#define UNITLSD_PROXY_HEADER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "daemon/endpoint.h"

/* Large enough for every header written here (v1 TCP6 is the longest, 104 bytes). */
#define PROXY_HEADER_MAX 128

/* Writes the header for a connection from client to local (the address it reached) into out
 * (PROXY_HEADER_MAX bytes) and returns its length. Addresses that are not IPv4 or IPv6 of the
 * same family (clients of a unix listener) are sent as "UNKNOWN" (v1) or LOCAL (v2), as the
 * specification asks. version must be V1 or V2. */
size_t proxy_header_build(enum proxy_protocol version, const struct sockaddr *client,
                          const struct sockaddr *local, unsigned char *out);

/* backend.tlvs, as a mask: which TLVs a version 2 header carries. */
#define PROXY_TLV_ALPN 0x1u      /* PP2_TYPE_ALPN: the negotiated application protocol */
#define PROXY_TLV_AUTHORITY 0x2u /* PP2_TYPE_AUTHORITY: the SNI name the client sent */
#define PROXY_TLV_SSL 0x4u       /* PP2_TYPE_SSL: version, cipher, the client certificate */

/* The TLS connection as the TLVs tell it; a NULL field is left out. */
struct proxy_tls {
    const uint8_t *alpn;        /* the negotiated protocol's bytes, NULL for none */
    size_t alpn_len;
    const char *authority;      /* the SNI name, NULL for none */
    const char *version;        /* "TLSv1.3" */
    const char *cipher;         /* the suite's IANA name */
    /* the client's certificate: 0 none; PROXY_CLIENT_CERT_SESSION when the session has one
     * (a resumed session's included), with PROXY_CLIENT_CERT_CONN when it was sent in this
     * very handshake */
    unsigned client_cert;
    const char *client_cn;      /* its subject's commonName, NULL for none */
};
#define PROXY_CLIENT_CERT_CONN 0x02u    /* PP2_CLIENT_CERT_CONN */
#define PROXY_CLIENT_CERT_SESSION 0x04u /* PP2_CLIENT_CERT_SESS */

/* Room the TLVs may take beyond PROXY_HEADER_MAX: a buffer of PROXY_HEADER_MAX +
 * PROXY_TLV_ROOM holds any header with every TLV (each string is cut at PROXY_TLV_VALUE_MAX). */
#define PROXY_TLV_VALUE_MAX 255
/* ALPN and AUTHORITY (3 + 255 each), SSL (3 + 5, three sub-TLVs of 3 + 255) */
#define PROXY_TLV_ROOM (2 * (3 + PROXY_TLV_VALUE_MAX) + 8 + 3 * (3 + PROXY_TLV_VALUE_MAX))

/* Appends the TLVs of mask tlvs (PROXY_TLV_*) that tls has something for to the version 2
 * header of len bytes in out (from proxy_header_build) and fixes its length field; returns
 * the new length. PP2_TYPE_SSL's layout is the one HAProxy sends: client flags (PP2_CLIENT_SSL
 * always, then the certificate bits), verify (0 when a client certificate was presented and
 * verified - unitlsd accepts no other - and 1 when none was), then the version, the subject's
 * CN when there is a certificate, and the cipher as sub-TLVs. */
size_t proxy_header_add_tlvs(unsigned char *out, size_t len, unsigned tlvs,
                             const struct proxy_tls *tls);

#endif
