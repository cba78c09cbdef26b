#!/bin/sh
# Half-close is carried through both ways.
# Client first: the client sends its data then close_notify; a backend that answers only at
# EOF (echo --mode eof-reply) must see that EOF (the daemon shut the backend's write side) and
# the client must still receive the whole answer and then a close_notify.
# Backend first: a backend that sends N bytes and then shuts its write side (echo --mode greet):
# the client receives all N bytes, then close_notify (not a ragged end).
. "$(dirname "$0")/lib.sh"

start_backend LATE "$ECHO_BIN" --mode eof-reply
start_backend GREET "$ECHO_BIN" --mode greet --greet-bytes 300000
set -- $(free_ports 2)
P_LATE=$1 P_GREET=$2
{
    config_head
    listener_yaml late "\"127.0.0.1:$P_LATE\"" "127.0.0.1:$LATE_PORT"
    listener_yaml greet "\"127.0.0.1:$P_GREET\"" "127.0.0.1:$GREET_PORT"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_LATE" "$P_GREET" || finish

for size in 1 100000 4194304; do
    tls --half-close --echo-bytes "$size" --timeout-ms 120000 "127.0.0.1:$P_LATE" >"$T/late.out" 2>&1
    if grep -q "received=$size end=close_notify" "$T/late.out" && grep -q '^completed=1 failed=0' "$T/late.out"; then
        pass "client close_notify after $size bytes: backend saw EOF, whole answer then close_notify came back"
    else
        fail "client close_notify after $size bytes: backend saw EOF, whole answer then close_notify came back" \
            "$(tr '\n' ' ' <"$T/late.out")"
    fi
done

head -c 2000000 /dev/urandom >"$T/in.bin"
tls --half-close --input "$T/in.bin" --output "$T/out.bin" --timeout-ms 120000 "127.0.0.1:$P_LATE" >"$T/file.out" 2>&1
check_eq "client half-close with a file: same SHA-256 back" "$(sha256 "$T/out.bin" 2>/dev/null)" "$(sha256 "$T/in.bin")"

pattern_bytes 300000 >"$T/greeting.want"
for i in 1 2 3; do
    rm -f "$T/greeting.got"
    tls --until-close --output "$T/greeting.got" "127.0.0.1:$P_GREET" >"$T/greet.out" 2>&1
    if same_file "$T/greeting.got" "$T/greeting.want" && grep -q 'end=close_notify' "$T/greet.out"; then
        pass "backend EOF after 300000 bytes (run $i): client got them all, then close_notify"
    else
        fail "backend EOF after 300000 bytes (run $i): client got them all, then close_notify" \
            "$(wc -c <"$T/greeting.got" 2>/dev/null) bytes; $(tr '\n' ' ' <"$T/greet.out")"
    fi
done

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
