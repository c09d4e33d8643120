#!/bin/sh
# shmdump-mountns.sh - the processes using an object are matched by the
# device and the inode of /dev/shm/NAME, not by the inode alone: a
# process of another mount namespace (a container, a test's private
# tmpfs) that maps a file with the same inode number on its own tmpfs is
# not a holder. Two private mount namespaces, each with a fresh tmpfs on
# /dev/shm, so that their first objects have the same inode number: one
# holds its channel mapped, the other's channel is stale; --list must show
# the stale one unused, and --reap must remove it. Needs root and
# unshare(1).
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 ||
   ! unshare -m -i --propagation private true 2>/dev/null; then
  echo "SKIP: needs root and unshare(1) for private /dev/shm mounts"
  exit 77
fi

. "$abs_top_srcdir/tests/prod-cons-common.sh"
use_posix_only
mkchannel="$abs_top_builddir/tests/mkchannel"

# in_ns TAG CMD: runs the shell command CMD in a new private mount and IPC
# namespace with a fresh tmpfs on /dev/shm.
in_ns () {
  unshare -m -i --propagation private sh -c \
    "mount -t tmpfs -o size=16m,mode=1777 shmipc-test-$1 /dev/shm && $2"
}

# Namespace A: a channel held mapped by a live mkchannel.
mkfifo "$work/ready"
in_ns a "SHMIPC_BACKEND=posix '$mkchannel' /held 64K </dev/null >'$work/ready'; exit 0" &
holder_ns=$!
read -r ready <"$work/ready" || true
[ "$ready" = ready ] || { echo "FAIL: the holder in namespace A did not start" >&2; exit 1; }
holder=$(pgrep -f "mkchannel /held 64K" | head -n 1)
[ -n "$holder" ] || { echo "FAIL: no holder process" >&2; exit 1; }
trap 'kill "$holder" 2>/dev/null; wait "$holder_ns" 2>/dev/null; cleanup' EXIT
ino_a=$(awk '$6 == "/dev/shm/held" { print $5; exit }' "/proc/$holder/maps")
[ -n "$ino_a" ] || { echo "FAIL: the holder does not map /dev/shm/held" >&2; exit 1; }

# Namespace B: a channel of the same inode number whose producer died.
out=$(in_ns b "
  SHMIPC_BACKEND=posix '$mkchannel' /stale 64K </dev/null >/dev/null &
  pid=\$!
  while ! grep -q ' /dev/shm/stale' /proc/\$pid/maps 2>/dev/null; do sleep 0.05; done
  kill -KILL \$pid; wait \$pid 2>/dev/null
  stat -c 'inode %i' /dev/shm/stale
  '$bin/shmdump' --list --json
  echo '--- reap'
  '$bin/shmdump' --reap
  echo \"--- left: \$(ls /dev/shm)\"
")
echo "$out"

ino_b=$(echo "$out" | sed -n 's/^inode //p')
if [ "$ino_a" != "$ino_b" ]; then
  # Another kernel's tmpfs numbering: the test cannot set up the clash.
  echo "SKIP: the two fresh tmpfs gave different inode numbers ($ino_a, $ino_b)"
  exit 77
fi
echo "$out" | grep -q '"attached" : 0' || fail "the stale channel counts a holder of another namespace"
echo "$out" | grep -q '"pids" : \[\]' || fail "the stale channel names a process of another namespace"
echo "$out" | grep -q '^removed "/stale" (posix): stale channel' || fail "--reap did not remove the stale channel"
echo "$out" | grep -q '^--- left: $' || fail "objects left in namespace B"
# Namespace A's channel was never touched.
grep -q ' /dev/shm/held' "/proc/$holder/maps" || fail "the holder lost its mapping"

finish
