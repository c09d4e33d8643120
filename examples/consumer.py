#!/usr/bin/python3
# consumer.py - copy a shmipc channel to standard output, from Python.
#
#   python3 consumer.py NAME > FILE      (with: python3 producer.py NAME)
#
# Works with the C commands too: it reads what "prod --stream -n NAME"
# writes. It removes the channel at the end of the stream, as
# "cons --stream" does. Needs Debian's python3-gi and gir1.2-shmipc-1.0.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
import sys

import gi

gi.require_version("Shmipc", "1.0")
from gi.repository import GLib, Shmipc  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: consumer.py NAME > OUTPUT")
    try:
        channel = Shmipc.Channel.open(sys.argv[1], Shmipc.ChannelRole.CONSUMER, 0, 0o600,
                                      Shmipc.Backend.AUTO)
        while True:
            # Up to 1 MiB as soon as any byte is there; empty at the end.
            chunk = channel.read_bytes(1 << 20, -1)
            if chunk.get_size() == 0:
                break
            sys.stdout.buffer.write(chunk.get_data())
        sys.stdout.buffer.flush()
        channel.unlink()
    except GLib.Error as error:
        # A producer that died: every byte it sent was written first.
        sys.exit("consumer.py: %s" % error.message)


if __name__ == "__main__":
    main()
