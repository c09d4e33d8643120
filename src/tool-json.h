/* tool-json.h - the commands' JSON writer: objects, arrays and members
 * appended to a GString, on one line or indented (shmdump --json).
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef TOOL_JSON_H
#define TOOL_JSON_H

#include <glib.h>

typedef struct {
  GString *out;
  gboolean pretty;  /* indented over several lines, else on one */
  guint depth;
  gboolean first;   /* nothing yet in the current object or array */
} ToolJson;

/* A JSON string of valid UTF-8 @text, every control character (C0, DEL,
 * C1) as a \u escape. */
void tool_json_string (ToolJson *json, const gchar *text);
/* Before an element of an array: the comma and the line break. */
void tool_json_next (ToolJson *json);
/* Before a member's value: the comma, the line break and "name": . */
void tool_json_member (ToolJson *json, const gchar *name);
/* '{' or '[', and its match. */
void tool_json_open (ToolJson *json, char bracket);
void tool_json_close (ToolJson *json, char bracket);
/* Members: a string (null when @value is NULL), an integer, an unsigned
 * integer, seconds since the epoch (null when 0 or less), a boolean. */
void tool_json_member_string (ToolJson *json, const gchar *name, const gchar *value);
void tool_json_member_int (ToolJson *json, const gchar *name, gint64 value);
void tool_json_member_uint (ToolJson *json, const gchar *name, guint64 value);
void tool_json_member_time (ToolJson *json, const gchar *name, gint64 seconds);
void tool_json_member_bool (ToolJson *json, const gchar *name, gboolean value);
/* A member whose value is null. */
void tool_json_member_null (ToolJson *json, const gchar *name);

#endif /* TOOL_JSON_H */
