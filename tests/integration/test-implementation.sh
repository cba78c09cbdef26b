#!/bin/sh
# The TLS implementation chosen at run time, for every one named in $UNITLS_IMPLEMENTATIONS
# (those built, the default first; make check exports it). Proves: unitlsd --version and
# unitls-load --version list each, the default first; a listener with `implementation: NAME`
# serves openssl s_client and curl through to the http backend, and logs NAME at start-up;
# unitls-load --implementation NAME completes handshakes against the listener of every
# implementation. A reload that switches listener b to the next implementation (its own key,
# then the top-level one) keeps serving listeners a and b, and its log lines show that only b
# got a new context, a connection open on b's old context going on; with one implementation
# built, the "switch" (own key to top-level key, same implementation) rebuilds nothing. A
# listener naming an implementation that is not built is refused with FILE:LINE:COLUMN and
# the names built, by --check-config, at start-up, and at a reload, which keeps the running
# configuration serving; unitls-load refuses such a name as bad usage.
. "$(dirname "$0")/lib.sh"

load_required
# By hand (not under make check): what the daemon says it was built with.
[ -n "${UNITLS_IMPLEMENTATIONS:-}" ] ||
    UNITLS_IMPLEMENTATIONS=$("$UNITLSD" --version |
        sed -n 's/^implementations: //p' | sed 's/ (default)//; s/,//g')
set -- $UNITLS_IMPLEMENTATIONS
[ $# -gt 0 ] || bail "UNITLS_IMPLEMENTATIONS names the implementations built"
N_IMPL=$#
FIRST=$1
shift
REST=$*
LAST=$FIRST
for name in $REST; do LAST=$name; done
BUILT_LIST=$(echo $UNITLS_IMPLEMENTATIONS | sed 's/ /, /g')
# A name this build lacks: the other implementation of the project when only one is built.
BOGUS=""
for name in gnutls openssl boringssl; do
    case " $UNITLS_IMPLEMENTATIONS " in *" $name "*) ;; *) BOGUS=$name; break ;; esac
done
note "implementations built: $BUILT_LIST; first $FIRST, last $LAST; not built: $BOGUS"

# --- --version --------------------------------------------------------------------------------
"$UNITLSD" --version >"$T/unitlsd.version" 2>&1
"$LOAD" --version >"$T/unitls-load.version" 2>&1
for prog in unitlsd unitls-load; do
    check_grep "$prog --version: the default, $FIRST, comes first" \
        "^implementations: $FIRST (default)" "$T/$prog.version"
    for name in $UNITLS_IMPLEMENTATIONS; do
        check_grep "$prog --version lists $name" "^implementations: .*\\b$name\\b" \
            "$T/$prog.version"
    done
    check_eq "$prog --version lists $N_IMPL implementation(s)" \
        "$(sed -n 's/^implementations: //p' "$T/$prog.version" | tr ',' '\n' | grep -c .)" \
        "$N_IMPL"
done

# --- one listener per implementation, and listeners a and b for the reloads -------------------
start_backend HTTP "$HTTP_BIN"
start_backend ECHO "$ECHO_BIN"
set -- $(free_ports $((N_IMPL + 2)))
P_A=$1 P_B=$2
shift 2
PORTS=$*

# impl_port NAME: the port of listener impl-NAME.
impl_port() {
    _i=0
    for _n in $UNITLS_IMPLEMENTATIONS; do
        _i=$((_i + 1))
        [ "$_n" = "$1" ] && { echo "$PORTS" | cut -d' ' -f"$_i"; return; }
    done
}

# config B_KEY: the whole file, listener b with `implementation: B_KEY`, or with no key of its
# own (the top level's, $LAST) when B_KEY is "-". The ALPN lists keep a and b from sharing a
# context with each other or with impl-$FIRST.
config() {
    echo "implementation: $LAST"
    config_head | grep -v '^implementation:'
    for name in $UNITLS_IMPLEMENTATIONS; do
        listener_yaml "impl-$name" "\"127.0.0.1:$(impl_port "$name")\"" "127.0.0.1:$HTTP_PORT"
        echo "    implementation: $name"
    done
    listener_yaml a "\"127.0.0.1:$P_A\"" "127.0.0.1:$ECHO_PORT"
    echo "    protocols: [x-a, http/1.1]"
    echo "    implementation: $FIRST"
    listener_yaml b "\"127.0.0.1:$P_B\"" "127.0.0.1:$ECHO_PORT"
    echo "    protocols: [x-b, http/1.1]"
    [ "$1" = - ] || echo "    implementation: $1"
}
config "$FIRST" >"$T/unitlsd.yaml"
# shellcheck disable=SC2086
start_unitlsd "$T/unitlsd.yaml" $PORTS "$P_A" "$P_B" || finish

