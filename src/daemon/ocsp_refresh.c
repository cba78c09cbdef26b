/* ocsp_refresh: the schedule, one HTTP fetch of an OCSP response, and the atomic file write;
 * see ocsp_refresh.h. Main thread only. */
#include "daemon/ocsp_refresh.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* --- when --------------------------------------------------------------------------------- */

int64_t ocsp_refresh_due(const struct unitls_ocsp_info *info, int64_t now)
{
    if (info->state != UNITLS_OCSP_VALID || info->next_update <= info->this_update)
        return now;
    return info->this_update + (info->next_update - info->this_update) / 2;
}

unsigned ocsp_refresh_backoff_s(unsigned n_failures, uint64_t random)
{
    unsigned wait = OCSP_BACKOFF_FIRST_S;
    for (unsigned i = 1; i < n_failures && wait < OCSP_BACKOFF_MAX_S; i++)
        wait *= 2;
    if (wait > OCSP_BACKOFF_MAX_S)
        wait = OCSP_BACKOFF_MAX_S;
    return wait - (unsigned)(random % (wait / 5 + 1));
}

/* --- fetching ------------------------------------------------------------------------------ */

struct ocsp_fetch {
    struct evhttp_connection *conn;
    struct evhttp_uri *uri;
    struct event *deadline;       /* the whole fetch's bound */
    struct event *deliver;        /* reports the outcome outside evhttp's callbacks */
    ocsp_fetch_done_fn done;
    void *arg;
    int finished;                 /* the outcome is known; deliver is active */
    enum evhttp_request_error http_error;
    int has_http_error;
    uint8_t *body;
    size_t body_len;
    char error[256];
};

static const char *http_error_text(enum evhttp_request_error e)
{
    switch (e) {
    case EVREQ_HTTP_TIMEOUT: return "timed out";
    case EVREQ_HTTP_EOF: return "the connection closed before a full answer";
    case EVREQ_HTTP_INVALID_HEADER: return "malformed HTTP answer";
    case EVREQ_HTTP_BUFFER_ERROR: return "connection error";
    case EVREQ_HTTP_REQUEST_CANCEL: return "cancelled";
    case EVREQ_HTTP_DATA_TOO_LONG: return "answer larger than 64 KiB";
    }
    return "HTTP error";
}

static void fetch_finish(struct ocsp_fetch *f)
{
    f->finished = 1;
    event_del(f->deadline);
    event_active(f->deliver, EV_TIMEOUT, 0);
}

static void on_http_error(enum evhttp_request_error e, void *arg)
{
    struct ocsp_fetch *f = arg;
    f->http_error = e;
    f->has_http_error = 1;
}

/* The answer's body, copied: the request is freed by evhttp when this callback returns. */
static void body_take(struct ocsp_fetch *f, struct evhttp_request *req)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    if (len == 0) {
        snprintf(f->error, sizeof f->error, "the responder sent an empty answer");
        return;
    }
    if (len > OCSP_FETCH_MAX_BYTES) {
        snprintf(f->error, sizeof f->error, "answer larger than 64 KiB");
        return;
    }
    f->body = malloc(len);
    if (!f->body || evbuffer_remove(in, f->body, len) != (int)len) {
        snprintf(f->error, sizeof f->error, "out of memory");
        free(f->body);
        f->body = NULL;
        return;
    }
    f->body_len = len;
}

static void on_http_done(struct evhttp_request *req, void *arg)
{
    struct ocsp_fetch *f = arg;
    int code = req ? evhttp_request_get_response_code(req) : 0;
    if (f->finished)
        return;
    if (f->has_http_error)
        snprintf(f->error, sizeof f->error, "%s", http_error_text(f->http_error));
    else if (code == 0)
        snprintf(f->error, sizeof f->error, "no HTTP answer (connection refused or closed)");
    else if (code != 200)
        snprintf(f->error, sizeof f->error, "the responder answered HTTP %d %s", code,
                 evhttp_request_get_response_code_line(req)
                     ? evhttp_request_get_response_code_line(req) : "");
    else
        body_take(f, req);
    fetch_finish(f);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct ocsp_fetch *f = arg;
    /* Our own event, not an evhttp callback: the connection (and its request) can go now. */
    evhttp_connection_free(f->conn);
    f->conn = NULL;
    snprintf(f->error, sizeof f->error, "no full answer within %d s", OCSP_FETCH_DEADLINE_S);
    fetch_finish(f);
}

static void on_deliver(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct ocsp_fetch *f = arg;
    /* Last use of f: done may free it. */
    f->done(f->arg, f->body, f->body_len, f->body ? NULL : f->error);
}

/* The URL's host, port and path for the request; -1 with the reason when it is no http URL. */
static int url_parse(struct ocsp_fetch *f, const char *url, char *err, size_t errlen)
{
    f->uri = evhttp_uri_parse(url);
    const char *scheme = f->uri ? evhttp_uri_get_scheme(f->uri) : NULL;
    if (!f->uri || !scheme || !evhttp_uri_get_host(f->uri) || !evhttp_uri_get_host(f->uri)[0]) {
        snprintf(err, errlen, "the responder URL '%s' cannot be parsed", url);
        return -1;
    }
    if (evutil_ascii_strcasecmp(scheme, "http") != 0) {
        snprintf(err, errlen, "the responder URL '%s' is not http://; unitlsd fetches OCSP "
                 "responses over plain HTTP only (they are signed; RFC 6960 A.1)", url);
        return -1;
    }
    return 0;
}

