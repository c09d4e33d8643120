/* check-hostile.c - objects truncated by another process while mapped
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Every test maps a POSIX object, shrinks it through a second descriptor
 * (as another process would, with ftruncate()), then calls a guarded path:
 * each must fail with SHMIPC_ERROR_CORRUPT ("truncated"), never die of
 * SIGBUS, and keep failing afterwards. The last tests check that a SIGBUS
 * that is not ours still has its previous disposition.
 *
 * ASan: these tests need the library's SIGBUS handler to be the one that
 * runs. ASan lets a program install its own (allow_user_segv_handler=1,
 * the default), so the suite runs unchanged under the sanitizer build.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-common.h"

#define OBJECT_SIZE (1024 * 1024)

static gboolean
have_posix (void)
{
  return shmipc_backend_is_available (SHMIPC_BACKEND_POSIX);
}

/* Shrinks @name to @size bytes through a descriptor of its own. */
static void
shrink (const gchar *name,
        off_t        size)
{
#ifdef HAVE_POSIX_SHM
  g_autofree gchar *canonical = shmipc_name_normalize (name, NULL);
  int fd = shm_open (canonical, O_RDWR, 0);

  ck_assert_msg (fd >= 0, "shm_open(%s): %s", canonical, g_strerror (errno));
  ck_assert_int_eq (ftruncate (fd, size), 0);
  close (fd);
#else
  (void) name;
  (void) size;
  ck_abort_msg ("no POSIX shared memory");
#endif
}

static ShmipcSegment *
make_object (const gchar *name,
             gsize        size)
{
  GError *error = NULL;
  ShmipcSegment *segment;

  segment = shmipc_segment_open (name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE, size,
                                 0600, SHMIPC_BACKEND_POSIX, &error);
  ck_assert_no_error (error);
  memset (shmipc_segment_get_data (segment), 'x', size);
  return segment;
}

static void
assert_truncated (GError      *error,
                  const gchar *size_text)
{
  ck_assert_shmipc_error (error, SHMIPC_ERROR_CORRUPT);
  ck_assert_msg (strstr (error->message, "truncated") != NULL, "%s", error->message);
  if (size_text != NULL)
    ck_assert_msg (strstr (error->message, size_text) != NULL,
                   "\"%s\" not in: %s", size_text, error->message);
}

