#!/bin/sh
# make-ocsp-seeds.sh OCSPMAKE: remakes the OCSP part of fuzz/pki and the seeds of fuzz_ocsp_IMPL
# (fuzz/corpus/fuzz_ocsp_openssl and fuzz_ocsp_gnutls, the same files). OCSPMAKE is
# tests/tools/ocspmake from a build directory. A developer's tool, run by hand; its outputs are
# committed. The PKI: ocsp-ca (a CA), ocsp-leaf (a server leaf it issued; the target's chain is
# leaf then CA, as stapling needs), ocsp-responder (issued by the CA for OCSP signing),
# ocsp-other-leaf (another leaf of the CA) and ocsp-stranger (a self-signed nobody trusts).
# Responses: valid ones, and one of each way to be refused, at the fuzz target's fixed time
# (2030-01-01, fuzz/fuzz_ocsp.c): every thisUpdate and nextUpdate is relative to now, and the
# valid ones last 100 years.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OCSPMAKE" >&2; exit 2; }
ocspmake=$1
here=$(cd "$(dirname "$0")" && pwd)
pki=$here/pki
OPENSSL=${OPENSSL:-openssl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ec_key() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
issue() { # NAME SUBJECT EXTENSIONS
    ec_key "$pki/$1.key"
    "$OPENSSL" req -new -key "$pki/$1.key" -subj "$2" -out "$tmp/$1.csr" 2>/dev/null
    printf '%b' "$3" >"$tmp/$1.ext"
    "$OPENSSL" x509 -req -in "$tmp/$1.csr" -CA "$pki/ocsp-ca.pem" -CAkey "$pki/ocsp-ca.key" \
        -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 36500 \
        -extfile "$tmp/$1.ext" -out "$pki/$1.pem" 2>/dev/null
}

ec_key "$pki/ocsp-ca.key"
"$OPENSSL" req -x509 -new -key "$pki/ocsp-ca.key" -subj "/CN=Fuzz OCSP CA" -days 36500 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$pki/ocsp-ca.pem" 2>/dev/null
leaf_ext='basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nauthorityInfoAccess=OCSP;URI:http://127.0.0.1:1/ocsp\n'
issue ocsp-leaf /CN=ocsp.fuzz.test "${leaf_ext}subjectAltName=DNS:ocsp.fuzz.test\n"
issue ocsp-other-leaf /CN=other.fuzz.test "${leaf_ext}subjectAltName=DNS:other.fuzz.test\n"
issue ocsp-responder "/CN=Fuzz OCSP Responder" \
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n'
issue ocsp-not-responder "/CN=Fuzz Not A Responder" \
    'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n'
ec_key "$pki/ocsp-stranger.key"
"$OPENSSL" req -x509 -new -key "$pki/ocsp-stranger.key" -subj "/CN=Fuzz OCSP CA" -days 36500 \
    -out "$pki/ocsp-stranger.pem" 2>/dev/null

century=2000000000
out=$tmp/seeds
mkdir -p "$out"
make_seed() { # NAME ARGS...
    name=$1
    shift
    "$ocspmake" --issuer "$pki/ocsp-ca.pem" --issuer-key "$pki/ocsp-ca.key" "$@" --out "$out/$name"
}
make_seed good-by-issuer --cert "$pki/ocsp-leaf.pem" --next-update "$century"
make_seed good-by-responder --cert "$pki/ocsp-leaf.pem" --next-update "$century" \
    --signer "$pki/ocsp-responder.pem" --signer-key "$pki/ocsp-responder.key"
make_seed revoked --cert "$pki/ocsp-leaf.pem" --status revoked --next-update "$century"
make_seed unknown --cert "$pki/ocsp-leaf.pem" --status unknown --next-update "$century"
make_seed expired --cert "$pki/ocsp-leaf.pem" --this-update -7200 --next-update -3600
make_seed not-yet-valid --cert "$pki/ocsp-leaf.pem" --this-update 315360000 \
    --next-update "$century"
make_seed no-next-update --cert "$pki/ocsp-leaf.pem" --next-update none
make_seed try-later --cert "$pki/ocsp-leaf.pem" --resp-status trylater
make_seed other-certificate --cert "$pki/ocsp-other-leaf.pem" --next-update "$century"
make_seed signed-by-stranger --cert "$pki/ocsp-leaf.pem" --next-update "$century" \
    --signer "$pki/ocsp-stranger.pem" --signer-key "$pki/ocsp-stranger.key"
make_seed signer-not-responder --cert "$pki/ocsp-leaf.pem" --next-update "$century" \
    --signer "$pki/ocsp-not-responder.pem" --signer-key "$pki/ocsp-not-responder.key"
for impl in openssl gnutls; do
    rm -rf "$here/corpus/fuzz_ocsp_$impl"
    mkdir -p "$here/corpus/fuzz_ocsp_$impl"
    cp "$out"/* "$here/corpus/fuzz_ocsp_$impl/"
done
echo "made $(ls "$out" | wc -l) seeds in $here/corpus/fuzz_ocsp_openssl and fuzz_ocsp_gnutls"
