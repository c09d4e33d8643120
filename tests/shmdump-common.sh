# shmdump-common.sh - sourced by the shmdump shell tests.
#
# Sets SHMDUMP and MKOBJ, a unique object-name prefix, a scratch
# directory, and a trap that removes every object and file the test made.

set -u
LC_ALL=C
export LC_ALL

builddir=${abs_top_builddir:-$(pwd)}
SHMDUMP="$builddir/src/shmdump"
MKOBJ="$builddir/tests/mkobj"
test_name=$(basename "$0" .sh)
prefix="shmipc-test-$$-$test_name"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/$test_name.XXXXXX") || exit 99
objects=
sysv_ids=

cleanup () {
  for obj in $objects; do
    "$MKOBJ" -u "$obj" 2>/dev/null
  done
  for id in $sysv_ids; do
    ipcrm -m "$id" 2>/dev/null
  done
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# make_object NAME [SIZE [MODE]] < DATA: creates the object and remembers
# it for clean-up. Never call it in a pipeline: a subshell would forget.
make_object () {
  objects="$objects $1"
  "$MKOBJ" "$@"
}

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

skip () {
  echo "SKIP: $*" >&2
  exit 77
}

# TRUE when objects land in /dev/shm (the POSIX backend is in use).
posix_in_use () {
  probe_name="/$prefix-probe"
  test -f "/dev/shm$probe_name" && return 0
  printf x > "$scratch/probe"
  make_object "$probe_name" < "$scratch/probe" || return 1
  test -f "/dev/shm$probe_name"
}
