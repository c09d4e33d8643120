#!/bin/sh
# shmdump's dumps must be byte-identical to the real hexdump -C and xxd of
# the same bytes, with -v, -s and -n, on varied data.
. "${abs_top_srcdir:-.}/tests/shmdump-common.sh"

command -v hexdump >/dev/null 2>&1 || skip "hexdump not found (Debian: bsdextrautils)"
command -v xxd >/dev/null 2>&1 || skip "xxd not found (Debian: xxd)"
command -v python3 >/dev/null 2>&1 || skip "python3 not found (needed to make test data)"

# Test data: each file becomes one object of exactly its size.
python3 - "$scratch" <<'PY'
import os, random, sys
d = sys.argv[1]
r = random.Random(42)
def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
put("one", b"A")
put("fifteen", b"abcdefghijklmno")
put("sixteen", b"abcdefghijklmnop")
put("seventeen", b"abcdefghijklmnopq")
put("allbytes", bytes(range(256)) * 3 + bytes(range(255, -1, -1)))
put("random", bytes(r.randrange(256) for _ in range(5000)))
# Runs of identical lines, of zeros, a partial line equal to the run.
put("runs", b"a" * 40 + b"b" * 16 + b"a" * 64 + bytes(100) + b"\x80" * 33 + bytes(16) + b"z")
# Larger than shmdump's 256 KiB chunks: squeeze runs and lines straddle
# the chunk boundaries at 256 KiB and 512 KiB.
big = bytearray(1024 * 1024)
for off in (1000, 262140, 262144 + 8, 400000, 524281, 524288 + 100, 1048575):
    big[off] = 0xab
for off in range(600000, 700000, 4096):
    big[off:off + 16] = bytes(r.randrange(256) for _ in range(16))
put("big", bytes(big))
PY

n=0
check () {
  # check FILE OPTIONS...: compares shmdump and hexdump -C, then xxd.
  file=$1
  shift
  n=$((n + 1))
  "$SHMDUMP" "$@" "$obj" > "$scratch/out" 2> "$scratch/err" ||
    fail "shmdump $* $file failed: $(cat "$scratch/err")"
  hexdump -C "$@" "$scratch/$file" > "$scratch/expected"
  cmp -s "$scratch/out" "$scratch/expected" || {
    diff "$scratch/expected" "$scratch/out" | head -20 >&2
    fail "shmdump $* differs from hexdump -C $* on $file"
  }
}

check_xxd () {
  file=$1
  shift
  n=$((n + 1))
  # shmdump -s/-n are xxd's -s/-l.
  xxd_args=$(printf '%s\n' "$@" | sed 's/^-n$/-l/')
  "$SHMDUMP" --format=xxd "$@" "$obj" > "$scratch/out" 2> "$scratch/err" ||
    fail "shmdump --format=xxd $* $file failed: $(cat "$scratch/err")"
  # shellcheck disable=SC2086
  xxd $xxd_args "$scratch/$file" > "$scratch/expected"
  cmp -s "$scratch/out" "$scratch/expected" || {
    diff "$scratch/expected" "$scratch/out" | head -20 >&2
    fail "shmdump --format=xxd $* differs from xxd $xxd_args on $file"
  }
}

for file in one fifteen sixteen seventeen allbytes random runs big; do
  obj="/$prefix-$file"
  make_object "$obj" < "$scratch/$file" || fail "cannot create $obj"
  size=$(wc -c < "$scratch/$file")
  check "$file"
  "$SHMDUMP" -C "$obj" > "$scratch/out" && "$SHMDUMP" "$obj" | cmp -s - "$scratch/out" ||
    fail "shmdump -C differs from shmdump on $file"
  check "$file" -v
  check "$file" -n 0
  check "$file" -s 1
  check "$file" -s 16 -n 17
  check "$file" -s 3 -n 5
  check "$file" -s "$size"
  check "$file" -s $((size + 100))
  check "$file" -s $((size + 100)) -n 1
  check "$file" -n $((size + 100))
  check "$file" -v -s 7 -n 1000
  check_xxd "$file"
  check_xxd "$file" -s 3
  check_xxd "$file" -s 3 -n 5
  check_xxd "$file" -n 0
  check_xxd "$file" -s $((size + 1))
  check_xxd "$file" -s 16 -n 33
  # The raw format gives the bytes back.
  "$SHMDUMP" --format=raw "$obj" > "$scratch/out" || fail "shmdump --format=raw $obj"
  cmp -s "$scratch/out" "$scratch/$file" || fail "--format=raw differs on $file"
done

# Past the 256 KiB chunks with offsets that do not fall on lines.
obj="/$prefix-big"
check big -s 262143
check big -s 262143 -n 300000
check big -s 5 -n 524300
check_xxd big -s 262141 -n 40000

# Sizes with suffixes, as hexdump accepts them.
check big -s 1K -n 1K

# Several objects are one stream, as hexdump of several files.
"$SHMDUMP" -s 10 "/$prefix-seventeen" "/$prefix-runs" > "$scratch/out" || fail "two objects"
hexdump -C -s 10 "$scratch/seventeen" "$scratch/runs" > "$scratch/expected"
cmp -s "$scratch/out" "$scratch/expected" || fail "two objects differ from hexdump -C of two files"

# An empty object: hexdump -C prints nothing. Only POSIX objects can be
# empty; a SysV segment always has a size.
if posix_in_use; then
  objects="$objects /$prefix-empty"
  : > "/dev/shm/$prefix-empty"
  : > "$scratch/empty"
  obj="/$prefix-empty"
  check empty
  check empty -s 4
  check_xxd empty
else
  echo "note: POSIX backend not in use: empty-object checks skipped"
fi

echo "$n comparisons with hexdump -C and xxd passed"
