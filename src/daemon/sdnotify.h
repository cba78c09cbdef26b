/* The daemon's side of the systemd service protocol (sd_notify(3)). Compiled against
 * libsystemd when configure found it (HAVE_SYSTEMD); without it every call is a no-op that
 * returns 0, so the daemon runs the same outside systemd. Safe to call from any thread: each
 * call is one datagram on NOTIFY_SOCKET, nothing is shared, NOTIFY_SOCKET stays set.
 * The senders return 0 when the message was sent or when no service manager listens
 * (NOTIFY_SOCKET unset), -1 with errno set when sending failed; a failure is worth a warning,
 * never worth stopping for. */
#ifndef UNITLSD_SDNOTIFY_H
#define UNITLSD_SDNOTIFY_H

#include <stdint.h>

/* READY=1 plus STATUS=status (status may be NULL), sent once every listener is bound and every
 * context built, and again when a reload ends, whether it succeeded or not. */
int sdnotify_ready(const char *status);
/* RELOADING=1 with MONOTONIC_USEC=now, sent when a reload starts. */
int sdnotify_reloading(void);
/* STOPPING=1, sent once when shutdown begins. */
int sdnotify_stopping(void);
/* STATUS=text, e.g. "42 connections, 310 handshakes/s, last reload ok". A newline in text
 * becomes a space (one STATUS line); text longer than 511 bytes is cut. */
int sdnotify_status(const char *text);
/* WATCHDOG=1. */
int sdnotify_watchdog(void);
/* The interval at which WATCHDOG=1 must be sent: half of WATCHDOG_USEC when the service
 * manager asked for a watchdog for this process (WATCHDOG_PID unset or equal to getpid()),
 * else 0. */
uint64_t sdnotify_watchdog_interval_usec(void);

#endif
