#!/bin/sh
# idle-memory.sh: memory per idle established connection (client TLS connection + backend
# connection), unitlsd beside hitch, HAProxy, stunnel and nginx (stream), then how many idle
# connections one unitlsd holds (issue 8: 100,000).
#
# Part 1, per peer and run: a fresh server (core 0, one worker, same certificate, echo backend),
# 20 warm-up handshakes, its RSS (VmRSS summed over its processes); then unitls-load --mode hold
# opens BENCH_IDLE_CONNS (default 5,000) TLS 1.3 connections, BENCH_OPEN_RATE (default 1,000)
# per second so that few handshakes are in flight at once (the figure is the cost of an idle
# connection, not of thousands of simultaneous handshakes), and keeps them open and silent; once
# the server has all their sockets (client + backend, counted in /proc/PID/fd) and one more
# second has passed, its RSS again. (after - before) / N is the figure, median of BENCH_RUNS
# (default 3). The peers keep their default buffer settings.
#
# Part 2: one unitlsd with one worker, BENCH_MANY_CONNS (default 100,000) held connections. One
# (source, destination) address pair only has ~28k ephemeral ports, so the connections are spread
# over several listeners (127.0.0.1 ports), each with its own echo backend port, one unitls-load
# per listener. The fd limit is raised as far as allowed (each connection costs unitlsd two fds,
# the load and the backend one each); where the hard limit cannot be raised (no
# CAP_SYS_RESOURCE) the count is capped to fit it and the cap is printed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/peers.sh"
RUNS=${BENCH_RUNS:-3}
PEERS=${BENCH_PEERS:-unitlsd unitlsd_gnutls hitch haproxy stunnel nginx}
N=${BENCH_IDLE_CONNS:-5000}
MANY=${BENCH_MANY_CONNS:-100000}
PER_PORT=${BENCH_CONNS_PER_PORT:-20000}
OPEN_RATE=${BENCH_OPEN_RATE:-1000}

peers_init
bench_header
# shellcheck disable=SC2086
names=$(peers_available $PEERS)
for n in $names; do echo "# $n: $(peer_version "$n")"; done

# hold_and_measure PID PORTS COUNT: holds COUNT connections spread over the ports PORTS (one
# unitls-load each), waits until PID's process tree has 2 fds per connection beyond its
# baseline, then sets HELD_RSS (KiB), HELD (connections held by the loads at their end) and
# HELD_SECS (time until all were open). Stops the loads by PID (SIGINT: they then report).
hold_and_measure() {
    pid=$1; ports=$2; count=$3
    nports=$(echo $ports | wc -w)
    base_fds=$(tree_fds "$pid")
    loads=""
    i=0
    for p in $ports; do
        c=$((count / nports)); [ "$i" -ne 0 ] || c=$((c + count % nports))
        taskset -c 1 "$UNITLS_LOAD" --tls-version 1.3 --cafile "$CERTS/ca.pem" --sni localhost \
            --json -q --mode hold --concurrency "$c" --rate "$((OPEN_RATE / nports + 1))" \
            --duration 600s --timeout 120s \
            "127.0.0.1:$p" >"$T/hold-$i.json" 2>"$T/hold-$i.err" &
        loads="$loads $!"
        peers_track "$!"
        i=$((i + 1))
    done
    start=$(date +%s)
    want=$((base_fds + 2 * count))
    # Bounded: at most 300 s for everything to open, and 20 s without progress.
    last=-1 since=$start
    while :; do
        fds=$(tree_fds "$pid")
        [ "$fds" -lt "$want" ] || break
        now=$(date +%s)
        if [ "$fds" -ne "$last" ]; then last=$fds since=$now; fi
        if [ $((now - start)) -ge 300 ] || [ $((now - since)) -ge 20 ]; then
            echo "  (stopped waiting: the server has $fds of $want fds)" >&2
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    HELD_SECS=$(( $(date +%s) - start ))
    sleep 1
    HELD_RSS=$(tree_rss_kib "$pid")
    HELD_FDS=$(tree_fds "$pid")
    for l in $loads; do kill -INT "$l" 2>/dev/null; done
    HELD=0
    i=0
    for l in $loads; do
        wait_exit "$l" 60
        peer_stop "$l"
        h=$(json_num held_peak "$T/hold-$i.json")
        d=$(json_num dropped "$T/hold-$i.json")
        [ "${d:-0}" -eq 0 ] || echo "  ($d connections dropped by the server on load $i)" >&2
        HELD=$((HELD + ${h:-0}))
        i=$((i + 1))
    done
}

# warm PORT: 20 full handshakes, so what a server allocates once is in its baseline.
warm() { load_json "$T/warm.json" --mode handshake --count 20 --concurrency 4 "127.0.0.1:$1"; }

