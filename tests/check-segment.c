#include "check-common.h"
START_TEST (test_x) { ck_assert (1); } END_TEST
Suite *segment_suite (void) { Suite *s = suite_create ("segment"); TCase *tc = tcase_create ("x"); tcase_add_test (tc, test_x); suite_add_tcase (s, tc); return s; }
