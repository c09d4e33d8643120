#!/bin/sh
# stream-one-shot.sh - a channel is not a message: the one-shot cons and
# prod (and cons --keep, --raw, --wait, --force, --key) refuse a channel
# before they read, write or remove anything, and the stream waiting in
# it stays whole for cons --stream.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/stream-common.sh"

head -c 200000 /dev/urandom >"$work/data"

for b in $(backends); do
  c="$pfx-$b"
  track "$c"
  "$bin/prod" --stream -b "$b" -n "$c" --capacity 1M <"$work/data" || fail "$b: prod --stream"

  for opts in "" "--keep" "--keep --raw" "--wait=1" "--force" "-q"; do
    # shellcheck disable=SC2086 # opts is zero or more words
    expect_status 1 "$b: cons $opts on a channel" -- "$bin/cons" -b "$b" -n "$c" $opts
    expect_text "$work/err" "cons: \"$c\" is a channel: read it with cons --stream
" "$b: cons $opts on a channel"
    [ -s "$work/out" ] && fail "$b: cons $opts on a channel printed something"
  done
  for opts in "hello" "--force hello" "--size=8M hello" "--input=$work/data"; do
    # shellcheck disable=SC2086
    expect_status 1 "$b: prod $opts into a channel" -- "$bin/prod" -q -b "$b" -n "$c" $opts
    expect_text "$work/err" "prod: \"$c\" is a channel: write to it with prod --stream
" "$b: prod $opts into a channel"
  done
  if [ "$b" = sysv ]; then
    key=$("$bin/shmdump" --info -b sysv "$c" | sed -n 's/^Key: //p')
    expect_status 1 "sysv: cons --key on a channel" -- "$bin/cons" --key "$key"
    grep -q '^cons: "key 0x[0-9a-f]*" is a channel, not a message$' "$work/err" ||
      fail "sysv: cons --key on a channel: $(cat "$work/err")"
    expect_status 1 "sysv: prod --key into a channel" -- "$bin/prod" -q --key "$key" hello
  fi

  # Untouched: the whole stream, then the channel goes.
  expect_status 0 "$b: cons --stream after the refusals" -- "$bin/cons" --stream -b "$b" -n "$c"
  cmp -s "$work/out" "$work/data" || fail "$b: the stream differs after the refusals"
  expect_gone "$c" "$b" "$b: cons --stream"
done

finish
