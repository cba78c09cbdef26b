/* Socket activation: listening sockets handed over by systemd (sd_listen_fds_with_names(3)).
 * activation_take() collects them once at start-up; listeners then claim them by address, so
 * the order and names in the .socket unit do not matter. Without libsystemd (or when not
 * socket-activated) the set is empty and every listener binds its own socket.
 *
 * The set owns the fds for the daemon's whole life and closes them only in
 * activation_release(), at exit. A claim lends an fd: the borrower (a listening socket of the
 * current generation, or the stats server) never closes it, and gives it back with
 * activation_return() when the configuration stops using the address (a reload that drops it,
 * or a reload that fails after claiming it). A returned fd stays open and listening: systemd
 * holds its own copy anyway, so closing ours would neither free the port nor refuse clients,
 * and would make a later reload that adds the address back fail to bind it. */
#ifndef UNITLSD_ACTIVATION_H
#define UNITLSD_ACTIVATION_H

#include <stddef.h>
#include <sys/socket.h>

struct activation_fd {
    int fd;                        /* owned by the set until activation_release */
    int lent;                      /* claimed, and not returned yet */
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
 * name) and marks it lent, or -1 when none that is not lent matches. The fd stays the set's:
 * the caller must not close it, and returns it with activation_return(). "[::]:443"
 * and "0.0.0.0:443" are different addresses: the .socket unit lists each one the config does
 * (with BindIPv6Only=ipv6-only, as the daemon's own binds use IPV6_V6ONLY). */
int activation_claim(struct activation_set *set, const struct sockaddr *addr, socklen_t len);

/* Gives a claimed fd back (it stays open, and a later claim of its address gets it again).
 * 1 when fd is one of set's, 0 otherwise (a socket the daemon bound itself). */
int activation_return(struct activation_set *set, int fd);

/* Closes every fd of the set and frees it: at exit, once no borrower polls them any more. */
void activation_release(struct activation_set *set);

#endif
