#!/bin/sh
# unitls-load against `openssl s_server -www`, whose status page ("GET /") reports the
# server's own SSL_CTX counters. Proves: handshake mode's count agrees with the server's
# finished accepts and never resumes; resume mode's resumed handshakes agree with the server's
# session cache hits; a wrong CA counts every connection as a verification failure (and the
# server finishes none of them); --tls-version/--cipher choose what is negotiated; --json
# carries the contract's keys; --hdr writes HdrHistogram's percentile distribution of the same
# handshakes; the exit status says ran / bad usage / could not run.
. "$(dirname "$0")/lib.sh"

command -v "$OPENSSL" >/dev/null 2>&1 || skip_all "no openssl command"
load_required

P=$(free_ports 1)
"$OPENSSL" s_server -www -accept "127.0.0.1:$P" -cert "$CERTS/localhost.pem" \
    -cert_chain "$CERTS/intermediate.pem" -key "$CERTS/localhost.key" \
    >"$T/s_server.out" 2>&1 </dev/null &
SPID=$!
track_pid "$SPID"
wait_until 20 port_open "$P" || bail "openssl s_server listens on $P"

# server_stats NAME: saves s_server's status page as $T/NAME.page. Fetching the page is itself
# one finished accept, counted in the page it gets. page_stat NAME WHAT: one counter of that page
# ("server accepts that finished", "session cache hits").
server_stats() {
    printf 'GET / HTTP/1.0\r\n\r\n' |
        timeout 20 "$OPENSSL" s_client -quiet -ign_eof -connect "127.0.0.1:$P" \
            -CAfile "$CERTS/ca.pem" >"$T/$1.page" 2>/dev/null
}
page_stat() { sed -n "s/^ *\([0-9][0-9]*\) $2\$/\1/p" "$T/$1.page" | head -n 1; }
# delta FROM TO WHAT: how much a counter grew between two pages, less the fetch of TO.
delta() { echo $(($(page_stat "$2" "$3") - $(page_stat "$1" "$3") - 1)); }
# hits FROM TO: session cache hits between two pages (a fetch never resumes).
hits() {
    echo $(($(page_stat "$2" 'session cache hits') - $(page_stat "$1" 'session cache hits')))
}
FINISHED='server accepts that finished'
ACCEPTED='server accepts .SSL_accept...'

# json_get FILE KEY: a top-level number of the one-line JSON report ("errors.certificate"
# for a nested one).


# --- handshake mode: counts agree with the server's, no resumption -------------------------
N=300
server_stats hs0
run_load "$T/hs.json" --cafile "$CERTS/ca.pem" --count $N --concurrency 8 --hdr "$T/hs.hgrm" \
    "127.0.0.1:$P"
server_stats hs1
check_eq "handshake mode exits 0" "$RC" 0
check_eq "handshake mode completed $N" "$(json_get "$T/hs.json" completed)" "$N"
check_eq "handshake mode: no failure" "$(json_get "$T/hs.json" failed)" 0
check_eq "the server finished as many handshakes as the tool completed (+1 status page)" \
    "$(delta hs0 hs1 "$FINISHED")" "$(json_get "$T/hs.json" completed)"
check_eq "handshake mode never resumed (server side)" "$(hits hs0 hs1)" 0
check_eq "handshake mode never resumed (client side)" "$(json_get "$T/hs.json" resumed)" 0

# --- --hdr: the same handshakes as HdrHistogram's percentile distribution --------------------
# hgrm_total FILE: the footer's total count. hgrm_rows_ok FILE: rows whose values and counts
# never go down and whose percentiles always go up, the last one 100 %.
hgrm_total() { sed -n 's/^#\[Max .*Total count *= *\([0-9]*\)\]$/\1/p' "$1"; }
hgrm_rows_ok() {
    awk 'NR > 2 && !/^#/ { if (n && ($1 < v || $2 <= p || $3 < c)) bad = 1; v = $1; p = $2
                            c = $3; n++ }
         END { exit !(n > 1 && !bad && p == 1) }' "$1"
}
check_eq "--hdr: the header HdrHistogram's plotters read" "$(head -n 1 "$T/hs.hgrm")" \
    '       Value     Percentile TotalCount 1/(1-Percentile)'
check_eq "--hdr: the total count is the handshakes the server finished" \
    "$(hgrm_total "$T/hs.hgrm")" "$(delta hs0 hs1 "$FINISHED")"
