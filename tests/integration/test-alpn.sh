#!/bin/sh
# ALPN: the listener's protocols in the server's order of preference, whatever order the client
# offers them in; no ALPN when the client offers none or the listener has none; a client
# offering only unknown protocols does not disturb the daemon. openssl s_client, the project's
# own client and curl (HTTP/1.1 over the negotiated protocol) look at it.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
start_backend WEB "$HTTP_BIN"
set -- $(free_ports 3)
P_ALPN=$1 P_NONE=$2 P_WEB=$3
{
    config_head
    listener_yaml alpn "\"127.0.0.1:$P_ALPN\"" "127.0.0.1:$ECHO_PORT"
    echo "    protocols: [h2, http/1.1]"
    listener_yaml none "\"127.0.0.1:$P_NONE\"" "127.0.0.1:$ECHO_PORT"
    listener_yaml web "\"127.0.0.1:$P_WEB\"" "127.0.0.1:$WEB_PORT"
    echo "    protocols: [h2, http/1.1]"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_ALPN" "$P_NONE" "$P_WEB" || finish

# alpn_of PORT [s_client args]: the protocol s_client saw negotiated, "none" or "failed".
alpn_of() {
    _p=$1; shift
    sclient "$_p" -servername localhost "$@" >"$T/alpn.txt"
    if grep -q '^New, (NONE)' "$T/alpn.txt" || ! grep -q '^New, TLS' "$T/alpn.txt"; then
        echo failed
    elif grep -q '^No ALPN negotiated' "$T/alpn.txt"; then
        echo none
    else
        sed -n 's/^ALPN protocol: //p' "$T/alpn.txt" | head -n 1
    fi
}

check_eq "client offers h2,http/1.1: h2" "$(alpn_of "$P_ALPN" -alpn h2,http/1.1)" h2
check_eq "client offers http/1.1,h2: the server's preference h2" "$(alpn_of "$P_ALPN" -alpn http/1.1,h2)" h2
check_eq "client offers http/1.1 only: http/1.1" "$(alpn_of "$P_ALPN" -alpn http/1.1)" http/1.1
check_eq "client offers no ALPN: none negotiated" "$(alpn_of "$P_ALPN")" none
check_eq "listener without protocols, client offers h2: none negotiated" "$(alpn_of "$P_NONE" -alpn h2)" none

unknown=$(alpn_of "$P_ALPN" -alpn foo,bar)
case $unknown in
none|failed) pass "client offering only unknown protocols: no protocol chosen ($unknown)" ;;
*) fail "client offering only unknown protocols: no protocol chosen" "negotiated '$unknown'" ;;
esac
check_eq "after that, the listener still negotiates h2" "$(alpn_of "$P_ALPN" -alpn h2)" h2

tls --alpn http/1.1 --alpn h2 --echo-bytes 1000 "127.0.0.1:$P_ALPN" >"$T/own.out" 2>&1
check_grep "own client offering http/1.1,h2 gets h2 and its echo" "alpn=h2 .*received=1000" "$T/own.out"
tls --alpn http/1.1 --echo-bytes 1000 "127.0.0.1:$P_ALPN" >"$T/own.out" 2>&1
check_grep "own client offering http/1.1 gets http/1.1" "alpn=http/1.1 " "$T/own.out"
tls --alpn h2 --echo-bytes 1000 "127.0.0.1:$P_NONE" >"$T/own.out" 2>&1
check_grep "own client on a listener without protocols: none" "alpn=none " "$T/own.out"

timeout 30 curl -sS -v --http1.1 --cacert "$CERTS/ca.pem" "https://localhost:$P_WEB/" \
    >"$T/curl.body" 2>"$T/curl.err"
check_grep "curl --http1.1: ALPN http/1.1 accepted" "ALPN.*http/1.1" "$T/curl.err"
check_eq "curl --http1.1: the backend's page" "$(cat "$T/curl.body")" "hello from the unitls test backend"

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
