/* target: the server's address, resolved once before the run (every connection of every
 * worker goes to this one address, so the run measures the server, not DNS). */
#ifndef UNITLS_LOAD_TARGET_H
#define UNITLS_LOAD_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct target {
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char text[320]; /* "127.0.0.1:443", "[::1]:443" as resolved */
};

/* Resolves host (a name or a numeric address) and port to the first address getaddrinfo
 * offers. 0, or -1 with a reason in err. */
int target_resolve(const char *host, uint16_t port, struct target *t, char *err, size_t err_len);

#endif
