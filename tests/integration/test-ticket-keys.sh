#!/bin/sh
# Session ticket keys shared by a fleet (session_ticket_keys, docs/unitlsd.yaml.5). Proves:
#   - two unitlsd instances (A and B) reading one key file resume each other's tickets, TLS 1.3
#     and TLS 1.2: openssl s_client says "Reused" and B's access log says resumed=yes;
#   - a key file that group or others may read is refused, at start and by --check-config,
#     with a message naming the file and its mode; no key is ever in a log;
#   - rotation: a new first line and SIGHUP to both. On OpenSSL a ticket from before the
#     rotation still resumes, and tickets issued after it (a new one, and the one renewed when
#     a TLS 1.2 session resumed under the old key) name the new key (the first 16 bytes of a
#     ticket, as openssl prints it); a third instance (N) holding only the new key resumes the
#     new one. On GnuTLS, as documented, a ticket from before the rotation makes a full
#     handshake (nothing fails) and new tickets resume on N;
#   - without a key file (listener "solo" of A, workers: 2): one context serves every worker,
#     so one ticket resumes on 6 concurrent connections (spread over both workers' accept
#     events; which worker serves a connection is not visible from outside), and after a
#     SIGHUP that did not change that listener (its context reused) the same ticket resumes.
# Every daemon is started in the background without timeout(1) and stopped by PID.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 4)
P_A=$1 P_B=$2 P_N=$3 P_SOLO=$4

# new_key: one key line, 80 random bytes in base64.
new_key() { "$OPENSSL" rand 80 | base64 -w0; echo; }
# put_keys FILE LINE...: writes the lines to FILE.new with mode 0600 and renames it over FILE.
put_keys() {
    _f=$1; shift
    ( umask 077; printf '%s\n' "# unitlsd session ticket keys, first seals" "$@" >"$_f.new" )
    mv "$_f.new" "$_f"
}
KEY1=$(new_key) KEY2=$(new_key)
put_keys "$T/fleet.keys" "$KEY1"
put_keys "$T/new.keys" "$KEY2"

# instance_config NAME PORT KEYFILE [SOLO_PORT]: a configuration with listener "fleet" on PORT
# sealing with KEYFILE, and optionally listener "solo" without keys.
instance_config() {
    {
        config_head 2
        listener_yaml fleet "\"127.0.0.1:$2\"" "127.0.0.1:$ECHO_PORT"
        echo "    session_ticket_keys: $3"
        [ -z "${4:-}" ] || listener_yaml solo "\"127.0.0.1:$4\"" "127.0.0.1:$ECHO_PORT"
    } >"$T/$1.yaml"
}
instance_config a "$P_A" "$T/fleet.keys" "$P_SOLO"
instance_config b "$P_B" "$T/fleet.keys"
instance_config n "$P_N" "$T/new.keys"

# start_instance NAME PORT...: starts unitlsd on NAME.yaml logging to NAME.log; sets NAME_PID.
start_instance() {
    _n=$1; shift
    UNITLSD_LOG=$T/$_n.log
    start_unitlsd "$T/$_n.yaml" "$@" || finish
    eval "${_n}_PID=\$UNITLSD_PID"
}
# use_instance NAME: points reload_unitlsd and last_reload_line at instance NAME.
use_instance() { UNITLSD_LOG=$T/$1.log; eval "UNITLSD_PID=\$${1}_PID"; }

start_instance n "$P_N"
start_instance b "$P_B"
start_instance a "$P_A" "$P_SOLO" # last: lib.sh's exit checks stop this one

