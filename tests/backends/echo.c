/* echo: the plaintext backend of the integration tests (libevent, one thread).
 *
 *   echo --listen ADDR [--listen ADDR ...] [--pidfile FILE] [--mode MODE] [--read-rate B/s]
 *        [--greet-bytes N] [--hold-max N] [--max-conns N]
 *
 * ADDR is 127.0.0.1:PORT, [::1]:PORT or unix:/path. With port 0 the chosen port is printed on
 * stdout, one line per TCP listener, then stdout is flushed. Modes:
 *   echo       (default) echoes everything; buffering is bounded (64 KiB per connection), so a
 *              peer that does not read stops us reading. On EOF from the peer it finishes
 *              echoing, then shuts down its write side (half-close carried through).
 *   eof-reply  reads until EOF (at most --hold-max bytes, default 8 MiB), only then sends it
 *              all back and shuts down its write side: proves a client's half-close reached us.
 *   greet      sends --greet-bytes bytes of the pattern (backend_util.h), shuts down its write
 *              side, then reads and discards until EOF: the backend closes first.
 *   blackhole  listens with a backlog of 0 and never accepts: once one connection waits in
 *              the queue, further connection attempts get no answer (a backend whose connect
 *              times out, on loopback).
 * --read-rate B reads at most B bytes per second per connection (0: reads nothing at all);
 * SIGUSR1 lifts the limit. SIGTERM/SIGINT print a summary line on stderr and exit 0.
 *
 *   echo --find-ports N
 *
 * prints N distinct TCP ports, one per line, that are free right now on 127.0.0.1 (and on ::1
 * where IPv6 works), picked at random below the kernel's ephemeral range (20000-32767), for
 * test configurations that must name their port. */
#include "backend_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROG "echo"
#define ECHO_RING_SIZE (64 * 1024)
#define MAX_LISTENERS 8
#define TICKS_PER_SECOND 10

enum echo_mode { MODE_ECHO, MODE_EOF_REPLY, MODE_GREET, MODE_BLACKHOLE };

struct echo_options {
    const char *listen[MAX_LISTENERS];
    size_t n_listen;
    const char *pidfile;
    enum echo_mode mode;
    long long read_rate;            /* bytes per second; -1: unlimited */
    uint64_t greet_bytes;
    uint64_t hold_max;
    size_t max_conns;
};

struct conn;

struct server {
    struct event_base *base;
    struct echo_options opt;
    int unlimited;                  /* SIGUSR1 received: no read limit any more */
    struct conn *conns;             /* doubly linked list of open connections */
    size_t n_conns;
    unsigned long long n_accepted, bytes_in, bytes_out;
};

struct conn {
    struct server *srv;
    int fd;
    struct event *ev_read, *ev_write, *ev_tick;
    uint8_t *ring;                  /* ring buffer of ring_size bytes */
    size_t ring_size, head, len;
    uint64_t greet_left, greet_offset;
    long long budget;               /* bytes still readable in this tick (rate limit) */
    int in_eof, out_shut;
    struct conn *prev, *next;
};

static int rate_limited(const struct conn *c)
{
    return c->srv->opt.read_rate >= 0 && !c->srv->unlimited;
}

static int conn_wants_read(const struct conn *c)
{
    if (c->in_eof || c->len == c->ring_size)
        return 0;
    return !rate_limited(c) || c->budget > 0;
}

static int conn_wants_write(const struct conn *c)
{
    if (c->out_shut)
        return 0;
    switch (c->srv->opt.mode) {
    case MODE_ECHO: return c->len > 0 || c->in_eof;
    case MODE_EOF_REPLY: return c->in_eof;
    case MODE_GREET: return 1;
    case MODE_BLACKHOLE: return 0;
    }
    return 0;
}

static void conn_free(struct conn *c)
{
    struct server *srv = c->srv;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    srv->n_conns--;
    event_free(c->ev_read);
    event_free(c->ev_write);
    if (c->ev_tick != NULL)
        event_free(c->ev_tick);
    close(c->fd);
    free(c->ring);
    free(c);
}

/* Re-arms the events the state asks for; frees the connection once both ways are finished. */
static void conn_update(struct conn *c)
{
    if (c->in_eof && c->out_shut) {
        conn_free(c);
        return;
    }
    if (conn_wants_read(c))
        event_add(c->ev_read, NULL);
    else
        event_del(c->ev_read);
    if (conn_wants_write(c))
        event_add(c->ev_write, NULL);
    else
        event_del(c->ev_write);
}

static void conn_read(struct conn *c)
{
    size_t tail = (c->head + c->len) % c->ring_size;
    size_t room = c->ring_size - c->len;
    size_t chunk = tail + room <= c->ring_size ? room : c->ring_size - tail;
    if (rate_limited(c) && (long long)chunk > c->budget)
        chunk = (size_t)c->budget;
    ssize_t n = recv(c->fd, c->ring + tail, chunk, 0);
    if (n > 0) {
        c->len += (size_t)n;
        c->budget -= n;
        c->srv->bytes_in += (unsigned long long)n;
        if (c->srv->opt.mode == MODE_GREET)
            c->len = 0;             /* greet discards what it reads */
    } else if (n == 0) {
        c->in_eof = 1;
    } else if (errno != EAGAIN && errno != EINTR) {
        c->in_eof = c->out_shut = 1;  /* reset: nothing more to do */
    }
}

