/* gen-corpus.c - seed inputs of fuzz-channel from real channels
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built and run by "tests/fuzz/run-fuzzers.sh --generate": makes channels
 * with the library in a few states, copies their bytes into files in
 * fuzz-channel's input layout (see fuzz-channel.c) and writes them to the
 * directory given as argument. The owner words hold this process's pid,
 * dead by the time the fuzzer reads them: a stale channel.
 *
 * It also links LLVMFuzzerTestOneInput's runtime (it is built like the
 * targets), so it defines its own main-less entry: libFuzzer calls
 * LLVMFuzzerInitialize() first, which does all the work and exits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shmipc.h"

#define HDR SHMIPC_CHANNEL_HEADER_SIZE
#define HEADER_PART 1024

static const char *outdir;
static gchar *name;

/* Header field offsets (see shmipc-channel.c). */
#define OFF_VERSION 8
#define OFF_CAPACITY 16
#define OFF_WRITE_POS 128
#define OFF_STATE 384
#define OFF_HOLD 388
#define OFF_BASE 392
#define OFF_PRODUCER 400
#define OFF_SLOT0_OWNER 512
#define OFF_READ_POS 520    /* reader slot 0's position */

static void
put_u64 (guint8 *p, guint64 v)
{
  memcpy (p, &v, 8);
}

static void
put_u32 (guint8 *p, guint32 v)
{
  memcpy (p, &v, 4);
}

/* Writes fuzz-channel input @file: @ops, @amount, @consume, object size
 * word @size_word, and the header part and @ring_len ring bytes of @obj. */
static void
emit (const char   *file,
      guint         ops,
      guint         amount,
      guint         consume,
      guint32       size_word,
      const guint8 *obj,
      gsize         ring_len)
{
  GError *error = NULL;
  gsize len = 8 + HEADER_PART + ring_len;
  guint8 *buf = g_malloc0 (len);
  gchar *path = g_build_filename (outdir, file, NULL);

  buf[0] = (guint8) ops;
  buf[1] = (guint8) amount;
  buf[2] = (guint8) (amount >> 8);
  buf[3] = (guint8) consume;
  buf[4] = (guint8) size_word;
  buf[5] = (guint8) (size_word >> 8);
  buf[6] = (guint8) (size_word >> 16);
  buf[7] = (guint8) (size_word >> 24);
  memcpy (buf + 8, obj, HEADER_PART);
  memcpy (buf + 8 + HEADER_PART, obj + HDR, ring_len);
  if (!g_file_set_contents (path, (const gchar *) buf, (gssize) len, &error))
    g_error ("%s", error->message);
  printf ("%s: %" G_GSIZE_FORMAT " bytes\n", path, len);
  g_free (path);
  g_free (buf);
}

static ShmipcChannel *
open_or_die (ShmipcChannelRole role,
             gsize             capacity)
{
  GError *error = NULL;
  ShmipcChannel *channel = shmipc_channel_open (name, role, capacity, 0600,
                                                SHMIPC_BACKEND_AUTO, &error);

  if (channel == NULL)
    g_error ("%s", error->message);
  return channel;
}

static guint8 *
snapshot (ShmipcChannel *channel)
{
  ShmipcSegment *segment = shmipc_channel_get_segment (channel);

  return g_memdup2 (shmipc_segment_get_data (segment), shmipc_segment_get_size (segment));
}

static void
write_or_die (ShmipcChannel *channel,
              gsize          n)
{
  GError *error = NULL;
  guint8 *data = g_malloc (n);
  gsize i;

  for (i = 0; i < n; i++)
    data[i] = (guint8) ("shmipc fuzz seed\n"[i % 17]);
  if (!shmipc_channel_write (channel, data, n, 0, &error))
    g_error ("%s", error->message);
  g_free (data);
}

static void
read_or_die (ShmipcChannel *channel,
             gsize          n)
{
  GError *error = NULL;
  guint8 *data = g_malloc (n);
  gsize done = 0;

  while (done < n)
    {
      gssize got = shmipc_channel_read (channel, data + done, n - done, 0, &error);

      if (got <= 0)
        g_error ("read: %s", error != NULL ? error->message : "end of stream");
      done += (gsize) got;
    }
  g_free (data);
}

