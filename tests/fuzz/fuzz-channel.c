/* fuzz-channel.c - libFuzzer target: channel headers from hostile bytes
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each input is the content of a shared-memory object that another
 * process filled with arbitrary bytes. The target writes it into a real
 * object of this process (one name per process, reused while its size
 * fits), then runs everything that decodes such an object:
 * shmipc_channel_is_channel(), shmipc_channel_inspect() on a read-only
 * mapping, and shmipc_channel_open() as consumer and/or producer followed
 * by non-blocking reads, peeks, reservations and writes. Every call must
 * return success or a #GError of the documented kinds: never crash, never
 * touch a byte outside the ring, never block (timeouts are 0).
 *
 * Input layout (all numbers little-endian):
 *
 *   0      ops: bits 0-1 which ends to open (0 consumer, 1 producer,
 *          2 consumer then producer, 3 producer then consumer); bit 2
 *          producer ends the stream; bit 3 producer uses reserve/commit
 *          rather than write; bit 4 free the producer first; bit 5
 *          the consumer drains with shmipc_channel_receive_fd() into
 *          /dev/null, the producer sends with shmipc_channel_send_fd()
 *          from a pipe holding min(amount, 4096) bytes
 *   1-2    amount: bytes to write or read (u16)
 *   3      consume: how much of a peek to consume (n * consume / 255)
 *   4-7    object size (u32): bit 31 set: (v & 0xfff) bytes, at least 1
 *          (a truncated object); clear: 4096 + v % 65537 bytes (a header
 *          and a ring of up to 64 KiB)
 *   8-1031 the first 1024 bytes of the object: the header fields and
 *          the first four reader slots (the other slots are free: owner
 *          0, position all ones; the rest of the header is padding no
 *          code reads)
 *   1032-  the ring, from object offset 4096
 *
 * The object is exactly as large as the size says, and each mapping gets
 * a PROT_NONE guard page after it where the address space allows, so an
 * access past the object faults even though ASan does not watch mmap()ed
 * memory; pointers handed out by peek and reserve are also checked to
 * lie in the ring. Owner words hold arbitrary pids: the library only
 * reads /proc/PID/stat (or sends signal 0) to check them. An owner word
 * whose pid field is 0x7fffffff is replaced by this process's own owner
 * word (pid and start time, flag bits cleared), so that the paths of a
 * live peer (busy ends) are reached too. The producer's owner word is at
 * offset 400, a reader slot's at 512 + 128 * i.
 *
 * Environment: SHMIPC_FUZZ_NAME names the object (default
 * shmipc-fuzz-PID), SHMIPC_FUZZ_BACKEND picks "posix" or "sysv" (default:
 * the library's default backend). The object is removed at exit; a crash
 * leaves it behind, and the next start with the same name removes it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shmipc.h"

#define PREFIX 8
#define HEADER_PART 1024          /* the header fields and four reader slots */
#define SLOTS_IN_INPUT 4
#define HDR SHMIPC_CHANNEL_HEADER_SIZE  /* also sizeof (ChannelHeader) */
#define MAX_RING (64 * 1024)
#define MAX_OBJECT (HDR + MAX_RING)

static gchar *object_name;
static ShmipcBackend backend;
static ShmipcSegment *object;     /* our read-write mapping of the object */
static guint8 *image;             /* the bytes the object must hold */
static guint8 *scratch;
static gsize page_size;
static guint64 own_owner;         /* our owner word, as the library makes it */
static int dev_null = -1;