static void conn_write_greeting(struct conn *c)
{
    uint8_t chunk[16384];
    size_t want = c->greet_left < sizeof chunk ? (size_t)c->greet_left : sizeof chunk;
    if (want == 0) {
        shutdown(c->fd, SHUT_WR);
        c->out_shut = 1;
        return;
    }
    pattern_fill(chunk, want, c->greet_offset);
    ssize_t n = send(c->fd, chunk, want, MSG_NOSIGNAL);
    if (n > 0) {
        c->greet_left -= (uint64_t)n;
        c->greet_offset += (uint64_t)n;
        c->srv->bytes_out += (unsigned long long)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        c->in_eof = c->out_shut = 1;
    }
}

static void conn_write(struct conn *c)
{
    if (c->srv->opt.mode == MODE_GREET) {
        conn_write_greeting(c);
        return;
    }
    if (c->len == 0) {              /* everything echoed after the peer's EOF */
        shutdown(c->fd, SHUT_WR);
        c->out_shut = 1;
        return;
    }
    size_t chunk = c->head + c->len <= c->ring_size ? c->len : c->ring_size - c->head;
    ssize_t n = send(c->fd, c->ring + c->head, chunk, MSG_NOSIGNAL);
    if (n > 0) {
        c->head = (c->head + (size_t)n) % c->ring_size;
        c->len -= (size_t)n;
        c->srv->bytes_out += (unsigned long long)n;
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        c->in_eof = c->out_shut = 1;
    }
}

static void on_conn_event(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    if (what & EV_READ)
        conn_read(c);
    else if (what & EV_WRITE)
        conn_write(c);
    conn_update(c);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    (void)what;
    c->budget = c->srv->opt.read_rate / TICKS_PER_SECOND;
    conn_update(c);
}

static int conn_arm_tick(struct conn *c)
{
    struct timeval tick = {0, 1000000 / TICKS_PER_SECOND};
    c->ev_tick = event_new(c->srv->base, -1, EV_PERSIST, on_tick, c);
    return c->ev_tick == NULL ? -1 : event_add(c->ev_tick, &tick);
}

static struct conn *conn_new(struct server *srv, int fd)
{
    struct conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->srv = srv;
    c->fd = fd;
    c->ring_size = srv->opt.mode == MODE_EOF_REPLY ? (size_t)srv->opt.hold_max : ECHO_RING_SIZE;
    c->ring = malloc(c->ring_size);
    c->greet_left = srv->opt.mode == MODE_GREET ? srv->opt.greet_bytes : 0;
    c->budget = srv->opt.read_rate > 0 ? srv->opt.read_rate / TICKS_PER_SECOND : 0;
    c->ev_read = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_conn_event, c);
    c->ev_write = event_new(srv->base, fd, EV_WRITE | EV_PERSIST, on_conn_event, c);
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    srv->n_conns++;
    if (c->ring == NULL || c->ev_read == NULL || c->ev_write == NULL ||
        (srv->opt.read_rate > 0 && conn_arm_tick(c) != 0)) {
        conn_free(c);
        return NULL;
    }
    return c;
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
    struct server *srv = arg;
    (void)what;
    for (int i = 0; i < 64; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;                 /* EAGAIN, or a transient error: the next event retries */
        if (srv->n_conns >= srv->opt.max_conns) {
            close(fd);
            continue;
        }
        srv->n_accepted++;
        struct conn *c = conn_new(srv, fd);
        if (c == NULL) {
            fprintf(stderr, PROG ": out of memory for a connection\n");
            close(fd);
            continue;
        }
        conn_update(c);
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    (void)what;
    if (sig == SIGUSR1) {
        srv->unlimited = 1;
        for (struct conn *c = srv->conns, *next; c != NULL; c = next) {
            next = c->next;
            conn_update(c);
        }
        return;
    }
    fprintf(stderr, PROG ": accepted=%llu open=%zu bytes_in=%llu bytes_out=%llu\n",
            srv->n_accepted, srv->n_conns, srv->bytes_in, srv->bytes_out);
    event_base_loopbreak(srv->base);
}

/* 1 when nothing is bound to port on the loopback addresses. */
static int port_is_free(uint16_t port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin6.sin6_addr = in6addr_loopback;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int free4 = fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof sin) == 0;
    if (fd >= 0)
        close(fd);
    fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int free6 = fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof sin6) == 0 ||
                errno == EADDRNOTAVAIL;
    if (fd >= 0)
        close(fd);
    return free4 && free6;
}

