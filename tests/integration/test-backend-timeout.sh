#!/bin/sh
# A backend whose connect never completes (a listening socket with a full accept queue drops
# further SYNs): the client's connection is closed with close_notify once the listener's
# connect timeout (1 s here) has passed, the warning and the access line say "connect timed
# out" / "timeout: connect", and another listener serves meanwhile. Upper bounds only.
. "$(dirname "$0")/lib.sh"

start_backend HOLE "$ECHO_BIN" --mode blackhole
start_backend ECHO "$ECHO_BIN"
# Fill the black hole's accept queue (backlog 0: one waiting connection fills it).
"$TLSCLIENT" --silent --timeout-ms 300000 "127.0.0.1:$HOLE_PORT" >/dev/null 2>&1 3>&- 4>&- &
FILLER=$!; track_pid "$FILLER"
sleep 0.5
set -- $(free_ports 2)
P=$1 P_OK=$2
{
    config_head
    listener_yaml hole "\"127.0.0.1:$P\"" "127.0.0.1:$HOLE_PORT"
    echo "    timeouts: { handshake: 10s, idle: 300s, connect: 1s }"
    listener_yaml ok "\"127.0.0.1:$P_OK\"" "127.0.0.1:$ECHO_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$P_OK" || finish

tls --until-close --timeout-ms 60000 "127.0.0.1:$P" >"$T/c.out" 2>&1
check_grep "client is closed with close_notify after the backend connect times out" \
    'version=TLSv1.3 .*end=close_notify' "$T/c.out"
tls --connections 5 --until-close --timeout-ms 60000 "127.0.0.1:$P" >"$T/c5.out" 2>&1
check_grep "5 at once: all closed" '^completed=5 failed=0' "$T/c5.out"
wait_until 10 lines_at_least 'access listener=hole .*timeout: connect' "$UNITLSD_LOG" 6
check_eq "access lines say timeout: connect" "$(count_lines 'access listener=hole .*end="timeout: connect' "$UNITLSD_LOG")" 6
check_grep "a warning names the backend" "hole: backend 127.0.0.1:$HOLE_PORT: connect timed out" "$UNITLSD_LOG"
tls --echo-bytes 100000 "127.0.0.1:$P_OK" >"$T/ok.out" 2>&1
check_grep "the other listener serves" '^completed=1 failed=0' "$T/ok.out"
finish
