#!/bin/sh
# tests/packaging/run.sh: the Debian packages, from a clean copy of this tree to a purge.
#
#   sh tests/packaging/run.sh [--nocheck] [--no-install] [--no-container] [--install-host]
#                             [--keep] [--update-symbols] [--work DIR]
#
# Steps, each reported as "ok", "FAIL" or "skip" with its reason:
#  1. copy: the files of this working tree as git lists them, tracked and untracked but not
#     ignored (`git ls-files --cached --others --exclude-standard`), as they are on disk,
#     uncommitted edits included; no build directory, no configure output. A clone of HEAD
#     would miss uncommitted work, so none is made.
#  2. build: `dpkg-buildpackage -us -uc -b` in that copy (the build dependencies of
#     debian/control installed first when root); --nocheck sets DEB_BUILD_OPTIONS=nocheck
#     (skips dh_auto_test, i.e. `make check`); the five packages must come out.
#  3. lint: lintian on the .changes; any E: or W: line fails.
#  4. contents: the conffile, the units installed disabled, one default configuration path
#     (unitlsd --help, unitlsd(8), the unit), no static library, no .la file.
#  5. install: into a fresh Debian 12 (bookworm, minbase plus systemd) made with debootstrap
#     when run as root (the base system is cached in $UNITLS_PKG_CACHE, default
#     /var/cache/unitls-packaging), booted as a container with `systemd-nspawn -b` so that
#     systemd runs the units; without systemd-nspawn (or if the container does not boot, or
#     with --no-container), a chroot; else on this machine only with --install-host; else skipped, saying so. There:
#     `apt-get install ./*.deb`; the units are disabled and inactive; unitlsd refuses the
#     sample as installed ("listeners: the list is empty"), and so does `systemctl start`,
#     the unit ending "failed"; once the sample is edited (a listener on loopback, its key as
#     a systemd credential with LoadCredential=), `systemctl start unitlsd` serves a request
#     through TLS to a backend, `systemctl reload` keeps serving, `systemctl stop` sees exit
#     status 0. In a chroot (no init) the daemon is run as the unit runs it instead (its
#     ExecStart=, as an unprivileged user), and `systemctl start` is reported as skipped.
#     The installed units pass `systemd-analyze verify`.
#  6. purge: `apt-get purge` of the five, the daemon running (the purge must stop it); then,
#     the administrator's own files removed, every file they listed (dpkg -L) is gone,
#     /etc/unitlsd is gone, and no state is left in dpkg's or deb-systemd-helper's records.
# --update-symbols: after the build, writes debian/libunitls0.symbols of this tree from the
# library just built (run it whenever the library's exported functions change).
# Not part of `make check`: it builds the whole tree again and downloads a base system.
# Ends with "packaging: N passed, N failed, N skipped"; exit status 0 only when none failed.
set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
nocheck=0 install_mode=chroot container=1 keep=0 update_symbols=0 work=""
while [ $# -gt 0 ]; do
    case "$1" in
    --nocheck) nocheck=1 ;;
    --no-install) install_mode=none ;;
    --no-container) container=0 ;;
    --install-host) install_mode=host ;;
    --keep) keep=1 ;;
    --update-symbols) update_symbols=1 ;;
    --work) [ $# -ge 2 ] || { echo "run.sh: --work needs a directory" >&2; exit 2; }
        work=$2; shift ;;
    -h|--help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

PACKAGES="libunitls0 libunitls-dev unitlsd unitls-load python3-unitls"
n_pass=0 n_fail=0 n_skip=0
pass() { n_pass=$((n_pass + 1)); echo "ok   $*"; }
fail() { n_fail=$((n_fail + 1)); echo "FAIL $*"; }
skip() { n_skip=$((n_skip + 1)); echo "skip $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND exits 0.
check() { _d=$1; shift; if "$@"; then pass "$_d"; else fail "$_d"; return 1; fi; }
finish() {
    echo "packaging: $n_pass passed, $n_fail failed, $n_skip skipped"
    [ "$n_fail" -eq 0 ]
    exit $?
}
is_root() { [ "$(id -u)" -eq 0 ]; }

if [ -z "$work" ]; then work=$(mktemp -d "${TMPDIR:-/tmp}/unitls-packaging.XXXXXX") || exit 1; fi
mkdir -p "$work" || exit 1
work=$(cd "$work" && pwd)
echo "packaging: working in $work"

# --- cleanup: everything this script started or mounted -----------------------------------
CHROOT="" NSPAWN_PID="" DAEMON_PID="" BACKEND_PID="" MOUNTED=""
cleanup() {
    for _pid in $DAEMON_PID $BACKEND_PID; do
        kill "$_pid" 2>/dev/null && wait "$_pid" 2>/dev/null
    done
    [ -n "$NSPAWN_PID" ] && stop_container
    for _m in $MOUNTED; do umount "$_m" 2>/dev/null || umount -l "$_m" 2>/dev/null; done
    MOUNTED=""
    if [ "$keep" -eq 1 ]; then echo "packaging: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- tools ----------------------------------------------------------------------------------
# apt_install PACKAGE...: installs what is missing, as root only.
apt_install() {
    _missing=""
    for _p in "$@"; do
        dpkg-query -W -f='${Status}' "$_p" 2>/dev/null | grep -q "install ok installed" ||
            _missing="$_missing $_p"
    done
    [ -z "$_missing" ] && return 0
    is_root || { echo "packaging: not root; install:$_missing" >&2; return 1; }
    echo "packaging: installing$_missing"
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $_missing \
        >"$work/apt-tools.log" 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
              $_missing >"$work/apt-tools.log" 2>&1; } ||
        { tail -n 20 "$work/apt-tools.log"; return 1; }
}
tools="dpkg-dev debhelper fakeroot lintian git"
apt_install $tools || { fail "packaging tools ($tools) are installed"; finish; }
# For the fresh Debian 12 (root only): without systemd-container it is a chroot, not a container.
if [ "$install_mode" = chroot ] && is_root; then
    apt_install debootstrap || echo "packaging: debootstrap could not be installed"
    apt_install systemd-container || echo "packaging: systemd-container could not be installed"
fi

# --- 1. copy --------------------------------------------------------------------------------
SRC=$work/unitls
copy_tree() {
    git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
        { echo "packaging: $top is not a git work tree: the copy needs git ls-files" >&2; return 1; }
    mkdir -p "$SRC" &&
    (cd "$top" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done; exit 0' sh |
        tar --null -T - -cf -) | tar -C "$SRC" -xf -
}
check "copy: this tree's files (tracked and untracked, not ignored) into $SRC" copy_tree ||
    finish
[ -d "$SRC/debian" ] || { fail "copy: debian/ is there"; finish; }

# --- 2. build -------------------------------------------------------------------------------
build_env="parallel=2"
[ "$nocheck" -eq 1 ] && build_env="nocheck $build_env"
profiles=""
[ "$nocheck" -eq 1 ] && profiles=nocheck
build_deps() {
    (cd "$SRC" && DEB_BUILD_PROFILES="$profiles" dpkg-checkbuilddeps) >/dev/null 2>&1 && return 0
    is_root || { (cd "$SRC" && DEB_BUILD_PROFILES="$profiles" dpkg-checkbuilddeps); return 1; }
    _profiles=""
    [ -n "$profiles" ] && _profiles="-P $profiles"
    # shellcheck disable=SC2086
    (cd "$SRC" && DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq $_profiles ./) \
        >"$work/build-dep.log" 2>&1 || { tail -n 20 "$work/build-dep.log"; return 1; }
}
check "build dependencies of debian/control are installed" build_deps || finish
build() {
    (cd "$SRC" && DEB_BUILD_OPTIONS="$build_env" DEB_BUILD_PROFILES="$profiles" \
        dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1 ||
        { tail -n 40 "$work/build.log"; echo "(whole log: $work/build.log)"; return 1; }
}
check "dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=$build_env)" build || finish
[ "$nocheck" -eq 1 ] && skip "dh_auto_test (make check): --nocheck"
CHANGES=$(ls "$work"/unitls_*.changes 2>/dev/null | head -n 1)
DEBS=""
for p in $PACKAGES; do
    deb=$(ls "$work/${p}"_*.deb 2>/dev/null | head -n 1)
    if [ -n "$deb" ]; then pass "package built: $(basename "$deb")"; DEBS="$DEBS $deb"
    else fail "package built: $p"; fi
done
[ "$n_fail" -eq 0 ] || finish

if [ "$update_symbols" -eq 1 ]; then
    update_symbols_file() {
        _out=$work/libunitls0.symbols
        (cd "$SRC" && dpkg-gensymbols -plibunitls0 -Pdebian/libunitls0 \
            -v"$(dpkg-parsechangelog -S Version)" -O"$_out.new") >"$work/gensymbols.log" 2>&1 ||
            { cat "$work/gensymbols.log"; return 1; }
        { head -n 1 "$_out.new"; echo "* Build-Depends-Package: libunitls-dev"
          tail -n +2 "$_out.new" | grep -v '^\* Build-Depends-Package:'; } >"$_out" &&
        cp "$_out" "$top/debian/libunitls0.symbols" &&
        echo "packaging: $(grep -c '@Base' "$_out") symbols written to debian/libunitls0.symbols"
    }
    check "debian/libunitls0.symbols regenerated from the library built" update_symbols_file
fi

# --- 3. lint --------------------------------------------------------------------------------
lint() {
    lintian --tag-display-limit 0 "$CHANGES" >"$work/lintian.out" 2>&1
    _rc=$?
    grep -v '^running with root privileges' "$work/lintian.out" | sed 's/^/  lintian: /'
    [ "$_rc" -le 2 ] || { echo "  lintian exited $_rc"; return 1; }
    ! grep -q '^[EW]: ' "$work/lintian.out"
}
check "lintian: no error and no warning on the five packages" lint

# --- 4. contents ----------------------------------------------------------------------------
deb_of() { for _d in $DEBS; do case $(basename "$_d") in "$1"_*) echo "$_d" ;; esac; done; }
X=$work/extract
for p in $PACKAGES; do
    mkdir -p "$X/$p" && dpkg-deb -x "$(deb_of "$p")" "$X/$p" && dpkg-deb -e "$(deb_of "$p")" \
        "$X/$p/DEBIAN"
done
check "unitlsd: /etc/unitlsd/unitlsd.yaml is a conffile" \
    grep -qx /etc/unitlsd/unitlsd.yaml "$X/unitlsd/DEBIAN/conffiles"
check "unitlsd: unitlsd.service and unitlsd.socket in /lib/systemd/system" \
    test -f "$X/unitlsd/lib/systemd/system/unitlsd.service" -a \
    -f "$X/unitlsd/lib/systemd/system/unitlsd.socket"
never_starts() {
    ! grep -Eq 'deb-systemd-invoke +(start|restart|"?\$_dh_action)' "$X/unitlsd/DEBIAN/postinst"
}
check "unitlsd: postinst never starts a unit (at most try-restart on upgrade)" never_starts
check "unitlsd: man pages unitlsd(8) and unitlsd.yaml(5)" \
    test -f "$X/unitlsd/usr/share/man/man8/unitlsd.8.gz" -a \
    -f "$X/unitlsd/usr/share/man/man5/unitlsd.yaml.5.gz"
check "unitls-load: the program and unitls-load(1)" \
    test -x "$X/unitls-load/usr/bin/unitls-load" -a \
    -f "$X/unitls-load/usr/share/man/man1/unitls-load.1.gz"
dev_ok() {
    [ -f "$X/libunitls-dev/usr/include/unitls/unitls.h" ] &&
    ls "$X"/libunitls-dev/usr/lib/*/pkgconfig/unitls.pc >/dev/null 2>&1 &&
    ls "$X"/libunitls-dev/usr/lib/*/libunitls.so >/dev/null 2>&1 &&
    [ -z "$(find "$X" -name '*.a' -o -name '*.la')" ]
}
check "libunitls-dev: headers, unitls.pc, libunitls.so; no .a, no .la anywhere" dev_ok
python_pkg_ok() {
    [ -f "$X/python3-unitls/usr/lib/python3/dist-packages/unitls/__init__.py" ] &&
    [ -z "$(find "$X/python3-unitls" -name '*.pyc')" ]
}
check "python3-unitls: the package in /usr/lib/python3/dist-packages, no bytecode" python_pkg_ok
# Every public header of the tree is shipped.
headers_ok() {
    for _h in "$SRC"/include/unitls/*.h; do
        [ -f "$X/libunitls-dev/usr/include/unitls/$(basename "$_h")" ] ||
            { echo "  not shipped: include/unitls/$(basename "$_h")"; return 1; }
    done
}
check "libunitls-dev: every header of include/unitls/" headers_ok
check "libunitls0: a symbols file" test -s "$X/libunitls0/DEBIAN/symbols"
one_path() {
    _unit=$(sed -n 's/^ExecStart=.* -c \([^ ]*\).*/\1/p' \
        "$X/unitlsd/lib/systemd/system/unitlsd.service")
    _help=$(LD_LIBRARY_PATH=$(dirname "$(ls "$X"/libunitls0/usr/lib/*/libunitls.so.0)") \
        "$X/unitlsd/usr/sbin/unitlsd" --help | sed -n 's/.*(default: \(.*\))$/\1/p')
    _man=$(zcat "$X/unitlsd/usr/share/man/man8/unitlsd.8.gz" |
        sed -n '/^\.SH FILES/,/^\.SH/{/^\.I \/.*unitlsd\.yaml$/{s/^\.I //p;q}}')
    echo "  unit: $_unit; --help: $_help; unitlsd(8) FILES: $_man"
    [ "$_unit" = /etc/unitlsd/unitlsd.yaml ] && [ "$_help" = "$_unit" ] && [ "$_man" = "$_unit" ]
}
check "one default configuration path: the unit, --help and unitlsd(8) name /etc/unitlsd/unitlsd.yaml" \
    one_path

# --- 5. install -----------------------------------------------------------------------------
# Where the packages go: a container booted with systemd-nspawn (systemd as its PID 1, so
# `systemctl start` is real), else a chroot (no init: the daemon is run as the unit would
# run it), else this machine (--install-host). in_target CMD... runs CMD there.
TARGET=none CHROOT="" NSPAWN_PID="" LEADER=""
in_target() {
    case $TARGET in
    container) nsenter -t "$LEADER" -a "$@" ;;
    chroot) chroot "$CHROOT" "$@" ;;
    *) "$@" ;;
    esac
}
target_path() { echo "${CHROOT}$1"; }
# systemd runs the target's services: units are started with systemctl.
target_has_systemd() { [ "$TARGET" = container ] || { [ "$TARGET" = host ] && [ -d /run/systemd/system ]; }; }

