/* mkobj.c - test helper: create a shared-memory object from stdin
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mkobj NAME [SIZE [MODE]]   creates NAME (exclusively) holding the bytes
 *                            of stdin; SIZE defaults to their count
 *                            (at least 1), the rest is zeros
 * mkobj -k KEY SIZE [MODE]   the same for a SysV segment by key
 * mkobj -u NAME              removes NAME
 *
 * The backend follows SHMIPC_BACKEND. The shell tests use it so that they
 * do not depend on prod.
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
  fprintf (stderr, "mkobj: %s\n", error->message);
  exit (1);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GByteArray) input = g_byte_array_new ();
  g_autoptr(ShmipcSegment) segment = NULL;
  guint8 buf[65536];
  guint64 size = 0;
  guint mode = SHMIPC_DEFAULT_MODE;
  gint32 key = 0;
  gboolean by_key = FALSE;
  ssize_t n;

  if (argc == 3 && strcmp (argv[1], "-u") == 0)
    {
      if (!shmipc_unlink (argv[2], SHMIPC_BACKEND_AUTO, &error))
        die (error);
      return 0;
    }
  if (argc >= 2 && strcmp (argv[1], "-k") == 0)
    {
      by_key = TRUE;
      argv++;
      argc--;
    }
  if (argc < 2 || argc > 4)
    {
      fprintf (stderr, "usage: mkobj [-k KEY] NAME [SIZE [MODE]] < DATA | mkobj -u NAME\n");
      return 2;
    }
  if (by_key && !tool_key_from_string (argv[1], &key, &error))
    die (error);
  if (argc >= 3 && !tool_size_from_string (argv[2], &size, &error))
    die (error);
  if (argc >= 4 && !tool_mode_from_string (argv[3], &mode, &error))
    die (error);

  while ((n = read (STDIN_FILENO, buf, sizeof buf)) > 0)
    g_byte_array_append (input, buf, (guint) n);
  if (n < 0)
    {
      perror ("mkobj: read");
      return 1;
    }
  if (argc < 3)
    size = MAX (input->len, 1);
  if (input->len > size)
    {
      fprintf (stderr, "mkobj: %u bytes do not fit %" G_GUINT64_FORMAT "\n", input->len, size);
      return 1;
    }

  if (by_key)
    segment = shmipc_segment_open_key (key, SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                                       size, mode, &error);
  else
    segment = shmipc_segment_open (argv[1], SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE,
                                   size, mode, SHMIPC_BACKEND_AUTO, &error);
  if (segment == NULL)
    die (error);
  if (input->len > 0)
    memcpy (shmipc_segment_get_data (segment), input->data, input->len);
  return 0;
}
