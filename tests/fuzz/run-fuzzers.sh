#!/bin/sh
# run-fuzzers.sh - build the libFuzzer targets of tests/fuzz and run them
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET]   (default 30)
#        tests/fuzz/run-fuzzers.sh --regress
#        tests/fuzz/run-fuzzers.sh --generate
#
# Compiles fuzz-channel and fuzz-format with clang and
# -fsanitize=fuzzer,address,undefined together with the library sources
# (lib/*.c), in a temporary directory, then:
#   SECONDS    runs each target for that long on a copy of its seed corpus
#              (tests/fuzz/corpus-*), with a 10 s per-input timeout and a
#              2 GiB memory limit;
#   --regress  runs each target once over every committed corpus file
#              (a few seconds: the "make check" test fuzz-regress.sh);
#   --generate rebuilds tests/fuzz/corpus-channel/ from real channels made
#              by gen-corpus.c (maintainers only: writes the source tree).
# Exits 0 when clean, 1 on any crash, sanitizer report, leak, timeout or
# failed check (the reproducer's path is printed), 77 when clang or its
# libFuzzer runtime is missing.
#
# Environment: BUILDDIR, a configured build directory holding config.h and
# lib/shmipc-version.h (default: the current directory); CLANG (default
# clang); FUZZ_KEEP=1 keeps the temporary directory; FUZZ_JOBS, parallel
# compiler runs (default 4); SHMIPC_FUZZ_BACKEND (posix or sysv) for
# fuzz-channel.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=$(cd "${BUILDDIR:-.}" && pwd) || exit 2
CLANG=${CLANG:-clang}
jobs=${FUZZ_JOBS:-4}

mode="time"
seconds=30
case "${1:-}" in
  --regress) mode=regress ;;
  --generate) mode=generate ;;
  '') ;;
  *[!0-9]*)
    echo "usage: $0 [SECONDS_PER_TARGET | --regress | --generate]" >&2
    exit 2 ;;
  *) seconds=$1 ;;
esac

if [ ! -f "$builddir/config.h" ] || [ ! -f "$builddir/lib/shmipc-version.h" ]; then
  echo "run-fuzzers: no config.h and lib/shmipc-version.h in $builddir: run configure there, or set BUILDDIR" >&2
  exit 2
fi

if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "run-fuzzers: SKIP: $CLANG not found" >&2
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shmipc-fuzz.XXXXXX") || exit 2
cleanup () {
  if [ "${FUZZ_KEEP:-0}" = 1 ]; then
    echo "run-fuzzers: kept $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# libFuzzer's runtime ships apart from clang on Debian (libclang-rt-NN-dev).
printf 'int LLVMFuzzerTestOneInput (const unsigned char *d, unsigned long n) { (void) d; (void) n; return 0; }\n' \
  > "$tmp/probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$tmp/probe.c" \
     >"$tmp/probe.log" 2>&1; then
  echo "run-fuzzers: SKIP: $CLANG cannot link -fsanitize=fuzzer,address,undefined (install libclang-rt-dev):" >&2
  sed 's/^/  /' "$tmp/probe.log" >&2
  exit 77
fi

pkgs="glib-2.0 json-glib-1.0"
# shellcheck disable=SC2086
if ! pkg_cflags=$(pkg-config --cflags $pkgs) || ! pkg_libs=$(pkg-config --libs $pkgs); then
  echo "run-fuzzers: pkg-config $pkgs failed" >&2
  exit 2
fi
# The POSIX backend's library (-lrt on old C libraries), as configure found it.
shm_libs=
if [ -f "$builddir/Makefile" ]; then
  shm_libs=$(sed -n 's/^SHM_LIBS = *//p' "$builddir/Makefile")
fi

SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
# The quotes around shmipc are meant literally: the macro is a C string.
# shellcheck disable=SC2089,SC2090
CFLAGS_FUZZ="-g -O1 $SAN -DSHMIPC_COMPILATION -DG_LOG_DOMAIN=\"shmipc\"
  -include $builddir/config.h -I$top/lib -I$builddir/lib $pkg_cflags"

# The library, once for both targets. shmipc-posix.c only when configure
# enabled the POSIX backend, as in Makefile.am.
sources=
for f in "$top"/lib/*.c; do
  case $f in
    */shmipc-posix.c)
      grep -q '^#define HAVE_POSIX_SHM 1' "$builddir/config.h" || continue ;;
  esac
  sources="$sources $f"
