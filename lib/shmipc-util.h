/* shmipc-util.h - helpers shared by the shmipc commands
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_UTIL_H
#define SHMIPC_UTIL_H

#if !defined (__SHMIPC_H_INSIDE__) && !defined (SHMIPC_COMPILATION)
#error "Only <shmipc.h> can be included directly."
#endif

#include <glib.h>
#include <shmipc-macros.h>

G_BEGIN_DECLS

SHMIPC_PUBLIC
gboolean shmipc_parse_size (const gchar  *str,
                            guint64      *size_out,
                            GError      **error);
SHMIPC_PUBLIC
gboolean shmipc_parse_mode (const gchar  *str,
                            guint        *mode_out,
                            GError      **error);
SHMIPC_PUBLIC
gboolean shmipc_parse_key  (const gchar  *str,
                            gint32       *key_out,
                            GError      **error);

G_END_DECLS

#endif /* SHMIPC_UTIL_H */
