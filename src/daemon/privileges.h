/* Dropping root for good after start-up. unitlsd binds its sockets and reads every key as
 * root, then privileges_drop() switches to the configured user and that user's groups with
 * no way back (setgroups, setgid, setuid, then a check that setuid(0) fails). */
#ifndef UNITLSD_PRIVILEGES_H
#define UNITLSD_PRIVILEGES_H

#include <pwd.h>
#include <stddef.h>

/* The account named user, for privileges_drop() and for the configuration's check of user:.
 * getpwnam_r fills a caller's buffer and an entry from a directory service can outgrow the
 * libc's size hint, so the buffer doubles on ERANGE (up to 1 MiB). 0 with *pw filled and
 * *storage to free; ENOENT when there is no such user, ENOMEM, or getpwnam_r's error. */
int privileges_find_user(const char *user, struct passwd *pw, char **storage);

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
