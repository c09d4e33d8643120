/* tool-limits.c - shmdump --limits: what bounds the shared memory that
 * can be created here, and what removes it behind the owner's back
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "tool-common.h"
#include "tool-json.h"
#include "tool-limits.h"

#define SHM_DIR "/dev/shm"
#define CONTAINER_SHM_BYTES (G_GUINT64_CONSTANT (64) * 1024 * 1024)
/* What prod --stream and cons --stream create by default. */
#define DEFAULT_CHANNEL_BYTES ((guint64) SHMIPC_CHANNEL_DEFAULT_CAPACITY + SHMIPC_CHANNEL_HEADER_SIZE)

/* systemd-logind's configuration: the file, then its drop-ins (see
 * systemd.unit(5) and logind.conf(5)): every *.conf of these folders,
 * sorted by file name, a name in an earlier folder hiding the same name
 * in a later one. */
#define LOGIND_CONF "/etc/systemd/logind.conf"
static const char *const logind_dropin_dirs[] = {
  "/etc/systemd/logind.conf.d",
  "/run/systemd/logind.conf.d",
  "/usr/local/lib/systemd/logind.conf.d",
  "/usr/lib/systemd/logind.conf.d",
  NULL
};
static const char *const logind_binaries[] = {
  "/usr/lib/systemd/systemd-logind",
  "/lib/systemd/systemd-logind",
  NULL
};

typedef struct {
  /* /dev/shm */
  gboolean shm_ok;
  gchar *shm_error;
  guint64 shm_size;
  guint64 shm_used;
  guint64 shm_free;
  /* SysV */
  gboolean sysv_ok;
  guint64 shmmax;
  guint64 shmall;        /* pages */
  guint64 shmmni;
  guint64 page_size;
  guint64 segments;
  guint64 segment_bytes;
  /* systemd-logind */
  gboolean logind;       /* installed */
  gboolean logind_running;
  gboolean remove_ipc;
  gchar *remove_ipc_source;   /* the file that set it, NULL: the default */
  /* RLIMIT_MEMLOCK, G_MAXUINT64 for unlimited */
  guint64 memlock_soft;
  guint64 memlock_hard;
} Limits;

static gboolean
read_u64_file (const char *path,
               guint64    *value_out)
{
  g_autofree gchar *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  g_strstrip (text);
  return g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, value_out, NULL);
}

/* The segments of the IPC namespace and their total size, from
 * /proc/sysvipc/shm (every segment is listed, whoever may read it). */
static gboolean
count_segments (guint64 *segments_out,
                guint64 *bytes_out)
{
  g_autofree gchar *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint i;

  *segments_out = 0;
  *bytes_out = 0;
  if (!g_file_get_contents ("/proc/sysvipc/shm", &text, NULL, NULL))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  /* The first line names the columns: key shmid perms size ... */
  for (i = 1; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      guint64 size;
      guint n = 0;
      guint j;

      for (j = 0; fields[j] != NULL; j++)
        {
          if (fields[j][0] == '\0')
            continue;
          if (n == 3 && g_ascii_string_to_unsigned (fields[j], 10, 0, G_MAXUINT64, &size, NULL))
            {
              (*segments_out)++;
              *bytes_out = G_MAXUINT64 - *bytes_out < size ? G_MAXUINT64 : *bytes_out + size;
            }
          n++;
        }
    }
  return TRUE;
}

/* Applies the RemoveIPC= assignments of @path's [Login] section, the last
 * one winning, as systemd reads a unit file. */
