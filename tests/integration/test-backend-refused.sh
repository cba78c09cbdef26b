#!/bin/sh
# A backend that refuses connections: each client of that listener completes its handshake and
# is then closed cleanly (close_notify), the failure is logged (an access line per connection,
# a warning at most every 10 s per listener saying how many failed meanwhile), and nothing else
# is disturbed: a long connection on another listener keeps exchanging data and new
# connections there are served.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P_DEAD=$1 P_LIVE=$2 DEAD_BACKEND=$3     # nothing listens on DEAD_BACKEND
{
    config_head
    listener_yaml dead "\"127.0.0.1:$P_DEAD\"" "127.0.0.1:$DEAD_BACKEND"
    listener_yaml live "\"127.0.0.1:$P_LIVE\"" "127.0.0.1:$ECHO_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_DEAD" "$P_LIVE" || finish

# A long connection on the live listener, driven round by round through a FIFO.
mkfifo "$T/long.in"
tls_bg --rounds --timeout-ms 300000 "127.0.0.1:$P_LIVE" <"$T/long.in" >"$T/long.out" 2>&1 &
LONG_PID=$!; track_pid "$LONG_PID"
exec 3<>"$T/long.in"
echo 100000 >&3
wait_until 30 lines_at_least '^round 1 ok' "$T/long.out" 1
check_grep "long connection on the live listener: round 1" '^round 1 ok' "$T/long.out"

clean=0
for i in 1 2 3 4 5 6 7 8 9 10; do
    tls --until-close --timeout-ms 30000 "127.0.0.1:$P_DEAD" >"$T/dead.out" 2>&1
    grep -q 'version=TLSv1.3 .*end=close_notify' "$T/dead.out" && clean=$((clean + 1))
done
check_eq "10 clients of the refused backend: handshake, then closed with close_notify" "$clean" 10
# A burst in parallel too: every one of them ends, none hangs.
tls --connections 20 --until-close --timeout-ms 60000 "127.0.0.1:$P_DEAD" >"$T/burst.out" 2>&1
check_grep "20 parallel clients of the refused backend are all closed" '^completed=20 failed=0' "$T/burst.out"

check_grep "the refused backend connect is logged" "dead.*127.0.0.1:$DEAD_BACKEND.*[Rr]efused" "$UNITLSD_LOG"
check_grep "access line says backend refused" 'access listener=dead .*end="backend refused' "$UNITLSD_LOG"
check_eq "every one of the 30 refused connections has its access line" \
    "$(grep -c 'access listener=dead .*end="backend refused' "$UNITLSD_LOG")" 30
# The 30 refusals take a few seconds: one warning, or a second one if they took over 10 s.
warnings=$(grep -c "dead: backend 127.0.0.1:$DEAD_BACKEND" "$UNITLSD_LOG")
check "the warning is not repeated per connection ($warnings lines for 30)" test "$warnings" -le 2
sleep 10
tls --until-close --timeout-ms 30000 "127.0.0.1:$P_DEAD" >"$T/dead.out" 2>&1
check_grep "10 s later, the next refusal is logged with the count of those not logged" \
    "dead: backend 127.0.0.1:$DEAD_BACKEND: .*[Rr]efused (and [0-9]* more failures since the last such line)" \
    "$UNITLSD_LOG"
# Every failure is accounted for: each line stands for itself and the ones it says it skipped.
accounted=$(grep "dead: backend 127.0.0.1:$DEAD_BACKEND" "$UNITLSD_LOG" |
    sed -n 's/.*(and \([0-9]*\) more failures.*/\1/p' | awk -v lines="$((warnings + 1))" \
    '{ s += $1 } END { print s + lines }')
check_eq "the warning lines account for all 31 refusals" "$accounted" 31

echo 100000 >&3
wait_until 30 lines_at_least '^round 2 ok' "$T/long.out" 1
check_grep "long connection on the live listener: round 2 after the refusals" '^round 2 ok' "$T/long.out"
exec 3>&-
wait_exit "$LONG_PID" 30
check_eq "long connection ends cleanly" "$EXIT_STATUS" 0

tls --echo-bytes 1M "127.0.0.1:$P_LIVE" >"$T/live.out" 2>&1
check_grep "a new connection on the live listener is served" '^completed=1 failed=0' "$T/live.out"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
