/* check-format.c - unit tests of the dump formatters
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The shell test shmdump-hexdump.sh compares whole dumps with the real
 * hexdump and xxd; here the expected texts were taken from hexdump -C and
 * xxd (util-linux 2.38, xxd 2022-01-14), and the streaming state is
 * checked by cutting the same input in every possible way.
 */
#include <string.h>

#include "check-common.h"

static gchar *
dump (ShmipcDumpFormat format,
      ShmipcDumpFlags  flags,
      guint64          skip,
      guint64          length,
      const void      *data,
      gsize            len)
{
  GString *out = g_string_new (NULL);

  shmipc_format_dump (out, format, flags, skip, length, data, len);
  return g_string_free (out, FALSE);
}

/* Feeds @data in pieces of @piece bytes (the last one shorter). */
static gchar *
dump_in_pieces (ShmipcDumpFormat format,
                ShmipcDumpFlags  flags,
                guint64          skip,
                guint64          length,
                const guint8    *data,
                gsize            len,
                gsize            piece)
{
  g_autoptr(ShmipcDumper) dumper = shmipc_dumper_new (format, flags, skip, length);
  GString *out = g_string_new (NULL);
  gsize done;

  for (done = 0; done < len; done += MIN (piece, len - done))
    shmipc_dumper_feed (dumper, data + done, MIN (piece, len - done), out);
  shmipc_dumper_finish (dumper, out);
  return g_string_free (out, FALSE);
}

#define ALL SHMIPC_DUMP_UNLIMITED
#define CANON SHMIPC_DUMP_FORMAT_CANONICAL
#define XXD SHMIPC_DUMP_FORMAT_XXD

START_TEST (test_canonical_small)
{
  g_autofree gchar *empty = dump (CANON, 0, 0, ALL, "", 0);
  g_autofree gchar *one = dump (CANON, 0, 0, ALL, "A", 1);
  g_autofree gchar *seventeen = dump (CANON, 0, 0, ALL, "abcdefghijklmnopq", 17);
  g_autofree gchar *nine = dump (CANON, 0, 0, ALL, "abcdefghi", 9);
  g_autofree gchar *high = dump (CANON, 0, 0, ALL, "\x00\x1f\x20\x7e\x7f\x80\xa0\xff\xe9", 9);

  ck_assert_str_eq (empty, "");
  ck_assert_str_eq (one,
                    "00000000  41                                                |A|\n"
                    "00000001\n");
  ck_assert_str_eq (seventeen,
                    "00000000  61 62 63 64 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  |abcdefghijklmnop|\n"
                    "00000010  71                                                |q|\n"
                    "00000011\n");
  ck_assert_str_eq (nine,
                    "00000000  61 62 63 64 65 66 67 68  69                       |abcdefghi|\n"
                    "00000009\n");
  ck_assert_str_eq (high,
                    "00000000  00 1f 20 7e 7f 80 a0 ff  e9                       |.. ~.....|\n"
                    "00000009\n");
}
END_TEST

START_TEST (test_canonical_squeeze)
{
  guint8 data[128];
  g_autofree gchar *squeezed = NULL;
  g_autofree gchar *verbose = NULL;
  g_autofree gchar *partial = NULL;

  /* a, b, a a a a, b b: hexdump -C squeezes each run once. */
  memset (data, 'a', sizeof data);
  memset (data + 16, 'b', 16);
  memset (data + 96, 'b', 32);
  squeezed = dump (CANON, 0, 0, ALL, data, sizeof data);
  ck_assert_str_eq (squeezed,
                    "00000000  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
                    "00000010  62 62 62 62 62 62 62 62  62 62 62 62 62 62 62 62  |bbbbbbbbbbbbbbbb|\n"
                    "00000020  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
                    "*\n"
                    "00000060  62 62 62 62 62 62 62 62  62 62 62 62 62 62 62 62  |bbbbbbbbbbbbbbbb|\n"
                    "*\n"
                    "00000080\n");

  verbose = dump (CANON, SHMIPC_DUMP_NO_SQUEEZE, 0, 48, data + 32, 48);
  ck_assert_str_eq (verbose,
                    "00000000  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
                    "00000010  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
                    "00000020  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
                    "00000030\n");

  /* A partial last line is always shown, even when its bytes repeat. */
  partial = dump (CANON, 0, 0, 40, data + 32, 64);
  ck_assert_str_eq (partial,
                    "00000000  61 61 61 61 61 61 61 61  61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|\n"
                    "*\n"
                    "00000020  61 61 61 61 61 61 61 61                           |aaaaaaaa|\n"
                    "00000028\n");
}
END_TEST

