#!/bin/sh
# Clients that do not speak TLS properly are closed and logged, and disturb nothing: random
# bytes, a plain HTTP request on the TLS port, a truncated ClientHello followed by silence
# (closed at the handshake timeout), a ClientHello with an absurd SNI. Meanwhile a connection
# opened before keeps echoing, and the daemon serves normally afterwards.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
P=$(free_ports 1)
{
    config_head
    listener_yaml site "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
    echo "    timeouts: { handshake: 2s, idle: 300s, connect: 5s }"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish

mkfifo "$T/in"
tls_bg --rounds --timeout-ms 300000 "127.0.0.1:$P" <"$T/in" >"$T/long.out" 2>&1 &
LONG=$!; track_pid "$LONG"
exec 3<>"$T/in"
echo 1000 >&3
wait_until 30 lines_at_least '^round 1 ok' "$T/long.out" 1

# raw WHAT FILE: FILE's bytes on a plain TCP connection; the daemon must close it.
raw() {
    if "$TLSCLIENT" --silent --input "$2" --timeout-ms 60000 "127.0.0.1:$P" >"$T/raw.out" 2>&1; then
        pass "$1: closed by the daemon"
    else
        fail "$1: closed by the daemon" "$(cat "$T/raw.out")"
    fi
}

head -c 20000 /dev/urandom >"$T/random.bin"
raw "20000 random bytes" "$T/random.bin"
printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' >"$T/http.req"
raw "a plain HTTP request" "$T/http.req"
# The first 60 bytes of a real ClientHello, then nothing.
printf '\026\003\001\002\000\001\000\001\374\003\003' >"$T/partial.bin"
head -c 49 /dev/urandom >>"$T/partial.bin"
raw "a truncated ClientHello, then silence" "$T/partial.bin"
long_sni=$(head -c 300 /dev/zero | tr '\0' a)
sclient "$P" -servername "$long_sni" >/dev/null 2>&1
for i in 1 2 3 4 5; do raw "random bytes, again ($i)" "$T/random.bin"; done

check_grep "the garbage is logged as TLS errors" 'access listener=site .*end="tls error' "$UNITLSD_LOG"
check_grep "the truncated ClientHello is closed at the handshake timeout" \
    'access listener=site .*end="timeout: handshake' "$UNITLSD_LOG"
echo 1000 >&3
wait_until 30 lines_at_least '^round 2 ok' "$T/long.out" 1
check_grep "a connection open meanwhile still echoes" '^round 2 ok' "$T/long.out"
exec 3>&-
wait_exit "$LONG" 30
tls --echo-bytes 100000 "127.0.0.1:$P" >"$T/after.out" 2>&1
check_grep "a new client is served afterwards" '^completed=1 failed=0' "$T/after.out"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
