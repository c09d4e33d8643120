/* shmipc-backend-private.h - the interface between segments and backends
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_BACKEND_PRIVATE_H
#define SHMIPC_BACKEND_PRIVATE_H

#include "shmipc-private.h"
#include "shmipc-guard-private.h"

G_BEGIN_DECLS

/* Where Linux keeps POSIX shared-memory objects (glibc's shm_open() opens
 * files in this tmpfs). The one place this path is written. */
#define SHMIPC_POSIX_SHM_DIR "/dev/shm"

/* An open flag for libshmipc's own use, never accepted from callers of
 * the public functions: the POSIX backend keeps the exclusive flock() it
 * takes to size an object it creates, until the caller releases it. A
 * message writer holds it from creation to publication, so that a new
 * object of mode 0000 that nobody holds locked was abandoned by its
 * writer (see shmipc-message.c). */
#define _SHMIPC_OPEN_HOLD_LOCK ((ShmipcOpenFlags) (1u << 30))

typedef struct _ShmipcBackendOps ShmipcBackendOps;

struct _ShmipcSegment {
  const ShmipcBackendOps *ops;
  gchar *name;          /* "/name", or "key 0x…" for a SysV key */
  gpointer data;
  gsize size;
  gboolean read_only;
  gboolean created;
  gboolean by_key;
  /* Opened as it is by a forced message reader while of mode 0000: read
   * without waiting for the writer's lock. */
  gboolean unpublished;
  gint32 key;           /* SysV only */
  int fd;               /* POSIX only, -1 otherwise */
  int shmid;            /* SysV only, -1 otherwise */
  gboolean owner_known; /* SysV only: owner ids read when opened */
  guint32 owner_uid;
  guint32 owner_gid;
  /* Set once an access to the mapping faulted (the object was truncated
   * by another process): every later guarded access fails with this. */
  GError *broken;
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

/* shmipc_segment_open() and shmipc_segment_open_key(), also taking the
 * internal flags (_SHMIPC_OPEN_HOLD_LOCK). */
G_GNUC_INTERNAL
ShmipcSegment *_shmipc_segment_open     (const gchar      *name,
                                         ShmipcOpenFlags   flags,
                                         gsize             size,
                                         guint             mode,
                                         ShmipcBackend     backend,
                                         GError          **error);
G_GNUC_INTERNAL
ShmipcSegment *_shmipc_segment_open_key (gint32            key,
                                         ShmipcOpenFlags   flags,
                                         gsize             size,
                                         guint             mode,
                                         GError          **error);

/* Takes or releases (@operation as for flock(), retried on EINTR) the
 * advisory lock of a POSIX object. SysV segments have no descriptor to
 * lock: nothing to do. */
G_GNUC_INTERNAL
gboolean _shmipc_segment_lock  (ShmipcSegment  *segment,
                                int             operation,
                                GError        **error);
/* FALSE, with a copy of the error, when @segment is broken (see
 * _shmipc_segment_fault()). */
G_GNUC_INTERNAL
gboolean _shmipc_segment_check (ShmipcSegment  *segment,
                                GError        **error);
/* Runs @func (@data) under a guard over @segment's whole mapping
 * (shmipc-guard-private.h states what @func may do). FALSE with @error
 * when @segment was broken already, or when an access faulted: the
 * segment is then marked broken (_shmipc_segment_fault()). */
G_GNUC_INTERNAL
gboolean _shmipc_segment_guarded (ShmipcSegment      *segment,
                                  ShmipcGuardedFunc   func,
                                  gpointer            data,
                                  GError            **error);
/* Called after a guard (shmipc-guard-private.h) caught a fault at
 * @address in @segment's mapping: marks the segment broken and sets
 * @error (SHMIPC_ERROR_CORRUPT) to what happened, e.g. 'Object "/x" was
 * truncated to 0 bytes by another process while mapped'. */
G_GNUC_INTERNAL
void     _shmipc_segment_fault (ShmipcSegment  *segment,
                                gconstpointer   address,
                                GError        **error);

/* What a node of type @st_mode (st_mode & S_IFMT) is, for messages: "a
 * FIFO", "a directory", "a symbolic link"... */
G_GNUC_INTERNAL
const char *_shmipc_node_kind  (guint32       st_mode);
/* TRUE for a regular file; otherwise FALSE with SHMIPC_ERROR_NOT_OBJECT:
 * '"/x" is a FIFO, not a shared-memory object'. */
G_GNUC_INTERNAL
gboolean    _shmipc_check_node (const gchar  *name,
                                guint32       st_mode,
                                GError      **error);

/* Parses one line of /proc/sysvipc/shm into @st (backend SYSV, mtime
 * the detach time). FALSE for a line that is not a segment's. */
G_GNUC_INTERNAL
gboolean    _shmipc_sysv_parse_proc_line (const gchar  *line,
                                          ShmipcStat   *st);
/* Appends a g_malloc'ed ShmipcStat for every SysV segment of the IPC
 * namespace to @stats (none when the system has no /proc/sysvipc/shm). */
G_GNUC_INTERNAL
gboolean    _shmipc_sysv_read_proc       (GPtrArray    *stats,
                                          GError      **error);

#ifdef HAVE_POSIX_SHM
G_GNUC_INTERNAL extern const ShmipcBackendOps _shmipc_posix_ops;
#endif
G_GNUC_INTERNAL extern const ShmipcBackendOps _shmipc_sysv_ops;

G_END_DECLS

#endif /* SHMIPC_BACKEND_PRIVATE_H */
