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

#include <glib-object.h>
#include <shmipc-macros.h>
#include <shmipc-segment.h>
#include <shmipc-channel.h>

G_BEGIN_DECLS

/**
 * ShmipcObjectFormat:
 * @SHMIPC_OBJECT_FORMAT_UNKNOWN: the caller may not read the object's bytes
 * @SHMIPC_OBJECT_FORMAT_RAW: bytes no probe recognises (a message, data)
 * @SHMIPC_OBJECT_FORMAT_CHANNEL: a libshmipc channel (see #ShmipcChannel)
 * @SHMIPC_OBJECT_FORMAT_UNPUBLISHED: a message object that was never
 *   published (mode 0000): its writer is still writing it, or died
 *
 * What an object holds, as shmipc_list_objects() recognises it.
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_OBJECT_FORMAT_UNKNOWN = 0,
  SHMIPC_OBJECT_FORMAT_RAW = 1,
  SHMIPC_OBJECT_FORMAT_CHANNEL = 2,
  SHMIPC_OBJECT_FORMAT_UNPUBLISHED = 3,
} ShmipcObjectFormat;

/**
 * ShmipcObjectInfo:
 * @backend: %SHMIPC_BACKEND_POSIX or %SHMIPC_BACKEND_SYSV
 * @name: POSIX: the object's name with its leading '/' (any bytes but
 *   NUL and '/': print it escaped); SysV: %NULL
 * @key: SysV: the segment's key (0 for IPC_PRIVATE); POSIX: 0
 * @id: SysV: the shmid; POSIX: -1
 * @size: size in bytes
 * @mode: permission bits (0777 mask)
 * @uid: owner's user id
 * @gid: owner's group id
 * @owner: the owner's user name, or @uid in decimal when it has none
 * @atime: POSIX: last access; SysV: last attach (seconds since the epoch,
 *   0 when never)
 * @mtime: POSIX: last modification; SysV: the latest of attach, detach
 *   and change times (the kernel does not record writes to a SysV
 *   segment)
 * @ctime: last status change (SysV: creation or last IPC_SET)
 * @nattch: SysV: the kernel's count of attachments; POSIX: how many of
 *   @pids were found
 * @cpid: SysV: the creator's pid; POSIX: 0
 * @lpid: SysV: pid of the last shmat()/shmdt(); POSIX: 0
 * @pids: (element-type gint32): the processes found mapping the object
 *   or holding it open, among those whose /proc entries the caller may
 *   read, in increasing order
 * @format: what the object holds
 * @channel: (nullable): for a channel whose header could be decoded, the
 *   decoded header (as shmipc_channel_inspect() gives it); %NULL otherwise
 * @header_error: (nullable): for a channel whose header could not be
 *   decoded, why ("not decoded: ...", "corrupt: ..."); %NULL otherwise
 * @writer_pid: for an unpublished message, the pid of its writer where
 *   it is known (POSIX: while it runs, from its lock; SysV: the
 *   segment's creator); 0 otherwise
 * @stale: %TRUE when no process uses the object any more and nothing in
 *   it waits for one: a channel whose producer and consumer are both
 *   gone, and which holds no finished stream waiting for its consumer; an
 *   unpublished message whose writer died (abandoned). %FALSE for every
 *   other object
 *
 * What libshmipc knows about one object: data, which the caller presents
 * (shmdump prints it as a table, as text or as JSON). Free with
 * shmipc_object_info_free().
 *
 * Since: 0.2
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
  ShmipcObjectFormat format;
  ShmipcChannelInfo *channel;
  gchar *header_error;
  gint32 writer_pid;
  gboolean stale;
  /*< private >*/
  gpointer padding[8];
} ShmipcObjectInfo;

#define SHMIPC_TYPE_OBJECT_INFO (shmipc_object_info_get_type ())

SHMIPC_PUBLIC
GType             shmipc_object_info_get_type     (void) G_GNUC_CONST;

SHMIPC_PUBLIC
const gchar      *shmipc_object_format_to_string  (ShmipcObjectFormat        format);

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
gboolean          shmipc_object_remove_stale      (const ShmipcObjectInfo   *info,
                                                   GError                  **error);
SHMIPC_PUBLIC
ShmipcObjectInfo *shmipc_object_info_copy         (const ShmipcObjectInfo   *info);
SHMIPC_PUBLIC
void              shmipc_object_info_free         (ShmipcObjectInfo         *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShmipcObjectInfo, shmipc_object_info_free)

G_END_DECLS

#endif /* SHMIPC_LIST_H */
