/* shmipc-posix.c - the POSIX backend: shm_open() and mmap()
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shmipc-backend-private.h"

/* Flags added to every shm_open(): /dev/shm is world-writable, so the
 * name may hold a FIFO (whose open would block until a writer comes), a
 * terminal (which would become our controlling terminal) or a device.
 * glibc adds O_NOFOLLOW and O_CLOEXEC itself: a symbolic link is never
 * followed. O_NONBLOCK changes nothing for a regular file. */
#define OPEN_SAFE_FLAGS (O_NONBLOCK | O_NOCTTY)

const char *
_shmipc_node_kind (guint32 st_mode)
{
  switch (st_mode & S_IFMT)
    {
    case S_IFREG:
      return "a regular file";
    case S_IFIFO:
      return "a FIFO";
    case S_IFDIR:
      return "a directory";
    case S_IFSOCK:
      return "a socket";
    case S_IFLNK:
      return "a symbolic link";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    default:
      return "not a regular file";
    }
}

gboolean
_shmipc_check_node (const gchar  *name,
                    guint32       st_mode,
                    GError      **error)
{
  if (S_ISREG (st_mode))
    return TRUE;
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_OBJECT,
               "\"%s\" is %s, not a shared-memory object", name,
               _shmipc_node_kind (st_mode));
  return FALSE;
}

/* Reads the metadata of the node under @name without following a link,
 * and on Linux without opening it (opening a device runs its driver).
 * FALSE with errno set when there is none. */
static gboolean
lstat_name (const gchar *name,
            struct stat *st)
{
  int fd;
  int saved;
  gboolean ok;

#ifdef __linux__
  g_autofree gchar *path = g_strconcat (SHMIPC_POSIX_SHM_DIR, name, NULL);

  if (lstat (path, st) == 0)
    return TRUE;
  if (errno != ENOENT)
    return FALSE;
  /* Nothing there; but let shm_open() say so, so that a system where
   * POSIX shared memory does not work (ENOSYS) is told from a missing
   * object. Non-blocking, in case a FIFO appeared meanwhile. */
#endif
  fd = shm_open (name, O_RDONLY | OPEN_SAFE_FLAGS, 0);
  if (fd < 0)
    return FALSE;
  ok = fstat (fd, st) == 0;
  saved = errno;
  close (fd);
  errno = saved;
  return ok;
}

/* FALSE, with SHMIPC_ERROR_NOT_OBJECT, when something other than a
 * regular file stands under @name; TRUE when an object or nothing does. */
static gboolean
check_node_by_name (const gchar  *name,
                    GError      **error)
{
  struct stat st;

  if (!lstat_name (name, &st))
    return TRUE;
  return _shmipc_check_node (name, st.st_mode, error);
}

static gboolean
posix_available (void)
{
#ifdef __linux__
  struct stat st;

  /* Without a /dev/shm directory glibc's shm_open() cannot work at all. */
  return stat (SHMIPC_POSIX_SHM_DIR, &st) == 0 && S_ISDIR (st.st_mode);
#else
  return TRUE;
#endif
}

static gboolean
posix_unavailable_error (const GError *error)
{
  int err_no = shmipc_error_get_errno (error);

  return err_no == ENOSYS || err_no == EOPNOTSUPP;
}

/* posix_fallocate() returns the error rather than setting errno; tmpfs
 * allocates the pages now, so a size /dev/shm cannot hold fails here
 * instead of with SIGBUS when the mapping is first touched. */
static gboolean
reserve (ShmipcSegment  *segment,
         off_t           old_size,
         gsize           size,
         GError        **error)
{
  int err;

  if (ftruncate (segment->priv.posix.fd, (off_t) size) != 0)
    {
      err = errno;
      _shmipc_set_error_errno (error, err, "ftruncate(\"%s\", %" G_GSIZE_FORMAT ") failed",
                               segment->name, size);
      return FALSE;
    }
#ifdef HAVE_POSIX_FALLOCATE
  err = posix_fallocate (segment->priv.posix.fd, old_size, (off_t) size - old_size);
  if (err != 0 && err != EINVAL && err != EOPNOTSUPP)
    {
      /* Give the space back: the object keeps its old size. */
      if (ftruncate (segment->priv.posix.fd, old_size) != 0)
        g_debug ("ftruncate(\"%s\") back to %jd failed", segment->name, (intmax_t) old_size);
      _shmipc_set_error_errno (error, err,
                               "posix_fallocate(\"%s\", %" G_GSIZE_FORMAT " bytes) failed",
                               segment->name, size);
      return FALSE;
    }
#endif
  return TRUE;
}

