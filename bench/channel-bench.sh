#!/bin/sh
# channel-bench.sh - library benchmarks of the streaming channel: throughput
# against a pipe and a socket pair, 64-byte round trips against a pipe pair,
# the CPU cost of an idle consumer, and fan-out to 1, 2, 4 and 8 readers
# against one writer copying into as many pipes (what tee does). Not a test: prints figures and
# ratios measured in one run.
#
# Usage: bench/channel-bench.sh [BUILDDIR]   (default: the current directory)
# Build first: make bench/bench-channel
set -eu
builddir=${1:-.}
prog="$builddir/bench/bench-channel"
if [ ! -x "$prog" ]; then
  echo "$prog not found: run \"make bench/bench-channel\" in the build directory" >&2
  exit 1
fi
echo "== $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== as the scheduler places the processes"
"$prog" all --bytes=4294967296 --rounds=100000 --seconds=5 --fanout-bytes=268435456
if [ "$(nproc)" -gt 1 ]; then
  echo "== parent on CPU 0, child on CPU 1 (all transports alike)"
  "$prog" throughput --bytes=4294967296 --pin
  "$prog" latency --rounds=100000 --pin
fi
