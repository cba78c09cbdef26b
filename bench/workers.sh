#!/bin/sh
# workers.sh: does unitlsd scale with its workers? Full TLS 1.3 handshakes (unitls-load --mode
# handshake, BENCH_CONCURRENCY connections, default 40, BENCH_SECONDS per run, default 5) through
# one unitlsd in front of the echo backend, three set-ups in the same run:
#   1w-pinned  workers: 1, unitlsd on core 0, load and backend on core 1 (the other scripts' rule)
#   1w-shared  workers: 1, unitlsd, load and backend all free to use cores 0 and 1
#   2w-shared  workers: 2, the same
#   2p-shared  two unitlsd processes of 1 worker each, free to use both cores, each driven by
#              its own unitls-load (--workers 1, half the connections): they share no OpenSSL
#              object, no lock and no memory, so their per-core figure is what two workers
#              could reach on this machine if nothing inside unitlsd or OpenSSL contended
# Each prints handshakes per server-core-second (server CPU from /proc/PID/stat, all threads)
# and per wall second, medians of BENCH_RUNS (default 3) runs, cycling through the set-ups.
#
# What it can and cannot show on a 2-vCPU machine: the load generator (whose side of a full
# handshake costs about as much as the server's) must run on the same two cores, so two workers
# can never get two whole cores and the wall-rate ratio 2w/1w is bounded by the load's share, not
# by unitlsd. What the run does show is the cost per handshake with two workers running at once
# on two cores: if 2w-shared needs no more server CPU per handshake than 1w-shared, the workers
# do not contend (no lock or cache-line fights inside OpenSSL or unitlsd), so on two dedicated
# cores the wall rate would be 2 x (the per-core ratio). Issue 8's target (1.8x) is judged on
# that projection, which the output prints beside the measured wall ratio. 2w / 2p tells how much
# of a shortfall is the workers' own (sharing contexts, OpenSSL's locks) rather than the
# machine's (two busy vCPUs, the kernel's loopback and accept paths).
# The figures live in variables set through eval (append, bench_run): shellcheck cannot see them.
# shellcheck disable=SC2034,SC2154
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/peers.sh"
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
CONC=${BENCH_CONCURRENCY:-40}
# The load's side of a handshake is what limits these runs (the pinned server idles about half
# the time): by default the client skips its two ECDSA verifications so the servers get more of
# the cores. LOAD_VERIFY=1 verifies as the other scripts do.
LOAD_VERIFY=${LOAD_VERIFY:-0}

peers_init
bench_header
echo "# unitlsd: $(peer_version unitlsd); unitls-load --mode handshake --workers 2" \
    "--concurrency $CONC --duration ${SECS}s$([ "$LOAD_VERIFY" = 1 ] || echo ' --insecure');" \
    "medians of $RUNS runs"
# shellcheck disable=SC2046
set -- $(free_ports 6)
echo_port=$1
backend_start echo "$echo_port"
peer_start unitlsd "$2" "$echo_port"
pid_1w_pinned=$PEER_PID port_1w_pinned=$2
# The shared set-ups: unitlsd free to use cores 0 and 1.
UNITLSD_CORES=0,1
unitlsd_start 1 "$3:$echo_port"
pid_1w_shared=$PEER_PID port_1w_shared=$3
unitlsd_start 2 "$4:$echo_port"
pid_2w_shared=$PEER_PID port_2w_shared=$4
unitlsd_start 1 "$5:$echo_port"
pid_2p_a=$PEER_PID port_2p_a=$5
unitlsd_start 1 "$6:$echo_port"
pid_2p_b=$PEER_PID port_2p_b=$6
UNITLSD_CORES=0
for p in "$3" "$4" "$5" "$6"; do wait_port "$p" || exit 1; done
names="1w_pinned 1w_shared 2w_shared 2p_shared"

# load_cores NAME: the cores the load may use for that set-up.
load_cores() { case $1 in 1w_pinned) echo 1 ;; *) echo 0,1 ;; esac; }

workers_run() { # NAME [warmup]
    if [ -n "${2:-}" ]; then secs=1; else secs=$SECS; fi
    [ "$1" != 2p_shared ] || { processes_run; return; }
    # The backend follows the load: on core 1 for the pinned set-up, on both for the others.
    taskset -p -a -c "$(load_cores "$1")" "$BACKEND_PID" >/dev/null
    LOAD_CORES=$(load_cores "$1")
    bench_run "$1" handshakes --mode handshake \
        --duration "${secs}s" --concurrency "$CONC" --workers 2
    LOAD_CORES=1
}

# processes_run: one run of 2p-shared, a load of half the connections against each process at
# once; the server CPU is both processes' together. Uses secs from workers_run.
processes_run() {
    taskset -p -a -c 0,1 "$BACKEND_PID" >/dev/null
    LOAD_CORES=0,1
    c0=$(($(tree_ticks "$pid_2p_a") + $(tree_ticks "$pid_2p_b")))
    load_json "$T/run-a.json" --mode handshake --duration "${secs}s" --concurrency $((CONC / 2)) \
        --workers 1 "127.0.0.1:$port_2p_a" &
    load_a=$!
    load_json "$T/run-b.json" --mode handshake --duration "${secs}s" --concurrency $((CONC / 2)) \
        --workers 1 "127.0.0.1:$port_2p_b"
    wait "$load_a"
    c1=$(($(tree_ticks "$pid_2p_a") + $(tree_ticks "$pid_2p_b")))
    LOAD_CORES=1
    for p in "$pid_2p_a" "$pid_2p_b"; do
        kill -0 "$p" 2>/dev/null || { echo "a 2p-shared unitlsd died during the run" >&2; exit 1; }
    done
    bench_record 2p_shared handshakes $((c1 - c0)) "$T/run-a.json" "$T/run-b.json"
}

bench_rounds workers_run
bench_table workers "full TLS 1.3 handshakes, unitlsd with 1 and 2 workers" hs
# shellcheck disable=SC2046
w1=$(median $(get wall_1w_shared))
# shellcheck disable=SC2046
w2=$(median $(get wall_2w_shared))
eff=$(ratio "$med_2w_shared" "$med_1w_shared")
echo "per server-core-second, 2 workers / 1 worker (both shared): $eff (1.00 = no contention)"
echo "wall rate, 2 workers / 1 worker (both shared, the load on the same 2 cores): $(ratio "$w2" "$w1")"
proj=$(awk -v e="$eff" 'BEGIN { printf "%.2f", 2 * e }')
echo "projected wall rate on 2 dedicated cores, 2 x per-core ratio: $proj (target 1.8:" \
    "$(awk -v p="$proj" 'BEGIN { print (p >= 1.8 ? "met" : "not met") }'))"
eff_p=$(ratio "$med_2p_shared" "$med_1w_shared")
echo "per server-core-second, 2 processes / 1 worker (nothing shared): $eff_p (what the machine" \
    "allows two servers)"
echo "per server-core-second, 2 workers / 2 processes: $(ratio "$med_2w_shared" "$med_2p_shared")" \
    "(1.00 = the workers lose nothing to sharing one process)"
echo "RESULT workers per-core-ratio $eff"
echo "RESULT workers processes-per-core-ratio $eff_p"
echo "RESULT workers workers-vs-processes $(ratio "$med_2w_shared" "$med_2p_shared")"
echo "RESULT workers wall-ratio $(ratio "$w2" "$w1")"
echo "RESULT workers projected $proj"
