/* shmipc-segment.c - named shared-memory segments, backend independent
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "shmipc-backend-private.h"
#include "shmipc-guard-private.h"

const ShmipcBackendOps *const _shmipc_backends[] = {
#ifdef HAVE_POSIX_SHM
  &_shmipc_posix_ops,
#endif
  &_shmipc_sysv_ops,
  NULL
};

void
_shmipc_listed_free (gpointer listed)
{
  ShmipcListed *object = listed;

  g_free (object->name);
  g_free (object);
}

static ShmipcSegment *
segment_new (const ShmipcBackendOps *ops,
             gchar                  *name,
             ShmipcOpenFlags         flags)
{
  ShmipcSegment *segment = g_new0 (ShmipcSegment, 1);

  segment->ref_count = 1;
  segment->ops = ops;
  segment->name = name;
  segment->read_only = (flags & SHMIPC_OPEN_READ_ONLY) != 0;
  ops->init (segment);
  return segment;
}

/* A handle whose open failed: nothing is mapped. */
static void
segment_discard (ShmipcSegment *segment)
{
  g_free (segment->name);
  g_free (segment);
}

static const ShmipcBackendOps *
backend_ops (ShmipcBackend backend)
{
  guint i;

  for (i = 0; _shmipc_backends[i] != NULL; i++)
    if (_shmipc_backends[i]->backend == backend)
      return _shmipc_backends[i];
  return NULL;
}

/**
 * shmipc_backend_is_available:
 * @backend: a #ShmipcBackend
 *
 * Tells whether @backend is built into this library and offered by the
 * running system. %SHMIPC_BACKEND_AUTO is available when either is.
 *
 * Returns: %TRUE when @backend can be used.
 *
 * Since: 0.2
 */
gboolean
shmipc_backend_is_available (ShmipcBackend backend)
{
  const ShmipcBackendOps *ops;

  if (backend == SHMIPC_BACKEND_AUTO)
    return shmipc_backend_is_available (SHMIPC_BACKEND_POSIX) ||
           shmipc_backend_is_available (SHMIPC_BACKEND_SYSV);
  ops = backend_ops (backend);
  return ops != NULL && ops->available ();
}

/* The backend SHMIPC_BACKEND names: FALSE with @error when it names none. */
static gboolean
backend_from_environment (ShmipcBackend  *backend,
                          GError        **error)
{
  const gchar *env = g_getenv ("SHMIPC_BACKEND");
  GError *local_error = NULL;

  if (env == NULL || *env == '\0')
    return TRUE;
  if (shmipc_backend_from_string (env, backend, &local_error))
    return TRUE;
  g_propagate_prefixed_error (error, local_error, "SHMIPC_BACKEND: ");
  return FALSE;
}

/**
 * shmipc_backend_default:
 *
 * The backend %SHMIPC_BACKEND_AUTO stands for: the one named by the
 * environment variable SHMIPC_BACKEND when it is set to "posix" or "sysv",
 * otherwise %SHMIPC_BACKEND_AUTO itself (POSIX, falling back to SysV).
 * An unparsable SHMIPC_BACKEND makes shmipc_segment_open() fail; here it
 * reads as %SHMIPC_BACKEND_AUTO.
 *
 * Returns: the default backend.
 *
 * Since: 0.2
 */
ShmipcBackend
shmipc_backend_default (void)
{
  ShmipcBackend backend = SHMIPC_BACKEND_AUTO;

  backend_from_environment (&backend, NULL);
  return backend;
}

/* The one place where a requested backend becomes the backend to use:
 * AUTO follows SHMIPC_BACKEND, else means POSIX where it is built and the
 * system offers it, with SysV to fall back on (*@fall_back) when POSIX
 * shared memory turns out not to work, and SysV otherwise. A backend that
 * was not built is refused. */
