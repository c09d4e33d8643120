/* shmipc-sysv.c - the SysV backend: shmget() and shmat()
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "shmipc-backend-private.h"

/* Attempts at "create, or else open the existing one" before giving up
 * on a segment that keeps appearing and disappearing under us. */
#define OPEN_ATTEMPTS 100

/* Where Linux lists every segment of the IPC namespace, whatever its
 * permissions (as ipcs(1) shows them). */
#define SYSV_SHM_PROC "/proc/sysvipc/shm"

static gboolean
parse_proc_line (const gchar *line,
                              ShmipcStat  *st)
{
  gint key, shmid, cpid, lpid;
  guint perms, uid, gid, cuid, cgid;
  guint64 size, nattch;
  gint64 atime, dtime, ctime;

  if (sscanf (line, "%d %d %o %" G_GUINT64_FORMAT " %d %d %" G_GUINT64_FORMAT
              " %u %u %u %u %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT,
              &key, &shmid, &perms, &size, &cpid, &lpid, &nattch,
              &uid, &gid, &cuid, &cgid, &atime, &dtime, &ctime) != 14)
    return FALSE;
  memset (st, 0, sizeof *st);
  st->backend = SHMIPC_BACKEND_SYSV;
  st->key = key;
  st->id = shmid;
  st->mode = perms & 0777;
  st->size = size;
  st->cpid = cpid;
  st->lpid = lpid;
  st->nattch = nattch;
  st->uid = uid;
  st->gid = gid;
  st->atime = atime;
  st->mtime = dtime;
  st->ctime = ctime;
  return TRUE;
}

static gboolean
read_proc (GPtrArray  *stats,
           GError    **error)
{
  g_autofree gchar *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents (SYSV_SHM_PROC, &contents, NULL, &local_error))
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_debug ("%s: %s; no SysV segments listed", SYSV_SHM_PROC, local_error->message);
          return TRUE;
        }
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_FAILED,
                   "Cannot list SysV segments: %s", local_error->message);
      return FALSE;
    }
  lines = g_strsplit (contents, "\n", -1);
  /* The first line holds the column names. */
  for (i = 1; lines[i] != NULL; i++)
    {
      ShmipcStat st;

      if (parse_proc_line (lines[i], &st))
        g_ptr_array_add (stats, g_memdup2 (&st, sizeof st));
    }
  return TRUE;
}

/* The metadata of @shmid as /proc/sysvipc/shm shows it: for a segment
 * the caller may not read (IPC_STAT needs read permission, even for its
 * owner), such as a message of mode 0000 still being written. */
static gboolean
proc_stat (gint32      shmid,
           ShmipcStat *stat_out)
{
  g_autoptr(GPtrArray) stats = g_ptr_array_new_with_free_func (g_free);
  guint i;

  if (!read_proc (stats, NULL))
    return FALSE;
  for (i = 0; i < stats->len; i++)
    {
      const ShmipcStat *st = stats->pdata[i];

      if (st->id == shmid)
        {
          *stat_out = *st;
          return TRUE;
        }
    }
  return FALSE;
}

/* shmipc_object_remove_stale() for an unpublished message: removes the
 * segment of id @shmid, still under @key, when it is still of mode 0000
 * and no process is attached to it (its writer stays attached until it
 * publishes) and its creator is gone. */
