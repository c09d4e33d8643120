/* check-readers.c - tests of channels with many readers
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One process may hold the producer end and several readers of the same
 * channel: these tests drive them in turn, without threads, so that
 * every interleaving they check is exact. Dead readers are forked
 * children killed with SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "check-common.h"
#include "check-channel-pattern.h"

#define CAP (64 * 1024)
#define SEED 0xc0ffee

static const ShmipcBackend backends[] = { SHMIPC_BACKEND_POSIX, SHMIPC_BACKEND_SYSV };

#define SKIP_UNLESS_BACKEND(b) \
  TEST_SKIP_UNLESS (shmipc_backend_is_available (b), "backend not available in this build")

static ShmipcChannel *
open_end (const char          *name,
          ShmipcChannelRole    role,
          ShmipcBackend        backend,
          guint                max_readers,
          ShmipcChannelPolicy  policy)
{
  GError *error = NULL;
  ShmipcChannel *ch = shmipc_channel_open_full (name, role, CAP, SHMIPC_DEFAULT_MODE, backend,
                                                max_readers, policy, 0,
                                                SHMIPC_CHANNEL_OPEN_NONE, &error);

  ck_assert_no_error (error);
  ck_assert_ptr_nonnull (ch);
  return ch;
}

/* Writes bytes [*pos, *pos + n) of the pattern without waiting; returns
 * how many went in before the ring was full. */
static gsize
write_some (ShmipcChannel *p,
            guint64       *pos,
            gsize          n)
{
  gsize done = 0;

  while (done < n)
    {
      GError *error = NULL;
      gpointer space;
      gsize room;

      if (!shmipc_channel_reserve (p, &space, &room, 0, &error))
        {
          ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
          g_clear_error (&error);
          break;
        }
      room = MIN (room, n - done);
      pattern_fill (space, *pos, room, SEED);
      ck_assert (shmipc_channel_commit (p, room, NULL));
      *pos += room;
      done += room;
    }
  return done;
}

/* Reads what is there (without waiting) and checks it against the
 * pattern from *pos; returns the count, or -1 with @error_out set. */
static gssize
read_all (ShmipcChannel  *r,
          guint64        *pos,
          GError        **error_out)
{
  guint8 buf[4096];
  gssize total = 0;

  for (;;)
    {
      GError *error = NULL;
      gssize n = shmipc_channel_read (r, buf, sizeof buf, 0, &error);
      gint64 bad;

      if (n < 0)
        {
          if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_TIMED_OUT))
            {
              g_error_free (error);
              return total;
            }
          g_propagate_error (error_out, error);
          return total > 0 ? total : -1;
        }
      if (n == 0)
        return total;
      bad = pattern_check (buf, *pos, (gsize) n, SEED);
      ck_assert_msg (bad < 0, "reader got a wrong byte at %" G_GINT64_FORMAT, bad);
      *pos += (guint64) n;
      total += n;
    }
}

/* 1 to 8 readers, all attached before the first byte, read the whole
 * stream exactly, several times the ring's size, in lock step; the last
 * to leave is told so. */
START_TEST (test_all_readers_exact)
{
  ShmipcBackend backend = backends[_i % 2];
  guint n_readers = 1 + _i / 2;
  g_autofree gchar *name = test_unique_name ("readers");
  ShmipcChannel *readers[8];
  guint64 got[8] = { 0 };
  guint64 written = 0;
  guint64 total = 5 * CAP + 123;
  ShmipcChannel *p;
  guint i;

  SKIP_UNLESS_BACKEND (backend);
  p = open_end (name, SHMIPC_CHANNEL_PRODUCER, backend, 8, SHMIPC_CHANNEL_POLICY_WAIT);
  for (i = 0; i < n_readers; i++)
    readers[i] = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert (shmipc_channel_wait_readers (p, n_readers, 0, NULL));
  while (written < total)
    {
      gsize n = write_some (p, &written, (gsize) MIN (total - written, 10000));

      /* The ring fills up: room comes only when every reader has read. */
      if (n == 0)
        for (i = 0; i < n_readers; i++)
          ck_assert_int_ge (read_all (readers[i], &got[i], NULL), 0);
    }
  ck_assert (shmipc_channel_close_write (p, NULL));
  for (i = 0; i < n_readers; i++)
    {
      char byte;

      ck_assert_int_ge (read_all (readers[i], &got[i], NULL), 0);
      ck_assert_uint_eq (got[i], total);
      ck_assert_int_eq (shmipc_channel_read (readers[i], &byte, 1, 0, NULL), 0);
    }
  ck_assert_ptr_null (shmipc_channel_get_lost_readers (p, &i));
  ck_assert_uint_eq (i, 0);
  shmipc_channel_free (p);
  for (i = 0; i < n_readers; i++)
    {
      ck_assert (shmipc_channel_leave (readers[i]) == (i == n_readers - 1));
      ck_assert (!shmipc_channel_leave (readers[i]));
      shmipc_channel_free (readers[i]);
    }
  test_remove (name, backend);
}
END_TEST

