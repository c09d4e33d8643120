/* tool-reap.h - shmdump --reap: removes the objects that are provably
 * dead (stale channels, abandoned unpublished messages), the caller's
 * own unless the caller is root, and says what it did.
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef TOOL_REAP_H
#define TOOL_REAP_H

#include <glib.h>

/* Appends one line per object to @out ("removed ...", "would remove ..."
 * with @dry_run, "kept ..." for one that came back to use or went away
 * meanwhile), or with @json a JSON array of what it did. A removal that
 * fails is reported on stderr ("shmdump: cannot remove ...").
 * Returns TOOL_EXIT_SUCCESS, or TOOL_EXIT_FAILURE when a removal failed. */
int tool_reap (gboolean  dry_run,
               gboolean  json,
               GString  *out);

#endif /* TOOL_REAP_H */
