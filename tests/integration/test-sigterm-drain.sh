#!/bin/sh
# SIGTERM: the daemon stops accepting at once (new connections are refused), connections
# already open keep exchanging data and finish, and the daemon exits 0; a connection that does
# not finish is closed at the drain deadline and the daemon still exits 0. SIGINT the same.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
P=$(free_ports 1)
{
    config_head
    listener_yaml drain "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
} >"$T/unitlsd.yaml"

# --- a connection that finishes during the drain ---
start_unitlsd "$T/unitlsd.yaml" "$P" || finish
mkfifo "$T/in"
tls_bg --rounds --timeout-ms 120000 "127.0.0.1:$P" <"$T/in" >"$T/out" 2>&1 &
CLIENT=$!; track_pid "$CLIENT"
exec 3<>"$T/in"
echo 100000 >&3
wait_until 30 lines_at_least '^round 1 ok' "$T/out" 1
check_grep "round 1 before SIGTERM" '^round 1 ok' "$T/out"

kill -TERM "$UNITLSD_PID"
check "after SIGTERM new connections are refused" wait_until 20 port_closed "$P"
echo 1000000 >&3
wait_until 30 lines_at_least '^round 2 ok' "$T/out" 1
check_grep "the open connection still echoes after SIGTERM" '^round 2 ok' "$T/out"
check "the daemon waits for it" pid_alive "$UNITLSD_PID"
exec 3>&-
wait_exit "$CLIENT" 30
check_eq "the open connection finishes cleanly" "$EXIT_STATUS" 0
if wait_exit "$UNITLSD_PID" 60; then
    check_eq "then the daemon exits 0" "$EXIT_STATUS" 0
else
    fail "then the daemon exits 0" "still running 60 s after its last connection ended"
fi

# --- a connection that never finishes: closed at the drain deadline ---
UNITLSD_LOG=$T/unitlsd2.log
start_unitlsd "$T/unitlsd.yaml" "$P" || finish
tls_bg --echo-bytes 1000 --hold --hold-ms 300000 "127.0.0.1:$P" >"$T/hold.out" 2>&1 &
HOLD=$!; track_pid "$HOLD"
wait_until 30 grep -q '^ready' "$T/hold.out"
check_grep "an idle connection is open" '^ready' "$T/hold.out"
kill -TERM "$UNITLSD_PID"
if wait_exit "$UNITLSD_PID" 120; then
    check_eq "with an unfinished connection the daemon exits 0 after its drain bound" "$EXIT_STATUS" 0
else
    fail "with an unfinished connection the daemon exits 0 after its drain bound" "still running after 120 s"
fi
stop_pid "$HOLD"

# --- SIGINT ---
UNITLSD_LOG=$T/unitlsd3.log
start_unitlsd "$T/unitlsd.yaml" "$P" || finish
tls --echo-bytes 1000 "127.0.0.1:$P" >/dev/null 2>&1
kill -INT "$UNITLSD_PID"
if wait_exit "$UNITLSD_PID" 60; then
    check_eq "SIGINT: the daemon exits 0" "$EXIT_STATUS" 0
else
    fail "SIGINT: the daemon exits 0" "still running after 60 s"
fi
cat "$T"/unitlsd*.log >"$T/all.log"
check_no_grep "no sanitizer report in the daemons' output" 'Sanitizer\|runtime error:' "$T/all.log"
finish