/* An existing object may be sparse (ftruncate(1) made it, or a writer
 * that zeroed only part of it): tmpfs allocates its pages as they are
 * first written, and a write that finds /dev/shm full half-way gets
 * SIGBUS with the object half rewritten. posix_fallocate() of the whole
 * object allocates what is missing now, or fails with ENOSPC and changes
 * nothing. */
static gboolean
posix_allocate (ShmipcSegment  *segment,
                GError        **error)
{
  int err = 0;

  if (segment->size == 0)
    return TRUE;
  /* Never past the object's size: another process may have shrunk it
   * (the write then faults and says so), and this must not grow it back. */
#if defined (__linux__) && defined (FALLOC_FL_KEEP_SIZE)
  if (fallocate (segment->priv.posix.fd, FALLOC_FL_KEEP_SIZE, 0, (off_t) segment->size) != 0)
    err = errno;
#elif defined (HAVE_POSIX_FALLOCATE)
  {
    struct stat st;

    if (fstat (segment->priv.posix.fd, &st) == 0 && st.st_size > 0)
      err = posix_fallocate (segment->priv.posix.fd, 0,
                             MIN (st.st_size, (off_t) segment->size));
  }
#endif
  if (err != 0 && err != EINVAL && err != EOPNOTSUPP && err != ENOSYS)
    {
      _shmipc_set_error_errno (error, err,
                               "fallocate(\"%s\", %" G_GSIZE_FORMAT " bytes) failed",
                               segment->name, segment->size);
      return FALSE;
    }
  return TRUE;
}

static gboolean
posix_open (ShmipcSegment   *segment,
            ShmipcOpenFlags  flags,
            gsize            size,
            guint            mode,
            GError         **error)
{
  int oflag = (flags & SHMIPC_OPEN_READ_ONLY) ? O_RDONLY : O_RDWR;
  struct stat st;
  gsize map_size;
  gboolean locked = FALSE;
  int attempt;
  int err;
  void *data;

  segment->priv.posix.fd = -1;
  for (attempt = 0; attempt < 100 && segment->priv.posix.fd < 0; attempt++)
    {
      if (flags & SHMIPC_OPEN_CREATE)
        {
          /* Try to create first, so that we know whether the object is
           * ours to size and to give its mode. */
          segment->priv.posix.fd = shm_open (segment->name, oflag | OPEN_SAFE_FLAGS | O_CREAT | O_EXCL,
                                  mode);
          if (segment->priv.posix.fd >= 0)
            {
              segment->created = TRUE;
              break;
            }
          if (errno != EEXIST || (flags & SHMIPC_OPEN_EXCLUSIVE))
            break;
        }
      segment->priv.posix.fd = shm_open (segment->name, oflag | OPEN_SAFE_FLAGS, 0);
      /* Removed between our two calls: try creating again. */
      if (segment->priv.posix.fd < 0 && !(errno == ENOENT && (flags & SHMIPC_OPEN_CREATE)))
        break;
    }
  if (segment->priv.posix.fd < 0)
    {
      err = errno;
      /* Something other than an object under the name (a symbolic link
       * gives ELOOP, a directory EISDIR, a device on a nodev mount
       * EACCES): say what it is rather than what open() said. */
      if (err != ENOENT && !check_node_by_name (segment->name, error))
        return FALSE;
      _shmipc_set_error_errno (error, err, "shm_open(\"%s\") failed", segment->name);
      return FALSE;
    }
  /* Before anything else touches it: what we opened may be a FIFO or a
   * device that was put under the name. */
  if (fstat (segment->priv.posix.fd, &st) != 0)
    {
      err = errno;
      _shmipc_set_error_errno (error, err, "fstat(\"%s\") failed", segment->name);
      goto fail;
    }
  if (!_shmipc_check_node (segment->name, st.st_mode, error))
    goto fail;

  if (segment->created)
    {
      /* shm_open() applied the umask; the caller's mode is exact. */
      if (fchmod (segment->priv.posix.fd, mode) != 0)
        {
          err = errno;
          _shmipc_set_error_errno (error, err, "fchmod(\"%s\", %04o) failed",
                                   segment->name, mode);
          goto fail;
        }
    }

  /* Sizing (creating or growing) holds an exclusive flock(), so that two
   * openers growing one object never shrink each other's work; the lock
   * of a killed process goes away with it. A message writer keeps the
   * lock of the object it created until it publishes it: see
   * _SHMIPC_OPEN_HOLD_LOCK. */
  if (segment->created || (flags & SHMIPC_OPEN_RESIZE))
    {
      if (!_shmipc_segment_lock (segment, LOCK_EX, error))
        goto fail;
      locked = TRUE;
    }
  if (fstat (segment->priv.posix.fd, &st) != 0)
    {
      err = errno;
      _shmipc_set_error_errno (error, err, "fstat(\"%s\") failed", segment->name);
      goto fail;
    }
  map_size = (gsize) st.st_size;
  /* Under the lock, from the size just read: never shrink what another
   * opener has grown meanwhile (a creator killed before sizing its object
   * leaves it empty, and a later opener may grow it first). */
  if (locked && size > map_size)
    {
      if (!reserve (segment, st.st_size, size, error))
        goto fail;
      map_size = size;
    }
  if (locked && !(segment->created && (flags & _SHMIPC_OPEN_HOLD_LOCK)))
    _shmipc_segment_lock (segment, LOCK_UN, NULL);
  locked = FALSE;

  segment->size = map_size;
  if (map_size == 0)
    return TRUE;

  data = mmap (NULL, map_size,
               PROT_READ | ((flags & SHMIPC_OPEN_READ_ONLY) ? 0 : PROT_WRITE),
               MAP_SHARED, segment->priv.posix.fd, 0);
  if (data == MAP_FAILED)
    {
      err = errno;
      _shmipc_set_error_errno (error, err, "mmap(\"%s\", %" G_GSIZE_FORMAT " bytes) failed",
                               segment->name, map_size);
      goto fail;
    }
  segment->data = data;
  return TRUE;

fail:
  if (locked)
    _shmipc_segment_lock (segment, LOCK_UN, NULL);
  if (segment->created)
    shm_unlink (segment->name);
  close (segment->priv.posix.fd);
  segment->priv.posix.fd = -1;
  segment->created = FALSE;
  return FALSE;
}

