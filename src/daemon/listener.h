/* Listening sockets. A listen_socket is one bound, listening, non-blocking socket for one
 * address of the configuration: bound here (SO_REUSEADDR, IPV6_V6ONLY for IPv6, TCP_NODELAY
 * so accepted connections inherit it, stale unix socket files replaced) or claimed from the
 * sockets systemd passed (activation.h).
 *
 * Sockets are reference counted (atomic) because generations share them: a reload keeps the
 * socket of every address that stays, so the kernel's accept queue is never closed in between.
 * The last unref closes a bound fd (and removes a unix socket file this process created);
 * runtime.c arranges that this happens only after every worker has removed its accept events.
 * An activated socket only borrows its fd from the activation set: the last unref frees the
 * listen_socket and leaves the fd open, and listener_give_back() hands it back to the set when
 * the configuration stops using the address. */
#ifndef UNITLSD_LISTENER_H
#define UNITLSD_LISTENER_H

#include <stdatomic.h>
#include <stddef.h>

#include "daemon/activation.h"
#include "daemon/endpoint.h"

struct listen_socket {
    atomic_uint refs;
    int fd;
    struct endpoint address;
    int unlink_path;       /* a unix socket file we created: removed at close */
    int activated;         /* fd borrowed from the activation set: never closed here */
};

/* Opens the socket for address: claims a matching one from act (may be NULL), else binds and
 * listens. Returns a socket with one reference, or NULL with the reason in err. */
struct listen_socket *listener_open(const struct endpoint *address, struct activation_set *act,
                                    char *err, size_t errlen);
struct listen_socket *listener_ref(struct listen_socket *ls);
/* For an activated socket, marks its fd free for a later claim in act (the fd stays open, and
 * ls may still be polled until its last unref); nothing for a socket bound here. Main thread,
 * where act lives. */
void listener_give_back(const struct listen_socket *ls, struct activation_set *act);
void listener_unref(struct listen_socket *ls);

#endif