for name in $UNITLS_IMPLEMENTATIONS; do
    check_grep "start-up logs listener impl-$name with $name" \
        "^info: listener impl-$name: $name, context built" "$UNITLSD_LOG"
done
check_grep "start-up logs listener b with $FIRST" "^info: listener b: $FIRST, context built" \
    "$UNITLSD_LOG"

# handshake_ok PORT: openssl s_client completes a verified handshake.
handshake_ok() {
    sclient "$1" -servername localhost >"$T/s_client.out"
    grep -q '^New, TLSv1' "$T/s_client.out" &&
        grep -q 'Verify return code: 0 (ok)' "$T/s_client.out"
}
curl_page() { timeout 60 curl -sS --cacert "$CERTS/ca.pem" "https://localhost:$1/" 2>&1; }
# echo_ok PORT: the project's own client gets 1000 bytes echoed through the echo backend.
echo_ok() { tls --echo-bytes 1000 "127.0.0.1:$1" 2>&1 | grep -q '^completed=1 failed=0'; }

for name in $UNITLS_IMPLEMENTATIONS; do
    p=$(impl_port "$name")
    check "implementation: $name: openssl s_client completes a verified handshake" \
        handshake_ok "$p"
    if command -v curl >/dev/null 2>&1; then
        check_eq "implementation: $name: curl gets the backend's page" "$(curl_page "$p")" \
            "hello from the unitls test backend"
    else
        skip_check "implementation: $name: curl gets the backend's page" "no curl here"
    fi
done

# --- unitls-load --implementation, against every implementation's listener --------------------
LOAD_CAFILE=$CERTS/ca.pem
for client in $UNITLS_IMPLEMENTATIONS; do
    for server in $UNITLS_IMPLEMENTATIONS; do
        out=$T/load-$client-$server.json
        run_load "$out" --implementation "$client" --count 20 --concurrency 4 \
            "127.0.0.1:$(impl_port "$server")"
        check_eq "unitls-load --implementation $client: 20 handshakes with the $server listener" \
            "$(json_get "$out" completed) $(json_get "$out" failed)" "20 0"
        check_grep "... reported as $client" "\"implementation\":\"$client\"" "$out"
    done
done
timeout 30 "$LOAD" --implementation "$BOGUS" --count 1 "127.0.0.1:$P_A" >"$T/bogus.out" 2>&1
check_eq "unitls-load --implementation $BOGUS: exit 2 (usage)" "$?" 2
check_grep "... naming those built" \
    "--implementation $BOGUS: not built into libunitls; expected one of: $BUILT_LIST" \
    "$T/bogus.out"

# --- reloads that switch listener b -----------------------------------------------------------
# A connection on b's first context, open across every reload.
mkfifo "$T/in"
tls_bg --rounds --timeout-ms 300000 "127.0.0.1:$P_B" <"$T/in" >"$T/long.out" 2>&1 &
LONG=$!; track_pid "$LONG"
exec 3<>"$T/in"
round=1
echo 5000 >&3
wait_until 30 lines_at_least "^round $round ok" "$T/long.out" 1
check_grep "a connection to b echoes before the reloads" "^round $round ok" "$T/long.out"

