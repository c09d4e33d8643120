#!/bin/sh
# shmdump --list, --json, --info and --key on objects this test makes.
. "${abs_top_srcdir:-.}/tests/shmdump-common.sh"

command -v python3 >/dev/null 2>&1 || skip "python3 not found (needed to check JSON)"

# A SysV segment made by another program, addressed by key.
if command -v ipcmk >/dev/null 2>&1 && command -v ipcrm >/dev/null 2>&1; then
  out=$(ipcmk -M 4096 -p 0640) || skip "ipcmk -M failed: no SysV shared memory here"
  id=$(printf '%s\n' "$out" | sed -n 's/^Shared memory id: //p')
  test -n "$id" || fail "cannot read the id from ipcmk: $out"
  sysv_ids="$id"
  key=$(awk -v id="$id" '$2 == id { printf "0x%08x\n", $1 < 0 ? $1 + 4294967296 : $1 }' /proc/sysvipc/shm)
  test -n "$key" || fail "segment $id not in /proc/sysvipc/shm"

  "$SHMDUMP" --list > "$scratch/list" || fail "shmdump --list failed"
  line=$(awk -v key="$key" '$1 == "sysv" && $2 == key' "$scratch/list")
  test -n "$line" || fail "key $key not listed: $(cat "$scratch/list")"
  set -- $line
  test "$3" = "$id" || fail "id of $key: $3, expected $id"
  test "$4" = 4096 || fail "size of $key: $4"
  test "$5" = 0640 || fail "mode of $key: $5"
  test "$9" = raw || fail "format of $key: $9"

  # Its bytes, by key: zeros.
  head -c 4096 /dev/zero > "$scratch/zeros"
  "$SHMDUMP" --key "$key" --format=raw > "$scratch/out" || fail "shmdump --key $key"
  cmp -s "$scratch/out" "$scratch/zeros" || fail "shmdump --key $key: wrong bytes"
  "$SHMDUMP" -k "$key" > "$scratch/out" || fail "shmdump -k $key"
  printf '00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|\n*\n00001000\n' > "$scratch/expected"
  cmp -s "$scratch/out" "$scratch/expected" || fail "shmdump -k $key: wrong dump"

  "$SHMDUMP" --info --key "$key" > "$scratch/info" || fail "shmdump --info --key $key"
  grep -qx "Key: $key" "$scratch/info" || fail "--info --key: no key line"
  grep -qx "Id: $id" "$scratch/info" || fail "--info --key: no id line"
  grep -qx "Size: 4096" "$scratch/info" || fail "--info --key: no size line"
  grep -qx "Mode: 0640" "$scratch/info" || fail "--info --key: no mode line"

  ipcrm -m "$id" || fail "ipcrm -m $id"
  sysv_ids=
  "$SHMDUMP" --list > "$scratch/list" || fail "shmdump --list failed"
  ! awk -v key="$key" '$1 == "sysv" && $2 == key' "$scratch/list" | grep -q . ||
    fail "key $key still listed after ipcrm"
  "$SHMDUMP" --key "$key" > /dev/null 2> "$scratch/err" && fail "--key of a removed segment succeeded"
  grep -q "^shmdump: " "$scratch/err" || fail "no shmdump: message for a removed segment"
else
  echo "note: ipcmk/ipcrm not found (util-linux): --key checks skipped"
fi

# An object made through libshmipc (POSIX, or SysV in a SysV-only build).
name="/$prefix-obj"
printf 'hello' > "$scratch/hello"
make_object "$name" 10000 0604 < "$scratch/hello" || fail "cannot create $name"
"$SHMDUMP" --info "$name" > "$scratch/info" || fail "shmdump --info $name"
grep -qx "Size: 10000" "$scratch/info" || fail "--info: size: $(cat "$scratch/info")"
grep -qx "Mode: 0604" "$scratch/info" || fail "--info: mode: $(cat "$scratch/info")"
grep -qx "Format: raw" "$scratch/info" || fail "--info: format: $(cat "$scratch/info")"
grep -q "^Backend: " "$scratch/info" || fail "--info: no backend"

"$SHMDUMP" --list > "$scratch/list" || fail "shmdump --list"
head -1 "$scratch/list" | grep -q '^TYPE  *NAME/KEY  *ID  *SIZE  *MODE  *OWNER  *ATTACHED  *READERS  *FORMAT  *MODIFIED$' ||
  fail "--list header: $(head -1 "$scratch/list")"
if posix_in_use; then
  line=$(awk -v name="$name" '$1 == "posix" && $2 == name' "$scratch/list")
  test -n "$line" || fail "$name not listed"
  set -- $line
  test "$4" = 10000 || fail "size of $name: $4"
  test "$5" = 0604 || fail "mode of $name: $5"
  test "$6" = "$(id -un)" || fail "owner of $name: $6"
fi

# JSON: valid, and holding our object.
"$SHMDUMP" --list --json > "$scratch/json" || fail "shmdump --list --json"
python3 - "$scratch/json" "$name" <<'PY' || fail "--list --json: bad JSON or object missing"
import json, sys
objects = json.load(open(sys.argv[1]))
assert isinstance(objects, list)
for o in objects:
    for member in ("type", "name", "key", "id", "size", "mode", "owner", "attached", "pids", "format", "mtime"):
        assert member in o, member
found = [o for o in objects if o["type"] == "posix" and o["name"] == sys.argv[2]]
found += [o for o in objects if o["type"] == "sysv" and o["size"] == 10000 and o["mode"] == "0604"]
assert found, "object missing"
assert found[0]["format"] == "raw"
PY
"$SHMDUMP" --info --json "$name" > "$scratch/json" || fail "shmdump --info --json"
python3 -c 'import json, sys; o = json.load(open(sys.argv[1])); assert o[0]["size"] == 10000' "$scratch/json" ||
  fail "--info --json: bad JSON"

# A missing object: exit 1 and a message.
"$SHMDUMP" --info "/$prefix-missing" > /dev/null 2> "$scratch/err"
test $? = 1 || fail "--info of a missing object: exit status not 1"
grep -q "^shmdump: .*$prefix-missing" "$scratch/err" || fail "--info of a missing object: $(cat "$scratch/err")"
"$SHMDUMP" "/$prefix-missing" > /dev/null 2> "$scratch/err"
test $? = 1 || fail "dump of a missing object: exit status not 1"

echo "list, json, info and key checks passed"
