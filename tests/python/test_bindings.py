# test_bindings.py - libshmipc through GObject Introspection, from Python
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run by tests/python-bindings.sh (make check) with the built typelib and
# library; the commands prod and cons are the built ones ($SHMIPC_BINDIR).
import os
import subprocess
import sys
import tempfile
import unittest

import gi

gi.require_version("Shmipc", "1.0")
from gi.repository import GLib, Shmipc  # noqa: E402

BINDIR = os.environ.get("SHMIPC_BINDIR", "src")
PREFIX = "/shmipc-test-%d-py" % os.getpid()
STREAM_BYTES = 5 * 1024 * 1024 + 17


def posix_available():
    return Shmipc.backend_is_available(Shmipc.Backend.POSIX)


class Objects(unittest.TestCase):
    def setUp(self):
        self.names = []

    def tearDown(self):
        for name in self.names:
            for backend in (Shmipc.Backend.POSIX, Shmipc.Backend.SYSV):
                try:
                    Shmipc.unlink(name, backend)
                except GLib.Error:
                    pass

    def name(self, what):
        name = "%s-%s" % (PREFIX, what)
        self.names.append(name)
        return name


class Segments(Objects):
    def test_write_read(self):
        name = self.name("seg")
        seg = Shmipc.Segment.open(name, Shmipc.OpenFlags.CREATE | Shmipc.OpenFlags.EXCLUSIVE,
                                  4096, 0o600, Shmipc.Backend.AUTO)
        self.assertTrue(seg.get_created())
        self.assertEqual(seg.get_size(), 4096)
        self.assertEqual(seg.get_name(), name)
        self.assertTrue(seg.write_bytes(0, GLib.Bytes.new(b"hello\0")))
        self.assertEqual(seg.read_bytes(0, 5).get_data(), b"hello")
        # The same object, opened again, read-only.
        other = Shmipc.Segment.open(name, Shmipc.OpenFlags.READ_ONLY, 0, 0, Shmipc.Backend.AUTO)
        self.assertEqual(other.read_bytes(0, 6).get_data(), b"hello\0")
        with self.assertRaises(GLib.Error) as caught:
            other.write_bytes(0, GLib.Bytes.new(b"x"))
        self.assertTrue(caught.exception.matches(Shmipc.error_quark(),
                                                 Shmipc.Error.PERMISSION_DENIED))
        ok, st = seg.stat()
        self.assertTrue(ok)
        self.assertEqual(st.size, 4096)
        self.assertEqual(st.mode, 0o600)
        seg.unlink()

    def test_errors(self):
        with self.assertRaises(GLib.Error) as caught:
            Shmipc.Segment.open(PREFIX + "-missing", Shmipc.OpenFlags.NONE, 0, 0,
                                Shmipc.Backend.AUTO)
        self.assertTrue(caught.exception.matches(Shmipc.error_quark(), Shmipc.Error.NOT_FOUND))
        with self.assertRaises(GLib.Error) as caught:
            Shmipc.Segment.open("a/b", Shmipc.OpenFlags.NONE, 0, 0, Shmipc.Backend.AUTO)
        self.assertTrue(caught.exception.matches(Shmipc.error_quark(), Shmipc.Error.INVALID_NAME))

    @unittest.skipUnless(posix_available(), "no POSIX shared memory")
    def test_truncated_object(self):
        """Another process shrinks the object: an error, never SIGBUS."""
        name = self.name("trunc")
        seg = Shmipc.Segment.open(name, Shmipc.OpenFlags.CREATE, 1 << 20, 0o600,
                                  Shmipc.Backend.POSIX)
        seg.write_bytes(1 << 19, GLib.Bytes.new(b"x" * 16))
        os.truncate("/dev/shm" + name, 0)
        with self.assertRaises(GLib.Error) as caught:
            seg.read_bytes(1 << 19, 16)
        self.assertTrue(caught.exception.matches(Shmipc.error_quark(), Shmipc.Error.CORRUPT))
        self.assertIn("truncated", caught.exception.message)


class Listing(Objects):
    def test_list_objects(self):
        name = self.name("list")
        seg = Shmipc.Segment.open(name, Shmipc.OpenFlags.CREATE, 12345, 0o640,
                                  Shmipc.Backend.AUTO)
        objects = Shmipc.list_objects()
        if seg.get_backend() == Shmipc.Backend.POSIX:
            found = [o for o in objects if o.name == name]
        else:
            found = [o for o in objects if o.key == seg.get_key()]
        self.assertEqual(len(found), 1)
        info = found[0]
        self.assertEqual(info.size, 12345)
        self.assertEqual(info.mode, 0o640)
        self.assertEqual(info.format, Shmipc.ObjectFormat.RAW)
        self.assertEqual(Shmipc.object_format_to_string(info.format), "raw")
        self.assertFalse(info.stale)
        seg.unlink()


