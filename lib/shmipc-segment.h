/* shmipc-segment.h - named shared-memory segments
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_SEGMENT_H
#define SHMIPC_SEGMENT_H

#if !defined (__SHMIPC_H_INSIDE__) && !defined (SHMIPC_COMPILATION)
#error "Only <shmipc.h> can be included directly."
#endif

#include <glib-object.h>
#include <sys/types.h>
#include <shmipc-macros.h>

G_BEGIN_DECLS

/**
 * SHMIPC_NAME_MAX:
 *
 * The longest name, in bytes and without the leading '/', that libshmipc
 * accepts. It is the limit glibc's shm_open() applies, whichever backend
 * is used, so that a name valid for one backend is valid for the other.
 *
 * Since: 0.2
 */
#define SHMIPC_NAME_MAX 253

/**
 * SHMIPC_DEFAULT_MODE:
 *
 * The permission bits of a new object when the caller has no preference.
 *
 * Since: 0.2
 */
#define SHMIPC_DEFAULT_MODE 0600

/**
 * ShmipcBackend:
 * @SHMIPC_BACKEND_AUTO: POSIX, falling back to SysV when POSIX shared
 *   memory is unavailable on this system
 * @SHMIPC_BACKEND_POSIX: shm_open() and mmap()
 * @SHMIPC_BACKEND_SYSV: shmget() and shmat()
 *
 * The system interface behind a segment.
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_BACKEND_AUTO = 0,
  SHMIPC_BACKEND_POSIX = 1,
  SHMIPC_BACKEND_SYSV = 2,
} ShmipcBackend;

/**
 * ShmipcOpenFlags:
 * @SHMIPC_OPEN_NONE: open an existing object for reading and writing
 * @SHMIPC_OPEN_CREATE: create the object if it does not exist
 * @SHMIPC_OPEN_EXCLUSIVE: with %SHMIPC_OPEN_CREATE, fail with
 *   %SHMIPC_ERROR_EXISTS if the object exists
 * @SHMIPC_OPEN_READ_ONLY: map the object read-only
 * @SHMIPC_OPEN_RESIZE: grow an existing object smaller than the size asked
 *   for (objects are never shrunk)
 *
 * Flags for shmipc_segment_open().
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_OPEN_NONE = 0,
  SHMIPC_OPEN_CREATE = 1 << 0,
  SHMIPC_OPEN_EXCLUSIVE = 1 << 1,
  SHMIPC_OPEN_READ_ONLY = 1 << 2,
  SHMIPC_OPEN_RESIZE = 1 << 3,
} ShmipcOpenFlags;

/**
 * ShmipcStat:
 * @backend: the backend holding the object
 * @size: size in bytes
 * @mode: permission bits (0777 mask)
 * @uid: owner's user id
 * @gid: owner's group id
 * @atime: last access (POSIX) or attach (SysV) time, seconds since the
 *   epoch, 0 when unknown
 * @mtime: last modification (POSIX) or detach (SysV) time, or 0
 * @ctime: last status change time
 * @key: SysV key, 0 for POSIX objects
 * @id: SysV shmid, -1 for POSIX objects
 * @nattch: SysV number of attached processes, 0 for POSIX objects
 * @cpid: SysV creator pid, 0 for POSIX objects
 * @lpid: SysV pid of the last shmat()/shmdt(), 0 for POSIX objects
 * @device: POSIX: the device of the file system holding the object
 *   (st_dev); SysV: 0
 * @inode: POSIX: the object's inode number; SysV: 0
 *
 * Metadata of a segment, filled by shmipc_segment_stat().
 *
 * Since: 0.2
 */
typedef struct {
  ShmipcBackend backend;
  guint64 size;
  guint32 mode;
  guint32 uid;
  guint32 gid;
  gint64 atime;
  gint64 mtime;
  gint64 ctime;
  gint32 key;
  gint32 id;
  guint64 nattch;
  gint32 cpid;
  gint32 lpid;
  guint64 device;
  guint64 inode;
  /*< private >*/
  gpointer padding[6];
} ShmipcStat;

/**
 * ShmipcSegment:
 *
 * An opaque handle on a mapped shared-memory object.
 *
 * Since: 0.2
 */
typedef struct _ShmipcSegment ShmipcSegment;

#define SHMIPC_TYPE_SEGMENT (shmipc_segment_get_type ())
#define SHMIPC_TYPE_STAT    (shmipc_stat_get_type ())

