#!/bin/sh
# test-systemd-notify: unitlsd speaks systemd's notification protocol (sd_notify) on a
# NOTIFY_SOCKET owned by this test (tests/backends/notify-listen stands in for systemd).
# Proves, with WATCHDOG_USEC=2s and WATCHDOG_PID = the daemon:
#  - READY=1 with a STATUS= once it serves; every datagram comes from the main pid, as
#    NotifyAccess=main requires;
#  - WATCHDOG=1 never more than 2 s apart (systemd's limit), including across reloads;
#  - SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 with "last reload ok"; for an
#    invalid file the same, with "last reload failed", and it still serves;
#  - SIGTERM: STOPPING=1, exit status 0;
#  - with WATCHDOG_PID naming another process: no WATCHDOG=1 at all.
# Skipped when unitlsd was built without libsystemd (it then sends nothing, by design).
. "$(dirname "$0")/lib.sh"

grep -q '^#define HAVE_SYSTEMD 1' "$UNITLS_BUILDDIR/config.h" ||
    skip_all "unitlsd built without libsystemd"
NOTIFY_LISTEN=$UNITLS_BACKENDS/notify-listen
[ -x "$NOTIFY_LISTEN" ] || bail "test program $NOTIFY_LISTEN is built"
TAB=$(printf '\t')

start_backend B "$ECHO_BIN"
PORT=$(free_ports 1 | tr -d ' ')
CONFIG=$T/unitlsd.yaml
write_config() {
    { config_head 2; listener_yaml web "\"127.0.0.1:$PORT\"" "127.0.0.1:$B_PORT"; } >"$CONFIG"
}
write_config

serves() { tls --quiet --timeout-ms 5000 --echo-bytes 2000 "127.0.0.1:$PORT" >/dev/null 2>&1; }

# --- reading what notify-listen saw: "MS<TAB>PID<TAB>ASSIGNMENT<TAB>..." per datagram ----------
# count_assignment FILE REGEX: datagrams with an assignment matching REGEX (extended) whole.
count_assignment() { grep -cE "${TAB}($2)(${TAB}|\$)" "$1"; }
has_assignment() { [ "$(count_assignment "$1" "$2")" -gt 0 ]; }

# "RELOADS MONO_OK READY_AFTER": RELOADING=1 datagrams so far, 1 when the last one carried a
# numeric MONOTONIC_USEC, 1 when a READY=1 came after it.
reload_state() {
    awk -F "$TAB" '
        { rel = 0; rdy = 0; mono = 0
          for (i = 3; i <= NF; i++) {
              if ($i == "RELOADING=1") rel = 1
              if ($i == "READY=1") rdy = 1
              if ($i ~ /^MONOTONIC_USEC=[0-9]+$/) mono = 1
          }
          if (rel) { n++; last_mono = mono; after = 0 } else if (rdy && n > 0) after = 1 }
        END { printf "%d %d %d\n", n, last_mono, after }' "$1"
}
reload_done() { [ "$(reload_state "$1")" = "$2 1 1" ]; }

# The STATUS= of the last READY=1 datagram.
last_ready_status() {
    grep -E "${TAB}READY=1(${TAB}|\$)" "$1" | tail -n 1 | tr '\t' '\n' | sed -n 's/^STATUS=//p'
}

