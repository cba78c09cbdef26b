/* Dropping root for good after start-up. unitlsd binds its sockets and reads every key as
 * root, then privileges_drop() switches to the configured user and that user's groups with
 * no way back (setgroups, setgid, setuid, then a check that setuid(0) fails). */
#ifndef UNITLSD_PRIVILEGES_H
#define UNITLSD_PRIVILEGES_H

#include <stddef.h>

/* user: the name from the config, or NULL when the config sets none. allow_root: the
 * config's explicit run_as_root: true.
 * - euid != 0 and user NULL: nothing to do, 0.
 * - euid != 0 and user set: 0 when it already runs as that user, else -1 (cannot switch).
 * - euid == 0 and user set: drops to it; -1 with the reason in errbuf if any step fails
 *   (unknown user, set*id refused, or root still reachable afterwards). A user whose uid is 0
 *   drops nothing and is treated like user NULL.
 * - euid == 0 and user NULL: -1 ("refusing to run as root; set user: ... or run_as_root:
 *   true") unless allow_root.
 * Call it on the main thread before any worker starts. Capabilities go with root: after the
 * drop the process cannot bind ports below 1024, so sockets kept across reloads (or passed by
 * systemd) are what a reload uses. */
int privileges_drop(const char *user, int allow_root, char *errbuf, size_t errlen);

#endif