SHMIPC_PUBLIC
GType          shmipc_segment_get_type    (void) G_GNUC_CONST;
SHMIPC_PUBLIC
GType          shmipc_stat_get_type       (void) G_GNUC_CONST;

SHMIPC_PUBLIC
ShmipcSegment *shmipc_segment_open        (const gchar      *name,
                                           ShmipcOpenFlags   flags,
                                           gsize             size,
                                           guint             mode,
                                           ShmipcBackend     backend,
                                           GError          **error);
SHMIPC_PUBLIC
ShmipcSegment *shmipc_segment_open_key    (gint32            key,
                                           ShmipcOpenFlags   flags,
                                           gsize             size,
                                           guint             mode,
                                           GError          **error);
SHMIPC_PUBLIC
ShmipcSegment *shmipc_segment_ref         (ShmipcSegment    *segment);
SHMIPC_PUBLIC
void           shmipc_segment_unref       (ShmipcSegment    *segment);
SHMIPC_PUBLIC
void           shmipc_segment_free        (ShmipcSegment    *segment);

SHMIPC_PUBLIC
gpointer       shmipc_segment_get_data    (ShmipcSegment    *segment);
SHMIPC_PUBLIC
gsize          shmipc_segment_get_size    (ShmipcSegment    *segment);
SHMIPC_PUBLIC
const gchar   *shmipc_segment_get_name    (ShmipcSegment    *segment);
SHMIPC_PUBLIC
ShmipcBackend  shmipc_segment_get_backend (ShmipcSegment    *segment);
SHMIPC_PUBLIC
gboolean       shmipc_segment_get_created (ShmipcSegment    *segment);
SHMIPC_PUBLIC
gboolean       shmipc_segment_is_read_only (ShmipcSegment   *segment);
SHMIPC_PUBLIC
gint32         shmipc_segment_get_key     (ShmipcSegment    *segment);

SHMIPC_PUBLIC
gboolean       shmipc_segment_copy_out    (ShmipcSegment    *segment,
                                           gsize             offset,
                                           gpointer          buffer,
                                           gsize             length,
                                           GError          **error);

SHMIPC_PUBLIC
GBytes        *shmipc_segment_read_bytes  (ShmipcSegment    *segment,
                                           guint64           offset,
                                           gsize             length,
                                           GError          **error);
SHMIPC_PUBLIC
gboolean       shmipc_segment_write_bytes (ShmipcSegment    *segment,
                                           guint64           offset,
                                           GBytes           *bytes,
                                           GError          **error);

SHMIPC_PUBLIC
gboolean       shmipc_segment_stat        (ShmipcSegment    *segment,
                                           ShmipcStat       *stat_out,
                                           GError          **error);
SHMIPC_PUBLIC
gboolean       shmipc_segment_set_mode    (ShmipcSegment    *segment,
                                           guint             mode,
                                           GError          **error);
SHMIPC_PUBLIC
gboolean       shmipc_segment_unlink      (ShmipcSegment    *segment,
                                           GError          **error);

SHMIPC_PUBLIC
gboolean       shmipc_unlink              (const gchar      *name,
                                           ShmipcBackend     backend,
                                           GError          **error);
SHMIPC_PUBLIC
gboolean       shmipc_stat                (const gchar      *name,
                                           ShmipcBackend     backend,
                                           ShmipcStat       *stat_out,
                                           GError          **error);

SHMIPC_PUBLIC
gboolean       shmipc_name_validate       (const gchar      *name,
                                           GError          **error);
SHMIPC_PUBLIC
gchar         *shmipc_name_normalize      (const gchar      *name,
                                           GError          **error);
SHMIPC_PUBLIC
gint32         shmipc_name_to_key         (const gchar      *name);

SHMIPC_PUBLIC
const gchar   *shmipc_backend_to_string   (ShmipcBackend     backend);
SHMIPC_PUBLIC
gboolean       shmipc_backend_from_string (const gchar      *str,
                                           ShmipcBackend    *backend_out,
                                           GError          **error);
SHMIPC_PUBLIC
ShmipcBackend  shmipc_backend_default     (void);
SHMIPC_PUBLIC
gboolean       shmipc_backend_is_available (ShmipcBackend    backend);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShmipcSegment, shmipc_segment_free)

G_END_DECLS

#endif /* SHMIPC_SEGMENT_H */
