/* shmipc-format.c - displays and dumps of shared-memory bytes
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

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
 *
 * Since: 0.2
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

/* ---------------------------------------------------------------------
 * Streaming dumps: canonical (hexdump -C), xxd, seed and raw.
 *
 * Speed comes from tables and from writing straight into the output
 * buffer: each input byte costs one table load and one small store, and
 * the buffer is grown once per chunk, not once per line.
 * --------------------------------------------------------------------- */

#define LINE_BYTES 16

/* Most bytes one output line takes: a 16-digit offset, "  ", 16 * 3,
 * " ", " |", 16 characters, "|\n" (canonical is the widest format), plus
 * a squeeze line and slack for the 4-byte stores below. */
#define MAX_LINE_OUTPUT 96

struct _ShmipcDumper {
  gint ref_count;
  ShmipcDumpFormat format;
  ShmipcDumpFlags flags;
  guint64 skip_left;        /* input bytes still to skip */
  guint64 length_left;      /* bytes still to dump, or SHMIPC_DUMP_UNLIMITED */
  gboolean length_zero;     /* asked for 0 bytes: hexdump prints nothing */
  guint64 offset;           /* input bytes consumed, skipped ones included */
  guint64 line_offset;      /* offset of the pending (partial) line */
  guint8 line[LINE_BYTES];  /* the pending partial line */
  gsize line_len;
  guint8 prev[LINE_BYTES];  /* the last line shown, for squeezing */
  gboolean have_prev;
  gboolean squeezing;       /* a "*" line was written for the current run */
  guint8 seed[SHMIPC_SEED_DISPLAY_BYTES];
  gsize seed_len;
  gchar *title;
  gboolean finished;
};

/* hex_pair[b]: the two digits of b; hex_space[b]: the digits and a space
 * (the fourth byte is a space too, overwritten by the next store). */
static guint16 hex_pair[256];
static guint32 hex_space[256];
static gchar printable[256];

static void
init_tables (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      guint b;

      for (b = 0; b < 256; b++)
        {
          gchar text[4] = { hex_digits[b >> 4], hex_digits[b & 0xf], ' ', ' ' };

          memcpy (&hex_pair[b], text, 2);
          memcpy (&hex_space[b], text, 4);
          printable[b] = (b >= 0x20 && b < 0x7f) ? (gchar) b : '.';
        }
      g_once_init_leave (&initialized, 1);
    }
}

/* Writes @offset in lower-case hex, at least eight digits, as "%08llx". */
static inline gchar *
put_offset (gchar   *p,
            guint64  offset)
{
  if (G_LIKELY (offset <= G_MAXUINT32))
    {
      memcpy (p, &hex_pair[(offset >> 24) & 0xff], 2);
      memcpy (p + 2, &hex_pair[(offset >> 16) & 0xff], 2);
      memcpy (p + 4, &hex_pair[(offset >> 8) & 0xff], 2);
      memcpy (p + 6, &hex_pair[offset & 0xff], 2);
      return p + 8;
    }
  else
    {
      guint digits = 8;
      guint i;

      while (digits < 16 && (offset >> (4 * digits)) != 0)
        digits++;
      for (i = 0; i < digits; i++)
        p[i] = hex_digits[(offset >> (4 * (digits - 1 - i))) & 0xf];
      return p + digits;
    }
}

/* The character column of eight bytes at once: a byte from 0x20 to 0x7e
 * stays, any other becomes '.'. Same result as the printable[] table,
 * with whole-word operations instead of eight lookups. */
static inline void
put_printable8 (gchar        *p,
                const guint8 *bytes)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 high = ones * 0x80;
  guint64 x, low7, at_least_20, is_7f, keep, mask, result;

  memcpy (&x, bytes, 8);
  low7 = x & ~high;
  /* Per byte, the high bit of low7 + 0x60 is set when low7 >= 0x20 and
   * that of low7 + 0x01 when low7 == 0x7f; no carry crosses bytes. */
  at_least_20 = (low7 + ones * 0x60) & high;
  is_7f = (low7 + ones) & high;
  keep = at_least_20 & ~is_7f & ~x & high;
  mask = (keep >> 7) * 0xff;
  result = (x & mask) | ((ones * '.') & ~mask);
  memcpy (p, &result, 8);
}

/* The character column of a line of @n bytes (1 to 16), as canonical
 * and xxd lines both show it; returns the end of what it wrote. */
static inline gchar *
put_chars (gchar        *p,
           const guint8 *line,
           gsize         n)
{
  gsize i;

  if (G_LIKELY (n == LINE_BYTES))
    {
      put_printable8 (p, line);
      put_printable8 (p + 8, line + 8);
    }
  else
    for (i = 0; i < n; i++)
      p[i] = printable[line[i]];
  return p + n;
}