START_TEST (test_canonical_skip_length)
{
  const gchar *text = "abcdefghijklmnopq";
  g_autofree gchar *middle = dump (CANON, 0, 3, 5, text, 17);
  g_autofree gchar *past_end = dump (CANON, 0, 100, ALL, text, 17);
  g_autofree gchar *past_end_len = dump (CANON, 0, 100, 1, text, 17);
  g_autofree gchar *zero = dump (CANON, 0, 0, 0, text, 17);
  g_autofree gchar *zero_skip = dump (CANON, 0, 3, 0, text, 17);
  g_autofree gchar *empty_skip = dump (CANON, 0, 1, ALL, "", 0);
  g_autofree gchar *longer = dump (CANON, 0, 0, 100, text, 17);

  ck_assert_str_eq (middle,
                    "00000003  64 65 66 67 68                                    |defgh|\n"
                    "00000008\n");
  /* As hexdump -s on a file: only the end offset, the input's size. */
  ck_assert_str_eq (past_end, "00000011\n");
  ck_assert_str_eq (past_end_len, "00000011\n");
  /* hexdump -n 0 prints nothing at all. */
  ck_assert_str_eq (zero, "");
  ck_assert_str_eq (zero_skip, "");
  ck_assert_str_eq (empty_skip, "");
  ck_assert_str_eq (longer,
                    "00000000  61 62 63 64 65 66 67 68  69 6a 6b 6c 6d 6e 6f 70  |abcdefghijklmnop|\n"
                    "00000010  71                                                |q|\n"
                    "00000011\n");
}
END_TEST

START_TEST (test_xxd)
{
  const gchar *text = "abcdefghijklmnopq";
  g_autofree gchar *empty = dump (XXD, 0, 0, ALL, "", 0);
  g_autofree gchar *full = dump (XXD, 0, 0, ALL, text, 17);
  g_autofree gchar *three = dump (XXD, 0, 0, ALL, text, 3);
  g_autofree gchar *middle = dump (XXD, 0, 3, 5, text, 17);
  g_autofree gchar *past_end = dump (XXD, 0, 100, ALL, text, 17);
  g_autofree gchar *zero = dump (XXD, 0, 0, 0, text, 17);
  g_autofree gchar *high = dump (XXD, 0, 0, ALL, "\x00\x1f\x20\x7e\x7f\x80\xa0\xff\xe9", 9);
  guint8 zeros[48] = { 0 };
  g_autofree gchar *no_squeeze = dump (XXD, 0, 0, ALL, zeros, sizeof zeros);

  ck_assert_str_eq (empty, "");
  ck_assert_str_eq (full,
                    "00000000: 6162 6364 6566 6768 696a 6b6c 6d6e 6f70  abcdefghijklmnop\n"
                    "00000010: 71                                       q\n");
  ck_assert_str_eq (three, "00000000: 6162 63                                  abc\n");
  ck_assert_str_eq (middle, "00000003: 6465 6667 68                             defgh\n");
  ck_assert_str_eq (past_end, "");
  ck_assert_str_eq (zero, "");
  ck_assert_str_eq (high, "00000000: 001f 207e 7f80 a0ff e9                   .. ~.....\n");
  /* Plain xxd does not squeeze. */
  ck_assert_str_eq (no_squeeze,
                    "00000000: 0000 0000 0000 0000 0000 0000 0000 0000  ................\n"
                    "00000010: 0000 0000 0000 0000 0000 0000 0000 0000  ................\n"
                    "00000020: 0000 0000 0000 0000 0000 0000 0000 0000  ................\n");
}
END_TEST

