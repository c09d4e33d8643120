#!/bin/sh
# fuzz-regress.sh - "make check": each fuzz target once over its committed
# seed corpus (tests/fuzz/corpus-*), built with clang and
# -fsanitize=fuzzer,address,undefined. Skipped (77) without clang and its
# libFuzzer runtime. The timed fuzzing run is tests/fuzz/run-fuzzers.sh.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

srcdir=${abs_top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILDDIR=${abs_top_builddir:-.}
export BUILDDIR
exec sh "$srcdir/tests/fuzz/run-fuzzers.sh" --regress
