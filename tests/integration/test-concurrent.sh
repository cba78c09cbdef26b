#!/bin/sh
# 500 concurrent connections: the project's own client opens 500 TLS connections through
# unitlsd (4 workers) to the echo backend, each echoes 16 KiB byte-exact, and each stays open until all
# 500 have finished (so all 500 are open at once); then the daemon still serves and has logged
# an access line for every one of them.
. "$(dirname "$0")/lib.sh"

N=500
# Each process needs a descriptor per connection (the daemon two); raise the soft limit.
[ "$(ulimit -n)" -ge 4096 ] || ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -ge 1200 ] || skip_all "the descriptor limit ($(ulimit -n)) is below 1200"

start_backend ECHO "$ECHO_BIN"
P=$(free_ports 1)
{
    config_head 4
    listener_yaml conc "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish
# Only TLS connections that sent SNI count: start_unitlsd's readiness probes are plain TCP
# connects whose access lines may land after any baseline taken here.
base=$(count_lines 'access listener=conc .*sni=localhost' "$UNITLSD_LOG")

tls --connections "$N" --ramp 100 --barrier --echo-bytes 16K --timeout-ms 180000 \
    "127.0.0.1:$P" >"$T/client.out" 2>"$T/client.err"
rc=$?
check_grep "$N concurrent connections each echoed 16 KiB byte-exact" "^completed=$N failed=0 " "$T/client.out"
[ "$rc" = 0 ] || note "client: $(head -n 5 "$T/client.err" | tr '\n' ' ')"

wait_until 60 lines_at_least 'access listener=conc .*sni=localhost' "$UNITLSD_LOG" $((base + N))
check_eq "an access line for each of the $N connections" \
    "$(( $(count_lines 'access listener=conc .*sni=localhost' "$UNITLSD_LOG") - base ))" "$N"
check_eq "every one of them carried 16384 bytes each way" \
    "$(grep 'access listener=conc' "$UNITLSD_LOG" | grep -c 'in=16384 out=16384')" "$N"

tls --echo-bytes 1M "127.0.0.1:$P" >"$T/after.out" 2>&1
check_grep "a new connection is served afterwards" "^completed=1 failed=0" "$T/after.out"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
