/* shmipc-list.h - listing and describing the shared-memory objects of
 * the system
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_LIST_H
#define SHMIPC_LIST_H

#if !defined (__SHMIPC_H_INSIDE__) && !defined (SHMIPC_COMPILATION)
#error "Only <shmipc.h> can be included directly."
#endif

#include <glib.h>
#include <shmipc-macros.h>
#include <shmipc-segment.h>

G_BEGIN_DECLS

/**
 * ShmipcObjectInfo:
 * @backend: %SHMIPC_BACKEND_POSIX or %SHMIPC_BACKEND_SYSV
 * @name: POSIX: the object's name with its leading '/'; SysV: %NULL
 * @key: SysV: the segment's key (0 for IPC_PRIVATE); POSIX: 0
 * @id: SysV: the shmid; POSIX: -1
 * @size: size in bytes
 * @mode: permission bits (0777 mask)
 * @uid: owner's user id
 * @gid: owner's group id
 * @owner: the owner's user name, or @uid in decimal when it has none
 * @atime: POSIX: last access; SysV: last attach (seconds since the epoch,
 *   0 when never)
 * @mtime: the modification time shown by shmdump --list: POSIX: last
 *   modification; SysV: the latest of attach, detach and change times
 *   (the kernel does not record writes to a SysV segment)
 * @ctime: last status change (SysV: creation or last IPC_SET)
 * @nattch: SysV: the kernel's count of attachments; POSIX: how many of
 *   @pids were found
 * @cpid: SysV: the creator's pid; POSIX: 0
 * @lpid: SysV: pid of the last shmat()/shmdt(); POSIX: 0
 * @pids: (element-type gint32): the processes found mapping the object
 *   or holding it open, among those whose /proc entries the caller may
 *   read, in increasing order
 * @format: "raw", "channel" (a libshmipc channel), or "unknown" when the
 *   caller may not read the object's bytes
 * @details: (element-type utf8) (nullable): for formats that have a
 *   header, its decoded fields as alternating labels and values
 * @stale: %TRUE for a channel that no process uses any more: neither end
 *   runs and no finished stream waits for its consumer ("channel (stale)"
 *   in shmdump --list, the "Stale" detail); %FALSE otherwise
 *
 * What libshmipc knows about one object. Free with
 * shmipc_object_info_free().
 */
typedef struct {
  ShmipcBackend backend;
  gchar *name;
  gint32 key;
  gint32 id;
  guint64 size;
  guint32 mode;
  guint32 uid;
  guint32 gid;
  gchar *owner;
  gint64 atime;
  gint64 mtime;
  gint64 ctime;
  guint64 nattch;
  gint32 cpid;
  gint32 lpid;
  GArray *pids;
  gchar *format;
  GPtrArray *details;
  gboolean stale;
  /*< private >*/
  gpointer padding[7];
} ShmipcObjectInfo;

SHMIPC_PUBLIC
GPtrArray        *shmipc_list_objects             (GError                  **error);
SHMIPC_PUBLIC
ShmipcObjectInfo *shmipc_object_info_lookup       (const gchar              *name,
                                                   ShmipcBackend             backend,
                                                   GError                  **error);
SHMIPC_PUBLIC
ShmipcObjectInfo *shmipc_object_info_lookup_key   (gint32                    key,
                                                   GError                  **error);
SHMIPC_PUBLIC
ShmipcObjectInfo *shmipc_object_info_copy         (const ShmipcObjectInfo   *info);
SHMIPC_PUBLIC
void              shmipc_object_info_free         (ShmipcObjectInfo         *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShmipcObjectInfo, shmipc_object_info_free)

G_END_DECLS

#endif /* SHMIPC_LIST_H */
