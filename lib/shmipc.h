/* shmipc.h - umbrella header of libshmipc
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_H
#define SHMIPC_H

#define __SHMIPC_H_INSIDE__

#include <shmipc-macros.h>
#include <shmipc-version.h>
#include <shmipc-error.h>
#include <shmipc-segment.h>
#include <shmipc-format.h>
#include <shmipc-list.h>
#include <shmipc-channel.h>
#include <shmipc-message.h>
#include <shmipc-enum-types.h>

#undef __SHMIPC_H_INSIDE__

#endif /* SHMIPC_H */
