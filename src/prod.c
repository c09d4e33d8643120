/* prod.c - write a message into a named shared-memory object
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With no arguments prod is the classroom producer: it creates
 * "/shm-example" (4096 bytes) if needed, shows its first 64 bytes, writes
 * "Studying Operating Systems Is Fun!\n" and shows them again.
 *
 * What is written: the message at offset 0, then zero bytes up to the end
 * of the object, so that the object holds exactly the message (a short
 * message never leaves the tail of an older, longer one visible). A
 * message that does not fit is an error naming both sizes. An existing
 * object keeps its size; --size grows it when it is smaller (never
 * shrinks it; SysV segments cannot grow).
 *
 * Publication (so that cons never sees half a message): a new object is
 * created with mode 0000 and gets its final mode only once the message is
 * in place; an existing POSIX object is rewritten under an exclusive
 * flock(). A prod killed before publishing leaves an object of mode 0000
 * that cons refuses. The logic lives in libshmipc (shmipc-message.c);
 * this file only parses options and prints.
 *
 * --stream copies standard input into a channel (shmipc-channel.c) for
 * "cons --stream"; tool_run_stream() runs it and handles signals.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tool-common.h"

static gchar *opt_name;
static gchar *opt_backend;
static gchar *opt_key;
static gchar *opt_size;
static gchar *opt_mode;
static gchar *opt_input;
static gboolean opt_exclusive;
static gboolean opt_force;
static gboolean opt_quiet;
static gboolean opt_version;
static gboolean opt_stream;
static gchar *opt_capacity;
static gchar *opt_timeout;
static gchar *opt_readers;
static gchar *opt_slow;

static const GOptionEntry entries[] = {
  { "name", 'n', 0, G_OPTION_ARG_FILENAME, &opt_name,
    "Object name (default: $SHMIPC_NAME, else /shm-example)", "NAME" },
  { "backend", 'b', 0, G_OPTION_ARG_STRING, &opt_backend,
    "posix, sysv or auto (default: $SHMIPC_BACKEND, else auto)", "BACKEND" },
  { "key", 0, 0, G_OPTION_ARG_STRING, &opt_key,
    "Write into the SysV segment with this key (decimal, 0x-hex, or negative as in /proc/sysvipc/shm) instead of a named object", "KEY" },
  { "size", 's', 0, G_OPTION_ARG_STRING, &opt_size,
    "Size of a new object, or the size to grow a smaller existing one to (default: 4096; suffixes K, M, G)", "SIZE" },
  { "mode", 'm', 0, G_OPTION_ARG_STRING, &opt_mode,
    "Permission bits of a new object, in octal, applied exactly (default: 0600)", "MODE" },
  { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opt_input,
    "Write the bytes of FILE (- for standard input) instead of a message", "FILE" },
  { "exclusive", 'x', 0, G_OPTION_ARG_NONE, &opt_exclusive,
    "Fail if the object already exists", NULL },
  { "force", 'f', 0, G_OPTION_ARG_NONE, &opt_force,
    "Write into an existing object (with --stream: join a channel) even if another user owns it", NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet,
    "Do not show the object's first bytes before and after writing", NULL },
  { "stream", 0, 0, G_OPTION_ARG_NONE, &opt_stream,
    "Copy standard input (or --input FILE) into a channel that \"cons --stream\" reads", NULL },
  { "capacity", 0, 0, G_OPTION_ARG_STRING, &opt_capacity,
    "With --stream: ring size of a new channel (default: 4M; 4K to 64G, suffixes K, M, G)", "SIZE" },
  { "timeout", 0, 0, G_OPTION_ARG_STRING, &opt_timeout,
    "With --stream: fail when the readers make no room (or, with --readers, do not come) for SECONDS (default: wait for ever)", "SECONDS" },
  { "readers", 0, 0, G_OPTION_ARG_STRING, &opt_readers,
    "With --stream: wait for N readers before sending, so that each gets the whole stream (default: 1; at most 28)", "N" },
  { "slow", 0, 0, G_OPTION_ARG_STRING, &opt_slow,
    "With --stream: what a new channel does about a slow reader: wait for it (default), or drop it once it has kept the stream waiting for SECONDS (default 1)", "wait|drop[:SECONDS]" },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
    "Show the version and exit", NULL },
  { NULL }
};

static const char description[] =
  "With no MESSAGE and no --input, prod writes the classroom example's\n"
  "\"Studying Operating Systems Is Fun!\" and a newline.\n"
  "\n"
  "The object is created when it does not exist (SIZE bytes, mode MODE).\n"
  "prod writes the data at offset 0 and fills the rest of the object with\n"
  "zero bytes, so the object holds exactly the data: cons prints the text up\n"
  "to the first NUL, and a shorter message never shows the end of an older,\n"
  "longer one. Data that does not fit the object is an error; an existing\n"
  "object is never shrunk, and grown only when --size asks for more.\n"
  "prod refuses to write into another user's object unless --force is given.\n"
  "\n"
  "Publishing: cons never sees half a message. A new object (POSIX or SysV)\n"
  "is created with mode 0000 and receives its final mode only when the data\n"
  "is in place; a prod killed before that leaves an unpublished object,\n"
  "which cons refuses and \"shmdump --list\" marks, and which a later prod\n"
  "publishes. An existing POSIX object is rewritten under an exclusive\n"
  "flock(2), which cons respects; SysV has no lock, so rewriting an existing\n"
  "SysV segment while it is being read can show a mix. Mode 0000 is\n"
  "therefore refused for --mode.\n"
  "Anything but a shared-memory object under the name (a FIFO, a directory,\n"
  "a socket, a symbolic link, a device) is refused at once and left alone.\n"
  "\n"
  "Unless --quiet is given, prod shows the first 64 bytes of the object\n"
  "before and after writing (\"display: prod\").\n"
  "\n"
  "--stream: prod copies standard input (or --input FILE) into a channel, a\n"
  "ring of --capacity bytes in the object, until end of file; each \"cons\n"
  "--stream\" on the channel (up to 28 at once) copies it to its standard\n"
  "output. Any may start first. The first reader to come gets the stream\n"
  "from its first byte: when the input fits the ring prod may finish before\n"
  "it starts, the bytes wait in the object. A reader that comes later starts\n"
  "where the stream then is; --readers=N makes prod wait for N readers before\n"
  "sending, so that all of them get everything. --slow sets what a channel\n"
  "prod creates does about a slow reader: \"wait\" (lossless: the slowest\n"
  "reader sets the pace) or \"drop:SECONDS\" (prod waits for the slowest\n"
  "reader, but a reader that keeps it waiting, without reading, for more\n"
  "than SECONDS (default 1; 0 cuts at once) is cut off and fails; prod names\n"
  "it and goes on for the others); it refuses a channel that exists with\n"
  "another policy. A reader\n"
  "that dies or quits before the end does not stop prod: it goes on for the\n"
  "others, names the lost reader, and exits 1 at the end, as tee(1) does;\n"
  "when every reader is gone prod fails at once. prod refuses to join\n"
  "another user's channel unless --force is given. MESSAGE, --size, --key\n"
  "and --exclusive do not apply to a stream (usage error); --quiet\n"
  "changes nothing. When prod fails, or is stopped by SIGINT, SIGTERM or\n"
  "SIGHUP, it removes the channel; on a signal it prints \"prod: interrupted\n"
  "by SIGNAL\" and then dies of that signal.\n"
  "\n"
  "Exit status: 0 on success, 1 on failure, 2 on a usage error.\n"
  "Environment: SHMIPC_NAME (default object name), SHMIPC_BACKEND (posix,\n"
  "sysv or auto).";

/* The display of the object's first bytes, copied out through the
 * library (another process may truncate the object meanwhile). */