static const ShmipcBackendOps *
resolve_backend (ShmipcBackend   requested,
                 gboolean       *fall_back,
                 GError        **error)
{
  const ShmipcBackendOps *ops;

  *fall_back = FALSE;
  if (requested == SHMIPC_BACKEND_AUTO && !backend_from_environment (&requested, error))
    return NULL;
  if (requested == SHMIPC_BACKEND_AUTO)
    {
      ops = backend_ops (SHMIPC_BACKEND_POSIX);
      if (ops != NULL && ops->available ())
        {
          *fall_back = TRUE;
          return ops;
        }
      return &_shmipc_sysv_ops;
    }
  ops = backend_ops (requested);
  if (ops != NULL)
    return ops;
  if (requested == SHMIPC_BACKEND_POSIX || requested == SHMIPC_BACKEND_SYSV)
    g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_UNSUPPORTED,
                 "The %s backend is not built into this libshmipc",
                 shmipc_backend_to_string (requested));
  else
    g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                 "Unknown backend %d", (int) requested);
  return NULL;
}

/* Runs @func with the backend @requested resolves to, and once more with
 * SysV when that was POSIX by default and POSIX shared memory does not
 * work here. */
static gboolean
with_backend (ShmipcBackend    requested,
              gboolean       (*func) (const ShmipcBackendOps *, gpointer, GError **),
              gpointer         data,
              GError         **error)
{
  const ShmipcBackendOps *ops;
  GError *local_error = NULL;
  gboolean fall_back;

  ops = resolve_backend (requested, &fall_back, error);
  if (ops == NULL)
    return FALSE;
  if (func (ops, data, &local_error))
    return TRUE;
  if (!fall_back || !ops->unavailable_error (local_error))
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  g_debug ("POSIX shared memory unavailable (%s); using SysV", local_error->message);
  g_clear_error (&local_error);
  return func (&_shmipc_sysv_ops, data, error);
}

static gboolean
check_open_arguments (ShmipcOpenFlags   flags,
                      gsize             size,
                      guint             mode,
                      const gchar      *what,
                      GError          **error)
{
  const ShmipcOpenFlags known = SHMIPC_OPEN_CREATE | SHMIPC_OPEN_EXCLUSIVE |
                                SHMIPC_OPEN_READ_ONLY | SHMIPC_OPEN_RESIZE |
                                _SHMIPC_OPEN_HOLD_LOCK;
  const char *problem = NULL;

  if ((flags & ~known) != 0)
    problem = "unknown open flags";
  else if ((flags & SHMIPC_OPEN_EXCLUSIVE) && !(flags & SHMIPC_OPEN_CREATE))
    problem = "exclusive needs create";
  else if ((flags & SHMIPC_OPEN_READ_ONLY) &&
           (flags & (SHMIPC_OPEN_CREATE | SHMIPC_OPEN_RESIZE)))
    problem = "a read-only segment cannot be created or resized";
  else if ((flags & SHMIPC_OPEN_CREATE) && size == 0)
    problem = "creating an object needs a size greater than 0";
  else if (mode > 07777 || (mode & ~0777u) != 0)
    problem = "the mode may only hold permission bits (0777)";
  else if (size > (gsize) G_MAXINT64)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TOO_LARGE,
                   "Cannot open %s: size %" G_GSIZE_FORMAT " is too large",
                   what, size);
      return FALSE;
    }

  if (problem != NULL)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Cannot open %s: %s", what, problem);
      return FALSE;
    }
  return TRUE;
}

/* The internal flags are libshmipc's own. */
static gboolean
check_public_flags (ShmipcOpenFlags   flags,
                    GError          **error)
{
  if ((flags & _SHMIPC_OPEN_HOLD_LOCK) == 0)
    return TRUE;
  g_set_error_literal (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                       "Cannot open a segment: unknown open flags");
  return FALSE;
}

typedef struct {
  const gchar *canonical;
  ShmipcOpenFlags flags;
  gsize size;
  guint mode;
  ShmipcSegment *segment;
} Open;

