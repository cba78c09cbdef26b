/* Interoperability over loopback through unitls_socket, the implementation under test against
 * the openssl command-line tool (whichever implementation that is): our client against
 * `openssl s_server -rev`, and `openssl s_client` against our server. Every
 * child runs on 127.0.0.1, is killed by PID and reaped, dies with the test process
 * (PR_SET_PDEATHSIG), and every wait is bounded (poll timeouts, SO_RCVTIMEO, alarm). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define WAIT_MS 10000
#define TEST_ALARM_S 60u

struct child {
    pid_t pid;
    int in_fd;  /* its stdin, -1 when /dev/null */
    int out_fd; /* its stdout */
};

static const char *openssl_tool(void)
{
    const char *tool = getenv("OPENSSL");
    return tool && *tool ? tool : "openssl";
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* In the child: wire the pipes, die with the parent, exec. */
static void child_exec(char *const argv[], int in_rd, int out_wr, pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(126);
    int devnull = open("/dev/null", O_RDWR);
    dup2(in_rd >= 0 ? in_rd : devnull, STDIN_FILENO);
    dup2(out_wr, STDOUT_FILENO);
    dup2(devnull, STDERR_FILENO);
    execvp(argv[0], argv);
    _exit(127);
}

static void child_spawn(struct child *ch, char *const argv[], int with_stdin)
{
    int out[2], in[2] = {-1, -1};
    ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
    if (with_stdin)
        ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
    pid_t parent = getpid();
    pid_t pid = fork();
    ck_assert_msg(pid >= 0, "fork: %s", strerror(errno));
    if (pid == 0)
        child_exec(argv, in[0], out[1], parent);
    close(out[1]);
    if (with_stdin)
        close(in[0]);
    ch->pid = pid;
    ch->in_fd = in[1];
    ch->out_fd = out[0];
}

/* Waits up to ms for the child to exit; its wait status, or -1 when it did not. */
static int child_wait(pid_t pid, long ms)
{
    long deadline = now_ms() + ms;
    int status = 0;
    do {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        ck_assert_msg(r == 0, "waitpid %d: %s", (int)pid, strerror(errno));
        usleep(10000);
    } while (now_ms() < deadline);
    return -1;
}

/* Stops the child by PID (SIGTERM, then SIGKILL) and reaps it. */
static void child_stop(struct child *ch)
{
    if (ch->pid <= 0)
        return;
    kill(ch->pid, SIGTERM);
    if (child_wait(ch->pid, 2000) == -1) {
        kill(ch->pid, SIGKILL);
        waitpid(ch->pid, NULL, 0);
    }
    ch->pid = -1;
    if (ch->in_fd >= 0)
        close(ch->in_fd);
    close(ch->out_fd);
}

/* Reads fd into buf until needle appears (needle NULL: until EOF) or ms pass. Returns the
 * bytes held; buf is NUL-terminated. */
static size_t read_until(int fd, char *buf, size_t cap, const char *needle, long ms)
{
    size_t len = 0;
    long deadline = now_ms() + ms;
    buf[0] = '\0';
    while (len + 1 < cap && !(needle && strstr(buf, needle))) {
        long left = deadline - now_ms();
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            break;
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    return len;
}

/* A port that was free a moment ago on 127.0.0.1. */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Starts `openssl s_server -rev` on a free loopback port and waits for its ACCEPT line;
 * retries with another port when one was taken in between. */
static uint16_t s_server_start(struct child *ch, const char *version_flag)
{
    char accept_arg[32], cert[TU_PATH_MAX], key[TU_PATH_MAX], chain[TU_PATH_MAX], out[4096];
    tu_cert_path(cert, "localhost.pem");
    tu_cert_path(key, "localhost.key");
    tu_cert_path(chain, "intermediate.pem");
    for (int attempt = 0; attempt < 5; attempt++) {
        uint16_t port = free_port();
        snprintf(accept_arg, sizeof accept_arg, "127.0.0.1:%u", port);
        char *argv[] = {(char *)openssl_tool(), "s_server", "-accept", accept_arg, "-cert", cert,
                        "-key", key, "-cert_chain", chain, "-rev", (char *)version_flag, NULL};
        child_spawn(ch, argv, 0);
        if (read_until(ch->out_fd, out, sizeof out, "ACCEPT", WAIT_MS) > 0 &&
            strstr(out, "ACCEPT"))
            return port;
        child_stop(ch);
    }
    ck_abort_msg("openssl s_server did not start (is the openssl tool installed?)");
    return 0;
}

/* Receives until want bytes or the peer's end; the count. */
static size_t socket_recv_exact(unitls_socket *s, char *dst, size_t want)
{
    size_t got = 0;
    while (got < want) {
        size_t n = 0;
        unitls_error err;
        unitls_status st = unitls_socket_recv(s, dst + got, want - got, &n, &err);
        if (st != UNITLS_OK || n == 0)
            break;
        got += n;
    }
    return got;
}

/* Our client connects to s_server by IP address (the leaf names 127.0.0.1), verifies it, and
 * gets its lines back reversed. _i == 0: TLS 1.3; 1: TLS 1.2. */
START_TEST(test_client_against_s_server)
{
    alarm(TEST_ALARM_S);
    struct child server;
    uint16_t port = s_server_start(&server, _i == 0 ? "-tls1_3" : "-tls1_2");
    unitls_client_context *ctx = tu_client_context();
    unitls_error err;
    unitls_socket *s = unitls_client_context_connect(ctx, "127.0.0.1", port, &err);
    ck_assert_msg(s != NULL, "connect to s_server on port %u: %s: %s", port,
                  unitls_status_name(err.status), err.message);
    ck_assert_int_eq(unitls_socket_negotiated_tls_version(s),
                     _i == 0 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2);
    ck_assert_uint_ne(unitls_socket_cipher(s), 0);
    const uint8_t *der = NULL;
    size_t der_len = 0;
    tu_assert_status(unitls_socket_getpeercert(s, &der, &der_len), UNITLS_OK, "getpeercert", "");
    ck_assert_msg(tu_der_equals_file(der, der_len, "localhost.der"), "unexpected peer cert");
    unitls_address peer;
    tu_assert_status(unitls_socket_getpeername(s, &peer), UNITLS_OK, "getpeername", "");
    ck_assert_str_eq(peer.host, "127.0.0.1");
    ck_assert_uint_eq(peer.port, port);

    static const char lines[] = "hello unitls\nsecond line\n";
    static const char reversed[] = "sltinu olleh\nenil dnoces\n";
    size_t sent = 0;
    unitls_status st = unitls_socket_send(s, lines, sizeof lines - 1, &sent, &err);
    tu_assert_status(st, UNITLS_OK, "send", err.message);
    ck_assert_uint_eq(sent, sizeof lines - 1);
    char got[sizeof reversed];
    memset(got, 0, sizeof got);
    size_t n = socket_recv_exact(s, got, sizeof reversed - 1);
    ck_assert_msg(n == sizeof reversed - 1 && memcmp(got, reversed, n) == 0,
                  "s_server sent back \"%.*s\"", (int)n, got);

    unitls_socket_close(s, 1, &err);
    unitls_socket_free(s);
    unitls_client_context_unref(ctx);
    child_stop(&server);
}
END_TEST

/* A client trusting another CA refuses s_server's certificate. */
START_TEST(test_client_refuses_s_server_of_unknown_ca)
{
    alarm(TEST_ALARM_S);
    struct child server;
    uint16_t port = s_server_start(&server, "-tls1_3");
    unitls_client_config_builder *b = unitls_client_config_builder_new();
    unitls_trust_store *t = tu_trust_store("other-ca.pem");
    unitls_client_config_builder_set_trust_store(b, t);
    unitls_trust_store_unref(t);
    unitls_client_context *ctx = tu_client_context_from(b);
    unitls_error err;
    unitls_socket *s = unitls_client_context_connect(ctx, "127.0.0.1", port, &err);
    ck_assert_msg(s == NULL, "connected to a server of an untrusted CA");
    tu_assert_status(err.status, UNITLS_ERR_CERTIFICATE, "connect", err.message);
    unitls_client_context_unref(ctx);
    child_stop(&server);
}
END_TEST

struct echo_server {
    unitls_socket *listener;
    size_t expect;       /* bytes to read before echoing */
    size_t echoed;
    enum unitls_tls_version version;
    unitls_status status;
    char message[UNITLS_ERROR_MESSAGE_SIZE];
};

/* Accepts one connection, reads expect bytes, sends them back, closes with close_notify. */
static void *echo_serve(void *arg)
{
    struct echo_server *es = arg;
    unitls_error err;
    unitls_error_clear(&err);
    unitls_socket *s = unitls_socket_accept(es->listener, NULL, &err);
    es->status = err.status;
    snprintf(es->message, sizeof es->message, "%s", err.message);
    if (!s)
        return NULL;
    es->version = unitls_socket_negotiated_tls_version(s);
    char *buf = malloc(es->expect);
    size_t got = buf ? socket_recv_exact(s, buf, es->expect) : 0;
    size_t n = 0;
    if (got == es->expect && unitls_socket_send(s, buf, got, &n, &err) == UNITLS_OK)
        es->echoed = n;
    es->status = err.status;
    unitls_socket_close(s, 1, &err);
    unitls_socket_free(s);
    free(buf);
    return NULL;
}

static unitls_socket *listen_loopback(unitls_server_context *ctx, uint16_t *port)
{
    unitls_error err;
    unitls_socket *l = unitls_server_context_listen(ctx, "127.0.0.1", 0, 8, &err);
    ck_assert_msg(l != NULL, "listen: %s: %s", unitls_status_name(err.status), err.message);
    unitls_address a;
    tu_assert_status(unitls_socket_getsockname(l, &a), UNITLS_OK, "getsockname", "");
    ck_assert_str_eq(a.host, "127.0.0.1");
    ck_assert_uint_ne(a.port, 0);
    /* accept() gives up after this long instead of hanging the test */
    struct timeval tv = {WAIT_MS / 1000, 0};
    ck_assert_int_eq(setsockopt(unitls_socket_fileno(l), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv),
                     0);
    *port = a.port;
    return l;
}

/* s_client connects to our server, verifies it for "localhost", sends a payload through its
 * stdin and prints what our server echoed. _i == 0: TLS 1.3; 1: TLS 1.2. */
START_TEST(test_s_client_against_server)
{
    alarm(TEST_ALARM_S);
    unitls_server_context *ctx = tu_server_context("localhost");
    uint16_t port = 0;
    struct echo_server es;
    memset(&es, 0, sizeof es);
    es.listener = listen_loopback(ctx, &port);
    char payload[3000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (char)('a' + i % 26);
    payload[sizeof payload - 1] = '\n';
    es.expect = sizeof payload;
    pthread_t thread;
    ck_assert_int_eq(pthread_create(&thread, NULL, echo_serve, &es), 0);

    char connect_arg[32], ca[TU_PATH_MAX];
    snprintf(connect_arg, sizeof connect_arg, "127.0.0.1:%u", port);
    tu_cert_path(ca, "ca.pem");
    char *argv[] = {(char *)openssl_tool(), "s_client", "-connect", connect_arg, "-servername",
                    "localhost", "-CAfile", ca, "-verify_return_error", "-verify_hostname",
                    "localhost", "-quiet", _i == 0 ? "-tls1_3" : "-tls1_2", NULL};
    struct child client;
    child_spawn(&client, argv, 1);
    ck_assert_int_eq(write(client.in_fd, payload, sizeof payload), (ssize_t)sizeof payload);
    close(client.in_fd);
    client.in_fd = -1;
    static char out[sizeof payload + 1];
    size_t n = read_until(client.out_fd, out, sizeof out, NULL, WAIT_MS);
    int status = child_wait(client.pid, WAIT_MS);
    pthread_join(thread, NULL);

    ck_assert_msg(es.echoed == sizeof payload, "server echoed %zu bytes: %s (%s)", es.echoed,
                  unitls_status_name(es.status), es.message);
    ck_assert_int_eq(es.version, _i == 0 ? UNITLS_TLSv1_3 : UNITLS_TLSv1_2);
    ck_assert_msg(n == sizeof payload && memcmp(out, payload, n) == 0,
                  "s_client printed %zu bytes, expected the %zu echoed", n, sizeof payload);
    ck_assert_msg(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "s_client did not exit cleanly (wait status %d)", status);
    client.pid = -1;
    child_stop(&client);
    unitls_socket_free(es.listener);
    unitls_server_context_unref(ctx);
}
END_TEST

/* s_client with a client certificate against a server that requires one: our server reports
 * the certificate s_client sent. */
START_TEST(test_s_client_certificate_to_server)
{
    alarm(TEST_ALARM_S);
    const char *name = "localhost";
    unitls_server_config_builder *b = tu_server_builder(&name, 1);
    unitls_trust_store *t = tu_trust_store("client-ca.pem");
    unitls_server_config_builder_set_trust_store(b, t);
    unitls_trust_store_unref(t);
    unitls_server_config_builder_set_client_auth(b, UNITLS_CLIENT_AUTH_REQUIRED);
    unitls_server_context *ctx = tu_server_context_from(b);
    uint16_t port = 0;
    unitls_socket *listener = listen_loopback(ctx, &port);

    char connect_arg[32], ca[TU_PATH_MAX], cert[TU_PATH_MAX], key[TU_PATH_MAX];
    snprintf(connect_arg, sizeof connect_arg, "127.0.0.1:%u", port);
    tu_cert_path(ca, "ca.pem");
    tu_cert_path(cert, "client.pem");
    tu_cert_path(key, "client.key");
    char *argv[] = {(char *)openssl_tool(), "s_client", "-connect", connect_arg, "-CAfile", ca,
                    "-cert", cert, "-key", key, "-quiet", NULL};
    struct child client;
    child_spawn(&client, argv, 1);
    unitls_error err;
    unitls_socket *s = unitls_socket_accept(listener, NULL, &err);
    ck_assert_msg(s != NULL, "accept: %s: %s", unitls_status_name(err.status), err.message);
    const uint8_t *der = NULL;
    size_t len = 0;
    tu_assert_status(unitls_socket_getpeercert(s, &der, &len), UNITLS_OK, "getpeercert", "");
    ck_assert_msg(tu_der_equals_file(der, len, "client.der"), "not the client's certificate");
    unitls_socket_close(s, 1, &err);
    unitls_socket_free(s);
    child_stop(&client);
    unitls_socket_free(listener);
    unitls_server_context_unref(ctx);
}
END_TEST

static Suite *interop_suite(void)
{
    Suite *s = suite_create("tls_interop");
    TCase *tc = tcase_create("loopback");
    tcase_set_timeout(tc, 90);
    tcase_add_loop_test(tc, test_client_against_s_server, 0, 2);
    tcase_add_test(tc, test_client_refuses_s_server_of_unknown_ca);
    tcase_add_loop_test(tc, test_s_client_against_server, 0, 2);
    tcase_add_test(tc, test_s_client_certificate_to_server);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    return tu_run_suite(interop_suite());
}
