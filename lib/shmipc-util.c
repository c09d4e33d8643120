/* shmipc-util.c - parsing helpers shared by the commands
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shmipc-private.h"

/**
 * shmipc_parse_size:
 * @str: a size: decimal digits, optionally followed by K, M, G or T
 *   (powers of 1024, case-insensitive, an optional "iB" or "B" after it)
 * @size_out: (out): where to store the size in bytes
 * @error: return location for a #GError, or %NULL
 *
 * Parses sizes such as "4096", "64K", "1M", "2G" or "1GiB".
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_INVALID_ARGUMENT
 * for malformed input or %SHMIPC_ERROR_TOO_LARGE when it overflows.
 */
gboolean
shmipc_parse_size (const gchar  *str,
                   guint64      *size_out,
                   GError      **error)
{
  guint64 value;
  guint shift = 0;
  gchar *end = NULL;

  if (str == NULL || !g_ascii_isdigit (str[0]))
    goto invalid;

  errno = 0;
  value = g_ascii_strtoull (str, &end, 10);
  if (errno == ERANGE)
    goto too_large;

  switch (g_ascii_toupper (*end))
    {
    case '\0':
      break;
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case 'T': shift = 40; end++; break;
    case 'B': break;
    default:
      goto invalid;
    }
  if (shift != 0 && (end[0] == 'i' || end[0] == 'I') && (end[1] == 'B' || end[1] == 'b'))
    end += 2;
  else if (end[0] == 'B' || end[0] == 'b')
    end++;
  if (*end != '\0')
    goto invalid;

  if (shift != 0 && value > (G_MAXUINT64 >> shift))
    goto too_large;
  *size_out = value << shift;
  return TRUE;

invalid:
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Invalid size \"%s\" (expected a number of bytes, optionally with K, M, G or T)",
               str != NULL ? str : "");
  return FALSE;
too_large:
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TOO_LARGE,
               "Size \"%s\" is too large", str);
  return FALSE;
}

/**
 * shmipc_parse_mode:
 * @str: permission bits in octal, such as "600" or "0644"
 * @mode_out: (out): where to store the mode
 * @error: return location for a #GError, or %NULL
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_INVALID_ARGUMENT
 * unless @str is an octal number no greater than 0777.
 */
gboolean
shmipc_parse_mode (const gchar  *str,
                   guint        *mode_out,
                   GError      **error)
{
  guint64 value;
  gchar *end = NULL;

  if (str == NULL || *str == '\0' || strspn (str, "01234567") != strlen (str))
    goto invalid;
  value = g_ascii_strtoull (str, &end, 8);
  if (value > 0777)
    goto invalid;
  *mode_out = (guint) value;
  return TRUE;

invalid:
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Invalid mode \"%s\" (expected octal permission bits, 0 to 0777)",
               str != NULL ? str : "");
  return FALSE;
}

/**
 * shmipc_parse_key:
 * @str: a SysV key in decimal (negative too) or, with a "0x" prefix,
 *   hexadecimal
 * @key_out: (out): where to store the key
 * @error: return location for a #GError, or %NULL
 *
 * Parses keys as ipcs(1) and ipcmk(1) print them (up to 0xffffffff), and
 * as /proc/sysvipc/shm prints them (the signed key_t the system uses,
 * down to -2147483648). The result is that signed key_t.
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_INVALID_ARGUMENT.
 */
gboolean
shmipc_parse_key (const gchar  *str,
                  gint32       *key_out,
                  GError      **error)
{
  guint64 value;
  gchar *end = NULL;
  const gchar *digits = str;
  gboolean negative = FALSE;
  guint base = 10;

  if (str == NULL || *str == '\0')
    goto invalid;
  if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X'))
    {
      digits = str + 2;
      base = 16;
    }
  else if (str[0] == '-')
    {
      digits = str + 1;
      negative = TRUE;
    }
  if (!g_ascii_isxdigit (*digits) || (base == 10 && !g_ascii_isdigit (*digits)))
    goto invalid;
  errno = 0;
  value = g_ascii_strtoull (digits, &end, base);
  if (errno != 0 || *end != '\0' || value == 0 ||
      value > (negative ? (guint64) G_MAXINT32 + 1 : G_MAXUINT32))
    goto invalid;
  *key_out = negative ? (gint32) -(gint64) value : (gint32) (guint32) value;
  return TRUE;

invalid:
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Invalid key \"%s\" (expected a non-zero number: decimal, 0x-hex up to 0xffffffff, "
               "or negative decimal down to -2147483648)",
               str != NULL ? str : "");
  return FALSE;
}
