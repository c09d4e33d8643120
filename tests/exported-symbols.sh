#!/bin/sh
# Only the API (shmipc_*) may be exported by libshmipc.
set -eu
lib="${abs_top_builddir:-.}/lib/.libs/libshmipc.so"
if ! command -v nm >/dev/null 2>&1; then
  echo "nm not found: cannot list exported symbols" >&2
  exit 77
fi
if [ ! -f "$lib" ]; then
  echo "$lib not found (static-only build?)" >&2
  exit 77
fi
all=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort)
bad=$(printf '%s\n' "$all" | grep -v '^shmipc_' | grep -v '^$' || true)
if [ -n "$bad" ]; then
  echo "symbols outside the shmipc_ namespace are exported:" >&2
  printf '%s\n' "$bad" >&2
  exit 1
fi
count=$(printf '%s\n' "$all" | grep -c '^shmipc_' || true)
if [ "$count" -lt 10 ]; then
  echo "only $count shmipc_ symbols exported: the API is missing" >&2
  exit 1
fi
echo "$count symbols exported, all shmipc_*"
