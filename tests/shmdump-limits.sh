#!/bin/sh
# shmdump-limits.sh - shmdump --limits and --limits --json.
#
# On this machine: the four parts are there, and the JSON gives the same
# numbers as the system (os.statvfs, /proc/sys/kernel/shm*,
# /proc/sysvipc/shm, getrlimit), the text the same as the JSON.
# Where allowed (root, unshare(1)), again in a private mount namespace
# (nothing propagates to the host): a 64 MiB tmpfs on /dev/shm gives the
# container warning, a 1 MiB one the "too small for a default channel"
# warning, and logind.conf and a drop-in (in folders mounted over
# /etc/systemd and the other drop-in folders) set RemoveIPC, the drop-in
# winning.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

# Inside a namespace (the outer run exports SHMDUMP and LIMITS_DIR).
if [ -n "${SHMIPC_TEST_LIMITS_NS:-}" ]; then
  set -e
  case $SHMIPC_TEST_LIMITS_NS in
    64m|1m)
      mount -t tmpfs -o "size=$SHMIPC_TEST_LIMITS_NS,mode=1777" shmipc-test-limits /dev/shm
      "$SHMDUMP" --limits ;;
    logind)
      # Empty folders over the other drop-in folders and over systemd's
      # own folder (logind is not installed), our files over /etc/systemd.
      for d in /run/systemd/logind.conf.d /usr/local/lib/systemd/logind.conf.d \
               /usr/lib/systemd /lib/systemd; do
        if [ -d "$d" ]; then mount -t tmpfs shmipc-test-limits "$d"; fi
      done
      mount --bind "$LIMITS_DIR/etc-systemd" /etc/systemd
      "$SHMDUMP" --limits
      rm "$LIMITS_DIR/etc-systemd/logind.conf.d/50-test.conf"
      "$SHMDUMP" --limits
      rm "$LIMITS_DIR/etc-systemd/logind.conf"
      "$SHMDUMP" --limits
      # Installed and running: an executable where systemd keeps it, and
      # a process of that name (a copy of sleep).
      if [ -d /usr/lib/systemd ]; then
        printf '#!/bin/sh\n' >/usr/lib/systemd/systemd-logind
        chmod 755 /usr/lib/systemd/systemd-logind
        "$SHMDUMP" --limits
        cp "$(command -v sleep)" "$LIMITS_DIR/systemd-logind"
        "$LIMITS_DIR/systemd-logind" 60 &
        fake=$!
        "$SHMDUMP" --limits
        "$SHMDUMP" --limits --json >"$LIMITS_DIR/running.json"
        kill "$fake"
      fi ;;
  esac
  exit 0
fi

. "${abs_top_srcdir:-.}/tests/shmdump-common.sh"

# --- on this machine ---
"$SHMDUMP" --limits >"$scratch/text" 2>"$scratch/err" || fail "--limits: exit status $?"
[ -s "$scratch/err" ] && fail "--limits: wrote to stderr: $(cat "$scratch/err")"
cat "$scratch/text"
for part in '^/dev/shm: ' '^SysV: shmmax ' '^  in use: ' '^systemd-logind RemoveIPC: (yes|no) ' \
            '^memlock: '; do
  grep -Eq "$part" "$scratch/text" || fail "--limits: no line matching $part"
done

"$SHMDUMP" --limits --json >"$scratch/json" || fail "--limits --json: exit status $?"
python3 - "$scratch/json" "$scratch/text" <<'EOF' || fail "--limits --json: see above"
import json, os, resource, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
assert sorted(d) == ["dev_shm", "memlock", "remove_ipc", "sysv"], sorted(d)

st = os.statvfs("/dev/shm")
shm = d["dev_shm"]
assert shm["path"] == "/dev/shm"
assert shm["size"] == st.f_blocks * st.f_frsize, (shm["size"], st.f_blocks * st.f_frsize)
assert isinstance(shm["used"], int) and isinstance(shm["free"], int)
assert isinstance(shm["warnings"], list)
assert "(%d bytes)" % shm["size"] in text
for w in shm["warnings"]:
    assert "  warning: " + w + "\n" in text, w

sysv = d["sysv"]
for key in ("shmmax", "shmall", "shmmni"):
    assert sysv[key] == int(open("/proc/sys/kernel/" + key).read()), key
assert sysv["page_size"] == os.sysconf("SC_PAGESIZE")
rows = [l.split() for l in open("/proc/sysvipc/shm").read().splitlines()[1:] if l.strip()]
# Segments may come and go while we look: allow a little drift.
assert abs(sysv["segments"] - len(rows)) <= 2, (sysv["segments"], len(rows))
assert "shmmax %d bytes" % sysv["shmmax"] in text

rip = d["remove_ipc"]
assert isinstance(rip["value"], bool)
running = False
for pid in os.listdir("/proc"):
    try:
        running = running or open("/proc/%s/comm" % pid).read().strip() == "systemd-logind"
    except OSError:
        pass
