/* tool-common.c - what prod, cons and shmdump share
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool-common.h"

const char *
tool_default_name (void)
{
  const char *env = g_getenv ("SHMIPC_NAME");

  return (env != NULL && *env != '\0') ? env : TOOL_DEFAULT_NAME;
}

/* Bit N set: descriptor N was closed when the command started. */
static guint closed_at_start;

/* Makes sure descriptors 0, 1 and 2 are open before anything else is
 * opened: otherwise the first object opened would get one of their
 * numbers, and "prod >&-" would write its display into the object it has
 * just written, "cons --stream >&-" the stream into the channel's header.
 * A closed one is opened on /dev/null with the access it does not need
 * (write-only for standard input, read-only for the others), as gnulib's
 * stdopen() does: every use of it then fails with EBADF as on a closed
 * descriptor, so that a command whose output is gone fails instead of
 * reporting success with its output lost. */
static void
open_standard_descriptors (void)
{
  int fd;

  for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
    {
      int null_fd;

      if (fcntl (fd, F_GETFD) >= 0 || errno != EBADF)
        continue;
      /* The lowest free number: fd, since those below it are open. */
      null_fd = open ("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
      if (null_fd != fd)
        {
          /* No /dev/null (a bare chroot): going on would put an object
           * on a standard descriptor. Say so where it can still show. */
          static const char text[] = ": cannot open /dev/null for a closed standard descriptor\n";

          if (fcntl (STDERR_FILENO, F_GETFD) >= 0)
            {
              (void) !write (STDERR_FILENO, g_get_prgname (), strlen (g_get_prgname ()));
              (void) !write (STDERR_FILENO, text, sizeof text - 1);
            }
          _exit (TOOL_EXIT_FAILURE);
        }
      closed_at_start |= 1u << fd;
    }
}

void
tool_init (const char *prgname)
{
  g_set_prgname (prgname);
  /* First: setlocale() itself opens files. */
  open_standard_descriptors ();
  setlocale (LC_ALL, "");
}

gboolean
tool_std_was_closed (int fd)
{
  return fd >= STDIN_FILENO && fd <= STDERR_FILENO && (closed_at_start & (1u << fd)) != 0;
}

gchar *
tool_escape (const gchar *text)
{
  GString *out = g_string_sized_new (strlen (text));
  const gchar *p = text;

  while (*p != '\0')
    {
      const gchar *end;
      gunichar c;

      /* The longest run of valid UTF-8 from p; end stops at a bad byte. */
      g_utf8_validate (p, -1, &end);
      if (end == p)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }
      for (; p < end; p = g_utf8_next_char (p))
        {
          static const char c_escapes[] = "\a\b\t\n\v\f\r";
          static const char c_letters[] = "abtnvfr";
          const char *e;

          c = g_utf8_get_char (p);
          if (c == '\\')
            g_string_append (out, "\\\\");
          else if (c != 0 && c < 0x20 && (e = strchr (c_escapes, (int) c)) != NULL)
            g_string_append_printf (out, "\\%c", c_letters[e - c_escapes]);
          else if (c < 0x20 || c == 0x7f)
            g_string_append_printf (out, "\\x%02x", (guint) c);
          else if (c >= 0x80 && c < 0xa0)
            /* A C1 control: its two UTF-8 bytes. */
            g_string_append_printf (out, "\\x%02x\\x%02x", (guchar) p[0], (guchar) p[1]);
          else
            g_string_append_len (out, p, g_utf8_next_char (p) - p);
        }
    }
  return g_string_free (out, FALSE);
}

static void
vmessage (const char *format,
          va_list     args)
{
  g_autofree gchar *text = g_strdup_vprintf (format, args);
  g_autofree gchar *safe = tool_escape (text);

  g_printerr ("%s: %s\n", g_get_prgname (), safe);
}

void
tool_message (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vmessage (format, args);
  va_end (args);
}

void
tool_usage_error (const char *format, ...)
{
  va_list args;

  va_start (args, format);
  vmessage (format, args);
  va_end (args);
  g_printerr ("Try \"%s --help\" for more information.\n", g_get_prgname ());
  exit (TOOL_EXIT_USAGE);
}