class Channels(Objects):
    def setUp(self):
        super().setUp()
        self.data = os.urandom(STREAM_BYTES)

    # Files, not pipes, between Python and the commands: the ring (64 KiB)
    # is smaller than the stream, so each side must run on its own.
    def test_python_to_cons(self):
        name = self.name("to-cons")
        with tempfile.TemporaryFile() as out:
            cons = subprocess.Popen([os.path.join(BINDIR, "cons"), "--stream", "-n", name],
                                    stdout=out)
            ch = Shmipc.Channel.open(name, Shmipc.ChannelRole.PRODUCER, 65536, 0o600,
                                     Shmipc.Backend.AUTO)
            for start in range(0, len(self.data), 100000):
                chunk = GLib.Bytes.new(self.data[start:start + 100000])
                self.assertTrue(ch.write_bytes(chunk, 10000))
            self.assertTrue(ch.close_write())
            self.assertEqual(cons.wait(timeout=60), 0)
            out.seek(0)
            self.assertEqual(out.read(), self.data)

    def test_prod_to_python(self):
        name = self.name("from-prod")
        with tempfile.NamedTemporaryFile() as data:
            data.write(self.data)
            data.flush()
            prod = subprocess.Popen([os.path.join(BINDIR, "prod"), "--stream", "-n", name,
                                     "--capacity", "64K", "--input", data.name])
            ch = Shmipc.Channel.open(name, Shmipc.ChannelRole.CONSUMER, 65536, 0o600,
                                     Shmipc.Backend.AUTO)
            got = bytearray()
            while True:
                chunk = ch.read_bytes(65536, 10000)
                if chunk.get_size() == 0:
                    break
                got += chunk.get_data()
            self.assertEqual(prod.wait(timeout=60), 0)
        self.assertEqual(bytes(got), self.data)
        ch.unlink()

    def test_grace_and_limits(self):
        # A channel made here with a reader limit of 2 and a grace of 250 ms:
        # prod --readers=3 refuses it before joining (the reader waiting in
        # it is not disturbed); a consumer's default limit is the most.
        name = self.name("limit")
        none = Shmipc.ChannelOpenFlags.NONE
        reader = Shmipc.Channel.open_full(name, Shmipc.ChannelRole.CONSUMER, 0, 0o600,
                                          Shmipc.Backend.AUTO, 2, Shmipc.ChannelPolicy.DROP,
                                          250, none)
        self.assertEqual(reader.get_max_readers(), 2)
        self.assertEqual(reader.get_drop_grace(), 250)
        ok, info = Shmipc.Channel.inspect(reader.get_segment())
        self.assertTrue(ok)
        self.assertEqual(info.drop_grace_ms, 250)
        run = subprocess.run([os.path.join(BINDIR, "prod"), "--stream", "-n", name,
                              "--readers=3"], input=b"data", capture_output=True)
        self.assertEqual(run.returncode, 1)
        self.assertIn(b"takes at most 2 readers", run.stderr)
        ok, info = Shmipc.Channel.inspect(reader.get_segment())
        self.assertEqual((info.state, info.producer_pid, info.n_readers),
                         (Shmipc.ChannelState.OPEN, 0, 1))
        self.assertTrue(reader.leave())
        reader.unlink()

        other = self.name("default")
        first = Shmipc.Channel.open(other, Shmipc.ChannelRole.CONSUMER, 0, 0o600,
                                    Shmipc.Backend.AUTO)
        self.assertEqual(first.get_max_readers(), Shmipc.CHANNEL_MAX_READERS)
        self.assertEqual(first.get_drop_grace(), 0)
        first.unlink()

    def test_readers(self):
        # One producer and two readers in Python, the drop policy: a reader
        # left behind gets Shmipc.Error.OVERRUN, the other every byte.
        name = self.name("readers")
        drop = Shmipc.ChannelPolicy.DROP
        none = Shmipc.ChannelOpenFlags.NONE
        # A grace of 0: the slowest reader is cut at the first full ring.
        prod = Shmipc.Channel.open_full(name, Shmipc.ChannelRole.PRODUCER, 65536, 0o600,
                                        Shmipc.Backend.AUTO, 4, drop, 0, none)
        fast = Shmipc.Channel.open_full(name, Shmipc.ChannelRole.CONSUMER, 0, 0o600,
                                        Shmipc.Backend.AUTO, 0, Shmipc.ChannelPolicy.WAIT, -1,
                                        none)
        self.assertEqual(fast.get_drop_grace(), 0)
        slow = Shmipc.Channel.open(name, Shmipc.ChannelRole.CONSUMER, 0, 0o600,
                                   Shmipc.Backend.AUTO)
        self.assertEqual(slow.get_policy(), drop)
        self.assertEqual(slow.get_max_readers(), 4)
        self.assertTrue(prod.wait_readers(2, 0))
        got = bytearray()
        for start in range(0, 4 * 65536, 32768):
            self.assertTrue(prod.write_bytes(GLib.Bytes.new(self.data[start:start + 32768]), 0))
            while True:
                chunk = fast.read_bytes(65536, 0)
                got += chunk.get_data()
                if len(got) == start + 32768:
                    break
        self.assertEqual(bytes(got), self.data[:4 * 65536])

        ok, info = Shmipc.Channel.inspect(prod.get_segment())
        self.assertTrue(ok)
        self.assertEqual(info.n_readers, 2)
        states = sorted(info.get_reader(i).state.value_nick for i in range(info.n_readers))
        self.assertEqual(states, ["overrun", "reading"])
        self.assertIsNone(info.get_reader(2))

        with self.assertRaises(GLib.Error) as caught:
            slow.read_bytes(100, 0)
        self.assertTrue(caught.exception.matches(Shmipc.error_quark(), Shmipc.Error.OVERRUN))
        self.assertTrue(prod.close_write())
        self.assertEqual(prod.get_lost_readers(), [])
        self.assertEqual(prod.get_n_cut_readers(), 1)
        cut = prod.get_cut_reader(0)
        self.assertEqual(cut.pid, os.getpid())
        self.assertEqual(cut.state, Shmipc.ChannelReaderState.OVERRUN)
        self.assertIsNone(prod.get_cut_reader(1))
        self.assertFalse(slow.leave())
        self.assertTrue(fast.leave())
        prod.unlink()


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() else 1)
