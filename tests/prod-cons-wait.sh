#!/bin/sh
# prod-cons-wait.sh - cons --wait[=SECONDS]: started before prod it gets the
# whole message, never part of it; a timeout is exit 1 with a message.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/prod-cons-common.sh"

# 4 MiB of varied, non-zero bytes: large enough that writing it takes a
# while, so a reader that did not wait for publication would see zeros
# or a part of it.
awk 'BEGIN { for (i = 0; i < 65536; i++) printf "%063d\n", i }' >"$work/big"
size=$(wc -c <"$work/big" | tr -d ' ')

for b in $(backends); do
  # --wait with no value (forever), started before prod; several rounds.
  round=0
  while [ "$round" -lt 5 ]; do
    n="$pfx-$b-$round"
    track "$n"
    "$bin/cons" --wait -q --raw -b "$b" -n "$n" >"$work/got" 2>"$work/cons-err" &
    cpid=$!
    "$bin/prod" -q -b "$b" -n "$n" --size "$size" --input "$work/big" || fail "$b: prod round $round"
    wait "$cpid" || fail "$b: cons --wait round $round: $(cat "$work/cons-err")"
    cmp -s "$work/big" "$work/got" || fail "$b: cons --wait round $round got a different message"
    round=$((round + 1))
  done

  # --wait=SECONDS with the default display and text.
  n="$pfx-$b-secs"
  track "$n"
  "$bin/cons" --wait=600 -b "$b" -n "$n" >"$work/got" 2>&1 &
  cpid=$!
  "$bin/prod" -q -b "$b" -n "$n" "waited for" || fail "$b: prod for --wait=600"
  wait "$cpid" || fail "$b: cons --wait=600 failed: $(cat "$work/got")"
  tail -n 1 "$work/got" | grep -qx 'waited for' || fail "$b: cons --wait=600 output: $(cat "$work/got")"
  head -n 1 "$work/got" | grep -qx 'display: cons' || fail "$b: cons --wait=600 shows no display"

  # -w on an object that exists already.
  expect_status 0 "$b: prod before cons -w" -- "$bin/prod" -q -b "$b" -n "$n" "already there"
  expect_status 0 "$b: cons -w" -- "$bin/cons" -q -w -b "$b" -n "$n"
  expect_text "$work/out" "already there" "$b: cons -w"

  # Timeout: exit 1, a message naming the object, nothing on stdout.
  n="$pfx-$b-never"
  expect_status 1 "$b: cons --wait=0.05 timeout" -- "$bin/cons" --wait=0.05 -b "$b" -n "$n"
  grep -q "^cons: Timed out after .* waiting for \"$n\"" "$work/err" || fail "$b: timeout message: $(cat "$work/err")"
  [ -s "$work/out" ] && fail "$b: timeout wrote to stdout"
  expect_status 1 "$b: cons --wait=0 timeout" -- "$bin/cons" --wait=0 -b "$b" -n "$n"
done

finish