static gboolean
open_with (const ShmipcBackendOps  *ops,
           gpointer                 data,
           GError                 **error)
{
  Open *open = data;
  ShmipcSegment *segment = segment_new (ops, g_strdup (open->canonical), open->flags);

  if (!ops->open (segment, open->flags, open->size, open->mode, error))
    {
      segment_discard (segment);
      return FALSE;
    }
  _shmipc_guard_install ();
  open->segment = segment;
  return TRUE;
}

/**
 * shmipc_segment_open:
 * @name: the object's name; "name" and "/name" are the same object
 * @flags: #ShmipcOpenFlags
 * @size: the size of a new object; with %SHMIPC_OPEN_RESIZE, the size an
 *   existing smaller object grows to; otherwise ignored (0 is fine)
 * @mode: permission bits of a new object, applied exactly whatever the
 *   umask (pass %SHMIPC_DEFAULT_MODE when you have no preference)
 * @backend: the backend; %SHMIPC_BACKEND_AUTO follows SHMIPC_BACKEND, else
 *   uses POSIX and falls back to SysV when POSIX shared memory is
 *   unavailable
 * @error: return location for a #GError, or %NULL
 *
 * Opens, and with %SHMIPC_OPEN_CREATE creates, a named shared-memory
 * object and maps it. The name is checked before any system call. An
 * existing object is never shrunk: it is mapped at its own size, and
 * grown to @size only with %SHMIPC_OPEN_RESIZE. Space for a new or grown
 * object is reserved at once, so that a size the system cannot hold fails
 * here with %SHMIPC_ERROR_NO_SPACE rather than with SIGBUS on first use.
 * A POSIX object is sized under an exclusive flock() on it, from the size
 * read under that lock: openers growing one object at the same time never
 * shrink it.
 *
 * Returns: (transfer full): a new #ShmipcSegment, or %NULL on error.
 *
 * Since: 0.2
 */
ShmipcSegment *
shmipc_segment_open (const gchar      *name,
                     ShmipcOpenFlags   flags,
                     gsize             size,
                     guint             mode,
                     ShmipcBackend     backend,
                     GError          **error)
{
  if (!check_public_flags (flags, error))
    return NULL;
  return _shmipc_segment_open (name, flags, size, mode, backend, error);
}

ShmipcSegment *
_shmipc_segment_open (const gchar      *name,
                      ShmipcOpenFlags   flags,
                      gsize             size,
                      guint             mode,
                      ShmipcBackend     backend,
                      GError          **error)
{
  g_autofree gchar *canonical = NULL;
  g_autofree gchar *what = NULL;
  Open open = { NULL, flags, size, mode, NULL };

  canonical = shmipc_name_normalize (name, error);
  if (canonical == NULL)
    return NULL;
  what = g_strdup_printf ("\"%s\"", canonical);
  if (!check_open_arguments (flags, size, mode, what, error))
    return NULL;
  open.canonical = canonical;
  if (!with_backend (backend, open_with, &open, error))
    return NULL;
  return open.segment;
}

/**
 * shmipc_segment_open_key:
 * @key: a SysV IPC key (not IPC_PRIVATE)
 * @flags: #ShmipcOpenFlags, as for shmipc_segment_open()
 * @size: as for shmipc_segment_open()
 * @mode: as for shmipc_segment_open()
 * @error: return location for a #GError, or %NULL
 *
 * Opens the SysV segment with key @key, such as one made by another
 * program with ipcmk(1). The segment's name is "key 0xKKKKKKKK".
 *
 * Returns: (transfer full): a new #ShmipcSegment, or %NULL on error.
 *
 * Since: 0.2
 */
ShmipcSegment *
shmipc_segment_open_key (gint32            key,
                         ShmipcOpenFlags   flags,
                         gsize             size,
                         guint             mode,
                         GError          **error)
{
  if (!check_public_flags (flags, error))
    return NULL;
  return _shmipc_segment_open_key (key, flags, size, mode, error);
}

