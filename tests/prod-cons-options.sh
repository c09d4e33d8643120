#!/bin/sh
# prod-cons-options.sh - every option of prod and cons (but --stream and
# --wait, see prod-cons-wait.sh, and --mode, see prod-cons-mode.sh), for
# each backend this build offers.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/prod-cons-common.sh"

# --version and --help
expect_status 0 "prod --version" -- "$bin/prod" --version
expect_text "$work/out" "prod (shmipc) 0.2.0
" "prod --version"
expect_status 0 "cons --version" -- "$bin/cons" --version
expect_text "$work/out" "cons (shmipc) 0.2.0
" "cons --version"
expect_status 0 "prod --help" -- "$bin/prod" --help
grep -q -- '--input=FILE' "$work/out" || fail "prod --help does not list --input"
grep -q 'mode 0000' "$work/out" || fail "prod --help does not describe publishing"
expect_status 0 "cons --help" -- "$bin/cons" --help
grep -q -- '--wait' "$work/out" || fail "cons --help does not list --wait"

# Usage errors: exit 2, "PROG: text" and the --help hint, nothing created.
usage () {
  prog=$1; shift
  expect_status 2 "$prog $*" -- "$bin/$prog" "$@"
  head -n 1 "$work/err" | grep -q "^$prog: " || fail "$prog $*: no \"$prog: \" message"
  grep -qx "Try \"$prog --help\" for more information." "$work/err" || fail "$prog $*: no --help hint"
  [ -s "$work/out" ] && fail "$prog $*: wrote to stdout"
}
n="$pfx-usage"
track "$n"
usage prod -n "$n" --bogus
usage prod -n "$n" --size=12Q
usage prod -n "$n" --size=0
usage prod -n "$n" --mode=0
usage prod -n "$n" --mode=0800
usage prod -n "$n" --mode=rw
usage prod -n "$n" --backend=nfs
usage prod -n "$n" --key=0
usage prod -n "$n" --key=0x5eed -n "$n"
usage prod -n "$n" one two
usage prod -n "$n" --input=/dev/null message
usage cons -n "$n" --wait=soon
usage cons -n "$n" --wait=-1
usage cons -n "$n" --backend=nfs
usage cons -n "$n" extra
usage cons --key=0x5eed --backend=posix
expect_status 1 "cons after usage errors" -- "$bin/cons" -q -n "$n"
grep -q 'No such file' "$work/err" || fail "a usage error created $n"

printf 'bin\000ary\200\377\n\000end' >"$work/binary"
printf 'a fairly long first message' >"$work/long"

for b in $(backends); do
  n="$pfx-$b"
  track "$n"

  # MESSAGE, --name, --quiet: prod prints nothing; cons prints the text.
  expect_status 0 "$b: prod MESSAGE" -- "$bin/prod" -q -b "$b" -n "$n" "hello world"
  expect_text "$work/out" "" "$b: prod --quiet"
  expect_status 0 "$b: cons --quiet --keep" -- "$bin/cons" --quiet --keep --backend "$b" --name "$n"
  expect_text "$work/out" "hello world" "$b: cons --quiet"

  # The display shows the first bytes; --keep kept the object.
  expect_status 0 "$b: cons --keep" -- "$bin/cons" -k -b "$b" -n "$n"
  expect_text "$work/out" "display: cons
68 65 6c 6c 6f 20 77 6f 72 6c 64 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00

hello world" "$b: cons display"

  # A shorter message after a longer one: no trace of the longer one.
  expect_status 0 "$b: prod --input FILE" -- "$bin/prod" -q -b "$b" -n "$n" --input "$work/long"
  expect_status 0 "$b: prod short" -- "$bin/prod" -q -b "$b" -n "$n" "short"
  expect_status 0 "$b: cons after short" -- "$bin/cons" -q -b "$b" -n "$n"
  expect_text "$work/out" "short" "$b: shorter message after a longer one"
  # ... and that cons removed the object.
  expect_status 1 "$b: cons of a removed object" -- "$bin/cons" -b "$b" -n "$n"
  expect_text "$work/err" "cons: Shared memory failed: No such file or directory
