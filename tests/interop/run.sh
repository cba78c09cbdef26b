#!/bin/sh
# tests/interop/run.sh IMPL: independent TLS clients (Python's ssl, Node's tls, Java's JSSE,
# Go's crypto/tls, curl) against unitlsd on implementation IMPL, on 127.0.0.1: SNI (a wildcard
# name and an exact one over four chains), ALPN, TLS 1.2 and 1.3 each forced, resumption (each
# client connects twice; Java does not report it), and required client authentication on a
# second listener. One line per connection; run it for each implementation and diff the two.
# Not part of make check (Java, Go and Node are not build dependencies); clients that are not
# installed are skipped with a line saying so. Needs a build tree: UNITLS_BUILDDIR (default
# ./build) with tests/certs made by make check.
set -u
IMPL=${1:?usage: run.sh IMPL}
here=$(cd "$(dirname "$0")" && pwd)
B=${UNITLS_BUILDDIR:-$PWD/build}
C=$B/tests/certs
T=$(mktemp -d "${TMPDIR:-/tmp}/unitls-interop.XXXXXX")
cd "$T" || exit 1
cp "$here"/Client.java "$here"/client.js "$here"/client.py "$here"/goclient.go .
has() { command -v "$1" >/dev/null 2>&1 || { echo "(skipped $1: not installed)"; return 1; }; }
if has go; then GOCACHE=$T/gocache go build -o goclient goclient.go || exit 1; fi

set -- $("$B/tests/backends/echo" --find-ports 3 | tr '\n' ' ')
EP=$1 P=$2 PM=$3
"$B/tests/backends/echo" --listen "127.0.0.1:$EP" >/dev/null 2>&1 &
ECHO=$!
cat >u.yaml <<EOC
implementation: $IMPL
workers: 1
run_as_root: true
log: { level: warning, access: false }
listeners:
  - name: web
    listen: ["127.0.0.1:$P"]
    certificates:
      - { cert: $C/localhost.pem, key: $C/localhost.key }
      - { cert: $C/example.org.pem, key: $C/example.org.key }
      - { cert: $C/example.org-rsa.pem, key: $C/example.org-rsa.key }
      - { cert: $C/wildcard.example.net.pem, key: $C/wildcard.example.net.key }
    protocols: [h2, http/1.1]
    backend: { address: "127.0.0.1:$EP" }
  - name: mtls
    listen: ["127.0.0.1:$PM"]
    certificates: [ { cert: $C/localhost.pem, key: $C/localhost.key } ]
    client_auth: { mode: required, trust_store: $C/client-ca.pem }
    backend: { address: "127.0.0.1:$EP" }
EOC
"$B/src/daemon/unitlsd" -c u.yaml 2>u.log &
U=$!
i=0
while ! "$B/tests/backends/tlsclient" --probe --timeout-ms 500 "127.0.0.1:$P" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 100 ] && kill -0 "$U" 2>/dev/null || { cat u.log; kill "$U" "$ECHO"; exit 1; }
    sleep 0.1
done
openssl pkcs8 -topk8 -nocrypt -in "$C/client.key" -outform DER -out client.pk8 2>/dev/null
for v in 1.2 1.3; do
    if has python3; then
        python3 client.py 127.0.0.1 "$P" a.example.net "$C/ca.pem" "$v" h2 2>&1 | sed "s/^/[$v] /"
        python3 client.py 127.0.0.1 "$PM" localhost "$C/ca.pem" "$v" - "$C/client.pem" \
            "$C/client.key" 2>&1 | sed "s/^/[$v mtls] /"
    fi
    if has node; then
        node client.js 127.0.0.1 "$P" example.org "$C/ca.pem" "TLSv$v" http/1.1 2>&1 |
            sed "s/^/[$v] /"
        node client.js 127.0.0.1 "$PM" localhost "$C/ca.pem" "TLSv$v" - "$C/client.pem" \
            "$C/client.key" 2>&1 | sed "s/^/[$v mtls] /"
    fi
    if has java; then
        java Client.java 127.0.0.1 "$P" example.org "$C/ca.pem" "TLSv$v" h2 2>&1 |
            sed "s/^/[$v] /"
        java Client.java 127.0.0.1 "$PM" localhost "$C/ca.pem" "TLSv$v" - "$C/client.pem" \
            client.pk8 2>&1 | sed "s/^/[$v mtls] /"
    fi
    if [ -x ./goclient ]; then
        ./goclient "127.0.0.1:$P" example.org "$C/ca.pem" "$v" h2 2>&1 | sed "s/^/[$v] /"
        ./goclient "127.0.0.1:$PM" localhost "$C/ca.pem" "$v" - "$C/client.pem" \
            "$C/client.key" 2>&1 | sed "s/^/[$v mtls] /"
    fi
    if has curl; then
        out=$(curl -s --tlsv"$v" --tls-max "$v" --cacert "$C/ca.pem" --http1.1 -v -d x \
            --resolve "example.org:$P:127.0.0.1" -o /dev/null "https://example.org:$P/" 2>&1 |
            grep -E "SSL connection using|ALPN: server|subject:" | tr -s ' \n' ' ')
        echo "[$v] curl $out"
    fi
done
kill "$U" "$ECHO"
wait "$U" "$ECHO" 2>/dev/null
cd / && rm -rf "$T"
