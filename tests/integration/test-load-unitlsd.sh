#!/bin/sh
# unitls-load against unitlsd, checked against the daemon's own counters (its /metrics page)
# and its backends'. Proves: handshake mode's count agrees with unitlsd_handshakes_total;
# resume mode's resumed handshakes agree with unitlsd_handshakes_resumed_total and, with
# several connections in flight on one session, all but each worker's first resume; hold mode
# holds N established connections (ss and unitlsd_connections_open both say N) for the
# duration; a wrong CA gives N verification failures that the daemon counts as failed
# handshakes; request mode's requests reach the http backend one for one; throughput mode
# moves its payload each way through the echo backend.
. "$(dirname "$0")/lib.sh"

load_required
[ -x "$UNITLSD" ] || skip_all "unitlsd is not built"
command -v ss >/dev/null 2>&1 || skip_all "no ss command (iproute2)"

start_backend HTTP "$HTTP_BIN"
start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P_WEB=$1 P_ECHO=$2 P_STATS=$3
{
    config_head 2
    listener_yaml web "\"127.0.0.1:$P_WEB\"" "127.0.0.1:$HTTP_PORT"
    listener_yaml echo "\"127.0.0.1:$P_ECHO\"" "127.0.0.1:$ECHO_PORT"
    echo "stats:"
    echo "  listen: 127.0.0.1:$P_STATS"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_WEB" "$P_ECHO" || finish

# metric NAME: a counter of the daemon's /metrics page (plain HTTP, read with curl, or nc
# when curl is missing).
metric() {
    if command -v curl >/dev/null 2>&1; then
        curl -s --max-time 10 "http://127.0.0.1:$P_STATS/metrics"
    else
        printf 'GET /metrics HTTP/1.0\r\n\r\n' | timeout 10 nc 127.0.0.1 "$P_STATS"
    fi | sed -n "s/^$1 \([0-9][0-9]*\)\$/\1/p"
}
command -v curl >/dev/null 2>&1 || command -v nc >/dev/null 2>&1 ||
    skip_all "neither curl nor nc to read /metrics"
[ -n "$(metric unitlsd_handshakes_total)" ] || bail "unitlsd serves /metrics on $P_STATS"

LOAD_CAFILE=$CERTS/ca.pem
established() { ss -Htn state established "( sport = :$1 )" | wc -l; }

# --- handshake mode: the daemon's count is the tool's ---------------------------------------
N=400
h0=$(metric unitlsd_handshakes_total)
run_load "$T/hs.json" --count $N --concurrency 16 --workers 2 "127.0.0.1:$P_WEB"
check_eq "handshake mode completed $N" "$(json_get "$T/hs.json" completed)" "$N"
check_eq "unitlsd counted $N handshakes" "$(($(metric unitlsd_handshakes_total) - h0))" "$N"

# --- resume mode: the daemon says how many resumed ------------------------------------------
h0=$(metric unitlsd_handshakes_total)
r0=$(metric unitlsd_handshakes_resumed_total)
run_load "$T/re.json" --mode resume --count $N --concurrency 4 --workers 2 "127.0.0.1:$P_WEB"
resumed=$(json_get "$T/re.json" resumed)
check_eq "resume mode completed $N" "$(json_get "$T/re.json" completed)" "$N"
check_eq "unitlsd counted $N handshakes" "$(($(metric unitlsd_handshakes_total) - h0))" "$N"
check_eq "unitlsd's resumed count is the tool's" \
    "$(($(metric unitlsd_handshakes_resumed_total) - r0))" "$resumed"
# Each worker's first handshake fetches its session; every later one, even when it starts
# before the new ticket of a connection in flight arrived, resumes.
check_eq "all but each worker's first handshake resumed" "$resumed" $((N - 2))

# --- hold mode: N established connections for the duration ---------------------------------
H=60
timeout 60 "$LOAD" -q --json --cafile "$CERTS/ca.pem" --mode hold --concurrency $H \
    --duration 4s "127.0.0.1:$P_WEB" >"$T/hold.json" 2>"$T/hold.json.err" &
LPID=$!
track_pid "$LPID"
wait_until 20 sh -c "[ \"\$(ss -Htn state established '( sport = :$P_WEB )' | wc -l)\" -ge $H ]"
sleep 1
check_eq "hold mode: $H established connections on the server's port" "$(established "$P_WEB")" "$H"
check_eq "hold mode: unitlsd has $H open connections" \
    "$(metric unitlsd_connections_open)" "$H"
wait_exit "$LPID" 30
check_eq "hold mode exits 0 after its duration" "$EXIT_STATUS" 0
check_eq "hold mode: peak $H held" "$(json_get "$T/hold.json" held_peak)" "$H"
check_eq "hold mode: none dropped" "$(json_get "$T/hold.json" dropped)" 0
wait_until 20 sh -c "[ \"\$(ss -Htn state established '( sport = :$P_WEB )' | wc -l)\" -eq 0 ]"
check_eq "hold mode: all closed at the end" "$(established "$P_WEB")" 0

# --- wrong CA: the daemon sees the handshakes fail -------------------------------------------
f0=$(metric unitlsd_handshake_failures_total)
timeout 60 "$LOAD" -q --json --cafile "$CERTS/other-ca.pem" --count 40 "127.0.0.1:$P_WEB" \
    >"$T/ca.json" 2>"$T/ca.json.err"
check_eq "a wrong CA: 40 verification failures" "$(json_get "$T/ca.json" errors.certificate)" 40
wait_until 10 sh -c "[ \$(($(metric unitlsd_handshake_failures_total) - $f0)) -ge 40 ]"
check_eq "unitlsd counted 40 failed handshakes" \
    "$(($(metric unitlsd_handshake_failures_total) - f0))" 40

# --- throughput mode through the echo backend ------------------------------------------------
run_load "$T/tp.json" --mode throughput --payload 2M --count 6 --concurrency 3 "127.0.0.1:$P_ECHO"
check_eq "throughput mode completed 6 transfers" "$(json_get "$T/tp.json" completed)" 6
check_eq "... receiving 2 MiB back for each" "$(json_get "$T/tp.json" bytes.app_received)" \
    $((6 * 2 * 1024 * 1024))

# --- request mode: one request at the backend per request counted ----------------------------
R=500
run_load "$T/rq.json" --mode request --count $R --concurrency 5 "127.0.0.1:$P_WEB"
check_eq "request mode completed $R" "$(json_get "$T/rq.json" completed)" "$R"
check_eq "request mode kept connections alive (5 handshakes)" \
    "$(json_get "$T/rq.json" handshakes)" 5
stop_pid "$HTTP_PID"
check_grep "the http backend answered $R requests" "requests=$R\$" "$T/HTTP.err"
cat "$T"/*.json.err >"$T/load.stderr" 2>/dev/null
check_no_grep "no sanitizer report from unitls-load" 'Sanitizer\|runtime error:' "$T/load.stderr"
finish
