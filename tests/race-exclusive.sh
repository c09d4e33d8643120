#!/bin/sh
# race-exclusive.sh - creation races: NPROCS processes run
# "prod --exclusive --quiet --name=SAME MSG-i" at the same moment, for each
# backend, ROUNDS times. In every round exactly one exits 0; every other
# exits 1 with one line on stderr, the exists error ("File exists"); the
# object then holds the winner's message; nothing is left afterwards.
#
# The start barrier: the children open a FIFO for reading (which does not
# block: this shell holds it open read-write), say they are ready, and
# block in read. When all are ready the shell closes its end: every read
# sees end of file at once and the children exec prod.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

set -eu
. "$abs_top_srcdir/tests/prod-cons-common.sh"

ROUNDS=${RACE_ROUNDS:-10}
NPROCS=${RACE_NPROCS:-24}

command -v mkfifo >/dev/null 2>&1 || { echo "SKIP: no mkfifo"; exit 77; }

# A short pause while polling; no timing is asserted.
pause () {
  sleep 0.01 2>/dev/null || sleep 1
}

total_rounds=0
for b in $(backends); do
  wins=0
  exists=0
  round=1
  while [ "$round" -le "$ROUNDS" ]; do
    name="$pfx-$b-$round"
    track "$name"
    dir="$work/$b-$round"
    mkdir "$dir"
    mkfifo "$dir/go"
    exec 3<>"$dir/go"

    i=1
    while [ "$i" -le "$NPROCS" ]; do
      (
        exec 3>&-
        { : >"$dir/ready.$i"; read -r _ || :; } <"$dir/go"
        st=0
        "$bin/prod" --exclusive --quiet -b "$b" --name="$name" "MSG-$i" \
          >"$dir/out.$i" 2>"$dir/err.$i" || st=$?
        echo "$st" >"$dir/status.$i"
      ) &
      i=$((i + 1))
    done
    while [ "$(ls "$dir" | grep -c '^ready\.')" -lt "$NPROCS" ]; do
      pause
    done
    exec 3>&-
    wait

    winner=""
    i=1
    while [ "$i" -le "$NPROCS" ]; do
      st=$(cat "$dir/status.$i")
      [ -s "$dir/out.$i" ] && fail "$b round $round: process $i wrote on stdout"
      if [ "$st" -eq 0 ]; then
        [ -n "$winner" ] && fail "$b round $round: processes $winner and $i both won"
        winner=$i
        wins=$((wins + 1))
        [ -s "$dir/err.$i" ] && fail "$b round $round: the winner wrote on stderr: $(cat "$dir/err.$i")"
      elif [ "$st" -eq 1 ] && [ "$(wc -l <"$dir/err.$i")" -eq 1 ] &&
           grep -q '^prod: .*File exists$' "$dir/err.$i"; then
        exists=$((exists + 1))
      else
        fail "$b round $round: process $i: exit status $st, stderr: $(cat "$dir/err.$i")"
      fi
      i=$((i + 1))
    done

    if [ -z "$winner" ]; then
      fail "$b round $round: no process won"
    else
      got=0
      "$bin/cons" -q --keep -b "$b" -n "$name" >"$dir/text" 2>"$dir/cons.err" || got=$?
      printf 'MSG-%s' "$winner" >"$dir/expected"
      if [ "$got" -ne 0 ] || ! cmp -s "$dir/expected" "$dir/text"; then
        fail "$b round $round: the object does not hold the winner's MSG-$winner: $(cat "$dir/text" "$dir/cons.err")"
      fi
    fi
    "$bin/cons" -q -b "$b" -n "$name" >/dev/null 2>&1 || true
    rm -rf "$dir"
    round=$((round + 1))
    total_rounds=$((total_rounds + 1))
  done
  echo "race-exclusive: $b: $ROUNDS rounds x $NPROCS processes: $wins winner(s), $exists \"File exists\" failures (expected $ROUNDS and $((ROUNDS * (NPROCS - 1))))"
  [ "$wins" -eq "$ROUNDS" ] || fail "$b: $wins winners in $ROUNDS rounds"
  [ "$exists" -eq $((ROUNDS * (NPROCS - 1))) ] || fail "$b: $exists exists errors"
done

finish