void
tool_refuse_not_owner (const char    *action,
                       const char    *name,
                       gint32         key,
                       ShmipcBackend  backend,
                       const char    *hint)
{
  g_autoptr(ShmipcObjectInfo) info = NULL;
  g_autofree gchar *what = NULL;

  if (key != 0)
    {
      what = g_strdup_printf ("key 0x%08x", (guint32) key);
      info = shmipc_object_info_lookup_key (key, NULL);
    }
  else
    {
      what = shmipc_name_normalize (name, NULL);
      info = shmipc_object_info_lookup (name, backend, NULL);
    }
  if (info != NULL)
    tool_message ("Refusing to %s \"%s\": it belongs to uid %u, not to uid %u (%s)",
                  action, what, (guint) info->uid, (guint) geteuid (), hint);
  else
    tool_message ("Refusing to %s \"%s\": it belongs to another user (%s)", action, what, hint);
}

void
tool_fail (GError *error)
{
  tool_message ("%s", error->message);
  g_error_free (error);
  exit (TOOL_EXIT_FAILURE);
}

void
tool_fail_object (GError *error)
{
  /* Where to look when there is no room. */
  if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_NO_SPACE))
    {
      tool_message ("%s (\"shmdump --limits\" shows the room for shared memory)", error->message);
      g_error_free (error);
      exit (TOOL_EXIT_FAILURE);
    }
  tool_fail (error);
}

/* Prints "PROG (shmipc) X.Y.Z" on stdout. */
static void
tool_print_version (void)
{
  g_print ("%s (shmipc) %s\n", g_get_prgname (), SHMIPC_VERSION_STRING);
}

void
tool_parse_command_line (const char         *parameter_string,
                         const char         *summary,
                         const char         *description,
                         const GOptionEntry *entries,
                         const gboolean     *version,
                         int                *argc,
                         char             ***argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter_string);
  GError *error = NULL;

  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    tool_usage_error ("%s", error->message);
  if (*version)
    {
      tool_print_version ();
      exit (TOOL_EXIT_SUCCESS);
    }
}

void
tool_check_name (const char *option,
                 const char *name)
{
  g_autoptr(GError) error = NULL;

  if (shmipc_name_validate (name, &error))
    return;
  if (option != NULL)
    tool_usage_error ("%s: %s", option, error->message);
  tool_usage_error ("%s", error->message);
}

ShmipcBackend
tool_parse_backend (const char *option,
                    const char *value)
{
  g_autoptr(GError) error = NULL;
  ShmipcBackend backend = SHMIPC_BACKEND_AUTO;

  if (!shmipc_backend_from_string (value, &backend, &error))
    tool_usage_error ("%s: %s", option, error->message);
  return backend;
}

/* tool_size_from_string:
 * @str: a size: decimal digits, optionally followed by K, M, G or T
 *   (powers of 1024, case-insensitive, an optional "iB" or "B" after it)
 * @size_out: (out): where to store the size in bytes
 * @error: return location for a #GError, or %NULL
 *
 * Parses sizes such as "4096", "64K", "1M", "2G" or "1GiB".
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_INVALID_ARGUMENT
 * for malformed input or %SHMIPC_ERROR_TOO_LARGE when it overflows.
 */
gboolean
tool_size_from_string (const gchar  *str,
                   guint64      *size_out,
                   GError      **error)
{
  guint64 value;
  guint shift = 0;
  gchar *end = NULL;

  if (str == NULL || !g_ascii_isdigit (str[0]))
    goto invalid;

  errno = 0;
  value = g_ascii_strtoull (str, &end, 10);
  if (errno == ERANGE)
    goto too_large;

  switch (g_ascii_toupper (*end))
    {
    case '\0':
      break;
    case 'K': shift = 10; end++; break;
    case 'M': shift = 20; end++; break;
    case 'G': shift = 30; end++; break;
    case 'T': shift = 40; end++; break;
    case 'B': break;
    default:
      goto invalid;
    }
  if (shift != 0 && (end[0] == 'i' || end[0] == 'I') && (end[1] == 'B' || end[1] == 'b'))
    end += 2;
  else if (end[0] == 'B' || end[0] == 'b')
    end++;
  if (*end != '\0')
    goto invalid;

  if (shift != 0 && value > (G_MAXUINT64 >> shift))
    goto too_large;
  *size_out = value << shift;
  return TRUE;

invalid:
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Invalid size \"%s\" (expected a number of bytes, optionally with K, M, G or T)",
               str != NULL ? str : "");
  return FALSE;
