/* sd_notify(3) messages for the service manager; see sdnotify.h. Every function reads
 * NOTIFY_SOCKET afresh and never unsets it, so the daemon can keep talking for its whole life
 * and from any thread. Without libsystemd each call does nothing and returns 0. */
#include "config.h"

#include "daemon/sdnotify.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>

/* STATUS= ends at a newline; a status text must not smuggle in other assignments. Longer
 * texts are cut: the status is one line in `systemctl status`. */
static void copy_status_line(char *out, size_t out_size, const char *text)
{
    size_t i = 0;
    for (; text[i] != '\0' && i + 1 < out_size; i++)
        out[i] = (text[i] == '\n' || text[i] == '\r') ? ' ' : text[i];
    out[i] = '\0';
}

/* sd_notify returns > 0 when sent, 0 when there is no service manager to tell and a negative
 * errno on failure; callers only care whether something went wrong. */
static int send_state(const char *state)
{
    int r = sd_notify(0, state);
    if (r < 0) {
        errno = -r;
        return -1;
    }
    return 0;
}

static int send_with_status(const char *assignment, const char *status)
{
    char line[512];
    char message[600];
    if (status == NULL)
        return send_state(assignment);
    copy_status_line(line, sizeof line, status);
    snprintf(message, sizeof message, "%s\nSTATUS=%s", assignment, line);
    return send_state(message);
}

int sdnotify_ready(const char *status)
{
    return send_with_status("READY=1", status);
}

int sdnotify_reloading(void)
{
    struct timespec now;
    char message[96];
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
        return -1;
    uint64_t usec = (uint64_t)now.tv_sec * UINT64_C(1000000) + (uint64_t)now.tv_nsec / 1000u;
    snprintf(message, sizeof message, "RELOADING=1\nMONOTONIC_USEC=%" PRIu64, usec);
    return send_state(message);
}

int sdnotify_stopping(void)
{
    return send_state("STOPPING=1");
}

int sdnotify_status(const char *text)
{
    char line[512];
    char message[600];
    if (text == NULL) {
        errno = EINVAL;
        return -1;
    }
    copy_status_line(line, sizeof line, text);
    snprintf(message, sizeof message, "STATUS=%s", line);
    return send_state(message);
}

int sdnotify_watchdog(void)
{
    return send_state("WATCHDOG=1");
}

uint64_t sdnotify_watchdog_interval_usec(void)
{
    uint64_t usec = 0;
    /* > 0 only when WATCHDOG_USEC is set and WATCHDOG_PID, if set, is this process. */
    if (sd_watchdog_enabled(0, &usec) <= 0)
        return 0;
    return usec / 2;
}

#else /* !HAVE_SYSTEMD */

int sdnotify_ready(const char *status)
{
    (void)status;
    return 0;
}

int sdnotify_reloading(void)
{
    return 0;
}

int sdnotify_stopping(void)
{
    return 0;
}

int sdnotify_status(const char *text)
{
    (void)text;
    return 0;
}

int sdnotify_watchdog(void)
{
    return 0;
}

uint64_t sdnotify_watchdog_interval_usec(void)
{
    return 0;
}

#endif
