#!/bin/sh
# hostile-names.sh - object names made to deceive a terminal: ESC
# sequences, BEL, newline, tab, DEL, a C1 control, a backslash and bytes
# that are not UTF-8. shmdump --list, --info and the commands' error
# messages print them escaped (one row per object, no control byte
# reaches the terminal); --json gives every name back exactly.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

. "$abs_top_srcdir/tests/prod-cons-common.sh"

use_posix_only

python3 - "$bin" "${pfx#/}" "$work" <<'PY'
import base64, json, os, subprocess, sys

bin_dir, prefix, work = sys.argv[1], os.fsencode(sys.argv[2]), sys.argv[3]
failures = []

def fail(what):
    failures.append(what)
    print("FAIL:", what, file=sys.stderr)

# The names, without their leading '/'.
suffixes = [
    b"-esc\x1b]0;pwned\x07\x1b[2J",
    b"-newline\nposix  forged - 1 0600 root 0 raw 2026-01-01 00:00",
    b"-tab\tdel\x7f",
    b"-bell\x07cr\rbs\x08",
    b"-bad\xff\xfe-utf8",
    b"-truncated\xe2\x82",
    b"-c1\xc2\x9b31m",
    b"-backslash\\x1b",
    b"-plain-\xc3\xa9t\xc3\xa9",
]
names = [prefix + s for s in suffixes]

# The documented escaping (tool_escape() in src/tool-common.c, shmdump(1)),
# written again here independently.
def escape(raw):
    out = []
    i = 0
    letters = {7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r"}
    while i < len(raw):
        # The longest valid UTF-8 character at i, if any.
        for n in (1, 2, 3, 4):
            try:
                ch = raw[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                ch = None
        if ch is None or len(ch) != 1:
            out.append("\\x%02x" % raw[i])
            i += 1
            continue
        c = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif c in letters:
            out.append("\\" + letters[c])
        elif c < 0x20 or c == 0x7f:
            out.append("\\x%02x" % c)
        elif 0x80 <= c < 0xa0:
            out.append("".join("\\x%02x" % b for b in ch.encode()))
        else:
            out.append(ch)
        i += len(ch.encode())
    return "".join(out)

def safe(text, what):
    """No byte of @text can drive a terminal: valid UTF-8, no control
    character but the newlines that end lines."""
    try:
        s = text.decode("utf-8")
    except UnicodeDecodeError:
        fail("%s: output is not UTF-8" % what)
        return ""
    for c in s:
        if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) < 0xa0:
            fail("%s: output holds control character U+%04X" % (what, ord(c)))
            break
    return s

def run(*args):
    return subprocess.run([os.path.join(bin_dir, args[0])] + list(args[1:]),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

try:
    for n in names:
        fd = os.open(b"/dev/shm/" + n, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        os.write(fd, b"hostile")
        os.close(fd)
    fifo = prefix + b"-fifo\x1b[31m\n"
    os.mkfifo(b"/dev/shm/" + fifo)

    # --list: one row per object, each starting with its escaped name.
    r = run("shmdump", "--list")
    if r.returncode != 0:
        fail("shmdump --list: status %d" % r.returncode)
    text = safe(r.stdout, "--list")
    rows = [l for l in text.split("\n") if ("/" + os.fsdecode(prefix)) in l]
    if len(rows) != len(names):
        fail("--list: %d rows for %d objects:\n%s" % (len(rows), len(names), "\n".join(rows)))
    for n in names:
        want = "posix /" + escape(n) + " "
        if not any(l.startswith(want) for l in rows):
            fail("--list: no row starts with %r" % want)
    if "forged" in text.replace(escape(names[1]), ""):
        fail("--list: a forged row")

    # --info: "Name: " and the escaped name; JSON gives it back exactly.
    for n in names:
        r = run("shmdump", "--info", b"/" + n)
        text = safe(r.stdout + r.stderr, "--info %r" % n)
        if r.returncode != 0 or ("Name: /%s\n" % escape(n)) not in text:
            fail("--info %r: status %d:\n%s" % (n, r.returncode, text))
    r = run("shmdump", "--list", "--json")
    safe(r.stdout, "--list --json")
    objects = json.loads(r.stdout)
    found = set()
    for o in objects:
        if o["type"] != "posix":
            continue
        raw = base64.b64decode(o["name_base64"]) if "name_base64" in o else o["name"].encode("utf-8")
        if "name_base64" in o:
            try:
                raw.decode("utf-8")
                fail("--json: name_base64 for a UTF-8 name %r" % raw)
            except UnicodeDecodeError:
                pass
        found.add(raw)
    for n in names:
        if b"/" + n not in found:
            fail("--json: %r is not given exactly" % n)
    r = run("shmdump", "--info", "--json", b"/" + names[4])
    o = json.loads(r.stdout)[0]
    if base64.b64decode(o.get("name_base64", "")) != b"/" + names[4]:
        fail("--info --json: name_base64 of %r: %r" % (names[4], o))

    # Error messages: the name they quote is escaped too.
    for args, what in ((("cons", "-n", b"/" + fifo), "is a FIFO"),
                       (("shmdump", b"/" + prefix + b"-missing\x1b[H\x07"), "No such file"),
                       (("cons", "--wait=0.1", "-n", b"/" + prefix + b"-missing\x1b[H\x07"), "Timed out")):
        r = run(*args)
        text = safe(r.stderr, "%s message" % args[0])
        name = args[-1][1:]
        if r.returncode != 1 or what not in text or escape(name) not in text or text.count("\n") != 1:
            fail("%r: status %d, message %r" % (args, r.returncode, text))
finally:
    for n in names + [prefix + b"-fifo\x1b[31m\n"]:
        try:
            os.unlink(b"/dev/shm/" + n)
        except FileNotFoundError:
            pass

sys.exit(1 if failures else 0)
PY
