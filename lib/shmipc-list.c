/* shmipc-list.c - listing and describing the shared-memory objects of
 * the system
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The backends list their objects (/dev/shm, /proc/sysvipc/shm) and read
 * their first bytes; this file adds the owners' names, the processes
 * using each object (/proc/PID/maps and /proc/PID/fd, which the backends
 * recognise as theirs) and the format. Objects are never opened for
 * writing; the result is data, which the caller presents.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shmipc-backend-private.h"
#include "shmipc-list-private.h"


/* The formats an object can be recognised as, tried in order; objects no
 * probe claims are raw. */
static const ShmipcFormatProbe format_probes[] = {
  { SHMIPC_OBJECT_FORMAT_CHANNEL, _shmipc_channel_probe, _shmipc_channel_describe },
  { SHMIPC_OBJECT_FORMAT_UNKNOWN, NULL, NULL }
};

const ShmipcFormatProbe *
_shmipc_detect_format (const guint8 *head,
                       gsize         head_len,
                       guint64       size)
{
  const ShmipcFormatProbe *probe;

  for (probe = format_probes; probe->probe != NULL; probe++)
    if (probe->probe (head, head_len, size))
      return probe;
  return NULL;
}

/* ----------------------------------------------------------------------
 * ShmipcObjectInfo
 * ---------------------------------------------------------------------- */

/**
 * shmipc_object_format_to_string:
 * @format: a #ShmipcObjectFormat
 *
 * The name of @format, as shmdump --list shows it.
 *
 * Returns: (transfer none): "unknown", "raw", "channel" or "unpublished"
 * (what shmdump --list shows), or "invalid" for a value outside the
 * enumeration.
 *
 * Since: 0.2
 */
const gchar *
shmipc_object_format_to_string (ShmipcObjectFormat format)
{
  switch (format)
    {
    case SHMIPC_OBJECT_FORMAT_UNKNOWN:
      return "unknown";
    case SHMIPC_OBJECT_FORMAT_RAW:
      return "raw";
    case SHMIPC_OBJECT_FORMAT_CHANNEL:
      return "channel";
    case SHMIPC_OBJECT_FORMAT_UNPUBLISHED:
      return "unpublished";
    default:
      return "invalid";
    }
}

static ShmipcObjectInfo *
object_info_new (ShmipcBackend backend)
{
  ShmipcObjectInfo *info = g_new0 (ShmipcObjectInfo, 1);

  info->backend = backend;
  info->id = -1;
  info->pids = g_array_new (FALSE, FALSE, sizeof (gint32));
  return info;
}

G_DEFINE_BOXED_TYPE (ShmipcObjectInfo, shmipc_object_info,
                     shmipc_object_info_copy, shmipc_object_info_free)

/**
 * shmipc_object_info_copy:
 * @info: a #ShmipcObjectInfo
 *
 * Copies @info and everything it holds.
 *
 * Returns: (transfer full): a deep copy of @info.
 *
 * Since: 0.2
 */
ShmipcObjectInfo *
shmipc_object_info_copy (const ShmipcObjectInfo *info)
{
  ShmipcObjectInfo *copy;

  g_return_val_if_fail (info != NULL, NULL);

  copy = g_memdup2 (info, sizeof *info);
  copy->name = g_strdup (info->name);
  copy->owner = g_strdup (info->owner);
  copy->pids = g_array_copy (info->pids);
  copy->channel = info->channel != NULL ? g_memdup2 (info->channel, sizeof *info->channel) : NULL;
  copy->header_error = g_strdup (info->header_error);
  return copy;
}

/**
 * shmipc_object_info_free:
 * @info: (nullable): a #ShmipcObjectInfo
 *
 * Frees @info and everything it holds.
 *
 * Since: 0.2
 */
void
shmipc_object_info_free (ShmipcObjectInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->name);
  g_free (info->owner);
  g_free (info->channel);
  g_free (info->header_error);
  if (info->pids != NULL)
    g_array_unref (info->pids);
  g_free (info);
}

