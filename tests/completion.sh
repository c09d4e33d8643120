#!/bin/sh
# completion.sh - bash completion of prod, cons and shmdump
# (completion/shmipc.bash).
#
# The completion is run as bash runs it: bash-completion loaded, then the
# script; COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT set for a
# command line; the function "complete -p" names called. Its COMPREPLY is
# compared with the words expected. The options come from the built
# commands' --help ($abs_top_builddir/src first in PATH). Object names
# come from /dev/shm, where the test makes hostile ones (a space, quotes
# and command substitutions, a newline, an escape sequence) and things
# that are not objects (a folder, a symbolic link, a semaphore). SysV keys
# come from a segment made with ipcmk (or python's ctypes), next to an
# IPC_PRIVATE one (key 0, not to be offered). Where script(1) can run an
# interactive bash, readline also inserts the names and the command must
# get each one back byte for byte.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later

# POSIX sh up to here; the rest is bash.
if [ -z "${BASH_VERSION:-}" ]; then
  if ! command -v bash >/dev/null 2>&1; then
    echo "SKIP: bash is not installed" >&2
    exit 77
  fi
  exec bash "$0" "$@"
fi

: "${abs_top_builddir:?run through make check (abs_top_builddir unset)}"
: "${abs_top_srcdir:?run through make check (abs_top_srcdir unset)}"
bash_completion=/usr/share/bash-completion/bash_completion
if [ ! -r "$bash_completion" ]; then
  echo "SKIP: $bash_completion is missing (bash-completion is not installed)" >&2
  exit 77
fi
script=$abs_top_srcdir/completion/shmipc.bash

LC_ALL=C
export LC_ALL
prefix="shmipc-test-compl-$$-"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/shmipc-completion.XXXXXX") || exit 99
sysv_id=
private_id=
test_path=$PATH

