#!/bin/sh
# Installs what unitls needs, builds it and runs every test (unit and integration).
#   tests/run-all.sh                 default build in build/
#   tests/run-all.sh --sanitizers    ASan + UBSan build in build-sanitizers/
# Warnings are errors. Prints the TLS implementations built (the tests that exercise TLS run
# once per implementation), Check's own lines, then "N passed, N failed"; exits non-zero on
# any failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
flavour=default
configure_flags="--enable-werror"
builddir="$top/build"
if [ "${1:-}" = "--sanitizers" ]; then
    flavour=sanitizers
    configure_flags="--enable-werror --enable-sanitizers"
    builddir="$top/build-sanitizers"
fi

"$top/.ci/install-deps"
cd "$top"
[ -x configure ] || autoreconf -fi
mkdir -p "$builddir"
cd "$builddir"
[ -f Makefile ] || "$top/configure" $configure_flags >configure.out 2>&1 || {
    cat configure.out; exit 1; }
jobs=$(nproc 2>/dev/null || echo 2)
make -j"$jobs" >make.out 2>&1 || { cat make.out; exit 1; }
echo "$flavour implementations: $(sed -n 's/^UNITLS_IMPLEMENTATIONS = //p' Makefile)"
status=0
make -j"$jobs" check >check.out 2>&1 || status=$?
"$top/tests/summarize.sh" "$builddir" "$flavour"
[ "$status" -eq 0 ] || { echo "make check failed ($flavour build); see $builddir/test-suite.log"; \
    sed -n '/^FAIL\|^ERROR/p' "$builddir/check.out"; }
exit "$status"
