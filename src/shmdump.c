/* shmdump.c - show the bytes and the metadata of shared-memory objects
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool-common.h"
#include "tool-limits.h"
#include "tool-list.h"
#include "tool-reap.h"
#include "tool-watch.h"

/* Input is formatted in chunks of this size; the output of one chunk
 * (about five times as much) is written with one write(2). */
#define CHUNK_BYTES (256 * 1024)
#define FLUSH_BYTES (1024 * 1024)
/* The bytes are copied out of the mapping (under a guard, see dump())
 * in pieces small enough to stay in the L1 cache until they are
 * formatted: bigger copies cost over 10 % of the dump's time. */
#define COPY_BYTES (16 * 1024)
/* What we ask of a stdout pipe: the default 64 KiB makes a fast dumper
 * wait on the reader. */
#define PIPE_BYTES (1024 * 1024)

static gboolean opt_canonical;
static gboolean opt_no_squeezing;
static gchar *opt_skip;
static gchar *opt_length;
static gchar *opt_format;
static gboolean opt_list;
static gboolean opt_json;
static gboolean opt_info;
static gboolean opt_limits;
static gboolean opt_reap;
static gboolean opt_dry_run;
static gboolean opt_watch;
static gchar *opt_interval;
static gchar *opt_count;
static gchar **opt_keys;
static gchar *opt_backend;
static gboolean opt_version;
static gchar **opt_names;

static const GOptionEntry entries[] = {
  { "canonical", 'C', 0, G_OPTION_ARG_NONE, &opt_canonical,
    "Canonical hex+ASCII display, as hexdump -C (the default)", NULL },
  { "no-squeezing", 'v', 0, G_OPTION_ARG_NONE, &opt_no_squeezing,
    "Show every line: do not replace repeated lines with \"*\"", NULL },
  { "skip", 's', 0, G_OPTION_ARG_STRING, &opt_skip,
    "Skip OFFSET bytes from the beginning (suffixes K, M, G allowed)", "OFFSET" },
  { "length", 'n', 0, G_OPTION_ARG_STRING, &opt_length,
    "Dump only LENGTH bytes (suffixes K, M, G allowed)", "LENGTH" },
  { "format", 'f', 0, G_OPTION_ARG_STRING, &opt_format,
    "Output format: canonical (hexdump -C), xxd (plain xxd), seed (the "
    "classroom display of the first 64 bytes) or raw (the bytes themselves)", "FORMAT" },
  { "list", 'l', 0, G_OPTION_ARG_NONE, &opt_list,
    "List every POSIX object and SysV segment visible to you", NULL },
  { "info", 'i', 0, G_OPTION_ARG_NONE, &opt_info,
    "Show the metadata of the objects named instead of their bytes", NULL },
  { "limits", 0, 0, G_OPTION_ARG_NONE, &opt_limits,
    "Show what limits the shared memory that can be created here: /dev/shm's size and room, "
    "the SysV limits and use, systemd-logind's RemoveIPC, the memlock limit", NULL },
  { "reap", 0, 0, G_OPTION_ARG_NONE, &opt_reap,
    "Remove the objects that are provably dead: stale channels and abandoned unpublished "
    "messages (yours; anyone's as root); one line per object", NULL },
  { "dry-run", 0, 0, G_OPTION_ARG_NONE, &opt_dry_run,
    "With --reap: only say what would be removed", NULL },
  { "watch", 0, 0, G_OPTION_ARG_NONE, &opt_watch,
    "Watch one object live: a channel's fill, rates, readers and pids; the dump lines that "
    "change in any other object; redrawn on a terminal (q quits), plain lines otherwise",
    NULL },
  { "interval", 0, 0, G_OPTION_ARG_STRING, &opt_interval,
    "With --watch: look every SECONDS (default: 1)", "SECONDS" },
  { "count", 0, 0, G_OPTION_ARG_STRING, &opt_count,
    "With --watch: end after N looks (default: until q, a signal, or the object is gone)", "N" },
  { "json", 'j', 0, G_OPTION_ARG_NONE, &opt_json,
    "With --list, --info, --limits or --reap: print JSON", NULL },
  { "key", 'k', 0, G_OPTION_ARG_STRING_ARRAY, &opt_keys,
    "The SysV segment with key KEY (decimal, 0x-hex, or negative as in /proc/sysvipc/shm), e.g. from ipcmk -M; "
    "may be repeated", "KEY" },
  { "backend", 'b', 0, G_OPTION_ARG_STRING, &opt_backend,
    "Look NAMEs up with posix, sysv or auto (default: $SHMIPC_BACKEND, else auto)", "BACKEND" },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
    "Print the version and exit", NULL },
  { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opt_names, NULL, "[NAME...]" },
  { NULL }
};

