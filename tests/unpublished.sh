#!/bin/sh
# unpublished.sh - a message whose writer died before publishing it, or is
# still writing it, on both backends, as root and as an ordinary user:
# cons refuses it (even as root) and leaves it, cons --wait waits for it
# until its bound, cons --force reads it as it is, shmdump --list/--info
# (text and JSON) mark it "unpublished", abandoned or in progress, and a
# new prod publishes it.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/prod-cons-common.sh"

mkmessage="$abs_top_builddir/tests/mkmessage"
holder=

cleanup_holder () {
  [ -n "$holder" ] && kill -9 "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
  holder=
}
trap 'cleanup_holder; cleanup' EXIT

# The runner: as root, the same checks run once as root and once as
# "nobody" (setpriv); as an ordinary user, once as that user.
users=self
if [ -n "$nobody_uid" ]; then
  users="self nobody"
elif [ "$(id -u)" -eq 0 ]; then
  echo "as nobody: skipped: $nobody_why"
fi
run_as () { # USER CMD...
  u=$1; shift
  if [ "$u" = nobody ]; then as_nobody "$@"; else "$@"; fi
}

# check_list USER BACKEND NAME STATE STALE WRITER: --list, --info and
# --json show NAME as an unpublished message in STATE (writing or
# abandoned), "stale" STALE, "Writer pid" WRITER.
check_list () {
  u=$1 b=$2 n=$3 state=$4 stale=$5 writer=$6
  expect_status 0 "$u/$b: shmdump --list" -- run_as "$u" "$bin/shmdump" --list
  if [ "$b" = posix ]; then
    grep -q "^posix $n .* unpublished ($state) " "$work/out" ||
      fail "$u/$b: --list does not show $n as unpublished ($state): $(grep -- "$n" "$work/out")"
  else
    key=$(run_as "$u" "$bin/shmdump" -b sysv --info "$n" | sed -n 's/^Key: //p')
    grep -q "^sysv  *$key .* unpublished ($state) " "$work/out" ||
      fail "$u/$b: --list does not show key $key as unpublished ($state): $(grep -- "$key" "$work/out")"
  fi
  expect_status 0 "$u/$b: shmdump --info" -- run_as "$u" "$bin/shmdump" -b "$b" --info "$n"
  grep -qx "Format: unpublished" "$work/out" || fail "$u/$b: --info format: $(cat "$work/out")"
  grep -qx "Writer pid: $writer" "$work/out" || fail "$u/$b: --info writer, expected $writer: $(cat "$work/out")"
  expect_status 0 "$u/$b: shmdump --info --json" -- run_as "$u" "$bin/shmdump" -b "$b" --info --json "$n"
  python3 - "$work/out" "$stale" "$writer" <<'PY' || fail "$u/$b: --info --json: $(cat "$work/out")"
import json, sys
o = json.load(open(sys.argv[1]))[0]
assert o["format"] == "unpublished", o
assert o["stale"] is (sys.argv[2] == "true"), o
assert o["details"]["Writer pid"] == sys.argv[3], o
PY
}

