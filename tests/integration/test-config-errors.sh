#!/bin/sh
# test-config-errors.sh: `unitlsd --check-config -c FILE` on every file of configs/.
#
# Proves: each bad configuration exits 1 and reports exactly the errors its "# expect:" lines
# name, each as FILE:LINE:COLUMN: message (the message may go on after the expected text), and
# nothing else about that file; a file without "# expect:" lines is valid and exits 0 silently;
# the shipped conf/unitlsd.yaml is valid once its demo certificate exists beside it, and its
# relative paths are resolved against its own directory; a missing file exits 1.
# "${UNITLS_TEST_CERTS}" in an expect line stands for the variable's value. Nothing is bound:
# --check-config only reads files. Exit 0 pass, 77 skip (no unitlsd built), 1 fail.
# make check runs it once per built implementation (UNITLS_TEST_IMPL): the files whose errors
# come from the implementation's own checks are checked on that implementation (see on_impl).
set -u

: "${UNITLS_SRCDIR:?set by make check}" "${UNITLS_TEST_CERTS:?set by make check}"
UNITLSD=${UNITLSD:-}
if [ -z "$UNITLSD" ] || [ ! -x "$UNITLSD" ]; then
    echo "SKIP: unitlsd is not built (UNITLSD='$UNITLSD')"
    exit 77
fi
export UNITLS_TEST_CERTS
unset UNITLSD_TEST_NEVER_SET

CONFIGS=$UNITLS_SRCDIR/tests/integration/configs
TMP=$(mktemp -d "${TMPDIR:-/tmp}/unitls-config-errors.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT HUP INT TERM
n_pass=0
n_fail=0

pass() { n_pass=$((n_pass + 1)); echo "ok $((n_pass + n_fail)) - $1"; }
fail() { n_fail=$((n_fail + 1)); echo "not ok $((n_pass + n_fail)) - $1"; }

# check_config FILE: runs unitlsd (bounded to 30 s) with the report (stderr) in $TMP/out and
# what it prints on stdout (--check-config's summary of a valid file) in $TMP/stdout; sets
# $status.
# MODE=--check-config checks; MODE= starts the daemon, which must refuse the same files
# with the same lines (it defers the implementation's checks to its contexts).
MODE=--check-config
check_config() {
    timeout 30 "$UNITLSD" $MODE -c "$1" >"$TMP/stdout" 2>"$TMP/out"
    status=$?
}

# report_lines FILE: the report's lines about FILE, without the daemon's log prefix (a level
# word, or a syslog priority under the journal).
report_lines() {
    sed -e 's/^<[0-7]>//' -e 's/^\(error\|warning\|notice\|info\|debug\): //' "$TMP/out" |
        awk -v p="$1:" 'index($0, p) == 1'
}

show_report() {
    sed 's/^/    | /' "$TMP/out" "$TMP/stdout"
}

# expect_valid FILE NAME
expect_valid() {
    check_config "$1"
    if [ "$status" -eq 0 ] && [ -z "$(report_lines "$1")" ] &&
        [ "$(grep -c "^$1: valid: [0-9]* listeners\{0,1\} on [0-9]* address\(es\)\{0,1\}, [0-9]* certificates\{0,1\} ([a-z, ]*)\$" "$TMP/stdout")" = 1 ] &&
        [ "$(wc -l <"$TMP/stdout")" -eq 1 ]; then
        pass "$2: valid, exit 0, one summary line"
    else
        fail "$2: expected exit 0, no error and one summary line, got exit $status"
        show_report
    fi
}

# expect_errors FILE NAME: every "# expect: " line of FILE, in order, and nothing more.
expect_errors() {
    sed -n 's/^# expect: //p' "$1" | awk -v certs="$UNITLS_TEST_CERTS" \
        '{ gsub(/\$\{UNITLS_TEST_CERTS\}/, certs); print }' >"$TMP/want"
    check_config "$1"
    report_lines "$1" >"$TMP/got"
    ok=1
    [ "$status" -eq 1 ] || ok=0
    [ "$(wc -l <"$TMP/want")" -eq "$(wc -l <"$TMP/got")" ] || ok=0
    i=0
    while IFS= read -r want; do
        i=$((i + 1))
        got=$(sed -n "${i}p" "$TMP/got")
        case $got in
        "$1:$want"*) ;;
        *) ok=0; echo "    expected line $i: $1:$want" ;;
        esac
    done <"$TMP/want"
    if [ "$ok" -eq 1 ]; then
        pass "$2: exit 1, $(wc -l <"$TMP/want") error(s) at the expected line:column"
    else
        fail "$2: exit $status"
        show_report
    fi
}