static gchar *
owner_name (guint32     uid,
            GHashTable *cache)
{
  const gchar *cached = g_hash_table_lookup (cache, GUINT_TO_POINTER (uid));
  struct passwd pw, *result = NULL;
  gchar buf[4096];
  gchar *name;

  if (cached != NULL)
    return g_strdup (cached);
  if (getpwuid_r ((uid_t) uid, &pw, buf, sizeof buf, &result) == 0 && result != NULL)
    name = g_strdup (result->pw_name);
  else
    name = g_strdup_printf ("%u", uid);
  g_hash_table_insert (cache, GUINT_TO_POINTER (uid), g_strdup (name));
  return name;
}

/* ----------------------------------------------------------------------
 * Collecting objects
 * ---------------------------------------------------------------------- */

/* What we collect besides the public fields: the object as its backend
 * lists it (the inode of a POSIX object finds it in /proc/PID/maps and
 * /proc/locks; a SysV segment's attachments and creator tell whether its
 * writer still runs). */
typedef struct {
  ShmipcObjectInfo *info;
  const ShmipcBackendOps *ops;
  ShmipcListed *listed;
} Entry;

static void
entry_clear (gpointer data)
{
  Entry *entry = data;

  shmipc_object_info_free (entry->info);
  _shmipc_listed_free (entry->listed);
}

/* Appends an entry for each object @ops lists, or only the one named
 * @name (POSIX) or keyed @key (SysV) when @one. */
static gboolean
collect (GArray                 *entries,
         const ShmipcBackendOps *ops,
         gboolean                one,
         const gchar            *name,
         gint32                  key,
         GHashTable             *owners,
         GError                **error)
{
  g_autoptr(GPtrArray) listed = g_ptr_array_new_with_free_func (_shmipc_listed_free);
  guint i;

  if (!ops->list (listed, error))
    return FALSE;
  for (i = 0; i < listed->len; i++)
    {
      ShmipcListed *object = listed->pdata[i];
      const ShmipcStat *st = &object->stat;
      ShmipcObjectInfo *info;
      Entry entry;

      if (one && (name != NULL ? g_strcmp0 (object->name, name) != 0 : st->key != key))
        continue;
      info = object_info_new (st->backend);
      info->name = g_strdup (object->name);
      info->key = st->key;
      info->id = st->id;
      info->size = st->size;
      info->mode = st->mode;
      info->uid = st->uid;
      info->gid = st->gid;
      info->owner = owner_name (st->uid, owners);
      info->atime = st->atime;
      /* A SysV segment records no write: its latest attach, detach
       * (st->mtime) or change. */
      info->mtime = st->backend == SHMIPC_BACKEND_SYSV ?
                    MAX (MAX (st->atime, st->mtime), st->ctime) : st->mtime;
      info->ctime = st->ctime;
      info->nattch = st->nattch;
      info->cpid = st->cpid;
      info->lpid = st->lpid;
      entry.info = info;
      entry.ops = ops;
      entry.listed = g_ptr_array_steal_index (listed, i--);
      g_array_append_val (entries, entry);
    }
  return TRUE;
}

/* ----------------------------------------------------------------------
 * Attached processes
 * ---------------------------------------------------------------------- */

static void
add_user (GHashTable  *users,
          gchar       *key,
          gint32       pid)
{
  GArray *pids = g_hash_table_lookup (users, key);

  if (pids == NULL)
    {
      pids = g_array_new (FALSE, FALSE, sizeof (gint32));
      g_hash_table_insert (users, key, pids);
    }
  else
    g_free (key);
  /* One process is counted once, however many mappings and fds it has;
   * processes are scanned one at a time, so a repeat is the last one. */
  if (pids->len == 0 || g_array_index (pids, gint32, pids->len - 1) != pid)
    g_array_append_val (pids, pid);
}

/* Files @pid under the key of every object it maps or holds open, as the
 * backends name them (ops->user_key_of()). */
