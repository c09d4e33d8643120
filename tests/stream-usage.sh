#!/bin/sh
# stream-usage.sh - options that do not apply to --stream, and bad
# --capacity/--timeout values, are usage errors (exit 2, "PROG: ..." and
# the --help hint on stderr, nothing created).
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
. "$abs_top_srcdir/tests/stream-common.sh"

n="$pfx-usage"
track "$n"

# usage PROG ARGS...: must exit 2 with "PROG: " and the hint on stderr.
usage () {
  prog=$1; shift
  st=0
  "$bin/$prog" -n "$n" "$@" </dev/null >"$work/out" 2>"$work/err" || st=$?
  [ "$st" -eq 2 ] || fail "$prog $*: exit status $st, expected 2"
  head -n 1 "$work/err" | grep -q "^$prog: " || fail "$prog $*: no \"$prog: \" message: $(cat "$work/err")"
  grep -q -- "--help" "$work/err" || fail "$prog $*: no --help hint"
  [ ! -s "$work/out" ] || fail "$prog $*: wrote to stdout"
}

usage prod --stream MESSAGE
usage prod --stream --size 8K
usage prod --stream --key 0x1234
usage prod --stream --exclusive
usage prod --stream --capacity 4095
usage prod --stream --capacity 65G
usage prod --stream --capacity lots
usage prod --stream --timeout 0
usage prod --stream --timeout -1
usage prod --stream --timeout soon
usage prod --stream --mode 0
usage prod --stream --backend nfs
usage prod --capacity 1M
usage prod --timeout 5
usage cons --stream --keep
usage cons --stream --raw
usage cons --stream --wait
usage cons --stream --wait=5
usage cons --stream --key 0x1234
usage cons --stream extra
usage cons --stream --capacity 1K
usage cons --stream --timeout 0
usage cons --stream --timeout 1e12
usage cons --stream --mode 0
usage cons --capacity 1M
usage cons --timeout 5
usage cons --mode 600

for b in $(backends); do
  expect_gone "$n" "$b" "usage errors"
done

# --quiet is accepted and silences nothing a stream prints (it prints nothing).
printf 'quiet' | "$bin/prod" --stream -q -n "$n" --capacity 4K || fail "prod --stream -q failed"
"$bin/cons" --stream -q -n "$n" >"$work/out" || fail "cons --stream -q failed"
printf 'quiet' | cmp -s - "$work/out" || fail "--quiet: wrong output"

# A missing --input file is a runtime failure, and creates nothing.
st=0
"$bin/prod" --stream -n "$n" --input "$work/missing" 2>"$work/err" || st=$?
[ "$st" -eq 1 ] || fail "prod --stream --input MISSING: exit status $st, expected 1"
grep -q '^prod: cannot open .*missing' "$work/err" || fail "prod --input MISSING: $(cat "$work/err")"
for b in $(backends); do
  expect_gone "$n" "$b" "--input MISSING"
done

finish
