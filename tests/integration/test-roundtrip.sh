#!/bin/sh
# Byte-exact round trips through unitlsd to the echo backend, from 1 byte to 64 MiB, around
# the TLS record size (16 KiB) and the daemon's buffer size (64 KiB): the project's own client
# sends a file and writes what comes back; the SHA-256 of both must match. Then the backend
# address kinds: a unix socket backend, an IPv6 listener and an IPv6 backend (where ::1 works).
. "$(dirname "$0")/lib.sh"

HAVE_V6=0
ipv6_loopback && HAVE_V6=1
if [ "$HAVE_V6" = 1 ]; then
    start_backend ECHO "$ECHO_BIN" --listen 127.0.0.1:0 --listen "[::1]:0" --listen "unix:$T/echo.sock"
    ECHO6_PORT=$(sed -n 2p "$T/ECHO.port")
else
    start_backend ECHO "$ECHO_BIN" --listen 127.0.0.1:0 --listen "unix:$T/echo.sock"
fi
set -- $(free_ports 4)
P=$1 P_UNIX=$2 P_V6=$3 P_TOV6=$4
{
    config_head
    listener_yaml plain "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
    listener_yaml tounix "\"127.0.0.1:$P_UNIX\"" "unix:$T/echo.sock"
    if [ "$HAVE_V6" = 1 ]; then
        listener_yaml v6 "\"[::1]:$P_V6\"" "unix:$T/echo.sock"
        listener_yaml tov6 "\"127.0.0.1:$P_TOV6\"" "[::1]:$ECHO6_PORT"
    fi
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$P_UNIX" || finish

# roundtrip ADDR SIZE WHAT
roundtrip() {
    head -c "$2" /dev/urandom >"$T/in.bin"
    rm -f "$T/out.bin"
    tls --timeout-ms 300000 --input "$T/in.bin" --output "$T/out.bin" "$1" >"$T/rt.out" 2>&1
    _rc=$?
    if [ "$_rc" = 0 ] && [ "$(sha256 "$T/in.bin")" = "$(sha256 "$T/out.bin")" ]; then
        pass "$3"
    else
        fail "$3" "client status $_rc, $(wc -c <"$T/out.bin" 2>/dev/null || echo 0) bytes back; $(tr '\n' ' ' <"$T/rt.out")"
    fi
}

for size in 1 2 100 16383 16384 16385 65535 65536 65537 1048576 16777216 67108864; do
    roundtrip "127.0.0.1:$P" "$size" "$size bytes round trip, same SHA-256"
done

roundtrip "127.0.0.1:$P_UNIX" 4194304 "unix socket backend: 4 MiB round trip"
if [ "$HAVE_V6" = 1 ]; then
    roundtrip "[::1]:$P_V6" 4194304 "[::1] listener: 4 MiB round trip"
    roundtrip "127.0.0.1:$P_TOV6" 4194304 "[::1] backend: 4 MiB round trip"
else
    skip_check "[::1] listener and backend" "no IPv6 loopback here"
fi

# openssl s_client as the client: a line goes through and comes back (stdin stays open until
# the echo is there, then its EOF ends s_client).
{ printf 'hello through s_client\n'; wait_until 30 file_has_line "$T/sc.out"; } |
    timeout 60 "$OPENSSL" s_client -quiet -no_ign_eof -connect "127.0.0.1:$P" \
        -servername localhost -CAfile "$CERTS/ca.pem" -verify_return_error >"$T/sc.out" 2>/dev/null
check_eq "openssl s_client: a line echoed" "$(head -n 1 "$T/sc.out")" "hello through s_client"

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
