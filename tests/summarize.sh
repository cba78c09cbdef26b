#!/bin/sh
# Prints every test program's result and Check's own "Checks: N, Failures: N, Errors: N" line
# from a build tree's test logs, then the totals as "N passed, N failed" (Check programs count
# their checks; a script counts as one test, or as the "N passed, N failed" line it printed).
# Usage: tests/summarize.sh BUILDDIR [LABEL]
set -eu
builddir=$1
label=${2:-}
passed=0; failed=0; skipped=0
for trs in $(find "$builddir/tests" -name '*.trs' | sort); do
    log=${trs%.trs}.log
    name=${trs#"$builddir"/}; name=${name%.trs}
    result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
    checks=$(grep -E 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" 2>/dev/null | tail -n 1 || true)
    plain=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1 || true)
    if [ -n "$checks" ]; then
        echo "$label $name: $checks"
        n=$(echo "$checks" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        f=$(echo "$checks" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
        e=$(echo "$checks" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
        passed=$((passed + n - f - e)); failed=$((failed + f + e))
        [ "$result" = PASS ] || [ $((f + e)) -gt 0 ] || failed=$((failed + 1))
    elif [ -n "$plain" ] && [ "$result" != SKIP ]; then
        echo "$label $name: $result ($plain)"
        p=$(echo "$plain" | sed -E 's/^([0-9]+) passed.*/\1/')
        f=$(echo "$plain" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        passed=$((passed + p)); failed=$((failed + f))
        [ "$result" = PASS ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
    else
        echo "$label $name: $result"
        case "$result" in
            PASS|XFAIL) passed=$((passed + 1)) ;;
            SKIP) skipped=$((skipped + 1)) ;;
            *) failed=$((failed + 1)) ;;
        esac
    fi
done
echo "$label totals: $passed passed, $failed failed, $skipped skipped"