cleanup () {
  PATH=$test_path # a case may have changed it
  # What the last completion wrote, such as bash's error when set -u
  # stopped the test in it.
  if [ -s "$scratch/stderr" ]; then cat "$scratch/stderr" >&2; fi
  rm -rf "/dev/shm/$prefix"* "/dev/shm/.$prefix"* "/dev/shm/sem.$prefix"*
  if [ -n "$sysv_id" ]; then ipcrm -m "$sysv_id" 2>/dev/null; fi
  if [ -n "$private_id" ]; then ipcrm -m "$private_id" 2>/dev/null; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 99' HUP INT TERM

fail () {
  echo "FAIL: $*" >&2
  exit 1
}

# Only bash-completion and our script: no user or system add-ons.
export BASH_COMPLETION_USER_FILE=/dev/null
export BASH_COMPLETION_USER_DIR="$scratch/none"
export BASH_COMPLETION_COMPAT_DIR="$scratch/none"
# shellcheck source=/dev/null
. "$bash_completion" || fail "cannot load $bash_completion"
set -u

# compopt works only inside a completion that bash started; here it
# records what was asked (readline's quoting, no space after "=").
compopt_calls=
compopt () {
  compopt_calls="$compopt_calls $*"
}

# Sourced twice, as bash-completion may: the same, and silent.
# shellcheck source=/dev/null
. "$script" || fail "cannot source $script"
first=$(complete -p prod cons shmdump)
# shellcheck source=/dev/null
. "$script" >"$scratch/out" 2>&1 || fail "cannot source $script twice"
[ -s "$scratch/out" ] && fail "sourcing $script wrote: $(cat "$scratch/out")"
[ "$(complete -p prod cons shmdump)" = "$first" ] || fail "sourcing twice changed: $first"
echo "ok: sourced twice: $(echo "$first" | tr '\n' ';')"

PATH="$abs_top_builddir/src:$PATH"
cd "$scratch" || exit 99

# complete_line LINE [WORD]: completes LINE, the cursor at its end, as
# bash does: COMP_WORDS are LINE's words split at spaces, with "=" a word
# of its own as COMP_WORDBREAKS makes it, the last one being completed
# ("" after a trailing space). WORD, when given, is that last word (it
# may hold a quoted space). What the function writes to stderr is an
# error: a completion must never write to the terminal.
complete_line () {
  local line=$1 word func i
  local -a spec split

  read -r -a split <<<"$line"
  COMP_WORDS=()
  for word in "${split[@]}"; do
    case $word in
      *=*)
        COMP_WORDS+=("${word%%=*}" "=")
        [ -n "${word#*=}" ] && COMP_WORDS+=("${word#*=}")
        ;;
      *) COMP_WORDS+=("$word") ;;
    esac
  done
  if [ $# -ge 2 ]; then
    line="$line $2"
    COMP_WORDS+=("$2")
  elif [[ $line == *' ' ]]; then
    COMP_WORDS+=("")
  fi
  COMP_LINE=$line
  COMP_POINT=${#line}
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))

  func=
  read -r -a spec <<<"$(complete -p "${COMP_WORDS[0]}")"
  for ((i = 0; i < ${#spec[@]} - 1; i++)); do
    [ "${spec[i]}" = -F ] && func=${spec[i + 1]}
  done
  [ -n "$func" ] || fail "complete -p ${COMP_WORDS[0]}: no function"

  COMPREPLY=()
  compopt_calls=
  "$func" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" \
    "${COMP_WORDS[COMP_CWORD - 1]}" 2>"$scratch/stderr"
  [ -s "$scratch/stderr" ] && fail "$line: wrote to stderr: $(cat "$scratch/stderr")"
  return 0
}

# One word a line, shell-quoted (no newline can hide in a word), sorted.
sorted_words () {
  [ $# -eq 0 ] || printf '%q\n' "$@" | sort
}

# expect LINE [WORD...]: completing LINE offers exactly the WORDs.
expect () {
  local line=$1
  shift
  complete_line "$line"
  check_reply "$line" "$@"
}

# expect_typed LINE TYPED [WORD...]: the same, the word being completed
# being TYPED.
expect_typed () {
  local line=$1 typed=$2
  shift 2
  complete_line "$line" "$typed"
  check_reply "$line $typed" "$@"
}

check_reply () {
  local line=$1 got want
  shift
  got=$(sorted_words ${COMPREPLY[@]+"${COMPREPLY[@]}"})
  want=$(sorted_words "$@")
  [ "$got" = "$want" ] ||
    fail "$line: offered [${got//$'\n'/ }], expected [${want//$'\n'/ }]"
  echo "ok: $line -> [${want//$'\n'/ }]"
}

# offered WORD: COMPREPLY holds WORD.
offered () {
  local w
  for w in ${COMPREPLY[@]+"${COMPREPLY[@]}"}; do
    [ "$w" = "$1" ] && return 0
  done
  return 1
}

# A wrong expectation is caught.
( expect 'prod --st' --stream --bogus ) >/dev/null 2>&1 &&
  fail "a wrong expectation passed"
( expect 'prod --st' ) >/dev/null 2>&1 && fail "an empty expectation passed"

# --- options, from --help ---
# Independently of _parse_help: the long option of each indented option
# line of --help, with "=" when it takes a value.
help_options () {
  LC_ALL=C "$1" --help | sed -n 's/^  \(-[^-], \)\{0,1\}\(--[a-z-]*=\{0,1\}\).*/\2/p'
}
for cmd in prod cons shmdump; do
  mapfile -t want < <(help_options "$cmd")
  [ "${#want[@]}" -ge 10 ] || fail "$cmd --help: only ${#want[@]} options"
  # --wait takes an optional argument: offered without "=".
  [ "$cmd" = cons ] && want=("${want[@]/#--wait=/--wait}")
  expect "$cmd --" "${want[@]}"
done
# Not from the prose of --help ("--stream: prod copies..."), nor another
# command's.
expect 'prod --st' --stream
expect 'prod --str' --stream
expect 'prod --w'
expect 'shmdump --st'
expect 'shmdump --li' --limits --list
expect 'cons --k' --keep --key=
expect 'cons --wa' --wait
expect 'prod --na' --name=
[[ $compopt_calls == *'-o nospace'* ]] || fail "prod --na: no -o nospace after --name="
echo "ok: prod --na asks for no space after the ="
expect 'prod --qu' --quiet
[[ $compopt_calls == *nospace* ]] && fail "prod --qu: -o nospace after --quiet"
expect 'prod MESSAGE --ex' --exclusive

# cons --wait: GLib takes "--wait=5" and the next word unless it starts
# with "-".
expect 'cons --wait '
expect 'cons --wait 1'
expect 'cons --wait='
expect 'cons --wait --ke' --keep --key=
expect 'cons -w --r' --raw

# --- fixed values ---
expect 'prod -b ' posix sysv auto
expect 'prod --backend ' posix sysv auto
expect 'cons --backend=' posix sysv auto
expect 'shmdump --backend=s' sysv
expect 'shmdump -b a' auto
expect 'shmdump -f ' canonical xxd seed raw
expect 'shmdump --format=' canonical xxd seed raw
expect 'shmdump --format x' xxd
expect 'prod --slow ' wait drop
expect 'cons --slow=d' drop

# --- object names ---
printf x >"/dev/shm/${prefix}plain"
printf x >"/dev/shm/${prefix}space name"
hostile="${prefix}quote'\"\$(touch pwned)\`touch pwned\`*?[x]"
printf x >"/dev/shm/$hostile"
printf x >"/dev/shm/${prefix}new
line"
printf x >"/dev/shm/${prefix}esc$(printf '\033')[31mred"
printf x >"/dev/shm/.${prefix}hidden"
printf x >"/dev/shm/sem.${prefix}sem"
mkdir "/dev/shm/${prefix}dir"
ln -s /etc/passwd "/dev/shm/${prefix}link"

expect "prod -n /$prefix" "/${prefix}plain" "/${prefix}space name"
[[ $compopt_calls == *'-o filenames'* ]] ||
  fail "prod -n: names without -o filenames (readline would not quote them)"
echo "ok: names are quoted by readline (-o filenames)"
expect "cons --name=/${prefix}sp" "/${prefix}space name"
expect "cons --name /${prefix}p" "/${prefix}plain"
# Typed without "/", as the commands accept.
expect "shmdump ${prefix}pl" "/${prefix}plain"
expect "shmdump -i -v /${prefix}pl" "/${prefix}plain"
# Typed quoted.
expect_typed "prod -n" "/${prefix}space\\ n" "/${prefix}space name"
expect_typed "prod -n" "\"/${prefix}space n" "/${prefix}space name"
# The hostile name only inside '...', where bash quotes it in full.
expect_typed "prod -n" "'/${prefix}" "/${prefix}plain" "/${prefix}space name" "/$hostile"
expect "prod -n /${prefix}q"
expect "prod -n /.${prefix}" "/.${prefix}hidden"
expect "shmdump /sem.${prefix}"
expect "shmdump /${prefix}dir"
expect "shmdump /${prefix}link"
[ -e pwned ] && fail "a name was evaluated: $scratch/pwned exists"
echo "ok: no name was evaluated"

# All names: ours but the hidden one, no control character or semaphore
# in anyone's, and only our regular files among ours (other tests may
# change theirs meanwhile).
for line in "prod -n " "cons --name=" "shmdump "; do
  complete_line "$line"
  offered "/${prefix}plain" || fail "$line: /${prefix}plain not offered"
  offered "/${prefix}space name" || fail "$line: /${prefix}space name not offered"
  offered "/.${prefix}hidden" && fail "$line: hidden name offered unasked"
  for w in "${COMPREPLY[@]}"; do
    [[ $w == *[[:cntrl:]]* ]] && fail "$line: offered a name with a control character: $(printf %q "$w")"
    [[ $w == /sem.* ]] && fail "$line: offered a semaphore: $w"
    [[ $w != "/$prefix"* || ( -f /dev/shm$w && ! -L /dev/shm$w ) ]] ||
      fail "$line: offered $(printf %q "$w"), not a regular file"
  done
  echo "ok: $line offers ${#COMPREPLY[@]} names, ours the regular files only"
done

# --- no names where a value is a number ---
expect "shmdump -n "
expect "shmdump -n /$prefix"
expect "shmdump --length=/$prefix"
expect "shmdump -s /$prefix"
expect "prod -s /$prefix"
expect "prod --size /$prefix"
expect "cons --timeout=/$prefix"
expect "shmdump --interval /$prefix"
expect "shmdump --count=/$prefix"
# A value given to a flag: not a place for a name.
expect "shmdump --list=/${prefix}pl"
# Nor after any option that takes a value, but those that take a name
# (this catches an option added to --help and forgotten here).
for cmd in prod cons shmdump; do
  for opt in $(help_options "$cmd"); do
    case $opt in --name=) continue ;; *=) ;; *) continue ;; esac
    complete_line "$cmd ${opt%=} /${prefix}pl"
    offered "/${prefix}plain" && fail "$cmd ${opt%=}: offered an object name"
    complete_line "$cmd $opt/${prefix}pl"
    offered "/${prefix}plain" && fail "$cmd $opt: offered an object name"
  done
