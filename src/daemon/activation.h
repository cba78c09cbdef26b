/* Socket activation: listening sockets handed over by systemd (sd_listen_fds_with_names(3)).
 * activation_take() collects them once at start-up; listeners then claim them by address, so
 * the order and names in the .socket unit do not matter. Without libsystemd (or when not
 * socket-activated) the set is empty and every listener binds its own socket. */
#ifndef UNITLSD_ACTIVATION_H
#define UNITLSD_ACTIVATION_H

#include <stddef.h>
#include <sys/socket.h>

struct activation_fd {
    int fd;                        /* -1 once claimed */
    struct sockaddr_storage addr;  /* getsockname() of the fd */
    socklen_t addr_len;
    char name[64];                 /* FileDescriptorName=, may be empty */
};

struct activation_set {
    struct activation_fd *fds;
    size_t n;
};

/* Fills set from LISTEN_FDS/LISTEN_PID (unsetting them, so call it before any thread starts).
 * 0 on success, also when nothing was passed; the fds are then non-blocking and
 * close-on-exec. -1 with errbuf filled when a passed fd is not a listening stream socket;
 * every passed fd is closed then and set is left untouched. */
int activation_take(struct activation_set *set, char *errbuf, size_t errlen);

/* Returns the fd whose local address equals addr (family, address and port; unix paths by
 * name) and marks it claimed, or -1 when none matches. The caller owns a claimed fd. "[::]:443"
 * and "0.0.0.0:443" are different addresses: the .socket unit lists each one the config does
 * (with BindIPv6Only=ipv6-only, as the daemon's own binds use IPV6_V6ONLY). */
int activation_claim(struct activation_set *set, const struct sockaddr *addr, socklen_t len);

/* Closes every fd nobody claimed (logged by the caller by name/address) and frees the set. */
void activation_release(struct activation_set *set);

#endif
