/* tlsclient: the integration tests' TLS client, built on libunitls's client context and
 * unitls_buffer (tlsconn.c), so the project's own code checks the daemon from the client side.
 *
 *   tlsclient [options] HOST:PORT
 *
 * What each connection does:
 *   --echo-bytes N     send N pseudo-random bytes and check the echo byte for byte (N may be 0:
 *                      handshake only)
 *   --input F          send file F instead (- is stdin); --output G writes what arrives to G
 *   --half-close       once all is sent, send close_notify and read until the peer closes
 *   --until-close      read until the peer closes (e.g. a backend that speaks first)
 *   --rounds           one connection; each line N on stdin sends N more bytes and waits for
 *                      their echo, then prints "round K ok"; stdin EOF ends the connection
 * How many and how long:
 *   --connections C    C at once (default 1); --ramp R at most R handshaking at once
 *   --barrier          each holds once finished until all C have (proves C concurrent)
 *   --hold             once finished, print "ready" and hold until SIGTERM or --hold-ms
 *   --loop             keep every slot busy with fresh connections until --duration-ms,
 *                      --count N connections, or --stop-file F exists
 *   --timeout-ms T     bound per connection (default 30000)
 * TLS: --cafile F (trust store; required), --sni NAME (default localhost), --no-sni (sends no
 *   name and skips the hostname check through insecure.h), --alpn P (repeatable), --tls-min V,
 *   --tls-max V (TLSv1.2, TLSv1.3), --cipher NAME (repeatable, IANA), --resume (keep and reuse
 *   sessions; default: every handshake is full), --peer-cert-out F (first connection's server
 *   leaf as DER).
 * Other: --silent (plain TCP, send nothing, or --input's raw bytes, then report when the
 *   server closes; exit 0 if it did within --timeout-ms), --probe (plain TCP: exit 0 when a connection is accepted by the
 *   kernel within --timeout-ms, 1 when refused or timed out), --progress-file F (sent and received counts, rewritten as they move),
 *   --json (summary as JSON), --quiet.
 *
 * Prints, for a single connection, "sni=.. version=.. cipher=.. alpn=.. resumed=.. sent=..
 * received=.. end=close_notify|ragged|none", then "completed=N failed=N elapsed_ms=N
 * rate_per_s=R". Exit status: 0 when every connection succeeded, 1 otherwise, 2 bad usage. */
#include "backend_util.h"
#include "tlsclient_options.h"
#include "tlsconn.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <unitls/insecure.h>

#define MAX_REPORTED_FAILURES 20

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig) { stop_signal = sig; }

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct run {
    const struct client_options *opt;
    struct tlsconn_plan plan;
    struct tlsconn **slots;
    unsigned next_id;
    uint64_t completed, failed, started, start_ms;
    int stopping;                   /* launch no new connection */
    int released;                   /* holders and barrier released */
    int info_printed;
    char stdin_line[64];
    size_t stdin_len;
    int stdin_open;
    uint64_t rounds_done, round_pending;
    uint64_t progress_ms;
    uint64_t quiet_until_ms;        /* loop: after a failure, launch nothing until then */
};

static int stop_file_exists(const struct client_options *o)
{
    return o->stop_file != NULL && access(o->stop_file, F_OK) == 0;
}

static void print_info(struct run *r, struct tlsconn *c)
{
    const struct tlsconn_info *in = tlsconn_info(c);
    uint64_t sent, received;
    tlsconn_counts(c, &sent, &received);
    if (!r->opt->quiet)
        printf("sni=%s version=%s cipher=%s alpn=%s resumed=%d sent=%llu received=%llu "
               "end=%s\n", in->server_name, in->version, in->cipher, in->alpn, in->resumed,
               (unsigned long long)sent, (unsigned long long)received,
               tlsconn_end_name(tlsconn_end(c)));
    if (r->opt->peer_cert_out != NULL) {
        size_t len = 0;
        const uint8_t *der = tlsconn_peer_cert(c, &len);
        FILE *f = fopen(r->opt->peer_cert_out, "wb");
        if (der == NULL || f == NULL || fwrite(der, 1, len, f) != len)
            fprintf(stderr, "tlsclient: could not write the peer certificate to %s\n",
                    r->opt->peer_cert_out);
        if (f != NULL)
            fclose(f);
    }
    r->info_printed = 1;
}

