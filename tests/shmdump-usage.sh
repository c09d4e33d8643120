#!/bin/sh
# shmdump's command line: version, help, usage errors (exit 2), seed format.
. "${abs_top_srcdir:-.}/tests/shmdump-common.sh"

test "$("$SHMDUMP" --version)" = "shmdump (shmipc) 0.2.0" || fail "--version: $("$SHMDUMP" --version)"
"$SHMDUMP" --help > "$scratch/help" || fail "--help failed"
for option in --canonical --no-squeezing --skip --length --format --list --info --json --key --backend --version; do
  grep -q -- "$option" "$scratch/help" || fail "--help does not mention $option"
done

usage_error () {
  "$SHMDUMP" "$@" > "$scratch/out" 2> "$scratch/err"
  status=$?
  test $status = 2 || fail "shmdump $*: exit status $status, expected 2"
  test -s "$scratch/out" && fail "shmdump $*: wrote to stdout"
  head -1 "$scratch/err" | grep -q '^shmdump: ' || fail "shmdump $*: message: $(cat "$scratch/err")"
  grep -qx 'Try "shmdump --help" for more information.' "$scratch/err" ||
    fail "shmdump $*: no --help hint"
}

usage_error
usage_error --bogus /x
usage_error --format=hex /x
usage_error -C --format=xxd /x
usage_error -s lots /x
usage_error -n -1 /x
usage_error --backend=tcp /x
usage_error --key=banana
usage_error --key=0
usage_error --json /x
usage_error --list /x
usage_error --list --info

# The seed format: the classroom display of the first 64 bytes.
name="/$prefix-seed"
printf 'Studying Operating Systems Is Fun!\n' > "$scratch/text"
make_object "$name" 4096 < "$scratch/text" || fail "cannot create $name"
"$SHMDUMP" --format=seed "$name" > "$scratch/out" || fail "--format=seed"
cat > "$scratch/expected" <<'OUT'
display: shmdump
53 74 75 64 79 69 6e 67 20 4f 70 65 72 61 74 69
6e 67 20 53 79 73 74 65 6d 73 20 49 73 20 46 75
6e 21 0a 00 00 00 00 00 00 00 00 00 00 00 00 00
00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00

OUT
cmp -s "$scratch/out" "$scratch/expected" || { diff "$scratch/expected" "$scratch/out" >&2; fail "--format=seed"; }

# Read-only: dumping never changes the object.
"$SHMDUMP" --format=raw "$name" | head -c 35 > "$scratch/out"
printf 'Studying Operating Systems Is Fun!\n' | cmp -s - "$scratch/out" || fail "raw bytes"

# A bad name is a usage error naming it (exit 2), refused before any
# system call.
"$SHMDUMP" "/a/b" > /dev/null 2> "$scratch/err"
test $? = 2 || fail "invalid name: exit status not 2"
grep -q '^shmdump: Invalid object name "/a/b"' "$scratch/err" || fail "invalid name: $(cat "$scratch/err")"

echo "usage checks passed"