static void
read_logind_file (const char *path,
                  Limits     *limits)
{
  g_autofree gchar *text = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_login = FALSE;
  guint i;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    {
      gchar *line = g_strstrip (lines[i]);
      gchar *value;

      if (line[0] == '#' || line[0] == ';' || line[0] == '\0')
        continue;
      if (line[0] == '[')
        {
          in_login = strcmp (line, "[Login]") == 0;
          continue;
        }
      if (!in_login || !g_str_has_prefix (line, "RemoveIPC"))
        continue;
      value = line + strlen ("RemoveIPC");
      while (*value == ' ' || *value == '\t')
        value++;
      if (*value != '=')
        continue;
      value = g_strstrip (value + 1);
      /* systemd's boolean words */
      if (g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "true") == 0 ||
          g_ascii_strcasecmp (value, "on") == 0 || strcmp (value, "1") == 0)
        limits->remove_ipc = TRUE;
      else if (g_ascii_strcasecmp (value, "no") == 0 || g_ascii_strcasecmp (value, "false") == 0 ||
               g_ascii_strcasecmp (value, "off") == 0 || strcmp (value, "0") == 0)
        limits->remove_ipc = FALSE;
      else
        continue;   /* systemd ignores an invalid value too */
      g_free (limits->remove_ipc_source);
      limits->remove_ipc_source = g_strdup (path);
    }
}

/* Is a process named systemd-logind running? (comm is readable whoever
 * owns the process, unless /proc is mounted with hidepid.) */
static gboolean
logind_running (void)
{
  g_autoptr(GDir) proc = g_dir_open ("/proc", 0, NULL);
  const gchar *entry;

  while (proc != NULL && (entry = g_dir_read_name (proc)) != NULL)
    {
      g_autofree gchar *path = NULL;
      g_autofree gchar *comm = NULL;

      if (!g_ascii_isdigit (entry[0]))
        continue;
      path = g_build_filename ("/proc", entry, "comm", NULL);
      if (g_file_get_contents (path, &comm, NULL, NULL) &&
          strcmp (g_strchomp (comm), "systemd-logind") == 0)
        return TRUE;
    }
  return FALSE;
}

static gint
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const gchar *const *) a, *(const gchar *const *) b);
}

static void
read_logind (Limits *limits)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer name;
  guint i;

  limits->logind = FALSE;
  for (i = 0; logind_binaries[i] != NULL; i++)
    if (g_file_test (logind_binaries[i], G_FILE_TEST_IS_EXECUTABLE))
      limits->logind = TRUE;
  limits->logind_running = logind_running ();
  /* systemd's default */
  limits->remove_ipc = TRUE;
  limits->remove_ipc_source = NULL;
  read_logind_file (LOGIND_CONF, limits);
  for (i = 0; logind_dropin_dirs[i] != NULL; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (logind_dropin_dirs[i], 0, NULL);
      const gchar *file;

      while (dir != NULL && (file = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (file, ".conf") && !g_hash_table_contains (seen, file))
          g_hash_table_insert (seen, g_strdup (file),
                               g_build_filename (logind_dropin_dirs[i], file, NULL));
    }
  g_hash_table_iter_init (&iter, seen);
  while (g_hash_table_iter_next (&iter, &name, NULL))
    g_ptr_array_add (names, name);
  g_ptr_array_sort (names, compare_names);
  for (i = 0; i < names->len; i++)
    read_logind_file (g_hash_table_lookup (seen, g_ptr_array_index (names, i)), limits);
}

static void
limits_gather (Limits *limits)
{
  struct statvfs fs;
  struct rlimit rl;
  long page;

  memset (limits, 0, sizeof *limits);
  if (statvfs (SHM_DIR, &fs) == 0)
    {
      limits->shm_ok = TRUE;
      limits->shm_size = (guint64) fs.f_blocks * fs.f_frsize;
      limits->shm_used = (guint64) (fs.f_blocks - fs.f_bfree) * fs.f_frsize;
      limits->shm_free = (guint64) fs.f_bavail * fs.f_frsize;
    }
  else
    limits->shm_error = g_strdup (g_strerror (errno));

  page = sysconf (_SC_PAGESIZE);
  limits->page_size = page > 0 ? (guint64) page : 4096;
  limits->sysv_ok = read_u64_file ("/proc/sys/kernel/shmmax", &limits->shmmax) &&
                    read_u64_file ("/proc/sys/kernel/shmall", &limits->shmall) &&
                    read_u64_file ("/proc/sys/kernel/shmmni", &limits->shmmni) &&
                    count_segments (&limits->segments, &limits->segment_bytes);

  read_logind (limits);

  limits->memlock_soft = limits->memlock_hard = G_MAXUINT64;
  if (getrlimit (RLIMIT_MEMLOCK, &rl) == 0)
    {
      if (rl.rlim_cur != RLIM_INFINITY)
        limits->memlock_soft = (guint64) rl.rlim_cur;
      if (rl.rlim_max != RLIM_INFINITY)
        limits->memlock_hard = (guint64) rl.rlim_max;
    }
}

