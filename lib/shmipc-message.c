/* shmipc-message.c - one message in a named object: what prod and cons do
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * How a reader never sees half a message
 * --------------------------------------
 * A message object holds raw bytes (the classroom layout: the message at
 * offset 0, nothing else), so there is no room for a header that could say
 * "complete". Publication is therefore carried by the object's metadata:
 * a new object is created with mode 0000 and gets its final mode only
 * when the message is in place (shmipc_message_write() calls
 * shmipc_segment_set_mode()). An object of mode 0000 is unpublished.
 *
 *  - POSIX: the writer creates the object and takes an exclusive flock()
 *    on it at once (_SHMIPC_OPEN_HOLD_LOCK), and keeps it until it has
 *    published the object. Rewriting an existing object holds the same
 *    lock while it writes; a reader holds flock(LOCK_SH) while it copies
 *    the bytes out.
 *  - SysV: the creator attaches the new segment (it needs its read and
 *    write bits for that) and then sets mode 0000; it stays attached until
 *    it is done. A waiting reader also requires that some process has
 *    detached from the segment (shm_dtime != 0), which covers the instant
 *    between shmget() and the mode change. A reader that does not wait
 *    reads a segment in that instant as it is (zeros: an empty message),
 *    as it reads any segment a program other than a message writer holds
 *    attached; and a writer killed in that instant, before it wrote any
 *    byte, leaves a segment of zeros that reads as an empty message: the
 *    kernel's detach at its exit looks like a publication. SysV has no lock to take, so
 *    rewriting an existing SysV segment while a reader copies it can show
 *    a mix of old and new bytes; new segments are always published whole.
 *
 * Whoever finds an object of mode 0000 can tell whether its writer is
 * still at work (_shmipc_message_state()): a POSIX writer holds its
 * flock(), which /proc/locks shows with its pid; a SysV writer is the
 * segment's creator (shm_cpid) and stays attached. A writer that died
 * leaves an object of mode 0000 that nobody holds: abandoned, never to be
 * published. Readers refuse it unless forced (SHMIPC_MESSAGE_FORCE); a
 * new writer that rewrites it publishes it.
 *
 * One instant is left: a POSIX object exists, empty and unlocked, between
 * the writer's shm_open() and its flock(). An empty object of mode 0000
 * that nobody holds counts as being written for its first
 * ABANDONED_AFTER_S seconds.
 *
 * The writer stores the message at offset 0 and zeroes the rest of the
 * object, so that the object holds exactly the message: a shorter message
 * never leaves the tail of a longer one visible, and the text ends at the
 * first NUL (or at the end of an object the message fills completely).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "shmipc-backend-private.h"

/* How long a waiting reader sleeps between two looks at the object. */
#define POLL_INTERVAL_US (10 * 1000)

/* How long an empty, unlocked POSIX object of mode 0000 may be a writer's
 * that has not taken its lock yet (see the top of this file). */
#define ABANDONED_AFTER_S 2

/* Opens @name, or the SysV segment @key when @key is not 0. */
static ShmipcSegment *
open_one (const gchar      *name,
          gint32            key,
          ShmipcBackend     backend,
          ShmipcOpenFlags   flags,
          gsize             size,
          guint             mode,
          GError          **error)
{
  if (key != 0)
    return _shmipc_segment_open_key (key, flags, size, mode, error);
  return _shmipc_segment_open (name, flags, size, mode, backend, error);
}

/* The name used in messages before a segment exists. */
static gchar *
describe (const gchar *name,
          gint32       key)
{
  if (key != 0)
    return g_strdup_printf ("key 0x%08x", (guint32) key);
  return shmipc_name_normalize (name, NULL);
}

/* The pid holding an exclusive flock() on the file @device:@inode, as
 * /proc/locks shows it ("1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0
 * EOF"; lines with "->" are processes waiting for a lock). 0 when none
 * does, -1 when /proc/locks cannot be read. */