done
echo "run-fuzzers: compiling the library and the targets in $tmp"
mkdir -p "$tmp/obj"
# shellcheck disable=SC2086
printf '%s\n' $sources | xargs -P "$jobs" -I{} sh -c \
  '"$1" $2 -c "$3" -o "$4/obj/$(basename "$3" .c).o" || exit 255' \
  sh "$CLANG" "$CFLAGS_FUZZ" {} "$tmp" || { echo "run-fuzzers: compiling the library failed" >&2; exit 2; }

targets="fuzz-channel fuzz-format"
[ "$mode" = generate ] && targets="gen-corpus"
for t in $targets; do
  # shellcheck disable=SC2086,SC2090
  if ! "$CLANG" $CFLAGS_FUZZ -o "$tmp/$t" "$here/$t.c" "$tmp"/obj/*.o \
       $pkg_libs $shm_libs; then
    echo "run-fuzzers: building $t failed" >&2
    exit 2
  fi
done

# Objects of fuzz-channel get this name; a crashed run leaves one behind,
# which the next start of the target with the same name removes.
export SHMIPC_FUZZ_NAME="shmipc-fuzz-$$"
remove_leftover () {
  mkdir -p "$tmp/empty"
  "$tmp/fuzz-channel" -runs=0 "$tmp/empty" >/dev/null 2>&1
}

# UBSan stops at the first report (-fno-sanitize-recover) and prints a
# stack; ASan's leak check runs after each input that leaks.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1:allocator_may_return_null=1"

if [ "$mode" = generate ]; then
  rm -f "$here"/corpus-channel/gen-*
  (cd "$tmp" && "$tmp/gen-corpus" "$here/corpus-channel") || exit 1
  ls -l "$here/corpus-channel"
  exit 0
fi

status=0
for t in fuzz-channel fuzz-format; do
  corpus=$here/corpus-${t#fuzz-}
  log=$tmp/$t.log
  mkdir -p "$tmp/artifacts-$t"
  if [ "$mode" = regress ]; then
    echo "run-fuzzers: $t: each file of $corpus once"
    # Files given one by one: libFuzzer runs each once and writes nothing.
    set -- "$corpus"/*
    (cd "$tmp" && "$tmp/$t" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$tmp/artifacts-$t/" "$@") >"$log" 2>&1
    rc=$?
  else
    echo "run-fuzzers: $t: ${seconds} s on a copy of $corpus"
    mkdir -p "$tmp/corpus-$t"
    cp "$corpus"/* "$tmp/corpus-$t/"
    (cd "$tmp" && "$tmp/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$tmp/artifacts-$t/" \
       "$tmp/corpus-$t") >"$log" 2>&1
    rc=$?
  fi
  [ "$t" = fuzz-channel ] && remove_leftover
  if [ $rc -ne 0 ]; then
    status=1
    echo "run-fuzzers: $t FAILED (exit $rc); the end of its log:" >&2
    tail -n 60 "$log" >&2
    for a in "$tmp/artifacts-$t"/*; do
      [ -e "$a" ] || continue
      mkdir -p "${FUZZ_ARTIFACTS:-$builddir/fuzz-artifacts}"
      cp "$a" "${FUZZ_ARTIFACTS:-$builddir/fuzz-artifacts}/" &&
        echo "run-fuzzers: reproducer: ${FUZZ_ARTIFACTS:-$builddir/fuzz-artifacts}/$(basename "$a")" \
             "(to replay, build with FUZZ_KEEP=1 $0 --regress, then run TMPDIR/$t FILE)" >&2
    done
  else
    if [ "$mode" = regress ]; then
      echo "run-fuzzers: $t: $(grep -c '^Executed ' "$log") inputs, clean"
    else
      grep -E '^#[0-9]+.*DONE|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|^Done [0-9]+ runs' "$log" |
        sed "s/^/run-fuzzers: $t: /"
      echo "run-fuzzers: $t: corpus grew from $(ls "$corpus" | wc -l) to $(ls "$tmp/corpus-$t" | wc -l) inputs, clean"
    fi
  fi
done
exit $status
