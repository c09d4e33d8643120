/* check-segment.c - unit tests of shared-memory segments
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-common.h"

Suite *naming_suite (void);
Suite *segment_suite (void);
Suite *errors_suite (void);

/* Every backend test runs once per backend (loop tests, _i is the index). */
static const ShmipcBackend backends[] = { SHMIPC_BACKEND_POSIX, SHMIPC_BACKEND_SYSV };
#define BACKEND (backends[_i])
#define SKIP_UNLESS_AVAILABLE() \
  TEST_SKIP_UNLESS (shmipc_backend_is_available (BACKEND), \
                    "this backend is not built or not available here")

/* ---------------------------------------------------------------- naming */

START_TEST (test_name_slash_is_optional)
{
  g_autofree gchar *name = test_unique_name ("slash");
  g_autoptr(ShmipcSegment) a = NULL;
  g_autoptr(ShmipcSegment) b = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  a = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert_str_eq (shmipc_segment_get_name (a), name);
  memcpy (shmipc_segment_get_data (a), "hello", 6);

  /* The same name without its leading '/' is the same object. */
  b = shmipc_segment_open (name + 1, SHMIPC_OPEN_NONE, 0, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert_str_eq (shmipc_segment_get_name (b), name);
  ck_assert (!shmipc_segment_get_created (b));
  ck_assert_str_eq (shmipc_segment_get_data (b), "hello");

  ck_assert (shmipc_segment_unlink (a, &error));
  ck_assert_no_error (error);
}
END_TEST

static const char *const invalid_names[] = {
  "", "/", "a/b", "/a/b", "//a", "a/", ".", "/.", "..", "/..",
};

START_TEST (test_name_invalid)
{
  g_autoptr(GError) error = NULL;
  ShmipcSegment *segment;

  ck_assert (!shmipc_name_validate (invalid_names[_i], &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_NAME);
  g_clear_error (&error);

  /* Refused before any system call: the code is INVALID_NAME, not one
   * derived from an errno, on every backend. */
  segment = shmipc_segment_open (invalid_names[_i], SHMIPC_OPEN_CREATE, 4096, 0600,
                                 SHMIPC_BACKEND_AUTO, &error);
  ck_assert_ptr_null (segment);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_NAME);
  ck_assert_int_eq (shmipc_error_get_errno (error), 0);
  g_clear_error (&error);

  ck_assert (!shmipc_unlink (invalid_names[_i], SHMIPC_BACKEND_SYSV, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_NAME);
}
END_TEST

START_TEST (test_name_length_limit)
{
  g_autofree gchar *longest = NULL;
  g_autofree gchar *too_long = NULL;
  g_autofree gchar *prefix = test_unique_name ("len");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  gsize fill = SHMIPC_NAME_MAX - (strlen (prefix) - 1);

  longest = g_strconcat (prefix, "", NULL);
  longest = g_realloc (longest, strlen (prefix) + fill + 1);
  memset (longest + strlen (prefix), 'x', fill);
  longest[strlen (prefix) + fill] = '\0';
  ck_assert_uint_eq (strlen (longest + 1), SHMIPC_NAME_MAX);
  too_long = g_strconcat (longest, "y", NULL);

  ck_assert (shmipc_name_validate (longest, NULL));
  ck_assert (!shmipc_name_validate (too_long, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_NAME);
  g_clear_error (&error);

  /* The longest valid name really works with the system. */
  SKIP_UNLESS_AVAILABLE ();
  segment = shmipc_segment_open (longest, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                                 64, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_unlink (segment, &error));
}
END_TEST

START_TEST (test_name_normalize)
{
  g_autofree gchar *a = shmipc_name_normalize ("foo", NULL);
  g_autofree gchar *b = shmipc_name_normalize ("/foo", NULL);

  ck_assert_str_eq (a, "/foo");
  ck_assert_str_eq (b, "/foo");
  ck_assert_ptr_null (shmipc_name_normalize ("fo/o", NULL));
}
END_TEST

START_TEST (test_name_to_key)
{
  /* The mapping is documented (FNV-1a 32, top bit cleared) and stable:
   * programs built against other versions must meet on the same key. */
  ck_assert_int_eq (shmipc_name_to_key ("/shm-example"), 0x1402ed22);
  ck_assert_int_eq (shmipc_name_to_key ("shm-example"), 0x1402ed22);
  ck_assert_int_eq (shmipc_name_to_key ("a"), 0x640c292c);
  ck_assert_int_ne (shmipc_name_to_key ("b"), shmipc_name_to_key ("a"));
  ck_assert_int_eq (shmipc_name_to_key ("a/b"), 0);
}
END_TEST

START_TEST (test_backend_strings)
{
  ShmipcBackend backend = SHMIPC_BACKEND_AUTO;
  g_autoptr(GError) error = NULL;

  ck_assert (shmipc_backend_from_string ("SysV", &backend, NULL));
  ck_assert_int_eq (backend, SHMIPC_BACKEND_SYSV);
  ck_assert (shmipc_backend_from_string ("posix", &backend, NULL));
  ck_assert_int_eq (backend, SHMIPC_BACKEND_POSIX);
  ck_assert (shmipc_backend_from_string ("auto", &backend, NULL));
  ck_assert_int_eq (backend, SHMIPC_BACKEND_AUTO);
  ck_assert (!shmipc_backend_from_string ("mmap", &backend, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  ck_assert_str_eq (shmipc_backend_to_string (SHMIPC_BACKEND_SYSV), "sysv");
}
END_TEST

START_TEST (test_backend_environment)
{
  g_autofree gchar *name = test_unique_name ("env");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;

  /* check runs each test in its own child, so setenv stays local. */
  g_setenv ("SHMIPC_BACKEND", "sysv", TRUE);
  ck_assert_int_eq (shmipc_backend_default (), SHMIPC_BACKEND_SYSV);
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 128, 0600,
                                 SHMIPC_BACKEND_AUTO, &error);
  ck_assert_no_error (error);
  ck_assert_int_eq (shmipc_segment_get_backend (segment), SHMIPC_BACKEND_SYSV);
  ck_assert (shmipc_segment_unlink (segment, &error));

  g_setenv ("SHMIPC_BACKEND", "bogus", TRUE);
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 128, 0600,
                                           SHMIPC_BACKEND_AUTO, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  ck_assert_ptr_nonnull (strstr (error->message, "SHMIPC_BACKEND"));
}
END_TEST

/* --------------------------------------------------------------- segment */

START_TEST (test_create_open_exclusive)
{
  g_autofree gchar *name = test_unique_name ("create");
  g_autoptr(ShmipcSegment) a = NULL;
  g_autoptr(ShmipcSegment) b = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *data;
  gsize i;

  SKIP_UNLESS_AVAILABLE ();

  /* Missing and not asked to create. */
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_NONE, 0, 0600, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  a = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE, 5000, 0600,
                           BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_get_created (a));
  ck_assert_int_eq (shmipc_segment_get_backend (a), BACKEND);
  ck_assert_uint_eq (shmipc_segment_get_size (a), 5000);
  data = shmipc_segment_get_data (a);
  for (i = 0; i < 5000; i++)
    ck_assert_uint_eq (data[i], 0);

  /* Exclusive creation of an existing object fails... */
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                                           5000, 0600, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_EXISTS);
  ck_assert_int_eq (shmipc_error_get_errno (error), EEXIST);
  g_clear_error (&error);

  /* ...plain creation opens it as it is. */
  b = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 100, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert (!shmipc_segment_get_created (b));
  ck_assert_uint_eq (shmipc_segment_get_size (b), 5000);

  ck_assert (shmipc_unlink (name, BACKEND, &error));
  ck_assert_no_error (error);
}
END_TEST

START_TEST (test_read_only)
{
  g_autofree gchar *name = test_unique_name ("ro");
  g_autoptr(ShmipcSegment) rw = NULL;
  g_autoptr(ShmipcSegment) ro = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  rw = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  strcpy (shmipc_segment_get_data (rw), "written");

  ro = shmipc_segment_open (name, SHMIPC_OPEN_READ_ONLY, 0, 0, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_is_read_only (ro));
  ck_assert_str_eq (shmipc_segment_get_data (ro), "written");
  ck_assert (!shmipc_segment_is_read_only (rw));

  /* A read-only segment can be neither created nor grown. */
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_READ_ONLY | SHMIPC_OPEN_CREATE,
                                           4096, 0600, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_READ_ONLY | SHMIPC_OPEN_RESIZE,
                                           8192, 0600, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);

  ck_assert (shmipc_segment_unlink (rw, NULL));
}
END_TEST

START_TEST (test_invalid_arguments)
{
  g_autofree gchar *name = test_unique_name ("args");
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 0, 0600, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_EXCLUSIVE, 10, 0600, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 10, 04755, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_segment_open (name, 1 << 20, 10, 0600, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_segment_open_key (0, SHMIPC_OPEN_NONE, 0, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* Nothing was created by any of these. */
  ck_assert (!shmipc_unlink (name, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_resize)
{
  g_autofree gchar *name = test_unique_name ("resize");
  g_autoptr(ShmipcSegment) a = NULL;
  g_autoptr(ShmipcSegment) b = NULL;
  g_autoptr(ShmipcSegment) c = NULL;
  g_autoptr(ShmipcSegment) d = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  a = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  strcpy (shmipc_segment_get_data (a), "kept");

  /* Grown only when asked. */
  b = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 8192, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (shmipc_segment_get_size (b), 4096);

  /* Never shrunk, even when asked to resize. */
  c = shmipc_segment_open (name, SHMIPC_OPEN_RESIZE, 100, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (shmipc_segment_get_size (c), 4096);

  d = shmipc_segment_open (name, SHMIPC_OPEN_RESIZE, 3 * 4096, 0600, BACKEND, &error);
  if (BACKEND == SHMIPC_BACKEND_SYSV)
    {
      /* SysV segments have a fixed size. */
      ck_assert_ptr_null (d);
      ck_assert_shmipc_error (error, SHMIPC_ERROR_UNSUPPORTED);
      ck_assert_ptr_nonnull (strstr (error->message, name));
    }
  else
    {
      ShmipcStat st;

      ck_assert_no_error (error);
      ck_assert_uint_eq (shmipc_segment_get_size (d), 3 * 4096);
      ck_assert_str_eq (shmipc_segment_get_data (d), "kept");
      ck_assert (shmipc_stat (name, BACKEND, &st, NULL));
      ck_assert_uint_eq (st.size, 3 * 4096);
    }
  ck_assert (shmipc_unlink (name, BACKEND, NULL));
}
END_TEST

static void
check_mode (const char *name, ShmipcBackend backend, mode_t umask_value, guint mode)
{
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  ShmipcStat st;

  umask (umask_value);
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE, 4096,
                                 mode, backend, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_stat (segment, &st, &error));
  ck_assert_msg (st.mode == mode, "umask %03o, mode %03o asked, got %03o",
                 (guint) umask_value, mode, st.mode);
  ck_assert (shmipc_segment_unlink (segment, NULL));
}

START_TEST (test_mode_exact)
{
  g_autofree gchar *name = test_unique_name ("mode");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  ShmipcStat st;

  SKIP_UNLESS_AVAILABLE ();
  check_mode (name, BACKEND, 022, SHMIPC_DEFAULT_MODE);
  check_mode (name, BACKEND, 077, 0666);
  check_mode (name, BACKEND, 0, 0640);
  check_mode (name, BACKEND, 0777, 0604);

  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_set_mode (segment, 0644, &error));
  ck_assert (shmipc_stat (name, BACKEND, &st, &error));
  ck_assert_uint_eq (st.mode, 0644);
  /* The owner can lock everybody out, itself included, and back in. */
  ck_assert (shmipc_segment_set_mode (segment, 0, &error));
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_set_mode (segment, 0640, &error));
  ck_assert_no_error (error);
  ck_assert (shmipc_stat (name, BACKEND, &st, &error));
  ck_assert_uint_eq (st.mode, 0640);
  ck_assert (!shmipc_segment_set_mode (segment, 01777, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  ck_assert (shmipc_segment_unlink (segment, NULL));
}
END_TEST

START_TEST (test_stat)
{
  g_autofree gchar *name = test_unique_name ("stat");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  ShmipcStat st, by_name;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  SKIP_UNLESS_AVAILABLE ();
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 12345, 0640, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_stat (segment, &st, &error));
  ck_assert_no_error (error);
  ck_assert_int_eq (st.backend, BACKEND);
  ck_assert_uint_eq (st.size, 12345);
  ck_assert_uint_eq (st.mode, 0640);
  ck_assert_uint_eq (st.uid, geteuid ());
  ck_assert_uint_eq (st.gid, getegid ());
  ck_assert_int_ge (st.ctime, now - 60);
  ck_assert_int_le (st.ctime, now + 60);

  if (BACKEND == SHMIPC_BACKEND_SYSV)
    {
      ck_assert_int_ge (st.id, 0);
      ck_assert_int_eq (st.key, shmipc_name_to_key (name));
      ck_assert_int_eq (shmipc_segment_get_key (segment), st.key);
      ck_assert_uint_eq (st.nattch, 1);
      ck_assert_int_eq (st.cpid, getpid ());
    }
  else
    {
      ck_assert_int_eq (st.id, -1);
      ck_assert_int_eq (st.key, 0);
    }

  ck_assert (shmipc_stat (name, BACKEND, &by_name, &error));
  ck_assert_uint_eq (by_name.size, st.size);
  ck_assert_uint_eq (by_name.mode, st.mode);
  ck_assert (shmipc_segment_unlink (segment, NULL));

  ck_assert (!shmipc_stat (name, BACKEND, &by_name, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_unlink)
{
  g_autofree gchar *name = test_unique_name ("unlink");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;

  SKIP_UNLESS_AVAILABLE ();
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_unlink (name, BACKEND, &error));
  ck_assert_no_error (error);

  /* The mapping stays usable; the name is gone. */
  strcpy (shmipc_segment_get_data (segment), "still mapped");
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_NONE, 0, 0, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
  g_clear_error (&error);

  ck_assert (!shmipc_unlink (name, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
  ck_assert_ptr_nonnull (strstr (error->message, name));
  ck_assert_int_eq (shmipc_error_get_errno (error), ENOENT);
}
END_TEST

START_TEST (test_fork_child_reads)
{
  g_autofree gchar *name = test_unique_name ("fork");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  pid_t pid;

  SKIP_UNLESS_AVAILABLE ();
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600, BACKEND, &error);
  ck_assert_no_error (error);
  strcpy (shmipc_segment_get_data (segment), "from the parent");

  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      /* A separate open in the child: a new mapping of the same object. */
      ShmipcSegment *child = shmipc_segment_open (name, SHMIPC_OPEN_NONE, 0, 0, BACKEND, NULL);
      int ok = child != NULL &&
               strcmp (shmipc_segment_get_data (child), "from the parent") == 0;

      if (child != NULL)
        strcpy (shmipc_segment_get_data (child), "from the child");
      _exit (ok ? 0 : 1);
    }
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  ck_assert_str_eq (shmipc_segment_get_data (segment), "from the child");
  ck_assert (shmipc_segment_unlink (segment, NULL));
}
END_TEST

/* Growing a POSIX object waits for the sizing lock (an exclusive
 * flock()), which creating and growing hold: so it starts from the size
 * the previous holder left and never shrinks an object another process
 * is sizing. A child holds the lock, marks the object and only then
 * releases it: the parent's growth must see the mark. */
START_TEST (test_growth_waits_for_sizing_lock)
{
  g_autofree gchar *name = test_unique_name ("grow");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(ShmipcSegment) grown = NULL;
  g_autoptr(GError) error = NULL;
  int sync[2];
  int status;
  char c;
  pid_t pid;

  TEST_SKIP_UNLESS (shmipc_backend_is_available (SHMIPC_BACKEND_POSIX),
                    "backend not available in this build");
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600,
                                 SHMIPC_BACKEND_POSIX, &error);
  ck_assert_no_error (error);
  ck_assert_int_eq (pipe (sync), 0);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      int fd = shm_open (name, O_RDWR, 0);
      volatile char *data = shmipc_segment_get_data (segment);

      if (fd < 0 || flock (fd, LOCK_EX) != 0 || write (sync[1], "L", 1) != 1)
        _exit (1);
      /* Give the parent time to reach the lock; it must wait here. */
      g_usleep (200 * 1000);
      data[0] = 'M';
      _exit (0);   /* releases the lock */
    }
  ck_assert_int_eq (read (sync[0], &c, 1), 1);
  grown = shmipc_segment_open (name, SHMIPC_OPEN_RESIZE, 8192, 0, SHMIPC_BACKEND_POSIX, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (shmipc_segment_get_size (grown), 8192);
  ck_assert_msg (((char *) shmipc_segment_get_data (grown))[0] == 'M',
                 "the object was grown while another process held its sizing lock");
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  close (sync[0]);
  close (sync[1]);
  ck_assert (shmipc_segment_unlink (grown, NULL));
}
END_TEST

START_TEST (test_open_by_key)
{
  g_autofree gchar *name = test_unique_name ("key");
  g_autoptr(ShmipcSegment) by_name = NULL;
  g_autoptr(ShmipcSegment) by_key = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *expected_name = NULL;

  by_name = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600, SHMIPC_BACKEND_SYSV,
                                 &error);
  ck_assert_no_error (error);
  strcpy (shmipc_segment_get_data (by_name), "meet");

  by_key = shmipc_segment_open_key (shmipc_name_to_key (name), SHMIPC_OPEN_READ_ONLY, 0, 0,
                                    &error);
  ck_assert_no_error (error);
  ck_assert_str_eq (shmipc_segment_get_data (by_key), "meet");
  ck_assert_int_eq (shmipc_segment_get_backend (by_key), SHMIPC_BACKEND_SYSV);
  expected_name = g_strdup_printf ("key 0x%08x", (guint32) shmipc_name_to_key (name));
  ck_assert_str_eq (shmipc_segment_get_name (by_key), expected_name);

  ck_assert (shmipc_segment_unlink (by_key, &error));
  ck_assert_no_error (error);
  g_clear_pointer (&by_key, shmipc_segment_free);
  ck_assert_ptr_null (shmipc_segment_open_key (shmipc_name_to_key (name), SHMIPC_OPEN_NONE,
                                               0, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
}
END_TEST

/* ---------------------------------------------------------------- errors */

/* Opens @name in a child that has dropped root (or, as an ordinary user,
 * opens an object whose mode grants nobody access). */
START_TEST (test_permission_denied)
{
  g_autofree gchar *name = test_unique_name ("perm");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  int status;
  pid_t pid;

  SKIP_UNLESS_AVAILABLE ();
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096,
                                 geteuid () == 0 ? 0600 : 0000, BACKEND, &error);
  ck_assert_no_error (error);

  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      GError *child_error = NULL;
      ShmipcSegment *other;

      if (geteuid () == 0 && (setgid (65534) != 0 || setuid (65534) != 0))
        _exit (3);
      other = shmipc_segment_open (name, SHMIPC_OPEN_NONE, 0, 0, BACKEND, &child_error);
      if (other != NULL)
        _exit (1);
      if (!g_error_matches (child_error, SHMIPC_ERROR, SHMIPC_ERROR_PERMISSION_DENIED) ||
          strstr (child_error->message, name) == NULL ||
          strstr (child_error->message, g_strerror (EACCES)) == NULL)
        {
          fprintf (stderr, "unexpected error: %s\n", child_error->message);
          _exit (2);
        }
      _exit (0);
    }
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 0,
                 "child status %d", WEXITSTATUS (status));
  ck_assert (shmipc_segment_unlink (segment, NULL));
}
END_TEST

START_TEST (test_no_space)
{
  g_autofree gchar *name = test_unique_name ("nospace");
  g_autoptr(GError) error = NULL;
  /* Far more than /dev/shm or memory can hold on any machine we run on. */
  const gsize huge = (gsize) 1 << 50;

  SKIP_UNLESS_AVAILABLE ();
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_CREATE, huge, 0600, BACKEND,
                                           &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NO_SPACE);
  ck_assert_ptr_nonnull (strstr (error->message, name));
  g_clear_error (&error);

  /* The failed creation leaves nothing behind. */
  ck_assert (!shmipc_unlink (name, BACKEND, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_too_large)
{
  g_autofree gchar *name = test_unique_name ("toolarge");
  g_autoptr(GError) error = NULL;

  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_CREATE, G_MAXSIZE, 0600,
                                           SHMIPC_BACKEND_AUTO, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TOO_LARGE);
}
END_TEST

START_TEST (test_unsupported)
{
  g_autofree gchar *name = test_unique_name ("unsupported");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;

#ifndef HAVE_POSIX_SHM
  /* A SysV-only library says so when asked for POSIX. */
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 64, 0600,
                                           SHMIPC_BACKEND_POSIX, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_UNSUPPORTED);
  g_clear_error (&error);
#endif
  /* Growing a SysV segment is not possible. */
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 64, 0600, SHMIPC_BACKEND_SYSV,
                                 &error);
  ck_assert_no_error (error);
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_RESIZE, 128, 0600,
                                           SHMIPC_BACKEND_SYSV, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_UNSUPPORTED);
  ck_assert (shmipc_segment_unlink (segment, NULL));
}
END_TEST