static void
scan_process (GHashTable *users,
              gint32      pid)
{
  g_autofree gchar *maps_path = g_strdup_printf ("/proc/%d/maps", pid);
  g_autofree gchar *fd_path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autofree gchar *maps = NULL;
  GDir *fds;
  guint b;

  /* Processes we may not inspect, or that exit meanwhile, are skipped. */
  if (g_file_get_contents (maps_path, &maps, NULL, NULL))
    {
      gchar *line = maps;

      while (line != NULL && *line != '\0')
        {
          gchar *next = strchr (line, '\n');
          unsigned int major_no, minor_no;
          guint64 inode;
          int path_at = -1;

          if (next != NULL)
            *next++ = '\0';
          /* "ADDRESS PERMS OFFSET MAJ:MIN INODE PATH" */
          if (sscanf (line, "%*s %*s %*s %x:%x %" G_GUINT64_FORMAT " %n",
                      &major_no, &minor_no, &inode, &path_at) >= 3 && path_at > 0)
            for (b = 0; _shmipc_backends[b] != NULL; b++)
              {
                gchar *key = _shmipc_backends[b]->user_key_of (line + path_at,
                                                               (guint64) makedev (major_no, minor_no),
                                                               inode, NULL);

                if (key != NULL)
                  add_user (users, key, pid);
              }
          line = next;
        }
    }

  fds = g_dir_open (fd_path, 0, NULL);
  if (fds != NULL)
    {
      const gchar *fd_name;

      while ((fd_name = g_dir_read_name (fds)) != NULL)
        {
          g_autofree gchar *link = g_build_filename (fd_path, fd_name, NULL);
          struct stat st;

          /* stat() follows the link to the open file itself. */
          if (stat (link, &st) != 0)
            continue;
          for (b = 0; _shmipc_backends[b] != NULL; b++)
            {
              gchar *key = _shmipc_backends[b]->user_key_of (NULL, 0, 0, &st);

              if (key != NULL)
                add_user (users, key, pid);
            }
        }
      g_dir_close (fds);
    }
}

static gint
compare_pids (gconstpointer a,
              gconstpointer b)
{
  gint32 x = *(const gint32 *) a, y = *(const gint32 *) b;

  return (x > y) - (x < y);
}

static void
find_users (GArray *entries)
{
  g_autoptr(GHashTable) users = NULL;
  GDir *proc;
  const gchar *pid_name;
  guint i;

  if (entries->len == 0)
    return;

  users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                 (GDestroyNotify) g_array_unref);
  proc = g_dir_open ("/proc", 0, NULL);
  if (proc == NULL)
    return;
  while ((pid_name = g_dir_read_name (proc)) != NULL)
    {
      guint64 pid;

      if (g_ascii_string_to_unsigned (pid_name, 10, 1, G_MAXINT32, &pid, NULL))
        scan_process (users, (gint32) pid);
    }
  g_dir_close (proc);

  for (i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);
      g_autofree gchar *key = NULL;
      GArray *pids;

      key = entry->ops->user_key (entry->listed);
      pids = g_hash_table_lookup (users, key);
      if (pids == NULL)
        continue;
      g_array_append_vals (entry->info->pids, pids->data, pids->len);
      g_array_sort (entry->info->pids, compare_pids);
      if (entry->info->backend == SHMIPC_BACKEND_POSIX)
        entry->info->nattch = entry->info->pids->len;
    }
}

/* ----------------------------------------------------------------------
 * Formats
 * ---------------------------------------------------------------------- */

/* A message still being written, or abandoned by its writer: its bytes
 * mean nothing yet. */
static void
describe_unpublished (ShmipcObjectInfo *info,
                      const ShmipcStat *st)
{
  info->format = SHMIPC_OBJECT_FORMAT_UNPUBLISHED;
  info->stale = _shmipc_message_state (st, st->backend == SHMIPC_BACKEND_POSIX ? info->name : NULL,
                                       &info->writer_pid) == _SHMIPC_MESSAGE_ABANDONED;
}

