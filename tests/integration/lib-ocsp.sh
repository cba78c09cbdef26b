# lib-ocsp.sh: a small PKI for the OCSP stapling tests, sourced after lib.sh. Everything is
# made in $T with openssl: a CA, leaves signed by it whose Authority Information Access names
# an OCSP responder URL, the CA database `openssl ocsp` answers from, and responses (valid ones
# from `openssl ocsp`, the others from tests/tools/ocspmake).
#   ocsp_ca                         $T/ca.key, $T/ca.pem, an empty $T/index.txt
#   ocsp_leaf NAME SERIAL URL       $T/NAME.key, $T/NAME.leaf (the certificate alone) and
#                                   $T/NAME.pem (leaf then CA: the issuer must be in the chain)
#   ocsp_index NAME STATUS          records NAME in $T/index.txt as V (valid) or R (revoked)
#   ocsp_response NAME OUT          `openssl ocsp` answers for NAME from the index into OUT
#                                   (DER, nextUpdate in a day)
#   ocsp_make ARGS...               ocspmake with the CA as issuer (--cert, --out, ... follow)
#   ocsp_responder PORT             starts `openssl ocsp -port PORT` on the index; sets
#                                   RESPONDER_PID and waits until it listens
#   sclient_status PORT NAME OUT [s_client args]  s_client -status for NAME into OUT

OCSPMAKE=${OCSPMAKE:-$UNITLS_BUILDDIR/tests/tools/ocspmake}
command -v "$OPENSSL" >/dev/null 2>&1 || skip_all "no openssl command"
[ -x "$OCSPMAKE" ] || skip_all "tests/tools/ocspmake is not built (it needs OpenSSL)"

ocsp_ca() {
    "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/ca.key" 2>/dev/null &&
    "$OPENSSL" req -x509 -new -key "$T/ca.key" -subj "/CN=OCSP Test CA" -days 30 \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$T/ca.pem" 2>/dev/null &&
    : >"$T/index.txt" || bail "the test CA is made"
}

ocsp_leaf() {
    _name=$1; _serial=$2; _url=$3
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:%s\nauthorityInfoAccess=OCSP;URI:%s\n' \
        "$_name" "$_url" >"$T/$_name.ext"
    "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$T/$_name.key" 2>/dev/null &&
    "$OPENSSL" req -new -key "$T/$_name.key" -subj "/CN=$_name" -out "$T/$_name.csr" 2>/dev/null &&
    "$OPENSSL" x509 -req -in "$T/$_name.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
        -set_serial "0x$_serial" -days 30 -extfile "$T/$_name.ext" -out "$T/$_name.leaf" 2>/dev/null &&
    cat "$T/$_name.leaf" "$T/ca.pem" >"$T/$_name.pem" || bail "leaf $_name is made"
}

ocsp_index() {
    _serial=$("$OPENSSL" x509 -in "$T/$1.leaf" -noout -serial | sed 's/^serial=//')
    _end=$(date -u -d "+30 days" +%y%m%d%H%M%SZ)
    if [ "$2" = R ]; then
        printf 'R\t%s\t%s\t%s\tunknown\t/CN=%s\n' "$_end" "$(date -u -d "-1 day" +%y%m%d%H%M%SZ)" \
            "$_serial" "$1" >>"$T/index.txt"
    else
        printf 'V\t%s\t\t%s\tunknown\t/CN=%s\n' "$_end" "$_serial" "$1" >>"$T/index.txt"
    fi
}

ocsp_response() {
    "$OPENSSL" ocsp -issuer "$T/ca.pem" -cert "$T/$1.leaf" -no_nonce -reqout "$T/$1.req" 2>/dev/null &&
    "$OPENSSL" ocsp -index "$T/index.txt" -rsigner "$T/ca.pem" -rkey "$T/ca.key" -CA "$T/ca.pem" \
        -reqin "$T/$1.req" -ndays 1 -respout "$2.new" >/dev/null 2>&1 &&
    mv "$2.new" "$2" || bail "openssl ocsp answers for $1"
}

ocsp_make() { "$OCSPMAKE" --issuer "$T/ca.pem" --issuer-key "$T/ca.key" "$@"; }

# Ready once it says it waits for clients: a probe connection that sends nothing would wedge
# it (openssl 3.0 then never reads the next request).
ocsp_responder() {
    RESPONDER_LOG=$T/responder.$1.$(date +%s%N).log
    "$OPENSSL" ocsp -index "$T/index.txt" -port "$1" -rsigner "$T/ca.pem" -rkey "$T/ca.key" \
        -CA "$T/ca.pem" -ndays 1 >"$RESPONDER_LOG" 2>&1 3>&- 4>&- &
    RESPONDER_PID=$!
    track_pid "$RESPONDER_PID"
    wait_until 20 grep -q 'waiting for OCSP client connections' "$RESPONDER_LOG" ||
        bail "openssl ocsp listens on port $1 ($(cat "$RESPONDER_LOG"))"
}

sclient_status() {
    _port=$1; _name=$2; _out=$3; shift 3
    timeout 30 "$OPENSSL" s_client -connect "127.0.0.1:$_port" -servername "$_name" -status \
        -CAfile "$T/ca.pem" "$@" </dev/null >"$_out" 2>&1
}

# stapled_good FILE: s_client's output shows a stapled successful response saying good.
stapled_good() {
    grep -q 'OCSP Response Status: successful' "$1" && grep -q 'Cert Status: good' "$1"
}
# not_stapled FILE: s_client asked and got no response, after a completed handshake.
not_stapled() {
    grep -q 'OCSP response: no response sent' "$1" && grep -q 'Verify return code: 0 (ok)' "$1"
}
