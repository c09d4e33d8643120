/* shmipc-guard.c - surviving SIGBUS on a mapping another process truncated
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The contract of guarded code is in shmipc-guard-private.h. Here: how the
 * guard works.
 *
 * _shmipc_guard_run() is the one sigsetjmp() of libshmipc. It links a
 * guard (the jump buffer and the range) into a per-thread list and calls
 * the guarded function. The SIGBUS handler (sigaction, SA_SIGINFO |
 * SA_NODEFER | SA_ONSTACK) looks for a guard of the faulting thread whose
 * range holds the fault's address (si_addr; only faults the kernel
 * reports, si_code > 0, carry one), unlinks it and every inner one, and
 * siglongjmp()s back into _shmipc_guard_run(), which returns FALSE.
 * sigsetjmp (env, 0) saves no signal mask (no system call): SA_NODEFER
 * leaves SIGBUS unblocked while the handler runs, so jumping out of it
 * leaves the mask as it was.
 *
 * Any other SIGBUS goes to the action that was in place before ours: its
 * handler is called, or the default action is restored and the signal
 * delivered again, so the process dies of SIGBUS as it would have. A
 * handler that chains back to ours (it recorded ours as its previous
 * action, and we recorded it after it replaced us) would make the two
 * call each other for ever: the second time the same signal reaches us
 * while we forward it, it gets the default action.
 *
 * Loading: the library may be dlopen()ed (Python, through GObject
 * Introspection), so the per-thread list uses the default TLS model, and
 * the library is linked with -z nodelete: a handler must never point into
 * an unloaded library. A thread's TLS block of the library is set up by
 * the first guard the thread runs. One case is left: in a process that
 * dlopen()ed libshmipc, a SIGBUS in a thread that never ran a guard makes
 * the handler read that thread's TLS first, which the C library may then
 * allocate inside the handler. A counter of active guards would avoid it,
 * at the price of two atomic operations on every guarded call (6 % of the
 * channel's round trip): not paid, for a signal that then kills the
 * process anyway unless another handler takes it.
 *
 * Another handler installed after ours: _shmipc_guard_install() puts ours
 * back (chaining to the newcomer) whenever a segment is opened.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "shmipc-guard-private.h"

typedef struct _Guard Guard;

struct _Guard {
  sigjmp_buf env;
  const guint8 *start;
  gsize length;
  Guard *prev;
  /* Set by the handler before it jumps: where the fault was. */
  gpointer fault_address;
};

/* The innermost active guard of this thread. */
static __thread Guard *current_guard;
/* The signal this thread is forwarding to the previous action, to see a
 * handler that chains back to ours. */
static __thread siginfo_t *forwarding;
static __thread gpointer forwarding_address;

/* The action in place before ours. Two slots: a new install writes one
 * while the handler may read the other, then publishes it. */
static struct sigaction previous_slots[2];
static struct sigaction *previous_action;
static gboolean installed;
G_LOCK_DEFINE_STATIC (install);

static void handle_sigbus (int sig, siginfo_t *info, void *context);

static gboolean
is_ours (const struct sigaction *action)
{
  return (action->sa_flags & SA_SIGINFO) && action->sa_sigaction == handle_sigbus;
}

