#!/bin/sh
# packages.sh - build, lint, install, use and remove the shmipc packages.
#
#   .ci/packages.sh            (as root, from anywhere; CI runs it)
#
# Builds the .debs and the RPMs from the "make dist" tarball in a fresh
# build tree ($BUILDDIR, default /tmp/shmipc-packages), lints them (any
# lintian or rpmlint error or warning fails), then:
#  - installs the three .debs with apt-get, runs the installed prod and cons
#    through the seed session, checks every manual page is found, compiles
#    and runs the example of libshmipc(3) against libshmipc-dev with
#    pkg-config, purges the packages and checks nothing is left behind;
#  - installs the RPMs into a scratch root with rpm --root, checks their
#    file lists, that "rpm -V --nodeps" is clean there, and runs the seed session
#    with the commands installed there.
# It changes the system (apt-get install/purge): run it in CI or a
# throw-away machine, never on a machine with shmipc installed otherwise.
# SHMIPC_PACKAGES_NOCHECK=1 builds both without running the tests
# (DEB_BUILD_OPTIONS=nocheck, rpmbuild --nocheck): CI has run the same
# suite on the same commit already.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${BUILDDIR:-/tmp/shmipc-packages}
debs="shmipc libshmipc-dev libshmipc1 gir1.2-shmipc-1.0"
commands="prod cons shmdump"
manpages="prod cons shmdump libshmipc shmipc"
scratch=
tmp=

step () {
  printf '\n=== %s\n' "$*"
}

die () {
  echo "packages.sh: FAIL: $*" >&2
  exit 1
}

