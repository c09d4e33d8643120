/* tool-common.h - what prod, cons and shmdump share: option parsing,
 * messages and exit statuses. No IPC logic belongs here.
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef TOOL_COMMON_H
#define TOOL_COMMON_H

#include <shmipc.h>

#define TOOL_EXIT_SUCCESS 0
#define TOOL_EXIT_FAILURE 1   /* a runtime failure */
#define TOOL_EXIT_USAGE   2   /* a bad option or value */

/* Sets the program name used in messages, opens /dev/null on each of
 * the descriptors 0, 1 and 2 that is closed (so that no object opened
 * later gets one of their numbers; with the access mode it does not
 * need, so that using it fails with EBADF), then sets the locale. Call
 * it first, before anything opens a file. */
void tool_init (const char *prgname);

/* TRUE when descriptor @fd (0, 1 or 2) was closed when the command
 * started (tool_init() put /dev/null there). */
gboolean tool_std_was_closed (int fd);

/* Parses the command line of a command: @parameter_string (may be NULL)
 * follows "[OPTION…]" in the usage line, @summary and @description go
 * before and after the option list of --help. A bad option prints
 * "PROG: message" and 'Try "PROG --help" ...' and exits 2; when
 * *@version is set by --version, prints "PROG (shmipc) X.Y.Z" and
 * exits 0. Call tool_init() first. */
void tool_parse_command_line (const char         *parameter_string,
                              const char         *summary,
                              const char         *description,
                              const GOptionEntry *entries,
                              const gboolean     *version,
                              int                *argc,
                              char             ***argv);

/* Prints "PROG: message" and the --help hint on stderr, exits 2. */
G_GNUC_NORETURN G_GNUC_PRINTF (1, 2)
void tool_usage_error (const char *format, ...);

/* @text, fit for a terminal and unambiguous: every byte that is a control
 * character (C0, DEL, or one of the two bytes of a C1 control) or not
 * part of valid UTF-8 is written as \xHH, except \a \b \t \n \v \f \r,
 * written so; a backslash is written \\. Everything else is kept, so
 * that a printable name, in any script, shows as it is. Names of
 * objects are any bytes that a local user chose: everything the commands
 * print of them passes through here (messages included). */
gchar *tool_escape (const gchar *text);

/* Prints "PROG: message" on stderr, escaped with tool_escape(). */
G_GNUC_PRINTF (1, 2)
void tool_message (const char *format, ...);

/* Prints why the command leaves another user's object alone ("Refusing to
 * ACTION "/x": it belongs to uid 1000, not to uid 0 (HINT)"), for the
 * object @name (or the SysV segment @key when not 0) that the library
 * refused with SHMIPC_ERROR_NOT_OWNER. */
void tool_refuse_not_owner (const char    *action,
                            const char    *name,
                            gint32         key,
                            ShmipcBackend  backend,
                            const char    *hint);

/* Prints "PROG: error->message", frees @error, exits 1. */
G_GNUC_NORETURN
void tool_fail (GError *error);

/* tool_fail() for the error of making, growing, writing or reading a
 * shared-memory object: SHMIPC_ERROR_NO_SPACE also says where to look
 * (shmdump --limits). */
G_GNUC_NORETURN
void tool_fail_object (GError *error);

/* Catches SIGHUP (unless ignored, as under nohup), SIGINT and SIGTERM
 * with @handler, without SA_RESTART, each blocking the others. */
void tool_catch_stop_signals (void (*handler) (int));

/* Dies of @signo, as if it had not been caught, so that the parent (a
 * shell loop, make) sees how the command ended. */
G_GNUC_NORETURN
void tool_die_of_signal (int signo);

/* What a command does with no options: the classroom example's object,
 * size and message. SHMIPC_NAME overrides the name. */
#define TOOL_DEFAULT_NAME "/shm-example"
#define TOOL_DEFAULT_SIZE 4096
#define TOOL_SEED_TEXT "Studying Operating Systems Is Fun!\n"

/* The object prod and cons use when given no name: $SHMIPC_NAME when it is
 * set and not empty, else TOOL_DEFAULT_NAME. */
const char *tool_default_name (void);

/* Parse values: sizes such as "4096", "64K", "1M", "2G" or "1GiB" (K, M,
 * G, T: powers of 1024, case-insensitive, an optional "iB" or "B"
 * after); octal modes within 0777 ("644", "0600"); SysV keys in decimal,
 * 0x-hex or negative decimal (as /proc/sysvipc/shm prints them), not 0.
 * FALSE with SHMIPC_ERROR_INVALID_ARGUMENT for malformed input, or
 * SHMIPC_ERROR_TOO_LARGE when it overflows. */
gboolean tool_size_from_string (const gchar  *str,
                                guint64      *size_out,
                                GError      **error);
gboolean tool_mode_from_string (const gchar  *str,
                                guint        *mode_out,
                                GError      **error);