done
echo "ok: no value option but --name offers object names"

# --- files ---
mkdir "$scratch/files" "$scratch/files/sub"
: >"$scratch/files/in-a"
: >"$scratch/files/in-b"
cd "$scratch/files" || exit 99
expect 'prod --input in-' in-a in-b
expect 'prod -i in-a' in-a
expect 'prod --input=su' sub
expect 'prod --input ' in-a in-b sub
cd "$scratch" || exit 99
expect 'prod --input files/in' files/in-a files/in-b

# --- SysV keys ---
# shmget KEY: makes a segment with python's ctypes, prints its shmid.
shmget () {
  command -v python3 >/dev/null 2>&1 || return 0
  python3 -c '
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.argtypes = (ctypes.c_int, ctypes.c_size_t, ctypes.c_int)
shmid = libc.shmget(int(sys.argv[1]), 4096, 0o3600)  # IPC_CREAT|IPC_EXCL|0600
if shmid >= 0:
    print(shmid)
' "$1" 2>/dev/null
}
# A segment with a key: ipcmk picks a free one; else python, with a key
# of our own.
if command -v ipcmk >/dev/null 2>&1; then
  sysv_id=$(ipcmk -M 4096 2>/dev/null | sed -n 's/.*id: *\([0-9][0-9]*\).*/\1/p')
