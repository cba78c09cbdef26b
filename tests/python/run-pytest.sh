#!/bin/sh
# The Python package's pytest suite (python/tests, written from PEP 748's text) against one
# implementation, UNITLS_TEST_IMPL, with the library of the build tree: make check runs it
# once per built implementation (tests/python/run-pytest@IMPL.sh). Skips (77) only when
# python3 or pytest is not installed; inside the suite nothing is skipped (-rs would say why).
set -u
NEED_PYTEST=1
. "$(dirname "$0")/env.sh"

# No cache or rootdir files in the source tree; every test's outcome in the log.
cd "$UNITLS_SRCDIR/python" || exit 99
run_timeout=
command -v timeout >/dev/null 2>&1 && run_timeout="timeout 900"
$run_timeout "$PYTHON" -m pytest -p no:cacheprovider -rfEs -v tests
status=$?
case $status in
0) exit 0 ;;
5) echo "ERROR: pytest collected no tests"; exit 99 ;;
*) exit 1 ;;
esac
