#!/bin/sh
# test-systemd-activate: unitlsd under socket activation, and the units that ship with it.
# Proves:
#  - the generated unitlsd.service and unitlsd.socket pass `systemd-analyze verify`, and the
#    service's `systemd-analyze security` exposure is below 2.0;
#  - started by `systemd-socket-activate -l 127.0.0.1:PORT` (which holds PORT, so the daemon
#    could not bind it itself), unitlsd serves on the socket it was handed: the connection that
#    started it is served, and its fd 3 is the socket listening on PORT; a passed socket that
#    matches no listener is reported in the log;
#  - a reload (SIGHUP) with a changed file keeps that same socket and keeps serving;
#  - SIGTERM: exit status 0.
# The socket-activation part needs libsystemd in unitlsd and systemd-socket-activate.
. "$(dirname "$0")/lib.sh"

TAB=$(printf '\t')

# --- the units ------------------------------------------------------------------------------
# verify checks that ExecStart's binary exists: point it at the daemon just built.
if command -v systemd-analyze >/dev/null 2>&1; then
    mkdir "$T/units"
    sed -e "s|^ExecStart=[^ ]*|ExecStart=$UNITLSD|" "$UNITLS_BUILDDIR/systemd/unitlsd.service" \
        >"$T/units/unitlsd.service"
    cp "${UNITLS_SRCDIR:-$(dirname "$0")/../..}/systemd/unitlsd.socket" "$T/units/"
    systemd-analyze verify --man=no "$T/units/unitlsd.service" "$T/units/unitlsd.socket" \
        >"$T/verify.out" 2>&1
    status=$?
    check_eq "systemd-analyze verify unitlsd.service unitlsd.socket: status and output" \
        "$status $(cat "$T/verify.out")" "0 "
    systemd-analyze security --offline=yes --no-pager "$T/units/unitlsd.service" \
        >"$T/security.out" 2>&1
    exposure=$(sed -n 's/.*Overall exposure level for unitlsd.service: \([0-9.]*\).*/\1/p' \
        "$T/security.out")
    # --threshold counts in tenths of the printed level: 19 means at most 1.9.
    exposure_below_2() {
        systemd-analyze security --offline=yes --threshold=19 --no-pager \
            "$T/units/unitlsd.service" >/dev/null 2>&1
    }
    check "systemd-analyze security: exposure ${exposure:-unknown} below 2.0" exposure_below_2
    # With man(1) at hand, verify also checks that every Documentation= page exists.
    SRCDIR=${UNITLS_SRCDIR:-$(dirname "$0")/../..}
    if command -v man >/dev/null 2>&1 && [ -f "$SRCDIR/docs/unitlsd.8" ]; then
        mkdir -p "$T/man/man8" "$T/man/man5"
        cp "$SRCDIR/docs/unitlsd.8" "$T/man/man8/"
        cp "$SRCDIR/docs/unitlsd.yaml.5" "$T/man/man5/" 2>/dev/null
        MANPATH=$T/man systemd-analyze verify "$T/units/unitlsd.service" \
            "$T/units/unitlsd.socket" >"$T/verify-man.out" 2>&1
        status=$?
        check_eq "systemd-analyze verify: every Documentation= man page exists" \
            "$status $(cat "$T/verify-man.out")" "0 "
    else
        skip_check "Documentation= man pages exist" "no man(1) or no docs/unitlsd.8"
    fi
else
    skip_check "systemd-analyze verify and security" "systemd-analyze is not installed"
fi

if ! grep -q '^#define HAVE_SYSTEMD 1' "$UNITLS_BUILDDIR/config.h"; then
    skip_check "socket activation" "unitlsd built without libsystemd"
    finish
fi
if ! command -v systemd-socket-activate >/dev/null 2>&1; then
    skip_check "socket activation" "systemd-socket-activate is not installed"
    finish
fi
NOTIFY_LISTEN=$UNITLS_BACKENDS/notify-listen
[ -x "$NOTIFY_LISTEN" ] || bail "test program $NOTIFY_LISTEN is built"