static void
limits_clear (Limits *limits)
{
  g_free (limits->shm_error);
  g_free (limits->remove_ipc_source);
}

/* "SIZE (N bytes)", or "N bytes" alone below 1 KiB. */
static gchar *
human_exact (guint64 bytes)
{
  g_autofree gchar *size = tool_format_size (bytes);

  if (bytes < 1024)
    return g_steal_pointer (&size);
  return g_strdup_printf ("%s (%" G_GUINT64_FORMAT " bytes)", size, bytes);
}

/* The warnings about /dev/shm, one sentence each. */
static GPtrArray *
shm_warnings (const Limits *limits)
{
  GPtrArray *warnings = g_ptr_array_new_with_free_func (g_free);

  if (!limits->shm_ok)
    return warnings;
  if (limits->shm_size == CONTAINER_SHM_BYTES)
    g_ptr_array_add (warnings, g_strdup ("64 MiB is the size a container gets by default "
                                         "(docker run --shm-size, podman run --shm-size)"));
  if (limits->shm_free < DEFAULT_CHANNEL_BYTES)
    {
      g_autofree gchar *need = tool_format_size (DEFAULT_CHANNEL_BYTES);

      g_ptr_array_add (warnings, g_strdup_printf ("too small for a default channel "
                                                  "(prod --stream needs %s)", need));
    }
  return warnings;
}

static gchar *
memlock_text (guint64 value)
{
  return value == G_MAXUINT64 ? g_strdup ("unlimited") : tool_format_size (value);
}

static void
limits_format (const Limits *limits,
               GString      *out)
{
  g_autoptr(GPtrArray) warnings = shm_warnings (limits);
  guint i;

  if (limits->shm_ok)
    {
      g_autofree gchar *size = human_exact (limits->shm_size);
      g_autofree gchar *used = tool_format_size (limits->shm_used);
      g_autofree gchar *avail = tool_format_size (limits->shm_free);

      g_string_append_printf (out, SHM_DIR ": %s, %s used, %s free\n", size, used, avail);
    }
  else
    g_string_append_printf (out, SHM_DIR ": cannot be read: %s\n", limits->shm_error);
  for (i = 0; i < warnings->len; i++)
    g_string_append_printf (out, "  warning: %s\n", (const gchar *) g_ptr_array_index (warnings, i));

  if (limits->sysv_ok)
    {
      g_autofree gchar *used = human_exact (limits->segment_bytes);

      g_string_append_printf (out, "SysV: shmmax %" G_GUINT64_FORMAT " bytes, shmall %" G_GUINT64_FORMAT
                              " pages of %" G_GUINT64_FORMAT " bytes, shmmni %" G_GUINT64_FORMAT
                              " segments\n", limits->shmmax, limits->shmall, limits->page_size,
                              limits->shmmni);
      g_string_append_printf (out, "  in use: %" G_GUINT64_FORMAT " segment%s, %s\n",
                              limits->segments, limits->segments == 1 ? "" : "s", used);
    }
  else
    g_string_append (out, "SysV: cannot be read (/proc/sys/kernel/shm*, /proc/sysvipc/shm)\n");

  g_string_append_printf (out, "systemd-logind RemoveIPC: %s (%s)",
                          limits->remove_ipc ? "yes" : "no",
                          limits->remove_ipc_source != NULL ? limits->remove_ipc_source :
                          "systemd's default");
  if (!limits->logind)
    g_string_append (out, ", not in effect: systemd-logind is not installed\n");
  else if (!limits->logind_running)
    g_string_append (out, ", not in effect: systemd-logind is not running\n");
  else if (limits->remove_ipc)
    g_string_append (out, ": the objects of a user other than root and the system users are "
                     "removed when the user's last session ends\n");
  else
    g_string_append_c (out, '\n');

  {
    g_autofree gchar *soft = memlock_text (limits->memlock_soft);
    g_autofree gchar *hard = memlock_text (limits->memlock_hard);

    g_string_append_printf (out, "memlock: %s (soft), %s (hard)\n", soft, hard);
  }
}

