#!/bin/sh
# prod-cons-mode.sh - prod --mode is applied exactly, whatever the umask;
# the default is 0600. Checked without libshmipc: stat(1) on /dev/shm for
# POSIX, /proc/sysvipc/shm for SysV.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/prod-cons-common.sh"

# The permission bits of the SysV segment created by process $1.
sysv_mode_by_creator () {
  awk -v pid="$1" '$5 == pid { print $3 }' /proc/sysvipc/shm
}

# Removes what prod made without reading it: cons cannot open an object
# of mode 0002 or 0400 for an ordinary user.
remove_raw () {
  if [ "$1" = posix ]; then
    rm -f "/dev/shm/${3#/}"
  elif [ -r /proc/sysvipc/shm ]; then
    for id in $(awk -v pid="$2" '$5 == pid { print $2 }' /proc/sysvipc/shm); do
      ipcrm -m "$id" 2>/dev/null
    done
  fi
  "$bin/cons" -q -b "$1" -n "$3" >/dev/null 2>&1
}

[ -r /proc/sysvipc/shm ] || { echo "no /proc/sysvipc/shm: SysV modes not checked" >&2; }

for mask in 077 000 022; do
  for mode in 600 644 640 666 604 400 2; do
    for b in $(backends); do
      n="$pfx-$b-$mask-$mode"
      track "$n"
      (umask "$mask"; exec "$bin/prod" -q -b "$b" -n "$n" --mode "$mode" x) &
      pid=$!
      wait "$pid" || { fail "$b: prod --mode $mode under umask $mask failed"; continue; }
      want=$(printf '%o' "0$mode")
      if [ "$b" = posix ]; then
        got=$(stat -c %a "/dev/shm/$n")
      elif [ -r /proc/sysvipc/shm ]; then
        got=$(sysv_mode_by_creator "$pid")
      else
        got=$want
      fi
      [ "$got" = "$want" ] || fail "$b: --mode $mode under umask $mask gave $got"
      remove_raw "$b" "$pid" "$n"
    done
  done
done

# The default mode is 0600, also under umask 000.
for b in $(backends); do
  n="$pfx-$b-default"
  track "$n"
  (umask 000; exec "$bin/prod" -q -b "$b" -n "$n" x) &
  pid=$!
  wait "$pid" || fail "$b: prod with the default mode failed"
  if [ "$b" = posix ]; then
    got=$(stat -c %a "/dev/shm/$n")
  elif [ -r /proc/sysvipc/shm ]; then
    got=$(sysv_mode_by_creator "$pid")
  else
    got=600
  fi
  [ "$got" = 600 ] || fail "$b: default mode is $got, expected 600"
  # An existing object keeps its mode when written again.
  expect_status 0 "$b: rewrite with another --mode" -- "$bin/prod" -q -b "$b" -n "$n" --mode 644 y
  if [ "$b" = posix ]; then
    got=$(stat -c %a "/dev/shm/$n")
    [ "$got" = 600 ] || fail "$b: rewriting changed the mode to $got"
  fi
done

finish
