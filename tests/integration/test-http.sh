#!/bin/sh
# curl through unitlsd to the HTTP backend: the page, keep-alive (two requests on one TLS
# connection), HEAD, and downloads of N bytes compared by SHA-256 with what the backend sends;
# on IPv4 and, where ::1 works, on an IPv6 listener.
. "$(dirname "$0")/lib.sh"

start_backend WEB "$HTTP_BIN"
set -- $(free_ports 2)
P4=$1 P6=$2
HAVE_V6=0
ipv6_loopback && HAVE_V6=1
listen="\"127.0.0.1:$P4\""
[ "$HAVE_V6" = 0 ] || listen="$listen, \"[::1]:$P6\""
{
    config_head
    listener_yaml web "$listen" "127.0.0.1:$WEB_PORT"
    echo "    protocols: [http/1.1]"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P4" || finish

curl_tls() { timeout 60 curl -sS --cacert "$CERTS/ca.pem" "$@"; }
URL=https://localhost:$P4

check_eq "GET / returns the backend's page" "$(curl_tls "$URL/" 2>&1)" "hello from the unitls test backend"

curl_tls -v "$URL/" "$URL/bytes/10" >"$T/two.out" 2>"$T/two.err"
check_grep "two requests in one curl run reuse the TLS connection (keep-alive)" "Re-using existing connection" "$T/two.err"
check_eq "one TLS connection was opened for them" "$(count_lines 'Connected to' "$T/two.err")" 1

curl_tls -I "$URL/bytes/1000" >"$T/head.out" 2>&1
check_grep "HEAD /bytes/1000 says Content-Length: 1000" "^Content-Length: 1000" "$T/head.out"

for n in 1 16384 100000 10485760; do
    curl_tls -o "$T/dl.bin" "$URL/bytes/$n" 2>"$T/dl.err"
    pattern_bytes "$n" >"$T/want.bin"
    if same_file "$T/dl.bin" "$T/want.bin"; then
        pass "GET /bytes/$n: $n bytes, same SHA-256 as the backend's"
    else
        fail "GET /bytes/$n: $n bytes, same SHA-256 as the backend's" \
            "got $(wc -c <"$T/dl.bin") bytes, sha256 $(sha256 "$T/dl.bin"); $(cat "$T/dl.err")"
    fi
done

if [ "$HAVE_V6" = 1 ]; then
    body=$(curl_tls --resolve "localhost:$P6:[::1]" "https://localhost:$P6/" 2>&1)
    check_eq "GET / on the [::1] listener" "$body" "hello from the unitls test backend"
else
    skip_check "GET / on the [::1] listener" "no IPv6 loopback here"
fi

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
