/* log: prefixed lines on stderr; see log.h. The level threshold and the choice of prefix are
 * the only state, atomic ints set at start-up (and the threshold on reload): a log is
 * process-wide by nature, and threading a logger object through every call would not make it
 * any less so. */
#include "daemon/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/endpoint.h"

static atomic_int log_threshold = LOG_PRIO_INFO;
static atomic_int log_to_journal = 0;

int log_detect_journal(void)
{
    const char *stream = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    int journal = stream && sscanf(stream, "%llu:%llu", &dev, &ino) == 2 &&
                  fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
                  (unsigned long long)st.st_ino == ino;
    atomic_store(&log_to_journal, journal);
    return journal;
}

const char *log_prefix(int priority)
{
    static const char *const syslog_prefixes[] = {"<0>", "<1>", "<2>", "<3>",
                                                  "<4>", "<5>", "<6>", "<7>"};
    static const char *const words[] = {"emergency: ", "alert: ",  "critical: ", "error: ",
                                        "warning: ",   "notice: ", "info: ",     "debug: "};
    size_t i = priority < 0 ? 0 : priority > 7 ? 7 : (size_t)priority;
    return atomic_load_explicit(&log_to_journal, memory_order_relaxed) ? syslog_prefixes[i]
                                                                        : words[i];
}

void log_set_level(int priority) { atomic_store(&log_threshold, priority); }

int log_enabled(int priority)
{
    return priority <= atomic_load_explicit(&log_threshold, memory_order_relaxed);
}

/* One write per line; a short write to a pipe or the journal's stream is retried for the rest
 * (the line may then interleave, which only happens with lines past PIPE_BUF). */
static void line_write(const char *line, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, line, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        line += n;
        len -= (size_t)n;
    }
}

/* Ends the text at len (cut to the buffer), adds the newline, writes. */
static void line_finish(char *buf, size_t cap, int len)
{
    size_t n = len < 0 ? 0 : (size_t)len;
    if (n > cap - 2)
        n = cap - 2;
    buf[n++] = '\n';
    line_write(buf, n);
}

void log_msg(int priority, const char *fmt, ...)
{
    if (!log_enabled(priority))
        return;
    char buf[LOG_LINE_MAX];
    int head = snprintf(buf, sizeof buf, "%s", log_prefix(priority));
    va_list ap;
    va_start(ap, fmt);
    int body = vsnprintf(buf + head, sizeof buf - (size_t)head, fmt, ap);
    va_end(ap);
    line_finish(buf, sizeof buf, head + (body < 0 ? 0 : body));
}

char *log_format_address(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap)
{
    return endpoint_format(sa, len, buf, cap);
}

/* Copies peer-controlled text into out for a log line: printable ASCII except space, quote
 * and backslash pass through, everything else becomes '?', so a client cannot forge fields or
 * lines. len may be SIZE_MAX for a NUL-terminated string. */
static const char *sanitize(const void *text, size_t len, char *out, size_t cap)
{
    const unsigned char *p = text;
    if (!p || len == 0 || (len == SIZE_MAX && *p == '\0'))
        return "-";
    size_t i = 0;
    for (; i < len && i + 1 < cap && p[i] != '\0'; i++)
        out[i] = (p[i] > 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\') ? (char)p[i] : '?';
    out[i] = '\0';
    return out;
}

/* Like sanitize, but keeps spaces: the reason text sits inside quotes. */
static const char *sanitize_reason(const char *text, char *out, size_t cap)
{
    size_t i = 0;
    for (; text[i] != '\0' && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)text[i];
        out[i] = (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\') ? (char)ch : '?';
    }
    out[i] = '\0';
    return out;
}

void log_access(const struct log_access_record *r)
{
    if (!log_enabled(LOG_PRIO_INFO))
        return;
    char client[128], via[128], sni[256], alpn[256], detail[512];
    log_format_address(r->client, r->client_len, client, sizeof client);
    if (r->via)
        log_format_address(r->via, r->via_len, via, sizeof via);
    char buf[LOG_LINE_MAX];
    int len = snprintf(buf, sizeof buf,
                       "%saccess listener=%s client=%s sni=%s alpn=%s version=%s cipher=%s "
                       "ocsp=%s backend=%s in=%" PRIu64 " out=%" PRIu64 " ms=%" PRIu64
                       " end=\"%s%s%s\"%s%s%s%s%s%s%s",
                       log_prefix(LOG_PRIO_INFO), r->listener ? r->listener : "-", client,
                       sanitize(r->sni, SIZE_MAX, sni, sizeof sni),
                       sanitize(r->alpn, r->alpn_len, alpn, sizeof alpn),
                       r->tls_version ? r->tls_version : "-", r->cipher ? r->cipher : "-",
                       r->ocsp ? r->ocsp : "-", r->backend ? r->backend : "-",
                       r->bytes_in, r->bytes_out, r->duration_ms, r->end ? r->end : "-",
                       r->detail ? ": " : "",
                       r->detail ? sanitize_reason(r->detail, detail, sizeof detail) : "",
                       r->failure ? " " : "", r->failure ? r->failure : "",
                       r->legacy ? " legacy=" : "", r->legacy ? r->legacy : "",
                       r->via ? " via=" : "", r->via ? via : "",
                       r->resumed ? " resumed=yes" : "");
    line_finish(buf, sizeof buf, len);
}
