#!/bin/sh
# GnuTLS's command-line tools as peers independent of libunitls and of OpenSSL.
# gnutls-cli against unitlsd, a line through the echo backend and back each time: TLS 1.3 and
# TLS 1.2; SNI picks the chain (the subject gnutls-cli prints is the expected certificate's,
# as certtool reads it from the file, the leaf it saves is that file's, and it verifies for
# the name), the first chain for an unknown name and without SNI; ALPN in the listener's order
# of preference, none without protocols; mTLS: --x509certfile/--x509keyfile with a certificate
# from the client CA gets through a listener that requires one, none or one from another CA
# does not; --resume resumes (TLS 1.3 ticket, TLS 1.2 ticket and session ID).
# gnutls-serv as the server unitls-load loads: handshakes, resumption (TLS 1.3 and 1.2), each
# version, ALPN, a wrong CA and a wrong name (verification failures), requests (--http) and a
# payload both ways (--echo), as the tool counts them.
. "$(dirname "$0")/lib.sh"

GNUTLS_CLI=${GNUTLS_CLI:-gnutls-cli}
GNUTLS_SERV=${GNUTLS_SERV:-gnutls-serv}
command -v "$GNUTLS_CLI" >/dev/null 2>&1 || skip_all "no gnutls-cli here (Debian: gnutls-bin)"
command -v certtool >/dev/null 2>&1 || bail "certtool (gnutls-bin, with gnutls-cli) is installed"

