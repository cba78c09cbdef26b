#!/bin/sh
# Several backends per listener (backends:, balance:, backend_retry:).
# - failover (balance first): the first backend refuses, every client is served by the second
#   and none sees a failure; the refused backend is then skipped for backend_retry (one
#   connect to it, not one per client, in /metrics);
# - a backend that comes back is used again once backend_retry has passed;
# - a backend whose connect times out is failed over the same way, once the connect timeout
#   has passed;
# - round_robin spreads sequential clients evenly over its backends (the access lines name
#   the backend each client used);
# - /metrics has connects, failures and passive health per listener and backend, and a
#   reload keeps them for the same listener and address.
. "$(dirname "$0")/lib.sh"

start_backend ECHO1 "$ECHO_BIN"
start_backend ECHO2 "$ECHO_BIN"
# A backend whose connects never complete: its accept queue (backlog 0) is kept full.
start_backend HOLE "$ECHO_BIN" --mode blackhole
"$TLSCLIENT" --silent --timeout-ms 300000 "127.0.0.1:$HOLE_PORT" >/dev/null 2>&1 3>&- 4>&- &
FILLER=$!; track_pid "$FILLER"
sleep 0.5
set -- $(free_ports 5)
P_FAIL=$1 P_RR=$2 PS=$3 PB=$4 P_SLOW=$5  # nothing listens on PB until the test starts it
RETRY_S=4
B=127.0.0.1:$PB B1=127.0.0.1:$ECHO1_PORT B2=127.0.0.1:$ECHO2_PORT BH=127.0.0.1:$HOLE_PORT
{
    config_head | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$PS"
    cat <<EOF
  - name: failover
    listen: ["127.0.0.1:$P_FAIL"]
    certificates:
      - {cert: $CERTS/localhost.pem, key: $CERTS/localhost.key}
    backends:
      - address: $B
      - address: $B2
    backend_retry: ${RETRY_S}s
  - name: rr
    listen: ["127.0.0.1:$P_RR"]
    certificates:
      - {cert: $CERTS/localhost.pem, key: $CERTS/localhost.key}
    backends: [{address: $B1}, {address: $B2}]
    balance: round_robin
  - name: slow
    listen: ["127.0.0.1:$P_SLOW"]
    certificates:
      - {cert: $CERTS/localhost.pem, key: $CERTS/localhost.key}
    backends: [{address: $BH}, {address: $B2}]
    timeouts: {connect: 1s}
    backend_retry: 60s
EOF
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_FAIL" "$P_RR" "$PS" "$P_SLOW" || finish

metrics() { timeout 30 curl -sS "http://127.0.0.1:$PS/metrics" >"$T/m.txt" 2>&1; }
# value NAME LISTENER BACKEND: the sample's value in the last scrape.
value() {
    awk -v n="$1{listener=\"$2\",backend=\"$3\"}" '$1 == n { print $2 }' "$T/m.txt"
}
now_ms() { date +%s%3N; }
# served PORT OUT: one client echoing 1000 bytes; passes when it completed.
served() {
    tls --echo-bytes 1000 --timeout-ms 30000 "127.0.0.1:$1" >"$2" 2>&1
    grep -q '^completed=1 failed=0' "$2"
}
# access_count LISTENER BACKEND: access lines of that listener naming that backend.
access_count() { count_lines "access listener=$1 .* backend=$2 " "$UNITLSD_LOG"; }

# --- failover -------------------------------------------------------------------------------
started=$(now_ms)
ok=0
for i in 1 2 3 4 5; do served "$P_FAIL" "$T/fail$i.out" && ok=$((ok + 1)); done
elapsed=$(($(now_ms) - started))
check_eq "failover: 5 clients, the first backend refusing: every one served" "$ok" 5
check_eq "failover: their 5 access lines name the second backend" \
    "$(access_count failover "$B2")" 5
check_eq "failover: no access line says backend refused" \
    "$(count_lines 'access listener=failover .*end="backend refused' "$UNITLSD_LOG")" 0
check_grep "failover: the refusal is logged, naming the backend" \
    "listener failover: backend $B: .*[Rr]efused" "$UNITLSD_LOG"
metrics
if [ "$elapsed" -lt $((RETRY_S * 1000)) ]; then
    check_eq "failover: the refused backend is skipped: 1 connect to it for 5 clients" \
        "$(value unitlsd_backend_connections_total failover "$B")" 1
else
    skip_check "failover: the refused backend is skipped" "the clients took ${elapsed} ms"
fi
check_eq "failover: 5 connects to the second backend" \
    "$(value unitlsd_backend_connections_total failover "$B2")" 5
check_eq "failover: 1 failure of the refused backend" \
    "$(value unitlsd_backend_failures_total failover "$B")" 1
check_eq "failover: no failure of the second backend" \
    "$(value unitlsd_backend_failures_total failover "$B2")" 0
check_eq "failover: the refused backend is down" "$(value unitlsd_backend_up failover "$B")" 0
check_eq "failover: the second backend is up" "$(value unitlsd_backend_up failover "$B2")" 1
check_grep "the unlabelled failure total is still there" '^unitlsd_backend_failures_total 1$' "$T/m.txt"
check_eq "the backends of every listener have their series" \
    "$(grep -c '^unitlsd_backend_up{' "$T/m.txt")" 6

# --- the refused backend comes back ---------------------------------------------------------
start_backend BACK "$ECHO_BIN" --listen "$B"
wait_until 20 port_open "$PB" || bail "the backend on $PB starts"
before=$(access_count failover "$B")
served "$P_FAIL" "$T/early.out"
if [ $(($(now_ms) - started)) -lt $((RETRY_S * 1000 - 500)) ]; then
    check_eq "back, but within backend_retry: still skipped" "$(access_count failover "$B")" "$before"
else
    skip_check "back, but within backend_retry: still skipped" "too slow to tell"
fi
up_again() { metrics && [ "$(value unitlsd_backend_up failover "$B")" = 1 ]; }
check "after backend_retry the backend counts as up again" wait_until $((RETRY_S * 3)) up_again
served "$P_FAIL" "$T/back.out"
check_eq "after backend_retry the first backend serves again" \
    "$(access_count failover "$B")" $((before + 1))

# --- a connect that times out --------------------------------------------------------------
ok=0
for i in 1 2 3; do served "$P_SLOW" "$T/slow$i.out" && ok=$((ok + 1)); done
check_eq "timeout: 3 clients, the first backend never answering: every one served" "$ok" 3
check_eq "timeout: their access lines name the second backend" "$(access_count slow "$B2")" 3
check_grep "timeout: the timed-out connect is logged, naming the backend" \
    "listener slow: backend $BH: connect timed out" "$UNITLSD_LOG"
metrics
check_eq "timeout: 1 connect to the silent backend, 1 failure, then skipped" \
    "$(value unitlsd_backend_connections_total slow "$BH") $(value unitlsd_backend_failures_total slow "$BH")" \
    "1 1"

# --- round_robin ----------------------------------------------------------------------------
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do served "$P_RR" "$T/rr$i.out" && ok=$((ok + 1)); done
check_eq "round_robin: 10 clients served" "$ok" 10
check_eq "round_robin: 5 on the first backend" "$(access_count rr "$B1")" 5
check_eq "round_robin: 5 on the second backend" "$(access_count rr "$B2")" 5
metrics
check_eq "round_robin: 5 connects to each backend (first)" \
    "$(value unitlsd_backend_connections_total rr "$B1")" 5
check_eq "round_robin: 5 connects to each backend (second)" \
    "$(value unitlsd_backend_connections_total rr "$B2")" 5
check_eq "round_robin: both up" \
    "$(value unitlsd_backend_up rr "$B1") $(value unitlsd_backend_up rr "$B2")" "1 1"

# --- a reload keeps each backend's counters ------------------------------------------------
reload_unitlsd
check_grep "the reload succeeded" 'reload: generation 2' "$UNITLSD_LOG"
metrics
check_eq "after the reload: the counters of the same listener and address carry on" \
    "$(value unitlsd_backend_connections_total rr "$B1") $(value unitlsd_backend_failures_total failover "$B")" \
    "5 1"
finish
