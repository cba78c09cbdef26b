#!/bin/sh
# 20 reloads during a stream of fresh connections from several clients fail none of them.
# Four client processes (two connections each, the project's own client) keep opening fresh
# connections (full handshake, 1000 bytes echoed byte-exact, close) to two listeners: one whose
# certificate changes at every reload (new context each time, old ones retired while in use)
# and one that stays the same. Meanwhile 20 SIGHUPs, each waited for. Every connection must
# succeed; the count of failures is printed for the record.
. "$(dirname "$0")/lib.sh"

RELOADS=20
start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 2)
P_CHG=$1 P_SAME=$2
cp "$CERTS/localhost.pem" "$T/a.pem"; cp "$CERTS/localhost.key" "$T/a.key"
new_leaf "$T" b "DNS:localhost,IP:127.0.0.1" || bail "a second certificate could be made"
config() {
    {
        config_head
        listener_yaml changing "\"127.0.0.1:$P_CHG\"" "127.0.0.1:$ECHO_PORT" "$T/$1"
        listener_yaml same "\"127.0.0.1:$P_SAME\"" "127.0.0.1:$ECHO_PORT"
    } >"$T/unitlsd.yaml"
}
config a
start_unitlsd "$T/unitlsd.yaml" "$P_CHG" "$P_SAME" || finish

CLIENTS=""
for i in 1 2 3 4; do
    if [ $((i % 2)) = 1 ]; then port=$P_CHG; else port=$P_SAME; fi
    tls_bg --loop --connections 2 --stop-file "$T/stop" --duration-ms 600000 \
        --echo-bytes 1000 --timeout-ms 60000 "127.0.0.1:$port" >"$T/client$i.out" 2>"$T/client$i.err" &
    track_pid "$!"; CLIENTS="$CLIENTS $!"
done
sleep 1

ok=0; i=0
while [ "$i" -lt "$RELOADS" ]; do
    i=$((i + 1))
    if [ $((i % 2)) = 1 ]; then config b; else config a; fi
    reload_unitlsd && last_reload_line | grep -q 'generation' && ok=$((ok + 1))
    sleep 0.2
done
check_eq "$RELOADS reloads succeeded" "$ok" "$RELOADS"
check_eq "every reload built the changed listener's context" \
    "$(grep -c 'reload: generation .*1 reused, 1 built, 1 retired' "$UNITLSD_LOG")" "$RELOADS"
sleep 1
touch "$T/stop"

completed=0; failed=0; ended=0
for pid in $CLIENTS; do wait_exit "$pid" 120 && ended=$((ended + 1)); done
check_eq "the 4 clients stopped" "$ended" 4
for i in 1 2 3 4; do
    c=$(sed -n 's/^completed=\([0-9]*\) .*/\1/p' "$T/client$i.out"); f=$(sed -n 's/.* failed=\([0-9]*\) .*/\1/p' "$T/client$i.out")
    completed=$((completed + ${c:-0})); failed=$((failed + ${f:-0}))
    [ -z "$f" ] && failed=$((failed + 1)) && note "client $i printed no summary"
    [ "${f:-0}" = 0 ] || note "client $i: $(head -n 3 "$T/client$i.err" | tr '\n' ' ')"
done
note "connections during $RELOADS reloads: $completed completed, $failed failed"
check_eq "no connection failed across the reloads" "$failed" 0
check "connections kept coming during the reloads (at least $RELOADS)" [ "$completed" -ge "$RELOADS" ]
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
