#!/bin/sh
# Session resumption across a reload (openssl s_client -sess_out / -sess_in). A ticket issued
# before a reload that leaves a listener's configuration unchanged resumes after it ("Reused"),
# with TLS 1.3 and with TLS 1.2:
# the running context, with its ticket keys, was kept. A ticket issued by a listener whose
# certificate changed in that reload does not crash anything: the handshake completes.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 2)
P_SAME=$1 P_CHG=$2
cp "$CERTS/localhost.pem" "$T/chg.pem"; cp "$CERTS/localhost.key" "$T/chg.key"
{
    config_head
    listener_yaml same "\"127.0.0.1:$P_SAME\"" "127.0.0.1:$ECHO_PORT"
    listener_yaml changed "\"127.0.0.1:$P_CHG\"" "127.0.0.1:$ECHO_PORT" "$T/chg"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_SAME" "$P_CHG" || finish

# get_session PORT FILE [s_client args]: a full handshake that saves its session in FILE.
# stdin stays open until the echo of a line is back (the ticket comes before it).
get_session() {
    _p=$1; _f=$2; shift 2
    rm -f "$_f" "$T/gs.out"
    { echo ping; wait_until 30 grep -q ping "$T/gs.out"; } |
        timeout 60 "$OPENSSL" s_client -connect "127.0.0.1:$_p" -servername localhost \
            -CAfile "$CERTS/ca.pem" -no_ign_eof -sess_out "$_f" "$@" >"$T/gs.out" 2>&1
    [ -s "$_f" ]
}
# resumed PORT FILE [s_client args]: "Reused", "New" or "failed" for a handshake offering
# FILE's session.
resumed() {
    _p=$1; _f=$2; shift 2
    sclient "$_p" -servername localhost -sess_in "$_f" "$@" >"$T/rs.out"
    if grep -q '^Reused, TLSv1' "$T/rs.out"; then echo Reused
    elif grep -q '^New, TLSv1' "$T/rs.out"; then echo New
    else echo failed; fi
}

check "a ticket from the unchanged listener (a)" get_session "$P_SAME" "$T/same-a.sess"
check "a ticket from the unchanged listener (b)" get_session "$P_SAME" "$T/same-b.sess"
check "a ticket from the listener that will change" get_session "$P_CHG" "$T/chg.sess"
check "a TLS 1.2 session from the unchanged listener" get_session "$P_SAME" "$T/same12.sess" -tls1_2
full0=$(count_lines "access listener=same .* resumed=yes\$" "$UNITLSD_LOG")
check_eq "the four full handshakes are not marked resumed in the access log" "$full0" 0
check_eq "before any reload, a ticket resumes" "$(resumed "$P_SAME" "$T/same-a.sess")" Reused
check "the access line of the resumed handshake ends with resumed=yes" \
    wait_until 10 lines_at_least "access listener=same .*end=\"clean\" resumed=yes\$" "$UNITLSD_LOG" 1

new_leaf "$T" chg "DNS:localhost,IP:127.0.0.1" || bail "a renewed certificate could be made"
check "SIGHUP: the reload ends" reload_unitlsd
last_reload_line >"$T/reload.line"
note "$(cat "$T/reload.line")"
check_grep "one context reused, one built" '1 reused, 1 built' "$T/reload.line"

check_eq "unchanged listener: a ticket from before the reload resumes after it" \
    "$(resumed "$P_SAME" "$T/same-b.sess")" Reused
check_eq "unchanged listener: a TLS 1.2 session from before the reload resumes after it" \
    "$(resumed "$P_SAME" "$T/same12.sess" -tls1_2)" Reused
outcome=$(resumed "$P_CHG" "$T/chg.sess")
case $outcome in
New|Reused) pass "changed listener: a ticket from before the reload still gets a handshake ($outcome)" ;;
*) fail "changed listener: a ticket from before the reload still gets a handshake" "$(tail -n 5 "$T/rs.out" | tr '\n' ' ')" ;;
esac
served_der "$P_CHG" "$T/chg.got" -servername localhost
check "changed listener serves its new certificate" same_file "$T/chg.got" "$T/chg.der"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
tls --echo-bytes 1000 "127.0.0.1:$P_CHG" >"$T/own.out" 2>&1
check_grep "and serves new connections" '^completed=1 failed=0' "$T/own.out"
finish
