/* target: getaddrinfo once, then a printable form of the chosen address. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "target.h"

static void target_describe(struct target *t, uint16_t port)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (t->addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&t->addr;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        snprintf(t->text, sizeof t->text, "[%s]:%u", ip, (unsigned)port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&t->addr;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        snprintf(t->text, sizeof t->text, "%s:%u", ip, (unsigned)port);
    }
}

int target_resolve(const char *host, uint16_t port, struct target *t, char *err, size_t err_len)
{
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, err_len, "%s: %s", host, gai_strerror(rc));
        return -1;
    }
    if (res->ai_addrlen > sizeof t->addr) {
        freeaddrinfo(res);
        snprintf(err, err_len, "%s: address too long", host);
        return -1;
    }
    memset(t, 0, sizeof *t);
    memcpy(&t->addr, res->ai_addr, res->ai_addrlen);
    t->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    target_describe(t, port);
    return 0;
}
