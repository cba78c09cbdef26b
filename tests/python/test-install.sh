#!/bin/sh
# `make install` of the Python package: staged under DESTDIR with the library, it imports and
# names the implementations this build has, from nothing but the installed files; and where
# the configured directory is one Debian's python3 reads by itself (--prefix=/usr or
# /usr/local), it is on that python3's sys.path, so `python3 -c "import unitls"` needs no
# PYTHONPATH after a real install. Runs once (not per implementation).
. "$(dirname "$0")/../integration/lib.sh"
# The sanitizer runtimes' preload, in a sanitizer build (PYTHON is ours to choose below).
. "$(dirname "$0")/env.sh"

MAKEFILE=$UNITLS_BUILDDIR/Makefile
make_var() { sed -n "s/^$1 = //p" "$MAKEFILE" | head -n 1; }
# Without the package (configure --without-python, or no python3), its variable is commented
# out of the Makefile.
grep -q '^unitlspython_PYTHON = ' "$MAKEFILE" ||
    skip_all "configured --without-python (or no python3 >= 3.11 found)"
PY=$(make_var PYTHON)
prefix=$(make_var prefix)
pythondir=$(make_var pythondir | sed -e "s|\${PYTHON_PREFIX}|$prefix|" -e "s|\${prefix}|$prefix|")
libdir=$(make_var libdir | sed -e "s|\${exec_prefix}|$prefix|" -e "s|\${prefix}|$prefix|")

stage=$T/stage
if ${MAKE:-make} -s -C "$UNITLS_BUILDDIR" DESTDIR="$stage" install-libLTLIBRARIES \
    install-unitlspythonPYTHON >"$T/install.out" 2>&1; then
    pass "the library and the package install under DESTDIR"
else
    cat "$T/install.out"
    bail "staged install failed"
fi
check "the package is in pythondir ($pythondir)" test -f "$stage$pythondir/unitls/__init__.py"
check "every module of the package is there" test -f "$stage$pythondir/unitls/insecure.py"

# Only the installed files: the staged package and library, no source tree on the path.
(cd "$T" && env -u PYTHONPATH PYTHONPATH="$stage$pythondir" \
    UNITLS_LIBRARY="$stage$libdir/libunitls.so.0" PYTHONDONTWRITEBYTECODE=1 \
    "$PY" -c 'import unitls; print(" ".join(unitls.implementations())); print(unitls.__file__)') \
    >"$T/import.out" 2>&1
note "$(tr '\n' ' ' <"$T/import.out")"
built=$(make_var UNITLS_IMPLEMENTATIONS)
for impl in $built; do
    check_grep "the installed package lists $impl" "\\(^\\| \\)$impl\\( \\|\$\\)" "$T/import.out"
done
check_grep "it is the installed copy that was imported" "^$stage$pythondir/unitls/__init__.py\$" \
    "$T/import.out"

# Debian's python3 (its installation schemes name deb_system) reads the directory configure
# chose for /usr and /usr/local without help; another python3 (pyenv's, say) has its own.
if ! "$PY" -c 'import sys, sysconfig; sys.exit("deb_system" not in sysconfig.get_scheme_names())'
then
    skip_check "pythondir on python3's own sys.path" "$PY is not Debian's python3"
else
    case $prefix in
    /usr|/usr/local)
        if "$PY" -c 'import sys; sys.exit(sys.argv[1] not in sys.path)' "$pythondir"; then
            pass "$pythondir is on $PY's own sys.path"
        else
            fail "$pythondir is on $PY's own sys.path" "$("$PY" -c 'import sys; print(sys.path)')"
        fi ;;
    *) skip_check "pythondir on python3's own sys.path" "prefix $prefix is not /usr or /usr/local" ;;
    esac
fi
finish
