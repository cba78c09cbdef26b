#!/bin/sh
# Memory stays bounded when a peer is slow. A backend that reads nothing (echo --read-rate 0)
# while a client pushes 64 MiB at it: once the transfer is stuck, the client has not been able
# to hand everything over (the daemon stopped reading from it) and the daemon's resident memory
# has grown by far less than the data in flight. Then the backend reads at full speed (SIGUSR1)
# and all 64 MiB come back byte-exact. The other way round: a client that reads slowly (curl
# --limit-rate) while the backend sends 64 MiB as fast as it can. No timing is asserted: the
# test waits until the transfer stops moving, and bounds every wait.
. "$(dirname "$0")/lib.sh"

# An AddressSanitizer build keeps freed memory in quarantine, which is not what is measured.
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=16"
export ASAN_OPTIONS
LIMIT_KB=$((24 * 1024))         # growth allowed; the data in flight is 64 MiB

start_backend SLOW "$ECHO_BIN" --read-rate 0
start_backend FAST "$ECHO_BIN"
start_backend WEB "$HTTP_BIN"
set -- $(free_ports 3)
P_SLOW=$1 P_FAST=$2 P_WEB=$3
{
    config_head
    listener_yaml slow "\"127.0.0.1:$P_SLOW\"" "127.0.0.1:$SLOW_PORT"
    listener_yaml fast "\"127.0.0.1:$P_FAST\"" "127.0.0.1:$FAST_PORT"
    listener_yaml web "\"127.0.0.1:$P_WEB\"" "127.0.0.1:$WEB_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_SLOW" "$P_FAST" "$P_WEB" || finish

# Warm up: a few transfers through the daemon so its allocator has its working set.
for i in 1 2 3; do tls --echo-bytes 8M "127.0.0.1:$P_FAST" >/dev/null 2>&1; done
base=$(rss_kb "$UNITLSD_PID")
note "unitlsd RSS after warm-up: $base KiB"

# max_rss_over N: the largest RSS over N samples 0.5 s apart.
max_rss_over() {
    _max=0; _i=0
    while [ "$_i" -lt "$1" ]; do
        _r=$(rss_kb "$UNITLSD_PID"); [ "${_r:-0}" -le "$_max" ] || _max=$_r
        sleep 0.5; _i=$((_i + 1))
    done
    echo "$_max"
}

# sent_bytes: what the client has handed to TLS so far.
sent_bytes() { sed -n 's/^sent=\([0-9]*\).*/\1/p' "$T/progress" 2>/dev/null; }

tls_bg --echo-bytes 64M --timeout-ms 600000 --progress-file "$T/progress" "127.0.0.1:$P_SLOW" \
    >"$T/slow.out" 2>&1 &
CLIENT=$!; track_pid "$CLIENT"
# Wait until the amount sent stops moving for 2 s (at most 120 s).
last=-1; still=0; i=0
while [ "$i" -lt 240 ] && [ "$still" -lt 4 ]; do
    sleep 0.5; i=$((i + 1))
    now=$(sent_bytes); now=${now:-0}
    if [ "$now" = "$last" ] && [ "$now" -gt 0 ]; then still=$((still + 1)); else still=0; fi
    last=$now
done
note "client stuck after handing over $last bytes"
check "the transfer stopped moving (backend reads nothing)" [ "$still" -ge 4 ]
if [ "${last:-0}" -lt 67108864 ]; then
    pass "the client could not hand over all 64 MiB (the daemon stopped reading)"
else
    fail "the client could not hand over all 64 MiB (the daemon stopped reading)"
fi
peak=$(max_rss_over 6)
note "unitlsd RSS while stuck: $peak KiB (growth $((peak - base)) KiB)"
check "unitlsd memory bounded while the backend is slow (growth < $LIMIT_KB KiB)" \
    [ $((peak - base)) -lt "$LIMIT_KB" ]

kill -USR1 "$SLOW_PID"
if wait_exit "$CLIENT" 300; then
    check_eq "after the backend speeds up, all 64 MiB echoed byte-exact" "$EXIT_STATUS" 0
else
    fail "after the backend speeds up, all 64 MiB echoed byte-exact" "$(cat "$T/progress")"
fi

# The other direction: a slow reader client, a fast backend.
base=$(rss_kb "$UNITLSD_PID")
timeout 60 curl -sS --cacert "$CERTS/ca.pem" --limit-rate 200K --max-time 12 \
    -o /dev/null "https://localhost:$P_WEB/bytes/64M" 2>/dev/null &
CURL=$!; track_pid "$CURL"
sleep 4
peak=$(max_rss_over 8)
note "unitlsd RSS with a slow client: $peak KiB (growth $((peak - base)) KiB)"
check "unitlsd memory bounded while the client is slow (growth < $LIMIT_KB KiB)" \
    [ $((peak - base)) -lt "$LIMIT_KB" ]
stop_pid "$CURL"

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
