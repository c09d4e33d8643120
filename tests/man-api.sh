#!/bin/sh
# Every function libshmipc exports is described in man/libshmipc.3.
set -eu
lib="${abs_top_builddir:-.}/lib/.libs/libshmipc.so"
page="${abs_top_srcdir:-.}/man/libshmipc.3"
if ! command -v nm >/dev/null 2>&1; then
  echo "nm not found: cannot list exported symbols" >&2
  exit 77
fi
if [ ! -f "$lib" ]; then
  echo "$lib not found (static-only build?)" >&2
  exit 77
fi
missing=
for sym in $(nm -D --defined-only "$lib" | awk '$3 ~ /^shmipc_/ { sub(/@.*/, "", $3); print $3 }' | sort -u); do
  grep -q "$sym" "$page" || missing="$missing $sym"
done
if [ -n "$missing" ]; then
  echo "exported but not in man/libshmipc.3:$missing" >&2
  exit 1
fi
echo "every exported function is in man/libshmipc.3"
