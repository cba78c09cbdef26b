#!/bin/sh
# Listeners added and removed by a reload: a new listener's address is bound and served; an
# address present before and after keeps accepting; a removed listener's address stops
# accepting, while a connection it accepted before goes on to its end. The reload line counts
# the sockets kept, added and removed.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P1=$1 P2=$2 P3=$3
one() { listener_yaml one "\"127.0.0.1:$P1\"" "127.0.0.1:$ECHO_PORT"; }
two() { listener_yaml two "\"127.0.0.1:$P2\", \"127.0.0.1:$P3\"" "127.0.0.1:$ECHO_PORT" example.org; }
{ config_head; one; } >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P1" || finish
check "before: $P2 is not served" port_closed "$P2"

mkfifo "$T/in"
tls_bg --rounds --timeout-ms 300000 "127.0.0.1:$P1" <"$T/in" >"$T/long.out" 2>&1 &
LONG=$!; track_pid "$LONG"
exec 3<>"$T/in"
echo 1000 >&3
wait_until 30 lines_at_least '^round 1 ok' "$T/long.out" 1

# Add listener "two" on two addresses.
{ config_head; one; two; } >"$T/unitlsd.yaml"
check "reload adding a listener ends" reload_unitlsd
last_reload_line >"$T/r1.line"; note "$(cat "$T/r1.line")"
check_grep "sockets: 1 kept, 2 added, 0 removed" '1 kept, 2 added, 0 removed' "$T/r1.line"
for p in "$P2" "$P3"; do
    tls --sni example.org --echo-bytes 1000 "127.0.0.1:$p" >"$T/two.out" 2>&1
    check_grep "added listener serves on $p" '^completed=1 failed=0' "$T/two.out"
done
tls --echo-bytes 1000 "127.0.0.1:$P1" >"$T/one.out" 2>&1
check_grep "kept listener still serves on $P1" '^completed=1 failed=0' "$T/one.out"

# Remove listener "one".
{ config_head; two; } >"$T/unitlsd.yaml"
check "reload removing a listener ends" reload_unitlsd
last_reload_line >"$T/r2.line"; note "$(cat "$T/r2.line")"
check_grep "sockets: 2 kept, 0 added, 1 removed" '2 kept, 0 added, 1 removed' "$T/r2.line"
check "removed listener's address stops accepting" wait_until 20 port_closed "$P1"
tls --sni example.org --echo-bytes 1000 "127.0.0.1:$P2" >"$T/two.out" 2>&1
check_grep "remaining listener still serves" '^completed=1 failed=0' "$T/two.out"
echo 1000 >&3
wait_until 30 lines_at_least '^round 2 ok' "$T/long.out" 1
check_grep "a connection of the removed listener goes on" '^round 2 ok' "$T/long.out"
exec 3>&-
wait_exit "$LONG" 30
check_eq "and ends cleanly" "$EXIT_STATUS" 0

# Move an address: P1 comes back, now for listener "two" (with its certificate).
{ config_head; listener_yaml two "\"127.0.0.1:$P2\", \"127.0.0.1:$P1\"" "127.0.0.1:$ECHO_PORT" example.org; } >"$T/unitlsd.yaml"
check "reload moving addresses ends" reload_unitlsd
last_reload_line >"$T/r3.line"; note "$(cat "$T/r3.line")"
check_grep "sockets: 1 kept, 1 added, 1 removed" '1 kept, 1 added, 1 removed' "$T/r3.line"
served_der "$P1" "$T/p1.der" -servername example.org
check "$P1 now serves listener two's certificate" same_file "$T/p1.der" "$CERTS/example.org.der"
check "$P3 stops accepting" wait_until 20 port_closed "$P3"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