# get_session PORT FILE [s_client args]: a full handshake saving its session in FILE; stdin
# stays open until the echo of a line is back (the ticket comes before it).
get_session() {
    _p=$1; _f=$2; shift 2
    rm -f "$_f" "$T/gs.out"
    { echo ping; wait_until 30 grep -q ping "$T/gs.out"; } |
        timeout 60 "$OPENSSL" s_client -connect "127.0.0.1:$_p" -servername localhost \
            -CAfile "$CERTS/ca.pem" -no_ign_eof -sess_out "$_f" "$@" >"$T/gs.out" 2>&1
    [ -s "$_f" ]
}
# resumed PORT FILE [s_client args]: "Reused", "New" or "failed" for a handshake offering
# FILE's session (asking for a staple, so that the access log tells resumption apart).
# s_client's output goes to $RS_OUT (default $T/rs.out).
resumed() {
    _p=$1; _f=$2; shift 2
    _o=${RS_OUT:-$T/rs.out}
    sclient "$_p" -servername localhost -status -sess_in "$_f" "$@" >"$_o"
    if grep -q '^Reused, TLSv1' "$_o"; then echo Reused
    elif grep -q '^New, TLSv1' "$_o"; then echo New
    else echo failed; fi
}
# key_name KEY: the key's name (its first 16 bytes) in hex.
key_name() { printf '%s' "$1" | base64 -d | head -c 16 | od -An -tx1 | tr -d ' \n'; }
# ticket_name FILE: the first 16 bytes of the first ticket OpenSSL prints in FILE (s_client's
# session summary, or openssl sess_id -text), in hex: the name of the key that sealed it.
ticket_name() { sed -n '/TLS session ticket:/{n;p;q}' "$1" | cut -c12-58 | tr -d ' -'; }
# session_ticket_name SESSION_FILE
session_ticket_name() {
    "$OPENSSL" sess_id -in "$1" -text -noout >"$1.txt" 2>&1
    ticket_name "$1.txt"
}

# logged_resumed NAME N: instance NAME's access log holds at least N resumed fleet lines.
logged_resumed() { lines_at_least 'access listener=fleet .* resumed=yes$' "$T/$1.log" "$2"; }

# --- one file, two instances --------------------------------------------------------------

check "A issues a TLS 1.3 ticket" get_session "$P_A" "$T/a13.sess"
check "A issues a TLS 1.2 session ticket" get_session "$P_A" "$T/a12.sess" -tls1_2
check_eq "A's TLS 1.3 ticket resumes on B" "$(resumed "$P_B" "$T/a13.sess")" Reused
check_eq "A's TLS 1.2 ticket resumes on B" "$(resumed "$P_B" "$T/a12.sess" -tls1_2)" Reused
check "B's access log shows both resumed" wait_until 10 logged_resumed b 2
check "B issues a ticket" get_session "$P_B" "$T/b13.sess"
check_eq "B's ticket resumes on A" "$(resumed "$P_A" "$T/b13.sess")" Reused
check_eq "a ticket of A and B does not resume on N (other keys), and nothing fails" \
    "$(resumed "$P_N" "$T/a13.sess")" New

# --- a key file others may read -------------------------------------------------------------

put_keys "$T/open.keys" "$KEY1"
chmod 0644 "$T/open.keys"
instance_config open "$P_N" "$T/open.keys"
timeout 30 "$UNITLSD" --check-config -c "$T/open.yaml" >"$T/open.check" 2>&1
check_eq "--check-config refuses a mode-0644 key file" "$?" 1
want="open.yaml:1[0-9]:26: listener 'fleet': session ticket keys file $T/open.keys: mode 0644"
want="$want lets group or others read it; expected 0600 or 0400"
check_grep "naming the file and its mode, at the key's line" "$want" "$T/open.check"
timeout 30 "$UNITLSD" -c "$T/open.yaml" >"$T/open.start" 2>&1
check_eq "unitlsd does not start on it" "$?" 1
check_grep "and says why" "open.keys: mode 0644 lets group or others read it" "$T/open.start"

# --- rotation -------------------------------------------------------------------------------

