# peers.sh: shared functions of the bench scripts that compare unitlsd with its peers (POSIX sh;
# source it after lib.sh). Every server runs pinned to core 0 (taskset -c 0) in front of a
# backend of tests/backends, with the test PKI's localhost certificate (ECDSA P-256 leaf plus
# intermediate); backends and the load generator run on core 1. Every process started here is
# recorded and stopped by its PID (peer_stop, or the EXIT trap set by peers_init).
#
#   peers_init                  paths, temp dir $T, combined cert+key file, fd limit, EXIT trap
#   peers_available LIST        the names of LIST whose program is installed (unitlsd always)
#   free_ports N                N free 127.0.0.1 ports
#   backend_start KIND PORT...  tests/backends/KIND (echo|http) listening on the ports; core 1
#   peer_start NAME PORT BPORT  NAME (unitlsd hitch haproxy stunnel nginx; unitlsd_keys and
#                               unitlsd_gnutls_keys: with session_ticket_keys) on 127.0.0.1:PORT in
#                               front of 127.0.0.1:BPORT; sets PEER_PID, waits until it accepts
#   unitlsd_start WORKERS PAIRS one unitlsd, one listener per "PORT:BPORT" pair; sets PEER_PID
#   peer_stop PID               SIGTERM, bounded wait, SIGKILL; waits for it
#   tree_pids PID               PID and all its descendants (forked workers)
#   tree_ticks PID              utime + stime of PID and its descendants (threads included)
#   tree_rss_kib PID            VmRSS summed over PID and its descendants, KiB
#   peer_version NAME           one line naming the peer's version
#   load_json OUT ARGS...       unitls-load on core 1 or LOAD_CORES (TLS 1.3, the test CA, SNI
#                               localhost, --json -q) with ARGS; the JSON report goes to OUT.
#                               LOAD_VERIFY=0: --insecure instead of the CA (the client then
#                               skips its two ECDSA verifications: more load per client core)
#   json_num KEY FILE           the first number of "KEY": in FILE
#
# Environment: UNITLS_BUILDDIR (default: the current directory), UNITLS_TEST_CERTS, or UNITLSD,
# UNITLS_LOAD, UNITLS_BACKENDS; HITCH, HAPROXY, STUNNEL, NGINX name the peers' programs.
# Peers whose program is missing are skipped by the scripts, with a note.
#
# The scripts that source this set `names` (the peers to measure) and read the figures back
# through eval'd variables (rate_NAME, med_NAME ...): shellcheck cannot follow those.
# shellcheck disable=SC2154
# `ulimit -n` is not POSIX but dash, bash and busybox sh all have it.
# shellcheck disable=SC3045

peers_init() {
    B=${UNITLS_BUILDDIR:-$(pwd)}
    UNITLSD=${UNITLSD:-$B/src/daemon/unitlsd}
    UNITLS_LOAD=${UNITLS_LOAD:-$B/src/load/unitls-load}
    BACKENDS=${UNITLS_BACKENDS:-$B/tests/backends}
    CERTS=${UNITLS_TEST_CERTS:-$B/tests/certs}
    HITCH=${HITCH:-/usr/sbin/hitch}
    HAPROXY=${HAPROXY:-/usr/sbin/haproxy}
    STUNNEL=${STUNNEL:-/usr/bin/stunnel4}
    NGINX=${NGINX:-/usr/sbin/nginx}
    NGINX_STREAM=${NGINX_STREAM:-/usr/lib/nginx/modules/ngx_stream_module.so}
    # The backends are check programs: `make bench` alone does not build them.
    if [ ! -x "$BACKENDS/tlsclient" ] && [ -f "$B/Makefile" ] && [ -z "${UNITLS_BACKENDS:-}" ]; then
        ${MAKE:-make} -C "$B" tests/backends/echo tests/backends/http tests/backends/tlsclient \
            >/dev/null || exit 1
    fi
    for f in "$UNITLSD" "$UNITLS_LOAD" "$BACKENDS/echo" "$BACKENDS/http" "$BACKENDS/tlsclient" \
        "$CERTS/localhost.pem" "$CERTS/localhost.key" "$CERTS/ca.pem"; do
        [ -e "$f" ] || { echo "missing $f (build the tree, the backends and tests/certs)" >&2; exit 1; }
    done
    command -v taskset >/dev/null || { echo "needs taskset (util-linux)" >&2; exit 1; }
    [ "$(nproc)" -ge 2 ] || { echo "needs two cores (server on 0, load on 1)" >&2; exit 1; }
    T=$(mktemp -d "${TMPDIR:-/tmp}/unitls-bench.XXXXXX")
    chmod 755 "$T"
    PEERS_PIDS=""
    trap peers_cleanup EXIT
    trap 'exit 1' INT TERM HUP
    cat "$CERTS/localhost.pem" "$CERTS/localhost.key" >"$T/combined.pem"
    chmod 644 "$T/combined.pem"
    PEERS_ROOT=0
    [ "$(id -u)" -ne 0 ] || PEERS_ROOT=1
    peers_raise_nofile "${BENCH_NOFILE:-1048576}"
}

