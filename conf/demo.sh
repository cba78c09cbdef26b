#!/bin/sh
# demo.sh: the README's first command. From a clone on Debian 12:
#
#     sh conf/demo.sh
#
# installs the build dependencies (.ci/install-deps; as root, or through sudo), builds into
# build/, makes a self-signed ECDSA certificate for localhost in conf/demo/ (once), starts the
# project's demo HTTP backend (tests/backends/http) on 127.0.0.1:8080 and then unitlsd on
# conf/unitlsd.yaml (127.0.0.1:8443) in the foreground. Ctrl-C stops both.
# Try it from another terminal:  curl --cacert conf/demo/demo.pem https://localhost:8443/
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
demo="$top/conf/demo"
backend_pid=""

say() { printf 'demo: %s\n' "$*"; }

stop_backend() {
    if [ -n "$backend_pid" ] && kill -0 "$backend_pid" 2>/dev/null; then
        kill "$backend_pid" 2>/dev/null || true
        wait "$backend_pid" 2>/dev/null || true
    fi
    backend_pid=""
}

build_tree() {
    say "installing build dependencies (.ci/install-deps)"
    sh "$top/.ci/install-deps"
    cd "$top"
    if [ ! -x configure ]; then
        say "autoreconf -fi"
        autoreconf -fi >/dev/null
    fi
    mkdir -p "$build"
    cd "$build"
    if [ ! -f Makefile ]; then
        say "configure (in build/)"
        "$top/configure" >configure.out 2>&1 || { cat configure.out; exit 1; }
    fi
    say "make (in build/)"
    jobs=$(nproc 2>/dev/null || echo 2)
    make -j"$jobs" >make.out 2>&1 || { tail -n 40 make.out; exit 1; }
    make tests/backends/http >>make.out 2>&1 || { tail -n 40 make.out; exit 1; }
}

make_certificate() {
    [ -s "$demo/demo.pem" ] && [ -s "$demo/demo.key" ] && return 0
    say "making a self-signed ECDSA P-256 certificate for localhost in conf/demo/"
    mkdir -p "$demo"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 365 \
        -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        -keyout "$demo/demo.key" -out "$demo/demo.pem" 2>/dev/null
    chmod 600 "$demo/demo.key"
}

# The sample refuses to run as root (it leaves user: to the operator). Run as root, the demo
# serves the same file with one line added in front, from build/, where demo/ points at
# conf/demo/ so its relative certificate paths still resolve.
config_for_this_user() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "$top/conf/unitlsd.yaml"
        return
    fi
    ln -sfn "$demo" "$build/demo"
    {
        echo "run_as_root: true   # added by conf/demo.sh: the demo was started as root"
        cat "$top/conf/unitlsd.yaml"
    } >"$build/demo-unitlsd.yaml"
    echo "$build/demo-unitlsd.yaml"
}

start_backend() {
    "$build/tests/backends/http" --listen 127.0.0.1:8080 >/dev/null &
    backend_pid=$!
    sleep 0.3
    if ! kill -0 "$backend_pid" 2>/dev/null; then
        backend_pid=""
        say "the demo backend could not listen on 127.0.0.1:8080 (is the port taken?)"
        exit 1
    fi
    say "demo HTTP backend on 127.0.0.1:8080 (pid $backend_pid)"
}

build_tree
make_certificate
config=$(config_for_this_user)
trap stop_backend EXIT
trap 'exit 130' INT TERM
start_backend
say "starting unitlsd -c ${config#"$top"/} on https://localhost:8443/ (Ctrl-C stops both)"
say "try from another terminal:  curl --cacert conf/demo/demo.pem https://localhost:8443/"
status=0
"$build/src/daemon/unitlsd" -c "$config" || status=$?
stop_backend
exit "$status"
