/* tool-list.c - what shmdump --list and --info print: a table, a
 * description, JSON
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Object names are any bytes another local user chose: on a terminal
 * they go through tool_escape(), in JSON through tool_json_string() (JSON's
 * own escapes, every control character included), and a name that is not
 * UTF-8 is given exactly, in base64, as "name_base64".
 */
#include <string.h>

#include "tool-common.h"
#include "tool-json.h"
#include "tool-list.h"

static void
add_detail (GPtrArray   *details,
            const gchar *label,
            gchar       *value)
{
  g_ptr_array_add (details, g_strdup (label));
  g_ptr_array_add (details, value);
}

static gchar *
pid_string (gint32   pid,
            gboolean alive)
{
  if (pid <= 0)
    return g_strdup ("none");
  return g_strdup_printf ("%d (%s)", pid, alive ? "alive" : "dead");
}

/* The decoded header of @info as alternating labels and values, the
 * lines of --info after "Format" and the "details" of JSON: a channel's
 * header, or why it could not be decoded; an unpublished message's
 * writer. NULL for other objects. */
static GPtrArray *
details_of (const ShmipcObjectInfo *info)
{
  GPtrArray *details = g_ptr_array_new_with_free_func (g_free);
  const ShmipcChannelInfo *channel = info->channel;
  guint i;

  if (channel != NULL)
    {
      add_detail (details, "Channel version", g_strdup_printf ("%u", channel->version));
      add_detail (details, "Capacity", g_strdup_printf ("%" G_GUINT64_FORMAT, channel->capacity));
      add_detail (details, "Fill", g_strdup_printf ("%" G_GUINT64_FORMAT, channel->fill));
      add_detail (details, "Read position",
                  g_strdup_printf ("%" G_GUINT64_FORMAT, channel->read_position));
      add_detail (details, "Write position",
                  g_strdup_printf ("%" G_GUINT64_FORMAT, channel->write_position));
      add_detail (details, "State", g_strdup (shmipc_channel_state_to_string (channel->state)));
      add_detail (details, "Producer pid", pid_string (channel->producer_pid, channel->producer_alive));
      if (channel->policy == SHMIPC_CHANNEL_POLICY_DROP)
        add_detail (details, "Policy", g_strdup_printf ("drop (grace %.10g s)",
                                                        channel->drop_grace_ms / 1000.0));
      else
        add_detail (details, "Policy", g_strdup (shmipc_channel_policy_to_string (channel->policy)));
      add_detail (details, "Readers",
                  g_strdup_printf ("%u of at most %u%s", channel->n_readers, channel->max_readers,
                                   channel->awaiting_first_reader ?
                                   " (the stream waits for its first reader)" : ""));
      for (i = 0; i < channel->n_readers; i++)
        {
          const ShmipcChannelReaderInfo *reader = shmipc_channel_info_get_reader (channel, i);
          g_autofree gchar *label = g_strdup_printf ("Reader %u", reader->slot);

          add_detail (details, label,
                      g_strdup_printf ("pid %d (%s), %s, position %" G_GUINT64_FORMAT
                                       ", lag %" G_GUINT64_FORMAT, reader->pid,
                                       reader->alive ? "alive" : "dead",
                                       shmipc_channel_reader_state_to_string (reader->state),
                                       reader->position, reader->lag));
        }
      add_detail (details, "Stale", g_strdup (info->stale ? "yes" : "no"));
    }
  else if (info->header_error != NULL)
    add_detail (details, "Header", g_strdup (info->header_error));
  else if (info->format == SHMIPC_OBJECT_FORMAT_UNPUBLISHED)
    {
      add_detail (details, "Publication",
                  g_strdup (info->stale ? "abandoned: its writer died before publishing it"
                                        : "in progress: its writer is still writing it"));
      add_detail (details, "Writer pid",
                  info->writer_pid > 0 ? pid_string (info->writer_pid, !info->stale)
                                       : g_strdup ("unknown"));
      add_detail (details, "Stale", g_strdup (info->stale ? "yes" : "no"));
    }
  else
    g_clear_pointer (&details, g_ptr_array_unref);
  return details;
}

/* TRUE for the objects whose "stale" means something: a channel whose
 * header was decoded, an unpublished message. */
