#!/bin/sh
# stream-owner.sh - prod --stream and cons --stream do not join another
# user's channel unless --force: a name another local user made (even
# with --mode=0666) would otherwise capture what root's producer writes,
# or feed root's reader. Both ends, both backends, root against nobody's
# channel and nobody against root's. Needs root, setpriv(1) and a build
# tree nobody can reach.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/stream-common.sh"

need_nobody
chmod 755 "$work"
printf 'secret\n' >"$work/secret"
chmod 644 "$work/secret"

# refused WHAT PROG OWNER_UID: the last command ($work/err) was refused
# with the ownership error, naming the channel and --force.
refused () {
  expect_text "$work/err" "$2: Refusing to join \"$c\": it belongs to uid $3, not to uid $(id -u "$4") (use --force to join it anyway)
" "$1"
}

for b in $(backends); do
  # --- root's producer, nobody's channel (made by a waiting reader). ---
  c="$pfx-$b-nobodys"
  track "$c"
  as_nobody "$bin/cons" --stream -b "$b" -n "$c" --mode=0666 --timeout 60 \
    >"$work/nobody-out" 2>"$work/nobody-err" &
  reader=$!
  wait_info "$c" "$b" '^Reader 0: pid [0-9]+ \(alive\), reading' 60 ||
    fail "$b: nobody's reader did not attach"
  expect_status 1 "$b: root's prod --stream into nobody's channel" -- \
    "$bin/prod" --stream -b "$b" -n "$c" --input "$work/secret"
  refused "$b: root's prod --stream into nobody's channel" prod "$nobody_uid" root
  # Refused before joining: no producer came, nothing was written.
  wait_info "$c" "$b" '^Write position: 0$' 5 || fail "$b: the refused prod wrote into the channel"
  "$bin/shmdump" --info -b "$b" "$c" | grep -q '^Producer pid: none$' ||
    fail "$b: the refused prod claimed the producer end"
  # Root's reader is refused too.
  expect_status 1 "$b: root's cons --stream of nobody's channel" -- \
    "$bin/cons" --stream -b "$b" -n "$c" --timeout 5
  refused "$b: root's cons --stream of nobody's channel" cons "$nobody_uid" root
  # --force: root meant it.
  expect_status 0 "$b: root's prod --stream --force" -- \
    "$bin/prod" --stream --force -b "$b" -n "$c" --input "$work/secret"
  st=0; wait "$reader" || st=$?
  [ "$st" -eq 0 ] || fail "$b: nobody's reader: status $st: $(cat "$work/nobody-err")"
  cmp -s "$work/nobody-out" "$work/secret" || fail "$b: nobody's reader did not get the forced stream"
  expect_gone "$c" "$b" "$b: nobody's channel, read"

  # --- nobody against root's channel (made by a waiting producer). ----
  c="$pfx-$b-roots"
  track "$c"
  "$bin/prod" --stream -b "$b" -n "$c" --mode=0666 --input "$work/secret" --timeout 60 \
    2>"$work/root-err" &
  producer=$!
  # The stream fits the ring: prod may end it and exit before a reader.
  wait_info "$c" "$b" '^Write position: 7$' 60 || fail "$b: root's producer did not write"
  expect_status 1 "$b: nobody's cons --stream of root's channel" -- \
    as_nobody "$bin/cons" --stream -b "$b" -n "$c" --timeout 5
  refused "$b: nobody's cons --stream of root's channel" cons 0 nobody
  expect_status 1 "$b: nobody's prod --stream into root's channel" -- \
    as_nobody "$bin/prod" --stream -b "$b" -n "$c" --input "$work/secret"
  refused "$b: nobody's prod --stream into root's channel" prod 0 nobody
  "$bin/shmdump" --info -b "$b" "$c" | grep -q '^Readers: 0 ' ||
    fail "$b: the refused reader joined root's channel"
  expect_status 0 "$b: nobody's cons --stream --force" -- \
    as_nobody "$bin/cons" --stream --force -b "$b" -n "$c" --timeout 60
  expect_text "$work/out" "secret
" "$b: nobody's forced reader"
  st=0; wait "$producer" || st=$?
  [ "$st" -eq 0 ] || fail "$b: root's producer: status $st: $(cat "$work/root-err")"
  # nobody's reader leaves root's channel to root: it exits 0 and the
  # (finished) channel stays.
  exists "$c" "$b" || fail "$b: nobody's forced reader removed root's channel"
  echo "$b: another user's channel refused at both ends without --force, joined with it"
done

finish
