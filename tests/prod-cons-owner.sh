#!/bin/sh
# prod-cons-owner.sh - prod does not write into another user's object
# without --force; cons does not remove another user's object (--keep
# reads it). Needs root and setpriv(1) to make an object as "nobody".
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/prod-cons-common.sh"

# Another user's objects are made as nobody, from root.
need_nobody

for b in $(backends); do
  n="$pfx-$b"
  track "$n"
  expect_status 0 "$b: nobody's prod" -- as_nobody "$bin/prod" -q -b "$b" -n "$n" --mode 666 "nobody's"

  expect_status 1 "$b: root prod into nobody's object" -- "$bin/prod" -q -b "$b" -n "$n" "root's"
  grep -q "^prod: Refusing to write into \"$n\": it belongs to uid $nobody_uid" "$work/err" ||
    fail "$b: prod refusal message: $(cat "$work/err")"
  grep -q -- '--force' "$work/err" || fail "$b: prod refusal does not mention --force"

  expect_status 1 "$b: root cons of nobody's object" -- "$bin/cons" -b "$b" -n "$n"
  grep -q "^cons: Refusing to remove \"$n\"" "$work/err" || fail "$b: cons refusal message: $(cat "$work/err")"
  [ -s "$work/out" ] && fail "$b: a refused cons printed something"

  expect_status 0 "$b: root cons --keep" -- "$bin/cons" -q --keep -b "$b" -n "$n"
  expect_text "$work/out" "nobody's" "$b: cons --keep of nobody's object"

  expect_status 0 "$b: root prod --force" -- "$bin/prod" -q --force -b "$b" -n "$n" "forced"
  expect_status 0 "$b: nobody's cons" -- as_nobody "$bin/cons" -q -b "$b" -n "$n"
  expect_text "$work/out" "forced" "$b: prod --force wrote"
done

finish
