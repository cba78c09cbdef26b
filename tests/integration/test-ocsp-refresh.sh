#!/bin/sh
# ocsp_refresh: true against `openssl ocsp -port` on loopback. The daemon starts with no
# response: it fetches one at once from each leaf's responder, writes it next to the
# certificate (site.test: CERT.ocsp; kept.test: its own ocsp path) and staples it without a
# reload. A leaf whose responder is https:// is refused with one clear line and counted. Then
# the responder stops and a response already past half of its validity is put in place (SIGHUP):
# the daemon tries to refresh it, fails, counts each failure in
# unitlsd_ocsp_refresh_failures_total and retries after a back-off, while that response keeps
# being stapled. With the responder back, a retry brings a fresh response, written and stapled.
# A reload that drops certificates drops their series; the others keep their counters.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-ocsp.sh"

command -v curl >/dev/null 2>&1 || skip_all "curl is needed to read /metrics"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P=$1 P_STATS=$2 P_RESP=$3
URL=http://127.0.0.1:$P_RESP/
ocsp_ca
ocsp_leaf site.test 2001 "$URL"; ocsp_index site.test V
ocsp_leaf kept.test 2002 "$URL"; ocsp_index kept.test V
ocsp_leaf tls.test 2003 "https://127.0.0.1:$P_RESP/"; ocsp_index tls.test V
{
    config_head 1 | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$P_STATS"
    echo "  - name: fetch"
    echo "    listen: [\"127.0.0.1:$P\"]"
    echo "    certificates:"
    echo "      - { cert: site.test.pem, key: site.test.key }"
    echo "      - { cert: kept.test.pem, key: kept.test.key, ocsp: staples/kept.der }"
    echo "      - { cert: tls.test.pem, key: tls.test.key }"
    echo "    backend: { address: \"127.0.0.1:$ECHO_PORT\" }"
    echo "    ocsp_refresh: true"
} >"$T/unitlsd.yaml"
mkdir "$T/staples"
ocsp_responder "$P_RESP"
start_unitlsd "$T/unitlsd.yaml" "$P" || finish
LOG=$UNITLSD_LOG

metrics() { timeout 30 curl -sS "http://127.0.0.1:$P_STATS/metrics" >"$T/m.txt" 2>&1; }
# metric NAME CERT [STATE]: the value of the series for CERT (and STATE), after a fresh read.
metric() {
    metrics
    _labels="listener=\"fetch\",certificate=\"$T/$2.test.pem\"${3:+,state=\"$3\"}"
    awk -v n="$1{$_labels}" '$1 == n { print $2 }' "$T/m.txt"
}
metric_at_least() { [ "$(metric "$1" "$2")" -ge "$3" ] 2>/dev/null; }

# --- the first fetch ------------------------------------------------------------------------
check "site.test: a response is fetched and written to site.test.pem.ocsp" \
    wait_until 30 test -s "$T/site.test.pem.ocsp"
check "kept.test: a response is fetched and written to its ocsp path" \
    wait_until 30 test -s "$T/staples/kept.der"
check "the refresh is logged" \
    wait_until 10 lines_at_least "certificate $T/site.test.pem: refreshed from $URL: valid until" "$LOG" 1
sclient_status "$P" site.test "$T/site.out"
check "site.test is stapled (good) without a reload" stapled_good "$T/site.out"
sclient_status "$P" kept.test "$T/kept.out" -tls1_2
check "kept.test is stapled (good) over TLS 1.2" stapled_good "$T/kept.out"
check_eq "no reload happened" "$(count_lines "$RELOAD_DONE_RE" "$LOG")" 0
check "metric: site.test refreshed once" metric_at_least unitlsd_ocsp_refreshes_total site 1
check_eq "metric: site.test is valid" "$(metric unitlsd_ocsp_state site valid)" 1
check "access line: ocsp=stapled" \
    wait_until 10 lines_at_least "access listener=fetch .*sni=site.test .*ocsp=stapled " "$LOG" 1

check_grep "tls.test: an https responder is refused, naming the URL" \
    "certificate $T/tls.test.pem: cannot refresh: the responder URL https://127.0.0.1:$P_RESP/ is not http://" "$LOG"
check_eq "tls.test: said once" "$(count_lines "certificate $T/tls.test.pem: cannot refresh" "$LOG")" 1
check_eq "metric: tls.test's refusal is one failure" \
    "$(metric unitlsd_ocsp_refresh_failures_total tls)" 1
check_eq "metric: tls.test has no response" "$(metric unitlsd_ocsp_state tls absent)" 1

# --- the responder stops; a response past half of its validity is in place ------------------
stop_pid "$RESPONDER_PID"
ocsp_make --cert "$T/site.test.leaf" --this-update -3000 --next-update 600 \
    --out "$T/half.der" || bail "ocspmake writes a response past half of its validity"
cp "$T/half.der" "$T/site.test.pem.ocsp"
half_this=$("$OPENSSL" ocsp -respin "$T/half.der" -resp_text -noverify 2>/dev/null |
    sed -n 's/^ *This Update: //p')
check "SIGHUP with the older response ends" reload_unitlsd
check_eq "tls.test: the unchanged certificate is not retried after the reload" \
    "$(count_lines "certificate $T/tls.test.pem: cannot refresh" "$LOG")" 1
check "metric: a failed refresh is counted" \
    wait_until 30 metric_at_least unitlsd_ocsp_refresh_failures_total site 1
check_grep "the failure is logged, keeping the staple" \
    "certificate $T/site.test.pem: refresh from $URL failed (1 in a row): .*still stapling the current response" "$LOG"
sclient_status "$P" site.test "$T/kept-staple.out"
check "the older response is still stapled (good)" stapled_good "$T/kept-staple.out"
check_grep "it is the response put in place" "This Update: $half_this" "$T/kept-staple.out"
check "metric: the retry after the back-off fails too" \
    wait_until 30 metric_at_least unitlsd_ocsp_refresh_failures_total site 2
check_eq "metric: site.test stays valid" "$(metric unitlsd_ocsp_state site valid)" 1

# --- the responder is back --------------------------------------------------------------------
refreshed=$(metric unitlsd_ocsp_refreshes_total site)
ocsp_responder "$P_RESP"
check "a retry fetches a fresh response" \
    wait_until 60 metric_at_least unitlsd_ocsp_refreshes_total site $((refreshed + 1))
check "the fresh response replaced the file" sh -c "! cmp -s '$T/half.der' '$T/site.test.pem.ocsp'"
sclient_status "$P" site.test "$T/fresh.out"
check "the fresh response is stapled (good)" stapled_good "$T/fresh.out"
check_no_grep "it is not the older one" "This Update: $half_this" "$T/fresh.out"

# --- a reload that drops certificates drops their state (the sanitizer build checks the leaks) -
refreshed=$(metric unitlsd_ocsp_refreshes_total site)
grep -v 'kept.test\|tls.test' "$T/unitlsd.yaml" >"$T/fewer.yaml" && mv "$T/fewer.yaml" "$T/unitlsd.yaml"
check "SIGHUP dropping kept.test and tls.test ends" reload_unitlsd
metrics
check_eq "kept.test has no series any more" "$(grep -c "certificate=\"$T/kept.test.pem\"" "$T/m.txt")" 0
check_eq "site.test keeps its counters across the reload" \
    "$(metric unitlsd_ocsp_refreshes_total site)" "$refreshed"
check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
