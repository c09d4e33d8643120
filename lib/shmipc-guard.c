/* shmipc-guard.c - surviving SIGBUS on a mapping another process truncated
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * See shmipc-guard-private.h for how guards are used.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "shmipc-guard-private.h"

/* The innermost active guard of this thread. initial-exec: the handler
 * reads it, and this model needs no allocation or lock to get at it (the
 * library is linked, not dlopen()ed, by anything that maps objects). */
static __thread ShmipcGuard *current_guard __attribute__ ((tls_model ("initial-exec")));

static struct sigaction previous_action;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

/* Hands a SIGBUS that is not ours to whoever had it before us. */
static void
forward (int        sig,
         siginfo_t *info,
         void      *context)
{
  if (previous_action.sa_flags & SA_SIGINFO)
    {
      if (previous_action.sa_sigaction != NULL)
        {
          previous_action.sa_sigaction (sig, info, context);
          return;
        }
    }
  else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN)
    {
      previous_action.sa_handler (sig);
      return;
    }

  /* The default action (ignoring a fault is not possible: SIG_IGN is
   * treated as SIG_DFL). Restore it: a fault from an instruction happens
   * again when the handler returns, and kills; a signal somebody sent is
   * sent again, and kills now (SA_NODEFER: it is not blocked here). */
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
  ShmipcGuard *guard;

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

static void
install (void)
{
  struct sigaction action;

  memset (&action, 0, sizeof action);
  action.sa_sigaction = handle_sigbus;
  /* SA_NODEFER: jumping out of the handler leaves SIGBUS unblocked
   * without sigsetjmp having to save the signal mask (a system call). */
  action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset (&action.sa_mask);
  if (sigaction (SIGBUS, &action, &previous_action) != 0)
    g_warning ("Cannot install a SIGBUS handler (%s): a truncated object will "
               "kill the process", g_strerror (errno));
}

void
_shmipc_guard_push (ShmipcGuard   *guard,
                    gconstpointer  start,
                    gsize          length)
{
  pthread_once (&install_once, install);
  guard->start = start;
  guard->length = start != NULL ? length : 0;
  guard->fault_address = NULL;
  guard->prev = current_guard;
  /* The handler runs in this thread: only the compiler must not reorder. */
  __atomic_signal_fence (__ATOMIC_SEQ_CST);
  current_guard = guard;
  __atomic_signal_fence (__ATOMIC_SEQ_CST);
}

void
_shmipc_guard_pop (ShmipcGuard *guard)
{
  __atomic_signal_fence (__ATOMIC_SEQ_CST);
  if (current_guard == guard)
    current_guard = guard->prev;
  __atomic_signal_fence (__ATOMIC_SEQ_CST);
}
