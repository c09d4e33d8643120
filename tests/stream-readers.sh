#!/bin/sh
# stream-readers.sh - one prod --stream, several cons --stream: every
# reader gets exactly the input (1 to 8 readers, both backends); a reader
# that comes late writes an exact suffix; readers killed with SIGKILL
# mid-stream leave the others exact and make prod name them and exit 1;
# under --slow=drop a stopped reader is cut off (it writes an exact prefix
# and reports the overrun) while prod and the others are unaffected; a
# reader killed while prod waits for --readers, before it had a byte,
# does not count. Under --slow=drop, fed from a file at full speed: a lone
# reader that is slower than prod is never cut off, and next to a stopped
# reader the live one gets every byte while the stopped one is cut off
# after the grace (prod names it and exits 0; it writes an exact prefix
# and reports the cut).
#
# Timing decides no check: the test feeds prod through a FIFO and acts
# between two parts of the input (a late reader, kills), waits for killed
# readers to be gone before prod can look at them, and stops the reader
# to cut for good (a live one is never cut, however slow).
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
. "$abs_top_srcdir/tests/stream-common.sh"

head -c $((3 * 1024 * 1024 + 4321)) /dev/urandom >"$work/in"
mkfifo "$work/fifo-in"
insize=$(wc -c <"$work/in" | tr -d ' ')

# The input in two parts, fed to prod through a FIFO the test holds open
# (file descriptor 3, closed in every process started meanwhile, so that
# prod sees the end of its input when the test closes it): what happens
# between the parts does not race the end of the stream.
head -c 1048576 "$work/in" >"$work/part1"
tail -c +1048577 "$work/in" >"$work/part2"

# is_suffix SUFFIX FILE
is_suffix () {
  _n=$(wc -c <"$1" | tr -d ' ')
  tail -c "$_n" "$2" | cmp -s - "$1"
}

# readers_attached NAME BACKEND: the number of readers shmdump --info shows.
readers_attached () {
  "$bin/shmdump" -b "$2" --info "$1" 2>/dev/null | sed -n 's/^Readers: \([0-9]*\) of .*/\1/p'
}

# wait_attached NAME BACKEND N: waits (at most 10 s) for N readers.
wait_attached () {
  _end=$(($(now_ms) + 10000))
  while [ "$(readers_attached "$1" "$2")" != "$3" ]; do
    [ "$(now_ms)" -lt "$_end" ] || return 1
    sleep 0.02
  done
}

