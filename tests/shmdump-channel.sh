#!/bin/sh
# shmdump --info, --list and --list --json on channels: decoded headers,
# live and dead producers, "channel (stale)" and "stale": true. Runs on
# the SysV backend, and on the POSIX one when this build has it.
. "${abs_top_srcdir:-.}/tests/shmdump-common.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not found (needed to check JSON)"

MKCHANNEL="$builddir/tests/mkchannel"
holders=
channels=

# Kills the channel holders still running, then removes the channels
# (BACKEND:NAME) from their own backend.
channel_cleanup () {
  for pid in $holders; do
    kill -9 "$pid" 2>/dev/null
  done
  for channel in $channels; do
    SHMIPC_BACKEND=${channel%%:*} "$MKOBJ" -u "${channel#*:}" 2>/dev/null
  done
  cleanup
}
trap channel_cleanup EXIT

# start_holder BACKEND NAME CAPACITY DATAFILE: runs mkchannel as NAME's
# producer in the background, waits until it has written DATAFILE, and
# sets holder to its pid.
start_holder () {
  channels="$channels $1:$2"
  rm -f "$scratch/ready"
  SHMIPC_BACKEND=$1 "$MKCHANNEL" "$2" "$3" < "$4" > "$scratch/ready" &
  holder=$!
  holders="$holders $holder"
  tries=0
  until grep -qx ready "$scratch/ready" 2>/dev/null; do
    kill -0 "$holder" 2>/dev/null || fail "mkchannel $2 failed"
    tries=$((tries + 1))
    test $tries -lt 100 || fail "mkchannel $2: not ready after 10 s"
    sleep 0.1
  done
}

# list_line BACKEND NAME KEY: the --list line of the object made as NAME
# (by name for POSIX, by KEY for SysV).
list_line () {
  "$SHMDUMP" --list > "$scratch/list" || fail "shmdump --list failed"
  if test "$1" = posix; then
    awk -v name="$2" '$1 == "posix" && $2 == name' "$scratch/list"
  else
    awk -v key="$3" '$1 == "sysv" && $2 == key' "$scratch/list"
  fi
}

# check_json BACKEND NAME KEY STALE PRODUCER: --list --json holds the
# channel with the expected capacity, fill and producer, and "stale".
check_json () {
  "$SHMDUMP" --list --json > "$scratch/json" || fail "shmdump --list --json failed"
  python3 - "$scratch/json" "$@" <<'PY' || fail "--list --json: $(cat "$scratch/json")"
import json, sys
path, backend, name, key, stale, producer = sys.argv[1:]
objects = json.load(open(path))
if backend == "posix":
    found = [o for o in objects if o["type"] == "posix" and o["name"] == name]
else:
    found = [o for o in objects if o["type"] == "sysv" and o["key"] == key]
assert len(found) == 1, "channel %s not listed once" % name
o = found[0]
assert o["format"] == "channel", o["format"]
assert o["stale"] is (stale == "true"), o.get("stale")
assert o["size"] == 4096 + 16384, o["size"]
d = o["details"]
assert d["Capacity"] == "16384", d
assert d["Fill"] == "12", d
assert d["State"] == "open", d
assert d["Producer pid"] == producer, d
assert d["Readers"] == "0 of at most 28 (the stream waits for its first reader)", d
assert o["readers"] == [], o["readers"]
assert o["policy"] == "wait" and o["max_readers"] == 28, o
assert d["Stale"] == ("yes" if stale == "true" else "no"), d
# Only channels and unpublished messages (whose writer runs or died) have
# "stale". (Other tests running in parallel may list channels of their
# own, corrupt ones among them, whose header cannot be decoded: those
# carry no "stale" either.)
for other in objects:
    if other["format"] not in ("channel", "unpublished"):
        assert "stale" not in other, other
PY
}

