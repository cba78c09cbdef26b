#!/bin/sh
# Mutual TLS (client_auth). required: a client without a certificate, or with one from a CA the
# trust store does not hold, gets no data through; a client with a certificate from the client
# CA does. optional: no certificate is fine, a certificate is verified when sent. none: no
# certificate is requested. Clients: openssl s_client with -cert/-key.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P_REQ=$1 P_OPT=$2 P_NONE=$3
{
    config_head
    listener_yaml required "\"127.0.0.1:$P_REQ\"" "127.0.0.1:$ECHO_PORT"
    echo "    client_auth: { mode: required, trust_store: $CERTS/client-ca.pem }"
    listener_yaml optional "\"127.0.0.1:$P_OPT\"" "127.0.0.1:$ECHO_PORT"
    echo "    client_auth: { mode: optional, trust_store: $CERTS/client-ca.pem }"
    listener_yaml none "\"127.0.0.1:$P_NONE\"" "127.0.0.1:$ECHO_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_REQ" "$P_OPT" "$P_NONE" || finish

# echoed PORT [s_client args]: "yes" when a line sent through comes back, else "no". stdin
# stays open until the echo is there, s_client has ended, or 10 s have passed. The echo may
# be anywhere in a line: s_client writes the data it receives straight to stdout, but prints
# a session ticket that came in the same read through stdio's buffer, so the two interleave.
echo_or_end() { grep -q 'mtls-line' "$T/mtls.out" || [ -e "$T/mtls.end" ]; }
echoed() {
    _p=$1; shift
    rm -f "$T/mtls.end"; : >"$T/mtls.out"
    { echo "mtls-line"; wait_until 10 echo_or_end; } |
        { timeout 60 "$OPENSSL" s_client -connect "127.0.0.1:$_p" -servername localhost \
            -CAfile "$CERTS/ca.pem" -no_ign_eof "$@" >"$T/mtls.out" 2>&1; touch "$T/mtls.end"; }
    if grep -q 'mtls-line' "$T/mtls.out"; then echo yes; else echo no; fi
}
CLIENT="-cert $CERTS/client.pem -key $CERTS/client.key"
STRANGER="-cert $CERTS/other-example.org.pem -key $CERTS/other-example.org.key"

# shellcheck disable=SC2086
{
check_eq "required: a client certificate from the client CA gets through" "$(echoed "$P_REQ" $CLIENT)" yes
check_eq "required: no client certificate, nothing gets through" "$(echoed "$P_REQ")" no
check_eq "required: a certificate from an unknown CA, nothing gets through" "$(echoed "$P_REQ" $STRANGER)" no
check_eq "optional: no client certificate is fine" "$(echoed "$P_OPT")" yes
check_eq "optional: a certificate from the client CA is fine" "$(echoed "$P_OPT" $CLIENT)" yes
check_eq "optional: a certificate from an unknown CA is refused" "$(echoed "$P_OPT" $STRANGER)" no
check_eq "none: no client certificate needed" "$(echoed "$P_NONE")" yes
}
sclient "$P_NONE" -servername localhost >"$T/none.txt"
check_no_grep "none: no certificate is requested" '^Acceptable client certificate CA names' "$T/none.txt"
sclient "$P_REQ" -servername localhost >"$T/req.txt"
check_grep "required: the request names the client CA" 'CN *= *[^,]*' "$T/req.txt"
check_grep "the refusals are logged as TLS errors" 'access listener=required .*end="tls error' "$UNITLSD_LOG"
finish
