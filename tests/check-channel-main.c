/* check-channel-main.c - runs the channel suite
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "check-common.h"

Suite *channel_suite (void);

int
main (void)
{
  Suite *suites[] = { channel_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
