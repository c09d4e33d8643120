/* shmipc-channel-private.h - the channel: header layout, handle, protocol (internal)
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The channel is split by concern, one file each:
 *   shmipc-channel-header.c   the header's magic and validation, the probe
 *   shmipc-channel-open.c     creating, claiming, taking over, leaving
 *   shmipc-channel.c          the data path: waiting, reserve/commit,
 *                             peek/consume, read/write, abort, accessors
 *   shmipc-channel-fd.c       pumping between the ring and a descriptor
 *   shmipc-channel-inspect.c  decoding a header for shmdump --info/--list
 * with process liveness in shmipc-process.c and futex waits in
 * shmipc-futex.c.
 */

/* How a channel works
 *
 * One shared object (either backend) holds a header of
 * SHMIPC_CHANNEL_HEADER_SIZE bytes followed by the ring. The header's
 * fields are grouped on separate 128-byte blocks (two cache lines, so
 * that the adjacent-line prefetcher does not couple them either), by
 * who writes them:
 *
 *   offset   field                 written by
 *   0        magic "SHMIPCch"      creator, once, last (release)
 *   8        version (u32) = 1     creator, once
 *   12       header_size (u32)     creator, once (4096)
 *   16       capacity (u64)        creator, once
 *   24       initialiser (u64)     claimed by compare-and-swap (see below)
 *   128      write_pos (u64)       producer
 *   136      consumer_wake (u32)   producer (futex word the consumer sleeps on)
 *   140      producer_sleeping     producer (1 while it may sleep)
 *   256      read_pos (u64)        consumer
 *   264      producer_wake (u32)   consumer (futex word the producer sleeps on)
 *   268      consumer_sleeping     consumer
 *   384      state (u32)           either side (open, end-of-stream, aborted)
 *   392      producer owner (u64)  claimed by compare-and-swap
 *   400      consumer owner (u64)
 *   4096     ring (capacity bytes)
 *
 * Numbers are in the host's byte order. The positions are monotonically
 * increasing byte counts; byte i of the stream lives at ring[i % capacity].
 * An owner word is pid | (low 32 bits of the process start time << 32),
 * so that a dead process whose pid was recycled is not taken for alive.
 *
 * Creation: the object appears zero-filled (its creator sizes it under
 * a lock, see shmipc-posix.c), and whoever writes the header first claims
 * the initialiser word with a compare-and-swap of its owner word: the
 * process that created the object, or, when that process died before it
 * published the header, a peer that finds the claim held by a dead process
 * (or never made, INIT_WAIT_US after it first looked, or an empty object
 * left by a creator killed before it sized it). A creator that loses the
 * claim joins like any other opener. So a kill at any moment of creation
 * leaves nothing that the next opener cannot use.
 *
 * Each side keeps its own position and the capacity in process memory and
 * only ever loads the peer's position from the header, checking it against
 * its own before use: whatever another process writes into the header,
 * every offset used here is below the capacity read once at open, which
 * was checked against the size of the mapping.
 *
 * Waiting: a short bounded spin, then a futex sleep with a Dekker-style
 * handshake: the sleeper sets its "sleeping" flag, issues a full fence and
 * checks the condition again before futex_wait(); the waker publishes its
 * position, issues a full fence and only bumps the futex word and calls
 * futex_wake() when the flag is set. At least one of the two sees the
 * other's store, so a wake-up is never lost, and a busy stream makes no
 * system calls at all. Sleeps time out every LIVENESS_INTERVAL_US so that a
 * dead peer is noticed.
 *
 * Truncation: another process may shrink a POSIX channel object while it
 * is mapped, and touching the lost pages raises SIGBUS. Every public
 * function that touches the header or the ring runs whole under one guard
 * (shmipc-guard-private.h, through _shmipc_segment_guarded() and the Call
 * trampolines of shmipc-channel.c): a fault makes the call fail with SHMIPC_ERROR_CORRUPT ("was
 * truncated to N bytes by another process") and marks the segment broken,
 * so that every later call fails the same way without touching the
 * mapping. shmipc_channel_free() then only unmaps. The fd functions move
 * bytes between the ring and a descriptor with read(2)/write(2), where
 * the kernel reports the same fault as EFAULT: that is turned into the
 * same error. The pointers handed out by shmipc_channel_reserve() and
 * shmipc_channel_peek() are the caller's to guard (or to copy with
 * shmipc_segment_copy_out()).
 */

#include <errno.h>

#ifndef SHMIPC_CHANNEL_PRIVATE_H
#define SHMIPC_CHANNEL_PRIVATE_H

#include "shmipc-backend-private.h"

G_BEGIN_DECLS

#define BLOCK 128

typedef struct {
  /* Written once by the creator before the magic is published. */
  guint64 magic;
  guint32 version;
  guint32 header_size;
  guint64 capacity;
  guint64 initialiser;
  guint8 pad0[BLOCK - 32];

  /* Written by the producer. */
  guint64 write_pos;
  guint32 consumer_wake;
  guint32 producer_sleeping;
  guint8 pad1[BLOCK - 16];

  /* Written by the consumer. */
  guint64 read_pos;
  guint32 producer_wake;
  guint32 consumer_sleeping;
  guint8 pad2[BLOCK - 16];

  /* Control: rarely written, by either side. */
  guint32 state;
  guint32 reserved;
  guint64 owner[2];
  guint8 pad3[BLOCK - 24];
} ChannelHeader;