/* Every byte value, through the fast full-line path and the partial-line
 * path, shows as itself only from 0x20 to 0x7e. */
START_TEST (test_printable_column)
{
  guint b;

  for (b = 0; b < 256; b++)
    {
      guint8 line[16];
      gchar expected = (b >= 0x20 && b < 0x7f) ? (gchar) b : '.';
      g_autofree gchar *full = NULL;
      g_autofree gchar *partial = NULL;
      g_autofree gchar *xxd_full = NULL;
      gsize i;

      memset (line, (int) b, sizeof line);
      /* Mix in a printable neighbour so that byte lanes differ. */
      line[5] = 'Z';
      full = dump (CANON, 0, 0, ALL, line, 16);
      partial = dump (CANON, 0, 0, ALL, line, 15);
      xxd_full = dump (XXD, 0, 0, ALL, line, 16);
      for (i = 0; i < 16; i++)
        {
          gchar want = i == 5 ? 'Z' : expected;

          ck_assert_msg (full[61 + i] == want, "byte 0x%02x, column %zu: '%c'", b, i, full[61 + i]);
          ck_assert_msg (xxd_full[51 + i] == want, "xxd byte 0x%02x, column %zu", b, i);
          if (i < 15)
            ck_assert_msg (partial[61 + i] == want, "partial byte 0x%02x, column %zu", b, i);
        }
    }
}
END_TEST

/* Offsets beyond 4 GiB take more than eight digits, as in hexdump and
 * xxd. Skipped input costs nothing, so one buffer is fed many times. */
START_TEST (test_large_offsets)
{
  const gsize piece = 1024 * 1024;
  g_autofree guint8 *buf = g_malloc0 (piece);
  const guint64 skip = G_GUINT64_CONSTANT (0x100000000) - 4;
  g_autoptr(ShmipcDumper) canon = shmipc_dumper_new (CANON, 0, skip, 20);
  g_autoptr(ShmipcDumper) xxd = shmipc_dumper_new (XXD, 0, skip, 20);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) xout = g_string_new (NULL);
  gsize i;

  memcpy (buf + piece - 4, "hell", 4);
  memcpy (buf, "o", 1);
  for (i = 0; i < 4096 + 1; i++)
    {
      shmipc_dumper_feed (canon, buf, piece, out);
      shmipc_dumper_feed (xxd, buf, piece, xout);
    }
  shmipc_dumper_finish (canon, out);
  shmipc_dumper_finish (xxd, xout);
  ck_assert_str_eq (out->str,
                    "fffffffc  68 65 6c 6c 6f 00 00 00  00 00 00 00 00 00 00 00  |hello...........|\n"
                    "10000000c  00 00 00 00                                       |....|\n"
                    "100000010\n");
  ck_assert_str_eq (xout->str,
                    "fffffffc: 6865 6c6c 6f00 0000 0000 0000 0000 0000  hello...........\n"
                    "10000000c: 0000 0000                                ....\n");
  ck_assert_uint_eq (shmipc_dumper_get_offset (canon), G_GUINT64_CONSTANT (0x100000010));
}
END_TEST

/* The output must not depend on how the input is cut: squeeze runs,
 * partial lines, skip and length all cross chunk boundaries. */
