#!/bin/sh
# A reload with 100 listeners (each its own TLS configuration: one ALPN name per listener):
# all 100 serve before; a reload with nothing changed reuses all 100 contexts and keeps all 100
# sockets; a reload that renews the certificate file they share builds 100 new contexts; a
# reload back to 1 listener removes 99 sockets. All reloads succeed
# and every address serves (or stops) as the file says. Durations from the reload lines are
# printed for the record (1 and 100 listeners); none is asserted.
. "$(dirname "$0")/lib.sh"

N=100
[ "$(ulimit -n)" -ge 2048 ] || ulimit -n 2048 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
start_backend ECHO "$ECHO_BIN"
PORTS=$(free_ports "$N")
set -- $PORTS
FIRST=$1
cp "$CERTS/localhost.pem" "$T/site.pem"; cp "$CERTS/localhost.key" "$T/site.key"
many() {
    config_head
    i=0
    for p in $PORTS; do
        i=$((i + 1))
        listener_yaml "l$i" "\"127.0.0.1:$p\"" "127.0.0.1:$ECHO_PORT" "$T/site"
        echo "    protocols: [p$i]"
        [ "${1:-}" = one ] && break
    done
}
many >"$T/unitlsd.yaml"
START_WAIT=600 start_unitlsd "$T/unitlsd.yaml" $PORTS || finish

# serving: how many of the N ports complete a verified echo (4 clients per pass, one per port).
serving() {
    _n=0
    for p in $PORTS; do
        tls --echo-bytes 100 --timeout-ms 30000 "127.0.0.1:$p" >/dev/null 2>&1 && _n=$((_n + 1))
    done
    echo "$_n"
}
check_eq "all $N listeners serve" "$(serving)" "$N"

check "reload with nothing changed ends" reload_unitlsd 120
last_reload_line >"$T/r1.line"; note "100 listeners, unchanged: $(cat "$T/r1.line")"
check_grep "$N contexts reused, $N sockets kept" "contexts $N reused, 0 built.*sockets $N kept, 0 added, 0 removed" "$T/r1.line"

new_leaf "$T" site "DNS:localhost,IP:127.0.0.1" || bail "a renewed certificate could be made"
check "reload with the shared certificate renewed ends" reload_unitlsd 120
last_reload_line >"$T/r2.line"; note "100 listeners, all renewed: $(cat "$T/r2.line")"
check_grep "$N contexts built, $N sockets kept" "contexts 0 reused, $N built.*sockets $N kept" "$T/r2.line"
check_eq "all $N listeners serve after it" "$(serving)" "$N"
served_der "$FIRST" "$T/first.der" -servername localhost
check "the renewed certificate is served" same_file "$T/first.der" "$T/site.der"

many one >"$T/unitlsd.yaml"
check "reload down to 1 listener ends" reload_unitlsd 120
last_reload_line >"$T/r3.line"; note "100 -> 1 listener: $(cat "$T/r3.line")"
check_grep "1 kept, $((N - 1)) removed" "sockets 1 kept, 0 added, $((N - 1)) removed" "$T/r3.line"
check_eq "only the first listener serves" "$(serving)" 1
new_leaf "$T" site "DNS:localhost,IP:127.0.0.1" || bail "a renewed certificate could be made"
check "reload of 1 listener with a renewed certificate ends" reload_unitlsd 120
note "1 listener, renewed: $(last_reload_line)"
finish
