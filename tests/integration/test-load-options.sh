#!/bin/sh
# unitls-load's TLS options reach the wire, against `openssl s_server` with a second
# certificate for SNI: --sni sends the name and verifies the certificate against it (a wrong
# name is a verification failure), --alpn offers protocols and the report counts the one
# negotiated, --insecure completes against a certificate nobody trusts and warns once (with a
# count of the per-connection warnings), and [::1]:PORT targets work.
. "$(dirname "$0")/lib.sh"

load_required

# s_server sends only the leaf of the SNI certificate: the client trusts root and intermediate.
cat "$CERTS/ca.pem" "$CERTS/intermediate.pem" >"$T/bundle.pem"

# start_s_server VAR ACCEPT ARGS...: an s_server -www on ACCEPT; sets VAR_PORT.
start_s_server() {
    _var=$1; _port=$2; _accept=$3; shift 3
    "$OPENSSL" s_server -www -accept "$_accept" -cert "$CERTS/localhost.pem" \
        -cert_chain "$CERTS/intermediate.pem" -key "$CERTS/localhost.key" "$@" \
        >"$T/$_var.out" 2>&1 </dev/null &
    track_pid $!
    wait_until 20 port_open "$_port" "${_accept%:*}" || bail "openssl s_server listens on $_accept"
}

set -- $(free_ports 3)
P=$1 P_OTHER=$2 P6=$3
start_s_server MAIN "$P" "127.0.0.1:$P" -servername example.org \
    -cert2 "$CERTS/example.org.pem" -key2 "$CERTS/example.org.key" -alpn h2,http/1.1

run_load "$T/sni.json" --cafile "$T/bundle.pem" --count 10 --sni example.org "127.0.0.1:$P"
check_eq "--sni example.org: the example.org certificate verified" \
    "$(json_get "$T/sni.json" completed) $(json_get "$T/sni.json" failed)" "10 0"
run_load "$T/nosni.json" --cafile "$T/bundle.pem" --count 10 "127.0.0.1:$P"
check_eq "no --sni: the default (localhost) certificate verified for 127.0.0.1" \
    "$(json_get "$T/nosni.json" completed)" 10
run_load "$T/badsni.json" --cafile "$T/bundle.pem" --count 10 --sni www.example.net "127.0.0.1:$P"
check_eq "--sni naming another host: 10 verification failures" \
    "$(json_get "$T/badsni.json" errors.certificate)" 10

run_load "$T/alpn.json" --cafile "$CERTS/ca.pem" --count 10 --alpn foo --alpn http/1.1 \
    "127.0.0.1:$P"
check_grep "--alpn: the report counts the negotiated protocol" \
    '"alpn":{"http/1.1":10,' "$T/alpn.json"
run_load "$T/noalpn.json" --cafile "$CERTS/ca.pem" --count 10 "127.0.0.1:$P"
check_grep "no --alpn: none negotiated" '"alpn":{"none":10,' "$T/noalpn.json"

"$OPENSSL" s_server -www -accept "127.0.0.1:$P_OTHER" -cert "$CERTS/other-example.org.pem" \
    -key "$CERTS/other-example.org.key" >"$T/other.out" 2>&1 </dev/null &
track_pid $!
wait_until 20 port_open "$P_OTHER" || bail "openssl s_server (untrusted certificate) listens"
run_load "$T/ins.json" --insecure --count 20 "127.0.0.1:$P_OTHER"
check_eq "--insecure: an untrusted certificate is accepted" \
    "$(json_get "$T/ins.json" completed)" 20
check_eq "--insecure: one SecurityWarning line on stderr" \
    "$(grep -c 'SecurityWarning' "$T/ins.json.err")" 1
check_grep "--insecure: the per-connection warnings are counted" \
    'more security warnings' "$T/ins.json.err"
run_load "$T/sec.json" --cafile "$CERTS/ca.pem" --count 5 "127.0.0.1:$P_OTHER"
check_eq "without --insecure the same server fails verification" \
    "$(json_get "$T/sec.json" errors.certificate)" 5
check_eq "without --insecure no warning" "$(grep -c 'SecurityWarning' "$T/sec.json.err")" 0

if ipv6_loopback; then
    start_s_server V6 "$P6" "[::1]:$P6"
    run_load "$T/v6.json" --cafile "$CERTS/ca.pem" --count 10 "[::1]:$P6"
    check_eq "[::1]:PORT: 10 handshakes over IPv6" "$(json_get "$T/v6.json" completed)" 10
    check_grep "... reported as [::1]" '"target":"\[::1\]:' "$T/v6.json"
else
    skip_check "[::1]:PORT" "no IPv6 loopback here"
fi
cat "$T"/*.json.err >"$T/load.stderr" 2>/dev/null
check_no_grep "no sanitizer report from unitls-load" 'Sanitizer\|runtime error:' "$T/load.stderr"
finish