static void
posix_close (ShmipcSegment *segment)
{
  if (segment->data != NULL)
    munmap (segment->data, segment->size);
  segment->data = NULL;
  if (segment->priv.posix.fd >= 0)
    close (segment->priv.posix.fd);
  segment->priv.posix.fd = -1;
}

static void
stat_from_file (ShmipcStat        *stat_out,
                const struct stat *st)
{
  stat_out->backend = SHMIPC_BACKEND_POSIX;
  stat_out->size = (guint64) st->st_size;
  stat_out->mode = st->st_mode & 0777;
  stat_out->uid = st->st_uid;
  stat_out->gid = st->st_gid;
  stat_out->atime = st->st_atime;
  stat_out->mtime = st->st_mtime;
  stat_out->ctime = st->st_ctime;
  stat_out->key = 0;
  stat_out->id = -1;
  stat_out->device = (guint64) st->st_dev;
  stat_out->inode = (guint64) st->st_ino;
}

static gboolean
posix_stat (ShmipcSegment  *segment,
            ShmipcStat     *stat_out,
            GError        **error)
{
  struct stat st;
  gboolean ok;

  /* By name, metadata needs no permission on the object: look at the
   * node without opening it (a FIFO would block an open). */
  if (segment->priv.posix.fd >= 0)
    ok = fstat (segment->priv.posix.fd, &st) == 0;
  else
    ok = lstat_name (segment->name, &st);
  if (!ok)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "stat(\"%s\") failed", segment->name);
      return FALSE;
    }
  if (!_shmipc_check_node (segment->name, st.st_mode, error))
    return FALSE;

  stat_from_file (stat_out, &st);
  return TRUE;
}

static gboolean
posix_set_mode (ShmipcSegment  *segment,
                guint           mode,
                GError        **error)
{
  if (fchmod (segment->priv.posix.fd, mode) != 0)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "fchmod(\"%s\", %04o) failed",
                               segment->name, mode);
      return FALSE;
    }
  return TRUE;
}

static gboolean
posix_unlink (ShmipcSegment  *segment,
              GError        **error)
{
  /* shm_unlink() would remove a FIFO or a link as readily: leave
   * whatever is not an object alone. */
  if (!check_node_by_name (segment->name, error))
    return FALSE;
  if (shm_unlink (segment->name) != 0)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "shm_unlink(\"%s\") failed", segment->name);
      return FALSE;
    }
  return TRUE;
}

/* Where the objects are files of SHMIPC_POSIX_SHM_DIR (Linux); elsewhere
 * a name cannot be looked at without opening it, and it is taken as
 * current. */
static gboolean
posix_is_current (ShmipcSegment *segment)
{
#ifdef __linux__
  struct stat mine;
  struct stat named;
  g_autofree gchar *path = g_strconcat (SHMIPC_POSIX_SHM_DIR, segment->name, NULL);

  return segment->priv.posix.fd >= 0 && fstat (segment->priv.posix.fd, &mine) == 0 &&
         lstat (path, &named) == 0 && mine.st_dev == named.st_dev && mine.st_ino == named.st_ino;
#else
  return segment->priv.posix.fd >= 0;
#endif
}

/* shm_unlink() takes a name: what it removes is checked just before. A
 * process would have to remove the object and make another under its
 * name in between, which only one that may remove it can do. */
