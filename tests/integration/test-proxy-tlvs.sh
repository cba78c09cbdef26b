#!/bin/sh
# backend.tlvs: the PROXY v2 header unitlsd sends its backend carries what the handshake
# settled: PP2_TYPE_ALPN (the negotiated protocol), PP2_TYPE_AUTHORITY (the SNI name) and
# PP2_TYPE_SSL in HAProxy's layout (client flags, verify, then the version, the client
# certificate's CN and the cipher as sub-TLVs). The echo backend sends the header back, so a
# Python client sees what the backend saw and parses it: with a client certificate (CN=client,
# CERT_CONN and CERT_SESS, verify 0), without one (SSL only, verify 1, no CN), and on a resumed
# session (CERT_SESS alone). HAProxy, an independent parser, takes the header on an
# accept-proxy bind and names the authority it read. tlvs without proxy_protocol v2 is refused.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 4)
PT=$1 PO=$2 PH=$3 PHB=$4
{
    config_head
    # tlvs: all three, optional client certificates, two protocols to negotiate
    listener_yaml tlvs "\"127.0.0.1:$PT\"" "127.0.0.1:$ECHO_PORT"
    echo "      proxy_protocol: v2"
    echo "      tlvs: [alpn, authority, ssl]"
    echo "    protocols: [h2, http/1.1]"
    echo "    client_auth: { mode: optional, trust_store: $CERTS/client-ca.pem }"
    # authority: one TLV only, given in an entry of a backends list
    echo "  - name: authority"
    echo "    listen: [\"127.0.0.1:$PO\"]"
    echo "    certificates: [{cert: $CERTS/localhost.pem, key: $CERTS/localhost.key}]"
    echo "    backends:"
    echo "      - { address: \"127.0.0.1:$ECHO_PORT\", proxy_protocol: v2, tlvs: [authority] }"
    # haproxy: HAProxy reads the header unitlsd sends
    listener_yaml haproxy "\"127.0.0.1:$PH\"" "127.0.0.1:$PHB"
    echo "      proxy_protocol: v2"
    echo "      tlvs: [alpn, authority, ssl]"
} >"$T/unitlsd.yaml"

# A listener's tlvs need a v2 header; errors name the line and column.
{
    config_head
    listener_yaml bad "\"127.0.0.1:$PT\"" "127.0.0.1:$ECHO_PORT"
    echo "      proxy_protocol: v1"
    echo "      tlvs: [alpn, ssl, alpn]"
    listener_yaml bad2 "\"127.0.0.1:$PO\"" "127.0.0.1:$ECHO_PORT"
    echo "      tlvs: [crc32c]"
    echo "  - name: bad3"
    echo "    listen: [\"127.0.0.1:$PH\"]"
    echo "    certificates: [{cert: $CERTS/localhost.pem, key: $CERTS/localhost.key}]"
    echo "    backends:"
    echo "      - { address: \"127.0.0.1:$ECHO_PORT\", tlvs: [ssl] }"
    echo "      - { address: \"127.0.0.1\" }"
} >"$T/bad.yaml"
"$UNITLSD" --check-config -c "$T/bad.yaml" >"$T/bad.out" 2>&1
check_eq "--check-config refuses bad tlvs" "$?" 1
check_grep "tlvs with proxy_protocol v1, at the backend block" \
    "bad.yaml:[0-9]*:[0-9]*: backend.tlvs: TLVs are sent in a PROXY version 2 header; expected proxy_protocol: v2 beside them" "$T/bad.out"
check_grep "a TLV listed twice" "backend.tlvs: 'alpn' is listed twice" "$T/bad.out"
check_grep "in a backends entry, the message names backends.tlvs" \
    "bad.yaml:[0-9]*:[0-9]*: backends.tlvs: TLVs are sent in a PROXY version 2 header" "$T/bad.out"
check_grep "and backends.address" "bad.yaml:[0-9]*:[0-9]*: backends.address: '127.0.0.1': no port" "$T/bad.out"
check_grep "an unknown TLV, naming those there are" \
    "backend.tlvs: unknown value 'crc32c'; expected one of: alpn, authority, ssl" "$T/bad.out"

start_unitlsd "$T/unitlsd.yaml" "$PT" "$PO" "$PH" || finish

# tlvs.py PORT SNI ALPN CERT|- [resume]: connects (twice with "resume", the second on the first
# session), sends "ping", reads the echoed header and prints what its TLVs say, one key=value
# per line (for the last connection; "resumed=1" when it resumed).
cat >"$T/tlvs.py" <<'EOF'
import socket, ssl, struct, sys
certs, port, sni, alpn, cert = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
rounds = 2 if len(sys.argv) > 6 and sys.argv[6] == "resume" else 1
ctx = ssl.create_default_context(cafile=certs + "/ca.pem")
ctx.set_alpn_protocols([alpn])
if cert != "-":
    ctx.load_cert_chain(certs + "/" + cert + ".pem", certs + "/" + cert + ".key")