static gint32
flock_writer (guint64 device,
              guint64 inode)
{
  g_autofree gchar *contents = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  if (!g_file_get_contents ("/proc/locks", &contents, NULL, NULL))
    return -1;
  lines = g_strsplit (contents, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      char kind[16], access[16];
      unsigned int major_no, minor_no;
      guint64 ino;
      gint32 pid;

      if (sscanf (lines[i], "%*d: %15s %*s %15s %d %x:%x:%" G_GUINT64_FORMAT,
                  kind, access, &pid, &major_no, &minor_no, &ino) != 6)
        continue;
      if (strcmp (kind, "FLOCK") == 0 && strcmp (access, "WRITE") == 0 &&
          ino == inode && major_no == major ((dev_t) device) &&
          minor_no == minor ((dev_t) device))
        return pid;
    }
  return 0;
}

ShmipcMessageState
_shmipc_message_state (const ShmipcStat *st,
                       const gchar      *name,
                       gint32           *writer_pid)
{
  ShmipcStat again;
  gint32 pid;

  *writer_pid = 0;
  if (st->mode != 0)
    return _SHMIPC_MESSAGE_PUBLISHED;

  if (st->backend == SHMIPC_BACKEND_SYSV)
    {
      /* The creator stays attached until it publishes. */
      *writer_pid = st->cpid;
      if (st->nattch > 0 && _shmipc_process_alive (st->cpid))
        return _SHMIPC_MESSAGE_WRITING;
      return _SHMIPC_MESSAGE_ABANDONED;
    }

  pid = flock_writer (st->device, st->inode);
  if (pid > 0)
    {
      *writer_pid = pid;
      return _SHMIPC_MESSAGE_WRITING;
    }
  /* Cannot tell: do not call it abandoned. */
  if (pid < 0)
    return _SHMIPC_MESSAGE_WRITING;
  if (st->size == 0 && (gint64) time (NULL) - st->ctime < ABANDONED_AFTER_S)
    return _SHMIPC_MESSAGE_WRITING;
  /* No lock now, but a writer gives its object its mode before it
   * releases its lock: one that published between our look at the mode
   * and the lock table shows it now. An object removed or replaced
   * meanwhile is not this one to judge. */
  if (name != NULL)
    {
      if (!shmipc_stat (name, SHMIPC_BACKEND_POSIX, &again, NULL) ||
          again.device != st->device || again.inode != st->inode)
        return _SHMIPC_MESSAGE_WRITING;
      if (again.mode != 0)
        return _SHMIPC_MESSAGE_PUBLISHED;
    }
  return _SHMIPC_MESSAGE_ABANDONED;
}

/* Why the object of metadata @st (mode 0000) is not published: "its
 * writer (process 12) died before finishing it", "process 12 is still
 * writing it". Sets *@abandoned. */
static gchar *
unpublished_reason (const ShmipcStat *st,
                    const gchar      *name,
                    gboolean         *abandoned)
{
  gint32 pid;

  *abandoned = _shmipc_message_state (st, name, &pid) == _SHMIPC_MESSAGE_ABANDONED;
  if (*abandoned)
    return pid > 0 ? g_strdup_printf ("its writer (process %d) died before finishing it", pid)
                   : g_strdup ("its writer died before finishing it");
  return pid > 0 ? g_strdup_printf ("process %d is still writing it", pid)
                 : g_strdup ("its writer is still writing it");
}

/* FALSE, with SHMIPC_ERROR_IS_CHANNEL, when @segment holds a channel:
 * read as a message, its header would pass for the text and the reader
 * would remove the stream; written, the header would be overwritten
 * under its readers. A channel is recognised by its magic, copied out
 * under the guard (another process may truncate the object). */
static gboolean
refuse_channel (ShmipcSegment  *segment,
                GError        **error)
{
  gchar head[sizeof SHMIPC_CHANNEL_MAGIC - 1];

  if (shmipc_segment_get_size (segment) < SHMIPC_CHANNEL_HEADER_SIZE + SHMIPC_CHANNEL_MIN_CAPACITY)
    return TRUE;
  if (!shmipc_segment_copy_out (segment, 0, head, sizeof head, error))
    return FALSE;
  if (memcmp (head, SHMIPC_CHANNEL_MAGIC, sizeof head) != 0)
    return TRUE;
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_IS_CHANNEL,
               "\"%s\" is a channel, not a message", segment->name);
  return FALSE;
}

static void
set_too_large (GError      **error,
               gsize         data_len,
               const gchar  *what,
               gboolean      exists,
               gsize         size)
{
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TOO_LARGE,
               "Message is %" G_GSIZE_FORMAT " bytes but \"%s\" %s only %" G_GSIZE_FORMAT,
               data_len, what, exists ? "holds" : "would hold", size);
}