G_STATIC_ASSERT (sizeof (ChannelHeader) == 4 * BLOCK);
G_STATIC_ASSERT (sizeof (ChannelHeader) <= SHMIPC_CHANNEL_HEADER_SIZE);
G_STATIC_ASSERT (sizeof (SHMIPC_CHANNEL_MAGIC) - 1 == sizeof (guint64));

/* A claim of the consumer slot by a producer resetting a stale channel:
 * pids fit in 31 bits (Linux caps them at 2^22). */
#define OWNER_RESET_BIT G_GUINT64_CONSTANT (0x80000000)

/* How often a sleeping side re-checks that its peer is alive. */
#define LIVENESS_INTERVAL_US (100 * 1000)
/* How long an opener waits for another process to finish creating the
 * header, or a producer to finish resetting a stale channel. */
#define INIT_WAIT_US (2 * G_USEC_PER_SEC)
/* Upper bound of the spin before sleeping. */
#define SPIN_NS 20000

struct _ShmipcChannel {
  gint ref_count;
  ShmipcSegment *segment;
  ChannelHeader *header;
  guint8 *ring;
  guint64 capacity;      /* read once at open, validated against the mapping */
  ShmipcChannelRole role;
  guint64 me;            /* our owner word */
  guint64 pos;           /* our position: write (producer) or read (consumer) */
  guint64 peer_pos;      /* the peer's position, last validated load */
  gsize held;            /* bytes handed out by reserve/peek */
  gboolean finished;     /* producer: end-of-stream written; consumer: seen */
  gint64 spin_ns;
  volatile gint aborted; /* set by shmipc_channel_abort(), maybe in a signal handler */
};

enum { POLL_ERROR = -1, POLL_WAIT = 0, POLL_READY = 1, POLL_END = 2 };

/* The arguments of one entry point, and its result. */
typedef struct {
  ShmipcChannel *channel;
  gpointer pointer;        /* reserve, peek: data_out; write: data; read: buffer */
  gsize *length_out;
  gsize length;
  gint timeout_ms;
  int fd;
  guint64 *bytes_out;
  GError **error;
  gssize result;
} Call;

static inline void
cpu_relax (void)
{
#if defined (__x86_64__) || defined (__i386__)
  __builtin_ia32_pause ();
#elif defined (__aarch64__)
  __asm__ __volatile__ ("yield" ::: "memory");
#endif
}

/* shmipc-channel-header.c */
G_GNUC_INTERNAL
guint64 _shmipc_channel_magic (void);
G_GNUC_INTERNAL
gboolean _shmipc_channel_validate_header (gconstpointer data,
                                          gsize size,
                                          const gchar *name,
                                          guint64 *capacity_out,
                                          GError **error);

/* shmipc-channel.c */
G_GNUC_INTERNAL
void _shmipc_channel_wake_peer (ShmipcChannel *channel);
G_GNUC_INTERNAL
const gchar *_shmipc_channel_name (ShmipcChannel *channel);
G_GNUC_INTERNAL
const gchar *_shmipc_channel_peer_role_name (ShmipcChannel *channel);
G_GNUC_INTERNAL
void _shmipc_channel_set_aborted_error (ShmipcChannel *channel, GError **error);
G_GNUC_INTERNAL
gboolean _shmipc_channel_check_state (ShmipcChannel *channel,
                                      ShmipcChannelState *state_out,
                                      GError **error);
G_GNUC_INTERNAL
gboolean _shmipc_channel_peer_alive (ShmipcChannel *channel, gint32 *pid_out);
G_GNUC_INTERNAL
gboolean _shmipc_channel_check_role (ShmipcChannel *channel,
                                     ShmipcChannelRole role,
                                     const gchar *what,
                                     GError **error);
G_GNUC_INTERNAL
gboolean _shmipc_channel_reserve (ShmipcChannel *channel,
                                  gpointer *data_out,
                                  gsize *length_out,
                                  gint timeout_ms,
                                  GError **error);
G_GNUC_INTERNAL
gboolean _shmipc_channel_commit (ShmipcChannel *channel,
                                 gsize length,
                                 GError **error);
G_GNUC_INTERNAL
gboolean _shmipc_channel_close_write (ShmipcChannel *channel, GError **error);
G_GNUC_INTERNAL
gboolean _shmipc_channel_peek (ShmipcChannel *channel,
                               gconstpointer *data_out,
                               gsize *length_out,
                               gint timeout_ms,
                               GError **error);
G_GNUC_INTERNAL
gboolean _shmipc_channel_consume (ShmipcChannel *channel,
                                  gsize length,
                                  GError **error);
G_GNUC_INTERNAL
gssize _shmipc_channel_run_call (Call *call,
                                 ShmipcGuardedFunc func,
                                 gssize failed);

G_END_DECLS

#endif /* SHMIPC_CHANNEL_PRIVATE_H */
