#!/bin/sh
# accept_proxy: a listener behind a balancer reads the PROXY header (v1 or v2) its trusted
# sources send before TLS, and the client it names stands for the connection's client: in the
# access line (client=, with via= the balancer) and in the PROXY header unitlsd sends on to its
# backend. Real clients: curl --haproxy-protocol (v1), HAProxy in mode tcp with send-proxy-v2
# (and its v2 LOCAL health checks), and a Python client that writes headers by hand (v1 and v2
# naming other addresses, a header sent one byte at a time, v2 LOCAL, TLVs). Refused and logged
# with the reason, counted in unitlsd_proxy_rejected_total{listener,reason}: an untrusted
# source, a trusted one without a header (a ClientHello first), a version the listener does
# not take, a malformed header, and a header that never completes (the handshake timeout).
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed"

start_backend HTTP "$HTTP_BIN"
start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 7)
PA=$1 PE=$2 PU=$3 PV=$4 PS=$5 PH=$6 PP=$7
{
    config_head
    # proxied: both versions from loopback, to the HTTP backend
    listener_yaml proxied "\"127.0.0.1:$PA\"" "127.0.0.1:$HTTP_PORT"
    echo "    accept_proxy: { versions: [v1, v2], trusted: [127.0.0.0/8, \"::1/128\"] }"
    # echo: the echo backend gets unitlsd's own PROXY v1 header and sends it back
    listener_yaml echo "\"127.0.0.1:$PE\"" "127.0.0.1:$ECHO_PORT"
    echo "      proxy_protocol: v1"
    echo "    accept_proxy:"
    echo "      trusted: [127.0.0.1/32]"
    # untrusted: loopback is not among its trusted sources
    listener_yaml untrusted "\"127.0.0.1:$PU\"" "127.0.0.1:$HTTP_PORT"
    echo "    accept_proxy: { trusted: [10.0.0.0/8, \"2001:db8::/32\"] }"
    # v2only: takes no v1 header; the header and the handshake within 1 s
    listener_yaml v2only "\"127.0.0.1:$PV\"" "127.0.0.1:$HTTP_PORT"
    echo "    accept_proxy: { versions: [v2], trusted: [127.0.0.1] }"
    echo "    timeouts: { handshake: 1s }"
    # plain: no accept_proxy, as before
    listener_yaml plain "\"127.0.0.1:$PP\"" "127.0.0.1:$HTTP_PORT"
    echo "stats:"
    echo "  listen: 127.0.0.1:$PS"
} >"$T/unitlsd.yaml"
check "--check-config accepts accept_proxy" "$UNITLSD" --check-config -c "$T/unitlsd.yaml" >"$T/check.out" 2>&1

# Errors name the file, line and column, like the rest of the schema.
{
    config_head
    listener_yaml bad "\"127.0.0.1:$PA\"" "127.0.0.1:$HTTP_PORT"
} >"$T/bad.yaml"
L=$(( $(wc -l <"$T/bad.yaml") + 1 ))
cat >>"$T/bad.yaml" <<'EOF'
    accept_proxy:
      versions: [v1, v3, v1]
      trusted: [10.1.2.3/8, "10.0.0.0/33", unix, "::ffff:10.0.0.0/104", 10.0.0.0/8]
      extra: 1
  - name: missing
    listen: ["127.0.0.1:1"]
    certificates: [{cert: /nonexistent.pem}]
    backend: {address: "127.0.0.1:2"}
    accept_proxy: {versions: []}
EOF
"$UNITLSD" --check-config -c "$T/bad.yaml" >"$T/bad.out" 2>&1
check_eq "--check-config refuses bad accept_proxy blocks" "$?" 1
B=$T/bad.yaml
check_grep "an unknown version, at its line and column" \
    "^$B:$((L + 1)):22: accept_proxy.versions: unknown value 'v3'; expected one of: v1, v2\$" "$T/bad.out"
check_grep "a version listed twice" \
    "^$B:$((L + 1)):26: accept_proxy.versions: 'v1' is listed twice" "$T/bad.out"
check_grep "bits past the prefix, naming the range meant" \
    "^$B:$((L + 2)):17: accept_proxy.trusted: '10.1.2.3/8': bits past the /8 prefix are set (the range is 10.0.0.0/8)" "$T/bad.out"
check_grep "a prefix length out of range" \
    "^$B:$((L + 2)):29: accept_proxy.trusted: '10.0.0.0/33': prefix length '33' is not a number from 0 to 32" "$T/bad.out"
check_grep "the same range twice (after an IPv4-mapped form of it)" \
    "^$B:$((L + 2)):73: accept_proxy.trusted: '10.0.0.0/8' is listed twice (as 10.0.0.0/8)" "$T/bad.out"
