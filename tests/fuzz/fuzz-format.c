/* fuzz-format.c - libFuzzer target: the streaming hex formatters
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Feeds the input's data through a ShmipcDumper in chunks of sizes the
 * input chooses and checks that the output is byte for byte that of a
 * one-shot shmipc_format_dump(), and that of a slow reference formatter
 * written here from the documented layouts (canonical as `hexdump -C`,
 * xxd, seed, raw). Any difference aborts: it is a finding.
 *
 * Input layout (numbers little-endian):
 *
 *   0      bits 0-1 format (ShmipcDumpFormat), bit 2 SHMIPC_DUMP_NO_SQUEEZE
 *   1      bits 0-1 skip mode: 0 none, 1 v % 64, 2 v % 4096, 3 v as is
 *          bits 2-3 length mode: 0 unlimited, 1 v % 64, 2 v % 4096, 3 v
 *   2      chunking: 0 one feed; otherwise the seed of the chunk sizes
 *          (0 to 40 bytes, now and then up to 1000, empty feeds included)
 *   3      unused
 *   4-11   skip value v (u64)
 *   12-19  length value v (u64)
 *   20-    the data
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shmipc.h"

#define PREFIX 20

#define CHECK(cond) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      { \
        fprintf (stderr, "fuzz-format: %s:%d: check failed: %s\n", \
                 __FILE__, __LINE__, #cond); \
        abort (); \
      } \
  } G_STMT_END

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  (void) argc;
  (void) argv;
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_set_prgname ("fuzz-format");
  return 0;
}

static guint64
le64 (const guint8 *p)
{
  guint64 v = 0;
  int i;

  for (i = 7; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static guint64
pick (guint mode,
      guint64 v)
{
  switch (mode & 3)
    {
    case 1:
      return v % 64;
    case 2:
      return v % 4096;
    default:
      return v;
    }
}

static gchar
printable (guint8 b)
{
  return (b >= 0x20 && b < 0x7f) ? (gchar) b : '.';
}

/* The reference: @d bytes at @p, dumped from offset @start; @end is the
 * offset after the input (skipped bytes included). */
