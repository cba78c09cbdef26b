#!/bin/sh
# docs/grafana/unitlsd.json, the Grafana dashboard for unitlsd's /metrics: it is valid JSON,
# has a panel for each thing an operator watches (handshakes, failures by reason, connections,
# bytes, backend errors, reloads, certificate expiry, OCSP), and every metric any of its
# queries names is one a running unitlsd really exports: a unitlsd with a stapling listener
# (so that the OCSP series exist) is scraped, and the names are compared.
. "$(dirname "$0")/lib.sh"

DASHBOARD=${UNITLS_SRCDIR:-$(dirname "$0")/../..}/docs/grafana/unitlsd.json
command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed to read the dashboard's JSON"

# The dashboard's queries, one per line as "PANEL TITLE<TAB>EXPR", or an error.
python3 - "$DASHBOARD" >"$T/queries.txt" 2>"$T/json.err" <<'PY'
import json, sys
with open(sys.argv[1]) as f:
    d = json.load(f)
for p in d["panels"]:
    for t in p.get("targets", []):
        print(p["title"] + "\t" + t["expr"])
PY
check_eq "the dashboard is valid JSON with queries" "$?:$(cat "$T/json.err")" "0:"
check "it has queries" test -s "$T/queries.txt"

# A panel for each topic the issue names, found by the metric its query reads.
for m in unitlsd_handshakes_total unitlsd_handshake_failures_total unitlsd_connections_open \
    unitlsd_client_bytes_received_total unitlsd_backend_failures_total unitlsd_reloads_total \
    unitlsd_certificate_expiry_seconds unitlsd_ocsp_state; do
    check_grep "a panel reads $m" "$m" "$T/queries.txt"
done
check_grep "failures are shown by reason" 'by (reason)' "$T/queries.txt"
check_grep "certificate expiry is shown in days" 'unitlsd_certificate_expiry_seconds.* - time()) / 86400' \
    "$T/queries.txt"

# A running unitlsd's names: one listener staples (an unparsable response, so its state is
# "invalid" and the OCSP series exist), one does not.
start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 3)
P=$1 P2=$2 PS=$3
printf 'not an OCSP response' >"$T/bad.ocsp"
{
    config_head | sed '/^listeners:/i stats:\n  listen: 127.0.0.1:'"$PS"
    listener_yaml site "\"127.0.0.1:$P\"" "127.0.0.1:$ECHO_PORT" |
        sed "s|^        key: $CERTS/localhost.key\$|&\\n        ocsp: $T/bad.ocsp|"
    listener_yaml other "\"127.0.0.1:$P2\"" "127.0.0.1:$ECHO_PORT" example.org
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P" "$P2" "$PS" || finish
tls "127.0.0.1:$P" >/dev/null 2>&1
timeout 30 curl -sS "http://127.0.0.1:$PS/metrics" >"$T/metrics.txt" 2>&1
sed -n 's/^# TYPE \([a-z_]*\) .*/\1/p' "$T/metrics.txt" | sort -u >"$T/exported.txt"
check "unitlsd exports metrics" test -s "$T/exported.txt"
note "exported: $(tr '\n' ' ' <"$T/exported.txt")"

# Every unitlsd_ name in every query is exported.
grep -o 'unitlsd_[a-z_]*' "$T/queries.txt" | sort -u >"$T/named.txt"
missing=$(comm -23 "$T/named.txt" "$T/exported.txt" | tr '\n' ' ')
check_eq "every metric the dashboard names is exported" "$missing" ""
# And every query names at least one.
without=$(awk -F '\t' '$2 !~ /unitlsd_[a-z_]+/ { print $1 }' "$T/queries.txt" | tr '\n' ' ')
check_eq "every query reads a unitlsd metric" "$without" ""
daemon_exit_checks
finish