/**
 * shmipc_message_check_owner:
 * @segment: a #ShmipcSegment
 * @error: return location for a #GError, or %NULL
 *
 * Checks that the object belongs to the calling process's effective user,
 * so that a program does not overwrite or remove another user's object
 * by accident (root included): prod and cons refuse to, unless told.
 *
 * Returns: %TRUE when the caller owns the object; %FALSE with
 * %SHMIPC_ERROR_NOT_OWNER ('"/x" belongs to uid 1000, not to uid 0')
 * when another user does, or with the error of shmipc_segment_stat().
 *
 * Since: 0.2
 */
gboolean
shmipc_message_check_owner (ShmipcSegment  *segment,
                            GError        **error)
{
  g_return_val_if_fail (segment != NULL, FALSE);

  return _shmipc_segment_check_owner (segment, error);
}

/**
 * shmipc_message_open_writer:
 * @name: the object's name (ignored when @key is not 0)
 * @key: a SysV key to address a segment made by another program, or 0
 * @backend: the backend, as for shmipc_segment_open() (ignored with @key)
 * @size: the size of a new object; with %SHMIPC_MESSAGE_RESIZE, the size
 *   an existing smaller object grows to
 * @mode: the permission bits the object gets once published (1 to 0777;
 *   0000 is what marks an unpublished POSIX object)
 * @data_len: the length of the message that will be written, so that an
 *   object too small for it is refused before anything is created
 * @flags: %SHMIPC_MESSAGE_EXCLUSIVE, %SHMIPC_MESSAGE_RESIZE,
 *   %SHMIPC_MESSAGE_FORCE
 * @error: return location for a #GError, or %NULL
 *
 * Opens a message object for shmipc_message_write(), creating it when it
 * does not exist. A new object is created unpublished (a POSIX object with
 * mode 0000) and is published by shmipc_message_write(). An existing
 * object keeps its size unless %SHMIPC_MESSAGE_RESIZE asks to grow it, and
 * is refused when another user owns it unless %SHMIPC_MESSAGE_FORCE is
 * given.
 *
 * Returns: (transfer full): the segment, or %NULL on error:
 * %SHMIPC_ERROR_TOO_LARGE when @data_len bytes do not fit,
 * %SHMIPC_ERROR_EXISTS with %SHMIPC_MESSAGE_EXCLUSIVE,
 * %SHMIPC_ERROR_NOT_OWNER for another user's object,
 * %SHMIPC_ERROR_IS_CHANNEL for an existing channel (never written over),
 * or the errors of shmipc_segment_open().
 *
 * Since: 0.2
 */
ShmipcSegment *
shmipc_message_open_writer (const gchar         *name,
                            gint32               key,
                            ShmipcBackend        backend,
                            gsize                size,
                            guint                mode,
                            gsize                data_len,
                            ShmipcMessageFlags   flags,
                            GError             **error)
{
  g_autofree gchar *what = NULL;
  g_autoptr(ShmipcSegment) segment = NULL;
  ShmipcOpenFlags open_flags = SHMIPC_OPEN_NONE;
  GError *local_error = NULL;

  g_return_val_if_fail (name != NULL || key != 0, NULL);

  if (mode == 0 || (mode & ~0777u) != 0)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Invalid mode %04o for a message object: it needs permission bits "
                   "within 0777, and 0000 marks an object still being written", mode);
      return NULL;
    }
  if (size == 0)
    {
      g_set_error_literal (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                           "A message object needs a size greater than 0");
      return NULL;
    }
  if (key == 0 && !shmipc_name_validate (name, error))
    return NULL;
  what = describe (name, key);

  /* Create the object when it is missing (the backends retry when it
   * vanishes between their create and open calls), unless the data could
   * not fit a new one: then only an existing, larger object will do. */
  if (data_len <= size)
    open_flags = SHMIPC_OPEN_CREATE | _SHMIPC_OPEN_HOLD_LOCK |
                 ((flags & SHMIPC_MESSAGE_EXCLUSIVE) ? SHMIPC_OPEN_EXCLUSIVE : 0);
  else if (flags & SHMIPC_MESSAGE_EXCLUSIVE)
    {
      set_too_large (error, data_len, what, FALSE, size);
      return NULL;
    }

  /* Mode 0000 until published (see the top of this file). */
  segment = open_one (name, key, backend, open_flags, size, 0, &local_error);
  if (segment == NULL)
    {
      if (open_flags == SHMIPC_OPEN_NONE &&
          g_error_matches (local_error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND))
        {
          g_clear_error (&local_error);
          set_too_large (error, data_len, what, FALSE, size);
          return NULL;
        }
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (shmipc_segment_get_created (segment))
    return g_steal_pointer (&segment);

  if (!(flags & SHMIPC_MESSAGE_FORCE) &&
      !shmipc_message_check_owner (segment, error))
    return NULL;
  if (!refuse_channel (segment, error))
    return NULL;

  /* Grow only after the ownership check, and only when asked. */
  if ((flags & SHMIPC_MESSAGE_RESIZE) && size > shmipc_segment_get_size (segment))
    {
      g_clear_pointer (&segment, shmipc_segment_free);
      segment = open_one (name, key, backend, SHMIPC_OPEN_RESIZE, size, 0, error);
      if (segment == NULL)
        return NULL;
    }

  if (data_len > shmipc_segment_get_size (segment))
    {
      set_too_large (error, data_len, what, TRUE, shmipc_segment_get_size (segment));
      return NULL;
    }
  return g_steal_pointer (&segment);
}