" "$b: cons of a removed object"

  # prod's own displays, before (zeros) and after writing.
  expect_status 0 "$b: prod display" -- "$bin/prod" -b "$b" -n "$n" --size=16 "AB"
  expect_text "$work/out" "display: prod
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00

display: prod
41 42 00 00 00 00 00 00 00 00 00 00 00 00 00 00

" "$b: prod display of a 16-byte object"
  "$bin/cons" -q -b "$b" -n "$n" >/dev/null 2>&1

  # --input - with NULs and bytes >= 0x80, read back with --raw.
  size=$(wc -c <"$work/binary")
  expect_status 0 "$b: prod --input -" -- sh -c '"$1" -q -b "$2" -n "$3" --size="$4" --input - <"$5"' \
    sh "$bin/prod" "$b" "$n" "$size" "$work/binary"
  expect_status 0 "$b: cons --raw" -- "$bin/cons" --raw -b "$b" -n "$n" --keep
  cmp "$work/binary" "$work/out" || fail "$b: cons --raw differs from the input"
  # cons prints the text only up to the first NUL.
  expect_status 0 "$b: cons text of binary" -- "$bin/cons" -q -b "$b" -n "$n"
  expect_text "$work/out" "bin" "$b: text up to the first NUL"

  # Too large for an existing object: error naming both sizes, no change.
  expect_status 0 "$b: prod 8 bytes" -- "$bin/prod" -q -b "$b" -n "$n" --size 8 "12345678"
  expect_status 1 "$b: prod too large" -- "$bin/prod" -q -b "$b" -n "$n" "123456789"
  expect_text "$work/err" "prod: Message is 9 bytes but \"$n\" holds only 8
" "$b: too-large message"
  expect_status 0 "$b: cons after too large" -- "$bin/cons" -q -b "$b" -n "$n"
  expect_text "$work/out" "12345678" "$b: object unchanged by a refused message"
  # Too large for a new object: nothing is created.
  expect_status 1 "$b: prod too large, new" -- "$bin/prod" -q -b "$b" -n "$n" --size 4 "12345"
  expect_text "$work/err" "prod: Message is 5 bytes but \"$n\" would hold only 4
