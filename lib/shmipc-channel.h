/* shmipc-channel.h - a byte stream in shared memory from one producer to
 * one or more readers
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef SHMIPC_CHANNEL_H
#define SHMIPC_CHANNEL_H

#if !defined (__SHMIPC_H_INSIDE__) && !defined (SHMIPC_COMPILATION)
#error "Only <shmipc.h> can be included directly."
#endif

#include <glib-object.h>
#include <shmipc-macros.h>
#include <shmipc-segment.h>

G_BEGIN_DECLS

/**
 * SHMIPC_CHANNEL_MAGIC:
 *
 * The eight bytes a channel object starts with (no terminating NUL is
 * part of the magic). Tools detect channels with shmipc_channel_is_channel().
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_MAGIC "SHMIPCch"

/**
 * SHMIPC_CHANNEL_VERSION:
 *
 * The header layout version this library writes and accepts.
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_VERSION 2

/**
 * SHMIPC_CHANNEL_HEADER_SIZE:
 *
 * Bytes before the ring in a channel object: the object's size is this
 * plus the capacity.
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_HEADER_SIZE 4096

/**
 * SHMIPC_CHANNEL_MIN_CAPACITY:
 *
 * The smallest ring capacity, in bytes.
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_MIN_CAPACITY 4096

/**
 * SHMIPC_CHANNEL_MAX_CAPACITY:
 *
 * The largest ring capacity, in bytes (64 GiB).
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_MAX_CAPACITY (G_GUINT64_CONSTANT (1) << 36)

/**
 * SHMIPC_CHANNEL_DEFAULT_CAPACITY:
 *
 * The capacity used when 0 is passed to shmipc_channel_open() (4 MiB).
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_DEFAULT_CAPACITY (4 * 1024 * 1024)

/**
 * SHMIPC_CHANNEL_MAX_READERS:
 *
 * The most readers (consumers) a channel can have at once: the reader
 * slots that fit in the header.
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_MAX_READERS 28

/**
 * SHMIPC_CHANNEL_DEFAULT_READERS:
 *
 * The reader limit of a channel created by shmipc_channel_open(), or by
 * shmipc_channel_open_full() with a limit of 0: the most a channel
 * takes, so that whoever creates a channel (a producer or a reader) never
 * limits how many readers it takes.
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_DEFAULT_READERS SHMIPC_CHANNEL_MAX_READERS

/**
 * SHMIPC_CHANNEL_DEFAULT_DROP_GRACE_MS:
 *
 * The grace of a channel with the `drop` policy created with a grace of
 * -1 (see shmipc_channel_open_full()): one second.
 *
 * Since: 0.2
 */
#define SHMIPC_CHANNEL_DEFAULT_DROP_GRACE_MS 1000

/**
 * ShmipcChannelOpenFlags:
 * @SHMIPC_CHANNEL_OPEN_NONE: no flag
 * @SHMIPC_CHANNEL_OPEN_FORCE: join a channel that belongs to another
 *   user (its object's owner is not the caller's effective uid), which is
 *   refused otherwise
 *
 * How shmipc_channel_open_full() opens a channel.
 *
 * Since: 0.2
 */
typedef enum /*< flags >*/ {
  SHMIPC_CHANNEL_OPEN_NONE = 0,
  SHMIPC_CHANNEL_OPEN_FORCE = 1 << 0,
} ShmipcChannelOpenFlags;

