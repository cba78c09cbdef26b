#!/bin/sh
# An invalid file at SIGHUP leaves the running set serving untouched and says why: every error
# with FILE:LINE:COLUMN, a failed-reload count. Cases: an unknown key plus a bad backend
# address in one file (both reported), a certificate file that does not exist, a key that does
# not match its certificate. Connections open meanwhile go on; afterwards a valid file reloads.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
P=$(free_ports 1)
good() {
    config_head
    listener_yaml site "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
}
good >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish

mkfifo "$T/in"
tls_bg --rounds --timeout-ms 300000 "127.0.0.1:$P" <"$T/in" >"$T/long.out" 2>&1 &
LONG=$!; track_pid "$LONG"
exec 3<>"$T/in"
round=0
# still_serving WHAT: the old set answers as before, old connection included.
still_serving() {
    served_der "$P" "$T/der" -servername localhost
    check "$1: the old certificate is still served" same_file "$T/der" "$CERTS/localhost.der"
    tls --echo-bytes 10000 "127.0.0.1:$P" >"$T/new.out" 2>&1
    check_grep "$1: new connections are served" '^completed=1 failed=0' "$T/new.out"
    round=$((round + 1))
    echo 20000 >&3
    wait_until 30 lines_at_least "^round $round ok" "$T/long.out" 1
    check_grep "$1: the connection open meanwhile still echoes" "^round $round ok" "$T/long.out"
}
# position_of FILE TEXT: "LINE:COLUMN" (1-based) of the first occurrence of TEXT.
position_of() {
    awk -v t="$2" '{ i = index($0, t); if (i) { print NR ":" i; exit } }' "$1"
}
still_serving "before"

# 1. Two errors in one file: an unknown key and a backend address with no port number.
{
    good
    echo "    bogus_key: 1"
} | sed "s|address: \"127.0.0.1:$ECHO_PORT\"|address: \"127.0.0.1:notaport\"|" >"$T/unitlsd.yaml"
pos_key=$(position_of "$T/unitlsd.yaml" bogus_key)
pos_addr=$(position_of "$T/unitlsd.yaml" '"127.0.0.1:notaport"')
check "SIGHUP with an invalid file: the reload ends" reload_unitlsd
check_grep "the reload failed" 'reload: failed' "$T/unitlsd.log"
check_grep "unknown key reported at $pos_key" "$T/unitlsd.yaml:$pos_key: .*bogus_key" "$T/unitlsd.log"
check_grep "bad address reported at $pos_addr" "$T/unitlsd.yaml:$pos_addr: .*notaport" "$T/unitlsd.log"
still_serving "after two errors"

# 2. A certificate file that does not exist.
good | sed "s|$CERTS/localhost.pem|$T/missing.pem|" >"$T/unitlsd.yaml"
check "SIGHUP with a missing certificate file: the reload ends" reload_unitlsd
check_grep "the missing file is named with a position" "$T/unitlsd.yaml:[0-9][0-9]*:[0-9][0-9]*: .*missing\.pem" "$T/unitlsd.log"
still_serving "after a missing certificate"

# 3. A key that does not belong to the certificate.
good | sed "s|$CERTS/localhost.key|$CERTS/example.org.key|" >"$T/unitlsd.yaml"
check "SIGHUP with a mismatched key: the reload ends" reload_unitlsd
check_grep "the mismatch is reported with a position" "$T/unitlsd.yaml:[0-9][0-9]*:[0-9][0-9]*: .*example\.org\.key.*match" "$T/unitlsd.log"
check_grep "three failed reloads counted" 'reload: failed (3 ' "$T/unitlsd.log"
still_serving "after a mismatched key"

# 4. A valid file with a change reloads.
good | sed "s|$CERTS/localhost|$CERTS/www.example.net|" >"$T/unitlsd.yaml"
check "SIGHUP with a valid file: the reload ends" reload_unitlsd
last_reload_line >"$T/ok.line"
check_grep "and succeeds" 'generation' "$T/ok.line"
served_der "$P" "$T/der" -servername localhost
check "the new certificate is served" same_file "$T/der" "$CERTS/www.example.net.der"
exec 3>&-
wait_exit "$LONG" 30
check_eq "the connection open through all of it ends cleanly" "$EXIT_STATUS" 0
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