monotonic_values() { grep -oE 'MONOTONIC_USEC=[0-9]+' "$1" | cut -d= -f2 | tr '\n' ' '; }
two_growing() { [ $# -eq 2 ] && [ "$2" -gt "$1" ]; }

# "MAX_GAP_MS COUNT": the largest gap between READY=1 and the WATCHDOG=1 datagrams after it
# (and between those), and how many there were.
watchdog_gaps() {
    awk -F "$TAB" '
        /(\t|^)READY=1(\t|$)/ && !ready { ready = 1; last = $1 }
        ready && /(\t|^)WATCHDOG=1(\t|$)/ { if ($1 - last > max) max = $1 - last; last = $1; n++ }
        END { printf "%d %d\n", max, n }' "$1"
}

all_from_pid() { awk -F "$TAB" -v pid="$2" '$2 != pid { bad = 1 } END { exit bad }' "$1"; }

# start_listener NAME: notify-listen on $T/NAME.sock, output in $T/NAME.log.
start_listener() {
    "$NOTIFY_LISTEN" "$T/$1.sock" 120 >"$T/$1.log" 2>"$T/$1.err" &
    track_pid $!
    wait_until 5 test -S "$T/$1.sock" || bail "notify-listen starts: $(cat "$T/$1.err")"
}

# start_notified NAME WATCHDOG_PID: unitlsd with NOTIFY_SOCKET=$T/NAME.sock and a 2 s
# watchdog. exec keeps the pid of `sh -c`, so '$$' there is the daemon's own pid.
start_notified() {
    UNITLSD_LOG=$T/unitlsd-$1.log
    NOTIFY_SOCKET="$T/$1.sock" WATCHDOG_USEC=2000000 \
        sh -c "WATCHDOG_PID=$2; export WATCHDOG_PID; exec \"\$0\" -c \"\$1\"" \
        "$UNITLSD" "$CONFIG" 2>>"$UNITLSD_LOG" &
    UNITLSD_PID=$!
    track_pid "$UNITLSD_PID"
}

# --- one life: start, watchdog, two reloads, stop ---------------------------------------------
start_listener main
start_notified main '$$'
LOG=$T/main.log

check "READY=1 after start" wait_until 30 has_assignment "$LOG" READY=1
check "serves once ready" serves
check_grep "READY=1 carries a STATUS= with connections and handshakes" \
    "READY=1${TAB}STATUS=[0-9]* connections, [0-9]* handshakes/s" "$LOG"
sleep 4
# shellcheck disable=SC2046
set -- $(watchdog_gaps "$LOG")
check "WATCHDOG=1 sent at least 3 times in 4 s (saw $2)" [ "$2" -ge 3 ]
check "WATCHDOG=1 never more than 2 s apart since READY=1 (max $1 ms)" [ "$1" -lt 2000 ]

kill -HUP "$UNITLSD_PID"
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1" wait_until 30 reload_done "$LOG" 1
check_eq "READY=1 after the reload says it went well" \
    "$(last_ready_status "$LOG" | grep -o 'last reload ok')" "last reload ok"
check "serves after the reload" serves

echo "no_such_key: 1" >>"$CONFIG"
kill -HUP "$UNITLSD_PID"
check "SIGHUP with an invalid file: RELOADING=1 with MONOTONIC_USEC, then READY=1" \
    wait_until 30 reload_done "$LOG" 2
check_eq "READY=1 after the failed reload says so" \
    "$(last_ready_status "$LOG" | grep -o 'last reload failed')" "last reload failed"
check "still running after the failed reload" pid_alive "$UNITLSD_PID"
check "still serves after the failed reload" serves
# shellcheck disable=SC2046
check "MONOTONIC_USEC grows from one reload to the next ($(monotonic_values "$LOG"))" \
    two_growing $(monotonic_values "$LOG")
write_config

sleep 2
# shellcheck disable=SC2046
set -- $(watchdog_gaps "$LOG")
check "WATCHDOG=1 never more than 2 s apart across the reloads (max $1 ms)" [ "$1" -lt 2000 ]

stop_pid "$UNITLSD_PID"
check_eq "SIGTERM: exit status" "$EXIT_STATUS" 0
check "SIGTERM: STOPPING=1" has_assignment "$LOG" STOPPING=1
check "every datagram came from the daemon's pid $UNITLSD_PID" all_from_pid "$LOG" "$UNITLSD_PID"

# --- a watchdog meant for another process -----------------------------------------------------
start_listener other
start_notified other 1
check "READY=1 with WATCHDOG_PID=1" wait_until 30 has_assignment "$T/other.log" READY=1
sleep 2.5
check_eq "no WATCHDOG=1 when WATCHDOG_PID names another process" \
    "$(count_assignment "$T/other.log" WATCHDOG=1)" 0
stop_pid "$UNITLSD_PID"
check_eq "SIGTERM: exit status" "$EXIT_STATUS" 0

[ "$N_FAILED" -eq 0 ] || { note "notifications:"; sed 's/^/#   /' "$LOG"; }
finish
