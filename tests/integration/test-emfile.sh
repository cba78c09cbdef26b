#!/bin/sh
# test-emfile: out of file descriptors, unitlsd waits instead of spinning, and serves again.
# unitlsd runs with `ulimit -n 64` (one worker). Silent TCP clients (they never send a byte,
# and the handshake timeout is long, so each holds one of the daemon's fds) take every free fd
# and 8 more wait in the accept queue, so accept() fails with EMFILE. Proves:
#  - the failure is logged, not once per attempt but at most once per 10 s (per worker);
#  - while at the limit the daemon does little: its CPU time (utime + stime from
#    /proc/PID/stat) over 2 seconds stays under 0.2 s, where an accept event that fires again
#    at once would take all the CPU the machine gives it (a bound on work done, not a timing);
#  - once the clients close, the fds are free again and a new connection is served end to end.
. "$(dirname "$0")/lib.sh"

FD_LIMIT=64
EXTRA_QUEUED=8
start_backend B "$ECHO_BIN"
PORT=$(free_ports 1)
{ config_head 1
  listener_yaml web "\"127.0.0.1:$PORT\"" "127.0.0.1:$B_PORT"
  echo "    timeouts: { handshake: 300s, idle: 300s, connect: 5s }"; } >"$T/unitlsd.yaml"

UNITLSD_LOG=$T/unitlsd.log
# The subshell lowers its own limit and becomes the daemon: $! is unitlsd's pid.
( ulimit -n "$FD_LIMIT" && exec "$UNITLSD" -c "$T/unitlsd.yaml" ) \
    >>"$T/unitlsd.out" 2>>"$UNITLSD_LOG" 3>&- 4>&- &
UNITLSD_PID=$!
LIB_UNITLSD_PID=$UNITLSD_PID
track_pid "$UNITLSD_PID"
wait_until 60 port_open "$PORT" || bail "unitlsd starts with ulimit -n $FD_LIMIT"
check_eq "unitlsd's fd limit" \
    "$(awk '/^Max open files/ { print $4 }' "/proc/$UNITLSD_PID/limits")" "$FD_LIMIT"

serves() { tls --quiet --timeout-ms 30000 --echo-bytes 2000 "127.0.0.1:$PORT" >/dev/null 2>&1; }
check "serves before the limit" serves

open_fds() { ls "/proc/$UNITLSD_PID/fd" 2>/dev/null | wc -l; }
N_HOLDERS=$((FD_LIMIT - $(open_fds) + EXTRA_QUEUED))
note "$(open_fds) fds open at rest: $N_HOLDERS silent clients"
HOLDERS=""
i=0
while [ "$i" -lt "$N_HOLDERS" ]; do
    "$TLSCLIENT" --silent --timeout-ms 300000 "127.0.0.1:$PORT" >/dev/null 2>&1 3>&- 4>&- &
    track_pid "$!"; HOLDERS="$HOLDERS $!"
    i=$((i + 1))
done

EMFILE_RE='accept: Too many open files'
check "accept fails with EMFILE, and says so" wait_until 60 lines_at_least "$EMFILE_RE" "$UNITLSD_LOG" 1
EPISODE_START=$(date +%s)
at_limit() { [ "$(open_fds)" -ge "$FD_LIMIT" ]; }
check "every fd of the daemon is in use" wait_until 30 at_limit

TICKS_PER_S=$(getconf CLK_TCK)
before=$(cpu_ticks "$UNITLSD_PID")
sleep 2
after=$(cpu_ticks "$UNITLSD_PID")
used=$((after - before))
note "CPU while at the limit: $used ticks in 2 s ($TICKS_PER_S ticks per second)"
check "no busy loop at the limit: under 0.2 s of CPU in 2 s" [ $((used * 5)) -lt "$TICKS_PER_S" ]
# One line at the start of the episode, then at most one per 10 s: however many attempts.
allowed=$((1 + ($(date +%s) - EPISODE_START + 1) / 10))
logged=$(count_lines "$EMFILE_RE" "$UNITLSD_LOG")
check "the failure is logged $logged time(s), at most $allowed" [ "$logged" -le "$allowed" ]
check "unitlsd still running" pid_alive "$UNITLSD_PID"

for pid in $HOLDERS; do kill -TERM "$pid" 2>/dev/null; done
for pid in $HOLDERS; do wait_exit "$pid" 30; done
below_limit() { [ "$(open_fds)" -lt "$FD_LIMIT" ]; }
check "the clients' fds are given back" wait_until 60 below_limit
check "serves again once fds are free" wait_until 60 serves
finish