/**
 * ShmipcChannelRole:
 * @SHMIPC_CHANNEL_PRODUCER: the writing end
 * @SHMIPC_CHANNEL_CONSUMER: a reading end
 *
 * The end of a channel a process opens. A channel has at most one live
 * producer, and as many live consumers (readers) as the reader limit
 * fixed when it was created.
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_CHANNEL_PRODUCER = 0,
  SHMIPC_CHANNEL_CONSUMER = 1,
} ShmipcChannelRole;

/**
 * ShmipcChannelState:
 * @SHMIPC_CHANNEL_STATE_OPEN: the stream is flowing (or about to)
 * @SHMIPC_CHANNEL_STATE_END_OF_STREAM: the producer has written its last
 *   byte; the consumer reads what is left, then end-of-stream
 * @SHMIPC_CHANNEL_STATE_ABORTED: one side gave up; both fail
 *
 * The state word of a channel header.
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_CHANNEL_STATE_OPEN = 0,
  SHMIPC_CHANNEL_STATE_END_OF_STREAM = 1,
  SHMIPC_CHANNEL_STATE_ABORTED = 2,
} ShmipcChannelState;

/**
 * ShmipcChannelPolicy:
 * @SHMIPC_CHANNEL_POLICY_WAIT: lossless: the producer never overwrites a
 *   byte an attached reader has not read; the slowest live reader sets
 *   the pace
 * @SHMIPC_CHANNEL_POLICY_DROP: the producer waits for the slowest reader
 *   as with `wait`, but no longer than the channel's grace (see
 *   shmipc_channel_open_full()): a reader that has kept it waiting, without
 *   making room, for longer than that is cut off, and gets
 *   %SHMIPC_ERROR_OVERRUN after every byte it could still read intact. A
 *   reader that keeps up on average is never cut off. (As with `wait`, the
 *   producer waits without limit for the first reader of a stream when the
 *   ring is full before one comes.)
 *
 * What the producer does about a slow reader, chosen when the channel is
 * created (see shmipc_channel_open_full()).
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_CHANNEL_POLICY_WAIT = 0,
  SHMIPC_CHANNEL_POLICY_DROP = 1,
} ShmipcChannelPolicy;

/**
 * ShmipcChannelReaderState:
 * @SHMIPC_CHANNEL_READER_JOINING: attached, its start position not yet
 *   settled
 * @SHMIPC_CHANNEL_READER_READING: attached and reading
 * @SHMIPC_CHANNEL_READER_OVERRUN: cut off by the producer (the `drop`
 *   policy): it fell behind by more than the ring holds
 * @SHMIPC_CHANNEL_READER_LEFT: left before the end of the stream; the
 *   producer has not yet seen it go
 *
 * The state of one reader slot of a channel.
 *
 * Since: 0.2
 */
typedef enum {
  SHMIPC_CHANNEL_READER_JOINING = 0,
  SHMIPC_CHANNEL_READER_READING = 1,
  SHMIPC_CHANNEL_READER_OVERRUN = 2,
  SHMIPC_CHANNEL_READER_LEFT = 3,
} ShmipcChannelReaderState;

/**
 * ShmipcChannelReaderInfo:
 * @slot: the reader's slot in the header, 0 to the reader limit - 1
 * @pid: the reader's process
 * @alive: %TRUE when that process still runs (not a recycled pid)
 * @state: the #ShmipcChannelReaderState
 * @position: bytes of the stream before the next one it reads
 * @lag: bytes written that it has not read yet
 *
 * One reader of a channel, as shmipc_channel_inspect() found it.
 *
 * Since: 0.2
 */
typedef struct {
  guint slot;
  gint32 pid;
  gboolean alive;
  ShmipcChannelReaderState state;
  guint64 position;
  guint64 lag;
} ShmipcChannelReaderInfo;

/**
 * ShmipcChannelInfo:
 * @version: header layout version
 * @capacity: ring size in bytes
 * @fill: bytes written and not yet read by the slowest reader that still
 *   holds the producer back (or, before the first reader came, by nobody)
 * @read_position: the position @fill counts from
 * @write_position: bytes written since the channel was created
 * @state: the #ShmipcChannelState
 * @producer_pid: pid of the producer, 0 when no producer is attached
 * @producer_alive: %TRUE when that process still runs (not a recycled pid)
 * @policy: the #ShmipcChannelPolicy the channel was created with
 * @drop_grace_ms: with the `drop` policy, how long (in milliseconds) a
 *   reader may keep the producer waiting before it is cut off
 * @max_readers: its reader limit
 * @n_readers: how many reader slots are in use: shmipc_channel_info_get_reader()
 *   gives each of them, by index from 0 to @n_readers - 1
 * @awaiting_first_reader: %TRUE while no reader has been handed a byte of
 *   the current stream (none came, or those that came found nothing to
 *   read yet, or died before): the producer keeps its bytes for the first
 *   one
 *
 * A channel header decoded by shmipc_channel_inspect(). A channel whose
 * processes are all gone is stale: no process will read or write it.
 *
 * Since: 0.2
 */
