#!/bin/sh
# After a burst of handshakes, once a second passes quietly, unitlsd gives freed heap back to
# the system (malloc_trim: OpenSSL's per-handshake memory would otherwise stay in glibc's
# arenas). The trim acts on the whole process, so it happens once per burst however many workers
# served it (two here); the debug log says so, and unitlsd serves on as before. Trimming under
# sustained load is not wanted (tests/unit/check_daemon_heap_trim.c covers when it must not).
. "$(dirname "$0")/lib.sh"

load_required
grep -q '^#define HAVE_MALLOC_TRIM 1' "$UNITLS_BUILDDIR/config.h" 2>/dev/null ||
    skip_all "this C library has no malloc_trim"

start_backend ECHO "$ECHO_BIN"
P=$(free_ports 1)
{
    config_head 2 | sed 's/level: info/level: debug/; s/access: true/access: false/'
    listener_yaml site "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish

trims() { grep -c 'heap trimmed after' "$T/unitlsd.log"; }
check "no trim before any burst" test "$(trims)" -eq 0
timeout 120 "$LOAD" -q --json --cafile "$CERTS/ca.pem" --sni localhost --mode handshake \
    --concurrency 8 --count 1200 "127.0.0.1:$P" >"$T/burst.json" 2>"$T/burst.err"
check_grep "the burst of 1,200 handshakes completed" '"completed":1200,"failed":0' "$T/burst.json"
wait_until 15 lines_at_least 'heap trimmed after' "$T/unitlsd.log" 1
check "one trim once the burst is over" test "$(trims)" -eq 1
check_grep "the trim line counts the burst's handshakes" \
    'heap trimmed after 1[0-9][0-9][0-9] handshakes in [0-9]* us' "$T/unitlsd.log"
tls --echo-bytes 100000 "127.0.0.1:$P" >"$T/after.out" 2>&1
check_grep "connections are served after the trim" '^completed=1 failed=0' "$T/after.out"
sleep 2
check "no further trim while nothing happens" test "$(trims)" -eq 1
finish