check "solo (no key file) issues a ticket" get_session "$P_SOLO" "$T/solo.sess"
check "A issues a TLS 1.3 ticket before the rotation" get_session "$P_A" "$T/old13.sess"
check "A issues a TLS 1.2 session before the rotation" get_session "$P_A" "$T/old12.sess" -tls1_2
put_keys "$T/fleet.keys" "$KEY2" "$KEY1"
use_instance b
check "SIGHUP to B after the rotation: the reload ends" reload_unitlsd
check_grep "B builds its changed listener" '0 reused, 1 built' "$T/b.log"
use_instance a
check "SIGHUP to A after the rotation: the reload ends" reload_unitlsd
last_reload_line >"$T/a-reload.line"
note "$(cat "$T/a-reload.line")"
check_grep "A reuses solo and builds fleet" '1 reused, 1 built' "$T/a-reload.line"

old13=$(resumed "$P_B" "$T/old13.sess")
if [ "$UNITLS_TEST_IMPL" = gnutls ]; then
    check_eq "GnuTLS: a TLS 1.3 ticket from before the rotation makes a full handshake" "$old13" New
    check_eq "GnuTLS: so does a TLS 1.2 one" "$(resumed "$P_B" "$T/old12.sess" -tls1_2)" New
else
    check_eq "OpenSSL: the tickets before the rotation name the old key (TLS 1.3)" \
        "$(session_ticket_name "$T/old13.sess")" "$(key_name "$KEY1")"
    check_eq "OpenSSL: ... (TLS 1.2)" "$(session_ticket_name "$T/old12.sess")" "$(key_name "$KEY1")"
    check_eq "OpenSSL: a TLS 1.3 ticket from before the rotation resumes" "$old13" Reused
    check_eq "OpenSSL: a TLS 1.2 session from before the rotation resumes" \
        "$(RS_OUT=$T/renew.out resumed "$P_B" "$T/old12.sess" -tls1_2)" Reused
    check_eq "OpenSSL: and is renewed with a ticket under the new key" \
        "$(ticket_name "$T/renew.out")" "$(key_name "$KEY2")"
fi
check "A issues a ticket after the rotation" get_session "$P_A" "$T/new13.sess"
check_eq "it is under the new key: it resumes on N (new key only)" \
    "$(resumed "$P_N" "$T/new13.sess")" Reused
[ "$UNITLS_TEST_IMPL" = gnutls ] ||
    check_eq "OpenSSL: it names the new key" "$(session_ticket_name "$T/new13.sess")" \
        "$(key_name "$KEY2")"
check_eq "and on B" "$(resumed "$P_B" "$T/new13.sess")" Reused

# --- no key file: one context for every worker, kept by an unchanged reload -----------------

i=0 clients=""
while [ "$i" -lt 6 ]; do
    ( RS_OUT=$T/rs.solo.$i; resumed "$P_SOLO" "$T/solo.sess" >"$T/solo.$i" ) &
    clients="$clients $!"
    i=$((i + 1))
done
for c in $clients; do wait "$c"; done # each bounded by sclient's timeout
n_reused=$(cat "$T"/solo.[0-5] | grep -c '^Reused$')
check_eq "solo: one ticket resumes on 6 concurrent connections over 2 workers" "$n_reused" 6
check_eq "solo: after a SIGHUP that left it unchanged, the ticket from before resumes" \
    "$(resumed "$P_SOLO" "$T/solo.sess")" Reused

# --- keys stay out of the logs ----------------------------------------------------------------

cat "$T/a.log" "$T/b.log" "$T/n.log" "$T/open.check" "$T/open.start" >"$T/all.log"
n=1
for k in "$KEY1" "$KEY2"; do
    check_no_grep "key $n is in no log" "$(printf '%s' "$k" | cut -c1-16)" "$T/all.log"
    n=$((n + 1))
done

# stop_instance NAME: SIGTERM to an instance lib.sh does not stop, and the same exit checks.
stop_instance() {
    eval "_pid=\$${1}_PID"
    stop_pid "$_pid" 60
    check_eq "instance $1 exits 0 on SIGTERM" "$EXIT_STATUS" 0
    check_no_grep "no sanitizer report from instance $1" 'Sanitizer\|runtime error:' "$T/$1.log"
}
stop_instance b
stop_instance n
use_instance a
finish