# A fresh Debian 12 (minbase, plus systemd as a standard install has it) in $CHROOT, from a
# cached debootstrap run when there is one.
make_root() {
    cache=${UNITLS_PKG_CACHE:-/var/cache/unitls-packaging}
    base=$cache/bookworm-systemd.tar
    mirror=${UNITLS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
    CHROOT=$work/root
    mkdir -p "$cache" "$CHROOT" || return 1
    if [ -f "$base" ]; then
        echo "packaging: base system from $base"
        tar -C "$CHROOT" -xf "$base" || return 1
    else
        echo "packaging: debootstrap --variant=minbase --include=systemd-sysv,dbus bookworm" \
            "(cached in $base afterwards)"
        debootstrap --variant=minbase --include=systemd-sysv,dbus bookworm "$CHROOT" "$mirror" \
            >"$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log"; return 1; }
        tar -C "$CHROOT" -cf "$base.tmp" . && mv "$base.tmp" "$base"
    fi
    # A fresh Debian 12 as installed: the release, its updates and security updates.
    security=$(echo "$mirror" | sed 's|/debian/*$|/debian-security|')
    cat >"$CHROOT/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
SOURCES
    cp /etc/resolv.conf "$CHROOT/etc/resolv.conf" 2>/dev/null
    return 0
}