/* One canonical line of @n bytes (1 to 16), unsqueezed. */
static inline gchar *
put_canonical_line (gchar        *p,
                    guint64       offset,
                    const guint8 *line,
                    gsize         n)
{
  gsize i;

  p = put_offset (p, offset);
  *p++ = ' ';
  *p++ = ' ';
  if (G_LIKELY (n == LINE_BYTES))
    {
      for (i = 0; i < 8; i++, p += 3)
        memcpy (p, &hex_space[line[i]], 4);
      *p++ = ' ';
      for (i = 8; i < 16; i++, p += 3)
        memcpy (p, &hex_space[line[i]], 4);
    }
  else
    {
      for (i = 0; i < LINE_BYTES; i++, p += 3)
        {
          if (i == 8)
            *p++ = ' ';
          if (i < n)
            memcpy (p, &hex_space[line[i]], 4);
          else
            memcpy (p, "    ", 4);
        }
    }
  *p++ = ' ';
  *p++ = '|';
  p = put_chars (p, line, n);
  *p++ = '|';
  *p++ = '\n';
  return p;
}

/* One xxd line of @n bytes (1 to 16). */
static inline gchar *
put_xxd_line (gchar        *p,
              guint64       offset,
              const guint8 *line,
              gsize         n)
{
  gsize i;

  p = put_offset (p, offset);
  *p++ = ':';
  *p++ = ' ';
  if (G_LIKELY (n == LINE_BYTES))
    {
      for (i = 0; i < LINE_BYTES; i += 2, p += 5)
        {
          memcpy (p, &hex_pair[line[i]], 2);
          memcpy (p + 2, &hex_space[line[i + 1]], 4);
        }
    }
  else
    {
      for (i = 0; i < LINE_BYTES; i++)
        {
          if (i < n)
            memcpy (p, &hex_pair[line[i]], 2);
          else
            memcpy (p, "  ", 2);
          p += 2;
          if (i & 1)
            *p++ = ' ';
        }
    }
  *p++ = ' ';
  p = put_chars (p, line, n);
  *p++ = '\n';
  return p;
}

