/* The PROXY protocol header (HAProxy's proxy-protocol.txt) that tells a backend who the client
 * was: version 1 (one text line) or version 2 (binary). A pure function of two addresses, so
 * it can be tested without sockets. */
#ifndef UNITLSD_PROXY_HEADER_H
#define UNITLSD_PROXY_HEADER_H

#include <stddef.h>
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

#endif