too_large:
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TOO_LARGE,
               "Size \"%s\" is too large", str);
  return FALSE;
}

/* tool_mode_from_string:
 * @str: permission bits in octal, such as "600" or "0644"
 * @mode_out: (out): where to store the mode
 * @error: return location for a #GError, or %NULL
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_INVALID_ARGUMENT
 * unless @str is an octal number no greater than 0777.
 */
gboolean
tool_mode_from_string (const gchar  *str,
                   guint        *mode_out,
                   GError      **error)
{
  guint64 value;
  gchar *end = NULL;

  if (str == NULL || *str == '\0' || strspn (str, "01234567") != strlen (str))
    goto invalid;
  value = g_ascii_strtoull (str, &end, 8);
  if (value > 0777)
    goto invalid;
  *mode_out = (guint) value;
  return TRUE;

invalid:
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Invalid mode \"%s\" (expected octal permission bits, 0 to 0777)",
               str != NULL ? str : "");
  return FALSE;
}

/* tool_key_from_string:
 * @str: a SysV key in decimal (negative too) or, with a "0x" prefix,
 *   hexadecimal
 * @key_out: (out): where to store the key
 * @error: return location for a #GError, or %NULL
 *
 * Parses keys as ipcs(1) and ipcmk(1) print them (up to 0xffffffff), and
 * as /proc/sysvipc/shm prints them (the signed key_t the system uses,
 * down to -2147483648). The result is that signed key_t.
 *
 * Returns: %TRUE on success; %FALSE with %SHMIPC_ERROR_INVALID_ARGUMENT.
 */
gboolean
tool_key_from_string (const gchar  *str,
                  gint32       *key_out,
                  GError      **error)
{
  guint64 value;
  gchar *end = NULL;
  const gchar *digits = str;
  gboolean negative = FALSE;
  guint base = 10;

  if (str == NULL || *str == '\0')
    goto invalid;
  if (str[0] == '0' && (str[1] == 'x' || str[1] == 'X'))
    {
      digits = str + 2;
      base = 16;
    }
  else if (str[0] == '-')
    {
      digits = str + 1;
      negative = TRUE;
    }
  if (!g_ascii_isxdigit (*digits) || (base == 10 && !g_ascii_isdigit (*digits)))
    goto invalid;
  errno = 0;
  value = g_ascii_strtoull (digits, &end, base);
  if (errno != 0 || *end != '\0' || value == 0 ||
      value > (negative ? (guint64) G_MAXINT32 + 1 : G_MAXUINT32))
    goto invalid;
  *key_out = negative ? (gint32) -(gint64) value : (gint32) (guint32) value;
  return TRUE;

invalid:
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
               "Invalid key \"%s\" (expected a non-zero number: decimal, 0x-hex up to 0xffffffff, "
               "or negative decimal down to -2147483648)",
               str != NULL ? str : "");
  return FALSE;
}

guint64
tool_parse_size (const char *option,
                 const char *value)
{
  g_autoptr(GError) error = NULL;
  guint64 size = 0;

  if (!tool_size_from_string (value, &size, &error))
    tool_usage_error ("%s: %s", option, error->message);
  return size;
}

guint
tool_parse_mode (const char *option,
                 const char *value)
{
  g_autoptr(GError) error = NULL;
  guint mode = 0;

  if (!tool_mode_from_string (value, &mode, &error))
    tool_usage_error ("%s: %s", option, error->message);
  return mode;
}

