#!/bin/sh
# 100 reloads, alternating between two files that differ in one listener's certificate (so
# contexts are built and retired every time), with connections in between; then SIGTERM. In a
# sanitizer build (--enable-sanitizers) LeakSanitizer reports any leak at exit: the daemon's
# stderr must have no sanitizer report and its exit status must be 0. In any build the daemon
# must still be serving after the 100 reloads and must exit 0.
. "$(dirname "$0")/lib.sh"

RELOADS=100
if sanitizer_build; then note "sanitizer build: leaks are checked at exit"
else note "not a sanitizer build: only the daemon's health is checked"; fi

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 2)
P_CHG=$1 P_SAME=$2
cp "$CERTS/localhost.pem" "$T/a.pem"; cp "$CERTS/localhost.key" "$T/a.key"
new_leaf "$T" b "DNS:localhost,IP:127.0.0.1" || bail "a second certificate could be made"
config() {
    {
        config_head
        listener_yaml changing "\"127.0.0.1:$P_CHG\"" "127.0.0.1:$ECHO_PORT" "$T/$1"
        echo "    protocols: [h2, http/1.1]"
        listener_yaml same "\"127.0.0.1:$P_SAME\"" "127.0.0.1:$ECHO_PORT" default.test example.org
    } >"$T/unitlsd.yaml"
}
config a
start_unitlsd "$T/unitlsd.yaml" "$P_CHG" "$P_SAME" || finish

# A connection that stays open across all the reloads, on the changing listener.
tls_bg --echo-bytes 1000 --hold --hold-ms 600000 "127.0.0.1:$P_CHG" >"$T/hold.out" 2>&1 &
HOLD=$!; track_pid "$HOLD"

ok=0; served=0; i=0
while [ "$i" -lt "$RELOADS" ]; do
    i=$((i + 1))
    if [ $((i % 2)) = 1 ]; then config b; else config a; fi
    reload_unitlsd && ok=$((ok + 1))
    if [ $((i % 10)) = 0 ]; then
        tls --echo-bytes 1000 "127.0.0.1:$P_CHG" >/dev/null 2>&1 &&
            tls --sni example.org --echo-bytes 1000 "127.0.0.1:$P_SAME" >/dev/null 2>&1 &&
            served=$((served + 1))
    fi
done
check_eq "$RELOADS reloads ended" "$ok" "$RELOADS"
check_eq "$RELOADS reloads succeeded" "$(grep -c 'reload: generation' "$UNITLSD_LOG")" "$RELOADS"
check_eq "both listeners served after every 10 reloads" "$served" 10
check_grep "the connection held across the reloads was open" '^ready' "$T/hold.out"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
stop_pid "$HOLD"

kill -TERM "$UNITLSD_PID"
if wait_exit "$UNITLSD_PID" 120; then
    check_eq "SIGTERM: exit status 0" "$EXIT_STATUS" 0
else
    fail "SIGTERM: exit status 0" "still running after 120 s"
fi
check_no_grep "no LeakSanitizer report" 'LeakSanitizer' "$UNITLSD_LOG"
check_no_grep "no other sanitizer report" 'ERROR: AddressSanitizer\|runtime error:' "$UNITLSD_LOG"
finish
