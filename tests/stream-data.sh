#!/bin/sh
# stream-data.sh - prod --stream | cons --stream copies bytes exactly: sizes
# 0, 1, capacity-1, capacity, capacity+1 and 64 MiB of random data, with
# prod or cons started first, over each backend; the object is gone after.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
. "$abs_top_srcdir/tests/stream-common.sh"

big=$((64 * 1024 * 1024))
head -c "$big" /dev/urandom >"$work/random"
for size in 0 1 $((cap - 1)) $cap $((cap + 1)) $big; do
  head -c "$size" "$work/random" >"$work/in-$size"
done

# run BACKEND SIZE ORDER: one stream; ORDER is prod-first or cons-first.
run () {
  b=$1; size=$2; order=$3
  n="$pfx-$b-$size-$order"
  what="$b, $size bytes, $order"
  track "$n"
  rm -f "$work/out"
  if [ "$order" = prod-first ]; then
    "$bin/prod" --stream -b "$b" -n "$n" --capacity "$cap" <"$work/in-$size" 2>"$work/prod-err" &
    ppid=$!
    # A stream that fits the ring is complete before cons starts.
    sleep 0.2
    "$bin/cons" --stream -b "$b" -n "$n" >"$work/out" 2>"$work/cons-err" ||
      fail "$what: cons failed: $(cat "$work/cons-err")"
    st=0; wait "$ppid" || st=$?
    [ "$st" -eq 0 ] || fail "$what: prod exit status $st: $(cat "$work/prod-err")"
  else
    "$bin/cons" --stream -b "$b" -n "$n" --capacity "$cap" >"$work/out" 2>"$work/cons-err" &
    cpid=$!
    sleep 0.2
    "$bin/prod" --stream -b "$b" -n "$n" --input "$work/in-$size" 2>"$work/prod-err" ||
      fail "$what: prod failed: $(cat "$work/prod-err")"
    st=0; wait "$cpid" || st=$?
    [ "$st" -eq 0 ] || fail "$what: cons exit status $st: $(cat "$work/cons-err")"
  fi
  cmp "$work/in-$size" "$work/out" || fail "$what: output differs from input"
  [ ! -s "$work/prod-err" ] || fail "$what: prod wrote to stderr: $(cat "$work/prod-err")"
  [ ! -s "$work/cons-err" ] || fail "$what: cons wrote to stderr: $(cat "$work/cons-err")"
  expect_gone "$n" "$b" "$what"
}

for b in $(backends); do
  for size in 0 1 $((cap - 1)) $cap $((cap + 1)) $big; do
    for order in prod-first cons-first; do
      run "$b" "$size" "$order"
    done
  done
done

# The defaults: $SHMIPC_NAME names the channel, the library's capacity, and
# a pipeline on both sides.
n="$pfx-env"
track "$n"
SHMIPC_NAME=$n "$bin/cons" --stream >"$work/out" 2>"$work/cons-err" &
cpid=$!
cat "$work/in-$big" | SHMIPC_NAME=$n "$bin/prod" --stream ||
  fail "SHMIPC_NAME: prod failed"
st=0; wait "$cpid" || st=$?
[ "$st" -eq 0 ] || fail "SHMIPC_NAME: cons exit status $st: $(cat "$work/cons-err")"
cmp "$work/in-$big" "$work/out" || fail "SHMIPC_NAME: output differs from input"
for b in $(backends); do
  expect_gone "$n" "$b" "SHMIPC_NAME"
done

# --mode applies to the channel object (POSIX: visible in /dev/shm).
if have_posix; then
  n="$pfx-mode"
  track "$n"
  printf 'mode' | "$bin/prod" --stream -b posix -n "$n" --mode 640
  m=$(stat -c %a "/dev/shm/${n#/}")
  [ "$m" = 640 ] || fail "--mode 640: the channel has mode $m"
  "$bin/cons" --stream -b posix -n "$n" >"$work/out"
  printf 'mode' | cmp - "$work/out" || fail "--mode 640: wrong output"
fi

finish