static gboolean
show (ShmipcSegment  *segment,
      GError        **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint8 head[SHMIPC_SEED_DISPLAY_BYTES];
  gsize n = MIN (shmipc_segment_get_size (segment), sizeof head);

  if (opt_quiet)
    return TRUE;
  if (!shmipc_segment_copy_out (segment, 0, head, n, error))
    return FALSE;
  shmipc_format_seed (out, g_get_prgname (), head, n);
  /* Flushed now: a display that cannot be written fails before the
   * message is written (and a new object is removed again). */
  if (fwrite (out->str, 1, out->len, stdout) != out->len || fflush (stdout) != 0)
    {
      int err = errno;

      /* Not SHMIPC_ERROR_NO_SPACE for a full disk: that is about objects. */
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_FAILED,
                   "cannot write to standard output: %s", g_strerror (err));
      return FALSE;
    }
  return TRUE;
}

/* The most bytes --input may bring: the size of the object when it
 * exists and is larger, else @size. The library checks the exact fit;
 * this bound only keeps "prod -i /dev/zero" from using all the memory. */
static gsize
input_limit (const gchar   *name,
             gint32         key,
             ShmipcBackend  backend,
             guint64        size)
{
  g_autoptr(ShmipcObjectInfo) info = NULL;

  if (key != 0)
    info = shmipc_object_info_lookup_key (key, NULL);
  else
    info = shmipc_object_info_lookup (name, backend, NULL);
  if (info != NULL && info->size > size)
    size = info->size;
  return (gsize) MIN (size, (guint64) G_MAXSIZE);
}

/* prod --stream: check the options, then leave the work to
 * tool_run_stream(). */