static const char description[] =
  "Dump the bytes of shared-memory objects read-only, byte for byte as\n"
  "\"hexdump -C\" (or \"xxd\") shows the same bytes, or list and describe\n"
  "the objects of the system.\n"
  "\n"
  "Several objects (NAMEs first, then --key segments) are dumped as one\n"
  "stream, as hexdump dumps several files: offsets, --skip and --length\n"
  "run across them.\n"
  "\n"
  "--list prints one object a line: TYPE (posix or sysv), NAME/KEY, ID\n"
  "(SysV shmid), SIZE, MODE, OWNER, ATTACHED (processes using it), FORMAT\n"
  "and MODIFIED. FORMAT is \"raw\", \"unknown\" (bytes you may not read)\n"
  "or \"channel\" (a libshmipc stream, as prod --stream makes). A channel\n"
  "whose producer and readers have all gone, and that holds no finished\n"
  "stream still to be read, is shown as \"channel (stale)\": no process\n"
  "will use it again, and it can be removed.\n"
  "--info decodes a channel's header: capacity, fill level, read and write\n"
  "positions, state (open, end-of-stream, aborted), the producer's pid,\n"
  "the policy (wait or drop), and each reader: slot, pid, whether it still\n"
  "runs, state, position and lag. In JSON, a channel has \"format\":\n"
  "\"channel\", \"stale\": true or false, \"policy\", \"max_readers\",\n"
  "\"readers\", and its header under \"details\".\n"
  "--limits shows /dev/shm's size, use and free room (with a warning when\n"
  "it is a container's 64 MiB default or has no room for a default\n"
  "channel), the SysV limits shmmax, shmall and shmmni and the segments in\n"
  "use, whether systemd-logind's RemoveIPC removes a user's objects when\n"
  "the user's last session ends (from logind.conf and its drop-ins), and\n"
  "this process's memlock limit.\n"
  "--reap removes exactly the objects no process will use again: stale\n"
  "channels (producer and readers dead, judged by pid and start time) and\n"
  "unpublished messages whose writer died; never a published object or a\n"
  "live channel, and another user's object only when run by root. Each is\n"
  "judged again as it is removed; --dry-run only says what would go.\n"
  "--watch NAME looks every --interval: a channel's state, fill, bytes per\n"
  "second in and out, producer and readers (lag, rate, pid); the dump\n"
  "lines that changed in any other object. It is redrawn on a terminal (q\n"
  "quits), plain lines otherwise; it ends after --count looks or when the\n"
  "object goes away.\n"
  "\n"
  "Examples:\n"
  "  shmdump /shm-example               canonical dump, as hexdump -C\n"
  "  shmdump -s 4K -n 64 /shm-example   64 bytes from offset 4096\n"
  "  shmdump --format=xxd /shm-example  as xxd\n"
  "  shmdump --key 0x1234abcd           a SysV segment made by ipcmk -M\n"
  "  shmdump --list --json              every object, as JSON\n"
  "  shmdump --info /shm-example        metadata of one object\n"
  "  shmdump --list | grep stale        channels nobody uses any more\n"
  "  shmdump --limits                   why an object cannot be created\n"
  "  shmdump --reap --dry-run           what is dead and would be removed\n"
  "  shmdump --watch /stream            a channel live: fill, rates, readers\n"
  "\n"
  "Exit status: 0 on success, 1 when an object cannot be read,\n"
  "2 on a usage error.";

typedef struct {
  gboolean is_key;
  const gchar *name;
  gint32 key;
} Target;

