# prod-cons-common.sh - sourced by the prod/cons shell tests (not a test).
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Sets $bin (the built commands), $pfx (a name prefix unique to this test
# run), $work (a scratch directory) and a trap that removes every object
# whose name starts with $pfx, in both backends, and $work.

set -u
: "${abs_top_builddir:?run through make check (abs_top_builddir unset)}"
: "${abs_top_srcdir:?run through make check (abs_top_srcdir unset)}"
bin="$abs_top_builddir/src"
test_name=$(basename "$0" .sh)
pfx="/shmipc-test-$$-$test_name"
work=$(mktemp -d "${TMPDIR:-/tmp}/shmipc-$test_name.XXXXXX") || exit 99
created=""
unset SHMIPC_NAME SHMIPC_BACKEND

# Remember a name so that the trap removes it (cons --keep leaves objects).
track () {
  created="$created $1"
}

cleanup () {
  for n in $created; do
    for b in posix sysv; do
      SHMIPC_BACKEND=$b "$abs_top_builddir/tests/mkobj" -u "$n" >/dev/null 2>&1 || true
    done
    # An object its owner may not read (prod --mode 200) cons cannot open.
    [ -e "/dev/shm/${n#/}" ] && rm -f "/dev/shm/${n#/}"
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

failures=0
fail () {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_status WANT DESCRIPTION -- CMD...: runs CMD, output in $work/out
# and $work/err, and checks its exit status.
expect_status () {
  want=$1; what=$2; shift 3
  "$@" >"$work/out" 2>"$work/err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$what: exit status $got, expected $want"
    sed 's/^/  stderr: /' "$work/err" >&2
  fi
}

# expect_file FILE EXPECTED-TEXT DESCRIPTION
expect_text () {
  printf '%s' "$2" >"$work/expected"
  if ! cmp -s "$work/expected" "$1"; then
    fail "$3: unexpected output"
    diff "$work/expected" "$1" >&2 || true
  fi
}

have_posix () {
  grep -q '^#define HAVE_POSIX_SHM 1' "$abs_top_builddir/config.h" && [ -d /dev/shm ]
}

# For tests about /dev/shm itself: skipped (77) without the POSIX backend,
# which every command then uses.
use_posix_only () {
  if ! have_posix; then
    echo "no POSIX backend or no /dev/shm: skipped" >&2
    exit 77
  fi
  SHMIPC_BACKEND=posix
  export SHMIPC_BACKEND
}

# The backends this build offers, POSIX first.
backends () {
  if have_posix; then echo posix sysv; else echo sysv; fi
}

# nobody_uid: the uid of the user "nobody" when the tests can run the
# build's commands as that user: running as root, with setpriv(1), and a
# build tree nobody can reach (not so in a clone under a mode-0700
# directory, as root's home is on Debian). Otherwise empty, and
# $nobody_why says why: the part of a test that drops to nobody is then
# skipped, and the test says so (or exits 77 when that is all it does).
nobody_uid=
nobody_why=
if [ "$(id -u)" -ne 0 ]; then
  nobody_why="not running as root"
elif ! command -v setpriv >/dev/null 2>&1; then
  nobody_why="setpriv(1) is not installed"
elif ! id -u nobody >/dev/null 2>&1; then
  nobody_why="there is no user nobody"
elif ! setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
       "$bin/prod" --version >/dev/null 2>&1; then
  nobody_why="nobody cannot run $bin/prod (a directory above the build tree is closed to other users)"
else
  nobody_uid=$(id -u nobody)
fi

# as_nobody CMD...: runs CMD as nobody (only when $nobody_uid is set). A
# function: "as_nobody CMD &" gives the pid of a subshell, not of CMD.
as_nobody () {
  setpriv --reuid="$nobody_uid" --regid="$(id -g nobody)" --clear-groups "$@"
}

# need_nobody: exits 77 (skipped) with the reason when nobody_uid is empty.
need_nobody () {
  if [ -z "$nobody_uid" ]; then
    echo "SKIP: $nobody_why" >&2
    exit 77
  fi
}

finish () {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  exit 0
}
