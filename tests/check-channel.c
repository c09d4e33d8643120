/* check-channel.c - tests of the streaming channel
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
# include <sys/prctl.h>
#endif

#include "check-common.h"
#include "check-channel-pattern.h"

Suite *channel_suite (void);

#define CAP (64 * 1024)
#define SEED 0x5eed

/* Header offsets, as documented in shmipc-channel-private.h (version 2). */
#define OFF_MAGIC 0
#define OFF_VERSION 8
#define OFF_HEADER_SIZE 12
#define OFF_CAPACITY 16
#define OFF_MAX_READERS 32
#define OFF_POLICY 36
#define OFF_WRITE_POS 128
#define OFF_STATE 384
#define OFF_HOLD 388
#define OFF_BASE 392
#define OFF_PRODUCER 400
#define OFF_SLOT(i) (512 + 128 * (i))
#define OFF_SLOT_OWNER(i) OFF_SLOT (i)
#define OFF_SLOT_READ_POS(i) (OFF_SLOT (i) + 8)

/* The pid of the reader in the first slot in use, 0 for none. */
static gint32
first_reader_pid (const ShmipcChannelInfo *info)
{
  return info->n_readers > 0 ? shmipc_channel_info_get_reader (info, 0)->pid : 0;
}

/* Whether @pid is one of the live readers of @info. */
static gboolean
has_live_reader (const ShmipcChannelInfo *info, gint32 pid)
{
  guint i;

  for (i = 0; i < info->n_readers; i++)
    {
      const ShmipcChannelReaderInfo *reader = shmipc_channel_info_get_reader (info, i);

      if (reader->pid == pid && reader->alive)
        return TRUE;
    }
  return FALSE;
}

static const ShmipcBackend backends[] = { SHMIPC_BACKEND_POSIX, SHMIPC_BACKEND_SYSV };

#define SKIP_UNLESS_BACKEND(b) \
  TEST_SKIP_UNLESS (shmipc_backend_is_available (b), "backend not available in this build")

/* ---------------------------------------------------------------------- */
/* Helpers                                                                  */
/* ---------------------------------------------------------------------- */

/* In a forked child: die with the test process, so nothing lingers when
 * an assertion ends the test early. */
static void
child_setup (void)
{
#ifdef __linux__
  prctl (PR_SET_PDEATHSIG, SIGKILL);
#endif
  alarm (60);
}

static void
sync_send (int fd, char c)
{
  if (write (fd, &c, 1) != 1)
    _exit (90);
}

static char
sync_recv (int fd)
{
  char c = 0;
  ssize_t n;

  do
    n = read (fd, &c, 1);
  while (n < 0 && errno == EINTR);
  ck_assert_int_eq (n, 1);
  return c;
}

static int
child_status (pid_t pid)
{
  int status;

  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + WTERMSIG (status);
}

/* Producer body: writes @total bytes of the pattern with reserve/commit
 * (or write() when @use_write), then the end of the stream. Exit codes:
 * 0 done, 10 + error code on failure. */
static void G_GNUC_NORETURN
produce (const char *name, ShmipcBackend backend, guint64 total, gboolean use_write,
         int ready_fd)
{
  GError *error = NULL;
  ShmipcChannel *ch;
  guint64 done = 0;
  guint8 buf[7000];

  ch = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, CAP, SHMIPC_DEFAULT_MODE,
                            backend, &error);
  if (ch == NULL)
    {
      fprintf (stderr, "producer: %s\n", error->message);
      _exit (10 + error->code);
    }
  if (ready_fd >= 0)
    sync_send (ready_fd, 'p');
  while (done < total)
    {
      gboolean ok;

      if (use_write)
        {
          gsize n = (gsize) MIN (sizeof buf, total - done);

          pattern_fill (buf, done, n, SEED);
          ok = shmipc_channel_write (ch, buf, n, 30000, &error);
          done += n;
        }
      else
        {
          gpointer p;
          gsize n;

          ok = shmipc_channel_reserve (ch, &p, &n, 30000, &error);
          if (ok)
            {
              n = (gsize) MIN (n, total - done);
              pattern_fill (p, done, n, SEED);
              ok = shmipc_channel_commit (ch, n, &error);
              done += n;
            }
        }
      if (!ok)
        {
          fprintf (stderr, "producer: %s\n", error->message);
          _exit (10 + error->code);
        }
    }
  if (total != G_MAXUINT64 && !shmipc_channel_close_write (ch, &error))
    {
      fprintf (stderr, "producer: %s\n", error->message);
      _exit (10 + error->code);
    }
  shmipc_channel_free (ch);
  _exit (0);
}

/* Reads the stream with read() or peek()/consume() and checks every byte
 * against the pattern. Returns the byte count; *error_out gets the error
 * that ended the stream, if any. */
static guint64
consume_checked (ShmipcChannel *ch, gboolean zero_copy, guint64 start, guint64 limit,
                 GError **error_out)
{
  guint8 buf[5000];
  guint64 got = start;

  while (got - start < limit)
    {
      gint64 bad;

      if (zero_copy)
        {
          gconstpointer p;
          gsize n;

          if (!shmipc_channel_peek (ch, &p, &n, 30000, error_out))
            break;
          if (n == 0)
            break;
          n = (gsize) MIN (n, limit - (got - start));
          bad = pattern_check (p, got, n, SEED);
          ck_assert_msg (bad < 0, "stream differs at byte %" G_GINT64_FORMAT, bad);
          ck_assert (shmipc_channel_consume (ch, n, NULL));
          got += n;
        }
      else
        {
          gssize n = shmipc_channel_read (ch, buf, (gsize) MIN (sizeof buf, limit - (got - start)),
                                          30000, error_out);

          if (n <= 0)
            break;
          bad = pattern_check (buf, got, (gsize) n, SEED);
          ck_assert_msg (bad < 0, "stream differs at byte %" G_GINT64_FORMAT, bad);
          got += (guint64) n;
        }
    }
  return got - start;
}

static ShmipcChannel *
open_ok (const char *name, ShmipcChannelRole role, gsize cap, ShmipcBackend backend)
{
  GError *error = NULL;
  ShmipcChannel *ch = shmipc_channel_open (name, role, cap, SHMIPC_DEFAULT_MODE,
                                           backend, &error);

  ck_assert_no_error (error);
  ck_assert_ptr_nonnull (ch);
  return ch;
}

/* ---------------------------------------------------------------------- */
/* Streams                                                                  */
/* ---------------------------------------------------------------------- */