/* Writes all of @buf to stdout. */
static gboolean
write_all (const gchar  *buf,
           gsize         len,
           GError      **error)
{
  while (len > 0)
    {
      ssize_t n = write (STDOUT_FILENO, buf, len);

      if (n < 0)
        {
          int err = errno;

          if (err == EINTR)
            continue;
          g_set_error (error, SHMIPC_ERROR, shmipc_error_from_errno (err),
                       "write to standard output failed: %s", g_strerror (err));
          return FALSE;
        }
      buf += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static gboolean
flush (GString  *out,
       GError  **error)
{
  gboolean ok = write_all (out->str, out->len, error);

  g_string_truncate (out, 0);
  return ok;
}

static void
enlarge_stdout_pipe (void)
{
#ifdef F_SETPIPE_SZ
  struct stat st;

  /* Best effort: a reader that cannot keep up only costs speed. */
  if (fstat (STDOUT_FILENO, &st) == 0 && S_ISFIFO (st.st_mode))
    (void) fcntl (STDOUT_FILENO, F_SETPIPE_SZ, PIPE_BYTES);
#endif
}

static ShmipcSegment *
open_target (const Target   *target,
             ShmipcBackend   backend,
             GError        **error)
{
  if (target->is_key)
    return shmipc_segment_open_key (target->key, SHMIPC_OPEN_READ_ONLY, 0,
                                    SHMIPC_DEFAULT_MODE, error);
  return shmipc_segment_open (target->name, SHMIPC_OPEN_READ_ONLY, 0,
                              SHMIPC_DEFAULT_MODE, backend, error);
}

/* Dumps the targets as one stream. Returns the exit status. */
static int
dump (GPtrArray        *targets,
      ShmipcBackend     backend,
      ShmipcDumpFormat  format,
      ShmipcDumpFlags   flags,
      guint64           skip,
      guint64           length)
{
  g_autoptr(ShmipcDumper) dumper = shmipc_dumper_new (format, flags, skip, length);
  g_autoptr(GString) out = g_string_sized_new (FLUSH_BYTES + SHMIPC_DUMP_MAX_OUTPUT (CHUNK_BYTES));
  g_autofree guint8 *chunk = g_malloc (COPY_BYTES);
  gboolean more = TRUE;
  int status = TOOL_EXIT_SUCCESS;
  guint i;

  enlarge_stdout_pipe ();
  for (i = 0; i < targets->len && more; i++)
    {
      g_autoptr(ShmipcSegment) segment = NULL;
      g_autoptr(GError) error = NULL;
      gsize size;
      gsize done;

      segment = open_target (targets->pdata[i], backend, &error);
      if (segment == NULL)
        {
          /* Like hexdump with a missing file: say so, dump the others. */
          tool_message ("%s", error->message);
          status = TOOL_EXIT_FAILURE;
          continue;
        }
      size = shmipc_segment_get_size (segment);
      /* Each chunk is copied out of the mapping before it is formatted:
       * another process may truncate the object meanwhile, and the copy
       * then fails instead of dying of SIGBUS (the bytes formatted are
       * also the bytes that were read, even if they change). One guarded
       * memcpy of COPY_BYTES costs little next to the formatting. */
      for (done = 0; done < size && more; done += MIN (size - done, COPY_BYTES))
        {
          gsize n = MIN (size - done, COPY_BYTES);

          /* A chunk wholly skipped is not copied: the dumper only counts
           * it and never reads the buffer. */
          if (shmipc_dumper_get_offset (dumper) + n <= skip)
            {
              more = shmipc_dumper_feed (dumper, chunk, n, out);
              continue;
            }
          if (!shmipc_segment_copy_out (segment, done, chunk, n, &error))
            {
              /* Like hexdump with a read error: say so, go on with the
               * other objects. */
              tool_message ("%s", error->message);
              status = TOOL_EXIT_FAILURE;
              break;
            }
          more = shmipc_dumper_feed (dumper, chunk, n, out);
          if (out->len >= FLUSH_BYTES && !flush (out, &error))
            tool_fail (g_steal_pointer (&error));
        }
    }
  shmipc_dumper_finish (dumper, out);
  {
    GError *error = NULL;

    if (!flush (out, &error))
      tool_fail (error);
  }
  return status;
}

static int
list (gboolean json)
{
  g_autoptr(GPtrArray) objects = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  GError *error = NULL;

  objects = shmipc_list_objects (&error);
  if (objects == NULL)
    tool_fail (error);
  if (json)
    {
      tool_list_to_json (objects, TRUE, out);
      g_string_append_c (out, '\n');
    }
  else
    tool_list_format (objects, out);
  if (!write_all (out->str, out->len, &error))
    tool_fail (error);
  return TOOL_EXIT_SUCCESS;
}

static int
info (GPtrArray     *targets,
      ShmipcBackend  backend,
      gboolean       json)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) shmipc_object_info_free);
  g_autoptr(GString) out = g_string_new (NULL);
  GError *error = NULL;
  int status = TOOL_EXIT_SUCCESS;
  guint i;

  for (i = 0; i < targets->len; i++)
    {
      const Target *target = targets->pdata[i];
      ShmipcObjectInfo *object;

      if (target->is_key)
        object = shmipc_object_info_lookup_key (target->key, &error);
      else
        object = shmipc_object_info_lookup (target->name, backend, &error);
      if (object == NULL)
        {
          tool_message ("%s", error->message);
          g_clear_error (&error);
          status = TOOL_EXIT_FAILURE;
          continue;
        }
      g_ptr_array_add (found, object);
    }

  if (json)
    {
      tool_list_to_json (found, TRUE, out);
      g_string_append_c (out, '\n');
    }
  else
    for (i = 0; i < found->len; i++)
      {
        if (i > 0)
          g_string_append_c (out, '\n');
        tool_info_format (found->pdata[i], out);
      }
  if (!write_all (out->str, out->len, &error))
    tool_fail (error);
  return status;
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
  ShmipcDumpFormat format = SHMIPC_DUMP_FORMAT_CANONICAL;
  ShmipcDumpFlags flags = SHMIPC_DUMP_NONE;
  ShmipcBackend backend = SHMIPC_BACKEND_AUTO;
  guint64 skip = 0;
  guint64 length = SHMIPC_DUMP_UNLIMITED;
  guint i;

  tool_init ("shmdump");
  tool_parse_command_line (NULL, "Show the bytes and the metadata of shared-memory objects.",
                           description, entries, &opt_version, &argc, &argv);

  if (opt_format != NULL)
    {
      g_autoptr(GError) error = NULL;

      if (!shmipc_dump_format_from_string (opt_format, &format, &error))
        tool_usage_error ("--format: %s", error->message);
      if (opt_canonical && format != SHMIPC_DUMP_FORMAT_CANONICAL)
        tool_usage_error ("--canonical and --format=%s contradict each other", opt_format);
    }
  if (opt_no_squeezing)
    flags |= SHMIPC_DUMP_NO_SQUEEZE;
  if (opt_skip != NULL)
    skip = tool_parse_size ("--skip", opt_skip);
  if (opt_length != NULL)
    length = tool_parse_size ("--length", opt_length);
  if (opt_backend != NULL)
    backend = tool_parse_backend ("--backend", opt_backend);

  for (i = 0; opt_names != NULL && opt_names[i] != NULL; i++)
    {
      Target *target;

      tool_check_name (NULL, opt_names[i]);
      target = g_new0 (Target, 1);
      target->name = opt_names[i];
      g_ptr_array_add (targets, target);
    }
  for (i = 0; opt_keys != NULL && opt_keys[i] != NULL; i++)
    {
      Target *target = g_new0 (Target, 1);

      target->is_key = TRUE;
      target->key = tool_parse_key ("--key", opt_keys[i]);
      if (target->key == 0)
        {
          g_free (target);
          tool_usage_error ("--key: key 0 is IPC_PRIVATE and names no segment");
        }
      g_ptr_array_add (targets, target);
    }

  /* One mode at most besides dumping. */
  {
    const gchar *modes[] = { "--list", "--info", "--limits", "--reap", "--watch" };
    const gboolean given[] = { opt_list, opt_info, opt_limits, opt_reap, opt_watch };
    const gchar *first = NULL;

    for (i = 0; i < G_N_ELEMENTS (modes); i++)
      if (given[i] && first == NULL)
        first = modes[i];
      else if (given[i])
        tool_usage_error ("%s and %s cannot be used together", first, modes[i]);
  }
  if (opt_json && !opt_list && !opt_info && !opt_limits && !opt_reap)
    tool_usage_error ("--json needs --list, --info, --limits or --reap");
  if (opt_dry_run && !opt_reap)
    tool_usage_error ("--dry-run needs --reap");
  if ((opt_interval != NULL || opt_count != NULL) && !opt_watch)
    tool_usage_error ("%s needs --watch", opt_interval != NULL ? "--interval" : "--count");
  if (opt_watch)
    {
      ToolWatch watch = { NULL, 0, backend, 1000, 0 };
      const Target *target;

      if (opt_json)
        tool_usage_error ("--watch has no JSON output");
      if (targets->len != 1)
        tool_usage_error ("--watch takes one object: a NAME or a --key");
      target = g_ptr_array_index (targets, 0);
      if (target->is_key)
        watch.key = target->key;
      else
        watch.name = target->name;
      if (opt_interval != NULL)
        watch.interval_ms = tool_parse_timeout ("--interval", opt_interval);
      if (opt_count != NULL)
        watch.count = tool_parse_count ("--count", opt_count);
      return tool_watch (&watch);
    }
  if (opt_limits || opt_reap)
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autoptr(GError) error = NULL;
      int status = TOOL_EXIT_SUCCESS;

      if (targets->len > 0)
        tool_usage_error ("%s takes no NAME or --key", opt_limits ? "--limits" : "--reap");
      if (opt_limits)
        tool_limits (opt_json, out);
      else
        status = tool_reap (opt_dry_run, opt_json, out);
      if (!write_all (out->str, out->len, &error))
        tool_fail (g_steal_pointer (&error));
      return status;
    }
  if (opt_list)
    {
      if (targets->len > 0)
        tool_usage_error ("--list takes no NAME or --key");
      return list (opt_json);
    }
  if (targets->len == 0)
    tool_usage_error ("no object given: name one, or use --key, --list");
  if (opt_info)
    return info (targets, backend, opt_json);
  return dump (targets, backend, format, flags, skip, length);
}