gint32
tool_parse_key (const char *option,
                const char *value)
{
  g_autoptr(GError) error = NULL;
  gint32 key = 0;

  if (!tool_key_from_string (value, &key, &error))
    tool_usage_error ("%s: %s", option, error->message);
  return key;
}

GBytes *
tool_read_input (const char  *path,
                 gsize        limit,
                 GError     **error)
{
  const gboolean is_stdin = strcmp (path, "-") == 0;
  const char *what = is_stdin ? "standard input" : path;
  guint8 *data = NULL;
  gsize len = 0;
  gsize alloc = 0;
  struct stat st;
  int fd = STDIN_FILENO;
  int err;

  /* limit + 1 bytes are read to tell "exactly limit" from "more". */
  limit = MIN (limit, G_MAXSIZE - 1);
  if (!is_stdin)
    {
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          err = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
                       "cannot open \"%s\": %s", path, g_strerror (err));
          return NULL;
        }
    }

  /* Never more than limit + 1 bytes in memory: "prod -i /dev/zero" or
   * "yes | prod -i -" must fail, not take all the memory of the system. */
  for (;;)
    {
      gsize want = MIN ((gsize) 65536, limit + 1 - len);
      ssize_t n;

      if (alloc - len < want)
        {
          gsize new_alloc = alloc > 0 ? alloc : 65536;
          guint8 *new_data;

          while (new_alloc - len < want)
            new_alloc = new_alloc > (limit + 1) / 2 ? limit + 1 : new_alloc * 2;
          new_data = g_try_realloc (data, new_alloc);
          if (new_data == NULL)
            {
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                           "cannot read \"%s\": %s", what, g_strerror (ENOMEM));
              goto fail;
            }
          data = new_data;
          alloc = new_alloc;
        }
      n = read (fd, data + len, want);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          err = errno;
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
                       "cannot read \"%s\": %s", what, g_strerror (err));
          goto fail;
        }
      if (n == 0)
        break;
      len += (gsize) n;
      if (len > limit)
        {
          if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode))
            g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TOO_LARGE,
                         "\"%s\" is %" G_GUINT64_FORMAT " bytes but the object holds only %"
                         G_GSIZE_FORMAT, what, (guint64) st.st_size, limit);
          else
            g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TOO_LARGE,
                         "%s%s%s is more than %" G_GSIZE_FORMAT " bytes, all the object holds",
                         is_stdin ? "" : "\"", what, is_stdin ? "" : "\"", limit);
          goto fail;
        }
    }
  if (!is_stdin)
    close (fd);
  return g_bytes_new_take (data, len);

fail:
  if (!is_stdin)
    close (fd);
  g_free (data);
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Streams                                                                  */
/* ---------------------------------------------------------------------- */

gint
tool_parse_timeout (const char *option,
                    const char *value)
{
  gchar *end = NULL;
  gdouble seconds;
  gint ms;

  seconds = g_ascii_strtod (value, &end);
  if (*value == '\0' || end == value || *end != '\0' || !isfinite (seconds) ||
      seconds <= 0 || seconds > TOOL_MAX_TIMEOUT_SECONDS)
    tool_usage_error ("%s: invalid number of seconds \"%s\" (expected a number greater "
                      "than 0 and at most %d, such as 5 or 0.5)",
                      option, value, TOOL_MAX_TIMEOUT_SECONDS);
  /* Round up: a tiny timeout is still a wait. */
  ms = (gint) (seconds * 1000.0);
  if ((gdouble) ms < seconds * 1000.0)
    ms++;
  return ms;
}

gsize
tool_parse_capacity (const char *option,
                     const char *value)
{
  guint64 capacity = tool_parse_size (option, value);

  if (capacity < SHMIPC_CHANNEL_MIN_CAPACITY || capacity > SHMIPC_CHANNEL_MAX_CAPACITY ||
      capacity > G_MAXSIZE - SHMIPC_CHANNEL_HEADER_SIZE)
    tool_usage_error ("%s: the capacity must be between %u and %" G_GUINT64_FORMAT
                      " bytes (4K to 64G)", option, (guint) SHMIPC_CHANNEL_MIN_CAPACITY,
                      MIN ((guint64) SHMIPC_CHANNEL_MAX_CAPACITY,
                           (guint64) (G_MAXSIZE - SHMIPC_CHANNEL_HEADER_SIZE)));
  return (gsize) capacity;
}

