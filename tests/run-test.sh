#!/bin/sh
# run-test.sh - the harness's wrapper around every test of "make check"
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: run-test.sh [INTERPRETER...] TEST
#
# automake's LOG_COMPILER for every kind of test (check binaries, shell
# tests, models). It runs the test under a time limit, so that a test
# that hangs fails alone, with a message, instead of holding "make
# check" (and CI) until something else kills it; and it writes the
# test's wall time at the end of its log, where CI and a developer
# looking for slow tests find it.
#
# SHMIPC_TEST_TIMEOUT (seconds, default 600) is the limit: generous,
# several times what the slowest test takes on a loaded 2-core machine.
# On expiry the test's processes get SIGTERM, then SIGKILL 10 s later,
# and the test is a hard error (99).

set -u
limit=${SHMIPC_TEST_TIMEOUT:-600}
start=$(date +%s)
# --foreground is not used: the test and everything it started are in
# timeout's process group and get the signal.
timeout --kill-after=10 "$limit" "$@"
status=$?
end=$(date +%s)
# 124: timeout sent SIGTERM; 137 after the full time: it had to KILL.
if [ "$status" -eq 124 ] || { [ "$status" -eq 137 ] && [ $((end - start)) -ge "$limit" ]; }; then
  echo "run-test.sh: $*: no result within $limit s (SHMIPC_TEST_TIMEOUT): stopped" >&2
  status=99
fi
eval "test=\${$#}"
echo "run-test.sh: $test: $((end - start)) s, exit $status"
exit "$status"
