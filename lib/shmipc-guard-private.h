/* shmipc-guard-private.h - surviving SIGBUS on a mapping another process
 * truncated (internal to libshmipc)
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A POSIX object is a tmpfs file: another process may ftruncate() it
 * while we have it mapped, and any access to a page past its new end then
 * raises SIGBUS (SysV segments cannot shrink). libshmipc reads and writes
 * mappings in a few places only, and each of them runs under a guard:
 *
 *   ShmipcGuard guard;
 *
 *   if (sigsetjmp (guard.env, 0) != 0)
 *     return fail (...);                 // a fault in the region: report it
 *   _shmipc_guard_push (&guard, start, length);
 *   ... loads and stores in [start, start + length) ...
 *   _shmipc_guard_pop (&guard);
 *
 * The first push installs, once for the process, a SIGBUS handler
 * (sigaction, SA_SIGINFO | SA_NODEFER | SA_ONSTACK, the previous action
 * kept). When the kernel reports a fault (si_code > 0) whose address
 * (si_addr) lies in the region of a guard active in the faulting thread,
 * the handler unlinks that guard (and any inner one) and siglongjmp()s to
 * its sigsetjmp(). Any other SIGBUS (another address, no guard, or one
 * sent with kill()/raise()) goes to the previous action: a handler is
 * called as it would have been, the default action is restored and the
 * signal delivered again, so the process dies of SIGBUS as it did before
 * libshmipc was loaded.
 *
 * Cost: sigsetjmp (env, 0) saves registers without a system call (the
 * signal mask is not saved: SA_NODEFER leaves SIGBUS unblocked while the
 * handler runs, so jumping out of it leaves the mask as it was), and a
 * push and a pop are two stores to a thread-local pointer. Guards are
 * taken once per API call or per large chunk, never per byte.
 *
 * Rules for a guarded block: it must not take locks, allocate, or call
 * anything that keeps state a jump would leave half-updated (memcpy,
 * memset and atomic loads and stores are fine); locals changed inside the
 * block and read after a fault must be volatile. After a fault, the
 * segment is marked broken (_shmipc_segment_fault()) and every later
 * guarded call on it fails with the same error.
 */
#ifndef SHMIPC_GUARD_PRIVATE_H
#define SHMIPC_GUARD_PRIVATE_H

#include <setjmp.h>

#include "shmipc-private.h"

G_BEGIN_DECLS

typedef struct _ShmipcGuard ShmipcGuard;

struct _ShmipcGuard {
  sigjmp_buf env;
  const guint8 *start;
  gsize length;
  ShmipcGuard *prev;
  /* Set by the handler before it jumps: where the fault was. */
  gpointer fault_address;
};

/* Registers [@start, @start + @length) for the calling thread; sigsetjmp
 * (guard->env, 0) must have been called first, in a frame that outlives
 * the guarded block. */
G_GNUC_INTERNAL
void _shmipc_guard_push (ShmipcGuard   *guard,
                         gconstpointer  start,
                         gsize          length);
/* Ends the guard (it must be the innermost one). Not needed after a
 * fault: the handler has already removed it. */
G_GNUC_INTERNAL
void _shmipc_guard_pop  (ShmipcGuard   *guard);

G_END_DECLS

#endif /* SHMIPC_GUARD_PRIVATE_H */