echo "# part 1: $N idle TLS 1.3 connections per run, medians of $RUNS runs"
# shellcheck disable=SC2046
set -- $(free_ports 2)
backend_start echo "$1"
echo_port=$1 port=$2
r=0
while [ "$r" -lt "$RUNS" ]; do
    for n in $names; do
        peer_start "$n" "$port" "$echo_port"
        warm "$port"
        sleep 0.5
        before=$(tree_rss_kib "$PEER_PID")
        hold_and_measure "$PEER_PID" "$port" "$N"
        per=$(awk -v a="$HELD_RSS" -v b="$before" -v n="$HELD" \
            'BEGIN { if (n > 0) printf "%.1f\n", (a - b) / n; else print 0 }')
        append "kib_$n" "$per"
        append "held_$n" "$HELD"
        append "base_$n" "$before"
        peer_stop "$PEER_PID"
    done
    r=$((r + 1))
done

echo
echo "== memory per idle established connection (server RSS after - before) / connections held"
printf '%-14s %12s %10s %12s  %s\n' peer "KiB/conn" "held" "base RSS" "runs (KiB per connection)"
for n in $names; do
    # shellcheck disable=SC2046
    m=$(median $(get "kib_$n"))
    eval "med_$n=\$m"
    # shellcheck disable=SC2046
    printf '%-14s %12s %10s %12s  %s\n' "$n" "$m" "$(median $(get "held_$n"))" \
        "$(median $(get "base_$n")) KiB" "$(echo $(get "kib_$n"))"
done
for n in $names; do echo "RESULT idle-kib $n $(get "med_$n")"; done
# shellcheck disable=SC2046
best=$(for n in $names; do case $n in unitlsd*) ;; *) echo "$n $(get "med_$n")" ;; esac; done |
    sort -g -k 2 | head -n 1)
for u in $(printf '%s\n' $names | grep '^unitlsd'); do
    eval "m=\${med_$u:-}"
    [ -n "$m" ] || continue
    echo "$u: $m KiB per idle connection (target: at most 10 KiB: $(awk -v m="$m" \
        'BEGIN { print (m <= 10 ? "met" : "not met") }')); leanest peer: ${best:-none} KiB;" \
        "$u / HAProxy: $(ratio "$m" "${med_haproxy:-}")"
done
peer_stop "$BACKEND_PID"

# --- part 2: many idle connections on one unitlsd ----------------------------------------------
# unitlsd needs 2 fds per connection; the load and the echo backend one each, in their own
# processes, under the same limit.
cap=$(( (NOFILE - 200) / 2 ))
count=$MANY
note=""
if [ "$count" -gt "$cap" ]; then
    count=$cap
    # shellcheck disable=SC3045
    note=" (capped: fd limit $NOFILE, hard limit $(ulimit -H -n); raising it needs CAP_SYS_RESOURCE)"
fi
nports=$(( (count + PER_PORT - 1) / PER_PORT ))
echo
echo "# part 2: one unitlsd (1 worker) holding $count idle connections over $nports listener(s)$note"
# shellcheck disable=SC2046
set -- $(free_ports $((2 * nports)))
bports="" lports="" pairs=""
i=0
while [ "$i" -lt "$nports" ]; do
    bports="$bports $1"; lports="$lports $2"; pairs="$pairs $2:$1"
    shift 2
    i=$((i + 1))
done
# shellcheck disable=SC2086
backend_start echo $bports
UNITLSD_LISTENER_EXTRA="    timeouts: { handshake: 120s, idle: 600s }" unitlsd_start 1 "$pairs"
u=$PEER_PID
for p in $lports; do wait_port "$p" "$u" || exit 1; done
# shellcheck disable=SC2086
set -- $lports
warm "$1"
before=$(tree_rss_kib "$u")
hold_and_measure "$u" "$lports" "$count"
alive=yes
kill -0 "$u" 2>/dev/null || alive="no (it exited)"
echo "== many idle connections on one unitlsd"
echo "held $HELD of $count asked ($MANY wanted) in ${HELD_SECS}s; unitlsd fds $HELD_FDS; RSS $before KiB ->" \
    "$HELD_RSS KiB: $(awk -v a="$HELD_RSS" -v b="$before" -v n="$HELD" \
    'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "n/a" }') KiB per connection;" \
    "unitlsd alive: $alive"
echo "RESULT many-idle unitlsd $HELD"
echo "RESULT many-idle-asked unitlsd $count"
echo "RESULT many-idle-kib unitlsd $(awk -v a="$HELD_RSS" -v b="$before" -v n="$HELD" \
    'BEGIN { if (n > 0) printf "%.1f", (a - b) / n; else print "n/a" }')"
