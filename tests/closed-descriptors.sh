#!/bin/sh
# closed-descriptors.sh - every command run with standard input, output
# or error closed (<&-, >&-, 2>&-): no object lands on descriptor 0, 1
# or 2 (the objects hold exactly the bytes they should), and a command
# whose output is closed fails (exit 1, with a message where stderr is
# open) instead of reporting success with its output lost.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/stream-common.sh"

# run WANT WHAT REDIRECTION CMD...: runs CMD with one standard
# descriptor closed (REDIRECTION: in, out or err), stdout in $work/out
# and stderr in $work/err where they stay open, and checks the status.
run () {
  want=$1; what=$2; redir=$3; shift 3
  : >"$work/out"; : >"$work/err"
  case $redir in
    in) "$@" <&- >"$work/out" 2>"$work/err" ;;
    out) "$@" >&- 2>"$work/err" ;;
    err) "$@" >"$work/out" 2>&- ;;
  esac
  got=$?
  if [ "$got" -ne "$want" ]; then
    fail "$what: exit status $got, expected $want"
    sed 's/^/  stderr: /' "$work/err" >&2
  fi
}

# expect_err PATTERN WHAT: stderr matches PATTERN (grep -E).
expect_err () {
  grep -Eq "$1" "$work/err" || fail "$2: stderr does not match /$1/: $(cat "$work/err")"
}

# expect_bytes NAME FILE WHAT: the object NAME holds exactly FILE's
# bytes (followed by zeros up to its size, as a message is stored).
expect_bytes () {
  "$bin/cons" -q --keep --raw -n "$1" >"$work/raw" 2>"$work/raw.err" ||
    { fail "$3: cannot read $1: $(cat "$work/raw.err")"; return; }
  _len=$(wc -c <"$2" | tr -d ' ')
  head -c "$_len" "$work/raw" | cmp -s - "$2" || fail "$3: $1 does not start with the message"
  tail -c +"$((_len + 1))" "$work/raw" | tr -d '\000' | cmp -s - /dev/null ||
    fail "$3: $1 holds more than the message"
}

printf 'hello' >"$work/hello"
printf 'older' >"$work/older"
head -c 300000 /dev/urandom >"$work/data"

# --- prod and cons, one message -------------------------------------------
m="$pfx-msg"
track "$m"
for redir in in err; do
  run 0 "prod $redir closed" "$redir" "$bin/prod" -n "$m" hello
  expect_bytes "$m" "$work/hello" "prod $redir closed"
done
# The display cannot be written: prod fails before it writes, and a new
# object is removed again; an existing one keeps its message.
"$bin/cons" -q -n "$m" >/dev/null 2>&1
run 1 "prod >&- (new object)" out "$bin/prod" -n "$m" hello
expect_err '^prod: cannot write to standard output: Bad file descriptor$' "prod >&-"
[ -e "/dev/shm/${m#/}" ] && fail "prod >&-: left the object it created"
"$bin/prod" -q -n "$m" older || fail "prod -q older"
run 1 "prod >&- (existing object)" out "$bin/prod" -n "$m" hello
expect_bytes "$m" "$work/older" "prod >&- (existing object)"
# Nothing to show: nothing lost.
run 0 "prod -q >&-" out "$bin/prod" -q -n "$m" hello
expect_bytes "$m" "$work/hello" "prod -q >&-"

run 1 "cons >&-" out "$bin/cons" -n "$m"
expect_err '^cons: cannot write to standard output: Bad file descriptor$' "cons >&-"
expect_bytes "$m" "$work/hello" "cons >&- keeps the object"
run 0 "cons -q --keep <&-" in "$bin/cons" -q --keep -n "$m"
expect_text "$work/out" "hello" "cons <&-"
run 0 "cons 2>&-" err "$bin/cons" -q -n "$m"
expect_text "$work/out" "hello" "cons 2>&-"
[ -e "/dev/shm/${m#/}" ] && fail "cons 2>&-: did not remove the object"

# --- shmdump ----------------------------------------------------------------
"$bin/prod" -q -n "$m" hello || fail "prod hello"
"$bin/shmdump" "$m" >"$work/dump" || fail "shmdump"
for redir in in err; do
  run 0 "shmdump $redir closed" "$redir" "$bin/shmdump" "$m"
  cmp -s "$work/out" "$work/dump" || fail "shmdump $redir closed: the dump differs"
done
for mode in "" --list --info "--watch --count=1"; do
  # shellcheck disable=SC2086 # mode is one or two words, or none
  run 1 "shmdump $mode >&-" out "$bin/shmdump" $mode $([ "$mode" = --list ] || echo "$m")
  expect_err '^shmdump: write to standard output failed: Bad file descriptor$' "shmdump $mode >&-"
  run 0 "shmdump $mode <&-" in "$bin/shmdump" $mode $([ "$mode" = --list ] || echo "$m")
done
expect_bytes "$m" "$work/hello" "after shmdump"

# --- streams -----------------------------------------------------------------
for b in $(backends); do
  c="$pfx-stream-$b"
  track "$c"
  # prod has nothing to read: it fails before it makes a channel.
  run 1 "$b: prod --stream <&-" in "$bin/prod" --stream -b "$b" -n "$c" --capacity "$cap"
  expect_err '^prod: standard input is closed$' "$b: prod --stream <&-"
  expect_gone "$c" "$b" "$b: prod --stream <&-"

  # cons has nowhere to write: it fails before it joins, and the stream
  # stays whole for the next reader.
  "$bin/prod" --stream -b "$b" -n "$c" --capacity 1M <"$work/data" || fail "$b: prod --stream"
  run 1 "$b: cons --stream >&-" out "$bin/cons" --stream -b "$b" -n "$c"
  expect_err '^cons: standard output is closed$' "$b: cons --stream >&-"
  run 0 "$b: cons --stream <&-" in "$bin/cons" --stream -b "$b" -n "$c"
  cmp -s "$work/out" "$work/data" || fail "$b: cons --stream after cons --stream >&-: the stream differs"
  expect_gone "$c" "$b" "$b: the last reader"

  # With stderr or stdout closed where it is not used, nothing changes.
  "$bin/prod" --stream -b "$b" -n "$c" --capacity 1M <"$work/data" >&- 2>&- ||
    fail "$b: prod --stream >&- 2>&-"
  run 0 "$b: cons --stream 2>&-" err "$bin/cons" --stream -b "$b" -n "$c"
  cmp -s "$work/out" "$work/data" || fail "$b: cons --stream 2>&-: the stream differs"
  expect_gone "$c" "$b" "$b: cons --stream 2>&-"
done

finish
