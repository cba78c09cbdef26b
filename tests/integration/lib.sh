# lib.sh: shared functions of the integration tests (POSIX sh). A test sources it first:
#     . "$(dirname "$0")/lib.sh"
# and ends with `finish`. It provides:
#   - the environment (UNITLSD, UNITLS_BACKENDS, UNITLS_TEST_CERTS, ...; defaults derived from
#     UNITLS_BUILDDIR, or the current directory, when run by hand),
#   - a scratch directory $T, removed at exit (kept when UNITLS_KEEP_TMP=1),
#   - process handling: every process started through these functions is recorded and
#     stopped by PID at exit (TERM, then KILL after a bounded wait),
#   - checks that print "ok N - what" / "not ok N - what" and, at the end, "N passed, M failed".
#   - unitls-load runs (load_required, run_load) and its JSON report's numbers (json_get).
#   - the TLS implementation under test, UNITLS_TEST_IMPL: every configuration written through
#     config_head or impl_yaml names it, and unitls-load uses it. make check runs a test once
#     per built implementation, as DIR/test-NAME@IMPL.sh (tests/impl-run.sh sets
#     it); by hand: UNITLS_TEST_IMPL=gnutls sh tests/integration/test-sni.sh (default: the
#     first of UNITLS_IMPLEMENTATIONS, else unitlsd's default).
# Every wait below is bounded in iterations and time; nothing asserts how fast a thing is.

set -u

UNITLS_BUILDDIR=${UNITLS_BUILDDIR:-$(pwd)}
UNITLSD=${UNITLSD:-$UNITLS_BUILDDIR/src/daemon/unitlsd}
UNITLS_LOAD=${UNITLS_LOAD:-$UNITLS_BUILDDIR/src/load/unitls-load}
UNITLS_BACKENDS=${UNITLS_BACKENDS:-$UNITLS_BUILDDIR/tests/backends}
UNITLS_TEST_CERTS=${UNITLS_TEST_CERTS:-$UNITLS_BUILDDIR/tests/certs}
CERTS=$UNITLS_TEST_CERTS
ECHO_BIN=$UNITLS_BACKENDS/echo
HTTP_BIN=$UNITLS_BACKENDS/http
TLSCLIENT=$UNITLS_BACKENDS/tlsclient
OPENSSL=${OPENSSL:-openssl}
# The implementation under test (see above).
if [ -z "${UNITLS_TEST_IMPL:-}" ]; then
    if [ -n "${UNITLS_IMPLEMENTATIONS:-}" ]; then
        UNITLS_TEST_IMPL=${UNITLS_IMPLEMENTATIONS%% *}
    else
        UNITLS_TEST_IMPL=$("$UNITLSD" --version 2>/dev/null |
            sed -n 's/^implementations:.* \([a-z0-9_]*\) (default).*/\1/p')
        UNITLS_TEST_IMPL=${UNITLS_TEST_IMPL:-openssl}
    fi
fi
export UNITLS_TEST_IMPL
# The marker of the line unitlsd logs when a reload ends, successful or not.
RELOAD_DONE_RE='reload: \(generation\|failed\)'

TEST_NAME=$(basename "$0" .sh)
T=$(mktemp -d "${TMPDIR:-/tmp}/unitls-$TEST_NAME-$UNITLS_TEST_IMPL.XXXXXX") || exit 99
PIDS=""
N_CHECKS=0
N_FAILED=0

# --- results -------------------------------------------------------------------------------

pass() { N_CHECKS=$((N_CHECKS + 1)); echo "ok $N_CHECKS - $1"; }

fail() {
    N_CHECKS=$((N_CHECKS + 1)); N_FAILED=$((N_FAILED + 1))
    echo "not ok $N_CHECKS - $1"
    [ $# -lt 2 ] || printf '#   %s\n' "$2"
}

skip_check() { N_CHECKS=$((N_CHECKS + 1)); echo "ok $N_CHECKS - $1 # SKIP $2"; }

# check WHAT COMMAND...: runs the command; pass when it exits 0.
check() {
    _what=$1; shift
    if "$@"; then pass "$_what"; else fail "$_what"; fi
}

# check_eq WHAT GOT EXPECTED
check_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', expected '$3'"; fi
}

# check_grep WHAT PATTERN FILE: a basic regular expression matches a line of FILE.
check_grep() {
    if grep -q -- "$2" "$3" 2>/dev/null; then pass "$1"
    else fail "$1" "no line matches '$2' in $(basename "$3")"; fi
}

