#!/bin/sh
# test-privileges: unitlsd started as root binds and reads its keys as root, then runs as the
# configured user for good. Runs only as root (skipped otherwise); uses the account nobody.
# Proves:
#  - with `user: nobody`: /proc/PID/status shows every uid and gid as nobody's, only nobody's
#    groups and no capabilities; it serves with a key only root can read (read before the drop);
#  - after the drop, a reload cannot read another root-only key: it fails and the running
#    certificate stays in service;
#  - keys under ${CREDENTIALS_DIRECTORY}, laid out as systemd's LoadCredential= does (a
#    directory owned by the service user, mode 0500, keys 0400), stay readable after the drop:
#    a reload to another certificate and key there succeeds;
#  - as root without `user:` it refuses to start with a message naming run_as_root, unless the
#    file says `run_as_root: true`; an unknown user is a start-up error naming it.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "not running as root"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv (util-linux) is not installed"

# nobody must reach the configuration file and the public certificates in $T.
chmod 0755 "$T"
mkdir -m 0755 "$T/pub"
mkdir -m 0700 "$T/private"
mkdir "$T/creds"
for name in localhost example.org; do
    cp "$CERTS/$name.pem" "$T/pub/" && chmod 0644 "$T/pub/$name.pem"
    cp "$CERTS/$name.key" "$T/private/" && chmod 0600 "$T/private/$name.key"
done
cp "$CERTS/localhost.key" "$T/creds/site.key"
cp "$CERTS/example.org.key" "$T/creds/other.key"
chmod 0400 "$T/creds/site.key" "$T/creds/other.key"
chown -R nobody "$T/creds"
chmod 0500 "$T/creds"
as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }
as_nobody cat "$T/private/localhost.key" >/dev/null 2>&1 && bail "nobody cannot read $T/private"
as_nobody cat "$T/creds/site.key" >/dev/null 2>&1 || bail "nobody can read $T/creds"

start_backend B "$ECHO_BIN"
PORT=$(free_ports 1 | tr -d ' ')
CONFIG=$T/unitlsd.yaml

# write_config "TOP-LEVEL LINE" CERT KEY
write_config() {
    cat >"$CONFIG" <<EOF
$(impl_yaml)
workers: 2
$1
listeners:
  - name: web
    listen: ["127.0.0.1:$PORT"]
    certificates:
      - cert: $2
        key: $3
    backend:
      address: 127.0.0.1:$B_PORT
EOF
    chmod 0644 "$CONFIG"
}

# serves_as NAME: a client asking for NAME gets a certificate valid for NAME and the echo.
serves_as() {
    tls --quiet --timeout-ms 5000 --sni "$1" --echo-bytes 1000 "127.0.0.1:$PORT" >/dev/null 2>&1
}
not_serves_as() { ! serves_as "$1"; }

# start_as [ENV=VALUE...]: unitlsd on $CONFIG, stderr in a fresh log; sets UNITLSD_PID.
start_as() {
    UNITLSD_LOG=$T/unitlsd.log
    : >"$UNITLSD_LOG"
    env "$@" "$UNITLSD" -c "$CONFIG" >>"$T/unitlsd.out" 2>>"$UNITLSD_LOG" &
    UNITLSD_PID=$!
    track_pid "$UNITLSD_PID"
}

# "Uid:" or "Gid:" of /proc/PID/status: real, effective, saved and file-system ids.
status_ids() { awk -v key="$1:" '$1 == key { print $2, $3, $4, $5 }' "/proc/$UNITLSD_PID/status"; }
status_groups() {
    awk '$1 == "Groups:" { for (i = 2; i <= NF; i++) print $i }' "/proc/$UNITLSD_PID/status" |
        sort -n | tr '\n' ' '
}
status_caps() {
    awk '$1 == "CapEff:" || $1 == "CapPrm:" || $1 == "CapAmb:" { print $2 }' \
        "/proc/$UNITLSD_PID/status" | sort -u | tr '\n' ' '
}

