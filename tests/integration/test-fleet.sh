#!/bin/sh
# The fleet (issue 22): HAProxy in mode tcp with send-proxy-v2 in front of two unitlsd
# instances that share one session_ticket_keys file, each on its own machine - here a network
# namespace the test makes, joined by veth pairs, with addresses of its own (198.18.0.0/15, the
# benchmarking range), each instance in front of its own HTTP backend on its loopback:
#
#   client 198.18.1.2 -- 198.18.1.1 HAProxy 198.18.2.1 -- 198.18.2.2 unitlsd u1 -> backend
#                                            198.18.3.1 -- 198.18.3.2 unitlsd u2 -> backend
#
# - each instance's access log shows the client's own address (198.18.1.2), via= HAProxy's;
# - a session from one instance resumes, through the balancer, on the other (s_client says
#   Reused, the other instance's access line says resumed=yes);
# - after a rotation (a new first line in the key file, SIGHUP to both) a ticket made before
#   it still resumes (OpenSSL; GnuTLS has one ticket key, derived from the first line, so
#   its clients do one full handshake: the documented difference) and new tickets are made
#   with the new key (OpenSSL: the ticket starts with its name);
# - SIGTERM to u1 while 200 clients loop through the balancer: /health turns 503, HAProxy's
#   checks take u1 out during drain.health_grace, u1 exits cleanly, and no client request fails.
# Needs root (network namespaces) and HAProxy; skipped with the reason where either is missing.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the fleet test makes network namespaces: it needs root"
for tool in ip haproxy curl; do
    command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed"
done
[ -x "$UNITLS_LOAD" ] || skip_all "unitls-load is not built ($UNITLS_LOAD)"

TAG=$$
NSC=utls-c-$TAG NSL=utls-l-$TAG NS1=utls-1-$TAG NS2=utls-2-$TAG
NAMESPACES=""
fleet_cleanup() {
    cleanup
    # Anything still in a namespace (a process a failed step left behind) is stopped by its
    # PID before the namespace goes: deleting a namespace does not end its processes.
    for _ns in $NAMESPACES; do
        for _p in $(ip netns pids "$_ns" 2>/dev/null); do kill -KILL "$_p" 2>/dev/null; done
        ip netns del "$_ns" 2>/dev/null
    done
}
trap fleet_cleanup EXIT
for ns in "$NSC" "$NSL" "$NS1" "$NS2"; do
    ip netns add "$ns" 2>"$T/netns.err" ||
        skip_all "ip netns is not allowed here: $(tr '\n' ' ' <"$T/netns.err")"
    NAMESPACES="$NAMESPACES $ns"
    ip -n "$ns" link set lo up
done
# link NS_A IF_A ADDR_A NS_B IF_B ADDR_B: a veth pair between two namespaces, addressed, up.
link() {
    ip -n "$1" link add "$2" type veth peer name "$5" netns "$4" &&
        ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$4" addr add "$6/24" dev "$5" &&
        ip -n "$1" link set "$2" up && ip -n "$4" link set "$5" up
}
link "$NSC" c0 198.18.1.2 "$NSL" l0 198.18.1.1 &&
    link "$NSL" l1 198.18.2.1 "$NS1" s0 198.18.2.2 &&
    link "$NSL" l2 198.18.3.1 "$NS2" s0 198.18.3.2 || bail "the namespaces are linked"
# in_ns NS COMMAND...: runs COMMAND in NS. Processes started in the background are started
# with `ip netns exec` itself, which execs COMMAND, so that $! is COMMAND's PID (a function
# would put a subshell in between, and signals would go to it).
in_ns() { _ns=$1; shift; ip netns exec "$_ns" "$@"; }
# ns_port_open NS HOST:PORT: something accepts TCP connections there, seen from NS.
ns_port_open() { in_ns "$1" "$TLSCLIENT" --probe --timeout-ms 2000 "$2" 2>/dev/null; }