check_no_grep() {
    if grep -q -- "$2" "$3" 2>/dev/null; then
        fail "$1" "$(grep -- "$2" "$3" | head -n 3 | tr '\n' ' ')"
    else pass "$1"; fi
}

note() { echo "# $*"; }

# daemon_exit_checks: stops the daemon started by start_unitlsd, if it still runs, and checks
# that it exits 0 with no sanitizer report (leaks, memory errors, undefined behaviour) in its
# output; so every test that ends with the daemon running also checks its shutdown.
daemon_exit_checks() {
    [ -n "${LIB_UNITLSD_PID:-}" ] && pid_alive "$LIB_UNITLSD_PID" || return 0
    stop_pid "$LIB_UNITLSD_PID" 60
    check_eq "unitlsd exits 0 on SIGTERM at the end" "$EXIT_STATUS" 0
    check_no_grep "no sanitizer report from unitlsd" \
        'Sanitizer\|runtime error:' "$UNITLSD_LOG"
}

# Prints the summary line and exits: 0 when every check passed (and there was one), else 1.
finish() {
    daemon_exit_checks
    echo "$((N_CHECKS - N_FAILED)) passed, $N_FAILED failed"
    if [ "$N_FAILED" -ne 0 ] || [ "$N_CHECKS" -eq 0 ]; then
        [ -z "${UNITLSD_LOG:-}" ] || { note "unitlsd log tail:"; tail -n 30 "$UNITLSD_LOG" | sed 's/^/#   /'; }
        exit 1
    fi
    exit 0
}

# skip_all REASON: the whole test cannot run here (a real precondition only).
skip_all() { echo "1..0 # SKIP $1"; exit 77; }

# bail REASON: the test cannot go on; counts as a failure.
bail() { fail "$1"; finish; }

# --- processes -----------------------------------------------------------------------------

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
    [ -r "/proc/$1/stat" ] || return 1
    _state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$_state" ] && [ "$_state" != Z ] && [ "$_state" != X ]
}

track_pid() { PIDS="$PIDS $1"; }

untrack_pid() {
    _keep=""
    for _p in $PIDS; do [ "$_p" = "$1" ] || _keep="$_keep $_p"; done
    PIDS=$_keep
}

# wait_exit PID SECONDS: waits until PID has exited (bounded); then reaps it and sets
# EXIT_STATUS. Returns 1 (EXIT_STATUS empty) when it is still running at the deadline.
wait_exit() {
    _i=0; EXIT_STATUS=""
    while pid_alive "$1" && [ "$_i" -lt $(($2 * 10)) ]; do sleep 0.1; _i=$((_i + 1)); done
    pid_alive "$1" && return 1
    wait "$1" 2>/dev/null
    EXIT_STATUS=$?
    untrack_pid "$1"
    return 0
}

# stop_pid PID [SECONDS]: TERM, a bounded wait (default 20 s), then KILL. Sets EXIT_STATUS.
stop_pid() {
    kill -TERM "$1" 2>/dev/null
    if ! wait_exit "$1" "${2:-20}"; then
        kill -KILL "$1" 2>/dev/null
        wait_exit "$1" 10
        EXIT_STATUS=killed
    fi
}