installed = any(os.access(p, os.X_OK) for p in ("/usr/lib/systemd/systemd-logind",
                                                "/lib/systemd/systemd-logind"))
want = "running" if installed and running else "not running" if installed else "not installed"
assert rip["logind"] == want, (rip["logind"], want)
assert rip["in_effect"] == (rip["value"] and want == "running")
assert ("RemoveIPC: yes" if rip["value"] else "RemoveIPC: no") in text
if want != "running":
    assert ("not in effect: systemd-logind is " + want + "\n") in text

soft, hard = resource.getrlimit(resource.RLIMIT_MEMLOCK)
inf = resource.RLIM_INFINITY
assert d["memlock"]["soft"] == (None if soft == inf else soft), (d["memlock"], soft)
assert d["memlock"]["hard"] == (None if hard == inf else hard), (d["memlock"], hard)
print("JSON agrees with the system and with the text")
EOF

# Usage errors: exit 2.
for args in "--limits /x" "--limits --key 1" "--limits --list" "--limits --info /x"; do
  status=0
  # shellcheck disable=SC2086
  "$SHMDUMP" $args >/dev/null 2>"$scratch/err" || status=$?
  [ "$status" -eq 2 ] || fail "shmdump $args: exit status $status, expected 2"
  grep -q '^shmdump: ' "$scratch/err" || fail "shmdump $args: no shmdump: message"
done

# --- in a private mount namespace ---
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 ||
   ! unshare -m --propagation private true 2>/dev/null; then
  echo "no private mount namespace (not root, or no unshare): the tmpfs and logind cases are skipped"
  exit 0
fi
LIMITS_DIR=$scratch
export SHMDUMP LIMITS_DIR

SHMIPC_TEST_LIMITS_NS=64m unshare -m --propagation private sh "$0" >"$scratch/64m" 2>&1 ||
  fail "64 MiB tmpfs: $(cat "$scratch/64m")"
cat "$scratch/64m"
grep -q '^/dev/shm: 64.0 MiB (67108864 bytes)' "$scratch/64m" || fail "64 MiB tmpfs: size not shown"
grep -q '^  warning: 64 MiB is the size a container gets by default' "$scratch/64m" ||
  fail "64 MiB tmpfs: no container warning"
grep -q 'too small' "$scratch/64m" && fail "64 MiB tmpfs: warned too small"

SHMIPC_TEST_LIMITS_NS=1m unshare -m --propagation private sh "$0" >"$scratch/1m" 2>&1 ||
  fail "1 MiB tmpfs: $(cat "$scratch/1m")"
cat "$scratch/1m"
grep -q '^  warning: too small for a default channel (prod --stream needs 4.0 MiB)' "$scratch/1m" ||
  fail "1 MiB tmpfs: no too-small warning"
grep -q 'container' "$scratch/1m" && fail "1 MiB tmpfs: container warning"

mkdir -p "$scratch/etc-systemd/logind.conf.d"
printf '[Login]\n# RemoveIPC=yes\nRemoveIPC=no\n' >"$scratch/etc-systemd/logind.conf"
printf '[Login]\nRemoveIPC = yes\n[Other]\nRemoveIPC=no\n' >"$scratch/etc-systemd/logind.conf.d/50-test.conf"
printf '[Login]\nKillUserProcesses=no\n' >"$scratch/etc-systemd/logind.conf.d/60-other.conf"
SHMIPC_TEST_LIMITS_NS=logind unshare -m --propagation private sh "$0" >"$scratch/logind" 2>&1 ||
  fail "logind: $(cat "$scratch/logind")"
grep RemoveIPC "$scratch/logind"
grep '^systemd-logind RemoveIPC: ' "$scratch/logind" >"$scratch/removeipc"
expect_line () {
  sed -n "$1p" "$scratch/removeipc" | grep -qxF "systemd-logind RemoveIPC: $2" ||
    fail "logind: line $1 is not \"$2\": $(cat "$scratch/removeipc")"
}
expect_line 1 'yes (/etc/systemd/logind.conf.d/50-test.conf), not in effect: systemd-logind is not installed'
expect_line 2 'no (/etc/systemd/logind.conf), not in effect: systemd-logind is not installed'
expect_line 3 "yes (systemd's default), not in effect: systemd-logind is not installed"
if [ -d /usr/lib/systemd ]; then
  expect_line 4 "yes (systemd's default), not in effect: systemd-logind is not running"
  expect_line 5 "yes (systemd's default): the objects of a user other than root and the system users are removed when the user's last session ends"
  python3 - "$scratch/running.json" <<'EOF' || fail "logind running: JSON"
import json, sys
r = json.load(open(sys.argv[1]))["remove_ipc"]
assert r == {"value": True, "source": None, "logind": "running", "in_effect": True}, r
EOF
  [ "$(wc -l <"$scratch/removeipc")" -eq 5 ] || fail "logind: expected five runs"
else
  [ "$(wc -l <"$scratch/removeipc")" -eq 3 ] || fail "logind: expected three runs"
fi
echo "PASS: limits in private mount namespaces"
