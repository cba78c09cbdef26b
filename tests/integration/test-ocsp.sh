#!/bin/sh
# OCSP stapling from `ocsp:` files. One listener serves six leaves by SNI, each with its own
# response: good.test a valid one from `openssl ocsp`, expired.test one past its nextUpdate,
# other.test one about good.test, revoked.test a valid revoked one, soon.test one valid for 30 s,
# none.test none. Over TLS 1.2 and 1.3, `openssl s_client -status` gets good.test's response
# (successful, good) and no response for the others; `gnutls-cli --ocsp` accepts the staple.
# Each certificate's state is logged once, /metrics has it (unitlsd_ocsp_state), and access
# lines say ocsp=stapled, expired, invalid, absent, resumed (a resumed session), or - when the
# client did not ask. soon.test's response expires while the daemon runs: it stops being
# stapled, said once. Then a valid response for expired.test is
# put in place and SIGHUP makes new handshakes staple it, while a connection opened before the
# reload keeps echoing; a second SIGHUP with nothing changed reuses the context and logs no
# OCSP line again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ocsp.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is needed to read /metrics"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P=$1 P_STATS=$2 P_AIA=$3
# Nothing listens at the leaves' responder: only staples are looked at (gnutls-cli --ocsp asks
# the responder itself when nothing is stapled, and is refused).
URL=http://127.0.0.1:$P_AIA/
ocsp_ca
ocsp_leaf good.test 1001 "$URL"; ocsp_index good.test V
ocsp_leaf expired.test 1002 "$URL"; ocsp_index expired.test V
ocsp_leaf other.test 1003 "$URL"; ocsp_index other.test V
ocsp_leaf revoked.test 1004 "$URL"; ocsp_index revoked.test R
ocsp_leaf none.test 1005 "$URL"
ocsp_leaf soon.test 1006 "$URL"
ocsp_response good.test "$T/good.der"
ocsp_response good.test "$T/other.der"
ocsp_response revoked.test "$T/revoked.der"
ocsp_make --cert "$T/expired.test.leaf" --this-update -7200 --next-update -60 \
    --out "$T/expired.der" || bail "ocspmake writes an expired response"

# The ocsp paths are relative: resolved against the configuration's directory, $T.
{
    config_head 1 | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$P_STATS"
    echo "  - name: staple"
    echo "    listen: [\"127.0.0.1:$P\"]"
    echo "    certificates:"
    for n in good expired other revoked soon; do
        echo "      - { cert: $n.test.pem, key: $n.test.key, ocsp: $n.der }"
    done
    echo "      - { cert: none.test.pem, key: none.test.key }"
    echo "    backend: { address: \"127.0.0.1:$ECHO_PORT\" }"
} >"$T/unitlsd.yaml"
# Valid for the next 30 s: the daemon sees it expire while it runs.
ocsp_make --cert "$T/soon.test.leaf" --this-update -60 --next-update 30 --out "$T/soon.der" ||
    bail "ocspmake writes a response valid for 30 s"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish
LOG=$UNITLSD_LOG

# --- what clients get -----------------------------------------------------------------------
for v in tls1_2 tls1_3; do
    sclient_status "$P" good.test "$T/good-$v.out" "-$v"
    check "$v: good.test is stapled: successful, Cert Status: good" stapled_good "$T/good-$v.out"
    for n in expired other revoked none; do
        sclient_status "$P" "$n.test" "$T/$n-$v.out" "-$v"
        check "$v: $n.test is served without a staple" not_stapled "$T/$n-$v.out"
    done
done

# gnutls_ocsp NAME PRIORITY OUT: gnutls-cli --ocsp to NAME, which checks a staple it gets.
gnutls_ocsp() {
    timeout 30 gnutls-cli --x509cafile="$T/ca.pem" --ocsp --port="$P" --sni-hostname="$1" \
        --verify-hostname="$1" --priority="$2" 127.0.0.1 </dev/null >"$3" 2>&1
}
gnutls_stapled() {
    grep -q 'Options:.*OCSP status request' "$1" && grep -q 'Status: The certificate is trusted' "$1" &&
        grep -q 'Handshake was completed' "$1"
}
if command -v gnutls-cli >/dev/null 2>&1; then
    for prio in "NORMAL:-VERS-ALL:+VERS-TLS1.2" "NORMAL:-VERS-ALL:+VERS-TLS1.3"; do
        gnutls_ocsp good.test "$prio" "$T/gnutls-good.out"
        check "gnutls-cli --ocsp ($prio): good.test's staple is received and accepted" \
            gnutls_stapled "$T/gnutls-good.out"
        gnutls_ocsp expired.test "$prio" "$T/gnutls-expired.out"
        check_no_grep "gnutls-cli ($prio): expired.test gets no staple" \
            'Options:.*OCSP status request' "$T/gnutls-expired.out"
    done
else
    skip_check "gnutls-cli --ocsp accepts the staple" "no gnutls-cli"
fi

# --- access lines ---------------------------------------------------------------------------
timeout 30 "$OPENSSL" s_client -connect "127.0.0.1:$P" -servername good.test \
    -CAfile "$T/ca.pem" </dev/null >"$T/nostatus.out" 2>&1
wait_until 10 lines_at_least "access listener=staple .*sni=good.test .*ocsp=-" "$LOG" 1
for pair in good:stapled expired:expired other:invalid revoked:invalid none:absent; do
    check "access line of $pair" \
        wait_until 10 lines_at_least "access listener=staple .*sni=${pair%%:*}.test .*ocsp=${pair#*:} " "$LOG" 1