cleanup () {
  [ -n "$scratch" ] && rm -rf "$scratch"
  [ -n "$tmp" ] && rm -rf "$tmp"
  return 0
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || die "must run as root (it installs and purges packages)"
for p in $debs; do
  if dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q installed; then
    die "$p is already installed: this script installs and purges it itself"
  fi
done
tmp=$(mktemp -d)

step "build tree $builddir"
[ -x "$srcdir/configure" ] || (cd "$srcdir" && autoreconf -fi)
rm -rf "$builddir"
mkdir -p "$builddir"
cd "$builddir"
"$srcdir/configure" --quiet
make -j"$(nproc)" >/dev/null

step "Debian symbols file is current"
"$srcdir/debian/update-symbols" --check "$builddir/lib/.libs/libshmipc.so.1" ||
  die "the library's exports changed: run debian/update-symbols (see debian/README.source)"

if [ "${SHMIPC_PACKAGES_NOCHECK:-}" = 1 ]; then
  step "make deb (nocheck: the tests ran on this commit already)"
  DEB_BUILD_OPTIONS="nocheck${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" make deb
  step "make rpm (--nocheck)"
  make rpm RPMBUILD_CHECK=--nocheck
else
  step "make deb"
  make deb
  step "make rpm"
  make rpm
fi

deb_dir=$builddir/pkg/deb
rpm_dir=$builddir/pkg/rpm

step "lintian"
lintian --pedantic -I --display-experimental --fail-on error,warning \
  "$deb_dir"/shmipc_*.changes | tee "$tmp/lintian.log" ||
  die "lintian reported errors or warnings"
if grep -q '^[EW]: ' "$tmp/lintian.log"; then
  die "lintian reported errors or warnings"
fi

step "rpmlint"
rpmlint -r "$srcdir/rpm/rpmlintrc" \
  "$rpm_dir"/RPMS/*/*.rpm "$rpm_dir"/SRPMS/*.src.rpm \
  "$builddir/rpm/shmipc.spec" | tee "$tmp/rpmlint.log" || true
grep -q ' 0 errors, 0 warnings' "$tmp/rpmlint.log" ||
  die "rpmlint reported errors or warnings"

# --- Debian packages ------------------------------------------------------
step "apt-get install the .debs"
set --
for p in $debs; do
  f=$(ls "$deb_dir/${p}_"*.deb)
  set -- "$@" "$f"
done
apt-get install -y "$@"
for p in $debs; do
  dpkg-query -W -f '${Package} ${Version} ${Status}\n' "$p"
done

# seed_session DIR OUT STATUS: the seed's prod, prod, cons, cons with the
# commands in DIR, as tests/seed-session.sh runs it.
seed_session () {
  : >"$2"
  : >"$3"
  for cmd in prod prod cons cons; do
    echo "\$ $cmd" >>"$2"
    rc=0
    "$1/$cmd" >>"$2" 2>&1 || rc=$?
    echo "$cmd $rc" >>"$3"
  done
}

# check_seed DIR WHAT: the session under a unique name (SHMIPC_NAME; the
# transcript never shows it) and under the default name when it is free.
check_seed () {
  SHMIPC_NAME=/shmipc-packages-$$ seed_session "$1" "$tmp/session.txt" "$tmp/session.status"
  diff -u "$srcdir/tests/expected/seed-session.txt" "$tmp/session.txt" ||
    die "$2: seed session transcript differs"
  diff -u "$srcdir/tests/expected/seed-session.status" "$tmp/session.status" ||
    die "$2: seed session exit statuses differ"
  if [ ! -e /dev/shm/shm-example ]; then
    (unset SHMIPC_NAME; seed_session "$1" "$tmp/session.txt" "$tmp/session.status")
    diff -u "$srcdir/tests/expected/seed-session.txt" "$tmp/session.txt" ||
      die "$2: seed session (default name) transcript differs"
    diff -u "$srcdir/tests/expected/seed-session.status" "$tmp/session.status" ||
      die "$2: seed session (default name) exit statuses differ"
  fi
  echo "$2: seed session identical to tests/expected/seed-session.txt"
}

step "seed session with /usr/bin/prod and /usr/bin/cons"
for c in $commands; do
  [ -x "/usr/bin/$c" ] || die "/usr/bin/$c not installed"
  "/usr/bin/$c" --version
done
(unset SHMIPC_BACKEND; check_seed /usr/bin "installed .debs")

step "man -w finds every page"
for m in $manpages; do
  man -w "$m" || die "man -w $m: no manual page"
done

step "compile the example of libshmipc(3) against libshmipc-dev"
# The EXAMPLES section of the installed page, roff escapes undone.
man_src=$(man -w 3 libshmipc)
case "$man_src" in
  *.gz) zcat "$man_src" ;;
  *) cat "$man_src" ;;
esac | sed -n '/^\.SH EXAMPLES/,/^\.SH /p' | sed -n '/^\.EX/,/^\.EE/p' |
  sed '/^\$ /,$d' | sed '/^\.E[XE]$/d; /^\.PP$/d; /^Build and run/d' |
  sed 's/\\(dq/"/g; s/\\-/-/g; s/\\e/\\/g' >"$tmp/example.c"
grep -q 'shmipc_segment_open' "$tmp/example.c" || die "no example found in libshmipc(3)"
# shellcheck disable=SC2046 # pkg-config's output is meant to be split
cc -Wall -Werror -o "$tmp/example" "$tmp/example.c" $(pkg-config --cflags --libs shmipc)
"$tmp/example" | tee "$tmp/example.out"
grep -q '^/example holds "hello, shared memory" (posix backend, 4096 bytes)$' "$tmp/example.out" ||
  die "the example's output differs from the one libshmipc(3) shows"
[ ! -e /dev/shm/example ] || die "the example left /dev/shm/example behind"

step "the Python of the bindings issue, with the installed typelib"
# Debian's python3 (python3-gi); nothing from the build tree.
/usr/bin/python3 - <<'PY' || die "Python through the installed typelib failed"
import gi, os
gi.require_version("Shmipc", "1.0")
from gi.repository import GLib, Shmipc
seg = Shmipc.Segment.open("/pkg-demo", Shmipc.OpenFlags.CREATE, 4096, 0o600, Shmipc.Backend.AUTO)
seg.write_bytes(0, GLib.Bytes.new(b"hello\0"))
assert seg.read_bytes(0, 5).get_data() == b"hello"
data = os.urandom(1 << 20)
ch = Shmipc.Channel.open("/pkg-s", Shmipc.ChannelRole.PRODUCER, 0, 0o600, Shmipc.Backend.AUTO)
ch.write_bytes(GLib.Bytes.new(data), -1); ch.close_write()
rd = Shmipc.Channel.open("/pkg-s", Shmipc.ChannelRole.CONSUMER, 0, 0o600, Shmipc.Backend.AUTO)
got = b""
while True:
    chunk = rd.read_bytes(65536, 5000)
    if chunk.get_size() == 0:
        break
    got += chunk.get_data()
assert got == data
names = [o.name for o in Shmipc.list_objects()]
assert "/pkg-demo" in names, names
try:
    Shmipc.Segment.open("/pkg-missing", Shmipc.OpenFlags.NONE, 0, 0o600, Shmipc.Backend.AUTO)
    raise AssertionError("no error for a missing object")
except GLib.Error as e:
    assert e.matches(Shmipc.error_quark(), Shmipc.Error.NOT_FOUND), e
rd.unlink()
seg.unlink()
print("Python through the installed typelib: ok")
PY

step "apt-get purge"
apt-get purge -y $debs
for p in $debs; do
  if dpkg -L "$p" >/dev/null 2>&1; then
    dpkg -L "$p" >&2
    die "$p still has files registered after purge"
  fi
  if dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -qv 'not-installed'; then
    die "$p is not fully purged: $(dpkg-query -W -f '${Status}' "$p")"
  fi
done
left=$(ls -d /usr/include/shmipc /usr/lib/*/libshmipc* /usr/lib/*/pkgconfig/shmipc.pc \
  /usr/lib/*/girepository-1.0/Shmipc-1.0.typelib /usr/share/gir-1.0/Shmipc-1.0.gir \
  /usr/share/doc/shmipc-1.0 /usr/share/devhelp/books/shmipc-1.0 \
  /usr/bin/prod /usr/bin/cons /usr/bin/shmdump /usr/share/doc/shmipc \
  /usr/share/doc/libshmipc1 /usr/share/doc/libshmipc-dev \
  /usr/share/man/man1/prod.1.gz /usr/share/man/man1/cons.1.gz \
  /usr/share/man/man1/shmdump.1.gz /usr/share/man/man3/libshmipc.3.gz \
  /usr/share/man/man7/shmipc.7.gz 2>/dev/null || true)