/* The first reader gets the stream from its first byte, even when it
 * comes after the producer wrote; a later reader gets an exact suffix:
 * from where the producer was when it came. */
START_TEST (test_late_join_suffix)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("late");
  ShmipcChannelInfo info;
  ShmipcChannel *p, *first, *late;
  guint64 written = 0, got_first = 0, got_late;
  guint8 buf[64];
  gint64 bad;

  SKIP_UNLESS_BACKEND (backend);
  p = open_end (name, SHMIPC_CHANNEL_PRODUCER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert_uint_eq (write_some (p, &written, 1000), 1000);
  /* No reader yet: the ring holds the bytes, and no more. */
  ck_assert_uint_eq (write_some (p, &written, 2 * CAP), CAP - 1000);
  first = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert_int_eq (read_all (first, &got_first, NULL), CAP);
  ck_assert_uint_eq (write_some (p, &written, 5000), 5000);

  late = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  got_late = written;
  ck_assert (shmipc_channel_inspect (shmipc_channel_get_segment (p), &info, NULL));
  ck_assert_uint_eq (info.n_readers, 2);
  ck_assert (!info.awaiting_first_reader);
  ck_assert_uint_eq (write_some (p, &written, 777), 777);
  ck_assert (shmipc_channel_close_write (p, NULL));
  ck_assert_int_eq (shmipc_channel_read (late, buf, sizeof buf, 0, NULL), sizeof buf);
  bad = pattern_check (buf, got_late, sizeof buf, SEED);
  ck_assert_msg (bad < 0, "late reader: not the suffix at %" G_GINT64_FORMAT, bad);
  got_late += sizeof buf;
  ck_assert_int_eq (read_all (late, &got_late, NULL), 777 - sizeof buf);
  ck_assert_int_eq (read_all (first, &got_first, NULL), 5000 + 777);
  ck_assert_uint_eq (got_first, written);
  ck_assert_uint_eq (got_late, written);
  shmipc_channel_free (p);
  shmipc_channel_free (late);
  shmipc_channel_free (first);
  test_remove (name, backend);
}
END_TEST

/* wait: the slowest reader holds the producer back, a fast one does not
 * make room alone; the channel's policy and limit are the creator's. */