static void
reference (GString          *out,
           ShmipcDumpFormat  format,
           ShmipcDumpFlags   flags,
           guint64           start,
           guint64           end,
           gboolean          length_zero,
           const guint8     *p,
           gsize             d)
{
  gsize i, j;
  const guint8 *prev = NULL;
  gboolean squeezing = FALSE;

  switch (format)
    {
    case SHMIPC_DUMP_FORMAT_CANONICAL:
      if (length_zero || end == 0)
        return;
      for (i = 0; i < d; i += 16)
        {
          gsize n = MIN (16, d - i);

          if (n == 16 && !(flags & SHMIPC_DUMP_NO_SQUEEZE) && prev != NULL &&
              memcmp (prev, p + i, 16) == 0)
            {
              if (!squeezing)
                g_string_append (out, "*\n");
              squeezing = TRUE;
              prev = p + i;
              continue;
            }
          squeezing = FALSE;
          prev = p + i;
          g_string_append_printf (out, "%08" G_GINT64_MODIFIER "x  ", start + i);
          for (j = 0; j < 16; j++)
            {
              if (j == 8)
                g_string_append_c (out, ' ');
              if (j < n)
                g_string_append_printf (out, "%02x ", p[i + j]);
              else
                g_string_append (out, "   ");
            }
          g_string_append (out, " |");
          for (j = 0; j < n; j++)
            g_string_append_c (out, printable (p[i + j]));
          g_string_append (out, "|\n");
        }
      g_string_append_printf (out, "%08" G_GINT64_MODIFIER "x\n", end);
      break;
    case SHMIPC_DUMP_FORMAT_XXD:
      for (i = 0; i < d; i += 16)
        {
          gsize n = MIN (16, d - i);

          g_string_append_printf (out, "%08" G_GINT64_MODIFIER "x: ", start + i);
          for (j = 0; j < 16; j++)
            {
              if (j < n)
                g_string_append_printf (out, "%02x", p[i + j]);
              else
                g_string_append (out, "  ");
              if (j & 1)
                g_string_append_c (out, ' ');
            }
          g_string_append_c (out, ' ');
          for (j = 0; j < n; j++)
            g_string_append_c (out, printable (p[i + j]));
          g_string_append_c (out, '\n');
        }
      break;
    case SHMIPC_DUMP_FORMAT_SEED:
      g_string_append (out, "display: fuzz-format\n");
      d = MIN (d, SHMIPC_SEED_DISPLAY_BYTES);
      for (i = 0; i < d; i++)
        g_string_append_printf (out, "%02x%c", p[i], (i % 16 == 15 || i + 1 == d) ? '\n' : ' ');
      g_string_append_c (out, '\n');
      break;
    case SHMIPC_DUMP_FORMAT_RAW:
      g_string_append_len (out, (const gchar *) p, (gssize) d);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
check_same (const GString *a,
            const GString *b,
            const char    *what)
{
  gsize i;

  if (a->len == b->len && memcmp (a->str, b->str, a->len) == 0)
    return;
  for (i = 0; i < MIN (a->len, b->len) && a->str[i] == b->str[i]; i++)
    ;
  fprintf (stderr, "fuzz-format: %s differ at byte %" G_GSIZE_FORMAT
           " (lengths %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT ")\n"
           "--- first:\n%.*s\n--- second:\n%.*s\n", what, i, a->len, b->len,
           (int) MIN (a->len - MIN (i, a->len), 400), a->str + MIN (i, a->len),
           (int) MIN (b->len - MIN (i, b->len), 400), b->str + MIN (i, b->len));
  abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ShmipcDumpFormat format;
  ShmipcDumpFlags flags;
  ShmipcDumper *dumper;
  GString *streamed, *once, *ref;
  const guint8 *p;
  guint64 skip, length, skipped, d;
  guint32 rng;
  gsize len, at;
  gboolean more = TRUE;

  if (size < PREFIX)
    return 0;
  format = (ShmipcDumpFormat) (data[0] & 3);
  flags = (data[0] & 4) ? SHMIPC_DUMP_NO_SQUEEZE : SHMIPC_DUMP_NONE;
  skip = pick (data[1], le64 (data + 4));
  length = (data[1] >> 2) & 3 ? pick (data[1] >> 2, le64 (data + 12)) : SHMIPC_DUMP_UNLIMITED;
  rng = data[2] * 0x9e3779b9u;
  p = data + PREFIX;
  len = size - PREFIX;

  streamed = g_string_new (NULL);
  once = g_string_new (NULL);
  ref = g_string_new (NULL);

  /* Streamed, in chunks (empty ones included). */
  dumper = shmipc_dumper_new (format, flags, skip, length);
  at = 0;
  do
    {
      gsize n = len - at;
      gsize before = streamed->len;
      gboolean wants;

      if (rng != 0)
        {
          rng ^= rng << 13;
          rng ^= rng >> 17;
          rng ^= rng << 5;
          n = MIN ((rng & 0x300) == 0x300 ? rng % 1001 : rng % 41, n);
        }
      wants = shmipc_dumper_feed (dumper, p + at, n, streamed);
      CHECK (streamed->len - before <= SHMIPC_DUMP_MAX_OUTPUT (n));
      /* Once the length is reached, it stays reached. */
      CHECK (!wants || more);
      more = wants;
      at += n;
    }
  while (at < len);
  CHECK (shmipc_dumper_get_offset (dumper) <= len);
  shmipc_dumper_finish (dumper, streamed);
  shmipc_dumper_free (dumper);

  /* In one go (the seed format shows the program name, set above). */
  shmipc_format_dump (once, format, flags, skip, length, p, len);
  check_same (streamed, once, "streamed and one-shot dumps");

  /* The reference. */
  skipped = MIN (skip, (guint64) len);
  d = MIN ((guint64) len - skipped, length);
  reference (ref, format, flags, skip, skipped + d, length == 0,
             p + skipped, (gsize) d);
  check_same (once, ref, "one-shot and reference dumps");

  /* Cheap invariants. */
  if (format == SHMIPC_DUMP_FORMAT_CANONICAL || format == SHMIPC_DUMP_FORMAT_XXD ||
      format == SHMIPC_DUMP_FORMAT_SEED)
    CHECK (once->len == 0 || once->str[once->len - 1] == '\n');
  CHECK (strlen (once->str) == once->len || format == SHMIPC_DUMP_FORMAT_RAW);
  CHECK (once->len <= SHMIPC_DUMP_MAX_OUTPUT (len));

  g_string_free (streamed, TRUE);
  g_string_free (once, TRUE);
  g_string_free (ref, TRUE);
  return 0;
}
