#!/bin/sh
# The access log: one line per finished connection with listener, client address, SNI, ALPN,
# TLS version, cipher, bytes each way, duration and how it ended: clean, ragged, handshake
# timeout, backend refused, TLS error with its reason. With log.access false, no such lines.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P=$1 P_DEAD=$2 DEAD_BACKEND=$3
{
    config_head
    listener_yaml acc "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
    echo "    protocols: [h2, http/1.1]"
    echo "    timeouts: { handshake: 1s, idle: 300s, connect: 5s }"
    listener_yaml dead "\"127.0.0.1:$P_DEAD\"" "127.0.0.1:$DEAD_BACKEND"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$P_DEAD" || finish

# next_line MARKER_REGEX: waits (bounded) for an access line matching, prints the last one.
next_line() {
    wait_until 30 lines_at_least "$1" "$UNITLSD_LOG" 1
    grep -- "$1" "$UNITLSD_LOG" | tail -n 1
}

# A clean connection: 12345 bytes each way, client close_notify.
tls --sni localhost --alpn h2 --half-close --echo-bytes 12345 "127.0.0.1:$P" >"$T/c.out" 2>&1
line=$(next_line 'access listener=acc .*in=12345 ')
echo "$line" >"$T/clean.line"
note "$line"
check_grep "clean: listener and client address" 'access listener=acc client=127\.0\.0\.1:[0-9][0-9]* ' "$T/clean.line"
check_grep "clean: SNI and ALPN" ' sni=localhost alpn=h2 ' "$T/clean.line"
check_grep "clean: version and cipher" ' version=TLSv1\.3 cipher=TLS_[A-Z0-9_]* ' "$T/clean.line"
check_grep "clean: bytes each way and a duration" ' in=12345 out=12345 ms=[0-9][0-9]* ' "$T/clean.line"
check_grep "clean: how it ended" 'end="clean"' "$T/clean.line"

# Ragged: the client vanishes without close_notify (killed while holding its connection).
tls_bg --echo-bytes 777 --hold --hold-ms 120000 "127.0.0.1:$P" >"$T/hold.out" 2>&1 &
HOLD=$!; track_pid "$HOLD"
wait_until 30 grep -q '^ready' "$T/hold.out"
kill -KILL "$HOLD"; wait_exit "$HOLD" 10
line=$(next_line 'access listener=acc .*in=777 out=777 ')
check_eq "ragged: a client gone without close_notify" "$(echo "$line" | sed -n 's/.*end="\([^"]*\)".*/\1/p')" ragged

# Handshake timeout: a client that says nothing.
"$TLSCLIENT" --silent --timeout-ms 60000 "127.0.0.1:$P" >/dev/null 2>&1
line=$(next_line 'access listener=acc .*end="timeout')
check_eq "timeout: a silent client" "$(echo "$line" | sed -n 's/.*end="\([^"]*\)".*/\1/p')" "timeout: handshake"

# Backend refused.
tls --until-close "127.0.0.1:$P_DEAD" >/dev/null 2>&1
line=$(next_line 'access listener=dead ')
echo "$line" >"$T/dead.line"
check_grep "backend refused, after a completed handshake" 'sni=localhost .*version=TLSv1\.3 .*end="backend refused' "$T/dead.line"

# TLS error with its reason: the client rejects the certificate (wrong name) and says so.
tls --sni not-this-one.test --echo-bytes 10 "127.0.0.1:$P" >/dev/null 2>&1
line=$(next_line 'access listener=acc .*sni=not-this-one\.test')
echo "$line" >"$T/tlserr.line"
note "$line"
check_grep "TLS error, with a reason" 'end="tls error: [^"][^"]*"' "$T/tlserr.line"
check "unitlsd still running after the errors" pid_alive "$UNITLSD_PID"

# Peer text never breaks the line: a server name with a quote is malformed (core/sni_table.h),
# so it is neither matched nor recorded; its connection is logged with sni=- and the name never
# reaches the log.
_before=$(count_lines 'access listener=acc ' "$UNITLSD_LOG")
sclient "$P" -servername 'evil"name' >/dev/null 2>&1
wait_until 10 lines_at_least 'access listener=acc ' "$UNITLSD_LOG" $((_before + 1))
grep 'access listener=acc ' "$UNITLSD_LOG" | tail -n 1 >"$T/evil.line"
check_grep "a client-sent malformed server name is logged as none" ' sni=- ' "$T/evil.line"
check_no_grep "a client-sent quote never reaches the log" 'evil' "$UNITLSD_LOG"

# log.access: false writes none.
stop_pid "$UNITLSD_PID"
sed 's/^  access: true/  access: false/' "$T/unitlsd.yaml" >"$T/quiet.yaml"
UNITLSD_LOG=$T/quiet.log
start_unitlsd "$T/quiet.yaml" "$P" || finish
tls --echo-bytes 100 "127.0.0.1:$P" >/dev/null 2>&1
tls --echo-bytes 100 "127.0.0.1:$P" >"$T/q.out" 2>&1
check_grep "log.access false: connections still served" '^completed=1 failed=0' "$T/q.out"
stop_pid "$UNITLSD_PID"
check_no_grep "log.access false: no access lines" 'access listener=' "$T/quiet.log"

# The line prefix: level words anywhere but the journal (as in every log above), syslog
# priorities when JOURNAL_STREAM names the file stderr is, as systemd sets it for a service
# whose output goes to the journal.
check_grep "outside the journal: lines start with a level word" '^info: access listener=acc ' \
    "$T/unitlsd.log"
check_no_grep "outside the journal: no syslog priority prefix" '^<[0-7]>' "$T/unitlsd.log"
UNITLSD_LOG=$T/journal.log
: >"$UNITLSD_LOG"
JOURNAL_STREAM=$(stat -c '%d:%i' "$UNITLSD_LOG")
export JOURNAL_STREAM
start_unitlsd "$T/unitlsd.yaml" "$P" || finish
tls --echo-bytes 100 "127.0.0.1:$P" >/dev/null 2>&1
wait_until 30 lines_at_least 'access listener=acc ' "$UNITLSD_LOG" 1
stop_pid "$UNITLSD_PID"
unset JOURNAL_STREAM
check_grep "stderr is the journal: access lines start with <6>" '^<6>access listener=acc ' \
    "$UNITLSD_LOG"
check_grep "stderr is the journal: the start-up notice starts with <5>" '^<5>unitlsd ' \
    "$UNITLSD_LOG"
check_no_grep "stderr is the journal: no level words" '^\(info\|notice\|warning\): ' \
    "$UNITLSD_LOG"
finish
