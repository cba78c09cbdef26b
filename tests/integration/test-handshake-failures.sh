#!/bin/sh
# Failed handshakes are explained: real clients that cannot complete a handshake each get a
# "handshake failed" line and an access line ending in reason=R and the facts (the versions,
# suites, certificate names or bytes the client sent), and unitlsd_handshake_failures_total
# counts them by listener and reason. Clients: openssl s_client limited to TLS 1.0 and 1.1
# (version), to CBC suites (cipher), to a group the daemon does not use (group), with a
# certificate from an unknown CA (client_certificate); plaintext HTTP (not_tls); a silent
# client (timeout); a client that closes mid-handshake (peer_closed). A flood of 200 plaintext
# connections logs at most 10 lines a second per reason plus a "not logged" line with the rest,
# while the counter counts all 200. Facts are checked, not wording.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed for the plaintext clients"
command -v curl >/dev/null 2>&1 || skip_all "curl is needed to read /metrics"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 4)
P_MAIN=$1 P_MTLS=$2 P_FLOOD=$3 P_STATS=$4
{
    # One worker: the log limit is per worker, so the flood's line count is exact.
    config_head 1 | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$P_STATS"
    listener_yaml main "\"127.0.0.1:$P_MAIN\"" "127.0.0.1:$ECHO_PORT"
    echo "    timeouts: { handshake: 1s, idle: 300s, connect: 5s }"
    listener_yaml mtls "\"127.0.0.1:$P_MTLS\"" "127.0.0.1:$ECHO_PORT"
    echo "    client_auth: { mode: required, trust_store: $CERTS/client-ca.pem }"
    listener_yaml flood "\"127.0.0.1:$P_FLOOD\"" "127.0.0.1:$ECHO_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_MAIN" "$P_MTLS" "$P_FLOOD" || finish

# The plaintext clients: "plain PORT N" sends an HTTP request on N connections one after the
# other, "partial PORT" sends the start of a ClientHello and closes; each waits at most 5 s
# for the daemon to close.
cat >"$T/clients.py" <<'EOF'
import socket, sys
def once(port, data, wait_close):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(data)
    if wait_close:
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass
    s.close()
mode, port = sys.argv[1], int(sys.argv[2])
if mode == "plain":
    for _ in range(int(sys.argv[3])):
        once(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", True)
else:
    # A handshake record header announcing 512 bytes, then 4 of them, then close.
    once(port, bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]), False)
EOF

LOG=$UNITLSD_LOG
# access_line LISTENER REASON N: the access log has N lines of LISTENER with that reason.
access_lines() { [ "$(grep -c "access listener=$1 .*reason=$2\\( \\|\$\\)" "$LOG")" -ge "$3" ]; }
# last_access LISTENER REASON: the last such line.
last_access() { grep "access listener=$1 .*reason=$2\\( \\|\$\\)" "$LOG" | tail -n 1; }
metrics() { timeout 30 curl -sS "http://127.0.0.1:$P_STATS/metrics" >"$T/m.txt" 2>&1; }
value() { awk -v n="$1" '$1 == n { print $2 }' "$T/m.txt"; }
failures() { value "unitlsd_handshake_failures_total{listener=\"$1\",reason=\"$2\"}"; }
# has FACT_PATTERN LINE: the line holds the fact (a basic regular expression).
has() { printf '%s\n' "$2" | grep -q -- "$1"; }
check_fact() {
    if has "$2" "$3"; then pass "$1"; else fail "$1" "no '$2' in: $3"; fi
}

# start_unitlsd's probes connected to each listener and closed: peer_closed, counted too.
wait_until 10 access_lines '[a-z]*' peer_closed 3
metrics
check_eq "every reason of every listener is there from the start, at 0" \
    "$(failures main version):$(failures mtls client_certificate):$(failures flood not_tls)" 0:0:0
pc0=$(failures main peer_closed); total0=$(value unitlsd_handshake_failures_total)

# --- version ---------------------------------------------------------------------------------
sclient "$P_MAIN" -servername localhost -tls1 -cipher 'DEFAULT@SECLEVEL=0' >"$T/tls1.txt"
wait_until 10 access_lines main version 1
line=$(last_access main version)
check_fact "TLS 1.0 only: reason=version" "reason=version" "$line"
check_fact "TLS 1.0 only: the offered version is named" "offered=[^ ]*TLSv1\\.0" "$line"
check_fact "TLS 1.0 only: the allowed versions are named" "allowed=[^ ]*TLSv1\\.2" "$line"
sclient "$P_MAIN" -servername localhost -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' >"$T/tls11.txt"
wait_until 10 access_lines main version 2
line=$(last_access main version)
check_fact "TLS 1.1 only: reason=version, TLSv1.1 offered" "reason=version .*offered=[^ ]*TLSv1\\.1" "$line"
check_grep "a failed handshake has its own log line" \
    "listener main: handshake failed: client=127\\.0\\.0\\.1:[0-9]* reason=version" "$LOG"