START_TEST (test_wait_slowest)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("slowest");
  GError *error = NULL;
  ShmipcChannel *p, *fast, *slow;
  guint64 written = 0, got_fast = 0, got_slow = 0;
  gpointer space;
  gsize room;

  SKIP_UNLESS_BACKEND (backend);
  p = open_end (name, SHMIPC_CHANNEL_PRODUCER, backend, 3, SHMIPC_CHANNEL_POLICY_WAIT);
  fast = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 9, SHMIPC_CHANNEL_POLICY_DROP);
  ck_assert_uint_eq (shmipc_channel_get_max_readers (fast), 3);
  ck_assert_int_eq (shmipc_channel_get_policy (fast), SHMIPC_CHANNEL_POLICY_WAIT);
  slow = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert_uint_eq (write_some (p, &written, 2 * CAP), CAP);
  ck_assert_int_eq (read_all (fast, &got_fast, NULL), CAP);
  ck_assert (!shmipc_channel_reserve (p, &space, &room, 50, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
  g_clear_error (&error);
  ck_assert_int_eq (read_all (slow, &got_slow, NULL), CAP);
  ck_assert_uint_eq (write_some (p, &written, 100), 100);
  ck_assert_int_eq (read_all (fast, &got_fast, NULL), 100);
  ck_assert_int_eq (read_all (slow, &got_slow, NULL), 100);
  shmipc_channel_free (p);
  shmipc_channel_free (fast);
  shmipc_channel_free (slow);
  test_remove (name, backend);
}
END_TEST

/* drop: the producer never waits; a reader a whole ring behind is cut
 * off with OVERRUN, after every byte it had read exactly, and stays cut
 * off; the other reader and the producer go on, and the cut reader is
 * not a lost one. */
START_TEST (test_drop_overrun)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("drop");
  ShmipcChannelInfo info;
  GError *error = NULL;
  ShmipcChannel *p, *fast, *stopped;
  guint64 written = 0, got_fast = 0, got_stopped = 0;
  guint8 buf[100];
  guint n_lost;
  guint i;

  SKIP_UNLESS_BACKEND (backend);
  p = open_end (name, SHMIPC_CHANNEL_PRODUCER, backend, 0, SHMIPC_CHANNEL_POLICY_DROP);
  fast = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  stopped = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert_int_eq (shmipc_channel_get_policy (stopped), SHMIPC_CHANNEL_POLICY_DROP);
  /* Within the ring: nobody is cut off. */
  ck_assert_uint_eq (write_some (p, &written, CAP / 2), CAP / 2);
  ck_assert_int_eq (shmipc_channel_read (stopped, buf, sizeof buf, 0, NULL), sizeof buf);
  ck_assert_int_lt (pattern_check (buf, 0, sizeof buf, SEED), 0);
  got_stopped = sizeof buf;
  /* Three rings more, never waiting; the fast reader keeps up. */
  for (i = 0; i < 12; i++)
    {
      ck_assert_uint_eq (write_some (p, &written, CAP / 4), CAP / 4);
      ck_assert_int_eq (read_all (fast, &got_fast, NULL), i == 0 ? 3 * CAP / 4 : CAP / 4);
    }
  ck_assert_uint_eq (got_fast, written);
  ck_assert (shmipc_channel_inspect (shmipc_channel_get_segment (p), &info, NULL));
  ck_assert_uint_eq (info.n_readers, 2);
  ck_assert_int_eq (shmipc_channel_info_get_reader (&info, 1)->state, SHMIPC_CHANNEL_READER_OVERRUN);
  ck_assert_int_eq (shmipc_channel_info_get_reader (&info, 0)->state, SHMIPC_CHANNEL_READER_READING);
  ck_assert_uint_eq (shmipc_channel_info_get_reader (&info, 1)->position, got_stopped);

  ck_assert_int_lt (shmipc_channel_read (stopped, buf, sizeof buf, 0, &error), 0);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_OVERRUN);
  ck_assert_msg (strstr (error->message, "behind the producer (overrun)") != NULL, "%s",
                 error->message);
  g_clear_error (&error);
  ck_assert_int_lt (shmipc_channel_read (stopped, buf, sizeof buf, 0, &error), 0);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_OVERRUN);
  g_clear_error (&error);

  ck_assert (shmipc_channel_close_write (p, NULL));
  ck_assert_int_eq (read_all (fast, &got_fast, NULL), 0);
  ck_assert_int_eq (shmipc_channel_read (fast, buf, 1, 0, NULL), 0);
  ck_assert_ptr_null (shmipc_channel_get_lost_readers (p, &n_lost));
  ck_assert_uint_eq (n_lost, 0);
  shmipc_channel_free (stopped);
  shmipc_channel_free (fast);
  shmipc_channel_free (p);
  test_remove (name, backend);
}
END_TEST

/* drop: a peek whose bytes the producer overwrote while they were shown
 * fails to consume, rather than letting them pass as exact. */
