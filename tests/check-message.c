/* check-message.c - unit tests of message objects (what prod and cons do)
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check-common.h"

Suite *message_suite (void);

/* Every backend test runs once per backend (loop tests, _i is the index). */
static const ShmipcBackend backends[] = { SHMIPC_BACKEND_POSIX, SHMIPC_BACKEND_SYSV };
#define BACKEND (backends[_i])
#define SKIP_UNLESS_AVAILABLE() \
  TEST_SKIP_UNLESS (shmipc_backend_is_available (BACKEND), \
                    "this backend is not built or not available here")

static void
assert_stat (const gchar *name, ShmipcBackend backend, ShmipcStat *st)
{
  g_autoptr(GError) error = NULL;

  ck_assert (shmipc_stat (name, backend, st, &error));
  ck_assert_no_error (error);
}


START_TEST (test_get_text)
{
  static const guint8 with_nul[] = { 'h', 'i', '\n', 0, 'x', 0 };
  static const guint8 without_nul[] = { 'a', 'b', 'c' };
  g_autoptr(GBytes) a = g_bytes_new_static (with_nul, sizeof with_nul);
  g_autoptr(GBytes) b = g_bytes_new_static (without_nul, sizeof without_nul);
  g_autoptr(GBytes) c = g_bytes_new_static (with_nul, 0);
  g_autoptr(GBytes) ta = shmipc_message_get_text (a);
  g_autoptr(GBytes) tb = shmipc_message_get_text (b);
  g_autoptr(GBytes) tc = shmipc_message_get_text (c);

  ck_assert_uint_eq (g_bytes_get_size (ta), 3);
  ck_assert (memcmp (g_bytes_get_data (ta, NULL), "hi\n", 3) == 0);
  ck_assert_uint_eq (g_bytes_get_size (tb), 3);
  ck_assert_uint_eq (g_bytes_get_size (tc), 0);
}
END_TEST

START_TEST (test_is_published)
{
  ShmipcStat st = { 0 };

  st.backend = SHMIPC_BACKEND_POSIX;
  st.mode = 0;
  ck_assert (!shmipc_message_is_published (&st));
  st.mode = 0600;
  ck_assert (shmipc_message_is_published (&st));
  st.backend = SHMIPC_BACKEND_SYSV;
  st.mtime = 0;
  ck_assert (!shmipc_message_is_published (&st));
  st.mtime = 1;
  ck_assert (shmipc_message_is_published (&st));
  st.mode = 0;
  ck_assert (!shmipc_message_is_published (&st));
}
END_TEST

/* A new object is unpublished until written, then has exactly its mode;
 * the message is followed by zeros to the end. */
START_TEST (test_write_new_publishes)
{
  g_autofree gchar *name = test_unique_name ("msg-new");
  g_autoptr(ShmipcSegment) writer = NULL;
  g_autoptr(ShmipcSegment) reader = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GBytes) text = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  ShmipcStat st;
  gsize len, i;
  mode_t old_umask;

  SKIP_UNLESS_AVAILABLE ();
  old_umask = umask (077);
  writer = shmipc_message_open_writer (name, 0, BACKEND, 100, 0644, 5,
                                       SHMIPC_MESSAGE_NONE, &error);
  umask (old_umask);
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_get_created (writer));
  ck_assert_uint_eq (shmipc_segment_get_size (writer), 100);

  assert_stat (name, BACKEND, &st);
  ck_assert (!shmipc_message_is_published (&st));

  ck_assert (shmipc_message_write (writer, (const guint8 *) "hello", 5, 0644, &error));
  ck_assert_no_error (error);
  assert_stat (name, BACKEND, &st);
  ck_assert_uint_eq (st.mode, 0644);
  g_clear_pointer (&writer, shmipc_segment_free);

  reader = shmipc_message_open_reader (name, 0, BACKEND, SHMIPC_MESSAGE_WAIT, 0, &error);
  ck_assert_no_error (error);
  bytes = shmipc_message_read (reader, &error);
  ck_assert_no_error (error);
  data = g_bytes_get_data (bytes, &len);
  ck_assert_uint_eq (len, 100);
  ck_assert (memcmp (data, "hello", 5) == 0);
  for (i = 5; i < len; i++)
    ck_assert_uint_eq (data[i], 0);
  text = shmipc_message_get_text (bytes);
  ck_assert_uint_eq (g_bytes_get_size (text), 5);
  test_remove (name, BACKEND);
}
END_TEST