guint
tool_parse_readers (const char *option,
                    const char *value)
{
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (value, 10, 1, SHMIPC_CHANNEL_MAX_READERS, &n, NULL))
    tool_usage_error ("%s: invalid number of readers \"%s\" (expected 1 to %u)",
                      option, value, (guint) SHMIPC_CHANNEL_MAX_READERS);
  return (guint) n;
}

guint
tool_parse_count (const char *option,
                  const char *value)
{
  guint64 n = 0;

  if (!g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &n, NULL))
    tool_usage_error ("%s: invalid count \"%s\" (expected a whole number from 1)", option, value);
  return (guint) n;
}

ShmipcChannelPolicy
tool_parse_policy (const char *option,
                   const char *value,
                   gint       *grace_ms)
{
  const char *seconds;
  gchar *end = NULL;
  gdouble grace;

  *grace_ms = -1;
  if (g_strcmp0 (value, "wait") == 0)
    return SHMIPC_CHANNEL_POLICY_WAIT;
  if (g_strcmp0 (value, "drop") == 0)
    return SHMIPC_CHANNEL_POLICY_DROP;
  if (!g_str_has_prefix (value, "drop:"))
    tool_usage_error ("%s: unknown policy \"%s\" (expected wait, drop or drop:SECONDS)",
                      option, value);
  seconds = value + strlen ("drop:");
  grace = g_ascii_strtod (seconds, &end);
  if (*seconds == '\0' || end == seconds || *end != '\0' || !isfinite (grace) ||
      grace < 0 || grace > TOOL_MAX_TIMEOUT_SECONDS)
    tool_usage_error ("%s: invalid grace \"%s\" (expected drop:SECONDS, SECONDS a number "
                      "from 0 to %d, such as drop:1 or drop:0.5)",
                      option, seconds, TOOL_MAX_TIMEOUT_SECONDS);
  /* Round up: a tiny grace is still a wait. */
  *grace_ms = (gint) (grace * 1000.0);
  if ((gdouble) *grace_ms < grace * 1000.0)
    (*grace_ms)++;
  return SHMIPC_CHANNEL_POLICY_DROP;
}

/* "1 s", "0.5 s", "2000000 s": a grace in milliseconds, as --slow takes it. */
static gchar *
grace_string (guint grace_ms)
{
  return g_strdup_printf ("%.10g s", grace_ms / 1000.0);
}

/* The channel the signal handler aborts, and the first signal caught. */
static ShmipcChannel *volatile stream_channel;
static volatile sig_atomic_t stream_signal;
static gboolean sigpipe_was_default;

static void
on_stream_signal (int signo)
{
  ShmipcChannel *channel = stream_channel;

  if (stream_signal == 0)
    stream_signal = signo;
  /* Async-signal-safe: wakes our blocked wait and tells the peer. */
  if (channel != NULL)
    shmipc_channel_abort (channel);
}

