#!/bin/sh
# gen-certs.sh OUTDIR: generates the test PKI with the openssl command-line tool.
#
# Idempotent (every run rewrites every file) and fast: ECDSA P-256 keys, RSA 2048 only for the
# RSA variant. File names are fixed; contents are fresh keys on every run. Files in OUTDIR:
#
#   ca.pem, ca.key                     root CA (ECDSA); the trust store of every client test
#   intermediate.pem, intermediate.key intermediate CA, signed by the root
#   ca-chain.pem                       intermediate then root
#
#   Leaves signed by the intermediate. NAME.pem = leaf then intermediate (PEM), NAME.key = its
#   key (PEM, PKCS#8), NAME.der = the leaf alone as DER (to compare with what a peer received):
#   example.org           ECDSA, SAN DNS:example.org, DNS:www.example.org
#   example.org-rsa       RSA 2048, same SANs
#   wildcard.example.net  ECDSA, SAN DNS:*.example.net
#   www.example.net       ECDSA, SAN DNS:www.example.net (an exact name under the wildcard)
#   default.test          ECDSA, SAN DNS:default.test (the first, default chain of SNI tests)
#   cnonly.test           ECDSA, CN=cnonly.test and no subjectAltName
#   localhost             ECDSA, SAN DNS:localhost, IP:127.0.0.1, IP:::1 (loopback tests)
#   expired.test          ECDSA, SAN DNS:expired.test, valid 2020-01-01 to 2020-01-02 only
#
#   example.org-combined.pem  leaf, intermediate and key of example.org in one PEM file (for a
#                             signing chain with no separate key)
#   example.org.key.der       the example.org key as DER (PKCS#8)
#   example.org-leaf.pem      the example.org leaf alone (PEM), for chains that list the
#                             intermediate separately
#
#   client-ca.pem, client-ca.key  a separate CA for client certificates
#   client.pem, client.key, client.der  client certificate CN=client (clientAuth), signed by
#                                       client-ca directly
#
#   other-ca.pem, other-ca.key    an unrelated CA nobody trusts
#   other-example.org.pem, .key, .der  a leaf for example.org signed by other-ca
#
#   ca.cnf, ca-db/                the minimal `openssl ca` setup used for the expired leaf
#
#   client-revoked.pem, .key, .der  client certificate CN=client-revoked from client-ca, listed
#                                   as revoked in client-ca.crl.pem
#   client-ca.crl.pem, .crl.der   CRL from client-ca revoking client-revoked (PEM and DER)
#   client-ca-empty.crl.pem       CRL from client-ca revoking nothing
#   client-ca-expired.crl.pem     CRL from client-ca, next update 2020-01-02 (expired)
#   other-ca.crl.pem              empty CRL from other-ca (not issued by client-ca)
#   crl.cnf, crl-db/              the `openssl ca` setup that makes the CRLs
#
#   OCSP (responses themselves are made by tests/tools/ocspmake when a test runs):
#   ocsp.test.pem, .key, .der     server leaf from the intermediate, SAN DNS:ocsp.test, whose
#                                 Authority Information Access names the OCSP responder
#                                 http://127.0.0.1:8088/ocsp
#   ocsp-responder.pem, .key      delegated responder: issued by the intermediate, extended key
#                                 usage OCSPSigning (certificate alone)
#   ocsp-responder-noeku.pem, .key  issued by the intermediate without OCSPSigning
#   other-responder.pem, .key     OCSPSigning, but issued by other-ca
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
OUT=$1
OPENSSL=${OPENSSL:-openssl}
DAYS=3650
mkdir -p "$OUT"
cd "$OUT"

