#!/bin/sh
# api-reference.sh - every public symbol of the typelib is documented
# (gi-docgen check on the built Shmipc-1.0.gir): the API reference has no
# empty page. Skipped without introspection or without gi-docgen.
set -u
builddir=${abs_top_builddir:?run through make check}
if [ "${SHMIPC_INTROSPECTION:-no}" != yes ] || [ ! -f "$builddir/Shmipc-1.0.gir" ]; then
  echo "built without GObject Introspection: skipped" >&2
  exit 77
fi
if [ -z "${GI_DOCGEN:-}" ]; then
  echo "gi-docgen not found by configure: skipped" >&2
  exit 77
fi
out=$("$GI_DOCGEN" check "$builddir/Shmipc-1.0.gir" 2>&1)
status=$?
if [ $status -ne 0 ] || printf '%s\n' "$out" | grep -q 'WARNING'; then
  printf '%s\n' "$out" | grep -v 'INFO' >&2
  echo "FAIL: the API reference misses documentation (gi-docgen check)" >&2
  exit 1
fi
echo "every public symbol of Shmipc-1.0 is documented"