typedef struct {
  guint32 version;
  guint64 capacity;
  guint64 fill;
  guint64 read_position;
  guint64 write_position;
  ShmipcChannelState state;
  gint32 producer_pid;
  gboolean producer_alive;
  ShmipcChannelPolicy policy;
  guint drop_grace_ms;
  guint max_readers;
  guint n_readers;
  gboolean awaiting_first_reader;
  /*< private >*/
  ShmipcChannelReaderInfo readers[SHMIPC_CHANNEL_MAX_READERS];
  gpointer padding[8];
} ShmipcChannelInfo;

/**
 * ShmipcChannel:
 *
 * An opaque handle on one end of a channel.
 *
 * Since: 0.2
 */
typedef struct _ShmipcChannel ShmipcChannel;

SHMIPC_PUBLIC
ShmipcChannel *shmipc_channel_open          (const gchar         *name,
                                             ShmipcChannelRole    role,
                                             gsize                capacity,
                                             guint                mode,
                                             ShmipcBackend        backend,
                                             GError             **error);
SHMIPC_PUBLIC
ShmipcChannel *shmipc_channel_open_full     (const gchar         *name,
                                             ShmipcChannelRole    role,
                                             gsize                capacity,
                                             guint                mode,
                                             ShmipcBackend        backend,
                                             guint                max_readers,
                                             ShmipcChannelPolicy  policy,
                                             gint                 drop_grace_ms,
                                             ShmipcChannelOpenFlags flags,
                                             GError             **error);
SHMIPC_PUBLIC
void           shmipc_channel_free          (ShmipcChannel       *channel);
SHMIPC_PUBLIC
gboolean       shmipc_channel_leave         (ShmipcChannel       *channel);

SHMIPC_PUBLIC
gboolean       shmipc_channel_wait_readers  (ShmipcChannel       *channel,
                                             guint                n_readers,
                                             gint                 timeout_ms,
                                             GError             **error);
SHMIPC_PUBLIC
gint32        *shmipc_channel_get_lost_readers (ShmipcChannel    *channel,
                                             guint               *n_lost);
SHMIPC_PUBLIC
guint          shmipc_channel_get_n_cut_readers (ShmipcChannel   *channel);
SHMIPC_PUBLIC
const ShmipcChannelReaderInfo *shmipc_channel_get_cut_reader (ShmipcChannel *channel,
                                                              guint          index);
SHMIPC_PUBLIC
ShmipcChannelPolicy shmipc_channel_get_policy (ShmipcChannel     *channel);
SHMIPC_PUBLIC
guint          shmipc_channel_get_drop_grace (ShmipcChannel      *channel);
SHMIPC_PUBLIC
guint          shmipc_channel_get_max_readers (ShmipcChannel     *channel);

SHMIPC_PUBLIC
gboolean       shmipc_channel_write         (ShmipcChannel       *channel,
                                             gconstpointer        data,
                                             gsize                length,
                                             gint                 timeout_ms,
                                             GError             **error);
SHMIPC_PUBLIC
gssize         shmipc_channel_read          (ShmipcChannel       *channel,
                                             gpointer             buffer,
                                             gsize                length,
                                             gint                 timeout_ms,
                                             GError             **error);
SHMIPC_PUBLIC
gboolean       shmipc_channel_reserve       (ShmipcChannel       *channel,
                                             gpointer            *data_out,
                                             gsize               *length_out,
                                             gint                 timeout_ms,
                                             GError             **error);
SHMIPC_PUBLIC
gboolean       shmipc_channel_commit        (ShmipcChannel       *channel,
                                             gsize                length,
                                             GError             **error);
SHMIPC_PUBLIC
gboolean       shmipc_channel_peek          (ShmipcChannel       *channel,
                                             gconstpointer       *data_out,
                                             gsize               *length_out,
                                             gint                 timeout_ms,
                                             GError             **error);
