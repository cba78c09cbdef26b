#!/bin/sh
# Idle timeout: a connection that has exchanged data and then goes quiet is closed by the
# daemon with close_notify once the listener's idle timeout (1 s here) has passed, and the
# access log says so. Only a generous upper bound is used.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
P=$(free_ports 1)
{
    config_head
    listener_yaml idle "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
    echo "    timeouts: { handshake: 10s, idle: 1s, connect: 5s }"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish

mkfifo "$T/in"
tls_bg --rounds --timeout-ms 120000 "127.0.0.1:$P" <"$T/in" >"$T/out" 2>&1 &
CLIENT=$!; track_pid "$CLIENT"
exec 3<>"$T/in"
echo 10000 >&3
wait_until 30 lines_at_least '^round 1 ok' "$T/out" 1
check_grep "round 1 echoed" '^round 1 ok' "$T/out"
# Then nothing: the client exits when the daemon closes the connection under it.
if wait_exit "$CLIENT" 60; then
    pass "the quiet connection is closed by the daemon"
    check_grep "with close_notify" 'peer closed (close_notify)' "$T/out"
else
    fail "the quiet connection is closed by the daemon" "still open after 60 s"
fi
exec 3>&-
wait_until 10 lines_at_least 'access listener=idle .*end="timeout: idle' "$UNITLSD_LOG" 1
check_grep "the access log says idle timeout" 'access listener=idle .*in=10000 out=10000 .*end="timeout: idle' "$UNITLSD_LOG"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
