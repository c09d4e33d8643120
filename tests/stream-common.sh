# stream-common.sh - sourced by the stream-*.sh tests (not a test).
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Builds on prod-cons-common.sh ($bin, $pfx, $work, track, fail, finish,
# backends, and a trap that removes every tracked object) and adds what
# the stream tests share.

. "$abs_top_srcdir/tests/prod-cons-common.sh"

# The ring size most tests use: small, so that a few hundred KiB already
# wrap around it many times.
cap=65536

# exists NAME BACKEND: does the object exist? (shmdump --info only
# looks at it, whatever it holds.)
exists () {
  if [ "$2" = posix ]; then
    [ -e "/dev/shm/${1#/}" ]
  else
    "$bin/shmdump" --info -b sysv "$1" >/dev/null 2>&1
  fi
}

# expect_gone NAME BACKEND WHAT
expect_gone () {
  if exists "$1" "$2"; then
    fail "$3: the object $1 ($2) was left behind"
  fi
}

# now_ms: a monotonic-enough clock in milliseconds (GNU date).
now_ms () {
  echo $(($(date +%s%N) / 1000000))
}

# wait_size FILE BYTES SECONDS: waits until FILE holds at least BYTES.
wait_size () {
  _end=$(($(now_ms) + $3 * 1000))
  while :; do
    _n=$(wc -c 2>/dev/null <"$1" | tr -d ' ')
    [ "${_n:-0}" -ge "$2" ] && return 0
    [ "$(now_ms)" -ge "$_end" ] && return 1
    sleep 0.05
  done
}

# wait_info NAME BACKEND REGEX SECONDS: waits until a line of
# "shmdump --info NAME" matches REGEX (grep -E), e.g. until the producer
# has claimed the channel (not only made the object: its header comes
# after), a reader has joined, or so many bytes were committed. A loaded
# machine (make -j2 check runs the models beside these tests) can take
# far longer than usual to start a process: never a fixed sleep.
wait_info () {
  _end=$(($(now_ms) + $4 * 1000))
  until "$bin/shmdump" --info -b "$2" "$1" 2>/dev/null | grep -Eq "$3"; do
    [ "$(now_ms)" -ge "$_end" ] && return 1
    sleep 0.05
  done
}

# wait_producer NAME BACKEND SECONDS: waits until a producer has claimed
# the channel NAME (its header is written after the object is made).
wait_producer () {
  wait_info "$1" "$2" '^Producer pid: [0-9]+ \(alive\)' "$3"
}

# wait_started NAME BACKEND SECONDS: waits until a reader reads the
# channel and has been handed bytes of the stream (it started:
# "Readers: N" without "waits for its first reader"). A reader that goes
# before that is not lost: the stream still waits for a first one, which
# gets all of it.
wait_started () {
  wait_info "$1" "$2" '^Reader 0: pid [0-9]+ \(alive\), reading' "$3" &&
    wait_info "$1" "$2" '^Readers: [1-9][0-9]* of at most [0-9]+$' "$3"
}

# is_prefix PREFIX FILE: is PREFIX a prefix of FILE (PREFIX's bytes equal
# FILE's first bytes)?
is_prefix () {
  _n=$(wc -c <"$1" | tr -d ' ')
  head -c "$_n" "$2" | cmp -s - "$1"
}
