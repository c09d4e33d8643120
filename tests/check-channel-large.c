/* check-channel-large.c - a stream of more than 1 GiB through a channel
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Kept out of check-channel so that the quick suite stays quick; it runs
 * in "make check" too (about a second or two on the CI machine).
 * SHMIPC_LARGE_STREAM_BYTES overrides the size.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "check-common.h"
#include "check-channel-pattern.h"

#define SEED 0x1a46e

static guint64
stream_size (void)
{
  const gchar *env = g_getenv ("SHMIPC_LARGE_STREAM_BYTES");

  /* 1 GiB and a few bytes, so that the end is not aligned to anything. */
  return env != NULL ? g_ascii_strtoull (env, NULL, 10) : (G_GUINT64_CONSTANT (1) << 30) + 12345;
}

/* _i: 0 POSIX, 1 SysV. */
START_TEST (test_large_stream)
{
  const ShmipcBackend backend = _i == 0 ? SHMIPC_BACKEND_POSIX : SHMIPC_BACKEND_SYSV;
  g_autofree gchar *name = test_unique_name ("large");
  const guint64 total = stream_size ();
  GError *error = NULL;
  ShmipcChannel *ch;
  guint64 got = 0;
  gint64 t0;
  double seconds;
  int status;
  pid_t pid;

  TEST_SKIP_UNLESS (shmipc_backend_is_available (backend), "backend not available in this build");
  ch = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, 0, SHMIPC_DEFAULT_MODE, backend, &error);
  ck_assert_no_error (error);
  t0 = g_get_monotonic_time ();
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      ShmipcChannel *p;
      guint64 done = 0;

#ifdef __linux__
      prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
      p = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, 0, SHMIPC_DEFAULT_MODE,
                               backend, NULL);
      if (p == NULL)
        _exit (3);
      while (done < total)
        {
          gpointer space;
          gsize n;

          if (!shmipc_channel_reserve (p, &space, &n, 60000, NULL))
            _exit (4);
          /* Commit in pieces of at most 1 MiB, as a reader of a pipe would. */
          n = (gsize) MIN (MIN (n, 1024 * 1024), total - done);
          pattern_fill (space, done, n, SEED);
          if (!shmipc_channel_commit (p, n, NULL))
            _exit (5);
          done += n;
        }
      _exit (shmipc_channel_close_write (p, NULL) ? 0 : 6);
    }

  for (;;)
    {
      gconstpointer data;
      gsize n;
      gint64 bad;

      ck_assert (shmipc_channel_peek (ch, &data, &n, 60000, &error));
      if (n == 0)
        break;
      bad = pattern_check (data, got, n, SEED);
      ck_assert_msg (bad < 0, "stream differs at byte %" G_GINT64_FORMAT, bad);
      ck_assert (shmipc_channel_consume (ch, n, NULL));
      got += n;
    }
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  ck_assert_uint_eq (got, total);
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  fprintf (stderr, "%s (%s): %" G_GUINT64_FORMAT " bytes identical in %.2f s\n",
           __func__, shmipc_backend_to_string (backend), got, seconds);

  ck_assert (shmipc_channel_unlink (ch, NULL));
  shmipc_channel_free (ch);
}
END_TEST

static Suite *
large_suite (void)
{
  Suite *s = suite_create ("channel-large");
  TCase *tc = tcase_create ("large");

  tcase_set_timeout (tc, 600);
  tcase_add_loop_test (tc, test_large_stream, 0, 2);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  Suite *suites[] = { large_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
