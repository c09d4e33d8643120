#!/bin/sh
# run-model.sh - model-check one Promela model of the channel protocol
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Usage: run-model.sh MODEL.pml
#
# Runs, as anyone can by hand in the model's folder:
#   spin -search MODEL.pml                 every model without an ltl
#                                          formula: assertions, end states
#   spin -search -ltl NAME MODEL.pml       each ltl formula NAME in it
# and requires 0 errors from each. Then, for each plant the model lists
# on its "plants:" line, the same runs with -DPLANT_X must find at least
# one error between them: the model can fail. Exit 77 (skipped) when
# spin or a C compiler is missing, or when SHMIPC_MODELS=skip.

set -u

model=${1:?usage: run-model.sh MODEL.pml}
case $model in
  /*) ;;
  *) model=$(pwd)/$model ;;
esac
name=$(basename "$model")

if [ "${SHMIPC_MODELS:-}" = skip ]; then
  echo "SKIP: $name: SHMIPC_MODELS=skip (the models do not depend on the build: run them in one)"
  exit 77
fi
if ! command -v spin >/dev/null 2>&1; then
  echo "SKIP: $name: spin is not installed (Debian and Fedora: the spin package)"
  exit 77
fi
if ! command -v gcc >/dev/null 2>&1; then
  echo "SKIP: $name: spin -search needs gcc to build its verifier"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/shmipc-model.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

formulas=$(sed -n 's/^ltl \([A-Za-z_][A-Za-z0-9_]*\).*/\1/p' "$model")
plants=$(sed -n 's/^ \* plants:\(.*\)$/\1/p' "$model")

# search OUT DEFINE FORMULA: runs one search (with -DDEFINE for spin's
# preprocessor, and -ltl FORMULA, either may be empty); prints its error
# count, or "broken" when the search did not run to its end.
search () {
  out=$1
  spin ${2:+"-D$2"} -search ${3:+-ltl "$3"} "$model" >"$out" 2>&1
  errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$out" | tail -n 1)
  if [ -z "$errors" ] || grep -q 'max search depth too small\|out of memory\|error: \|Error: ' "$out"; then
    echo broken
  else
    echo "$errors"
  fi
}

failed=0
n=0
# The runs without a plant: 0 errors each.
if [ -z "$formulas" ]; then
  set -- "safety:"
else
  set --
  for f in $formulas; do
    set -- "$@" "ltl:$f"
  done
fi
for run in "$@"; do
  n=$((n + 1))
  f=${run#*:}
  if [ -n "$f" ]; then
    what="spin -search -ltl $f $name"
    errors=$(search "run$n.out" "" "$f")
  else
    what="spin -search $name"
    errors=$(search "run$n.out" "" "")
  fi
  states=$(sed -n 's/^ *\([0-9][0-9]*\) states, stored.*/\1/p' "run$n.out" | tail -n 1)
  if [ "$errors" = 0 ]; then
    echo "PASS: $what: 0 errors, ${states:-?} states"
  else
    echo "FAIL: $what: $errors errors"
    cat "run$n.out"
    for trail in *.trail; do
      [ -e "$trail" ] || continue
      echo "--- counterexample ($trail):"
      spin -t -p ${f:+-N "$f"} "$model" 2>&1 | tail -n 60
    done
    failed=1
  fi
  rm -f ./*.trail
done

# Each plant: at least one error in one of the runs.
if [ -z "$plants" ]; then
  echo "FAIL: $name lists no plants"
  failed=1
fi
for plant in $plants; do
  caught=
  for run in "$@"; do
    n=$((n + 1))
    f=${run#*:}
    errors=$(search "run$n.out" "$plant" "$f")
    rm -f ./*.trail
    case $errors in
      0|broken) ;;
      *) caught="${f:-safety}, $errors errors"; break ;;
    esac
  done
  if [ -n "$caught" ]; then
    echo "PASS: $name with $plant fails as it must ($caught)"
  else
    echo "FAIL: $name with $plant: no error found: the model cannot see this mistake"
    failed=1
  fi
done
exit $failed
