#!/bin/sh
# max_connections: with 5 connections open on a listener limited to 5, a sixth client gets no
# handshake (the daemon stops accepting) and the daemon does not spin meanwhile; once one of
# the five closes, the sixth is served. Another listener is not affected by the limit.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 2)
P=$1 P_OTHER=$2
{
    config_head
    listener_yaml limited "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
    echo "    max_connections: 5"
    listener_yaml other "\"127.0.0.1:$P_OTHER\"" "127.0.0.1:$ECHO_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$P_OTHER" || finish

ready=0
for i in 1 2 3 4 5; do
    tls_bg --echo-bytes 1000 --hold --hold-ms 300000 "127.0.0.1:$P" >"$T/hold$i.out" 2>&1 &
    eval "HOLD_$i=$!"; track_pid "$!"
    wait_until 30 grep -q '^ready' "$T/hold$i.out" && ready=$((ready + 1))
done
check_eq "5 connections open on the listener limited to 5" "$ready" 5

tls_bg --echo-bytes 1000 --timeout-ms 180000 "127.0.0.1:$P" >"$T/sixth.out" 2>&1 &
SIXTH=$!; track_pid "$SIXTH"
ticks0=$(cpu_ticks "$UNITLSD_PID")
sleep 3
ticks1=$(cpu_ticks "$UNITLSD_PID")
if pid_alive "$SIXTH" && ! grep -q '^completed=' "$T/sixth.out"; then
    pass "a sixth client is not served while 5 are open"
else
    fail "a sixth client is not served while 5 are open" "$(tr '\n' ' ' <"$T/sixth.out")"
fi
clk=$(getconf CLK_TCK)
note "unitlsd used $((ticks1 - ticks0)) ticks of CPU in 3 s at the limit ($clk per second)"
check "no busy loop at the limit (less than a third of a core)" [ $((ticks1 - ticks0)) -lt "$clk" ]

tls --echo-bytes 1000 "127.0.0.1:$P_OTHER" >"$T/other.out" 2>&1
check_grep "another listener serves meanwhile" '^completed=1 failed=0' "$T/other.out"

stop_pid "$HOLD_1"
if wait_exit "$SIXTH" 120; then
    check_eq "once one closes, the sixth client is served" "$EXIT_STATUS" 0
else
    fail "once one closes, the sixth client is served" "still waiting after 120 s"
fi
for i in 2 3 4 5; do eval "stop_pid \$HOLD_$i"; done
tls --connections 5 --barrier --echo-bytes 1000 "127.0.0.1:$P" >"$T/again.out" 2>&1
check_grep "5 at once are served again after the holders left" '^completed=5 failed=0' "$T/again.out"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
