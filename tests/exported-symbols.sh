#!/bin/sh
# libshmipc exports its API and nothing else, every symbol with its version
# node: the functions the public headers declare (SHMIPC_PUBLIC), the
# symbols lib/libshmipc.sym lists, and the library's dynamic symbols must
# be the same set.
set -eu
top_srcdir=${abs_top_srcdir:-.}
lib="${abs_top_builddir:-.}/lib/.libs/libshmipc.so"
if ! command -v nm >/dev/null 2>&1; then
  echo "nm not found: cannot list exported symbols" >&2
  exit 77
fi
if [ ! -f "$lib" ]; then
  echo "$lib not found (static-only build?)" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# NAME@@NODE for a versioned symbol; the node itself is an absolute symbol.
nm -D --defined-only "$lib" | awk '{print $3}' | sort > "$tmp/all"
if grep -v '^shmipc_[a-z0-9_]*@@SHMIPC_[0-9][0-9.]*$' "$tmp/all" | grep -v '^SHMIPC_[0-9][0-9.]*$' > "$tmp/bad"; then
  echo "exported symbols outside the shmipc_ namespace or without a version node:" >&2
  cat "$tmp/bad" >&2
  exit 1
fi
sed -n 's/@@.*//p' "$tmp/all" | sort > "$tmp/exported"

# The functions declared SHMIPC_PUBLIC in the installed headers.
for h in "$top_srcdir"/lib/shmipc*.h "${abs_top_builddir:-.}"/lib/shmipc-enum-types.h; do
  case $h in *-private.h) continue ;; esac
  awk '/^SHMIPC_PUBLIC/ { want = 1; next }
       want { if (match ($0, /shmipc_[a-z0-9_]+ *\(/)) { s = substr ($0, RSTART, RLENGTH); sub (/ *\($/, "", s); print s; want = 0 } }' "$h"
done | sort -u > "$tmp/declared"

# The symbols the version script lists.
sed -n 's/^  *\(shmipc_[a-z0-9_]*\);$/\1/p' "$top_srcdir/lib/libshmipc.sym" | sort > "$tmp/script"

status=0
if ! cmp -s "$tmp/declared" "$tmp/exported"; then
  echo "declared in the headers (<) and exported (>) differ:" >&2
  diff "$tmp/declared" "$tmp/exported" >&2 || true
  status=1
fi
if ! cmp -s "$tmp/script" "$tmp/exported"; then
  echo "listed in lib/libshmipc.sym (<) and exported (>) differ:" >&2
  diff "$tmp/script" "$tmp/exported" >&2 || true
  status=1
fi
[ $status -eq 0 ] || exit 1
count=$(wc -l < "$tmp/exported")
if [ "$count" -lt 10 ]; then
  echo "only $count shmipc_ symbols exported: the API is missing" >&2
  exit 1
fi
echo "$count symbols exported, each declared, listed and versioned ($(grep -c '^SHMIPC_' "$tmp/all") version node(s))"
