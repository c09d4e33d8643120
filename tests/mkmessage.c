/* mkmessage.c - test helper: a message writer that never publishes
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mkmessage abandon NAME TEXT   opens NAME for writing as prod does
 *                               (shmipc_message_open_writer()), puts TEXT
 *                               at its start, and exits without publishing
 *                               it: what a prod killed while it writes a
 *                               new object leaves behind
 * mkmessage hold NAME TEXT      the same, but prints "ready" and then waits
 *                               to be killed: a writer still at work
 *
 * The backend follows SHMIPC_BACKEND. Exit status 1 when NAME cannot be
 * opened for writing.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <shmipc.h>

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  ShmipcSegment *segment;
  gsize len;

  if (argc != 4 || (strcmp (argv[1], "abandon") != 0 && strcmp (argv[1], "hold") != 0))
    {
      fprintf (stderr, "usage: mkmessage abandon|hold NAME TEXT\n");
      return 2;
    }
  len = strlen (argv[3]);
  segment = shmipc_message_open_writer (argv[2], 0, SHMIPC_BACKEND_AUTO, 4096, 0644, len,
                                        SHMIPC_MESSAGE_NONE, &error);
  if (segment == NULL)
    {
      fprintf (stderr, "mkmessage: %s\n", error->message);
      return 1;
    }
  if (!shmipc_segment_get_created (segment))
    {
      fprintf (stderr, "mkmessage: %s existed already\n", argv[2]);
      return 1;
    }
  memcpy (shmipc_segment_get_data (segment), argv[3], len);
  if (strcmp (argv[1], "hold") == 0)
    {
      printf ("ready\n");
      fflush (stdout);
      for (;;)
        pause ();
    }
  /* Like a killed writer: no publication, no clean-up; the lock and the
   * attachment go with the process. */
  _exit (0);
}
