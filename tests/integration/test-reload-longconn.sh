#!/bin/sh
# Connections open across several reloads keep exchanging data: two interactive connections
# (one on a listener whose certificate changes at every reload, one on a listener that stays
# the same) echo a round after each of 5 reloads, and a 64 MiB stream running meanwhile (its
# backend reads 1 MiB/s until the reloads are over, then at full speed) arrives byte-exact.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
start_backend SLOW "$ECHO_BIN" --read-rate 1M
set -- $(free_ports 3)
P_CHG=$1 P_SAME=$2 P_SLOW=$3
cp "$CERTS/localhost.pem" "$T/a.pem"; cp "$CERTS/localhost.key" "$T/a.key"
new_leaf "$T" b "DNS:localhost,IP:127.0.0.1" || bail "a second certificate could be made"
# config VARIANT: listener "changing" uses certificate a or b.
config() {
    {
        config_head
        listener_yaml changing "\"127.0.0.1:$P_CHG\"" "127.0.0.1:$ECHO_PORT" "$T/$1"
        listener_yaml same "\"127.0.0.1:$P_SAME\"" "127.0.0.1:$ECHO_PORT"
        listener_yaml stream "\"127.0.0.1:$P_SLOW\"" "127.0.0.1:$SLOW_PORT" "$T/$1"
    } >"$T/unitlsd.yaml"
}
config a
start_unitlsd "$T/unitlsd.yaml" "$P_CHG" "$P_SAME" "$P_SLOW" || finish

mkfifo "$T/in1" "$T/in2"
tls_bg --rounds --timeout-ms 600000 "127.0.0.1:$P_CHG" <"$T/in1" >"$T/c1.out" 2>&1 &
C1=$!; track_pid "$C1"
tls_bg --rounds --timeout-ms 600000 "127.0.0.1:$P_SAME" <"$T/in2" >"$T/c2.out" 2>&1 &
C2=$!; track_pid "$C2"
exec 3<>"$T/in1" 4<>"$T/in2"
tls_bg --echo-bytes 64M --timeout-ms 600000 "127.0.0.1:$P_SLOW" >"$T/stream.out" 2>&1 &
STREAM=$!; track_pid "$STREAM"

ok1=0; ok2=0; reloads=0
for i in 1 2 3 4 5 6; do
    echo 65536 >&3; echo 65536 >&4
    wait_until 30 lines_at_least "^round $i ok" "$T/c1.out" 1 && ok1=$((ok1 + 1))
    wait_until 30 lines_at_least "^round $i ok" "$T/c2.out" 1 && ok2=$((ok2 + 1))
    [ "$i" = 6 ] && break
    if [ $((i % 2)) = 1 ]; then config b; else config a; fi
    reload_unitlsd && last_reload_line | grep -q generation && reloads=$((reloads + 1))
done
check_eq "5 reloads succeeded" "$reloads" 5
check_eq "connection on the changing listener: a round after each reload" "$ok1" 6
check_eq "connection on the unchanged listener: a round after each reload" "$ok2" 6
check "the 64 MiB stream was still going after the last reload" pid_alive "$STREAM"
kill -USR1 "$SLOW_PID"
exec 3>&- 4>&-
wait_exit "$C1" 30; check_eq "changing listener's connection ends cleanly" "$EXIT_STATUS" 0
wait_exit "$C2" 30; check_eq "unchanged listener's connection ends cleanly" "$EXIT_STATUS" 0
if wait_exit "$STREAM" 300; then
    check_eq "the 64 MiB stream across the reloads arrived byte-exact" "$EXIT_STATUS" 0
else
    fail "the 64 MiB stream across the reloads arrived byte-exact" "still running after 300 s"
fi
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
