#!/bin/sh
# man-options.sh - every long option a command's --help-all lists appears in
# its manual page.
#
# For each of prod, cons and shmdump whose page man/CMD.1 exists in the
# source tree and whose binary src/CMD exists in the build tree, the long
# options of "CMD --help-all" (GLib's own --help, --help-all and --help-*
# excepted) are looked up in the page rendered to plain text by man(1).
# Commands that cannot be checked are named; when none can, the test is
# skipped (77) rather than passed.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
set -eu

srcdir="${abs_top_srcdir:-.}"
builddir="${abs_top_builddir:-.}"
commands="${MAN_OPTIONS_COMMANDS:-prod cons shmdump}"

if ! command -v man >/dev/null 2>&1; then
  echo "man not found: cannot render the manual pages: skipped" >&2
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/man-options.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

checked=""
unchecked=""
status=0

for cmd in $commands; do
  page="$srcdir/man/$cmd.1"
  bin="$builddir/src/$cmd"
  if [ ! -f "$page" ]; then
    unchecked="$unchecked $cmd(no man/$cmd.1)"
    continue
  fi
  if [ ! -x "$bin" ]; then
    unchecked="$unchecked $cmd(no src/$cmd)"
    continue
  fi

  # The options, one a line: the long option of each entry of the option
  # tables ("  -n, --name=NAME   ..." or "  --key=KEY   ..."), not options
  # that the descriptions below the tables mention in passing. A failing
  # --help-all is a failure of its own.
  if ! "$bin" --help-all >"$work/help" 2>"$work/help.err"; then
    echo "FAIL: $cmd --help-all failed: $(cat "$work/help.err")" >&2
    status=1
    continue
  fi
  sed -n -e 's/^  *\(-[^ -], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' "$work/help" |
    grep -v -x -e '--help' -e '--help-[a-z-]*' |
    sort -u >"$work/options"
  if [ ! -s "$work/options" ]; then
    echo "FAIL: $cmd --help-all lists no long option" >&2
    status=1
    continue
  fi

  # The page as plain text: no formatting, no hyphenation, no
  # justification, one very wide line per paragraph, so that an option is
  # never split across lines. man's own rendering is used, so \- and the
  # like are resolved exactly as a reader sees them.
  if ! (unset MAN_KEEP_FORMATTING MANPAGER PAGER
         LC_ALL=C.UTF-8 MANWIDTH=1000 \
           man --nh --nj -E UTF-8 -l "$page") >"$work/page.raw" 2>"$work/page.err"; then
    echo "FAIL: man cannot render $page: $(cat "$work/page.err")" >&2
    status=1
    continue
  fi
  # Drop any overstriking (bold/underline) in case man still emits it,
  # and turn the Unicode hyphens and minus signs groff may use into "-".
  LC_ALL=C sed -e 's/.\x08//g' \
      -e 's/\xe2\x80\x90/-/g' -e 's/\xe2\x88\x92/-/g' -e 's/\xc2\xad//g' \
      "$work/page.raw" >"$work/page"

  missing=""
  while IFS= read -r option; do
    # An option ends where the next character is not part of a name.
    if ! grep -q -e "$option\$" -e "$option[^a-z-]" "$work/page"; then
      missing="$missing $option"
    fi
  done <"$work/options"

  count=$(wc -l <"$work/options" | tr -d ' ')
  if [ -n "$missing" ]; then
    echo "FAIL: man/$cmd.1 lacks options that \"$cmd --help-all\" lists:$missing" >&2
    status=1
  else
    echo "ok: man/$cmd.1 documents all $count long options of $cmd"
  fi
  checked="$checked $cmd"
done

if [ -n "$unchecked" ]; then
  echo "not checked:$unchecked"
fi
if [ -z "$checked" ] && [ $status -eq 0 ]; then
  echo "no command could be checked (need man/CMD.1 and src/CMD for one of: $commands): skipped" >&2
  exit 77
fi
exit $status
