/* shmipc-backend-private.h - the interface between segments and backends
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_BACKEND_PRIVATE_H
#define SHMIPC_BACKEND_PRIVATE_H

#include "shmipc-private.h"
#include "shmipc-guard-private.h"

#include <sys/stat.h>

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
  gint ref_count;
  const ShmipcBackendOps *ops;
  gchar *name;          /* "/name", or "key 0x…" for a SysV key */
  gpointer data;
  gsize size;
  gboolean read_only;
  gboolean created;
  /* Opened as it is by a forced message reader while of mode 0000: read
   * without waiting for the writer's lock. */
  gboolean unpublished;
  /* Set once an access to the mapping faulted (the object was truncated
   * by another process): every later guarded access fails with this. */
  GError *broken;
  /* The backend's own state: only its backend touches it. */
  union {
    struct {
      int fd;
    } posix;
    struct {
      gint32 key;
      int shmid;
      gboolean owner_known;  /* owner ids read when opened */
      guint32 owner_uid;
      guint32 owner_gid;
    } sysv;
  } priv;
};

/* One object as a backend lists it. */
typedef struct {
  gchar *name;          /* POSIX: "/name"; SysV: NULL */
  ShmipcStat stat;      /* SysV: mtime is the detach time */
} ShmipcListed;

G_GNUC_INTERNAL
void _shmipc_listed_free (gpointer listed);

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

  /* Sets up the backend's state of a new handle (segment->priv), before
   * open or a call by name. */
  void     (*init) (ShmipcSegment *segment);
  /* Open or create segment->name, map it and fill data, size, created. */
  gboolean (*open) (ShmipcSegment   *segment,
                    ShmipcOpenFlags  flags,
                    gsize            size,
                    guint            mode,
                    GError         **error);
  /* Optional: the same for a segment addressed by @key (SysV). */
  gboolean (*open_key) (ShmipcSegment   *segment,
                        gint32           key,
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
  /* TRUE when the name (or key) still refers to the very object
   * @segment has open, not to nothing or to one made since. */
  gboolean (*is_current) (ShmipcSegment *segment);
  /* Removes the very object @segment has open; SHMIPC_ERROR_NOT_FOUND
   * when its name (or key) no longer refers to it. */
  gboolean (*remove_current) (ShmipcSegment *segment,
                              GError       **error);
  /* Optional: takes or releases (@operation as for flock(), retried on
   * EINTR) the object's advisory lock; a backend without one has nothing
   * to do. */
  gboolean (*lock) (ShmipcSegment *segment,
                    int            operation,
                    GError       **error);
  /* Optional: makes sure the storage of every byte of the object is
   * allocated, so that writing it cannot run out of room half-way
   * (SHMIPC_ERROR_NO_SPACE before anything changes); a backend whose
   * objects are allocated whole has nothing to do. */
  gboolean (*allocate) (ShmipcSegment  *segment,
                        GError        **error);
  /* The SysV key of the segment, 0 for a backend without keys. */
  gint32   (*get_key) (ShmipcSegment *segment);

  /* Listing (shmipc-list.c). Appends a ShmipcListed for every object of
   * the system (POSIX: the regular files of /dev/shm but POSIX
   * semaphores; SysV: every segment of the IPC namespace, whatever its
   * permissions). */
  gboolean (*list) (GPtrArray  *listed,
                    GError    **error);
  /* Reads up to @length leading bytes of a listed object, read-only;
   * the count, or -1 when the caller may not read it. */
  gssize   (*read_head) (const ShmipcListed *object,
                         guint8             *buffer,
                         gsize               length);
  /* The key under which the listing files the processes using @object;
   * and the key of the object of this backend that a line of
   * /proc/PID/maps (@maps_path, @maps_device, @maps_inode) or a
   * descriptor a process holds open (@fd_stat; @maps_path NULL) is, or
   * NULL. A POSIX object's key holds its device as well as its inode:
   * inode numbers repeat across tmpfs mounts (another mount namespace's
   * /dev/shm, a container's). */
  gchar   *(*user_key) (const ShmipcListed *object);
  gchar   *(*user_key_of) (const gchar       *maps_path,
                           guint64            maps_device,
                           guint64            maps_inode,
                           const struct stat *fd_stat);
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

/* Takes or releases (@operation as for flock()) the object's advisory
 * lock, where its backend has one (ops->lock). */
G_GNUC_INTERNAL
gboolean _shmipc_segment_lock  (ShmipcSegment  *segment,
                                int             operation,
                                GError        **error);
/* shmipc-sysv.c: removes an abandoned SysV message (see there). */
G_GNUC_INTERNAL
gboolean _shmipc_sysv_remove_abandoned (gint32 key, gint32 shmid, GError **error);

/* ops->allocate, where the backend has it. */
G_GNUC_INTERNAL
gboolean _shmipc_segment_allocate (ShmipcSegment  *segment,
                                   GError        **error);
/* ops->is_current and ops->remove_current, for an open segment. */
G_GNUC_INTERNAL
gboolean _shmipc_segment_is_current     (ShmipcSegment  *segment);
G_GNUC_INTERNAL
gboolean _shmipc_segment_remove_current (ShmipcSegment  *segment,
                                         GError        **error);
/* FALSE with SHMIPC_ERROR_NOT_OWNER ('"/x" belongs to uid 1000, not to
 * uid 0') when the object's owner is not our effective uid, or with the
 * error of shmipc_segment_stat(). */
G_GNUC_INTERNAL
gboolean _shmipc_segment_check_owner (ShmipcSegment  *segment,
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

/* The backends this library was built with, POSIX first: NULL-terminated. */
G_GNUC_INTERNAL extern const ShmipcBackendOps *const _shmipc_backends[];

#ifdef HAVE_POSIX_SHM
G_GNUC_INTERNAL extern const ShmipcBackendOps _shmipc_posix_ops;
#endif
G_GNUC_INTERNAL extern const ShmipcBackendOps _shmipc_sysv_ops;

G_END_DECLS

#endif /* SHMIPC_BACKEND_PRIVATE_H */
