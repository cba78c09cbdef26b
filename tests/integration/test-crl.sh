#!/bin/sh
# CRLs for client authentication (client_auth.crl). With client-ca's CRL (PEM on one listener,
# DER on another), openssl s_client with the revoked client certificate gets nothing through
# and reads the certificate_revoked alert, and the access line says reason=client_certificate
# with check=revoked, while the good client certificate is served. Replacing the CRL file with
# an empty CRL and sending SIGHUP lets the formerly revoked client in, and a connection of the
# good client opened before the reload still echoes after it.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 2)
P_PEM=$1 P_DER=$2
cp "$CERTS/client-ca.crl.pem" "$T/crl.pem"
{
    config_head
    listener_yaml pem "\"127.0.0.1:$P_PEM\"" "127.0.0.1:$ECHO_PORT"
    echo "    client_auth: { mode: required, trust_store: $CERTS/client-ca.pem, crl: $T/crl.pem }"
    listener_yaml der "\"127.0.0.1:$P_DER\"" "127.0.0.1:$ECHO_PORT"
    echo "    client_auth:"
    echo "      mode: required"
    echo "      trust_store: $CERTS/client-ca.pem"
    echo "      crl: $CERTS/client-ca.crl.der"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_PEM" "$P_DER" || finish

# echoed PORT NAME [s_client args]: "yes" when a line sent through comes back, else "no"; what
# s_client printed is in $T/NAME.out. stdin stays open until the echo is there, s_client has
# ended, or 10 s have passed.
echo_or_end() { grep -q crl-line "$T/$1.out" || [ -e "$T/$1.end" ]; }
echoed() {
    _p=$1; _n=$2; shift 2
    rm -f "$T/$_n.end"; : >"$T/$_n.out"
    { echo "crl-line"; wait_until 10 echo_or_end "$_n"; } |
        { timeout 60 "$OPENSSL" s_client -connect "127.0.0.1:$_p" -servername localhost \
            -CAfile "$CERTS/ca.pem" -no_ign_eof "$@" >"$T/$_n.out" 2>&1; touch "$T/$_n.end"; }
    if grep -q 'crl-line' "$T/$_n.out"; then echo yes; else echo no; fi
}
GOOD="-cert $CERTS/client.pem -key $CERTS/client.key"
REVOKED="-cert $CERTS/client-revoked.pem -key $CERTS/client-revoked.key"
# revoked_lines LISTENER N: at least N access lines of refusals for a revoked certificate.
revoked_lines() {
    _re="access listener=$1 .*reason=client_certificate.*check=\"*revoked"
    [ "$(grep -c "$_re" "$UNITLSD_LOG")" -ge "$2" ]
}

# shellcheck disable=SC2086
{
check_eq "PEM CRL: the good client certificate gets through" "$(echoed "$P_PEM" good $GOOD)" yes
check_eq "PEM CRL: the revoked client certificate gets nothing through" "$(echoed "$P_PEM" rev-pem $REVOKED)" no
check_grep "PEM CRL: the revoked client reads certificate_revoked" 'certificate revoked' "$T/rev-pem.out"
check_eq "DER CRL: the good client certificate gets through" "$(echoed "$P_DER" good-der $GOOD)" yes
check_eq "DER CRL: the revoked client certificate gets nothing through" "$(echoed "$P_DER" rev-der $REVOKED)" no
check_grep "DER CRL: the revoked client reads certificate_revoked" 'certificate revoked' "$T/rev-der.out"
}
check "access line: reason=client_certificate check=revoked (PEM listener)" wait_until 10 revoked_lines pem 1
check "access line: reason=client_certificate check=revoked (DER listener)" wait_until 10 revoked_lines der 1

# A long-lived connection of the good client, held open across the reload through a FIFO.
mkfifo "$T/long.in"
timeout 120 "$OPENSSL" s_client -connect "127.0.0.1:$P_PEM" -servername localhost \
    -CAfile "$CERTS/ca.pem" -quiet $GOOD <"$T/long.in" >"$T/long.out" 2>&1 &
LONG=$!; track_pid "$LONG"
exec 3>"$T/long.in"
echo "before-reload" >&3
check "long-lived connection echoes before the reload" wait_until 10 grep -q before-reload "$T/long.out"

cp "$CERTS/client-ca-empty.crl.pem" "$T/crl.pem"
reloaded=no
reload_unitlsd && last_reload_line | grep -q 'reload: generation' && reloaded=yes
check_eq "SIGHUP with the empty CRL in place makes a new generation" "$reloaded" yes
# shellcheck disable=SC2086
check_eq "empty CRL after reload: the formerly revoked client gets through" "$(echoed "$P_PEM" rev-after $REVOKED)" yes
echo "after-reload" >&3
check "long-lived connection opened before the reload still echoes" wait_until 10 grep -q after-reload "$T/long.out"
exec 3>&-
wait_exit "$LONG" 30
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