fi
if [ -z "$sysv_id" ]; then
  sysv_id=$(shmget $((0x5c000000 + $$ % 0x1000000)))
fi
# And one without (IPC_PRIVATE, key 0), which must not be offered.
private_id=$(shmget 0)
key=
if [ -n "$sysv_id" ]; then
  while read -r k id rest; do
    [ "$id" = "$sysv_id" ] && key=$k
  done </proc/sysvipc/shm
fi
if [ -z "$key" ] || [ "$key" = 0 ]; then
  echo "SKIP (keys only): cannot make a SysV segment (no ipcmk, no python3, or no SysV IPC)"
else
  complete_line "prod --key "
  offered "$key" || fail "prod --key: key $key not offered"
  offered 0 && fail "prod --key: IPC_PRIVATE (0) offered"
  if [ -n "$private_id" ]; then
    echo "ok: prod --key offers key $key of shmid $sysv_id, and not 0 (IPC_PRIVATE, shmid $private_id)"
  else
    echo "ok: prod --key offers key $key of shmid $sysv_id (no IPC_PRIVATE segment made: no python3)"
  fi
  complete_line "cons --key=$key"
  offered "$key" || fail "cons --key=$key: not offered"
  for w in "${COMPREPLY[@]}"; do
    [[ $w == "$key"* ]] || fail "cons --key=$key: offered $w"
  done
  echo "ok: cons --key=$key -> [${COMPREPLY[*]}]"
  complete_line "shmdump -k $key"
  offered "$key" || fail "shmdump -k $key: not offered"
  echo "ok: shmdump -k $key -> [${COMPREPLY[*]}]"
fi

# --- silent when the command is not there ---
# A PATH with only what bash-completion's _parse_help runs.
mkdir "$scratch/bin"
ln -s "$(command -v cat)" "$scratch/bin/cat"
for line in 'prod --' 'shmdump --li'; do
  saved_path=$PATH
  PATH=$scratch/bin
  complete_line "$line"
  PATH=$saved_path
  check_reply "$line (not in PATH)"
done

# --- through readline, in an interactive bash ---
# prod is a function printing its arguments, so the line readline made
# is parsed by the shell and shows what the command would get.
cat >"$scratch/rc" <<EOF
. $(printf %q "$bash_completion")
. $(printf %q "$script")
prod () { printf '<%s>\\n' "\$@"; }
PS1='\$ '
EOF
# run_readline KEYS: types KEYS (printf %b escapes) into an interactive
# bash, prints what the terminal shows.
run_readline () {
  printf '%b' "$1" | INPUTRC=/dev/null HISTFILE=/dev/null TERM=dumb \
    timeout 60 script -qec "bash --noprofile --rcfile $(printf %q "$scratch/rc") -i" /dev/null 2>&1 |
    tr -d '\r'
}
if ! command -v script >/dev/null 2>&1 || ! command -v timeout >/dev/null 2>&1 ||
   ! run_readline 'prod probe\nexit\n' | grep -qx '<probe>'; then
  echo "SKIP (readline only): script(1) cannot run an interactive bash here"
  exit 0
fi
run_readline "prod -n /${prefix}sp\t\nprod -n '/${prefix}q\t\nprod -n /${prefix}q\t\nexit\n" \
  >"$scratch/readline"
grep '^<' "$scratch/readline" >"$scratch/got"
printf '<%s>\n' -n "/${prefix}space name" -n "/$hostile" -n "/${prefix}q" >"$scratch/want"
cmp -s "$scratch/got" "$scratch/want" ||
  fail "readline: the command got $(cat -A "$scratch/got"), expected $(cat -A "$scratch/want")"
[ -e pwned ] && fail "readline: a name was evaluated: $scratch/pwned exists"
echo "ok: readline inserts /${prefix}space name and, inside '...', the hostile name; prod gets them byte for byte"