start_backend ECHO "$ECHO_BIN"
# shellcheck disable=SC2046
set -- $(free_ports 3)
P_SNI=$1 P_PLAIN=$2 P_MTLS=$3
B=127.0.0.1:$ECHO_PORT
{
    config_head
    listener_yaml sni "\"127.0.0.1:$P_SNI\"" "$B" \
        default.test example.org wildcard.example.net www.example.net
    echo "    protocols: [h2, http/1.1]"
    listener_yaml plain "\"127.0.0.1:$P_PLAIN\"" "$B"
    listener_yaml mtls "\"127.0.0.1:$P_MTLS\"" "$B"
    echo "    client_auth: { mode: required, trust_store: $CERTS/client-ca.pem }"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_SNI" "$P_PLAIN" "$P_MTLS" || finish

TLS12=NORMAL:-VERS-ALL:+VERS-TLS1.2
TLS13=NORMAL:-VERS-ALL:+VERS-TLS1.3

# --- gnutls-cli against unitlsd ---------------------------------------------------------------

# gcli OUT PORT SNI VERIFY [gnutls-cli args]: gnutls-cli to 127.0.0.1:PORT sending SNI (none
# when "-") and verifying the certificate for the name VERIFY against the test CA; it sends a
# line, and its stdin stays open until the line is back, gnutls-cli has ended, or 10 s have
# passed. What it printed goes to OUT.
gcli_done() { grep -q '^gnutls-line' "$1" || [ -e "$1.end" ]; }
gcli() {
    _out=$1 _p=$2 _sni=$3 _verify=$4; shift 4
    if [ "$_sni" = - ]; then _sni_arg=--disable-sni; else _sni_arg=--sni-hostname=$_sni; fi
    rm -f "$_out.end"; : >"$_out"
    { echo gnutls-line; wait_until 10 gcli_done "$_out"; } |
        { timeout 60 "$GNUTLS_CLI" --x509cafile "$CERTS/ca.pem" "$_sni_arg" \
            --verify-hostname="$_verify" -p "$_p" "$@" 127.0.0.1 >"$_out" 2>&1
          touch "$_out.end"; }
}
# Read from gnutls-cli's output: the version, the ALPN protocol, whether the line came back.
version_of() { sed -n 's/^- Description: (\(TLS1\.[0-9]\)-.*/\1/p' "$1" | head -n 1; }
alpn_of() {
    _a=$(sed -n 's/^- Application protocol: //p' "$1" | head -n 1)
    echo "${_a:-none}"
}
echoed() { if grep -q '^gnutls-line' "$1"; then echo yes; else echo no; fi; }
trusted() { grep -q '^- Status: The certificate is trusted' "$1"; }

for v in 1.3 1.2; do
    [ "$v" = 1.3 ] && prio=$TLS13 || prio=$TLS12
    gcli "$T/v.out" "$P_SNI" example.org example.org --priority "$prio"
    check_eq "TLS $v: negotiated" "$(version_of "$T/v.out")" "TLS$v"
    check "TLS $v: the certificate verifies for example.org" trusted "$T/v.out"
    check_eq "TLS $v: a line goes through and comes back" "$(echoed "$T/v.out")" yes
done
gcli "$T/v.out" "$P_PLAIN" localhost localhost
check_eq "default priorities: TLS 1.3" "$(version_of "$T/v.out")" TLS1.3

# served SNI VERIFY EXPECTED WHAT [gnutls-cli args]: the chain served for SNI is EXPECTED's,
# by the subject gnutls-cli prints and by the leaf it saves, and verifies for VERIFY.
subject_of_file() { certtool -i --infile "$1" 2>/dev/null | sed -n 's/^[[:space:]]*Subject: //p' | head -n 1; }
served() {
    _sni=$1 _verify=$2 _want=$3 _what=$4; shift 4
    rm -f "$T/chain.pem" "$T/leaf.der"
    gcli "$T/sni.out" "$P_SNI" "$_sni" "$_verify" --save-cert="$T/chain.pem" "$@"
    _got=$(sed -n "s/^ - subject \`\\([^']*\\)'.*/\\1/p" "$T/sni.out" | head -n 1)
    _exp=$(subject_of_file "$CERTS/$_want.pem")
    "$OPENSSL" x509 -in "$T/chain.pem" -outform DER -out "$T/leaf.der" 2>/dev/null
    if [ -n "$_exp" ] && [ "$_got" = "$_exp" ] && same_file "$T/leaf.der" "$CERTS/$_want.der" &&
        trusted "$T/sni.out" && [ "$(echoed "$T/sni.out")" = yes ]; then
        pass "$_what"
    else
        fail "$_what" "subject '$_got', expected '$_exp'; $(grep '^- Status\|^\*\*\*' "$T/sni.out" | tr '\n' ' ')"
    fi
}
served example.org example.org example.org "SNI example.org: CN=example.org's chain"
served www.example.org www.example.org example.org "SNI www.example.org (second SAN): example.org's chain"
served foo.example.net foo.example.net wildcard.example.net "SNI foo.example.net: the wildcard chain"
served www.example.net www.example.net www.example.net "SNI www.example.net: the exact chain before the wildcard"
served unknown.test default.test default.test "SNI unknown.test: the first chain (default)"
served - default.test default.test "no SNI: the first chain (default)"
served foo.example.net foo.example.net wildcard.example.net \
    "TLS 1.2, SNI foo.example.net: the wildcard chain" --priority "$TLS12"

for v in 1.3 1.2; do
    [ "$v" = 1.3 ] && prio=$TLS13 || prio=$TLS12
    gcli "$T/alpn.out" "$P_SNI" example.org example.org --priority "$prio" --alpn=http/1.1 --alpn=h2
    check_eq "TLS $v, ALPN http/1.1,h2 offered: the listener's preference h2" "$(alpn_of "$T/alpn.out")" h2
    check_eq "TLS $v, ALPN: the line comes back" "$(echoed "$T/alpn.out")" yes
done
gcli "$T/alpn.out" "$P_SNI" example.org example.org --alpn=http/1.1
check_eq "ALPN http/1.1 offered: http/1.1" "$(alpn_of "$T/alpn.out")" http/1.1
gcli "$T/alpn.out" "$P_SNI" example.org example.org
check_eq "no ALPN offered: none negotiated" "$(alpn_of "$T/alpn.out")" none
gcli "$T/alpn.out" "$P_PLAIN" localhost localhost --alpn=h2
check_eq "listener without protocols, h2 offered: none negotiated" "$(alpn_of "$T/alpn.out")" none

CLIENT="--x509certfile=$CERTS/client.pem --x509keyfile=$CERTS/client.key"
STRANGER="--x509certfile=$CERTS/other-example.org.pem --x509keyfile=$CERTS/other-example.org.key"
# shellcheck disable=SC2086
for v in 1.3 1.2; do
    [ "$v" = 1.3 ] && prio=$TLS13 || prio=$TLS12
    gcli "$T/mtls.out" "$P_MTLS" localhost localhost --priority "$prio" $CLIENT
    check_eq "TLS $v, mTLS required: a certificate from the client CA gets through" \
        "$(echoed "$T/mtls.out")" yes
    gcli "$T/mtls.out" "$P_MTLS" localhost localhost --priority "$prio"
    check_eq "TLS $v, mTLS required: no certificate, nothing gets through" \
        "$(echoed "$T/mtls.out")" no
    gcli "$T/mtls.out" "$P_MTLS" localhost localhost --priority "$prio" $STRANGER
    check_eq "TLS $v, mTLS required: a certificate from another CA, nothing gets through" \
        "$(echoed "$T/mtls.out")" no
done
check_grep "the refusals are logged as TLS errors" 'access listener=mtls .*end="tls error' "$UNITLSD_LOG"

# resumed [gnutls-cli args]: "resumed" when --resume's second connection resumed and the line
# came back through it, else what gnutls-cli said.
resumed() {
    gcli "$T/res.out" "$P_PLAIN" localhost localhost --resume --waitresumption "$@"
    if grep -q '^\*\*\* This is a resumed session' "$T/res.out" &&
        [ "$(echoed "$T/res.out")" = yes ]; then
        echo resumed
    else
        grep '^- Description\|^\*\*\*\|^- Resume' "$T/res.out" | tr '\n' ' '
    fi
}
check_eq "--resume, TLS 1.3: the ticket resumes" "$(resumed --priority "$TLS13")" resumed
check_eq "--resume, TLS 1.2: the ticket resumes" "$(resumed --priority "$TLS12")" resumed
check_eq "--resume --noticket, TLS 1.2: the session ID resumes" \
    "$(resumed --priority "$TLS12" --noticket)" resumed
check "unitlsd still running" pid_alive "$UNITLSD_PID"

# --- unitls-load against gnutls-serv ------------------------------------------------------------
# gnutls-serv binds every address (it has no option to choose one), so it runs in a network
# namespace of its own where loopback is the only interface, and unitls-load joins it there.
if [ "$(id -u)" -eq 0 ]; then
    NS_NEW="unshare -n" NS_JOIN="-n"
else
    NS_NEW="unshare -rn" NS_JOIN="-U -n --preserve-credentials"
fi
# shellcheck disable=SC2086
if ! command -v "$GNUTLS_SERV" >/dev/null 2>&1; then
    NO_SERV="no gnutls-serv here"
elif ! $NS_NEW sh -c 'ip link set lo up' >/dev/null 2>&1; then
    NO_SERV="no network namespace of its own to confine gnutls-serv to loopback (unshare, ip)"
else
    NO_SERV=""
fi
if [ -n "$NO_SERV" ]; then
    skip_check "unitls-load against gnutls-serv" "$NO_SERV"
    finish
fi
load_required

# in_ns COMMAND...: runs the command in gnutls-serv's network namespace.
# shellcheck disable=SC2086
in_ns() { nsenter -t "$SERV_PID" $NS_JOIN -- "$@"; }
serv_listens() { in_ns "$TLSCLIENT" --probe --timeout-ms 2000 "127.0.0.1:$1" 2>/dev/null; }
SERV_ARGS="-q --x509certfile=$CERTS/localhost.pem --x509keyfile=$CERTS/localhost.key"
# shellcheck disable=SC2046
set -- $(free_ports 2)
P_HTTP=$1 P_ECHO=$2
# shellcheck disable=SC2086
$NS_NEW sh -c 'ip link set lo up && exec "$@"' sh \
    "$GNUTLS_SERV" --http $SERV_ARGS -p "$P_HTTP" >"$T/serv-http.out" 2>&1 </dev/null &
SERV_PID=$!
track_pid "$SERV_PID"
wait_until 20 serv_listens "$P_HTTP" ||
    bail "gnutls-serv --http listens on $P_HTTP ($(tail -n 3 "$T/serv-http.out" | tr '\n' ' '))"
# nsenter itself, not in_ns: $! of a function in the background is a subshell's PID.
# shellcheck disable=SC2086
nsenter -t "$SERV_PID" $NS_JOIN -- "$GNUTLS_SERV" --echo --alpn=http/1.1 --alpn=h2 $SERV_ARGS \
    -p "$P_ECHO" >"$T/serv-echo.out" 2>&1 </dev/null &
ECHO_SERV_PID=$!
track_pid "$ECHO_SERV_PID"
wait_until 20 serv_listens "$P_ECHO" ||
    bail "gnutls-serv --echo listens on $P_ECHO ($(tail -n 3 "$T/serv-echo.out" | tr '\n' ' '))"

printf '#!/bin/sh\nexec nsenter -t %s %s -- "%s" "$@"\n' "$SERV_PID" "$NS_JOIN" "$LOAD" >"$T/load-in-ns"
chmod +x "$T/load-in-ns"
LOAD=$T/load-in-ns
LOAD_CAFILE=$CERTS/ca.pem
H=127.0.0.1:$P_HTTP

N=100
run_load "$T/hs.json" --count $N --concurrency 8 "$H"
check_eq "gnutls-serv: $N handshakes, none failed" \
    "$(json_get "$T/hs.json" completed) $(json_get "$T/hs.json" failed)" "$N 0"
check_eq "gnutls-serv: all TLS 1.3 by default" "$(json_get "$T/hs.json" versions.TLSv1.3)" "$N"
run_load "$T/v12.json" --count 20 --tls-version 1.2 "$H"
check_eq "gnutls-serv, --tls-version 1.2: 20 TLS 1.2 handshakes" \
    "$(json_get "$T/v12.json" completed) $(json_get "$T/v12.json" versions.TLSv1.2)" "20 20"
run_load "$T/v13.json" --count 20 --tls-version 1.3 "$H"
check_eq "gnutls-serv, --tls-version 1.3: 20 TLS 1.3 handshakes" \
    "$(json_get "$T/v13.json" completed) $(json_get "$T/v13.json" versions.TLSv1.3)" "20 20"

for v in 1.3 1.2; do
    run_load "$T/re.json" --mode resume --count $N --concurrency 4 --workers 2 --tls-version $v "$H"
    resumed=$(json_get "$T/re.json" resumed)
    check_eq "gnutls-serv, resume mode, TLS $v: $N completed" "$(json_get "$T/re.json" completed)" "$N"
    # One full handshake per worker fetches the session; every later one resumes.
    check "gnutls-serv, resume mode, TLS $v: at least $((N - 2)) of $N resumed ($resumed)" \
        [ "${resumed:-0}" -ge $((N - 2)) ]
done

LOAD_CAFILE=$CERTS/other-ca.pem
run_load "$T/ca.json" --count 20 --concurrency 4 "$H"
check_eq "gnutls-serv, a wrong CA: 20 verification failures, nothing completed" \
    "$(json_get "$T/ca.json" errors.certificate) $(json_get "$T/ca.json" completed)" "20 0"
LOAD_CAFILE=$CERTS/ca.pem
run_load "$T/name.json" --count 20 --concurrency 4 --sni example.org "$H"
check_eq "gnutls-serv, a name the certificate lacks: 20 verification failures" \
    "$(json_get "$T/name.json" errors.certificate) $(json_get "$T/name.json" completed)" "20 0"

R=50
run_load "$T/rq.json" --mode request --count $R --concurrency 5 "$H"
check_eq "gnutls-serv --http, request mode: $R requests answered" \
    "$(json_get "$T/rq.json" completed) $(json_get "$T/rq.json" failed)" "$R 0"

E=127.0.0.1:$P_ECHO
run_load "$T/alpn.json" --count 20 --alpn h2 "$E"
check_eq "gnutls-serv --alpn: 20 handshakes with h2" "$(json_get "$T/alpn.json" alpn.h2)" 20
run_load "$T/tp.json" --mode throughput --payload 256K --count 3 --concurrency 3 "$E"
check_eq "gnutls-serv --echo, throughput mode: 3 transfers" "$(json_get "$T/tp.json" completed)" 3
check_eq "... 256 KiB back for each" "$(json_get "$T/tp.json" bytes.app_received)" $((3 * 256 * 1024))

cat "$T"/*.json.err >"$T/load.stderr" 2>/dev/null
check_no_grep "no sanitizer report from unitls-load" 'Sanitizer\|runtime error:' "$T/load.stderr"
finish