ShmipcSegment *
_shmipc_segment_open_key (gint32            key,
                          ShmipcOpenFlags   flags,
                          gsize             size,
                          guint             mode,
                          GError          **error)
{
  ShmipcSegment *segment;
  g_autofree gchar *what = g_strdup_printf ("key 0x%08x", (guint32) key);

  if (key == 0)
    {
      g_set_error_literal (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                           "Key 0 is IPC_PRIVATE and names no segment");
      return NULL;
    }
  if (!check_open_arguments (flags, size, mode, what, error))
    return NULL;

  segment = segment_new (&_shmipc_sysv_ops, g_steal_pointer (&what), flags);
  if (!segment->ops->open_key (segment, key, flags, size, mode, error))
    {
      segment_discard (segment);
      return NULL;
    }
  _shmipc_guard_install ();
  return segment;
}

G_DEFINE_BOXED_TYPE (ShmipcSegment, shmipc_segment, shmipc_segment_ref, shmipc_segment_unref)

/**
 * shmipc_segment_ref:
 * @segment: a #ShmipcSegment
 *
 * Takes a reference on @segment: it stays mapped until every reference is
 * dropped with shmipc_segment_unref() (or shmipc_segment_free()).
 *
 * Returns: (transfer full): @segment
 *
 * Since: 0.2
 */
ShmipcSegment *
shmipc_segment_ref (ShmipcSegment *segment)
{
  g_return_val_if_fail (segment != NULL, NULL);
  g_atomic_int_inc (&segment->ref_count);
  return segment;
}

/**
 * shmipc_segment_unref:
 * @segment: (nullable) (transfer full): a #ShmipcSegment
 *
 * Drops a reference on @segment; the last one unmaps and closes it. The
 * object itself stays (see shmipc_segment_unlink()).
 *
 * Since: 0.2
 */
void
shmipc_segment_unref (ShmipcSegment *segment)
{
  if (segment == NULL || !g_atomic_int_dec_and_test (&segment->ref_count))
    return;
  segment->ops->close (segment);
  g_clear_error (&segment->broken);
  g_free (segment->name);
  g_free (segment);
}

/**
 * shmipc_segment_free:
 * @segment: (nullable) (transfer full): a #ShmipcSegment
 *
 * The same as shmipc_segment_unref(): for the usual case of a single
 * owner, unmaps and closes @segment. The object itself stays (see
 * shmipc_segment_unlink()).
 *
 * Since: 0.2
 */
void
shmipc_segment_free (ShmipcSegment *segment)
{
  shmipc_segment_unref (segment);
}

static ShmipcStat *
stat_copy (const ShmipcStat *stat_buf)
{
  return g_memdup2 (stat_buf, sizeof *stat_buf);
}

G_DEFINE_BOXED_TYPE (ShmipcStat, shmipc_stat, stat_copy, g_free)

gboolean
_shmipc_segment_lock (ShmipcSegment  *segment,
                      int             operation,
                      GError        **error)
{
  if (segment->ops->lock == NULL)
    return TRUE;
  return segment->ops->lock (segment, operation, error);
}

gboolean
_shmipc_segment_allocate (ShmipcSegment  *segment,
                          GError        **error)
{
  if (segment->ops->allocate == NULL)
    return TRUE;
  return segment->ops->allocate (segment, error);
}

gboolean
_shmipc_segment_is_current (ShmipcSegment *segment)
{
  return segment->ops->is_current (segment);
}

gboolean
_shmipc_segment_remove_current (ShmipcSegment  *segment,
                                GError        **error)
{
  return segment->ops->remove_current (segment, error);
}

gboolean
_shmipc_segment_check_owner (ShmipcSegment  *segment,
                             GError        **error)
{
  ShmipcStat st;
  uid_t me = geteuid ();

  if (!shmipc_segment_stat (segment, &st, error))
    return FALSE;
  if (st.uid != (guint32) me)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_OWNER,
                   "\"%s\" belongs to uid %u, not to uid %u",
                   segment->name, (guint) st.uid, (guint) me);
      return FALSE;
    }
  return TRUE;
}

gboolean
_shmipc_segment_check (ShmipcSegment  *segment,
                       GError        **error)
{
  if (G_LIKELY (segment->broken == NULL))
    return TRUE;
  if (error != NULL)
    *error = g_error_copy (segment->broken);
  return FALSE;
}

