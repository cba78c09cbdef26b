#!/bin/sh
# many-certs-daemon.sh: unitlsd with one listener of BENCH_CERTS (default 10,000) certificates,
# each its own ECDSA P-256 key and leaf (bench/gen-many-certs, generated once into $WORK, default
# /tmp/unitls-bench-many, shared with many-certs.sh), chosen by SNI. Per run (BENCH_RUNS, default
# 3; unitlsd pinned to core 0, one worker):
#   start-up   from launching unitlsd to its start-up log line (sent with READY=1, after every
#              context is built and the workers run), and to its port accepting a connection
#   memory     its RSS once started, minus the RSS of the same unitlsd with one certificate,
#              divided by the extra certificates
#   reload     renew one certificate in place (a new key and leaf in the same files), SIGHUP:
#              from the signal to the reload log line, which also gives unitlsd's own duration
#              and how many contexts it reused and built; then a handshake with that name's SNI
#              must present the new leaf (checked against the file)
#   reload, nothing changed: the same, with no file touched
# Medians over the runs. Issue 8's targets: start-up under 10 s, reload under 1 s. The polls
# are 10 ms apart: durations have that resolution.
# The figures live in variables set through eval (append, bench_run): shellcheck cannot see them.
# shellcheck disable=SC2154
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/peers.sh"
RUNS=${BENCH_RUNS:-3}
N=${BENCH_CERTS:-10000}
WORK=${WORK:-/tmp/unitls-bench-many}
GEN=${GEN_MANY_CERTS:-${UNITLS_BUILDDIR:-.}/bench/gen-many-certs}

peers_init
bench_header
[ -x "$GEN" ] || { echo "missing $GEN (make bench/gen-many-certs)" >&2; exit 1; }
mkdir -p "$WORK"
if [ ! -f "$WORK/site-$((N - 1)).pem" ]; then
    echo "# generating $N certificates in $WORK" >&2
    "$GEN" "$WORK" "$N" "$CERTS/ca.pem" "$CERTS/ca.key" || exit 1
fi
renew=$((N / 2 + 17))
echo "# unitlsd: $(peer_version unitlsd); $N certificates (ECDSA P-256), one listener;" \
    "renewing site-$renew; medians of $RUNS runs"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# write_config FILE COUNT PORT BACKEND_PORT: one listener, COUNT chains site-0 .. site-(COUNT-1).
write_config() {
    {
        echo "implementation: openssl"
        echo "workers: 1"
        if [ "$PEERS_ROOT" -eq 1 ]; then echo "user: nobody"; fi
        echo "log: { level: notice, access: false }"
        echo "listeners:"
        echo "  - name: many"
        echo "    listen: [\"127.0.0.1:$3\"]"
        echo "    backend: { address: \"127.0.0.1:$4\" }"
        echo "    certificates:"
        awk -v n="$2" -v d="$WORK" 'BEGIN { for (i = 0; i < n; i++)
            printf "      - { cert: %s/site-%d.pem, key: %s/site-%d.key }\n", d, i, d, i }'
    } >"$1"
}

# wait_for FILE PATTERN COUNT LIMIT_S: bounded poll (10 ms) until FILE has COUNT lines matching
# PATTERN; prints the time it was seen, in ms.
wait_for() {
    deadline=$(( $(now_ms) + $4 * 1000 ))
    while [ "$(grep -c "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || { echo "timed out waiting for '$2' in $1" >&2; return 1; }
        sleep 0.01
    done
    now_ms
}

# accepts_at PORT LIMIT_S: bounded poll until 127.0.0.1:PORT accepts; prints the time, in ms.
accepts_at() {
    deadline=$(( $(now_ms) + $2 * 1000 ))
    while ! "$BACKENDS/tlsclient" --probe --timeout-ms 200 "127.0.0.1:$1" 2>/dev/null; do
        [ "$(now_ms)" -lt "$deadline" ] || { echo "nothing accepts on $1" >&2; return 1; }
        sleep 0.01
    done
    now_ms
}

# own_ms LOG: the duration unitlsd gives in its last reload line.
own_ms() { grep "reload: generation" "$1" | tail -n 1 | sed 's/.* in \([0-9]*\) ms.*/\1/'; }

# served_fingerprint PORT NAME: SHA-256 of the leaf unitlsd presents for SNI NAME (openssl
# s_client: it shows the leaf even when $WORK was signed by another build's test CA).
served_fingerprint() {
    openssl s_client -connect "127.0.0.1:$1" -servername "$2" -tls1_3 </dev/null 2>/dev/null |
        openssl x509 -noout -fingerprint -sha256 2>/dev/null
}
file_fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256; }

# shellcheck disable=SC2046
set -- $(free_ports 3)
backend_start echo "$1"
echo_port=$1 port=$2 port1=$3