/* Stores the message and zeroes the rest, under a guard: another process
 * may truncate the object while we write it. */
typedef struct {
  guint8 *dest;
  gsize size;
  const guint8 *data;
  gsize len;
} Fill;

static void
fill_bytes (gpointer user_data)
{
  Fill *fill = user_data;

  if (fill->len > 0)
    memcpy (fill->dest, fill->data, fill->len);
  if (fill->size > fill->len)
    memset (fill->dest + fill->len, 0, fill->size - fill->len);
}

/**
 * shmipc_message_write:
 * @segment: a segment from shmipc_message_open_writer()
 * @data: (array length=len): the message
 * @len: its length in bytes; it may contain NUL bytes
 * @mode: the final permission bits of an object @segment created, as
 *   given to shmipc_message_open_writer()
 * @error: return location for a #GError, or %NULL
 *
 * Writes the message at offset 0 and zeroes the rest of the object, so
 * that the object holds exactly the message (a shorter message never
 * leaves the tail of an older, longer one behind). Data that does not fit
 * is refused, never truncated. POSIX objects are written under an
 * exclusive advisory lock (flock()), which shmipc_message_read() respects.
 *
 * When opening @segment created the object, or the object was never
 * published (its writer died, and it still has mode 0000), the object is
 * then published by giving it @mode; a new SysV segment also needs its
 * writer to detach (shmipc_segment_free()), see
 * shmipc_message_is_published().
 *
 * The storage of the whole object is allocated first (an existing object
 * may be sparse): when the system has not the room, the call fails with
 * %SHMIPC_ERROR_NO_SPACE before any byte changes.
 *
 * When the object was removed (or replaced) between the opening and the
 * writer's lock, nothing is written and the call fails with
 * %SHMIPC_ERROR_NOT_FOUND: open the name again.
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_TOO_LARGE when
 * @len exceeds the object's size, %SHMIPC_ERROR_NO_SPACE,
 * %SHMIPC_ERROR_NOT_FOUND, or the error of a failed system call.
 *
 * Since: 0.2
 */
gboolean
shmipc_message_write (ShmipcSegment  *segment,
                      const guint8   *data,
                      gsize           len,
                      guint           mode,
                      GError        **error)
{
  ShmipcStat st;
  gsize size;
  guint8 *dest;
  gboolean ok = FALSE;

  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  size = shmipc_segment_get_size (segment);
  dest = shmipc_segment_get_data (segment);
  if (segment->read_only)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_PERMISSION_DENIED,
                   "Cannot write into \"%s\": it is mapped read-only", segment->name);
      return FALSE;
    }
  if (len > size)
    {
      set_too_large (error, len, segment->name, TRUE, size);
      return FALSE;
    }

  if (!_shmipc_segment_check (segment, error))
    return FALSE;
  /* A writer that created the object holds this lock already. */
  if (!_shmipc_segment_lock (segment, LOCK_EX, error))
    return FALSE;
  /* Removed while we waited for the lock (shmdump --reap removes an
   * abandoned message under it): written now, the message would be lost
   * with the object. The caller opens the name again. */
  if (!_shmipc_segment_is_current (segment))
    {
      _shmipc_segment_lock (segment, LOCK_UN, NULL);
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND,
                   "\"%s\" was removed before it could be written", segment->name);
      return FALSE;
    }
  /* Room for every byte before the first one changes: an existing
   * object may be sparse, and a full /dev/shm would otherwise stop the
   * rewrite half-way (SIGBUS). */
  if (!_shmipc_segment_allocate (segment, error))
    {
      _shmipc_segment_lock (segment, LOCK_UN, NULL);
      return FALSE;
    }
  if (!_shmipc_segment_guarded (segment, fill_bytes, &(Fill) { dest, size, data, len }, error))
    {
      _shmipc_segment_lock (segment, LOCK_UN, NULL);
      return FALSE;
    }
