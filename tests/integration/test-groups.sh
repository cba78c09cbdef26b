#!/bin/sh
# Key-exchange groups per listener and early data off: `openssl s_client -tls1_3 -groups P-521`
# (and ffdhe2048) is refused by a listener with the default groups (the access line says
# reason=group) and served by one listing the group; tickets allow no early data; a name unitlsd
# does not know, and a non-zero max_early_data, are configuration errors at their line:column.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P_DEF=$1 P_521=$2 P_FF=$3
B=127.0.0.1:$ECHO_PORT
{
    config_head
    listener_yaml default "\"127.0.0.1:$P_DEF\"" "$B"
    echo "    max_early_data: 0"
    listener_yaml p521 "\"127.0.0.1:$P_521\"" "$B"
    echo "    groups: [P-521]"
    listener_yaml ffdhe "\"127.0.0.1:$P_FF\"" "$B"
    echo "    groups: [X25519, FFDHE2048]"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_DEF" "$P_521" "$P_FF" || finish

# group PORT GROUPS: the group s_client negotiated over TLS 1.3 offering only GROUPS, or
# "failed".
group() {
    sclient "$1" -servername localhost -tls1_3 -groups "$2" >"$T/g.txt"
    if grep -q '^New, TLSv1.3' "$T/g.txt"; then
        sed -n 's/^\(Server \)\{0,1\}[Tt]emp [Kk]ey: \([^,]*\).*$/\2/p' "$T/g.txt" | head -n 1
    else
        echo failed
    fi
}
access_group() { grep -q "access listener=$1 .*reason=group" "$UNITLSD_LOG"; }

check_eq "default groups: a P-521-only client is refused" "$(group "$P_DEF" P-521)" failed
if wait_until 10 access_group default; then
    pass "default groups: the access line says reason=group"
else
    fail "default groups: the access line says reason=group" \
        "$(grep access "$UNITLSD_LOG" | tail -n 2)"
fi
check_eq "default groups: an X25519 client is served" "$(group "$P_DEF" X25519)" X25519
group "$P_521" P-521 >"$T/g.out"
check_eq "groups [P-521]: a P-521 client is served" "$(cat "$T/g.out")" ECDH
check_grep "groups [P-521]: P-521 was negotiated" "P-521\\|secp521r1\\|521 bits" "$T/g.txt"
check_eq "groups [P-521]: an X25519-only client is refused" "$(group "$P_521" X25519)" failed
check_eq "default groups: an ffdhe2048-only client is refused" "$(group "$P_DEF" ffdhe2048)" failed
group "$P_FF" ffdhe2048 >"$T/g.out"
check_eq "groups [X25519, FFDHE2048]: an ffdhe2048 client is served" "$(cat "$T/g.out")" DH
check_grep "groups [X25519, FFDHE2048]: ffdhe2048 was negotiated" "ffdhe2048\\|2048 bits" "$T/g.txt"

# Early data is off: the tickets a listener issues allow no early data, and a client that
# tries 0-RTT with one anyway does not get it accepted. stdin stays open until the echo of a
# line is back (the ticket comes before it).
rm -f "$T/s.sess"
{ echo ping; wait_until 30 grep -q ping "$T/gs.out"; } |
    timeout 60 "$OPENSSL" s_client -connect "127.0.0.1:$P_DEF" -servername localhost \
        -CAfile "$CERTS/ca.pem" -no_ign_eof -sess_out "$T/s.sess" >"$T/gs.out" 2>&1
if [ -s "$T/s.sess" ]; then
    timeout 30 "$OPENSSL" sess_id -in "$T/s.sess" -noout -text >"$T/sess.txt" 2>&1
    check_grep "early data: the ticket allows none (Max Early Data: 0)" \
        "Max Early Data: 0$" "$T/sess.txt"
    echo early >"$T/early.txt"
    sclient "$P_DEF" -servername localhost -sess_in "$T/s.sess" -early_data "$T/early.txt" \
        >"$T/early.out"
    check_no_grep "early data: 0-RTT is not accepted" "Early data was accepted" "$T/early.out"
else
    fail "early data: a TLS 1.3 session to try it with" "$(tail -n 3 "$T/gs.out")"
fi

# The configuration errors, with --check-config.
{
    config_head
    listener_yaml bad "\"127.0.0.1:$P_DEF\"" "$B"
    echo "    groups: [x25519, brainpoolP256r1]"
    echo "    max_early_data: 1024"
} >"$T/bad.yaml"
if "$UNITLSD" --check-config -c "$T/bad.yaml" >"$T/bad.out" 2>&1; then
    fail "unknown group and max_early_data 1024: --check-config fails"
else
    pass "unknown group and max_early_data 1024: --check-config fails"
fi
check_grep "unknown group: at line:column, listing the known names" \
    "bad.yaml:[0-9]*:22: .*groups: unknown group 'brainpoolP256r1'; expected one of x25519" \
    "$T/bad.out"
check_grep "max_early_data 1024: 0-RTT is off" \
    "bad.yaml:[0-9]*:21: .*max_early_data: 1024; early data (0-RTT) is off in unitlsd" "$T/bad.out"

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