/* Counts a finished connection and frees its slot. */
static void slot_retire(struct run *r, size_t i)
{
    struct tlsconn *c = r->slots[i];
    if (tlsconn_state(c) == TLSCONN_DONE) {
        r->completed++;
        if (!r->info_printed && (r->opt->connections == 1 || r->opt->peer_cert_out != NULL))
            print_info(r, c);
    } else {
        r->failed++;
        r->quiet_until_ms = now_ms() + 10;  /* a refusing server is not hammered in a loop */
        if (r->failed <= MAX_REPORTED_FAILURES)
            fprintf(stderr, "tlsclient: connection %zu: %s\n", i, tlsconn_error(c));
    }
    tlsconn_free(c);
    r->slots[i] = NULL;
}

static int may_launch(struct run *r)
{
    const struct client_options *o = r->opt;
    if (r->stopping)
        return 0;
    if (!o->loop)
        return r->started < o->connections;
    if (o->count > 0 && r->started >= o->count)
        return 0;
    return 1;
}

static void launch(struct run *r, uint64_t now)
{
    unsigned handshaking = 0;
    if (now < r->quiet_until_ms)
        return;
    for (size_t i = 0; i < r->opt->connections; i++) {
        struct tlsconn *c = r->slots[i];
        if (c != NULL && tlsconn_state(c) <= TLSCONN_HANDSHAKING)
            handshaking++;
    }
    for (size_t i = 0; i < r->opt->connections && handshaking < r->opt->ramp; i++) {
        if (r->slots[i] != NULL || !may_launch(r))
            continue;
        r->slots[i] = tlsconn_start(&r->plan, r->next_id++, now);
        if (r->slots[i] == NULL) {
            fprintf(stderr, "tlsclient: out of memory\n");
            r->stopping = 1;
            return;
        }
        r->started++;
        handshaking++;
    }
}

/* Rounds: reads stdin lines; each is a byte count for one more round. */
static void rounds_read_stdin(struct run *r, struct tlsconn *c)
{
    ssize_t n = read(0, r->stdin_line + r->stdin_len, sizeof r->stdin_line - 1 - r->stdin_len);
    if (n <= 0) {
        r->stdin_open = 0;
        tlsconn_end_rounds(c);
        return;
    }
    r->stdin_len += (size_t)n;
    r->stdin_line[r->stdin_len] = '\0';
    char *nl = strchr(r->stdin_line, '\n');
    if (nl == NULL) {
        if (r->stdin_len == sizeof r->stdin_line - 1)
            r->stdin_len = 0;       /* an absurd line: drop it */
        return;
    }
    *nl = '\0';
    uint64_t bytes = 0;
    if (size_parse(r->stdin_line, &bytes) == 0) {
        tlsconn_add_round(c, bytes);
        r->round_pending = 1;
    } else {
        fprintf(stderr, "tlsclient: ignoring stdin line '%s' (want a byte count)\n",
                r->stdin_line);
    }
    size_t used = (size_t)(nl + 1 - r->stdin_line);
    memmove(r->stdin_line, nl + 1, r->stdin_len - used);
    r->stdin_len -= used;
}

static void rounds_report(struct run *r, struct tlsconn *c)
{
    if (r->round_pending && tlsconn_round_complete(c)) {
        r->round_pending = 0;
        r->rounds_done++;
        uint64_t sent, received;
        tlsconn_counts(c, &sent, &received);
        printf("round %llu ok total=%llu\n", (unsigned long long)r->rounds_done,
               (unsigned long long)received);
        fflush(stdout);
    }
}

static void progress_write(struct run *r, uint64_t now)
{
    uint64_t sent = 0, received = 0, s, rc;
    if (r->opt->progress_file == NULL || now - r->progress_ms < 200)
        return;
    r->progress_ms = now;
    for (size_t i = 0; i < r->opt->connections; i++) {
        if (r->slots[i] != NULL) {
            tlsconn_counts(r->slots[i], &s, &rc);
            sent += s;
            received += rc;
        }
    }
    FILE *f = fopen(r->opt->progress_file, "w");
    if (f != NULL) {
        fprintf(f, "sent=%llu received=%llu\n", (unsigned long long)sent,
                (unsigned long long)received);
        fclose(f);
    }
}