static void
member_limit (ToolJson    *json,
              const gchar *name,
              guint64      value)
{
  if (value == G_MAXUINT64)
    tool_json_member_null (json, name);
  else
    tool_json_member_uint (json, name, value);
}

static void
limits_to_json (const Limits *limits,
                GString      *out)
{
  g_autoptr(GPtrArray) warnings = shm_warnings (limits);
  ToolJson json = { out, TRUE, 0, TRUE };
  guint i;

  tool_json_open (&json, '{');

  tool_json_member (&json, "dev_shm");
  tool_json_open (&json, '{');
  tool_json_member_string (&json, "path", SHM_DIR);
  if (limits->shm_ok)
    {
      tool_json_member_uint (&json, "size", limits->shm_size);
      tool_json_member_uint (&json, "used", limits->shm_used);
      tool_json_member_uint (&json, "free", limits->shm_free);
    }
  else
    {
      tool_json_member_null (&json, "size");
      tool_json_member_null (&json, "used");
      tool_json_member_null (&json, "free");
    }
  tool_json_member (&json, "warnings");
  tool_json_open (&json, '[');
  for (i = 0; i < warnings->len; i++)
    {
      tool_json_next (&json);
      tool_json_string (&json, g_ptr_array_index (warnings, i));
    }
  tool_json_close (&json, ']');
  tool_json_close (&json, '}');

  tool_json_member (&json, "sysv");
  tool_json_open (&json, '{');
  if (limits->sysv_ok)
    {
      tool_json_member_uint (&json, "shmmax", limits->shmmax);
      tool_json_member_uint (&json, "shmall", limits->shmall);
      tool_json_member_uint (&json, "page_size", limits->page_size);
      tool_json_member_uint (&json, "shmmni", limits->shmmni);
      tool_json_member_uint (&json, "segments", limits->segments);
      tool_json_member_uint (&json, "bytes", limits->segment_bytes);
    }
  else
    {
      static const char *const keys[] = { "shmmax", "shmall", "page_size", "shmmni", "segments",
                                          "bytes" };

      for (i = 0; i < G_N_ELEMENTS (keys); i++)
        tool_json_member_null (&json, keys[i]);
    }
  tool_json_close (&json, '}');

  tool_json_member (&json, "remove_ipc");
  tool_json_open (&json, '{');
  tool_json_member_bool (&json, "value", limits->remove_ipc);
  tool_json_member_string (&json, "source", limits->remove_ipc_source);
  tool_json_member_string (&json, "logind", !limits->logind ? "not installed" :
                           limits->logind_running ? "running" : "not running");
  tool_json_member_bool (&json, "in_effect", limits->logind_running && limits->remove_ipc);
  tool_json_close (&json, '}');

  tool_json_member (&json, "memlock");
  tool_json_open (&json, '{');
  member_limit (&json, "soft", limits->memlock_soft);
  member_limit (&json, "hard", limits->memlock_hard);
  tool_json_close (&json, '}');

  tool_json_close (&json, '}');
  g_string_append_c (out, '\n');
}

void
tool_limits (gboolean  json,
             GString  *out)
{
  Limits limits;

  limits_gather (&limits);
  if (json)
    limits_to_json (&limits, out);
  else
    limits_format (&limits, out);
  limits_clear (&limits);
}