# Boots $CHROOT with systemd-nspawn, sharing this machine's network (the test backend and
# curl stay outside). Sets LEADER, the container's PID 1 as seen from here.
boot_container() {
    systemd-nspawn -D "$CHROOT" -M unitls-packaging -b --register=no --keep-unit \
        --console=pipe </dev/null >"$work/container.log" 2>&1 &
    NSPAWN_PID=$!
    _i=0
    while [ "$_i" -lt 120 ] && kill -0 "$NSPAWN_PID" 2>/dev/null; do
        LEADER=$(ps -o pid= --ppid "$NSPAWN_PID" | head -n 1 | tr -d ' ')
        if [ -n "$LEADER" ]; then
            _state=$(nsenter -t "$LEADER" -a systemctl is-system-running 2>/dev/null)
            case $_state in running|degraded) echo "  container: $_state"; return 0 ;; esac
        fi
        sleep 0.5; _i=$((_i + 1))
    done
    echo "  the container did not come up (state: ${_state:-none}):"
    tail -n 20 "$work/container.log" | sed 's/^/  /'
    stop_container
    return 1
}
stop_container() {
    [ -n "$NSPAWN_PID" ] || return 0
    kill -TERM "$NSPAWN_PID" 2>/dev/null
    _i=0
    while [ "$_i" -lt 60 ] && kill -0 "$NSPAWN_PID" 2>/dev/null; do sleep 0.5; _i=$((_i + 1)); done
    kill -0 "$NSPAWN_PID" 2>/dev/null && kill -TERM "$NSPAWN_PID" 2>/dev/null
    wait "$NSPAWN_PID" 2>/dev/null
    NSPAWN_PID="" LEADER=""
}
mount_chroot() {
    mount -t proc proc "$CHROOT/proc" && MOUNTED="$CHROOT/proc $MOUNTED" || return 1
    mount --bind /dev "$CHROOT/dev" && MOUNTED="$CHROOT/dev $MOUNTED" || return 1
    # Nothing may start services from the chroot's maintainer scripts (there is no init).
    printf '#!/bin/sh\nexit 101\n' >"$CHROOT/usr/sbin/policy-rc.d" &&
        chmod 0755 "$CHROOT/usr/sbin/policy-rc.d"
}

