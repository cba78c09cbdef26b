/* Check suite for ocsp_refresh (src/daemon/ocsp_refresh.c): when a refresh is due and how long
 * a retry waits; the atomic replacement of a response file; and one HTTP fetch, against an
 * evhttp server on loopback in the same event loop: the POST it sends, a 200 answer's body, and
 * the failures (HTTP error, refused connection, oversized answer, https and malformed URLs). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <ftw.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "daemon/ocsp_refresh.h"

/* --- when ------------------------------------------------------------------------------------ */

START_TEST(due_at_once_without_a_valid_staple)
{
    struct unitls_ocsp_info info = {.state = UNITLS_OCSP_ABSENT};
    ck_assert_int_eq(ocsp_refresh_due(&info, 5000), 5000);
    info = (struct unitls_ocsp_info){.state = UNITLS_OCSP_EXPIRED, .this_update = 1000,
                                     .next_update = 2000};
    ck_assert_int_eq(ocsp_refresh_due(&info, 5000), 5000);
    info.state = UNITLS_OCSP_INVALID;
    ck_assert_int_eq(ocsp_refresh_due(&info, 1200), 1200);
}
END_TEST

START_TEST(due_when_half_of_the_validity_is_left)
{
    struct unitls_ocsp_info info = {.state = UNITLS_OCSP_VALID, .this_update = 1000,
                                    .next_update = 87400};
    ck_assert_int_eq(ocsp_refresh_due(&info, 2000), 44200);
    ck_assert_int_eq(ocsp_refresh_due(&info, 50000), 44200); /* past it: due already */
}
END_TEST

START_TEST(backoff_doubles_to_an_hour_less_jitter)
{
    ck_assert_uint_eq(ocsp_refresh_backoff_s(1, 0), 10);
    ck_assert_uint_eq(ocsp_refresh_backoff_s(2, 0), 20);
    ck_assert_uint_eq(ocsp_refresh_backoff_s(3, 0), 40);
    ck_assert_uint_eq(ocsp_refresh_backoff_s(9, 0), 2560);
    ck_assert_uint_eq(ocsp_refresh_backoff_s(10, 0), 3600);
    ck_assert_uint_eq(ocsp_refresh_backoff_s(4000000000u, 0), 3600);
    for (uint64_t r = 0; r < 1000; r += 7) {
        unsigned first = ocsp_refresh_backoff_s(1, r * 0x9e3779b97f4a7c15u);
        unsigned capped = ocsp_refresh_backoff_s(30, r * 0x9e3779b97f4a7c15u);
        ck_assert_uint_ge(first, 8);
        ck_assert_uint_le(first, 10);
        ck_assert_uint_ge(capped, 2880);
        ck_assert_uint_le(capped, 3600);
    }
}
END_TEST

/* --- keeping --------------------------------------------------------------------------------- */

static char dir[256];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void dir_setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/check-ocsp-refresh-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void dir_teardown(void) { nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS); }