# --- a daemon started by systemd-socket-activate ------------------------------------------------
start_backend B "$ECHO_BIN"
# shellcheck disable=SC2046
set -- $(free_ports 2)
PORT=$1
SPARE_PORT=$2
CONFIG=$T/unitlsd.yaml
write_config() { # write_config [EXTRA LISTENER LINES]
    { config_head 2; listener_yaml web "\"127.0.0.1:$PORT\"" "127.0.0.1:$B_PORT"
      [ $# -eq 0 ] || echo "$1"; } >"$CONFIG"
}
write_config

serves() { tls --quiet --timeout-ms 10000 --echo-bytes 2000 "127.0.0.1:$PORT" >/dev/null 2>&1; }

# The inode of the socket listening on 127.0.0.1:PORT (state 0A in /proc/net/tcp).
listening_inode() {
    awk -v local="0100007F:$(printf '%04X' "$1")" '$2 == local && $4 == "0A" { print $10 }' \
        /proc/net/tcp
}
fd3_inode() {
    readlink "/proc/$UNITLSD_PID/fd/3" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p'
}
fd3_is_listener() { [ -n "$(fd3_inode)" ] && [ "$(fd3_inode)" = "$(listening_inode "$PORT")" ]; }
kept_socket() {
    [ -n "$INODE" ] && [ "$(fd3_inode)" = "$INODE" ] && [ "$(listening_inode "$PORT")" = "$INODE" ]
}
ready_count_at_least() { [ "$(grep -cE "${TAB}READY=1(${TAB}|\$)" "$T/notify.log")" -ge "$1" ]; }

"$NOTIFY_LISTEN" "$T/notify.sock" 120 >"$T/notify.log" 2>"$T/notify.err" &
track_pid $!
wait_until 5 test -S "$T/notify.sock" || bail "notify-listen starts: $(cat "$T/notify.err")"

# systemd-socket-activate passes on only the variables named with -E.
PASS_ENV=""
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    eval "[ -n \"\${$v+set}\" ]" && PASS_ENV="$PASS_ENV -E $v"
done
UNITLSD_LOG=$T/unitlsd.log
# shellcheck disable=SC2086
systemd-socket-activate -l "127.0.0.1:$PORT" -l "127.0.0.1:$SPARE_PORT" \
    -E NOTIFY_SOCKET="$T/notify.sock" $PASS_ENV \
    "$UNITLSD" -c "$CONFIG" >>"$T/unitlsd.out" 2>>"$UNITLSD_LOG" &
UNITLSD_PID=$!    # systemd-socket-activate execs the daemon in place: the same pid
track_pid "$UNITLSD_PID"
is_listening() { [ -n "$(listening_inode "$1")" ]; }
wait_until 5 is_listening "$PORT" || bail "systemd-socket-activate listens on $PORT"

check "the connection that starts the daemon is served" serves
check "READY=1" wait_until 30 ready_count_at_least 1
check "fd 3 of pid $UNITLSD_PID is the socket listening on 127.0.0.1:$PORT" fd3_is_listener
INODE=$(fd3_inode)
check "serves again on the passed socket" serves
check_grep "the passed socket that matches no listener is reported" \
    "socket activation: 127.0.0.1:$SPARE_PORT (.*) matches no listener" "$UNITLSD_LOG"

write_config "    protocols: [http/1.1]"
kill -HUP "$UNITLSD_PID"
check "SIGHUP with a changed file: READY=1 again" wait_until 30 ready_count_at_least 2
check_grep "the reload built a new generation" "reload: generation 2" "$UNITLSD_LOG"
check "the reload kept the passed socket (inode $INODE)" kept_socket
check "serves after the reload" serves

stop_pid "$UNITLSD_PID"
check_eq "SIGTERM: exit status" "$EXIT_STATUS" 0
check "port closed after exit" port_closed "$PORT"
finish