# --- the instances ----------------------------------------------------------------------------

umask 077
head -c 80 /dev/urandom | base64 -w 0 >"$T/ticket.keys" && echo >>"$T/ticket.keys"
umask 022
OLD_NAME=$(base64 -d <"$T/ticket.keys" | head -c 16 | od -An -tx1 -v | tr -d ' \n')

# instance N ADDRESS: u$N.yaml for the instance at ADDRESS (its balancer at .1 of its /24).
instance_yaml() {
    _net=${2%.*}
    impl_yaml
    echo "workers: 1"
    echo "run_as_root: true"
    echo "log: { level: info, access: true }"
    echo "drain: { health_grace: 3s }"
    echo "listeners:"
    echo "  - name: web"
    echo "    listen: [\"$2:443\"]"
    echo "    certificates:"
    echo "      - cert: $CERTS/localhost.pem"
    echo "        key: $CERTS/localhost.key"
    echo "    backend: { address: \"127.0.0.1:8080\" }"
    echo "    accept_proxy: { versions: [v2], trusted: [$_net.1/32] }"
    echo "    session_ticket_keys: $T/ticket.keys"
    echo "stats:"
    echo "  listen: $2:9100"
}
# start_instance N NS ADDRESS: its backend, then unitlsd; sets U${N}_PID.
start_instance() {
    instance_yaml "$1" "$3" >"$T/u$1.yaml"
    ip netns exec "$2" "$HTTP_BIN" --listen 127.0.0.1:8080 >"$T/b$1.port" 2>"$T/b$1.err" 3>&- 4>&- &
    track_pid $!
    wait_until 20 ns_port_open "$2" 127.0.0.1:8080 || bail "backend of u$1 starts ($(cat "$T/b$1.err"))"
    ip netns exec "$2" "$UNITLSD" -c "$T/u$1.yaml" >"$T/u$1.out" 2>"$T/u$1.log" 3>&- 4>&- &
    eval "U$1_PID=$!"
    track_pid $!
    wait_until 30 ns_port_open "$2" "$3:9100" ||
        bail "u$1 starts ($(tail -n 3 "$T/u$1.log" | tr '\n' ' '))"
}
start_instance 1 "$NS1" 198.18.2.2
start_instance 2 "$NS2" 198.18.3.2

cat >"$T/haproxy.cfg" <<EOF
global
    maxconn 4000
defaults
    mode tcp
    option redispatch
    retries 3
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout check 1s
frontend fe
    bind 198.18.1.1:443
    default_backend be
backend be
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    default-server send-proxy-v2 check port 9100 inter 200ms fall 1 rise 2
    server u1 198.18.2.2:443
    server u2 198.18.3.2:443
EOF
ip netns exec "$NSL" haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 3>&- 4>&- &
HAPROXY_PID=$!
track_pid "$HAPROXY_PID"
wait_until 20 ns_port_open "$NSC" 198.18.1.1:443 ||
    bail "haproxy starts ($(tail -n 3 "$T/haproxy.log" | tr '\n' ' '))"

CLIENT_CURL="curl -sS --max-time 20 --cacert $CERTS/ca.pem --resolve localhost:443:198.18.1.1"

# --- the client's own address on both instances ----------------------------------------------

for i in 1 2 3 4; do
    in_ns "$NSC" $CLIENT_CURL https://localhost/ >>"$T/curl.out" 2>>"$T/curl.err"
done
check_eq "four requests through HAProxy are served" \
    "$(grep -c "hello from the unitls test backend" "$T/curl.out")" 4
for n in 1 2; do
    check "u$n's access log shows the client's own address, HAProxy's as via=" \
        wait_until 10 lines_at_least \
        "access listener=web client=198\\.18\\.1\\.2:[0-9]* .*end=\"clean\" via=198\\.18\\.$((n + 1))\\.1:[0-9]*\$" \
        "$T/u$n.log" 2
    check_no_grep "u$n's access log never names HAProxy as the client" \
        "access listener=web client=198\\.18\\.[23]\\.1:" "$T/u$n.log"