# ec_key FILE: a new P-256 key in PKCS#8 PEM.
ec_key() {
    "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

rsa_key() {
    "$OPENSSL" genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
}

# ext_file FILE KIND [SAN]: the extensions a CA, server leaf or client leaf carries.
ext_file() {
    case $2 in
    root)
        printf '%s\n' "basicConstraints=critical,CA:TRUE" \
            "keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash" >"$1"
        ;;
    ca)
        printf '%s\n' "basicConstraints=critical,CA:TRUE" \
            "keyUsage=critical,keyCertSign,cRLSign" \
            "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid:always" >"$1"
        ;;
    server)
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature,keyEncipherment" \
            "extendedKeyUsage=serverAuth" \
            "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$1"
        if [ -n "${3:-}" ]; then
            echo "subjectAltName=$3" >>"$1"
        fi
        ;;
    client)
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth" \
            "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$1"
        ;;
    ocsp-signer)
        printf '%s\n' "basicConstraints=critical,CA:FALSE" \
            "keyUsage=critical,digitalSignature" "extendedKeyUsage=OCSPSigning" \
            "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$1"
        ;;
    server-aia)
        ext_file "$1" server "$3"
        echo "authorityInfoAccess=OCSP;URI:http://127.0.0.1:8088/ocsp" >>"$1"
        ;;
    esac
}

