/* tool-watch.c - shmdump --watch: a live view of one object
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each interval the object is described again (shmipc_object_info_lookup())
 * and, for a channel, the positions are compared with the last look to
 * give rates; for any other object its bytes are read again and the dump
 * lines that changed are shown. On a terminal the view is redrawn in
 * place and q ends it; otherwise each interval appends plain lines,
 * without an escape sequence, for a log or a pipe.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "tool-common.h"
#include "tool-watch.h"

/* Dump lines of this many bytes (the canonical format's). */
#define LINE_BYTES 16
/* On a terminal, at most this many changed lines are shown at a time. */
#define MAX_SHOWN_LINES 40

static volatile sig_atomic_t watch_signal;
static gboolean terminal_changed;
static struct termios saved_termios;

static void
on_watch_signal (int signo)
{
  if (watch_signal == 0)
    watch_signal = signo;
}

static void
restore_terminal (void)
{
  if (terminal_changed)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved_termios);
  terminal_changed = FALSE;
}

/* Keys without Enter and without echo, for q. */
static void
raw_keys (void)
{
  struct termios t;

  if (tcgetattr (STDIN_FILENO, &saved_termios) != 0)
    return;
  t = saved_termios;
  t.c_lflag &= ~(tcflag_t) (ICANON | ECHO);
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  if (tcsetattr (STDIN_FILENO, TCSANOW, &t) == 0)
    terminal_changed = TRUE;
}

typedef struct {
  const ToolWatch *options;
  gboolean terminal;       /* redraw in place */
  gboolean keys;           /* q from the terminal */
  gchar *what;             /* the object, escaped, for the output */
  GString *out;
  /* The last look. */
  gboolean have_last;
  gint64 last_time;        /* monotonic, µs */
  ShmipcChannelInfo last_channel;
  GBytes *last_bytes;
} Watch;

static gchar *
rate_text (const Watch *watch,
           guint64      before,
           guint64      now,
           gint64       elapsed_us)
{
  g_autofree gchar *size = NULL;

  if (!watch->have_last || elapsed_us <= 0 || now < before)
    return g_strdup ("-");
  size = tool_format_size ((guint64) ((gdouble) (now - before) * G_USEC_PER_SEC / elapsed_us));
  return g_strdup_printf ("%s/s", size);
}

/* The previous position of the reader now in @reader's slot, if the same
 * process held it at the last look. */
static gboolean
last_reader_position (const Watch                   *watch,
                      const ShmipcChannelReaderInfo *reader,
                      guint64                       *position_out)
{
  guint i;

  if (!watch->have_last)
    return FALSE;
  for (i = 0; i < watch->last_channel.n_readers; i++)
    {
      const ShmipcChannelReaderInfo *last =
        shmipc_channel_info_get_reader (&watch->last_channel, i);

      if (last->slot == reader->slot && last->pid == reader->pid)
        {
          *position_out = last->position;
          return TRUE;
        }
    }
  return FALSE;
}

static void
show_channel (Watch                   *watch,
              const ShmipcChannelInfo *channel,
              const gchar             *stamp,
              gint64                   elapsed_us)
{
  GString *out = watch->out;
  g_autofree gchar *fill = tool_format_size (channel->fill);
  g_autofree gchar *capacity = tool_format_size (channel->capacity);
  g_autofree gchar *in = rate_text (watch, watch->last_channel.write_position,
                                    channel->write_position, elapsed_us);
  g_autofree gchar *drained = rate_text (watch, watch->last_channel.read_position,
                                         channel->read_position, elapsed_us);
  guint percent = channel->capacity > 0 ? (guint) (channel->fill * 100 / channel->capacity) : 0;
  g_autofree gchar *producer = channel->producer_pid > 0 ?
    g_strdup_printf ("%d (%s)", (int) channel->producer_pid,
                     channel->producer_alive ? "alive" : "dead") : g_strdup ("none");
  guint i;

  if (watch->terminal)
    {
      g_string_append_printf (out, "%s, every %.1f s, %s (q quits)\n\n", watch->what,
                              watch->options->interval_ms / 1000.0, stamp);
      g_string_append_printf (out, "state     %s, policy %s%s\n",
                              shmipc_channel_state_to_string (channel->state),
                              shmipc_channel_policy_to_string (channel->policy),
                              channel->awaiting_first_reader ? ", waiting for its first reader" : "");
      g_string_append_printf (out, "fill      %s of %s (%u%%)\n", fill, capacity, percent);
      g_string_append_printf (out, "in        %-14s producer %s\n", in, producer);
      g_string_append_printf (out, "out       %s\n", drained);
    }
  else
    g_string_append_printf (out, "%s %s: %s, fill %s of %s (%u%%), in %s, out %s, producer %s",
                            stamp, watch->what, shmipc_channel_state_to_string (channel->state),
                            fill, capacity, percent, in, drained, producer);

  for (i = 0; i < channel->n_readers; i++)
    {
      const ShmipcChannelReaderInfo *reader = shmipc_channel_info_get_reader (channel, i);
      g_autofree gchar *lag = tool_format_size (reader->lag);
      g_autofree gchar *rate = NULL;
      guint64 before;

      if (last_reader_position (watch, reader, &before))
        rate = rate_text (watch, before, reader->position, elapsed_us);
      else
        rate = g_strdup ("-");
      if (watch->terminal)
        g_string_append_printf (out, "reader %-2u pid %d (%s), %s, lag %s, %s\n", reader->slot,
                                (int) reader->pid, reader->alive ? "alive" : "dead",
                                shmipc_channel_reader_state_to_string (reader->state), lag, rate);
      else
        g_string_append_printf (out, "; reader %u pid %d (%s) %s, lag %s, %s", reader->slot,
                                (int) reader->pid, reader->alive ? "alive" : "dead",
                                shmipc_channel_reader_state_to_string (reader->state), lag, rate);
    }
  if (channel->n_readers == 0)
    g_string_append (out, watch->terminal ? "no reader\n" : "; no reader");
  if (!watch->terminal)
    g_string_append_c (out, '\n');
  watch->last_channel = *channel;
}

