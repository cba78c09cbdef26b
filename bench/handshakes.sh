#!/bin/sh
# handshakes.sh: full and resumed TLS 1.3 handshakes per server-core-second, unitlsd beside
# hitch, HAProxy, stunnel and nginx (stream), all started at once by peers.sh: one worker or
# thread each, pinned to core 0, same certificate (ECDSA P-256 leaf + intermediate), same echo
# backend. unitls-load on core 1 drives BENCH_CONCURRENCY (default 20) connections for
# BENCH_SECONDS (default 5) per run:
#   --mode handshake  a fresh TCP connection and a full handshake each (X25519), then close
#   --mode resume     the same, resuming with the ticket of the previous connection
# A figure is completed handshakes / server CPU seconds (utime + stime of the server's process
# tree from /proc, read around the run), so it does not depend on whether the load saturates the
# server. The runs cycle through the peers (a different first peer each round) and each figure
# is the median of BENCH_RUNS (default 3) runs, after one uncounted warm-up run per peer.
# Prints each peer's median, CPU µs per handshake, wall rate and server utilisation, then the
# ratios unitlsd / best of hitch and HAProxy (issue 8's target: 1.5) and unitlsd / best peer.
# BENCH_PEERS chooses the servers (default: unitlsd hitch haproxy stunnel nginx).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/peers.sh"
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-5}
CONC=${BENCH_CONCURRENCY:-20}
PEERS=${BENCH_PEERS:-unitlsd unitlsd_gnutls hitch haproxy stunnel nginx}

peers_init
bench_header
# shellcheck disable=SC2086
names=$(peers_available $PEERS)
# shellcheck disable=SC2046
set -- $(free_ports $(($(echo $names | wc -w) + 1)))
backend_start echo "$1"
echo_port=$1
shift
for n in $names; do
    peer_start "$n" "$1" "$echo_port"
    eval "pid_$n=\$PEER_PID port_$n=\$1"
    echo "# $n: $(peer_version "$n")"
    shift
done
echo "# unitls-load --tls-version 1.3 --concurrency $CONC --duration ${SECS}s; medians of $RUNS runs"

hs_run() { # NAME [warmup]
    if [ -n "${2:-}" ]; then secs=1; else secs=$SECS; fi
    bench_run "$1" handshakes --mode "$MODE" --duration "${secs}s" --concurrency "$CONC"
}

MODE=handshake
bench_rounds hs_run
bench_table handshakes-full "full TLS 1.3 handshakes per server-core-second (--mode handshake)" hs
bench_ratios handshakes-full 1.5

MODE=resume
bench_rounds hs_run
bench_table handshakes-resumed "resumed TLS 1.3 handshakes per server-core-second (--mode resume)" hs
bench_ratios handshakes-resumed 1.5
