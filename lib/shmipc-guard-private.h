/* shmipc-guard-private.h - surviving SIGBUS on a mapping another process
 * truncated (internal to libshmipc)
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A POSIX object is a tmpfs file: another process may ftruncate() it
 * while we have it mapped, and any access to a page past its new end then
 * raises SIGBUS (SysV segments cannot shrink). Every load and store of a
 * mapping in libshmipc runs inside _shmipc_guard_run(), usually through
 * _shmipc_segment_guarded() (shmipc-backend-private.h), which also marks
 * the segment broken after a fault. The commands never touch a mapping
 * themselves: they copy bytes out with shmipc_segment_copy_out().
 *
 * The contract of a guarded function, the one rule: it may be abandoned
 * at any load or store of the guarded range, so it must not hold anything
 * across such an access that abandoning it would lose or leave
 * half-changed: no lock, no allocation, no open descriptor, no update of
 * memory outside the mapping that the caller relies on after a failure.
 * Between two accesses it may do anything: allocate a GError that it
 * leaves in the caller's error location (a fault replaces it), read
 * /proc, make system calls on the mapping (futex, read(2), write(2)),
 * which report a truncated page as EFAULT instead of raising SIGBUS.
 */
#ifndef SHMIPC_GUARD_PRIVATE_H
#define SHMIPC_GUARD_PRIVATE_H

#include "shmipc-private.h"

G_BEGIN_DECLS

typedef void (*ShmipcGuardedFunc) (gpointer data);

/* Runs @func (@data) with [@start, @start + @length) guarded in the
 * calling thread. Returns TRUE when @func returned; FALSE when an access
 * to the range faulted, with *@fault_out (may be NULL) set to the faulting
 * address: @func was abandoned there. Guards nest. Async-signal-safe once
 * _shmipc_guard_install() has run (shmipc_channel_abort() uses it from
 * signal handlers).
 *
 * A SIGBUS that is not a fault in the range of an active guard of the
 * faulting thread (another address, or a signal sent by kill() or
 * raise()) goes to the action that was installed before libshmipc's: a
 * handler is called as it would have been; the default action kills the
 * process as it would have without libshmipc. */
G_GNUC_INTERNAL
gboolean _shmipc_guard_run     (gconstpointer       start,
                                gsize               length,
                                ShmipcGuardedFunc   func,
                                gpointer            data,
                                gpointer           *fault_out);

/* Installs libshmipc's SIGBUS handler unless it is the one in place: the
 * first time, and again whenever another handler replaced it since (that
 * one then gets the signals that are not libshmipc's). Called whenever a
 * segment is opened. */
G_GNUC_INTERNAL
void     _shmipc_guard_install (void);

G_END_DECLS

#endif /* SHMIPC_GUARD_PRIVATE_H */
