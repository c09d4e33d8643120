#!/bin/sh
# Every manual page in man/ renders without a single warning from man/groff,
# and has a NAME section lexgrog (mandb, whatis) can parse.
set -u
srcdir="${abs_top_srcdir:-.}"
if ! command -v man >/dev/null 2>&1 || ! command -v groff >/dev/null 2>&1; then
  echo "man or groff not found: cannot check the manual pages" >&2
  exit 77
fi
pages=$(ls "$srcdir"/man/*.[1-8] 2>/dev/null)
if [ -z "$pages" ]; then
  echo "no manual pages found in $srcdir/man" >&2
  exit 1
fi
status=0
for page in $pages; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne 0 ] || [ -n "$warnings" ]; then
    echo "FAIL: $page (man exit $rc)" >&2
    [ -n "$warnings" ] && printf '%s\n' "$warnings" >&2
    status=1
  # lexgrog reads the NAME section as mandb and whatis(1) will.
  elif command -v lexgrog >/dev/null 2>&1 && ! lexgrog "$page" >/dev/null 2>&1; then
    echo "FAIL: $page: lexgrog cannot parse its NAME section" >&2
    status=1
  else
    echo "ok: $page"
  fi
done
exit $status
