# shmipc.bash - bash completion for prod, cons and shmdump.
#
# Copyright (C) 2026 The shmipc authors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Installed three times, as "prod", "cons" and "shmdump", in
# bash-completion's completions folder. bash-completion sources the file
# the first time one of the three commands is completed, so it may be
# sourced up to three times: it only defines functions and registers
# them, which is the same each time.
#
# The options are read from the --help of the command being completed (the
# installed one, or a build's when that comes first in PATH), so they never
# drift from the code; this file only knows which options take a value and
# what to offer for it.
#
# Object names come from /dev/shm, where anyone may create a file. A name
# is never evaluated, glob-expanded or given to "compgen -W" (which expands
# its words): it is compared with [[ == ]] against a quoted pattern and
# put into COMPREPLY as it is; "compopt -o filenames" then has readline
# quote it for the command line as it quotes file names (a\ b, or 'a b'
# when the user opened a quote). Names with a control character (a
# newline, an escape sequence) are not offered at all: they could not be
# shown or inserted safely; names with "$" or "`" only inside '...' (see
# _shmipc_complete_names).

# _shmipc_options COMMAND: prints COMMAND's long options, one a line, as
# _parse_help gives them ("--name=" for one that takes a value).
_shmipc_options()
{
    local cmd=$1 line

    # A command typed as ~/bin/prod: _parse_help would eval the word.
    [[ $cmd == \~/* ]] && cmd=$HOME/${cmd#\~/}

    # Only GLib's option lines, which are indented: the prose that
    # follows them has lines of its own that start with "--stream:" and
    # such. Nothing may reach the terminal, even when COMMAND is missing.
    LC_ALL=C "$cmd" --help </dev/null 2>/dev/null |
        while IFS= read -r line; do
            [[ $line =~ ^[[:blank:]]+- ]] && printf '%s\n' "$line"
        done |
        _parse_help -
}

# _shmipc_complete_words WORD...: COMPREPLY gets the WORDs that start with
# $cur.
_shmipc_complete_words()
{
    local word

    COMPREPLY=()
    for word; do
        [[ $word == "$cur"* ]] && COMPREPLY+=("$word")
    done
}

# _shmipc_complete_options COMMAND [OPTION...]: COMPREPLY gets COMMAND's
# long options that start with $cur. Each OPTION named takes an optional
# argument (G_OPTION_FLAG_OPTIONAL_ARG): --help shows it as "--wait=SECONDS"
# all the same, but it is complete without one, so it is offered bare.
_shmipc_complete_options()
{
    local cmd=$1 opt optional opts=()
    shift

    while IFS= read -r opt; do
        for optional; do
            [[ $opt == "$optional=" ]] && opt=$optional
        done
        opts+=("$opt")
    done < <(_shmipc_options "$cmd")
    # (The ${...+...} form: an empty array is "unbound" to bash < 4.4.)
    _shmipc_complete_words ${opts[@]+"${opts[@]}"}

    # "--name=": the value follows the "=" at once.
    [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] &&
        compopt -o nospace 2>/dev/null
}

# _shmipc_dequote WORD VAR QUOTEVAR: sets VAR to WORD without its shell
# quoting (backslashes, '...' and "...", the last quote possibly still
# open, as in a word being typed), and QUOTEVAR to the quote left open
# (' or "), if any. Nothing is expanded: "$x" stays "$x".
_shmipc_dequote()
{
    local word=$1 out='' c quote=''

    while [[ $word ]]; do
        c=${word:0:1}
        word=${word:1}
        case $quote in
            "'")
                # Inside '...' every character stands for itself.
                if [[ $c == "'" ]]; then quote=''; else out+=$c; fi
                ;;
            '"')
                # Inside "...", a backslash quotes only $ ` " \.
                if [[ $c == '"' ]]; then
                    quote=''
                elif [[ $c == \\ && ${word:0:1} == [\$\`\"\\] ]]; then
                    out+=${word:0:1}
                    word=${word:1}
                else
                    out+=$c
                fi
                ;;
            *)
                case $c in
                    "'" | '"') quote=$c ;;
                    \\)
                        out+=${word:0:1}
                        word=${word:1}
                        ;;
                    *) out+=$c ;;
                esac
                ;;
        esac
    done
    printf -v "$2" %s "$out"
    printf -v "$3" %s "$quote"
}

# _shmipc_complete_names: COMPREPLY gets "/NAME" for each POSIX object
# /dev/shm/NAME whose name starts with $cur (typed with or without its
# leading "/": the commands accept both).
_shmipc_complete_names()
{
    local want open_quote path name

    _shmipc_dequote "$cur" want open_quote
    want=${want#/}

    COMPREPLY=()
    # The glob runs in the subshell of the process substitution, so its
    # options do not touch the user's shell; NUL-separated, a name with a
    # newline stays one name.
    while IFS= read -r -d '' path; do
        name=${path#/dev/shm/}
        # Quoted: $want is matched literally, never as a pattern.
        [[ $name == "$want"* ]] || continue
        # Hidden names only when asked for, as with files.
        [[ $name == .* && $want != .* ]] && continue
        # POSIX semaphores, not shared memory.
        [[ $name == sem.* ]] && continue
        # A newline, an escape sequence...: see the top of this file.
        [[ $name == *[[:cntrl:]]* ]] && continue
        # Outside quotes bash leaves "$" and "`" unquoted in a match that
        # is not a path it can find (it takes them for an expansion the
        # user typed), so the command would expand them: such a name is
        # offered only inside '...', which bash quotes in full.
        [[ $name == *[\$\`]* && $open_quote != "'" ]] && continue
        # Objects are regular files; a symbolic link, even to one, is not
        # an object (the commands refuse it) and may point anywhere.
        [[ -f $path && ! -L $path ]] || continue
        COMPREPLY+=("/$name")
    done < <(
        shopt -s nullglob dotglob
        set +o noglob
        printf '%s\0' /dev/shm/*
    )

    ((${#COMPREPLY[@]})) && compopt -o filenames 2>/dev/null
}

# _shmipc_complete_keys: COMPREPLY gets the keys of the SysV segments that
# start with $cur, in decimal as /proc/sysvipc/shm has them (and as
# --key accepts them), without 0: IPC_PRIVATE names no segment.
_shmipc_complete_keys()
{
    local key rest

    COMPREPLY=()
    [[ -r /proc/sysvipc/shm ]] || return
    {
        read -r _ # the column names
        while read -r key rest; do
            [[ $key =~ ^-?[0-9]+$ && $key != 0 && $key == "$cur"* ]] &&
                COMPREPLY+=("$key")
        done
    } 2>/dev/null </proc/sysvipc/shm
}

_shmipc_prod()
{
    case $prev in
        -n | --name) _shmipc_complete_names; return ;;
        -b | --backend) _shmipc_complete_words posix sysv auto; return ;;
        --key) _shmipc_complete_keys; return ;;
        -i | --input) _filedir; return ;;
        --slow) _shmipc_complete_words wait drop; return ;;
        # Numbers, sizes, seconds, modes.
        -s | --size | -m | --mode | --capacity | --timeout | --readers) return ;;
    esac
    # The value of an option this file does not know: nothing to offer.
    $split && return

    # MESSAGE is free text.
    [[ $cur == -* ]] && _shmipc_complete_options "$1"
}

_shmipc_cons()
{
    case $prev in
        -n | --name) _shmipc_complete_names; return ;;
        -b | --backend) _shmipc_complete_words posix sysv auto; return ;;
        --key) _shmipc_complete_keys; return ;;
        --slow) _shmipc_complete_words wait drop; return ;;
        -m | --mode | --capacity | --timeout) return ;;
    esac
    $split && return

    # cons takes no other argument. After --wait (-w), whose argument is
    # optional, GLib takes the next word for the seconds unless it starts
    # with "-": it is then the next option, offered here like any other.
    [[ $cur == -* ]] && _shmipc_complete_options "$1" --wait
}

_shmipc_shmdump()
{
    case $prev in
        -b | --backend) _shmipc_complete_words posix sysv auto; return ;;
        -f | --format) _shmipc_complete_words canonical xxd seed raw; return ;;
        -k | --key) _shmipc_complete_keys; return ;;
        # An offset, a length (-n is --length here, not a name), seconds
        # and a count of looks.
        -s | --skip | -n | --length | --interval | --count) return ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        _shmipc_complete_options "$1"
    else
        _shmipc_complete_names
    fi
}

# The one function registered for the three commands; $1 is the command
# as typed (prod, or a path to it).
_shmipc()
{
    # All set by _init_completion, even those not used here.
    # shellcheck disable=SC2034
    local cur prev words cword split
    _init_completion -s || return

    case ${1##*/} in
        prod) _shmipc_prod "$1" ;;
        cons) _shmipc_cons "$1" ;;
        shmdump) _shmipc_shmdump "$1" ;;
    esac
} &&
    complete -F _shmipc prod cons shmdump

# ex: filetype=sh