#ifdef __GNUC__
  /* The bytes must be in place before the mode change announces them. */
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
#endif
  /* Publish what we created, and an object whose writer died before
   * publishing it (it holds our message now). */
  if (!segment->created && !shmipc_segment_stat (segment, &st, error))
    goto out;
  if ((segment->created || st.mode == 0) && !shmipc_segment_set_mode (segment, mode, error))
    goto out;
  ok = TRUE;

out:
  if (!_shmipc_segment_lock (segment, LOCK_UN, ok ? error : NULL))
    ok = FALSE;
  return ok;
}

/**
 * shmipc_message_is_published:
 * @stat_buf: the metadata of a message object
 *
 * Tells whether a message object is complete, so that a reader waiting
 * for it may read it: it has a mode other than 0000 (a writer creates it
 * with 0000 and sets the final mode when the message is in place) and,
 * for a SysV segment, some process has detached from it (its writer does
 * when it is done).
 *
 * Returns: %TRUE when the object is published.
 *
 * Since: 0.2
 */
gboolean
shmipc_message_is_published (const ShmipcStat *stat_buf)
{
  g_return_val_if_fail (stat_buf != NULL, FALSE);

  if (stat_buf->mode == 0)
    return FALSE;
  if (stat_buf->backend == SHMIPC_BACKEND_SYSV)
    return stat_buf->mtime != 0;
  return TRUE;
}

/* TRUE when a reader that does not wait may read the object now. */
static gboolean
readable_now (const ShmipcStat *st,
              const gchar      *name)
{
  gint32 pid;

  return _shmipc_message_state (st, name, &pid) == _SHMIPC_MESSAGE_PUBLISHED;
}

/* Looks at the object by name (a missing one is not an error: *found is
 * FALSE) without attaching it: attaching and detaching a SysV segment
 * ourselves would set its shm_dtime, which is part of what marks it
 * published. */
static gboolean
stat_by_name (const gchar    *name,
              ShmipcBackend   backend,
              ShmipcStat     *st,
              gboolean       *found,
              GError        **error)
{
  GError *local_error = NULL;

  *found = shmipc_stat (name, backend, st, &local_error);
  if (*found || g_error_matches (local_error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND))
    {
      g_clear_error (&local_error);
      return TRUE;
    }
  g_propagate_error (error, local_error);
  return FALSE;
}

/* Opens the named object, published or (with @force) as it is, and
 * checks what was opened: the name may have been removed and created anew
 * in between. NULL with no error when it is not (or no longer) there or
 * not published. */
static ShmipcSegment *
open_published (const gchar    *name,
                ShmipcBackend   backend,
                gboolean        force,
                gboolean        wait,
                ShmipcStat     *st,
                GError        **error)
{
  g_autoptr(ShmipcSegment) segment = NULL;
  GError *local_error = NULL;

  segment = open_one (name, 0, backend, SHMIPC_OPEN_READ_ONLY, 0, 0, &local_error);
  if (segment == NULL)
    {
      if (g_error_matches (local_error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND))
        {
          g_clear_error (&local_error);
          return NULL;
        }
      g_propagate_error (error, local_error);
      return NULL;
    }
  if (!shmipc_segment_stat (segment, st, error))
    return NULL;
  if (force)
    {
      /* Read as it is: its writer's lock must not hold the reader. */
      segment->unpublished = st->mode == 0;
      return g_steal_pointer (&segment);
    }
  if (wait ? shmipc_message_is_published (st) : readable_now (st, name))
    return g_steal_pointer (&segment);
  return NULL;
}

