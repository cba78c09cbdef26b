#!/bin/sh
# unitls-load sorts failed connections by reason, each provoked on purpose on loopback:
# refused (nothing listens), timeout (a listener that never answers), peer_closed (a listener
# that closes at once), other (a peer that answers with our own ClientHello), version (a server
# that refuses our only TLS version with an alert). A run where everything fails is data:
# exit 0. (test-load-explain.sh covers the handshake reasons' messages.)
. "$(dirname "$0")/lib.sh"

load_required

LOAD_CAFILE=$CERTS/ca.pem
# expect NAME REASON N: the run NAME failed N times, all for REASON, and completed nothing.
expect() {
    check_eq "$1: $3 failures, all $2" \
        "$(json_get "$T/$1.json" failed) $(json_get "$T/$1.json" "errors.$2")" "$3 $3"
    check_eq "$1: nothing completed" "$(json_get "$T/$1.json" completed)" 0
    check_eq "$1: exit status 0 (failures are data)" "$RC" 0
}

N=12
set -- $(free_ports 2)
P_NONE=$1 P_TLS12=$2

run_load "$T/refused.json" --count $N --concurrency 3 "127.0.0.1:$P_NONE"
expect refused refused $N

start_backend SILENT "$ECHO_BIN" --read-rate 0
run_load "$T/timeout.json" --count 4 --concurrency 4 --timeout 400ms "127.0.0.1:$SILENT_PORT"
expect timeout timeout 4

start_backend GREET "$ECHO_BIN" --mode greet --greet-bytes 0
run_load "$T/closed.json" --count $N --concurrency 3 "127.0.0.1:$GREET_PORT"
expect closed peer_closed $N

start_backend MIRROR "$ECHO_BIN"
run_load "$T/mirror.json" --count $N --concurrency 3 "127.0.0.1:$MIRROR_PORT"
expect mirror other $N

"$OPENSSL" s_server -www -tls1_2 -accept "127.0.0.1:$P_TLS12" -cert "$CERTS/localhost.pem" \
    -cert_chain "$CERTS/intermediate.pem" -key "$CERTS/localhost.key" \
    >"$T/s_server.out" 2>&1 </dev/null &
track_pid $!
wait_until 20 port_open "$P_TLS12" || bail "openssl s_server -tls1_2 listens on $P_TLS12"
run_load "$T/version.json" --count $N --concurrency 3 --tls-version 1.3 "127.0.0.1:$P_TLS12"
expect version version $N
check_grep "version: the example names the alert" 'alert' "$T/version.json"
# The same server and client meet on TLS 1.2: the failures above were the version's doing.
run_load "$T/v12.json" --count $N --concurrency 3 --tls-version 1.2 "127.0.0.1:$P_TLS12"
check_eq "the same server completes TLS 1.2" "$(json_get "$T/v12.json" completed)" "$N"
cat "$T"/*.json.err >"$T/load.stderr" 2>/dev/null
check_no_grep "no sanitizer report from unitls-load" 'Sanitizer\|runtime error:' "$T/load.stderr"
finish