static size_t file_read(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static int dir_entries(void)
{
    int n = 0;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    ck_assert_int_eq(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

START_TEST(file_replace_writes_then_replaces)
{
    char path[400], err[512], buf[64];
    struct stat st;
    snprintf(path, sizeof path, "%s/leaf.pem.ocsp", dir);
    ck_assert_int_eq(ocsp_file_replace(path, (const uint8_t *)"first", 5, err, sizeof err), 0);
    ck_assert_uint_eq(file_read(path, buf, sizeof buf), 5);
    ck_assert_mem_eq(buf, "first", 5);
    ck_assert_int_eq(ocsp_file_replace(path, (const uint8_t *)"second!", 7, err, sizeof err), 0);
    ck_assert_uint_eq(file_read(path, buf, sizeof buf), 7);
    ck_assert_mem_eq(buf, "second!", 7);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0644);
    ck_assert_int_eq(dir_entries(), 1); /* no temporary file left */
}
END_TEST

START_TEST(file_replace_fails_naming_the_path)
{
    char path[400], err[512] = "";
    snprintf(path, sizeof path, "%s/missing-dir/leaf.der", dir);
    ck_assert_int_eq(ocsp_file_replace(path, (const uint8_t *)"x", 1, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, path));
    ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
}
END_TEST

/* --- fetching -------------------------------------------------------------------------------- */

/* What the server answers, and what it saw. */
struct responder {
    struct event_base *base;
    struct evhttp *http;
    int port;
    int status;                 /* answered with this code... */
    size_t body_len;            /* ...and this many bytes of 'R' */
    char method_post, content_type_ok, body_ok;
    char path[64];
    /* the outcome of the fetch */
    int done;
    char error[256];
    size_t got_len;
    uint8_t got[64];
};

static const uint8_t request_der[] = {0x30, 0x03, 0x02, 0x01, 0x07};

static void on_request(struct evhttp_request *req, void *arg)
{
    struct responder *r = arg;
    const char *type = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    r->method_post = evhttp_request_get_command(req) == EVHTTP_REQ_POST;
    r->content_type_ok = type && strcmp(type, "application/ocsp-request") == 0;
    r->body_ok = evbuffer_get_length(in) == sizeof request_der &&
                 memcmp(evbuffer_pullup(in, -1), request_der, sizeof request_der) == 0;
    snprintf(r->path, sizeof r->path, "%s", evhttp_request_get_uri(req));
    struct evbuffer *out = evbuffer_new();
    for (size_t i = 0; i < r->body_len; i++)
        evbuffer_add(out, "R", 1);
    evhttp_send_reply(req, r->status, r->status == 200 ? "OK" : "Not Found", out);
    evbuffer_free(out);
}

static void responder_start(struct responder *r, int status, size_t body_len)
{
    memset(r, 0, sizeof *r);
    r->status = status;
    r->body_len = body_len;
    r->base = event_base_new();
    r->http = evhttp_new(r->base);
    ck_assert_ptr_nonnull(r->http);
    evhttp_set_gencb(r->http, on_request, r);
    struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(r->http, "127.0.0.1", 0);
    ck_assert_ptr_nonnull(bound);
    struct sockaddr_in sin;
    socklen_t len = sizeof sin;
    ck_assert_int_eq(getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin,
                                 &len), 0);
    r->port = ntohs(sin.sin_port);
}

static void responder_free(struct responder *r)
{
    evhttp_free(r->http);
    event_base_free(r->base);
}

static void on_done(void *arg, const uint8_t *body, size_t len, const char *error)
{
    struct responder *r = arg;
    r->done++;
    if (error)
        snprintf(r->error, sizeof r->error, "%s", error);
    r->got_len = len < sizeof r->got ? len : sizeof r->got;
    if (body)
        memcpy(r->got, body, r->got_len);
    event_base_loopbreak(r->base);
}

/* Fetches from url and runs the loop until the outcome (bounded by the fetch's deadline). */
static void fetch(struct responder *r, const char *url)
{
    char err[512] = "";
    struct ocsp_fetch *f = ocsp_fetch_start(r->base, NULL, url, request_der, sizeof request_der,
                                            on_done, r, err, sizeof err);
    ck_assert_msg(f != NULL, "fetch did not start: %s", err);
    event_base_dispatch(r->base);
    ocsp_fetch_free(f);
    ck_assert_int_eq(r->done, 1);
}

START_TEST(fetch_posts_and_gets_the_body)
{
    struct responder r;
    char url[128];
    responder_start(&r, 200, 40);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/ocsp/x?y=1", r.port);
    fetch(&r, url);
    ck_assert_str_eq(r.error, "");
    ck_assert_uint_eq(r.got_len, 40);
    ck_assert_int_eq(r.got[0], 'R');
    ck_assert(r.method_post);
    ck_assert(r.content_type_ok);
    ck_assert(r.body_ok);
    ck_assert_str_eq(r.path, "/ocsp/x?y=1");
    responder_free(&r);
}
END_TEST

START_TEST(fetch_without_a_path_asks_for_slash)
{
    struct responder r;
    char url[128];
    responder_start(&r, 200, 3);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", r.port);
    fetch(&r, url);
    ck_assert_str_eq(r.path, "/");
    ck_assert_uint_eq(r.got_len, 3);
    responder_free(&r);
}
END_TEST

START_TEST(fetch_reports_an_http_error)
{
    struct responder r;
    char url[128];
    responder_start(&r, 404, 10);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", r.port);
    fetch(&r, url);
    ck_assert_ptr_nonnull(strstr(r.error, "HTTP 404"));
    ck_assert_uint_eq(r.got_len, 0);
    responder_free(&r);
}
END_TEST

START_TEST(fetch_refuses_an_oversized_answer)
{
    struct responder r;
    char url[128];
    responder_start(&r, 200, OCSP_FETCH_MAX_BYTES + 1);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", r.port);
    fetch(&r, url);
    ck_assert_msg(r.error[0] != '\0', "an oversized answer was taken");
    ck_assert_uint_eq(r.got_len, 0);
    responder_free(&r);
}
END_TEST

START_TEST(fetch_reports_a_refused_connection)
{
    struct responder r;
    char url[128];
    responder_start(&r, 200, 10);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", r.port);
    evhttp_free(r.http); /* nothing listens there any more */
    r.http = evhttp_new(r.base);
    fetch(&r, url);
    ck_assert_ptr_nonnull(strstr(r.error, "no HTTP answer"));
    responder_free(&r);
}
END_TEST

START_TEST(fetch_refuses_https_and_malformed_urls)
{
    static const char *const urls[] = {"https://ocsp.example.org/", "ftp://example.org/", "::",
                                       "http://"};
    struct event_base *base = event_base_new();
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char err[512] = "";
        ck_assert_ptr_null(ocsp_fetch_start(base, NULL, urls[i], request_der,
                                            sizeof request_der, on_done, NULL, err, sizeof err));
        ck_assert_msg(strstr(err, urls[i]) != NULL, "'%s' does not name %s", err, urls[i]);
    }
    char err[512] = "";
    ocsp_fetch_start(base, NULL, urls[0], request_der, sizeof request_der, on_done, NULL, err,
                     sizeof err);
    ck_assert_ptr_nonnull(strstr(err, "is not http://"));
    event_base_free(base);
}
END_TEST

