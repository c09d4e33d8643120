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
 * table of probes is format_probes[] in shmipc-list.c: a new format (the
 * channel) adds one entry there, with its functions declared in its own
 * private header. Objects no probe claims are "raw". */
typedef struct {
  /* The name shown in the FORMAT column and in JSON ("channel"). */
  const char *name;
  /* TRUE when @head (the first @head_len bytes of an object of @size
   * bytes; @head_len is MIN (size, SHMIPC_PROBE_BYTES)) is this format,
   * e.g. a magic number and a consistent header. */
  gboolean (*probe) (const guint8 *head,
                     gsize         head_len,
                     guint64       size);
  /* Optional: adds the decoded header for --info to @details, as
   * alternating label and value strings (g_strdup'ed; the array frees
   * them), e.g. "Capacity", "4194304", "Producer pid", "1234 (alive)".
   * @info is the object being described (its size, backend and name or
   * key, for a format that decodes its header through the library and so
   * opens the object again, read-only); @head holds its first @head_len
   * bytes. A format whose header records the processes using it adds the
   * label SHMIPC_DETAIL_STALE, with "yes" when none of them runs and
   * nothing in it waits for a process to come. */
  void (*describe) (const ShmipcObjectInfo *info,
                    const guint8           *head,
                    gsize                   head_len,
                    GPtrArray              *details);
} ShmipcFormatProbe;

/* Returns the entry of the format of the object whose first bytes are
 * @head, or NULL for raw bytes. */
G_GNUC_INTERNAL
const ShmipcFormatProbe *_shmipc_detect_format (const guint8 *head,
                                                gsize         head_len,
                                                guint64       size);

/* The detail saying that no process uses an object any more: "yes" or
 * "no". A stale object shows as "FORMAT (stale)" in the --list table and
 * with "stale": true in JSON. */
#define SHMIPC_DETAIL_STALE "Stale"

/* The format of a message object that was never published (mode 0000):
 * its writer is still writing it ("Stale" "no"), or died ("yes"). */
#define SHMIPC_FORMAT_UNPUBLISHED "unpublished"

G_END_DECLS

#endif /* SHMIPC_LIST_PRIVATE_H */
