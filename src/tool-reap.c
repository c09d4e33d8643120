/* tool-reap.c - shmdump --reap: remove what is provably dead, and say so
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The library judges (ShmipcObjectInfo's "stale", and again at the
 * moment of removal in shmipc_object_remove_stale()); the words and the
 * policy of whose objects to touch are here.
 */
#include <string.h>
#include <unistd.h>

#include "tool-common.h"
#include "tool-json.h"
#include "tool-list.h"
#include "tool-reap.h"

typedef enum {
  REAP_REMOVED,
  REAP_WOULD_REMOVE,
  REAP_KEPT,      /* alive again, or gone, since it was listed */
  REAP_FAILED
} ReapAction;

static const char *const action_words[] = { "removed", "would remove", "kept", "failed" };

/* "process 12", "processes 12, 13" */
static void
append_processes (GString      *out,
                  const GArray *pids)
{
  guint i;

  g_string_append (out, pids->len == 1 ? "process " : "processes ");
  for (i = 0; i < pids->len; i++)
    g_string_append_printf (out, "%s%d", i > 0 ? ", " : "", g_array_index (pids, gint32, i));
}

/* Why a stale channel is dead: "stale channel (the stream was aborted):
 * its producer (process 12) and its reader (process 13) are gone". */
static gchar *
channel_reason (const ShmipcChannelInfo *channel)
{
  g_autoptr(GArray) readers = g_array_new (FALSE, FALSE, sizeof (gint32));
  GString *out = g_string_new ("stale channel (");
  gboolean several;
  guint i;

  for (i = 0; i < channel->n_readers; i++)
    {
      const ShmipcChannelReaderInfo *reader = shmipc_channel_info_get_reader (channel, i);

      if (reader->pid > 0)
        g_array_append_val (readers, reader->pid);
    }
  switch (channel->state)
    {
    case SHMIPC_CHANNEL_STATE_END_OF_STREAM:
      g_string_append (out, "the stream was read to its end");
      break;
    case SHMIPC_CHANNEL_STATE_ABORTED:
      g_string_append (out, "the stream was aborted");
      break;
    default:
      g_string_append (out, "the stream was never finished");
      break;
    }
  g_string_append (out, "): ");
  if (channel->producer_pid <= 0 && readers->len == 0)
    {
      g_string_append (out, "no process uses it");
      return g_string_free (out, FALSE);
    }
  several = readers->len > 1 || (channel->producer_pid > 0 && readers->len > 0);
  if (channel->producer_pid > 0)
    g_string_append_printf (out, "its producer (process %d)", (int) channel->producer_pid);
  if (readers->len > 0)
    {
      g_string_append_printf (out, "%s%s (", channel->producer_pid > 0 ? " and " : "",
                              readers->len == 1 ? "its reader" : "its readers");
      append_processes (out, readers);
      g_string_append_c (out, ')');
    }
  g_string_append (out, several ? " are gone" : " is gone");
  return g_string_free (out, FALSE);
}

static gchar *
reason_of (const ShmipcObjectInfo *info)
{
  if (info->format == SHMIPC_OBJECT_FORMAT_CHANNEL && info->channel != NULL)
    return channel_reason (info->channel);
  if (info->writer_pid > 0)
    return g_strdup_printf ("abandoned message: its writer (process %d) died before "
                            "publishing it", (int) info->writer_pid);
  return g_strdup ("abandoned message: its writer died before publishing it");
}

/* '"/x" (posix)', 'SysV key 0x0000abcd (shmid 5)', with ", owner alice"
 * when the object is another user's. */
static gchar *
describe (const ShmipcObjectInfo *info,
          gboolean                other_user)
{
  g_autofree gchar *owner = other_user ? g_strdup_printf (", owner %s", info->owner) : NULL;

  if (info->backend == SHMIPC_BACKEND_SYSV)
    return g_strdup_printf ("SysV key 0x%08x (shmid %d%s)", (guint32) info->key, (int) info->id,
                            owner != NULL ? owner : "");
  else
    {
      g_autofree gchar *name = tool_escape (info->name);

      return g_strdup_printf ("\"%s\" (posix%s)", name, owner != NULL ? owner : "");
    }
}

/* What --reap may consider: stale objects a shmipc command could have
 * made (a name it accepts; a SysV key, not IPC_PRIVATE), and only the
 * caller's own unless the caller is root. */
static gboolean
candidate (const ShmipcObjectInfo *info,
           uid_t                   uid)
{
  if (!info->stale)
    return FALSE;
  if (uid != 0 && info->uid != (guint32) uid)
    return FALSE;
  if (info->backend == SHMIPC_BACKEND_SYSV)
    return info->key != 0;
  return shmipc_name_validate (info->name, NULL);
}

int
tool_reap (gboolean  dry_run,
           gboolean  json,
           GString  *out)
{
  g_autoptr(GPtrArray) objects = NULL;
  GError *error = NULL;
  uid_t uid = geteuid ();
  ToolJson writer = { out, TRUE, 0, TRUE };
  int status = TOOL_EXIT_SUCCESS;
  guint i;

  objects = shmipc_list_objects (&error);
  if (objects == NULL)
    tool_fail (error);

  if (json)
    tool_json_open (&writer, '[');
  for (i = 0; i < objects->len; i++)
    {
      const ShmipcObjectInfo *info = g_ptr_array_index (objects, i);
      g_autofree gchar *reason = NULL;
      g_autofree gchar *what = NULL;
      g_autoptr(GError) local_error = NULL;
      ReapAction action;

      if (!candidate (info, uid))
        continue;
      reason = reason_of (info);
      what = describe (info, info->uid != (guint32) uid);
      if (dry_run)
        action = REAP_WOULD_REMOVE;
      else if (shmipc_object_remove_stale (info, &local_error))
        action = REAP_REMOVED;
      else if (g_error_matches (local_error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY) ||
               g_error_matches (local_error, SHMIPC_ERROR, SHMIPC_ERROR_NOT_FOUND))
        action = REAP_KEPT;
      else
        action = REAP_FAILED;

      if (action == REAP_FAILED)
        {
          tool_message ("cannot remove %s: %s", what, local_error->message);
          status = TOOL_EXIT_FAILURE;
        }
      else if (!json && action == REAP_KEPT)
        g_string_append_printf (out, "kept %s: %s\n", what, local_error->message);
      else if (!json)
        g_string_append_printf (out, "%s %s: %s\n", action_words[action], what, reason);

      if (json)
        {
          tool_json_next (&writer);
          tool_json_open (&writer, '{');
          tool_json_member_string (&writer, "action", action_words[action]);
          tool_json_member_string (&writer, "type", shmipc_backend_to_string (info->backend));
          tool_list_json_name (&writer, info);
          if (info->backend == SHMIPC_BACKEND_SYSV)
            {
              tool_json_member_int (&writer, "key", info->key);
              tool_json_member_int (&writer, "id", info->id);
            }
          else
            {
              tool_json_member_null (&writer, "key");
              tool_json_member_null (&writer, "id");
            }
          tool_json_member_string (&writer, "owner", info->owner);
          tool_json_member_uint (&writer, "uid", info->uid);
          tool_json_member_string (&writer, "format", shmipc_object_format_to_string (info->format));
          tool_json_member_string (&writer, "reason", reason);
          tool_json_member_string (&writer, "error",
                                   local_error != NULL ? local_error->message : NULL);
          tool_json_close (&writer, '}');
        }
    }
  if (json)
    {
      tool_json_close (&writer, ']');
      g_string_append_c (out, '\n');
    }
  return status;
}