# The same daemon with one certificate: the baseline of the memory figure.
write_config "$T/one.yaml" 1 "$port1" "$echo_port"
taskset -c 0 "$UNITLSD" -c "$T/one.yaml" 2>"$T/one.log" &
one_pid=$!
peers_track "$one_pid"
wait_for "$T/one.log" "listeners on" 1 60 >/dev/null || exit 1
accepts_at "$port1" 30 >/dev/null || exit 1
rss_one=$(tree_rss_kib "$one_pid")
peer_stop "$one_pid"

write_config "$T/many.yaml" "$N" "$port" "$echo_port"
r=0
while [ "$r" -lt "$RUNS" ]; do
    : >"$T/many.log"
    t0=$(now_ms)
    taskset -c 0 "$UNITLSD" -c "$T/many.yaml" 2>"$T/many.log" &
    pid=$!
    peers_track "$pid"
    t_ready=$(wait_for "$T/many.log" "listeners on" 1 120) || { cat "$T/many.log" >&2; exit 1; }
    t_port=$(accepts_at "$port" 60) || exit 1
    append ready "$((t_ready - t0))"
    append accept "$((t_port - t0))"
    append rss "$(tree_rss_kib "$pid")"
    append cpu "$(tree_ticks "$pid")"

    # Reload with nothing changed.
    t0=$(now_ms); kill -HUP "$pid"
    t1=$(wait_for "$T/many.log" "reload: generation" 1 60) || exit 1
    append same_ext "$((t1 - t0))"
    append same_own "$(own_ms "$T/many.log")"

    # Renew one certificate in place, then reload.
    "$GEN" "$WORK" 1 "$CERTS/ca.pem" "$CERTS/ca.key" "$renew" >/dev/null || exit 1
    t0=$(now_ms); kill -HUP "$pid"
    t1=$(wait_for "$T/many.log" "reload: generation" 2 60) || exit 1
    last_line=$(grep "reload: generation" "$T/many.log" | tail -n 1)
    append renew_ext "$((t1 - t0))"
    append renew_own "$(own_ms "$T/many.log")"
    contexts=$(echo "$last_line" | sed 's/.*contexts \([^;]*\);.*/\1/')
    if [ "$(served_fingerprint "$port" "site-$renew.bench.test")" = \
        "$(file_fingerprint "$WORK/site-$renew.pem")" ]; then
        served=yes
    else
        served="NO (the old leaf or none)"
    fi
    kill -0 "$pid" 2>/dev/null || { echo "unitlsd exited" >&2; cat "$T/many.log" >&2; exit 1; }
    peer_stop "$pid"
    r=$((r + 1))
done

# shellcheck disable=SC2046,SC2086
{
    m_ready=$(median $ready); m_accept=$(median $accept)
    m_rss=$(median $rss); m_cpu=$(median $cpu)
    m_same_ext=$(median $same_ext); m_same_own=$(median $same_own)
    m_renew_ext=$(median $renew_ext); m_renew_own=$(median $renew_own)
}
per_cert=$(awk -v a="$m_rss" -v b="$rss_one" -v n="$N" 'BEGIN { printf "%.1f", (a - b) / (n - 1) }')
cpu_ms=$(awk -v t="$m_cpu" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", 1000 * t / hz }')
under() { awk -v m="$1" -v l="$2" 'BEGIN { print (m < l ? "met" : "not met") }'; }
line() { printf '%-44s %8s %s\n' "$1" "$2" "$3"; }
echo
echo "== unitlsd, one listener with $N certificates"
line "start-up: launch to the start-up log line" "$m_ready" "ms  (runs:$ready)"
line "start-up: launch to the port accepting" "$m_accept" "ms  (runs:$accept)"
line "start-up: CPU time of unitlsd" "$cpu_ms" ms
line "RSS once started" "$m_rss" "KiB (1 certificate: $rss_one KiB); $per_cert KiB per certificate"
line "reload, nothing changed: SIGHUP to log line" "$m_same_ext" \
    "ms  (unitlsd says $m_same_own ms; runs:$same_ext)"
line "reload, one renewed: SIGHUP to log line" "$m_renew_ext" \
    "ms  (unitlsd says $m_renew_own ms; runs:$renew_ext)"
echo "last reload: contexts $contexts; the renewed name serves the new leaf: $served"
echo "start-up under 10 s: $(under "$m_ready" 10000);" \
    "reload after renewing one under 1 s: $(under "$m_renew_ext" 1000)"
echo "RESULT many-certs startup-ms $m_ready"
echo "RESULT many-certs accept-ms $m_accept"
echo "RESULT many-certs kib-per-cert $per_cert"
echo "RESULT many-certs reload-same-ms $m_same_ext"
echo "RESULT many-certs reload-renew-ms $m_renew_ext"
echo "RESULT many-certs reload-renew-own-ms $m_renew_own"
