#!/bin/sh
# shmdump-watch.sh - shmdump --watch: a moving channel (rates, reader,
# pids), a finished stream (then gone when its reader has read it), a raw
# object whose bytes change, the end at --count, at the object's removal,
# at a signal and at q on a terminal; plain lines without escape
# sequences when the output is not a terminal; usage errors.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu
. "$abs_top_srcdir/tests/stream-common.sh"

SHMDUMP="$bin/shmdump"
esc=$(printf '\033')
stamp='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'

no_escapes () {
  if grep -q "$esc" "$1"; then fail "$2: an escape sequence in plain output"; fi
}

# wait_exit PID SECONDS WHAT: waits for PID to end by itself (it is
# killed, and the test fails, after SECONDS); sets $st to its status.
wait_exit () {
  _end=$(($(now_ms) + $2 * 1000))
  while kill -0 "$1" 2>/dev/null && [ "$(now_ms)" -lt "$_end" ]; do sleep 0.05; done
  if kill -0 "$1" 2>/dev/null; then
    kill -KILL "$1" 2>/dev/null || true
    fail "$3: still running after $2 s"
  fi
  st=0
  wait "$1" || st=$?
}

for b in $(backends); do
  # --- A moving channel: --count looks, one plain line each. ---
  n="$pfx-$b-moving"
  track "$n"
  while :; do head -c 65536 /dev/zero; sleep 0.05; done |
    "$bin/prod" --stream -b "$b" -n "$n" --capacity 1M 2>/dev/null &
  ppid=$!
  wait_producer "$n" "$b" 60 || fail "$b moving: no channel"
  "$bin/cons" --stream -b "$b" -n "$n" >/dev/null 2>&1 &
  cpid=$!
  wait_started "$n" "$b" 60 || fail "$b moving: no reader"
  prod_pid=$("$SHMDUMP" --info -b "$b" "$n" | sed -n 's/^Producer pid: \([0-9]*\) .*/\1/p')
  "$SHMDUMP" --watch -b "$b" --interval 0.2 --count 5 "$n" >"$work/moving" 2>"$work/err" ||
    fail "$b moving: exit status $?: $(cat "$work/err")"
  cat "$work/moving"
  kill -TERM "$ppid" 2>/dev/null || true
  wait "$ppid" || true
  wait "$cpid" || true
  [ "$(wc -l <"$work/moving")" -eq 5 ] || fail "$b moving: not 5 lines for --count 5"
  no_escapes "$work/moving" "$b moving"
  line="^$stamp \"$n\": open, fill [0-9.]+ ([KMG]iB|bytes) of 1\\.0 MiB \\([0-9]+%\\), in [^,]+, out [^,]+, producer $prod_pid \\(alive\\); reader 0 pid $cpid \\(alive\\) reading, lag [0-9.]+ ([KMG]iB|bytes), [^;]+\$"
  [ "$(grep -Ec "$line" "$work/moving")" -eq 5 ] || fail "$b moving: lines not like $line"
  head -n 1 "$work/moving" | grep -q 'in -, out -,' || fail "$b moving: a rate at the first look"
  # The stream moved: some later look saw bytes come in and go out.
  sed 1d "$work/moving" | grep -Eq 'in [0-9.]+ [KMG]iB/s, out [0-9.]+ [KMG]iB/s' ||
    fail "$b moving: no look saw the stream move"

  # --- A finished stream, then gone once its reader has read it. ---
  n="$pfx-$b-finished"
  track "$n"
  echo "the whole stream" | "$bin/prod" --stream -b "$b" -n "$n"
  "$SHMDUMP" --watch -b "$b" --interval 0.1 --count 2 "$n" >"$work/finished" ||
    fail "$b finished: exit status $?"
  cat "$work/finished"
  no_escapes "$work/finished" "$b finished"
  [ "$(grep -Ec "^$stamp \"$n\": end-of-stream, fill 17 bytes of .*, producer none; no reader\$" \
        "$work/finished")" -eq 2 ] || fail "$b finished: not two end-of-stream lines"
  sed -n 2p "$work/finished" | grep -q 'in 0 bytes/s, out 0 bytes/s' ||
    fail "$b finished: a finished stream moves"
  "$SHMDUMP" --watch -b "$b" --interval 0.1 "$n" >"$work/gone" 2>&1 &
  wpid=$!
  wait_size "$work/gone" 1 60 || fail "$b finished: watch printed nothing"
  "$bin/cons" --stream -b "$b" -n "$n" >"$work/out" || fail "$b finished: cons failed"
  wait_exit "$wpid" 60 "$b finished: watch of a removed channel"
  [ "$st" -eq 0 ] || fail "$b finished: watch exit status $st"
  tail -n 1 "$work/gone" | grep -Eq "^$stamp \"$n\" is gone\$" ||
    fail "$b finished: no \"is gone\" line: $(tail -n 2 "$work/gone")"
  no_escapes "$work/gone" "$b gone"

  # --- A raw object: the dump lines that changed. ---
  n="$pfx-$b-raw"
  track "$n"
  "$bin/prod" -q -b "$b" -n "$n" "hello" || fail "$b raw: prod failed"
  "$SHMDUMP" --watch -b "$b" --interval 0.1 "$n" >"$work/raw" 2>&1 &
  wpid=$!
  wait_size "$work/raw" 1 60 || fail "$b raw: watch printed nothing"
  "$bin/prod" -q -b "$b" -n "$n" "world, anew" || fail "$b raw: second prod failed"
  # Wait for the look that saw it, then remove the object: watch ends.
  _end=$(($(now_ms) + 60000))
  until grep -q '|world, anew' "$work/raw" || [ "$(now_ms)" -ge "$_end" ]; do sleep 0.05; done
  "$bin/cons" -q -b "$b" -n "$n" >/dev/null || fail "$b raw: cons failed"
  wait_exit "$wpid" 60 "$b raw: watch of a removed object"
  cat "$work/raw"
  [ "$st" -eq 0 ] || fail "$b raw: watch exit status $st"
  no_escapes "$work/raw" "$b raw"
  head -n 1 "$work/raw" | grep -Eq "^$stamp \"$n\": 4096 bytes, 256 lines\$" ||
    fail "$b raw: first line"
  grep -Eq "^$stamp \"$n\": 1 of 256 lines changed\$" "$work/raw" ||
    fail "$b raw: no \"1 of 256 lines changed\""
  grep -Eq "^$stamp \"$n\" 00000000  77 6f 72 6c 64 2c 20 61  6e 65 77 00 00 00 00 00  \\|world, anew\\.\\.\\.\\.\\.\\|\$" \
    "$work/raw" || fail "$b raw: the changed line is not shown as the dump shows it"
  grep -q '00000010' "$work/raw" && fail "$b raw: an unchanged line is shown"
  tail -n 1 "$work/raw" | grep -Eq "^$stamp \"$n\" is gone\$" || fail "$b raw: no \"is gone\" line"
