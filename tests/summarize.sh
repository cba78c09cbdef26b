#!/bin/sh
# Prints every test program's result and Check's own "Checks: N, Failures: N, Errors: N" line
# from a build tree's test logs, then, for each implementation with per-implementation entries
# (NAME@IMPL: tests/unit/tls.am, tests/integration/integration.am), "implementation IMPL: N
# passed, N failed, N skipped" over those entries, and last the totals of all as "totals: N
# passed, N failed, N skipped" (Check programs count their checks; a script counts as one
# test, or as the "N passed, N failed" line it printed).
# Usage: tests/summarize.sh BUILDDIR [LABEL]
set -eu
builddir=$1
label=${2:-}
passed=0; failed=0; skipped=0
impls=""
for trs in $(find "$builddir/tests" -name '*.trs' | sort); do
    log=${trs%.trs}.log
    name=${trs#"$builddir"/}; name=${name%.trs}
    result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
    checks=$(grep -E 'Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" 2>/dev/null | tail -n 1 || true)
    plain=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" 2>/dev/null | tail -n 1 || true)
    # This test's share: tp passed, tf failed, ts skipped.
    tp=0; tf=0; ts=0
    if [ -n "$checks" ]; then
        echo "$label $name: $checks"
        n=$(echo "$checks" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        f=$(echo "$checks" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
        e=$(echo "$checks" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
        tp=$((n - f - e)); tf=$((f + e))
        [ "$result" = PASS ] || [ $((f + e)) -gt 0 ] || tf=$((tf + 1))
    elif [ -n "$plain" ] && [ "$result" != SKIP ]; then
        echo "$label $name: $result ($plain)"
        tp=$(echo "$plain" | sed -E 's/^([0-9]+) passed.*/\1/')
        tf=$(echo "$plain" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        [ "$result" = PASS ] || [ "$tf" -gt 0 ] || tf=$((tf + 1))
    else
        echo "$label $name: $result"
        case "$result" in
            PASS|XFAIL) tp=1 ;;
            SKIP) ts=1 ;;
            *) tf=1 ;;
        esac
    fi
    passed=$((passed + tp)); failed=$((failed + tf)); skipped=$((skipped + ts))
    case ${name##*/} in
    *@*)
        impl=${name##*@}; impl=${impl%.sh}
        case $impl in *[!a-z0-9_]*|"") continue ;; esac
        case " $impls " in *" $impl "*) ;; *) impls="$impls $impl"; eval "p_$impl=0 f_$impl=0 s_$impl=0" ;; esac
        eval "p_$impl=\$((p_$impl + tp)) f_$impl=\$((f_$impl + tf)) s_$impl=\$((s_$impl + ts))"
        ;;
    esac
done
for impl in $impls; do
    eval "echo \"$label implementation $impl: \$p_$impl passed, \$f_$impl failed, \$s_$impl skipped\""
done
echo "$label totals: $passed passed, $failed failed, $skipped skipped"
