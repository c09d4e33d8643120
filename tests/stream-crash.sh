#!/bin/sh
# stream-crash.sh - prod --stream and cons --stream when the other end dies
# (SIGKILL), when they are stopped (SIGINT, SIGTERM), and --timeout: the
# survivor reports "PROG: ..." and exits 1 within 5 s, the consumer's
# output is an exact prefix of the input, and no object is left.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
. "$abs_top_srcdir/tests/stream-common.sh"

head -c $((32 * 1024 * 1024)) /dev/urandom >"$work/big"
mkfifo "$work/in" "$work/slow"

# The prefix check must be able to fail: a copy with one byte changed in
# the middle, and a longer file, are not prefixes.
head -c 1000000 "$work/big" >"$work/good"
{ head -c 500000 "$work/big"; printf 'X'; tail -c +500002 "$work/good"; } >"$work/bad"
is_prefix "$work/good" "$work/big" || fail "is_prefix rejects a true prefix"
if is_prefix "$work/bad" "$work/big"; then fail "is_prefix accepts a changed byte"; fi
if is_prefix "$work/big" "$work/good"; then fail "is_prefix accepts a longer file"; fi

# expect_exit PID WANT WHAT: waits for PID (at most 5 s matters), checks
# its status; prints the time it took from $t0.
expect_exit () {
  st=0
  wait "$1" || st=$?
  ms=$(($(now_ms) - t0))
  [ "$st" -eq "$2" ] || fail "$3: exit status $st, expected $2"
  [ "$ms" -le 5000 ] || fail "$3: took $ms ms to exit (more than 5 s)"
  echo "$3: exit status $st after $ms ms"
}

# expect_message FILE TEXT WHAT
expect_message () {
  grep -q "$2" "$1" || fail "$3: no \"$2\" on stderr: $(cat "$1")"
}