static int
stream_main (int argc)
{
  ToolStream stream = TOOL_STREAM_INIT (SHMIPC_CHANNEL_PRODUCER);

  if (argc > 1)
    tool_usage_error ("--stream takes no MESSAGE (it reads standard input or --input)");
  if (opt_size != NULL)
    tool_usage_error ("--size does not apply to --stream (use --capacity)");
  if (opt_key != NULL)
    tool_usage_error ("--key does not apply to --stream (a channel is named with --name)");
  if (opt_exclusive)
    tool_usage_error ("--exclusive does not apply to --stream");
  stream.force = opt_force;
  tool_stream_set_options (&stream, opt_name, opt_backend, opt_mode, opt_capacity,
                           opt_timeout, opt_slow);
  if (opt_readers != NULL)
    stream.readers = tool_parse_readers ("--readers", opt_readers);
  stream.input = opt_input;
  return tool_run_stream (&stream);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GBytes) data = NULL;
  GError *error = NULL;
  ShmipcBackend backend = SHMIPC_BACKEND_AUTO;
  ShmipcMessageFlags flags = SHMIPC_MESSAGE_NONE;
  const gchar *name;
  guint64 size = TOOL_DEFAULT_SIZE;
  guint mode = SHMIPC_DEFAULT_MODE;
  gint32 key = 0;
  const guint8 *bytes;
  gsize len = 0;
  guint attempts = 0;

  tool_init ("prod");
  tool_parse_command_line ("[MESSAGE]",
    "Write MESSAGE (or a file's bytes) into a named shared-memory object,\n"
    "or, with --stream, stream standard input to \"cons --stream\".",
    description, entries, &opt_version, &argc, &argv);
  if (opt_name != NULL)
    tool_check_name ("--name", opt_name);
  if (opt_stream)
    return stream_main (argc);
  if (opt_capacity != NULL)
    tool_usage_error ("--capacity needs --stream");
  if (opt_timeout != NULL)
    tool_usage_error ("--timeout needs --stream");
  if (opt_readers != NULL)
    tool_usage_error ("--readers needs --stream");
  if (opt_slow != NULL)
    tool_usage_error ("--slow needs --stream");
  if (argc > 2)
    tool_usage_error ("too many arguments (give one MESSAGE; quote it if it has spaces)");
  if (argc == 2 && opt_input != NULL)
    tool_usage_error ("give either a MESSAGE or --input, not both");
  if (opt_key != NULL && opt_name != NULL)
    tool_usage_error ("give either --name or --key, not both");
  if (opt_backend != NULL)
    backend = tool_parse_backend ("--backend", opt_backend);
  if (opt_key != NULL)
    {
      key = tool_parse_key ("--key", opt_key);
      if (backend == SHMIPC_BACKEND_POSIX)
        tool_usage_error ("--key addresses SysV segments; it cannot be used with --backend=posix");
    }
  if (opt_size != NULL)
    {
      size = tool_parse_size ("--size", opt_size);
      if (size == 0)
        tool_usage_error ("--size: the size must be greater than 0");
      if (size > G_MAXSIZE)
        tool_usage_error ("--size: %s is too large for this system", opt_size);
      flags |= SHMIPC_MESSAGE_RESIZE;
    }
  if (opt_mode != NULL)
    {
      mode = tool_parse_mode ("--mode", opt_mode);
      if (mode == 0)
        tool_usage_error ("--mode: 0000 marks an object still being written; give at least one permission bit");
    }
  if (opt_exclusive)
    flags |= SHMIPC_MESSAGE_EXCLUSIVE;
  if (opt_force)
    flags |= SHMIPC_MESSAGE_FORCE;
  name = opt_name != NULL ? opt_name : tool_default_name ();

  if (opt_input != NULL)
    {
      data = tool_read_input (opt_input, input_limit (name, key, backend, size), &error);
      if (data == NULL)
        tool_fail (error);
    }
  else if (argc == 2)
    data = g_bytes_new (argv[1], strlen (argv[1]));
  else
    data = g_bytes_new_static (TOOL_SEED_TEXT, strlen (TOOL_SEED_TEXT));
  bytes = g_bytes_get_data (data, &len);

  /* A few times: an object removed between our opening and our lock
   * (shmdump --reap of an abandoned message) is not written; the name is
   * opened again. */
again:
  segment = shmipc_message_open_writer (name, key, backend, (gsize) size, mode, len,
                                        flags, &error);
  if (segment == NULL)
    {
      if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_OWNER))
        {
          tool_refuse_not_owner ("write into", name, key, backend,
                                 "use --force to write into it anyway");
          g_error_free (error);
          return TOOL_EXIT_FAILURE;
        }
      if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_IS_CHANNEL) && key == 0)
        {
          g_autofree gchar *what = shmipc_name_normalize (name, NULL);

          tool_message ("\"%s\" is a channel: write to it with prod --stream", what);
          g_error_free (error);
          return TOOL_EXIT_FAILURE;
        }
      tool_fail_object (error);
    }

  if (!show (segment, &error) || !shmipc_message_write (segment, bytes, len, mode, &error))
    {
      /* Do not leave an unpublished object of ours behind. */
      if (shmipc_segment_get_created (segment))
        shmipc_segment_unlink (segment, NULL);
      if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND) && attempts++ < 3)
        {
          g_clear_error (&error);
          g_clear_pointer (&segment, shmipc_segment_free);
          goto again;
        }
      tool_fail_object (error);
    }
  if (!show (segment, &error))
    tool_fail (error);

  if (fflush (stdout) != 0 || ferror (stdout))
    {
      int err = errno;

      tool_message ("cannot write to standard output: %s", g_strerror (err));
      return TOOL_EXIT_FAILURE;
    }
  return TOOL_EXIT_SUCCESS;
}
