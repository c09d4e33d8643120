/* tool-common.c - what prod, cons and shmdump share
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool-common.h"

void
tool_init (const char *prgname)
{
  setlocale (LC_ALL, "");
  g_set_prgname (prgname);
}

static void
vmessage (const char *format,
          va_list     args)
{
  g_autofree gchar *text = g_strdup_vprintf (format, args);

  g_printerr ("%s: %s\n", g_get_prgname (), text);
}

void
tool_message (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vmessage (format, args);
  va_end (args);
}

void
tool_usage_error (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vmessage (format, args);
  va_end (args);
  g_printerr ("Try \"%s --help\" for more information.\n", g_get_prgname ());
  exit (TOOL_EXIT_USAGE);
}

void
tool_fail (GError *error)
{
  tool_message ("%s", error->message);
  g_error_free (error);
  exit (TOOL_EXIT_FAILURE);
}

void
tool_parse_options (GOptionContext *context,
                    int            *argc,
                    char         ***argv)
{
  GError *error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    tool_usage_error ("%s", error->message);
}

void
tool_print_version (void)
{
  g_print ("%s (shmipc) %s\n", g_get_prgname (), SHMIPC_VERSION_STRING);
}

ShmipcBackend
tool_parse_backend (const char *option,
                    const char *value)
{
  g_autoptr(GError) error = NULL;
  ShmipcBackend backend = SHMIPC_BACKEND_AUTO;

  if (!shmipc_backend_from_string (value, &backend, &error))
    tool_usage_error ("%s: %s", option, error->message);
  return backend;
}

guint64
tool_parse_size (const char *option,
                 const char *value)
{
  g_autoptr(GError) error = NULL;
  guint64 size = 0;

  if (!shmipc_parse_size (value, &size, &error))
    tool_usage_error ("%s: %s", option, error->message);
  return size;
}

guint
tool_parse_mode (const char *option,
                 const char *value)
{
  g_autoptr(GError) error = NULL;
  guint mode = 0;

  if (!shmipc_parse_mode (value, &mode, &error))
    tool_usage_error ("%s: %s", option, error->message);
  return mode;
}

gint32
tool_parse_key (const char *option,
                const char *value)
{
  g_autoptr(GError) error = NULL;
  gint32 key = 0;

  if (!shmipc_parse_key (value, &key, &error))
    tool_usage_error ("%s: %s", option, error->message);
  return key;
}

GBytes *
tool_read_input (const char  *path,
                 GError     **error)
{
  g_autoptr(GByteArray) buffer = NULL;
  gchar *contents = NULL;
  gsize length = 0;
  guint8 chunk[65536];
  size_t n;

  if (strcmp (path, "-") != 0)
    {
      if (!g_file_get_contents (path, &contents, &length, error))
        return NULL;
      return g_bytes_new_take (contents, length);
    }

  buffer = g_byte_array_new ();
  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    g_byte_array_append (buffer, chunk, (guint) n);
  if (ferror (stdin))
    {
      int err = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
                   "Cannot read standard input: %s", g_strerror (err));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
}