check_grep "an unknown key" \
    "^$B:$((L + 3)):7: accept_proxy: unknown key 'extra'; expected one of: versions, trusted\$" "$T/bad.out"
check_grep "trusted is required" \
    "^$B:$((L + 8)):19: accept_proxy: key 'trusted' is missing; it is required\$" "$T/bad.out"
check_grep "an empty list of versions" \
    "^$B:$((L + 8)):30: accept_proxy.versions: the list is empty" "$T/bad.out"
start_unitlsd "$T/unitlsd.yaml" "$PA" "$PE" "$PU" "$PV" "$PP" || finish
# start_unitlsd's probes connected and closed (refused: untrusted, or peer_closed): the
# metrics below count from here.
wait_until 10 lines_at_least "proxy: .*reason=untrusted" "$UNITLSD_LOG" 1
curl -s "http://127.0.0.1:$PS/metrics" >"$T/metrics0.txt"

# The Python client, pp PORT HEADER_HEX whole|bytewise tls|raw REQUEST [UNTIL]: sends a PROXY
# header (whole or one byte at a time), then either TLS with REQUEST ("tls": prints what came
# back, up to EOF or UNTIL) or nothing more ("raw": waits for the close). The server name is
# localhost, the test CA trusted; its local port goes to pp.err.
cat >"$T/pp.py" <<'EOF'
import socket, ssl, sys, time
cafile, port, header_hex, how, mode, request = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
until = sys.argv[7].encode() if len(sys.argv) > 7 else None
header = bytes.fromhex(header_hex)
s = socket.create_connection(("127.0.0.1", port), timeout=10)
print("local_port=%d" % s.getsockname()[1], file=sys.stderr, flush=True)
if how == "bytewise":
    for b in header:
        s.sendall(bytes([b]))
        time.sleep(0.01)
else:
    s.sendall(header)
got = b""
try:
    if mode == "tls":
        ctx = ssl.create_default_context(cafile=cafile)
        t = ctx.wrap_socket(s, server_hostname="localhost")
        t.sendall(request.encode().replace(b"\\n", b"\n").replace(b"\\r", b"\r"))
        while True:
            chunk = t.recv(65536)
            if not chunk:
                break
            got += chunk
            if until and until in got:
                break
    else:
        while s.recv(65536):
            pass
except (OSError, ssl.SSLError) as e:
    print("error: %s" % e, file=sys.stderr)
sys.stdout.buffer.write(got)
EOF
pp() { timeout 30 python3 "$T/pp.py" "$CERTS/ca.pem" "$@" 2>>"$T/pp.err"; }
hexof() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }
curl_tls() { timeout 30 curl -sS --cacert "$CERTS/ca.pem" "$@"; }
access() { grep "access listener=$1 " "$UNITLSD_LOG"; }
SIG=0d0a0d0a000d0a515549540a

# --- curl --haproxy-protocol: a v1 header naming curl's own address --------------------------
curl_tls --haproxy-protocol -w 'local_port=%{local_port}\n' "https://localhost:$PA/" \
    >"$T/curl1.out" 2>"$T/curl1.err"
check_eq "curl --haproxy-protocol through a v1+v2 listener gets the backend's page" \
    "$(head -n 1 "$T/curl1.out")" "hello from the unitls test backend"
cport=$(sed -n 's/^local_port=//p' "$T/curl1.out")
wait_until 10 lines_at_least "access listener=proxied client=127.0.0.1:$cport " "$UNITLSD_LOG" 1
check_grep "the access line shows the client curl's header named, via the balancer (itself)" \
    "access listener=proxied client=127.0.0.1:$cport .*end=\"clean\" via=127.0.0.1:$cport\$" "$UNITLSD_LOG"

