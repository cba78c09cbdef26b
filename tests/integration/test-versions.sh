#!/bin/sh
# TLS version limits and cipher suites per listener: min TLSv1.3 refuses a TLS 1.2-only client,
# max TLSv1.2 refuses a TLS 1.3-only client and negotiates 1.2 with a default client, the
# default is TLS 1.2 to 1.3; a listener's cipher list (IANA names) is what it negotiates, for
# TLS 1.3 and for TLS 1.2 suites, and a client with none of them is refused.
. "$(dirname "$0")/lib.sh"

start_backend ECHO "$ECHO_BIN"
set -- $(free_ports 5)
P_DEF=$1 P_13=$2 P_12=$3 P_CHACHA=$4 P_12C=$5
B=127.0.0.1:$ECHO_PORT
{
    config_head
    listener_yaml default "\"127.0.0.1:$P_DEF\"" "$B"
    listener_yaml tls13 "\"127.0.0.1:$P_13\"" "$B"
    echo "    tls_versions: { min: TLSv1.3, max: MAXIMUM_SUPPORTED }"
    listener_yaml tls12 "\"127.0.0.1:$P_12\"" "$B"
    echo "    tls_versions: { min: TLSv1.2, max: TLSv1.2 }"
    listener_yaml chacha "\"127.0.0.1:$P_CHACHA\"" "$B"
    echo "    ciphers: [TLS_CHACHA20_POLY1305_SHA256]"
    listener_yaml tls12cipher "\"127.0.0.1:$P_12C\"" "$B"
    echo "    tls_versions: { max: TLSv1.2 }"
    echo "    ciphers: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]"
} >"$T/unitlsd.yaml"
start_unitlsd "$T/unitlsd.yaml" "$P_DEF" "$P_13" "$P_12" "$P_CHACHA" "$P_12C" || finish

# negotiated PORT [s_client args]: "VERSION CIPHER" as s_client saw them, or "failed".
negotiated() {
    _p=$1; shift
    sclient "$_p" -servername localhost "$@" >"$T/v.txt"
    _line=$(grep '^New, ' "$T/v.txt" | head -n 1)
    case $_line in
    "New, TLSv1."*) echo "$_line" | sed 's/^New, \([^,]*\), Cipher is \(.*\)$/\1 \2/' ;;
    *) echo failed ;;
    esac
}

check_eq "default listener, default client: TLS 1.3" "$(negotiated "$P_DEF" | cut -d' ' -f1)" TLSv1.3
check_eq "default listener, TLS 1.2 client: TLS 1.2" "$(negotiated "$P_DEF" -tls1_2 | cut -d' ' -f1)" TLSv1.2
check_eq "min TLSv1.3: a TLS 1.2-only client is refused" "$(negotiated "$P_13" -tls1_2)" failed
check_eq "min TLSv1.3: a TLS 1.3 client is served" "$(negotiated "$P_13" -tls1_3 | cut -d' ' -f1)" TLSv1.3
check_eq "max TLSv1.2: a default client gets TLS 1.2" "$(negotiated "$P_12" | cut -d' ' -f1)" TLSv1.2
check_eq "max TLSv1.2: a TLS 1.3-only client is refused" "$(negotiated "$P_12" -tls1_3)" failed
check_eq "ciphers [CHACHA20]: negotiated" "$(negotiated "$P_CHACHA")" "TLSv1.3 TLS_CHACHA20_POLY1305_SHA256"
check_eq "ciphers [CHACHA20]: a client with AES-GCM only is refused" \
    "$(negotiated "$P_CHACHA" -ciphersuites TLS_AES_128_GCM_SHA256)" failed
check_eq "TLS 1.2 cipher by IANA name: negotiated" "$(negotiated "$P_12C")" \
    "TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384"
check_eq "TLS 1.2 cipher list: a client without it is refused" \
    "$(negotiated "$P_12C" -cipher ECDHE-ECDSA-AES128-GCM-SHA256)" failed

# The project's own client sees the same.
tls --tls-max TLSv1.2 --echo-bytes 100 "127.0.0.1:$P_DEF" >"$T/own.out" 2>&1
check_grep "own client with max TLS 1.2: TLS 1.2 and its echo" "version=TLSv1.2 .*received=100" "$T/own.out"
tls --echo-bytes 100 "127.0.0.1:$P_CHACHA" >"$T/own.out" 2>&1
check_grep "own client: the listener's cipher" "version=TLSv1.3 cipher=TLS_CHACHA20_POLY1305_SHA256" "$T/own.out"
if tls --tls-min TLSv1.3 --echo-bytes 100 "127.0.0.1:$P_12" >"$T/own.out" 2>&1; then
    fail "own client with min TLS 1.3 against max TLS 1.2: refused"
else
    check_grep "own client with min TLS 1.3 against max TLS 1.2: refused" "handshake" "$T/own.out"
fi

check "unitlsd still running" pid_alive "$UNITLSD_PID"
finish