" "$b: too-large message for a new object"
  expect_status 1 "$b: nothing created" -- "$bin/cons" -q -b "$b" -n "$n"

  # --size with suffixes (a new object gets exactly that size).
  for s in 4096:4096 1K:1024 64K:65536 1M:1048576 1k:1024 2KiB:2048; do
    arg=${s%%:*}; bytes=${s#*:}
    expect_status 0 "$b: prod --size=$arg" -- "$bin/prod" -q -b "$b" -n "$n" --size="$arg" x
    expect_status 0 "$b: cons --raw after --size=$arg" -- "$bin/cons" -r -b "$b" -n "$n"
    got=$(wc -c <"$work/out" | tr -d ' ')
    [ "$got" = "$bytes" ] || fail "$b: --size=$arg gave $got bytes, expected $bytes"
  done
  # Default size: 4096.
  expect_status 0 "$b: prod default size" -- "$bin/prod" -q -b "$b" -n "$n" x
  expect_status 0 "$b: cons --raw default size" -- "$bin/cons" -r -b "$b" -n "$n"
  [ "$(wc -c <"$work/out" | tr -d ' ')" = 4096 ] || fail "$b: default size is not 4096"

  # --exclusive: fails on an existing object, which keeps its message.
  expect_status 0 "$b: prod --exclusive (new)" -- "$bin/prod" -q -x -b "$b" -n "$n" first
  expect_status 1 "$b: prod --exclusive (exists)" -- "$bin/prod" -q --exclusive -b "$b" -n "$n" second
  grep -q '^prod: .*File exists' "$work/err" || fail "$b: --exclusive message: $(cat "$work/err")"
  expect_status 0 "$b: cons after --exclusive" -- "$bin/cons" -q -b "$b" -n "$n"
  expect_text "$work/out" "first" "$b: --exclusive left the object alone"

  # SHMIPC_NAME and SHMIPC_BACKEND choose the object and the backend.
  expect_status 0 "$b: SHMIPC_NAME prod" -- env SHMIPC_NAME="$n" SHMIPC_BACKEND="$b" "$bin/prod" -q "by env"
  expect_status 0 "$b: --backend finds it" -- "$bin/cons" -q -k -b "$b" -n "$n"
  expect_text "$work/out" "by env" "$b: SHMIPC_NAME/SHMIPC_BACKEND"
  # --name wins over SHMIPC_NAME.
  expect_status 1 "$b: --name over SHMIPC_NAME" -- env SHMIPC_NAME="$n" SHMIPC_BACKEND="$b" "$bin/cons" -q -n "$n-other"
  expect_status 0 "$b: SHMIPC_NAME cons" -- env SHMIPC_NAME="$n" SHMIPC_BACKEND="$b" "$bin/cons" -q
  expect_text "$work/out" "by env" "$b: cons with SHMIPC_NAME"
done

# --key: a SysV segment by key, also one made by ipcmk(1).
key=$(printf '0x5e%06x' $(($$ % 16777216)))
hkey=$(printf '0xde%06x' $(($$ % 16777216)))
trap 'cleanup; for k in "$key" "$hkey"; do "$bin/cons" -q --key "$k" >/dev/null 2>&1; done' EXIT
expect_status 0 "prod --key" -- "$bin/prod" -q --key "$key" --size 32 "by key"
expect_status 0 "cons --key" -- "$bin/cons" -q --key "$key"
expect_text "$work/out" "by key" "prod/cons --key"
expect_status 1 "cons --key removed" -- "$bin/cons" -q --key "$key"
# A key from 0x80000000 on, as /proc/sysvipc/shm prints it: negative.
expect_status 0 "prod --key (high bit)" -- "$bin/prod" -q --key "$hkey" --size 32 "negative key"
if [ -r /proc/sysvipc/shm ]; then
  dkey=$(awk -v want=$((hkey - 4294967296)) '$1 == want { print $1 }' /proc/sysvipc/shm)
  if [ -n "$dkey" ]; then
    expect_status 0 "cons --key (negative decimal)" -- "$bin/cons" -q --key "$dkey"
    expect_text "$work/out" "negative key" "cons --key $dkey reads the segment of key $hkey"
  else
    fail "key $hkey not found as $((hkey - 4294967296)) in /proc/sysvipc/shm"
  fi
fi
if command -v ipcmk >/dev/null 2>&1 && id=$(ipcmk -M 64 -p 0600 2>/dev/null | awk '{print $NF}') && [ -n "$id" ]; then
  mkkey=$(awk -v id="$id" '$2 == id { k = $1; if (k < 0) k += 4294967296; printf "0x%08x", k }' /proc/sysvipc/shm)
  expect_status 0 "prod into ipcmk segment" -- "$bin/prod" -q --key "$mkkey" "into ipcmk"
  expect_status 0 "cons from ipcmk segment" -- "$bin/cons" -q --key "$mkkey"
  expect_text "$work/out" "into ipcmk" "ipcmk segment by key"
  ipcrm -m "$id" 2>/dev/null
fi

# The two backends are separate namespaces: a POSIX object is not found
# through SysV.
if have_posix; then
  n="$pfx-ns"
  track "$n"
  expect_status 0 "posix prod" -- "$bin/prod" -q -b posix -n "$n" posix-only
  expect_status 1 "sysv cons" -- "$bin/cons" -q -b sysv -n "$n"
  expect_status 0 "posix cons" -- "$bin/cons" -q -b posix -n "$n"
  expect_text "$work/out" "posix-only" "posix object through posix"
fi

# A bad SHMIPC_BACKEND is reported (a runtime error of the environment).
expect_status 1 "bad SHMIPC_BACKEND" -- env SHMIPC_BACKEND=nfs "$bin/prod" -q -n "$pfx-badenv" x
grep -q '^prod: SHMIPC_BACKEND' "$work/err" || fail "bad SHMIPC_BACKEND message: $(cat "$work/err")"

finish
