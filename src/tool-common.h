/* tool-common.h - what prod, cons and shmdump share: option parsing,
 * messages and exit statuses. No IPC logic belongs here.
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef TOOL_COMMON_H
#define TOOL_COMMON_H

#include <shmipc.h>

#define TOOL_EXIT_SUCCESS 0
#define TOOL_EXIT_FAILURE 1   /* a runtime failure */
#define TOOL_EXIT_USAGE   2   /* a bad option or value */

/* Sets the locale and the program name used in messages. */
void tool_init (const char *prgname);

/* Parses @argv with @context; on a bad option prints
 * "PROG: message" and 'Try "PROG --help" ...' and exits 2. */
void tool_parse_options (GOptionContext *context,
                         int            *argc,
                         char         ***argv);

/* Prints "PROG: message" and the --help hint on stderr, exits 2. */
G_GNUC_NORETURN G_GNUC_PRINTF (1, 2)
void tool_usage_error (const char *format, ...);

/* Prints "PROG: message" on stderr. */
G_GNUC_PRINTF (1, 2)
void tool_message (const char *format, ...);

/* Prints "PROG: error->message", frees @error, exits 1. */
G_GNUC_NORETURN
void tool_fail (GError *error);

/* Prints "PROG (shmipc) X.Y.Z" on stdout. */
void tool_print_version (void);

/* Parse option values; a bad value is a usage error (exit 2) naming the
 * option. */
ShmipcBackend tool_parse_backend (const char *option, const char *value);
guint64       tool_parse_size    (const char *option, const char *value);
guint         tool_parse_mode    (const char *option, const char *value);
gint32        tool_parse_key     (const char *option, const char *value);

/* Reads all the bytes of the file @path, or of standard input when @path
 * is "-" (binary safe). Returns NULL with @error set on failure. */
GBytes *tool_read_input (const char  *path,
                         GError     **error);

#endif /* TOOL_COMMON_H */
