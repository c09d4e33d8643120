#!/bin/sh
# bad-input.sh - malformed command lines (tests/bad-input.table) for prod,
# cons and shmdump. Each case must:
#   - exit with the status of the table (1 or 2; > 128, a signal, fails);
#   - print nothing on stdout;
#   - print on stderr, for status 1, exactly one line "PROG: TEXT"; for
#     status 2, exactly two lines, "PROG: TEXT" and
#     'Try "PROG --help" for more information.' (tool_usage_error());
#   - leave no object: neither /dev/shm/NAME nor the SysV segment whose key
#     shmipc_name_to_key() gives for NAME, for the case's unique NAME
#     (/shmipc-test-PID-bad-input-N, also given as $SHMIPC_NAME); and at the
#     end nothing named /dev/shm/shmipc-test-PID-* at all.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

set -eu
. "$abs_top_srcdir/tests/prod-cons-common.sh"
table="$abs_top_srcdir/tests/bad-input.table"

# The SysV key of a name, as shmipc_name_to_key() computes it: 32-bit
# FNV-1a of the name without its leading '/', masked to 31 bits, 0 -> 1.
name_key () {
  h=2166136261
  for c in $(printf '%s' "${1#/}" | od -An -tu1); do
    h=$(( ((h ^ c) * 16777619) & 4294967295 ))
  done
  h=$(( h & 2147483647 ))
  [ "$h" -eq 0 ] && h=1
  echo "$h"
}

# sysv_has KEY: whether a SysV segment with this (decimal) key exists.
sysv_has () {
  [ -r /proc/sysvipc/shm ] || return 1
  awk -v k="$1" 'NR > 1 && $1 == k { found = 1 } END { exit !found }' /proc/sysvipc/shm
}

# leftover NAME: whether an object of that name exists in either backend.
leftover () {
  [ -e "/dev/shm/${1#/}" ] && return 0
  sysv_has "$(name_key "$1")"
}

# The scratch files the table refers to; "nobody" must reach them.
chmod 755 "$work"
head -c 5000 /dev/zero | tr '\0' x >"$work/big"
: >"$work/unreadable"
chmod 000 "$work/unreadable"
long=$(printf "%0300d" 0 | tr 0 x)
long="/$long"
long=${long%?}

# How to run a "nonroot" case, or why it is skipped.
nonroot_prefix=""
nonroot_skip=""
if [ "$(id -u)" -eq 0 ]; then
  if [ -n "$nobody_uid" ]; then
    nonroot_prefix=as_nobody
  else
    nonroot_skip="running as root and cannot run the build as nobody: $nobody_why"
  fi
fi

# First prove that the leak detector sees objects of both kinds.
probe="$pfx-probe"
track "$probe"
for b in $(backends); do
  "$bin/prod" -q -b "$b" -n "$probe" probe || fail "cannot create the probe object ($b)"
  leftover "$probe" || fail "the leak check does not see a $b object (key $(name_key "$probe"))"
  "$bin/cons" -q -b "$b" -n "$probe" >/dev/null || fail "cannot remove the probe object ($b)"
  leftover "$probe" && fail "the $b probe object is still there"
done

n=0
shown=0
ran=0
skipped=0
while read -r want needs prog args; do
  case $want in ''|'#'*) continue ;; esac
  n=$((n + 1))
  name="$pfx-$n"
  track "$name"
  what="case $n: $prog $args"
  prefix=""
  case $needs in
    -) ;;
    posix)
      if ! have_posix; then
        echo "SKIP $what: no POSIX backend in this build"
        skipped=$((skipped + 1)); continue
      fi ;;
    nonroot)
      if [ -n "$nonroot_skip" ]; then
        echo "SKIP $what: $nonroot_skip"
        skipped=$((skipped + 1)); continue
      fi
      prefix=$nonroot_prefix ;;
    *) fail "$what: unknown NEEDS \"$needs\" in the table"; continue ;;
  esac
  case $want in 1|2) ;; *) fail "$what: bad STATUS \"$want\" in the table"; continue ;; esac
  case $prog in prod|cons|shmdump) ;; *) fail "$what: bad PROG \"$prog\""; continue ;; esac

  args=$(printf '%s\n' "$args" | sed -e "s|@NAME@|$name|g" -e "s|@LONG@|$long|g" \
                                     -e "s|@WORK@|$work|g")
  SHMIPC_NAME=$name
  export SHMIPC_NAME
  got=0
  eval "$prefix \"\$bin/\$prog\" $args" </dev/null >"$work/out" 2>"$work/err" || got=$?
  unset SHMIPC_NAME
  ran=$((ran + 1))

  if [ "$got" -gt 128 ]; then
    fail "$what: killed by signal $((got - 128))"
  elif [ "$got" -ne "$want" ]; then
    fail "$what: exit status $got, expected $want"
  fi
  [ -s "$work/out" ] && fail "$what: output on stdout: $(head -c 200 "$work/out")"
  lines=$(wc -l <"$work/err")
  first=$(sed -n 1p "$work/err")
  try="Try \"$prog --help\" for more information."
  case $first in
    "$prog: "?*) ;;
    *) fail "$what: stderr does not start with \"$prog: \"" ;;
  esac
  if [ "$want" -eq 2 ]; then
    [ "$lines" -eq 2 ] && [ "$(sed -n 2p "$work/err")" = "$try" ] ||
      fail "$what: stderr is not one message and the \"Try\" line"
  else
    [ "$lines" -eq 1 ] || fail "$what: stderr is not exactly one line"
  fi
  # No text after the last newline either.
  if [ "$(tail -c 1 "$work/err" | od -An -c | tr -d ' ')" != '\n' ]; then
    fail "$what: stderr does not end with a newline"
  fi
  if leftover "$name"; then
    fail "$what: left an object named $name"
  fi
  if [ "$failures" -ne "$shown" ]; then
    sed 's/^/  stderr: /' "$work/err" >&2
    shown=$failures
  fi
done <"$table"

# Nothing else with this run's prefix either (a name built wrongly).
if [ -d /dev/shm ] && ls /dev/shm | grep -q "^${pfx#/}"; then
  fail "objects left in /dev/shm: $(ls /dev/shm | grep "^${pfx#/}" | tr '\n' ' ')"
fi

[ "$n" -ge 50 ] || fail "only $n cases in $table"
echo "bad-input: $n cases, $ran run, $skipped skipped, $failures failure(s)"
finish