static void
detect_formats (GArray *entries)
{
  g_autofree guint8 *head = g_malloc (SHMIPC_PROBE_BYTES);
  guint i;

  for (i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);
      ShmipcObjectInfo *info = entry->info;
      gssize n;
      const ShmipcFormatProbe *probe;

      if (info->mode == 0)
        {
          describe_unpublished (info, &entry->listed->stat);
          continue;
        }
      n = info->size == 0 ? 0 :
          entry->ops->read_head (entry->listed, head,
                                 (gsize) MIN (info->size, (guint64) SHMIPC_PROBE_BYTES));
      if (n < 0)
        {
          info->format = SHMIPC_OBJECT_FORMAT_UNKNOWN;
          continue;
        }
      probe = _shmipc_detect_format (head, (gsize) n, info->size);
      info->format = probe != NULL ? probe->format : SHMIPC_OBJECT_FORMAT_RAW;
      if (probe != NULL && probe->describe != NULL)
        probe->describe (info);
    }
}

static gint
compare_objects (gconstpointer a,
                 gconstpointer b)
{
  const ShmipcObjectInfo *x = *(ShmipcObjectInfo * const *) a;
  const ShmipcObjectInfo *y = *(ShmipcObjectInfo * const *) b;

  if (x->backend != y->backend)
    return x->backend == SHMIPC_BACKEND_POSIX ? -1 : 1;
  if (x->backend == SHMIPC_BACKEND_POSIX)
    return strcmp (x->name, y->name);
  if (x->key != y->key)
    return (guint32) x->key < (guint32) y->key ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* Finishes the entries (users, formats) and hands their infos over,
 * sorted: POSIX by name, then SysV by key and id. */
static GPtrArray *
finish_entries (GArray *entries)
{
  GPtrArray *objects;
  guint i;

  find_users (entries);
  detect_formats (entries);
  objects = g_ptr_array_new_full (entries->len, (GDestroyNotify) shmipc_object_info_free);
  for (i = 0; i < entries->len; i++)
    {
      Entry *entry = &g_array_index (entries, Entry, i);

      g_ptr_array_add (objects, g_steal_pointer (&entry->info));
    }
  g_ptr_array_sort (objects, compare_objects);
  return objects;
}

static GArray *
entries_new (void)
{
  GArray *entries = g_array_new (FALSE, FALSE, sizeof (Entry));

  g_array_set_clear_func (entries, entry_clear);
  return entries;
}

/**
 * shmipc_list_objects:
 * @error: return location for a #GError, or %NULL
 *
 * Lists every POSIX shared-memory object (the regular files of /dev/shm,
 * except the "sem.*" files of POSIX semaphores; only when libshmipc is
 * built with the POSIX backend) and every SysV segment of the IPC
 * namespace (/proc/sysvipc/shm), with their metadata, the processes found
 * using them and their format.
 *
 * Finding the format reads the first bytes of each object the caller may
 * read (for a SysV segment, by attaching it read-only for a moment).
 *
 * Returns: (transfer container) (element-type ShmipcObjectInfo): the
 * objects, POSIX ones first by name, then SysV ones by key; %NULL on
 * error.
 *
 * Since: 0.2
 */
GPtrArray *
shmipc_list_objects (GError **error)
{
  g_autoptr(GArray) entries = entries_new ();
  g_autoptr(GHashTable) owners = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  guint b;

  for (b = 0; _shmipc_backends[b] != NULL; b++)
    if (!collect (entries, _shmipc_backends[b], FALSE, NULL, 0, owners, error))
      return NULL;
  return finish_entries (entries);
}

static ShmipcObjectInfo *
take_single (GArray      *entries,
             const gchar *what,
             GError     **error)
{
  g_autoptr(GPtrArray) objects = NULL;

  if (entries->len == 0)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND,
                   "%s: no such shared-memory object", what);
      return NULL;
    }
  objects = finish_entries (entries);
  return g_ptr_array_steal_index (objects, 0);
}

/**
 * shmipc_object_info_lookup:
 * @name: an object's name
 * @backend: the backend to look in; %SHMIPC_BACKEND_AUTO finds it as
 *   shmipc_segment_open() would
 * @error: return location for a #GError, or %NULL
 *
 * Describes one object, as shmipc_list_objects() does, without opening
 * it for writing.
 *
 * Returns: (transfer full): the object's #ShmipcObjectInfo, or %NULL with
 * %SHMIPC_ERROR_NOT_FOUND (and the errors of shmipc_stat()).
 *
 * Since: 0.2
 */