#define CHECK(cond) \
  G_STMT_START { \
    if (G_UNLIKELY (!(cond))) \
      { \
        fprintf (stderr, "fuzz-channel: %s:%d: check failed: %s\n", \
                 __FILE__, __LINE__, #cond); \
        abort (); \
      } \
  } G_STMT_END

static void
die_error (const char *what,
           GError     *error)
{
  fprintf (stderr, "fuzz-channel: %s: unexpected error %s/%d: %s\n", what,
           error != NULL ? g_quark_to_string (error->domain) : "-",
           error != NULL ? error->code : -1,
           error != NULL ? error->message : "(no error set)");
  abort ();
}

/* An error of the channel's documented kinds, then cleared. */
static void
expect_error (const char *what,
              GError    **error,
              gboolean    busy_ok)
{
  GError *e = *error;

  if (e == NULL || e->domain != SHMIPC_ERROR || e->message == NULL)
    die_error (what, e);
  switch (e->code)
    {
    case SHMIPC_ERROR_CORRUPT:
    case SHMIPC_ERROR_TIMED_OUT:
    case SHMIPC_ERROR_PEER_DIED:
    case SHMIPC_ERROR_OVERRUN:   /* a drop channel whose claim passed the reader */
      break;
    case SHMIPC_ERROR_BUSY:
    case SHMIPC_ERROR_EXISTS:
      if (!busy_ok)
        die_error (what, e);
      break;
    default:
      die_error (what, e);
    }
  g_clear_error (error);
}

static void
remove_object (void)
{
  if (object != NULL)
    {
      shmipc_segment_unlink (object, NULL);
      g_clear_pointer (&object, shmipc_segment_free);
    }
}

static void
at_exit (void)
{
  remove_object ();
}

/* pid | (low 32 bits of the start time << 32): see shmipc-channel.c. */
static guint64
own_owner_word (void)
{
  gchar *stat = NULL;
  guint64 start = 0;
  const gchar *p;
  int field;

  if (g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL) &&
      (p = strrchr (stat, ')')) != NULL)
    {
      p += 2;
      for (field = 3; field < 22 && p != NULL; field++)
        {
          p = strchr (p, ' ');
          if (p != NULL)
            p++;
        }
      if (p != NULL)
        start = g_ascii_strtoull (p, NULL, 10);
    }
  g_free (stat);
  return ((start & 0xffffffffu) << 32) | ((guint64) getpid () & 0x7fffffff);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  const char *env;

  (void) argc;
  (void) argv;
  /* A g_return_if_fail() or g_warning() in the library is a finding. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);

  env = g_getenv ("SHMIPC_FUZZ_BACKEND");
  if (env == NULL || *env == '\0')
    backend = shmipc_backend_default ();
  else if (!shmipc_backend_from_string (env, &backend, NULL))
    {
      fprintf (stderr, "fuzz-channel: bad SHMIPC_FUZZ_BACKEND \"%s\"\n", env);
      exit (2);
    }
  env = g_getenv ("SHMIPC_FUZZ_NAME");
  object_name = (env != NULL && *env != '\0') ? g_strdup (env)
                : g_strdup_printf ("shmipc-fuzz-%d", (int) getpid ());
  /* Left behind by a crashed run of the same name. */
  shmipc_unlink (object_name, backend, NULL);
  atexit (at_exit);

  image = g_malloc (MAX_OBJECT);
  scratch = g_malloc (MAX_OBJECT);
  page_size = (gsize) sysconf (_SC_PAGESIZE);
  dev_null = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  CHECK (dev_null >= 0);
  own_owner = own_owner_word ();
  return 0;
}

/* A PROT_NONE page right after @segment's mapping, or NULL when that
 * address is taken (or the kernel ignores MAP_FIXED_NOREPLACE). */