START_TEST (test_drop_peek_overwritten)
{
  g_autofree gchar *name = test_unique_name ("droppeek");
  GError *error = NULL;
  ShmipcChannel *p, *r;
  guint64 written = 0;
  gconstpointer data;
  gsize n;

  p = open_end (name, SHMIPC_CHANNEL_PRODUCER, SHMIPC_BACKEND_AUTO, 0, SHMIPC_CHANNEL_POLICY_DROP);
  r = open_end (name, SHMIPC_CHANNEL_CONSUMER, SHMIPC_BACKEND_AUTO, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert_uint_eq (write_some (p, &written, CAP), CAP);
  ck_assert (shmipc_channel_peek (r, &data, &n, 0, NULL));
  ck_assert_uint_eq (n, CAP);
  ck_assert_uint_eq (write_some (p, &written, 10), 10);
  ck_assert (!shmipc_channel_consume (r, n, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_OVERRUN);
  g_clear_error (&error);
  shmipc_channel_free (r);
  shmipc_channel_free (p);
  test_remove (name, SHMIPC_BACKEND_AUTO);
}
END_TEST

/* drop with a grace: a reader that holds the ring full is cut off only
 * once it has done so for the whole grace, and the producer records it;
 * with a grace of 0, at once. */
START_TEST (test_drop_grace)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("grace");
  const ShmipcChannelReaderInfo *cut;
  GError *error = NULL;
  ShmipcChannel *p, *live, *stopped;
  guint64 written = 0, got = 0;
  gpointer space;
  gsize room;
  guint8 buf[16];
  gint64 start;

  SKIP_UNLESS_BACKEND (backend);
  {
    p = shmipc_channel_open_full (name, SHMIPC_CHANNEL_PRODUCER, CAP, SHMIPC_DEFAULT_MODE,
                                  backend, 0, SHMIPC_CHANNEL_POLICY_DROP, 300,
                                  SHMIPC_CHANNEL_OPEN_NONE, &error);
    ck_assert_no_error (error);
  }
  ck_assert_uint_eq (shmipc_channel_get_drop_grace (p), 300);
  stopped = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  live = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert_uint_eq (shmipc_channel_get_drop_grace (live), 300);
  /* The stopped reader is handed the first bytes, then reads no more. */
  ck_assert_uint_eq (write_some (p, &written, CAP), CAP);
  ck_assert_int_eq (shmipc_channel_read (stopped, buf, sizeof buf, 0, NULL), sizeof buf);
  ck_assert_int_eq (read_all (live, &got, NULL), CAP);
  ck_assert_uint_eq (write_some (p, &written, sizeof buf), sizeof buf);
  ck_assert_int_eq (read_all (live, &got, NULL), sizeof buf);
  /* Full for the stopped one: no room at once, and no cut yet. */
  ck_assert (!shmipc_channel_reserve (p, &space, &room, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
  g_clear_error (&error);
  ck_assert_uint_eq (shmipc_channel_get_n_cut_readers (p), 0);
  /* The wait ends when the grace does, never before. */
  start = g_get_monotonic_time ();
  ck_assert (shmipc_channel_reserve (p, &space, &room, 10000, &error));
  ck_assert_no_error (error);
  ck_assert_int_ge (g_get_monotonic_time () - start, 290 * 1000);
  ck_assert (shmipc_channel_commit (p, 0, NULL));
  ck_assert_uint_eq (shmipc_channel_get_n_cut_readers (p), 1);
  cut = shmipc_channel_get_cut_reader (p, 0);
  ck_assert_ptr_nonnull (cut);
  ck_assert_int_eq (cut->pid, getpid ());
  ck_assert_uint_eq (cut->position, sizeof buf);
  ck_assert_int_eq (cut->state, SHMIPC_CHANNEL_READER_OVERRUN);
  ck_assert_ptr_null (shmipc_channel_get_cut_reader (p, 1));
  /* The live reader goes on; the stopped one is told. */
  ck_assert_uint_eq (write_some (p, &written, 1000), 1000);
  ck_assert_int_eq (read_all (live, &got, NULL), 1000);
  ck_assert_int_lt (shmipc_channel_read (stopped, buf, sizeof buf, 0, &error), 0);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_OVERRUN);
  ck_assert_msg (strstr (error->message, "more than 0.3 s") != NULL, "%s", error->message);
  g_clear_error (&error);
  shmipc_channel_free (stopped);
  shmipc_channel_free (live);
  shmipc_channel_free (p);
  test_remove (name, backend);

  /* A grace of 0: cut at the first full ring. */
  p = shmipc_channel_open_full (name, SHMIPC_CHANNEL_PRODUCER, CAP, SHMIPC_DEFAULT_MODE, backend,
                                0, SHMIPC_CHANNEL_POLICY_DROP, 0, SHMIPC_CHANNEL_OPEN_NONE, &error);
  ck_assert_no_error (error);
  stopped = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  written = 0;
  ck_assert_uint_eq (write_some (p, &written, 2 * CAP), 2 * CAP);
  ck_assert_uint_eq (shmipc_channel_get_n_cut_readers (p), 1);
  shmipc_channel_free (stopped);
  shmipc_channel_free (p);
  test_remove (name, backend);
}
END_TEST

/* drop with a grace: a reader slower than the producer, which holds the
 * ring full again and again but makes room each time, is never cut off
 * (a child reading a little every 10 ms; the grace, 5 s, is far beyond
 * any pause of a loaded machine). */
START_TEST (test_drop_slow_reader_kept)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("slowkept");
  GError *error = NULL;
  guint64 total = 16 * CAP;
  guint64 written = 0;
  ShmipcChannel *p;
  int status;
  pid_t pid;

  SKIP_UNLESS_BACKEND (backend);
  p = shmipc_channel_open_full (name, SHMIPC_CHANNEL_PRODUCER, CAP, SHMIPC_DEFAULT_MODE, backend,
                                0, SHMIPC_CHANNEL_POLICY_DROP, 5000, SHMIPC_CHANNEL_OPEN_NONE,
                                &error);
  ck_assert_no_error (error);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      ShmipcChannel *r = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, CAP,
                                              SHMIPC_DEFAULT_MODE, backend, NULL);
      guint64 got = 0;
      guint8 buf[CAP / 4];

      if (r == NULL)
        _exit (3);
      for (;;)
        {
          gssize n = shmipc_channel_read (r, buf, sizeof buf, 30000, NULL);

          if (n < 0)
            _exit (4);
          if (n == 0)
            break;
          if (pattern_check (buf, got, (gsize) n, SEED) >= 0)
            _exit (5);
          got += (guint64) n;
          g_usleep (10 * 1000);
        }
      _exit (got == 16 * CAP ? 0 : 6);
    }
  ck_assert (shmipc_channel_wait_readers (p, 1, 30000, NULL));
  while (written < total)
    {
      gpointer space;
      gsize room;

      ck_assert (shmipc_channel_reserve (p, &space, &room, 30000, &error));
      ck_assert_no_error (error);
      room = MIN (room, total - written);
      pattern_fill (space, written, room, SEED);
      ck_assert (shmipc_channel_commit (p, room, NULL));
      written += room;
    }
  ck_assert (shmipc_channel_close_write (p, NULL));
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  ck_assert (WIFEXITED (status));
  ck_assert_int_eq (WEXITSTATUS (status), 0);
  ck_assert_uint_eq (shmipc_channel_get_n_cut_readers (p), 0);
  shmipc_channel_free (p);
  test_remove (name, backend);
}
END_TEST