# --- cipher ----------------------------------------------------------------------------------
sclient "$P_MAIN" -servername localhost -tls1_2 -cipher AES128-SHA >"$T/cbc.txt"
wait_until 10 access_lines main cipher 1
line=$(last_access main cipher)
check_fact "CBC suites only: reason=cipher" "reason=cipher" "$line"
check_fact "CBC suites only: the offered suite is named" \
    "offered=[^ ]*TLS_RSA_WITH_AES_128_CBC_SHA" "$line"
check_fact "CBC suites only: the allowed suites are named" "allowed=[^ ]*TLS_[A-Z0-9_]*GCM" "$line"

# --- group -----------------------------------------------------------------------------------
sclient "$P_MAIN" -servername localhost -tls1_3 -curves secp521r1 >"$T/group.txt"
wait_until 10 access_lines main group 1
line=$(last_access main group)
check_fact "only P-521 offered: reason=group" "reason=group" "$line"

# --- client certificate ----------------------------------------------------------------------
sclient "$P_MTLS" -servername localhost -cert "$CERTS/other-example.org.pem" \
    -key "$CERTS/other-example.org.key" >"$T/mtls.txt"
wait_until 10 access_lines mtls client_certificate 1
line=$(last_access mtls client_certificate)
check_fact "unknown-CA client certificate: reason=client_certificate" "reason=client_certificate" "$line"
check_fact "unknown-CA client certificate: the check is named" 'check="[^"]*"' "$line"
check_fact "unknown-CA client certificate: its subject" 'subject="[^"]*example\.org' "$line"
check_fact "unknown-CA client certificate: its issuer" 'issuer="[^"]*other CA' "$line"

# --- not TLS ---------------------------------------------------------------------------------
timeout 30 python3 "$T/clients.py" plain "$P_MAIN" 1
wait_until 10 access_lines main not_tls 1
line=$(last_access main not_tls)
check_fact "plaintext HTTP: reason=not_tls" "reason=not_tls" "$line"
check_fact "plaintext HTTP: the first bytes are shown" 'first_bytes="GET / HTTP/1\.1' "$line"

# --- timeout ---------------------------------------------------------------------------------
"$TLSCLIENT" --silent --timeout-ms 30000 "127.0.0.1:$P_MAIN" >"$T/silent.out" 2>&1
wait_until 10 access_lines main timeout 1
check_fact "a silent client: reason=timeout" "reason=timeout" "$(last_access main timeout)"

# --- peer closed -----------------------------------------------------------------------------
timeout 30 python3 "$T/clients.py" partial "$P_MAIN"
wait_until 10 access_lines main peer_closed 1
check_fact "a client that closes mid-handshake: reason=peer_closed" "reason=peer_closed" \
    "$(last_access main peer_closed)"

metrics
check_eq "metric: version failures of main" "$(failures main version)" 2
check_eq "metric: cipher, group, not_tls, timeout, peer_closed of main" \
    "$(failures main cipher):$(failures main group):$(failures main not_tls):$(failures main timeout):$(($(failures main peer_closed) - pc0))" \
    1:1:1:1:1
check_eq "metric: client_certificate failures of mtls" "$(failures mtls client_certificate)" 1
check_eq "the total without labels still counts every failure" \
    "$(($(value unitlsd_handshake_failures_total) - total0))" 8

# --- a flood ---------------------------------------------------------------------------------
started=$(date +%s)
timeout 120 python3 "$T/clients.py" plain "$P_FLOOD" 200
ended=$(date +%s)
wait_until 30 access_lines flood not_tls 200
# The "not logged" line comes with the next failure's line or within a second or two.
wait_until 10 grep -q "listener flood: [0-9]* handshake failures with reason=not_tls not logged" "$LOG"
lines=$(count_lines "listener flood: handshake failed: .*reason=not_tls" "$LOG")
suppressed=$(sed -n 's/.*listener flood: \([0-9]*\) handshake failures with reason=not_tls not logged.*/\1/p' "$LOG" |
    awk '{ n += $1 } END { print n + 0 }')
seconds=$((ended - started + 1))
note "flood: $lines lines, $suppressed not logged, in about $seconds s"
if [ "$lines" -ge 10 ] && [ "$lines" -le $((10 * (seconds + 1))) ]; then
    pass "flood: at most 10 lines a second ($lines in about $seconds s)"
else
    fail "flood: at most 10 lines a second" "$lines lines in about $seconds s"
fi
check "flood: a line says how many were not logged" [ "$suppressed" -gt 0 ]
check_eq "flood: lines logged plus those not logged make 200" "$((lines + suppressed))" 200
metrics
check_eq "flood: the counter counts all 200" "$(failures flood not_tls)" 200
check_eq "flood: every access line is there" "$(count_lines "access listener=flood .*reason=not_tls" "$LOG")" 200

# The daemon still serves.
check "a good client still gets through" tls --sni localhost --echo-bytes 100 "127.0.0.1:$P_MAIN"
finish