/* Releases held connections when the run says so: barrier complete, or a stop. */
static void maybe_release(struct run *r, uint64_t now, uint64_t *hold_since)
{
    const struct client_options *o = r->opt;
    size_t holding = 0, live = 0;
    for (size_t i = 0; i < o->connections; i++) {
        if (r->slots[i] == NULL)
            continue;
        live++;
        holding += tlsconn_state(r->slots[i]) == TLSCONN_HOLDING;
    }
    if (r->released || live == 0 || holding < live || r->started < o->connections)
        return;
    if (o->hold && *hold_since == 0) {
        *hold_since = now;
        printf("ready %zu\n", holding);
        fflush(stdout);
    }
    if (o->hold && !stop_signal && now - *hold_since < o->hold_ms)
        return;
    r->released = 1;
    for (size_t i = 0; i < o->connections; i++)
        if (r->slots[i] != NULL)
            tlsconn_release(r->slots[i]);
}

/* One pass: poll every connection (and stdin in rounds mode), step them, retire finished. */
static void run_pass(struct run *r, struct pollfd *pfd, uint64_t *hold_since)
{
    const struct client_options *o = r->opt;
    size_t n = 0;
    for (size_t i = 0; i < o->connections; i++)
        if (r->slots[i] != NULL && tlsconn_poll_events(r->slots[i]) != 0)
            pfd[n++] = (struct pollfd){tlsconn_fd(r->slots[i]), tlsconn_poll_events(r->slots[i]),
                                       0};
    int use_stdin = o->rounds && r->stdin_open && !r->round_pending && r->slots[0] != NULL;
    if (use_stdin)
        pfd[n++] = (struct pollfd){0, POLLIN, 0};
    if (poll(pfd, (nfds_t)n, 100) < 0 && errno != EINTR)
        r->stopping = 1;
    uint64_t now = now_ms();
    if (use_stdin && (pfd[n - 1].revents & (POLLIN | POLLHUP)))
        rounds_read_stdin(r, r->slots[0]);
    for (size_t i = 0; i < o->connections; i++) {
        if (r->slots[i] == NULL)
            continue;
        tlsconn_step(r->slots[i], now);
        if (o->rounds)
            rounds_report(r, r->slots[i]);
    }
    maybe_release(r, now, hold_since);
    for (size_t i = 0; i < o->connections; i++) {
        enum tlsconn_state st = r->slots[i] ? tlsconn_state(r->slots[i]) : TLSCONN_RUNNING;
        if (r->slots[i] != NULL && (st == TLSCONN_DONE || st == TLSCONN_FAILED))
            slot_retire(r, i);
    }
    progress_write(r, now);
}

static int run_connections(struct run *r)
{
    const struct client_options *o = r->opt;
    struct pollfd *pfd = calloc(o->connections + 1, sizeof *pfd);
    uint64_t hold_since = 0;
    r->slots = calloc(o->connections, sizeof *r->slots);
    if (pfd == NULL || r->slots == NULL) {
        free(pfd);
        return 1;
    }
    r->start_ms = now_ms();
    r->stdin_open = 1;
    for (;;) {
        uint64_t now = now_ms();
        if (stop_signal || stop_file_exists(o) ||
            (o->loop && o->duration_ms > 0 && now - r->start_ms >= o->duration_ms))
            r->stopping = 1;
        if (stop_signal && !o->hold)
            for (size_t i = 0; i < o->connections; i++)
                if (r->slots[i] != NULL)
                    tlsconn_abort(r->slots[i], "stopped by a signal");
        launch(r, now);
        size_t live = 0;
        for (size_t i = 0; i < o->connections; i++)
            live += r->slots[i] != NULL;
        if (live == 0 && !may_launch(r))
            break;
        run_pass(r, pfd, &hold_since);
    }
    free(pfd);
    free(r->slots);
    return 0;
}

static void print_summary(const struct run *r)
{
    uint64_t elapsed = now_ms() - r->start_ms;
    double rate = elapsed > 0 ? (double)r->completed * 1000.0 / (double)elapsed : 0.0;
    if (r->opt->json)
        printf("{\"mode\":\"%s\",\"completed\":%llu,\"failed\":%llu,\"elapsed_s\":%.3f,"
               "\"rate_per_s\":%.1f}\n", r->opt->loop ? "loop" : "once",
               (unsigned long long)r->completed, (unsigned long long)r->failed,
               (double)elapsed / 1000.0, rate);
    else
        printf("completed=%llu failed=%llu elapsed_ms=%llu rate_per_s=%.1f\n",
               (unsigned long long)r->completed, (unsigned long long)r->failed,
               (unsigned long long)elapsed, rate);
}