void
_shmipc_segment_fault (ShmipcSegment  *segment,
                       gconstpointer   address,
                       GError        **error)
{
  gsize offset = (const guint8 *) address - (const guint8 *) segment->data;
  ShmipcStat st;

  if (segment->broken == NULL)
    {
      gboolean have_stat = segment->ops->stat (segment, &st, NULL);

      /* What the object has become tells what happened. */
      if (have_stat && st.size < (guint64) segment->size)
        segment->broken =
          g_error_new (SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                       "Object \"%s\" was truncated to %" G_GUINT64_FORMAT
                       " bytes by another process while mapped (%" G_GSIZE_FORMAT
                       " bytes mapped)", segment->name, st.size, segment->size);
      else if (have_stat && st.backend == SHMIPC_BACKEND_POSIX)
        /* Still whole: a page of a sparse object that the system had no
         * room to give (tmpfs allocates on first touch, reads too). */
        segment->broken =
          g_error_new (SHMIPC_ERROR, SHMIPC_ERROR_NO_SPACE,
                       "Object \"%s\": no room in memory for its page at offset %"
                       G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes (a sparse object, and "
                       "no space left on device)", segment->name, offset, segment->size);
      else
        segment->broken =
          g_error_new (SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                       "Object \"%s\" was truncated by another process while mapped "
                       "(bus error at offset %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                       " mapped bytes)", segment->name, offset, segment->size);
    }
  if (error != NULL)
    {
      /* A partial error set before the jump is replaced. */
      g_clear_error (error);
      *error = g_error_copy (segment->broken);
    }
}

gboolean
_shmipc_segment_guarded (ShmipcSegment      *segment,
                         ShmipcGuardedFunc   func,
                         gpointer            data,
                         GError            **error)
{
  gpointer fault = NULL;

  if (!_shmipc_segment_check (segment, error))
    return FALSE;
  if (_shmipc_guard_run (segment->data, segment->size, func, data, &fault))
    return TRUE;
  _shmipc_segment_fault (segment, fault, error);
  return FALSE;
}

/**
 * shmipc_segment_copy_out:
 * @segment: a #ShmipcSegment
 * @offset: where to start, in bytes from the start of the mapping
 * @buffer: (out caller-allocates) (array length=length) (element-type guint8): where to copy
 * @length: how many bytes to copy
 * @error: return location for a #GError, or %NULL
 *
 * Copies bytes out of the mapping safely: another process may shrink a
 * POSIX object (ftruncate()) while it is mapped, and reading past its new
 * end raises SIGBUS. This copy catches that fault and fails instead;
 * from then on @segment counts as
 * broken and every guarded access to it (this function, the message and
 * channel functions) fails with the same error. A SIGBUS that is not
 * caused by such an access keeps its previous disposition.
 *
 * The first call installs a process-wide SIGBUS handler (sigaction()
 * with %SA_SIGINFO) that forwards every signal it does not handle to the
 * action installed before it.
 *
 * Returns: %TRUE when all @length bytes were copied; %FALSE with
 * %SHMIPC_ERROR_INVALID_ARGUMENT when [@offset, @offset + @length) is not
 * inside the mapping, or %SHMIPC_ERROR_CORRUPT when the object was
 * truncated ("Object "/x" was truncated to N bytes by another process
 * while mapped"); @buffer then holds an unspecified part of the bytes.
 *
 * Since: 0.2
 */
typedef struct {
  gpointer dest;
  gconstpointer src;
  gsize length;
} Copy;

static void
copy_bytes (gpointer data)
{
  Copy *copy = data;

  memcpy (copy->dest, copy->src, copy->length);
}

/* Copies @length bytes between @buffer and the mapping at @offset (into
 * the mapping when @store), under the guard, once the range is known to
 * lie inside the mapping; @verb words the refusal ("copy", "read",
 * "write"). */
/* FALSE, with SHMIPC_ERROR_INVALID_ARGUMENT worded with @verb ("copy",
 * "read", "write"), when [@offset, @offset + @length) is not inside the
 * mapping. */
static gboolean
check_range (ShmipcSegment  *segment,
             guint64         offset,
             gsize           length,
             const gchar    *verb,
             GError        **error)
{
  if (offset <= segment->size && length <= segment->size - offset)
    return TRUE;
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Cannot %s %" G_GSIZE_FORMAT " bytes at offset %" G_GUINT64_FORMAT
               " of \"%s\": it maps %" G_GSIZE_FORMAT " bytes",
               verb, length, offset, segment->name, segment->size);
  return FALSE;
}

