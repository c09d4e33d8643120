#!/bin/sh
# hostile-objects.sh - cons and shmdump on objects another process fills
# with garbage or truncates while they run: an error (exit 1, a message
# saying "truncated") or the bytes, never a crash (status 134/135/138/139).
#
# The truncation tests are POSIX only (SysV segments cannot shrink) and
# are skipped in a --disable-posix-shm build or without /dev/shm.
. "${abs_top_srcdir:-.}/tests/shmdump-common.sh"

PROD="$builddir/src/prod"
CONS="$builddir/src/cons"

# A crash is a status above 128 (killed by a signal) from the shell.
no_crash () { # WHAT STATUS
  [ "$2" -lt 128 ] || fail "$1 crashed: status $2"
}

# --- Garbage ---------------------------------------------------------------
# Random bytes: shmdump shows them exactly as hexdump does, cons prints
# them, --info says "raw"; a channel header full of garbage after the
# magic is refused as corrupt by cons --stream and shmdump --info.
head -c 65536 /dev/urandom > "$scratch/garbage"
make_object "$prefix-garbage" 65536 < "$scratch/garbage" || fail "cannot make the garbage object"
"$SHMDUMP" "/$prefix-garbage" > "$scratch/dump"; st=$?
no_crash "shmdump on garbage" $st
[ $st -eq 0 ] || fail "shmdump on garbage: status $st"
if command -v hexdump > /dev/null; then
  hexdump -C "$scratch/garbage" | cmp -s - "$scratch/dump" || fail "shmdump on garbage differs from hexdump -C"
fi
"$SHMDUMP" --info "/$prefix-garbage" > /dev/null; st=$?
no_crash "shmdump --info on garbage" $st
"$CONS" --keep -n "/$prefix-garbage" > /dev/null; st=$?
no_crash "cons on garbage" $st
[ $st -eq 0 ] || fail "cons on garbage: status $st"
"$CONS" --keep --raw -n "/$prefix-garbage" | cmp -s - "$scratch/garbage" || fail "cons --raw on garbage differs"

# The channel magic followed by garbage: every consumer refuses it.
{ printf 'SHMIPCch'; head -c 65528 /dev/urandom; } > "$scratch/badchannel"
make_object "$prefix-badchannel" 65536 < "$scratch/badchannel" || fail "cannot make the bad channel"
"$CONS" --stream --timeout=2 -n "/$prefix-badchannel" > /dev/null 2> "$scratch/err"; st=$?
no_crash "cons --stream on a garbage header" $st
[ $st -eq 1 ] || fail "cons --stream on a garbage header: status $st"
grep -q . "$scratch/err" || fail "cons --stream on a garbage header: no message"
"$SHMDUMP" --info "/$prefix-badchannel" > /dev/null 2>&1; st=$?
no_crash "shmdump --info on a garbage header" $st
"$SHMDUMP" --list > /dev/null 2>&1; st=$?
no_crash "shmdump --list with garbage objects" $st

# Remove the garbage objects now, with the backend that made them: the
# clean-up trap runs with SHMIPC_BACKEND=posix set below, and would miss
# them where they are SysV segments (a --disable-posix-shm build).
for obj in "$prefix-garbage" "$prefix-badchannel"; do
  "$MKOBJ" -u "$obj" || fail "cannot remove $obj"
done

# --- Truncated while mapped ------------------------------------------------
SHMIPC_BACKEND=posix
export SHMIPC_BACKEND
objects="$objects $prefix-probe"
if ! "$MKOBJ" "$prefix-probe" 4096 < /dev/null 2> /dev/null || [ ! -f "/dev/shm/$prefix-probe" ]; then
  echo "no POSIX shared memory in /dev/shm: truncation tests skipped"
  exit 0
fi

# shmdump: its output goes to a FIFO; reading the first bytes proves the
# object is mapped and being dumped. 64 MiB make over 300 MiB of output,
# so shmdump then blocks on the full pipe; the object is truncated
# meanwhile, and the rest is drained.
head -c 67108864 /dev/zero | tr '\0' 'a' > "$scratch/big"
make_object "$prefix-big" 67108864 < "$scratch/big" || fail "cannot make the big object"
mkfifo "$scratch/fifo"
"$SHMDUMP" -v "/$prefix-big" > "$scratch/fifo" 2> "$scratch/err" &
pid=$!
exec 3< "$scratch/fifo"
dd bs=80 count=1 <&3 > /dev/null 2>&1
truncate -s 0 "/dev/shm/$prefix-big" || fail "truncate failed"
cat <&3 > /dev/null
exec 3<&-
wait $pid; st=$?
no_crash "shmdump on a truncated object" $st
[ $st -eq 1 ] || fail "shmdump on a truncated object: status $st"
grep -q 'truncated to 0 bytes by another process' "$scratch/err" ||
  fail "shmdump: no truncation message: $(cat "$scratch/err")"

# cons: one copy of the message, which a truncation may hit or not: each
# trial either reads it all or reports the truncation; never a crash.
caught=0
trial=0
while [ $trial -lt 10 ]; do
  trial=$((trial + 1))
  "$MKOBJ" -u "$prefix-big" 2> /dev/null
  "$MKOBJ" "$prefix-big" 67108864 < "$scratch/big" || fail "cannot make the big object"
  "$CONS" --keep --raw -n "/$prefix-big" > /dev/null 2> "$scratch/err" &
  pid=$!
  truncate -s 0 "/dev/shm/$prefix-big"
  wait $pid; st=$?
  no_crash "cons on a truncated object (trial $trial)" $st
  case $st in
    0) ;;
    1) grep -q 'truncated' "$scratch/err" || fail "cons: status 1 but: $(cat "$scratch/err")"
       caught=$((caught + 1)) ;;
    *) fail "cons on a truncated object: status $st" ;;
  esac
done
echo "cons: $caught of $trial truncations hit the copy, all reported"

# cons --stream: the producer reads a FIFO we feed; once the consumer's
# output shows the first bytes, the channel is truncated and more is sent.
"$MKOBJ" -u "$prefix-big" 2> /dev/null
mkfifo "$scratch/in"
"$CONS" --stream --capacity=1M -n "/$prefix-stream" > "$scratch/out" 2> "$scratch/cons-err" &
cons_pid=$!
objects="$objects $prefix-stream"
"$PROD" --stream -n "/$prefix-stream" < "$scratch/in" 2> "$scratch/prod-err" &
prod_pid=$!
exec 4> "$scratch/in"
head -c 4096 "$scratch/big" >&4
i=0
while [ ! -s "$scratch/out" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$scratch/out" ] || fail "cons --stream: no output"
truncate -s 0 "/dev/shm/$prefix-stream" || fail "truncate failed"
head -c 2097152 "$scratch/big" >&4 2> /dev/null
exec 4>&-
wait $cons_pid; cons_st=$?
wait $prod_pid; prod_st=$?
no_crash "cons --stream on a truncated channel" $cons_st
no_crash "prod --stream on a truncated channel" $prod_st
[ $cons_st -eq 1 ] || fail "cons --stream on a truncated channel: status $cons_st"
grep -q 'truncated' "$scratch/cons-err" ||
  fail "cons --stream: no truncation message: $(cat "$scratch/cons-err")"
[ $prod_st -eq 1 ] || fail "prod --stream on a truncated channel: status $prod_st"
grep -q 'truncated' "$scratch/prod-err" ||
  fail "prod --stream: no truncation message: $(cat "$scratch/prod-err")"
echo "ok"
