#!/bin/sh
# The auto backend falls back to SysV when POSIX shared memory is missing.
# fake-no-posix-shm.so makes shm_open() fail with ENOSYS, as on a system
# without /dev/shm support, so libshmipc's real fallback path runs.
set -eu
builddir=${abs_top_builddir:-.}
preload="$builddir/tests/.libs/libfake-no-posix-shm.so"
if [ ! -f "$preload" ]; then
  echo "fallback: $preload was not built" >&2
  exit 1
fi
# Under AddressSanitizer the runtime must come first in the preload list.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
LD_PRELOAD="$preload${LD_PRELOAD:+ $LD_PRELOAD}" exec "$builddir/tests/check-fallback"