done

n="$pfx-signal"
track "$n"
"$bin/prod" -q -n "$n" "x" || fail "signal: prod failed"

# --- SIGINT ends a plain watch: it dies of the signal. ---
"$SHMDUMP" --watch --interval 0.1 "$n" >"$work/sig" 2>&1 &
wpid=$!
wait_size "$work/sig" 1 60 || fail "SIGINT: watch printed nothing"
kill -INT "$wpid"
wait_exit "$wpid" 60 "SIGINT"
[ "$st" -eq 130 ] || fail "SIGINT: exit status $st, expected 130"

# --- On a terminal: redrawn in place, q ends it. ---
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1 </dev/null; then
  # The keys come through a fifo held open, so that script(1) never sees
  # the end of its input.
  mkfifo "$work/keys"
  script -qec "'$SHMDUMP' --watch --interval 0.2 '$n'" /dev/null <"$work/keys" >"$work/tty" 2>&1 &
  spid=$!
  exec 5>"$work/keys"
  sleep 1
  printf q >&5
  wait_exit "$spid" 60 "terminal: q"
  exec 5>&-
  [ "$st" -eq 0 ] || fail "terminal: exit status $st after q"
  grep -q "${esc}\\[H${esc}\\[J" "$work/tty" || fail "terminal: not redrawn in place"
  grep -q "(q quits)" "$work/tty" || fail "terminal: no header"
  echo "terminal: redrawn, ended by q"
else
  echo "no script(1): the terminal case is skipped"
fi

# --- Usage errors (exit 2) and a missing object (exit 1). ---
for args in "--watch" "--watch /a /b" "--interval 1 $n" "--count 2 $n" "--watch --count 0 $n" \
            "--watch --interval 0 $n" "--watch --interval x $n" "--watch --json $n" \
            "--watch --list" "--watch --reap"; do
  st=0
  # shellcheck disable=SC2086
  "$SHMDUMP" $args >/dev/null 2>"$work/err" || st=$?
  [ "$st" -eq 2 ] || fail "shmdump $args: exit status $st, expected 2"
done
st=0
"$SHMDUMP" --watch "$pfx-missing" >/dev/null 2>"$work/err" || st=$?
[ "$st" -eq 1 ] || fail "--watch of a missing object: exit status $st, expected 1"
grep -q '^shmdump: ' "$work/err" || fail "--watch of a missing object: no message"
finish