for b in $(backends); do
  # --- SIGKILL of prod mid-stream: cons writes a prefix, exits 1. -------
  n="$pfx-$b-kill-prod"
  track "$n"
  "$bin/prod" --stream -b "$b" -n "$n" --capacity "$cap" --input "$work/in" 2>/dev/null &
  ppid=$!
  exec 4>"$work/in"          # prod's input stays open: it never sees EOF
  # seq(1) writes a long deterministic stream more slowly than the ring
  # moves it: prod is killed while the stream flows.
  seq 1 200000000 >&4 2>/dev/null &
  wpid=$!
  "$bin/cons" --stream -b "$b" -n "$n" >"$work/out" 2>"$work/cons-err" &
  cpid=$!
  wait_size "$work/out" 1048576 20 || fail "$b kill prod: no data flowed"
  kill -KILL "$ppid"
  t0=$(now_ms)
  expect_exit "$cpid" 1 "$b: cons after SIGKILL of prod"
  exec 4>&-
  wait "$ppid" || true
  wait "$wpid" || true
  expect_message "$work/cons-err" "^cons: .*producer.*died" "$b: cons after SIGKILL of prod"
  out_size=$(wc -c <"$work/out" | tr -d ' ')
  seq 1 200000000 | head -c $((out_size + 100)) >"$work/expected"
  is_prefix "$work/out" "$work/expected" ||
    fail "$b: cons output ($out_size bytes) is not a prefix of the input"
  echo "$b: cons delivered $out_size bytes, a prefix of the input"
  expect_gone "$n" "$b" "$b: SIGKILL of prod"

  # --- Everything prod committed before dying is delivered. -----------
  # prod (no consumer yet) puts 777777 bytes in a 1 MiB ring, then is
  # killed; cons started afterwards delivers exactly them, then fails.
  n="$pfx-$b-committed"
  track "$n"
  "$bin/prod" --stream -b "$b" -n "$n" --capacity 1M --input "$work/in" 2>/dev/null &
  ppid=$!
  exec 4>"$work/in"
  head -c 777777 "$work/big" >&4
  # prod reads the last bytes from the fifo and commits them.
  wait_info "$n" "$b" '^Write position: 777777$' 60 ||
    fail "$b: prod did not commit the 777777 bytes it was given"
  kill -KILL "$ppid"
  wait "$ppid" || true
  exec 4>&-
  t0=$(now_ms)
  "$bin/cons" --stream -b "$b" -n "$n" >"$work/out" 2>"$work/cons-err" &
  cpid=$!
  expect_exit "$cpid" 1 "$b: cons started after prod died"
  head -c 777777 "$work/big" | cmp - "$work/out" ||
    fail "$b: cons did not deliver exactly the 777777 bytes prod had sent"
  expect_message "$work/cons-err" "^cons: .*producer.*died" "$b: cons started after prod died"
  expect_gone "$n" "$b" "$b: cons after a dead prod"

  # --- SIGKILL of cons mid-stream: prod exits 1. ----------------------
  # cons writes into a fifo that "sleep" never reads, so it blocks there
  # with the ring full behind it.
  n="$pfx-$b-kill-cons"
  track "$n"
  "$bin/prod" --stream -b "$b" -n "$n" --capacity "$cap" --input "$work/big" 2>"$work/prod-err" &
  ppid=$!
  sleep 600 <"$work/slow" &
  spid=$!
  "$bin/cons" --stream -b "$b" -n "$n" >"$work/slow" 2>/dev/null &
  cpid=$!
  # Once it has bytes: one that dies before is not the stream's reader.
  wait_started "$n" "$b" 60 ||
    fail "$b: cons did not read from the channel"
  kill -KILL "$cpid"
  t0=$(now_ms)
  expect_exit "$ppid" 1 "$b: prod after SIGKILL of cons"
  wait "$cpid" || true
  kill "$spid" 2>/dev/null || true
  wait "$spid" || true
  expect_message "$work/prod-err" "^prod: .*consumer.*died" "$b: prod after SIGKILL of cons"
  expect_gone "$n" "$b" "$b: SIGKILL of cons"

  # --- SIGKILL of cons while prod waits for input: prod exits 1. -----
  # prod's input is a fifo, so prod sits in its input with room in the
  # ring; it must still notice the dead consumer, which had read a line.
  n="$pfx-$b-kill-cons-idle"
  track "$n"
  rm -f "$work/idle"
  mkfifo "$work/idle"
  "$bin/prod" --stream -b "$b" -n "$n" --input "$work/idle" 2>"$work/prod-err" &
  ppid=$!
  exec 4>"$work/idle"
  echo first >&4
  "$bin/cons" --stream -b "$b" -n "$n" >/dev/null 2>&1 &
  cpid=$!
  wait_started "$n" "$b" 60 ||
    fail "$b: cons did not read from the channel"
  kill -KILL "$cpid"
  t0=$(now_ms)
  expect_exit "$ppid" 1 "$b: idle prod after SIGKILL of cons"
  exec 4>&-
  wait "$cpid" || true
  expect_message "$work/prod-err" "^prod: .*consumer.*died" "$b: idle prod after SIGKILL of cons"
  expect_gone "$n" "$b" "$b: SIGKILL of cons, idle prod"

  # --- A reader killed before it read a byte never took the stream. ---
  # cons waiting alone for a producer, killed: the stale channel holds a
  # dead reader. prod takes it over and ends its stream (exit 0), and the
  # next cons gets every byte of it.
  n="$pfx-$b-kill-cons-early"
  track "$n"
  "$bin/cons" --stream -b "$b" -n "$n" >/dev/null 2>&1 &
  cpid=$!
  wait_info "$n" "$b" '^Reader 0: pid [0-9]+ \(alive\), reading' 60 ||
    fail "$b: the early cons did not join the channel"
  kill -KILL "$cpid"
  wait "$cpid" || true
  st=0
  "$bin/prod" --stream -b "$b" -n "$n" --input "$work/good" 2>"$work/prod-err" || st=$?
  [ "$st" -eq 0 ] || fail "$b: prod after an early reader died: status $st: $(cat "$work/prod-err")"
  [ ! -s "$work/prod-err" ] || fail "$b: prod after an early reader died said: $(cat "$work/prod-err")"
  st=0
  "$bin/cons" --stream -b "$b" -n "$n" --timeout 20 >"$work/out" 2>"$work/cons-err" || st=$?
  [ "$st" -eq 0 ] || fail "$b: the next cons: status $st: $(cat "$work/cons-err")"
  cmp -s "$work/out" "$work/good" || fail "$b: the next cons did not get every byte"
  expect_gone "$n" "$b" "$b: the next cons"
  # The same with the producer running: a reader joins while prod waits
  # for its input, and is killed before any byte came. prod keeps the
  # stream for the next reader.
  n="$pfx-$b-kill-cons-joined"
  track "$n"
  rm -f "$work/idle"
  mkfifo "$work/idle"
  "$bin/prod" --stream -b "$b" -n "$n" --input "$work/idle" 2>"$work/prod-err" &
  ppid=$!
  exec 4>"$work/idle"
  wait_producer "$n" "$b" 60 || fail "$b: no producer"
  "$bin/cons" --stream -b "$b" -n "$n" >/dev/null 2>&1 &
  cpid=$!
  wait_info "$n" "$b" '^Reader [0-9]+: pid [0-9]+ \(alive\), reading' 60 ||
    fail "$b: the cons to kill did not join the channel"
  kill -KILL "$cpid"
  wait "$cpid" || true
  # Past the producer's liveness check: it has seen the dead reader go.
  sleep 0.3
  cat "$work/good" >&4
  exec 4>&-
  st=0
  "$bin/cons" --stream -b "$b" -n "$n" --timeout 20 >"$work/out" 2>"$work/cons-err" || st=$?
  [ "$st" -eq 0 ] || fail "$b: the reader after a joined one died: status $st: $(cat "$work/cons-err")"
  cmp -s "$work/out" "$work/good" || fail "$b: the reader after a joined one died did not get every byte"
  st=0; wait "$ppid" || st=$?
  [ "$st" -eq 0 ] || fail "$b: prod after a reader died unread: status $st: $(cat "$work/prod-err")"
  expect_gone "$n" "$b" "$b: a reader killed unread"
  echo "$b: readers killed before they read a byte did not count; the next got every byte"

  # --- SIGINT and SIGTERM, to a side waiting alone or mid-stream. -----
  for sig in INT TERM; do
    case $sig in INT) want=130 ;; TERM) want=143 ;; esac

    # prod waiting for a consumer (ring full).
    n="$pfx-$b-$sig-prod"
    track "$n"
    "$bin/prod" --stream -b "$b" -n "$n" --capacity "$cap" --input "$work/big" 2>"$work/prod-err" &
    ppid=$!
    wait_producer "$n" "$b" 60 || fail "$b SIG$sig prod: no channel while prod runs"
    kill -"$sig" "$ppid"
    t0=$(now_ms)
    expect_exit "$ppid" "$want" "$b: prod stopped by SIG$sig"
    expect_message "$work/prod-err" "^prod: interrupted by SIG$sig\$" "$b: prod stopped by SIG$sig"
    expect_gone "$n" "$b" "$b: prod stopped by SIG$sig"

    # cons waiting for a producer.
    n="$pfx-$b-$sig-cons"
    track "$n"
    "$bin/cons" --stream -b "$b" -n "$n" >"$work/out" 2>"$work/cons-err" &
    cpid=$!
    wait_info "$n" "$b" '^Reader 0: pid [0-9]+ \(alive\)' 60 || fail "$b SIG$sig cons: no channel while cons runs"
    kill -"$sig" "$cpid"
    t0=$(now_ms)
    expect_exit "$cpid" "$want" "$b: cons stopped by SIG$sig"
    expect_message "$work/cons-err" "^cons: interrupted by SIG$sig\$" "$b: cons stopped by SIG$sig"
    expect_gone "$n" "$b" "$b: cons stopped by SIG$sig"

    # cons stopped mid-stream: prod fails too, nothing is left.
    n="$pfx-$b-$sig-mid"
    track "$n"
    "$bin/prod" --stream -b "$b" -n "$n" --capacity "$cap" --input "$work/big" 2>"$work/prod-err" &
    ppid=$!
    "$bin/cons" --stream -b "$b" -n "$n" >"$work/slow" 2>"$work/cons-err" &
    cpid=$!
    sleep 600 <"$work/slow" &
    spid=$!
    wait_started "$n" "$b" 60 ||
      fail "$b: SIG$sig mid-stream: cons did not join the channel"
    kill -"$sig" "$cpid"
    t0=$(now_ms)
    expect_exit "$cpid" "$want" "$b: cons stopped mid-stream by SIG$sig"
    expect_exit "$ppid" 1 "$b: prod whose cons was stopped by SIG$sig"
    kill "$spid" 2>/dev/null || true
    wait "$spid" || true
    expect_message "$work/prod-err" "^prod: .*consumer" "$b: prod whose cons was stopped by SIG$sig"
    expect_gone "$n" "$b" "$b: cons stopped mid-stream by SIG$sig"
  done

  # --- --timeout with no peer. ----------------------------------------
  n="$pfx-$b-timeout-cons"
  track "$n"
  t0=$(now_ms)
  "$bin/cons" --stream -b "$b" -n "$n" --timeout 0.5 >"$work/out" 2>"$work/cons-err" &
  cpid=$!
  expect_exit "$cpid" 1 "$b: cons --timeout 0.5 with no producer"
  [ "$ms" -ge 500 ] || fail "$b: cons --timeout 0.5 gave up after $ms ms"
  expect_message "$work/cons-err" "^cons: .*timed out.*producer" "$b: cons --timeout"
  expect_gone "$n" "$b" "$b: cons --timeout"

  n="$pfx-$b-timeout-prod"
  track "$n"
  t0=$(now_ms)
  "$bin/prod" --stream -b "$b" -n "$n" --timeout 0.5 --capacity "$cap" --input "$work/big" 2>"$work/prod-err" &
  ppid=$!
  expect_exit "$ppid" 1 "$b: prod --timeout 0.5 with no consumer"
  expect_message "$work/prod-err" "^prod: .*timed out.*consumer" "$b: prod --timeout"
  expect_gone "$n" "$b" "$b: prod --timeout"

  # --timeout bounds each wait, not the whole stream: a slow but steady
  # stream (a little every 0.2 s for 2 s) passes with --timeout 1.
  n="$pfx-$b-timeout-steady"
  track "$n"
  "$bin/cons" --stream -b "$b" -n "$n" --timeout 1 >"$work/out" 2>"$work/cons-err" &
  cpid=$!
  for i in 1 2 3 4 5 6 7 8 9 10; do echo "line $i"; sleep 0.2; done |
    "$bin/prod" --stream -b "$b" -n "$n" --timeout 1 || fail "$b: steady prod --timeout 1 failed"
  st=0; wait "$cpid" || st=$?
  [ "$st" -eq 0 ] || fail "$b: steady cons --timeout 1: status $st: $(cat "$work/cons-err")"
  [ "$(wc -l <"$work/out" | tr -d ' ')" = 10 ] || fail "$b: steady stream: wrong output"
  expect_gone "$n" "$b" "$b: steady stream"

  # --- A closed output pipe: cons dies of SIGPIPE, prod exits 1. -------
  n="$pfx-$b-pipe"
  track "$n"
  "$bin/cons" --stream -b "$b" -n "$n" 2>"$work/cons-err" >"$work/slow" &
  cpid=$!
  head -c 10 <"$work/slow" >/dev/null &
  st=0
  "$bin/prod" --stream -b "$b" -n "$n" --capacity "$cap" --input "$work/big" 2>"$work/prod-err" || st=$?
  cst=0
  wait "$cpid" || cst=$?
  [ "$st" -eq 1 ] || fail "$b: prod into cons | head: status $st"
  [ "$cst" -eq 141 ] || fail "$b: cons | head: status $cst, expected 141 (SIGPIPE)"
  [ ! -s "$work/cons-err" ] || fail "$b: cons | head: stderr: $(cat "$work/cons-err")"
  expect_gone "$n" "$b" "$b: cons | head"
done

finish