/**
 * shmipc_message_open_reader:
 * @name: the object's name (ignored when @key is not 0)
 * @key: a SysV key to address a segment made by another program, or 0
 * @backend: the backend, as for shmipc_segment_open() (ignored with @key)
 * @flags: %SHMIPC_MESSAGE_WAIT, %SHMIPC_MESSAGE_FORCE, or
 *   %SHMIPC_MESSAGE_NONE
 * @timeout_ms: with %SHMIPC_MESSAGE_WAIT, how long to wait in
 *   milliseconds; negative to wait without limit
 * @error: return location for a #GError, or %NULL
 *
 * Opens a message object read-only. A named object that was never
 * published (mode 0000: its writer is still writing it, or died before
 * finishing it) is refused with %SHMIPC_ERROR_UNPUBLISHED, whose message
 * says which, and names the writer's process where it is known.
 *
 * With %SHMIPC_MESSAGE_WAIT, a missing object or one not yet published
 * (see shmipc_message_is_published()) is looked at again every 10 ms
 * until it is published or @timeout_ms have passed, so that a reader
 * started before its writer never sees half a message. With
 * %SHMIPC_MESSAGE_FORCE (and without %SHMIPC_MESSAGE_WAIT) an unpublished
 * object is opened as it is, and shmipc_message_read() copies it without
 * waiting for its writer's lock. A segment addressed by @key, usually
 * made by another program that knows nothing of publishing, is only
 * waited for until it exists.
 *
 * Something other than a shared-memory object under the name (a FIFO, a
 * directory...) is refused at once with %SHMIPC_ERROR_NOT_OBJECT, waiting
 * or not.
 *
 * A channel (see #ShmipcChannel) is refused with
 * %SHMIPC_ERROR_IS_CHANNEL: its stream is read with a channel's reader.
 *
 * Returns: (transfer full): the segment, or %NULL on error:
 * %SHMIPC_ERROR_UNPUBLISHED, %SHMIPC_ERROR_TIMED_OUT when the wait ran
 * out (its message says why the object was not published, where it
 * exists), %SHMIPC_ERROR_IS_CHANNEL, or the errors of
 * shmipc_segment_open().
 *
 * Since: 0.2
 */
static ShmipcSegment *open_reader (const gchar *name, gint32 key, ShmipcBackend backend,
                                    ShmipcMessageFlags flags, gint64 timeout_ms, GError **error);

ShmipcSegment *
shmipc_message_open_reader (const gchar         *name,
                            gint32               key,
                            ShmipcBackend        backend,
                            ShmipcMessageFlags   flags,
                            gint64               timeout_ms,
                            GError             **error)
{
  g_autoptr(ShmipcSegment) segment = NULL;

  g_return_val_if_fail (name != NULL || key != 0, NULL);

  segment = open_reader (name, key, backend, flags, timeout_ms, error);
  if (segment == NULL || !refuse_channel (segment, error))
    return NULL;
  return g_steal_pointer (&segment);
}

