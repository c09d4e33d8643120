/* shmipc-error.c - the SHMIPC_ERROR domain
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>

#include "shmipc-private.h"

/* Errors keep the errno that caused them, so that a caller (cons
 * reproducing the seed's "Shared memory failed: …") can word its own
 * message without parsing ours. */
typedef struct {
  int errno_value;
} ShmipcErrorPrivate;

static void
shmipc_error_private_init (ShmipcErrorPrivate *priv)
{
  priv->errno_value = 0;
}

static void
shmipc_error_private_copy (const ShmipcErrorPrivate *src,
                           ShmipcErrorPrivate       *dest)
{
  dest->errno_value = src->errno_value;
}

static void
shmipc_error_private_clear (ShmipcErrorPrivate *priv)
{
}

/**
 * shmipc_error_quark:
 *
 * The error domain of libshmipc, %SHMIPC_ERROR.
 *
 * Returns: the #GQuark of the %SHMIPC_ERROR domain.
 *
 * Since: 0.2
 */
G_DEFINE_EXTENDED_ERROR (ShmipcError, shmipc_error)

/**
 * shmipc_error_from_errno:
 * @err_no: an errno value
 *
 * Maps a system error to the closest #ShmipcError code.
 *
 * Returns: a #ShmipcError code, %SHMIPC_ERROR_FAILED when none fits.
 *
 * Since: 0.2
 */
ShmipcError
shmipc_error_from_errno (int err_no)
{
  switch (err_no)
    {
    case ENOENT:
    case EIDRM:
      return SHMIPC_ERROR_NOT_FOUND;
    case EEXIST:
      return SHMIPC_ERROR_EXISTS;
    case EACCES:
    case EPERM:
    case EROFS:
      return SHMIPC_ERROR_PERMISSION_DENIED;
    case ENAMETOOLONG:
      return SHMIPC_ERROR_INVALID_NAME;
    case EINVAL:
    case EBADF:
      return SHMIPC_ERROR_INVALID_ARGUMENT;
    case ENOSPC:
    case ENOMEM:
    case EDQUOT:
      return SHMIPC_ERROR_NO_SPACE;
    case EFBIG:
    case EOVERFLOW:
    case E2BIG:
      return SHMIPC_ERROR_TOO_LARGE;
    case ENOSYS:
    case EOPNOTSUPP:
      return SHMIPC_ERROR_UNSUPPORTED;
    case ETIMEDOUT:
      return SHMIPC_ERROR_TIMED_OUT;
    case EBUSY:
      return SHMIPC_ERROR_BUSY;
    default:
      return SHMIPC_ERROR_FAILED;
    }
}

/**
 * shmipc_error_get_errno:
 * @error: a #GError
 *
 * Tells which system error, if any, caused @error.
 *
 * Returns: the errno value behind an error of the %SHMIPC_ERROR domain, or
 * 0 when @error did not come from a failed system call (or is not in that
 * domain).
 *
 * Since: 0.2
 */
int
shmipc_error_get_errno (const GError *error)
{
  ShmipcErrorPrivate *priv;

  if (error == NULL)
    return 0;
  priv = shmipc_error_get_private (error);
  return priv != NULL ? priv->errno_value : 0;
}

void
_shmipc_set_error_errno (GError    **error,
                         int         saved_errno,
                         const char *format,
                         ...)
{
  va_list args;
  gchar *what;
  GError *new_error;

  if (error == NULL)
    return;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);

  new_error = g_error_new (SHMIPC_ERROR, shmipc_error_from_errno (saved_errno),
                           "%s: %s", what, g_strerror (saved_errno));
  shmipc_error_get_private (new_error)->errno_value = saved_errno;
  g_propagate_error (error, new_error);
  g_free (what);
}
