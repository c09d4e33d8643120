/* shmipc-futex.c - waiting for a word in shared memory to change
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A futex on a 32-bit word of a shared mapping (not FUTEX_PRIVATE_FLAG:
 * the word is shared with other processes). Without futexes, a
 * millisecond poll.
 */
#include <errno.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

#if defined (HAVE_LINUX_FUTEX_H) && defined (HAVE_SYS_SYSCALL_H)
# include <linux/futex.h>
# include <sys/syscall.h>
# define SHMIPC_HAVE_FUTEX 1
#endif

#include "shmipc-private.h"

void
_shmipc_futex_wait (guint32 *word,
                    guint32  expected,
                    gint64   timeout_us)
{
  struct timespec ts;

#ifdef SHMIPC_HAVE_FUTEX
  ts.tv_sec = timeout_us / G_USEC_PER_SEC;
  ts.tv_nsec = (timeout_us % G_USEC_PER_SEC) * 1000;
  /* Not FUTEX_PRIVATE_FLAG: the word is shared with another process.
   * EAGAIN (the word changed), EINTR and ETIMEDOUT all send the caller
   * back to its checks, so the result is not needed. */
  syscall (SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0);
#else
  /* No futex: poll every millisecond. */
  (void) word;
  (void) expected;
  ts.tv_sec = 0;
  ts.tv_nsec = MIN (timeout_us, 1000) * 1000;
  nanosleep (&ts, NULL);
#endif
}

/* Async-signal-safe: shmipc_channel_abort() calls it. */
void
_shmipc_futex_wake (guint32 *word)
{
  /* The increment makes a sleeper that has not yet reached futex_wait()
   * return at once (its expected value is stale). */
  __atomic_fetch_add (word, 1, __ATOMIC_SEQ_CST);
#ifdef SHMIPC_HAVE_FUTEX
  syscall (SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#endif
}