cleanup() {
    for _p in $PIDS; do stop_pid "$_p" 10; done
    ports_release
    if [ "${UNITLS_KEEP_TMP:-0}" = 1 ]; then echo "# scratch kept in $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
# A write to a FIFO whose reader died must fail, not kill the test.
trap '' PIPE

# --- waiting -------------------------------------------------------------------------------

# wait_until SECONDS COMMAND...: polls the command every 0.1 s until it succeeds (bounded).
wait_until() {
    _limit=$(($1 * 10)); shift; _i=0
    while [ "$_i" -lt "$_limit" ]; do
        "$@" && return 0
        sleep 0.1; _i=$((_i + 1))
    done
    return 1
}

file_has_line() { [ -s "$1" ] && [ "$(wc -l <"$1")" -ge "${2:-1}" ]; }

# count_lines PATTERN FILE: the number of lines that match.
count_lines() { grep -c -- "$1" "$2" 2>/dev/null || true; }

lines_at_least() { [ "$(count_lines "$1" "$2")" -ge "$3" ]; }

# port_open PORT [HOST]: something accepts TCP connections there.
port_open() { "$TLSCLIENT" --probe --timeout-ms 2000 "${2:-127.0.0.1}:$1" 2>/dev/null; }
port_closed() { ! port_open "$@"; }

# --- ports and backends --------------------------------------------------------------------

# free_ports N: N distinct free loopback ports, space-separated, reserved for this test until
# it exits. make check runs tests side by side (the same test on two implementations among
# them), and a port found free is bound only later: a reservation (a directory per port,
# made atomically, naming the test's PID) keeps another test from being handed the same port
# meanwhile. Reservations of a test that died are taken over.
PORT_RESERVATIONS=${TMPDIR:-/tmp}/unitls-test-ports
free_ports() {
    mkdir -p "$PORT_RESERVATIONS"
    _fp_got="" _fp_n=0 _fp_round=0
    while [ "$_fp_n" -lt "$1" ] && [ "$_fp_round" -lt 50 ]; do
        for _fp_p in $("$ECHO_BIN" --find-ports $(($1 - _fp_n))); do
            port_reserve "$_fp_p" || continue
            _fp_got="$_fp_got $_fp_p"
            _fp_n=$((_fp_n + 1))
        done
        _fp_round=$((_fp_round + 1))
    done
    [ "$_fp_n" -ge "$1" ] || { echo "free_ports: only $_fp_n of $1 ports" >&2; return 1; }
    echo $_fp_got
}

# port_reserve PORT: takes PORT for this test ($$ is the test's shell even in a subshell).
port_reserve() {
    _pr_dir=$PORT_RESERVATIONS/$1
    if ! mkdir "$_pr_dir" 2>/dev/null; then
        _pr_owner=$(cat "$_pr_dir/pid" 2>/dev/null)
        # Still being made, or held by a live test: not ours.
        if [ -z "$_pr_owner" ] || kill -0 "$_pr_owner" 2>/dev/null; then return 1; fi
        rm -rf "$_pr_dir"
        mkdir "$_pr_dir" 2>/dev/null || return 1
    fi
    echo "$$" >"$_pr_dir/pid"
}

# ports_release: drops this test's reservations (at exit).
ports_release() {
    for _pr_pid in "$PORT_RESERVATIONS"/*/pid; do
        [ -f "$_pr_pid" ] && [ "$(cat "$_pr_pid" 2>/dev/null)" = "$$" ] &&
            rm -rf "${_pr_pid%/pid}"
    done
    return 0
}

# start_backend VAR PROGRAM ARGS...: starts a backend (echo or http, given as its path) with
# the given arguments; without --listen among them it listens on 127.0.0.1:0. Waits until it
# has printed the port of every TCP listener given port 0, or made its unix socket (bounded).
# Sets ${VAR}_PID and ${VAR}_PORT (the first port printed; empty if none).
start_backend() {
    _var=$1; _prog=$2; shift 2
    _n_ports=0; _unix=""; _prev=""; _has_listen=0
    for _a in "$@"; do
        if [ "$_prev" = --listen ]; then
            _has_listen=1
            case $_a in unix:*) _unix=${_a#unix:} ;; *:0) _n_ports=$((_n_ports + 1)) ;; esac
        fi
        _prev=$_a
    done
    if [ "$_has_listen" = 0 ]; then set -- --listen 127.0.0.1:0 "$@"; _n_ports=1; fi
    "$_prog" "$@" >"$T/$_var.port" 2>"$T/$_var.err" 3>&- 4>&- &
    _pid=$!
    track_pid "$_pid"
    eval "${_var}_PID=$_pid"
    if [ "$_n_ports" -gt 0 ]; then
        wait_until 20 file_has_line "$T/$_var.port" "$_n_ports" ||
            bail "backend $_var starts ($(cat "$T/$_var.err"))"
    fi
    if [ -n "$_unix" ]; then
        wait_until 20 test -S "$_unix" || bail "backend $_var starts ($(cat "$T/$_var.err"))"
    fi
    eval "${_var}_PORT=$(head -n 1 "$T/$_var.port")"
}

# --- unitlsd ---------------------------------------------------------------------------------

# impl_yaml: the top-level line that puts a configuration on the implementation under test
# (for a test that writes its own file rather than through config_head).
impl_yaml() { echo "implementation: $UNITLS_TEST_IMPL"; }

# config_head [WORKERS]: the top of a configuration: implementation, workers, log (access on),
# and run_as_root when the tests run as root (CI does).
config_head() {
    impl_yaml
    echo "workers: ${1:-2}"
    [ "$(id -u)" -ne 0 ] || echo "run_as_root: true"
    echo "log:"
    echo "  level: info"
    echo "  access: true"
    echo "listeners:"
}

# listener_yaml NAME LISTEN BACKEND [CERT...]: one listener entry with the given addresses
# (a YAML flow list body, e.g. '"127.0.0.1:4000"'), backend address and certificates (names
# under $CERTS without extension; default: localhost). Extra keys may follow on stdout.
listener_yaml() {
    _name=$1; _listen=$2; _backend=$3; shift 3
    [ $# -gt 0 ] || set -- localhost
    echo "  - name: $_name"
    echo "    listen: [$_listen]"
    echo "    certificates:"
    for _c in "$@"; do
        case $_c in
        /*) echo "      - cert: $_c.pem"; echo "        key: $_c.key" ;;
        *) echo "      - cert: $CERTS/$_c.pem"; echo "        key: $CERTS/$_c.key" ;;
        esac
    done
    echo "    backend:"
    echo "      address: \"$_backend\""
}

# start_unitlsd CONFIG PORT...: starts the daemon on CONFIG (stderr to $T/unitlsd.log, or
# $UNITLSD_LOG when set) and waits until every PORT on 127.0.0.1 accepts (bounded).
# Sets UNITLSD_PID. Returns 1 (after a failed check) when it does not come up.
start_unitlsd() {
    _config=$1; shift
    UNITLSD_LOG=${UNITLSD_LOG:-$T/unitlsd.log}
    [ -x "$UNITLSD" ] || { fail "unitlsd is built ($UNITLSD)"; return 1; }
    "$UNITLSD" -c "$_config" >>"$T/unitlsd.out" 2>>"$UNITLSD_LOG" 3>&- 4>&- &
    UNITLSD_PID=$!
    LIB_UNITLSD_PID=$UNITLSD_PID
    track_pid "$UNITLSD_PID"
    for _port in "$@"; do
        _i=0
        while ! port_open "$_port"; do
            if ! pid_alive "$UNITLSD_PID" || [ "$_i" -ge "${START_WAIT:-300}" ]; then
                fail "unitlsd starts on $_config and listens on $_port" \
                     "$(tail -n 5 "$UNITLSD_LOG" | tr '\n' ' ')"
                return 1
            fi
            sleep 0.1; _i=$((_i + 1))
        done
    done
    return 0
}

# reload_unitlsd [SECONDS]: SIGHUP, then waits until the daemon logs the end of that reload.
# Returns 1 when it did not within the bound (default 60 s).
reload_unitlsd() {
    _before=$(count_lines "$RELOAD_DONE_RE" "$UNITLSD_LOG")
    kill -HUP "$UNITLSD_PID" 2>/dev/null || return 1
    wait_until "${1:-60}" lines_at_least "$RELOAD_DONE_RE" "$UNITLSD_LOG" $((_before + 1))
}

# last_reload_line: the line that ended the last reload.
last_reload_line() { grep -- "$RELOAD_DONE_RE" "$UNITLSD_LOG" | tail -n 1; }

# rss_kb PID: resident memory in KiB.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# cpu_ticks PID: user + system CPU time in clock ticks.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# sanitizer_build: the tree was configured with --enable-sanitizers.
sanitizer_build() { grep -q '^SANITIZER_CFLAGS = .*-fsanitize' "$UNITLS_BUILDDIR/Makefile" 2>/dev/null; }

# ipv6_loopback: ::1 can be bound here.
ipv6_loopback() {
    _p=$(free_ports 1)
    "$ECHO_BIN" --listen "[::1]:$_p" >/dev/null 2>&1 &
    _pid=$!
    sleep 0.3
    if pid_alive "$_pid"; then kill "$_pid"; wait "$_pid" 2>/dev/null; return 0; fi
    wait "$_pid" 2>/dev/null
    return 1
}

# --- clients -------------------------------------------------------------------------------

# tls ARGS...: the project's own client with the test CA (see tests/backends/tlsclient.c).
tls() { "$TLSCLIENT" --cafile "$CERTS/ca.pem" "$@"; }
# tls_bg ARGS... &: the same as a background job. It execs, so that $! is the client's own
# PID (a backgrounded function is a subshell: stopping it would orphan the client).
# Descriptors 3 and 4 (FIFOs that tests hold open to drive a client) are not passed on, so
# that closing them in the test is seen as EOF by the client reading the FIFO.
tls_bg() { exec "$TLSCLIENT" --cafile "$CERTS/ca.pem" "$@" 3>&- 4>&-; }

# sclient PORT ARGS...: openssl s_client to 127.0.0.1:PORT with the test CA, stdin empty,
# bounded by timeout(1); prints what s_client printed (stdout and stderr).
sclient() {
    _port=$1; shift
    timeout 30 "$OPENSSL" s_client -connect "127.0.0.1:$_port" -CAfile "$CERTS/ca.pem" \
        "$@" </dev/null 2>&1
}

# served_der PORT OUT [s_client args...]: the leaf certificate the server sent, as DER in OUT.
served_der() {
    _port=$1; _out=$2; shift 2
    sclient "$_port" "$@" >"$_out.txt"
    "$OPENSSL" x509 -outform DER -in "$_out.txt" -out "$_out" 2>/dev/null
}

# same_file A B
same_file() { cmp -s "$1" "$2"; }

# pattern_bytes N: what the http backend's /bytes/N and the echo backend's greeting send.
pattern_bytes() {
    yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ. 2>/dev/null | head -c "$1"
}

sha256() { sha256sum "$1" | cut -d' ' -f1; }

# new_leaf DIR NAME SAN: a fresh ECDSA leaf for NAME signed by the test intermediate:
# DIR/NAME.pem (leaf then intermediate), DIR/NAME.key, DIR/NAME.der.
new_leaf() {
    _dir=$1; _name=$2; _san=$3
    "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$_dir/$_name.key.new" 2>/dev/null &&
    "$OPENSSL" req -new -key "$_dir/$_name.key.new" -subj "/CN=$_name" -out "$_dir/$_name.csr" 2>/dev/null &&
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$_san" >"$_dir/$_name.ext" &&
    "$OPENSSL" x509 -req -in "$_dir/$_name.csr" -CA "$CERTS/intermediate.pem" -CAkey "$CERTS/intermediate.key" \
        -CAcreateserial -CAserial "$_dir/serial" -days 30 -extfile "$_dir/$_name.ext" \
        -out "$_dir/$_name.leaf" 2>/dev/null &&
    cat "$_dir/$_name.leaf" "$CERTS/intermediate.pem" >"$_dir/$_name.pem.new" &&
    "$OPENSSL" x509 -in "$_dir/$_name.leaf" -outform DER -out "$_dir/$_name.der" &&
    mv "$_dir/$_name.key.new" "$_dir/$_name.key" && mv "$_dir/$_name.pem.new" "$_dir/$_name.pem"
}

# --- unitls-load ----------------------------------------------------------------------------

# load_required: the tests that drive unitls-load need it built; sets LOAD, a command that
# runs it on the implementation under test: a script in $T that execs the tool with
# --implementation first (so a PID taken of it is the tool's, and a later --implementation
# still wins).
load_required() {
    LOAD=$UNITLS_LOAD
    [ -x "$LOAD" ] || bail "unitls-load is built ($LOAD)"
    _default=${UNITLS_IMPLEMENTATIONS:-$UNITLS_TEST_IMPL}
    if "$LOAD" --help 2>&1 | grep -q -- '--implementation'; then
        printf '#!/bin/sh\nexec "%s" --implementation "%s" "$@"\n' "$UNITLS_LOAD" \
            "$UNITLS_TEST_IMPL" >"$T/unitls-load"
        chmod +x "$T/unitls-load"
        LOAD=$T/unitls-load
    elif [ "$UNITLS_TEST_IMPL" != "${_default%% *}" ]; then
        bail "unitls-load has --implementation, to run on $UNITLS_TEST_IMPL"
    fi
}

# json_get FILE KEY: the number at KEY ("completed", or "latency_ms.p50" one level down) in
# unitls-load's --json report.
json_get() {
    case $2 in
    *.*) sed -n "s/.*\"${2%%.*}\":{[^}]*\"${2#*.}\":\([0-9.]*\).*/\1/p" "$1" ;;
    *) sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$1" ;;
    esac
}

# run_load OUT ARGS...: unitls-load -q --json ARGS (with --cafile LOAD_CAFILE first when that
# is set), bounded to 120 s; the report goes to OUT, stderr to OUT.err, the exit status to RC,
# and a status other than 0 is a failed check.
run_load() {
    _out=$1; shift
    timeout 120 "$LOAD" -q --json ${LOAD_CAFILE:+--cafile "$LOAD_CAFILE"} "$@" \
        >"$_out" 2>"$_out.err"
    RC=$?
    [ "$RC" = 0 ] || fail "unitls-load $* exits 0" "exit $RC: $(head -c 300 "$_out.err")"
}

# --- preconditions -------------------------------------------------------------------------

for _f in "$ECHO_BIN" "$HTTP_BIN" "$TLSCLIENT"; do
    [ -x "$_f" ] || bail "test program $_f is built"
done
[ -f "$CERTS/ca.pem" ] || bail "test certificates exist in $CERTS (tests/gen-certs.sh)"
