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
 * (tests/model/ holds SPIN models of this protocol, which make check
 * verifies: change them with it. docs/RELIABILITY.md says what they
 * check and under which assumptions.)
 *
 * One shared object (either backend) holds a header of
 * SHMIPC_CHANNEL_HEADER_SIZE bytes followed by the ring. One producer
 * writes a byte stream into the ring; up to max_readers readers
 * (consumers) each read all of it from their own position. The header's
 * fields are grouped on separate 128-byte blocks (two cache lines, so
 * that the adjacent-line prefetcher does not couple them either), by
 * who writes them:
 *
 *   offset   field                 written by
 *   0        magic "SHMIPCch"      creator, once, last (release)
 *   8        version (u32) = 2     creator, once
 *   12       header_size (u32)     creator, once (4096)
 *   16       capacity (u64)        creator, once
 *   24       initialiser (u64)     claimed by compare-and-swap (see below)
 *   32       max_readers (u32)     creator, once (1 to 28)
 *   36       policy (u32)          creator, once (0 wait, 1 drop)
 *   40       drop_grace_ms (u32)   creator, once (drop: see Drop)
 *   128      write_pos (u64)       producer
 *   136      claim_pos (u64)       producer, drop policy only (see Drop)
 *   144      readers_wake (u32)    producer (futex word readers sleep on)
 *   148      producer_sleeping     producer (1 while it may sleep)
 *   152      producer_cpu (u32)    producer (1 + the CPU it last waited on)
 *   256      producer_wake (u32)   readers (futex word the producer sleeps on)
 *   260      reader_sleepers (u32) readers (bit i: reader i may sleep)
 *   384      state (u32)           either side (open, end-of-stream, aborted)
 *   388      hold (u32)            producer sets; cleared by a reader's
 *                                  first bytes, or the producer's cut
 *   392      base (u64)            producer (where the current stream began)
 *   400      producer owner (u64)  claimed by compare-and-swap
 *   408      departures (u32)      readers (bumped when one leaves early)
 *   512 + 128 i, for each reader slot i < 28:
 *     +0     owner (u64)           the reader (claim, leave), or a cleaner
 *     +8     read_pos (u64)        the reader; JOINING (all ones) until set
 *     +16    cut (u32)             producer (drop policy: reader cut off)
 *     +20    cpu (u32)             the reader (1 + the CPU it last waited on)
 *   4096     ring (capacity bytes)
 *
 * Numbers are in the host's byte order. The positions are monotonically
 * increasing byte counts; byte i of the stream lives at ring[i % capacity].
 * An owner word is pid | (low 32 bits of the process start time << 32),
 * so that a dead process whose pid was recycled is not taken for alive;
 * in a slot, bit 31 marks a slot being cleaned (OWNER_RESET_BIT) and
 * bit 30 a reader that left before the end of the stream (OWNER_LEFT_BIT).
 * A free slot has owner 0 and read_pos JOINING.
 *
 * Creation: the object appears zero-filled (its creator sizes it under
 * a lock, see shmipc-posix.c), and whoever writes the header first claims
 * the initialiser word with a compare-and-swap of its owner word: the
 * process that created the object, or, when that process died before it
 * published the header, a peer that finds the claim held by a dead process
 * (or never made, INIT_WAIT_US after it first looked, or an empty object
 * left by a creator killed before it sized it), and then still finds no
 * magic (a dead claimer may have published it just after our first
 * look). A creator that loses the claim joins like any other opener. So
 * a kill at any moment of creation leaves nothing that the next opener
 * cannot use.
 *
 * Joining: a reader claims a free slot (compare-and-swap of owner from 0),
 * issues a full fence and settles its start position with a
 * compare-and-swap of read_pos from JOINING: to base while hold is set (no
 * reader has read a byte of this stream yet: the producer keeps every
 * byte for the first readers, as a 1:1 channel always did), otherwise to
 * write_pos as loaded after the fence, so what it reads is an exact
 * suffix of the stream. A reader that started at base clears hold when it
 * first finds bytes to read (its position, base, was stored when it
 * settled), so that a reader that dies before it was handed a byte never
 * counts as the stream's first: the next reader still starts at base, and
 * the producer does not count the dead one as lost (it detaches a
 * departed or dead reader without counting it while hold is set). The producer, which stores write_pos and issues a full fence
 * before it scans the slots, settles a JOINING slot it sees (with hold
 * clear) to its own write_pos by the same compare-and-swap; whichever
 * store wins is the reader's start. Dekker again: a scan that misses the
 * claim comes before the reader's load of write_pos, so the reader starts
 * at or after every byte that scan let the producer overwrite.
 *
 * Pace (the wait policy): the producer writes only below min(read_pos of
 * the attached readers) + capacity, and below base + capacity while hold
 * is set. It scans the slots lazily: while a quarter of the ring is free
 * by its last scan and no reader has left since (departures), it writes
 * without looking at the readers' lines, which only ever gives it less
 * room than there is; a reader that joined since starts at or after the
 * position of that scan (see "Joining"), so the bound holds for it too. A reader that dies is detached by the producer (its slot
 * cleaned) the next time it looks, at most LIVENESS_INTERVAL_US into a
 * wait; a reader that leaves before the end of the stream sets
 * OWNER_LEFT_BIT and wakes the producer. Either is a lost reader, whose
 * pid the producer keeps (shmipc_channel_get_lost_readers()); when every
 * reader of a started stream is lost the producer fails with PEER_DIED.
 *
 * Drop: with the drop policy the producer waits for the slowest reader
 * as with wait, but cuts off a reader that has kept it waiting for
 * longer than the channel's grace (drop_grace_ms, fixed by the creator).
 * A reader holds the producer when its unread bytes fill the ring
 * (write_pos - read_pos == capacity). Each scan notes, in the producer's
 * memory, since when each reader has held it at every scan
 * (holders[]): a scan that finds a reader not holding forgets it, so a
 * reader that makes room, however slowly, starts afresh each time, and a
 * reader that keeps up on average is never cut off; one that joins late
 * starts its own grace. A scan that finds a reader holding for the whole
 * grace cuts it: sets its cut flag (cut_reader()), clears hold if it is
 * still set (the reader cut never read a byte; the producer may now pass
 * base + capacity), then, before writing anything into the room gained,
 * stores claim_pos = the slowest remaining reader's position + capacity
 * (the end of the room it may now use) and issues a release fence. A
 * reader copies bytes out, issues an acquire fence and loads claim_pos
 * and its cut flag: when claim_pos - capacity has passed its position the
 * copy may be torn (a reader that settled at base under a hold just
 * cleared), and when its flag is set it was cut; either way it reports
 * SHMIPC_ERROR_OVERRUN instead of the bytes (the seqlock pattern). So a
 * reader is exact up to the error, never skips bytes silently, and a
 * reader the producer counts as cut always fails. The producer's sleeps
 * end when the first holder's grace does (grace_end). A grace of 0 cuts
 * a reader at the first scan that finds it holding the ring full. With
 * the wait policy claim_pos, cut and holders[] are unused.
 *
 * Each side keeps its own position and the capacity in process memory and
 * only ever loads the others' positions from the header, checking them
 * against its own before use: whatever another process writes into the
 * header, every offset used here is below the capacity read once at open,
 * which was checked against the size of the mapping.
 *
 * Waiting: a bounded spin when it can pay, then a futex sleep with a
 * Dekker-style handshake. Spinning pays only while the other side runs on
 * another CPU: a waiter does not spin on a machine with one CPU or under
 * a cgroup CPU quota below two CPUs; when its affinity allows one CPU
 * only, it spins only when the other side is known to run on another;
 * and it does not spin when the side it waits for last waited on the CPU
 * the waiter is on (each side records 1 + sched_getcpu() in the header
 * when it attaches, when it starts to wait, and every 64th commit or
 * consume: a vDSO call), or when that side has announced a sleep (it is
 * not running). A side on the waiter's CPU that is not asleep (the side
 * it waits for, or another reader; a freed slot's CPU word is cleared)
 * is handed the CPU instead: sched_yield(), up to YIELD_ROUNDS times,
 * each followed by a look. On another CPU the waiter spins up to an
 * adaptive bound: doubled (up to SPIN_MAX_NS) by a spin that ended with
 * the condition met, halved (down to SPIN_MIN_NS) by one that ended in a
 * sleep; a spinning reader keeps fetching the ring's line where the next
 * bytes will land, so that it and the position's line come over
 * together. Then the handshake: the sleeper announces itself
 * (producer_sleeping, or its bit in reader_sleepers), issues a full fence
 * and checks its condition again before futex_wait(); the waker
 * publishes its position, issues a full fence and only bumps the futex
 * word and calls futex_wake() when a sleeper is announced. At least one
 * of the two sees the other's store, so a wake-up is never lost, and a
 * busy stream makes no system calls at all. All readers sleep on one
 * word, woken together. Sleeps time out every LIVENESS_INTERVAL_US so
 * that a dead peer is noticed.
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
  guint64 owner;
  guint64 read_pos;
  guint32 cut;
  guint32 cpu;
  guint8 pad[BLOCK - 24];
} ReaderSlot;