# self_signed_ca NAME CN: NAME.pem and NAME.key.
self_signed_ca() {
    ec_key "$1.key"
    "$OPENSSL" req -new -key "$1.key" -subj "/O=unitls tests/CN=$2" -out "$1.csr"
    ext_file "$1.ext" root
    "$OPENSSL" x509 -req -in "$1.csr" -signkey "$1.key" -set_serial "0x$(serial)" \
        -days "$DAYS" -sha256 -extfile "$1.ext" -out "$1.pem" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

# sign NAME ISSUER KIND SUBJECT [SAN]: NAME.crt from NAME.key, signed by ISSUER.pem/.key.
sign() {
    "$OPENSSL" req -new -key "$1.key" -subj "$4" -out "$1.csr"
    ext_file "$1.ext" "$3" "${5:-}"
    "$OPENSSL" x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -set_serial "0x$(serial)" \
        -days "$DAYS" -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

# A random serial: identical serials from one issuer confuse verifiers' caches.
serial() {
    "$OPENSSL" rand -hex 8
}

# finish_leaf NAME ISSUER: NAME.pem (leaf then issuer), NAME.der (leaf alone).
finish_leaf() {
    "$OPENSSL" x509 -in "$1.crt" -outform DER -out "$1.der"
    cat "$1.crt" "$2.pem" >"$1.pem"
    rm -f "$1.crt"
}

# server_leaf NAME KEYTYPE SAN: a server leaf signed by the intermediate.
server_leaf() {
    if [ "$2" = rsa ]; then rsa_key "$1.key"; else ec_key "$1.key"; fi
    sign "$1" intermediate server "/O=unitls tests/CN=$4" "$3"
    finish_leaf "$1" intermediate
}

make_cas() {
    self_signed_ca ca "unitls test root CA"
    ec_key intermediate.key
    sign intermediate ca ca "/O=unitls tests/CN=unitls test intermediate CA"
    mv intermediate.crt intermediate.pem
    cat intermediate.pem ca.pem >ca-chain.pem
    self_signed_ca client-ca "unitls test client CA"
    self_signed_ca other-ca "unitls test other CA"
}

make_leaves() {
    server_leaf example.org ec "DNS:example.org,DNS:www.example.org" example.org
    server_leaf example.org-rsa rsa "DNS:example.org,DNS:www.example.org" example.org
    server_leaf wildcard.example.net ec "DNS:*.example.net" "*.example.net"
    server_leaf www.example.net ec "DNS:www.example.net" www.example.net
    server_leaf default.test ec "DNS:default.test" default.test
    server_leaf cnonly.test ec "" cnonly.test
    server_leaf localhost ec "DNS:localhost,IP:127.0.0.1,IP:::1" localhost
    cat example.org.pem example.org.key >example.org-combined.pem
    "$OPENSSL" pkey -in example.org.key -outform DER -out example.org.key.der
    "$OPENSSL" x509 -in example.org.pem -out example.org-leaf.pem

    ec_key client.key
    sign client client-ca client "/O=unitls tests/CN=client"
    finish_leaf client client-ca

    ec_key other-example.org.key
    sign other-example.org other-ca server "/O=unitls tests/CN=example.org" \
        "DNS:example.org,DNS:www.example.org"
    finish_leaf other-example.org other-ca
}

# `openssl x509 -req` cannot date a certificate in the past; `openssl ca` can.
write_ca_config() {
    rm -rf ca-db
    mkdir ca-db
    : >ca-db/index.txt
    serial >ca-db/serial
    cat >ca.cnf <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = ca-db
database = ca-db/index.txt
new_certs_dir = ca-db
serial = ca-db/serial
certificate = intermediate.pem
private_key = intermediate.key
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
x509_extensions = expired_ext
[ policy_any ]
commonName = supplied
organizationName = optional
[ expired_ext ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:expired.test
EOF
}

make_expired() {
    write_ca_config
    ec_key expired.test.key
    "$OPENSSL" req -new -key expired.test.key -subj "/O=unitls tests/CN=expired.test" \
        -out expired.test.csr
    "$OPENSSL" ca -batch -config ca.cnf -notext -startdate 20200101000000Z \
        -enddate 20200102000000Z -in expired.test.csr -out expired.test.crt 2>/dev/null
    rm -f expired.test.csr
    finish_leaf expired.test intermediate
}

# write_crl_config CA: crl.cnf for `openssl ca` acting as CA.pem/.key, with an empty database.
write_crl_config() {
    rm -rf crl-db
    mkdir crl-db
    : >crl-db/index.txt
    echo 01 >crl-db/crlnumber
    cat >crl.cnf <<EOF
[ ca ]
default_ca = crl_ca
[ crl_ca ]
database = crl-db/index.txt
crlnumber = crl-db/crlnumber
certificate = $1.pem
private_key = $1.key
default_md = sha256
default_crl_days = $DAYS
EOF
}

make_crls() {
    ec_key client-revoked.key
    sign client-revoked client-ca client "/O=unitls tests/CN=client-revoked"
    write_crl_config client-ca
    "$OPENSSL" ca -config crl.cnf -gencrl -out client-ca-empty.crl.pem 2>/dev/null
    "$OPENSSL" ca -config crl.cnf -revoke client-revoked.crt 2>/dev/null
    "$OPENSSL" ca -config crl.cnf -gencrl -out client-ca.crl.pem 2>/dev/null
    "$OPENSSL" crl -in client-ca.crl.pem -outform DER -out client-ca.crl.der
    "$OPENSSL" ca -config crl.cnf -gencrl -crl_lastupdate 20200101000000Z \
        -crl_nextupdate 20200102000000Z -out client-ca-expired.crl.pem 2>/dev/null
    finish_leaf client-revoked client-ca
    write_crl_config other-ca
    "$OPENSSL" ca -config crl.cnf -gencrl -out other-ca.crl.pem 2>/dev/null
}

# OCSP: a leaf naming its responder, and responder certificates (see the list above).
make_ocsp() {
    ec_key ocsp.test.key
    sign ocsp.test intermediate server-aia "/O=unitls tests/CN=ocsp.test" "DNS:ocsp.test"
    finish_leaf ocsp.test intermediate
    ec_key ocsp-responder.key
    sign ocsp-responder intermediate ocsp-signer "/O=unitls tests/CN=unitls test OCSP responder"
    mv ocsp-responder.crt ocsp-responder.pem
    ec_key ocsp-responder-noeku.key
    sign ocsp-responder-noeku intermediate client "/O=unitls tests/CN=unitls test not a responder"
    mv ocsp-responder-noeku.crt ocsp-responder-noeku.pem
    ec_key other-responder.key
    sign other-responder other-ca ocsp-signer "/O=unitls tests/CN=unitls test other responder"
    mv other-responder.crt other-responder.pem
}

# What tests/unit/check_tls_leaf_info reads back through each implementation, as OpenSSL's
# command line reports it: NAME.dates holds "NOT_BEFORE NOT_AFTER" in seconds since the epoch,
# then the subject in RFC 2253 (= RFC 4514) form.
write_dates() {
    _nb=$("$OPENSSL" x509 -in "$1.pem" -noout -startdate | cut -d= -f2)
    _na=$("$OPENSSL" x509 -in "$1.pem" -noout -enddate | cut -d= -f2)
    {
        echo "$(date -u -d "$_nb" +%s) $(date -u -d "$_na" +%s)"
        "$OPENSSL" x509 -in "$1.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'
    } >"$1.dates"
}

make_cas
make_leaves
make_expired
make_crls
make_ocsp
for name in example.org expired.test; do write_dates "$name"; done