SHMIPC_PUBLIC
gboolean       shmipc_channel_consume       (ShmipcChannel       *channel,
                                             gsize                length,
                                             GError             **error);
SHMIPC_PUBLIC
gboolean       shmipc_channel_close_write   (ShmipcChannel       *channel,
                                             GError             **error);
SHMIPC_PUBLIC
void           shmipc_channel_abort         (ShmipcChannel       *channel);

SHMIPC_PUBLIC
gboolean       shmipc_channel_send_fd       (ShmipcChannel       *channel,
                                             int                  fd,
                                             guint64             *bytes_out,
                                             gint                 timeout_ms,
                                             GError             **error);
SHMIPC_PUBLIC
gboolean       shmipc_channel_receive_fd    (ShmipcChannel       *channel,
                                             int                  fd,
                                             guint64             *bytes_out,
                                             gint                 timeout_ms,
                                             GError             **error);

SHMIPC_PUBLIC
gboolean       shmipc_channel_unlink        (ShmipcChannel       *channel,
                                             GError             **error);
SHMIPC_PUBLIC
gsize          shmipc_channel_get_capacity  (ShmipcChannel       *channel);
SHMIPC_PUBLIC
ShmipcChannelRole shmipc_channel_get_role   (ShmipcChannel       *channel);
SHMIPC_PUBLIC
ShmipcSegment *shmipc_channel_get_segment   (ShmipcChannel       *channel);
SHMIPC_PUBLIC
gboolean       shmipc_channel_get_created   (ShmipcChannel       *channel);

SHMIPC_PUBLIC
gboolean       shmipc_channel_is_channel    (gconstpointer        data,
                                             gsize                size);
SHMIPC_PUBLIC
gboolean       shmipc_channel_inspect       (ShmipcSegment       *segment,
                                             ShmipcChannelInfo   *info_out,
                                             GError             **error);
SHMIPC_PUBLIC
const gchar   *shmipc_channel_state_to_string (ShmipcChannelState state);
SHMIPC_PUBLIC
const gchar   *shmipc_channel_role_to_string  (ShmipcChannelRole  role);
SHMIPC_PUBLIC
const gchar   *shmipc_channel_policy_to_string (ShmipcChannelPolicy policy);
SHMIPC_PUBLIC
const gchar   *shmipc_channel_reader_state_to_string (ShmipcChannelReaderState state);
SHMIPC_PUBLIC
const ShmipcChannelReaderInfo *shmipc_channel_info_get_reader (const ShmipcChannelInfo *info,
                                                               guint                    index);

#define SHMIPC_TYPE_CHANNEL      (shmipc_channel_get_type ())
#define SHMIPC_TYPE_CHANNEL_INFO (shmipc_channel_info_get_type ())
#define SHMIPC_TYPE_CHANNEL_READER_INFO (shmipc_channel_reader_info_get_type ())

SHMIPC_PUBLIC
GType          shmipc_channel_get_type      (void) G_GNUC_CONST;
SHMIPC_PUBLIC
GType          shmipc_channel_info_get_type (void) G_GNUC_CONST;
SHMIPC_PUBLIC
GType          shmipc_channel_reader_info_get_type (void) G_GNUC_CONST;
SHMIPC_PUBLIC
ShmipcChannel *shmipc_channel_ref           (ShmipcChannel  *channel);
SHMIPC_PUBLIC
void           shmipc_channel_unref         (ShmipcChannel  *channel);
SHMIPC_PUBLIC
GBytes        *shmipc_channel_read_bytes    (ShmipcChannel  *channel,
                                             gsize           max_length,
                                             gint            timeout_ms,
                                             GError        **error);
SHMIPC_PUBLIC
gboolean       shmipc_channel_write_bytes   (ShmipcChannel  *channel,
                                             GBytes         *bytes,
                                             gint            timeout_ms,
                                             GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShmipcChannel, shmipc_channel_free)

G_END_DECLS

#endif /* SHMIPC_CHANNEL_H */