# The files whose errors the implementation finds (reading certificates, keys and trust
# stores, and matching keys to certificates), and the valid file using every key.
IMPL_CHECKED="cert-missing.yaml cert-without-key.yaml chain-order.yaml key-mismatch.yaml
    trust-store-missing.yaml crl-other-issuer.yaml good-full.yaml"
IMPL=${UNITLS_TEST_IMPL:-}
mkdir "$TMP/impl"
# on_impl FILE: prints the file to check: FILE, or for one of IMPL_CHECKED when IMPL is set, a
# copy that names IMPL: its own `implementation:` line replaced, or one added as the last line,
# so that every line:column stays what the expect lines say.
on_impl() {
    # shellcheck disable=SC2086
    if [ -z "$IMPL" ] || ! printf '%s\n' $IMPL_CHECKED | grep -qxF "${1##*/}"; then
        echo "$1"
        return
    fi
    _copy=$TMP/impl/${1##*/}
    if grep -q '^implementation:' "$1"; then
        sed "s/^implementation:.*/implementation: $IMPL/" "$1" >"$_copy"
    else
        { cat "$1"; echo "implementation: $IMPL"; } >"$_copy"
    fi
    echo "$_copy"
}
# shown NAME FILE: NAME, saying the implementation when FILE is a copy on it.
shown() { case $2 in "$TMP"/*) echo "$1 on $IMPL" ;; *) echo "$1" ;; esac; }

for f0 in "$CONFIGS"/*.yaml; do
    f=$(on_impl "$f0")
    name=$(shown "${f0##*/}" "$f")
    if grep -q '^# expect: ' "$f"; then
        expect_errors "$f" "$name"
    else
        expect_valid "$f" "$name"
    fi
done

# Starting on a file whose only faults the implementation finds (a key that is not the
# leaf's, a chain out of order) fails with the same lines as --check-config, before binding.
MODE=
for name in key-mismatch.yaml chain-order.yaml; do
    f=$(on_impl "$CONFIGS/$name")
    expect_errors "$f" "$(shown "$name" "$f"), starting the daemon"
done
MODE=--check-config

# The shipped sample, with the demo certificate its relative paths name.
mkdir -p "$TMP/conf/demo"
cp "$UNITLS_SRCDIR/conf/unitlsd.yaml" "$TMP/conf/unitlsd.yaml"
check_config "$TMP/conf/unitlsd.yaml"
if [ "$status" -eq 1 ] && grep -q "$TMP/conf/demo/demo.pem" "$TMP/out"; then
    pass "conf/unitlsd.yaml without its demo certificate: exit 1 naming conf/demo/demo.pem"
else
    fail "conf/unitlsd.yaml without its demo certificate: exit $status"
    show_report
fi
cp "$UNITLS_TEST_CERTS/localhost.pem" "$TMP/conf/demo/demo.pem"
cp "$UNITLS_TEST_CERTS/localhost.key" "$TMP/conf/demo/demo.key"
expect_valid "$TMP/conf/unitlsd.yaml" "conf/unitlsd.yaml with conf/demo/demo.pem and demo.key"
(cd "$TMP" && timeout 30 "$UNITLSD" --check-config -c conf/unitlsd.yaml >"$TMP/out" 2>&1)
status=$?
if [ "$status" -eq 0 ]; then
    pass "conf/unitlsd.yaml given as a relative path: exit 0"
else
    fail "conf/unitlsd.yaml given as a relative path: exit $status"
    show_report
fi

check_config "$TMP/absent.yaml"
if [ "$status" -eq 1 ] && grep -q "$TMP/absent.yaml: cannot open the configuration" "$TMP/out"
then
    pass "a missing file: exit 1, cannot open"
else
    fail "a missing file: exit $status"
    show_report
fi

echo "# $n_pass passed, $n_fail failed"
[ "$n_fail" -eq 0 ]