check_eq "--hdr: ... and those the JSON report counts" \
    "$(hgrm_total "$T/hs.hgrm")" "$(json_get "$T/hs.json" completed)"
check "--hdr: rows ordered, ending at 100 % of the total" hgrm_rows_ok "$T/hs.hgrm"
hgrm_max=$(sed -n 's/^#\[Max *= *\([0-9.]*\),.*/\1/p' "$T/hs.hgrm")
check "--hdr: its maximum is the report's (${hgrm_max:-?} ms)" \
    awk -v a="${hgrm_max:-x}" -v b="$(json_get "$T/hs.json" latency_ms.max)" \
    'BEGIN { exit !(a != "x" && a - b < 0.0015 && b - a < 0.0015) }'

# --- resume mode: the server's session hits are the tool's resumed handshakes ---------------
run_load "$T/re.json" --cafile "$CERTS/ca.pem" --mode resume --count $N --concurrency 4 \
    --workers 2 "127.0.0.1:$P"
server_stats re1
resumed=$(json_get "$T/re.json" resumed)
check_eq "resume mode completed $N" "$(json_get "$T/re.json" completed)" "$N"
check_eq "the server counted the tool's resumed handshakes as session hits" \
    "$(hits hs1 re1)" "$resumed"
# One full handshake per worker fetches the session; every later one resumes.
check "resume mode resumed at least $((N - 2)) of $N" [ "${resumed:-0}" -ge $((N - 2)) ]

# --- wrong CA: verification failures, none finished on the server ---------------------------
run_load "$T/ca.json" --cafile "$CERTS/other-ca.pem" --count 50 --concurrency 4 "127.0.0.1:$P"
server_stats ca1
check_eq "a failing run still exits 0" "$RC" 0
check_eq "a wrong CA: 50 verification failures" "$(json_get "$T/ca.json" errors.certificate)" 50
check_eq "a wrong CA: nothing completed" "$(json_get "$T/ca.json" completed)" 0
check_eq "the server accepted the 50 but finished none of them" \
    "$(delta re1 ca1 "$ACCEPTED") $(delta re1 ca1 "$FINISHED")" "50 0"

# --- version and cipher choice --------------------------------------------------------------
run_load "$T/v12.json" --cafile "$CERTS/ca.pem" --count 20 --tls-version 1.2 \
    --cipher TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 "127.0.0.1:$P"
check_eq "--tls-version 1.2: all TLSv1.2" "$(json_get "$T/v12.json" versions.TLSv1.2)" 20
check_grep "--cipher: the named suite was negotiated" \
    '"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256":20' "$T/v12.json"

# --- the JSON contract ----------------------------------------------------------------------
for key in '"mode":"handshake"' '"completed":' '"failed":' '"rate_per_s":' '"resumed":' \
    '"latency_ms":{"p50":' '"p90":' '"p99":' '"p999":' '"max":' '"errors":{"refused":0' \
    '"timeout":' '"version":' '"peer_closed":' '"reset":'; do
    check_grep "--json carries $key" "$key" "$T/hs.json"
done
check_eq "--json is one line" "$(wc -l <"$T/hs.json")" 1

# --- exit status ----------------------------------------------------------------------------
"$LOAD" --mode flood "127.0.0.1:$P" >/dev/null 2>"$T/usage.json.err"
check_eq "bad usage exits 2" "$?" 2
"$LOAD" --cafile "$T/no-such-ca.pem" --count 1 "127.0.0.1:$P" >/dev/null 2>"$T/noca.json.err"
check_eq "an unreadable CA file exits 1" "$?" 1
check_grep "... and says which file" "no-such-ca.pem" "$T/noca.json.err"
"$LOAD" --hdr "$T/no-such-dir/x.hgrm" --count 1 "127.0.0.1:$P" >/dev/null 2>"$T/nohdr.json.err"
check_eq "an --hdr file that cannot be written exits 1" "$?" 1
check_grep "... before the run, naming the file" "no-such-dir/x.hgrm" "$T/nohdr.json.err"
"$LOAD" --count 1 "no-such-host.invalid:443" >/dev/null 2>"$T/nohost.json.err"
check_eq "an unresolvable host exits 1" "$?" 1
cat "$T"/*.json.err >"$T/load.stderr" 2>/dev/null
check_no_grep "no sanitizer report from unitls-load" 'Sanitizer\|runtime error:' "$T/load.stderr"
finish