/* A loopback socket that listens and never answers; its port into *port. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sin;
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
    ck_assert_int_eq(listen(fd, 4), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    *port = ntohs(sin.sin_port);
    return fd;
}

/* A fetch freed while in flight (connected, waiting for the answer) never calls back. */
START_TEST(fetch_freed_in_flight_is_silent)
{
    struct responder r = {0};
    char url[128], err[512];
    int port = 0, fd = silent_listener(&port);
    r.base = event_base_new();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    struct ocsp_fetch *f = ocsp_fetch_start(r.base, NULL, url, request_der, sizeof request_der,
                                            on_done, &r, err, sizeof err);
    ck_assert_ptr_nonnull(f);
    struct timeval short_wait = {0, 200000};
    event_base_loopexit(r.base, &short_wait);
    event_base_dispatch(r.base);
    ck_assert_int_eq(r.done, 0);
    ocsp_fetch_free(f);
    event_base_loopexit(r.base, &short_wait);
    event_base_dispatch(r.base);
    ck_assert_int_eq(r.done, 0);
    event_base_free(r.base);
    close(fd);
}
END_TEST

static Suite *ocsp_refresh_suite(void)
{
    Suite *suite = suite_create("daemon_ocsp_refresh");
    TCase *tc = tcase_create("schedule");
    tcase_add_test(tc, due_at_once_without_a_valid_staple);
    tcase_add_test(tc, due_when_half_of_the_validity_is_left);
    tcase_add_test(tc, backoff_doubles_to_an_hour_less_jitter);
    suite_add_tcase(suite, tc);
    tc = tcase_create("file");
    tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
    tcase_add_test(tc, file_replace_writes_then_replaces);
    tcase_add_test(tc, file_replace_fails_naming_the_path);
    suite_add_tcase(suite, tc);
    tc = tcase_create("fetch");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fetch_posts_and_gets_the_body);
    tcase_add_test(tc, fetch_without_a_path_asks_for_slash);
    tcase_add_test(tc, fetch_reports_an_http_error);
    tcase_add_test(tc, fetch_refuses_an_oversized_answer);
    tcase_add_test(tc, fetch_reports_a_refused_connection);
    tcase_add_test(tc, fetch_refuses_https_and_malformed_urls);
    tcase_add_test(tc, fetch_freed_in_flight_is_silent);
    suite_add_tcase(suite, tc);
    return suite;
}

int main(void)
{
    SRunner *runner = srunner_create(ocsp_refresh_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
