#!/bin/sh
# stats.listen: Prometheus text at /metrics over plain HTTP. The counters move by what the test
# did: accepted connections and handshakes, plaintext bytes each way, backend failures, open
# connections per listener while one is held, reloads by result (a failed reload is counted),
# each served certificate's notAfter (as OpenSSL's command line reads it), also after a reload
# that adds a certificate.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 4)
P=$1 P_DEAD=$2 PS=$3 DEAD_BACKEND=$4
# config [CERT...]: the listener dead serves CERT... (default: localhost).
config() {
    config_head | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$PS"
    listener_yaml site "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT"
    listener_yaml dead "\"127.0.0.1:$P_DEAD\"" "127.0.0.1:$DEAD_BACKEND" "$@"
}
# not_after NAME: the certificate NAME.pem's notAfter in seconds since the epoch.
not_after() {
    date -u -d "$(openssl x509 -in "$CERTS/$1.pem" -noout -enddate | cut -d= -f2)" +%s
}
# subject NAME: its subject as RFC 4514 writes it.
subject() { openssl x509 -in "$CERTS/$1.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }
# expiry LISTENER NAME: the value of unitlsd_certificate_expiry_seconds for that certificate.
# (The subject holds spaces, so the sample is matched as a whole line up to its value.)
expiry() {
    grep -F "unitlsd_certificate_expiry_seconds{listener=\"$1\",certificate=\"$CERTS/$2.pem\",subject=\"$(subject "$2")\"} " \
        "$T/m.txt" | awk '{ print $NF }'
}
config >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$P_DEAD" "$PS" || finish

metrics() { timeout 30 curl -sS "http://127.0.0.1:$PS/metrics" >"$T/m.txt" 2>&1; }
# value NAME_WITH_LABELS: the sample's value in the last scrape.
value() { awk -v n="$1" '$1 == n { print $2 }' "$T/m.txt"; }

metrics
check_grep "/metrics answers with Prometheus text" '^# TYPE unitlsd_connections_accepted_total counter' "$T/m.txt"
acc0=$(value unitlsd_connections_accepted_total); hs0=$(value unitlsd_handshakes_total)
in0=$(value unitlsd_client_bytes_received_total); out0=$(value unitlsd_client_bytes_sent_total)
bf0=$(value unitlsd_backend_failures_total)
check_grep "certificate expiry is a gauge" '^# TYPE unitlsd_certificate_expiry_seconds gauge' "$T/m.txt"
check_eq "certificate expiry of site's certificate: its notAfter" "$(expiry site localhost)" \
    "$(not_after localhost)"
check_eq "one expiry series per served certificate" \
    "$(grep -c '^unitlsd_certificate_expiry_seconds{' "$T/m.txt")" 2

tls --connections 3 --echo-bytes 1000 "127.0.0.1:$P" >/dev/null 2>&1
tls --until-close "127.0.0.1:$P_DEAD" >/dev/null 2>&1
sleep 0.5
metrics
check_eq "accepted connections: +4" "$(( $(value unitlsd_connections_accepted_total) - acc0 ))" 4
check_eq "handshakes: +4" "$(( $(value unitlsd_handshakes_total) - hs0 ))" 4
check_eq "bytes from clients: +3000" "$(( $(value unitlsd_client_bytes_received_total) - in0 ))" 3000
check_eq "bytes to clients: +3000" "$(( $(value unitlsd_client_bytes_sent_total) - out0 ))" 3000
check_eq "backend failures: +1" "$(( $(value unitlsd_backend_failures_total) - bf0 ))" 1

tls_bg --echo-bytes 10 --hold --hold-ms 120000 "127.0.0.1:$P" >"$T/hold.out" 2>&1 &
HOLD=$!; track_pid "$HOLD"
wait_until 30 grep -q '^ready' "$T/hold.out"
metrics
check_eq "open connections of listener site while one is held" \
    "$(value 'unitlsd_listener_connections_open{listener="site"}')" 1
stop_pid "$HOLD"

echo "bogus: 1" >>"$T/unitlsd.yaml"
reload_unitlsd
config localhost example.org >"$T/unitlsd.yaml"
reload_unitlsd
metrics
check_eq "after a reload adding example.org to dead: its expiry" "$(expiry dead example.org)" \
    "$(not_after example.org)"
check_eq "after the reload: three expiry series" \
    "$(grep -c '^unitlsd_certificate_expiry_seconds{' "$T/m.txt")" 3
check_eq "reloads counted by result: failed" "$(value 'unitlsd_reloads_total{result="failed"}')" 1
check_eq "reloads counted by result: ok" "$(value 'unitlsd_reloads_total{result="ok"}')" 1
check_eq "/metrics still on its address after the reloads" "$(value unitlsd_generation)" 2
code=$(timeout 30 curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PS/metrics")
case $code in
405|501) pass "POST /metrics is refused ($code)" ;;
*) fail "POST /metrics is refused" "HTTP status $code" ;;
esac
finish
