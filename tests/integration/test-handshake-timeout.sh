#!/bin/sh
# A client that connects and says nothing is closed once the listener's handshake timeout (1 s
# here) has passed, and not before; many of them at once are all closed; none of them ever
# reaches the backend (the backend connect starts after the handshake); the access log says
# why; the daemon serves normally afterwards. The only time bounds are generous upper bounds.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
P=$(free_ports 1)
{
    config_head
    listener_yaml hs "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
    echo "    timeouts: { handshake: 1s, idle: 300s, connect: 5s }"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish

"$TLSCLIENT" --silent --timeout-ms 60000 "127.0.0.1:$P" >"$T/silent.out" 2>&1
rc=$?
check_eq "a silent client is closed by the daemon" "$rc" 0
ms=$(sed -n 's/^closed_after_ms=\([0-9]*\).*/\1/p' "$T/silent.out")
if [ -n "$ms" ] && [ "$ms" -ge 900 ]; then
    pass "not before the 1 s handshake timeout (after $ms ms)"
else
    fail "not before the 1 s handshake timeout" "$(cat "$T/silent.out")"
fi

i=0
while [ "$i" -lt 20 ]; do
    "$TLSCLIENT" --silent --timeout-ms 90000 "127.0.0.1:$P" >"$T/silent.$i.out" 2>&1 &
    eval "SILENT_$i=$!"; eval "track_pid \$SILENT_$i"
    i=$((i + 1))
done
closed=0; i=0
while [ "$i" -lt 20 ]; do
    eval "wait_exit \$SILENT_$i 120"
    [ "$EXIT_STATUS" = 0 ] && closed=$((closed + 1))
    i=$((i + 1))
done
check_eq "20 silent clients at once are all closed" "$closed" 20

check_grep "the access log says handshake timeout" 'access listener=hs .*end="timeout: handshake' "$UNITLSD_LOG"

tls --echo-bytes 100000 "127.0.0.1:$P" >"$T/normal.out" 2>&1
check_grep "a normal client is served afterwards" '^completed=1 failed=0' "$T/normal.out"

stop_pid "$ECHO_PID"
check_grep "the backend saw only the normal client's connection" 'accepted=1 ' "$T/ECHO.err"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
