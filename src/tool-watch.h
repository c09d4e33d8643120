/* tool-watch.h - shmdump --watch: a live view of one object, redrawn on
 * a terminal, plain lines otherwise.
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef TOOL_WATCH_H
#define TOOL_WATCH_H

#include <shmipc.h>

typedef struct {
  const gchar *name;      /* the object, or NULL with @key */
  gint32 key;             /* a SysV key, 0 with @name */
  ShmipcBackend backend;
  gint interval_ms;
  guint count;            /* looks before ending, 0 for no limit */
} ToolWatch;

/* Looks at the object every interval until @count looks, q on the
 * terminal, or the object is gone ("... is gone", exit 0). A channel:
 * state, fill, bytes per second in (written) and out (drained from the
 * ring), the producer, each reader's state, lag and rate. Any other
 * object: the dump lines that changed since the last look. On a
 * terminal (standard output) the view is redrawn in place; otherwise
 * plain lines, no escape sequence. A signal (SIGINT, SIGTERM, SIGHUP)
 * ends it too: the terminal is restored and the process dies of it.
 * Returns TOOL_EXIT_SUCCESS, or TOOL_EXIT_FAILURE when the object cannot
 * be read (the message is printed). */
int tool_watch (const ToolWatch *options);

#endif /* TOOL_WATCH_H */