static gboolean
guarded_copy (ShmipcSegment  *segment,
              guint64         offset,
              gsize           length,
              gpointer        buffer,
              gboolean        store,
              const gchar    *verb,
              GError        **error)
{
  guint8 *mapped;
  Copy copy;

  if (!check_range (segment, offset, length, verb, error))
    return FALSE;
  if (length == 0)
    return _shmipc_segment_check (segment, error);
  mapped = (guint8 *) segment->data + offset;
  copy.dest = store ? (gpointer) mapped : buffer;
  copy.src = store ? (gconstpointer) buffer : mapped;
  copy.length = length;
  return _shmipc_segment_guarded (segment, copy_bytes, &copy, error);
}

gboolean
shmipc_segment_copy_out (ShmipcSegment  *segment,
                         gsize           offset,
                         gpointer        buffer,
                         gsize           length,
                         GError        **error)
{
  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (buffer != NULL || length == 0, FALSE);

  return guarded_copy (segment, offset, length, buffer, FALSE, "copy", error);
}

/**
 * shmipc_segment_read_bytes:
 * @segment: a #ShmipcSegment
 * @offset: where to start, in bytes from the start of the object
 * @length: how many bytes to copy
 * @error: return location for a #GError, or %NULL
 *
 * Copies @length bytes of the object, from @offset, into new #GBytes,
 * safely: an object another process truncated while it is mapped gives
 * %SHMIPC_ERROR_CORRUPT, not SIGBUS (see shmipc_segment_copy_out()). The
 * way for language bindings to read a segment.
 *
 * Returns: (transfer full): the bytes, or %NULL with
 * %SHMIPC_ERROR_INVALID_ARGUMENT when the range is not inside the object,
 * or %SHMIPC_ERROR_CORRUPT.
 *
 * Since: 0.2
 */
GBytes *
shmipc_segment_read_bytes (ShmipcSegment  *segment,
                           guint64         offset,
                           gsize           length,
                           GError        **error)
{
  guint8 *buffer;

  g_return_val_if_fail (segment != NULL, NULL);

  /* Before allocating: a huge @length must not abort the process. */
  if (!check_range (segment, offset, length, "read", error))
    return NULL;
  buffer = g_malloc (length);
  if (!guarded_copy (segment, offset, length, buffer, FALSE, "read", error))
    {
      g_free (buffer);
      return NULL;
    }
  return g_bytes_new_take (buffer, length);
}

/**
 * shmipc_segment_write_bytes:
 * @segment: a #ShmipcSegment mapped for writing
 * @offset: where to start, in bytes from the start of the object
 * @bytes: the bytes to store
 * @error: return location for a #GError, or %NULL
 *
 * Copies @bytes into the object at @offset, under the same guard as
 * shmipc_segment_read_bytes(). The way for language bindings to write a
 * segment. Nothing is locked: see the message functions for a protocol
 * that readers can rely on.
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_PERMISSION_DENIED
 * for a read-only segment, %SHMIPC_ERROR_INVALID_ARGUMENT when the bytes
 * do not fit at @offset, or %SHMIPC_ERROR_CORRUPT.
 *
 * Since: 0.2
 */