# Functions that callers run directly (not in $(...)) name their variables with a prefix of
# their own (POSIX sh has no local variables), so that they never change a caller's.

# peers_raise_nofile WANT: raises this shell's fd limit (inherited by what it starts) towards
# WANT, as far as the hard limit (or CAP_SYS_RESOURCE) allows; sets NOFILE to the result.
peers_raise_nofile() {
    ulimit -n "$1" 2>/dev/null || ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
    NOFILE=$(ulimit -n)
    [ "$NOFILE" != unlimited ] || NOFILE=1048576
}

peers_cleanup() {
    for p in $PEERS_PIDS; do peer_stop "$p"; done
    [ -z "${T:-}" ] || rm -rf "$T"
}

peers_track() { PEERS_PIDS="$1 $PEERS_PIDS"; }

peer_stop() {
    kill "$1" 2>/dev/null
    _stop_i=0
    while kill -0 "$1" 2>/dev/null && [ "$_stop_i" -lt 100 ]; do
        sleep 0.05
        _stop_i=$((_stop_i + 1))
    done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    _stop_rest=""
    for _stop_p in $PEERS_PIDS; do [ "$_stop_p" = "$1" ] || _stop_rest="$_stop_rest $_stop_p"; done
    PEERS_PIDS=$_stop_rest
    return 0
}

# wait_exit PID SECONDS: bounded wait for PID to exit by itself (then peer_stop reaps it).
wait_exit() {
    _exit_i=0
    while kill -0 "$1" 2>/dev/null && [ "$_exit_i" -lt $(($2 * 10)) ]; do
        sleep 0.1
        _exit_i=$((_exit_i + 1))
    done
}

peers_available() {
    for n in "$@"; do
        case $n in
        unitlsd_gnutls*)
            if "$UNITLSD" --version 2>&1 | grep -q gnutls; then echo "$n"
            else echo "(skipped $n: unitlsd built without GnuTLS)" >&2; fi ;;
        unitlsd*) echo "$n" ;;
        hitch) [ -x "$HITCH" ] && echo hitch || echo "(skipped hitch: no $HITCH)" >&2 ;;
        haproxy) [ -x "$HAPROXY" ] && echo haproxy || echo "(skipped haproxy: no $HAPROXY)" >&2 ;;
        stunnel) [ -x "$STUNNEL" ] && echo stunnel || echo "(skipped stunnel: no $STUNNEL)" >&2 ;;
        nginx)
            if [ -x "$NGINX" ] && [ -e "$NGINX_STREAM" ]; then echo nginx
            else echo "(skipped nginx: no $NGINX with $NGINX_STREAM)" >&2; fi ;;
        esac
    done
}

free_ports() { "$BACKENDS/echo" --find-ports "$1"; }

# wait_port PORT [PID]: bounded wait (10 s) until something accepts on 127.0.0.1:PORT; fails
# early when PID has exited.
wait_port() {
    _port_i=0
    while ! "$BACKENDS/tlsclient" --probe --timeout-ms 500 "127.0.0.1:$1" 2>/dev/null; do
        if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
            echo "the server for port $1 exited at start" >&2
            return 1
        fi
        _port_i=$((_port_i + 1))
        [ "$_port_i" -lt 200 ] || { echo "nothing accepts on 127.0.0.1:$1" >&2; return 1; }
        sleep 0.05
    done
}

backend_start() {
    _be_kind=$1; shift
    _be_args=""
    # The echo backend refuses connections beyond --max-conns (default 4096).
    [ "$_be_kind" != echo ] || _be_args="--max-conns 1048576"
    for _be_p in "$@"; do _be_args="$_be_args --listen 127.0.0.1:$_be_p"; done
    # shellcheck disable=SC2086
    taskset -c 1 "$BACKENDS/$_be_kind" $_be_args >"$T/backend-$_be_kind.out" 2>&1 &
    BACKEND_PID=$!
    peers_track "$BACKEND_PID"
    for _be_p in "$@"; do wait_port "$_be_p" "$BACKEND_PID" || exit 1; done
}

