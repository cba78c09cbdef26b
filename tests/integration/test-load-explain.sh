#!/bin/sh
# unitls-load explains failed handshakes by the library's reasons, with one full message each:
# against `openssl s_server -tls1` the failures are "version" and the example names TLS 1.0
# (as "below TLS 1.2, TLS 1.0 or 1.1": the server's alert does not say which),
# what this client allows and the --insecure-legacy hint; against a server that resets the
# connection after reading our ClientHello they are "peer_closed" and the example names the
# reset, the moment (right after our ClientHello) and what was offered.
. "$(dirname "$0")/lib.sh"

command -v "$OPENSSL" >/dev/null 2>&1 || skip_all "no openssl command"
command -v python3 >/dev/null 2>&1 || skip_all "no python3"
load_required

N=6
set -- $(free_ports 2)
P_TLS10=$1 P_RESET=$2

# --- a TLS 1.0-only server --------------------------------------------------------------------
"$OPENSSL" s_server -www -tls1 -cipher DEFAULT@SECLEVEL=0 -accept "127.0.0.1:$P_TLS10" \
    -cert "$CERTS/localhost.pem" -cert_chain "$CERTS/intermediate.pem" \
    -key "$CERTS/localhost.key" >"$T/s_server.out" 2>&1 </dev/null &
track_pid $!
wait_until 20 port_open "$P_TLS10" || bail "openssl s_server -tls1 listens on $P_TLS10"
LOAD_CAFILE=$CERTS/ca.pem
run_load "$T/tls10.json" --count $N --concurrency 2 "127.0.0.1:$P_TLS10"
check_eq "TLS 1.0 server: $N version failures, nothing completed" \
    "$(json_get "$T/tls10.json" errors.version) $(json_get "$T/tls10.json" completed)" "$N 0"
# The server's alert comes in a TLS 1.2 record; below TLS 1.2 it can only be TLS 1.0 or 1.1.
check_grep "the example names what the server answered" \
    '"version":"version: server answered a version below TLS 1.2, TLS 1.0 or 1.1' "$T/tls10.json"
check_grep "the example names what this client allows" 'this client allows TLSv1.2-TLSv1.3' \
    "$T/tls10.json"
check_grep "the example points at --insecure-legacy" 'for a legacy server see --insecure-legacy' \
    "$T/tls10.json"

# --- a server that resets after reading the ClientHello ---------------------------------------
# Serves at most N+4 connections (the readiness probe takes some) and at most 60 s.
cat >"$T/reset.py" <<'EOF'
import socket, struct, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
s.settimeout(1.0)
end = time.time() + 60
served = 0
while served < int(sys.argv[2]) and time.time() < end:
    try:
        c, _ = s.accept()
    except socket.timeout:
        continue
    c.settimeout(5.0)
    try:
        c.recv(16384)
    except OSError:
        pass
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    served += 1
EOF
python3 "$T/reset.py" "$P_RESET" $((N + 4)) >"$T/reset.out" 2>&1 &
track_pid $!
wait_until 20 port_open "$P_RESET" ||
    bail "the resetting server listens on $P_RESET"
run_load "$T/reset.json" --count $N --concurrency 1 "127.0.0.1:$P_RESET"
check_eq "resetting server: $N peer_closed failures, nothing completed" \
    "$(json_get "$T/reset.json" errors.peer_closed) $(json_get "$T/reset.json" completed)" "$N 0"
check_grep "the example says when" \
    '"peer_closed":"peer_closed: the server closed the connection right after our ClientHello' \
    "$T/reset.json"
check_grep "the example names the reset" 'reset by peer' "$T/reset.json"
check_grep "the example names what was offered" 'offered TLSv1.2-TLSv1.3, TLS_AES' "$T/reset.json"
cat "$T"/*.json.err >"$T/load.stderr" 2>/dev/null
check_no_grep "no sanitizer report from unitls-load" 'Sanitizer\|runtime error:' "$T/load.stderr"
finish
