#!/bin/sh
# test-systemd-reactivate: systemd's sockets are kept across reloads, not lost.
# Proves, with three sockets passed by systemd-socket-activate and a second process holding
# copies of them as systemd itself does (so a socket the daemon closed would stay bound):
#  - a reload that drops an activated address stops serving it, but the daemon keeps the fd
#    (the same socket, still listening); a client that connects meanwhile waits in the queue;
#  - the next reload that lists the address again serves it on that same socket, the waiting
#    client included;
#  - a reload that fails after claiming an activated socket (another address of the listener
#    cannot be bound) gives it back: a later reload serves on it;
#  - every passed fd is still open at the end and SIGTERM exits 0.
# Before the activation set kept ownership, the dropped socket was closed and adding it back
# failed with EADDRINUSE (the holder's copy kept the port bound). Needs libsystemd in unitlsd
# and systemd-socket-activate.
. "$(dirname "$0")/lib.sh"

if ! grep -q '^#define HAVE_SYSTEMD 1' "$UNITLS_BUILDDIR/config.h"; then
    skip_all "unitlsd built without libsystemd"
fi
command -v systemd-socket-activate >/dev/null 2>&1 ||
    skip_all "systemd-socket-activate is not installed"
SLEEP=$(command -v sleep)

start_backend B "$ECHO_BIN"
# A process that holds a port, so that binding it fails.
start_backend BUSY "$ECHO_BIN"
# shellcheck disable=SC2046
set -- $(free_ports 3)
PORT=$1 MOVED=$2 EXTRA=$3
CONFIG=$T/unitlsd.yaml
# config LISTEN_OF_WEB [LISTEN_OF_EXTRA]: the web listener on the given addresses, and a
# second listener when a second list is given. One worker: once it serves an address only the
# new generation has, it has switched, and accepts nothing on the dropped one.
config() {
    { config_head 1
      listener_yaml web "$1" "127.0.0.1:$B_PORT"
      [ $# -lt 2 ] || listener_yaml extra "$2" "127.0.0.1:$B_PORT"; } >"$CONFIG"
}
q() { printf '"127.0.0.1:%s"' "$1"; }

serves() { tls --quiet --timeout-ms 10000 --echo-bytes 2000 "127.0.0.1:$1" >/dev/null 2>&1; }

# The inode of the socket listening on 127.0.0.1:PORT (state 0A in /proc/net/tcp).
listening_inode() {
    awk -v local="0100007F:$(printf '%04X' "$1")" '$2 == local && $4 == "0A" { print $10 }' \
        /proc/net/tcp
}
fd_inode() {
    readlink "/proc/$UNITLSD_PID/fd/$1" 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p'
}
# kept N PORT INODE: fd N of the daemon is still the socket (INODE) listening on PORT.
kept() { [ -n "$3" ] && [ "$(fd_inode "$1")" = "$3" ] && [ "$(listening_inode "$2")" = "$3" ]; }
last_reload_has() { last_reload_line | grep -q -- "$1"; }

config "$(q "$PORT")"
PASS_ENV=""
for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    eval "[ -n \"\${$v+set}\" ]" && PASS_ENV="$PASS_ENV -E $v"
done
UNITLSD_LOG=$T/unitlsd.log
# The shell leaves a sleeping copy of fds 3 to 5 behind (systemd's own copy), then becomes
# unitlsd: LISTEN_PID is its pid.
# shellcheck disable=SC2086,SC2016
systemd-socket-activate -l "127.0.0.1:$PORT" -l "127.0.0.1:$MOVED" -l "127.0.0.1:$EXTRA" \
    $PASS_ENV /bin/sh -c '"$1" 600 </dev/null >/dev/null 2>&1 & echo $! >"$2"; shift 2; exec "$@"' \
    sh "$SLEEP" "$T/holder.pid" "$UNITLSD" -c "$CONFIG" >>"$T/unitlsd.out" 2>>"$UNITLSD_LOG" &
UNITLSD_PID=$!    # the launcher, the shell and then unitlsd: one pid
track_pid "$UNITLSD_PID"
is_listening() { [ -n "$(listening_inode "$1")" ]; }
wait_until 5 is_listening "$PORT" || bail "systemd-socket-activate listens on $PORT"

check "the connection that starts the daemon is served" serves "$PORT"
wait_until 10 file_has_line "$T/holder.pid" || bail "the holder of the sockets' copies starts"
HOLDER_PID=$(cat "$T/holder.pid")
track_pid "$HOLDER_PID"
check "a second process holds copies of the passed sockets" \
    test -n "$(readlink "/proc/$HOLDER_PID/fd/3" 2>/dev/null)"
INODE_PORT=$(fd_inode 3) INODE_MOVED=$(fd_inode 4) INODE_EXTRA=$(fd_inode 5)
all_kept() {
    kept 3 "$PORT" "$INODE_PORT" && kept 4 "$MOVED" "$INODE_MOVED" && kept 5 "$EXTRA" "$INODE_EXTRA"
}
check "fds 3, 4, 5 are the sockets listening on the three passed ports" all_kept

# --- drop the address ---------------------------------------------------------------------
config "$(q "$MOVED")"
check "reload moving web to 127.0.0.1:$MOVED ends" reload_unitlsd
check "it succeeded: 1 socket added, 1 removed" last_reload_has 'generation 2 .*0 kept, 1 added, 1 removed'
check "127.0.0.1:$MOVED (activated) serves" serves "$MOVED"
check "the dropped socket is kept: fd 3 still listens on $PORT (inode $INODE_PORT)" \
    kept 3 "$PORT" "$INODE_PORT"
# A client of the dropped address: connected by the kernel, queued, not served.
tls_bg --timeout-ms 60000 --echo-bytes 2000 "127.0.0.1:$PORT" >"$T/queued.out" 2>"$T/queued.err" &
QUEUED_PID=$!
track_pid "$QUEUED_PID"
sleep 1
check "a client of the dropped address waits, unserved" pid_alive "$QUEUED_PID"

# --- add it back ----------------------------------------------------------------------------
config "$(q "$PORT"), $(q "$MOVED")"
check "reload adding 127.0.0.1:$PORT back ends" reload_unitlsd
check "it succeeded: 1 kept, 1 added" last_reload_has 'generation 3 .*1 kept, 1 added, 0 removed'
check "127.0.0.1:$PORT serves again" serves "$PORT"
check "on the same socket (inode $INODE_PORT)" kept 3 "$PORT" "$INODE_PORT"
wait_exit "$QUEUED_PID" 60
check_eq "the client that waited meanwhile is served: exit status" "$EXIT_STATUS" 0

# --- a failed reload gives back what it claimed -------------------------------------------------
config "$(q "$PORT"), $(q "$MOVED")" "$(q "$EXTRA"), $(q "$BUSY_PORT")"
check "reload with an address that cannot be bound ends" reload_unitlsd
check "it failed" last_reload_has 'reload: failed'
check_grep "naming the address and the reason" "127.0.0.1:$BUSY_PORT: Address already in use" \
    "$UNITLSD_LOG"
check "still serving 127.0.0.1:$PORT" serves "$PORT"
config "$(q "$PORT"), $(q "$MOVED")" "$(q "$EXTRA")"
check "reload adding only 127.0.0.1:$EXTRA ends" reload_unitlsd
check "it succeeded: the socket claimed by the failed reload was given back" \
    last_reload_has 'generation 4 .*2 kept, 1 added, 0 removed'
check "127.0.0.1:$EXTRA (activated) serves" serves "$EXTRA"
check "every passed fd is still its socket" all_kept

stop_pid "$UNITLSD_PID" 60
check_eq "SIGTERM: exit status" "$EXIT_STATUS" 0
check_no_grep "no sanitizer report from unitlsd" 'Sanitizer\|runtime error:' "$UNITLSD_LOG"
stop_pid "$HOLDER_PID"
finish
