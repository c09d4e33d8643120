#!/bin/sh
# seed-session.sh - the classroom session of SPEC section 2, byte for byte:
# prod, prod, cons, cons with no arguments. stdout and stderr together must
# equal tests/expected/seed-session.txt (the "$ CMD" lines are the
# prompts of the transcript) and the exit statuses
# tests/expected/seed-session.status.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/prod-cons-common.sh"
expected="$abs_top_srcdir/tests/expected"

# session OUT STATUS: runs the four commands with the environment as it is.
session () {
  : >"$1"; : >"$2"
  for cmd in prod prod cons cons; do
    echo "\$ $cmd" >>"$1"
    "$bin/$cmd" >>"$1" 2>&1
    echo "$cmd $?" >>"$2"
  done
}

check_session () {
  what=$1
  if ! cmp -s "$expected/seed-session.txt" "$work/session.txt"; then
    fail "$what: transcript differs from the seed's"
    diff "$expected/seed-session.txt" "$work/session.txt" >&2
  fi
  if ! cmp -s "$expected/seed-session.status" "$work/session.status"; then
    fail "$what: exit statuses differ from the seed's"
    diff "$expected/seed-session.status" "$work/session.status" >&2
  fi
}

# 1. Under a unique name (SHMIPC_NAME): the transcript never shows the
#    name, so it is unchanged. Once per backend, and once with auto.
for b in auto $(backends); do
  name="$pfx-$b"
  track "$name"
  if [ "$b" = auto ]; then
    SHMIPC_NAME=$name session "$work/session.txt" "$work/session.status"
  else
    SHMIPC_NAME=$name SHMIPC_BACKEND=$b session "$work/session.txt" "$work/session.status"
  fi
  check_session "SHMIPC_NAME=$name backend $b"
done

# 2. The literal default, /shm-example, only when nobody uses it now: the
#    test must not destroy an object it did not create.
"$bin/cons" --keep --quiet --raw >/dev/null 2>"$work/probe"
if grep -q 'No such file or directory' "$work/probe"; then
  track /shm-example
  session "$work/session.txt" "$work/session.status"
  check_session "default name /shm-example"
else
  echo "/shm-example exists (or cannot be probed): default-name session skipped" >&2
fi

finish
