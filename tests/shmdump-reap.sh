#!/bin/sh
# shmdump-reap.sh - shmdump --reap [--dry-run] [--json] removes exactly
# the provably dead objects: stale channels (producer and readers killed)
# and abandoned unpublished messages, POSIX and SysV; never a live
# channel, a finished stream still waiting for its reader, a published
# object, or another user's object unless run by root (which names the
# owner). A dry run first, then the removal, as root and as "nobody".
#
# A reap sees every object of the system: outside a namespace of its own
# it would remove the stale objects other tests make on purpose. So the
# test runs in a private mount and IPC namespace (unshare -m -i, a fresh
# tmpfs on /dev/shm), which needs root; otherwise it is skipped.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

if [ -z "${SHMIPC_TEST_REAP_NS:-}" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 ||
     ! unshare -m -i --propagation private true 2>/dev/null; then
    echo "SKIP: needs root and unshare(1) for a private /dev/shm and IPC namespace"
    exit 77
  fi
  SHMIPC_TEST_REAP_NS=1 exec unshare -m -i --propagation private sh "$0" "$@"
fi
mount -t tmpfs -o size=256m,mode=1777 shmipc-test-reap /dev/shm

. "$abs_top_srcdir/tests/stream-common.sh"

SHMDUMP="$bin/shmdump"
mkfifo "$work/in"
chmod 755 "$work"
chmod 666 "$work/in"
# Keeps the fifo open for writing: the producers below never see its end.
sleep 600 >"$work/in" &
holder=$!
pids=$holder
trap 'kill $pids 2>/dev/null || true; cleanup' EXIT

# nobody_uid (stream-common.sh) is empty when the tests cannot run the
# build as nobody: the nobody half is then skipped.
[ -n "$nobody_uid" ] || echo "as nobody: skipped: $nobody_why"
# as USER CMD...: runs CMD as root (USER=root) or as nobody.
as () {
  _u=$1; shift
  if [ "$_u" = root ]; then "$@"
  else as_nobody "$@"; fi
}

# bg USER CMD...: starts CMD in the background as USER; $! is its pid
# (setpriv execs it).
bg () {
  _u=$1; shift
  if [ "$_u" = root ]; then "$@" &
  else setpriv --reuid="$nobody_uid" --regid="$(id -g nobody)" --clear-groups "$@" & fi
}

# A channel whose producer (and reader, with "reader") was killed.
make_stale () {
  bg "$1" "$bin/prod" --stream -b "$2" -n "$3" --input "$work/in" 2>/dev/null
  _p=$!
  # The header written and claimed, not only the object made: a producer
  # killed before that leaves an object nobody can prove stale.
  wait_producer "$3" "$2" 60 || fail "$3: prod made no channel"
  if [ "${4:-}" = reader ]; then
    bg "$1" "$bin/cons" --stream -b "$2" -n "$3" >/dev/null 2>&1
    _c=$!
    wait_info "$3" "$2" '^Reader 0: pid [0-9]+ \(alive\)' 60 || fail "$3: cons did not join"
    # Both stopped first: a producer that saw its reader die would clean
    # the reader's slot, a reader that saw the producer die would leave.
    kill -STOP "$_p" "$_c"
    kill -KILL "$_p" "$_c"
    wait "$_c" || true
  fi
  kill -KILL "$_p" 2>/dev/null || true
  wait "$_p" || true
}

# Python as any user can run it (not a per-user shim).
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

# An unpublished message whose writer is gone: mode 0000 and some bytes,
# made directly (a killed prod leaves the same).
make_abandoned () {
  if [ "$2" = posix ]; then
    as "$1" "$py" -c 'import os, sys
fd = os.open("/dev/shm" + sys.argv[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0)
os.write(fd, b"half a message")' "$3"
  else
    as "$1" "$py" -c 'import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
key = int(sys.argv[1])
if libc.shmget(key, 4096, 0o1000 | 0o2000) < 0:   # IPC_CREAT | IPC_EXCL, mode 0000
    sys.exit("shmget: errno %d" % ctypes.get_errno())' "$3"
  fi
}

backends_here=$(backends)
users=root
[ -n "$nobody_uid" ] && users="root nobody"

for u in $users; do
  for b in $backends_here; do
    sub="$pfx-$u-$b"
    make_stale "$u" "$b" "$sub-stale"
    [ "$b" = posix ] && make_stale "$u" "$b" "$sub-stale-reader" reader
    # Live: a producer waiting for its input.
    bg "$u" "$bin/prod" --stream -b "$b" -n "$sub-live" --input "$work/in" 2>/dev/null
    pids="$pids $!"
    wait_producer "$sub-live" "$b" 60 || fail "$sub-live: no channel"
    # A finished stream no reader has come to yet.
    echo "for later" | as "$u" "$bin/prod" --stream -b "$b" -n "$sub-finished"
    # Published.
    as "$u" "$bin/prod" -q -b "$b" -n "$sub-published" "hello"
  done
  if [ -z "$(echo "$backends_here" | grep posix)" ]; then :; else
    make_abandoned "$u" posix "$pfx-$u-posix-abandoned"
  fi
done
# A SysV message abandoned by its writer, and an IPC_PRIVATE-looking
# segment nobody can prove anything about is not ours to judge: only the
# keyed one is made here.
sysv_key=$((0x5EA70000 + $$ % 65536))
make_abandoned root sysv "$sysv_key"

# The listing without MODIFIED: a SysV segment's is its last detach, and
# every look at its head (--list itself) attaches and detaches.
list_objects () {
  "$SHMDUMP" --list | sed -E 's/ +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}$//'
}
list_objects >"$work/before"
cat "$work/before"

# expect_lines FILE ACTION USER: the lines of FILE are exactly ACTION for
# the dead objects USER may remove (USER=root: everyone's).
expect_lines () {
  : >"$work/want"
  for _u in $users; do
    [ "$3" = root ] || [ "$_u" = "$3" ] || continue
    _owner=
    [ "$_u" = "$3" ] || _owner=", owner $_u"
    for _b in $backends_here; do
      [ "$_b" = posix ] || continue
      echo "$2 \"$pfx-$_u-posix-stale\" \\(posix$_owner\\): stale channel \\(the stream was never finished\\): its producer \\(process [0-9]+\\) is gone" >>"$work/want"
      echo "$2 \"$pfx-$_u-posix-stale-reader\" \\(posix$_owner\\): stale channel \\(the stream was never finished\\): its producer \\(process [0-9]+\\) and its reader \\(process [0-9]+\\) are gone" >>"$work/want"
      echo "$2 \"$pfx-$_u-posix-abandoned\" \\(posix$_owner\\): abandoned message: its writer died before publishing it" >>"$work/want"
    done
  done
  _n=$(wc -l <"$work/want")
  # The SysV lines name keys, not names: counted and matched by shape.
  _sysv=$(grep -c "^$2 SysV key " "$1" || true)
  _want_sysv=0
  if echo "$backends_here" | grep -q sysv; then
    for _u in $users; do
      [ "$3" = root ] || [ "$_u" = "$3" ] || continue
      _want_sysv=$((_want_sysv + 1))
    done
    [ "$3" = root ] && _want_sysv=$((_want_sysv + 1))   # the abandoned message
  fi
  [ "$_sysv" -eq "$_want_sysv" ] ||
    fail "$2 as $3: $_sysv SysV lines, expected $_want_sysv: $(cat "$1")"
  [ "$(grep -vc "^$2 SysV key " "$1" || true)" -eq "$_n" ] ||
    fail "$2 as $3: expected $_n POSIX lines: $(cat "$1")"
  while IFS= read -r _line; do
    grep -Eqx "$_line" "$1" ||
      fail "$2 as $3: no line like: $_line
in: $(cat "$1")"
  done <"$work/want"
}

# Everything that must stay, whoever reaps.
expect_kept () {
  for _u in $users; do
    for _b in $backends_here; do
      for _k in live finished published; do
        exists "$pfx-$_u-$_b-$_k" "$_b" || fail "$1: $pfx-$_u-$_b-$_k ($_b) was removed"
      done
    done
  done
}

# --- A dry run removes nothing. ---
"$SHMDUMP" --reap --dry-run >"$work/dry" || fail "--reap --dry-run: exit status $?"
cat "$work/dry"
expect_lines "$work/dry" "would remove" root
list_objects >"$work/after-dry"
cmp -s "$work/before" "$work/after-dry" || fail "--dry-run changed the objects"

"$SHMDUMP" --reap --dry-run --json >"$work/dry.json"
python3 - "$work/dry.json" "$work/dry" <<'EOF' || fail "--reap --dry-run --json"
import json, sys
entries = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().splitlines()
assert len(entries) == len(lines), (len(entries), len(lines))
for e in entries:
    assert e["action"] == "would remove", e
    assert e["type"] in ("posix", "sysv") and e["error"] is None, e
    assert e["format"] in ("channel", "unpublished"), e
    assert e["reason"].startswith("stale channel" if e["format"] == "channel" else "abandoned"), e
    if e["type"] == "posix":
        assert e["key"] is None and e["name"].startswith("/"), e
    else:
        assert e["name"] is None and isinstance(e["key"], int) and isinstance(e["id"], int), e
        assert any(("SysV key 0x%08x (shmid %d" % (e["key"] & 0xffffffff, e["id"])) in l
                   for l in lines), e
print("JSON: %d entries, as the text" % len(entries))
EOF

# --- nobody reaps only nobody's objects. ---
if [ -n "$nobody_uid" ]; then
  as nobody "$SHMDUMP" --reap --dry-run >"$work/dry-nobody" || fail "nobody --dry-run: $?"
  expect_lines "$work/dry-nobody" "would remove" nobody
  as nobody "$SHMDUMP" --reap >"$work/reap-nobody" || fail "nobody --reap: exit status $?"
  cat "$work/reap-nobody"
  expect_lines "$work/reap-nobody" "removed" nobody
  for b in $backends_here; do
    if exists "$pfx-nobody-$b-stale" "$b"; then fail "nobody's stale channel ($b) is still there"; fi
    exists "$pfx-root-$b-stale" "$b" || fail "nobody removed root's stale channel ($b)"
  done
  expect_kept "nobody --reap"
fi

# --- root removes the rest. ---
"$SHMDUMP" --reap --json >"$work/reap.json" || fail "--reap --json: exit status $?"
python3 - "$work/reap.json" <<'EOF' || fail "--reap --json"
import json, sys
entries = json.load(open(sys.argv[1]))
assert entries and all(e["action"] == "removed" and e["error"] is None for e in entries), entries
print("removed %d objects" % len(entries))
EOF
for b in $backends_here; do
  if exists "$pfx-root-$b-stale" "$b"; then fail "root's stale channel ($b) is still there"; fi
done
expect_kept "--reap"
"$SHMDUMP" --list >"$work/after"
cat "$work/after"
grep -q 'stale\|abandoned' "$work/after" && fail "something stale is left"

# Nothing left to do: no output, exit 0.
"$SHMDUMP" --reap >"$work/again" || fail "second --reap: exit status $?"
[ ! -s "$work/again" ] || fail "second --reap: $(cat "$work/again")"

# Usage errors.
for args in "--dry-run" "--reap /x" "--reap --list" "--reap --limits" "--info --reap /x"; do
  st=0
  # shellcheck disable=SC2086
  "$SHMDUMP" $args >/dev/null 2>"$work/err" || st=$?
  [ "$st" -eq 2 ] || fail "shmdump $args: exit status $st, expected 2"
done
finish
