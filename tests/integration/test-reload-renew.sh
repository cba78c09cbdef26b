#!/bin/sh
# A certificate renewed in place (same paths, new key and certificate) is served after SIGHUP:
# the DER that openssl s_client receives is the new one; verified clients (the project's own)
# accept it; a connection opened before the reload keeps working on its old context; the
# reload line counts one context built, and a reload with nothing changed reuses it.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
P=$(free_ports 1)
cp "$CERTS/localhost.pem" "$T/site.pem"
cp "$CERTS/localhost.key" "$T/site.key"
{
    config_head
    listener_yaml site "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT" "$T/site"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish

served_der "$P" "$T/before.der" -servername localhost
check "before: the original certificate is served" same_file "$T/before.der" "$CERTS/localhost.der"

mkfifo "$T/in"
tls_bg --rounds --timeout-ms 300000 "127.0.0.1:$P" <"$T/in" >"$T/long.out" 2>&1 &
LONG=$!; track_pid "$LONG"
exec 3<>"$T/in"
echo 50000 >&3
wait_until 30 lines_at_least '^round 1 ok' "$T/long.out" 1

new_leaf "$T" site "DNS:localhost,IP:127.0.0.1" || bail "a renewed certificate could be made"
check "the renewed certificate differs from the original" [ "$(sha256 "$T/site.der")" != "$(sha256 "$CERTS/localhost.der")" ]
check "SIGHUP: the reload ends" reload_unitlsd
last_reload_line >"$T/reload.line"
note "$(cat "$T/reload.line")"
check_grep "the reload succeeded and built one context" 'generation .*1 built' "$T/reload.line"

served_der "$P" "$T/after.der" -servername localhost
check "after SIGHUP: the renewed certificate is served" same_file "$T/after.der" "$T/site.der"
tls --echo-bytes 10000 --peer-cert-out "$T/own.der" "127.0.0.1:$P" >"$T/own.out" 2>&1
check_grep "own client verifies the renewed certificate" '^completed=1 failed=0' "$T/own.out"
check "own client received the renewed leaf" same_file "$T/own.der" "$T/site.der"

echo 50000 >&3
wait_until 30 lines_at_least '^round 2 ok' "$T/long.out" 1
check_grep "the connection from before the reload still echoes" '^round 2 ok' "$T/long.out"
exec 3>&-
wait_exit "$LONG" 30
check_eq "and ends cleanly" "$EXIT_STATUS" 0

check "SIGHUP with nothing changed: the reload ends" reload_unitlsd
last_reload_line >"$T/reload2.line"
check_grep "nothing changed: the context is reused, none built" '1 reused, 0 built' "$T/reload2.line"
served_der "$P" "$T/again.der" -servername localhost
check "still the renewed certificate" same_file "$T/again.der" "$T/site.der"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
