/* check-message-main.c - runner of the message suite
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "check-common.h"

Suite *message_suite (void);

int
main (void)
{
  Suite *suites[] = { message_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