ShmipcObjectInfo *
shmipc_object_info_lookup (const gchar    *name,
                           ShmipcBackend   backend,
                           GError        **error)
{
  g_autoptr(GArray) entries = entries_new ();
  g_autoptr(GHashTable) owners = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autofree gchar *canonical = NULL;
  g_autofree gchar *what = NULL;
  ShmipcStat st;
  guint b;

  canonical = shmipc_name_normalize (name, error);
  if (canonical == NULL)
    return NULL;
  /* Which backend holds it, following the same rules as opening. */
  if (!shmipc_stat (canonical, backend, &st, error))
    return NULL;

  what = g_strdup_printf ("\"%s\"", canonical);
  for (b = 0; _shmipc_backends[b] != NULL; b++)
    if (_shmipc_backends[b]->backend == st.backend &&
        !collect (entries, _shmipc_backends[b], TRUE,
                  st.backend == SHMIPC_BACKEND_SYSV ? NULL : canonical, st.key, owners, error))
      return NULL;
  return take_single (entries, what, error);
}

/**
 * shmipc_object_info_lookup_key:
 * @key: a SysV key (not IPC_PRIVATE)
 * @error: return location for a #GError, or %NULL
 *
 * Describes the SysV segment with key @key, such as one made by
 * ipcmk(1).
 *
 * Returns: (transfer full): the segment's #ShmipcObjectInfo, or %NULL
 * with %SHMIPC_ERROR_NOT_FOUND.
 *
 * Since: 0.2
 */
ShmipcObjectInfo *
shmipc_object_info_lookup_key (gint32    key,
                               GError  **error)
{
  g_autoptr(GArray) entries = entries_new ();
  g_autoptr(GHashTable) owners = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  g_autofree gchar *what = g_strdup_printf ("SysV key 0x%08x", (guint32) key);

  if (key == 0)
    {
      g_set_error_literal (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                           "Key 0 is IPC_PRIVATE and names no segment");
      return NULL;
    }
  if (!collect (entries, &_shmipc_sysv_ops, TRUE, NULL, key, owners, error))
    return NULL;
  return take_single (entries, what, error);
}

/* Removes the abandoned POSIX message @name, holding its writer's lock
 * when we may open it: a writer that would publish it (root, rewriting
 * it) either holds that lock, and the object is busy, or takes it after
 * us and finds the object removed (shmipc_message_write() looks) rather
 * than writing a message nobody will see. When we may not open it (mode
 * 0000, not root), no writer of ours may either, and the lookup just
 * made is the judgement. */
static gboolean
remove_abandoned_posix (const gchar  *name,
                        const gchar  *what,
                        GError      **error)
{
  g_autoptr(ShmipcSegment) segment = NULL;
  GError *local_error = NULL;
  ShmipcStat st;

  segment = _shmipc_segment_open (name, SHMIPC_OPEN_READ_ONLY, 0, 0, SHMIPC_BACKEND_POSIX,
                                  &local_error);
  if (segment == NULL)
    {
      if (!g_error_matches (local_error, SHMIPC_ERROR, SHMIPC_ERROR_PERMISSION_DENIED))
        {
          g_propagate_error (error, local_error);
          return FALSE;
        }
      g_clear_error (&local_error);
      return shmipc_unlink (name, SHMIPC_BACKEND_POSIX, error);
    }
  if (!_shmipc_segment_lock (segment, LOCK_EX | LOCK_NB, &local_error))
    {
      g_clear_error (&local_error);
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                   "%s is not stale: a writer holds it", what);
      return FALSE;
    }
  if (!shmipc_segment_stat (segment, &st, error))
    return FALSE;
  if (st.mode != 0)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                   "%s is not stale: it was published meanwhile", what);
      return FALSE;
    }
  /* Removed while we hold the lock; closing the segment releases it. */
  return _shmipc_segment_remove_current (segment, error);
}