static gboolean
has_stale (const ShmipcObjectInfo *info)
{
  return info->channel != NULL || info->format == SHMIPC_OBJECT_FORMAT_UNPUBLISHED;
}

static gchar *
format_time (gint64       seconds,
             const gchar *format)
{
  g_autoptr(GDateTime) dt = NULL;

  if (seconds <= 0)
    return g_strdup ("-");
  dt = g_date_time_new_from_unix_local (seconds);
  if (dt == NULL)
    return g_strdup ("-");
  return g_date_time_format (dt, format);
}

static gchar *
name_or_key (const ShmipcObjectInfo *info)
{
  if (info->backend == SHMIPC_BACKEND_POSIX)
    return tool_escape (info->name);
  return g_strdup_printf ("0x%08x", (guint32) info->key);
}

/* The FORMAT column: the format, with " (stale)" for a stale object;
 * "unpublished (writing)" or "unpublished (abandoned)" for a message
 * whose writer runs or died. */
static gchar *
format_cell (const ShmipcObjectInfo *info)
{
  const gchar *format = shmipc_object_format_to_string (info->format);

  if (info->format == SHMIPC_OBJECT_FORMAT_UNPUBLISHED)
    return g_strconcat (format, info->stale ? " (abandoned)" : " (writing)", NULL);
  if (info->stale)
    return g_strconcat (format, " (stale)", NULL);
  return g_strdup (format);
}

static gchar *
pids_to_string (const ShmipcObjectInfo *info)
{
  GString *text = g_string_new (NULL);
  guint i;

  for (i = 0; i < info->pids->len; i++)
    g_string_append_printf (text, "%s%d", i > 0 ? " " : "",
                            g_array_index (info->pids, gint32, i));
  return g_string_free (text, FALSE);
}

void
tool_info_format (const ShmipcObjectInfo *info,
                  GString                *out)
{
  g_autofree gchar *atime = NULL;
  g_autofree gchar *mtime = NULL;
  g_autofree gchar *ctime = NULL;
  g_autofree gchar *pids = NULL;
  g_autoptr(GPtrArray) details = details_of (info);
  const gchar *time_format = "%Y-%m-%d %H:%M:%S %z";
  gboolean sysv;
  guint i;

  sysv = info->backend == SHMIPC_BACKEND_SYSV;
  atime = format_time (info->atime, time_format);
  mtime = format_time (info->mtime, time_format);
  ctime = format_time (info->ctime, time_format);
  pids = pids_to_string (info);

  g_string_append_printf (out, "Backend: %s\n", shmipc_backend_to_string (info->backend));
  if (sysv)
    {
      g_string_append_printf (out, "Key: 0x%08x\n", (guint32) info->key);
      g_string_append_printf (out, "Id: %d\n", info->id);
    }
  else
    {
      g_autofree gchar *name = tool_escape (info->name);

      g_string_append_printf (out, "Name: %s\n", name);
    }
  g_string_append_printf (out, "Size: %" G_GUINT64_FORMAT "\n", info->size);
  g_string_append_printf (out, "Mode: %04o\n", info->mode);
  g_string_append_printf (out, "Owner: %s (uid %u, gid %u)\n", info->owner, info->uid, info->gid);
  g_string_append_printf (out, "%s: %s\n", sysv ? "Attached" : "Accessed", atime);
  g_string_append_printf (out, "Modified: %s\n", mtime);
  g_string_append_printf (out, "Changed: %s\n", ctime);
  g_string_append_printf (out, "Attached processes: %" G_GUINT64_FORMAT "\n", info->nattch);
  g_string_append_printf (out, "Pids: %s\n", info->pids->len > 0 ? pids : "-");
  if (sysv)
    {
      g_string_append_printf (out, "Creator pid: %d\n", info->cpid);
      g_string_append_printf (out, "Last attach/detach pid: %d\n", info->lpid);
    }
  g_string_append_printf (out, "Format: %s\n", shmipc_object_format_to_string (info->format));
  for (i = 0; details != NULL && i + 1 < details->len; i += 2)
    {
      /* A detail may quote a name, in an error message. */
      g_autofree gchar *value = tool_escape (details->pdata[i + 1]);

      g_string_append_printf (out, "%s: %s\n", (const gchar *) details->pdata[i], value);
    }
}