gboolean
shmipc_segment_write_bytes (ShmipcSegment  *segment,
                            guint64         offset,
                            GBytes         *bytes,
                            GError        **error)
{
  gsize length = 0;
  gconstpointer data;

  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  data = g_bytes_get_data (bytes, &length);
  if (segment->read_only)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_PERMISSION_DENIED,
                   "Cannot write into \"%s\": it is mapped read-only", segment->name);
      return FALSE;
    }
  return guarded_copy (segment, offset, length, (gpointer) data, TRUE, "write", error);
}

/**
 * shmipc_segment_get_data: (skip)
 * @segment: a #ShmipcSegment
 *
 * The mapping itself, for C programs that access it in place (under their
 * own SIGBUS precautions: see shmipc_segment_copy_out()). Language
 * bindings use shmipc_segment_read_bytes() and
 * shmipc_segment_write_bytes().
 *
 * Returns: (transfer none): the start of the mapping; %NULL for an empty
 * object.
 *
 * Since: 0.2
 */
gpointer
shmipc_segment_get_data (ShmipcSegment *segment)
{
  g_return_val_if_fail (segment != NULL, NULL);
  return segment->data;
}

/**
 * shmipc_segment_get_size:
 * @segment: a #ShmipcSegment
 *
 * The size of @segment's mapping.
 *
 * Returns: the size of the mapping in bytes.
 *
 * Since: 0.2
 */
gsize
shmipc_segment_get_size (ShmipcSegment *segment)
{
  g_return_val_if_fail (segment != NULL, 0);
  return segment->size;
}

/**
 * shmipc_segment_get_name:
 * @segment: a #ShmipcSegment
 *
 * The name of @segment's object.
 *
 * Returns: (transfer none): the canonical name ("/name"), or
 * "key 0xKKKKKKKK" for a segment opened by key.
 *
 * Since: 0.2
 */
const gchar *
shmipc_segment_get_name (ShmipcSegment *segment)
{
  g_return_val_if_fail (segment != NULL, NULL);
  return segment->name;
}

/**
 * shmipc_segment_get_backend:
 * @segment: a #ShmipcSegment
 *
 * The backend that holds @segment's object.
 *
 * Returns: the backend actually used (never %SHMIPC_BACKEND_AUTO).
 *
 * Since: 0.2
 */
ShmipcBackend
shmipc_segment_get_backend (ShmipcSegment *segment)
{
  g_return_val_if_fail (segment != NULL, SHMIPC_BACKEND_AUTO);
  return segment->ops->backend;
}

/**
 * shmipc_segment_get_created:
 * @segment: a #ShmipcSegment
 *
 * Whether opening @segment created the object.
 *
 * Returns: %TRUE when opening @segment created the object.
 *
 * Since: 0.2
 */
gboolean
shmipc_segment_get_created (ShmipcSegment *segment)
{
  g_return_val_if_fail (segment != NULL, FALSE);
  return segment->created;
}

/**
 * shmipc_segment_is_read_only:
 * @segment: a #ShmipcSegment
 *
 * Whether @segment is mapped read-only.
 *
 * Returns: %TRUE when @segment is mapped read-only.
 *
 * Since: 0.2
 */
gboolean
shmipc_segment_is_read_only (ShmipcSegment *segment)
{
  g_return_val_if_fail (segment != NULL, FALSE);
  return segment->read_only;
}

/**
 * shmipc_segment_get_key:
 * @segment: a #ShmipcSegment
 *
 * The SysV key of @segment.
 *
 * Returns: the SysV key of a SysV segment, 0 for a POSIX one.
 *
 * Since: 0.2
 */
gint32
shmipc_segment_get_key (ShmipcSegment *segment)
{
  g_return_val_if_fail (segment != NULL, 0);
  return segment->ops->get_key (segment);
}

/**
 * shmipc_segment_stat:
 * @segment: a #ShmipcSegment
 * @stat_out: (out caller-allocates): where to store the metadata
 * @error: return location for a #GError, or %NULL
 *
 * Reads the object's current metadata from the system.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.2
 */
