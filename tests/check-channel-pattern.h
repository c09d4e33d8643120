/* check-channel-pattern.h - a reproducible byte stream for channel tests
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef CHECK_CHANNEL_PATTERN_H
#define CHECK_CHANNEL_PATTERN_H

#include <string.h>
#include <glib.h>

/* Byte i of stream @seed is byte (i % 8) of mix (seed + i / 8): any part
 * of the stream can be produced or checked without the bytes before it. */
static inline guint64
pattern_mix (guint64 x)
{
  x += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  x = (x ^ (x >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  x = (x ^ (x >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return x ^ (x >> 31);
}

static inline void
pattern_fill (guint8 *buf, guint64 offset, gsize n, guint64 seed)
{
  while (n > 0 && (offset & 7) != 0)
    {
      *buf++ = (guint8) (pattern_mix (seed + (offset >> 3)) >> (8 * (offset & 7)));
      offset++;
      n--;
    }
  while (n >= 8)
    {
      guint64 v = GUINT64_TO_LE (pattern_mix (seed + (offset >> 3)));

      memcpy (buf, &v, 8);
      buf += 8;
      offset += 8;
      n -= 8;
    }
  while (n > 0)
    {
      *buf++ = (guint8) (pattern_mix (seed + (offset >> 3)) >> (8 * (offset & 7)));
      offset++;
      n--;
    }
}

/* Offset of the first byte of @buf that differs from the stream, or -1. */
static inline gint64
pattern_check (const guint8 *buf, guint64 offset, gsize n, guint64 seed)
{
  guint8 expected[4096];
  gsize done = 0;

  while (done < n)
    {
      gsize k = MIN (sizeof expected, n - done);
      gsize i;

      pattern_fill (expected, offset + done, k, seed);
      if (memcmp (expected, buf + done, k) != 0)
        {
          for (i = 0; i < k; i++)
            if (expected[i] != buf[done + i])
              return (gint64) (offset + done + i);
        }
      done += k;
    }
  return -1;
}

#endif /* CHECK_CHANNEL_PATTERN_H */
