#!/usr/bin/python3
# producer.py - stream standard input into a shmipc channel, from Python.
#
#   python3 producer.py NAME < FILE      (then: python3 consumer.py NAME)
#
# Works with the C commands too: "cons --stream -n NAME" reads what this
# writes. Needs Debian's python3-gi and gir1.2-shmipc-1.0.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

import gi

gi.require_version("Shmipc", "1.0")
from gi.repository import GLib, Shmipc  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: producer.py NAME < INPUT")
    try:
        # Either end may start first; capacity 0 is the library's default ring.
        channel = Shmipc.Channel.open(sys.argv[1], Shmipc.ChannelRole.PRODUCER, 0, 0o600,
                                      Shmipc.Backend.AUTO)
        while True:
            block = sys.stdin.buffer.read(1 << 20)
            if not block:
                break
            # Waits (for ever: -1) whenever the consumer lags a whole ring behind.
            channel.write_bytes(GLib.Bytes.new(block), -1)
        channel.close_write()
    except GLib.Error as error:
        # For example Shmipc.Error.PEER_DIED when the consumer was killed.
        sys.exit("producer.py: %s" % error.message)


if __name__ == "__main__":
    main()
