#!/bin/sh
# Proves that examples/asyncio_echo.py, an asyncio TLS echo client over unitls's TLSBuffer
# (create_buffer), works with implementation UNITLS_TEST_IMPL: it completes a verified
# handshake with gnutls-serv --echo on 127.0.0.1, gets each line back unchanged and ends with a
# close_notify exchange. The server is stopped by its PID; every wait is bounded.
set -u
. "$(dirname "$0")/env.sh"
GNUTLS_SERV=${GNUTLS_SERV:-gnutls-serv}
command -v "$GNUTLS_SERV" >/dev/null 2>&1 || {
    echo "ERROR: $GNUTLS_SERV is not installed (Debian: gnutls-bin)"; exit 99; }

work=$(mktemp -d) || exit 99
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port=$("$PYTHON" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') || exit 99
# gnutls-serv has no option to bind one address; the client connects to 127.0.0.1 only.
"$GNUTLS_SERV" --echo -q -p "$port" --x509certfile "$UNITLS_TEST_CERTS/localhost.pem" \
    --x509keyfile "$UNITLS_TEST_CERTS/localhost.key" </dev/null >"$work/server.log" 2>&1 &
server_pid=$!
"$PYTHON" - "$port" "$server_pid" <<'PY' || exit 99
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
deadline = time.monotonic() + 10
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("gnutls-serv exited")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(f"gnutls-serv did not listen on 127.0.0.1:{port} in 10 s")
PY

fail=0
command -v timeout >/dev/null 2>&1 && run_timeout="timeout 90" || run_timeout=
$run_timeout "$PYTHON" "$UNITLS_SRCDIR/examples/asyncio_echo.py" \
    --implementation "$UNITLS_TEST_IMPL" --cafile "$UNITLS_TEST_CERTS/ca.pem" \
    --server-name localhost 127.0.0.1 "$port" "hello over TLS" "a second line" \
    >"$work/out" 2>"$work/err"
status=$?
cat "$work/err"
printf 'hello over TLS\na second line\n' >"$work/expected"
if [ "$status" -ne 0 ]; then
    echo "FAIL: asyncio_echo.py exited $status"; fail=1
elif ! cmp -s "$work/expected" "$work/out"; then
    echo "FAIL: the echoed lines differ:"; diff "$work/expected" "$work/out"; fail=1
else
    echo "ok: both lines came back over $UNITLS_TEST_IMPL"
fi
if grep -q "did not answer close_notify" "$work/err"; then
    echo "FAIL: no close_notify exchange"; fail=1
else
    echo "ok: close_notify exchanged"
fi
# A wrong trust store must fail the handshake: the example verifies, it does not just connect.
$run_timeout "$PYTHON" "$UNITLS_SRCDIR/examples/asyncio_echo.py" \
    --implementation "$UNITLS_TEST_IMPL" --cafile "$UNITLS_TEST_CERTS/client-ca.pem" \
    --server-name localhost 127.0.0.1 "$port" "never sent" >"$work/out2" 2>"$work/err2"
status=$?
if [ "$status" -ne 0 ] && grep -q "TLSError" "$work/err2"; then
    echo "ok: an untrusted server is refused: $(tail -n 1 "$work/err2")"
else
    echo "FAIL: an untrusted server was not refused (status $status)"; cat "$work/err2"; fail=1
fi
exit "$fail"