/* A reader attaches in a child, which is then killed: the producer
 * detaches it (within a wait, or at the end of the stream) and reports
 * it lost, goes on for the reader left, and fails when none is left. */
static pid_t
dead_reader (const char *name, ShmipcBackend backend)
{
  int sync[2];
  pid_t pid;
  char c;

  ck_assert_int_eq (pipe (sync), 0);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
#ifdef __linux__
      prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
      alarm (60);
      if (shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, CAP, SHMIPC_DEFAULT_MODE,
                               backend, NULL) == NULL)
        _exit (3);
      c = 'r';
      if (write (sync[1], &c, 1) != 1)
        _exit (4);
      pause ();
      _exit (5);
    }
  ck_assert_int_eq (read (sync[0], &c, 1), 1);
  ck_assert_int_eq (c, 'r');
  close (sync[0]);
  close (sync[1]);
  ck_assert_int_eq (kill (pid, SIGKILL), 0);
  ck_assert_int_eq (waitpid (pid, NULL, 0), pid);
  return pid;
}

START_TEST (test_lost_readers)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("lost");
  g_autofree gint32 *lost = NULL;
  GError *error = NULL;
  ShmipcChannel *p, *alive;
  guint64 written = 0, got = 0;
  gpointer space;
  gsize room;
  guint n_lost;
  pid_t dead;
  gint64 start;

  SKIP_UNLESS_BACKEND (backend);
  p = open_end (name, SHMIPC_CHANNEL_PRODUCER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  alive = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  dead = dead_reader (name, backend);
  ck_assert_uint_eq (write_some (p, &written, 2 * CAP), CAP);
  ck_assert_int_eq (read_all (alive, &got, NULL), CAP);
  /* The dead reader holds the producer back until it is detached. */
  start = g_get_monotonic_time ();
  ck_assert (shmipc_channel_reserve (p, &space, &room, 5000, &error));
  ck_assert_no_error (error);
  /* Detached at the first liveness check, 0.1 s into the wait; 5 s is the
   * bound a loaded machine still meets. */
  ck_assert_int_lt (g_get_monotonic_time () - start, 5 * G_USEC_PER_SEC);
  ck_assert (shmipc_channel_commit (p, 0, NULL));
  lost = shmipc_channel_get_lost_readers (p, &n_lost);
  ck_assert_uint_eq (n_lost, 1);
  ck_assert_int_eq (lost[0], dead);
  ck_assert_uint_eq (write_some (p, &written, 1000), 1000);
  ck_assert_int_eq (read_all (alive, &got, NULL), 1000);

  /* The last reader leaves before the end: lost too, and the producer
   * has nobody left. */
  ck_assert (shmipc_channel_leave (alive));
  ck_assert_int_lt (shmipc_channel_read (alive, &room, 1, 0, &error), 0);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert (!shmipc_channel_write (p, "x", 1, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_PEER_DIED);
  ck_assert_msg (strstr (error->message, "last consumer") != NULL, "%s", error->message);
  g_clear_error (&error);
  g_clear_pointer (&lost, g_free);
  lost = shmipc_channel_get_lost_readers (p, &n_lost);
  ck_assert_uint_eq (n_lost, 2);
  ck_assert_int_eq (lost[1], getpid ());
  shmipc_channel_free (alive);
  shmipc_channel_free (p);
  test_remove (name, backend);
}
END_TEST

/* Waiting for readers: a timeout, a dead one that does not count, the
 * limit. A reader that died before reading a byte is not lost: it never
 * took the stream (it is not its first reader). */
START_TEST (test_wait_readers)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("waitrd");
  g_autofree gint32 *lost = NULL;
  GError *error = NULL;
  ShmipcChannel *p, *a, *b;
  guint n_lost;

  SKIP_UNLESS_BACKEND (backend);
  p = open_end (name, SHMIPC_CHANNEL_PRODUCER, backend, 2, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert (!shmipc_channel_wait_readers (p, 3, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  a = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  dead_reader (name, backend);
  ck_assert (!shmipc_channel_wait_readers (p, 2, 300, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
  g_clear_error (&error);
  lost = shmipc_channel_get_lost_readers (p, &n_lost);
  ck_assert_uint_eq (n_lost, 0);
  /* Its slot was freed: a second live reader fits the limit of two. */
  b = open_end (name, SHMIPC_CHANNEL_CONSUMER, backend, 0, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert (shmipc_channel_wait_readers (p, 2, 0, NULL));
  ck_assert (shmipc_channel_write (p, "both", 4, 0, NULL));
  ck_assert (shmipc_channel_close_write (p, NULL));
  {
    char buf[8];

    ck_assert_int_eq (shmipc_channel_read (a, buf, sizeof buf, 0, NULL), 4);
    ck_assert_int_eq (shmipc_channel_read (b, buf, sizeof buf, 0, NULL), 4);
  }
  shmipc_channel_free (p);
  shmipc_channel_free (a);
  shmipc_channel_free (b);
  test_remove (name, backend);
}
END_TEST

START_TEST (test_bad_options)
{
  g_autofree gchar *name = test_unique_name ("badopt");
  GError *error = NULL;

  ck_assert_ptr_null (shmipc_channel_open_full (name, SHMIPC_CHANNEL_CONSUMER, CAP, 0600,
                                                SHMIPC_BACKEND_AUTO,
                                                SHMIPC_CHANNEL_MAX_READERS + 1,
                                                SHMIPC_CHANNEL_POLICY_WAIT, -1,
                                                SHMIPC_CHANNEL_OPEN_NONE, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_channel_open_full (name, SHMIPC_CHANNEL_CONSUMER, CAP, 0600,
                                                SHMIPC_BACKEND_AUTO, 0, 7, -1,
                                                SHMIPC_CHANNEL_OPEN_NONE, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_str_eq (shmipc_channel_policy_to_string (SHMIPC_CHANNEL_POLICY_DROP), "drop");
  ck_assert_str_eq (shmipc_channel_reader_state_to_string (SHMIPC_CHANNEL_READER_LEFT), "left");
  ck_assert_ptr_null (shmipc_object_info_lookup (name, SHMIPC_BACKEND_AUTO, NULL));
}
END_TEST

Suite *readers_suite (void);

Suite *
readers_suite (void)
{
  Suite *s = suite_create ("readers");
  TCase *tc = tcase_create ("readers");

  tcase_set_timeout (tc, 60);
  tcase_add_loop_test (tc, test_all_readers_exact, 0, 16);
  tcase_add_loop_test (tc, test_late_join_suffix, 0, 2);
  tcase_add_loop_test (tc, test_wait_slowest, 0, 2);
  tcase_add_loop_test (tc, test_drop_overrun, 0, 2);
  tcase_add_test (tc, test_drop_peek_overwritten);
  tcase_add_loop_test (tc, test_drop_grace, 0, 2);
  tcase_add_loop_test (tc, test_drop_slow_reader_kept, 0, 2);
  tcase_add_loop_test (tc, test_lost_readers, 0, 2);
  tcase_add_loop_test (tc, test_wait_readers, 0, 2);
  tcase_add_test (tc, test_bad_options);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  Suite *suites[] = { readers_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
