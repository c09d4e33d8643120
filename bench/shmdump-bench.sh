#!/bin/bash
# shmdump-bench.sh - how fast shmdump dumps an object, next to hexdump -C
# and xxd on the same bytes, with a check that the outputs are identical.
#
# Usage: bench/shmdump-bench.sh [SIZE]      (SIZE as for head -c; default 256M)
#
# SHMDUMP names the shmdump to measure (default: src/shmdump of the current
# directory, i.e. run it from a build directory, else shmdump in PATH).
# The objects are POSIX objects made directly in /dev/shm; they are removed
# at the end. Times are wall-clock seconds of one run each, output to
# /dev/null unless said otherwise; MB/s are of input (10^6 bytes).
set -euo pipefail
export LC_ALL=C

size=${1:-256M}
shmdump=${SHMDUMP:-}
if [ -z "$shmdump" ]; then
  if [ -x src/shmdump ]; then shmdump=$PWD/src/shmdump; else shmdump=$(command -v shmdump || true); fi
  # In a build tree src/shmdump is libtool's wrapper script, whose start
  # (a shell, some 50 ms on a 2-vCPU guest) each timing would include:
  # run the program it wraps, with the uninstalled library on the path.
  if [ -x src/.libs/shmdump ] && [ -d lib/.libs ]; then
    shmdump=$PWD/src/.libs/shmdump
    export LD_LIBRARY_PATH=$PWD/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  fi
fi
[ -n "$shmdump" ] || { echo "shmdump not found: run from a build directory or set SHMDUMP" >&2; exit 2; }
for tool in hexdump xxd python3 cmp; do
  command -v "$tool" >/dev/null || { echo "$tool not found" >&2; exit 2; }
done
[ -d /dev/shm ] || { echo "no /dev/shm: the benchmark needs POSIX shared memory" >&2; exit 2; }

prefix=shmdump-bench-$$
trap 'rm -f /dev/shm/$prefix-*' EXIT

bytes=$(numfmt --from=iec "$size")

# Runs "$@" with stdout to /dev/null and prints the wall-clock seconds.
seconds () {
  local start=$EPOCHREALTIME
  "$@" > /dev/null
  local end=$EPOCHREALTIME
  echo "$end - $start" | bc -l
}
mbps () { printf '%.0f' "$(echo "$bytes / $1 / 1000000" | bc -l)"; }
ratio () { printf '%.1f' "$(echo "$1 / $2" | bc -l)"; }
shmdump_pipe () { "$shmdump" "$@" | cat; }

echo "shmdump benchmark: $size ($bytes bytes) per object, $(nproc) CPUs, $(uname -r)"
echo "shmdump: $shmdump ($("$shmdump" --version))"
echo "hexdump: $(hexdump --version 2>&1 | head -1); xxd: $(xxd -v 2>&1 | head -1)"
echo

for data in random half-zeros; do
  name=$prefix-$data
  file=/dev/shm/$name
  python3 - "$file" "$bytes" "$data" <<'PY'
import os, sys
path, size, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
block = 1 << 20
with open(path, "wb") as f:
    left = size
    while left > 0:
        n = min(block, left)
        if kind == "random":
            f.write(os.urandom(n))
        else:
            # Alternating 4 KiB of random bytes and 4 KiB of zeros.
            chunk = bytearray(os.urandom(n))
            for off in range(4096, n, 8192):
                chunk[off:off + 4096] = bytes(min(4096, n - off))
            f.write(chunk)
        left -= n
PY

  t_canon=$(seconds "$shmdump" "/$name")
  t_canon_pipe=$(seconds shmdump_pipe "/$name")
  t_xxdfmt=$(seconds "$shmdump" --format=xxd "/$name")
  t_hexdump=$(seconds hexdump -C "$file")
  t_xxd=$(seconds xxd "$file")

  cmp <("$shmdump" "/$name") <(hexdump -C "$file") ||
    { echo "MISMATCH: shmdump and hexdump -C differ on $data" >&2; exit 1; }
  cmp <("$shmdump" --format=xxd "/$name") <(xxd "$file") ||
    { echo "MISMATCH: shmdump --format=xxd and xxd differ on $data" >&2; exit 1; }

  echo "== $data: outputs identical (shmdump = hexdump -C, shmdump --format=xxd = xxd)"
  printf '  %-34s %8.3f s %6s MB/s\n' "shmdump NAME >/dev/null" "$t_canon" "$(mbps "$t_canon")"
  printf '  %-34s %8.3f s %6s MB/s\n' "shmdump NAME | cat >/dev/null" "$t_canon_pipe" "$(mbps "$t_canon_pipe")"
  printf '  %-34s %8.3f s %6s MB/s\n' "shmdump --format=xxd NAME" "$t_xxdfmt" "$(mbps "$t_xxdfmt")"
  printf '  %-34s %8.3f s %6s MB/s\n' "hexdump -C /dev/shm/NAME" "$t_hexdump" "$(mbps "$t_hexdump")"
  printf '  %-34s %8.3f s %6s MB/s\n' "xxd /dev/shm/NAME" "$t_xxd" "$(mbps "$t_xxd")"
  echo "  ratios: shmdump vs hexdump -C ${t_hexdump:+$(ratio "$t_hexdump" "$t_canon")}x" \
       "(through cat: $(ratio "$t_hexdump" "$t_canon_pipe")x);" \
       "shmdump --format=xxd vs xxd $(ratio "$t_xxd" "$t_xxdfmt")x;" \
       "shmdump (canonical) vs xxd $(ratio "$t_xxd" "$t_canon")x"
  rm -f "$file"
done
