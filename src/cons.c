/* cons.c - read the message in a named shared-memory object
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * With no arguments cons is the classroom consumer: it shows the first 64
 * bytes of "/shm-example", prints the text up to the first NUL and removes
 * the object. When the object is missing it says, as the original did,
 * "cons: Shared memory failed: No such file or directory".
 *
 * An object its producer has not published (mode 0000, see
 * shmipc-message.c) is refused, saying whether its writer still runs;
 * --force reads it as it is. --wait: a missing or unpublished object is
 * looked at again every 10 ms until it is published or the time is up.
 * The bytes are copied out under a shared flock() that prod's exclusive
 * one excludes. The logic lives in
 * libshmipc (shmipc-message.c); this file only parses options and prints.
 *
 * --stream copies a channel (shmipc-channel.c) filled by "prod --stream"
 * to standard output; tool_run_stream() runs it and handles signals.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "tool-common.h"

/* The longest --wait accepted, in seconds (about 31 years). */
#define MAX_WAIT_SECONDS 1e9

static gchar *opt_name;
static gchar *opt_backend;
static gchar *opt_key;
static gboolean opt_keep;
static gboolean opt_raw;
static gboolean opt_quiet;
static gboolean opt_wait;
static gboolean opt_force;
static gint64 opt_wait_ms = -1;
static gboolean opt_version;
static gboolean opt_stream;
static gchar *opt_capacity;
static gchar *opt_timeout;
static gchar *opt_slow;
static gchar *opt_mode;

static gboolean
parse_wait (const gchar  *option_name,
            const gchar  *value,
            gpointer      data,
            GError      **error)
{
  gchar *end = NULL;
  gdouble seconds;

  opt_wait = TRUE;
  if (value == NULL)
    {
      opt_wait_ms = -1;
      return TRUE;
    }
  seconds = g_ascii_strtod (value, &end);
  if (*value == '\0' || end == value || *end != '\0' || !isfinite (seconds) ||
      seconds < 0 || seconds > MAX_WAIT_SECONDS)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "%s: invalid number of seconds \"%s\" (expected a number such as 5 or 0.5)",
                   option_name, value);
      return FALSE;
    }
  /* Round up: "--wait=0.0001" still gives the producer a chance. */
  opt_wait_ms = (gint64) (seconds * 1000.0);
  if ((gdouble) opt_wait_ms < seconds * 1000.0)
    opt_wait_ms++;
  return TRUE;
}

static const GOptionEntry entries[] = {
  { "name", 'n', 0, G_OPTION_ARG_FILENAME, &opt_name,
    "Object name (default: $SHMIPC_NAME, else /shm-example)", "NAME" },
  { "backend", 'b', 0, G_OPTION_ARG_STRING, &opt_backend,
    "posix, sysv or auto (default: $SHMIPC_BACKEND, else auto)", "BACKEND" },
  { "key", 0, 0, G_OPTION_ARG_STRING, &opt_key,
    "Read the SysV segment with this key (decimal, 0x-hex, or negative as in /proc/sysvipc/shm) instead of a named object", "KEY" },
  { "keep", 'k', 0, G_OPTION_ARG_NONE, &opt_keep,
    "Do not remove the object after reading it", NULL },
  { "raw", 'r', 0, G_OPTION_ARG_NONE, &opt_raw,
    "Write all the object's bytes to standard output instead of the display and the text", NULL },
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt_quiet,
    "Do not show the object's first bytes", NULL },
  { "wait", 'w', G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, parse_wait,
    "Wait for the object to be published, at most SECONDS if given", "SECONDS" },
  { "force", 'f', 0, G_OPTION_ARG_NONE, &opt_force,
    "Read a message that was never published (its writer is still writing it, or died) as it is; with --stream, join a channel another user owns", NULL },
  { "stream", 0, 0, G_OPTION_ARG_NONE, &opt_stream,
    "Copy the stream \"prod --stream\" writes into the channel to standard output", NULL },
  { "capacity", 0, 0, G_OPTION_ARG_STRING, &opt_capacity,
    "With --stream: ring size of a new channel (default: 4M; 4K to 64G, suffixes K, M, G)", "SIZE" },
  { "mode", 'm', 0, G_OPTION_ARG_STRING, &opt_mode,
    "With --stream: permission bits of a new channel, in octal, applied exactly (default: 0600)", "MODE" },
  { "timeout", 0, 0, G_OPTION_ARG_STRING, &opt_timeout,
    "With --stream: fail when no data comes for SECONDS (default: wait for ever)", "SECONDS" },
  { "slow", 0, 0, G_OPTION_ARG_STRING, &opt_slow,
    "With --stream: what a channel cons creates does about a slow reader: wait for it (default), or drop it once it has kept the stream waiting for SECONDS (default 1)", "wait|drop[:SECONDS]" },
  { "version", 'V', 0, G_OPTION_ARG_NONE, &opt_version,
    "Show the version and exit", NULL },
  { NULL }
};

