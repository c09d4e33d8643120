/* check-tool.c - unit tests of the commands' shared code (src/)
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Command-line values (sizes, modes, keys) and the default object name
 * are the commands' policy, not the library's: they live in
 * src/tool-common.c.
 */
#include "check-common.h"
#include "tool-common.h"

START_TEST (test_default_name)
{
  const gchar *saved = g_getenv ("SHMIPC_NAME");
  g_autofree gchar *copy = g_strdup (saved);

  g_unsetenv ("SHMIPC_NAME");
  ck_assert_str_eq (tool_default_name (), "/shm-example");
  g_setenv ("SHMIPC_NAME", "", TRUE);
  ck_assert_str_eq (tool_default_name (), "/shm-example");
  g_setenv ("SHMIPC_NAME", "/elsewhere", TRUE);
  ck_assert_str_eq (tool_default_name (), "/elsewhere");
  if (copy != NULL)
    g_setenv ("SHMIPC_NAME", copy, TRUE);
  else
    g_unsetenv ("SHMIPC_NAME");
}
END_TEST

START_TEST (test_parse_helpers)
{
  guint64 size = 0;
  guint mode = 0;
  gint32 key = 0;
  g_autoptr(GError) error = NULL;

  ck_assert (tool_size_from_string ("4096", &size, NULL));
  ck_assert_uint_eq (size, 4096);
  ck_assert (tool_size_from_string ("64K", &size, NULL));
  ck_assert_uint_eq (size, 65536);
  ck_assert (tool_size_from_string ("1M", &size, NULL));
  ck_assert_uint_eq (size, 1 << 20);
  ck_assert (tool_size_from_string ("2G", &size, NULL));
  ck_assert_uint_eq (size, G_GUINT64_CONSTANT (2) << 30);
  ck_assert (tool_size_from_string ("1GiB", &size, NULL));
  ck_assert_uint_eq (size, 1 << 30);
  ck_assert (tool_size_from_string ("3k", &size, NULL));
  ck_assert_uint_eq (size, 3072);
  ck_assert (!tool_size_from_string ("-1", &size, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert (!tool_size_from_string ("12Q", &size, NULL));
  ck_assert (!tool_size_from_string ("", &size, NULL));
  ck_assert (!tool_size_from_string ("1KK", &size, NULL));
  ck_assert (!tool_size_from_string ("20000000000T", &size, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TOO_LARGE);
  g_clear_error (&error);

  ck_assert (tool_mode_from_string ("644", &mode, NULL));
  ck_assert_uint_eq (mode, 0644);
  ck_assert (tool_mode_from_string ("0600", &mode, NULL));
  ck_assert_uint_eq (mode, 0600);
  ck_assert (!tool_mode_from_string ("888", &mode, NULL));
  ck_assert (!tool_mode_from_string ("1777", &mode, NULL));

  ck_assert (tool_key_from_string ("0x1402ed22", &key, NULL));
  ck_assert_int_eq (key, 0x1402ed22);
  ck_assert (tool_key_from_string ("1234", &key, NULL));
  ck_assert_int_eq (key, 1234);
  ck_assert (tool_key_from_string ("0xffffffff", &key, NULL));
  ck_assert_int_eq (key, -1);
  ck_assert (!tool_key_from_string ("0", &key, NULL));
  ck_assert (!tool_key_from_string ("0x", &key, NULL));
  ck_assert (!tool_key_from_string ("0x100000000", &key, NULL));
  ck_assert (!tool_key_from_string ("12ab", &key, NULL));
  /* Negative decimal, as /proc/sysvipc/shm prints keys. */
  ck_assert (tool_key_from_string ("-1", &key, NULL));
  ck_assert_int_eq (key, -1);
  ck_assert (tool_key_from_string ("-2147483648", &key, NULL));
  ck_assert_int_eq (key, G_MININT32);
  ck_assert (!tool_key_from_string ("-2147483649", &key, NULL));
  ck_assert (!tool_key_from_string ("-0", &key, NULL));
  ck_assert (!tool_key_from_string ("-", &key, NULL));
  ck_assert (!tool_key_from_string ("-0x10", &key, NULL));
  ck_assert (!tool_key_from_string ("--5", &key, NULL));
}
END_TEST

static Suite *
tool_suite (void)
{
  Suite *suite = suite_create ("tool");
  TCase *tc = tcase_create ("values");

  tcase_add_test (tc, test_default_name);
  tcase_add_test (tc, test_parse_helpers);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  Suite *suites[] = { tool_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
