/* shmipc-name.c - object names, SysV keys and backend names
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "shmipc-private.h"

/**
 * shmipc_name_validate:
 * @name: an object name, with or without its leading '/'
 * @error: return location for a #GError, or %NULL
 *
 * Checks @name without making any system call. "name" and "/name" are the
 * same object. Refused, with %SHMIPC_ERROR_INVALID_NAME: %NULL, an empty
 * name (or "/" alone), a '/' anywhere but first, "." and ".." (which would
 * leave the shared-memory namespace), and names longer than
 * %SHMIPC_NAME_MAX bytes without the leading '/'.
 *
 * Returns: %TRUE when @name is valid.
 *
 * Since: 0.2
 */
gboolean
shmipc_name_validate (const gchar  *name,
                      GError      **error)
{
  const gchar *base;
  gsize len;

  if (name == NULL)
    {
      g_set_error_literal (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_NAME,
                           "Invalid object name: no name given");
      return FALSE;
    }

  base = name[0] == '/' ? name + 1 : name;
  len = strlen (base);

  if (len == 0)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_NAME,
                   "Invalid object name \"%s\": the name is empty", name);
      return FALSE;
    }
  if (strchr (base, '/') != NULL)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_NAME,
                   "Invalid object name \"%s\": '/' is only allowed as the first character",
                   name);
      return FALSE;
    }
  if (strcmp (base, ".") == 0 || strcmp (base, "..") == 0)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_NAME,
                   "Invalid object name \"%s\": \".\" and \"..\" are not object names",
                   name);
      return FALSE;
    }
  if (len > SHMIPC_NAME_MAX)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_NAME,
                   "Invalid object name: %" G_GSIZE_FORMAT " bytes is longer than the %d allowed",
                   len, SHMIPC_NAME_MAX);
      return FALSE;
    }
  return TRUE;
}

/**
 * shmipc_name_normalize:
 * @name: an object name, with or without its leading '/'
 * @error: return location for a #GError, or %NULL
 *
 * Validates @name (see shmipc_name_validate()) and returns its canonical
 * form, which always starts with '/'.
 *
 * Returns: (transfer full): the canonical name, free with g_free(); %NULL
 * on error.
 *
 * Since: 0.2
 */
gchar *
shmipc_name_normalize (const gchar  *name,
                       GError      **error)
{
  if (!shmipc_name_validate (name, error))
    return NULL;
  return name[0] == '/' ? g_strdup (name) : g_strconcat ("/", name, NULL);
}

/**
 * shmipc_name_to_key:
 * @name: a valid object name
 *
 * Maps a name to the SysV IPC key the SysV backend uses for it, so that
 * processes naming the same object meet on the same segment. The key is
 * the 32-bit FNV-1a hash of the name's bytes without the leading '/',
 * with the top bit cleared; a result of 0 (IPC_PRIVATE) becomes 1. The
 * function is stable across versions and platforms.
 *
 * Returns: a positive key, or 0 if @name is invalid.
 *
 * Since: 0.2
 */
gint32
shmipc_name_to_key (const gchar *name)
{
  const guchar *p;
  guint32 hash = 2166136261u;

  if (!shmipc_name_validate (name, NULL))
    return 0;

  for (p = (const guchar *) (name[0] == '/' ? name + 1 : name); *p != '\0'; p++)
    {
      hash ^= *p;
      hash *= 16777619u;
    }
  hash &= 0x7fffffffu;
  return hash == 0 ? 1 : (gint32) hash;
}

/**
 * shmipc_backend_to_string:
 * @backend: a #ShmipcBackend
 *
 * The name of @backend, as --backend takes it.
 *
 * Returns: "auto", "posix" or "sysv"; "unknown" for other values.
 *
 * Since: 0.2
 */
const gchar *
shmipc_backend_to_string (ShmipcBackend backend)
{
  switch (backend)
    {
    case SHMIPC_BACKEND_AUTO:
      return "auto";
    case SHMIPC_BACKEND_POSIX:
      return "posix";
    case SHMIPC_BACKEND_SYSV:
      return "sysv";
    default:
      return "unknown";
    }
}

/**
 * shmipc_backend_from_string:
 * @str: "auto", "posix" or "sysv" (case does not matter)
 * @backend_out: (out): where to store the backend
 * @error: return location for a #GError, or %NULL
 *
 * Parses a backend name, as given to --backend or in SHMIPC_BACKEND.
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_INVALID_ARGUMENT.
 *
 * Since: 0.2
 */
gboolean
shmipc_backend_from_string (const gchar    *str,
                            ShmipcBackend  *backend_out,
                            GError        **error)
{
  static const ShmipcBackend all[] = {
    SHMIPC_BACKEND_AUTO, SHMIPC_BACKEND_POSIX, SHMIPC_BACKEND_SYSV,
  };
  gsize i;

  for (i = 0; str != NULL && i < G_N_ELEMENTS (all); i++)
    {
      if (g_ascii_strcasecmp (str, shmipc_backend_to_string (all[i])) == 0)
        {
          *backend_out = all[i];
          return TRUE;
        }
    }
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Unknown backend \"%s\" (expected posix, sysv or auto)",
               str != NULL ? str : "");
  return FALSE;
}
