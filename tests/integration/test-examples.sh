#!/bin/sh
# The examples of docs/libunitls.md (examples/*.c) build the way a user's program would: against
# a staged install of libunitls (headers, library, unitls.pc under DESTDIR), with the compiler
# and linker flags from `pkg-config unitls` alone. Then they run: the echo server on each
# implementation, the client on each against it, so every pair talks once.
. "$(dirname "$0")/lib.sh"

SRC=${UNITLS_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MAKEFILE=$UNITLS_BUILDDIR/Makefile
make_var() { sed -n "s/^$1 = //p" "$MAKEFILE" | head -n 1; }

command -v pkg-config >/dev/null 2>&1 || skip_all "pkg-config is not installed"
pkg-config --exists libevent || skip_all "libevent's pkg-config file is not installed"

# --- a staged install: what `make install` would put under the prefix -----------------------
prefix=$(make_var prefix)
stage=$T/stage
if ${MAKE:-make} -s -C "$UNITLS_BUILDDIR" DESTDIR="$stage" install-libLTLIBRARIES \
    install-unitlsincludeHEADERS install-pkgconfigDATA >"$T/install.out" 2>&1; then
    pass "the library, its headers and unitls.pc install under DESTDIR"
else
    cat "$T/install.out"
    bail "staged install failed"
fi
pc_dir=$(find "$stage" -name unitls.pc -printf '%h\n' | head -n 1)
check "unitls.pc is installed" test -n "$pc_dir"
# The .pc file names the configured prefix; relocate it to where the stage put it.
pc() { PKG_CONFIG_PATH=$pc_dir pkg-config --define-variable=prefix="$stage$prefix" "$@"; }
check "pkg-config knows unitls" pc --exists unitls

# --- build: the build's compiler (and sanitizer flags, which the library carries), no -I/-L
# of our own ---------------------------------------------------------------------------------
cc=$(make_var CC)
san=$(make_var SANITIZER_CFLAGS)
warn="-std=c11 -Wall -Wextra -Wshadow -Wconversion -Werror"
# shellcheck disable=SC2046,SC2086  # word splitting of flag lists is intended
build() {
    out=$1; shift
    $cc $warn $san -o "$T/$out" "$@" >"$T/$out.cc" 2>&1
}
if build echo_server "$SRC/examples/echo_server.c" $(pc --cflags unitls) \
    $(pkg-config --cflags libevent) $(pc --libs unitls) $(pkg-config --libs libevent); then
    pass "echo_server builds from pkg-config's flags"
else
    cat "$T/echo_server.cc"; fail "echo_server builds from pkg-config's flags"
fi
if build client "$SRC/examples/client.c" $(pc --cflags unitls) $(pc --libs unitls); then
    pass "client builds from pkg-config's flags"
else
    cat "$T/client.cc"; fail "client builds from pkg-config's flags"
fi
[ -x "$T/echo_server" ] && [ -x "$T/client" ] || bail "the examples did not build"

# They run against the staged library, not the build tree's.
LD_LIBRARY_PATH=$(pc --variable=libdir unitls)
export LD_LIBRARY_PATH
check "the client links the staged libunitls" sh -c \
    "ldd '$T/client' | grep -q '$stage'"

# --- run: every implementation against every implementation ---------------------------------
impls=${UNITLS_IMPLEMENTATIONS:-$UNITLS_TEST_IMPL}
for server_impl in $impls; do
    port=$(free_ports 1) || bail "no free port"
    "$T/echo_server" "$CERTS/localhost.pem" "$CERTS/localhost.key" "$port" "$server_impl" \
        >"$T/server-$server_impl.out" 2>&1 &
    server_pid=$!
    track_pid "$server_pid"
    wait_until 10 port_open "$port" || { cat "$T/server-$server_impl.out"; bail "echo_server did not listen"; }
    for client_impl in $impls; do
        msg="hello from $client_impl to $server_impl"
        if "$T/client" "$CERTS/ca.pem" localhost "$port" "$msg" "$client_impl" \
            >"$T/client.out" 2>&1; then
            pass "$client_impl client, $server_impl server: echoed"
        else
            cat "$T/client.out"; fail "$client_impl client, $server_impl server: echoed"
        fi
        check_grep "the client used $client_impl" "^implementation: $client_impl\$" "$T/client.out"
        check_grep "TLS 1.3 by default" "^version: TLSv1.3\$" "$T/client.out"
    done
    # A client that does not trust the server's CA is refused, and says why.
    if "$T/client" "$CERTS/other-ca.pem" localhost "$port" "x" >"$T/refused.out" 2>&1; then
        fail "an untrusted server is refused"
    else
        pass "an untrusted server is refused"
    fi
    check_grep "the refusal names the cause" "unknown CA" "$T/refused.out"
    # A message larger than the TLS records and socket buffers comes back whole.
    big=$(head -c 60000 /dev/zero | tr '\0' 'a')
    if "$T/client" "$CERTS/ca.pem" localhost "$port" "$big" >"$T/big.out" 2>&1; then
        pass "60 kB echoed whole ($server_impl server)"
    else
        tail -c 300 "$T/big.out"; fail "60 kB echoed whole ($server_impl server)"
    fi
    stop_pid "$server_pid"
    check_no_grep "no server errors ($server_impl)" "AddressSanitizer\|runtime error" \
        "$T/server-$server_impl.out"
done
"$T/client" "$CERTS/ca.pem" localhost 1 x nosuch >"$T/nosuch.out" 2>&1
check_grep "an unknown implementation is named, with the ones there are" \
    "no implementation named nosuch; this library has: " "$T/nosuch.out"
finish