START_TEST (test_copy_out_truncated_to_zero)
{
  g_autofree gchar *name = test_unique_name ("copy-zero");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autofree guint8 *buffer = g_malloc (OBJECT_SIZE);
  GError *error = NULL;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  segment = make_object (name, OBJECT_SIZE);
  ck_assert (shmipc_segment_copy_out (segment, 0, buffer, OBJECT_SIZE, &error));
  ck_assert_int_eq (buffer[OBJECT_SIZE - 1], 'x');

  shrink (name, 0);
  ck_assert (!shmipc_segment_copy_out (segment, 0, buffer, OBJECT_SIZE, &error));
  assert_truncated (error, "truncated to 0 bytes");
  g_clear_error (&error);
  /* Broken for good: even one byte fails, with the same message. */
  ck_assert (!shmipc_segment_copy_out (segment, 0, buffer, 1, &error));
  assert_truncated (error, "truncated to 0 bytes");
  g_clear_error (&error);
  /* The GBytes twin too. */
  ck_assert_ptr_null (shmipc_segment_read_bytes (segment, 0, 16, &error));
  assert_truncated (error, "truncated to 0 bytes");
  g_clear_error (&error);
  /* Outside the mapping is refused before any access. */
  ck_assert (!shmipc_segment_copy_out (segment, OBJECT_SIZE, buffer, 1, &error));
  ck_assert_shmipc_error (error, SHMIPC_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_copy_out_truncated_to_half)
{
  g_autofree gchar *name = test_unique_name ("copy-half");
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autofree guint8 *buffer = g_malloc (OBJECT_SIZE);
  g_autofree gchar *half = g_strdup_printf ("truncated to %d bytes", OBJECT_SIZE / 2);
  GError *error = NULL;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  segment = make_object (name, OBJECT_SIZE);
  shrink (name, OBJECT_SIZE / 2);
  /* The half that is left can still be read... */
  ck_assert (shmipc_segment_copy_out (segment, 0, buffer, OBJECT_SIZE / 2, &error));
  ck_assert_no_error (error);
  ck_assert_int_eq (buffer[OBJECT_SIZE / 2 - 1], 'x');
  /* ...the lost half faults, and the fault is reported with the new size. */
  ck_assert (!shmipc_segment_copy_out (segment, OBJECT_SIZE / 2, buffer, 4096, &error));
  assert_truncated (error, half);
  g_clear_error (&error);
  ck_assert (!shmipc_segment_copy_out (segment, 0, buffer, 16, &error));
  assert_truncated (error, half);
  g_clear_error (&error);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_message_truncated)
{
  g_autofree gchar *name = test_unique_name ("message");
  g_autoptr(ShmipcSegment) writer = NULL;
  g_autoptr(ShmipcSegment) reader = NULL;
  g_autoptr(GBytes) bytes = NULL;
  static const guint8 text[] = "hello, hostile world";
  GError *error = NULL;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  writer = shmipc_message_open_writer (name, 0, SHMIPC_BACKEND_POSIX, OBJECT_SIZE, 0600,
                                       sizeof text, SHMIPC_MESSAGE_NONE, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_message_write (writer, text, sizeof text, 0600, &error));
  reader = shmipc_message_open_reader (name, 0, SHMIPC_BACKEND_POSIX, SHMIPC_MESSAGE_NONE,
                                       0, &error);
  ck_assert_no_error (error);

  shrink (name, 4096);
  bytes = shmipc_message_read (reader, &error);
  ck_assert (bytes == NULL);
  assert_truncated (error, "truncated to 4096 bytes");
  g_clear_error (&error);
  bytes = shmipc_message_read (reader, &error);
  ck_assert (bytes == NULL);
  assert_truncated (error, "truncated to 4096 bytes");
  g_clear_error (&error);

  /* The writer zeroes the whole object it mapped: it faults too. */
  ck_assert (!shmipc_message_write (writer, text, sizeof text, 0600, &error));
  assert_truncated (error, "truncated to 4096 bytes");
  g_clear_error (&error);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_inspect_truncated)
{
  g_autofree gchar *name = test_unique_name ("inspect");
  g_autoptr(ShmipcChannel) channel = NULL;
  g_autoptr(ShmipcSegment) segment = NULL;
  ShmipcChannelInfo info;
  GError *error = NULL;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  channel = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, 65536, 0600,
                                 SHMIPC_BACKEND_POSIX, &error);
  ck_assert_no_error (error);
  segment = shmipc_segment_open (name, SHMIPC_OPEN_READ_ONLY, 0, 0, SHMIPC_BACKEND_POSIX, &error);
  ck_assert_no_error (error);
  ck_assert (shmipc_channel_inspect (segment, &info, &error));
  ck_assert (shmipc_channel_is_channel (shmipc_segment_get_data (segment),
                                        shmipc_segment_get_size (segment)));
  shrink (name, 0);
  ck_assert (!shmipc_channel_is_channel (shmipc_segment_get_data (segment),
                                         shmipc_segment_get_size (segment)));
  ck_assert (!shmipc_channel_inspect (segment, &info, &error));
  assert_truncated (error, "truncated to 0 bytes");
  g_clear_error (&error);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

/* A producer and a consumer on one channel of @capacity bytes. */
static void
open_pair (const gchar     *name,
           gsize            capacity,
           ShmipcChannel  **producer,
           ShmipcChannel  **consumer)
{
  GError *error = NULL;

  *consumer = shmipc_channel_open (name, SHMIPC_CHANNEL_CONSUMER, capacity, 0600,
                                   SHMIPC_BACKEND_POSIX, &error);
  ck_assert_no_error (error);
  *producer = shmipc_channel_open (name, SHMIPC_CHANNEL_PRODUCER, capacity, 0600,
                                   SHMIPC_BACKEND_POSIX, &error);
  ck_assert_no_error (error);
}

/* Every entry point of both ends fails with the truncation error. */
static void
assert_all_calls_fail (ShmipcChannel *producer,
                       ShmipcChannel *consumer,
                       const gchar   *size_text)
{
  guint8 buffer[1000];
  gpointer wptr;
  gconstpointer rptr;
  gsize len;
  GError *error = NULL;

  memset (buffer, 'a', sizeof buffer);
  ck_assert (!shmipc_channel_write (producer, buffer, sizeof buffer, 0, &error));
  assert_truncated (error, size_text);
  g_clear_error (&error);
  ck_assert (!shmipc_channel_reserve (producer, &wptr, &len, 0, &error));
  assert_truncated (error, size_text);
  g_clear_error (&error);
  ck_assert (!shmipc_channel_close_write (producer, &error));
  assert_truncated (error, size_text);
  g_clear_error (&error);
  ck_assert_int_eq (shmipc_channel_read (consumer, buffer, sizeof buffer, 0, &error), -1);
  assert_truncated (error, size_text);
  g_clear_error (&error);
  ck_assert (!shmipc_channel_peek (consumer, &rptr, &len, 0, &error));
  assert_truncated (error, size_text);
  g_clear_error (&error);
  shmipc_channel_abort (consumer);
}

START_TEST (test_channel_header_truncated)
{
  g_autofree gchar *name = test_unique_name ("channel-header");
  ShmipcChannel *producer;
  ShmipcChannel *consumer;
  guint8 buffer[1000];
  GError *error = NULL;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  open_pair (name, 65536, &producer, &consumer);
  memset (buffer, 'a', sizeof buffer);
  ck_assert (shmipc_channel_write (producer, buffer, sizeof buffer, 0, &error));
  ck_assert_no_error (error);

  shrink (name, 0);
  /* The first call to touch the header faults... */
  ck_assert_int_eq (shmipc_channel_read (consumer, buffer, sizeof buffer, 0, &error), -1);
  assert_truncated (error, "truncated to 0 bytes");
  g_clear_error (&error);
  ck_assert (!shmipc_channel_write (producer, buffer, sizeof buffer, 0, &error));
  assert_truncated (error, "truncated to 0 bytes");
  g_clear_error (&error);
  /* ...and every later call fails the same way. */
  assert_all_calls_fail (producer, consumer, "truncated to 0 bytes");
  /* Leaving does not touch the lost header. */
  shmipc_channel_free (producer);
  shmipc_channel_free (consumer);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_channel_ring_truncated)
{
  g_autofree gchar *name = test_unique_name ("channel-ring");
  g_autofree gchar *size_text = g_strdup_printf ("truncated to %d bytes",
                                                 SHMIPC_CHANNEL_HEADER_SIZE);
  ShmipcChannel *producer;
  ShmipcChannel *consumer;
  guint8 buffer[1000];
  gconstpointer rptr;
  gsize len;
  GError *error = NULL;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  open_pair (name, 65536, &producer, &consumer);
  memset (buffer, 'a', sizeof buffer);
  ck_assert (shmipc_channel_write (producer, buffer, sizeof buffer, 0, &error));

  /* The header stays, the ring goes: header loads work, ring copies fault. */
  shrink (name, SHMIPC_CHANNEL_HEADER_SIZE);
  ck_assert_int_eq (shmipc_channel_read (consumer, buffer, sizeof buffer, 0, &error), -1);
  assert_truncated (error, size_text);
  g_clear_error (&error);
  /* peek only hands a pointer out, but the segment is broken now. */
  ck_assert (!shmipc_channel_peek (consumer, &rptr, &len, 0, &error));
  assert_truncated (error, size_text);
  g_clear_error (&error);
  ck_assert (!shmipc_channel_write (producer, buffer, sizeof buffer, 0, &error));
  assert_truncated (error, size_text);
  g_clear_error (&error);
  assert_all_calls_fail (producer, consumer, size_text);
  shmipc_channel_free (producer);
  shmipc_channel_free (consumer);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_channel_write_truncated)
{
  g_autofree gchar *name = test_unique_name ("channel-write");
  ShmipcChannel *producer;
  ShmipcChannel *consumer;
  guint8 buffer[1000];
  GError *error = NULL;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  open_pair (name, 65536, &producer, &consumer);
  shrink (name, SHMIPC_CHANNEL_HEADER_SIZE);
  memset (buffer, 'a', sizeof buffer);
  /* The store into the ring faults, in the producer this time. */
  ck_assert (!shmipc_channel_write (producer, buffer, sizeof buffer, 0, &error));
  assert_truncated (error, NULL);
  g_clear_error (&error);
  shmipc_channel_free (producer);
  shmipc_channel_free (consumer);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

/* A temporary file holding @len bytes of 'z', open for reading and
 * writing, positioned at its start. */
static int
temp_file (gsize len)
{
  g_autofree gchar *path = NULL;
  /* One byte more than asked for: g_malloc (0) is NULL, and memset()
   * must not get NULL even for no bytes. */
  g_autofree guint8 *data = g_malloc (len + 1);
  g_autoptr(GError) error = NULL;
  int fd;

  fd = g_file_open_tmp ("check-hostile-XXXXXX", &path, &error);
  ck_assert_msg (fd >= 0, "cannot make a temporary file: %s", error->message);
  unlink (path);
  memset (data, 'z', len);
  ck_assert_int_eq (write (fd, data, len), (gssize) len);
  ck_assert_int_eq (lseek (fd, 0, SEEK_SET), 0);
  return fd;
}

START_TEST (test_channel_fd_truncated)
{
  g_autofree gchar *name = test_unique_name ("channel-fd");
  g_autofree gchar *size_text = g_strdup_printf ("truncated to %d bytes",
                                                 SHMIPC_CHANNEL_HEADER_SIZE);
  ShmipcChannel *producer;
  ShmipcChannel *consumer;
  guint8 buffer[8192];
  GError *error = NULL;
  int in_fd = temp_file (20000);
  int out_fd = temp_file (0);

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  open_pair (name, 65536, &producer, &consumer);
  memset (buffer, 'a', sizeof buffer);
  ck_assert (shmipc_channel_write (producer, buffer, sizeof buffer, 0, &error));
  shrink (name, SHMIPC_CHANNEL_HEADER_SIZE);

  /* write(2) from the lost ring: EFAULT, reported as the truncation. */
  ck_assert (!shmipc_channel_receive_fd (consumer, out_fd, NULL, 0, &error));
  assert_truncated (error, size_text);
  g_clear_error (&error);
  /* read(2) into the lost ring: the same. */
  ck_assert (!shmipc_channel_send_fd (producer, in_fd, NULL, 0, &error));
  assert_truncated (error, size_text);
  g_clear_error (&error);
  assert_all_calls_fail (producer, consumer, size_text);
  shmipc_channel_free (producer);
  shmipc_channel_free (consumer);
  close (in_fd);
  close (out_fd);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

/* Runs @func in a child and returns its wait status. */
static int
in_child (void (*func) (const gchar *name),
          const gchar *name)
{
  int status = 0;
  pid_t pid = fork ();

  ck_assert_int_ge (pid, 0);
  if (pid == 0)
    {
      func (name);
      _exit (0);
    }
  ck_assert_int_eq (waitpid (pid, &status, 0), pid);
  return status;
}

/* Installs the library's handler (a guarded copy), with @previous as the
 * action it finds. */
static ShmipcSegment *
install_guard (const gchar *name,
               void       (*previous) (int))
{
  ShmipcSegment *segment;
  guint8 byte;

  signal (SIGBUS, previous);
  segment = make_object (name, 65536);
  if (!shmipc_segment_copy_out (segment, 0, &byte, 1, NULL))
    _exit (3);
  return segment;
}

static void
raise_sigbus (const gchar *name)
{
  install_guard (name, SIG_DFL);
  raise (SIGBUS);
}

static void
unguarded_fault (const gchar *name)
{
  ShmipcSegment *segment = install_guard (name, SIG_DFL);
  volatile guint8 *data = shmipc_segment_get_data (segment);

  shrink (name, 0);
  /* Not through the library: nobody guards this access. */
  data[100] = 1;
}

static void
exit_42 (int sig)
{
  _exit (42);
}

static void
raise_to_previous_handler (const gchar *name)
{
  install_guard (name, exit_42);
  raise (SIGBUS);
}

/* A handler installed after libshmipc's: it ends the process with status
 * foreign_status, or (chaining) passes the signal to the action it
 * replaced. */
static struct sigaction replaced;
static gboolean chain;
static volatile int foreign_status;

static void
foreign_handler (int        sig,
                 siginfo_t *info,
                 void      *context)
{
  if (!chain)
    _exit (foreign_status);
  if (replaced.sa_flags & SA_SIGINFO)
    replaced.sa_sigaction (sig, info, context);
  else if (replaced.sa_handler != SIG_DFL && replaced.sa_handler != SIG_IGN)
    replaced.sa_handler (sig);
  else
    {
      signal (SIGBUS, SIG_DFL);
      raise (SIGBUS);
    }
}

static void
install_foreign (gboolean chaining)
{
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_sigaction = foreign_handler;
  action.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset (&action.sa_mask);
  chain = chaining;
  if (sigaction (SIGBUS, &action, &replaced) != 0)
    _exit (4);
}

/* Truncates @segment's object and copies out of it: exits 5 unless the
 * copy fails as truncated. */
static void
copy_truncated (ShmipcSegment *segment,
                const gchar   *name)
{
  g_autoptr(GError) error = NULL;
  guint8 buffer[16];

  shrink (name, 0);
  if (shmipc_segment_copy_out (segment, 8192, buffer, sizeof buffer, &error) ||
      !g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT))
    _exit (5);
}

/* A handler that does not chain, installed after ours: the next open puts
 * ours back in front, so guarded copies still fail cleanly, and a SIGBUS
 * that is not ours reaches it. */
static void
replaced_then_reopened (const gchar *name)
{
  g_autofree gchar *other = g_strconcat (name, "-other", NULL);
  ShmipcSegment *first = install_guard (name, SIG_DFL);
  ShmipcSegment *second;

  install_foreign (FALSE);
  second = make_object (other, 65536);
  /* The guarded copy must not reach the foreign handler (44)... */
  foreign_status = 44;
  copy_truncated (first, name);
  shmipc_segment_free (second);
  shmipc_unlink (other, SHMIPC_BACKEND_POSIX, NULL);
  /* ...a SIGBUS that is not ours must (43). */
  foreign_status = 43;
  raise (SIGBUS);
  _exit (6);
}

/* A handler that chains to the action it replaced (ours): a fault in a
 * guarded copy goes through it to ours; a SIGBUS that is nobody's, once
 * ours is back in front, goes round once and then kills. */
static void
chained (const gchar *name)
{
  g_autofree gchar *other = g_strconcat (name, "-other", NULL);
  ShmipcSegment *first = install_guard (name, SIG_DFL);
  ShmipcSegment *second;

  install_foreign (TRUE);
  copy_truncated (first, name);
  second = make_object (other, 65536);
  shmipc_segment_free (second);
  shmipc_unlink (other, SHMIPC_BACKEND_POSIX, NULL);
  raise (SIGBUS);
  _exit (6);
}

START_TEST (test_handler_installed_after)
{
  g_autofree gchar *name = test_unique_name ("after");
  int status;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  status = in_child (replaced_then_reopened, name);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 43,
                 "non-chaining handler installed after: wait status 0x%x", status);
  test_remove (name, SHMIPC_BACKEND_POSIX);

  status = in_child (chained, name);
  ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGBUS,
                 "chaining handler installed after: wait status 0x%x, not killed by SIGBUS",
                 status);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

START_TEST (test_foreign_sigbus_kills)
{
  g_autofree gchar *name = test_unique_name ("foreign");
  int status;

  TEST_SKIP_UNLESS (have_posix (), "no POSIX shared memory");
  status = in_child (raise_sigbus, name);
  ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGBUS,
                 "raise(SIGBUS): wait status 0x%x, not killed by SIGBUS", status);
  test_remove (name, SHMIPC_BACKEND_POSIX);

  status = in_child (unguarded_fault, name);
  ck_assert_msg (WIFSIGNALED (status) && WTERMSIG (status) == SIGBUS,
                 "unguarded fault: wait status 0x%x, not killed by SIGBUS", status);
  test_remove (name, SHMIPC_BACKEND_POSIX);

  status = in_child (raise_to_previous_handler, name);
  ck_assert_msg (WIFEXITED (status) && WEXITSTATUS (status) == 42,
                 "previous handler not called: wait status 0x%x", status);
  test_remove (name, SHMIPC_BACKEND_POSIX);
}
END_TEST

static Suite *
hostile_suite (void)
{
  Suite *suite = suite_create ("hostile");
  TCase *tc = tcase_create ("truncated");

  tcase_add_test (tc, test_copy_out_truncated_to_zero);
  tcase_add_test (tc, test_copy_out_truncated_to_half);
  tcase_add_test (tc, test_message_truncated);
  tcase_add_test (tc, test_inspect_truncated);
  tcase_add_test (tc, test_channel_header_truncated);
  tcase_add_test (tc, test_channel_ring_truncated);
  tcase_add_test (tc, test_channel_write_truncated);
  tcase_add_test (tc, test_channel_fd_truncated);
  tcase_add_test (tc, test_foreign_sigbus_kills);
  tcase_add_test (tc, test_handler_installed_after);
  suite_add_tcase (suite, tc);
  return suite;
}

int
main (void)
{
  Suite *suites[] = { hostile_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
