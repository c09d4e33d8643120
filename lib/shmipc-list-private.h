/* shmipc-list-private.h - how shmipc --list recognises object formats
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_LIST_PRIVATE_H
#define SHMIPC_LIST_PRIVATE_H

#include "shmipc-private.h"

G_BEGIN_DECLS

/* How many leading bytes of an object the probes are given. */
#define SHMIPC_PROBE_BYTES 4096

/* One format libshmipc can recognise in an object's first bytes. The
 * table of probes is format_probes[] in shmipc-list.c; a format's own
 * functions live with it (the channel's in shmipc-channel-inspect.c).
 * Objects no probe claims are raw. */
typedef struct {
  ShmipcObjectFormat format;
  /* TRUE when @head (the first @head_len bytes of an object of @size
   * bytes; @head_len is MIN (size, SHMIPC_PROBE_BYTES)) is this format,
   * e.g. a magic number and a consistent header. */
  gboolean (*probe) (const guint8 *head,
                     gsize         head_len,
                     guint64       size);
  /* Optional: decodes the object's header into @info (the format's own
   * member, and @info->stale); it opens the object again, read-only,
   * from @info's backend and name or key. */
  void (*describe) (ShmipcObjectInfo *info);
} ShmipcFormatProbe;

/* Returns the entry of the format of the object whose first bytes are
 * @head, or NULL for raw bytes. */
G_GNUC_INTERNAL
const ShmipcFormatProbe *_shmipc_detect_format (const guint8 *head,
                                                gsize         head_len,
                                                guint64       size);

/* The channel (shmipc-channel-inspect.c). */
G_GNUC_INTERNAL
gboolean _shmipc_channel_probe    (const guint8     *head,
                                   gsize             head_len,
                                   guint64           size);
G_GNUC_INTERNAL
void     _shmipc_channel_describe (ShmipcObjectInfo *info);
/* shmipc-channel-open.c: removes the channel in @segment (opened for
 * reading and writing) when, under the locks of its ends, no process uses
 * it; SHMIPC_ERROR_BUSY when one does. */
G_GNUC_INTERNAL
gboolean _shmipc_channel_remove_stale (ShmipcSegment    *segment,
                                       GError          **error);

G_END_DECLS

#endif /* SHMIPC_LIST_PRIVATE_H */