case $install_mode in
chroot)
    if ! is_root; then
        skip "install in a fresh Debian 12: not root (run as root, or --install-host)"
    elif ! command -v debootstrap >/dev/null 2>&1; then
        skip "install in a fresh Debian 12: debootstrap is not installed"
    elif check "a fresh Debian 12 root file system (debootstrap)" make_root; then
        if [ "$container" -eq 0 ]; then
            skip "a container with systemd: --no-container; a chroot instead"
        elif command -v systemd-nspawn >/dev/null 2>&1; then
            if check "the fresh Debian 12 booted in a container (systemd-nspawn -b)" \
                boot_container; then TARGET=container; fi
        else
            skip "a container with systemd (systemd-nspawn is not installed:" \
                "apt-get install systemd-container); a chroot instead"
        fi
        if [ "$TARGET" = none ]; then
            check "the fresh Debian 12 as a chroot" mount_chroot && TARGET=chroot
        fi
    fi ;;
host)
    host_clean() {
        for _p in $PACKAGES; do
            dpkg-query -W -f='${Status}' "$_p" 2>/dev/null | grep -q 'ok installed' &&
                { echo "  $_p is installed already"; return 1; }
        done
        [ ! -e /etc/unitlsd ] || { echo "  /etc/unitlsd exists already"; return 1; }
    }
    if ! is_root; then skip "install on this machine: not root"
    elif check "this machine has none of the packages nor /etc/unitlsd (--install-host)" \
        host_clean; then TARGET=host
    fi ;;
