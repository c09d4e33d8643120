/* check-segment-main.c - runner of the segment suites
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "check-common.h"

Suite *naming_suite (void);
Suite *segment_suite (void);
Suite *errors_suite (void);

int
main (void)
{
  Suite *suites[] = { naming_suite (), segment_suite (), errors_suite () };

  return test_run_suites (suites, G_N_ELEMENTS (suites));
}