static gboolean
posix_remove_current (ShmipcSegment  *segment,
                      GError        **error)
{
  if (!posix_is_current (segment))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND,
                   "\"%s\" was removed or replaced by another process", segment->name);
      return FALSE;
    }
  return posix_unlink (segment, error);
}

static void
posix_init (ShmipcSegment *segment)
{
  segment->priv.posix.fd = -1;
}

static gboolean
posix_lock (ShmipcSegment  *segment,
            int             operation,
            GError        **error)
{
  if (segment->priv.posix.fd < 0)
    return TRUE;
  while (flock (segment->priv.posix.fd, operation) != 0)
    {
      int err = errno;

      if (err == EINTR)
        continue;
      _shmipc_set_error_errno (error, err, "flock(\"%s\") failed", segment->name);
      return FALSE;
    }
  return TRUE;
}

static gint32
posix_get_key (ShmipcSegment *segment)
{
  return 0;
}

/* POSIX semaphores (sem_open) live in /dev/shm too, as "sem.NAME"; they
 * are not shared-memory objects. */
static gboolean
is_object_name (const gchar *name)
{
  return name[0] != '.' && !g_str_has_prefix (name, "sem.");
}

/* The regular files of /dev/shm: anything else under a name is not an
 * object, and is left out. */
static gboolean
posix_list (GPtrArray  *listed,
            GError    **error)
{
#ifdef __linux__
  DIR *dir;
  struct dirent *dent;

  dir = opendir (SHMIPC_POSIX_SHM_DIR);
  if (dir == NULL)
    {
      int err = errno;

      /* No /dev/shm: this system has no POSIX objects to list. */
      if (err == ENOENT)
        return TRUE;
      _shmipc_set_error_errno (error, err, "opendir(\"%s\") failed", SHMIPC_POSIX_SHM_DIR);
      return FALSE;
    }
  while ((dent = readdir (dir)) != NULL)
    {
      ShmipcListed *object;
      struct stat st;

      if (!is_object_name (dent->d_name))
        continue;
      /* Gone since readdir(), or something else than a regular file. */
      if (fstatat (dirfd (dir), dent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          !S_ISREG (st.st_mode))
        continue;
      object = g_new0 (ShmipcListed, 1);
      object->name = g_strconcat ("/", dent->d_name, NULL);
      stat_from_file (&object->stat, &st);
      g_ptr_array_add (listed, object);
    }
  closedir (dir);
#endif
  return TRUE;
}

static gssize
posix_read_head (const ShmipcListed *object,
                 guint8             *buffer,
                 gsize               length)
{
  int fd = shm_open (object->name, O_RDONLY | OPEN_SAFE_FLAGS, 0);
  struct stat st;
  gssize n = -1;

  if (fd < 0)
    return -1;
  /* Replaced by a FIFO or a device since it was listed: not read. */
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
    n = pread (fd, buffer, length, 0);
  close (fd);
  return n;
}

static gchar *
posix_user_key (const ShmipcListed *object)
{
  return g_strdup_printf ("posix:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                          object->stat.device, object->stat.inode);
}

/* A mapping shows in /proc/PID/maps as /dev/shm/NAME with its device
 * and inode; an open descriptor is a regular file. Either is one of our
 * objects only on the device of our /dev/shm: the path /dev/shm/NAME in
 * a process of another mount namespace names a file of its own tmpfs,
 * whose inode numbers repeat ours. */
static gchar *
posix_user_key_of (const gchar       *maps_path,
                   guint64            maps_device,
                   guint64            maps_inode,
                   const struct stat *fd_stat)
{
  if (maps_path != NULL)
    return g_str_has_prefix (maps_path, SHMIPC_POSIX_SHM_DIR "/") ?
           g_strdup_printf ("posix:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                            maps_device, maps_inode) : NULL;
  if (S_ISREG (fd_stat->st_mode))
    return g_strdup_printf ("posix:%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT,
                            (guint64) fd_stat->st_dev, (guint64) fd_stat->st_ino);
  return NULL;
}

const ShmipcBackendOps _shmipc_posix_ops = {
  .backend = SHMIPC_BACKEND_POSIX,
  .name = "posix",
  .available = posix_available,
  .unavailable_error = posix_unavailable_error,
  .init = posix_init,
  .open = posix_open,
  .close = posix_close,
  .stat = posix_stat,
  .set_mode = posix_set_mode,
  .unlink = posix_unlink,
  .is_current = posix_is_current,
  .remove_current = posix_remove_current,
  .lock = posix_lock,
  .allocate = posix_allocate,
  .get_key = posix_get_key,
  .list = posix_list,
  .read_head = posix_read_head,
  .user_key = posix_user_key,
  .user_key_of = posix_user_key_of,
};