/* Hands a SIGBUS that is not ours to whoever had it before us. */
static void
forward (int        sig,
         siginfo_t *info,
         void      *context)
{
  const struct sigaction *prev = __atomic_load_n (&previous_action, __ATOMIC_ACQUIRE);
  gboolean again = info != NULL && forwarding == info &&
                   forwarding_address == info->si_addr;

  if (prev != NULL && !again && !is_ours (prev))
    {
      if ((prev->sa_flags & SA_SIGINFO) && prev->sa_sigaction != NULL)
        {
          forwarding = info;
          forwarding_address = info != NULL ? info->si_addr : NULL;
          prev->sa_sigaction (sig, info, context);
          forwarding = NULL;
          return;
        }
      if (!(prev->sa_flags & SA_SIGINFO) &&
          prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN)
        {
          forwarding = info;
          forwarding_address = info != NULL ? info->si_addr : NULL;
          prev->sa_handler (sig);
          forwarding = NULL;
          return;
        }
    }

  /* The default action (ignoring a fault is not possible: SIG_IGN is
   * treated as SIG_DFL). Restore it: a fault from an instruction happens
   * again when the handler returns, and kills; a signal somebody sent is
   * sent again, and kills now (SA_NODEFER: it is not blocked here). */
  forwarding = NULL;
  signal (SIGBUS, SIG_DFL);
  if (info == NULL || info->si_code <= 0)
    raise (SIGBUS);
}

static void
handle_sigbus (int        sig,
               siginfo_t *info,
               void      *context)
{
  int saved_errno = errno;
  Guard *guard;

  /* Only faults the kernel reports carry an address (si_code > 0); a
   * SIGBUS sent by kill() or raise() is never one of ours. */
  if (info != NULL && info->si_code > 0)
    for (guard = current_guard; guard != NULL; guard = guard->prev)
      {
        const guint8 *addr = info->si_addr;

        if (addr >= guard->start && (gsize) (addr - guard->start) < guard->length)
          {
            guard->fault_address = info->si_addr;
            /* Leave this guard and every inner one: the jump unwinds
             * their frames. */
            current_guard = guard->prev;
            errno = saved_errno;
            siglongjmp (guard->env, 1);
          }
      }
  errno = saved_errno;
  forward (sig, info, context);
}

void
_shmipc_guard_install (void)
{
  struct sigaction current;
  struct sigaction action;
  struct sigaction *slot;

  G_LOCK (install);
  if (sigaction (SIGBUS, NULL, &current) == 0 && is_ours (&current))
    {
      installed = TRUE;
      G_UNLOCK (install);
      return;
    }
  memset (&action, 0, sizeof action);
  action.sa_sigaction = handle_sigbus;
  /* SA_NODEFER: jumping out of the handler leaves SIGBUS unblocked
   * without sigsetjmp having to save the signal mask (a system call). */
  action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset (&action.sa_mask);
  slot = previous_action == &previous_slots[0] ? &previous_slots[1] : &previous_slots[0];
  if (sigaction (SIGBUS, &action, slot) == 0)
    {
      __atomic_store_n (&previous_action, slot, __ATOMIC_RELEASE);
      installed = TRUE;
    }
  else
    g_warning ("Cannot install a SIGBUS handler (%s): a truncated object will "
               "kill the process", g_strerror (errno));
  G_UNLOCK (install);
}

gboolean
_shmipc_guard_run (gconstpointer       start,
                   gsize               length,
                   ShmipcGuardedFunc   func,
                   gpointer            data,
                   gpointer           *fault_out)
{
  /* One look-up of this thread's variable (a call in a shared library),
   * for both stores. */
  Guard **current = &current_guard;
  Guard guard;

  if (G_UNLIKELY (!__atomic_load_n (&installed, __ATOMIC_ACQUIRE)))
    _shmipc_guard_install ();

  guard.start = start;
  guard.length = start != NULL ? length : 0;
  guard.fault_address = NULL;
  guard.prev = *current;
  if (sigsetjmp (guard.env, 0) != 0)
    {
      /* The handler has unlinked the guard. */
      if (fault_out != NULL)
        *fault_out = guard.fault_address;
      return FALSE;
    }
  /* The handler runs in this thread: only the compiler must not reorder. */
  __atomic_signal_fence (__ATOMIC_SEQ_CST);
  *current = &guard;
  __atomic_signal_fence (__ATOMIC_SEQ_CST);

  func (data);

  __atomic_signal_fence (__ATOMIC_SEQ_CST);
  *current = guard.prev;
  __atomic_signal_fence (__ATOMIC_SEQ_CST);
  return TRUE;
}
