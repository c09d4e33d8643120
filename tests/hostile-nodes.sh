#!/bin/sh
# hostile-nodes.sh - what another local user can put under a name in
# /dev/shm: a FIFO, a directory, a socket, a symbolic link (and, as root,
# a device node). Every command that opens by name refuses it at once,
# with and without --wait, --stream, --keep, --force: exit 1, a message
# naming the object and its kind, well within its bound, the node left
# as it was. shmdump --list leaves such nodes out.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/prod-cons-common.sh"

use_posix_only

nodes=
remove_nodes () {
  for p in $nodes; do
    rm -rf "$p"
  done
}
trap 'remove_nodes; cleanup' EXIT

# A regular object for the symbolic link to point at: following the link
# would find a real object.
target="$pfx-target"
track "$target"
"$bin/prod" -q -n "$target" "target" || fail "cannot make $target"

# make_node KIND PATH: creates a node of KIND (fifo, directory, socket,
# symlink, device) at PATH; "test" option that recognises it.
make_node () {
  case $1 in
    fifo) mkfifo "$2" && echo -p ;;
    directory) mkdir "$2" && echo -d ;;
    socket)
      python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$2" && echo -S ;;
    symlink) ln -s "/dev/shm$target" "$2" && echo -L ;;
    device) mknod "$2" c 1 3 && echo -c ;;
  esac
}

kinds="fifo directory socket symlink"
if [ "$(id -u)" -eq 0 ] && command -v mknod >/dev/null 2>&1; then
  kinds="$kinds device"
else
  echo "not root: no device node tried" >&2
fi

for kind in $kinds; do
  n="$pfx-$kind"
  path="/dev/shm$n"
  nodes="$nodes $path"
  test_op=$(make_node "$kind" "$path") || { fail "cannot make a $kind"; continue; }
  case $kind in
    fifo) words="a FIFO" ;;
    directory) words="a directory" ;;
    socket) words="a socket" ;;
    symlink) words="a symbolic link" ;;
    device) words="a character device" ;;
  esac
  before=$(ls -ld "$path")

  # Each command: refused at once (a bound of 10 s against a hang; the
  # bound given to --wait or --timeout is longer than the refusal takes).
  while read -r prog args; do
    [ -n "$prog" ] || continue
    start=$(date +%s)
    # shellcheck disable=SC2086 # $args holds several words
    expect_status 1 "$kind: $prog $args" -- timeout 10 "$bin/$prog" $args "$n" </dev/null
    [ $(( $(date +%s) - start )) -le 3 ] || fail "$kind: $prog $args took more than 3 s"
    grep -qF "$prog: \"$n\" is $words, not a shared-memory object" "$work/err" ||
      fail "$kind: $prog $args: message: $(cat "$work/err")"
    # --json keeps its output JSON: an empty array.
    case $args in
      *--json*) expect_text "$work/out" "[]
" "$kind: $prog $args" ;;
      *) [ -s "$work/out" ] && fail "$kind: $prog $args wrote to standard output" ;;
    esac
    test "$test_op" "$path" && [ "$(ls -ld "$path")" = "$before" ] ||
      fail "$kind: $prog $args changed the node: $(ls -ld "$path" 2>&1)"
  done <<EOF
cons -n
cons --keep -n
cons --force -n
cons --wait=5 -n
cons -q --raw --keep -n
cons --stream --timeout=5 -n
prod -n
prod --exclusive -n
prod --size=8K -n
prod --stream --timeout=5 -n
shmdump
shmdump --info
shmdump --info --json
shmdump --format=xxd
EOF

  # Listing neither hangs nor fails, and leaves the node out.
  expect_status 0 "$kind: shmdump --list" -- timeout 10 "$bin/shmdump" --list
  grep -qF -- "$n " "$work/out" && fail "$kind: --list shows the $kind: $(grep -F -- "$n" "$work/out")"
  expect_status 0 "$kind: shmdump --list --json" -- timeout 10 "$bin/shmdump" --list --json
  python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$work/out" || fail "$kind: --list --json is not JSON"
  grep -qF -- "$n\"" "$work/out" && fail "$kind: --list --json shows the $kind"
done

# The object behind the link was not touched either.
expect_status 0 "the link's target" -- "$bin/cons" -q --keep -n "$target"
expect_text "$work/out" "target" "the link's target is intact"

finish
