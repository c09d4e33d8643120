/* shmipc-posix.c - the POSIX backend: shm_open() and mmap()
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shmipc-backend-private.h"

/* Where Linux keeps POSIX shared-memory objects (glibc's shm_open() opens
 * files in this tmpfs). */
#define SHMIPC_POSIX_SHM_DIR "/dev/shm"

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

  if (ftruncate (segment->fd, (off_t) size) != 0)
    {
      err = errno;
      _shmipc_set_error_errno (error, err, "ftruncate(\"%s\", %" G_GSIZE_FORMAT ") failed",
                               segment->name, size);
      return FALSE;
    }
#ifdef HAVE_POSIX_FALLOCATE
  err = posix_fallocate (segment->fd, old_size, (off_t) size - old_size);
  if (err != 0 && err != EINVAL && err != EOPNOTSUPP)
    {
      /* Give the space back: the object keeps its old size. */
      if (ftruncate (segment->fd, old_size) != 0)
        g_debug ("ftruncate(\"%s\") back to %jd failed", segment->name, (intmax_t) old_size);
      _shmipc_set_error_errno (error, err,
                               "posix_fallocate(\"%s\", %" G_GSIZE_FORMAT " bytes) failed",
                               segment->name, size);
      return FALSE;
    }
#endif
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

  segment->fd = -1;
  for (attempt = 0; attempt < 100 && segment->fd < 0; attempt++)
    {
      if (flags & SHMIPC_OPEN_CREATE)
        {
          /* Try to create first, so that we know whether the object is
           * ours to size and to give its mode. */
          segment->fd = shm_open (segment->name, oflag | O_CREAT | O_EXCL, mode);
          if (segment->fd >= 0)
            {
              segment->created = TRUE;
              break;
            }
          if (errno != EEXIST || (flags & SHMIPC_OPEN_EXCLUSIVE))
            break;
        }
      segment->fd = shm_open (segment->name, oflag, 0);
      /* Removed between our two calls: try creating again. */
      if (segment->fd < 0 && !(errno == ENOENT && (flags & SHMIPC_OPEN_CREATE)))
        break;
    }
  if (segment->fd < 0)
    {
      err = errno;
      _shmipc_set_error_errno (error, err, "shm_open(\"%s\") failed", segment->name);
      return FALSE;
    }

  if (segment->created)
    {
      /* shm_open() applied the umask; the caller's mode is exact. */
      if (fchmod (segment->fd, mode) != 0)
        {
          err = errno;
          _shmipc_set_error_errno (error, err, "fchmod(\"%s\", %04o) failed",
                                   segment->name, mode);
          goto fail;
        }
    }

  /* Sizing (creating or growing) holds an exclusive flock(), so that two
   * openers growing one object never shrink each other's work; the lock
   * of a killed process goes away with it. */
  if (segment->created || (flags & SHMIPC_OPEN_RESIZE))
    {
      if (!_shmipc_segment_lock (segment, LOCK_EX, error))
        goto fail;
      locked = TRUE;
    }
  if (fstat (segment->fd, &st) != 0)
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
  if (locked)
    {
      _shmipc_segment_lock (segment, LOCK_UN, NULL);
      locked = FALSE;
    }

  segment->size = map_size;
  if (map_size == 0)
    return TRUE;

  data = mmap (NULL, map_size,
               PROT_READ | ((flags & SHMIPC_OPEN_READ_ONLY) ? 0 : PROT_WRITE),
               MAP_SHARED, segment->fd, 0);
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
  close (segment->fd);
  segment->fd = -1;
  segment->created = FALSE;
  return FALSE;
}

static void
posix_close (ShmipcSegment *segment)
{
  if (segment->data != NULL)
    munmap (segment->data, segment->size);
  segment->data = NULL;
  if (segment->fd >= 0)
    close (segment->fd);
  segment->fd = -1;
}

static gboolean
posix_stat (ShmipcSegment  *segment,
            ShmipcStat     *stat_out,
            GError        **error)
{
  struct stat st;
  int rc;

  if (segment->fd >= 0)
    rc = fstat (segment->fd, &st);
  else
    {
      int fd = shm_open (segment->name, O_RDONLY, 0);

      rc = fd < 0 ? -1 : fstat (fd, &st);
      if (fd >= 0)
        {
          int saved = errno;
          close (fd);
          errno = saved;
        }
#ifdef __linux__
      /* Metadata does not need read permission: look at the file. */
      else if (errno == EACCES)
        {
          g_autofree gchar *path = g_strconcat (SHMIPC_POSIX_SHM_DIR, segment->name, NULL);

          rc = stat (path, &st);
        }
#endif
    }
  if (rc != 0)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "stat(\"%s\") failed", segment->name);
      return FALSE;
    }

  stat_out->size = (guint64) st.st_size;
  stat_out->mode = st.st_mode & 0777;
  stat_out->uid = st.st_uid;
  stat_out->gid = st.st_gid;
  stat_out->atime = st.st_atime;
  stat_out->mtime = st.st_mtime;
  stat_out->ctime = st.st_ctime;
  stat_out->key = 0;
  stat_out->id = -1;
  return TRUE;
}

static gboolean
posix_set_mode (ShmipcSegment  *segment,
                guint           mode,
                GError        **error)
{
  if (fchmod (segment->fd, mode) != 0)
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
  if (shm_unlink (segment->name) != 0)
    {
      int err = errno;
      _shmipc_set_error_errno (error, err, "shm_unlink(\"%s\") failed", segment->name);
      return FALSE;
    }
  return TRUE;
}

const ShmipcBackendOps _shmipc_posix_ops = {
  .backend = SHMIPC_BACKEND_POSIX,
  .name = "posix",
  .available = posix_available,
  .unavailable_error = posix_unavailable_error,
  .open = posix_open,
  .close = posix_close,
  .stat = posix_stat,
  .set_mode = posix_set_mode,
  .unlink = posix_unlink,
};