/* A shorter message after a longer one leaves no trace of it. */
START_TEST (test_rewrite_shorter)
{
  g_autofree gchar *name = test_unique_name ("msg-short");
  g_autoptr(ShmipcSegment) a = NULL;
  g_autoptr(ShmipcSegment) b = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  const guint8 *data;
  gsize len, i;

  SKIP_UNLESS_AVAILABLE ();
  a = shmipc_message_open_writer (name, 0, BACKEND, 64, 0600, 20, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_message_write (a, (const guint8 *) "a much longer message", 20, 0600, &error));
  g_clear_pointer (&a, shmipc_segment_free);

  b = shmipc_message_open_writer (name, 0, BACKEND, 64, 0600, 3, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_no_error (error);
  ck_assert (!shmipc_segment_get_created (b));
  ck_assert (shmipc_message_write (b, (const guint8 *) "abc", 3, 0600, &error));
  ck_assert_no_error (error);
  bytes = shmipc_message_read (b, &error);
  data = g_bytes_get_data (bytes, &len);
  ck_assert (memcmp (data, "abc", 3) == 0);
  for (i = 3; i < len; i++)
    ck_assert_uint_eq (data[i], 0);
  test_remove (name, BACKEND);
}
END_TEST

/* Data that does not fit is refused, naming both sizes; nothing is left. */
START_TEST (test_too_large)
{
  g_autofree gchar *name = test_unique_name ("msg-large");
  g_autofree gchar *expected = NULL;
  g_autoptr(ShmipcSegment) a = NULL;
  g_autoptr(ShmipcSegment) b = NULL;
  g_autoptr(GError) error = NULL;
  ShmipcStat st;

  SKIP_UNLESS_AVAILABLE ();
  /* New object: refused before anything is created. */
  a = shmipc_message_open_writer (name, 0, BACKEND, 16, 0600, 17, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_ptr_null (a);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TOO_LARGE);
  ck_assert_ptr_nonnull (strstr (error->message, "17 bytes"));
  ck_assert_ptr_nonnull (strstr (error->message, "16"));
  ck_assert (!shmipc_stat (name, BACKEND, &st, NULL));
  g_clear_error (&error);

  /* Existing object: its own size counts, not the size asked for. */
  a = shmipc_message_open_writer (name, 0, BACKEND, 16, 0600, 0, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_message_write (a, NULL, 0, 0600, &error));
  b = shmipc_message_open_writer (name, 0, BACKEND, 4096, 0600, 100, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_ptr_null (b);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TOO_LARGE);
  expected = g_strdup_printf ("Message is 100 bytes but \"%s\" holds only 16", name);
  ck_assert_str_eq (error->message, expected);
  g_clear_error (&error);

  /* shmipc_message_write() checks too. */
  ck_assert (!shmipc_message_write (a, (const guint8 *) "0123456789abcdefX", 17, 0600, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TOO_LARGE);
  test_remove (name, BACKEND);
}
END_TEST

START_TEST (test_exclusive_and_mode)
{
  g_autofree gchar *name = test_unique_name ("msg-excl");
  g_autoptr(ShmipcSegment) a = NULL;
  g_autoptr(ShmipcSegment) b = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  b = shmipc_message_open_writer (name, 0, BACKEND, 16, 0, 1, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_ptr_null (b);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  a = shmipc_message_open_writer (name, 0, BACKEND, 16, 0600, 1, SHMIPC_MESSAGE_EXCLUSIVE, &error);
  ck_assert_no_error (error);
  b = shmipc_message_open_writer (name, 0, BACKEND, 16, 0600, 1, SHMIPC_MESSAGE_EXCLUSIVE, &error);
  ck_assert_ptr_null (b);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_EXISTS);
  test_remove (name, BACKEND);
}
END_TEST

/* RESIZE grows a POSIX object; without it the object keeps its size. */
START_TEST (test_resize)
{
  g_autofree gchar *name = test_unique_name ("msg-resize");
  g_autoptr(ShmipcSegment) a = NULL;
  g_autoptr(ShmipcSegment) b = NULL;
  g_autoptr(GError) error = NULL;

  TEST_SKIP_UNLESS (shmipc_backend_is_available (SHMIPC_BACKEND_POSIX), "no POSIX backend");
  a = shmipc_message_open_writer (name, 0, SHMIPC_BACKEND_POSIX, 16, 0600, 1, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_message_write (a, (const guint8 *) "x", 1, 0600, &error));
  b = shmipc_message_open_writer (name, 0, SHMIPC_BACKEND_POSIX, 64, 0600, 1, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (shmipc_segment_get_size (b), 16);
  g_clear_pointer (&b, shmipc_segment_free);
  b = shmipc_message_open_writer (name, 0, SHMIPC_BACKEND_POSIX, 64, 0600, 40, SHMIPC_MESSAGE_RESIZE, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (shmipc_segment_get_size (b), 64);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_wait_timeout)
{
  g_autofree gchar *name = test_unique_name ("msg-timeout");
  g_autoptr(ShmipcSegment) r = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  r = shmipc_message_open_reader (name, 0, BACKEND, SHMIPC_MESSAGE_NONE, -1, &error);
  ck_assert_ptr_null (r);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
  g_clear_error (&error);
  r = shmipc_message_open_reader (name, 0, BACKEND, SHMIPC_MESSAGE_WAIT, 30, &error);
  ck_assert_ptr_null (r);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
}
END_TEST

/* An unpublished object (created, not yet written) is not handed to a
 * waiting reader; once written, it is. */
START_TEST (test_wait_skips_unpublished)
{
  g_autofree gchar *name = test_unique_name ("msg-unpub");
  g_autoptr(ShmipcSegment) w = NULL;
  g_autoptr(ShmipcSegment) r = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  w = shmipc_message_open_writer (name, 0, BACKEND, 32, 0600, 2, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_no_error (error);
  r = shmipc_message_open_reader (name, 0, BACKEND, SHMIPC_MESSAGE_WAIT, 30, &error);
  ck_assert_ptr_null (r);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
  g_clear_error (&error);

  ck_assert (shmipc_message_write (w, (const guint8 *) "ok", 2, 0600, &error));
  ck_assert_no_error (error);
  /* SysV publishes on the writer's detach. */
  g_clear_pointer (&w, shmipc_segment_free);
  r = shmipc_message_open_reader (name, 0, BACKEND, SHMIPC_MESSAGE_WAIT, 30, &error);
  ck_assert_no_error (error);
  ck_assert_str_eq (shmipc_segment_get_data (r), "ok");
  test_remove (name, BACKEND);
}
END_TEST

START_TEST (test_check_owner)
{
  g_autofree gchar *name = test_unique_name ("msg-owner");
  g_autoptr(ShmipcSegment) w = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  w = shmipc_message_open_writer (name, 0, BACKEND, 32, 0600, 2, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_message_check_owner (w, &error));
  ck_assert_no_error (error);
  test_remove (name, BACKEND);
}
END_TEST

Suite *
message_suite (void)
{
  Suite *suite = suite_create ("message");
  TCase *tc = tcase_create ("message");

  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_get_text);
  tcase_add_test (tc, test_is_published);
  tcase_add_loop_test (tc, test_write_new_publishes, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_rewrite_shorter, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_too_large, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_exclusive_and_mode, 0, G_N_ELEMENTS (backends));
  tcase_add_test (tc, test_resize);
  tcase_add_loop_test (tc, test_wait_timeout, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_wait_skips_unpublished, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_check_owner, 0, G_N_ELEMENTS (backends));
  suite_add_tcase (suite, tc);
  return suite;
}
