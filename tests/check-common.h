/* check-common.h - helpers shared by the check suites
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

#include <stdio.h>
#include <check.h>
#include <shmipc.h>

/* A name no other test (or parallel test run) uses: prefix, pid, test
 * name and a counter. Free with g_free(). */
gchar *test_unique_name (const char *test_name);

/* Removes @name from @backend if it exists; never fails the test. */
void test_remove (const char *name, ShmipcBackend backend);

/* Skips the rest of a test, printing why (check has no skip). */
#define TEST_SKIP_UNLESS(cond, why) \
  do { if (!(cond)) { fprintf (stderr, "%s: skipped: %s\n", __func__, (why)); return; } } while (0)

/* Asserts that @error is set in SHMIPC_ERROR with @code. */
#define ck_assert_shmipc_error(err, expected_code) \
  do { \
    ck_assert_msg ((err) != NULL, "expected error code %d, got success", (int) (expected_code)); \
    ck_assert_msg ((err)->domain == SHMIPC_ERROR && (err)->code == (int) (expected_code), \
                   "expected error code %d, got %s:%d: %s", (int) (expected_code), \
                   g_quark_to_string ((err)->domain), (err)->code, (err)->message); \
  } while (0)

#define ck_assert_no_error(error) \
  ck_assert_msg ((error) == NULL, "unexpected error: %s", (error) ? (error)->message : "")

/* Runs the suites and returns the process exit status. */
int test_run_suites (Suite **suites, gsize n_suites);

#endif /* CHECK_COMMON_H */