[ -z "$left" ] || die "left behind after purge: $left"
echo "purged, nothing left behind"

# --- RPM packages ---------------------------------------------------------
step "RPM file lists"
rpm_file () {
  f=$(ls "$rpm_dir"/RPMS/*/"$1"-[0-9]*.rpm 2>/dev/null | head -n 1)
  [ -n "$f" ] || die "no $1 RPM built"
  echo "$f"
}
# expect PACKAGE PATTERN...: every pattern (an anchored regex) matches a file.
expect () {
  pkg=$1
  shift
  rpm -qlp "$(rpm_file "$pkg")" >"$tmp/$pkg.list"
  for pat in "$@"; do
    grep -Eq "^$pat\$" "$tmp/$pkg.list" || die "$pkg lacks $pat"
  done
  echo "$pkg: $(wc -l <"$tmp/$pkg.list") files, all expected ones present"
}
expect shmipc /usr/bin/prod /usr/bin/cons /usr/bin/shmdump \
  '/usr/share/man/man1/prod\.1\.gz' '/usr/share/man/man1/cons\.1\.gz' \
  '/usr/share/man/man1/shmdump\.1\.gz' '/usr/share/man/man7/shmipc\.7\.gz'
expect shmipc-libs '/usr/lib64/libshmipc\.so\.1' '/usr/lib64/libshmipc\.so\.1\.[0-9.]+' \
  '/usr/lib64/girepository-1\.0/Shmipc-1\.0\.typelib' \
  '/usr/share/licenses/shmipc-libs[^/]*/COPYING'
expect shmipc-devel /usr/include/shmipc/shmipc.h '/usr/lib64/libshmipc\.so' \
  '/usr/share/gir-1.0/Shmipc-1\.0\.gir' '/usr/share/doc/shmipc-1\.0/index\.html' \
  '/usr/lib64/pkgconfig/shmipc\.pc' '/usr/share/man/man3/libshmipc\.3\.gz'
if grep -q '\.la$' "$tmp"/shmipc*.list; then
  die "libtool archives (.la) are packaged"
fi
if grep -Eq '^/usr/(bin|share/man/man[17])/' "$tmp/shmipc-libs.list" "$tmp/shmipc-devel.list"; then
  die "commands or their pages are in shmipc-libs or shmipc-devel"
fi

step "rpm -i --root into a scratch root"
scratch=$(mktemp -d)
rpm -i --nodeps --root "$scratch" \
  "$(rpm_file shmipc-libs)" "$(rpm_file shmipc-devel)" "$(rpm_file shmipc)"
rpm -qa --root "$scratch" | sort
# --nodeps: the scratch root holds no glibc or GLib (the RPMs went in with
# --nodeps too); every file, mode, owner and digest is still verified.
verify=$(rpm -V --nodeps --root "$scratch" -a 2>&1) || true
[ -z "$verify" ] || die "rpm -V in the scratch root is not clean: $verify"
echo "rpm -V --nodeps --root $scratch -a: clean"

step "seed session with the commands of the RPMs"
(unset SHMIPC_BACKEND; LD_LIBRARY_PATH=$scratch/usr/lib64; export LD_LIBRARY_PATH
 check_seed "$scratch/usr/bin" "installed RPMs")

step "all package checks passed"