# --- Python: headers naming other addresses --------------------------------------------------
v1=$(hexof "PROXY TCP4 203.0.113.7 198.51.100.1 4242 443
" | sed 's/0a$/0d0a/')
out=$(pp "$PE" "$v1" whole tls 'hello\n' 'hello')
check_eq "v1 naming 203.0.113.7:4242: the backend's header names that client and its destination" \
    "$(printf '%s' "$out" | head -n 1 | tr -d '\r')" "PROXY TCP4 203.0.113.7 198.51.100.1 4242 443"
wait_until 10 lines_at_least "access listener=echo client=203.0.113.7:4242 " "$UNITLSD_LOG" 1
check_grep "v1: the access line shows client=203.0.113.7:4242 via=127.0.0.1" \
    "access listener=echo client=203.0.113.7:4242 .* via=127\\.0\\.0\\.1:[0-9]*\$" "$UNITLSD_LOG"

out=$(pp "$PE" "$v1" bytewise tls 'hello\n' 'hello')
check_eq "v1 sent one byte at a time is read whole" \
    "$(printf '%s' "$out" | head -n 1 | tr -d '\r')" "PROXY TCP4 203.0.113.7 198.51.100.1 4242 443"

# v2 PROXY, TCP over IPv6: 2001:db8::7 port 5555 to 2001:db8::1 port 443, then a NOOP TLV (4
# bytes) and an AUTHORITY TLV ("example.org"), skipped.
addrs=20010db8000000000000000000000007""20010db8000000000000000000000001""15b301bb
tlvs=0400010004000b$(hexof example.org)
len=$(printf '%04x' $(( (${#addrs} + ${#tlvs}) / 2 )))
v2="${SIG}2121${len}${addrs}${tlvs}"
out=$(pp "$PE" "$v2" whole tls 'hello\n' 'hello')
check_eq "v2 over IPv6 with TLVs: the backend's header names 2001:db8::7 port 5555" \
    "$(printf '%s' "$out" | head -n 1 | tr -d '\r')" "PROXY TCP6 2001:db8::7 2001:db8::1 5555 443"
check_grep "v2: the access line shows client=[2001:db8::7]:5555" \
    "access listener=echo client=\\[2001:db8::7\\]:5555 " "$UNITLSD_LOG"
out=$(pp "$PE" "$v2" bytewise tls 'hello\n' 'hello')
check_eq "v2 sent one byte at a time is read whole" \
    "$(printf '%s' "$out" | head -n 1 | tr -d '\r')" "PROXY TCP6 2001:db8::7 2001:db8::1 5555 443"

# v2 LOCAL (what a balancer's health check sends): served as the balancer itself.
: >"$T/pp.err"
out=$(pp "$PE" "${SIG}20000000" whole tls 'hello\n' 'hello')
lport=$(sed -n 's/^local_port=//p' "$T/pp.err" | head -n 1)
check_eq "v2 LOCAL: served, the backend's header names the balancer's own address" \
    "$(printf '%s' "$out" | head -n 1 | tr -d '\r')" "PROXY TCP4 127.0.0.1 127.0.0.1 $lport $PE"
wait_until 10 lines_at_least "access listener=echo client=127.0.0.1:$lport " "$UNITLSD_LOG" 1
check_grep "v2 LOCAL: the access line shows the balancer as the client, no via=" \
    "access listener=echo client=127.0.0.1:$lport .*end=\"[^\"]*\"\$" "$UNITLSD_LOG"
pp "$PV" "${SIG}20000000" whole tls 'GET / HTTP/1.0\r\n\r\n' >"$T/local.out"
check_grep "v2 LOCAL on the v2-only listener reaches the HTTP backend" "hello from the unitls" \
    "$T/local.out"

# --- HAProxy in mode tcp, send-proxy-v2, with health checks ---------------------------------
if command -v haproxy >/dev/null 2>&1; then
    cat >"$T/haproxy.cfg" <<EOF
global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:$PH
    default_backend be
backend be
    server u1 127.0.0.1:$PA send-proxy-v2 check inter 300ms
EOF
    haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.out" 2>&1 &
    HAPROXY_PID=$!
    track_pid "$HAPROXY_PID"
    refused0=$(count_lines "listener proxied: proxy: " "$UNITLSD_LOG")
    if wait_until 20 port_open "$PH"; then
        curl_tls -w 'local_port=%{local_port}\n' --resolve "localhost:$PH:127.0.0.1" \
            "https://localhost:$PH/" >"$T/curl2.out" 2>"$T/curl2.err"
        check_eq "curl through HAProxy (send-proxy-v2) gets the backend's page" \
            "$(head -n 1 "$T/curl2.out")" "hello from the unitls test backend"
        cport=$(sed -n 's/^local_port=//p' "$T/curl2.out")
        wait_until 10 lines_at_least "access listener=proxied client=127.0.0.1:$cport " "$UNITLSD_LOG" 1
        check_grep "HAProxy: the access line shows curl's own address, HAProxy's as via=" \
            "access listener=proxied client=127.0.0.1:$cport .*end=\"clean\" via=127.0.0.1:[0-9]*\$" "$UNITLSD_LOG"
        check_no_grep "HAProxy: the access line's via= is not curl's port" \
            "access listener=proxied client=127.0.0.1:$cport .* via=127.0.0.1:$cport\$" "$UNITLSD_LOG"
        checks0=$(count_lines "access listener=proxied client=127.0.0.1:[0-9]* .*reason=peer_closed\$" "$UNITLSD_LOG")
        check "HAProxy's health checks (v2 LOCAL, then close) reach the handshake" \
            wait_until 10 lines_at_least "access listener=proxied client=127.0.0.1:[0-9]* .*reason=peer_closed\$" \
            "$UNITLSD_LOG" $((checks0 + 2))
        check_eq "HAProxy's health checks are not refused" \
            "$(count_lines "listener proxied: proxy: " "$UNITLSD_LOG")" "$refused0"
        stop_pid "$HAPROXY_PID" 10
    else
        fail "haproxy starts on 127.0.0.1:$PH" "$(tail -n 5 "$T/haproxy.out" | tr '\n' ' ')"
    fi
else
    skip_check "HAProxy in front" "haproxy is not installed"
fi

check_eq "a listener without accept_proxy serves clients that send no header" \
    "$(curl_tls "https://localhost:$PP/" 2>&1)" "hello from the unitls test backend"

# --- refused -------------------------------------------------------------------------------
curl_tls --haproxy-protocol "https://localhost:$PU/" >/dev/null 2>&1
check "an untrusted source is refused" test "$?" -ne 0
wait_until 10 sh -c "grep -q 'listener untrusted: proxy: ' '$UNITLSD_LOG'"
check_grep "untrusted: logged with the peer and the reason" \
    "listener untrusted: proxy: 127.0.0.1:[0-9]*: untrusted source: not in accept_proxy.trusted (reason=untrusted)" "$UNITLSD_LOG"
check_grep "untrusted: its access line says why" \
    "access listener=untrusted client=127.0.0.1:[0-9]* .*end=\"proxy refused: untrusted source" "$UNITLSD_LOG"

curl_tls "https://localhost:$PA/" >/dev/null 2>&1
check "a trusted source without a header is refused" test "$?" -ne 0
wait_until 10 sh -c "grep -q 'no PROXY header' '$UNITLSD_LOG'"
check_grep "no header: logged with the peer and what came instead" \
    "listener proxied: proxy: 127.0.0.1:[0-9]*: no PROXY header (got a TLS ClientHello) (reason=no_header)" "$UNITLSD_LOG"

curl_tls --haproxy-protocol "https://localhost:$PV/" >/dev/null 2>&1
check "a v1 header on a v2-only listener is refused" test "$?" -ne 0
wait_until 10 sh -c "grep -q 'listener v2only: proxy: ' '$UNITLSD_LOG'"
check_grep "version: logged with the reason" \
    "listener v2only: proxy: 127.0.0.1:[0-9]*: a PROXY v1 header; this listener takes only v2 (reason=version_refused)" "$UNITLSD_LOG"

pp "$PA" "$(hexof 'PROXY TCP4 1.2.3 4.5.6.7 1 2')0d0a" whole raw x >/dev/null
wait_until 10 sh -c "grep -q 'reason=malformed' '$UNITLSD_LOG'"
check_grep "a malformed v1 header is refused and logged" \
    "listener proxied: proxy: 127.0.0.1:[0-9]*: PROXY v1: an address or port is not a valid IPv4 one (reason=malformed)" "$UNITLSD_LOG"

pp "$PV" "${SIG}21" whole raw x >/dev/null
wait_until 10 sh -c "grep -q 'reason=timeout' '$UNITLSD_LOG'"
check_grep "a header that never completes is refused at the handshake timeout" \
    "listener v2only: proxy: 127.0.0.1:[0-9]*: no whole PROXY header within 1000 ms (13 bytes) (reason=timeout)" "$UNITLSD_LOG"

# --- metrics -------------------------------------------------------------------------------
curl -s "http://127.0.0.1:$PS/metrics" >"$T/metrics1.txt"
# metric LISTENER REASON: how many refusals the checks above added
metric() {
    _n="unitlsd_proxy_rejected_total{listener=\"$1\",reason=\"$2\"}"
    echo $(( $(awk -v n="$_n" '$1 == n { print $2 }' "$T/metrics1.txt") -
             $(awk -v n="$_n" '$1 == n { print $2 }' "$T/metrics0.txt") ))
}
check_eq "metric: untrusted" "$(metric untrusted untrusted)" 1
check "metric: no_header" test "$(metric proxied no_header)" -ge 1
check_eq "metric: version_refused" "$(metric v2only version_refused)" 1
check_eq "metric: malformed" "$(metric proxied malformed)" 1
check_eq "metric: timeout" "$(metric v2only timeout)" 1
check_grep "metric: every reason of every accept_proxy listener, from 0" \
    '^unitlsd_proxy_rejected_total{listener="echo",reason="malformed"} 0$' "$T/metrics1.txt"
check_no_grep "metric: none for a listener without accept_proxy" \
    'unitlsd_proxy_rejected_total{listener="plain"' "$T/metrics1.txt"
finish