# exits_with TEXT: the daemon exits within 20 s, not with status 0, and its log says TEXT.
exits_with() {
    wait_exit "$UNITLSD_PID" 20 || { note "still running after 20 s"; return 1; }
    [ "$EXIT_STATUS" -ne 0 ] && grep -q -- "$1" "$UNITLSD_LOG"
}

UID_NOBODY=$(id -u nobody)
GID_NOBODY=$(id -g nobody)
GROUPS_NOBODY=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')

# --- user: nobody, root-only keys -------------------------------------------------------------
write_config "user: nobody" "$T/pub/localhost.pem" "$T/private/localhost.key"
start_as
check "user: nobody: serves with a key only root can read" wait_until 20 serves_as localhost
check_eq "uids: real, effective, saved, fs" "$(status_ids Uid)" \
    "$UID_NOBODY $UID_NOBODY $UID_NOBODY $UID_NOBODY"
check_eq "gids: real, effective, saved, fs" "$(status_ids Gid)" \
    "$GID_NOBODY $GID_NOBODY $GID_NOBODY $GID_NOBODY"
check_eq "supplementary groups are nobody's" "$(status_groups)" "$GROUPS_NOBODY"
check_eq "no capabilities (permitted, effective, ambient)" "$(status_caps)" "0000000000000000 "

write_config "user: nobody" "$T/pub/example.org.pem" "$T/private/example.org.key"
check "a reload after the drop ends" reload_unitlsd 30
check_grep "... and fails on the root-only key" "reload: failed" "$UNITLSD_LOG"
check "... still serving the old certificate" serves_as localhost
check "... and not the new one" not_serves_as example.org
stop_pid "$UNITLSD_PID"
check_eq "SIGTERM after the drop: exit status" "$EXIT_STATUS" 0

# --- user: nobody, keys as credentials --------------------------------------------------------
# shellcheck disable=SC2016
write_config "user: nobody" "$T/pub/localhost.pem" '${CREDENTIALS_DIRECTORY}/site.key'
start_as CREDENTIALS_DIRECTORY="$T/creds"
check "key at \${CREDENTIALS_DIRECTORY}/site.key: serves" wait_until 20 serves_as localhost
check_eq "runs as nobody" "$(status_ids Uid)" "$UID_NOBODY $UID_NOBODY $UID_NOBODY $UID_NOBODY"
# shellcheck disable=SC2016
write_config "user: nobody" "$T/pub/example.org.pem" '${CREDENTIALS_DIRECTORY}/other.key'
check "a reload after the drop ends" reload_unitlsd 30
check_grep "... and succeeds: it read \${CREDENTIALS_DIRECTORY}/other.key" \
    "reload: generation 2" "$UNITLSD_LOG"
check "... serving the new certificate" serves_as example.org
stop_pid "$UNITLSD_PID"
check_eq "SIGTERM: exit status" "$EXIT_STATUS" 0

# --- root without user: -----------------------------------------------------------------------
write_config "" "$T/pub/localhost.pem" "$T/private/localhost.key"
start_as
check "as root without user: refuses to start, naming run_as_root" exits_with "run_as_root"
check_grep "... saying it refuses to run as root" "refusing to run as root" "$UNITLSD_LOG"

write_config "run_as_root: true" "$T/pub/localhost.pem" "$T/private/localhost.key"
start_as
check "run_as_root: true: serves" wait_until 20 serves_as localhost
check_eq "run_as_root: true: uids" "$(status_ids Uid)" "0 0 0 0"
stop_pid "$UNITLSD_PID"
check_eq "SIGTERM: exit status" "$EXIT_STATUS" 0

write_config "user: no-such-user-unitls" "$T/pub/localhost.pem" "$T/private/localhost.key"
start_as
check "an unknown user: refuses to start, naming it" exits_with "no-such-user-unitls"
finish
