#!/bin/sh
# stream-large.sh - more than 1 GiB through prod --stream | cons --stream,
# compared by checksum (cksum) without a temporary file: the input is the
# output of seq(1), deterministic and varied, tapped with tee(1).
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
. "$abs_top_srcdir/tests/stream-common.sh"

# 1 GiB and an odd tail, so that the end does not fall on a ring boundary.
size=$((1024 * 1024 * 1024 + 12345))
mkfifo "$work/tap"

for b in $(backends); do
  n="$pfx-$b"
  track "$n"
  rm -f "$work/sum-in" "$work/sum-out" "$work/cons-status"
  start=$(now_ms)
  cksum <"$work/tap" >"$work/sum-in" &
  tpid=$!
  { st=0; "$bin/cons" --stream -b "$b" -n "$n" 2>"$work/cons-err" || st=$?
    echo "$st" >"$work/cons-status"; } | cksum >"$work/sum-out" &
  cpid=$!
  seq 1 200000000 | head -c "$size" | tee "$work/tap" |
    "$bin/prod" --stream -b "$b" -n "$n" 2>"$work/prod-err" ||
    fail "$b: prod failed: $(cat "$work/prod-err")"
  wait "$tpid" || fail "$b: cksum of the input failed"
  wait "$cpid" || fail "$b: cksum of the output failed"
  end=$(now_ms)
  [ "$(cat "$work/cons-status")" = 0 ] ||
    fail "$b: cons exit status $(cat "$work/cons-status"): $(cat "$work/cons-err")"
  read -r sum_in len_in <"$work/sum-in"
  read -r sum_out len_out <"$work/sum-out"
  [ "$len_in" -eq "$size" ] || fail "$b: the generator gave $len_in bytes, not $size"
  if [ "$sum_in $len_in" != "$sum_out $len_out" ]; then
    fail "$b: input $sum_in ($len_in bytes), output $sum_out ($len_out bytes)"
  fi
  expect_gone "$n" "$b" "$b, $size bytes"
  echo "$b: $len_out bytes, checksums equal, $((end - start)) ms"
done

finish
