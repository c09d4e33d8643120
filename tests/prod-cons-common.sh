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

finish () {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed" >&2
    exit 1
  fi
  exit 0
}