done

# --- a session from one instance resumes on the other ----------------------------------------

# served_by BEFORE1 BEFORE2: which instance wrote an access line since the counts given.
access_count() { count_lines "access listener=web client=198\\.18\\.1\\.2:" "$T/u$1.log"; }
served_since() { [ "$(access_count 1)" -gt "$1" ] || [ "$(access_count 2)" -gt "$2" ]; }
served_by() {
    wait_until 10 served_since "$1" "$2"
    if [ "$(access_count 1)" -gt "$1" ]; then echo 1
    elif [ "$(access_count 2)" -gt "$2" ]; then echo 2
    else echo none; fi
}
# get_session FILE: a full handshake through HAProxy that saves its session (the ticket comes
# before the echo of the request); prints the instance that served it.
get_session() {
    _b1=$(access_count 1) _b2=$(access_count 2)
    rm -f "$1"
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        in_ns "$NSC" timeout 30 "$OPENSSL" s_client -connect 198.18.1.1:443 -servername localhost \
            -CAfile "$CERTS/ca.pem" -ign_eof -sess_out "$1" >"$1.out" 2>&1
    served_by "$_b1" "$_b2"
}
# resume FILE: a handshake offering FILE's session; prints "Reused|New|failed INSTANCE".
resume() {
    _b1=$(access_count 1) _b2=$(access_count 2)
    printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' |
        in_ns "$NSC" timeout 30 "$OPENSSL" s_client -connect 198.18.1.1:443 -servername localhost \
            -CAfile "$CERTS/ca.pem" -ign_eof -sess_in "$1" >"$T/resume.out" 2>&1
    if grep -q '^Reused, TLSv1' "$T/resume.out"; then _how=Reused
    elif grep -q '^New, TLSv1' "$T/resume.out"; then _how=New
    else _how=failed; fi
    echo "$_how $(served_by "$_b1" "$_b2")"
}
# resume_elsewhere FILE FROM: resumes FILE until a connection lands on the instance other
# than FROM (round robin: the next one does; bounded); prints what resume said there.
resume_elsewhere() {
    for _try in 1 2 3 4; do
        _r=$(resume "$1")
        [ "${_r#* }" != "$2" ] && { echo "$_r"; return; }
    done
    echo "failed $2"
}

from_a=$(get_session "$T/a.sess")
check "a session is made through the balancer (on u$from_a)" test -s "$T/a.sess"
from_b=$(get_session "$T/b.sess")
check "a second session is made (on u$from_b)" test -s "$T/b.sess"
case $from_a in 1|2) ;; *) bail "the instance that made the session is known" ;; esac
other_a=$((3 - from_a))
r=$(resume_elsewhere "$T/a.sess" "$from_a")
check_eq "u$from_a's ticket resumes on u$other_a, through the balancer" "$r" "Reused $other_a"
check_grep "u$other_a's access line says the client resumed" \
    "access listener=web client=198\\.18\\.1\\.2:.* resumed=yes\$" "$T/u$other_a.log"

# --- rotation: a new first line, SIGHUP to both -----------------------------------------------

NEW_KEY=$(head -c 80 /dev/urandom | base64 -w 0)
NEW_NAME=$(printf '%s' "$NEW_KEY" | base64 -d | head -c 16 | od -An -tx1 -v | tr -d ' \n')
{ echo "$NEW_KEY"; cat "$T/ticket.keys"; } >"$T/ticket.keys.new"
chmod 600 "$T/ticket.keys.new" && mv "$T/ticket.keys.new" "$T/ticket.keys"
for n in 1 2; do
    eval "kill -HUP \$U${n}_PID"
    check "u$n reloads with the rotated key file" \
        wait_until 20 lines_at_least "reload: generation 2 " "$T/u$n.log" 1
    check_grep "u$n: the listener's context is new (the key file is part of its configuration)" \
        "reload: generation 2 .*contexts 0 reused, 1 built" "$T/u$n.log"