/* "host" or "host:port", IPv6 literals in brackets: the Host header. */
static void host_header(const struct evhttp_uri *uri, char *buf, size_t cap)
{
    const char *host = evhttp_uri_get_host(uri);
    int port = evhttp_uri_get_port(uri);
    int v6 = strchr(host, ':') != NULL && host[0] != '[';
    if (port > 0 && port != 80)
        snprintf(buf, cap, "%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
    else
        snprintf(buf, cap, "%s%s%s", v6 ? "[" : "", host, v6 ? "]" : "");
}

static struct evhttp_request *request_new(struct ocsp_fetch *f, const uint8_t *body, size_t len)
{
    struct evhttp_request *req = evhttp_request_new(on_http_done, f);
    if (!req)
        return NULL;
    evhttp_request_set_error_cb(req, on_http_error);
    char host[300];
    host_header(f->uri, host, sizeof host);
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    char length[32];
    snprintf(length, sizeof length, "%zu", len);
    if (evhttp_add_header(headers, "Host", host) != 0 ||
        evhttp_add_header(headers, "Content-Type", "application/ocsp-request") != 0 ||
        evhttp_add_header(headers, "Accept", "application/ocsp-response") != 0 ||
        evhttp_add_header(headers, "Content-Length", length) != 0 ||
        evhttp_add_header(headers, "Connection", "close") != 0 ||
        evbuffer_add(evhttp_request_get_output_buffer(req), body, len) != 0) {
        evhttp_request_free(req);
        return NULL;
    }
    return req;
}

/* The connection and the request on it; -1 with the reason in err. */
static int fetch_send(struct ocsp_fetch *f, struct event_base *base, struct evdns_base *dns,
                      const uint8_t *request, size_t request_len, char *err, size_t errlen)
{
    const char *host = evhttp_uri_get_host(f->uri);
    int port = evhttp_uri_get_port(f->uri);
    const char *path = evhttp_uri_get_path(f->uri);
    const char *query = evhttp_uri_get_query(f->uri);
    char target[1200];
    snprintf(target, sizeof target, "%s%s%s", path && path[0] ? path : "/", query ? "?" : "",
             query ? query : "");
    f->conn = evhttp_connection_base_new(base, dns, host, (uint16_t)(port > 0 ? port : 80));
    if (!f->conn) {
        snprintf(err, errlen, "cannot open a connection to %s", host);
        return -1;
    }
    evhttp_connection_set_timeout(f->conn, OCSP_FETCH_TIMEOUT_S);
    evhttp_connection_set_retries(f->conn, 0);
    evhttp_connection_set_max_body_size(f->conn, (ev_ssize_t)OCSP_FETCH_MAX_BYTES);
    evhttp_connection_set_max_headers_size(f->conn, 16 * 1024);
    struct evhttp_request *req = request_new(f, request, request_len);
    if (!req || evhttp_make_request(f->conn, req, EVHTTP_REQ_POST, target) != 0) {
        /* evhttp_make_request frees the request when it fails. */
        snprintf(err, errlen, "cannot send the request to %s", host);
        return -1;
    }
    return 0;
}

struct ocsp_fetch *ocsp_fetch_start(struct event_base *base, struct evdns_base *dns,
                                    const char *url, const uint8_t *request, size_t request_len,
                                    ocsp_fetch_done_fn done, void *arg, char *err,
                                    size_t errlen)
{
    struct ocsp_fetch *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    f->done = done;
    f->arg = arg;
    if (url_parse(f, url, err, errlen) != 0)
        goto fail;
    f->deadline = evtimer_new(base, on_deadline, f);
    f->deliver = event_new(base, -1, 0, on_deliver, f);
    if (!f->deadline || !f->deliver) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    struct timeval bound = {.tv_sec = OCSP_FETCH_DEADLINE_S, .tv_usec = 0};
    if (fetch_send(f, base, dns, request, request_len, err, errlen) != 0 ||
        event_add(f->deadline, &bound) != 0)
        goto fail;
    return f;
fail:
    ocsp_fetch_free(f);
    return NULL;
}

void ocsp_fetch_free(struct ocsp_fetch *f)
{
    if (!f)
        return;
    if (f->conn)
        evhttp_connection_free(f->conn);
    if (f->deadline)
        event_free(f->deadline);
    if (f->deliver)
        event_free(f->deliver);
    if (f->uri)
        evhttp_uri_free(f->uri);
    free(f->body);
    free(f);
}

/* --- keeping ------------------------------------------------------------------------------- */

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* The directory's entry for the rename is made durable too; a failure here loses nothing that
 * a crash would not, so it is not reported. */
static void directory_sync(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == path ? 1 : slash - path) : 1,
             slash ? path : ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int ocsp_file_replace(const char *path, const uint8_t *der, size_t len, char *err,
                      size_t errlen)
{
    char tmp[4200];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file next to %s: %s", path,
                 strerror(errno));
        return -1;
    }
    /* A response is public: readable like the certificate it sits beside. */
    if (fchmod(fd, 0644) != 0 || write_all(fd, der, len) != 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    directory_sync(path);
    return 0;
}
