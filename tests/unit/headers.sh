#!/bin/sh
# headers.sh: the public headers stand alone and name no TLS or event library.
#   1. Each include/unitls/*.h, alone (and twice, for its include guard), compiles as C11 with
#      -pedantic -Wall -Wextra -Werror; so does the umbrella <unitls/unitls.h> with
#      <unitls/insecure.h>.
#   2. No public header #includes an OpenSSL, libevent or other TLS library header, and the
#      preprocessed API (comments gone) names none of their types or functions.
# Run by `make check` with UNITLS_SRCDIR set; prints "ok N - ..." lines and "N passed, N failed".
set -u

srcdir=${UNITLS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
include=$srcdir/include
CC=${CC:-cc}
CFLAGS_STRICT="-std=c11 -pedantic -Wall -Wextra -Werror -fsyntax-only"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/unitls-headers.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# compiles FILE.c made of the #include lines given as arguments; the check's name is $1.
compiles() {
    name=$1
    shift
    : >"$tmp/t.c"
    for h in "$@"; do echo "#include <unitls/$h>" >>"$tmp/t.c"; done
    echo "int unitls_headers_check;" >>"$tmp/t.c" # ISO C forbids an empty translation unit
    if $CC $CFLAGS_STRICT -I"$include" "$tmp/t.c" >"$tmp/cc.out" 2>&1; then
        ok "$name"
    else
        not_ok "$name"
        sed 's/^/#   /' "$tmp/cc.out"
    fi
}

headers=$(cd "$include/unitls" && ls -- *.h 2>/dev/null)
if [ -z "$headers" ]; then
    not_ok "public headers found in $include/unitls"
    echo "0 passed, $failed failed"
    exit 1
fi

for h in $headers; do
    compiles "$h compiles alone under C11 -pedantic" "$h"
    compiles "$h included twice" "$h" "$h"
done
compiles "unitls.h with insecure.h" unitls.h insecure.h

# No include of a TLS or event library (anything outside <unitls/...> must be a C standard
# header).
std_headers=" $(echo assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h \
    limits.h locale.h math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h \
    stddef.h stdint.h stdio.h stdlib.h stdnoreturn.h string.h tgmath.h threads.h time.h \
    uchar.h wchar.h wctype.h) "
for h in $headers; do
    bad=""
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\([^>"]*\)[>"].*/\1/p' \
        "$include/unitls/$h"); do
        case $inc in
        unitls/*) ;;
        *) case $std_headers in *" $inc "*) ;; *) bad="$bad $inc" ;; esac ;;
        esac
    done
    if [ -z "$bad" ]; then ok "$h includes only unitls and standard C headers"; else
        not_ok "$h includes:$bad"
    fi
done

# The API as a compiler sees it (comments stripped, standard headers' lines dropped) names no
# identifier of OpenSSL, BoringSSL, LibreSSL, GnuTLS, mbed TLS, wolfSSL, NSS or libevent.
{
    for h in $headers; do echo "#include <unitls/$h>"; done
} >"$tmp/all.c"
if $CC -std=c11 -E -P -I"$include" "$tmp/all.c" >"$tmp/all.i" 2>"$tmp/cc.out"; then
    ok "every public header preprocesses"
    grep -v '^[[:space:]]*$' "$tmp/all.i" >"$tmp/api.i"
    pattern='\b(SSL|SSL_[A-Za-z0-9_]+|X509[A-Za-z0-9_]*|EVP_[A-Za-z0-9_]+|BIO|BIO_[A-Za-z0-9_]+|OSSL_[A-Za-z0-9_]+|OPENSSL_[A-Za-z0-9_]+|ENGINE|gnutls_[a-z0-9_]+|mbedtls_[a-z0-9_]+|wolfSSL_[A-Za-z0-9_]+|PRFileDesc|event_base|bufferevent[a-z0-9_]*|evbuffer[a-z0-9_]*|evconnlistener[a-z0-9_]*)\b'
    if grep -En "$pattern" "$tmp/api.i" >"$tmp/hits"; then
        not_ok "the preprocessed API names a TLS or event library"
        sed 's/^/#   /' "$tmp/hits" | head -n 20
    else
        ok "the preprocessed API names no TLS or event library"
    fi
    # the check above must be able to fail: it finds such a name when one is there
    printf 'typedef struct ssl_st SSL;\nvoid f(SSL *s);\n' >"$tmp/probe.i"
    if grep -Eq "$pattern" "$tmp/probe.i"; then ok "the name check detects an OpenSSL type"; else
        not_ok "the name check detects an OpenSSL type"
    fi
else
    not_ok "every public header preprocesses"
    sed 's/^/#   /' "$tmp/cc.out"
fi

echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
