/* listener: bound listening sockets, shared between generations; see listener.h. */
#include "daemon/listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* The kernel caps it at net.core.somaxconn; asking high lets an operator raise that alone. */
#define LISTEN_BACKLOG 4096

static const char *unix_path(const struct endpoint *ep)
{
    return ((const struct sockaddr_un *)&ep->addr)->sun_path;
}

/* A socket file left by a process that is gone refuses connections: it may be replaced. One
 * that accepts belongs to a live server, and taking its path would steal its clients. */
static int unix_path_free(const struct endpoint *ep, char *err, size_t errlen)
{
    struct stat st;
    if (lstat(unix_path(ep), &st) != 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s: the path exists and is not a socket", ep->text);
        return -1;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int live = probe >= 0 && connect(probe, (const struct sockaddr *)&ep->addr,
                                     ep->addr_len) == 0;
    if (probe >= 0)
        close(probe);
    if (live) {
        snprintf(err, errlen, "%s: another process is listening on this socket", ep->text);
        return -1;
    }
    unlink(unix_path(ep));
    return 0;
}

static void socket_options(int fd, int family)
{
    int on = 1;
    if (family == AF_UNIX)
        return;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    /* Accepted sockets inherit it on Linux: one setsockopt per listener, none per connection. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    /* "[::]" must not take the IPv4 port too: "0.0.0.0" and "[::]" are listed separately. */
    if (family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
}

static int socket_bind(const struct endpoint *ep, char *err, size_t errlen)
{
    int family = ep->addr.ss_family;
    if (family == AF_UNIX && unix_path_free(ep, err, errlen) != 0)
        return -1;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "%s: socket: %s", ep->text, strerror(errno));
        return -1;
    }
    socket_options(fd, family);
    if (bind(fd, (const struct sockaddr *)&ep->addr, ep->addr_len) != 0 ||
        listen(fd, LISTEN_BACKLOG) != 0) {
        snprintf(err, errlen, "%s: %s", ep->text, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

struct listen_socket *listener_open(const struct endpoint *address, struct activation_set *act,
                                    char *err, size_t errlen)
{
    struct listen_socket *ls = calloc(1, sizeof *ls);
    if (!ls) {
        snprintf(err, errlen, "%s: out of memory", address->text);
        return NULL;
    }
    ls->address = *address;
    ls->fd = act ? activation_claim(act, (const struct sockaddr *)&address->addr,
                                    address->addr_len) : -1;
    if (ls->fd >= 0) {
        ls->activated = 1; /* non-blocking already: activation_take() made it so */
    } else {
        ls->fd = socket_bind(address, err, errlen);
        if (ls->fd < 0) {
            free(ls);
            return NULL;
        }
        ls->unlink_path = address->addr.ss_family == AF_UNIX;
    }
    atomic_init(&ls->refs, 1);
    return ls;
}

struct listen_socket *listener_ref(struct listen_socket *ls)
{
    if (ls)
        atomic_fetch_add_explicit(&ls->refs, 1, memory_order_relaxed);
    return ls;
}

void listener_give_back(const struct listen_socket *ls, struct activation_set *act)
{
    if (ls && ls->activated)
        activation_return(act, ls->fd);
}

void listener_unref(struct listen_socket *ls)
{
    if (!ls || atomic_fetch_sub_explicit(&ls->refs, 1, memory_order_acq_rel) != 1)
        return;
    if (ls->unlink_path)
        unlink(unix_path(&ls->address));
    /* systemd keeps its own copy of an activated socket: closing ours would leave the address
     * bound, its clients queued, and no way to serve it again. The set closes it at exit. */
    if (!ls->activated)
        close(ls->fd);
    free(ls);
}
