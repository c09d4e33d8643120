/* shmipc-private.h - internal declarations of libshmipc (not installed)
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_PRIVATE_H
#define SHMIPC_PRIVATE_H

#ifndef SHMIPC_COMPILATION
#error "shmipc-private.h is internal to libshmipc."
#endif

#include <stdarg.h>
#include <sys/types.h>

#include "shmipc.h"

G_BEGIN_DECLS

/* Sets @error from a failed system call: the code from
 * shmipc_error_from_errno(), the message "<what>: <strerror>", and the errno
 * kept for shmipc_error_get_errno(). */
G_GNUC_INTERNAL
void _shmipc_set_error_errno (GError    **error,
                              int         saved_errno,
                              const char *format,
                              ...) G_GNUC_PRINTF (3, 4);

/* Processes (shmipc-process.c). 1: @pid is gone (or a zombie), 0: it
 * runs and started at *start_out (clock ticks after boot, as in
 * /proc/PID/stat), -1: cannot tell. */
G_GNUC_INTERNAL
int      _shmipc_process_start_time (pid_t     pid,
                                     guint64  *start_out);
/* TRUE when @pid runs (a zombie does not); TRUE as well when /proc cannot
 * tell and kill(@pid, 0) does not say it is gone. */
G_GNUC_INTERNAL
gboolean _shmipc_process_alive      (gint32    pid);
/* The smallest CPU bandwidth quota of this process's cgroups, in CPUs
 * (cgroup v2 cpu.max, v1 cpu.cfs_quota_us); 0 when there is none. */
G_GNUC_INTERNAL
gdouble  _shmipc_process_cpu_quota  (void);

/* An owner word names a process for as long as it runs: its pid in the
 * low 30 bits (Linux caps pids at 2^22), the low 32 bits of its start
 * time above (a recycled pid is not taken for the process it names).
 * Bits 30 and 31 are left to the channel's slots as flags. */
#define OWNER_PID(owner) ((gint32) ((owner) & 0x3fffffff))
G_GNUC_INTERNAL
guint64 _shmipc_owner_word (pid_t pid, guint64 start);
G_GNUC_INTERNAL
gboolean _shmipc_owner_alive (guint64 owner);

/* Futex waits on a word of a shared mapping (shmipc-futex.c). Waits until
 * *@word is no longer @expected, it is woken, or @timeout_us pass (or
 * returns at once; callers check their condition again in every case). */
G_GNUC_INTERNAL
void _shmipc_futex_wait (guint32 *word, guint32 expected, gint64 timeout_us);
/* Bumps *@word and wakes every waiter. Async-signal-safe. */
G_GNUC_INTERNAL
void _shmipc_futex_wake (guint32 *word);

/* Whether a message object was published (shmipc-message.c). */
typedef enum {
  _SHMIPC_MESSAGE_PUBLISHED,
  _SHMIPC_MESSAGE_WRITING,    /* not yet: its writer still runs */
  _SHMIPC_MESSAGE_ABANDONED,  /* never: its writer is gone */
} ShmipcMessageState;

/* The state of the object whose metadata is @st (from shmipc_stat() or
 * shmipc_segment_stat(), device and inode included for POSIX), and the
 * pid of its writer where known (0 otherwise). @name (POSIX; may be
 * NULL) lets it look at the object again after the lock table, so that
 * a writer publishing meanwhile is not taken for a dead one. */
G_GNUC_INTERNAL
ShmipcMessageState _shmipc_message_state (const ShmipcStat *st,
                                          const gchar      *name,
                                          gint32           *writer_pid);

G_END_DECLS

#endif /* SHMIPC_PRIVATE_H */
