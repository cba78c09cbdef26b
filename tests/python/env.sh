# Sourced by the tests in tests/python: finds a Python 3 that can run them and points it at
# the build tree's library and the source tree's package.
#   UNITLS_TEST_IMPL  the implementation under test (tests/impl-run.sh sets it per entry)
#   UNITLS_BUILDDIR, UNITLS_SRCDIR, UNITLS_TEST_CERTS  (AM_TESTS_ENVIRONMENT sets them; run by
#   hand, the build tree is the current directory and the source tree this script's ../..)
# Sets PYTHON, UNITLS_LIBRARY, PYTHONPATH, UNITLS_TEST_CERTS. Exits 77 (skip) only when no
# python3 is installed, or, with NEED_PYTEST=1, none of them has pytest.
python_tests_dir=$(cd "$(dirname "$0")" && pwd)
UNITLS_SRCDIR=${UNITLS_SRCDIR:-$(cd "$python_tests_dir/../.." && pwd)}
UNITLS_BUILDDIR=${UNITLS_BUILDDIR:-$(pwd)}
UNITLS_TEST_CERTS=${UNITLS_TEST_CERTS:-$UNITLS_BUILDDIR/tests/certs}
UNITLS_LIBRARY=$UNITLS_BUILDDIR/src/.libs/libunitls.so.0
PYTHONPATH=$UNITLS_SRCDIR/python${PYTHONPATH:+:$PYTHONPATH}
# The source tree may be read-only (make distcheck): no bytecode files written there.
PYTHONDONTWRITEBYTECODE=1
export UNITLS_SRCDIR UNITLS_BUILDDIR UNITLS_TEST_CERTS UNITLS_LIBRARY PYTHONPATH \
    PYTHONDONTWRITEBYTECODE

if [ -z "${UNITLS_TEST_IMPL:-}" ]; then
    echo "ERROR: UNITLS_TEST_IMPL is not set (tests/impl-run.sh sets it: run through make check)"
    exit 99
fi
[ -f "$UNITLS_LIBRARY" ] || { echo "ERROR: no library at $UNITLS_LIBRARY"; exit 99; }
[ -f "$UNITLS_TEST_CERTS/ca.pem" ] || { echo "ERROR: no test PKI in $UNITLS_TEST_CERTS"; exit 99; }

# The first Python 3 that has what the test needs: $PYTHON, python3 on PATH, the system's
# (a python3 earlier on PATH, from pyenv say, may lack Debian's python3-pytest).
python_seen=
python_ok=
for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || continue
    python_seen=$candidate
    if [ "${NEED_PYTEST:-0}" = 1 ] && ! "$candidate" -c 'import pytest' 2>/dev/null; then
        continue
    fi
    python_ok=$candidate
    break
done
if [ -z "$python_seen" ]; then
    echo "SKIP: no python3 (3.11 or later) installed"
    exit 77
fi
if [ -z "$python_ok" ]; then
    echo "SKIP: no python3 with pytest installed (Debian: python3-pytest)"
    exit 77
fi
PYTHON=$python_ok
export PYTHON

# A sanitizer build's library needs the sanitizer runtimes loaded before anything else, which
# python3 itself is not linked with: preload them (from the compiler that built the library).
# Leak checking stays off here, as the interpreter keeps memory to its exit by design; the C
# suites check the library for leaks.
if grep -q '^SANITIZER_CFLAGS = .*-fsanitize=[a-z,]*address' "$UNITLS_BUILDDIR/Makefile" 2>/dev/null
then
    _cc=$(sed -n 's/^CC = //p' "$UNITLS_BUILDDIR/Makefile" | head -n 1)
    _preload=
    for _rt in libasan.so libubsan.so; do
        _path=$(${_cc:-cc} -print-file-name="$_rt" 2>/dev/null)
        [ -f "$_path" ] && _preload=${_preload:+$_preload:}$_path
    done
    LD_PRELOAD=$_preload
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
    export LD_PRELOAD ASAN_OPTIONS
    echo "# sanitizer build: preloading $_preload (leak checks off for the interpreter)"
fi
echo "# $PYTHON ($("$PYTHON" -c 'import sys; print(sys.version.split()[0])')), implementation $UNITLS_TEST_IMPL, library $UNITLS_LIBRARY"
