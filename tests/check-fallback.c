/* check-fallback.c - the auto backend falls back to SysV
 *
 * Run through tests/fallback.sh, which preloads fake-no-posix-shm.so so
 * that shm_open() fails with ENOSYS as on a system without POSIX shared
 * memory. The library's own shm_open() call fails, and auto must then
 * use SysV for open, stat and unlink alike.
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check-common.h"

Suite *fallback_suite (void);

START_TEST (test_preload_active)
{
#ifdef HAVE_POSIX_SHM
  int fd = shm_open ("/shmipc-fallback-probe", O_RDONLY, 0);

  ck_assert_msg (fd < 0 && errno == ENOSYS,
                 "shm_open() works: run this test through tests/fallback.sh");
#endif
}
END_TEST

START_TEST (test_auto_falls_back)
{
  g_autofree gchar *name = test_unique_name ("fallback");
  g_autoptr(ShmipcSegment) created = NULL;
  g_autoptr(ShmipcSegment) opened = NULL;
  g_autoptr(ShmipcSegment) by_key = NULL;
  g_autoptr(GError) error = NULL;
  ShmipcStat st;

  g_unsetenv ("SHMIPC_BACKEND");
  created = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE, 4096,
                                 0600, SHMIPC_BACKEND_AUTO, &error);
  ck_assert_no_error (error);
  ck_assert_int_eq (shmipc_segment_get_backend (created), SHMIPC_BACKEND_SYSV);
  strcpy (shmipc_segment_get_data (created), "via sysv");

  /* Another opener with auto meets the same SysV segment. */
  opened = shmipc_segment_open (name, SHMIPC_OPEN_NONE, 0, 0, SHMIPC_BACKEND_AUTO, &error);
  ck_assert_no_error (error);
  ck_assert_int_eq (shmipc_segment_get_backend (opened), SHMIPC_BACKEND_SYSV);
  ck_assert_str_eq (shmipc_segment_get_data (opened), "via sysv");

  /* It really is the SysV segment of the name's key. */
  by_key = shmipc_segment_open_key (shmipc_name_to_key (name), SHMIPC_OPEN_READ_ONLY, 0, 0,
                                    &error);
  ck_assert_no_error (error);
  ck_assert_str_eq (shmipc_segment_get_data (by_key), "via sysv");

  ck_assert (shmipc_stat (name, SHMIPC_BACKEND_AUTO, &st, &error));
  ck_assert_no_error (error);
  ck_assert_int_eq (st.backend, SHMIPC_BACKEND_SYSV);
  ck_assert (shmipc_unlink (name, SHMIPC_BACKEND_AUTO, &error));
  ck_assert_no_error (error);
  ck_assert (!shmipc_unlink (name, SHMIPC_BACKEND_SYSV, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_NOT_FOUND);
}
END_TEST

START_TEST (test_posix_unsupported)
{
  g_autofree gchar *name = test_unique_name ("nofallback");
  g_autoptr(GError) error = NULL;

  /* Asking for POSIX explicitly does not fall back. */
  ck_assert_ptr_null (shmipc_segment_open (name, SHMIPC_OPEN_CREATE, 4096, 0600,
                                           SHMIPC_BACKEND_POSIX, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_UNSUPPORTED);
#ifdef HAVE_POSIX_SHM
  ck_assert_int_eq (shmipc_error_get_errno (error), ENOSYS);
  ck_assert_ptr_nonnull (strstr (error->message, "shm_open"));
#endif
}
END_TEST

Suite *
fallback_suite (void)
{
  Suite *suite = suite_create ("fallback");
  TCase *tc = tcase_create ("fallback");

  tcase_add_test (tc, test_preload_active);
  tcase_add_test (tc, test_auto_falls_back);
  tcase_add_test (tc, test_posix_unsupported);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  Suite *suites[] = { fallback_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
