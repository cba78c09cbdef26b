#!/bin/sh
# test-reload-storm: 100 reloads in a row while connections keep coming fail none of them.
# One listener with two chains: localhost, and example.org whose certificate alternates
# between two files (ECDSA, RSA) at every reload, so each reload builds one new context and
# retires the running one while its connections are still open. Four client processes (two
# connections each, two per name) keep opening fresh connections (full handshake, 1000 bytes
# echoed byte-exact, close) meanwhile. Each SIGHUP is waited for (the reload's last log line)
# before the next. Proves: all 100 reloads applied (one new context each, generation 101 at
# the end, the last file's certificate served), not one connection failed, the daemon still
# runs and exits 0, and its stderr holds no AddressSanitizer, LeakSanitizer or UBSan report
# (the sanitizer build runs this same test).
. "$(dirname "$0")/lib.sh"

RELOADS=100
start_backend ECHO "$ECHO_BIN"
PORT=$(free_ports 1)
# config ORG: example.org's chain from $CERTS/ORG.pem and ORG.key.
config() {
    { config_head
      listener_yaml web "\"127.0.0.1:$PORT\"" "127.0.0.1:$ECHO_PORT" localhost "$1"; } \
        >"$T/unitlsd.yaml"
}
config example.org
start_unitlsd "$T/unitlsd.yaml" "$PORT" || finish

CLIENTS=""
for i in 1 2 3 4; do
    if [ $((i % 2)) = 1 ]; then sni=localhost; else sni=example.org; fi
    tls_bg --sni "$sni" --loop --connections 2 --stop-file "$T/stop" --duration-ms 600000 \
        --echo-bytes 1000 --timeout-ms 60000 "127.0.0.1:$PORT" >"$T/client$i.out" \
        2>"$T/client$i.err" &
    track_pid "$!"; CLIENTS="$CLIENTS $!"
done
# The clients are under way before the first reload.
progress() { [ "$(count_lines 'access listener=web' "$UNITLSD_LOG")" -ge 8 ]; }
check "the clients' connections are served" wait_until 60 progress

# reload_to SERIAL: SIGHUP, then polls (every 20 ms, at most 60 s) for the line that ends the
# reload; 0 when it built generation SERIAL. reload_unitlsd polls every 100 ms: 100 times that
# would be most of this test's time, as a reload itself takes a few milliseconds.
reload_to() {
    _done=$(($(count_lines "$RELOAD_DONE_RE" "$UNITLSD_LOG") + 1)) _n=0
    kill -HUP "$UNITLSD_PID" 2>/dev/null || return 1
    while [ "$(count_lines "$RELOAD_DONE_RE" "$UNITLSD_LOG")" -lt "$_done" ]; do
        [ "$_n" -lt 3000 ] || return 1
        sleep 0.02; _n=$((_n + 1))
    done
    last_reload_line | grep -q "generation $1 "
}
applied=0 i=0
while [ "$i" -lt "$RELOADS" ]; do
    i=$((i + 1))
    if [ $((i % 2)) = 1 ]; then config example.org-rsa; else config example.org; fi
    reload_to $((i + 1)) && applied=$((applied + 1))
done
check_eq "$RELOADS reloads applied, each waited for" "$applied" "$RELOADS"
check_eq "each built one context and retired the running one" \
    "$(count_lines 'reload: generation .*contexts 0 reused, 1 built, 1 retired' "$UNITLSD_LOG")" \
    "$RELOADS"
check_eq "no reload failed" "$(count_lines 'reload: failed' "$UNITLSD_LOG")" 0
served_der "$PORT" "$T/served.der" -servername example.org
check "example.org is served the last file's certificate" \
    same_file "$T/served.der" "$CERTS/example.org.der"

touch "$T/stop"
completed=0 failed=0 ended=0
for pid in $CLIENTS; do wait_exit "$pid" 120 && ended=$((ended + 1)); done
check_eq "the 4 clients stopped" "$ended" 4
for i in 1 2 3 4; do
    c=$(sed -n 's/^completed=\([0-9]*\) .*/\1/p' "$T/client$i.out")
    f=$(sed -n 's/.* failed=\([0-9]*\) .*/\1/p' "$T/client$i.out")
    completed=$((completed + ${c:-0})); failed=$((failed + ${f:-0}))
    [ -n "$f" ] || { failed=$((failed + 1)); note "client $i printed no summary"; }
    [ "${f:-0}" = 0 ] || note "client $i: $(head -n 3 "$T/client$i.err" | tr '\n' ' ')"
done
note "connections during $RELOADS reloads: $completed completed, $failed failed"
check_eq "not one connection failed" "$failed" 0
check "connections kept coming during the reloads (at least $RELOADS)" \
    [ "$completed" -ge "$RELOADS" ]
check "unitlsd still running" pid_alive "$UNITLSD_PID"

stop_pid "$UNITLSD_PID" 60
check_eq "unitlsd exits 0 on SIGTERM" "$EXIT_STATUS" 0
check_no_grep "no AddressSanitizer report" 'ERROR: AddressSanitizer' "$UNITLSD_LOG"
check_no_grep "no LeakSanitizer report" 'LeakSanitizer' "$UNITLSD_LOG"
check_no_grep "no UBSan report" 'runtime error:' "$UNITLSD_LOG"
finish
