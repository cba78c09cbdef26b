#!/bin/sh
# hitch-vs-unitlsd.sh: unitlsd and hitch side by side, same certificate (the test PKI's
# localhost leaf: ECDSA P-256, chain with its intermediate), same backend, same core.
#
# Each server runs with one worker pinned to core 0 (taskset -c 0); the load generator and the
# backends run on core 1. A figure is work done divided by the server's CPU time (utime + stime
# from /proc/PID/stat, summed over the server's processes), so it is per server-core-second
# whether or not the load saturates the server. Runs alternate between the servers; each figure
# is the median of BENCH_RUNS runs (default 3).
#   - full TLS 1.3 handshakes per server-core-second: unitls-load --mode handshake (no
#     resumption; a fresh TCP connection each), BENCH_CONCURRENCY in flight (default 16),
#     BENCH_SECONDS per run (default 10). Without unitls-load, tests/backends/tlsclient --loop.
#   - bulk download, MB (10^6 bytes) per server-core-second: curl fetches BENCH_BULK_MB
#     (default 1024) from the HTTP backend through the server, TLS_AES_128_GCM_SHA256.
#   - bulk both ways, MB per server-core-second: unitls-load --mode throughput through the echo
#     backend (64 MiB each way per connection), counting the bytes of both directions.
# Prints both figures and the ratio unitlsd / hitch for each. Needs hitch (apt-get install
# hitch), curl, taskset and two cores. Environment as for the integration tests: UNITLSD,
# UNITLS_LOAD, UNITLS_BACKENDS, UNITLS_TEST_CERTS, or UNITLS_BUILDDIR to derive them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

B=${UNITLS_BUILDDIR:-$(pwd)}
UNITLSD=${UNITLSD:-$B/src/daemon/unitlsd}
UNITLS_LOAD=${UNITLS_LOAD:-$B/src/load/unitls-load}
BACKENDS=${UNITLS_BACKENDS:-$B/tests/backends}
CERTS=${UNITLS_TEST_CERTS:-$B/tests/certs}
HITCH=${HITCH:-/usr/sbin/hitch}
RUNS=${BENCH_RUNS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
CONCURRENCY=${BENCH_CONCURRENCY:-16}
BULK_MB=${BENCH_BULK_MB:-1024}

for f in "$UNITLSD" "$BACKENDS/echo" "$BACKENDS/http" "$BACKENDS/tlsclient" "$CERTS/localhost.pem"; do
    [ -e "$f" ] || { echo "missing $f (build the tree and tests/certs first)"; exit 1; }
done
[ -x "$HITCH" ] || { echo "hitch not found at $HITCH (apt-get install hitch)"; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "needs two cores"; exit 1; }

T=$(mktemp -d "${TMPDIR:-/tmp}/unitls-bench.XXXXXX")
PIDS=""
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do
        i=0; while kill -0 "$p" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_port PORT: bounded wait until something accepts on 127.0.0.1:PORT.
wait_port() {
    i=0
    while ! "$BACKENDS/tlsclient" --probe --timeout-ms 1000 "127.0.0.1:$1" 2>/dev/null; do
        i=$((i + 1)); [ "$i" -lt 100 ] || { echo "nothing listens on $1"; exit 1; }
        sleep 0.1
    done
}

# tree_ticks PID: CPU ticks of PID and its direct children (hitch forks its workers).
tree_ticks() {
    total=$(cpu_ticks "$1")
    for c in $(cat "/proc/$1/task/"*/children 2>/dev/null); do
        total=$((total + $(cpu_ticks "$c" 2>/dev/null || echo 0)))
    done
    echo "$total"
}

json_num() { sed -n "s/.*\"$1\":\\([0-9.]*\\).*/\\1/p" | head -n 1; }

# --- backends (core 1) and servers (core 0) -------------------------------------------------
taskset -c 1 "$BACKENDS/echo" --listen 127.0.0.1:0 >"$T/echo.port" 2>/dev/null &
PIDS="$PIDS $!"
taskset -c 1 "$BACKENDS/http" --listen 127.0.0.1:0 >"$T/http.port" 2>/dev/null &
PIDS="$PIDS $!"
i=0; while { [ ! -s "$T/echo.port" ] || [ ! -s "$T/http.port" ]; } && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ECHO_PORT=$(cat "$T/echo.port"); HTTP_PORT=$(cat "$T/http.port")
set -- $("$BACKENDS/echo" --find-ports 4)
U_HS=$1 U_WEB=$2 H_HS=$3 H_WEB=$4

{
    echo "implementation: openssl"
    echo "workers: 1"
    [ "$(id -u)" -ne 0 ] || echo "run_as_root: true"
    echo "log: { level: notice, access: false }"
    echo "listeners:"
    for l in "hs $U_HS $ECHO_PORT" "web $U_WEB $HTTP_PORT"; do
        set -- $l
        echo "  - name: $1"
        echo "    listen: [\"127.0.0.1:$2\"]"
        echo "    certificates: [ { cert: $CERTS/localhost.pem, key: $CERTS/localhost.key } ]"
        echo "    backend: { address: \"127.0.0.1:$3\" }"
    done
} >"$T/unitlsd.yaml"
taskset -c 0 "$UNITLSD" -c "$T/unitlsd.yaml" 2>"$T/unitlsd.log" &
UNITLSD_PID=$!; PIDS="$PIDS $UNITLSD_PID"

cat "$CERTS/localhost.pem" "$CERTS/localhost.key" >"$T/hitch.pem"
chmod 644 "$T/hitch.pem"
hitch_user=""
[ "$(id -u)" -ne 0 ] || hitch_user="--user=nobody"
# One frontend per port; hitch sends every frontend to the one backend, so two instances.
taskset -c 0 "$HITCH" --frontend="[127.0.0.1]:$H_HS" --backend="[127.0.0.1]:$ECHO_PORT" \
    --workers=1 --daemon=off $hitch_user "$T/hitch.pem" >"$T/hitch-hs.log" 2>&1 &
HITCH_HS=$!; PIDS="$PIDS $HITCH_HS"
taskset -c 0 "$HITCH" --frontend="[127.0.0.1]:$H_WEB" --backend="[127.0.0.1]:$HTTP_PORT" \
    --workers=1 --daemon=off $hitch_user "$T/hitch.pem" >"$T/hitch-web.log" 2>&1 &
HITCH_WEB=$!; PIDS="$PIDS $HITCH_WEB"
for p in "$U_HS" "$U_WEB" "$H_HS" "$H_WEB"; do wait_port "$p"; done

# --- measurements --------------------------------------------------------------------------

# handshakes PORT: prints the count of full handshakes of one run.
handshakes() {
    if [ -x "$UNITLS_LOAD" ]; then
        taskset -c 1 "$UNITLS_LOAD" --mode handshake --duration "${SECONDS_PER_RUN}s" \
            --concurrency "$CONCURRENCY" --tls-version 1.3 --cafile "$CERTS/ca.pem" \
            --sni localhost --json -q "127.0.0.1:$1" 2>/dev/null | json_num completed
    else
        taskset -c 1 "$BACKENDS/tlsclient" --cafile "$CERTS/ca.pem" --loop \
            --connections "$CONCURRENCY" --duration-ms $((SECONDS_PER_RUN * 1000)) \
            --echo-bytes 0 --tls-min TLSv1.3 --json "127.0.0.1:$1" 2>/dev/null | json_num completed
    fi
}

# download PORT: prints the bytes of one bulk download.
download() {
    taskset -c 1 curl -sS --cacert "$CERTS/ca.pem" --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 \
        -o /dev/null -w '%{size_download}\n' "https://localhost:$1/bytes/$((BULK_MB * 1000000))"
}

# both_ways PORT: prints the payload bytes (both directions) of one throughput run.
both_ways() {
    out=$(taskset -c 1 "$UNITLS_LOAD" --mode throughput --payload 64M --concurrency 1 \
        --duration "${SECONDS_PER_RUN}s" --tls-version 1.3 --cafile "$CERTS/ca.pem" \
        --sni localhost --json -q "127.0.0.1:$1" 2>/dev/null)
    echo $(( $(echo "$out" | json_num app_sent) + $(echo "$out" | json_num app_received) ))
}

# measure KIND PID PORT: one run; prints work per server-core-second.
measure() {
    c0=$(tree_ticks "$2")
    work=$("$1" "$3")
    c1=$(tree_ticks "$2")
    awk -v w="${work:-0}" -v t=$((c1 - c0)) -v hz="$CLK_TCK" -v kind="$1" 'BEGIN {
        if (t <= 0) { print 0; exit }
        if (kind == "handshakes") printf "%.0f\n", w / (t / hz)
        else printf "%.0f\n", w / 1e6 / (t / hz) }'
}