START_TEST (test_chunk_independence)
{
  const gsize len = 4000;
  g_autofree guint8 *data = g_malloc (len);
  static const struct { guint64 skip, length; } cuts[] = {
    { 0, ALL }, { 7, ALL }, { 16, 1000 }, { 33, 0 }, { 5, 3001 }, { 3999, ALL }, { 5000, 1 },
  };
  GRand *rand = g_rand_new_with_seed (1234);
  gsize i, c, piece;
  guint f;

  /* Random lines with long runs of repeated lines and of zeros. */
  for (i = 0; i < len; i += 16)
    {
      gsize n = MIN (16, len - i);
      gint kind = g_rand_int_range (rand, 0, 4);

      if (kind == 0 || i == 0)
        {
          gsize j;

          for (j = 0; j < n; j++)
            data[i + j] = (guint8) g_rand_int_range (rand, 0, 256);
        }
      else if (kind == 1)
        memset (data + i, 0, n);
      else
        memcpy (data + i, data + i - 16, n);
    }
  g_rand_free (rand);

  for (f = 0; f < 4; f++)
    for (c = 0; c < G_N_ELEMENTS (cuts); c++)
      {
        ShmipcDumpFormat format = f < 2 ? CANON : f == 2 ? XXD : SHMIPC_DUMP_FORMAT_RAW;
        ShmipcDumpFlags flags = f == 1 ? SHMIPC_DUMP_NO_SQUEEZE : 0;
        g_autofree gchar *whole = dump_in_pieces (format, flags, cuts[c].skip, cuts[c].length,
                                                  data, len, len);

        for (piece = 1; piece <= 70; piece++)
          {
            g_autofree gchar *pieces = dump_in_pieces (format, flags, cuts[c].skip,
                                                       cuts[c].length, data, len, piece);

            ck_assert_msg (strcmp (whole, pieces) == 0,
                           "format %u, skip %" G_GUINT64_FORMAT ", pieces of %zu differ",
                           f, cuts[c].skip, piece);
          }
      }
}
END_TEST

START_TEST (test_seed_and_raw)
{
  guint8 data[100];
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(ShmipcDumper) dumper = shmipc_dumper_new (SHMIPC_DUMP_FORMAT_SEED, 0, 2, ALL);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree gchar *raw = NULL;
  gsize i;

  for (i = 0; i < sizeof data; i++)
    data[i] = (guint8) (i * 7);
  shmipc_format_seed (expected, "title", data + 2, sizeof data - 2);
  shmipc_dumper_set_title (dumper, "title");
  ck_assert (shmipc_dumper_feed (dumper, data, 30, out));
  /* The seed display needs 64 bytes: then it wants no more. */
  ck_assert (!shmipc_dumper_feed (dumper, data + 30, 70, out));
  ck_assert_str_eq (out->str, "");
  shmipc_dumper_finish (dumper, out);
  ck_assert_str_eq (out->str, expected->str);

  raw = dump (SHMIPC_DUMP_FORMAT_RAW, 0, 3, 4, "abcdefghij", 10);
  ck_assert_str_eq (raw, "defg");
}
END_TEST

START_TEST (test_format_names)
{
  g_autoptr(GError) error = NULL;
  ShmipcDumpFormat format = SHMIPC_DUMP_FORMAT_RAW;
  guint i;

  for (i = SHMIPC_DUMP_FORMAT_CANONICAL; i <= SHMIPC_DUMP_FORMAT_RAW; i++)
    {
      ck_assert (shmipc_dump_format_from_string (shmipc_dump_format_to_string (i), &format, NULL));
      ck_assert_uint_eq (format, i);
    }
  ck_assert_str_eq (shmipc_dump_format_to_string (SHMIPC_DUMP_FORMAT_XXD), "xxd");
  ck_assert (!shmipc_dump_format_from_string ("hex", &format, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull (strstr (error->message, "hex"));
}
END_TEST

static Suite *
format_suite (void)
{
  Suite *suite = suite_create ("format");
  TCase *tc = tcase_create ("dump");

  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_canonical_small);
  tcase_add_test (tc, test_canonical_squeeze);
  tcase_add_test (tc, test_canonical_skip_length);
  tcase_add_test (tc, test_xxd);
  tcase_add_test (tc, test_printable_column);
  tcase_add_test (tc, test_large_offsets);
  tcase_add_test (tc, test_chunk_independence);
  tcase_add_test (tc, test_seed_and_raw);
  tcase_add_test (tc, test_format_names);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  Suite *suites[] = { format_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