static void
finish (ShmipcChannel *a,
        ShmipcChannel *b)
{
  shmipc_channel_unlink (a, NULL);
  shmipc_channel_free (a);
  if (b != NULL)
    shmipc_channel_free (b);
}

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  (void) data;
  (void) size;
  return 0;
}

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  ShmipcChannel *p, *c;
  guint8 *obj;

  if (*argc < 2)
    {
      fprintf (stderr, "usage: gen-corpus DIR\n");
      exit (2);
    }
  outdir = (*argv)[1];
  name = g_strdup_printf ("shmipc-gen-corpus-%d", (int) getpid ());
  shmipc_unlink (name, SHMIPC_BACKEND_AUTO, NULL);

  /* A fresh channel a consumer created; the consumer then the producer
   * attach (both ends: a round trip of 3000 bytes). */
  c = open_or_die (SHMIPC_CHANNEL_CONSUMER, 4096);
  obj = snapshot (c);
  emit ("gen-fresh-consumer", 0, 100, 128, 4096, obj, 0);
  emit ("gen-fresh-both", 2, 3000, 255, 4096, obj, 0);
  emit ("gen-fresh-producer-reserve", 1 | 8, 64, 0, 4096, obj, 0);
  g_free (obj);
  finish (c, NULL);

  /* A producer has written 1000 bytes, nobody has read them. */
  p = open_or_die (SHMIPC_CHANNEL_PRODUCER, 4096);
  write_or_die (p, 1000);
  obj = snapshot (p);
  emit ("gen-some-data", 0, 600, 200, 4096, obj, 1024);
  g_free (obj);

  /* Full: 4096 bytes in a 4096-byte ring, then end of stream. */
  write_or_die (p, 3096);
  obj = snapshot (p);
  emit ("gen-full-ring", 1, 10, 255, 4096, obj, 4096);
  g_free (obj);
  if (!shmipc_channel_close_write (p, NULL))
    g_error ("close_write");
  obj = snapshot (p);
  emit ("gen-end-of-stream", 0, 5000, 255, 4096, obj, 256);
  emit ("gen-finished-producer-again", 1 | 4, 100, 0, 4096, obj, 256);
  g_free (obj);
  finish (p, NULL);

  /* Wrapped: a 5000-byte ring (not a power of two), 7000 bytes through
   * it, 1500 of them still to read across the end of the ring. */
  p = open_or_die (SHMIPC_CHANNEL_PRODUCER, 5000);
  c = open_or_die (SHMIPC_CHANNEL_CONSUMER, 5000);
  write_or_die (p, 4000);
  read_or_die (c, 4000);
  write_or_die (p, 3000);
  read_or_die (c, 1500);
  obj = snapshot (p);
  emit ("gen-wrapped", 0, 2000, 100, 5000, obj, 5000);
  emit ("gen-wrapped-both", 3 | 16, 4000, 50, 5000, obj, 0);

  /* Corruptions of that header. */
  put_u32 (obj + OFF_VERSION, 1);
  emit ("gen-version-1", 0, 100, 0, 5000, obj, 0);
  put_u32 (obj + OFF_VERSION, 3);
  emit ("gen-bad-version", 0, 100, 0, 5000, obj, 0);
  put_u32 (obj + OFF_VERSION, 2);
  put_u64 (obj + OFF_CAPACITY, 8192);
  emit ("gen-capacity-too-big", 0, 100, 0, 5000, obj, 0);
  put_u64 (obj + OFF_CAPACITY, 5000);
  put_u64 (obj + OFF_READ_POS, 7001);
  emit ("gen-read-past-write", 0, 100, 0, 5000, obj, 0);
  put_u64 (obj + OFF_READ_POS, G_MAXUINT64 - 100);
  put_u64 (obj + OFF_WRITE_POS, G_MAXUINT64 - 100);
  emit ("gen-positions-near-wrap", 2, 4000, 255, 5000, obj, 0);
  put_u64 (obj + OFF_READ_POS, 5500);
  put_u64 (obj + OFF_WRITE_POS, 7000);
  put_u32 (obj + OFF_STATE, 7);
  emit ("gen-bad-state", 0, 100, 0, 5000, obj, 0);
  put_u32 (obj + OFF_STATE, SHMIPC_CHANNEL_STATE_ABORTED);
  put_u64 (obj + OFF_PRODUCER, 0);
  put_u64 (obj + OFF_SLOT0_OWNER, 0);
  emit ("gen-aborted-no-owners", 1, 100, 0, 5000, obj, 0);
  put_u32 (obj + OFF_STATE, SHMIPC_CHANNEL_STATE_OPEN);
  put_u32 (obj + OFF_HOLD, 1);
  put_u64 (obj + OFF_BASE, 7001);
  emit ("gen-base-past-write", 2, 100, 0, 5000, obj, 0);
  /* Cut short: the magic in an object smaller than a header. */
  emit ("gen-truncated", 0, 100, 0, 0x80000000u | 700, obj, 0);
  g_free (obj);
  finish (c, p);

  exit (0);
}