void
tool_list_format (GPtrArray *objects,
                  GString   *out)
{
  enum { TYPE, NAME, ID, SIZE, MODE, OWNER, ATTACHED, READERS, FORMAT, MODIFIED, N_COLUMNS };
  static const gchar *const headers[N_COLUMNS] = {
    "TYPE", "NAME/KEY", "ID", "SIZE", "MODE", "OWNER", "ATTACHED", "READERS", "FORMAT", "MODIFIED"
  };
  /* Numbers are right-aligned, text left-aligned. */
  static const gboolean right[N_COLUMNS] = {
    FALSE, FALSE, TRUE, TRUE, FALSE, FALSE, TRUE, TRUE, FALSE, FALSE
  };
  g_autoptr(GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  gsize widths[N_COLUMNS];
  guint rows = objects->len + 1;
  guint r, c;

  for (c = 0; c < N_COLUMNS; c++)
    g_ptr_array_add (cells, g_strdup (headers[c]));
  for (r = 0; r < objects->len; r++)
    {
      const ShmipcObjectInfo *info = objects->pdata[r];

      g_ptr_array_add (cells, g_strdup (shmipc_backend_to_string (info->backend)));
      g_ptr_array_add (cells, name_or_key (info));
      g_ptr_array_add (cells, info->id >= 0 ? g_strdup_printf ("%d", info->id) : g_strdup ("-"));
      g_ptr_array_add (cells, g_strdup_printf ("%" G_GUINT64_FORMAT, info->size));
      g_ptr_array_add (cells, g_strdup_printf ("%04o", info->mode));
      g_ptr_array_add (cells, g_strdup (info->owner));
      g_ptr_array_add (cells, g_strdup_printf ("%" G_GUINT64_FORMAT, info->nattch));
      /* A channel's reader slots in use; "-" for anything else. */
      g_ptr_array_add (cells, info->channel != NULL ?
                       g_strdup_printf ("%u", info->channel->n_readers) : g_strdup ("-"));
      g_ptr_array_add (cells, format_cell (info));
      g_ptr_array_add (cells, format_time (info->mtime, "%Y-%m-%d %H:%M"));
    }

  /* Every cell is valid UTF-8 (names are escaped). */
  for (c = 0; c < N_COLUMNS; c++)
    {
      widths[c] = 0;
      for (r = 0; r < rows; r++)
        widths[c] = MAX (widths[c], (gsize) g_utf8_strlen (cells->pdata[r * N_COLUMNS + c], -1));
    }
  for (r = 0; r < rows; r++)
    {
      for (c = 0; c < N_COLUMNS; c++)
        {
          const gchar *cell = cells->pdata[r * N_COLUMNS + c];
          gsize pad = widths[c] - (gsize) g_utf8_strlen (cell, -1);

          if (c > 0)
            g_string_append_c (out, ' ');
          if (right[c])
            g_string_append_printf (out, "%*s%s", (int) pad, "", cell);
          else if (c + 1 < N_COLUMNS)
            g_string_append_printf (out, "%s%*s", cell, (int) pad, "");
          else
            g_string_append (out, cell);
        }
      g_string_append_c (out, '\n');
    }
}

/* ----------------------------------------------------------------------
 * JSON (written with tool-json.h)
 * ---------------------------------------------------------------------- */

/* A channel's "readers": one object per reader slot in use. */
static void
json_readers (ToolJson                    *json,
              const ShmipcChannelInfo *channel)
{
  guint i;

  tool_json_member (json, "readers");
  tool_json_open (json, '[');
  for (i = 0; i < channel->n_readers; i++)
    {
      const ShmipcChannelReaderInfo *reader = shmipc_channel_info_get_reader (channel, i);

      tool_json_next (json);
      tool_json_open (json, '{');
      tool_json_member_int (json, "slot", reader->slot);
      tool_json_member_int (json, "pid", reader->pid);
      tool_json_member_bool (json, "alive", reader->alive);
      tool_json_member_string (json, "state", shmipc_channel_reader_state_to_string (reader->state));
      tool_json_member_int (json, "position", (gint64) reader->position);
      tool_json_member_int (json, "lag", (gint64) reader->lag);
      tool_json_close (json, '}');
    }
  tool_json_close (json, ']');
}

/* "name", exact when it is UTF-8; otherwise with U+FFFD for each byte
 * that is not, and the exact bytes in base64 as "name_base64". */
void
tool_list_json_name (ToolJson               *json,
                     const ShmipcObjectInfo *info)
{
  g_autofree gchar *valid = NULL;
  g_autofree gchar *base64 = NULL;

  if (info->backend != SHMIPC_BACKEND_POSIX)
    {
      tool_json_member_string (json, "name", NULL);
      return;
    }
  if (g_utf8_validate (info->name, -1, NULL))
    {
      tool_json_member_string (json, "name", info->name);
      return;
    }
  valid = g_utf8_make_valid (info->name, -1);
  base64 = g_base64_encode ((const guchar *) info->name, strlen (info->name));
  tool_json_member_string (json, "name", valid);
  tool_json_member_string (json, "name_base64", base64);
}

static void
json_object_info (ToolJson                   *json,
                  const ShmipcObjectInfo *info)
{
  g_autofree gchar *mode = g_strdup_printf ("%04o", info->mode);
  g_autoptr(GPtrArray) details = details_of (info);
  gboolean sysv = info->backend == SHMIPC_BACKEND_SYSV;
  guint i;

  tool_json_open (json, '{');
  tool_json_member_string (json, "type", shmipc_backend_to_string (info->backend));
  tool_list_json_name (json, info);
  if (sysv)
    {
      g_autofree gchar *key = g_strdup_printf ("0x%08x", (guint32) info->key);

      tool_json_member_string (json, "key", key);
      tool_json_member_int (json, "id", info->id);
    }
  else
    {
      tool_json_member_string (json, "key", NULL);
      tool_json_member_string (json, "id", NULL);
    }
  tool_json_member_int (json, "size", (gint64) info->size);
  tool_json_member_string (json, "mode", mode);
  tool_json_member_string (json, "owner", info->owner);
  tool_json_member_int (json, "uid", info->uid);
  tool_json_member_int (json, "gid", info->gid);
  tool_json_member_int (json, "attached", (gint64) info->nattch);
  tool_json_member (json, "pids");
  g_string_append_c (json->out, '[');
  for (i = 0; i < info->pids->len; i++)
    g_string_append_printf (json->out, "%s%d", i > 0 ? (json->pretty ? ", " : ",") : "",
                            g_array_index (info->pids, gint32, i));
  g_string_append_c (json->out, ']');
  if (sysv)
    {
      tool_json_member_int (json, "cpid", info->cpid);
      tool_json_member_int (json, "lpid", info->lpid);
    }
  tool_json_member_string (json, "format", shmipc_object_format_to_string (info->format));
  tool_json_member_time (json, "atime", info->atime);
  tool_json_member_time (json, "mtime", info->mtime);
  tool_json_member_time (json, "ctime", info->ctime);
  if (has_stale (info))
    tool_json_member_bool (json, "stale", info->stale);
  if (info->channel != NULL)
    {
      tool_json_member_string (json, "policy", shmipc_channel_policy_to_string (info->channel->policy));
      if (info->channel->policy == SHMIPC_CHANNEL_POLICY_DROP)
        tool_json_member_int (json, "drop_grace_ms", info->channel->drop_grace_ms);
      else
        tool_json_member_string (json, "drop_grace_ms", NULL);
      tool_json_member_int (json, "max_readers", info->channel->max_readers);
      json_readers (json, info->channel);
    }
  if (details != NULL)
    {
      tool_json_member (json, "details");
      tool_json_open (json, '{');
      for (i = 0; i + 1 < details->len; i += 2)
        {
          g_autofree gchar *value = g_utf8_make_valid (details->pdata[i + 1], -1);

          tool_json_member_string (json, details->pdata[i], value);
        }
      tool_json_close (json, '}');
    }
  tool_json_close (json, '}');
}

void
tool_info_to_json (const ShmipcObjectInfo *info,
                   gboolean                pretty,
                   GString                *out)
{
  ToolJson json = { out, pretty, 0, TRUE };

  json_object_info (&json, info);
}

void
tool_list_to_json (GPtrArray *objects,
                   gboolean   pretty,
                   GString   *out)
{
  ToolJson json = { out, pretty, 0, TRUE };
  guint i;

  tool_json_open (&json, '[');
  for (i = 0; i < objects->len; i++)
    {
      tool_json_next (&json);
      json_object_info (&json, objects->pdata[i]);
    }
  tool_json_close (&json, ']');
}
