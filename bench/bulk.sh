#!/bin/sh
# bulk.sh: bulk transfer, MB (10^6 bytes of plaintext) per server-core-second, unitlsd beside
# hitch, HAProxy, stunnel and nginx (stream), all started at once by peers.sh: one worker or
# thread each, pinned to core 0, same certificate; TLS 1.3 with TLS_AES_128_GCM_SHA256 (the
# client offers only that suite). unitls-load runs on core 1 with the backends; one connection
# per run:
#   download   --mode request: GET /bytes/BENCH_DOWNLOAD_MB MB from the http backend, so
#              the server encrypts (backend -> client) only
#   both ways  --mode throughput through the echo backend: BENCH_PAYLOAD (default 512M) each
#              way at once, so the server decrypts and encrypts; the bytes of both directions count
# A figure is the plaintext bytes moved / server CPU seconds (utime + stime of the server's
# process tree from /proc, read around the run); medians of BENCH_RUNS (default 3) runs after an
# uncounted warm-up per peer. Prints the ratios unitlsd / best of hitch and HAProxy (issue 8's
# target: 1.2) and unitlsd / best peer. BENCH_PEERS chooses the servers.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/peers.sh"
RUNS=${BENCH_RUNS:-3}
PEERS=${BENCH_PEERS:-unitlsd unitlsd_gnutls hitch haproxy stunnel nginx}
DOWNLOAD_MB=${BENCH_DOWNLOAD_MB:-1000}
PAYLOAD=${BENCH_PAYLOAD:-512M}

peers_init
bench_header
# shellcheck disable=SC2086
names=$(peers_available $PEERS)
# shellcheck disable=SC2046
set -- $(free_ports $((2 * $(echo $names | wc -w) + 2)))
backend_start echo "$1"
backend_start http "$2"
echo_port=$1 http_port=$2
shift 2
for n in $names; do
    peer_start "$n" "$1" "$echo_port"
    eval "pid_$n=\$PEER_PID echoport_$n=\$1"
    echo "# $n: $(peer_version "$n")"
    peer_start "$n" "$2" "$http_port"
    eval "pidweb_$n=\$PEER_PID webport_$n=\$2"
    shift 2
done
printf 'GET /bytes/%s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' \
    "$((DOWNLOAD_MB * 1000000))" >"$T/request"
echo "# download ${DOWNLOAD_MB} MB per run; both ways ${PAYLOAD} each way per run; medians of $RUNS runs"

# The figures of a peer go under its name; the web instance's pid and port stand in for it.
download_run() { # NAME [warmup]
    eval "pid_$1_save=\$pid_$1 port_$1=\$webport_$1 pid_$1=\$pidweb_$1"
    if [ -n "${2:-}" ]; then
        printf 'GET /bytes/10000000 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >"$T/warm"
        bench_run "$1" MB --mode request --request "$T/warm" --count 1 --concurrency 1 \
            --cipher TLS_AES_128_GCM_SHA256
    else
        bench_run "$1" MB --mode request --request "$T/request" --count 1 --concurrency 1 \
            --cipher TLS_AES_128_GCM_SHA256 --timeout 120s
    fi
    eval "pid_$1=\$pid_$1_save"
}

both_run() { # NAME [warmup]
    eval "port_$1=\$echoport_$1"
    if [ -n "${2:-}" ]; then p=8M; else p=$PAYLOAD; fi
    bench_run "$1" MB --mode throughput --payload "$p" --count 1 --concurrency 1 \
        --cipher TLS_AES_128_GCM_SHA256 --timeout 120s
}

bench_rounds download_run
bench_table bulk-download "bulk download, MB per server-core-second (http backend -> client)" MB
bench_ratios bulk-download 1.2

bench_rounds both_run
bench_table bulk-both "bulk both ways, MB per server-core-second (echo, sent + received)" MB
bench_ratios bulk-both 1.2