none) skip "install, run and purge: --no-install" ;;
esac
if [ "$TARGET" = none ]; then
    [ "$install_mode" = none ] || skip "install, run and purge: no system to install on"
    finish
fi
echo "packaging: installing into: $TARGET"

# apt-get install ./*.deb, as an administrator would (/var/tmp: a container's /tmp is its own).
install_debs() {
    mkdir -p "$(target_path /var/tmp/unitls-debs)" &&
    cp $DEBS "$(target_path /var/tmp/unitls-debs)/" &&
    in_target sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq /var/tmp/unitls-debs/*.deb' >"$work/install.log" 2>&1 ||
        { tail -n 30 "$work/install.log"; return 1; }
    rm -rf "$(target_path /var/tmp/unitls-debs)"
}
check "apt-get install ./*.deb (the five packages)" install_debs || finish
installed() {
    for _p in $PACKAGES; do
        in_target dpkg-query -W -f='${Status}\n' "$_p" | grep -q 'install ok installed' ||
            { echo "  $_p is not installed"; return 1; }
    done
}
check "dpkg: the five packages are installed" installed
for p in $PACKAGES; do in_target dpkg -L "$p" >"$work/files.$p"; done
units_disabled() {
    for _u in unitlsd.service unitlsd.socket; do
        ls "$(target_path /etc/systemd/system)"/*.wants/"$_u" >/dev/null 2>&1 &&
            { echo "  $_u is enabled"; return 1; }
        if target_has_systemd; then
            _e=$(in_target systemctl is-enabled "$_u" 2>&1)
            _a=$(in_target systemctl is-active "$_u" 2>&1)
            echo "  $_u: $_e, $_a"
            [ "$_e" = disabled ] && [ "$_a" = inactive ] || return 1
        fi
    done
    return 0
}
check "the units are installed disabled and not started" units_disabled
in_target unitlsd --version >"$work/version.out" 2>&1
check "unitlsd --version runs: $(head -n 1 "$work/version.out")" \
    grep -q '^implementations:.*gnutls.*openssl\|^implementations:.*openssl.*gnutls' "$work/version.out"
in_target unitls-load --help >/dev/null 2>&1
check "unitls-load --help runs" test $? -eq 0
in_target python3 -c 'import unitls; print(" ".join(unitls.implementations()))' \
    >"$work/python.out" 2>&1
check "python3 -c 'import unitls' names the implementations: $(head -n 1 "$work/python.out")" \
    grep -q 'gnutls.*openssl\|openssl.*gnutls' "$work/python.out"

# The sample as installed: refused, at the line of `listeners: []`.
in_target unitlsd --check-config >"$work/sample.out" 2>&1
sample_status=$?
sed 's/^/  /' "$work/sample.out"
check "the sample as installed serves nothing: --check-config exits 1, \"listeners: the list is empty\"" \
    sh -c "[ $sample_status -eq 1 ] && grep -q 'unitlsd.yaml:[0-9]*:[0-9]*: listeners: the list is empty' '$work/sample.out'"
sample_refused_by_systemd() {
    in_target systemctl start unitlsd.service >"$work/start-sample.out" 2>&1 &&
        { echo "  systemctl start succeeded"; return 1; }
    sed 's/^/  systemctl: /' "$work/start-sample.out"
    # Restart=on-failure retries; StartLimitBurst= ends it (bounded: 60 s).
    _i=0
    while [ "$_i" -lt 120 ] && ! in_target systemctl is-failed --quiet unitlsd.service; do
        sleep 0.5; _i=$((_i + 1))
    done
    _state=$(in_target systemctl is-active unitlsd.service)
    echo "  after the restarts: $_state"
    # Where systemctl's message points: the unit's journal.
    in_target journalctl -u unitlsd.service --no-pager -n 30 >"$work/journal-sample.out" 2>&1
    grep -m 1 'listeners' "$work/journal-sample.out" | sed 's/^/  journal: /'
    in_target systemctl reset-failed unitlsd.service
    [ "$_state" = failed ] && grep -q 'listeners: the list is empty' "$work/journal-sample.out"
}
if target_has_systemd; then
    check "systemctl start on the sample as installed fails; the unit ends failed, the reason in its journal" \
        sample_refused_by_systemd
fi

# The administrator's part: a listener on loopback, its certificate, its key as a credential.
BUILT=$SRC
backend_and_ports() {
    make -C "$BUILT" tests/backends/http tests/backends/echo >"$work/backends.log" 2>&1 ||
        { tail -n 20 "$work/backends.log"; return 1; }
    "$BUILT/tests/backends/http" --listen 127.0.0.1:0 >"$work/backend.out" 2>&1 &
    BACKEND_PID=$!
    _i=0
    while [ "$_i" -lt 50 ] && ! grep -q '^[0-9][0-9]*$' "$work/backend.out"; do
        sleep 0.1; _i=$((_i + 1))
    done
    BACKEND_PORT=$(grep -m 1 '^[0-9][0-9]*$' "$work/backend.out")
    PORT=$("$BUILT/tests/backends/echo" --find-ports 1 2>/dev/null | head -n 1)
    [ -n "$BACKEND_PORT" ] && [ -n "$PORT" ]
}
check "a test backend (tests/backends/http) and a free loopback port" backend_and_ports || finish
# The certificate and key are the administrator's, not the package's: they live outside
# /etc/unitlsd here so that the purge can be checked to leave no /etc/unitlsd (dpkg never
# deletes files it did not install, and keeps their directory).
SITE=/etc/ssl/unitls-packaging-test
DROPIN=/etc/systemd/system/unitlsd.service.d
edit_sample() {
    _etc=$(target_path /etc/unitlsd)
    mkdir -p "$(target_path "$SITE")" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj /CN=localhost -addext subjectAltName=DNS:localhost \
        -keyout "$work/site.key" -out "$work/site.pem" >/dev/null 2>&1 || return 1
    install -m 0644 "$work/site.pem" "$(target_path "$SITE/site.pem")" &&
    install -m 0600 "$work/site.key" "$(target_path "$SITE/site.key")" || return 1
    if target_has_systemd; then
        # `systemctl edit unitlsd.service`, as unitlsd(8) and the sample say.
        mkdir -p "$(target_path "$DROPIN")" &&
        printf '[Service]\nLoadCredential=site.key:%s/site.key\n' "$SITE" \
            >"$(target_path "$DROPIN/credentials.conf")" &&
        in_target systemctl daemon-reload || return 1
    else
        # What systemd's LoadCredential=site.key:$SITE/site.key would make.
        mkdir -p "$(target_path /run/unitlsd-credentials)" &&
        install -m 0400 "$work/site.key" "$(target_path /run/unitlsd-credentials/site.key)" &&
        in_target chown -R nobody /run/unitlsd-credentials &&
        in_target chmod 0500 /run/unitlsd-credentials || return 1
    fi
    _listener="listeners:
  - name: site
    listen: [\"127.0.0.1:$PORT\"]
    certificates:
      - cert: $SITE/site.pem
        key: \${CREDENTIALS_DIRECTORY}/site.key
    protocols: [http/1.1]
    backend:
      address: 127.0.0.1:$BACKEND_PORT" &&
    awk -v l="$_listener" '$0 == "listeners: []" { print l; next } { print }' \
        "$_etc/unitlsd.yaml" >"$work/edited.yaml" &&
    ! cmp -s "$work/edited.yaml" "$_etc/unitlsd.yaml" &&
    cat "$work/edited.yaml" >"$_etc/unitlsd.yaml"
}
check "the sample edited: \`listeners: []\` replaced by a listener on 127.0.0.1:$PORT" edit_sample
# As root, with the keys where CREDENTIALS_DIRECTORY says (unitlsd(8)).
in_target env CREDENTIALS_DIRECTORY="$SITE" unitlsd --check-config >"$work/check.out" 2>&1
check "the edited file passes unitlsd --check-config" test $? -eq 0
sed 's/^/  /' "$work/check.out"

# request: one HTTPS request through the daemon (until it answers or 10 s pass while
# alive_cmd succeeds); prints the body.
request() { # request ALIVE_COMMAND...
    _i=0 _body=""
    while [ "$_i" -lt 50 ] && "$@"; do
        _body=$(curl -sS --max-time 5 --cacert "$work/site.pem" \
            --resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/" 2>&1) && break
        sleep 0.2; _i=$((_i + 1))
    done
    echo "  curl: ${_body:-nothing}"
    [ "${_body:-}" = "hello from the unitls test backend" ]
}
service_active() { in_target systemctl is-active --quiet unitlsd.service; }
daemon_alive() { kill -0 "$DAEMON_PID" 2>/dev/null; }

if target_has_systemd; then
    start_service() {
        in_target systemctl start unitlsd.service >"$work/start.out" 2>&1 ||
            { sed 's/^/  /' "$work/start.out"
              in_target journalctl -u unitlsd --no-pager -n 20 | sed 's/^/  journal: /'
              return 1; }
        service_active && request service_active
    }
    check "systemctl start unitlsd (the edited sample): active, serves through TLS" start_service
    reload_service() {
        in_target systemctl reload unitlsd.service >"$work/reload.out" 2>&1 ||
            { sed 's/^/  /' "$work/reload.out"; return 1; }
        request service_active
    }
    check "systemctl reload unitlsd: still serving" reload_service
    stop_service() {
        in_target systemctl stop unitlsd.service &&
        _st=$(in_target systemctl show -p ExecMainStatus --value unitlsd.service) &&
        echo "  exit status: $_st" && [ "$_st" = 0 ]
    }
    check "systemctl stop unitlsd: the daemon exits 0" stop_service
    # Left running for the purge, which must stop it.
    in_target systemctl start unitlsd.service
else
    serve() {
        (exec_as_service setpriv --reuid=nobody --regid=nogroup --clear-groups \
            env CREDENTIALS_DIRECTORY=/run/unitlsd-credentials $exec_start) \
            >"$work/daemon.log" 2>&1 &
        DAEMON_PID=$!
        request daemon_alive || { sed 's/^/  daemon: /' "$work/daemon.log"; return 1; }
    }
    # Runs "$@" in place of the calling (sub)shell: its PID is then the daemon's.
    exec_as_service() {
        if [ -n "$CHROOT" ]; then set -- chroot "$CHROOT" "$@"; fi
        exec "$@"
    }
    exec_start=$(sed -n 's/^ExecStart=//p' "$(target_path /lib/systemd/system/unitlsd.service)")
    check "started as the unit's ExecStart= ($exec_start) by an unprivileged user, it serves through TLS" \
        serve
    stop_daemon() {
        kill -TERM "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID"
        _st=$?
        DAEMON_PID=""
        echo "  exit status: $_st"
        [ "$_st" -eq 0 ] || sed 's/^/  daemon: /' "$work/daemon.log"
        [ "$_st" -eq 0 ]
    }
    check "SIGTERM: unitlsd exits 0" stop_daemon
    skip "systemctl start unitlsd: no systemd runs in the $TARGET (the unit's ExecStart= was run instead)"
fi

# This machine's systemd-analyze on the installed units: verify checks that ExecStart='s
# program exists, so it is pointed at the installed one.
verify_units() {
    mkdir -p "$work/units" &&
    sed -e "s|^ExecStart=/usr/sbin/unitlsd|ExecStart=$(target_path /usr/sbin/unitlsd)|" \
        "$(target_path /lib/systemd/system/unitlsd.service)" >"$work/units/unitlsd.service" &&
    cp "$(target_path /lib/systemd/system/unitlsd.socket)" "$work/units/" || return 1
    systemd-analyze verify --man=no "$work/units/unitlsd.service" "$work/units/unitlsd.socket" \
        >"$work/verify.out" 2>&1
    _st=$?
    sed 's/^/  /' "$work/verify.out"
    [ "$_st" -eq 0 ] && [ ! -s "$work/verify.out" ]
}
if command -v systemd-analyze >/dev/null 2>&1; then
    check "systemd-analyze verify: the installed unitlsd.service and unitlsd.socket" verify_units
else
    skip "systemd-analyze verify of the installed units: systemd-analyze is not installed"
fi

# --- 6. purge -------------------------------------------------------------------------------
purge() {
    # shellcheck disable=SC2086
    in_target sh -c "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $PACKAGES" \
        >"$work/purge.log" 2>&1 || { tail -n 20 "$work/purge.log"; return 1; }
}
check "apt-get purge of the five packages" purge
if target_has_systemd; then
    stopped() {
        _a=$(in_target systemctl is-active unitlsd.service)
        echo "  unitlsd.service: $_a"
        [ "$_a" != active ] && ! curl -s --max-time 5 -o /dev/null -k "https://127.0.0.1:$PORT/"
    }
    check "the purge stopped the running daemon (its port is closed)" stopped
fi
kill "$BACKEND_PID" 2>/dev/null && wait "$BACKEND_PID" 2>/dev/null
BACKEND_PID=""
# The administrator's own files go by the administrator's hand.
rm -rf "$(target_path "$SITE")" "$(target_path /run/unitlsd-credentials)" \
    "$(target_path "$DROPIN")"
target_has_systemd && in_target systemctl daemon-reload
purged() {
    _left=0
    for _p in $PACKAGES; do
        in_target dpkg-query -W -f='${Status}\n' "$_p" 2>/dev/null | grep -q 'installed' &&
            { echo "  $_p: still known to dpkg"; _left=1; }
        ls "$(target_path /var/lib/dpkg/info)/$_p".* "$(target_path /var/lib/dpkg/info)/$_p":* \
            2>/dev/null | sed 's/^/  left: /' | grep . && _left=1
        while IFS= read -r _f; do
            [ -n "$_f" ] && [ "$_f" != /. ] || continue
            _t=$(target_path "$_f")
            if [ -d "$_t" ]; then
                # A directory stays only while another package or file still uses it.
                case $_f in /etc/unitlsd|/usr/include/unitls|/usr/share/doc/"$_p")
                    echo "  left: $_f/"; _left=1 ;;
                esac
            elif [ -e "$_t" ] || [ -L "$_t" ]; then
                echo "  left: $_f"; _left=1
            fi
        done <"$work/files.$_p"
    done
    [ ! -e "$(target_path /etc/unitlsd)" ] || { echo "  left: /etc/unitlsd"; _left=1; }
    find "$(target_path /var/lib/systemd)" "$(target_path /etc/systemd)" -name '*unitlsd*' \
        2>/dev/null | sed 's/^/  left: /' | grep . && _left=1
    [ "$_left" -eq 0 ]
}
check "after the purge: no file of the packages, no /etc/unitlsd, no dpkg or systemd state" purged

finish
