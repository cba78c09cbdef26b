#!/bin/sh
# proxy_protocol: the backend receives a PROXY header before the client's first byte: v1 as a
# text line naming client and listener addresses and ports, v2 as the binary header (signature,
# TCP over IPv4, the same addresses and ports); with none, the backend receives exactly the
# client's bytes. The echo backend sends the header back, so the client sees what the backend
# saw. An IPv6 listener gives "TCP6" where ::1 works.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 4)
P1=$1 P2=$2 P0=$3 P6=$4
HAVE_V6=0
ipv6_loopback && HAVE_V6=1
{
    config_head
    listener_yaml v1 "\"127.0.0.1:$P1\"" "127.0.0.1:$ECHO_PORT"
    echo "      proxy_protocol: v1"
    listener_yaml v2 "\"127.0.0.1:$P2\"" "127.0.0.1:$ECHO_PORT"
    echo "      proxy_protocol: v2"
    listener_yaml none "\"127.0.0.1:$P0\"" "127.0.0.1:$ECHO_PORT"
    echo "      proxy_protocol: none"
    if [ "$HAVE_V6" = 1 ]; then
        listener_yaml v1six "\"[::1]:$P6\"" "127.0.0.1:$ECHO_PORT"
        echo "      proxy_protocol: v1"
    fi
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P1" "$P2" "$P0" || finish

head -c 5000 /dev/urandom >"$T/in.bin"
# through ADDR OUT: sends in.bin, half-closes, keeps everything that comes back in OUT.
through() { tls --half-close --input "$T/in.bin" --output "$2" "$1" >"$2.log" 2>&1; }
hex() { od -An -tx1 -v | tr -d ' \n'; }

through "127.0.0.1:$P1" "$T/v1.out"
head -n 1 "$T/v1.out" >"$T/v1.line"
check_grep "v1: the header line names client and listener" \
    "^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 [0-9][0-9]* $P1.\$" "$T/v1.line"
check_eq "v1: the line ends with CRLF" "$(head -n 1 "$T/v1.out" | tail -c 2 | hex)" 0d0a
tail -c +$(( $(wc -c <"$T/v1.line") + 1 )) "$T/v1.out" >"$T/v1.rest"
check "v1: then exactly the client's bytes" same_file "$T/v1.rest" "$T/in.bin"

through "127.0.0.1:$P2" "$T/v2.out"
check_eq "v2: signature, version 2 PROXY, TCP over IPv4, 12 address bytes" \
    "$(head -c 16 "$T/v2.out" | hex)" 0d0a0d0a000d0a515549540a2111000c
check_eq "v2: source and destination 127.0.0.1" "$(head -c 24 "$T/v2.out" | tail -c 8 | hex)" 7f0000017f000001
check_eq "v2: destination port is the listener's" "$(head -c 28 "$T/v2.out" | tail -c 2 | hex)" "$(printf '%04x' "$P2")"
tail -c +29 "$T/v2.out" >"$T/v2.rest"
check "v2: then exactly the client's bytes" same_file "$T/v2.rest" "$T/in.bin"

through "127.0.0.1:$P0" "$T/none.out"
check "none: the backend gets exactly the client's bytes" same_file "$T/none.out" "$T/in.bin"

if [ "$HAVE_V6" = 1 ]; then
    through "[::1]:$P6" "$T/v6.out"
    head -n 1 "$T/v6.out" >"$T/v6.line"
    check_grep "v1 on an IPv6 listener: TCP6 with ::1" "^PROXY TCP6 ::1 ::1 [0-9][0-9]* $P6.\$" "$T/v6.line"
else
    skip_check "v1 on an IPv6 listener" "no IPv6 loopback here"
fi
finish
