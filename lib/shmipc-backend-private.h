/* shmipc-backend-private.h - the interface between segments and backends
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_BACKEND_PRIVATE_H
#define SHMIPC_BACKEND_PRIVATE_H

#include "shmipc-private.h"

G_BEGIN_DECLS

typedef struct _ShmipcBackendOps ShmipcBackendOps;

struct _ShmipcSegment {
  const ShmipcBackendOps *ops;
  gchar *name;          /* "/name", or "key 0x…" for a SysV key */
  gpointer data;
  gsize size;
  gboolean read_only;
  gboolean created;
  gboolean by_key;
  gint32 key;           /* SysV only */
  int fd;               /* POSIX only, -1 otherwise */
  int shmid;            /* SysV only, -1 otherwise */
  gboolean owner_known; /* SysV only: owner ids read when opened */
  guint32 owner_uid;
  guint32 owner_gid;
};

/* What one backend provides. The segment code only calls through these,
 * so it never needs to know which backend it is talking to. */
struct _ShmipcBackendOps {
  ShmipcBackend backend;
  const char *name;

  /* TRUE when the system offers this kind of shared memory at all. */
  gboolean (*available) (void);
  /* TRUE when @error means "this backend does not work here" (as opposed
   * to "this object cannot be opened"), so that auto may fall back. */
  gboolean (*unavailable_error) (const GError *error);

  /* Open or create segment->name (or segment->key when segment->by_key),
   * map it and fill data, size, created, fd/shmid. */
  gboolean (*open) (ShmipcSegment   *segment,
                    ShmipcOpenFlags  flags,
                    gsize            size,
                    guint            mode,
                    GError         **error);
  void     (*close) (ShmipcSegment *segment);
  gboolean (*stat) (ShmipcSegment *segment,
                    ShmipcStat    *stat_out,
                    GError       **error);
  gboolean (*set_mode) (ShmipcSegment *segment,
                        guint          mode,
                        GError       **error);
  gboolean (*unlink) (ShmipcSegment *segment,
                      GError       **error);
};

#ifdef HAVE_POSIX_SHM
G_GNUC_INTERNAL extern const ShmipcBackendOps _shmipc_posix_ops;
#endif
G_GNUC_INTERNAL extern const ShmipcBackendOps _shmipc_sysv_ops;

G_END_DECLS

#endif /* SHMIPC_BACKEND_PRIVATE_H */
