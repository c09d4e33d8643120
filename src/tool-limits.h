/* tool-limits.h - what shmdump --limits prints
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef TOOL_LIMITS_H
#define TOOL_LIMITS_H

#include <glib.h>

/* Appends the limits on the shared memory that can be created here:
 * /dev/shm's size, use and room (with warnings for a container's 64 MiB
 * default and for less room than a default channel), the SysV limits
 * (shmmax, shmall, shmmni) and current use, whether systemd-logind's
 * RemoveIPC is in effect (logind.conf and its drop-ins), and the
 * process's RLIMIT_MEMLOCK. With @json, as one JSON object. */
void tool_limits (gboolean  json,
                  GString  *out);

#endif /* TOOL_LIMITS_H */
