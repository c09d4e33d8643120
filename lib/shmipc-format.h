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

#include <glib-object.h>
#include <shmipc-macros.h>

G_BEGIN_DECLS

/**
 * SHMIPC_SEED_DISPLAY_BYTES:
 *
 * How many bytes the seed display shows (the classroom example's 64).
 *
 * Since: 0.2
 */
#define SHMIPC_SEED_DISPLAY_BYTES 64

SHMIPC_PUBLIC
void shmipc_format_seed (GString      *out,
                         const gchar  *title,
                         const guint8 *data,
                         gsize         len);

/**
 * ShmipcDumpFormat:
 * @SHMIPC_DUMP_FORMAT_CANONICAL: the output of `hexdump -C`: offset, sixteen
 *   bytes in two groups of eight, the printable characters between bars,
 *   runs of identical lines squeezed into one "*" line, and a final line
 *   with the end offset
 * @SHMIPC_DUMP_FORMAT_XXD: the output of plain `xxd`: offset and colon,
 *   eight groups of two bytes, the printable characters; no squeezing
 * @SHMIPC_DUMP_FORMAT_SEED: the display of the classroom example (see
 *   shmipc_format_seed()) of the first %SHMIPC_SEED_DISPLAY_BYTES bytes
 * @SHMIPC_DUMP_FORMAT_RAW: the bytes themselves
 *
 * How a #ShmipcDumper shows bytes. In the canonical and xxd formats, bytes
 * 0x20 to 0x7e show as themselves in the character column and every other
 * byte as '.', as hexdump(1) does in the C and UTF-8 locales.
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_DUMP_FORMAT_CANONICAL = 0,
  SHMIPC_DUMP_FORMAT_XXD = 1,
  SHMIPC_DUMP_FORMAT_SEED = 2,
  SHMIPC_DUMP_FORMAT_RAW = 3,
} ShmipcDumpFormat;

/**
 * ShmipcDumpFlags:
 * @SHMIPC_DUMP_NONE: no flags
 * @SHMIPC_DUMP_NO_SQUEEZE: show every line in the canonical format, as
 *   `hexdump -C -v` does, instead of squeezing repeated lines into "*"
 *
 * Flags for shmipc_dumper_new().
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_DUMP_NONE = 0,
  SHMIPC_DUMP_NO_SQUEEZE = 1 << 0,
} ShmipcDumpFlags;

/**
 * SHMIPC_DUMP_UNLIMITED:
 *
 * The length to pass to shmipc_dumper_new() to dump everything after the
 * skipped bytes.
 *
 * Since: 0.2
 */
#define SHMIPC_DUMP_UNLIMITED G_MAXUINT64

/**
 * SHMIPC_DUMP_MAX_OUTPUT:
 * @len: a number of input bytes
 *
 * An upper bound of the bytes shmipc_dumper_feed() appends for @len input
 * bytes in any format (useful to size an output buffer once).
 *
 * Since: 0.2
 */
#define SHMIPC_DUMP_MAX_OUTPUT(len) ((gsize) (len) / 16 * 96 + 256)

/**
 * ShmipcDumper:
 *
 * An opaque streaming formatter: it takes bytes in chunks of any size and
 * appends their dump to a #GString, keeping the offset, the partial last
 * line and the squeezing state between chunks, so that the output does
 * not depend on how the input was cut.
 *
 * Since: 0.2
 */
typedef struct _ShmipcDumper ShmipcDumper;

SHMIPC_PUBLIC
ShmipcDumper *shmipc_dumper_new       (ShmipcDumpFormat  format,
                                       ShmipcDumpFlags   flags,
                                       guint64           skip,
                                       guint64           length);
SHMIPC_PUBLIC
void          shmipc_dumper_set_title (ShmipcDumper     *dumper,
                                       const gchar      *title);
SHMIPC_PUBLIC
gboolean      shmipc_dumper_feed      (ShmipcDumper     *dumper,
                                       const guint8     *data,
                                       gsize             len,
                                       GString          *out);
SHMIPC_PUBLIC
void          shmipc_dumper_finish    (ShmipcDumper     *dumper,
                                       GString          *out);
SHMIPC_PUBLIC
guint64       shmipc_dumper_get_offset (ShmipcDumper    *dumper);
SHMIPC_PUBLIC
void          shmipc_dumper_free      (ShmipcDumper     *dumper);

SHMIPC_PUBLIC
void          shmipc_format_dump      (GString          *out,
                                       ShmipcDumpFormat  format,
                                       ShmipcDumpFlags   flags,
                                       guint64           skip,
                                       guint64           length,
                                       const guint8     *data,
                                       gsize             len);

SHMIPC_PUBLIC
const gchar  *shmipc_dump_format_to_string   (ShmipcDumpFormat   format);
SHMIPC_PUBLIC
gboolean      shmipc_dump_format_from_string (const gchar       *str,
                                              ShmipcDumpFormat  *format_out,
                                              GError           **error);

#define SHMIPC_TYPE_DUMPER (shmipc_dumper_get_type ())

SHMIPC_PUBLIC
GType         shmipc_dumper_get_type  (void) G_GNUC_CONST;
SHMIPC_PUBLIC
ShmipcDumper *shmipc_dumper_ref       (ShmipcDumper *dumper);
SHMIPC_PUBLIC
void          shmipc_dumper_unref     (ShmipcDumper *dumper);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShmipcDumper, shmipc_dumper_free)

G_END_DECLS

#endif /* SHMIPC_FORMAT_H */