static inline gboolean
same_line (const guint8 *a,
           const guint8 *b)
{
  guint64 a0, a1, b0, b1;

  memcpy (&a0, a, 8);
  memcpy (&a1, a + 8, 8);
  memcpy (&b0, b, 8);
  memcpy (&b1, b + 8, 8);
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* Full lines in the canonical format, squeezed as hexdump does: a line
 * equal to the last one shown is replaced by "*", once per run. @prev is
 * the line before the first one, or NULL; returns the last line, which
 * the caller keeps for the next chunk. */
static const guint8 *
put_canonical_lines (ShmipcDumper  *dumper,
                     gchar        **pp,
                     guint64        offset,
                     const guint8  *data,
                     gsize          n_lines,
                     const guint8  *prev)
{
  gboolean squeeze = !(dumper->flags & SHMIPC_DUMP_NO_SQUEEZE);
  gboolean squeezing = dumper->squeezing;
  gchar *p = *pp;
  gsize i;

  for (i = 0; i < n_lines; i++, data += LINE_BYTES, offset += LINE_BYTES)
    {
      if (squeeze && prev != NULL && same_line (prev, data))
        {
          if (!squeezing)
            {
              *p++ = '*';
              *p++ = '\n';
              squeezing = TRUE;
            }
        }
      else
        {
          squeezing = FALSE;
          p = put_canonical_line (p, offset, data, LINE_BYTES);
        }
      prev = data;
    }
  dumper->squeezing = squeezing;
  *pp = p;
  return prev;
}

static void
keep_prev (ShmipcDumper *dumper,
           const guint8 *prev)
{
  if (prev != NULL && prev != dumper->prev)
    memcpy (dumper->prev, prev, LINE_BYTES);
  dumper->have_prev = prev != NULL;
}

/* Makes room for @extra bytes after out->len and returns where they go;
 * the caller sets the new length with commit(). */
static gchar *
reserve (GString *out,
         gsize    extra)
{
  gsize len = out->len;

  g_string_set_size (out, len + extra);
  out->len = len;
  return out->str + len;
}

static void
commit (GString *out,
        gchar   *end)
{
  out->len = (gsize) (end - out->str);
  out->str[out->len] = '\0';
}

static void
feed_lines (ShmipcDumper *dumper,
            const guint8 *data,
            gsize         len,
            GString      *out)
{
  gboolean canonical = dumper->format == SHMIPC_DUMP_FORMAT_CANONICAL;
  const guint8 *prev = dumper->have_prev ? dumper->prev : NULL;
  guint64 offset = dumper->line_offset;
  gchar *p = reserve (out, SHMIPC_DUMP_MAX_OUTPUT (len + LINE_BYTES));
  gsize n_lines;

  /* Complete the line left over from the last chunk first. */
  if (dumper->line_len > 0)
    {
      gsize n = MIN (LINE_BYTES - dumper->line_len, len);

      memcpy (dumper->line + dumper->line_len, data, n);
      dumper->line_len += n;
      data += n;
      len -= n;
      if (dumper->line_len < LINE_BYTES)
        {
          commit (out, p);
          return;
        }
      if (canonical)
        {
          prev = put_canonical_lines (dumper, &p, offset, dumper->line, 1, prev);
          /* dumper->line is reused below: keep its copy now. */
          keep_prev (dumper, prev);
          prev = dumper->prev;
        }
      else
        p = put_xxd_line (p, offset, dumper->line, LINE_BYTES);
      dumper->line_len = 0;
      offset += LINE_BYTES;
    }

  n_lines = len / LINE_BYTES;
  if (canonical)
    {
      prev = put_canonical_lines (dumper, &p, offset, data, n_lines, prev);
      keep_prev (dumper, prev);
    }
  else
    {
      gsize i;

      for (i = 0; i < n_lines; i++)
        p = put_xxd_line (p, offset + i * LINE_BYTES, data + i * LINE_BYTES, LINE_BYTES);
    }
  offset += n_lines * LINE_BYTES;
  data += n_lines * LINE_BYTES;
  len -= n_lines * LINE_BYTES;

  if (len > 0)
    {
      memcpy (dumper->line, data, len);
      dumper->line_len = len;
    }
  dumper->line_offset = offset;
  commit (out, p);
}

/**
 * shmipc_dumper_new:
 * @format: the output format
 * @flags: #ShmipcDumpFlags
 * @skip: how many input bytes to skip before dumping, as `hexdump -s`;
 *   offsets shown count the skipped bytes
 * @length: how many bytes to dump after the skipped ones, as
 *   `hexdump -n`, or %SHMIPC_DUMP_UNLIMITED
 *
 * Creates a streaming formatter. Feed it the input with
 * shmipc_dumper_feed(), in chunks of any size, then call
 * shmipc_dumper_finish() once.
 *
 * The canonical format follows `hexdump -C` of a file exactly, also at
 * the edges: no output at all for empty input or a @length of 0; when
 * @skip reaches past the end of a non-empty input, only the end offset
 * (the input's size) is shown. The xxd format follows `xxd -s SKIP -l
 * LENGTH`: nothing is shown when nothing is left to dump.
 *
 * Returns: (transfer full): a new #ShmipcDumper; free it with
 * shmipc_dumper_free().
 *
 * Since: 0.2
 */
ShmipcDumper *
shmipc_dumper_new (ShmipcDumpFormat format,
                   ShmipcDumpFlags  flags,
                   guint64          skip,
                   guint64          length)
{
  ShmipcDumper *dumper;

  g_return_val_if_fail (format <= SHMIPC_DUMP_FORMAT_RAW, NULL);

  init_tables ();
  dumper = g_new0 (ShmipcDumper, 1);
  dumper->ref_count = 1;
  dumper->format = format;
  dumper->flags = flags;
  dumper->skip_left = skip;
  dumper->length_left = length;
  dumper->length_zero = length == 0;
  dumper->line_offset = skip;
  return dumper;
}

/**
 * shmipc_dumper_set_title:
 * @dumper: a #ShmipcDumper
 * @title: the word after "display: " in the seed format
 *
 * Sets the title of the seed display (see shmipc_format_seed()). It
 * defaults to the program name (g_get_prgname()), as in the seed, where
 * each program shows its own name.
 *
 * Since: 0.2
 */
void
shmipc_dumper_set_title (ShmipcDumper *dumper,
                         const gchar  *title)
{
  g_return_if_fail (dumper != NULL);

  g_free (dumper->title);
  dumper->title = g_strdup (title);
}

/**
 * shmipc_dumper_feed:
 * @dumper: a #ShmipcDumper
 * @data: (array length=len): the next input bytes
 * @len: how many bytes @data holds
 * @out: the string the dump is appended to
 *
 * Formats the next @len input bytes and appends the complete lines to
 * @out; a partial last line is kept until more input or
 * shmipc_dumper_finish(). At most SHMIPC_DUMP_MAX_OUTPUT(@len) bytes are
 * appended, so a caller that writes @out out and empties it after each
 * call, feeding chunks of a few hundred KiB, works in bounded memory
 * whatever the input size.
 *
 * Returns: %TRUE while the dumper wants more input; %FALSE once the
 * length given to shmipc_dumper_new() has been dumped (further input is
 * then ignored).
 *
 * Since: 0.2
 */
gboolean
shmipc_dumper_feed (ShmipcDumper *dumper,
                    const guint8 *data,
                    gsize         len,
                    GString      *out)
{
  g_return_val_if_fail (dumper != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (!dumper->finished, FALSE);

  if (dumper->length_left == 0)
    return FALSE;

  if (dumper->skip_left > 0)
    {
      gsize n = (gsize) MIN (dumper->skip_left, (guint64) len);

      dumper->skip_left -= n;
      dumper->offset += n;
      data += n;
      len -= n;
    }
  if (len == 0)
    return TRUE;
  if (dumper->length_left != SHMIPC_DUMP_UNLIMITED)
    {
      len = (gsize) MIN ((guint64) len, dumper->length_left);
      dumper->length_left -= len;
    }
  dumper->offset += len;

  switch (dumper->format)
    {
    case SHMIPC_DUMP_FORMAT_CANONICAL:
    case SHMIPC_DUMP_FORMAT_XXD:
      feed_lines (dumper, data, len, out);
      break;
    case SHMIPC_DUMP_FORMAT_SEED:
      {
        gsize n = MIN (len, sizeof dumper->seed - dumper->seed_len);

        memcpy (dumper->seed + dumper->seed_len, data, n);
        dumper->seed_len += n;
        /* The display shows only the first bytes: stop as soon as we
         * have them. */
        if (dumper->seed_len == sizeof dumper->seed)
          dumper->length_left = 0;
      }
      break;
    case SHMIPC_DUMP_FORMAT_RAW:
      g_string_append_len (out, (const gchar *) data, (gssize) len);
      break;
    default:
      g_assert_not_reached ();
    }
  return dumper->length_left != 0;
}

/**
 * shmipc_dumper_finish:
 * @dumper: a #ShmipcDumper
 * @out: the string the end of the dump is appended to
 *
 * Appends what the end of the input completes: the partial last line,
 * and in the canonical format the line with the end offset; in the seed
 * format, the whole display. Call it once, after the last
 * shmipc_dumper_feed().
 *
 * Since: 0.2
 */
void
shmipc_dumper_finish (ShmipcDumper *dumper,
                      GString      *out)
{
  gchar *p;

  g_return_if_fail (dumper != NULL);
  g_return_if_fail (out != NULL);
  g_return_if_fail (!dumper->finished);

  dumper->finished = TRUE;
  switch (dumper->format)
    {
    case SHMIPC_DUMP_FORMAT_CANONICAL:
      /* hexdump -n 0 prints nothing, not even an offset; nor does
       * hexdump of an empty input. */
      if (dumper->length_zero || dumper->offset == 0)
        return;
      p = reserve (out, 2 * MAX_LINE_OUTPUT);
      if (dumper->line_len > 0)
        p = put_canonical_line (p, dumper->line_offset, dumper->line, dumper->line_len);
      p = put_offset (p, dumper->offset);
      *p++ = '\n';
      commit (out, p);
      break;
    case SHMIPC_DUMP_FORMAT_XXD:
      if (dumper->line_len == 0)
        return;
      p = reserve (out, MAX_LINE_OUTPUT);
      p = put_xxd_line (p, dumper->line_offset, dumper->line, dumper->line_len);
      commit (out, p);
      break;
    case SHMIPC_DUMP_FORMAT_SEED:
      shmipc_format_seed (out,
                          dumper->title != NULL ? dumper->title
                          : g_get_prgname () != NULL ? g_get_prgname () : "shmipc",
                          dumper->seed, dumper->seed_len);
      break;
    case SHMIPC_DUMP_FORMAT_RAW:
      break;
    default:
      g_assert_not_reached ();
    }
  dumper->line_len = 0;
}

/**
 * shmipc_dumper_get_offset:
 * @dumper: a #ShmipcDumper
 *
 * How many input bytes @dumper has consumed, skipped ones included.
 *
 * Returns: how many input bytes @dumper has consumed so far, skipped
 * bytes included (bytes beyond the length limit are not counted).
 *
 * Since: 0.2
 */
guint64
shmipc_dumper_get_offset (ShmipcDumper *dumper)
{
  g_return_val_if_fail (dumper != NULL, 0);

  return dumper->offset;
}

G_DEFINE_BOXED_TYPE (ShmipcDumper, shmipc_dumper, shmipc_dumper_ref, shmipc_dumper_unref)

/**
 * shmipc_dumper_ref:
 * @dumper: a #ShmipcDumper
 *
 * Takes a reference on @dumper.
 *
 * Returns: (transfer full): @dumper
 *
 * Since: 0.2
 */
ShmipcDumper *
shmipc_dumper_ref (ShmipcDumper *dumper)
{
  g_return_val_if_fail (dumper != NULL, NULL);
  g_atomic_int_inc (&dumper->ref_count);
  return dumper;
}

/**
 * shmipc_dumper_unref:
 * @dumper: (nullable) (transfer full): a #ShmipcDumper
 *
 * Drops a reference on @dumper; the last one frees it. Output not
 * finished with shmipc_dumper_finish() is lost.
 *
 * Since: 0.2
 */
void
shmipc_dumper_unref (ShmipcDumper *dumper)
{
  if (dumper == NULL || !g_atomic_int_dec_and_test (&dumper->ref_count))
    return;
  g_free (dumper->title);
  g_free (dumper);
}

/**
 * shmipc_dumper_free:
 * @dumper: (nullable) (transfer full): a #ShmipcDumper
 *
 * The same as shmipc_dumper_unref(), for the usual case of a single owner.
 *
 * Since: 0.2
 */
void
shmipc_dumper_free (ShmipcDumper *dumper)
{
  shmipc_dumper_unref (dumper);
}

/**
 * shmipc_format_dump:
 * @out: the string to append to
 * @format: the output format
 * @flags: #ShmipcDumpFlags
 * @skip: bytes to skip, as for shmipc_dumper_new()
 * @length: bytes to dump, or %SHMIPC_DUMP_UNLIMITED
 * @data: (array length=len): the bytes
 * @len: how many bytes @data holds
 *
 * Appends the whole dump of @data to @out in one call (a
 * #ShmipcDumper fed once and finished). Meant for small inputs: the
 * output is about five times the input.
 *
 * Since: 0.2
 */
void
shmipc_format_dump (GString          *out,
                    ShmipcDumpFormat  format,
                    ShmipcDumpFlags   flags,
                    guint64           skip,
                    guint64           length,
                    const guint8     *data,
                    gsize             len)
{
  g_autoptr(ShmipcDumper) dumper = NULL;

  g_return_if_fail (out != NULL);
  g_return_if_fail (data != NULL || len == 0);

  dumper = shmipc_dumper_new (format, flags, skip, length);
  shmipc_dumper_feed (dumper, data, len, out);
  shmipc_dumper_finish (dumper, out);
}

static const gchar * const dump_format_names[] = {
  [SHMIPC_DUMP_FORMAT_CANONICAL] = "canonical",
  [SHMIPC_DUMP_FORMAT_XXD] = "xxd",
  [SHMIPC_DUMP_FORMAT_SEED] = "seed",
  [SHMIPC_DUMP_FORMAT_RAW] = "raw",
};

/**
 * shmipc_dump_format_to_string:
 * @format: a #ShmipcDumpFormat
 *
 * The name of @format, as shmdump --format takes it.
 *
 * Returns: the format's name: "canonical", "xxd", "seed" or "raw"; "?"
 * for an unknown value.
 *
 * Since: 0.2
 */
const gchar *
shmipc_dump_format_to_string (ShmipcDumpFormat format)
{
  if ((guint) format >= G_N_ELEMENTS (dump_format_names))
    return "?";
  return dump_format_names[format];
}

/**
 * shmipc_dump_format_from_string:
 * @str: a format name, as shmipc_dump_format_to_string() returns
 * @format_out: (out): where to store the format
 * @error: return location for a #GError, or %NULL
 *
 * Parses the name of a dump format, as shmdump --format takes it.
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_INVALID_ARGUMENT
 * for an unknown name.
 *
 * Since: 0.2
 */
gboolean
shmipc_dump_format_from_string (const gchar       *str,
                                ShmipcDumpFormat  *format_out,
                                GError           **error)
{
  guint i;

  g_return_val_if_fail (format_out != NULL, FALSE);

  for (i = 0; str != NULL && i < G_N_ELEMENTS (dump_format_names); i++)
    if (g_strcmp0 (str, dump_format_names[i]) == 0)
      {
        *format_out = (ShmipcDumpFormat) i;
        return TRUE;
      }
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Unknown dump format \"%s\" (expected canonical, xxd, seed or raw)",
               str != NULL ? str : "");
  return FALSE;
}