N_CTX=$((N_IMPL + 2))
# reload_to B_KEY WAS WHAT: rewrites the file with b's key B_KEY, reloads, and checks from the
# reload's own log lines that b (now on implementation NOW, before on WAS) alone changed.
reload_to() {
    _key=$1 _was=$2
    _now=$_key
    [ "$_key" != - ] || _now=$LAST
    config "$_key" >"$T/unitlsd.yaml"
    _from=$(wc -l <"$UNITLSD_LOG")
    check "$3: the reload ends" reload_unitlsd
    tail -n +$((_from + 1)) "$UNITLSD_LOG" >"$T/reload.log"
    last_reload_line >"$T/reload.line"
    note "$(cat "$T/reload.line")"
    if [ "$_now" != "$_was" ]; then
        check_grep "$3: b is logged on $_now (was $_was), with a new context" \
            "reload: listener b: $_now (was $_was), context built" "$T/reload.log"
        check_grep "$3: only b's context is new" \
            "contexts $((N_CTX - 1)) reused, 1 built, 1 retired" "$T/reload.line"
    else
        check_grep "$3: b stays on $_now and keeps its context" \
            "reload: listener b: $_now, context reused" "$T/reload.log"
        check_grep "$3: no context is new" "contexts $N_CTX reused, 0 built, 0 retired" \
            "$T/reload.line"
    fi
    check_eq "$3: b's is the only line about a context built" \
        "$(count_lines 'reload: listener .*context built' "$T/reload.log")" \
        "$([ "$_now" != "$_was" ] && echo 1 || echo 0)"
    check_grep "$3: a keeps its context on $FIRST" \
        "reload: listener a: $FIRST, context reused" "$T/reload.log"
    for _n in $UNITLS_IMPLEMENTATIONS; do
        check_grep "$3: impl-$_n keeps its context" \
            "reload: listener impl-$_n: $_n, context reused" "$T/reload.log"
    done
    check "$3: a serves openssl s_client" handshake_ok "$P_A"
    check "$3: b serves openssl s_client" handshake_ok "$P_B"
    check "$3: a echoes" echo_ok "$P_A"
    check "$3: b echoes" echo_ok "$P_B"
    round=$((round + 1))
    echo 5000 >&3
    wait_until 30 lines_at_least "^round $round ok" "$T/long.out" 1
    check_grep "$3: the connection opened on b before it still echoes" "^round $round ok" \
        "$T/long.out"
}

was=$FIRST
for name in $REST; do
    reload_to "$name" "$was" "b: $was -> $name"
    was=$name
done
reload_to - "$was" "b: own key $was -> the top level's ($LAST)"

# --- an implementation that is not built ------------------------------------------------------
# position_value FILE TEXT: "LINE:COLUMN" of the value in the first "implementation: TEXT" line.
position_value() {
    awk -v t="implementation: $2" '{ i = index($0, t); if (i) { print NR ":" i + 16; exit } }' "$1"
}
config "$BOGUS" >"$T/bad.yaml"
pos=$(position_value "$T/bad.yaml" "$BOGUS")
MESSAGE="implementation: unknown implementation '$BOGUS'; expected one of: $BUILT_LIST"
want="$T/bad.yaml:$pos: $MESSAGE"
timeout 30 "$UNITLSD" --check-config -c "$T/bad.yaml" >"$T/check.out" 2>&1
check_eq "--check-config with b on $BOGUS: exit 1" "$?" 1
check "... reporting it at $pos, naming those built" grep -qF -- "$want" "$T/check.out"
timeout 30 "$UNITLSD" -c "$T/bad.yaml" >"$T/bad-start.out" 2>&1
check_eq "starting with b on $BOGUS: exit 1" "$?" 1
check "... reporting it at $pos, naming those built" grep -qF -- "$want" "$T/bad-start.out"

gen=$(sed -n 's/.*reload: generation \([0-9]*\) .*/\1/p' "$UNITLSD_LOG" | tail -n 1)
cp "$T/bad.yaml" "$T/unitlsd.yaml"
pos=$(position_value "$T/unitlsd.yaml" "$BOGUS")
want="reload: $T/unitlsd.yaml:$pos: $MESSAGE"
check "reload with b on $BOGUS: the reload ends" reload_unitlsd
last_reload_line >"$T/reload.line"
check_grep "reload with b on $BOGUS fails, still serving generation $gen" \
    "reload: failed (1 failed so far); still serving generation $gen" "$T/reload.line"
check "... reporting it at $pos, naming those built" grep -qF -- "$want" "$UNITLSD_LOG"
check "after it: a serves openssl s_client" handshake_ok "$P_A"
check "after it: b serves openssl s_client" handshake_ok "$P_B"
check "after it: a echoes" echo_ok "$P_A"
check "after it: b echoes" echo_ok "$P_B"
if command -v curl >/dev/null 2>&1; then
    check_eq "after it: curl gets the page from impl-$LAST" "$(curl_page "$(impl_port "$LAST")")" \
        "hello from the unitls test backend"
fi
round=$((round + 1))
echo 5000 >&3
wait_until 30 lines_at_least "^round $round ok" "$T/long.out" 1
check_grep "after it: the connection opened on b at the start still echoes" "^round $round ok" \
    "$T/long.out"
exec 3>&-
wait_exit "$LONG" 30
check_eq "... and ends cleanly" "$EXIT_STATUS" 0

cat "$T"/*.json.err >"$T/load.stderr" 2>/dev/null
check_no_grep "no sanitizer report from unitls-load" 'Sanitizer\|runtime error:' "$T/load.stderr"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
