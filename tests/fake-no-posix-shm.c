/* fake-no-posix-shm.c - an LD_PRELOAD module for tests/fallback.sh
 *
 * Makes shm_open() and shm_unlink() fail with ENOSYS, as they do on a
 * system without POSIX shared memory, so that the auto backend's real
 * fallback path (a failing shm_open() call inside libshmipc) runs.
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/types.h>

int
shm_open (const char *name,
          int         oflag,
          mode_t      mode)
{
  errno = ENOSYS;
  return -1;
}

int
shm_unlink (const char *name)
{
  errno = ENOSYS;
  return -1;
}
