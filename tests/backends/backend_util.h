/* What the test backends (echo, http) and the test client (tlsclient) share: socket addresses
 * written as "127.0.0.1:PORT", "[::1]:PORT" or "unix:/path" (numeric hosts only: the tests stay
 * on loopback), non-blocking listening and connecting sockets, a pid file, and the byte
 * pattern the backends send, which a shell test can reproduce with `yes PATTERN_LINE | head -c N`.
 * Every function reports its own failure on stderr with the program name and the address. */
#ifndef UNITLS_TEST_BACKEND_UTIL_H
#define UNITLS_TEST_BACKEND_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* One line of the pattern, without its '\n': 63 characters, so a line with '\n' is 64 bytes. */
#define PATTERN_LINE "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ."
#define PATTERN_PERIOD 64

/* Parses text into *addr / *len. 0 on success, -1 (with a message) on a malformed address. */
int endpoint_parse(const char *prog, const char *text, struct sockaddr_storage *addr,
                   socklen_t *len);

/* A non-blocking listening socket bound to text (SO_REUSEADDR; a unix path is unlinked first).
 * *port receives the bound TCP port (0 for unix sockets). Returns the fd, or -1. */
int endpoint_listen(const char *prog, const char *text, int backlog, int *port);

/* Starts a non-blocking connect to text. Returns the fd (connect maybe in progress), or -1
 * with *err set to the errno of the failure. */
int endpoint_connect(const char *text, int *err);

/* Writes the calling process's pid and a newline to path. 0, or -1 with a message. */
int pidfile_write(const char *prog, const char *path);

/* Fills dst with len bytes of the pattern, starting at stream offset offset. */
void pattern_fill(uint8_t *dst, size_t len, uint64_t offset);

/* Parses a byte count with an optional K, M or G suffix (powers of 1024). 0, or -1. */
int size_parse(const char *text, uint64_t *out);

#endif
