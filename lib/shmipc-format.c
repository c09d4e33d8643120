/* shmipc-format.c - displays and dumps of shared-memory bytes
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "shmipc-private.h"

static const char hex_digits[] = "0123456789abcdef";

/**
 * shmipc_format_seed:
 * @out: the string to append to
 * @title: the word after "display: " (the seed prints the program name)
 * @data: (array length=len): the bytes
 * @len: how many bytes @data holds; at most %SHMIPC_SEED_DISPLAY_BYTES
 *   are shown
 *
 * Appends the display of the classroom producer/consumer: a line
 * "display: TITLE", then the first bytes as two lower-case hex digits
 * separated by spaces, sixteen to a line, then an empty line. Bytes of
 * 0x80 and above show as two digits (the original's sign extension is
 * not reproduced).
 */
void
shmipc_format_seed (GString      *out,
                    const gchar  *title,
                    const guint8 *data,
                    gsize         len)
{
  gsize i;

  g_return_if_fail (out != NULL);
  g_return_if_fail (data != NULL || len == 0);

  g_string_append_printf (out, "display: %s\n", title);
  len = MIN (len, SHMIPC_SEED_DISPLAY_BYTES);
  for (i = 0; i < len; i++)
    {
      g_string_append_c (out, hex_digits[data[i] >> 4]);
      g_string_append_c (out, hex_digits[data[i] & 0xf]);
      g_string_append_c (out, (i % 16 == 15 || i + 1 == len) ? '\n' : ' ');
    }
  g_string_append_c (out, '\n');
}
