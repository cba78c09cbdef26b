/* The daemon's log: one line per message on stderr. When stderr is the journal's stream
 * (log_detect_journal() saw JOURNAL_STREAM name it), each line starts with its syslog priority
 * ("<6>") so that journald keeps the levels; anywhere else (a terminal, a file, a pipe) it
 * starts with the level as a word ("info: "). Each line goes out in a single write(2), so
 * threads never interleave within a line and no lock is taken. Lines are cut at LOG_LINE_MAX
 * bytes. Nothing here ever receives key material.
 *
 * Priorities are syslog's numbers (3 error, 4 warning, 5 notice, 6 info, 7 debug), the same
 * values as enum log_level in settings.h. */
#ifndef UNITLSD_LOG_H
#define UNITLSD_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define LOG_LINE_MAX 2048
#define LOG_PRIO_ERROR 3
#define LOG_PRIO_WARNING 4
#define LOG_PRIO_NOTICE 5
#define LOG_PRIO_INFO 6
#define LOG_PRIO_DEBUG 7

/* Chooses the line prefix: syslog priorities when the environment's JOURNAL_STREAM
 * ("DEVICE:INODE", set by systemd for a service whose output goes to the journal) names the
 * file stderr is, level words otherwise (the default). Call once at start-up, before any other
 * thread logs. Returns 1 when stderr is the journal. */
int log_detect_journal(void);

/* The prefix of a line of priority for the current destination, e.g. "<4>" or "warning: ". */
const char *log_prefix(int priority);

/* Messages above priority (less important) are dropped. Default: info. Any thread. */
void log_set_level(int priority);
/* 1 when a message of this priority would be written: lets callers skip formatting work. */
int log_enabled(int priority);

void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_PRIO_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_PRIO_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_PRIO_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_PRIO_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_PRIO_DEBUG, __VA_ARGS__)

/* Writes "127.0.0.1:443", "[::1]:443", "unix:/path" or "unix" (unnamed) into buf, always
 * NUL-terminated. Returns buf. */
char *log_format_address(const struct sockaddr *sa, socklen_t len, char *buf, size_t cap);

/* One finished connection, for the access log. Strings may be NULL (written as "-"); text
 * that came from the peer (SNI, ALPN, error reasons) is sanitised before it is written. */
struct log_access_record {
    const char *listener;
    const struct sockaddr *client;
    socklen_t client_len;
    /* The balancer whose PROXY header named the client (accept_proxy), or NULL. */
    const struct sockaddr *via;
    socklen_t via_len;
    const char *sni;
    const uint8_t *alpn;
    size_t alpn_len;
    const char *tls_version;
    const char *cipher;
    const char *backend;   /* the backend's address as configured (the last one tried), or
                              NULL when none was (a failed handshake) */
    uint64_t bytes_in;     /* plaintext from the client to the backend */
    uint64_t bytes_out;    /* plaintext from the backend to the client */
    uint64_t duration_ms;
    const char *end;       /* clean, ragged, timeout, backend refused, tls error, ... */
    const char *detail;    /* the reason behind end, or NULL */
    const char *failure;   /* a failed handshake's "reason=R key=value ...", or NULL; written
                              as is after end=, so the caller sanitises it (failure_log.h) */
    const char *legacy;    /* the version when below TLS 1.2 (an insecure listener), or NULL */
    const char *ocsp;      /* stapled, or why not (absent, expired, invalid, resumed) when
                              the client asked for a staple; NULL when it did not ("-") */
    int resumed;           /* the handshake resumed a session (a ticket or a cached one) */
};

/* Writes the access line (priority info) for r:
 * access listener=NAME client=ADDR sni=NAME alpn=PROTO version=V cipher=IANA ocsp=STAPLE
 * backend=ADDR in=N out=N ms=N end="END[: DETAIL]"[ FAILURE][ legacy=VERSION][ via=BALANCER]
 * [ resumed=yes] */
void log_access(const struct log_access_record *r);

#endif