void
tool_catch_stop_signals (void (*handler) (int))
{
  static const int signals[] = { SIGHUP, SIGINT, SIGTERM };
  struct sigaction sa;
  struct sigaction old;
  guint i;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < G_N_ELEMENTS (signals); i++)
    sigaddset (&sa.sa_mask, signals[i]);
  /* No SA_RESTART: a read(2) or write(2) blocked on a terminal or a pipe
   * returns EINTR, and the library then gives up. */
  sa.sa_flags = 0;
  for (i = 0; i < G_N_ELEMENTS (signals); i++)
    {
      /* nohup(1) ignores SIGHUP: keep it so. SIGINT and SIGTERM are
       * caught even when ignored at start (as in "prod --stream &" from
       * a script): they come from someone who wants the stream stopped,
       * and the object must not be left behind. */
      if (signals[i] == SIGHUP &&
          sigaction (SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
        continue;
      sigaction (signals[i], &sa, NULL);
    }
}

static void
catch_stream_signals (void)
{
  struct sigaction sa;
  struct sigaction old;

  tool_catch_stop_signals (on_stream_signal);
  /* Write errors come back as EPIPE rather than killing us before the
   * object is removed. */
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigemptyset (&sa.sa_mask);
  if (sigaction (SIGPIPE, &sa, &old) == 0)
    sigpipe_was_default = old.sa_handler == SIG_DFL;
}

static const char *
signal_name (int signo)
{
  switch (signo)
    {
    case SIGHUP:
      return "SIGHUP";
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGPIPE:
      return "SIGPIPE";
    default:
      return "a signal";
    }
}

/* Dies of @signo, as if it had not been caught, so that the parent (a
 * shell loop, make) sees how we ended. */
void
tool_die_of_signal (int signo)
{
  struct sigaction sa;
  sigset_t set;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigemptyset (&sa.sa_mask);
  sigaction (signo, &sa, NULL);
  sigemptyset (&set);
  sigaddset (&set, signo);
  sigprocmask (SIG_UNBLOCK, &set, NULL);
  raise (signo);
  /* Not reached. */
  _exit (128 + signo);
}

void
tool_stream_set_options (ToolStream *stream,
                         const char *name,
                         const char *backend,
                         const char *mode,
                         const char *capacity,
                         const char *timeout,
                         const char *slow)
{
  if (backend != NULL)
    stream->backend = tool_parse_backend ("--backend", backend);
  if (mode != NULL)
    {
      stream->mode = tool_parse_mode ("--mode", mode);
      if (stream->mode == 0)
        tool_usage_error ("--mode: 0000 would lock the %s out; give at least one permission bit",
                          stream->role == SHMIPC_CHANNEL_PRODUCER ? "consumer" : "producer");
    }
  if (capacity != NULL)
    stream->capacity = tool_parse_capacity ("--capacity", capacity);
  if (timeout != NULL)
    stream->timeout_ms = tool_parse_timeout ("--timeout", timeout);
  if (slow != NULL)
    {
      stream->policy = tool_parse_policy ("--slow", slow, &stream->drop_grace_ms);
      stream->policy_given = TRUE;
    }
  stream->name = name != NULL ? name : tool_default_name ();
}

/* "drop" or "drop:1", as --slow takes it: the grace only when @grace_ms
 * is not -1. */
static gchar *
policy_string (ShmipcChannelPolicy policy,
               gint                grace_ms)
{
  if (policy != SHMIPC_CHANNEL_POLICY_DROP || grace_ms < 0)
    return g_strdup (shmipc_channel_policy_to_string (policy));
  return g_strdup_printf ("drop:%.10g", grace_ms / 1000.0);
}

/* Whether an existing channel of @policy and @grace_ms has what --slow
 * asked for (the grace only when --slow gave one). */
static gboolean
policy_matches (const ToolStream   *stream,
                ShmipcChannelPolicy policy,
                guint               grace_ms)
{
  return policy == stream->policy &&
         (policy != SHMIPC_CHANNEL_POLICY_DROP || stream->drop_grace_ms < 0 ||
          grace_ms == (guint) stream->drop_grace_ms);
}

/* Fails for --slow against a channel of another policy or grace. */
static void G_GNUC_NORETURN
policy_refused (const ToolStream   *stream,
                ShmipcChannelPolicy policy,
                guint               grace_ms)
{
  gchar *name = tool_escape (stream->name);
  gchar *theirs = policy_string (policy, (gint) grace_ms);
  gchar *ours = policy_string (stream->policy, stream->drop_grace_ms);

  tool_message ("channel \"%s\" exists with the %s policy: --slow=%s applies only to a "
                "channel this command creates", name, theirs, ours);
  /* Freed by hand: exit() runs no cleanup of this frame. */
  g_free (name);
  g_free (theirs);
  g_free (ours);
  exit (TOOL_EXIT_FAILURE);
}

int
tool_run_stream (const ToolStream *stream)
{
  ShmipcChannel *channel;
  GError *error = NULL;
  gint32 *lost = NULL;
  guint n_lost = 0;
  ShmipcChannelReaderInfo *cut = NULL;
  guint n_cut = 0;
  guint grace_ms = 0;
  gboolean remove;
  gboolean ok;
  guint i;
  int fd;
  int err;
  int signo;

  if (stream->role == SHMIPC_CHANNEL_CONSUMER)
    fd = STDOUT_FILENO;
  else if (stream->input == NULL || strcmp (stream->input, "-") == 0)
    fd = STDIN_FILENO;
  else
    fd = -1;
  /* A closed end would fail at its first byte, after joining: the
   * stream would lose a reader, or start and abort. Say so before. */
  if (fd >= 0 && tool_std_was_closed (fd))
    {
      tool_message ("standard %s is closed", fd == STDIN_FILENO ? "input" : "output");
      return TOOL_EXIT_FAILURE;
    }
  if (fd < 0)
    {
      /* Before the channel exists: a missing file leaves nothing behind. */
      fd = open (stream->input, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          err = errno;
          tool_message ("cannot open \"%s\": %s", stream->input, g_strerror (err));
          return TOOL_EXIT_FAILURE;
        }
    }

  /* What the creator of an existing channel decided otherwise than
   * --slow or --readers ask: say so before joining it (joining and
   * leaving would abort the stream of others, or lose a reader in it). */
  if (stream->policy_given || stream->readers > 1)
    {
      g_autoptr(ShmipcObjectInfo) info = shmipc_object_info_lookup (stream->name, stream->backend,
                                                                    NULL);
      const ShmipcChannelInfo *existing = info != NULL ? info->channel : NULL;

      if (existing != NULL && stream->policy_given &&
          !policy_matches (stream, existing->policy, existing->drop_grace_ms))
        policy_refused (stream, existing->policy, existing->drop_grace_ms);
      if (existing != NULL && existing->max_readers < stream->readers)
        {
          g_autofree gchar *name = tool_escape (stream->name);

          tool_message ("channel \"%s\" takes at most %u readers: --readers=%u cannot be met",
                        name, existing->max_readers, stream->readers);
          return TOOL_EXIT_FAILURE;
        }
    }

  catch_stream_signals ();
  /* A new channel takes the most readers (the default), whoever makes it. */
  channel = shmipc_channel_open_full (stream->name, stream->role, stream->capacity,
                                      stream->mode, stream->backend, 0,
                                      stream->policy, stream->drop_grace_ms,
                                      stream->force ? SHMIPC_CHANNEL_OPEN_FORCE
                                                    : SHMIPC_CHANNEL_OPEN_NONE,
                                      &error);
  if (channel == NULL)
    {
      if (stream_signal != 0)
        {
          g_error_free (error);
          tool_message ("interrupted by %s", signal_name (stream_signal));
          tool_die_of_signal (stream_signal);
        }
      if (g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_OWNER))
        {
          g_error_free (error);
          tool_refuse_not_owner ("join", stream->name, 0, stream->backend,
                                 "use --force to join it anyway");
          return TOOL_EXIT_FAILURE;
        }
      tool_fail_object (error);
    }
  stream_channel = channel;
  /* A signal that came while the channel was being opened. */
  if (stream_signal != 0)
    shmipc_channel_abort (channel);

  /* The same, for a channel another process created just before us. */
  if (stream->policy_given &&
      !policy_matches (stream, shmipc_channel_get_policy (channel),
                       shmipc_channel_get_drop_grace (channel)))
    {
      ShmipcChannelPolicy policy = shmipc_channel_get_policy (channel);
      guint grace = shmipc_channel_get_drop_grace (channel);

      stream_channel = NULL;
      if (stream->role == SHMIPC_CHANNEL_CONSUMER && shmipc_channel_leave (channel))
        shmipc_channel_unlink (channel, NULL);
      shmipc_channel_free (channel);
      policy_refused (stream, policy, grace);
    }

  if (stream->role == SHMIPC_CHANNEL_PRODUCER)
    {
      /* One reader needs no wait: the first to come gets the stream from
       * its first byte. */
      ok = (stream->readers <= 1 ||
            shmipc_channel_wait_readers (channel, stream->readers, stream->timeout_ms, &error)) &&
           shmipc_channel_send_fd (channel, fd, NULL, stream->timeout_ms, &error);
      lost = shmipc_channel_get_lost_readers (channel, &n_lost);
      n_cut = shmipc_channel_get_n_cut_readers (channel);
      cut = n_cut > 0 ? g_new (ShmipcChannelReaderInfo, n_cut) : NULL;
      for (i = 0; i < n_cut; i++)
        cut[i] = *shmipc_channel_get_cut_reader (channel, i);
      grace_ms = shmipc_channel_get_drop_grace (channel);
      /* The readers still reading the rest remove the channel. */
      remove = !ok;
    }
  else
    {
      ok = shmipc_channel_receive_fd (channel, fd, NULL, stream->timeout_ms, &error);
      /* The last reader to leave removes the channel. */
      remove = shmipc_channel_leave (channel);
    }

  /* Another user's channel, joined with --force, is theirs to remove
   * (the system would refuse us anyway). The other end may have removed
   * it first. */
  if (remove && stream->force)
    {
      ShmipcStat st;

      if (shmipc_segment_stat (shmipc_channel_get_segment (channel), &st, NULL) &&
          st.uid != (guint32) geteuid ())
        remove = FALSE;
    }
  if (remove)
    {
      GError *unlink_error = NULL;

      if (!shmipc_channel_unlink (channel, &unlink_error))
        {
          if (!g_error_matches (unlink_error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND) && ok)
            {
              ok = FALSE;
              error = g_steal_pointer (&unlink_error);
            }
          g_clear_error (&unlink_error);
        }
    }

  stream_channel = NULL;
  /* Aborts the stream if it is not complete, so that the readers stop. */
  shmipc_channel_free (channel);

  signo = stream_signal;
  if (signo != 0)
    {
      g_clear_error (&error);
      tool_message ("interrupted by %s", signal_name (signo));
      tool_die_of_signal (signo);
    }
  /* Cut off under the drop policy: not a failure of the stream, which
   * went on for the others, as the policy asked. */
  for (i = 0; i < n_cut; i++)
    {
      g_autofree gchar *grace = grace_string (grace_ms);

      if (grace_ms > 0)
        tool_message ("cut off reader %u (process %d): it kept the stream waiting for more "
                      "than %s", cut[i].slot, (int) cut[i].pid, grace);
      else
        tool_message ("cut off reader %u (process %d): it fell a whole ring behind",
                      cut[i].slot, (int) cut[i].pid);
    }
  g_free (cut);
  /* As tee(1): the others got everything, but these did not. When every
   * reader is gone, the error names the last one. */
  if (!ok && g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_PEER_DIED) && n_lost > 0)
    n_lost--;
  for (i = 0; i < n_lost; i++)
    tool_message ("lost a reader: process %d left or died before the end of the stream",
                  (int) lost[i]);
  if (ok && n_lost > 0)
    {
      g_free (lost);
      return TOOL_EXIT_FAILURE;
    }
  g_free (lost);
  if (ok)
    return TOOL_EXIT_SUCCESS;

  /* "cons --stream | head": end quietly, as if SIGPIPE had killed us. */
  if (shmipc_error_get_errno (error) == EPIPE && sigpipe_was_default &&
      stream->role == SHMIPC_CHANNEL_CONSUMER)
    {
      g_error_free (error);
      tool_die_of_signal (SIGPIPE);
    }
  tool_fail (error);
}

/* "512 bytes", "4.0 MiB": IEC units in plain ASCII, whatever the locale
 * (g_format_size() puts a no-break space before the unit). */
gchar *
tool_format_size (guint64 bytes)
{
  static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
  double value = (double) bytes;
  guint i = 0;

  if (bytes < 1024)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", bytes);
  value /= 1024;
  while (value >= 1024 && i + 1 < G_N_ELEMENTS (units))
    {
      value /= 1024;
      i++;
    }
  return g_strdup_printf ("%.1f %s", value, units[i]);
}