gboolean
shmipc_segment_stat (ShmipcSegment  *segment,
                     ShmipcStat     *stat_out,
                     GError        **error)
{
  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (stat_out != NULL, FALSE);

  memset (stat_out, 0, sizeof *stat_out);
  stat_out->backend = segment->ops->backend;
  stat_out->id = -1;
  return segment->ops->stat (segment, stat_out, error);
}

/**
 * shmipc_segment_set_mode:
 * @segment: a #ShmipcSegment
 * @mode: permission bits (0777 mask), applied exactly
 * @error: return location for a #GError, or %NULL
 *
 * Changes the object's permission bits.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.2
 */
gboolean
shmipc_segment_set_mode (ShmipcSegment  *segment,
                         guint           mode,
                         GError        **error)
{
  g_return_val_if_fail (segment != NULL, FALSE);

  if ((mode & ~0777u) != 0)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Cannot change the mode of \"%s\": mode %o has bits outside 0777",
                   segment->name, mode);
      return FALSE;
    }
  return segment->ops->set_mode (segment, mode, error);
}

/**
 * shmipc_segment_unlink:
 * @segment: a #ShmipcSegment
 * @error: return location for a #GError, or %NULL
 *
 * Removes the object @segment was opened on (shm_unlink() for POSIX,
 * IPC_RMID for SysV). The mapping stays valid until
 * shmipc_segment_free(); the name may then be reused.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.2
 */
gboolean
shmipc_segment_unlink (ShmipcSegment  *segment,
                       GError        **error)
{
  g_return_val_if_fail (segment != NULL, FALSE);
  return segment->ops->unlink (segment, error);
}

/* Runs a function on an unmapped handle to a name (stat and unlink by
 * name), with the backend opening would use. */
typedef struct {
  const gchar *canonical;
  gboolean (*func) (ShmipcSegment *, gpointer, GError **);
  gpointer user_data;
} Named;

static gboolean
named_with (const ShmipcBackendOps  *ops,
            gpointer                 data,
            GError                 **error)
{
  Named *named = data;
  ShmipcSegment *segment = segment_new (ops, g_strdup (named->canonical), SHMIPC_OPEN_READ_ONLY);
  gboolean ok = named->func (segment, named->user_data, error);

  shmipc_segment_free (segment);
  return ok;
}

static gboolean
with_named_handle (const gchar   *name,
                   ShmipcBackend  backend,
                   gboolean     (*func) (ShmipcSegment *, gpointer, GError **),
                   gpointer       user_data,
                   GError       **error)
{
  g_autofree gchar *canonical = shmipc_name_normalize (name, error);
  Named named = { canonical, func, user_data };

  if (canonical == NULL)
    return FALSE;
  return with_backend (backend, named_with, &named, error);
}

static gboolean
unlink_handle (ShmipcSegment *segment,
               gpointer       user_data,
               GError       **error)
{
  return segment->ops->unlink (segment, error);
}

static gboolean
stat_handle (ShmipcSegment *segment,
             gpointer       user_data,
             GError       **error)
{
  return shmipc_segment_stat (segment, user_data, error);
}

/**
 * shmipc_unlink:
 * @name: the object's name
 * @backend: the backend, as for shmipc_segment_open()
 * @error: return location for a #GError, or %NULL
 *
 * Removes a named object without mapping it.
 *
 * Returns: %TRUE on success; %SHMIPC_ERROR_NOT_FOUND when there is no
 * such object.
 *
 * Since: 0.2
 */
gboolean
shmipc_unlink (const gchar    *name,
               ShmipcBackend   backend,
               GError        **error)
{
  return with_named_handle (name, backend, unlink_handle, NULL, error);
}

/**
 * shmipc_stat:
 * @name: the object's name
 * @backend: the backend, as for shmipc_segment_open()
 * @stat_out: (out caller-allocates): where to store the metadata
 * @error: return location for a #GError, or %NULL
 *
 * Reads a named object's metadata without mapping it.
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.2
 */
gboolean
shmipc_stat (const gchar    *name,
             ShmipcBackend   backend,
             ShmipcStat     *stat_out,
             GError        **error)
{
  return with_named_handle (name, backend, stat_handle, stat_out, error);
}
