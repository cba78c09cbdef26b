#!/bin/sh
# The test driver that runs implementation-neutral tests once per built implementation, for
# both kinds of test: tests/unit/tls.am makes it the LOG_COMPILER of the Check programs and
# tests/integration/integration.am puts it in front of every .sh test (AM_SH_LOG_FLAGS).
#
# A test named DIR/PROGRAM@IMPL (a Check suite) or DIR/NAME@IMPL.sh (an integration script) is
# a name, not a file: it runs DIR/PROGRAM or DIR/NAME.sh with UNITLS_TEST_IMPL=IMPL, so the
# automake log and test-suite.log name the implementation ("FAIL: tests/unit/check_tls_sni@gnutls",
# "FAIL: tests/integration/test-sni@gnutls.sh"). Any other test runs as it is.
#
# Usage: impl-run.sh RUNNER "IMPLEMENTATIONS THAT HAVE TEST ENTRIES" TEST
#   RUNNER is the shell for .sh tests, or "" to execute the test itself.
# Nothing goes untested unnoticed: a built implementation (UNITLS_IMPLEMENTATIONS) without test
# entries, an entry for one not built, and a Check suite exiting 77 (skip) are hard errors (99).
set -u
runner=$1
covered=$2
test=$3

run() { # the test as it is
    if [ -n "$runner" ]; then exec "$runner" "$@"; else exec "$@"; fi
}

name=${test##*/}
case $name in
*@*.sh) impl=${name##*@}; impl=${impl%.sh}; target=${test%@*}.sh ;;
*@*) impl=${name##*@}
    # The program in the build tree: the harness passes $srcdir/DIR/NAME when no file NAME
    # exists.
    target=${test%@*}; target=./${target#"${srcdir:-.}"/} ;;
*) run "$test" ;;
esac
built=${UNITLS_IMPLEMENTATIONS-}

listed() {
    case " $2 " in *" $1 "*) return 0 ;; esac
    return 1
}

for b in $built; do
    listed "$b" "$covered" && continue
    echo "ERROR: implementation $b is built (UNITLS_IMPLEMENTATIONS=\"$built\") but no" \
        "${name%@*} entry runs against it"
    exit 99
done
if [ -z "$impl" ] || ! listed "$impl" "$built"; then
    echo "ERROR: $name: implementation \"$impl\" is not among the built ones" \
        "(UNITLS_IMPLEMENTATIONS=\"$built\")"
    exit 99
fi
[ -f "$target" ] || { echo "ERROR: $name: no test $target"; exit 99; }

echo "# implementation: $impl (UNITLS_TEST_IMPL for ${target##*/}; built: $built)"
UNITLS_TEST_IMPL=$impl
export UNITLS_TEST_IMPL
unset UNITLS_TEST_CLIENT_IMPL UNITLS_TEST_SERVER_IMPL
if [ -n "$runner" ]; then exec "$runner" "$target"; fi
"$target"
status=$?
if [ "$status" -eq 77 ]; then
    echo "ERROR: ${target##*/} exited 77 (skip) against $impl: nothing may be skipped here"
    exit 99
fi
exit "$status"
