/* check-common.c - helpers shared by the check suites
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check-common.h"

gchar *
test_unique_name (const char *test_name)
{
  static guint counter;

  return g_strdup_printf ("/shmipc-test-%ld-%s-%u", (long) getpid (), test_name,
                          g_atomic_int_add (&counter, 1));
}

void
test_remove (const char *name, ShmipcBackend backend)
{
  shmipc_unlink (name, backend, NULL);
}

int
test_run_suites (Suite **suites, gsize n_suites)
{
  SRunner *runner;
  gsize i;
  int failed;

  runner = srunner_create (suites[0]);
  for (i = 1; i < n_suites; i++)
    srunner_add_suite (runner, suites[i]);
  srunner_run_all (runner, CK_NORMAL);
  failed = srunner_ntests_failed (runner);
  srunner_free (runner);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