/**
 * shmipc_object_remove_stale:
 * @info: an object as shmipc_list_objects() or a lookup described it
 * @error: return location for a #GError, or %NULL
 *
 * Removes the object @info describes if it is stale (see
 * #ShmipcObjectInfo), judged again on the object as it is now, and
 * nothing else: this is `shmdump --reap`.
 *
 * A channel is judged while holding its producer end and every reader
 * slot, as a producer starting a new stream takes them, so that no
 * process attaches meanwhile; a process that had opened it just before
 * finds it removed and opens the name again. An unpublished message is
 * removed when it is still unpublished and abandoned: no process holds
 * its lock or has it open (POSIX), or none is attached to it and its
 * creator is gone (SysV). Either is refused while a process maps it or
 * holds it open. The name (or key) must still refer to the object
 * described, not to one made since.
 *
 * Returns: %TRUE when the object was removed; otherwise %FALSE with
 * %SHMIPC_ERROR_BUSY when it is not stale, %SHMIPC_ERROR_NOT_FOUND when
 * it is gone or was replaced, or the error of the removal (for example
 * %SHMIPC_ERROR_PERMISSION for another user's object).
 *
 * Since: 0.2
 */
gboolean
shmipc_object_remove_stale (const ShmipcObjectInfo  *info,
                            GError                 **error)
{
  g_autoptr(ShmipcObjectInfo) now = NULL;
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autofree gchar *what = NULL;
  gboolean sysv;

  g_return_val_if_fail (info != NULL, FALSE);

  sysv = info->backend == SHMIPC_BACKEND_SYSV;
  what = sysv ? g_strdup_printf ("SysV key 0x%08x", (guint32) info->key) :
                g_strdup_printf ("\"%s\"", info->name);
  if (sysv && info->key == 0)
    {
      g_set_error_literal (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                           "An IPC_PRIVATE segment cannot be opened by key");
      return FALSE;
    }
  now = sysv ? shmipc_object_info_lookup_key (info->key, error) :
               shmipc_object_info_lookup (info->name, SHMIPC_BACKEND_POSIX, error);
  if (now == NULL)
    return FALSE;
  /* The writer of an unpublished message finished it meanwhile. */
  if (info->format == SHMIPC_OBJECT_FORMAT_UNPUBLISHED &&
      now->format != SHMIPC_OBJECT_FORMAT_UNPUBLISHED && now->mode != 0 &&
      now->uid == info->uid && (!sysv || now->id == info->id))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                   "%s is not stale: it was published meanwhile", what);
      return FALSE;
    }
  if (now->uid != info->uid || (sysv && now->id != info->id) || now->format != info->format)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND,
                   "%s was replaced by another object", what);
      return FALSE;
    }
  if (!now->stale || now->pids->len > 0 || now->nattch > 0)
    {
      if (!now->stale)
        g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY, "%s is not stale", what);
      else
        g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY, "%s is not stale: %s", what,
                     now->pids->len > 0 ? "a process has it mapped or open" :
                     "a process is attached to it");
      return FALSE;
    }

  switch (now->format)
    {
    case SHMIPC_OBJECT_FORMAT_CHANNEL:
      segment = sysv ? shmipc_segment_open_key (info->key, SHMIPC_OPEN_NONE, 0,
                                                SHMIPC_DEFAULT_MODE, error) :
                       shmipc_segment_open (info->name, SHMIPC_OPEN_NONE, 0, SHMIPC_DEFAULT_MODE,
                                            SHMIPC_BACKEND_POSIX, error);
      if (segment == NULL)
        return FALSE;
      if (!_shmipc_segment_is_current (segment) ||
          (guint64) shmipc_segment_get_size (segment) != now->size)
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND,
                       "%s was replaced by another object", what);
          return FALSE;
        }
      return _shmipc_channel_remove_stale (segment, error);

    case SHMIPC_OBJECT_FORMAT_UNPUBLISHED:
      if (sysv)
        return _shmipc_sysv_remove_abandoned (info->key, info->id, error);
      return remove_abandoned_posix (info->name, what, error);

    default:
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY, "%s is not stale", what);
      return FALSE;
    }
}