for u in $users; do
  for b in $(backends); do
    n="$pfx-$u-$b"
    track "$n"
    # Objects nobody makes must be removable by nobody: the clean-up runs
    # as root, which may remove them all.

    # --- Abandoned -------------------------------------------------------
    expect_status 0 "$u/$b: abandoned write" -- run_as "$u" env SHMIPC_BACKEND="$b" "$mkmessage" abandon "$n" "half a mess"
    expect_status 1 "$u/$b: cons of an abandoned message" -- run_as "$u" "$bin/cons" -b "$b" -n "$n"
    grep -q "^cons: \"$n\" was never published: its writer .*died before finishing it (use --force to read it as it is)$" "$work/err" ||
      fail "$u/$b: cons message: $(cat "$work/err")"
    [ -s "$work/out" ] && fail "$u/$b: a refused cons printed something"
    if [ "$b" = sysv ]; then
      grep -q "its writer (process [0-9]*) died" "$work/err" || fail "$u/$b: no writer pid: $(cat "$work/err")"
      writer_dead="$(sed -n 's/.*its writer (process \([0-9]*\)) died.*/\1/p' "$work/err") (dead)"
    else
      writer_dead=unknown
    fi
    # Left in place, unpublished.
    check_list "$u" "$b" "$n" abandoned true "$writer_dead"

    start=$(date +%s)
    expect_status 1 "$u/$b: cons --wait=0.5 of an abandoned message" -- run_as "$u" "$bin/cons" -b "$b" --wait=0.5 -n "$n"
    [ $(( $(date +%s) - start )) -le 5 ] || fail "$u/$b: cons --wait=0.5 took more than 5 s"
    grep -q "^cons: Timed out after 0.5 s waiting for \"$n\" to be published: its writer .*died before finishing it$" "$work/err" ||
      fail "$u/$b: cons --wait message: $(cat "$work/err")"

    if [ "$u" = self ] && [ "$(id -u)" -eq 0 ]; then
      expect_status 0 "$u/$b: cons --force --keep" -- "$bin/cons" -q --force --keep -b "$b" -n "$n"
      expect_text "$work/out" "half a mess" "$u/$b: cons --force reads it as it is"
      # A new prod rewrites it and publishes it.
      expect_status 0 "$u/$b: prod into an abandoned message" -- "$bin/prod" -q -b "$b" -n "$n" "whole"
      expect_status 0 "$u/$b: cons after prod" -- "$bin/cons" -q -b "$b" -n "$n"
      expect_text "$work/out" "whole" "$u/$b: prod published the message"
    else
      # Mode 0000: only root may open it.
      expect_status 1 "$u/$b: cons --force without the right to open it" -- run_as "$u" "$bin/cons" -q --force --keep -b "$b" -n "$n"
      grep -q "Permission denied" "$work/err" || fail "$u/$b: cons --force: $(cat "$work/err")"
    fi

    # --- Still being written -------------------------------------------
    n="$n-live"
    track "$n"
    # Simple commands, so that $! is the writer's pid (setpriv and env
    # exec what they run). The previous round's "ready" must not count:
    # the job truncates the file only once it runs.
    rm -f "$work/holder"
    if [ "$u" = nobody ]; then
      setpriv --reuid="$nobody_uid" --regid="$(id -g nobody)" --clear-groups \
        env SHMIPC_BACKEND="$b" "$mkmessage" hold "$n" "in progress" >"$work/holder" 2>&1 &
    else
      env SHMIPC_BACKEND="$b" "$mkmessage" hold "$n" "in progress" >"$work/holder" 2>&1 &
    fi
    holder=$!
    i=0
    until grep -qx ready "$work/holder" 2>/dev/null; do
      i=$((i + 1)); [ $i -lt 500 ] || { fail "$u/$b: the writer did not start: $(cat "$work/holder")"; break; }
      sleep 0.01
    done
    expect_status 1 "$u/$b: cons of a message being written" -- run_as "$u" "$bin/cons" -b "$b" -n "$n"
    grep -q "^cons: \"$n\" is not published yet: process $holder is still writing it (use --force to read it as it is)$" "$work/err" ||
      fail "$u/$b: cons message for a live writer: $(cat "$work/err")"
    check_list "$u" "$b" "$n" writing false "$holder (alive)"
    if [ "$u" = self ] && [ "$(id -u)" -eq 0 ]; then
      # --force does not wait for the writer's lock.
      expect_status 0 "$u/$b: cons --force of a message being written" -- timeout 10 "$bin/cons" -q --force --keep -b "$b" -n "$n"
      expect_text "$work/out" "in progress" "$u/$b: cons --force during the write"
    fi
    # Its writer dies: abandoned now.
    dead=$holder
    cleanup_holder
    expect_status 1 "$u/$b: cons once the writer died" -- run_as "$u" "$bin/cons" -b "$b" -n "$n"
    grep -q "was never published" "$work/err" || fail "$u/$b: after the writer died: $(cat "$work/err")"
    if [ "$b" = sysv ]; then
      check_list "$u" "$b" "$n" abandoned true "$dead (dead)"
    else
      check_list "$u" "$b" "$n" abandoned true unknown
    fi
  done
done

finish