gboolean
_shmipc_sysv_remove_abandoned (gint32    key,
                               gint32    shmid,
                               GError  **error)
{
  ShmipcStat st;
  int err;

  if (key == 0 || shmget ((key_t) key, 0, 0) != shmid || !proc_stat (shmid, &st))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND,
                   "SysV key 0x%08x: segment %d was removed or replaced by another process",
                   (guint32) key, (int) shmid);
      return FALSE;
    }
  if (st.mode != 0 || st.nattch > 0 || _shmipc_process_alive (st.cpid))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                   "SysV key 0x%08x is not stale: %s", (guint32) key,
                   st.mode != 0 ? "it was published" :
                   st.nattch > 0 ? "a process is attached to it" : "its writer runs");
      return FALSE;
    }
  if (shmctl (shmid, IPC_RMID, NULL) != 0)
    {
      err = errno;
      _shmipc_set_error_errno (error, err, "shmctl(key 0x%08x, IPC_RMID) failed", (guint32) key);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sysv_available (void)
{
  return TRUE;
}

static gboolean
sysv_unavailable_error (const GError *error)
{
  return shmipc_error_get_errno (error) == ENOSYS;
}

/* Finds the segment of our key without creating it. */
static gboolean
lookup (ShmipcSegment  *segment,
        GError        **error)
{
  if (segment->priv.sysv.shmid >= 0)
    return TRUE;
  segment->priv.sysv.shmid = shmget ((key_t) segment->priv.sysv.key, 0, 0);
  if (segment->priv.sysv.shmid < 0)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "shmget(\"%s\", key 0x%08x) failed",
                               segment->name, (guint32) segment->priv.sysv.key);
      return FALSE;
    }
  return TRUE;
}

static gboolean
ipc_stat (ShmipcSegment    *segment,
          struct shmid_ds  *ds,
          GError          **error)
{
  if (shmctl (segment->priv.sysv.shmid, IPC_STAT, ds) != 0)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "shmctl(\"%s\", IPC_STAT) failed",
                               segment->name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sysv_set_mode (ShmipcSegment  *segment,
               guint           mode,
               GError        **error)
{
  struct shmid_ds ds;

  if (!lookup (segment, error))
    return FALSE;
  if (shmctl (segment->priv.sysv.shmid, IPC_STAT, &ds) != 0)
    {
      /* IPC_STAT needs read permission, even for the owner, but IPC_SET
       * does not: with the ids seen when the segment was opened, the
       * owner can still change a mode that locked it out (mode 0). */
      if (errno != EACCES || !segment->priv.sysv.owner_known)
        return ipc_stat (segment, &ds, error);
      memset (&ds, 0, sizeof ds);
      ds.shm_perm.uid = segment->priv.sysv.owner_uid;
      ds.shm_perm.gid = segment->priv.sysv.owner_gid;
    }
  ds.shm_perm.mode = (ds.shm_perm.mode & ~0777u) | mode;
  if (shmctl (segment->priv.sysv.shmid, IPC_SET, &ds) != 0)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "shmctl(\"%s\", IPC_SET, %04o) failed",
                               segment->name, mode);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sysv_unlink (ShmipcSegment  *segment,
             GError        **error)
{
  if (!lookup (segment, error))
    return FALSE;
  if (shmctl (segment->priv.sysv.shmid, IPC_RMID, NULL) != 0)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "shmctl(\"%s\", IPC_RMID) failed",
                               segment->name);
      return FALSE;
    }
  return TRUE;
}

/* A segment opened by key: does the key still give its id? (IPC_RMID
 * frees the key at once, and a new segment under it has a new id.) */
static gboolean
sysv_is_current (ShmipcSegment *segment)
{
  if (segment->priv.sysv.shmid < 0)
    return FALSE;
  if (segment->priv.sysv.key == 0)
    return TRUE;
  return shmget ((key_t) segment->priv.sysv.key, 0, 0) == segment->priv.sysv.shmid;
}

/* By id (sysv_unlink() of an open segment): exactly the segment we
 * hold, while its key still names it. */
static gboolean
sysv_remove_current (ShmipcSegment  *segment,
                     GError        **error)
{
  if (!sysv_is_current (segment))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND,
                   "\"%s\" was removed or replaced by another process", segment->name);
      return FALSE;
    }
  return sysv_unlink (segment, error);
}