/* _i: backend (bit 0) and start order (bit 1: consumer first). */
START_TEST (test_stream_sizes)
{
  const guint64 sizes[] = { 0, 1, CAP - 1, CAP, CAP + 1, 3 * 1024 * 1024 + 17 };
  ShmipcBackend backend = backends[_i & 1];
  gboolean consumer_first = (_i & 2) != 0;
  gsize k;

  SKIP_UNLESS_BACKEND (backend);
  for (k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      g_autofree gchar *name = test_unique_name ("stream");
      ShmipcChannel *ch = NULL;
      GError *error = NULL;
      int sync[2];
      pid_t pid;
      guint64 got;

      ck_assert_int_eq (pipe (sync), 0);
      if (consumer_first)
        ch = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
      pid = fork ();
      ck_assert_int_ge (pid, 0);
      if (pid == 0)
        {
          child_setup ();
          produce (name, backend, sizes[k], k % 2 == 0, sync[1]);
        }
      ck_assert_int_eq (sync_recv (sync[0]), 'p');
      if (!consumer_first)
        ch = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
      ck_assert_int_eq (shmipc_channel_get_created (ch), consumer_first);

      got = consume_checked (ch, k % 3 == 1, 0, G_MAXUINT64, &error);
      ck_assert_no_error (error);
      ck_assert_uint_eq (got, sizes[k]);
      ck_assert_int_eq (child_status (pid), 0);
      /* The end of the stream stays: read returns 0 again. */
      ck_assert_int_eq (shmipc_channel_read (ch, &got, 1, 0, &error), 0);
      ck_assert_no_error (error);

      ck_assert (shmipc_channel_unlink (ch, NULL));
      shmipc_channel_free (ch);
      close (sync[0]);
      close (sync[1]);
    }
}
END_TEST

/* The GBytes twins: a stream written and read back in one process (it
 * fits the ring), then the end of the stream as empty bytes. */
START_TEST (test_stream_bytes)
{
  g_autofree gchar *name = test_unique_name ("bytes");
  ShmipcBackend backend = backends[_i];
  g_autoptr(ShmipcChannel) producer = NULL;
  g_autoptr(ShmipcChannel) consumer = NULL;
  g_autoptr(GByteArray) received = g_byte_array_new ();
  g_autoptr(GBytes) sent = NULL;
  g_autoptr(GError) error = NULL;
  guint8 data[40000];
  gsize k;

  SKIP_UNLESS_BACKEND (backend);
  for (k = 0; k < sizeof data; k++)
    data[k] = (guint8) (k * 7 + 3);
  sent = g_bytes_new (data, sizeof data);
  producer = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, backend);
  consumer = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  ck_assert (shmipc_channel_write_bytes (producer, sent, 0, &error));
  ck_assert_no_error (error);
  ck_assert (shmipc_channel_close_write (producer, &error));
  for (;;)
    {
      g_autoptr(GBytes) chunk = shmipc_channel_read_bytes (consumer, 1000, 0, &error);

      ck_assert_no_error (error);
      ck_assert_ptr_nonnull (chunk);
      ck_assert_uint_le (g_bytes_get_size (chunk), 1000);
      if (g_bytes_get_size (chunk) == 0)
        break;
      g_byte_array_append (received, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
    }
  ck_assert_uint_eq (received->len, sizeof data);
  ck_assert_mem_eq (received->data, data, sizeof data);
  ck_assert (shmipc_channel_unlink (consumer, NULL));
}
END_TEST

/* send_fd/receive_fd between two files. */
START_TEST (test_stream_fd)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("fd");
  g_autofree gchar *in_path = NULL;
  g_autofree gchar *out_path = NULL;
  const gsize size = 2 * 1024 * 1024 + 333;
  guint8 *data = g_malloc (size);
  gchar *contents = NULL;
  gsize length = 0;
  GError *error = NULL;
  ShmipcChannel *ch;
  guint64 moved = 0;
  int in_fd, out_fd;
  pid_t pid;

  SKIP_UNLESS_BACKEND (backend);
  pattern_fill (data, 0, size, SEED);
  in_fd = g_file_open_tmp ("shmipc-chan-in-XXXXXX", &in_path, NULL);
  out_fd = g_file_open_tmp ("shmipc-chan-out-XXXXXX", &out_path, NULL);
  ck_assert_int_ge (in_fd, 0);
  ck_assert_int_ge (out_fd, 0);
  ck_assert_int_eq (write (in_fd, data, size), (gssize) size);
  ck_assert_int_eq (lseek (in_fd, 0, SEEK_SET), 0);

  ch = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      ShmipcChannel *p;

      child_setup ();
      p = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, 0, SHMIPC_DEFAULT_MODE,
                               backend, &error);
      if (p == NULL || !shmipc_channel_send_fd (p, in_fd, &moved, 30000, &error))
        _exit (10 + error->code);
      _exit (moved == size ? 0 : 3);
    }
  ck_assert (shmipc_channel_receive_fd (ch, out_fd, &moved, 30000, &error));
  ck_assert_no_error (error);
  ck_assert_uint_eq (moved, size);
  ck_assert_int_eq (child_status (pid), 0);
  ck_assert (g_file_get_contents (out_path, &contents, &length, NULL));
  ck_assert_uint_eq (length, size);
  ck_assert (memcmp (contents, data, size) == 0);

  shmipc_channel_unlink (ch, NULL);
  shmipc_channel_free (ch);
  close (in_fd);
  close (out_fd);
  unlink (in_path);
  unlink (out_path);
  g_free (contents);
  g_free (data);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Peer death                                                               */
/* ---------------------------------------------------------------------- */

START_TEST (test_producer_killed_mid_stream)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("pkill");
  GError *error = NULL;
  ShmipcChannel *ch;
  guint64 got;
  gint64 t0;
  double seconds;
  pid_t pid;

  SKIP_UNLESS_BACKEND (backend);
  ch = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      child_setup ();
      produce (name, backend, G_MAXUINT64, FALSE, -1);
    }
  got = consume_checked (ch, FALSE, 0, 1024 * 1024, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (got, 1024 * 1024);

  /* Not reaped until the consumer has noticed: a zombie is dead too. */
  ck_assert_int_eq (kill (pid, SIGKILL), 0);
  t0 = g_get_monotonic_time ();
  got += consume_checked (ch, TRUE, got, G_MAXUINT64, &error);
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  ck_assert_shmipc_error (error, SHMIPC_ERROR_PEER_DIED);
  fprintf (stderr, "%s: producer death noticed after %.3f s (%" G_GUINT64_FORMAT " bytes)\n",
           __func__, seconds, got);
  /* The issue asks for 1 s; 5 s keeps a loaded CI machine from failing. */
  ck_assert_msg (seconds < 5.0, "death noticed after %.3f s", seconds);
  ck_assert_int_eq (child_status (pid), 128 + SIGKILL);
  /* The error stays. */
  ck_assert_int_lt (shmipc_channel_read (ch, &got, 1, 0, NULL), 0);

  shmipc_channel_unlink (ch, NULL);
  shmipc_channel_free (ch);
}
END_TEST

