/* tool-json.c - the commands' JSON writer
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "tool-json.h"

static void
newline (ToolJson *json)
{
  if (json->pretty)
    {
      g_string_append_c (json->out, '\n');
      g_string_append_printf (json->out, "%*s", (int) (2 * json->depth), "");
    }
}

/* A JSON string of valid UTF-8 @text: every control character (C0, DEL
 * and C1) as a \u escape, so that the output is plain, printable text and
 * every parser gives back the same code points. */
void
tool_json_string (ToolJson    *json,
                  const gchar *text)
{
  const gchar *p;

  g_string_append_c (json->out, '"');
  for (p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      switch (c)
        {
        case '"':
          g_string_append (json->out, "\\\"");
          break;
        case '\\':
          g_string_append (json->out, "\\\\");
          break;
        case '\n':
          g_string_append (json->out, "\\n");
          break;
        case '\t':
          g_string_append (json->out, "\\t");
          break;
        case '\r':
          g_string_append (json->out, "\\r");
          break;
        case '\b':
          g_string_append (json->out, "\\b");
          break;
        case '\f':
          g_string_append (json->out, "\\f");
          break;
        default:
          if (c < 0x20 || (c >= 0x7f && c < 0xa0))
            g_string_append_printf (json->out, "\\u%04x", (guint) c);
          else
            g_string_append_len (json->out, p, g_utf8_next_char (p) - p);
        }
    }
  g_string_append_c (json->out, '"');
}

void
tool_json_next (ToolJson *json)
{
  if (!json->first)
    g_string_append_c (json->out, ',');
  newline (json);
  json->first = FALSE;
}

void
tool_json_member (ToolJson    *json,
                  const gchar *name)
{
  tool_json_next (json);
  tool_json_string (json, name);
  g_string_append (json->out, json->pretty ? " : " : ":");
}

void
tool_json_open (ToolJson *json,
                char      bracket)
{
  g_string_append_c (json->out, bracket);
  json->depth++;
  json->first = TRUE;
}

void
tool_json_close (ToolJson *json,
                 char      bracket)
{
  json->depth--;
  if (!json->first)
    newline (json);
  g_string_append_c (json->out, bracket);
  json->first = FALSE;
}

void
tool_json_member_string (ToolJson    *json,
                         const gchar *name,
                         const gchar *value)
{
  tool_json_member (json, name);
  if (value != NULL)
    tool_json_string (json, value);
  else
    g_string_append (json->out, "null");
}

void
tool_json_member_int (ToolJson    *json,
                      const gchar *name,
                      gint64       value)
{
  tool_json_member (json, name);
  g_string_append_printf (json->out, "%" G_GINT64_FORMAT, value);
}

void
tool_json_member_time (ToolJson    *json,
                       const gchar *name,
                       gint64       seconds)
{
  tool_json_member (json, name);
  if (seconds > 0)
    g_string_append_printf (json->out, "%" G_GINT64_FORMAT, seconds);
  else
    g_string_append (json->out, "null");
}

void
tool_json_member_bool (ToolJson    *json,
                       const gchar *name,
                       gboolean     value)
{
  tool_json_member (json, name);
  g_string_append (json->out, value ? "true" : "false");
}

void
tool_json_member_uint (ToolJson    *json,
                       const gchar *name,
                       guint64      value)
{
  tool_json_member (json, name);
  g_string_append_printf (json->out, "%" G_GUINT64_FORMAT, value);
}

void
tool_json_member_null (ToolJson    *json,
                       const gchar *name)
{
  tool_json_member (json, name);
  g_string_append (json->out, "null");
}
