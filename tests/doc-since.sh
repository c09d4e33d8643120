#!/bin/sh
# Every gtk-doc block of libshmipc (a comment opened with "/**") says since
# which version its symbol exists ("Since: X.Y"), as the version script
# (lib/libshmipc.sym) says which ABI node holds it.
set -eu
top_srcdir=${abs_top_srcdir:-.}
missing=$(awk '
  FNR == 1 { block = 0 }
  /^\/\*\*$/ { block = 1; since = 0; start = FNR; text = ""; next }
  block && /Since: [0-9]/ { since = 1 }
  block && /^ \* [A-Za-z_]+:$/ && text == "" { text = $2 }
  block && /\*\/$/ { if (!since) print FILENAME ":" start ": " text; block = 0 }
' "$top_srcdir"/lib/*.c "$top_srcdir"/lib/*.h "$top_srcdir"/lib/*.h.in)
if [ -n "$missing" ]; then
  echo "gtk-doc blocks without a Since: line:" >&2
  echo "$missing" >&2
  exit 1
fi
echo "every gtk-doc block of lib/ has a Since: line"
