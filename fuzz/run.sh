#!/bin/sh
# fuzz/run.sh FUZZDIR SECONDS PROGRAM...: what `make fuzz` runs (fuzz/fuzz.am), from the build
# directory. Each libFuzzer PROGRAM (fuzz/fuzz_NAME) runs for SECONDS in turn, one process,
# starting from a fresh copy of its seeds FUZZDIR/corpus/fuzz_NAME in fuzz/run/fuzz_NAME/corpus
# (new inputs land there, never in the source tree), with FUZZDIR/fuzz_NAME.dict when there is
# one. An input running over 10 s, above 2048 MB, leaking, or crashing (ASan, UBSan, a broken
# contract) stops the target: its log is printed, then each reproducer libFuzzer saved in
# fuzz/run/fuzz_NAME/ with its size, base64 and a hex dump, and the command that replays it.
# Prints one line per target (runs, runs per second, coverage as cov: and ft:) and a last line
# "fuzz: N targets, N passed, N failed"; exits 1 when any failed.
set -u
if [ $# -lt 3 ]; then
    echo "usage: $0 FUZZDIR SECONDS PROGRAM..." >&2
    exit 2
fi
fuzzdir=$1
seconds=$2
shift 2
case $seconds in ''|*[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;; esac

# Symbolized stack traces, when an llvm-symbolizer is around (Debian: the llvm-14 package).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
    for s in "$(command -v llvm-symbolizer 2>/dev/null)" /usr/lib/llvm-*/bin/llvm-symbolizer; do
        if [ -n "$s" ] && [ -x "$s" ]; then ASAN_SYMBOLIZER_PATH=$s; export ASAN_SYMBOLIZER_PATH; break; fi
    done
fi
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:symbolize=1; export ASAN_OPTIONS
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; export UBSAN_OPTIONS

# The value of "stat::NAME: N" in a log, or "?".
stat_of() {
    v=$(sed -n "s/^stat::$2: *\([0-9]*\).*/\1/p" "$1" | tail -n 1)
    echo "${v:-?}"
}

# "cov: N ft: N corp: N" of the last status line libFuzzer printed, or "no status line".
coverage_of() {
    line=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$1" | tail -n 1)
    if [ -z "$line" ]; then echo "no status line"; return; fi
    echo "$line" | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [0-9]+)[^0-9]?.*/\1/'
}

# Prints every input libFuzzer kept as the cause of a failure.
show_reproducers() { # PROGRAM WORKDIR
    found=0
    for a in "$2"/crash-* "$2"/leak-* "$2"/timeout-* "$2"/oom-* "$2"/slow-unit-*; do
        [ -f "$a" ] || continue
        found=1
        echo "reproducer: $a ($(wc -c < "$a") bytes)"
        echo "--- base64"
        base64 "$a" | head -n 200
        echo "--- hex (first 4096 bytes)"
        od -A x -t x1z -v "$a" | head -n 256
        echo "--- replay: $1 $a"
    done
    [ "$found" = 1 ] || echo "no reproducer was saved (see the log above)"
}

# Runs one target; 0 when it passed.
run_target() { # PROGRAM
    prog=$1
    name=${prog##*/}
    work=fuzz/run/$name
    seeds=$fuzzdir/corpus/$name
    rm -rf "$work"
    mkdir -p "$work/corpus" || return 1
    if ! cp "$seeds"/* "$work/corpus/" 2>/dev/null; then
        echo "fuzz: $name: no seeds in $seeds"
        return 1
    fi
    set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=1 \
        -print_final_stats=1 -artifact_prefix="$work/"
    [ -f "$fuzzdir/$name.dict" ] && set -- "$@" -dict="$fuzzdir/$name.dict"
    echo "fuzz: $name: $seconds s from $(ls "$work/corpus" | wc -l) seeds"
    "$prog" "$@" "$work/corpus" >"$work/log" 2>&1
    status=$?
    summary="$(stat_of "$work/log" number_of_executed_units) runs"
    summary="$summary ($(stat_of "$work/log" average_exec_per_sec)/s), $(coverage_of "$work/log")"
    summary="$summary, peak $(stat_of "$work/log" peak_rss_mb) MB"
    if [ "$status" -eq 0 ] && ! grep -q -E '^==[0-9]+==ERROR|^SUMMARY: ' "$work/log"; then
        echo "fuzz: $name: passed: $summary"
        return 0
    fi
    echo "fuzz: $name: FAILED (exit $status): $summary; the end of $work/log:"
    tail -n 80 "$work/log"
    show_reproducers "$prog" "$work"
    return 1
}

passed=0
failed=0
for prog in "$@"; do
    if run_target "$prog"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "fuzz: $((passed + failed)) targets, $passed passed, $failed failed"
[ "$failed" -eq 0 ]
