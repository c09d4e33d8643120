/* shmipc-private.h - internal declarations of libshmipc (not installed)
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_PRIVATE_H
#define SHMIPC_PRIVATE_H

#ifndef SHMIPC_COMPILATION
#error "shmipc-private.h is internal to libshmipc."
#endif

#include <stdarg.h>

#include "shmipc.h"

G_BEGIN_DECLS

/* Sets @error from a failed system call: the code from
 * shmipc_error_from_errno(), the message "<what>: <strerror>", and the errno
 * kept for shmipc_error_get_errno(). */
G_GNUC_INTERNAL
void _shmipc_set_error_errno (GError    **error,
                              int         saved_errno,
                              const char *format,
                              ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS

#endif /* SHMIPC_PRIVATE_H */