/* One canonical dump line of @data at @offset. */
static void
append_dump_line (GString      *out,
                  const guint8 *data,
                  gsize         size,
                  gsize         offset)
{
  GString *line = g_string_new (NULL);
  gchar *end;

  shmipc_format_dump (line, SHMIPC_DUMP_FORMAT_CANONICAL, SHMIPC_DUMP_NO_SQUEEZE, offset,
                      MIN ((gsize) LINE_BYTES, size - offset), data, size);
  /* Only the line itself, without the closing offset line. */
  end = strchr (line->str, '\n');
  if (end != NULL)
    g_string_append_len (out, line->str, end - line->str + 1);
  g_string_free (line, TRUE);
}

static void
show_bytes (Watch       *watch,
            GBytes      *bytes,
            const gchar *stamp)
{
  GString *out = watch->out;
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  gsize last_size = 0;
  const guint8 *last = watch->last_bytes != NULL ?
                       g_bytes_get_data (watch->last_bytes, &last_size) : NULL;
  gsize n_lines = (size + LINE_BYTES - 1) / LINE_BYTES;
  guint changed = 0;
  guint shown = 0;
  gsize offset;
  GString *lines = g_string_new (NULL);

  for (offset = 0; last != NULL && offset < size; offset += LINE_BYTES)
    {
      gsize len = MIN ((gsize) LINE_BYTES, size - offset);

      if (offset + len <= last_size && memcmp (data + offset, last + offset, len) == 0)
        continue;
      changed++;
      if (watch->terminal && shown >= MAX_SHOWN_LINES)
        continue;
      shown++;
      if (!watch->terminal)
        g_string_append_printf (lines, "%s %s ", stamp, watch->what);
      append_dump_line (lines, data, size, offset);
    }

  if (watch->terminal)
    {
      g_string_append_printf (out, "%s, every %.1f s, %s (q quits)\n\n", watch->what,
                              watch->options->interval_ms / 1000.0, stamp);
      if (last == NULL)
        g_string_append_printf (out, "%" G_GSIZE_FORMAT " bytes, %" G_GSIZE_FORMAT
                                " dump lines: the lines that change will be shown here\n",
                                size, n_lines);
      else
        g_string_append_printf (out, "%u of %" G_GSIZE_FORMAT " lines changed since the last look%s\n",
                                changed, n_lines, changed > shown ? " (the first ones shown)" : "");
    }
  else if (last == NULL)
    g_string_append_printf (out, "%s %s: %" G_GSIZE_FORMAT " bytes, %" G_GSIZE_FORMAT " lines\n",
                            stamp, watch->what, size, n_lines);
  else
    g_string_append_printf (out, "%s %s: %u of %" G_GSIZE_FORMAT " lines changed\n",
                            stamp, watch->what, changed, n_lines);
  g_string_append_len (out, lines->str, lines->len);
  g_string_free (lines, TRUE);
  g_clear_pointer (&watch->last_bytes, g_bytes_unref);
  watch->last_bytes = g_bytes_ref (bytes);
}

