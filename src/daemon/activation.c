/* Listening sockets passed by systemd; see activation.h. The set is filled once at start-up,
 * then the listener module borrows fds from it by address and gives them back. Main thread
 * only: the lent flags change when a generation is built, never when one is freed. */
#include "config.h"

#include "daemon/activation.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <netinet/in.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

static void free_names(char **names, size_t n)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* A passed fd must be a listening stream socket: anything else (a datagram socket, a FIFO,
 * an Accept=yes connection) is a unit file mistake worth refusing to start over. */
static int describe_fd(struct activation_fd *out, int fd, const char *name,
                       char *errbuf, size_t errlen)
{
    int r = sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1);
    if (r <= 0) {
        snprintf(errbuf, errlen, "socket activation: fd %d (%s) is not a listening stream socket%s%s",
                 fd, name, r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->addr_len = sizeof out->addr;
    if (getsockname(fd, (struct sockaddr *)&out->addr, &out->addr_len) != 0) {
        snprintf(errbuf, errlen, "socket activation: fd %d (%s): getsockname: %s",
                 fd, name, strerror(errno));
        return -1;
    }
    /* Workers share listening fds and accept until EAGAIN, exactly as with bound ones. */
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        snprintf(errbuf, errlen, "socket activation: fd %d (%s): O_NONBLOCK: %s",
                 fd, name, strerror(errno));
        return -1;
    }
    snprintf(out->name, sizeof out->name, "%s", name);
    out->fd = fd;
    return 0;
}

int activation_take(struct activation_set *set, char *errbuf, size_t errlen)
{
    char **names = NULL;
    int n = sd_listen_fds_with_names(1, &names);
    if (n < 0) {
        snprintf(errbuf, errlen, "socket activation: %s", strerror(-n));
        return -1;
    }
    size_t count = (size_t)n;
    struct activation_fd *fds = NULL;
    if (count > 0 && (fds = calloc(count, sizeof *fds)) == NULL) {
        snprintf(errbuf, errlen, "socket activation: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        int fd = SD_LISTEN_FDS_START + (int)i;
        const char *name = (names != NULL && names[i] != NULL) ? names[i] : "";
        if (describe_fd(&fds[i], fd, name, errbuf, errlen) != 0)
            goto fail;
    }
    free_names(names, count);
    set->fds = fds;
    set->n = count;
    return 0;

fail:
    /* The caller cannot claim anything from a half-read set: close every passed fd. */
    for (size_t i = 0; i < count; i++)
        close(SD_LISTEN_FDS_START + (int)i);
    free(fds);
    free_names(names, count);
    return -1;
}

#else /* !HAVE_SYSTEMD */

int activation_take(struct activation_set *set, char *errbuf, size_t errlen)
{
    (void)errbuf;
    (void)errlen;
    set->fds = NULL;
    set->n = 0;
    return 0;
}

#endif

/* The bytes of sun_path that name the socket: up to the NUL for a path, the whole remaining
 * length for an abstract name (leading NUL). */
static size_t unix_name_len(const struct sockaddr_un *sun, socklen_t len)
{
    size_t header = offsetof(struct sockaddr_un, sun_path);
    if ((size_t)len <= header)
        return 0;
    size_t max = (size_t)len - header;
    if (max > sizeof sun->sun_path)
        max = sizeof sun->sun_path;
    if (sun->sun_path[0] == '\0')
        return max;
    return strnlen(sun->sun_path, max);
}

static int same_address(const struct sockaddr *a, socklen_t a_len,
                        const struct sockaddr *b, socklen_t b_len)
{
    if (a->sa_family != b->sa_family)
        return 0;
    switch (a->sa_family) {
    case AF_INET: {
        const struct sockaddr_in *x = (const struct sockaddr_in *)a;
        const struct sockaddr_in *y = (const struct sockaddr_in *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    case AF_INET6: {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0 &&
               (!IN6_IS_ADDR_LINKLOCAL(&x->sin6_addr) || x->sin6_scope_id == y->sin6_scope_id);
    }
    case AF_UNIX: {
        const struct sockaddr_un *x = (const struct sockaddr_un *)a;
        const struct sockaddr_un *y = (const struct sockaddr_un *)b;
        size_t x_len = unix_name_len(x, a_len), y_len = unix_name_len(y, b_len);
        return x_len > 0 && x_len == y_len && memcmp(x->sun_path, y->sun_path, x_len) == 0;
    }
    default:
        return 0;
    }
}

int activation_claim(struct activation_set *set, const struct sockaddr *addr, socklen_t len)
{
    if (set == NULL || addr == NULL)
        return -1;
    for (size_t i = 0; i < set->n; i++) {
        struct activation_fd *a = &set->fds[i];
        if (!a->lent &&
            same_address((const struct sockaddr *)&a->addr, a->addr_len, addr, len)) {
            a->lent = 1;
            return a->fd;
        }
    }
    return -1;
}

int activation_return(struct activation_set *set, int fd)
{
    for (size_t i = 0; set != NULL && i < set->n; i++) {
        if (set->fds[i].fd == fd) {
            set->fds[i].lent = 0;
            return 1;
        }
    }
    return 0;
}

void activation_release(struct activation_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n; i++)
        close(set->fds[i].fd);
    free(set->fds);
    set->fds = NULL;
    set->n = 0;
}
