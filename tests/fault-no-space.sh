#!/bin/sh
# fault-no-space.sh - /dev/shm full: creating or growing an object that
# does not fit fails with exit status 1 and one "No space left on device"
# message, never SIGBUS (status 135), and leaves no object behind.
#
# Where allowed (root, unshare(1), a POSIX build), the test runs again in
# a private mount namespace (unshare -m --propagation private: nothing
# propagates to the host) with a 1 MiB tmpfs on /dev/shm, and checks:
#   - prod --size=4M fails (and prod/cons --stream --capacity=4M);
#   - prod --size=512K works, and a second 768K object then fails;
#   - growing that object beyond the space fails and keeps it intact.
# Otherwise it asks for more than the whole size of /dev/shm (df -k): tmpfs
# refuses that at once, so no memory is used.
# SysV: a segment larger than twice the memory of the machine fails with
# the system's error, which is ENOMEM ("Cannot allocate memory") or ENOSPC
# ("No space left on device") depending on the limit hit.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

set -eu
. "$abs_top_srcdir/tests/prod-cons-common.sh"

nospace="No space left on device"

# expect_fail WHAT PATTERN CMD...: CMD exits 1 (a signal fails), nothing on
# stdout, exactly one line "prog: ... PATTERN" on stderr.
expect_fail () {
  what=$1; pattern=$2; shift 2
  got=0
  "$@" </dev/null >"$work/out" 2>"$work/err" || got=$?
  if [ "$got" -gt 128 ]; then
    fail "$what: killed by signal $((got - 128))"
  elif [ "$got" -ne 1 ]; then
    fail "$what: exit status $got, expected 1"
  fi
  [ -s "$work/out" ] && fail "$what: output on stdout"
  if [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -Eq "^[a-z]+: .*($pattern)" "$work/err"; then
    fail "$what: expected one \"$pattern\" message"
  fi
  sed 's/^/  stderr: /' "$work/err"
}

# no_object WHAT NAME
no_object () {
  [ -e "/dev/shm/${2#/}" ] && fail "$1: object $2 left behind"
  return 0
}

# The checks inside the namespace, with a 1 MiB /dev/shm.
if [ "${SHMIPC_TEST_NOSPACE_NS:-}" = 1 ]; then
  mount -t tmpfs -o size=1M,mode=1777 shmipc-test-nospace /dev/shm || exit 99
  total=$(df -k /dev/shm | awk 'NR == 2 { print $2 }')
  [ "$total" -eq 1024 ] || { echo "the tmpfs on /dev/shm has ${total}K, not 1024K" >&2; exit 99; }
  n="$pfx-a"; m="$pfx-b"; track "$n"; track "$m"

  expect_fail "prod --size=4M in 1M" "$nospace" "$bin/prod" -q -b posix -n "$n" --size=4M
  no_object "prod --size=4M" "$n"
  expect_fail "prod --stream --capacity=4M in 1M" "$nospace" \
    "$bin/prod" --stream -b posix -n "$n" --capacity=4M
  no_object "prod --stream" "$n"
  expect_fail "cons --stream --capacity=4M in 1M" "$nospace" \
    "$bin/cons" --stream -b posix -n "$n" --capacity=4M
  no_object "cons --stream" "$n"

  got=0
  "$bin/prod" -q -b posix -n "$n" --size=512K first || got=$?
  [ "$got" -eq 0 ] || fail "prod --size=512K in 1M: exit status $got"
  expect_fail "a second object, 768K, after 512K" "$nospace" \
    "$bin/prod" -q -b posix -n "$m" --size=768K second
  no_object "the second object" "$m"

  # Grow the first beyond the space: refused, the object as it was.
  expect_fail "growing 512K to 2M" "$nospace" "$bin/prod" -q -b posix -n "$n" --size=2M grown
  expect_fail "growing 512K to 1M + 1" "$nospace" "$bin/prod" -q -b posix -n "$n" --size=1048577 grown
  size=$(stat -c %s "/dev/shm/${n#/}" 2>/dev/null || echo none)
  [ "$size" = 524288 ] || fail "after the failed growths the object has size $size, not 524288"
  text=$("$bin/cons" -q -b posix -n "$n" 2>&1) || fail "cons after the failed growths: $text"
  [ "$text" = first ] || fail "after the failed growths the object holds \"$text\", not \"first\""
  no_object "cons" "$n"

  # An existing sparse object larger than the room: rewriting it needs
  # its pages. Refused before any byte changes (not "truncated ... bus
  # error" half-way), with where to look.
  : >"/dev/shm/${n#/}"
  chmod 600 "/dev/shm/${n#/}"
  printf 'old message' | dd of="/dev/shm/${n#/}" conv=notrunc status=none
  truncate -s 2M "/dev/shm/${n#/}"
  head -c 1536000 /dev/zero | tr '\0' n >"$work/new"
  expect_fail "rewriting a sparse 2M object with 1500K" "$nospace" \
    "$bin/prod" -q -b posix -n "$n" --input="$work/new"
  grep -q 'shmdump --limits' "$work/err" || fail "the ENOSPC message does not point at shmdump --limits"
  size=$(stat -c %s "/dev/shm/${n#/}" 2>/dev/null || echo none)
  [ "$size" = 2097152 ] || fail "after the refused rewrite the object has size $size"
  [ "$(head -c 11 "/dev/shm/${n#/}")" = "old message" ] ||
    fail "after the refused rewrite the object does not start with its old message"
  # Reading it whole needs its pages too: no room, not "truncated".
  expect_fail "cons of the sparse 2M object" "no room in memory.*no space left on device" \
    "$bin/cons" -q --keep -b posix -n "$n"
  rm -f "/dev/shm/${n#/}"
  echo "fault-no-space: namespace: $failures failure(s)"
  finish
fi

ran=0
if have_posix; then
  if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
     unshare -m --propagation private true 2>/dev/null; then
    echo "1 MiB tmpfs on /dev/shm in a private mount namespace"
    got=0
    SHMIPC_TEST_NOSPACE_NS=1 unshare -m --propagation private \
      sh "$0" || got=$?
    [ "$got" -eq 0 ] || fail "the checks in the namespace failed (status $got)"
    ran=$((ran + 1))
  else
    echo "no private mount namespace (not root, or no unshare): asking for more than /dev/shm holds"
  fi
  # Also, or instead: more than the whole /dev/shm of this system.
  total=$(df -k /dev/shm 2>/dev/null | awk 'NR == 2 { print $2 }')
  case $total in
    ''|*[!0-9]*|0)
      echo "cannot tell the size of /dev/shm: host check skipped" ;;
    *)
      n="$pfx-host"; track "$n"
      expect_fail "prod --size=$((total + 1024))K on the host" "$nospace" \
        "$bin/prod" -q -b posix -n "$n" --size="$((total + 1024))K"
      no_object "prod on the host" "$n"
      ran=$((ran + 1)) ;;
  esac
else
  echo "no POSIX backend in this build: /dev/shm checks skipped"
fi

# SysV: more than twice the memory.
mem=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo 2>/dev/null || true)
case $mem in
  ''|*[!0-9]*) echo "no /proc/meminfo: SysV check skipped" ;;
  *)
    n="$pfx-sysv"; track "$n"
    expect_fail "prod -b sysv --size=$((mem * 2))K" "Cannot allocate memory|$nospace" \
      "$bin/prod" -q -b sysv -n "$n" --size="$((mem * 2))K"
    got=0
    "$bin/cons" -q --keep -b sysv -n "$n" >/dev/null 2>&1 || got=$?
    [ "$got" -eq 1 ] || fail "the SysV segment of the failed prod exists"
    ran=$((ran + 1)) ;;
esac

[ "$ran" -gt 0 ] || { echo "SKIP: no check could run"; exit 77; }
finish
