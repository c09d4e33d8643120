/* shmipc-message.h - one message in a named object: what prod and cons do
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_MESSAGE_H
#define SHMIPC_MESSAGE_H

#if !defined (__SHMIPC_H_INSIDE__) && !defined (SHMIPC_COMPILATION)
#error "Only <shmipc.h> can be included directly."
#endif

#include <glib.h>
#include <shmipc-macros.h>
#include <shmipc-segment.h>

G_BEGIN_DECLS

/**
 * ShmipcMessageFlags:
 * @SHMIPC_MESSAGE_NONE: no special behaviour
 * @SHMIPC_MESSAGE_EXCLUSIVE: shmipc_message_open_writer() fails with
 *   %SHMIPC_ERROR_EXISTS when the object already exists
 * @SHMIPC_MESSAGE_RESIZE: shmipc_message_open_writer() grows an existing
 *   object smaller than the size asked for (objects are never shrunk)
 * @SHMIPC_MESSAGE_FORCE: shmipc_message_open_writer() writes into an
 *   existing object owned by another user; shmipc_message_open_reader()
 *   opens an unpublished object as it is
 * @SHMIPC_MESSAGE_WAIT: shmipc_message_open_reader() waits until the object
 *   exists and is published
 *
 * Flags of the message functions.
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_MESSAGE_NONE = 0,
  SHMIPC_MESSAGE_EXCLUSIVE = 1 << 0,
  SHMIPC_MESSAGE_RESIZE = 1 << 1,
  SHMIPC_MESSAGE_FORCE = 1 << 2,
  SHMIPC_MESSAGE_WAIT = 1 << 3,
} ShmipcMessageFlags;

SHMIPC_PUBLIC
ShmipcSegment *shmipc_message_open_writer   (const gchar         *name,
                                             gint32               key,
                                             ShmipcBackend        backend,
                                             gsize                size,
                                             guint                mode,
                                             gsize                data_len,
                                             ShmipcMessageFlags   flags,
                                             GError             **error);
SHMIPC_PUBLIC
gboolean       shmipc_message_write         (ShmipcSegment       *segment,
                                             const guint8        *data,
                                             gsize                len,
                                             guint                mode,
                                             GError             **error);

SHMIPC_PUBLIC
ShmipcSegment *shmipc_message_open_reader   (const gchar         *name,
                                             gint32               key,
                                             ShmipcBackend        backend,
                                             ShmipcMessageFlags   flags,
                                             gint64               timeout_ms,
                                             GError             **error);
SHMIPC_PUBLIC
gboolean       shmipc_message_is_published  (const ShmipcStat    *stat_buf);
SHMIPC_PUBLIC
GBytes        *shmipc_message_read          (ShmipcSegment       *segment,
                                             GError             **error);
SHMIPC_PUBLIC
GBytes        *shmipc_message_get_text      (GBytes              *message);

SHMIPC_PUBLIC
gboolean       shmipc_message_check_owner   (ShmipcSegment       *segment,
                                             GError             **error);

G_END_DECLS

#endif /* SHMIPC_MESSAGE_H */