static ShmipcObjectInfo *
look_up (const ToolWatch  *options,
         GError          **error)
{
  if (options->key != 0)
    return shmipc_object_info_lookup_key (options->key, error);
  return shmipc_object_info_lookup (options->name, options->backend, error);
}

static GBytes *
read_object (const ToolWatch  *options,
             GError          **error)
{
  g_autoptr(ShmipcSegment) segment = NULL;

  if (options->key != 0)
    segment = shmipc_segment_open_key (options->key, SHMIPC_OPEN_READ_ONLY, 0,
                                       SHMIPC_DEFAULT_MODE, error);
  else
    segment = shmipc_segment_open (options->name, SHMIPC_OPEN_READ_ONLY, 0,
                                   SHMIPC_DEFAULT_MODE, options->backend, error);
  if (segment == NULL)
    return NULL;
  return shmipc_segment_read_bytes (segment, 0, shmipc_segment_get_size (segment), error);
}

/* Writes and empties watch->out; FALSE when standard output is gone. */
static gboolean
flush_out (Watch *watch)
{
  const gchar *p = watch->out->str;
  gsize left = watch->out->len;

  while (left > 0)
    {
      ssize_t n = write (STDOUT_FILENO, p, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      p += n;
      left -= (gsize) n;
    }
  g_string_truncate (watch->out, 0);
  return TRUE;
}

/* Sleeps for the interval; FALSE when q was pressed or a signal came. */
static gboolean
pause_interval (const Watch *watch)
{
  gint64 end = g_get_monotonic_time () + (gint64) watch->options->interval_ms * 1000;

  for (;;)
    {
      struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
      gint64 left = end - g_get_monotonic_time ();
      int n;

      if (watch_signal != 0)
        return FALSE;
      if (left <= 0)
        return TRUE;
      n = poll (&pfd, watch->keys ? 1 : 0, (int) ((left + 999) / 1000));
      if (n > 0 && watch->keys)
        {
          char c;

          if (read (STDIN_FILENO, &c, 1) != 1 || c == 'q' || c == 'Q')
            return FALSE;
        }
    }
}

int
tool_watch (const ToolWatch *options)
{
  Watch watch = { 0 };
  int status = TOOL_EXIT_SUCCESS;
  guint looks = 0;

  watch.options = options;
  watch.terminal = isatty (STDOUT_FILENO);
  watch.keys = watch.terminal && isatty (STDIN_FILENO);
  watch.out = g_string_new (NULL);
  if (options->key != 0)
    watch.what = g_strdup_printf ("SysV key 0x%08x", (guint32) options->key);
  else
    {
      g_autofree gchar *name = tool_escape (options->name);

      watch.what = g_strdup_printf ("\"%s\"", name);
    }
  /* No SA_RESTART: poll() returns at once. */
  tool_catch_stop_signals (on_watch_signal);
  if (watch.keys)
    raw_keys ();

  for (;;)
    {
      g_autoptr(ShmipcObjectInfo) info = NULL;
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GDateTime) date = g_date_time_new_now_local ();
      g_autofree gchar *stamp = g_date_time_format (date, "%Y-%m-%d %H:%M:%S");
      gint64 now = g_get_monotonic_time ();

      info = look_up (options, &error);
      if (info != NULL && info->channel == NULL)
        bytes = read_object (options, &error);
      if (info == NULL || (info->channel == NULL && bytes == NULL))
        {
          /* Gone since the last look; missing at the first is an error. */
          if (looks > 0 && g_error_matches (error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND))
            {
              g_string_append_printf (watch.out, "%s %s is gone\n", stamp, watch.what);
              break;
            }
          restore_terminal ();
          flush_out (&watch);
          tool_message ("%s", error->message);
          status = TOOL_EXIT_FAILURE;
          break;
        }

      if (watch.terminal)
        g_string_append (watch.out, "\033[H\033[J");
      if (info->channel != NULL)
        show_channel (&watch, info->channel, stamp, now - watch.last_time);
      else
        show_bytes (&watch, bytes, stamp);
      watch.have_last = TRUE;
      watch.last_time = now;
      if (!flush_out (&watch))
        {
          int err = errno;

          restore_terminal ();
          tool_message ("write to standard output failed: %s", g_strerror (err));
          status = TOOL_EXIT_FAILURE;
          break;
        }
      looks++;
      if ((options->count > 0 && looks >= options->count) || !pause_interval (&watch))
        break;
    }

  flush_out (&watch);
  restore_terminal ();
  g_string_free (watch.out, TRUE);
  g_free (watch.what);
  g_clear_pointer (&watch.last_bytes, g_bytes_unref);
  if (watch_signal != 0)
    tool_die_of_signal (watch_signal);
  return status;
}
