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
#include <stdio.h>
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

/* The CPU bandwidth quota of @dir's cgroup, in CPUs, or 0 for none:
 * cgroup v2's cpu.max ("QUOTA PERIOD" or "max PERIOD"), else cgroup v1's
 * cpu.cfs_quota_us and cpu.cfs_period_us. */
static gdouble
cgroup_quota (const gchar *dir)
{
  g_autofree gchar *max_path = g_build_filename (dir, "cpu.max", NULL);
  g_autofree gchar *quota_path = g_build_filename (dir, "cpu.cfs_quota_us", NULL);
  g_autofree gchar *period_path = g_build_filename (dir, "cpu.cfs_period_us", NULL);
  g_autofree gchar *text = NULL;
  g_autofree gchar *period_text = NULL;
  gdouble quota;
  gdouble period;

  if (g_file_get_contents (max_path, &text, NULL, NULL))
    {
      if (g_str_has_prefix (text, "max") ||
          sscanf (text, "%lf %lf", &quota, &period) != 2 || quota <= 0 || period <= 0)
        return 0;
      return quota / period;
    }
  if (g_file_get_contents (quota_path, &text, NULL, NULL) &&
      g_file_get_contents (period_path, &period_text, NULL, NULL))
    {
      quota = g_ascii_strtod (text, NULL);
      period = g_ascii_strtod (period_text, NULL);
      if (quota > 0 && period > 0)
        return quota / period;
    }
  return 0;
}

/* The smallest CPU quota on the way from this process's cgroup up to the
 * root of the hierarchy it sees, in CPUs; 0 when none is set or it
 * cannot be read. */
gdouble
_shmipc_process_cpu_quota (void)
{
  g_autofree gchar *cgroups = NULL;
  g_auto(GStrv) lines = NULL;
  gdouble smallest = 0;
  guint i;

  if (!g_file_get_contents ("/proc/self/cgroup", &cgroups, NULL, NULL))
    return 0;
  lines = g_strsplit (cgroups, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      /* "0::/path" (v2), or "N:cpu,cpuacct:/path" (v1). */
      g_auto(GStrv) fields = g_strsplit (lines[i], ":", 3);
      g_autofree gchar *root = NULL;
      g_autofree gchar *dir = NULL;

      if (g_strv_length (fields) != 3 || fields[2][0] != '/')
        continue;
      if (fields[1][0] == '\0')
        root = g_strdup ("/sys/fs/cgroup");
      else
        {
          g_auto(GStrv) controllers = g_strsplit (fields[1], ",", -1);

          if (!g_strv_contains ((const gchar * const *) controllers, "cpu"))
            continue;
          root = g_build_filename ("/sys/fs/cgroup", fields[1], NULL);
        }
      dir = g_build_filename (root, fields[2], NULL);
      for (;;)
        {
          gdouble quota = cgroup_quota (dir);
          gchar *parent;

          if (quota > 0 && (smallest == 0 || quota < smallest))
            smallest = quota;
          if (strlen (dir) <= strlen (root))
            break;
          parent = g_path_get_dirname (dir);
          g_free (dir);
          dir = parent;
        }
    }
  return smallest;
}