static gboolean
open_segment (ShmipcSegment   *segment,
              ShmipcOpenFlags  flags,
              gsize            size,
              guint            mode,
              GError         **error)
{
  struct shmid_ds ds;
  void *data;
  int attempt;
  int err;

  segment->priv.sysv.shmid = -1;
  for (attempt = 0; attempt < OPEN_ATTEMPTS && segment->priv.sysv.shmid < 0; attempt++)
    {
      GError *local_error = NULL;

      if (flags & SHMIPC_OPEN_CREATE)
        {
          /* Owner read/write until the exact mode is set below: IPC_STAT
           * and shmat() need them, even for the creator. */
          segment->priv.sysv.shmid = shmget ((key_t) segment->priv.sysv.key, size,
                                   IPC_CREAT | IPC_EXCL | mode | 0600);
          if (segment->priv.sysv.shmid >= 0)
            {
              segment->created = TRUE;
              break;
            }
          if (errno != EEXIST || (flags & SHMIPC_OPEN_EXCLUSIVE))
            {
              err = errno;
              _shmipc_set_error_errno (error, err,
                                       "shmget(\"%s\", key 0x%08x, %" G_GSIZE_FORMAT " bytes) failed",
                                       segment->name, (guint32) segment->priv.sysv.key, size);
              return FALSE;
            }
        }
      if (lookup (segment, &local_error))
        break;
      /* Removed between our two calls: try creating it again, as the
       * POSIX backend does. */
      if (!(flags & SHMIPC_OPEN_CREATE) ||
          !g_error_matches (local_error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND) ||
          attempt + 1 == OPEN_ATTEMPTS)
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      g_clear_error (&local_error);
    }

  if (!ipc_stat (segment, &ds, error))
    goto fail;
  segment->size = ds.shm_segsz;
  segment->priv.sysv.owner_uid = ds.shm_perm.uid;
  segment->priv.sysv.owner_gid = ds.shm_perm.gid;
  segment->priv.sysv.owner_known = TRUE;
  if (!segment->created && (flags & SHMIPC_OPEN_RESIZE) && size > segment->size)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_UNSUPPORTED,
                   "Cannot grow \"%s\" from %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT
                   " bytes: SysV segments have a fixed size",
                   segment->name, segment->size, size);
      goto fail;
    }

  data = shmat (segment->priv.sysv.shmid, NULL, (flags & SHMIPC_OPEN_READ_ONLY) ? SHM_RDONLY : 0);
  if (data == (void *) -1)
    {
      err = errno;
      _shmipc_set_error_errno (error, err, "shmat(\"%s\", key 0x%08x) failed",
                               segment->name, (guint32) segment->priv.sysv.key);
      goto fail;
    }
  segment->data = data;

  /* Now that we are attached, the exact mode (possibly without owner
   * access) can be applied. */
  if (segment->created && !sysv_set_mode (segment, mode, error))
    {
      shmdt (segment->data);
      segment->data = NULL;
      goto fail;
    }
  return TRUE;

fail:
  if (segment->created)
    shmctl (segment->priv.sysv.shmid, IPC_RMID, NULL);
  segment->priv.sysv.shmid = -1;
  segment->created = FALSE;
  return FALSE;
}

static void
sysv_close (ShmipcSegment *segment)
{
  if (segment->data != NULL)
    shmdt (segment->data);
  segment->data = NULL;
  segment->priv.sysv.shmid = -1;
}

static gboolean
sysv_stat (ShmipcSegment  *segment,
           ShmipcStat     *stat_out,
           GError        **error)
{
  struct shmid_ds ds;
  GError *local_error = NULL;

  if (!lookup (segment, error))
    return FALSE;
  if (!ipc_stat (segment, &ds, &local_error))
    {
      if (shmipc_error_get_errno (local_error) == EACCES &&
          proc_stat (segment->priv.sysv.shmid, stat_out))
        {
          g_clear_error (&local_error);
          return TRUE;
        }
      g_propagate_error (error, local_error);
      return FALSE;
    }

  stat_out->size = ds.shm_segsz;
  stat_out->mode = ds.shm_perm.mode & 0777;
  stat_out->uid = ds.shm_perm.uid;
  stat_out->gid = ds.shm_perm.gid;
  stat_out->atime = ds.shm_atime;
  stat_out->mtime = ds.shm_dtime;
  stat_out->ctime = ds.shm_ctime;
#ifdef __linux__
  stat_out->key = (gint32) ds.shm_perm.__key;
#else
  stat_out->key = segment->priv.sysv.key;
#endif
  stat_out->id = segment->priv.sysv.shmid;
  stat_out->nattch = ds.shm_nattch;
  stat_out->cpid = ds.shm_cpid;
  stat_out->lpid = ds.shm_lpid;
  return TRUE;
}