START_TEST (test_failed_keeps_errno)
{
  g_autofree gchar *name = test_unique_name ("emfile");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GError) error = NULL;
  struct rlimit limit, saved;
  int lowest_free;

  /* Out of file descriptors (EMFILE) maps to no specific code: FAILED,
   * with the errno and its text kept. Only POSIX uses descriptors. */
  TEST_SKIP_UNLESS (shmipc_backend_is_available (SHMIPC_BACKEND_POSIX),
                    "the POSIX backend is not available");
  /* Allow exactly the descriptors already open: the next one fails.
   * (A limit of 0 would also break sanitizer runtimes.) */
  lowest_free = dup (0);
  ck_assert_int_ge (lowest_free, 0);
  close (lowest_free);
  ck_assert_int_eq (getrlimit (RLIMIT_NOFILE, &saved), 0);
  limit = saved;
  limit.rlim_cur = (rlim_t) lowest_free;
  ck_assert_int_eq (setrlimit (RLIMIT_NOFILE, &limit), 0);
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 64, 0600, SHMIPC_BACKEND_POSIX,
                                 &error);
  /* Give the descriptors back (leak checkers need some at exit). */
  ck_assert_int_eq (setrlimit (RLIMIT_NOFILE, &saved), 0);
  if (segment != NULL)
    shmipc_segment_unlink (segment, NULL);
  ck_assert_ptr_null (segment);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_FAILED);
  ck_assert_int_eq (shmipc_error_get_errno (error), EMFILE);
  ck_assert_ptr_nonnull (strstr (error->message, "shm_open"));
  ck_assert_ptr_nonnull (strstr (error->message, name));
  ck_assert_ptr_nonnull (strstr (error->message, g_strerror (EMFILE)));
}
END_TEST

