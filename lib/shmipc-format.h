/* shmipc-format.h - displays and dumps of shared-memory bytes
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_FORMAT_H
#define SHMIPC_FORMAT_H

#if !defined (__SHMIPC_H_INSIDE__) && !defined (SHMIPC_COMPILATION)
#error "Only <shmipc.h> can be included directly."
#endif

#include <glib.h>
#include <shmipc-macros.h>

G_BEGIN_DECLS

/**
 * SHMIPC_SEED_DISPLAY_BYTES:
 *
 * How many bytes the seed display shows (the classroom example's 64).
 */
#define SHMIPC_SEED_DISPLAY_BYTES 64

SHMIPC_PUBLIC
void shmipc_format_seed (GString      *out,
                         const gchar  *title,
                         const guint8 *data,
                         gsize         len);

G_END_DECLS

#endif /* SHMIPC_FORMAT_H */