static void *
guard_after (ShmipcSegment *segment)
{
#ifdef MAP_FIXED_NOREPLACE
  guint8 *data = shmipc_segment_get_data (segment);
  gsize size = shmipc_segment_get_size (segment);
  guint8 *end;
  void *p;

  if (data == NULL)
    return NULL;
  end = data + (size + page_size - 1) / page_size * page_size;
  p = mmap (end, page_size, PROT_NONE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  if (p != (void *) end)
    {
      munmap (p, page_size);
      return NULL;
    }
  return p;
#else
  (void) segment;
  return NULL;
#endif
}

static void
unguard (void *guard)
{
  if (guard != NULL)
    munmap (guard, page_size);
}

/* Our read-write mapping of an object of exactly @size bytes. */
static guint8 *
object_of_size (gsize size)
{
  GError *error = NULL;

  if (object != NULL && shmipc_segment_get_size (object) != size)
    remove_object ();
  if (object == NULL)
    {
      object = shmipc_segment_open (object_name, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                                    size, 0600, backend, &error);
      if (object == NULL)
        die_error ("creating the object", error);
      CHECK (shmipc_segment_get_size (object) == size);
    }
  return shmipc_segment_get_data (object);
}

/* [p, p + n) lies in the ring of @channel. */
static void
check_in_ring (ShmipcChannel *channel,
               gconstpointer  p,
               gsize          n)
{
  ShmipcSegment *segment = shmipc_channel_get_segment (channel);
  const guint8 *ring = (const guint8 *) shmipc_segment_get_data (segment) + HDR;
  gsize capacity = shmipc_channel_get_capacity (channel);
  const guint8 *q = p;

  CHECK (q >= ring && q <= ring + capacity);
  CHECK (n <= capacity && n <= (gsize) (ring + capacity - q));
}

static ShmipcChannel *
open_end (ShmipcChannelRole role,
          gsize             object_size)
{
  ShmipcChannel *channel;
  GError *error = NULL;
  gsize capacity;

  /* The smallest capacity: should the object vanish, no big one is made. */
  channel = shmipc_channel_open (object_name, role, SHMIPC_CHANNEL_MIN_CAPACITY,
                                 0600, backend, &error);
  if (channel == NULL)
    {
      expect_error ("shmipc_channel_open", &error, TRUE);
      return NULL;
    }
  CHECK (!shmipc_channel_get_created (channel));
  CHECK (shmipc_channel_get_role (channel) == role);
  capacity = shmipc_channel_get_capacity (channel);
  CHECK (capacity >= SHMIPC_CHANNEL_MIN_CAPACITY);
  CHECK (capacity <= object_size - HDR);
  CHECK (shmipc_segment_get_size (shmipc_channel_get_segment (channel)) == object_size);
  return channel;
}

static void
consumer_ops (ShmipcChannel *channel,
              guint          amount,
              guint          consume,
              gboolean       use_fd)
{
  GError *error = NULL;
  gconstpointer p;
  gsize n;
  gssize got;
  int round;

  for (round = 0; round < 2; round++)
    {
      if (!shmipc_channel_peek (channel, &p, &n, 0, &error))
        {
          expect_error ("shmipc_channel_peek", &error, FALSE);
          break;
        }
      check_in_ring (channel, p, n);
      if (n == 0)
        break;
      /* Touch every byte shown. */
      memcpy (scratch, p, n);
      if (!shmipc_channel_consume (channel, n * consume / 255, &error))
        die_error ("shmipc_channel_consume", error);
      CHECK (!shmipc_channel_consume (channel, 1, &error));
      CHECK (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT));
      g_clear_error (&error);

      got = shmipc_channel_read (channel, scratch, amount, 0, &error);
      if (got < 0)
        expect_error ("shmipc_channel_read", &error, FALSE);
      else
        CHECK ((gsize) got <= amount);
    }
  if (use_fd)
    {
      guint64 bytes = G_MAXUINT64;

      if (!shmipc_channel_receive_fd (channel, dev_null, &bytes, 0, &error))
        expect_error ("shmipc_channel_receive_fd", &error, FALSE);
      CHECK (bytes <= shmipc_channel_get_capacity (channel));
    }
}

static void
producer_ops (ShmipcChannel *channel,
              guint          ops,
              guint          amount)
{
  GError *error = NULL;
  gpointer p;
  gsize n;
  gsize capacity = shmipc_channel_get_capacity (channel);

  if (ops & 8)
    {
      if (!shmipc_channel_reserve (channel, &p, &n, 0, &error))
        expect_error ("shmipc_channel_reserve", &error, FALSE);
      else
        {
          check_in_ring (channel, p, n);
          CHECK (n > 0);
          memset (p, 0xa5, n);
          if (!shmipc_channel_commit (channel, MIN (n, amount), &error))
            die_error ("shmipc_channel_commit", error);
        }
    }
  else
    {
      memset (scratch, 0x5a, MIN (amount, capacity));
      if (!shmipc_channel_write (channel, scratch, MIN (amount, capacity), 0, &error))
        expect_error ("shmipc_channel_write", &error, FALSE);
    }
  if (ops & 32)
    {
      int fds[2];
      gsize k = MIN (amount, 4096);
      guint64 bytes = G_MAXUINT64;

      CHECK (pipe (fds) == 0);
      memset (scratch, 0x3c, k);
      CHECK (write (fds[1], scratch, k) == (gssize) k);
      close (fds[1]);
      if (shmipc_channel_send_fd (channel, fds[0], &bytes, 0, &error))
        {
          CHECK (bytes == k);
          ops &= ~4u;   /* the end of the stream is written */
        }
      else
        {
          expect_error ("shmipc_channel_send_fd", &error, FALSE);
          CHECK (bytes <= k);
        }
      close (fds[0]);
    }
  if (ops & 4)
    {
      if (!shmipc_channel_close_write (channel, &error))
        expect_error ("shmipc_channel_close_write", &error, FALSE);
    }
}

