/* shmipc-error.h - the SHMIPC_ERROR domain
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_ERROR_H
#define SHMIPC_ERROR_H

#if !defined (__SHMIPC_H_INSIDE__) && !defined (SHMIPC_COMPILATION)
#error "Only <shmipc.h> can be included directly."
#endif

#include <glib.h>
#include <shmipc-macros.h>

G_BEGIN_DECLS

/**
 * SHMIPC_ERROR:
 *
 * Error domain of libshmipc. Errors in this domain are from the
 * #ShmipcError enumeration.
 *
 * Since: 0.2
 */
#define SHMIPC_ERROR (shmipc_error_quark ())

/**
 * ShmipcError:
 * @SHMIPC_ERROR_FAILED: a failure no other code describes
 * @SHMIPC_ERROR_NOT_FOUND: the object does not exist
 * @SHMIPC_ERROR_EXISTS: the object exists and exclusive creation was asked
 * @SHMIPC_ERROR_PERMISSION_DENIED: the caller may not access the object
 * @SHMIPC_ERROR_INVALID_NAME: the name is empty, contains an interior '/',
 *   is "." or "..", or is longer than %SHMIPC_NAME_MAX
 * @SHMIPC_ERROR_INVALID_ARGUMENT: an argument is out of range or malformed
 * @SHMIPC_ERROR_NO_SPACE: the system cannot hold an object of that size
 * @SHMIPC_ERROR_TOO_LARGE: data or a size does not fit the object or a limit
 * @SHMIPC_ERROR_UNSUPPORTED: the backend or platform cannot do this
 * @SHMIPC_ERROR_TIMED_OUT: a wait ran out of time
 * @SHMIPC_ERROR_BUSY: another process holds the role asked for
 * @SHMIPC_ERROR_PEER_DIED: the process at the other end has gone
 * @SHMIPC_ERROR_CORRUPT: the object's contents fail validation
 * @SHMIPC_ERROR_NOT_OBJECT: the name holds something other than a
 *   shared-memory object: a FIFO, a directory, a socket, a symbolic link or
 *   a device node, which libshmipc refuses without reading or changing it
 * @SHMIPC_ERROR_UNPUBLISHED: a message object was never published: its
 *   writer is still writing it, or died before finishing it
 * @SHMIPC_ERROR_NOT_OWNER: the object belongs to another user, and the
 *   call refuses to change it or to join it unless told to
 *   (shmipc_message_check_owner(), %SHMIPC_CHANNEL_OPEN_FORCE)
 * @SHMIPC_ERROR_OVERRUN: a reader of a channel with the `drop` policy kept
 *   the producer waiting longer than the channel's grace and was cut off
 * @SHMIPC_ERROR_IS_CHANNEL: the object is a channel, which the message
 *   calls refuse to read, write or remove (its stream is read and written
 *   through a #ShmipcChannel)
 *
 * Error codes of the %SHMIPC_ERROR domain. Values are never renumbered;
 * new codes are only appended. Messages name the object and the failed
 * call, and keep the text of the system error where there is one.
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_ERROR_FAILED = 0,
  SHMIPC_ERROR_NOT_FOUND = 1,
  SHMIPC_ERROR_EXISTS = 2,
  SHMIPC_ERROR_PERMISSION_DENIED = 3,
  SHMIPC_ERROR_INVALID_NAME = 4,
  SHMIPC_ERROR_INVALID_ARGUMENT = 5,
  SHMIPC_ERROR_NO_SPACE = 6,
  SHMIPC_ERROR_TOO_LARGE = 7,
  SHMIPC_ERROR_UNSUPPORTED = 8,
  SHMIPC_ERROR_TIMED_OUT = 9,
  SHMIPC_ERROR_BUSY = 10,
  SHMIPC_ERROR_PEER_DIED = 11,
  SHMIPC_ERROR_CORRUPT = 12,
  SHMIPC_ERROR_NOT_OBJECT = 13,
  SHMIPC_ERROR_UNPUBLISHED = 14,
  SHMIPC_ERROR_NOT_OWNER = 15,
  SHMIPC_ERROR_OVERRUN = 16,
  SHMIPC_ERROR_IS_CHANNEL = 17,
} ShmipcError;

SHMIPC_PUBLIC
GQuark      shmipc_error_quark           (void);

SHMIPC_PUBLIC
ShmipcError shmipc_error_from_errno      (int           err_no);
SHMIPC_PUBLIC
int         shmipc_error_get_errno       (const GError *error);

G_END_DECLS

#endif /* SHMIPC_ERROR_H */
