#!/bin/sh
# h2load-vs-unitls-load.sh: unitls-load against h2load (nghttp2-client) as load generators,
# in full handshakes per client CPU-second (what one client core can drive).
#
# Both tools load the same server, `openssl s_server -HTTP` pinned to core 0, answering
# GET /index.txt with a small response and "Connection: close", its session tickets and
# session cache off: every request then costs a new TCP connection and a full TLS 1.3
# handshake (X25519, ECDSA P-256) whoever the client is (h2load would otherwise resume on its
# reconnects). Each tool runs alone, pinned to core 1, closed loop with $CONCURRENCY
# connections, until $N requests are done. Its CPU time (user + system, the waiting shell's
# cutime + cstime from /proc) divides the requests it completed. Medians of $RUNS runs, the
# contenders alternating. unitls-load runs twice: --insecure (no certificate verification,
# like h2load) and --cafile (verifying the chain and the name).
#
# Needs: h2load (apt-get install nghttp2-client), openssl, taskset, 2 CPUs.
set -eu
. "$UNITLS_SRCDIR/bench/lib.sh"
N=${N:-3000}
RUNS=${RUNS:-3}
CONCURRENCY=${CONCURRENCY:-10}
C=$UNITLS_TEST_CERTS
# The real binary, not libtool's wrapper script, whose own start-up would be counted.
LOAD=$UNITLS_BUILDDIR/src/load/.libs/unitls-load
[ -x "$LOAD" ] || LOAD=$UNITLS_BUILDDIR/src/load/unitls-load
export LD_LIBRARY_PATH="$UNITLS_BUILDDIR/src/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

skip() { echo "skipped: $1"; exit 0; } # not a failure of `make bench`
command -v h2load >/dev/null 2>&1 || skip "no h2load (apt-get install nghttp2-client)"
command -v taskset >/dev/null 2>&1 || skip "no taskset"
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs (server on 0, client on 1)"

W=$(mktemp -d "${TMPDIR:-/tmp}/unitls-h2load.XXXXXX")
SPID=""
cleanup() {
    [ -z "$SPID" ] || { kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null || true; }
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

printf 'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n' >"$W/index.txt"
printf 'GET /index.txt HTTP/1.1\r\nHost: localhost\r\n\r\n' >"$W/request"

server_answers() {
    printf 'GET /index.txt HTTP/1.0\r\n\r\n' |
        timeout 5 openssl s_client -quiet -connect "127.0.0.1:$1" 2>/dev/null | grep -q '^ok'
}

# server_start PORT: s_server on core 0 serving $W; 0 once it answers, 1 if it cannot.
server_start() {
    (cd "$W" && exec taskset -c 0 openssl s_server -HTTP -no_ticket -no_cache -quiet \
        -accept "127.0.0.1:$1" -cert "$C/localhost.pem" -cert_chain "$C/intermediate.pem" \
        -key "$C/localhost.key" >"$W/s_server.out" 2>&1 </dev/null) &
    SPID=$!
    i=0
    while [ $i -lt 50 ] && kill -0 "$SPID" 2>/dev/null; do
        server_answers "$1" && return 0
        sleep 0.1; i=$((i + 1))
    done
    kill "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; SPID=""
    return 1
}

PORT=""
for p in 24431 24437 24443 24449 24457 24463; do
    if server_start "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "openssl s_server could not start"; exit 1; }

# cpu_of OUT COMMAND...: runs COMMAND pinned to core 1, output in OUT; prints the CPU clock
# ticks it used (the pinned shell's reaped children's user + system time).
cpu_of() {
    _out=$1; shift
    taskset -c 1 sh -c '"$@" >"$0" 2>&1 || true
        sed "s/^.*) //" /proc/$$/stat | awk "{ print \$14 + \$15 }"' "$_out" "$@"
}

# record NAME DONE TICKS WALL: appends "per-CPU-second wall done" to $W/NAME.res.
record() {
    echo "$(awk -v n="$2" -v t="$3" -v hz="$CLK_TCK" \
        'BEGIN { printf "%.0f", t ? n * hz / t : 0 }') $4 $2" >>"$W/$1.res"
}

run_h2load() {
    t=$(cpu_of "$W/h2load.out" h2load --h1 -n "$N" -c "$CONCURRENCY" \
        "https://127.0.0.1:$PORT/index.txt")
    done_n=$(sed -n 's/^requests: .* \([0-9][0-9]*\) succeeded.*/\1/p' "$W/h2load.out")
    wall=$(sed -n 's/^finished in [0-9.]*[a-z]*, \([0-9.]*\) req\/s.*/\1/p' "$W/h2load.out")
    record h2load "${done_n:-0}" "$t" "${wall:-0}"
}

run_unitls() { # NAME TLS-OPTIONS...
    name=$1; shift
    t=$(cpu_of "$W/$name.out" "$LOAD" -q --json --mode request --request "$W/request" \
        -n "$N" -c "$CONCURRENCY" "$@" "127.0.0.1:$PORT")
    done_n=$(sed -n 's/.*"completed":\([0-9]*\).*/\1/p' "$W/$name.out")
    hs=$(sed -n 's/.*"handshakes":\([0-9]*\).*/\1/p' "$W/$name.out")
    wall=$(sed -n 's/.*"rate_per_s":\([0-9.]*\).*/\1/p' "$W/$name.out")
    [ "$hs" = "$done_n" ] || echo "warning: $name made $hs handshakes for $done_n requests"
    record "$name" "${done_n:-0}" "$t" "${wall:-0}"
}

echo "server: openssl s_server -HTTP -no_ticket -no_cache, core 0, port $PORT"
echo "clients: core 1, closed loop, $CONCURRENCY connections, $N requests (= full handshakes)" \
    "per run, $RUNS runs"
i=0
while [ $i -lt "$RUNS" ]; do
    run_h2load
    run_unitls unitls-insecure --insecure
    run_unitls unitls-verify --cafile "$C/ca.pem"
    i=$((i + 1))
done

# summary NAME LABEL: prints the line and sets M to the median per CPU-second.
summary() {
    # shellcheck disable=SC2046
    M=$(median $(cut -d' ' -f1 "$W/$1.res"))
    # shellcheck disable=SC2046
    wall=$(median $(cut -d' ' -f2 "$W/$1.res"))
    printf '%-32s %6s handshakes per client CPU-second (runs: %s), wall %s/s\n' "$2" "$M" \
        "$(cut -d' ' -f1 "$W/$1.res" | tr '\n' ' ' | sed 's/ $//')" "$wall"
}
summary h2load "h2load --h1"; h=$M
summary unitls-insecure "unitls-load --insecure"; u=$M
summary unitls-verify "unitls-load --cafile (verifying)"; v=$M
echo "unitls-load / h2load: $(ratio "$u" "$h") (neither verifying)," \
    "$(ratio "$v" "$h") (unitls-load verifying)"
