/* mkchannel.c - test helper: hold one end of a channel
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mkchannel [-c] NAME CAPACITY < DATA
 * mkchannel -e NAME CAPACITY < DATA
 * mkchannel --key NAME      prints NAME's SysV key as 0xKKKKKKKK
 * mkchannel --has-posix     exits 0 when the POSIX backend is available
 *
 * Opens NAME as the producer of a channel of CAPACITY bytes (with -c: as
 * the consumer), as a producer writes the bytes of stdin (at most
 * CAPACITY, so that it never waits for a reader), then prints "ready" on
 * stdout and holds the channel until it is killed. The channel object is
 * left behind (the test removes it), and so is the end this process held:
 * killed, it is a dead producer (or consumer) in the header. With -e, it
 * ends the stream and exits instead, as prod --stream does when no
 * consumer has come yet.
 *
 * The backend follows SHMIPC_BACKEND. The shell tests use it so that they
 * do not depend on prod --stream.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <shmipc.h>

#include "tool-common.h"

static G_GNUC_NORETURN void
die (GError *error)
{
  fprintf (stderr, "mkchannel: %s\n", error->message);
  exit (1);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(ShmipcChannel) channel = NULL;
  ShmipcChannelRole role = SHMIPC_CHANNEL_PRODUCER;
  gboolean end = FALSE;
  guint8 buf[65536];
  guint64 capacity = 0;
  ssize_t n;

  if (argc == 3 && strcmp (argv[1], "--key") == 0)
    {
      printf ("0x%08x\n", (guint32) shmipc_name_to_key (argv[2]));
      return 0;
    }
  if (argc == 2 && strcmp (argv[1], "--has-posix") == 0)
    return shmipc_backend_is_available (SHMIPC_BACKEND_POSIX) ? 0 : 1;
  if (argc >= 2 && strcmp (argv[1], "-c") == 0)
    {
      role = SHMIPC_CHANNEL_CONSUMER;
      argv++;
      argc--;
    }
  else if (argc >= 2 && strcmp (argv[1], "-e") == 0)
    {
      end = TRUE;
      argv++;
      argc--;
    }
  if (argc != 3)
    {
      fprintf (stderr, "usage: mkchannel [-c|-e] NAME CAPACITY < DATA | mkchannel --key NAME"
               " | mkchannel --has-posix\n");
      return 2;
    }
  if (!tool_size_from_string (argv[2], &capacity, &error))
    die (error);

  if (role == SHMIPC_CHANNEL_PRODUCER)
    {
      while ((n = read (STDIN_FILENO, buf, sizeof buf)) > 0)
        g_byte_array_append (input, buf, (guint) n);
      if (n < 0)
        {
          perror ("mkchannel: read");
          return 1;
        }
      if (input->len > capacity)
        {
          fprintf (stderr, "mkchannel: %u bytes do not fit a ring of %" G_GUINT64_FORMAT "\n",
                   input->len, capacity);
          return 1;
        }
    }

  channel = shmipc_channel_open (argv[1], role, (gsize) capacity, SHMIPC_DEFAULT_MODE,
                                 SHMIPC_BACKEND_AUTO, &error);
  if (channel == NULL)
    die (error);
  if (input->len > 0 && !shmipc_channel_write (channel, input->data, input->len, 0, &error))
    die (error);
  if (end)
    {
      if (!shmipc_channel_close_write (channel, &error))
        die (error);
      return 0;
    }

  printf ("ready\n");
  fflush (stdout);
  for (;;)
    pause ();
}