/* --silent --input F: sends F's bytes as they are (no TLS), blocking, bounded by the timeout.
 * 0, or -1 after printing why. */
static int raw_send(const struct client_options *o, int fd, uint64_t start)
{
    char buf[4096];
    int in = open_read(o->input);
    if (in < 0)
        return -1;
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            struct pollfd p = {fd, POLLOUT, 0};
            if (now_ms() - start >= o->timeout_ms || poll(&p, 1, 100) < 0)
                break;
            ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                printf("send_failed=%s\n", strerror(errno));
                close(in);
                return 0;           /* the server closed on us: what we wait for below */
            }
            off += w > 0 ? w : 0;
        }
    }
    close(in);
    return 0;
}

/* --silent: a TCP client that never speaks (or, with --input, sends a file's raw bytes and
 * then nothing); reports when the server gives up on it. */
static int run_silent(const struct client_options *o)
{
    int e = 0;
    uint64_t start = now_ms();
    int fd = endpoint_connect(o->address, &e);
    if (fd < 0) {
        printf("connect_failed=%s\n", strerror(e));
        return 1;
    }
    if (o->input != NULL && raw_send(o, fd, start) != 0) {
        close(fd);
        return 1;
    }
    while (now_ms() - start < o->timeout_ms && !stop_signal) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char scratch[4096];
        ssize_t n = recv(fd, scratch, sizeof scratch, 0);
        if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
            continue;               /* e.g. an alert before the close */
        printf("closed_after_ms=%llu how=%s\n", (unsigned long long)(now_ms() - start),
               n == 0 ? "eof" : strerror(errno));
        close(fd);
        return 0;
    }
    printf("still_open_after_ms=%llu\n", (unsigned long long)(now_ms() - start));
    close(fd);
    return 1;
}

/* --probe: does anything listen on the address? */
static int run_probe(const struct client_options *o)
{
    int e = 0;
    int fd = endpoint_connect(o->address, &e);
    if (fd < 0)
        return 1;
    struct pollfd p = {fd, POLLOUT, 0};
    socklen_t len = sizeof e;
    int rc = poll(&p, 1, (int)o->timeout_ms) == 1 &&
                     getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0
                 ? 0
                 : 1;
    close(fd);
    return rc;
}

static int open_files(const struct client_options *o, struct tlsconn_plan *plan)
{
    plan->input_fd = plan->output_fd = -1;
    if (o->input != NULL) {
        plan->input_fd = strcmp(o->input, "-") == 0 ? 0 : open_read(o->input);
        if (plan->input_fd < 0)
            return -1;
    }
    if (o->output != NULL) {
        plan->output_fd = strcmp(o->output, "-") == 0 ? 1 : open_write(o->output);
        if (plan->output_fd < 0)
            return -1;
    }
    return 0;
}

static void plan_from_options(const struct client_options *o, unitls_client_context *ctx,
                              struct tlsconn_plan *plan)
{
    plan->ctx = ctx;
    plan->address = o->address;
    plan->sni = o->no_sni ? NULL : o->sni;
    plan->send_bytes = o->echo_bytes;
    plan->verify = o->input == NULL && !o->until_close;
    plan->expect = o->until_close ? TLSCONN_EXPECT_PEER_CLOSE : TLSCONN_EXPECT_ECHO;
    plan->half_close = o->half_close;
    plan->hold = o->hold || o->barrier;
    plan->rounds = o->rounds;
    plan->seed = o->seed;
    plan->timeout_ms = o->timeout_ms;
}

int main(int argc, char **argv)
{
    struct client_options opt;
    struct run r;
    int rc = 1;
    options_parse(argc, argv, &opt);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_stop_signal);
    signal(SIGINT, on_stop_signal);
    if (opt.silent)
        return run_silent(&opt);
    if (opt.probe)
        return run_probe(&opt);
    unitls_client_context *ctx = client_context_from_options(&opt);
    if (ctx == NULL)
        return 1;
    memset(&r, 0, sizeof r);
    r.opt = &opt;
    plan_from_options(&opt, ctx, &r.plan);
    if (open_files(&opt, &r.plan) == 0 && run_connections(&r) == 0) {
        print_summary(&r);
        rc = r.failed == 0 && r.completed > 0 ? 0 : 1;
    }
    if (r.plan.input_fd > 0)
        close(r.plan.input_fd);
    if (r.plan.output_fd > 1)
        close(r.plan.output_fd);
    unitls_client_context_unref(ctx);
    return rc;
}