START_TEST (test_error_mapping)
{
  ck_assert_int_eq (shmipc_error_from_errno (ENOENT), SHMIPC_ERROR_NOT_FOUND);
  ck_assert_int_eq (shmipc_error_from_errno (EEXIST), SHMIPC_ERROR_EXISTS);
  ck_assert_int_eq (shmipc_error_from_errno (EACCES), SHMIPC_ERROR_PERMISSION_DENIED);
  ck_assert_int_eq (shmipc_error_from_errno (ENAMETOOLONG), SHMIPC_ERROR_INVALID_NAME);
  ck_assert_int_eq (shmipc_error_from_errno (EINVAL), SHMIPC_ERROR_INVALID_ARGUMENT);
  ck_assert_int_eq (shmipc_error_from_errno (ENOSPC), SHMIPC_ERROR_NO_SPACE);
  ck_assert_int_eq (shmipc_error_from_errno (EFBIG), SHMIPC_ERROR_TOO_LARGE);
  ck_assert_int_eq (shmipc_error_from_errno (ENOSYS), SHMIPC_ERROR_UNSUPPORTED);
  ck_assert_int_eq (shmipc_error_from_errno (ETIMEDOUT), SHMIPC_ERROR_TIMED_OUT);
  ck_assert_int_eq (shmipc_error_from_errno (EBUSY), SHMIPC_ERROR_BUSY);
  ck_assert_int_eq (shmipc_error_from_errno (EMFILE), SHMIPC_ERROR_FAILED);
  /* The public values never change. */
  ck_assert_int_eq (SHMIPC_ERROR_FAILED, 0);
  ck_assert_int_eq (SHMIPC_ERROR_CORRUPT, 12);
  ck_assert_int_eq (shmipc_error_get_errno (NULL), 0);
}
END_TEST