session = None
for r in range(rounds):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        t = ctx.wrap_socket(s, server_hostname=sni, session=session)
        t.sendall(b"ping")
        got = b""
        while len(got) < 16 or len(got) < 16 + struct.unpack(">H", got[14:16])[0] + 4:
            chunk = t.recv(65536)
            if not chunk:
                break
            got += chunk
        session = t.session
        resumed = t.session_reused
        t.close()
length = struct.unpack(">H", got[14:16])[0]
body, rest = got[16:16 + length], got[16 + length:]
out = ["signature=%s" % (got[:12] == b"\r\n\r\n\0\r\nQUIT\n"), "rest=%s" % rest.decode(),
       "resumed=%d" % resumed]
tlvs = body[12:]  # after the IPv4 addresses and ports
def walk(data, prefix):
    i = 0
    while i + 3 <= len(data):
        kind, n = data[i], struct.unpack(">H", data[i + 1:i + 3])[0]
        value = data[i + 3:i + 3 + n]
        if len(value) != n:
            out.append("%struncated=%d" % (prefix, kind))
            return
        if kind == 0x20:
            out.append("ssl_client=%d" % value[0])
            out.append("ssl_verify=%d" % struct.unpack(">I", value[1:5])[0])
            walk(value[5:], "ssl_")
        else:
            name = {0x01: "alpn", 0x02: "authority", 0x21: "version", 0x22: "cn", 0x23: "cipher"}
            out.append("%s%s=%s" % (prefix, name.get(kind, "type%d" % kind), value.decode()))
        i += 3 + n
    if i != len(data):
        out.append("%strailing=%d" % (prefix, len(data) - i))
walk(tlvs, "")
print("\n".join(out))
EOF
tlvs() { timeout 30 python3 "$T/tlvs.py" "$CERTS" "$@" 2>>"$T/tlvs.err"; }

tlvs "$PT" localhost h2 client >"$T/cert.out"
check_grep "the header came first, then the client's bytes" "^rest=ping\$" "$T/cert.out"
check_grep "ALPN: the protocol negotiated" "^alpn=h2\$" "$T/cert.out"
check_grep "AUTHORITY: the SNI name" "^authority=localhost\$" "$T/cert.out"
check_grep "SSL: client flags SSL, CERT_CONN, CERT_SESS" "^ssl_client=7\$" "$T/cert.out"
check_grep "SSL: verify 0 for the verified certificate" "^ssl_verify=0\$" "$T/cert.out"
check_grep "SSL: the version" "^ssl_version=TLSv1\\.[23]\$" "$T/cert.out"
check_grep "SSL: the client certificate's CN" "^ssl_cn=client\$" "$T/cert.out"
check_grep "SSL: the cipher by its IANA name" "^ssl_cipher=TLS_[A-Z0-9_]*\$" "$T/cert.out"
check_no_grep "every TLV length adds up" "truncated\|trailing" "$T/cert.out"

tlvs "$PT" localhost http/1.1 - >"$T/nocert.out"
check_grep "no certificate: SSL only" "^ssl_client=1\$" "$T/nocert.out"
check_grep "no certificate: verify is not 0" "^ssl_verify=1\$" "$T/nocert.out"
check_no_grep "no certificate: no CN" "^ssl_cn=" "$T/nocert.out"
check_grep "the other protocol" "^alpn=http/1.1\$" "$T/nocert.out"

tlvs "$PT" localhost h2 client resume >"$T/resumed.out"
check_grep "the second connection resumed" "^resumed=1\$" "$T/resumed.out"
check_grep "resumed: the session's certificate, not sent again (CERT_SESS alone)" \
    "^ssl_client=5\$" "$T/resumed.out"
check_grep "resumed: still verified, still its CN" "^ssl_cn=client\$" "$T/resumed.out"

tlvs "$PO" localhost h2 - >"$T/authority.out"
check_grep "tlvs: [authority] in a backends entry sends the name" "^authority=localhost\$" "$T/authority.out"
check_no_grep "and nothing else" "^alpn=\|^ssl_" "$T/authority.out"

# HAProxy takes the header on an accept-proxy bind and answers with what it read.
if command -v haproxy >/dev/null 2>&1; then
    cat >"$T/haproxy.cfg" <<EOF
global
    log stderr format raw local0
defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend fromunitlsd
    bind 127.0.0.1:$PHB accept-proxy
    http-request return status 200 content-type text/plain lf-string "authority=%[fc_pp_authority] src=%[src]\n"
EOF
    haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 &
    HAPROXY_PID=$!
    track_pid "$HAPROXY_PID"
    if wait_until 20 port_open "$PHB"; then
        timeout 30 curl -sS --cacert "$CERTS/ca.pem" "https://localhost:$PH/" >"$T/haproxy.out" 2>&1
        check_grep "HAProxy parsed the header and its TLVs: the authority and the client" \
            "^authority=localhost src=127\\.0\\.0\\.1\$" "$T/haproxy.out"
        stop_pid "$HAPROXY_PID" 10
    else
        fail "haproxy starts on 127.0.0.1:$PHB" "$(tail -n 5 "$T/haproxy.log" | tr '\n' ' ')"
    fi
else
    skip_check "HAProxy reads the header" "haproxy is not installed"
fi

finish
