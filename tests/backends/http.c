/* http: a minimal HTTP/1.1 responder for the integration tests and the README demo (libevent,
 * one thread).
 *
 *   http --listen ADDR [--listen ADDR ...] [--pidfile FILE]
 *
 * ADDR as for echo (port 0: the chosen port is printed on stdout). Answers:
 *   GET /          200, a fixed text body (HELLO_BODY below)
 *   GET /bytes/N   200, N bytes of the pattern of backend_util.h (reproducible in a shell test
 *                  with `yes PATTERN_LINE | head -c N`), generated as it is sent
 *   anything else  404 (unknown path) or 405 (method other than GET or HEAD)
 * HEAD is answered like GET without the body. Connections are kept alive (HTTP/1.1) unless the
 * request says "Connection: close" or is HTTP/1.0 without keep-alive. Memory per connection is
 * bounded: one request head (8 KiB at most, else 431) and one 16 KiB output chunk; while a
 * response is being sent, no further request is read. Request bodies are not expected. */
#include "backend_util.h"

#include <errno.h>
#include <event2/event.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROG "http"
#define MAX_LISTENERS 8
#define REQUEST_MAX 8192
#define CHUNK_SIZE 16384
#define HELLO_BODY "hello from the unitls test backend\n"

struct conn;

struct server {
    struct event_base *base;
    struct conn *conns;             /* open connections, freed at exit */
    unsigned long long n_requests;
};

struct conn {
    struct server *srv;
    struct conn *prev, *next;
    int fd;
    struct event *ev_read, *ev_write;
    char req[REQUEST_MAX];
    size_t req_len;
    char head[512];                 /* the response head being sent */
    size_t head_len, head_off;
    const char *body_text;          /* a fixed body, or NULL for the pattern */
    uint64_t body_left, body_offset;
    uint8_t chunk[CHUNK_SIZE];      /* pattern bytes not yet sent */
    size_t chunk_len, chunk_off;
    int responding, close_after, peer_eof;
};

static void conn_free(struct conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    event_free(c->ev_read);
    event_free(c->ev_write);
    close(c->fd);
    free(c);
}

/* The value of header name in the request head, or NULL (the head is NUL-terminated). */
static const char *header_value(const char *head, const char *name, size_t *len)
{
    size_t n = strlen(name);
    for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            *len = strcspn(v, "\r\n");
            return v;
        }
    }
    return NULL;
}

static int wants_close(const char *head, int http10)
{
    size_t len = 0;
    const char *v = header_value(head, "Connection", &len);
    if (v != NULL && len == 5 && strncasecmp(v, "close", 5) == 0)
        return 1;
    if (v != NULL && len == 10 && strncasecmp(v, "keep-alive", 10) == 0)
        return 0;
    return http10;
}

static void response_start(struct conn *c, int status, const char *reason, const char *type,
                           uint64_t length, int head_only)
{
    c->head_len = (size_t)snprintf(c->head, sizeof c->head,
                                   "HTTP/1.1 %d %s\r\nServer: unitls-test-http\r\n"
                                   "Content-Type: %s\r\nContent-Length: %" PRIu64 "\r\n%s\r\n",
                                   status, reason, type, length,
                                   c->close_after ? "Connection: close\r\n" : "");
    c->head_off = 0;
    c->body_left = head_only ? 0 : length;
    c->body_offset = 0;
    c->chunk_len = c->chunk_off = 0;
    c->responding = 1;
}

static void response_text(struct conn *c, int status, const char *reason, const char *text,
                          int head_only)
{
    c->body_text = text;
    response_start(c, status, reason, "text/plain", strlen(text), head_only);
}

/* Answers the request whose head (NUL-terminated, without the blank line) is c->req. */
static void request_handle(struct conn *c, const char *head)
{
    char method[16], target[256], version[16];
    uint64_t n = 0;
    c->srv->n_requests++;
    if (sscanf(head, "%15s %255s %15s", method, target, version) != 3 ||
        strncmp(version, "HTTP/1.", 7) != 0) {
        c->close_after = 1;
        response_text(c, 400, "Bad Request", "bad request\n", 0);
        return;
    }
    c->close_after = wants_close(head, strcmp(version, "HTTP/1.0") == 0);
    int head_only = strcmp(method, "HEAD") == 0;
    if (!head_only && strcmp(method, "GET") != 0) {
        response_text(c, 405, "Method Not Allowed", "method not allowed\n", 0);
    } else if (strcmp(target, "/") == 0) {
        response_text(c, 200, "OK", HELLO_BODY, head_only);
    } else if (strncmp(target, "/bytes/", 7) == 0 && size_parse(target + 7, &n) == 0) {
        c->body_text = NULL;
        response_start(c, 200, "OK", "application/octet-stream", n, head_only);
    } else {
        response_text(c, 404, "Not Found", "not found\n", head_only);
    }
}

/* Starts the response to the next complete request in c->req, if there is one. */
static void conn_next_request(struct conn *c)
{
    c->req[c->req_len] = '\0';
    char *end = strstr(c->req, "\r\n\r\n");
    if (end == NULL) {
        if (c->req_len == REQUEST_MAX - 1) {
            c->close_after = 1;
            response_text(c, 431, "Request Header Fields Too Large",
                          "request head too large\n", 0);
        }
        return;
    }
    *end = '\0';
    request_handle(c, c->req);
    size_t used = (size_t)(end + 4 - c->req);
    memmove(c->req, c->req + used, c->req_len - used);
    c->req_len -= used;
}