for b in $(backends); do
  # --- 1 to 8 readers: every output is the input. -----------------------
  for n in 1 2 3 8; do
    name="$pfx-$b-many-$n"
    track "$name"
    "$bin/prod" --stream -b "$b" -n "$name" --capacity "$cap" --readers="$n" \
      <"$work/in" 2>"$work/prod-err" &
    ppid=$!
    pids=
    i=1
    while [ "$i" -le "$n" ]; do
      "$bin/cons" --stream -b "$b" -n "$name" >"$work/out$i" 2>"$work/err$i" &
      pids="$pids $!"
      i=$((i + 1))
    done
    st=0; wait "$ppid" || st=$?
    [ "$st" -eq 0 ] || fail "$b, $n readers: prod exit status $st: $(cat "$work/prod-err")"
    i=1
    for pid in $pids; do
      st=0; wait "$pid" || st=$?
      [ "$st" -eq 0 ] || fail "$b, $n readers: reader $i exit status $st: $(cat "$work/err$i")"
      cmp -s "$work/out$i" "$work/in" ||
        fail "$b, $n readers: reader $i wrote $(wc -c <"$work/out$i") bytes that differ from the input"
      i=$((i + 1))
    done
    expect_gone "$name" "$b" "$b, $n readers"
    echo "$b: $n readers, each got the $insize bytes"
  done

  # --- The creation order does not matter: 28 readers come first (the
  # first creates the channel), then prod --readers=28. ------------------
  name="$pfx-$b-first28"
  track "$name"
  head -c 100000 "$work/in" >"$work/small"
  pids=
  i=1
  while [ "$i" -le 28 ]; do
    "$bin/cons" --stream -b "$b" -n "$name" --timeout 60 >"$work/out$i" 2>"$work/err$i" &
    pids="$pids $!"
    i=$((i + 1))
  done
  wait_attached "$name" "$b" 28 ||
    fail "$b, 28 readers first: $(readers_attached "$name" "$b") attached, not 28"
  st=0
  "$bin/prod" --stream -b "$b" -n "$name" --readers=28 --timeout 60 <"$work/small" \
    2>"$work/prod-err" || st=$?
  [ "$st" -eq 0 ] || fail "$b, 28 readers first: prod exit status $st: $(cat "$work/prod-err")"
  i=1
  for pid in $pids; do
    st=0; wait "$pid" || st=$?
    [ "$st" -eq 0 ] && cmp -s "$work/out$i" "$work/small" ||
      fail "$b, 28 readers first: reader $i (status $st) did not get the input: $(cat "$work/err$i")"
    i=$((i + 1))
  done
  expect_gone "$name" "$b" "$b, 28 readers first"
  echo "$b: 28 readers came before prod --readers=28; each got the $(wc -c <"$work/small" | tr -d ' ') bytes"

  # --- A late reader: exactly what comes after it; the first everything.
  name="$pfx-$b-late"
  track "$name"
  "$bin/prod" --stream -b "$b" -n "$name" --capacity "$cap" <"$work/fifo-in" \
    2>"$work/prod-err" &
  ppid=$!
  exec 3>"$work/fifo-in"
  "$bin/cons" --stream -b "$b" -n "$name" >"$work/first" 2>"$work/first-err" 3>&- &
  first=$!
  cat "$work/part1" >&3
  wait_size "$work/first" 1048576 20 || fail "$b: the first reader did not get the first part"
  "$bin/cons" --stream -b "$b" -n "$name" >"$work/late" 2>"$work/late-err" 3>&- &
  late=$!
  wait_attached "$name" "$b" 2 || fail "$b, late reader: it did not attach"
  cat "$work/part2" >&3
  exec 3>&-
  st=0; wait "$ppid" || st=$?
  [ "$st" -eq 0 ] || fail "$b, late reader: prod exit status $st: $(cat "$work/prod-err")"
  st=0; wait "$first" || st=$?
  [ "$st" -eq 0 ] && cmp -s "$work/first" "$work/in" ||
    fail "$b, late reader: the first reader (status $st) did not get the whole input"
  st=0; wait "$late" || st=$?
  [ "$st" -eq 0 ] || fail "$b, late reader: exit status $st: $(cat "$work/late-err")"
  cmp -s "$work/late" "$work/part2" ||
    fail "$b, late reader: its $(wc -c <"$work/late") bytes are not the part written after it came"
  expect_gone "$name" "$b" "$b, late reader"
  echo "$b: a late reader wrote exactly the $(wc -c <"$work/late" | tr -d ' ') bytes written after it came"

  # --- Readers killed mid-stream: the others exact, prod names them. ----
  name="$pfx-$b-kill"
  track "$name"
  "$bin/prod" --stream -b "$b" -n "$name" --capacity "$cap" --readers=4 <"$work/fifo-in" \
    2>"$work/prod-err" &
  ppid=$!
  exec 3>"$work/fifo-in"
  pids=
  for i in 1 2 3 4; do
    "$bin/cons" --stream -b "$b" -n "$name" >"$work/out$i" 2>"$work/err$i" 3>&- &
    pids="$pids $!"
  done
  cat "$work/part1" >&3
  # Two of the four, chosen at random, killed once the first part is out,
  # the rest of the input still to come.
  victims=$(python3 -c 'import random, sys; print(*random.sample(sys.argv[1:], 2))' $pids)
  i=1
  for pid in $pids; do
    case " $victims " in
      *" $pid "*) wait_size "$work/out$i" 1 20 || fail "$b: reader $i got nothing"
                  kill -KILL "$pid"
                  # Gone for good before prod can look: a process still
                  # tearing down (slow under ASan) would pass for alive.
                  st=0; wait "$pid" || st=$?
                  echo "$st" >"$work/status$i" ;;
    esac
    i=$((i + 1))
  done
  cat "$work/part2" >&3
  exec 3>&-
  st=0; wait "$ppid" || st=$?
  [ "$st" -eq 1 ] || fail "$b, killed readers: prod exit status $st, expected 1: $(cat "$work/prod-err")"
  i=1
  for pid in $pids; do
    case " $victims " in
      *" $pid "*)
        st=$(cat "$work/status$i")
        [ "$st" -eq 137 ] || fail "$b, killed readers: victim $i status $st"
        is_prefix "$work/out$i" "$work/in" || fail "$b, killed readers: victim $i wrote other bytes"
        grep -q "^prod: lost a reader: process $pid left or died before the end of the stream\$" \
          "$work/prod-err" || fail "$b, killed readers: prod does not name $pid: $(cat "$work/prod-err")" ;;
      *)
        st=0; wait "$pid" || st=$?
        [ "$st" -eq 0 ] && cmp -s "$work/out$i" "$work/in" ||
          fail "$b, killed readers: survivor $i (status $st) did not get the whole input" ;;
    esac
    i=$((i + 1))
  done
  [ "$(wc -l <"$work/prod-err")" -eq 2 ] || fail "$b, killed readers: prod said: $(cat "$work/prod-err")"
  expect_gone "$name" "$b" "$b, killed readers"
  echo "$b: two readers killed mid-stream; the other two exact, prod named both and exited 1"

  # --- prod killed mid-stream: each reader writes what prod committed. --
  name="$pfx-$b-prodkill"
  track "$name"
  "$bin/prod" --stream -b "$b" -n "$name" --capacity "$cap" --readers=3 <"$work/fifo-in" \
    2>"$work/prod-err" &
  ppid=$!
  exec 3>"$work/fifo-in"
  pids=
  for i in 1 2 3; do
    "$bin/cons" --stream -b "$b" -n "$name" >"$work/out$i" 2>"$work/err$i" 3>&- &
    pids="$pids $!"
  done
  cat "$work/part1" >&3
  wait_size "$work/out1" 100000 20 || fail "$b, prod killed: reader 1 got too little"
  kill -KILL "$ppid"
  wait "$ppid" || true
  exec 3>&-
  i=1
  for pid in $pids; do
    st=0; wait "$pid" || st=$?
    [ "$st" -eq 1 ] || fail "$b, prod killed: reader $i exit status $st"
    grep -q "^cons: .*the producer (pid $ppid) died" "$work/err$i" ||
      fail "$b, prod killed: reader $i said: $(cat "$work/err$i")"
    is_prefix "$work/out$i" "$work/in" || fail "$b, prod killed: reader $i wrote other bytes"
    i=$((i + 1))
  done
  expect_gone "$name" "$b" "$b, prod killed"
  echo "$b: prod killed: each of three readers wrote an exact prefix, then reported the death"

  # --- drop, fed from a file at full speed. ------------------------------
  # A lone reader slower than prod (the ring full at every look) keeps
  # the stream moving: it is never cut off.
  for i in 1 2 3 4; do cat "$work/in"; done >"$work/in12"
  name="$pfx-$b-drop-lone"
  track "$name"
  for run in 1 2 3; do
    "$bin/prod" --stream -b "$b" -n "$name" --capacity 1M --slow=drop <"$work/in12" \
      2>"$work/prod-err" &
    ppid=$!
    st=0
    "$bin/cons" --stream -b "$b" -n "$name" --slow=drop >"$work/lone" 2>"$work/err1" || st=$?
    [ "$st" -eq 0 ] || fail "$b, drop, lone reader (run $run): status $st: $(cat "$work/err1")"
    cmp -s "$work/lone" "$work/in12" || fail "$b, drop, lone reader (run $run): not the whole input"
    st=0; wait "$ppid" || st=$?
    [ "$st" -eq 0 ] && [ ! -s "$work/prod-err" ] ||
      fail "$b, drop, lone reader (run $run): prod status $st: $(cat "$work/prod-err")"
    expect_gone "$name" "$b" "$b, drop, lone reader"
  done
  echo "$b: drop: a lone reader fed at full speed got every byte, three runs in three"

  # Next to a stopped reader, the live one gets every byte; the stopped
  # one is cut off after the grace, and prod names it. Both read the
  # first part; then one is stopped and the rest comes at full speed.
  name="$pfx-$b-drop"
  track "$name"
  "$bin/prod" --stream -b "$b" -n "$name" --capacity 1M --readers=2 --slow=drop \
    <"$work/fifo-in" 2>"$work/prod-err" &
  ppid=$!
  exec 3>"$work/fifo-in"
  # Whichever command comes first creates the channel: all ask for drop.
  "$bin/cons" --stream -b "$b" -n "$name" --slow=drop >"$work/stopped" 2>"$work/err2" 3>&- &
  stopped=$!
  "$bin/cons" --stream -b "$b" -n "$name" --slow=drop >"$work/live" 2>"$work/err1" 3>&- &
  live=$!
  cat "$work/part1" >&3
  wait_size "$work/stopped" 1048576 20 || fail "$b, drop: the reader to stop did not get the first part"
  kill -STOP "$stopped"
  t0=$(now_ms)
  cat "$work/in12" >&3
  exec 3>&-
  cat "$work/part1" "$work/in12" >"$work/drop-in"
  st=0; wait "$ppid" || st=$?
  ms=$(($(now_ms) - t0))
  kill -CONT "$stopped"
  [ "$st" -eq 0 ] || fail "$b, drop: prod exit status $st: $(cat "$work/prod-err")"
  [ "$(wc -l <"$work/prod-err")" -eq 1 ] &&
    grep -qx "prod: cut off reader [0-9]* (process $stopped): it kept the stream waiting for more than 1 s" \
      "$work/prod-err" || fail "$b, drop: prod said: $(cat "$work/prod-err")"
  [ "$ms" -ge 1000 ] || fail "$b, drop: prod was done after $ms ms, within the grace"
  st=0; wait "$live" || st=$?
  [ "$st" -eq 0 ] || fail "$b, drop: the live reader exited with $st: $(cat "$work/err1")"
  cmp -s "$work/live" "$work/drop-in" || fail "$b, drop: the live reader did not get the whole input"
  st=0; wait "$stopped" || st=$?
  [ "$st" -eq 1 ] || fail "$b, drop: the stopped reader exited with $st: $(cat "$work/err2")"
  grep -q "^cons: Channel \"$name\": cut off by the producer after keeping it waiting for more than 1 s, [0-9]* bytes behind (overrun)\$" "$work/err2" ||
    fail "$b, drop: the stopped reader said: $(cat "$work/err2")"
  [ "$(wc -c <"$work/stopped")" -ge 1048576 ] && is_prefix "$work/stopped" "$work/drop-in" ||
    fail "$b, drop: the stopped reader's $(wc -c <"$work/stopped") bytes are not a prefix"
  expect_gone "$name" "$b" "$b, drop"
  echo "$b: drop: the live reader got every byte; the stopped one wrote $(wc -c <"$work/stopped" | tr -d ' ') exact bytes, then: $(cat "$work/err2")"

  # --- A reader killed while prod waits for --readers. -------------------
  name="$pfx-$b-wait"
  track "$name"
  "$bin/prod" --stream -b "$b" -n "$name" --capacity "$cap" --readers=2 <"$work/in" \
    2>"$work/prod-err" &
  ppid=$!
  "$bin/cons" --stream -b "$b" -n "$name" >"$work/out1" 2>"$work/err1" &
  dead=$!
  wait_attached "$name" "$b" 1 || fail "$b, wait: the first reader did not attach"
  kill -KILL "$dead"
  wait "$dead" || true
  sleep 0.3
  # Still waiting: the dead reader does not count.
  kill -0 "$ppid" 2>/dev/null || fail "$b, wait: prod did not wait for a second live reader"
  [ ! -s "$work/out1" ] || fail "$b, wait: prod sent before two readers came"
  "$bin/cons" --stream -b "$b" -n "$name" >"$work/out2" 2>"$work/err2" &
  r2=$!
  "$bin/cons" --stream -b "$b" -n "$name" >"$work/out3" 2>"$work/err3" &
  r3=$!
  # It had no byte of the stream: not a lost reader either.
  st=0; wait "$ppid" || st=$?
  [ "$st" -eq 0 ] || fail "$b, wait: prod exit status $st, expected 0: $(cat "$work/prod-err")"
  [ ! -s "$work/prod-err" ] || fail "$b, wait: prod said: $(cat "$work/prod-err")"
  for pid in $r2 $r3; do
    st=0; wait "$pid" || st=$?
    [ "$st" -eq 0 ] || fail "$b, wait: a reader exited with $st"
  done
  cmp -s "$work/out2" "$work/in" && cmp -s "$work/out3" "$work/in" ||
    fail "$b, wait: the two readers did not get the whole input"
  expect_gone "$name" "$b" "$b, wait"
  echo "$b: a reader killed while prod waited for two, before it had a byte, did not count"

  # --- --slow against a channel made with the other policy. -------------
  name="$pfx-$b-policy"
  track "$name"
  "$bin/cons" --stream -b "$b" -n "$name" --timeout 20 >"$work/out1" 2>"$work/err1" &
  r1=$!
  wait_attached "$name" "$b" 1 || fail "$b, policy: the reader did not attach"
  st=0
  echo data | "$bin/prod" --stream -b "$b" -n "$name" --slow=drop 2>"$work/prod-err" || st=$?
  [ "$st" -eq 1 ] || fail "$b, policy: prod --slow=drop on a wait channel: status $st"
  grep -q "^prod: channel \"$name\" exists with the wait policy: --slow=drop applies only to a channel this command creates\$" \
    "$work/prod-err" || fail "$b, policy: prod said: $(cat "$work/prod-err")"
  # Refused before joining: the reader still waits, and a prod without
  # --slow feeds it.
  [ "$(readers_attached "$name" "$b")" = 1 ] || fail "$b, policy: the reader was disturbed"
  echo data | "$bin/prod" --stream -b "$b" -n "$name" || fail "$b, policy: prod without --slow failed"
  st=0; wait "$r1" || st=$?
  [ "$st" -eq 0 ] && [ "$(cat "$work/out1")" = data ] ||
    fail "$b, policy: the reader (status $st) wrote: $(cat "$work/out1")"
  expect_gone "$name" "$b" "$b, policy"
  echo "$b: --slow=drop refused on a channel created with wait; its reader went on"
done

finish
