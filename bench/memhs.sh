#!/bin/sh
# memhs.sh: libunitls's own cost per server handshake, in memory (no sockets, no daemon).
#
# Runs bench/memhs-unitls (server side of full and resumed TLS 1.3 handshakes through a
# unitls_buffer, ECDSA P-256, one ticket) pinned to core 0, three times each, once per built
# implementation, and prints the medians and the GnuTLS / OpenSSL ratio. When MEMHS names a build of the raw-OpenSSL memhs tool (PERFORMANCE.md's
# tools/memhs.c), it runs it the same way in the same run and prints libunitls / OpenSSL:
# the ratio is what the unified API costs on top of its implementation.
set -eu
. "$UNITLS_SRCDIR/bench/lib.sh"
N=${N:-2000}
RUNS=${RUNS:-3}
C=$UNITLS_TEST_CERTS
ours="$UNITLS_BUILDDIR/bench/memhs-unitls"

rate_of() { sed -n 's/.* \([0-9][0-9]*\) per server CPU-second.*/\1/p'; }

measure() { # label command...: prints the median handshakes per server CPU-second
    label=$1; shift
    rates=""
    i=0
    while [ $i -lt "$RUNS" ]; do
        rates="$rates $(taskset -c 0 "$@" | rate_of)"
        i=$((i + 1))
    done
    # shellcheck disable=SC2086
    m=$(median $rates)
    printf '%-34s %8s handshakes per server CPU-second (runs:%s)\n' "$label" "$m" "$rates" >&2
    echo "$m"
}

# Every implementation the library was built with, in the same run (impl=NAME).
impls=$("$UNITLS_BUILDDIR/src/daemon/unitlsd" --version 2>&1 | grep -o 'gnutls' | head -n 1)
full_gnutls="" resumed_gnutls=""
if [ -n "$impls" ]; then
    full_gnutls=$(measure "libunitls (gnutls) full" "$ours" "$C/localhost.pem" \
        "$C/localhost.key" "$C/ca.pem" "$N" impl=gnutls)
    resumed_gnutls=$(measure "libunitls (gnutls) resumed" "$ours" "$C/localhost.pem" \
        "$C/localhost.key" "$C/ca.pem" "$N" resume impl=gnutls)
fi
full=$(measure "libunitls (openssl) full" "$ours" "$C/localhost.pem" "$C/localhost.key" \
    "$C/ca.pem" "$N" impl=openssl)
resumed=$(measure "libunitls (openssl) resumed" "$ours" "$C/localhost.pem" "$C/localhost.key" \
    "$C/ca.pem" "$N" resume impl=openssl)
if [ -n "$full_gnutls" ]; then
    echo "libunitls gnutls / openssl: full $(ratio "$full_gnutls" "$full"), resumed" \
        "$(ratio "$resumed_gnutls" "$resumed")"
fi
if [ -n "${MEMHS:-}" ] && [ -x "$MEMHS" ]; then
    ofull=$(measure "OpenSSL alone full" "$MEMHS" "$C/localhost.pem" "$C/localhost.key" "$N" \
        tickets=1 noverify)
    oresumed=$(measure "OpenSSL alone resumed" "$MEMHS" "$C/localhost.pem" "$C/localhost.key" \
        "$N" tickets=1 noverify resume)
    echo "libunitls / OpenSSL alone: full $(ratio "$full" "$ofull"), resumed $(ratio "$resumed" "$oresumed")"
else
    echo "(set MEMHS=/path/to/memhs to compare with OpenSSL alone)"
fi
