#!/bin/sh
# strict_sni per listener, with openssl s_client: a strict listener answers a name no chain
# covers, no name at all (-noservername) and a malformed name (a..b) with unrecognized_name
# (alert 112); a non-strict one serves those the default chain; a covered name is served by
# both. Each refusal is logged (reason=sni with the name, "no name" or malformed) and counted
# by unitlsd_handshake_failures_total{listener,reason="sni"}. A reload that switches strict
# on for one listener and off for the other takes effect.
. "$(dirname "$0")/lib.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is needed to read /metrics"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P_STRICT=$1 P_LAX=$2 P_STATS=$3

# write_config STRICT_A STRICT_B: listener a on P_STRICT, b on P_LAX, with those settings.
write_config() {
    {
        config_head 1 | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$P_STATS"
        listener_yaml a "\"127.0.0.1:$P_STRICT\"" "127.0.0.1:$ECHO_PORT" default.test example.org
        echo "    strict_sni: $1"
        listener_yaml b "\"127.0.0.1:$P_LAX\"" "127.0.0.1:$ECHO_PORT" default.test example.org
        [ "$2" = false ] || echo "    strict_sni: $2"
    } >"$T/unitlsd.yaml"
}
write_config true false
start_unitlsd "$T/unitlsd.yaml" "$P_STRICT" "$P_LAX" || finish

LOG=$UNITLSD_LOG
metrics() { timeout 30 curl -sS "http://127.0.0.1:$P_STATS/metrics" >"$T/m.txt" 2>&1; }
sni_failures() {
    awk -v n="unitlsd_handshake_failures_total{listener=\"$1\",reason=\"sni\"}" \
        '$1 == n { print $2 }' "$T/m.txt"
}
failure_lines() { grep -c "listener $1: handshake failed: .*reason=sni" "$LOG" || true; }

# name_arg NAME|-: the s_client option that sends NAME, or none.
name_arg() { if [ "$1" = - ]; then echo -noservername; else echo "-servername $1"; fi; }

# served PORT NAME|- EXPECTED WHAT: the chain served for NAME is EXPECTED's.
served() {
    # shellcheck disable=SC2046
    served_der "$1" "$T/got.der" $(name_arg "$2")
    if same_file "$T/got.der" "$CERTS/$3.der"; then
        pass "$4"
    else
        fail "$4" "$(grep -i 'alert\|error' "$T/got.der.txt" | head -n 2 | tr '\n' ' ')"
    fi
}

# refused PORT NAME|- WHAT: the handshake ends with alert 112 and no certificate.
refused() {
    # shellcheck disable=SC2046
    sclient "$1" $(name_arg "$2") >"$T/refused.txt"
    if grep -q "alert number 112\|unrecognized name" "$T/refused.txt" &&
        ! grep -q "BEGIN CERTIFICATE" "$T/refused.txt"; then
        pass "$3"
    else
        fail "$3" "$(grep -i 'alert\|error\|subject' "$T/refused.txt" | head -n 3 | tr '\n' ' ')"
    fi
}

# --- strict on a, off on b --------------------------------------------------------------------
served "$P_STRICT" example.org example.org "strict: a covered name is served its chain"
served "$P_STRICT" default.test default.test "strict: the default chain's own name is served"
served "$P_LAX" example.org example.org "not strict: a covered name is served its chain"
refused "$P_STRICT" unknown.test "strict: unknown.test gets unrecognized_name (112)"
refused "$P_STRICT" - "strict: no SNI gets unrecognized_name (112)"
refused "$P_STRICT" a..b "strict: a malformed name (a..b) gets unrecognized_name (112)"
served "$P_LAX" unknown.test default.test "not strict: unknown.test gets the default chain"
served "$P_LAX" - default.test "not strict: no SNI gets the default chain"

wait_until 10 lines_at_least "listener a: handshake failed: .*reason=sni" "$LOG" 3
check_grep "the refusal of unknown.test is logged with its name" \
    "listener a: handshake failed: .*reason=sni sni=unknown.test" "$LOG"
check_grep "the refusal without a name is logged as such" \
    "listener a: handshake failed: .*reason=sni sni=\"no name\"" "$LOG"
check_grep "the refusal of a malformed name is logged as such" \
    "listener a: handshake failed: .*reason=sni sni=malformed" "$LOG"
check_grep "the access line of a refusal ends in reason=sni" \
    "access listener=a .*reason=sni" "$LOG"
metrics
check_eq "the metric counts the strict listener's 3 refusals" "$(sni_failures a)" 3
check_eq "the non-strict listener has no sni failure" "$(sni_failures b)" 0

# --- reload: strict off on a, on on b ---------------------------------------------------------
write_config false true
check "reload switching strict_sni ends" reload_unitlsd
check_grep "the reload succeeded" "reload: generation" "$LOG"
served "$P_STRICT" unknown.test default.test "after reload, a (now not strict): unknown.test gets the default"
served "$P_STRICT" - default.test "after reload, a (now not strict): no SNI gets the default"
refused "$P_LAX" unknown.test "after reload, b (now strict): unknown.test gets 112"
refused "$P_LAX" - "after reload, b (now strict): no SNI gets 112"
served "$P_LAX" example.org example.org "after reload, b (now strict): a covered name is served"
wait_until 10 lines_at_least "listener b: handshake failed: .*reason=sni" "$LOG" 2
metrics
check_eq "after reload, b's metric counts its 2 refusals" "$(sni_failures b)" 2
check_eq "after reload, a's count stays 3" "$(sni_failures a)" 3

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