/* The GBytes twins of the in-place accessors, and references. */
START_TEST (test_bytes_and_references)
{
  g_autofree gchar *name = test_unique_name ("bytes");
  ShmipcBackend backend = BACKEND;
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(ShmipcSegment) reader = NULL;
  g_autoptr(GBytes) hello = g_bytes_new_static ("hello", 5);
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GError) error = NULL;
  ShmipcSegment *again;

  SKIP_UNLESS_AVAILABLE ();
  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE, 4096, 0600,
                                 backend, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_segment_write_bytes (segment, 4091, hello, &error));
  ck_assert_no_error (error);
  got = shmipc_segment_read_bytes (segment, 4091, 5, &error);
  ck_assert_no_error (error);
  ck_assert (g_bytes_equal (got, hello));
  g_clear_pointer (&got, g_bytes_unref);
  got = shmipc_segment_read_bytes (segment, 0, 0, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (g_bytes_get_size (got), 0);

  /* Outside the object: refused, nothing touched. */
  ck_assert (!shmipc_segment_write_bytes (segment, 4092, hello, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_segment_read_bytes (segment, 4096, 1, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_segment_read_bytes (segment, 1, G_MAXSIZE, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_segment_read_bytes (segment, G_MAXUINT64, 1, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  reader = shmipc_segment_open (name, SHMIPC_OPEN_READ_ONLY, 0, 0, backend, &error);
  ck_assert_no_error (error);
  ck_assert (!shmipc_segment_write_bytes (reader, 0, hello, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_PERMISSION_DENIED);
  g_clear_error (&error);

  /* A reference keeps the mapping: the boxed copy is a reference. */
  again = g_boxed_copy (SHMIPC_TYPE_SEGMENT, segment);
  ck_assert_ptr_eq (again, segment);
  shmipc_segment_unref (again);
  g_clear_pointer (&got, g_bytes_unref);
  got = shmipc_segment_read_bytes (segment, 4091, 5, &error);
  ck_assert_no_error (error);
  ck_assert (g_bytes_equal (got, hello));
  test_remove (name, backend);
}
END_TEST

/* Every public type and enumeration has its GType. */
START_TEST (test_gtypes)
{
  g_autoptr(GEnumClass) errors = g_type_class_ref (SHMIPC_TYPE_ERROR);
  g_autoptr(GFlagsClass) open_flags = g_type_class_ref (SHMIPC_TYPE_OPEN_FLAGS);
  ShmipcStat st = { SHMIPC_BACKEND_SYSV, 42, 0640 };
  ShmipcStat *copy;

  ck_assert_str_eq (g_type_name (SHMIPC_TYPE_SEGMENT), "ShmipcSegment");
  ck_assert_str_eq (g_type_name (SHMIPC_TYPE_CHANNEL), "ShmipcChannel");
  ck_assert_str_eq (g_type_name (SHMIPC_TYPE_DUMPER), "ShmipcDumper");
  ck_assert_str_eq (g_type_name (SHMIPC_TYPE_OBJECT_INFO), "ShmipcObjectInfo");
  ck_assert_str_eq (g_type_name (SHMIPC_TYPE_CHANNEL_INFO), "ShmipcChannelInfo");
  ck_assert_str_eq (g_type_name (SHMIPC_TYPE_STAT), "ShmipcStat");
  ck_assert (G_TYPE_IS_ENUM (SHMIPC_TYPE_BACKEND));
  ck_assert (G_TYPE_IS_ENUM (SHMIPC_TYPE_CHANNEL_ROLE));
  ck_assert (G_TYPE_IS_ENUM (SHMIPC_TYPE_OBJECT_FORMAT));
  ck_assert (G_TYPE_IS_FLAGS (SHMIPC_TYPE_DUMP_FLAGS));
  ck_assert (G_TYPE_IS_FLAGS (SHMIPC_TYPE_MESSAGE_FLAGS));
  ck_assert_str_eq (g_enum_get_value (errors, SHMIPC_ERROR_NOT_FOUND)->value_nick, "not-found");
  ck_assert_str_eq (g_enum_get_value (errors, SHMIPC_ERROR_NOT_OWNER)->value_nick, "not-owner");
  ck_assert_str_eq (g_flags_get_first_value (open_flags, SHMIPC_OPEN_CREATE)->value_nick, "create");

  /* Plain structures copy. */
  copy = g_boxed_copy (SHMIPC_TYPE_STAT, &st);
  ck_assert_ptr_ne (copy, &st);
  ck_assert_uint_eq (copy->size, 42);
  ck_assert_uint_eq (copy->mode, 0640);
  g_boxed_free (SHMIPC_TYPE_STAT, copy);
}
END_TEST

Suite *
naming_suite (void)
{
  Suite *suite = suite_create ("naming");
  TCase *tc = tcase_create ("names");

  tcase_add_test (tc, test_name_normalize);
  tcase_add_loop_test (tc, test_name_invalid, 0, G_N_ELEMENTS (invalid_names));
  tcase_add_loop_test (tc, test_name_slash_is_optional, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_name_length_limit, 0, G_N_ELEMENTS (backends));
  tcase_add_test (tc, test_name_to_key);
  tcase_add_test (tc, test_backend_strings);
  tcase_add_test (tc, test_backend_environment);
  suite_add_tcase (suite, tc);
  return suite;
}

Suite *
segment_suite (void)
{
  Suite *suite = suite_create ("segment");
  TCase *tc = tcase_create ("segment");

  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_create_open_exclusive, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_read_only, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_bytes_and_references, 0, G_N_ELEMENTS (backends));
  tcase_add_test (tc, test_gtypes);
  tcase_add_loop_test (tc, test_invalid_arguments, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_resize, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_mode_exact, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_stat, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_unlink, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_fork_child_reads, 0, G_N_ELEMENTS (backends));
  tcase_add_test (tc, test_open_by_key);
  tcase_add_test (tc, test_growth_waits_for_sizing_lock);
  suite_add_tcase (suite, tc);
  return suite;
}

Suite *
errors_suite (void)
{
  Suite *suite = suite_create ("errors");
  TCase *tc = tcase_create ("errors");

  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_permission_denied, 0, G_N_ELEMENTS (backends));
  tcase_add_loop_test (tc, test_no_space, 0, G_N_ELEMENTS (backends));
  tcase_add_test (tc, test_too_large);
  tcase_add_test (tc, test_unsupported);
  tcase_add_test (tc, test_failed_keeps_errno);
  tcase_add_test (tc, test_error_mapping);
  suite_add_tcase (suite, tc);
  return suite;
}