static void
sysv_init (ShmipcSegment *segment)
{
  /* A named segment's key (shmipc_name_to_key()); one opened by key gets
   * its own in sysv_open_key(). */
  segment->priv.sysv.key = shmipc_name_to_key (segment->name);
  segment->priv.sysv.shmid = -1;
}

static gboolean
sysv_open (ShmipcSegment   *segment,
           ShmipcOpenFlags  flags,
           gsize            size,
           guint            mode,
           GError         **error)
{
  return open_segment (segment, flags, size, mode, error);
}

static gboolean
sysv_open_key (ShmipcSegment   *segment,
               gint32           key,
               ShmipcOpenFlags  flags,
               gsize            size,
               guint            mode,
               GError         **error)
{
  segment->priv.sysv.key = key;
  return open_segment (segment, flags, size, mode, error);
}

static gint32
sysv_get_key (ShmipcSegment *segment)
{
  return segment->priv.sysv.key;
}

static gboolean
sysv_list (GPtrArray  *listed,
           GError    **error)
{
  g_autoptr(GPtrArray) stats = g_ptr_array_new_with_free_func (g_free);
  guint i;

  if (!read_proc (stats, error))
    return FALSE;
  for (i = 0; i < stats->len; i++)
    {
      ShmipcListed *object = g_new0 (ShmipcListed, 1);

      object->stat = *(const ShmipcStat *) stats->pdata[i];
      g_ptr_array_add (listed, object);
    }
  return TRUE;
}

/* Attaching shows in the segment's attach time and last pid; the listing
 * read the metadata before. */
static gssize
sysv_read_head (const ShmipcListed *object,
                guint8             *buffer,
                gsize               length)
{
  void *data = shmat (object->stat.id, NULL, SHM_RDONLY);

  if (data == (void *) -1)
    return -1;
  memcpy (buffer, data, length);
  shmdt (data);
  return (gssize) length;
}

static gchar *
sysv_user_key (const ShmipcListed *object)
{
  return g_strdup_printf ("sysv:%d", object->stat.id);
}

/* A mapping shows in /proc/PID/maps as /SYSVKKKKKKKK whose inode is the
 * shmid; a SysV segment is never an open descriptor. */
static gchar *
sysv_user_key_of (const gchar       *maps_path,
                  guint64            maps_device,
                  guint64            maps_inode,
                  const struct stat *fd_stat)
{
  if (maps_path != NULL && g_str_has_prefix (maps_path, "/SYSV"))
    return g_strdup_printf ("sysv:%" G_GUINT64_FORMAT, maps_inode);
  return NULL;
}

const ShmipcBackendOps _shmipc_sysv_ops = {
  .backend = SHMIPC_BACKEND_SYSV,
  .name = "sysv",
  .available = sysv_available,
  .unavailable_error = sysv_unavailable_error,
  .init = sysv_init,
  .open = sysv_open,
  .open_key = sysv_open_key,
  .close = sysv_close,
  .stat = sysv_stat,
  .set_mode = sysv_set_mode,
  .unlink = sysv_unlink,
  .is_current = sysv_is_current,
  .remove_current = sysv_remove_current,
  .get_key = sysv_get_key,
  .list = sysv_list,
  .read_head = sysv_read_head,
  .user_key = sysv_user_key,
  .user_key_of = sysv_user_key_of,
};
