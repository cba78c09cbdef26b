#!/bin/sh
# many-certs.sh: one listener with N certificates (default 10,000): how long libunitls takes to
# build its configuration and context at start-up, how much memory each certificate costs,
# and what a reload after renewing one certificate in place costs, from scratch and derived
# from the running context (unitls_server_context_new_derived). Certificates are generated
# once into $WORK (default /tmp/unitls-bench-many); the renewal rewrites site-4321.
set -eu
N=${N:-10000}
WORK=${WORK:-/tmp/unitls-bench-many}
B=$UNITLS_BUILDDIR/bench
C=$UNITLS_TEST_CERTS
mkdir -p "$WORK"
if [ ! -f "$WORK/site-$((N - 1)).pem" ]; then
    echo "generating $N certificates in $WORK" >&2
    "$B/gen-many-certs" "$WORK" "$N" "$C/ca.pem" "$C/ca.key"
fi
renew=$((N / 2 - 679))
[ "$renew" -ge 0 ] || renew=0
"$B/many-certs" "$WORK" "$N" "'$B/gen-many-certs' '$WORK' 1 '$C/ca.pem' '$C/ca.key' $renew"
