#!/bin/sh
# stream-bench.sh - prod --stream | cons --stream against cat | cat, moving a
# 1 GiB page-cached file (in /dev/shm, so it is in memory): best of 3 runs
# each, throughputs and their ratio (target: the channel >= 2.5x cat | cat),
# the same against one read of the file (cat FILE >/dev/null, the hardware
# limit), and one check that the stream is byte-identical (cksum). Not a
# test.
#
# Then the same file's first 256 MiB to 4 readers: prod --stream --readers=4
# and four cons --stream against tee into four pipes read by cat.
#
# Usage: bench/stream-bench.sh [BUILDDIR]   (default: the current directory)
#        SIZE_MB=1024 RUNS=3 BACKEND=auto CAPACITY=4M READERS=4 FANOUT_MB=256
#        (environment)
set -eu
builddir=${1:-.}
bin="$builddir/src"
size_mb=${SIZE_MB:-1024}
runs=${RUNS:-3}
backend=${BACKEND:-auto}
capacity=${CAPACITY:-4M}
for p in prod cons; do
  if [ ! -x "$bin/$p" ]; then
    echo "$bin/$p not found: build first, and give the build directory" >&2
    exit 1
  fi
done
# In a build tree src/prod and src/cons are libtool's wrapper scripts,
# whose start (a shell, some 50 ms on a 2-vCPU guest) every run would
# time as well: run the programs they wrap, with the uninstalled library
# on the path.
if [ -x "$bin/.libs/prod" ] && [ -x "$bin/.libs/cons" ] && [ -d "$builddir/lib/.libs" ]; then
  bin="$bin/.libs"
  LD_LIBRARY_PATH="$(cd "$builddir/lib/.libs" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export LD_LIBRARY_PATH
fi
dir=/dev/shm
[ -d "$dir" ] && [ -w "$dir" ] || dir=${TMPDIR:-/tmp}
file=$(mktemp "$dir/stream-bench.XXXXXX")
name="/stream-bench-$$"
trap 'rm -f "$file" "$file.out"; "$bin/cons" -q -n "$name" -b "$backend" >/dev/null 2>&1 || true' EXIT
trap 'exit 1' HUP INT TERM

now_ns () { date +%s%N; }

head -c $((size_mb * 1024 * 1024)) /dev/urandom >"$file"
cat "$file" >/dev/null
bytes=$(wc -c <"$file" | tr -d ' ')

echo "== $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg); file: $file ($bytes bytes); backend $backend, capacity $capacity"

# best COMMAND: the shortest of $runs wall-clock times, in ns.
best=
time_run () {
  t0=$(now_ns)
  "$@"
  t=$(($(now_ns) - t0))
  if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
}

pipe_cat () {
  cat "$file" | cat >/dev/null
}
cat_null () {
  cat "$file" >/dev/null
}
channel () {
  "$bin/cons" --stream -n "$name" -b "$backend" --capacity "$capacity" >/dev/null &
  c=$!
  "$bin/prod" --stream -n "$name" -b "$backend" --capacity "$capacity" <"$file"
  wait "$c"
}

best=; i=0
while [ "$i" -lt "$runs" ]; do time_run pipe_cat; i=$((i + 1)); done
cat_ns=$best
best=; i=0
while [ "$i" -lt "$runs" ]; do time_run channel; i=$((i + 1)); done
chan_ns=$best
best=; i=0
while [ "$i" -lt "$runs" ]; do time_run cat_null; i=$((i + 1)); done
null_ns=$best

awk -v b="$bytes" -v c="$cat_ns" -v s="$chan_ns" -v n="$null_ns" 'BEGIN {
  printf "cat FILE | cat >/dev/null:                      %.3f s  %6.2f GB/s\n", c / 1e9, b / c
  printf "prod --stream <FILE | cons --stream >/dev/null: %.3f s  %6.2f GB/s\n", s / 1e9, b / s
  printf "ratio: %.2fx (target >= 2.5x)\n", c / s
  printf "cat FILE >/dev/null (one read of the file):     %.3f s  %6.2f GB/s\n", n / 1e9, b / n
  printf "against one read: %.2fx (the hardware limit: 1x)\n", n / s
}'

# Exactness, once.
"$bin/cons" --stream -n "$name" -b "$backend" --capacity "$capacity" | cksum >"$file.out" &
c=$!
"$bin/prod" --stream -n "$name" -b "$backend" --capacity "$capacity" <"$file"
wait "$c"
want=$(cksum <"$file")
got=$(cat "$file.out")
rm -f "$file.out"
if [ "$want" = "$got" ]; then
  echo "byte-identical: cksum $got"
else
  echo "MISMATCH: input cksum $want, output cksum $got" >&2
  exit 1
fi

# Fan-out, with the commands: READERS (default 4) readers of the first
# FANOUT_MB (default 256) MiB of the file against tee(1) into as many
# pipes (READERS - 1 FIFOs and its standard output), each read by cat.
readers=${READERS:-4}
fanout_mb=${FANOUT_MB:-256}
head -c $((fanout_mb * 1024 * 1024)) "$file" >"$file.fan"
fifos=
i=1
while [ "$i" -lt "$readers" ]; do
  mkfifo "$file.fifo$i"
  fifos="$fifos $file.fifo$i"
  i=$((i + 1))
done
trap 'rm -f "$file" "$file.out" "$file.fan" $fifos; "$bin/cons" -q -n "$name" -b "$backend" >/dev/null 2>&1 || true' EXIT

tee_fan () {
  for f in $fifos; do cat "$f" >/dev/null & done
  # shellcheck disable=SC2086
  tee $fifos <"$file.fan" | cat >/dev/null
  wait
}
channel_fan () {
  i=0
  while [ "$i" -lt "$readers" ]; do
    "$bin/cons" --stream -n "$name" -b "$backend" --capacity "$capacity" >/dev/null &
    i=$((i + 1))
  done
  "$bin/prod" --stream -n "$name" -b "$backend" --capacity "$capacity" --readers="$readers" \
    <"$file.fan"
  wait
}
best=; i=0
while [ "$i" -lt "$runs" ]; do time_run tee_fan; i=$((i + 1)); done
tee_ns=$best
best=; i=0
while [ "$i" -lt "$runs" ]; do time_run channel_fan; i=$((i + 1)); done
fan_ns=$best
awk -v b="$((fanout_mb * 1024 * 1024))" -v t="$tee_ns" -v s="$fan_ns" -v r="$readers" 'BEGIN {
  printf "tee into %d pipes, each read by cat:              %.3f s  %6.2f GB/s per reader\n", r, t / 1e9, b / t
  printf "prod --stream --readers=%d, %d cons --stream:      %.3f s  %6.2f GB/s per reader\n", r, r, s / 1e9, b / s
  printf "fan-out ratio: %.2fx (aim >= 5x)\n", t / s
}'
