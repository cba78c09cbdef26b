#!/bin/sh
# GET /health on the stats listener, for a balancer in front of unitlsd:
# - 200 while every listener serves; 503 naming the listener once its only backend is gone
#   (its connect failed: passive health); 200 again once the backend is back and
#   backend_retry has passed;
# - SIGTERM turns /health to 503 ("draining") at once, while for drain.health_grace the
#   listener still accepts and serves a new connection; then it stops accepting, drains and
#   exits 0;
# - a second SIGTERM during the grace cuts it short, SIGHUP does not reload then; without a
#   grace SIGTERM stops at once.
. "$(dirname "$0")/lib.sh"

set -- $(free_ports 3)
P=$1 PS=$2 PB=$3
GRACE_S=3
start_backend ECHO "$ECHO_BIN" --listen "127.0.0.1:$PB"
wait_until 20 port_open "$PB" || bail "the backend starts on $PB"
# config GRACE: the listener web with its one backend on PB, stats on PS.
config() {
    config_head | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$PS"'\ndrain:\n  health_grace: '"$1"
    listener_yaml web "\"127.0.0.1:$P\"" "127.0.0.1:$PB"
    echo "    backend_retry: 2s"
}
config "${GRACE_S}s" >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$PS" || finish

# health: the status of GET /health, its body in $T/health.txt.
health() {
    timeout 10 curl -sS -o "$T/health.txt" -w '%{http_code}' "http://127.0.0.1:$PS/health" 2>/dev/null
}
health_is() { [ "$(health)" = "$1" ]; }
served() {
    tls --echo-bytes 1000 --timeout-ms 30000 "127.0.0.1:$P" >"$T/client.out" 2>&1
    grep -q '^completed=1 failed=0' "$T/client.out"
}

check_eq "/health: 200 while the listener serves" "$(health)" 200
check_grep "/health: the body says ok" '^ok' "$T/health.txt"
code=$(timeout 10 curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PS/health")
check_eq "POST /health is refused" "$code" 405

# --- the only backend goes away, then comes back -------------------------------------------
stop_pid "$ECHO_PID"
tls --echo-bytes 10 --timeout-ms 30000 "127.0.0.1:$P" >"$T/refused.out" 2>&1
check_no_grep "a client while the backend is gone is not served" '^completed=1 failed=0' "$T/refused.out"
check_eq "/health: 503 once the only backend refused" "$(health)" 503
check_grep "/health: the body names the listener without a reachable backend" \
    '^listener web: no reachable backend' "$T/health.txt"
start_backend ECHO "$ECHO_BIN" --listen "127.0.0.1:$PB"
wait_until 20 port_open "$PB" || bail "the backend starts again on $PB"
check "/health: 200 again once the backend is back and backend_retry passed" \
    wait_until 15 health_is 200
check "a client is served again" served

# --- SIGTERM: 503 at once, still serving during the grace, then the drain -------------------
kill -TERM "$UNITLSD_PID"
t0=$(date +%s%3N)
check "SIGTERM: /health answers 503 at once" wait_until 5 health_is 503
check_grep "SIGTERM: the body says draining" '^draining' "$T/health.txt"
check "during the grace a new connection is still served" served
if [ $(($(date +%s%3N) - t0)) -lt $((GRACE_S * 1000 - 300)) ]; then
    check "during the grace the daemon still runs" pid_alive "$UNITLSD_PID"
else
    skip_check "during the grace the daemon still runs" "too slow to tell"
fi
if wait_exit "$UNITLSD_PID" 60; then
    check_eq "after the grace and the drain the daemon exits 0" "$EXIT_STATUS" 0
else
    fail "after the grace and the drain the daemon exits 0" "still running after 60 s"
fi
check "it waited out the grace ($GRACE_S s) before stopping" \
    test $(($(date +%s%3N) - t0)) -ge $((GRACE_S * 1000 - 200))
check "then the listener is closed" port_closed "$P"
check_grep "the log says /health turned 503 for the grace" \
    'SIGTERM: /health answers 503; accepting for 3000 ms more' "$UNITLSD_LOG"
check_grep "the log says the grace ended" 'health grace over: stopping' "$UNITLSD_LOG"

# --- a second SIGTERM cuts a long grace short ------------------------------------------------
UNITLSD_LOG=$T/unitlsd2.log
config 300s >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$PS" || finish
kill -TERM "$UNITLSD_PID"
check "grace of 300 s: /health 503 after SIGTERM" wait_until 5 health_is 503
check "grace of 300 s: still accepting" served
kill -HUP "$UNITLSD_PID"
check "grace of 300 s: SIGHUP does not reload a stopping daemon" \
    wait_until 10 grep -q 'SIGHUP: not reloading, the daemon is stopping' "$UNITLSD_LOG"
t0=$(date +%s)
kill -TERM "$UNITLSD_PID"
if wait_exit "$UNITLSD_PID" 60; then
    check_eq "a second SIGTERM stops it at once (exit 0)" "$EXIT_STATUS" 0
else
    fail "a second SIGTERM stops it at once" "still running after 60 s"
fi
check_grep "the log says the grace was cut short" 'SIGTERM again: stopping now' "$UNITLSD_LOG"

# --- no grace (the default): SIGTERM stops accepting at once ---------------------------------
UNITLSD_LOG=$T/unitlsd3.log
config 0s >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$PS" || finish
kill -TERM "$UNITLSD_PID"
check "no grace: the listener closes at once" wait_until 20 port_closed "$P"
if wait_exit "$UNITLSD_PID" 60; then
    check_eq "no grace: the daemon exits 0" "$EXIT_STATUS" 0
else
    fail "no grace: the daemon exits 0" "still running after 60 s"
fi
cat "$T"/unitlsd*.log >"$T/all.log"
check_no_grep "no sanitizer report in the daemons' output" 'Sanitizer\|runtime error:' "$T/all.log"
finish