typedef struct {
  /* Written once by the creator before the magic is published. */
  guint64 magic;
  guint32 version;
  guint32 header_size;
  guint64 capacity;
  guint64 initialiser;
  guint32 max_readers;
  guint32 policy;
  guint32 drop_grace_ms;
  guint8 pad0[BLOCK - 44];

  /* Written by the producer. */
  guint64 write_pos;
  guint64 claim_pos;
  guint32 readers_wake;
  guint32 producer_sleeping;
  guint32 producer_cpu;
  guint8 pad1[BLOCK - 28];

  /* Written by the readers. */
  guint32 producer_wake;
  guint32 reader_sleepers;
  guint8 pad2[BLOCK - 8];

  /* Control: rarely written. */
  guint32 state;
  guint32 hold;
  guint64 base;
  guint64 producer;
  guint32 departures;
  guint8 pad3[BLOCK - 28];

  ReaderSlot readers[SHMIPC_CHANNEL_MAX_READERS];
} ChannelHeader;

G_STATIC_ASSERT (sizeof (ChannelHeader) == SHMIPC_CHANNEL_HEADER_SIZE);
G_STATIC_ASSERT (sizeof (SHMIPC_CHANNEL_MAGIC) - 1 == sizeof (guint64));
G_STATIC_ASSERT (SHMIPC_CHANNEL_MAX_READERS <= 32);   /* reader_sleepers */