/* shmipc_message_open_reader(), but for the channel check. */
static ShmipcSegment *
open_reader (const gchar         *name,
             gint32               key,
             ShmipcBackend        backend,
             ShmipcMessageFlags   flags,
             gint64               timeout_ms,
             GError             **error)
{
  gboolean wait = (flags & SHMIPC_MESSAGE_WAIT) != 0;
  gboolean force = !wait && (flags & SHMIPC_MESSAGE_FORCE) != 0;
  g_autofree gchar *what = NULL;
  gint64 deadline = -1;

  if (key != 0)
    {
      if (!wait)
        return open_one (NULL, key, backend, SHMIPC_OPEN_READ_ONLY, 0, 0, error);
    }
  else if (!shmipc_name_validate (name, error))
    return NULL;
  what = describe (name, key);
  if (timeout_ms >= 0)
    deadline = g_get_monotonic_time () + timeout_ms * 1000;

  for (;;)
    {
      ShmipcSegment *segment = NULL;
      GError *local_error = NULL;
      ShmipcStat st;
      gboolean found = FALSE;
      gint64 now;

      if (key == 0)
        {
          if (!stat_by_name (name, backend, &st, &found, error))
            return NULL;
          if (found && (force || (wait ? shmipc_message_is_published (&st) : readable_now (&st, name))))
            {
              segment = open_published (name, backend, force, wait, &st, &local_error);
              if (segment != NULL)
                return segment;
              if (local_error != NULL)
                {
                  g_propagate_error (error, local_error);
                  return NULL;
                }
              /* Replaced by another object meanwhile: look again. */
            }
          else if (!wait)
            {
              g_autofree gchar *reason = NULL;
              gboolean abandoned;

              /* Missing: the system's words, as opening gives them. */
              if (!found)
                return open_one (name, 0, backend, SHMIPC_OPEN_READ_ONLY, 0, 0, error);
              reason = unpublished_reason (&st, name, &abandoned);
              g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_UNPUBLISHED,
                           abandoned ? "\"%s\" was never published: %s"
                                     : "\"%s\" is not published yet: %s",
                           what, reason);
              return NULL;
            }
        }
      else
        {
          segment = open_one (NULL, key, backend, SHMIPC_OPEN_READ_ONLY, 0, 0, &local_error);
          if (segment != NULL)
            return segment;
          if (!g_error_matches (local_error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, local_error);
              return NULL;
            }
          g_clear_error (&local_error);
        }

      now = g_get_monotonic_time ();
      if (deadline >= 0 && now >= deadline)
        {
          g_autofree gchar *reason = NULL;
          gboolean abandoned;

          if (found && !readable_now (&st, name))
            reason = unpublished_reason (&st, name, &abandoned);
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TIMED_OUT,
                       "Timed out after %g s waiting for \"%s\" to be published%s%s",
                       (double) timeout_ms / 1000.0, what,
                       reason != NULL ? ": " : "", reason != NULL ? reason : "");
          return NULL;
        }
      g_usleep (deadline >= 0 ? MIN (POLL_INTERVAL_US, deadline - now) : POLL_INTERVAL_US);
    }
}

/**
 * shmipc_message_read:
 * @segment: a #ShmipcSegment
 * @error: return location for a #GError, or %NULL
 *
 * Copies all the bytes of the object out, under a shared advisory lock
 * (flock()) for POSIX objects, so that a writer using
 * shmipc_message_write() is never seen half way; an unpublished object
 * opened with %SHMIPC_MESSAGE_FORCE is copied as it is, without the lock. The copy is made with
 * shmipc_segment_copy_out(): an object another process truncates while
 * it is mapped gives an error, not SIGBUS.
 *
 * Returns: (transfer full): the object's bytes, or %NULL on error
 * (%SHMIPC_ERROR_CORRUPT for a truncated object).
 *
 * Since: 0.2
 */
GBytes *
shmipc_message_read (ShmipcSegment  *segment,
                     GError        **error)
{
  gsize size;
  guint8 *buffer;
  gboolean locked;
  gboolean ok;

  g_return_val_if_fail (segment != NULL, NULL);

  if (!_shmipc_segment_check (segment, error))
    return NULL;
  size = shmipc_segment_get_size (segment);
  locked = !segment->unpublished;
  if (locked && !_shmipc_segment_lock (segment, LOCK_SH, error))
    return NULL;
  buffer = g_malloc (size);
  ok = shmipc_segment_copy_out (segment, 0, buffer, size, error);
  if (locked && !_shmipc_segment_lock (segment, LOCK_UN, ok ? error : NULL))
    ok = FALSE;
  if (!ok)
    {
      g_free (buffer);
      return NULL;
    }
  return g_bytes_new_take (buffer, size);
}

/**
 * shmipc_message_get_text:
 * @message: bytes from shmipc_message_read()
 *
 * The text of a message: its bytes up to, not including, the first NUL,
 * or all of them when there is none.
 *
 * Returns: (transfer full): the text, which shares @message's memory.
 *
 * Since: 0.2
 */
GBytes *
shmipc_message_get_text (GBytes *message)
{
  gsize len = 0;
  const guint8 *data;
  const guint8 *nul;

  g_return_val_if_fail (message != NULL, NULL);

  data = g_bytes_get_data (message, &len);
  nul = len > 0 ? memchr (data, '\0', len) : NULL;
  return g_bytes_new_from_bytes (message, 0, nul != NULL ? (gsize) (nul - data) : len);
}
