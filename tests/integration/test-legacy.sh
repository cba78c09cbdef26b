#!/bin/sh
# Legacy peers only on purpose. A listener with `insecure: {min_version: TLSv1.0,
# security_level: 0}` serves `openssl s_client -tls1` and `-tls1_1` end to end through the echo
# backend; the daemon warns, naming the listener, at start and at every reload; the access line
# marks those connections (legacy=TLSv1.0); /metrics shows unitlsd_insecure_listeners 1. The
# same client against a listener without the block is refused. unitls-load --insecure-legacy
# --tls-version 1.0 completes handshakes with a TLS 1.0-only `openssl s_server`, with one
# SecurityWarning on stderr; without --insecure-legacy it is refused.
. "$(dirname "$0")/lib.sh"

command -v "$OPENSSL" >/dev/null 2>&1 || skip_all "no openssl command"
command -v curl >/dev/null 2>&1 || skip_all "no curl command"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 4)
P_OLD=$1 P_NEW=$2 PS=$3 P_SSERVER=$4
{
    config_head | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$PS"
    listener_yaml old "\"127.0.0.1:$P_OLD\"" "127.0.0.1:$ECHO_PORT" localhost
    echo "    insecure: { min_version: TLSv1.0, security_level: 0 }"
    listener_yaml new "\"127.0.0.1:$P_NEW\"" "127.0.0.1:$ECHO_PORT" localhost
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_OLD" "$P_NEW" "$PS" || finish

WARN_RE='listener old: insecure: allows TLS 1.0 and 1.1'
check_eq "one warning at start, naming the listener" "$(count_lines "$WARN_RE" "$UNITLSD_LOG")" 1
check_eq "no warning for the listener without the block" \
    "$(count_lines 'listener new: insecure' "$UNITLSD_LOG")" 0

# legacy_echo PORT FLAG: sends a line through s_client FLAG at security level 0 and prints what
# s_client printed (the echo comes back on stdout); stdin stays open a second for the echo, and
# its end closes the connection (-brief, unlike -quiet, does not imply -ign_eof).
legacy_echo() {
    { printf 'legacy-hello\n'; sleep 1; } |
        timeout 30 "$OPENSSL" s_client -connect "127.0.0.1:$1" -CAfile "$CERTS/ca.pem" \
            -servername localhost "$2" -cipher 'DEFAULT@SECLEVEL=0' -brief 2>&1
}
for flag in -tls1 -tls1_1; do
    version=TLSv1.0; [ "$flag" = -tls1_1 ] && version=TLSv1.1
    legacy_echo "$P_OLD" "$flag" >"$T/old$flag.out"
    check_grep "s_client $flag: the echo backend answered through the legacy listener" \
        '^legacy-hello$' "$T/old$flag.out"
    wait_until 30 lines_at_least "access listener=old .*version=$version " "$UNITLSD_LOG" 1
    grep "access listener=old .*version=$version " "$UNITLSD_LOG" | tail -n 1 >"$T/old$flag.line"
    note "$(cat "$T/old$flag.line")"
    check_grep "s_client $flag: the access line marks the connection" " legacy=$version\$" \
        "$T/old$flag.line"
    legacy_echo "$P_NEW" "$flag" >"$T/new$flag.out"
    check_no_grep "s_client $flag: refused by the listener without the block" \
        '^legacy-hello$' "$T/new$flag.out"
done

# A modern client on the legacy listener still gets TLS 1.3, and no legacy mark.
sclient "$P_OLD" -servername localhost >"$T/modern.out"
check_grep "a modern client on the legacy listener negotiates TLS 1.3" 'TLSv1.3' "$T/modern.out"

timeout 30 curl -sS "http://127.0.0.1:$PS/metrics" >"$T/m.txt" 2>&1
check_grep "/metrics: one insecure listener" '^unitlsd_insecure_listeners 1$' "$T/m.txt"

reload_unitlsd || fail "the reload finishes"
check_eq "one more warning at the reload, naming the listener" \
    "$(count_lines "reload: $WARN_RE" "$UNITLSD_LOG")" 1
check_eq "still one warning per listener per generation" \
    "$(count_lines "$WARN_RE" "$UNITLSD_LOG")" 2

# --- unitls-load against a TLS 1.0-only openssl s_server ------------------------------------
load_required
"$OPENSSL" s_server -www -accept "127.0.0.1:$P_SSERVER" -tls1 -cipher 'DEFAULT@SECLEVEL=0' \
    -cert "$CERTS/localhost.pem" -cert_chain "$CERTS/intermediate.pem" \
    -key "$CERTS/localhost.key" >"$T/s_server.out" 2>&1 </dev/null &
SPID=$!
track_pid "$SPID"
wait_until 20 port_open "$P_SSERVER" || bail "openssl s_server -tls1 listens on $P_SSERVER"

run_load "$T/l10.json" --cafile "$CERTS/ca.pem" --insecure-legacy --tls-version 1.0 \
    --count 20 --concurrency 2 "127.0.0.1:$P_SSERVER"
check_eq "--insecure-legacy --tls-version 1.0: 20 handshakes" \
    "$(json_get "$T/l10.json" completed)" 20
check_eq "... none at TLS 1.2 or 1.3 (the report counts TLS 1.0 as other)" \
    "$(json_get "$T/l10.json" versions.other)" 20
check_eq "... with one SecurityWarning on stderr" \
    "$(count_lines 'SecurityWarning' "$T/l10.json.err")" 1

timeout 60 "$LOAD" -q --json --cafile "$CERTS/ca.pem" --tls-version 1.0 --count 1 \
    "127.0.0.1:$P_SSERVER" >"$T/refused.json" 2>"$T/refused.err"
check_eq "--tls-version 1.0 without --insecure-legacy: bad usage" "$?" 2
check_grep "... pointing at --insecure-legacy" 'insecure-legacy' "$T/refused.err"
run_load "$T/plain.json" --cafile "$CERTS/ca.pem" --count 5 "127.0.0.1:$P_SSERVER"
check_eq "without --insecure-legacy the TLS 1.0 server is refused" \
    "$(json_get "$T/plain.json" completed)" 0

stop_pid "$SPID" 10
check_no_grep "no sanitizer report" 'Sanitizer\|runtime error:' "$UNITLSD_LOG"
finish