/* Flags in a slot's owner word (pids fit in 30 bits, Linux caps them at
 * 2^22): a slot being cleaned (or reset with the channel) by the process
 * named, and a reader that left before the end of the stream. */
#define OWNER_RESET_BIT G_GUINT64_CONSTANT (0x80000000)
#define OWNER_LEFT_BIT G_GUINT64_CONSTANT (0x40000000)
#define OWNER_FLAGS (OWNER_RESET_BIT | OWNER_LEFT_BIT)
/* read_pos of a slot whose start is not settled. */
#define JOINING G_MAXUINT64

/* How often a sleeping side re-checks that its peers are alive. */
#define LIVENESS_INTERVAL_US (100 * 1000)
/* How long an opener waits for another process to finish creating the
 * header, or a producer to finish resetting a stale channel. */
#define INIT_WAIT_US (2 * G_USEC_PER_SEC)
/* The spin before sleeping: its first bound, and the range it adapts in. */
#define SPIN_NS 20000
#define SPIN_MIN_NS 1000
#define SPIN_MAX_NS 100000

struct _ShmipcChannel {
  gint ref_count;
  ShmipcSegment *segment;
  ChannelHeader *header;
  guint8 *ring;
  guint64 capacity;      /* read once at open, validated against the mapping */
  guint max_readers;     /* read once at open, validated */
  ShmipcChannelPolicy policy;
  guint drop_grace_ms;   /* read once at open, validated */
  ShmipcChannelRole role;
  guint slot;            /* reader: our slot */
  guint64 me;            /* our owner word */
  guint64 pos;           /* our position: write (producer) or read (reader) */
  guint64 peer_pos;      /* producer: slowest reader's position; reader:
                          * the producer's, last validated loads */
  gsize held;            /* bytes handed out by reserve/peek */
  gboolean finished;     /* producer: end-of-stream written; reader: seen */
  gboolean left;         /* shmipc_channel_leave() was called */
  gboolean overrun;      /* reader: cut off (drop policy) */
  gboolean clear_hold;   /* reader: started at base under hold, which we
                          * clear when we first find bytes to read */
  struct {
    guint64 owner;       /* producer, drop policy: the reader in each slot */
    gint64 since;        /* that has held the ring full since (monotonic
                          * us) at every scan; 0: it does not */
  } holders[SHMIPC_CHANNEL_MAX_READERS];
  gint64 grace_end;      /* producer, drop policy: when the first holder's
                          * grace ends (monotonic us), 0 when none holds */
  GArray *lost;          /* producer: pids of the readers lost (gint32) */
  GArray *cut;           /* producer: the readers cut off (ShmipcChannelReaderInfo) */
  guint8 *bounce;        /* reader, drop policy: copy checked before use */
  gint64 spin_ns;        /* the spin's bound now; 0: never spin (one CPU) */
  gboolean one_cpu;      /* our affinity allows one CPU only */
  gint slowest;          /* producer: the slot of the slowest reader, -1 */
  gboolean scanned;      /* producer: peer_pos is from a scan of this stream */
  guint32 departures;    /* producer: the header's count at that scan */
  guint releases;        /* commits or consumes, to note our CPU now and then */
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

/* A full memory barrier (the Dekker handshakes). On x86 a locked
 * read-modify-write of the stack orders as MFENCE does for ordinary
 * memory and costs a fraction of it (the Linux kernel's smp_mb()). */
static inline void
full_fence (void)
{
#if defined (__x86_64__)
  __asm__ __volatile__ ("lock; orl $0, -4(%%rsp)" ::: "memory", "cc");
#elif defined (__i386__)
  __asm__ __volatile__ ("lock; orl $0, -4(%%esp)" ::: "memory", "cc");
#else
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
#endif
}

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
                                          guint *max_readers_out,
                                          ShmipcChannelPolicy *policy_out,
                                          guint *drop_grace_out,
                                          GError **error);

/* shmipc-channel-fd.c */
G_GNUC_INTERNAL
gsize _shmipc_channel_io_chunk (ShmipcChannel *channel);

/* shmipc-channel.c */
G_GNUC_INTERNAL
guint32 _shmipc_channel_note_cpu (ShmipcChannel *channel);
G_GNUC_INTERNAL
void _shmipc_channel_wake_peer (ShmipcChannel *channel);
G_GNUC_INTERNAL
void _shmipc_channel_wake_readers (ChannelHeader *h);
G_GNUC_INTERNAL
void _shmipc_channel_wake_producer (ChannelHeader *h);
G_GNUC_INTERNAL
gboolean _shmipc_channel_scan_readers (ShmipcChannel *channel, GError **error);
G_GNUC_INTERNAL
void _shmipc_channel_set_lost_error (ShmipcChannel *channel, GError **error);
G_GNUC_INTERNAL
gboolean _shmipc_channel_reset_slot (ChannelHeader *h, guint i, guint64 owner,
                                     guint64 locker, guint64 final);
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
gboolean _shmipc_channel_check_peers (ShmipcChannel *channel, GError **error);
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
