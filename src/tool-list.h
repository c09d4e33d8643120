/* tool-list.h - what shmdump --list and --info print: a table, a
 * description, JSON. The library gives the data (ShmipcObjectInfo); the
 * words and the layout are the commands'.
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef TOOL_LIST_H
#define TOOL_LIST_H

#include <shmipc.h>

#include "tool-json.h"

/* Appends a table of @objects (ShmipcObjectInfo) with a header line, one
 * object a line, columns aligned: TYPE, NAME/KEY, ID, SIZE, MODE, OWNER,
 * ATTACHED, FORMAT, MODIFIED. FORMAT reads "channel (stale)" for a stale
 * channel, "unpublished (writing)" or "unpublished (abandoned)" for a
 * message never published. Names are escaped (tool_escape()). */
void tool_list_format (GPtrArray *objects,
                       GString   *out);

/* Appends a description of @info as "Label: value" lines; the decoded
 * header of a channel, or the state of an unpublished message, follows
 * the "Format" line. Names are escaped (tool_escape()). */
void tool_info_format (const ShmipcObjectInfo *info,
                       GString                *out);

/* Appends @objects as a JSON array of objects with the members "type",
 * "name" (exact when it is UTF-8, see shmdump(1) for "name_base64"),
 * "key", "id", "size", "mode", "owner", "uid", "gid", "attached",
 * "pids", "cpid" and "lpid" (SysV), "format", "atime", "mtime", "ctime",
 * "stale" (formats whose header names the processes using them) and
 * "details". With @pretty, indented over several lines, else on one. */
void tool_list_to_json (GPtrArray *objects,
                        gboolean   pretty,
                        GString   *out);

/* The member "name" of @info, exact when it is UTF-8, else with U+FFFD
 * for each byte that is not and "name_base64" (null for SysV). */
void tool_list_json_name (ToolJson               *json,
                          const ShmipcObjectInfo *info);

/* Appends one object, as one element of tool_list_to_json(). */
void tool_info_to_json (const ShmipcObjectInfo *info,
                        gboolean                pretty,
                        GString                *out);

#endif /* TOOL_LIST_H */
