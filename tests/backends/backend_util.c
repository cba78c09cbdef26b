/* Addresses, sockets, pid file and byte pattern shared by the test backends; see the header. */
#include "backend_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

static int parse_port(const char *text, uint16_t *port)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v > 65535)
        return -1;
    *port = (uint16_t)v;
    return 0;
}

static int parse_unix(const char *path, struct sockaddr_storage *addr, socklen_t *len)
{
    struct sockaddr_un *sun = (struct sockaddr_un *)addr;
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof sun->sun_path)
        return -1;
    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, path, n + 1);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

static int parse_inet6(const char *text, struct sockaddr_storage *addr, socklen_t *len)
{
    const char *close = strchr(text, ']');
    char host[64];
    uint16_t port;
    if (close == NULL || close[1] != ':' || (size_t)(close - text - 1) >= sizeof host)
        return -1;
    memcpy(host, text + 1, (size_t)(close - text - 1));
    host[close - text - 1] = '\0';
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)addr;
    memset(sin6, 0, sizeof *sin6);
    sin6->sin6_family = AF_INET6;
    if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1 || parse_port(close + 2, &port) != 0)
        return -1;
    sin6->sin6_port = htons(port);
    *len = sizeof *sin6;
    return 0;
}

static int parse_inet4(const char *text, struct sockaddr_storage *addr, socklen_t *len)
{
    const char *colon = strrchr(text, ':');
    char host[32];
    uint16_t port;
    if (colon == NULL || (size_t)(colon - text) >= sizeof host)
        return -1;
    memcpy(host, text, (size_t)(colon - text));
    host[colon - text] = '\0';
    struct sockaddr_in *sin = (struct sockaddr_in *)addr;
    memset(sin, 0, sizeof *sin);
    sin->sin_family = AF_INET;
    if (inet_pton(AF_INET, host, &sin->sin_addr) != 1 || parse_port(colon + 1, &port) != 0)
        return -1;
    sin->sin_port = htons(port);
    *len = sizeof *sin;
    return 0;
}

int endpoint_parse(const char *prog, const char *text, struct sockaddr_storage *addr,
                   socklen_t *len)
{
    int rc;
    if (strncmp(text, "unix:", 5) == 0)
        rc = parse_unix(text + 5, addr, len);
    else if (text[0] == '[')
        rc = parse_inet6(text, addr, len);
    else
        rc = parse_inet4(text, addr, len);
    if (rc != 0 && prog != NULL)
        fprintf(stderr, "%s: bad address '%s': expected 127.0.0.1:PORT, [::1]:PORT or "
                "unix:/path\n", prog, text);
    return rc;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

int endpoint_listen(const char *prog, const char *text, int backlog, int *port)
{
    struct sockaddr_storage addr;
    socklen_t len;
    int one = 1;
    if (endpoint_parse(prog, text, &addr, &len) != 0)
        return -1;
    if (addr.ss_family == AF_UNIX)
        unlink(((struct sockaddr_un *)&addr)->sun_path);
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "%s: socket for %s: %s\n", prog, text, strerror(errno));
        return -1;
    }
    if (addr.ss_family != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (addr.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&addr, len) != 0 || listen(fd, backlog) != 0) {
        fprintf(stderr, "%s: listen on %s: %s\n", prog, text, strerror(errno));
        close(fd);
        return -1;
    }
    *port = bound_port(fd);
    return fd;
}

int endpoint_connect(const char *text, int *err)
{
    struct sockaddr_storage addr;
    socklen_t len;
    if (endpoint_parse(NULL, text, &addr, &len) != 0) {
        *err = EINVAL;
        return -1;
    }
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&addr, len) != 0 && errno != EINPROGRESS) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

int pidfile_write(const char *prog, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
        fprintf(stderr, "%s: pid file %s: %s\n", prog, path, strerror(errno));
        return -1;
    }
    return 0;
}

void pattern_fill(uint8_t *dst, size_t len, uint64_t offset)
{
    static const char line[] = PATTERN_LINE "\n";
    size_t pos = (size_t)(offset % PATTERN_PERIOD);
    for (size_t i = 0; i < len; pos = 0) { /* a line at a time: bulk benches send GBs */
        size_t n = PATTERN_PERIOD - pos < len - i ? PATTERN_PERIOD - pos : len - i;
        memcpy(dst + i, line + pos, n);
        i += n;
    }
}

int size_parse(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno != 0 || end == text || text[0] == '-')
        return -1;
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift != 0)
        end++;
    if (*end != '\0' || v > (UINT64_MAX >> shift))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}