/* Every byte committed before the producer died reaches the consumer. */
START_TEST (test_producer_killed_committed_bytes)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("pcommit");
  const guint64 committed = CAP - 1000;
  GError *error = NULL;
  ShmipcChannel *ch;
  int sync[2];
  pid_t pid;

  SKIP_UNLESS_BACKEND (backend);
  ck_assert_int_eq (pipe (sync), 0);
  ch = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      ShmipcChannel *p;
      guint8 *buf = g_malloc (committed);

      child_setup ();
      p = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, CAP, SHMIPC_DEFAULT_MODE,
                               backend, NULL);
      pattern_fill (buf, 0, committed, SEED);
      if (p == NULL || !shmipc_channel_write (p, buf, committed, 1000, NULL))
        _exit (3);
      sync_send (sync[1], 'c');
      pause ();
      _exit (4);
    }
  ck_assert_int_eq (sync_recv (sync[0]), 'c');
  ck_assert_int_eq (kill (pid, SIGKILL), 0);
  ck_assert_int_eq (child_status (pid), 128 + SIGKILL);

  ck_assert_uint_eq (consume_checked (ch, FALSE, 0, G_MAXUINT64, &error), committed);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_PEER_DIED);
  ck_assert_msg (strstr (error->message, "producer") != NULL, "%s", error->message);
  g_clear_error (&error);

  shmipc_channel_unlink (ch, NULL);
  shmipc_channel_free (ch);
  close (sync[0]);
  close (sync[1]);
}
END_TEST

START_TEST (test_consumer_killed)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("ckill");
  const gsize first = 100000;
  guint8 *buf = g_malloc (first + CAP);
  GError *error = NULL;
  ShmipcChannel *ch;
  double seconds;
  gint64 t0;
  int sync[2];
  pid_t pid;

  SKIP_UNLESS_BACKEND (backend);
  ck_assert_int_eq (pipe (sync), 0);
  ch = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, backend);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      ShmipcChannel *c;

      child_setup ();
      c = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, CAP, SHMIPC_DEFAULT_MODE,
                               backend, NULL);
      if (c == NULL || consume_checked (c, FALSE, 0, first, NULL) != first)
        _exit (3);
      sync_send (sync[1], 'c');
      pause ();
      _exit (4);
    }
  /* Exactly what fits: the consumer takes the first part, the rest fills
   * the ring. */
  pattern_fill (buf, 0, first + CAP, SEED);
  ck_assert (shmipc_channel_write (ch, buf, first + CAP, 30000, &error));
  ck_assert_no_error (error);
  ck_assert_int_eq (sync_recv (sync[0]), 'c');
  ck_assert_int_eq (kill (pid, SIGKILL), 0);
  t0 = g_get_monotonic_time ();
  ck_assert (!shmipc_channel_write (ch, buf, 1, -1, &error));
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  ck_assert_shmipc_error (error, SHMIPC_ERROR_PEER_DIED);
  fprintf (stderr, "%s: consumer death noticed after %.3f s\n", __func__, seconds);
  ck_assert_msg (seconds < 5.0, "death noticed after %.3f s", seconds);
  g_clear_error (&error);
  ck_assert_int_eq (child_status (pid), 128 + SIGKILL);

  shmipc_channel_unlink (ch, NULL);
  shmipc_channel_free (ch);
  close (sync[0]);
  close (sync[1]);
  g_free (buf);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Busy, stale channels, timeouts, abort                                   */
/* ---------------------------------------------------------------------- */

START_TEST (test_busy)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("busy");
  g_autofree gchar *pid_text = g_strdup_printf ("%d", (int) getpid ());
  GError *error = NULL;
  ShmipcChannel *p, *c;
  ShmipcChannelRole role;

  SKIP_UNLESS_BACKEND (backend);
  /* One producer; one reader slot, so that a second reader is refused. */
  p = shmipc_channel_open_full (name, SHMIPC_CHANNEL_PRODUCER, CAP, SHMIPC_DEFAULT_MODE,
                                backend, 1, SHMIPC_CHANNEL_POLICY_WAIT, -1,
                                SHMIPC_CHANNEL_OPEN_NONE, &error);
  ck_assert_no_error (error);
  ck_assert_uint_eq (shmipc_channel_get_max_readers (p), 1);
  c = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  ck_assert_uint_eq (shmipc_channel_get_max_readers (c), 1);
  for (role = SHMIPC_CHANNEL_PRODUCER; role <= SHMIPC_CHANNEL_CONSUMER; role++)
    {
      ck_assert_ptr_null (shmipc_channel_open (name, role, CAP, SHMIPC_DEFAULT_MODE,
                                               backend, &error));
      ck_assert_shmipc_error (error, SHMIPC_ERROR_BUSY);
      ck_assert_msg (strstr (error->message, pid_text) != NULL, "%s", error->message);
      g_clear_error (&error);
    }
  /* The channel still works for the holders. */
  ck_assert (shmipc_channel_write (p, "abc", 3, 0, NULL));
  ck_assert (shmipc_channel_close_write (p, NULL));
  {
    char buf[8];

    ck_assert_int_eq (shmipc_channel_read (c, buf, sizeof buf, 0, NULL), 3);
    ck_assert_int_eq (shmipc_channel_read (c, buf, sizeof buf, 0, NULL), 0);
  }
  shmipc_channel_free (p);
  shmipc_channel_free (c);
  test_remove (name, backend);
}
END_TEST

/* An end held by a dead process is taken over. */
START_TEST (test_dead_holder_taken_over)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("takeover");
  ShmipcChannelRole role;

  SKIP_UNLESS_BACKEND (backend);
  for (role = SHMIPC_CHANNEL_PRODUCER; role <= SHMIPC_CHANNEL_CONSUMER; role++)
    {
      ShmipcChannel *ch;
      ShmipcChannelInfo info;
      pid_t pid = fork ();

      ck_assert_int_ge (pid, 0);
      if (pid == 0)
        {
          child_setup ();
          /* Exit holding the end, without shmipc_channel_free(). */
          _exit (shmipc_channel_open (name, role, CAP, SHMIPC_DEFAULT_MODE, backend,
                                      NULL) != NULL ? 0 : 3);
        }
      ck_assert_int_eq (child_status (pid), 0);
      ch = open_ok (name, role, CAP, backend);
      ck_assert (shmipc_channel_inspect (shmipc_channel_get_segment (ch), &info, NULL));
      if (role == SHMIPC_CHANNEL_PRODUCER)
        {
          ck_assert_int_eq (info.producer_pid, getpid ());
          ck_assert (info.producer_alive);
        }
      else
        ck_assert (has_live_reader (&info, getpid ()));
      shmipc_channel_unlink (ch, NULL);
      shmipc_channel_free (ch);
    }
}
END_TEST

/* A finished stream nobody read is kept; a finished and read one is
 * replaced by the next producer's stream. */
