#!/bin/sh
# Runs the seed session and a stream under valgrind; any memory error or
# definite leak fails. CI runs it from a configured build tree:
#   tests/valgrind.sh [BUILDDIR]
# (not part of "make check": valgrind is slow and cannot run sanitized
# builds).
set -eu

builddir=$(cd "${1:-${abs_top_builddir:-.}}" && pwd)
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind.sh: valgrind is not installed" >&2
  exit 77
fi

tmp=$(mktemp -d)
name=/shmipc-test-$$-valgrind
cleanup () {
  "$builddir/src/cons" --name="$name" --quiet >/dev/null 2>&1 || true
  "$builddir/src/cons" --name="$name-stream" --quiet >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

vg () {
  "$builddir/libtool" --mode=execute \
    valgrind --quiet --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite --log-file="$tmp/vg.%p" "$@"
}

check_logs () {
  if [ -n "$(cat "$tmp"/vg.* 2>/dev/null)" ]; then
    cat "$tmp"/vg.* >&2
    echo "valgrind.sh: valgrind reported errors ($1)" >&2
    exit 1
  fi
}

status=0
# The seed session: prod, prod, cons, cons (the last fails as it should).
SHMIPC_NAME=$name vg "$builddir/src/prod" >/dev/null || status=$?
[ "$status" -eq 0 ] || { echo "valgrind.sh: prod exited $status" >&2; exit 1; }
SHMIPC_NAME=$name vg "$builddir/src/prod" >/dev/null || status=$?
[ "$status" -eq 0 ] || { echo "valgrind.sh: second prod exited $status" >&2; exit 1; }
SHMIPC_NAME=$name vg "$builddir/src/cons" >"$tmp/cons.out" || status=$?
[ "$status" -eq 0 ] || { echo "valgrind.sh: cons exited $status" >&2; exit 1; }
grep -qx 'Studying Operating Systems Is Fun!' "$tmp/cons.out" ||
  { echo "valgrind.sh: cons did not print the message" >&2; exit 1; }
SHMIPC_NAME=$name vg "$builddir/src/cons" >/dev/null 2>"$tmp/cons.err" || status=$?
[ "$status" -eq 1 ] || { echo "valgrind.sh: second cons exited $status, not 1" >&2; exit 1; }
check_logs "seed session"
echo "valgrind.sh: seed session clean"

# A 16 MiB stream through a 64 KiB ring, both ends under valgrind.
head -c 16777216 /dev/urandom >"$tmp/in"
vg "$builddir/src/cons" --stream --name="$name-stream" >"$tmp/out" &
cons_pid=$!
vg "$builddir/src/prod" --stream --name="$name-stream" --capacity=64K <"$tmp/in"
wait "$cons_pid"
cmp "$tmp/in" "$tmp/out"
check_logs "stream"
echo "valgrind.sh: stream of 16 MiB clean and byte-identical"
