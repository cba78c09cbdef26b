#!/bin/sh
# flood-memory.sh: how much of the memory a flood of connections takes unitlsd gives back once
# the flood is over (issue 21).
#
# Per implementation (BENCH_IMPLS, default "gnutls openssl"), worker count (BENCH_WORKERS,
# default "1 2") and run (BENCH_RUNS, default 3): a fresh unitlsd pinned to core 0 in front of
# the echo backend, 20 warm-up handshakes, one second, its VmRSS ("start"). Then the flood, from
# core 1: unitls-load --mode hold opens BENCH_IDLE (default 2,000) connections from
# BENCH_THREADS (default 16) threads and keeps them silent; once unitlsd has all their sockets,
# BENCH_SHORT (default 5,000) short connections (handshake, close) from BENCH_THREADS threads,
# BENCH_SHORT_CONC (default 128) in flight; then the held ones are released (SIGINT). VmRSS is
# read at the flood's peak, "right after" (the first moment unitlsd has no connection socket
# left, i.e. its fd count is back to where it was at start), and after 1 s and 5 s more. The
# figures are RSS above start, median of the runs, in MiB.
#
# The goals (issue 21): right after within 16 MiB of start, after a quiet second within 4 MiB.
# UNITLSD may point at another unitlsd binary (to measure a build before a change);
# BENCH_INSPECT names a command run with unitlsd's PID at the end of each run (to see where the
# memory stays: /proc/PID/smaps, gdb), its output on stderr.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/peers.sh"
RUNS=${BENCH_RUNS:-3}
IMPLS=${BENCH_IMPLS:-gnutls openssl}
WORKER_COUNTS=${BENCH_WORKERS:-1 2}
IDLE=${BENCH_IDLE:-2000}
SHORT=${BENCH_SHORT:-5000}
THREADS=${BENCH_THREADS:-16}
SHORT_CONC=${BENCH_SHORT_CONC:-128}

peers_init
bench_header
echo "# unitlsd: $("$UNITLSD" --version 2>&1 | head -n 1); $IDLE idle + $SHORT short connections" \
    "from $THREADS threads; medians of $RUNS runs; MiB of VmRSS above start"

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }
mib_above() { awk -v r="$1" -v s="$2" 'BEGIN { printf "%.1f\n", (r - s) / 1024 }'; }

# wait_fds PID WANT CMP SECONDS: bounded wait until PID's fd count CMP (ge/le) WANT.
wait_fds() {
    _wf_i=0
    while ! [ "$(fds "$1")" -"$3" "$2" ]; do
        _wf_i=$((_wf_i + 1))
        [ "$_wf_i" -lt $(($4 * 100)) ] || return 1
        sleep 0.01
    done
}

# flood_run IMPL WORKERS: one run; appends to peak_, after_, quiet1_, quiet5_ of IMPL_WORKERS.
flood_run() {
    key="$1_$2"
    UNITLSD_IMPL=$1 UNITLSD_LISTENER_EXTRA="    timeouts: { handshake: 120s, idle: 600s }" \
        unitlsd_start "$2" "$PORT:$BPORT"
    pid=$PEER_PID
    wait_port "$PORT" "$pid" || exit 1
    load_json "$T/warm.json" --mode handshake --count 20 "127.0.0.1:$PORT"
    sleep 1
    start=$(rss_kib "$pid")
    base_fds=$(fds "$pid")
    taskset -c 1 "$UNITLS_LOAD" --tls-version 1.3 --cafile "$CERTS/ca.pem" --sni localhost \
        --json -q --mode hold --concurrency "$IDLE" --workers "$THREADS" --duration 600s \
        --timeout 120s "127.0.0.1:$PORT" >"$T/hold.json" 2>"$T/hold.err" &
    hold=$!
    peers_track "$hold"
    wait_fds "$pid" $((base_fds + 2 * IDLE)) ge 120 ||
        { echo "unitlsd never held $IDLE connections ($(fds "$pid") fds)" >&2; exit 1; }
    load_json "$T/short.json" --mode handshake --workers "$THREADS" --concurrency "$SHORT_CONC" \
        --count "$SHORT" --timeout 120s "127.0.0.1:$PORT"
    [ "$(json_num completed "$T/short.json")" = "$SHORT" ] ||
        { echo "short connections failed: $(cat "$T/short.json" "$T/short.json.err")" >&2; exit 1; }
    peak=$(rss_kib "$pid")
    kill -INT "$hold"
    wait "$hold" 2>/dev/null
    wait_fds "$pid" "$base_fds" le 60 ||
        { echo "unitlsd kept $(($(fds "$pid") - base_fds)) sockets" >&2; exit 1; }
    after=$(rss_kib "$pid")
    sleep 1
    quiet1=$(rss_kib "$pid")
    sleep 4
    quiet5=$(rss_kib "$pid")
    # shellcheck disable=SC2086
    [ -z "${BENCH_INSPECT:-}" ] || $BENCH_INSPECT "$pid" >&2
    peer_stop "$pid"
    append "start_$key" "$(awk -v s="$start" 'BEGIN { printf "%.1f\n", s / 1024 }')"
    append "peak_$key" "$(mib_above "$peak" "$start")"
    append "after_$key" "$(mib_above "$after" "$start")"
    append "quiet1_$key" "$(mib_above "$quiet1" "$start")"
    append "quiet5_$key" "$(mib_above "$quiet5" "$start")"
    echo "# run $1, $2 worker(s): start $((start / 1024)) MiB; above it: peak" \
        "$(mib_above "$peak" "$start"), right after $(mib_above "$after" "$start")," \
        "+1 s $(mib_above "$quiet1" "$start"), +5 s $(mib_above "$quiet5" "$start")"
}

set -- $(free_ports 2)
PORT=$1
BPORT=$2
backend_start echo "$BPORT"
for impl in $IMPLS; do
    for w in $WORKER_COUNTS; do
        r=0
        while [ "$r" -lt "$RUNS" ]; do flood_run "$impl" "$w"; r=$((r + 1)); done
    done
done

echo "== RSS above start after a flood, MiB (medians of $RUNS runs)"
printf '%-8s %7s %9s %7s %11s %7s %7s\n' impl workers start peak "right after" "+1 s" "+5 s"
for impl in $IMPLS; do
    for w in $WORKER_COUNTS; do
        k="${impl}_$w"
        # shellcheck disable=SC2046
        printf '%-8s %7s %9s %7s %11s %7s %7s\n' "$impl" "$w" \
            "$(median $(get "start_$k"))" "$(median $(get "peak_$k"))" \
            "$(median $(get "after_$k"))" "$(median $(get "quiet1_$k"))" \
            "$(median $(get "quiet5_$k"))"
        echo "RESULT flood-after-mib $k $(median $(get "after_$k")) (runs:$(get "after_$k"))"
        echo "RESULT flood-quiet1-mib $k $(median $(get "quiet1_$k")) (runs:$(get "quiet1_$k"))"
        echo "RESULT flood-quiet5-mib $k $(median $(get "quiet5_$k")) (runs:$(get "quiet5_$k"))"
    done
done
