#include "check-common.h"
Suite *segment_suite (void);
int main (void) { Suite *s[] = { segment_suite () }; return test_run_suites (s, 1); }