# series KIND U_PORT H_PORT LABEL UNIT: RUNS alternating runs, medians and ratio.
series() {
    u_all=""; h_all=""
    "$1" "$2" >/dev/null; "$1" "$3" >/dev/null   # warm-up, not counted
    r=0
    while [ "$r" -lt "$RUNS" ]; do
        u_all="$u_all $(measure "$1" "$UNITLSD_PID" "$2")"
        h_all="$h_all $(measure "$1" "$(hitch_pid "$3")" "$3")"
        r=$((r + 1))
    done
    u=$(median $u_all); h=$(median $h_all)
    printf '%-62s unitlsd %7s   hitch %7s   ratio %s\n' "$4 ($5)" "$u" "$h" "$(ratio "$u" "$h")"
    printf '%-62s runs: unitlsd%s / hitch%s\n' "" "$u_all" "$h_all"
}
hitch_pid() { if [ "$1" = "$H_HS" ]; then echo "$HITCH_HS"; else echo "$HITCH_WEB"; fi; }

echo "$("$UNITLSD" --version 2>/dev/null | head -n 1) vs $("$HITCH" --version 2>&1 | head -n 1);" \
    "$(openssl version); $(nproc) CPUs; server on core 0, load on core 1"
echo "medians of $RUNS runs; figures per server-core-second (server CPU from /proc)"
if [ -x "$UNITLS_LOAD" ]; then gen=unitls-load; else gen="tlsclient --loop (no unitls-load)"; fi
series handshakes "$U_HS" "$H_HS" "full TLS 1.3 handshakes, $gen, c=$CONCURRENCY" "per core-s"
series download "$U_WEB" "$H_WEB" "bulk download ${BULK_MB} MB, curl, AES-128-GCM" "MB per core-s"
if [ -x "$UNITLS_LOAD" ]; then
    series both_ways "$U_HS" "$H_HS" "bulk both ways, unitls-load throughput 64 MiB" "MB per core-s"
fi
kill -0 "$UNITLSD_PID" 2>/dev/null || { echo "unitlsd died during the benchmark"; exit 1; }