static const char description[] =
  "cons shows the first 64 bytes of the object (\"display: cons\"), prints its\n"
  "text (the bytes up to the first NUL) and removes the object. It removes\n"
  "only objects its user owns; use --keep to read another user's object.\n"
  "\n"
  "--wait (or -w): when the object does not exist or is not published yet,\n"
  "cons looks again every 10 ms until it is, for SECONDS at most when given\n"
  "as --wait=SECONDS, else for as long as it takes; so cons may start before\n"
  "prod. It never reads half a message: prod creates a new object with mode\n"
  "0000 and gives it its final mode only when the message is complete (a\n"
  "SysV segment must also have been detached from once), and rewrites an\n"
  "existing POSIX object under an exclusive flock(2), while cons reads under\n"
  "a shared one. With --key, cons waits only for the segment to exist.\n"
  "Without --wait, cons refuses an object that was never published (mode\n"
  "0000): it says whether its writer is still writing it or died before\n"
  "finishing it, and by which process where that is known, and leaves it in\n"
  "place, even when run by root. --force (or -f) reads such an object as it\n"
  "is. cons --wait waits for it to be published, up to SECONDS.\n"
  "Anything but a shared-memory object under the name (a FIFO, a directory,\n"
  "a socket, a symbolic link, a device) is refused at once and left alone.\n"
  "\n"
  "--stream: cons attaches to the channel as one more reader (up to 28 at\n"
  "once) and copies the stream that \"prod --stream\" writes into it to\n"
  "standard output, until prod's end of file. Any may start first; the\n"
  "first creates the channel (a ring of --capacity bytes, mode --mode, the\n"
  "--slow policy; an existing channel with the other policy is refused).\n"
  "The first reader gets the stream from its first byte; a reader that\n"
  "comes later starts where the stream then is (see \"prod --readers\").\n"
  "When prod dies, cons first writes every byte prod had sent, then fails.\n"
  "Under the drop policy, a cons that keeps prod waiting, without reading,\n"
  "for longer than the channel's grace is cut off: it writes every byte it\n"
  "had intact, then fails (\"cut off by the producer ... (overrun)\"). cons\n"
  "refuses to join another user's channel unless --force is given. --keep,\n"
  "--raw, --wait and --key do not apply to a stream (usage error);\n"
  "--quiet changes nothing. The last reader to leave,\n"
  "at the end of the stream or failing, removes the channel. On SIGINT,\n"
  "SIGTERM or SIGHUP cons leaves the channel (prod goes on for the other\n"
  "readers), prints \"cons: interrupted by SIGNAL\" and then dies of that\n"
  "signal. When standard output is a closed pipe, cons leaves the channel\n"
  "and ends quietly, killed by SIGPIPE, as other filters do.\n"
  "\n"
  "Exit status: 0 on success, 1 on failure (including a --wait that timed\n"
  "out), 2 on a usage error.\n"
  "Environment: SHMIPC_NAME (default object name), SHMIPC_BACKEND (posix,\n"
  "sysv or auto).";

/* cons --stream: check the options, then leave the work to
 * tool_run_stream(). */