gboolean tool_key_from_string  (const gchar  *str,
                                gint32       *key_out,
                                GError      **error);

/* Parse option values; a bad value is a usage error (exit 2) naming the
 * option. */
ShmipcBackend tool_parse_backend (const char *option, const char *value);

/* An invalid object name (see shmipc_name_validate()) is a usage error;
 * @option may be NULL for a NAME argument. */
void          tool_check_name    (const char *option, const char *name);
guint64       tool_parse_size    (const char *option, const char *value);
/* "512 bytes", "4.0 MiB": IEC units in ASCII, whatever the locale. */
gchar        *tool_format_size   (guint64 bytes);
guint         tool_parse_mode    (const char *option, const char *value);
gint32        tool_parse_key     (const char *option, const char *value);

/* Reads all the bytes of the file @path, or of standard input when @path
 * is "-" (binary safe), but no more than @limit: more is an error
 * (SHMIPC_ERROR_TOO_LARGE) after reading at most @limit + 1 bytes.
 * Returns NULL with @error set on failure. */
GBytes *tool_read_input (const char  *path,
                         gsize        limit,
                         GError     **error);

/* Streams: "prod --stream" and "cons --stream". */

/* Parses a --timeout value in seconds (a number such as 5 or 0.5, more
 * than 0, at most TOOL_MAX_TIMEOUT_SECONDS) and returns it in
 * milliseconds, rounded up; a bad value is a usage error. */
#define TOOL_MAX_TIMEOUT_SECONDS 2000000
gint tool_parse_timeout (const char *option, const char *value);

/* Parses a --capacity value (a size with suffixes, within the channel
 * library's limits); a bad value is a usage error. */
gsize tool_parse_capacity (const char *option, const char *value);

/* Parses prod's --readers value: 1 to SHMIPC_CHANNEL_MAX_READERS; a bad
 * value is a usage error. */
guint tool_parse_readers (const char *option, const char *value);
/* A positive whole number (--count). */
guint tool_parse_count (const char *option, const char *value);

/* Parses a --slow value: "wait", "drop" or "drop:SECONDS" (the grace, 0
 * or more, as in --timeout; 0 cuts at once); sets *@grace_ms to the
 * grace in milliseconds, or to -1 (the library's default) when none is
 * given. A bad value is a usage error. */
ShmipcChannelPolicy tool_parse_policy (const char *option,
                                       const char *value,
                                       gint       *grace_ms);

typedef struct {
  ShmipcChannelRole role;
  const char *name;
  ShmipcBackend backend;
  gsize capacity;       /* 0: the library's default */
  guint mode;
  gint timeout_ms;      /* longest wait for the peer; -1: for ever */
  const char *input;    /* producer: a file, or NULL or "-" for stdin */
  guint readers;        /* producer: readers to wait for (1: do not wait) */
  ShmipcChannelPolicy policy;   /* of a channel this command creates */
  gint drop_grace_ms;           /* its grace under drop; -1: the default */
  gboolean policy_given;        /* --slow: refuse a channel with another */
  gboolean force;               /* --force: join another user's channel */
} ToolStream;

/* The options of a new ToolStream for @role: the default name, backend,
 * mode and policy, no time limit, one reader. */
#define TOOL_STREAM_INIT(role) \
  { (role), NULL, SHMIPC_BACKEND_AUTO, 0, SHMIPC_DEFAULT_MODE, -1, NULL, 1, \
    SHMIPC_CHANNEL_POLICY_WAIT, -1, FALSE, FALSE }

/* Fills @stream from the options prod and cons share with --stream
 * (each may be NULL when not given); a bad value is a usage error. The
 * name defaults to tool_default_name(). */
void tool_stream_set_options (ToolStream *stream,
                              const char *name,
                              const char *backend,
                              const char *mode,
                              const char *capacity,
                              const char *timeout,
                              const char *slow);

/* Runs one end of a stream: the producer waits for stream->readers
 * readers (when more than 1) and copies its input into the channel; a
 * reader copies the channel to standard output. Handles SIGHUP, SIGINT
 * and SIGTERM (the producer aborts and removes the channel, a reader
 * leaves it; a message is printed, then the process dies of the same
 * signal) and SIGPIPE (ignored; a reader whose standard output is a
 * closed pipe leaves, then dies of SIGPIPE quietly unless SIGPIPE was
 * ignored when it started). Removal follows shmipc_channel_open_full():
 * the last reader to leave removes the channel, after the end of the
 * stream or on failure; the producer removes it when the stream fails.
 * A producer that lost readers (dead, or gone before the end) names each
 * and fails at the end, as tee(1) does; one that cut readers off (drop
 * policy) names each and still succeeds. Another user's channel is
 * refused unless stream->force.
 * Returns TOOL_EXIT_SUCCESS or, after printing "PROG: message",
 * TOOL_EXIT_FAILURE. */
int tool_run_stream (const ToolStream *stream);

#endif /* TOOL_COMMON_H */