done
check_grep "access line of a client that did not ask: ocsp=-" \
    "access listener=staple .*sni=good.test .*ocsp=- " "$LOG"
# A resumed session sends no certificate, so no staple: its access line says so.
sclient_status "$P" good.test "$T/full.out" -tls1_2 -sess_out "$T/session"
sclient_status "$P" good.test "$T/resumed.out" -tls1_2 -sess_in "$T/session"
if grep -q '^Reused' "$T/resumed.out"; then
    check "access line of a resumed session asking for a staple: ocsp=resumed" \
        wait_until 10 lines_at_least "access listener=staple .*sni=good.test .*ocsp=resumed " "$LOG" 1
else
    fail "s_client resumes its TLS 1.2 session" "$(grep -i 'new\|reused' "$T/resumed.out" | head -n 2)"
fi

# --- the log, once per certificate, and /metrics ----------------------------------------------
ocsp_lines() { count_lines "ocsp: listener staple certificate $T/$1.test.pem: $2" "$LOG"; }
check_eq "good.test: one 'stapling, valid until' line" "$(ocsp_lines good 'stapling, valid until 20')" 1
check_eq "expired.test: one 'not stapled' line" "$(ocsp_lines expired 'not stapled: ')" 1
check_eq "other.test: one 'not stapled' line" "$(ocsp_lines other 'not stapled: ')" 1
check_eq "revoked.test: one 'not stapled' line" "$(ocsp_lines revoked 'not stapled: ')" 1
check_grep "revoked.test: the reason says revoked" \
    "certificate $T/revoked.test.pem: not stapled: .*revoked" "$LOG"
check_eq "none.test has no OCSP line (no ocsp key)" "$(ocsp_lines none '')" 0

metrics() { timeout 30 curl -sS "http://127.0.0.1:$P_STATS/metrics" >"$T/m.txt" 2>&1; }
# metric NAME CERT [STATE]: the value of the series for CERT (and STATE).
metric() {
    _labels="listener=\"staple\",certificate=\"$T/$2.test.pem\"${3:+,state=\"$3\"}"
    awk -v n="$1{$_labels}" '$1 == n { print $2 }' "$T/m.txt"
}
metrics
check_eq "metric: good.test is valid" "$(metric unitlsd_ocsp_state good valid)" 1
check_eq "metric: good.test is not expired" "$(metric unitlsd_ocsp_state good expired)" 0
check_eq "metric: expired.test is expired" "$(metric unitlsd_ocsp_state expired expired)" 1
check_eq "metric: other.test is invalid" "$(metric unitlsd_ocsp_state other invalid)" 1
check_eq "metric: revoked.test is invalid" "$(metric unitlsd_ocsp_state revoked invalid)" 1
next_update=$(metric unitlsd_ocsp_next_update_seconds good)
now=$(date +%s)
check "metric: good.test's nextUpdate is within the next two days" \
    test "${next_update:-0}" -gt "$now" -a "${next_update:-0}" -lt $((now + 172800))
check_eq "metric: no refresh failures without ocsp_refresh" \
    "$(metric unitlsd_ocsp_refresh_failures_total good)" 0

# --- expiry while running -------------------------------------------------------------------
if [ "$(ocsp_lines soon 'stapling, valid until')" = 1 ]; then
    check "soon.test: its expiry is noticed while running and logged" \
        wait_until 60 lines_at_least "certificate $T/soon.test.pem: not stapled: .*expired" "$LOG" 1
    sclient_status "$P" soon.test "$T/soon.out"
    check "soon.test is served without a staple once expired" not_stapled "$T/soon.out"
    metrics
    check_eq "metric: soon.test is expired" "$(metric unitlsd_ocsp_state soon expired)" 1
    check_eq "soon.test: the expiry is said once" "$(ocsp_lines soon 'not stapled: ')" 1
else
    skip_check "soon.test's expiry while running" "it expired before the daemon was up"
fi

# --- reload with a new file -----------------------------------------------------------------
mkfifo "$T/long.in"
timeout 120 "$OPENSSL" s_client -connect "127.0.0.1:$P" -servername good.test -status \
    -CAfile "$T/ca.pem" -quiet <"$T/long.in" >"$T/long.out" 2>&1 &
LONG=$!; track_pid "$LONG"
exec 3>"$T/long.in"
echo "before-reload" >&3
check "a long connection echoes before the reload" wait_until 10 grep -q before-reload "$T/long.out"

ocsp_response expired.test "$T/expired.der"
check "SIGHUP with a new response for expired.test ends" reload_unitlsd
check_grep "the reload made a new generation" "reload: generation" "$LOG"
check "expired.test's new staple is logged once" \
    wait_until 10 lines_at_least "certificate $T/expired.test.pem: stapling, valid until" "$LOG" 1
for v in tls1_2 tls1_3; do
    sclient_status "$P" expired.test "$T/renewed-$v.out" "-$v"
    check "$v: after the reload expired.test is stapled (good)" stapled_good "$T/renewed-$v.out"
done
echo "after-reload" >&3
check "the connection opened before the reload still echoes" \
    wait_until 10 grep -q after-reload "$T/long.out"
exec 3>&-
wait_exit "$LONG" 30
metrics
check_eq "metric: expired.test is valid after the reload" "$(metric unitlsd_ocsp_state expired valid)" 1

before=$(count_lines "ocsp: listener" "$LOG")
check "SIGHUP with nothing changed ends" reload_unitlsd
check_grep "the unchanged listener keeps its context" "reload: listener staple: .*context reused" "$LOG"
check_eq "nothing changed: no OCSP line logged again" "$(count_lines "ocsp: listener" "$LOG")" "$before"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