done

r=$(resume "$T/b.sess")
if [ "$UNITLS_TEST_IMPL" = gnutls ]; then
    # GnuTLS has one ticket key, derived from the file's first line (unitlsd.yaml(5)).
    check_eq "gnutls: a ticket from before the rotation gets a full handshake" "${r% *}" New
else
    check_eq "a ticket from before the rotation still resumes" "${r% *}" Reused
fi
from_c=$(get_session "$T/c.sess")
check "a session is made after the rotation (on u$from_c)" test -s "$T/c.sess"
case $from_c in 1|2) ;; *) bail "the instance that made the session is known" ;; esac
if [ "$UNITLS_TEST_IMPL" != gnutls ]; then
    ticket=$("$OPENSSL" sess_id -in "$T/c.sess" -noout -text 2>/dev/null |
        sed -n '/TLS session ticket:/,/^$/p' | sed -n 's/^ *[0-9a-f]\{4\} - //p' |
        sed 's/   .*//; s/[ -]//g' | tr -d '\n')
    check_eq "the new ticket is made with the new key (its name starts the ticket)" \
        "$(printf '%s' "$ticket" | cut -c 1-32)" "$NEW_NAME"
    check "and not with the old one" test "$NEW_NAME" != "$OLD_NAME"
fi
r=$(resume_elsewhere "$T/c.sess" "$from_c")
check_eq "a ticket made after the rotation resumes on the other instance" "$r" "Reused $((3 - from_c))"

# --- SIGTERM to u1 under 200 looping clients --------------------------------------------------

printf 'GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >"$T/request"
ip netns exec "$NSC" "$UNITLS_LOAD" -q --json -m request --request "$T/request" -c 200 -d 9s -t 30s \
    --implementation "$UNITLS_TEST_IMPL" --cafile "$CERTS/ca.pem" --sni localhost \
    198.18.1.1:443 >"$T/load.json" 2>"$T/load.err" 3>&- 4>&- &
LOAD_PID=$!
track_pid "$LOAD_PID"
sleep 3
served1=$(access_count 1)
check "u1 serves its share of the load before SIGTERM" test "$served1" -gt 20
kill -TERM "$U1_PID"
u1_health_503() {
    [ "$(in_ns "$NSL" curl -s -o /dev/null -w '%{http_code}' http://198.18.2.2:9100/health)" = 503 ]
}
check "SIGTERM: u1's /health turns 503 at once" wait_until 5 u1_health_503
check "HAProxy's checks see 503 and take u1 out" \
    wait_until 10 grep -q "Server be/u1 is DOWN.*503" "$T/haproxy.log"
wait_exit "$LOAD_PID" 60 || { kill -TERM "$LOAD_PID"; wait_exit "$LOAD_PID" 10; }
check "u1 exits after the grace and the drain" wait_exit "$U1_PID" 30
check_eq "u1 exits with status 0" "$EXIT_STATUS" 0
completed=$(json_get "$T/load.json" completed)
check "the load completed requests ($completed)" test "${completed:-0}" -gt 200
check_eq "not one client request failed" "$(json_get "$T/load.json" failed)" 0
check_grep "u2 went on serving" "access listener=web client=198\\.18\\.1\\.2:" "$T/u2.log"
check_no_grep "no sanitizer report from u1" "ERROR: AddressSanitizer\|runtime error:" "$T/u1.log"

stop_pid "$HAPROXY_PID" 10
stop_pid "$U2_PID" 30
check_eq "u2 stops cleanly" "$EXIT_STATUS" 0
check_no_grep "no sanitizer report from u2" "ERROR: AddressSanitizer\|runtime error:" "$T/u2.log"
finish