static int
stream_main (int argc, char **argv)
{
  ToolStream stream = TOOL_STREAM_INIT (SHMIPC_CHANNEL_CONSUMER);

  if (argc > 1)
    tool_usage_error ("unexpected argument \"%s\" (name the channel with --name)", argv[1]);
  if (opt_keep)
    tool_usage_error ("--keep does not apply to --stream (the stream is consumed)");
  if (opt_raw)
    tool_usage_error ("--raw does not apply to --stream (a stream is always copied as is)");
  if (opt_wait)
    tool_usage_error ("--wait does not apply to --stream (cons waits for prod; see --timeout)");
  if (opt_key != NULL)
    tool_usage_error ("--key does not apply to --stream (a channel is named with --name)");
  stream.force = opt_force;
  tool_stream_set_options (&stream, opt_name, opt_backend, opt_mode, opt_capacity,
                           opt_timeout, opt_slow);
  return tool_run_stream (&stream);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(ShmipcSegment) segment = NULL;
  g_autoptr(GBytes) message = NULL;
  g_autoptr(GBytes) output = NULL;
  GError *error = NULL;
  ShmipcBackend backend = SHMIPC_BACKEND_AUTO;
  const gchar *name;
  gint32 key = 0;
  const guint8 *bytes;
  gsize len = 0;

  tool_init ("cons");
  tool_parse_command_line (NULL,
    "Print the message in a named shared-memory object, then remove the object;\n"
    "or, with --stream, copy the stream of \"prod --stream\" to standard output.",
    description, entries, &opt_version, &argc, &argv);
  if (opt_name != NULL)
    tool_check_name ("--name", opt_name);
  if (opt_stream)
    return stream_main (argc, argv);
  if (opt_capacity != NULL)
    tool_usage_error ("--capacity needs --stream");
  if (opt_mode != NULL)
    tool_usage_error ("--mode needs --stream (cons creates no object otherwise)");
  if (opt_timeout != NULL)
    tool_usage_error ("--timeout needs --stream (see --wait)");
  if (opt_slow != NULL)
    tool_usage_error ("--slow needs --stream");
  if (argc > 1)
    tool_usage_error ("unexpected argument \"%s\" (name the object with --name)", argv[1]);
  if (opt_key != NULL && opt_name != NULL)
    tool_usage_error ("give either --name or --key, not both");
  if (opt_force && opt_wait)
    tool_usage_error ("--force and --wait contradict each other (--wait reads only a published message)");
  if (opt_backend != NULL)
    backend = tool_parse_backend ("--backend", opt_backend);
  if (opt_key != NULL)
    {
      key = tool_parse_key ("--key", opt_key);
      if (backend == SHMIPC_BACKEND_POSIX)
        tool_usage_error ("--key addresses SysV segments; it cannot be used with --backend=posix");
    }
  name = opt_name != NULL ? opt_name : tool_default_name ();

  segment = shmipc_message_open_reader (name, key, backend,
                                        (opt_wait ? SHMIPC_MESSAGE_WAIT : SHMIPC_MESSAGE_NONE) |
                                        (opt_force ? SHMIPC_MESSAGE_FORCE : SHMIPC_MESSAGE_NONE),
                                        opt_wait_ms, &error);
  if (segment == NULL)
    {
      int err = shmipc_error_get_errno (error);

      /* The classroom consumer's wording, which the seed transcript fixes. */
      if (err != 0)
        tool_message ("Shared memory failed: %s", g_strerror (err));
      else if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_IS_CHANNEL) && key == 0)
        {
          g_autofree gchar *what = shmipc_name_normalize (name, NULL);

          tool_message ("\"%s\" is a channel: read it with cons --stream", what);
        }
      else if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_UNPUBLISHED))
        tool_message ("%s (use --force to read it as it is)", error->message);
      else
        tool_message ("%s", error->message);
      g_error_free (error);
      return TOOL_EXIT_FAILURE;
    }

  /* Refuse before printing anything, so that a refusal has no output. */
  if (!opt_keep && !shmipc_message_check_owner (segment, &error))
    {
      if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_OWNER))
        tool_refuse_not_owner ("remove", name, key, backend,
                               "use --keep to read it without removing it");
      else
        tool_message ("%s", error->message);
      g_error_free (error);
      return TOOL_EXIT_FAILURE;
    }

  message = shmipc_message_read (segment, &error);
  if (message == NULL)
    tool_fail_object (error);
  bytes = g_bytes_get_data (message, &len);

  if (opt_raw)
    output = g_bytes_ref (message);
  else
    {
      if (!opt_quiet)
        {
          g_autoptr(GString) display = g_string_new (NULL);

          shmipc_format_seed (display, g_get_prgname (), bytes, len);
          fwrite (display->str, 1, display->len, stdout);
        }
      output = shmipc_message_get_text (message);
    }
  bytes = g_bytes_get_data (output, &len);
  if ((len > 0 && fwrite (bytes, 1, len, stdout) != len) || fflush (stdout) != 0)
    {
      int err = errno;

      tool_message ("cannot write to standard output: %s", g_strerror (err));
      return TOOL_EXIT_FAILURE;
    }

  if (!opt_keep && !shmipc_segment_unlink (segment, &error))
    tool_fail (error);
  return TOOL_EXIT_SUCCESS;
}
