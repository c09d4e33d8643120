/* shmipc-macros.h - export and inclusion macros
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_MACROS_H
#define SHMIPC_MACROS_H

#if !defined (__SHMIPC_H_INSIDE__) && !defined (SHMIPC_COMPILATION)
#error "Only <shmipc.h> can be included directly."
#endif

#if defined (__GNUC__) && __GNUC__ >= 4
# define SHMIPC_PUBLIC __attribute__ ((visibility ("default")))
#else
# define SHMIPC_PUBLIC
#endif

#endif /* SHMIPC_MACROS_H */