START_TEST (test_stale_channel)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("stale");
  GError *error = NULL;
  ShmipcChannel *p, *c;
  char buf[16];

  SKIP_UNLESS_BACKEND (backend);
  p = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, backend);
  ck_assert (shmipc_channel_write (p, "first", 5, 0, NULL));
  ck_assert (shmipc_channel_close_write (p, NULL));
  shmipc_channel_free (p);

  ck_assert_ptr_null (shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, CAP,
                                           SHMIPC_DEFAULT_MODE, backend, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_EXISTS);
  g_clear_error (&error);

  c = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  ck_assert_int_eq (shmipc_channel_read (c, buf, sizeof buf, 0, NULL), 5);
  ck_assert (memcmp (buf, "first", 5) == 0);
  ck_assert_int_eq (shmipc_channel_read (c, buf, sizeof buf, 0, NULL), 0);
  shmipc_channel_free (c);

  p = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, backend);
  c = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  ck_assert (shmipc_channel_write (p, "second", 6, 0, NULL));
  ck_assert_int_eq (shmipc_channel_read (c, buf, sizeof buf, 0, NULL), 6);
  ck_assert (memcmp (buf, "second", 6) == 0);
  /* The consumer leaving early aborts: the producer is told. */
  shmipc_channel_free (c);
  ck_assert (!shmipc_channel_write (p, "x", 1, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_PEER_DIED);
  g_clear_error (&error);
  shmipc_channel_free (p);
  test_remove (name, backend);
}
END_TEST

START_TEST (test_timeouts)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("timeout");
  guint8 *buf = g_malloc0 (CAP);
  GError *error = NULL;
  ShmipcChannel *p, *c;
  gpointer space;
  gsize n;
  gint64 t0;

  SKIP_UNLESS_BACKEND (backend);
  c = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  t0 = g_get_monotonic_time ();
  ck_assert_int_lt (shmipc_channel_read (c, buf, 1, 300, &error), 0);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
  ck_assert_int_ge (g_get_monotonic_time () - t0, 300 * 1000);
  g_clear_error (&error);

  p = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, backend);
  ck_assert_uint_eq (shmipc_channel_get_capacity (p), CAP);
  ck_assert (shmipc_channel_write (p, buf, CAP, 0, NULL));
  ck_assert (!shmipc_channel_reserve (p, &space, &n, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
  g_clear_error (&error);
  t0 = g_get_monotonic_time ();
  ck_assert (!shmipc_channel_write (p, buf, 1, 200, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_TIMED_OUT);
  ck_assert_int_ge (g_get_monotonic_time () - t0, 200 * 1000);
  g_clear_error (&error);

  /* Commits beyond a reservation are refused. */
  ck_assert_int_eq (shmipc_channel_read (c, buf, 10, 0, NULL), 10);
  ck_assert (shmipc_channel_reserve (p, &space, &n, 0, NULL));
  ck_assert_uint_eq (n, 10);
  ck_assert (!shmipc_channel_commit (p, 11, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  shmipc_channel_free (p);
  shmipc_channel_free (c);
  test_remove (name, backend);
  g_free (buf);
}
END_TEST

static ShmipcChannel *abort_channel;

static void
abort_handler (int signo)
{
  shmipc_channel_abort (abort_channel);
}

/* SIGUSR1 makes a blocked call return: _i 0 a consumer blocked waiting
 * for data, _i 1 a producer blocked in read(2) inside send_fd. */
START_TEST (test_abort_from_signal)
{
  g_autofree gchar *name = test_unique_name ("abort");
  ShmipcChannelRole child_role = _i == 0 ? SHMIPC_CHANNEL_CONSUMER : SHMIPC_CHANNEL_PRODUCER;
  GError *error = NULL;
  ShmipcChannel *ch;
  int sync[2];
  int data[2];
  pid_t pid;

  ck_assert_int_eq (pipe (sync), 0);
  ck_assert_int_eq (pipe (data), 0);
  ch = open_ok (name, 1 - child_role, CAP, SHMIPC_BACKEND_AUTO);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      struct sigaction sa;
      gboolean ok;
      char c;

      child_setup ();
      memset (&sa, 0, sizeof sa);
      sa.sa_handler = abort_handler;   /* no SA_RESTART: read(2) returns EINTR */
      sigaction (SIGUSR1, &sa, NULL);
      abort_channel = shmipc_channel_open (name, child_role, CAP, SHMIPC_DEFAULT_MODE,
                                           SHMIPC_BACKEND_AUTO, NULL);
      if (abort_channel == NULL)
        _exit (3);
      sync_send (sync[1], 'r');
      if (child_role == SHMIPC_CHANNEL_CONSUMER)
        ok = shmipc_channel_read (abort_channel, &c, 1, -1, &error) >= 0;
      else
        ok = shmipc_channel_send_fd (abort_channel, data[0], NULL, -1, &error);
      _exit (!ok && error->domain == SHMIPC_ERROR && error->code == SHMIPC_ERROR_FAILED ? 0 : 5);
    }
  ck_assert_int_eq (sync_recv (sync[0]), 'r');
  g_usleep (100 * 1000);  /* let it block; a signal before that aborts too */
  ck_assert_int_eq (kill (pid, SIGUSR1), 0);
  ck_assert_int_eq (child_status (pid), 0);

  /* The survivor is told: a reader at once. A reader that left before
   * it read a byte never took the stream: the producer ends it, and the
   * next reader to come gets all of it. */
  if (child_role == SHMIPC_CHANNEL_CONSUMER)
    {
      ShmipcChannel *next;
      char buf[4];

      ck_assert (shmipc_channel_write (ch, "x", 1, 0, NULL));
      ck_assert (shmipc_channel_close_write (ch, NULL));
      next = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, SHMIPC_BACKEND_AUTO);
      ck_assert_int_eq (shmipc_channel_read (next, buf, sizeof buf, 0, NULL), 1);
      ck_assert_int_eq (buf[0], 'x');
      ck_assert_int_eq (shmipc_channel_read (next, buf, sizeof buf, 0, NULL), 0);
      shmipc_channel_free (next);
    }
  else
    {
      ck_assert_int_lt (shmipc_channel_read (ch, &pid, 1, 0, &error), 0);
      ck_assert_shmipc_error (error, SHMIPC_ERROR_PEER_DIED);
      g_clear_error (&error);
    }

  shmipc_channel_unlink (ch, NULL);
  shmipc_channel_free (ch);
  close (sync[0]);
  close (sync[1]);
  close (data[0]);
  close (data[1]);
}
END_TEST

/* A consumer blocked in a write(2) to a full pipe that a signal interrupts
 * after part of the write went through (write returns that part, not
 * EINTR) still stops: "cons --stream >fifo" stopped by SIGINT. */
START_TEST (test_abort_partial_write)
{
  g_autofree gchar *name = test_unique_name ("abortw");
  g_autofree guint8 *bytes = g_malloc0 (4 * CAP);
  GError *error = NULL;
  ShmipcChannel *ch;
  int sync[2];
  int out[2];
  pid_t pid;

  ck_assert_int_eq (pipe (sync), 0);
  ck_assert_int_eq (pipe (out), 0);
  ch = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, SHMIPC_BACKEND_AUTO);
  /* The ring holds CAP bytes; the consumer's chunk is CAP too, more than
   * the pipe takes once its first CAP bytes are in. */
  ck_assert (shmipc_channel_write (ch, bytes, CAP, 0, &error));
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      struct sigaction sa;
      gboolean ok;

      child_setup ();
      memset (&sa, 0, sizeof sa);
      sa.sa_handler = abort_handler;   /* no SA_RESTART */
      sigaction (SIGUSR1, &sa, NULL);
      close (out[0]);                  /* nobody reads: the write blocks */
      fcntl (out[1], F_SETPIPE_SZ, 4096);
      abort_channel = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, CAP,
                                           SHMIPC_DEFAULT_MODE, SHMIPC_BACKEND_AUTO, NULL);
      if (abort_channel == NULL)
        _exit (3);
      sync_send (sync[1], 'r');
      ok = shmipc_channel_receive_fd (abort_channel, out[1], NULL, -1, &error);
      _exit (!ok && error->domain == SHMIPC_ERROR && error->code == SHMIPC_ERROR_FAILED ? 0 : 5);
    }
  ck_assert_int_eq (sync_recv (sync[0]), 'r');
  g_usleep (200 * 1000);  /* let it fill the pipe and block in write(2) */
  ck_assert_int_eq (kill (pid, SIGUSR1), 0);
  ck_assert_int_eq (child_status (pid), 0);

  shmipc_channel_unlink (ch, NULL);
  shmipc_channel_free (ch);
  close (sync[0]);
  close (sync[1]);
  close (out[0]);
  close (out[1]);
}
END_TEST

