#!/bin/sh
# SNI picks the signing chain with no callback: the exact name, a name under a wildcard (one
# label only), an exact name before a wildcard that also covers it, the first chain as the
# default for an unknown name and for a client that sends none; ECDSA or RSA chain for the same
# name according to what the client can verify. Checked with openssl s_client (the DER served
# is compared with the file), with the project's own client (hostname verification against
# the test CA) and with curl (HTTP through the demo backend).
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
start_backend WEB "$HTTP_BIN"
set -- $(free_ports 3)
P_SNI=$1 P_KEYS=$2 P_WEB=$3
{
    config_head
    listener_yaml sni "\"127.0.0.1:$P_SNI\"" "127.0.0.1:$ECHO_PORT" \
        default.test example.org wildcard.example.net www.example.net
    listener_yaml keytypes "\"127.0.0.1:$P_KEYS\"" "127.0.0.1:$ECHO_PORT" \
        example.org example.org-rsa
    listener_yaml web "\"127.0.0.1:$P_WEB\"" "127.0.0.1:$WEB_PORT" \
        default.test example.org wildcard.example.net
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_SNI" "$P_KEYS" "$P_WEB" || finish

# served PORT NAME|- EXPECTED WHAT [s_client args]: the chain served for NAME is EXPECTED's.
served() {
    _p=$1; _n=$2; _want=$3; _what=$4; shift 4
    if [ "$_n" = - ]; then _sni=-noservername; else _sni="-servername $_n"; fi
    # shellcheck disable=SC2086
    served_der "$_p" "$T/got.der" $_sni "$@"
    if same_file "$T/got.der" "$CERTS/$_want.der"; then
        pass "$_what"
    else
        fail "$_what" "served: $("$OPENSSL" x509 -inform DER -in "$T/got.der" -noout -subject 2>&1 | head -n 1)"
    fi
}

served "$P_SNI" example.org example.org "exact name example.org: its chain"
served "$P_SNI" www.example.org example.org "second SAN of a chain (www.example.org): that chain"
served "$P_SNI" foo.example.net wildcard.example.net "foo.example.net: the wildcard chain"
served "$P_SNI" www.example.net www.example.net "www.example.net: the exact chain before the wildcard"
served "$P_SNI" a.b.example.net default.test "a wildcard covers one label: a.b.example.net gets the default"
served "$P_SNI" unknown.test default.test "unknown name: the first chain (default)"
served "$P_SNI" - default.test "no SNI: the first chain (default)"
served "$P_SNI" EXAMPLE.Org example.org "names compare case-insensitively"

served "$P_KEYS" example.org example.org "ECDSA-capable client: the ECDSA chain" \
    -sigalgs ecdsa_secp256r1_sha256
served "$P_KEYS" example.org example.org-rsa "RSA-only client: the RSA chain for the same name" \
    -sigalgs rsa_pss_rsae_sha256:rsa_pkcs1_sha256

# The project's own client verifies chain and hostname against the test CA, and echoes.
for name in example.org www.example.org foo.example.net www.example.net; do
    if tls --sni "$name" --echo-bytes 4096 --peer-cert-out "$T/own.der" "127.0.0.1:$P_SNI" \
        >"$T/own.out" 2>&1; then
        pass "own client: verified handshake and echo with SNI $name"
    else
        fail "own client: verified handshake and echo with SNI $name" "$(tr '\n' ' ' <"$T/own.out")"
    fi
done
tls --sni foo.example.net --echo-bytes 10 --peer-cert-out "$T/own.der" "127.0.0.1:$P_SNI" >/dev/null 2>&1
check "own client: foo.example.net received the wildcard leaf" same_file "$T/own.der" "$CERTS/wildcard.example.net.der"
if tls --sni nothere.example.org --echo-bytes 10 "127.0.0.1:$P_SNI" >"$T/own.out" 2>&1; then
    fail "own client: a name no chain covers fails hostname verification"
else
    check_grep "own client: a name no chain covers fails hostname verification" "hostname\|CERTIFICATE" "$T/own.out"
fi

# curl, through the HTTP backend.
for name in example.org foo.example.net; do
    body=$(timeout 30 curl -sS --cacert "$CERTS/ca.pem" --resolve "$name:$P_WEB:127.0.0.1" \
        "https://$name:$P_WEB/" 2>&1)
    check_eq "curl https://$name/ verifies and gets the backend's page" "$body" \
        "hello from the unitls test backend"
done

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