check_backend () {
  backend=$1
  name="/$prefix-$backend-ch"
  key=$("$MKCHANNEL" --key "$name") || fail "no key for $name"
  printf 'twelve bytes' > "$scratch/data"

  start_holder "$backend" "$name" 16K "$scratch/data"
  pid=$holder

  # --info NAME: the decoded header.
  "$SHMDUMP" --backend "$backend" --info "$name" > "$scratch/info" ||
    fail "$backend: shmdump --info $name failed"
  for line in "Backend: $backend" "Size: 20480" "Format: channel" "Channel version: 2" \
      "Capacity: 16384" "Fill: 12" "Read position: 0" "Write position: 12" \
      "State: open" "Producer pid: $pid (alive)" "Policy: wait" \
      "Readers: 0 of at most 28 (the stream waits for its first reader)" "Stale: no"; do
    grep -qxF "$line" "$scratch/info" || fail "$backend: --info lacks \"$line\": $(cat "$scratch/info")"
  done
  grep -Eq "^Pids: (.* )?$pid( |\$)" "$scratch/info" || fail "$backend: --info: $pid not among the users"

  line=$(list_line "$backend" "$name" "$key")
  test -n "$line" || fail "$backend: $name not listed: $(cat "$scratch/list")"
  set -- $line
  test "$8" = 0 || fail "$backend: --list readers: $line"
  test "$9" = channel || fail "$backend: --list format: $line"
  test "${10}" != "(stale)" || fail "$backend: live channel listed stale: $line"
  check_json "$backend" "$name" "$key" false "$pid (alive)"

  # The bytes are still a plain dump away.
  "$SHMDUMP" --backend "$backend" -n 8 --format=raw "$name" > "$scratch/magic" ||
    fail "$backend: dump of $name failed"
  test "$(cat "$scratch/magic")" = SHMIPCch || fail "$backend: magic: $(cat "$scratch/magic")"

  # The producer dies; no consumer ever came: stale.
  kill -9 "$pid"
  wait "$pid" 2>/dev/null
  "$SHMDUMP" --backend "$backend" --info "$name" > "$scratch/info" ||
    fail "$backend: shmdump --info $name failed after the kill"
  for line in "Producer pid: $pid (dead)" "Stale: yes" "Fill: 12" \
      "Readers: 0 of at most 28 (the stream waits for its first reader)"; do
    grep -qxF "$line" "$scratch/info" || fail "$backend: --info lacks \"$line\": $(cat "$scratch/info")"
  done
  line=$(list_line "$backend" "$name" "$key")
  set -- $line
  test "$9 ${10}" = "channel (stale)" || fail "$backend: dead channel not listed stale: $line"
  check_json "$backend" "$name" "$key" true "$pid (dead)"
  "$SHMDUMP" --backend "$backend" --info --json "$name" > "$scratch/json" ||
    fail "$backend: --info --json failed"
  python3 -c 'import json, sys; o = json.load(open(sys.argv[1]))[0]; assert o["stale"] is True and o["details"]["Stale"] == "yes"' \
    "$scratch/json" || fail "$backend: --info --json: $(cat "$scratch/json")"

  SHMIPC_BACKEND=$backend "$MKOBJ" -u "$name" || fail "$backend: cannot remove $name"
  test -z "$(list_line "$backend" "$name" "$key")" || fail "$backend: $name listed after removal"

  # Finished streams nobody has read yet, as prod --stream leaves them
  # when no consumer has come: no process, but not stale.
  for data in "$scratch/data" /dev/null; do
    name="/$prefix-$backend-done"
    key=$("$MKCHANNEL" --key "$name") || fail "no key for $name"
    channels="$channels $backend:$name"
    SHMIPC_BACKEND=$backend "$MKCHANNEL" -e "$name" 8K < "$data" ||
      fail "$backend: mkchannel -e $name failed"
    "$SHMDUMP" --backend "$backend" --info "$name" > "$scratch/info" ||
      fail "$backend: shmdump --info $name failed"
    fill=$(wc -c < "$data" | tr -d ' ')
    for line in "Capacity: 8192" "Fill: $fill" "State: end-of-stream" "Producer pid: none" \
        "Readers: 0 of at most 28 (the stream waits for its first reader)" "Stale: no"; do
      grep -qxF "$line" "$scratch/info" || fail "$backend: --info lacks \"$line\": $(cat "$scratch/info")"
    done
    line=$(list_line "$backend" "$name" "$key")
    set -- $line
    test "$9" = channel && test "${10}" != "(stale)" || fail "$backend: finished stream listed as: $line"
    SHMIPC_BACKEND=$backend "$MKOBJ" -u "$name" || fail "$backend: cannot remove $name"
  done
}

check_backend sysv
if "$MKCHANNEL" --has-posix; then
  check_backend posix
else
  echo "note: no POSIX shared memory in this build: POSIX checks skipped"
fi

echo "channel --info, --list and --json checks passed"