peer_start() {
    case $1 in
    unitlsd) UNITLSD_IMPL=openssl unitlsd_start "${UNITLSD_WORKERS:-1}" "$2:$3" ;;
    unitlsd_gnutls) UNITLSD_IMPL=gnutls unitlsd_start "${UNITLSD_WORKERS:-1}" "$2:$3" ;;
    unitlsd_keys|unitlsd_gnutls_keys)
        _impl=openssl
        [ "$1" = unitlsd_keys ] || _impl=gnutls
        UNITLSD_IMPL=$_impl UNITLSD_LISTENER_EXTRA="    session_ticket_keys: $(ticket_keys_file)" \
            unitlsd_start "${UNITLSD_WORKERS:-1}" "$2:$3" ;;
    unitlsd2) UNITLSD_IMPL=openssl unitlsd_start 2 "$2:$3" ;;
    hitch) peer_start_hitch "$2" "$3" ;;
    haproxy) peer_start_haproxy "$2" "$3" ;;
    stunnel) peer_start_stunnel "$2" "$3" ;;
    nginx) peer_start_nginx "$2" "$3" ;;
    *) echo "peer_start: unknown peer $1" >&2; exit 1 ;;
    esac
    wait_port "$2" "$PEER_PID" || { tail -n 5 "$T"/*.log >&2 2>/dev/null; exit 1; }
}

# ticket_keys_file: $T/ticket.keys (mode 0600, two keys), made on first use; prints its path.
# Peers unitlsd_keys and unitlsd_gnutls_keys read it (session_ticket_keys).
ticket_keys_file() {
    if [ ! -s "$T/ticket.keys" ]; then
        (umask 077
         for _k in 1 2; do head -c 80 /dev/urandom | base64 -w 0; echo; done >"$T/ticket.keys")
    fi
    echo "$T/ticket.keys"
}

# unitlsd_start WORKERS "PORT:BPORT ...": the implementation comes from UNITLSD_IMPL (default
# openssl; peer "unitlsd" is OpenSSL, "unitlsd_gnutls" GnuTLS); the listeners' keys beyond the
# required ones come from
# UNITLSD_LISTENER_EXTRA (YAML lines, indented for a listener); the log level from
# UNITLSD_LOG_LEVEL (default warning); the cores from UNITLSD_CORES (default 0). Its stderr goes
# to $T/unitlsd-PORT.log.
unitlsd_start() {
    first=${2%%:*}
    conf="$T/unitlsd-$first.yaml"
    {
        echo "implementation: ${UNITLSD_IMPL:-openssl}"
        echo "workers: $1"
        if [ "$PEERS_ROOT" -eq 1 ]; then echo "user: nobody"; fi
        echo "log: { level: ${UNITLSD_LOG_LEVEL:-warning}, access: false }"
        echo "listeners:"
        for pair in $2; do
            echo "  - name: l${pair%%:*}"
            echo "    listen: [\"127.0.0.1:${pair%%:*}\"]"
            echo "    certificates: [ { cert: $CERTS/localhost.pem, key: $CERTS/localhost.key } ]"
            echo "    backend: { address: \"127.0.0.1:${pair##*:}\" }"
            echo "    max_connections: ${UNITLSD_MAX_CONNECTIONS:-200000}"
            [ -z "${UNITLSD_LISTENER_EXTRA:-}" ] || printf '%s\n' "$UNITLSD_LISTENER_EXTRA"
        done
    } >"$conf"
    taskset -c "${UNITLSD_CORES:-0}" "$UNITLSD" -c "$conf" 2>"$T/unitlsd-$first.log" &
    PEER_PID=$!
    peers_track "$PEER_PID"
}

peer_start_hitch() {
    user=""
    [ "$PEERS_ROOT" -eq 0 ] || user="--user=nobody"
    # shellcheck disable=SC2086
    taskset -c 0 "$HITCH" --frontend="[127.0.0.1]:$1" --backend="[127.0.0.1]:$2" --workers=1 \
        --daemon=off $user "$T/combined.pem" >"$T/hitch-$1.log" 2>&1 &
    PEER_PID=$!
    peers_track "$PEER_PID"
}

peer_start_haproxy() {
    # HAProxy refuses to start when maxconn needs more fds than the limit: two per connection.
    maxconn=$(( (NOFILE - 100) / 2 ))
    [ "$maxconn" -le 500000 ] || maxconn=500000
    {
        echo "global"
        echo "    nbthread 1"
        echo "    maxconn $maxconn"
        echo "    ssl-default-bind-options ssl-min-ver TLSv1.2"
        if [ "$PEERS_ROOT" -eq 1 ]; then echo "    user nobody"; fi
        echo "defaults"
        echo "    mode tcp"
        echo "    maxconn $maxconn"
        echo "    timeout connect 5s"
        echo "    timeout client 300s"
        echo "    timeout server 300s"
        echo "frontend fe"
        echo "    bind 127.0.0.1:$1 ssl crt $T/combined.pem"
        echo "    default_backend be"
        echo "backend be"
        echo "    server s1 127.0.0.1:$2"
    } >"$T/haproxy-$1.cfg"
    taskset -c 0 "$HAPROXY" -db -f "$T/haproxy-$1.cfg" >"$T/haproxy-$1.log" 2>&1 &
    PEER_PID=$!
    peers_track "$PEER_PID"
}

peer_start_stunnel() {
    {
        echo "foreground = yes"
        echo "pid ="
        if [ "$PEERS_ROOT" -eq 1 ]; then echo "setuid = nobody"; echo "setgid = nogroup"; fi
        echo "debug = 3"
        echo "[bench]"
        echo "accept = 127.0.0.1:$1"
        echo "connect = 127.0.0.1:$2"
        echo "cert = $CERTS/localhost.pem"
        echo "key = $CERTS/localhost.key"
    } >"$T/stunnel-$1.conf"
    taskset -c 0 "$STUNNEL" "$T/stunnel-$1.conf" >"$T/stunnel-$1.log" 2>&1 &
    PEER_PID=$!
    peers_track "$PEER_PID"
}

peer_start_nginx() {
    d="$T/nginx-$1"
    mkdir -p "$d/logs"
    # worker_connections counts client and upstream connections alike: one fd each.
    conns=$((NOFILE - 100))
    {
        echo "load_module $NGINX_STREAM;"
        echo "worker_processes 1;"
        echo "daemon off;"
        echo "pid $d/nginx.pid;"
        echo "error_log $d/error.log warn;"
        if [ "$PEERS_ROOT" -eq 1 ]; then echo "user nobody nogroup;"; fi
        echo "events { worker_connections $conns; }"
        echo "stream {"
        echo "    server {"
        echo "        listen 127.0.0.1:$1 ssl;"
        echo "        ssl_certificate $CERTS/localhost.pem;"
        echo "        ssl_certificate_key $CERTS/localhost.key;"
        echo "        ssl_protocols TLSv1.2 TLSv1.3;"  # 1.22's default lacks TLS 1.3
        echo "        proxy_pass 127.0.0.1:$2;"
        echo "    }"
        echo "}"
    } >"$d/nginx.conf"
    taskset -c 0 "$NGINX" -p "$d" -c "$d/nginx.conf" -e "$d/error.log" >"$T/nginx-$1.log" 2>&1 &
    PEER_PID=$!
    peers_track "$PEER_PID"
}

tree_pids() {
    echo "$1"
    for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree_pids "$c"; done
}

tree_ticks() {
    total=0
    for p in $(tree_pids "$1"); do
        t=$(cpu_ticks "$p" 2>/dev/null) || t=0
        total=$((total + ${t:-0}))
    done
    echo "$total"
}

tree_rss_kib() {
    total=0
    for p in $(tree_pids "$1"); do
        r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) || r=0
        total=$((total + ${r:-0}))
    done
    echo "$total"
}

# tree_fds PID: open file descriptors of PID and its descendants.
tree_fds() {
    total=0
    for p in $(tree_pids "$1"); do
        f=$(ls "/proc/$p/fd" 2>/dev/null | wc -l)
        total=$((total + f))
    done
    echo "$total"
}

peer_version() {
    case $1 in
    unitlsd_gnutls*) echo "$("$UNITLSD" --version 2>&1 | head -n 1), implementation gnutls" ;;
    unitlsd*) echo "$("$UNITLSD" --version 2>&1 | head -n 1), implementation openssl" ;;
    hitch) "$HITCH" --version 2>&1 | head -n 1 ;;
    haproxy) "$HAPROXY" -v 2>&1 | head -n 1 | cut -d' ' -f1-3 ;;
    stunnel) "$STUNNEL" -version 2>&1 | grep -m 1 '^stunnel' ;;
    nginx) "$NGINX" -v 2>&1 | head -n 1 ;;
    esac
}

load_json() {
    out=$1; shift
    if [ "${LOAD_VERIFY:-1}" = 1 ]; then trust="--cafile $CERTS/ca.pem"; else trust=--insecure; fi
    # shellcheck disable=SC2086
    taskset -c "${LOAD_CORES:-1}" "$UNITLS_LOAD" --tls-version 1.3 $trust --sni localhost \
        --json -q "$@" >"$out" 2>"$out.err"
}

json_num() { sed -n "s/.*\"$1\":\\([0-9.]*\\).*/\\1/p" "$2" | head -n 1; }

# json_sum KEY FILE...: the sum of json_num KEY over the FILEs.
json_sum() {
    _sum_key=$1; shift
    for _sum_f in "$@"; do json_num "$_sum_key" "$_sum_f"; done | awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# per_second WORK TICKS: WORK per second of TICKS clock ticks, no decimals ("0" without CPU).
per_second() {
    awk -v w="${1:-0}" -v t="${2:-0}" -v hz="$CLK_TCK" \
        'BEGIN { if (t + 0 <= 0) print 0; else printf "%.0f\n", w / (t / hz) }'
}

# bench_header: the machine and the pinning, first lines of every script's output.
bench_header() {
    model=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)
    echo "# $(nproc) CPUs ($model); $(openssl version 2>/dev/null); servers on core 0," \
        "load and backends on core 1; figures per server-core-second from /proc/PID/stat"
}

# measured_load PID OUT ARGS...: load_json OUT ARGS, reading the CPU time of PID's process tree
# before and after; sets RUN_TICKS (server clock ticks spent during the run).
measured_load() {
    pid=$1; out=$2; shift 2
    c0=$(tree_ticks "$pid")
    load_json "$out" "$@"
    c1=$(tree_ticks "$pid")
    RUN_TICKS=$((c1 - c0))
}

# append VAR VALUE: appends " VALUE" to the variable named VAR.
append() { eval "$1=\"\${$1:-} \$2\""; }

# get VAR: the value of the variable named VAR (empty when unset).
get() { eval "echo \"\${$1:-}\""; }

# best_of NAME...: "name value" of the largest median among the peers NAME (from med_NAME).
best_of() {
    best=""; bestv=0
    for n in "$@"; do
        v=$(get "med_$n")
        [ -n "$v" ] || continue
        if awk -v a="$v" -v b="$bestv" 'BEGIN { exit !(a > b) }'; then best=$n; bestv=$v; fi
    done
    # Nothing when no peer of the list ran: the callers then skip the ratio.
    [ -z "$best" ] || echo "$best $bestv"
}

# --- rounds of measured runs over the peers in $names (pid_NAME, port_NAME set by the script) --

# bench_run NAME WORK ARGS...: one run of unitls-load ARGS against 127.0.0.1:port_NAME. WORK is
# "handshakes" (completed units) or "MB" (plaintext bytes sent + received, 10^6). Appends to
# rate_NAME (work per server-core-second), wall_NAME (work per wall second), util_NAME (server
# CPU %), fail_NAME, units_NAME (completed), resumed_NAME.
bench_run() {
    name=$1; work=$2; shift 2
    pid=$(get "pid_$name")
    measured_load "$pid" "$T/run.json" "$@" "127.0.0.1:$(get "port_$name")"
    kill -0 "$pid" 2>/dev/null || { echo "$name died during the run" >&2; exit 1; }
    bench_record "$name" "$work" "$RUN_TICKS" "$T/run.json"
}

# bench_record NAME WORK TICKS JSON...: appends the figures of one run (as bench_run describes)
# from the reports of the unitls-load processes that ran at once, TICKS being the server CPU they
# cost together: units, bytes, failures and resumptions add up; the duration is the longest.
bench_record() {
    name=$1; work=$2; ticks=$3; shift 3
    for _rec_f in "$@"; do
        [ -n "$(json_num completed "$_rec_f")" ] ||
            { echo "unitls-load failed against $name: $(cat "$_rec_f.err")" >&2; exit 1; }
    done
    done_n=$(json_sum completed "$@")
    secs=$(for _rec_f in "$@"; do json_num duration_s "$_rec_f"; done |
        awk '$1 > m { m = $1 } END { print m + 0 }')
    if [ "$work" = MB ]; then
        w=$(awk -v s="$(json_sum app_sent "$@")" -v r="$(json_sum app_received "$@")" \
            'BEGIN { printf "%.3f\n", (s + r) / 1e6 }')
    else
        w=$done_n
    fi
    append "rate_$name" "$(per_second "$w" "$ticks")"
    append "wall_$name" "$(awk -v w="$w" -v d="$secs" 'BEGIN { printf "%.0f\n", (d > 0 ? w / d : 0) }')"
    append "util_$name" "$(awk -v t="$ticks" -v hz="$CLK_TCK" -v d="$secs" \
        'BEGIN { printf "%.0f\n", (d > 0 ? 100 * t / hz / d : 0) }')"
    append "fail_$name" "$(json_sum failed "$@")"
    append "resumed_$name" "$(json_sum resumed "$@")"
    append "units_$name" "$done_n"
}

# bench_rounds FN: clears the figures, calls "FN NAME warmup" once per peer (not counted), then
# RUNS rounds of "FN NAME", a different peer first in each round.
bench_rounds() {
    for n in $names; do "$1" "$n" warmup; done
    for n in $names; do
        for v in rate wall util fail resumed units; do eval "${v}_$n="; done
    done
    r=0
    while [ "$r" -lt "$RUNS" ]; do
        # shellcheck disable=SC2086
        order=$(printf '%s\n' $names | awk -v r="$r" '{ a[NR] = $0 } END {
            for (i = 0; i < NR; i++) print a[(i + r) % NR + 1] }')
        for n in $order; do "$1" "$n"; done
        r=$((r + 1))
    done
}

# sum_list V...: the sum of the numbers.
sum_list() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

# bench_table KEY TITLE UNIT: the medians of the last rounds, one line per peer; sets med_NAME
# and prints "RESULT KEY NAME MEDIAN" lines for docs/performance.md.
bench_table() {
    echo
    echo "== $2"
    printf '%-14s %10s %10s %10s %5s %8s  %s\n' peer "$3/core-s" "CPU/unit" "$3/wall-s" util% resumed \
        "runs ($3 per server-core-second)"
    for n in $names; do
        # shellcheck disable=SC2046
        m=$(median $(get "rate_$n"))
        eval "med_$n=\$m"
        if [ "$3" = MB ]; then
            cpu=$(awk -v m="$m" 'BEGIN { if (m > 0) printf "%.2fms/MB", 1e3 / m; else print "n/a" }')
        else
            cpu=$(awk -v m="$m" 'BEGIN { if (m > 0) printf "%.0fus", 1e6 / m; else print "n/a" }')
        fi
        # shellcheck disable=SC2046
        fails=$(sum_list $(get "fail_$n"))
        # shellcheck disable=SC2046
        resumed=$(sum_list $(get "resumed_$n")) units=$(sum_list $(get "units_$n"))
        [ "$3" = MB ] && res=- || res=$(awk -v r="$resumed" -v d="$units" \
            'BEGIN { if (d > 0) printf "%.0f%%", 100 * r / d; else print "-" }')
        # shellcheck disable=SC2046
        printf '%-14s %10s %10s %10s %5s %8s  %s%s\n' "$n" "$m" "$cpu" "$(median $(get "wall_$n"))" \
            "$(median $(get "util_$n"))" "$res" "$(echo $(get "rate_$n"))" \
            "$([ "$fails" -eq 0 ] || echo "  ($fails failed)")"
    done
    for n in $names; do echo "RESULT $1 $n $(get "med_$n")"; done
}

# bench_ratios KEY TARGET: each unitlsd (one per implementation) / best of hitch and HAProxy
# (against TARGET) and / best other peer.
bench_ratios() {
    for _u in $(printf '%s\n' $names | grep '^unitlsd'); do
        eval "_m=\${med_$_u:-}"
        # shellcheck disable=SC2046
        set -- "$1" "$2" $(best_of hitch haproxy)
        if [ -n "${3:-}" ]; then
            r=$(ratio "$_m" "$4")
            echo "$_u / best of hitch and HAProxy ($3): $r (target $2: $(awk -v r="$r" -v t="$2" \
                'BEGIN { print (r + 0 >= t ? "met" : "not met") }'))"
            echo "RESULT $1 ratio-hitch-haproxy${_u#unitlsd} $r"
        fi
        # shellcheck disable=SC2046
        set -- "$1" "$2" $(best_of $(printf '%s\n' $names | grep -v '^unitlsd'))
        if [ -n "${3:-}" ]; then
            echo "$_u / best peer ($3): $(ratio "$_m" "$4")"
            echo "RESULT $1 ratio-best-peer${_u#unitlsd} $(ratio "$_m" "$4")"
        fi
    done
}
