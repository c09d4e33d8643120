#!/bin/sh
# unpublished-race.sh - a message being published is "writing" or
# published, never "abandoned": shmdump --list and --reap --dry-run run
# again and again while prod writes and publishes new objects, and never
# call one stale. Then --reap against a prod rewriting (and publishing)
# an abandoned message at the same moment: whenever prod succeeds, its
# message is there afterwards (the reap removed the old object under its
# writer's lock, or left the new one alone).
#
# A reap sees every object of the system, so the test runs in a private
# mount and IPC namespace (unshare -m -i, a fresh tmpfs on /dev/shm),
# which needs root; without it only the first part runs, with --list.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

if [ -z "${SHMIPC_TEST_RACE_NS:-}" ] && [ "$(id -u)" -eq 0 ] &&
   command -v unshare >/dev/null 2>&1 && unshare -m -i --propagation private true 2>/dev/null; then
  SHMIPC_TEST_RACE_NS=1 exec unshare -m -i --propagation private sh "$0" "$@"
fi
if [ -n "${SHMIPC_TEST_RACE_NS:-}" ]; then
  mount -t tmpfs -o size=256m,mode=1777 shmipc-test-race /dev/shm
fi

. "$abs_top_srcdir/tests/prod-cons-common.sh"
use_posix_only
mkmessage="$abs_top_builddir/tests/mkmessage"

# stale_in FILE NAME: does the --list --json in FILE call NAME stale?
stale_in () {
  python3 - "$1" "$2" <<'PY'
import json, sys
objects = json.load(open(sys.argv[1]))
sys.exit(0 if any(o.get("name") == sys.argv[2] and o.get("stale") for o in objects) else 1)
PY
}

# --- Part 1: looks while messages are being published. -----------------
n="$pfx-pub"
track "$n"
looks=0
for i in $(seq 1 30); do
  "$bin/prod" -q -n "$n" --size=64M "message $i" &
  writer=$!
  while kill -0 "$writer" 2>/dev/null; do
    if "$bin/shmdump" --list --json >"$work/list" 2>/dev/null && stale_in "$work/list" "$n"; then
      fail "run $i: --list calls the message being published stale"
      break 2
    fi
    if [ -n "${SHMIPC_TEST_RACE_NS:-}" ] &&
       "$bin/shmdump" --reap --dry-run 2>/dev/null | grep -q "\"$n\""; then
      fail "run $i: --reap --dry-run would remove the message being published"
      break 2
    fi
    looks=$((looks + 1))
  done
  wait "$writer" || fail "run $i: prod failed"
  text=$("$bin/cons" -q -n "$n" 2>&1) || fail "run $i: cons: $text"
  [ "$text" = "message $i" ] || fail "run $i: cons read \"$text\""
done
echo "30 publications, $looks looks at them while they went on"

# --- Part 2: --reap against a rewrite of an abandoned message. ---------
if [ -z "${SHMIPC_TEST_RACE_NS:-}" ]; then
  echo "SKIP (part 2): --reap needs a private namespace (root and unshare(1))"
  finish
fi
n="$pfx-reap"
track "$n"
kept=0
removed=0
# prod starts 0 to 15 ms after the reaper, which looks at the object
# twice (its list, then again before removing it) within a few ms.
for i in $(seq 1 60); do
  "$mkmessage" abandon "$n" "old $i" || fail "run $i: mkmessage"
  "$bin/shmdump" --reap >"$work/reap" 2>&1 &
  reaper=$!
  sleep "0.0$(awk -v s="$i" 'BEGIN { srand (s); printf "%02d", int (rand () * 16) }')"
  st=0
  "$bin/prod" -q -n "$n" "new $i" 2>"$work/prod-err" || st=$?
  wait "$reaper" || true
  if [ "$st" -eq 0 ]; then
    text=$("$bin/cons" -q -n "$n" 2>&1) ||
      fail "run $i: prod succeeded but its message is gone: $text ($(cat "$work/reap"))"
    [ "${text:-}" = "new $i" ] || fail "run $i: cons read \"$text\" after prod wrote \"new $i\""
    kept=$((kept + 1))
  else
    fail "run $i: prod failed: $(cat "$work/prod-err")"
  fi
  grep -q '^removed ' "$work/reap" && removed=$((removed + 1))
  if grep -q 'replaced by another object' "$work/reap"; then
    fail "run $i: --reap says the object was replaced: $(cat "$work/reap")"
  fi
  "$bin/cons" -q -n "$n" >/dev/null 2>&1 || true
done
echo "60 rewrites raced by --reap ($removed reaps removed the abandoned object first)"

finish