START_TEST (test_bad_arguments)
{
  g_autofree gchar *name = test_unique_name ("args");
  GError *error = NULL;
  ShmipcChannel *p;
  char buf[4];

  ck_assert_ptr_null (shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER,
                                           SHMIPC_CHANNEL_MIN_CAPACITY - 1,
                                           SHMIPC_DEFAULT_MODE, SHMIPC_BACKEND_AUTO, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert_ptr_null (shmipc_channel_open ("", SHMIPC_CHANNEL_PRODUCER, 0,
                                           SHMIPC_DEFAULT_MODE, SHMIPC_BACKEND_AUTO, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_NAME);
  g_clear_error (&error);

  p = open_ok (name, SHMIPC_CHANNEL_PRODUCER, 0, SHMIPC_BACKEND_AUTO);
  ck_assert_uint_eq (shmipc_channel_get_capacity (p), SHMIPC_CHANNEL_DEFAULT_CAPACITY);
  ck_assert_int_lt (shmipc_channel_read (p, buf, 1, 0, &error), 0);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  ck_assert (shmipc_channel_close_write (p, NULL));
  ck_assert (!shmipc_channel_write (p, "x", 1, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  shmipc_channel_unlink (p, NULL);
  shmipc_channel_free (p);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Corrupt headers                                                          */
/* ---------------------------------------------------------------------- */

static void
put32 (guint8 *h, gsize off, guint32 v)
{
  memcpy (h + off, &v, 4);
}

static void
put64 (guint8 *h, gsize off, guint64 v)
{
  memcpy (h + off, &v, 8);
}

/* A segment with a valid version 2 header and an empty ring. */
static ShmipcSegment *
make_header (const char *name, ShmipcBackend backend)
{
  ShmipcSegment *seg = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                                            SHMIPC_CHANNEL_HEADER_SIZE + CAP,
                                            SHMIPC_DEFAULT_MODE, backend, NULL);
  guint8 *h;

  ck_assert_ptr_nonnull (seg);
  h = shmipc_segment_get_data (seg);
  memcpy (h + OFF_MAGIC, SHMIPC_CHANNEL_MAGIC, 8);
  put32 (h, OFF_VERSION, SHMIPC_CHANNEL_VERSION);
  put32 (h, OFF_HEADER_SIZE, SHMIPC_CHANNEL_HEADER_SIZE);
  put64 (h, OFF_CAPACITY, CAP);
  put32 (h, OFF_MAX_READERS, 4);
  put32 (h, OFF_POLICY, SHMIPC_CHANNEL_POLICY_WAIT);
  put32 (h, OFF_HOLD, 1);
  for (guint i = 0; i < SHMIPC_CHANNEL_MAX_READERS; i++)
    put64 (h, OFF_SLOT_READ_POS (i), G_MAXUINT64);
  return seg;
}

static void
expect_corrupt (const char *name, ShmipcBackend backend, const char *what)
{
  ShmipcChannelRole role;

  for (role = SHMIPC_CHANNEL_PRODUCER; role <= SHMIPC_CHANNEL_CONSUMER; role++)
    {
      GError *error = NULL;
      ShmipcChannel *ch = shmipc_channel_open (name, role, CAP, SHMIPC_DEFAULT_MODE,
                                               backend, &error);

      ck_assert_msg (ch == NULL, "%s: %s opened", what, shmipc_channel_role_to_string (role));
      ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
      g_clear_error (&error);
    }
}

START_TEST (test_corrupt_headers)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("corrupt");
  ShmipcChannelInfo info;
  ShmipcSegment *seg;
  GError *error = NULL;
  guint8 *h;

  SKIP_UNLESS_BACKEND (backend);
  seg = make_header (name, backend);
  h = shmipc_segment_get_data (seg);
  ck_assert (shmipc_channel_is_channel (h, shmipc_segment_get_size (seg)));
  ck_assert (shmipc_channel_inspect (seg, &info, NULL));
  ck_assert_uint_eq (info.capacity, CAP);

  memcpy (h, "garbage!", 8);
  ck_assert (!shmipc_channel_is_channel (h, shmipc_segment_get_size (seg)));
  expect_corrupt (name, backend, "bad magic");
  ck_assert (!shmipc_channel_inspect (seg, &info, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  g_clear_error (&error);
  memcpy (h, SHMIPC_CHANNEL_MAGIC, 8);

  put32 (h, OFF_VERSION, 99);
  expect_corrupt (name, backend, "bad version");
  put32 (h, OFF_VERSION, 1);
  expect_corrupt (name, backend, "the version of shmipc 0.1");
  error = NULL;
  ck_assert (!shmipc_channel_inspect (seg, &info, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  ck_assert_msg (strstr (error->message, "shmipc 0.1") != NULL, "%s", error->message);
  g_clear_error (&error);
  put32 (h, OFF_VERSION, SHMIPC_CHANNEL_VERSION);

  put32 (h, OFF_MAX_READERS, 0);
  expect_corrupt (name, backend, "no reader slot");
  put32 (h, OFF_MAX_READERS, SHMIPC_CHANNEL_MAX_READERS + 1);
  expect_corrupt (name, backend, "more reader slots than fit");
  put32 (h, OFF_MAX_READERS, 4);
  put32 (h, OFF_POLICY, 2);
  expect_corrupt (name, backend, "unknown policy");
  put32 (h, OFF_POLICY, SHMIPC_CHANNEL_POLICY_WAIT);

  put32 (h, OFF_HEADER_SIZE, 64);
  expect_corrupt (name, backend, "bad header size");
  put32 (h, OFF_HEADER_SIZE, SHMIPC_CHANNEL_HEADER_SIZE);

  put64 (h, OFF_CAPACITY, CAP + 4096);
  expect_corrupt (name, backend, "capacity larger than the object");
  put64 (h, OFF_CAPACITY, 0);
  expect_corrupt (name, backend, "capacity 0");
  put64 (h, OFF_CAPACITY, G_MAXUINT64);
  expect_corrupt (name, backend, "capacity 2^64-1");
  put64 (h, OFF_CAPACITY, CAP);

  put64 (h, OFF_WRITE_POS, 10);
  put64 (h, OFF_BASE, 11);
  expect_corrupt (name, backend, "stream base after write");
  put64 (h, OFF_WRITE_POS, CAP + 12);
  expect_corrupt (name, backend, "more than the capacity written");
  put64 (h, OFF_WRITE_POS, 11);
  ck_assert (shmipc_channel_inspect (seg, &info, NULL));

  /* A reader slot in use, at a position after the producer's. */
  put32 (h, OFF_HOLD, 0);
  put64 (h, OFF_SLOT_OWNER (2), ((guint64) 1 << 32) | (guint64) getpid ());
  put64 (h, OFF_SLOT_READ_POS (2), 12);
  ck_assert (!shmipc_channel_inspect (seg, &info, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  g_clear_error (&error);
  {
    ShmipcChannel *ch = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, CAP,
                                             SHMIPC_DEFAULT_MODE, backend, &error);

    ck_assert_ptr_null (ch);
    ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
    g_clear_error (&error);
  }
  put64 (h, OFF_SLOT_READ_POS (2), 11);
  ck_assert (shmipc_channel_inspect (seg, &info, NULL));
  ck_assert_uint_eq (info.n_readers, 1);
  ck_assert_uint_eq (shmipc_channel_info_get_reader (&info, 0)->slot, 2);
  ck_assert_uint_eq (shmipc_channel_info_get_reader (&info, 0)->position, 11);
  put64 (h, OFF_SLOT_OWNER (2), 0);
  put64 (h, OFF_SLOT_READ_POS (2), G_MAXUINT64);

  put32 (h, OFF_STATE, 7);
  ck_assert (!shmipc_channel_inspect (seg, &info, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  g_clear_error (&error);

  shmipc_segment_unlink (seg, NULL);
  shmipc_segment_free (seg);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* A creator that dies before publishing its header                        */
/* ---------------------------------------------------------------------- */

/* Streams a few bytes through a channel opened by a recovering opener,
 * to show that the header it wrote works. */
static void
check_usable (const char *name, ShmipcBackend backend, ShmipcChannel *consumer,
              guint64 capacity)
{
  ShmipcChannelInfo info;
  ShmipcChannel *producer;
  GError *error = NULL;
  char buf[6];

  ck_assert (shmipc_channel_inspect (shmipc_channel_get_segment (consumer), &info, NULL));
  ck_assert_uint_eq (info.capacity, capacity);
  ck_assert_int_eq (first_reader_pid (&info), getpid ());
  ck_assert_int_eq (info.producer_pid, 0);
  ck_assert_uint_eq (info.fill, 0);
  producer = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, backend);
  ck_assert (shmipc_channel_write (producer, "hello", 5, 1000, NULL));
  ck_assert (shmipc_channel_close_write (producer, NULL));
  ck_assert_int_eq (shmipc_channel_read (consumer, buf, sizeof buf, 1000, &error), 5);
  ck_assert_no_error (error);
  ck_assert_int_eq (memcmp (buf, "hello", 5), 0);
  shmipc_channel_free (producer);
  ck_assert (shmipc_channel_unlink (consumer, NULL));
  shmipc_channel_free (consumer);
}

/* Opens @name as a segment and clears the channel magic: what a creator
 * killed after it claimed the header but before it published it leaves. */
static void
unpublish (const char *name, ShmipcBackend backend)
{
  ShmipcSegment *seg = shmipc_segment_open (name, 0, 0, 0, backend, NULL);

  ck_assert_ptr_nonnull (seg);
  put64 (shmipc_segment_get_data (seg), OFF_MAGIC, 0);
  shmipc_segment_free (seg);
}

/* The claim of a creator that died is taken over at once; the claim of
 * one that lives but never publishes is waited for, then refused. */
START_TEST (test_creator_died_after_claim)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("claimed");
  ShmipcChannel *ch;
  GError *error = NULL;
  int sync[2];
  pid_t pid;

  SKIP_UNLESS_BACKEND (backend);
  ck_assert_int_eq (pipe (sync), 0);
  pid = fork ();
  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      child_setup ();
      /* The producer creates a channel, then waits to be killed. */
      if (shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, 2 * CAP, SHMIPC_DEFAULT_MODE,
                               backend, NULL) == NULL)
        _exit (3);
      sync_send (sync[1], 'c');
      pause ();
      _exit (4);
    }
  ck_assert_int_eq (sync_recv (sync[0]), 'c');
  unpublish (name, backend);

  /* A live process holds the claim: refused (after the wait, with the
   * object left alone). */
  ck_assert_ptr_null (shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, CAP,
                                           SHMIPC_DEFAULT_MODE, backend, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  ck_assert_msg (strstr (error->message, "no channel header") != NULL, "%s", error->message);
  g_clear_error (&error);

  /* Its holder dies: the next opener writes the header, for the object's
   * whole size, with no owner but itself. */
  kill (pid, SIGKILL);
  ck_assert_int_eq (child_status (pid), 128 + SIGKILL);
  close (sync[0]);
  close (sync[1]);
  ch = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  check_usable (name, backend, ch, 2 * CAP);
}
END_TEST

/* A creator killed between creating the object and claiming its header
 * leaves zeros: the header is written by the next opener, once the
 * object has had time to be claimed. A zero-filled object too small to
 * hold a ring is still not a channel. */
START_TEST (test_creator_died_before_claim)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("unclaimed");
  g_autofree gchar *small = test_unique_name ("small");
  ShmipcSegment *seg;
  ShmipcChannel *ch;
  GError *error = NULL;

  SKIP_UNLESS_BACKEND (backend);
  seg = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                             SHMIPC_CHANNEL_HEADER_SIZE + 3 * CAP, SHMIPC_DEFAULT_MODE,
                             backend, NULL);
  ck_assert_ptr_nonnull (seg);
  shmipc_segment_free (seg);
  ch = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  check_usable (name, backend, ch, 3 * CAP);

  seg = shmipc_segment_open (small, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                             SHMIPC_CHANNEL_HEADER_SIZE + 100, SHMIPC_DEFAULT_MODE,
                             backend, NULL);
  ck_assert_ptr_nonnull (seg);
  ck_assert_ptr_null (shmipc_channel_open (small, SHMIPC_CHANNEL_CONSUMER, CAP,
                                           SHMIPC_DEFAULT_MODE, backend, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  ck_assert_msg (strstr (error->message, "not a channel") != NULL, "%s", error->message);
  g_clear_error (&error);
  ck_assert_uint_eq (shmipc_segment_get_size (seg), SHMIPC_CHANNEL_HEADER_SIZE + 100);
  shmipc_segment_unlink (seg, NULL);
  shmipc_segment_free (seg);
}
END_TEST

/* A POSIX creator killed between shm_open() and sizing the object leaves
 * it empty: the next opener sizes it for its own capacity. */
START_TEST (test_creator_died_before_sizing)
{
  g_autofree gchar *name = test_unique_name ("empty");
  ShmipcSegment *seg;
  ShmipcChannel *ch;
  int fd;

  SKIP_UNLESS_BACKEND (SHMIPC_BACKEND_POSIX);
  fd = shm_open (name, O_RDWR | O_CREAT | O_EXCL, 0600);
  ck_assert_int_ge (fd, 0);
  close (fd);
  ch = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, SHMIPC_BACKEND_POSIX);
  seg = shmipc_channel_get_segment (ch);
  ck_assert_uint_eq (shmipc_segment_get_size (seg), SHMIPC_CHANNEL_HEADER_SIZE + CAP);
  check_usable (name, SHMIPC_BACKEND_POSIX, ch, CAP);
}
END_TEST

/* Positions spoiled while both ends are open. */
START_TEST (test_corrupt_while_open)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("spoil");
  ShmipcSegment *seg;
  ShmipcChannel *p, *c;
  GError *error = NULL;
  gpointer space;
  gsize n;
  guint8 *h;
  char buf[64];

  SKIP_UNLESS_BACKEND (backend);
  p = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, backend);
  c = open_ok (name, SHMIPC_CHANNEL_CONSUMER, CAP, backend);
  seg = shmipc_segment_open (name, SHMIPC_OPEN_NONE, 0, 0, backend, NULL);
  ck_assert_ptr_nonnull (seg);
  h = shmipc_segment_get_data (seg);
  ck_assert (shmipc_channel_write (p, "0123456789", 10, 0, NULL));

  put64 (h, OFF_WRITE_POS, G_GUINT64_CONSTANT (1) << 40);
  ck_assert_int_lt (shmipc_channel_read (c, buf, sizeof buf, 0, &error), 0);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  g_clear_error (&error);
  put64 (h, OFF_WRITE_POS, 10);


  /* The capacity is read once at open: changing it later has no effect. */
  put64 (h, OFF_CAPACITY, G_MAXUINT64);
  ck_assert_int_eq (shmipc_channel_read (c, buf, sizeof buf, 0, NULL), 10);
  put64 (h, OFF_CAPACITY, CAP);

  put32 (h, OFF_STATE, 1234);
  ck_assert_int_lt (shmipc_channel_read (c, buf, sizeof buf, 0, &error), 0);
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  g_clear_error (&error);
  put32 (h, OFF_STATE, SHMIPC_CHANNEL_STATE_OPEN);

  /* A reader's position after the producer's (the reader is in the first
   * slot): found when the producer next looks at its readers, at the
   * latest when it needs room beyond its last look. */
  put64 (h, OFF_SLOT_READ_POS (0), G_GUINT64_CONSTANT (1) << 40);
  {
    g_autofree guint8 *big = g_malloc0 (CAP);

    ck_assert (!shmipc_channel_write (p, big, CAP, 0, &error));
  }
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  g_clear_error (&error);
  ck_assert (!shmipc_channel_reserve (p, &space, &n, 0, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  g_clear_error (&error);

  shmipc_channel_free (p);
  shmipc_channel_free (c);
  shmipc_segment_unlink (seg, NULL);
  shmipc_segment_free (seg);
}
END_TEST

/* Random headers: whatever opens must stay inside the ring. The object
 * ends on a page boundary, so a stray access past the ring faults. */
START_TEST (test_corrupt_random)
{
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("fuzz");
  GRand *rand = g_rand_new_with_seed (4242 + _i);
  guint opened = 0;
  guint iter;
  ShmipcSegment *seg;
  guint8 *h;

  SKIP_UNLESS_BACKEND (backend);
  seg = make_header (name, backend);
  h = shmipc_segment_get_data (seg);
  for (iter = 0; iter < 3000; iter++)
    {
      guint level = g_rand_int_range (rand, 0, 4);
      ShmipcChannelRole role = g_rand_int_range (rand, 0, 2);
      ShmipcChannelInfo info;
      ShmipcChannel *ch;
      GError *error = NULL;
      gsize i;

      for (i = 0; i < 512; i++)
        h[i] = (guint8) g_rand_int (rand);
      /* Deeper levels keep more of the header valid, to get past the
       * first checks. */
      if (level >= 1)
        memcpy (h, SHMIPC_CHANNEL_MAGIC, 8);
      if (level >= 2)
        {
          guint64 w = g_rand_int (rand);

          put32 (h, OFF_VERSION, SHMIPC_CHANNEL_VERSION);
          put32 (h, OFF_HEADER_SIZE, SHMIPC_CHANNEL_HEADER_SIZE);
          put64 (h, OFF_CAPACITY, g_rand_int_range (rand, 0, 2) ? CAP
                                  : (guint64) g_rand_int_range (rand, 4096, CAP + 1));
          put32 (h, OFF_MAX_READERS, g_rand_int_range (rand, 1, 5));
          put32 (h, OFF_POLICY, g_rand_int_range (rand, 0, 2));
          put64 (h, OFF_WRITE_POS, w);
          put32 (h, OFF_HOLD, g_rand_int_range (rand, 0, 2));
          put64 (h, OFF_BASE, w - g_rand_int_range (rand, 0, CAP + 2));
          put32 (h, OFF_STATE, g_rand_int_range (rand, 0, 4));
          /* A slot held by a dead or random process, at a random place. */
          put64 (h, OFF_SLOT_OWNER (0), g_rand_int_range (rand, 0, 2) ? 0 : g_rand_int (rand));
          put64 (h, OFF_SLOT_READ_POS (0), g_rand_int_range (rand, 0, 4) == 0 ? G_MAXUINT64
                                         : w - g_rand_int_range (rand, 0, CAP + 2));
        }
      if (level >= 3)
        {
          put64 (h, OFF_PRODUCER, 0);
          put64 (h, OFF_SLOT_OWNER (0), 0);
        }
      shmipc_channel_inspect (seg, &info, NULL);

      ch = shmipc_channel_open (name, role, CAP, SHMIPC_DEFAULT_MODE, backend, &error);
      if (ch == NULL)
        {
          ck_assert_msg (error != NULL && error->domain == SHMIPC_ERROR, "open failed without error");
          g_clear_error (&error);
          continue;
        }
      opened++;
      ck_assert_uint_le (shmipc_channel_get_capacity (ch), CAP);
      if (role == SHMIPC_CHANNEL_PRODUCER)
        {
          gpointer space;
          gsize n;

          if (shmipc_channel_reserve (ch, &space, &n, 0, NULL))
            {
              memset (space, 0xa5, n);
              shmipc_channel_commit (ch, n, NULL);
            }
        }
      else
        {
          gconstpointer data;
          gsize n;
          guint sum = 0;

          if (shmipc_channel_peek (ch, &data, &n, 0, NULL))
            {
              for (i = 0; i < n; i++)
                sum += ((const guint8 *) data)[i];
              shmipc_channel_consume (ch, n, NULL);
            }
          (void) sum;
        }
      shmipc_channel_free (ch);
    }
  fprintf (stderr, "%s: %u of 3000 random headers opened\n", __func__, opened);
  ck_assert_uint_gt (opened, 0);
  g_rand_free (rand);
  shmipc_segment_unlink (seg, NULL);
  shmipc_segment_free (seg);
}
END_TEST

/* inspect on a read-only mapping. */
START_TEST (test_inspect_read_only)
{
  g_autofree gchar *name = test_unique_name ("inspect");
  ShmipcChannelInfo info;
  ShmipcSegment *ro;
  ShmipcChannel *p;

  p = open_ok (name, SHMIPC_CHANNEL_PRODUCER, CAP, SHMIPC_BACKEND_AUTO);
  ck_assert (shmipc_channel_write (p, "hello", 5, 0, NULL));
  ro = shmipc_segment_open (name, SHMIPC_OPEN_READ_ONLY, 0, 0, SHMIPC_BACKEND_AUTO, NULL);
  ck_assert_ptr_nonnull (ro);
  ck_assert (shmipc_channel_is_channel (shmipc_segment_get_data (ro),
                                        shmipc_segment_get_size (ro)));
  ck_assert (shmipc_channel_inspect (ro, &info, NULL));
  ck_assert_uint_eq (info.version, SHMIPC_CHANNEL_VERSION);
  ck_assert_uint_eq (info.capacity, CAP);
  ck_assert_uint_eq (info.fill, 5);
  ck_assert_int_eq (info.state, SHMIPC_CHANNEL_STATE_OPEN);
  ck_assert_int_eq (info.producer_pid, getpid ());
  ck_assert (info.producer_alive);
  ck_assert_uint_eq (info.n_readers, 0);
  ck_assert (info.awaiting_first_reader);
  ck_assert_uint_eq (info.max_readers, SHMIPC_CHANNEL_DEFAULT_READERS);
  ck_assert_int_eq (info.policy, SHMIPC_CHANNEL_POLICY_WAIT);
  ck_assert (shmipc_channel_close_write (p, NULL));
  ck_assert (shmipc_channel_inspect (ro, &info, NULL));
  ck_assert_str_eq (shmipc_channel_state_to_string (info.state), "end-of-stream");
  shmipc_channel_free (p);
  ck_assert (shmipc_channel_inspect (ro, &info, NULL));
  ck_assert_int_eq (info.producer_pid, 0);
  shmipc_segment_unlink (ro, NULL);
  shmipc_segment_free (ro);
}
END_TEST

/* The kilobytes of the mapping that starts at @start which are in our
 * page tables ("Rss" in /proc/self/smaps), -1 when it is not found. */
static gint64
mapped_kib (gconstpointer start)
{
  g_autofree gchar *smaps = NULL;
  g_auto (GStrv) lines = NULL;
  /* As the kernel prints it: hexadecimal, at least eight digits. */
  g_autofree gchar *prefix = g_strdup_printf ("%08" G_GINTPTR_MODIFIER "x-",
                                              (guintptr) start);
  gboolean in_vma = FALSE;
  guint i;

  if (!g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL))
    return -1;
  lines = g_strsplit (smaps, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      if (g_ascii_isxdigit (lines[i][0]) && strchr (lines[i], '-') != NULL &&
          strchr (lines[i], ' ') != NULL && strchr (lines[i], '-') < strchr (lines[i], ' '))
        in_vma = g_str_has_prefix (lines[i], prefix);
      else if (in_vma && g_str_has_prefix (lines[i], "Rss:"))
        return g_ascii_strtoll (lines[i] + 4, NULL, 10);
    }
  return -1;
}

/* Opening a channel enters its object (up to 64 MiB) into the page
 * tables at once (for the producer and for a reader), where the kernel
 * can: no page fault per 4 KiB page of the ring afterwards. */
START_TEST (test_ring_mapped_at_open)
{
#if defined (MADV_POPULATE_READ) && defined (MADV_POPULATE_WRITE)
  ShmipcBackend backend = backends[_i];
  g_autofree gchar *name = test_unique_name ("mapped");
  const gsize cap = 1024 * 1024;
  ShmipcChannel *p, *c;
  ShmipcSegment *seg;
  long page = sysconf (_SC_PAGESIZE);
  void *probe;
  int ret;

  SKIP_UNLESS_BACKEND (backend);
  /* Kernels before 5.14 refuse the advice: nothing to check there. */
  probe = mmap (NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ck_assert (probe != MAP_FAILED);
  ret = madvise (probe, (size_t) page, MADV_POPULATE_READ);
  munmap (probe, (size_t) page);
  if (ret != 0)
    return;
  if (!g_file_test ("/proc/self/smaps", G_FILE_TEST_EXISTS))
    return;
  p = open_ok (name, SHMIPC_CHANNEL_PRODUCER, cap, backend);
  c = open_ok (name, SHMIPC_CHANNEL_CONSUMER, cap, backend);
  seg = shmipc_channel_get_segment (p);
  ck_assert_int_ge (mapped_kib (shmipc_segment_get_data (seg)),
                    (gint64) (shmipc_segment_get_size (seg) / 1024));
  seg = shmipc_channel_get_segment (c);
  ck_assert_int_ge (mapped_kib (shmipc_segment_get_data (seg)),
                    (gint64) (shmipc_segment_get_size (seg) / 1024));
  shmipc_channel_free (c);
  shmipc_channel_free (p);
  test_remove (name, backend);
#endif
}
END_TEST

Suite *
channel_suite (void)
{
  Suite *s = suite_create ("channel");
  TCase *tc;

  tc = tcase_create ("stream");
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_stream_sizes, 0, 4);
  tcase_add_loop_test (tc, test_stream_fd, 0, 2);
  tcase_add_loop_test (tc, test_stream_bytes, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("peer death");
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_producer_killed_mid_stream, 0, 2);
  tcase_add_loop_test (tc, test_producer_killed_committed_bytes, 0, 2);
  tcase_add_loop_test (tc, test_consumer_killed, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("ends");
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_busy, 0, 2);
  tcase_add_loop_test (tc, test_dead_holder_taken_over, 0, 2);
  tcase_add_loop_test (tc, test_stale_channel, 0, 2);
  tcase_add_loop_test (tc, test_timeouts, 0, 2);
  tcase_add_loop_test (tc, test_abort_from_signal, 0, 2);
  tcase_add_test (tc, test_abort_partial_write);
  tcase_add_test (tc, test_bad_arguments);
  tcase_add_loop_test (tc, test_ring_mapped_at_open, 0, 2);
  suite_add_tcase (s, tc);

  tc = tcase_create ("creator died");
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_creator_died_after_claim, 0, 2);
  tcase_add_loop_test (tc, test_creator_died_before_claim, 0, 2);
  tcase_add_test (tc, test_creator_died_before_sizing);
  suite_add_tcase (s, tc);

  tc = tcase_create ("corrupt");
  tcase_set_timeout (tc, 120);
  tcase_add_loop_test (tc, test_corrupt_headers, 0, 2);
  tcase_add_loop_test (tc, test_corrupt_while_open, 0, 2);
  tcase_add_loop_test (tc, test_corrupt_random, 0, 2);
  tcase_add_test (tc, test_inspect_read_only);
  suite_add_tcase (s, tc);

  return s;
}