static int find_ports(const char *count)
{
    uint64_t n = 0;
    uint16_t found[256];
    size_t n_found = 0;
    if (size_parse(count, &n) != 0 || n == 0 || n > 256) {
        fprintf(stderr, PROG ": --find-ports takes 1 to 256\n");
        return 2;
    }
    srand((unsigned)time(NULL) ^ (unsigned)getpid() << 8);
    for (int tries = 0; tries < 5000 && n_found < n; tries++) {
        uint16_t port = (uint16_t)(20000 + rand() % 12768);
        int dup = 0;
        for (size_t i = 0; i < n_found; i++)
            dup |= found[i] == port;
        if (!dup && port_is_free(port))
            found[n_found++] = port;
    }
    if (n_found < n) {
        fprintf(stderr, PROG ": found only %zu free ports\n", n_found);
        return 1;
    }
    for (size_t i = 0; i < n_found; i++)
        printf("%u\n", found[i]);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: " PROG " --listen ADDR [--listen ADDR ...] [--pidfile FILE]\n"
            "       [--mode echo|eof-reply|greet|blackhole] [--read-rate BYTES_PER_S] "
            "[--greet-bytes N] [--hold-max N] [--max-conns N]\n"
            "       " PROG " --find-ports N\n");
    exit(2);
}

static uint64_t option_size(const char *name, const char *value)
{
    uint64_t v;
    if (value == NULL || size_parse(value, &v) != 0) {
        fprintf(stderr, PROG ": %s needs a byte count (e.g. 4096, 64K, 8M)\n", name);
        exit(2);
    }
    return v;
}

static enum echo_mode option_mode(const char *value)
{
    if (value != NULL && strcmp(value, "echo") == 0)
        return MODE_ECHO;
    if (value != NULL && strcmp(value, "eof-reply") == 0)
        return MODE_EOF_REPLY;
    if (value != NULL && strcmp(value, "greet") == 0)
        return MODE_GREET;
    if (value != NULL && strcmp(value, "blackhole") == 0)
        return MODE_BLACKHOLE;
    fprintf(stderr, PROG ": --mode takes echo, eof-reply, greet or blackhole\n");
    exit(2);
}

static void options_parse(int argc, char **argv, struct echo_options *o)
{
    *o = (struct echo_options){.mode = MODE_ECHO, .read_rate = -1, .hold_max = 8u << 20,
                               .max_conns = 4096};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--listen") == 0 && v != NULL && o->n_listen < MAX_LISTENERS)
            o->listen[o->n_listen++] = v;
        else if (strcmp(a, "--pidfile") == 0 && v != NULL)
            o->pidfile = v;
        else if (strcmp(a, "--mode") == 0)
            o->mode = option_mode(v);
        else if (strcmp(a, "--read-rate") == 0)
            o->read_rate = (long long)option_size(a, v);
        else if (strcmp(a, "--greet-bytes") == 0)
            o->greet_bytes = option_size(a, v);
        else if (strcmp(a, "--hold-max") == 0)
            o->hold_max = option_size(a, v);
        else if (strcmp(a, "--max-conns") == 0)
            o->max_conns = (size_t)option_size(a, v);
        else
            usage();
        i++;
    }
    if (o->n_listen == 0 || o->hold_max == 0)
        usage();
}

/* Binds every listener and registers its accept event. 0, or -1 (reported). */
static int server_listen(struct server *srv, struct event **evs, int *fds)
{
    for (size_t i = 0; i < srv->opt.n_listen; i++) {
        int port = 0, blackhole = srv->opt.mode == MODE_BLACKHOLE;
        fds[i] = endpoint_listen(PROG, srv->opt.listen[i], blackhole ? 0 : 1024, &port);
        if (fds[i] < 0)
            return -1;
        evs[i] = event_new(srv->base, fds[i], EV_READ | EV_PERSIST, on_accept, srv);
        if (evs[i] == NULL || (!blackhole && event_add(evs[i], NULL) != 0))
            return -1;
        if (port != 0)
            printf("%d\n", port);
    }
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    struct server srv = {0};
    struct event *lev[MAX_LISTENERS] = {0}, *sev[4] = {0};
    int lfd[MAX_LISTENERS], sigs[4] = {SIGTERM, SIGINT, SIGUSR1, SIGHUP}, rc = 1;
    if (argc == 3 && strcmp(argv[1], "--find-ports") == 0)
        return find_ports(argv[2]);
    options_parse(argc, argv, &srv.opt);
    signal(SIGPIPE, SIG_IGN);
    srv.base = event_base_new();
    if (srv.base == NULL)
        return 1;
    for (size_t i = 0; i < 4; i++) {
        sev[i] = evsignal_new(srv.base, sigs[i], on_signal, &srv);
        if (sev[i] == NULL || event_add(sev[i], NULL) != 0)
            goto out;
    }
    if (server_listen(&srv, lev, lfd) != 0)
        goto out;
    if (srv.opt.pidfile != NULL && pidfile_write(PROG, srv.opt.pidfile) != 0)
        goto out;
    rc = event_base_dispatch(srv.base) < 0 ? 1 : 0;
out:
    while (srv.conns != NULL)
        conn_free(srv.conns);
    for (size_t i = 0; i < MAX_LISTENERS; i++) {
        if (lev[i] != NULL) {
            event_free(lev[i]);
            close(lfd[i]);
        }
    }
    for (size_t i = 0; i < 4; i++)
        if (sev[i] != NULL)
            event_free(sev[i]);
    event_base_free(srv.base);
    return rc;
}