/* Fills c->chunk with the next body bytes when it is empty. */
static void body_refill(struct conn *c)
{
    if (c->chunk_off < c->chunk_len || c->body_left == 0)
        return;
    size_t n = c->body_left < CHUNK_SIZE ? (size_t)c->body_left : CHUNK_SIZE;
    if (c->body_text != NULL)
        memcpy(c->chunk, c->body_text + c->body_offset, n);
    else
        pattern_fill(c->chunk, n, c->body_offset);
    c->chunk_len = n;
    c->chunk_off = 0;
    c->body_left -= n;
    c->body_offset += n;
}

/* Sends what it can of the current response. -1 when the connection failed. */
static int conn_send(struct conn *c)
{
    const void *p;
    size_t len;
    body_refill(c);
    if (c->head_off < c->head_len) {
        p = c->head + c->head_off;
        len = c->head_len - c->head_off;
    } else {
        p = c->chunk + c->chunk_off;
        len = c->chunk_len - c->chunk_off;
    }
    if (len == 0) {
        c->responding = 0;
        return 0;
    }
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    if (c->head_off < c->head_len)
        c->head_off += (size_t)n;
    else
        c->chunk_off += (size_t)n;
    if (c->head_off == c->head_len && c->chunk_off == c->chunk_len && c->body_left == 0)
        c->responding = 0;
    return 0;
}

static int conn_recv(struct conn *c)
{
    ssize_t n = recv(c->fd, c->req + c->req_len, REQUEST_MAX - 1 - c->req_len, 0);
    if (n > 0)
        c->req_len += (size_t)n;
    else if (n == 0)
        c->peer_eof = 1;
    else if (errno != EAGAIN && errno != EINTR)
        return -1;
    return 0;
}

static void on_conn_event(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    (void)fd;
    int rc = (what & EV_WRITE) ? conn_send(c) : conn_recv(c);
    if (rc == 0 && !c->responding && !c->close_after)
        conn_next_request(c);
    if (rc != 0 || (!c->responding && (c->close_after || c->peer_eof))) {
        conn_free(c);
        return;
    }
    if (c->responding) {
        event_del(c->ev_read);
        event_add(c->ev_write, NULL);
    } else {
        event_del(c->ev_write);
        event_add(c->ev_read, NULL);
    }
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
    struct server *srv = arg;
    (void)what;
    for (int i = 0; i < 64; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct conn *c = calloc(1, sizeof *c);
        if (c != NULL) {
            c->srv = srv;
            c->fd = fd;
            c->ev_read = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_conn_event, c);
            c->ev_write = event_new(srv->base, fd, EV_WRITE | EV_PERSIST, on_conn_event, c);
        }
        if (c == NULL || c->ev_read == NULL || c->ev_write == NULL) {
            fprintf(stderr, PROG ": out of memory for a connection\n");
            if (c != NULL) {
                if (c->ev_read != NULL)
                    event_free(c->ev_read);
                if (c->ev_write != NULL)
                    event_free(c->ev_write);
                free(c);
            }
            close(fd);
            continue;
        }
        c->next = srv->conns;
        if (srv->conns != NULL)
            srv->conns->prev = c;
        srv->conns = c;
        event_add(c->ev_read, NULL);
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct server *srv = arg;
    (void)sig;
    (void)what;
    fprintf(stderr, PROG ": requests=%llu\n", srv->n_requests);
    event_base_loopbreak(srv->base);
}

static void usage(void)
{
    fprintf(stderr, "usage: " PROG " --listen ADDR [--listen ADDR ...] [--pidfile FILE]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct server srv = {0};
    const char *listen[MAX_LISTENERS], *pidfile = NULL;
    size_t n_listen = 0;
    struct event *ev[MAX_LISTENERS + 2] = {0};
    size_t n_ev = 0;
    int rc = 1;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--listen") == 0 && n_listen < MAX_LISTENERS)
            listen[n_listen++] = argv[i + 1];
        else if (strcmp(argv[i], "--pidfile") == 0)
            pidfile = argv[i + 1];
        else
            usage();
    }
    if (n_listen == 0)
        usage();
    signal(SIGPIPE, SIG_IGN);
    srv.base = event_base_new();
    if (srv.base == NULL)
        return 1;
    ev[n_ev++] = evsignal_new(srv.base, SIGTERM, on_signal, &srv);
    ev[n_ev++] = evsignal_new(srv.base, SIGINT, on_signal, &srv);
    for (size_t i = 0; i < n_listen; i++) {
        int port = 0, fd = endpoint_listen(PROG, listen[i], 1024, &port);
        if (fd < 0)
            goto out;
        ev[n_ev++] = event_new(srv.base, fd, EV_READ | EV_PERSIST, on_accept, &srv);
        if (port != 0)
            printf("%d\n", port);
    }
    fflush(stdout);
    for (size_t i = 0; i < n_ev; i++)
        if (ev[i] == NULL || event_add(ev[i], NULL) != 0)
            goto out;
    if (pidfile != NULL && pidfile_write(PROG, pidfile) != 0)
        goto out;
    rc = event_base_dispatch(srv.base) < 0 ? 1 : 0;
out:
    while (srv.conns != NULL)
        conn_free(srv.conns);
    for (size_t i = 0; i < n_ev; i++) {
        if (ev[i] == NULL)
            continue;
        if (i >= 2)
            close(event_get_fd(ev[i]));
        event_free(ev[i]);
    }
    event_base_free(srv.base);
    return rc;
}
