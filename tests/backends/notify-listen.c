/* notify-listen PATH [SECONDS]: a stand-in for systemd's notification socket in tests.
 *
 * Binds a unix datagram socket at PATH (removing a stale one first) and prints every datagram
 * it receives as one line on stdout, flushed at once: the milliseconds since notify-listen
 * started, a tab, the sender's pid (from SCM_CREDENTIALS, 0 when none came), a tab, then the
 * datagram's assignments separated by tabs, e.g.
 *   1520<TAB>4242<TAB>RELOADING=1<TAB>MONOTONIC_USEC=123456789
 * so a test points NOTIFY_SOCKET at PATH, greps the output and can check the timing of
 * WATCHDOG=1. Exits 0 after SECONDS (default
 * 60, at most 600) or on SIGTERM/SIGINT, removing PATH; exits 1 when PATH cannot be bound. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define DATAGRAM_MAX 65536

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int bind_notify_socket(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sun.sun_path) {
        fprintf(stderr, "notify-listen: %s: path too long for a unix socket\n", path);
        return -1;
    }
    strcpy(sun.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
        fprintf(stderr, "notify-listen: socket: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
        fprintf(stderr, "notify-listen: bind %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static long sender_pid(struct msghdr *msg)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(c), sizeof cred);
            return (long)cred.pid;
        }
    }
    return 0;
}

/* One datagram, one line: newlines between assignments become tabs. */
static void print_datagram(long ms, long pid, char *data, size_t len, int truncated)
{
    while (len > 0 && data[len - 1] == '\n')
        len--;
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n' || data[i] == '\0')
            data[i] = '\t';
    printf("%ld\t%ld\t%.*s%s\n", ms, pid, (int)len, data, truncated ? "\t(truncated)" : "");
    fflush(stdout);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int receive_one(int fd, char *buf, double started)
{
    union {
        struct cmsghdr align;
        char space[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * 16)];
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = DATAGRAM_MAX };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = control.space, .msg_controllen = sizeof control.space };
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0)
        return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    /* Nobody sends fds to this socket, but close any that came so they do not pile up. */
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            size_t n_fds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < n_fds; i++) {
                int passed;
                memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof passed);
                close(passed);
            }
        }
    }
    long ms = (long)((now_seconds() - started) * 1000.0);
    print_datagram(ms, sender_pid(&msg), buf, (size_t)n, (msg.msg_flags & MSG_TRUNC) != 0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s PATH [SECONDS]\n", argv[0]);
        return 2;
    }
    long seconds = argc == 3 ? strtol(argv[2], NULL, 10) : 60;
    if (seconds <= 0 || seconds > 600) {
        fprintf(stderr, "notify-listen: SECONDS must be 1..600\n");
        return 2;
    }
    struct sigaction sa = { .sa_handler = on_stop };
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = bind_notify_socket(argv[1]);
    char *buf = malloc(DATAGRAM_MAX);
    if (fd < 0 || buf == NULL)
        return 1;
    double started = now_seconds();
    double deadline = started + (double)seconds;
    int status = 0;
    while (!stop_requested && now_seconds() < deadline) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, 200);
        if (r < 0 && errno != EINTR) {
            fprintf(stderr, "notify-listen: poll: %s\n", strerror(errno));
            status = 1;
            break;
        }
        if (r > 0 && receive_one(fd, buf, started) != 0) {
            fprintf(stderr, "notify-listen: recvmsg: %s\n", strerror(errno));
            status = 1;
            break;
        }
    }
    close(fd);
    unlink(argv[1]);
    free(buf);
    return status;
}