/* Both ends in this process over a channel that inspect calls empty and
 * open: whatever the positions, what is written is read back intact. */
static void
round_trip (ShmipcChannel *producer,
            ShmipcChannel *consumer,
            guint          amount)
{
  ShmipcChannelInfo info;
  GError *error = NULL;
  gsize capacity = shmipc_channel_get_capacity (producer);
  gsize k = amount % (capacity + 1);
  gsize done = 0;
  gsize i;

  CHECK (shmipc_channel_get_capacity (consumer) == capacity);
  if (!shmipc_channel_inspect (shmipc_channel_get_segment (producer), &info, &error))
    {
      expect_error ("shmipc_channel_inspect", &error, FALSE);
      return;
    }
  if (info.fill != 0 || info.state != SHMIPC_CHANNEL_STATE_OPEN ||
      info.write_position > G_MAXUINT64 - 2 * (guint64) capacity)
    return;
  /* Only our reader, not cut off (drop policy): other slots (held by any
   * process the header names) may hold the producer back. */
  if (info.n_readers != 1 ||
      shmipc_channel_info_get_reader (&info, 0)->state != SHMIPC_CHANNEL_READER_READING)
    return;

  for (i = 0; i < k; i++)
    scratch[i] = (guint8) (i * 7 + (i >> 8) + 1);
  if (!shmipc_channel_write (producer, scratch, k, 0, &error))
    die_error ("round trip: shmipc_channel_write", error);
  while (done < k)
    {
      gssize got = shmipc_channel_read (consumer, image + done, k - done, 0, &error);

      if (got <= 0)
        die_error ("round trip: shmipc_channel_read", error);
      done += (gsize) got;
    }
  CHECK (memcmp (image, scratch, k) == 0);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  ShmipcSegment *ro;
  ShmipcChannelInfo info;
  ShmipcChannel *first = NULL;
  ShmipcChannel *second = NULL;
  ShmipcChannel *producer = NULL;
  ShmipcChannel *consumer = NULL;
  GError *error = NULL;
  const guint8 *body;
  gsize body_len;
  guint ops, amount, consume;
  guint32 v;
  gsize object_size;
  gboolean is_channel;
  guint8 *mem;
  void *guard;
  gboolean ok;

  if (size < PREFIX)
    return 0;
  ops = data[0];
  amount = data[1] | (guint) data[2] << 8;
  consume = data[3];
  v = (guint32) data[4] | (guint32) data[5] << 8 | (guint32) data[6] << 16 |
      (guint32) data[7] << 24;
  if (v & 0x80000000u)
    object_size = MAX (v & 0xfff, 1);
  else
    object_size = HDR + v % (MAX_RING + 1);
  body = data + PREFIX;
  body_len = size - PREFIX;

  memset (image, 0, object_size);
  /* Free reader slots beyond the input: position JOINING. */
  if (object_size >= HDR)
    {
      int i;

      for (i = SLOTS_IN_INPUT; i < SHMIPC_CHANNEL_MAX_READERS; i++)
        memset (image + 512 + 128 * i + 8, 0xff, 8);
    }
  memcpy (image, body, MIN (body_len, MIN (HEADER_PART, object_size)));
  if (body_len > HEADER_PART && object_size > HDR)
    memcpy (image + HDR, body + HEADER_PART, MIN (body_len - HEADER_PART, object_size - HDR));

  /* Owner words naming "us" (see above). */
  if (object_size >= HEADER_PART)
    {
      int i;

      for (i = -1; i < SLOTS_IN_INPUT; i++)
        {
          gsize at = i < 0 ? 400 : (gsize) (512 + 128 * i);
          guint64 owner;

          if (at + 8 > object_size)
            continue;
          memcpy (&owner, image + at, 8);
          if ((owner & 0x3fffffff) == 0x3fffffff)
            memcpy (image + at, &own_owner, 8);
        }
    }

  mem = object_of_size (object_size);
  memcpy (mem, image, object_size);

  /* Detection: the magic, and room for the header fields. */
  is_channel = shmipc_channel_is_channel (mem, object_size);
  CHECK (is_channel == (object_size >= HDR &&
                        memcmp (mem, SHMIPC_CHANNEL_MAGIC, 8) == 0));
  CHECK (!shmipc_channel_is_channel (NULL, object_size));
  CHECK (!shmipc_channel_is_channel (mem, MIN (object_size, HDR - 1)));

  /* Inspection, as shmdump --info does it: read-only, changes nothing. */
  ro = shmipc_segment_open (object_name, SHMIPC_OPEN_READ_ONLY, 0, 0, backend, &error);
  if (ro == NULL)
    die_error ("read-only open", error);
  CHECK (shmipc_segment_get_size (ro) == object_size);
  guard = guard_after (ro);
  ok = shmipc_channel_inspect (ro, &info, &error);
  if (ok)
    {
      CHECK (is_channel);
      CHECK (info.version == SHMIPC_CHANNEL_VERSION);
      CHECK (info.capacity >= SHMIPC_CHANNEL_MIN_CAPACITY);
      CHECK (info.capacity <= object_size - HDR);
      CHECK (info.fill <= info.capacity);
      CHECK (info.write_position - info.read_position == info.fill);
      CHECK (info.state <= SHMIPC_CHANNEL_STATE_ABORTED);
      CHECK (info.producer_pid >= 0 && info.n_readers <= info.max_readers);
      CHECK (shmipc_channel_state_to_string (info.state) != NULL);
    }
  else
    {
      CHECK (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT));
      g_clear_error (&error);
    }
  shmipc_segment_free (ro);
  unguard (guard);
  CHECK (memcmp (mem, image, object_size) == 0);

  /* Opening an object without the magic only waits for a creator to
   * publish one (then fails); nothing of the input is decoded. */
  if (!is_channel)
    return 0;

  switch (ops & 3)
    {
    case 0:
      consumer = open_end (SHMIPC_CHANNEL_CONSUMER, object_size);
      break;
    case 1:
      producer = open_end (SHMIPC_CHANNEL_PRODUCER, object_size);
      break;
    case 2:
      consumer = open_end (SHMIPC_CHANNEL_CONSUMER, object_size);
      producer = open_end (SHMIPC_CHANNEL_PRODUCER, object_size);
      break;
    default:
      producer = open_end (SHMIPC_CHANNEL_PRODUCER, object_size);
      consumer = open_end (SHMIPC_CHANNEL_CONSUMER, object_size);
      break;
    }
  first = producer != NULL ? producer : consumer;
  second = first == producer ? consumer : NULL;
  guard = first != NULL ? guard_after (shmipc_channel_get_segment (first)) : NULL;
  {
    void *guard2 = second != NULL ? guard_after (shmipc_channel_get_segment (second)) : NULL;

    if (producer != NULL && consumer != NULL)
      round_trip (producer, consumer, amount);
    if (producer != NULL)
      producer_ops (producer, ops, amount);
    if (consumer != NULL)
      consumer_ops (consumer, amount, consume, (ops & 32) != 0);
    if (producer != NULL && consumer != NULL)
      consumer_ops (consumer, amount, consume, FALSE);

    if (ops & 16)
      {
        g_clear_pointer (&producer, shmipc_channel_free);
        g_clear_pointer (&consumer, shmipc_channel_free);
      }
    else
      {
        g_clear_pointer (&consumer, shmipc_channel_free);
        g_clear_pointer (&producer, shmipc_channel_free);
      }
    unguard (guard2);
  }
  unguard (guard);
  return 0;
}
