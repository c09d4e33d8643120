/* shmipc-process.c - whether a process runs, from /proc
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A pid alone does not name a process for long: pids are reused. The
 * channel records each end's pid with its start time (field 22 of
 * /proc/PID/stat) and compares both; the message layer asks only whether
 * a SysV segment's creator still runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "shmipc-private.h"

int
_shmipc_process_start_time (pid_t    pid,
                            guint64 *start_out)
{
#ifdef __linux__
  char path[64];
  char buf[1024];
  const char *p;
  ssize_t n;
  int field;
  int fd;

  g_snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return (errno == ENOENT || errno == ESRCH) ? 1 : -1;
  do
    n = read (fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  close (fd);
  if (n <= 0)
    return (n == 0 || errno == ESRCH) ? 1 : -1;
  buf[n] = '\0';

  /* The command name (field 2) may hold spaces and parentheses: fields
   * are counted from the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  p += 2;
  /* Field 3, the state: a zombie or dead task is gone for our purpose,
   * it will never touch the ring again. */
  if (*p == 'Z' || *p == 'X' || *p == 'x')
    return 1;
  for (field = 3; field < 22; field++)
    {
      p = strchr (p, ' ');
      if (p == NULL)
        return -1;
      p++;
    }
  *start_out = g_ascii_strtoull (p, NULL, 10);
  return 0;
#else
  if (kill (pid, 0) == 0 || errno == EPERM)
    {
      *start_out = 0;
      return 0;
    }
  return errno == ESRCH ? 1 : -1;
#endif
}

gboolean
_shmipc_process_alive (gint32 pid)
{
  guint64 start;

  if (pid <= 0)
    return FALSE;
  switch (_shmipc_process_start_time (pid, &start))
    {
    case 1:
      return FALSE;
    case 0:
      return TRUE;
    default:
      /* /proc hidden from us (hidepid): at least ask the kernel. */
      return !(kill (pid, 0) != 0 && errno == ESRCH);
    }
}

guint64
_shmipc_owner_word (pid_t   pid,
                    guint64 start)
{
  return ((start & 0xffffffffu) << 32) | ((guint64) pid & 0x3fffffff);
}

/* TRUE when the process named by @owner still runs. */
gboolean
_shmipc_owner_alive (guint64 owner)
{
  gint32 pid = OWNER_PID (owner);
  guint64 start = 0;

  if (pid <= 0)
    return FALSE;
  if (_shmipc_process_start_time (pid, &start) == 0)
    return (start & 0xffffffffu) == (owner >> 32);
  /* Gone, or /proc hidden from us (hidepid): the kernel's word then. */
  return _shmipc_process_alive (pid);
}
