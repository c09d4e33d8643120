/* shmipc-channel.c - a single-producer single-consumer byte stream in
 * shared memory
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
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
 * trampolines below): a fault makes the call fail with SHMIPC_ERROR_CORRUPT ("was
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
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined (HAVE_LINUX_FUTEX_H) && defined (HAVE_SYS_SYSCALL_H)
# include <linux/futex.h>
# include <sys/syscall.h>
# define SHMIPC_HAVE_FUTEX 1
#endif

#include "shmipc-backend-private.h"
#include "shmipc-guard-private.h"
#include "shmipc-channel.h"

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
#define OWNER_PID(owner) ((gint32) ((owner) & 0x7fffffff))

/* How often a sleeping side re-checks that its peer is alive. */
#define LIVENESS_INTERVAL_US (100 * 1000)
/* How long an opener waits for another process to finish creating the
 * header, or a producer to finish resetting a stale channel. */
#define INIT_WAIT_US (2 * G_USEC_PER_SEC)
/* Upper bound of the spin before sleeping. */
#define SPIN_NS 20000

struct _ShmipcChannel {
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


static guint64
magic_value (void)
{
  guint64 value;

  memcpy (&value, SHMIPC_CHANNEL_MAGIC, sizeof value);
  return value;
}

/* ---------------------------------------------------------------------- */
/* Processes                                                                */
/* ---------------------------------------------------------------------- */

static guint64
owner_word (pid_t   pid,
            guint64 start)
{
  return ((start & 0xffffffffu) << 32) | ((guint64) pid & 0x7fffffff);
}

/* TRUE when the process named by @owner still runs. */
static gboolean
owner_alive (guint64 owner)
{
  gint32 pid = OWNER_PID (owner);
  guint64 start = 0;

  if (pid <= 0)
    return FALSE;
  if (_shmipc_process_start_time (pid, &start) == 0)
    return (start & 0xffffffffu) == (owner >> 32);
  /* Gone, or /proc hidden from us (hidepid): the kernel's word then. */
  return _shmipc_process_alive (pid);
}

/* ---------------------------------------------------------------------- */
/* Waiting and waking                                                       */
/* ---------------------------------------------------------------------- */

static inline void
cpu_relax (void)
{
#if defined (__x86_64__) || defined (__i386__)
  __builtin_ia32_pause ();
#elif defined (__aarch64__)
  __asm__ __volatile__ ("yield" ::: "memory");
#endif
}

static void
word_wait (guint32 *word,
           guint32  expected,
           gint64   timeout_us)
{
  struct timespec ts;

#ifdef SHMIPC_HAVE_FUTEX
  ts.tv_sec = timeout_us / G_USEC_PER_SEC;
  ts.tv_nsec = (timeout_us % G_USEC_PER_SEC) * 1000;
  /* Not FUTEX_PRIVATE_FLAG: the word is shared with another process.
   * EAGAIN (the word changed), EINTR and ETIMEDOUT all send the caller
   * back to its checks, so the result is not needed. */
  syscall (SYS_futex, word, FUTEX_WAIT, expected, &ts, NULL, 0);
#else
  /* No futex: poll every millisecond. */
  (void) word;
  (void) expected;
  ts.tv_sec = 0;
  ts.tv_nsec = MIN (timeout_us, 1000) * 1000;
  nanosleep (&ts, NULL);
#endif
}

/* Async-signal-safe: shmipc_channel_abort() calls it. */
static void
word_wake (guint32 *word)
{
  /* The increment makes a sleeper that has not yet reached futex_wait()
   * return at once (its expected value is stale). */
  __atomic_fetch_add (word, 1, __ATOMIC_SEQ_CST);
#ifdef SHMIPC_HAVE_FUTEX
  syscall (SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
#endif
}

/* After publishing a position or a state: wake the peer if it sleeps. */
static void
wake_peer (ShmipcChannel *channel)
{
  ChannelHeader *h = channel->header;
  guint32 *sleeping;
  guint32 *word;

  if (channel->role == SHMIPC_CHANNEL_PRODUCER)
    {
      sleeping = &h->consumer_sleeping;
      word = &h->consumer_wake;
    }
  else
    {
      sleeping = &h->producer_sleeping;
      word = &h->producer_wake;
    }
  /* Dekker: our store (position or state) must be globally visible before
   * we read the peer's flag, and the peer fences between setting its flag
   * and re-reading our position; so either it sees our store, or we see
   * its flag and wake it. */
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
  if (__atomic_load_n (sleeping, __ATOMIC_RELAXED) != 0)
    word_wake (word);
}

/* ---------------------------------------------------------------------- */
/* Checks                                                                   */
/* ---------------------------------------------------------------------- */

static const gchar *
channel_name (ShmipcChannel *channel)
{
  return shmipc_segment_get_name (channel->segment);
}

static const gchar *
peer_role_name (ShmipcChannel *channel)
{
  return channel->role == SHMIPC_CHANNEL_PRODUCER ? "consumer" : "producer";
}

static void
set_aborted_error (ShmipcChannel  *channel,
                   GError        **error)
{
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_FAILED,
               "Channel \"%s\": the stream was aborted", channel_name (channel));
}

enum { POLL_ERROR = -1, POLL_WAIT = 0, POLL_READY = 1, POLL_END = 2 };

/* Loads the state word; FALSE (with @error) when the stream was aborted
 * or the word holds nonsense. */
static gboolean
check_state (ShmipcChannel       *channel,
             ShmipcChannelState  *state_out,
             GError             **error)
{
  guint32 state;

  if (__atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE))
    {
      set_aborted_error (channel, error);
      return FALSE;
    }
  /* Acquire: pairs with the release store of end-of-stream, which comes
   * after the producer's last position store. */
  state = __atomic_load_n (&channel->header->state, __ATOMIC_ACQUIRE);
  switch (state)
    {
    case SHMIPC_CHANNEL_STATE_OPEN:
    case SHMIPC_CHANNEL_STATE_END_OF_STREAM:
      *state_out = state;
      return TRUE;
    case SHMIPC_CHANNEL_STATE_ABORTED:
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_PEER_DIED,
                   "Channel \"%s\": the %s aborted the stream",
                   channel_name (channel), peer_role_name (channel));
      return FALSE;
    default:
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (state %u)",
                   channel_name (channel), state);
      return FALSE;
    }
}

/* Consumer: is there data (READY), the end of the stream (END), or
 * nothing yet (WAIT)? */
static int
consumer_poll (ShmipcChannel  *channel,
               GError        **error)
{
  ChannelHeader *h = channel->header;
  ShmipcChannelState state;
  guint64 w;
  int pass;

  for (pass = 0; pass < 2; pass++)
    {
      /* Acquire: the bytes below the producer's position were written
       * before it stored the position (release). */
      w = __atomic_load_n (&h->write_pos, __ATOMIC_ACQUIRE);
      if (w < channel->pos || w - channel->pos > channel->capacity)
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                       "Channel \"%s\": corrupt header (write position %" G_GUINT64_FORMAT
                       ", read position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT ")",
                       channel_name (channel), w, channel->pos, channel->capacity);
          return POLL_ERROR;
        }
      channel->peer_pos = w;
      if (w != channel->pos)
        return POLL_READY;
      if (!check_state (channel, &state, error))
        return POLL_ERROR;
      if (state == SHMIPC_CHANNEL_STATE_OPEN)
        return POLL_WAIT;
      /* End of stream: look at the position once more, since the state
       * was loaded after it; the producer stored its last position
       * before the state. */
    }
  return POLL_END;
}

/* Producer: is there free space (READY) or not (WAIT)? */
static int
producer_poll (ShmipcChannel  *channel,
               GError        **error)
{
  ChannelHeader *h = channel->header;
  ShmipcChannelState state;
  guint64 r;

  if (!check_state (channel, &state, error))
    return POLL_ERROR;
  if (state != SHMIPC_CHANNEL_STATE_OPEN)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (end of stream set by another process)",
                   channel_name (channel));
      return POLL_ERROR;
    }
  /* Acquire: the consumer has finished copying the bytes below its
   * position before storing it, so they may be overwritten. */
  r = __atomic_load_n (&h->read_pos, __ATOMIC_ACQUIRE);
  if (r > channel->pos || channel->pos - r > channel->capacity)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (read position %" G_GUINT64_FORMAT
                   ", write position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT ")",
                   channel_name (channel), r, channel->pos, channel->capacity);
      return POLL_ERROR;
    }
  channel->peer_pos = r;
  return channel->pos - r < channel->capacity ? POLL_READY : POLL_WAIT;
}

static int
channel_poll (ShmipcChannel  *channel,
              GError        **error)
{
  return channel->role == SHMIPC_CHANNEL_PRODUCER ?
         producer_poll (channel, error) : consumer_poll (channel, error);
}

/* Checks that the peer, if one has attached, still runs. */
static gboolean
peer_alive (ShmipcChannel *channel,
            gint32        *pid_out)
{
  guint64 owner = __atomic_load_n (&channel->header->owner[1 - channel->role],
                                   __ATOMIC_ACQUIRE);

  *pid_out = OWNER_PID (owner);
  /* 0: not arrived yet, or left after writing the final state. */
  return owner == 0 || owner_alive (owner);
}

/* Waits until channel_poll() is no longer WAIT. */
static int
channel_wait (ShmipcChannel  *channel,
              gint            timeout_ms,
              GError        **error)
{
  ChannelHeader *h = channel->header;
  guint32 *word;
  guint32 *sleeping;
  gint64 deadline;
  gint64 start;
  int result;

  result = channel_poll (channel, error);
  if (result != POLL_WAIT)
    return result;

  start = g_get_monotonic_time ();
  deadline = timeout_ms < 0 ? G_MAXINT64 : start + (gint64) timeout_ms * 1000;

  /* A short spin: a peer on another CPU usually answers within
   * microseconds, far less than the cost of sleeping and being woken
   * (tens of microseconds across virtual CPUs). Yielding now and then
   * lets a peer that shares our CPU run instead of waiting out our spin,
   * and keeps both tasks runnable, so that the scheduler moves one of
   * them to an idle CPU rather than pinning them together as sleep and
   * wake-up would. */
  if (channel->spin_ns > 0 && timeout_ms != 0)
    {
      gint64 spin_end = start + channel->spin_ns / 1000;
      guint round = 0;

      do
        {
          int i;

          for (i = 0; i < 16; i++)
            cpu_relax ();
          result = channel_poll (channel, error);
          if (result != POLL_WAIT)
            return result;
          if (++round % 4 == 0)
            sched_yield ();
        }
      while (g_get_monotonic_time () < spin_end);
    }

  if (channel->role == SHMIPC_CHANNEL_PRODUCER)
    {
      word = &h->producer_wake;
      sleeping = &h->producer_sleeping;
    }
  else
    {
      word = &h->consumer_wake;
      sleeping = &h->consumer_sleeping;
    }

  for (;;)
    {
      guint32 seq;
      gint32 peer_pid;
      gint64 now;

      /* Read the word before announcing the sleep: any wake after this
       * point changes it, so futex_wait() then returns at once. */
      seq = __atomic_load_n (word, __ATOMIC_ACQUIRE);
      __atomic_store_n (sleeping, 1, __ATOMIC_RELAXED);
      /* Dekker, the sleeper's half (see wake_peer()). */
      __atomic_thread_fence (__ATOMIC_SEQ_CST);
      result = channel_poll (channel, error);
      if (result != POLL_WAIT)
        {
          __atomic_store_n (sleeping, 0, __ATOMIC_RELAXED);
          return result;
        }

      now = g_get_monotonic_time ();
      if (now >= deadline)
        {
          __atomic_store_n (sleeping, 0, __ATOMIC_RELAXED);
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TIMED_OUT,
                       "Channel \"%s\": timed out after %d ms waiting for the %s",
                       channel_name (channel), timeout_ms, peer_role_name (channel));
          return POLL_ERROR;
        }
      word_wait (word, seq, MIN (deadline - now, LIVENESS_INTERVAL_US));
      __atomic_store_n (sleeping, 0, __ATOMIC_RELAXED);

      result = channel_poll (channel, error);
      if (result != POLL_WAIT)
        return result;

      if (!peer_alive (channel, &peer_pid))
        {
          /* The consumer first gets every byte the producer committed:
           * a dead process's stores are all visible by now. */
          result = channel_poll (channel, error);
          if (result != POLL_WAIT)
            return result;
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_PEER_DIED,
                       "Channel \"%s\": the %s (pid %d) died",
                       channel_name (channel), peer_role_name (channel), (int) peer_pid);
          return POLL_ERROR;
        }
    }
}

/* ---------------------------------------------------------------------- */
/* Opening                                                                  */
/* ---------------------------------------------------------------------- */

/* Checks the constant part of a header against the mapping; on success
 * *capacity_out is the ring size. Works on a read-only mapping. */
/* shmipc_channel_is_channel() without a guard of its own: the caller's
 * guard reports a fault. */
static gboolean
has_magic (gconstpointer data,
           gsize         size)
{
  if (data == NULL || size < sizeof (ChannelHeader))
    return FALSE;
  /* Acquire: pairs with the creator's release store of the magic. */
  return __atomic_load_n ((const guint64 *) data, __ATOMIC_ACQUIRE) == magic_value ();
}

static gboolean
validate_header (gconstpointer   data,
                 gsize           size,
                 const gchar    *name,
                 guint64        *capacity_out,
                 GError        **error)
{
  const ChannelHeader *h = data;
  guint32 version;
  guint32 header_size;
  guint64 capacity;

  if (!has_magic (data, size))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "\"%s\" is not a channel (no channel header)", name);
      return FALSE;
    }
  version = __atomic_load_n (&h->version, __ATOMIC_RELAXED);
  header_size = __atomic_load_n (&h->header_size, __ATOMIC_RELAXED);
  capacity = __atomic_load_n (&h->capacity, __ATOMIC_RELAXED);
  if (version != SHMIPC_CHANNEL_VERSION)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": unknown header version %u (this library knows %u)",
                   name, version, SHMIPC_CHANNEL_VERSION);
      return FALSE;
    }
  if (header_size != SHMIPC_CHANNEL_HEADER_SIZE || size < SHMIPC_CHANNEL_HEADER_SIZE)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (header size %u, object size %"
                   G_GSIZE_FORMAT ")", name, header_size, size);
      return FALSE;
    }
  if (capacity < SHMIPC_CHANNEL_MIN_CAPACITY || capacity > SHMIPC_CHANNEL_MAX_CAPACITY ||
      capacity > size - SHMIPC_CHANNEL_HEADER_SIZE)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (capacity %" G_GUINT64_FORMAT
                   " in an object of %" G_GSIZE_FORMAT " bytes)", name, capacity, size);
      return FALSE;
    }
  *capacity_out = capacity;
  return TRUE;
}

/* Positions of a header being attached to. */
static gboolean
load_positions (ShmipcChannel  *channel,
                guint64        *w_out,
                guint64        *r_out,
                GError        **error)
{
  guint64 w = __atomic_load_n (&channel->header->write_pos, __ATOMIC_ACQUIRE);
  guint64 r = __atomic_load_n (&channel->header->read_pos, __ATOMIC_ACQUIRE);

  if (r > w || w - r > channel->capacity)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (read position %" G_GUINT64_FORMAT
                   ", write position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT ")",
                   channel_name (channel), r, w, channel->capacity);
      return FALSE;
    }
  *w_out = w;
  *r_out = r;
  return TRUE;
}

static void
release_slot (ShmipcChannel *channel,
              guint64        restore)
{
  guint64 expected = channel->me;

  /* Only if it is still ours: never clobber another process's claim. */
  __atomic_compare_exchange_n (&channel->header->owner[channel->role], &expected, restore,
                               FALSE, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* Claims our role's slot. Returns 1 with *prev_out the previous (dead or
 * 0) owner, 0 to retry later, -1 on error. */
static int
claim_slot (ShmipcChannel  *channel,
            guint64        *prev_out,
            GError        **error)
{
  guint64 *slot = &channel->header->owner[channel->role];
  guint64 cur = __atomic_load_n (slot, __ATOMIC_ACQUIRE);

  for (;;)
    {
      if (cur != 0 && owner_alive (cur))
        {
          if (cur & OWNER_RESET_BIT)
            return 0;   /* a producer is resetting the channel: soon free */
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                       "Channel \"%s\": the %s end is in use by process %d",
                       channel_name (channel),
                       shmipc_channel_role_to_string (channel->role), (int) OWNER_PID (cur));
          return -1;
        }
      /* Acquire on success: we then read the positions and state the
       * previous holder (or a resetting producer) stored before releasing. */
      if (__atomic_compare_exchange_n (slot, &cur, channel->me, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        {
          *prev_out = cur;
          return 1;
        }
      /* cur now holds the newer owner: look again. */
    }
}

/* A producer joining a channel that holds a previous stream (finished,
 * aborted, or left by a dead producer): when no consumer is reading it,
 * start a new stream after it. Returns 1 done, 0 retry, -1 error. */
static int
producer_take_over (ShmipcChannel  *channel,
                    guint64         prev,
                    GError        **error)
{
  ChannelHeader *h = channel->header;
  guint64 consumer;
  guint64 lock;
  guint64 w;
  guint64 r;
  guint32 state;

  if (!load_positions (channel, &w, &r, error))
    return -1;
  state = __atomic_load_n (&h->state, __ATOMIC_ACQUIRE);
  channel->pos = w;
  if (prev == 0 && state == SHMIPC_CHANNEL_STATE_OPEN)
    return 1;   /* a fresh channel, or one a consumer opened first */

  consumer = __atomic_load_n (&h->owner[SHMIPC_CHANNEL_CONSUMER], __ATOMIC_ACQUIRE);
  if (consumer != 0 && owner_alive (consumer))
    {
      if (consumer & OWNER_RESET_BIT)
        return 0;
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                   "Channel \"%s\": the consumer (pid %d) is still reading the previous stream",
                   channel_name (channel), (int) OWNER_PID (consumer));
      return -1;
    }
  if (state == SHMIPC_CHANNEL_STATE_END_OF_STREAM && consumer == 0 && w != r)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_EXISTS,
                   "Channel \"%s\" holds a finished stream (%" G_GUINT64_FORMAT
                   " bytes) that no consumer has read yet",
                   channel_name (channel), w - r);
      return -1;
    }

  /* Lock the consumer slot so that no consumer attaches half-way through;
   * one arriving now waits for the lock to go. */
  lock = channel->me | OWNER_RESET_BIT;
  if (!__atomic_compare_exchange_n (&h->owner[SHMIPC_CHANNEL_CONSUMER], &consumer, lock,
                                    FALSE, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    return 0;
  /* The old bytes are dropped: the new stream starts where the old one
   * ended, so positions keep increasing. */
  __atomic_store_n (&h->read_pos, w, __ATOMIC_RELAXED);
  __atomic_store_n (&h->consumer_sleeping, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&h->producer_sleeping, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&h->state, SHMIPC_CHANNEL_STATE_OPEN, __ATOMIC_RELAXED);
  /* Release: a consumer claiming the slot next sees the stores above. */
  __atomic_store_n (&h->owner[SHMIPC_CHANNEL_CONSUMER], 0, __ATOMIC_RELEASE);
  return 1;
}

/* What an opener found in the object it opened. */
typedef enum {
  FOUND_CHANNEL,     /* a published header: attach to it */
  FOUND_CLAIMED,     /* no header, and we now hold the initialiser claim */
  FOUND_WAIT,        /* no header, another process is writing it: look again */
  FOUND_UNCLAIMED    /* no header and no claim, which we were not to make */
} FoundHeader;

/* Looks at the header of a just-opened object, which another process may
 * truncate under us, and claims the initialiser word when it is free:
 * never claimed and @claim_unclaimed, or claimed by a process that died.
 * Returns -1 with @error set when the object is not a channel and cannot
 * become one. */
typedef struct {
  ChannelHeader *header;
  gboolean fits;
  guint64 me;
  gboolean claim_unclaimed;
  int found;
} Claim;

/* Reads the header's magic and claims the initialiser word (run under a
 * guard). */
static void
claim_call (gpointer data)
{
  Claim *c = data;
  ChannelHeader *h = c->header;
  guint64 magic;
  guint64 cur;

  /* Acquire: pairs with the initialiser's release store of the magic, so
   * every other header field is initialised once it shows. */
  magic = __atomic_load_n (&h->magic, __ATOMIC_ACQUIRE);
  cur = __atomic_load_n (&h->initialiser, __ATOMIC_ACQUIRE);
  if (magic == magic_value ())
    c->found = FOUND_CHANNEL;
  else if (magic != 0 || !c->fits)
    c->found = -1;
  else if (cur == 0 && !c->claim_unclaimed)
    c->found = FOUND_UNCLAIMED;
  else if (cur != 0 && owner_alive (cur))
    c->found = FOUND_WAIT;
  else if (__atomic_compare_exchange_n (&h->initialiser, &cur, c->me, FALSE,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    c->found = FOUND_CLAIMED;
  else
    c->found = FOUND_WAIT;   /* another process claimed it just now */
}

static int
claim_initialiser (ShmipcSegment  *segment,
                   guint64         me,
                   gboolean        claim_unclaimed,
                   GError        **error)
{
  gsize size = shmipc_segment_get_size (segment);
  /* Room for a header and a ring: what a creator sizes its object to. */
  Claim claim = {
    shmipc_segment_get_data (segment),
    size >= SHMIPC_CHANNEL_HEADER_SIZE + SHMIPC_CHANNEL_MIN_CAPACITY &&
      size - SHMIPC_CHANNEL_HEADER_SIZE <= SHMIPC_CHANNEL_MAX_CAPACITY,
    me, claim_unclaimed, -1
  };

  if (claim.header != NULL && size >= sizeof (ChannelHeader))
    {
      if (!_shmipc_segment_guarded (segment, claim_call, &claim, error))
        return -1;
      if (claim.found >= 0)
        return claim.found;
    }
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
               "\"%s\" is not a channel (%" G_GSIZE_FORMAT " bytes, no channel header)",
               shmipc_segment_get_name (segment), size);
  return -1;
}

/* TRUE when an object was last changed (created, sized, given its mode)
 * at least INIT_WAIT_US ago: a creator that has not claimed or sized it
 * by then is taken for dead. */
static gboolean
object_is_old (ShmipcSegment *segment)
{
  ShmipcStat st;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!shmipc_segment_stat (segment, &st, NULL))
    return FALSE;
  /* Whole seconds: one more, so that a change just before a second
   * boundary is not taken for one a second older. */
  return now - st.ctime >= INIT_WAIT_US / G_USEC_PER_SEC + 1;
}

static gboolean
spin_allowed (void)
{
  /* On a single CPU the peer cannot run while we spin. */
  return sysconf (_SC_NPROCESSORS_ONLN) > 1;
}

/* The part of shmipc_channel_open() that works on the header: initialise
 * a new one, or validate an existing one and claim our slot. On error the
 * caller frees the channel (a slot we claimed is given back here). */
static gboolean
channel_attach (ShmipcChannel  *channel,
                gboolean        initialise,
                gint64          deadline,
                GError        **error)
{
  ShmipcChannelRole role = channel->role;
  ChannelHeader *h = channel->header;
  gsize size = shmipc_segment_get_size (channel->segment);
  guint64 prev = 0;
  int done;

  if (initialise)
    {
      /* We hold the initialiser claim and the magic is not published, so
       * no other process writes here. A creator that died before
       * publishing may have written some fields: write them all. The
       * ring is the whole rest of the object, whose size
       * claim_initialiser() checked. */
      h->version = SHMIPC_CHANNEL_VERSION;
      h->header_size = SHMIPC_CHANNEL_HEADER_SIZE;
      h->capacity = size - SHMIPC_CHANNEL_HEADER_SIZE;
      h->write_pos = 0;
      h->consumer_wake = 0;
      h->producer_sleeping = 0;
      h->read_pos = 0;
      h->producer_wake = 0;
      h->consumer_sleeping = 0;
      h->state = SHMIPC_CHANNEL_STATE_OPEN;
      h->owner[1 - role] = 0;
      h->owner[role] = channel->me;
      /* Release: everything above is visible before the magic is. */
      __atomic_store_n (&h->magic, magic_value (), __ATOMIC_RELEASE);
    }

  if (!validate_header (h, size, channel_name (channel), &channel->capacity, error))
    return FALSE;
  channel->ring = (guint8 *) h + SHMIPC_CHANNEL_HEADER_SIZE;

  if (!initialise)
    {
      for (;;)
        {
          done = claim_slot (channel, &prev, error);
          if (done < 0)
            return FALSE;
          if (done > 0)
            {
              if (role == SHMIPC_CHANNEL_CONSUMER)
                break;
              done = producer_take_over (channel, prev, error);
              if (done > 0)
                break;
              /* Give the slot back as it was, so that a consumer waiting
               * on a dead producer still sees it dead. */
              release_slot (channel, prev);
              if (done < 0)
                return FALSE;
            }
          if (g_get_monotonic_time () >= deadline)
            {
              g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                           "Channel \"%s\": the %s end is being reset by another process",
                           channel_name (channel), shmipc_channel_role_to_string (role));
              return FALSE;
            }
          g_usleep (1000);
        }
    }

  {
    guint64 w, r;

    if (!load_positions (channel, &w, &r, error))
      {
        release_slot (channel, prev);
        return FALSE;
      }
    channel->pos = role == SHMIPC_CHANNEL_PRODUCER ? w : r;
    channel->peer_pos = role == SHMIPC_CHANNEL_PRODUCER ? r : w;
  }
  return TRUE;

}

typedef struct {
  ShmipcChannel *channel;
  gboolean initialise;
  gint64 deadline;
  GError **error;
  gboolean ok;
} Attach;

static void
attach_call (gpointer data)
{
  Attach *a = data;

  a->ok = channel_attach (a->channel, a->initialise, a->deadline, a->error);
}

static gboolean
attach_guarded (ShmipcChannel  *channel,
                gboolean        initialise,
                gint64          deadline,
                GError        **error)
{
  Attach attach = { channel, initialise, deadline, error, FALSE };

  return _shmipc_segment_guarded (channel->segment, attach_call, &attach, error) && attach.ok;
}

/**
 * shmipc_channel_open:
 * @name: the channel object's name; "name" and "/name" are the same
 * @role: %SHMIPC_CHANNEL_PRODUCER or %SHMIPC_CHANNEL_CONSUMER
 * @capacity: ring size in bytes for a new channel, between
 *   %SHMIPC_CHANNEL_MIN_CAPACITY and %SHMIPC_CHANNEL_MAX_CAPACITY (any
 *   size, not only powers of two); 0 for %SHMIPC_CHANNEL_DEFAULT_CAPACITY.
 *   An existing channel keeps its own capacity.
 * @mode: permission bits of a new object (%SHMIPC_DEFAULT_MODE when you
 *   have no preference)
 * @backend: the backend, as for shmipc_segment_open()
 * @error: return location for a #GError, or %NULL
 *
 * Opens one end of a channel. Either end may come first: the first
 * creates the object (%SHMIPC_CHANNEL_HEADER_SIZE + @capacity bytes) and
 * publishes its header atomically, the second attaches; neither waits for
 * the other here (reads and writes do).
 *
 * An object holding only zeros, or an empty POSIX object, is a channel
 * whose creator was killed before it published the header: the opener
 * writes the header itself, over the whole object, at once when the
 * creator is known dead, otherwise after at most two seconds. It waits up to four
 * seconds for a header another live process is writing, then fails with
 * %SHMIPC_ERROR_CORRUPT.
 *
 * Errors: %SHMIPC_ERROR_BUSY when a live process holds @role (the message
 * names its pid; an end held by a process that has died is taken over);
 * %SHMIPC_ERROR_CORRUPT when the object is not a channel, has an unknown
 * version, or a header inconsistent with its size; %SHMIPC_ERROR_EXISTS
 * when a producer finds a finished stream no consumer has read yet. A
 * producer joining a channel left by a dead or finished producer, with no
 * live consumer, starts a new stream in it; with a live consumer still
 * reading the old stream it gets %SHMIPC_ERROR_BUSY.
 *
 * Removal: the channel object outlives both handles. By convention the
 * consumer removes it with shmipc_channel_unlink() once it has read the
 * end of the stream, and either side removes it when the stream fails or
 * is aborted (removing an already removed channel is harmless: ignore
 * %SHMIPC_ERROR_NOT_FOUND).
 *
 * Returns: (transfer full): a new #ShmipcChannel, or %NULL on error.
 */
ShmipcChannel *
shmipc_channel_open (const gchar        *name,
                     ShmipcChannelRole   role,
                     gsize               capacity,
                     guint               mode,
                     ShmipcBackend       backend,
                     GError            **error)
{
  g_autoptr(ShmipcSegment) segment = NULL;
  ShmipcOpenFlags open_flags = SHMIPC_OPEN_CREATE;
  ShmipcChannel *channel;
  gboolean initialise = FALSE;
  guint64 start = 0;
  guint64 me;
  gint64 take_over_at;
  gint64 deadline;

  if (role != SHMIPC_CHANNEL_PRODUCER && role != SHMIPC_CHANNEL_CONSUMER)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Cannot open channel \"%s\": unknown role %d", name, (int) role);
      return NULL;
    }
  if (capacity == 0)
    capacity = SHMIPC_CHANNEL_DEFAULT_CAPACITY;
  if (capacity < SHMIPC_CHANNEL_MIN_CAPACITY || (guint64) capacity > SHMIPC_CHANNEL_MAX_CAPACITY)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Cannot open channel \"%s\": capacity %" G_GSIZE_FORMAT
                   " is outside %u to %" G_GUINT64_FORMAT " bytes",
                   name, capacity, (guint) SHMIPC_CHANNEL_MIN_CAPACITY,
                   (guint64) SHMIPC_CHANNEL_MAX_CAPACITY);
      return NULL;
    }
  if (_shmipc_process_start_time (getpid (), &start) != 0)
    start = 0;

  me = owner_word (getpid (), start);
  /* Until take_over_at we leave an unclaimed header to the process that
   * created the object; at deadline we stop waiting for one that another
   * live process claimed. */
  take_over_at = g_get_monotonic_time () + INIT_WAIT_US;
  deadline = take_over_at + INIT_WAIT_US;
  for (;;)
    {
      gsize size;
      gboolean created;
      gboolean waited;
      int found;

      segment = shmipc_segment_open (name, open_flags, SHMIPC_CHANNEL_HEADER_SIZE + capacity,
                                     mode, backend, error);
      if (segment == NULL)
        return NULL;
      open_flags = SHMIPC_OPEN_CREATE;
      size = shmipc_segment_get_size (segment);
      created = shmipc_segment_get_created (segment);
      waited = g_get_monotonic_time () >= take_over_at;
      if (size == 0 && !created && (waited || object_is_old (segment)))
        {
          /* A POSIX object whose creator died before sizing it: size it
           * ourselves (under the sizing lock, so never smaller than a
           * creator that was only slow made it), then claim it. */
          open_flags |= SHMIPC_OPEN_RESIZE;
          g_clear_pointer (&segment, shmipc_segment_free);
          continue;
        }
      if (size > 0)
        {
          found = claim_initialiser (segment, me, created || waited, error);
          /* Only an unclaimed header costs a stat(). */
          if (found == FOUND_UNCLAIMED && object_is_old (segment))
            found = claim_initialiser (segment, me, TRUE, error);
          if (found < 0)
            return NULL;
          if (found == FOUND_CHANNEL || found == FOUND_CLAIMED)
            {
              initialise = found == FOUND_CLAIMED;
              break;
            }
        }
      /* Empty (its creator is sizing it), a header another process is
       * writing, or one its creator has yet to claim: look again shortly. */
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                       "\"%s\" is not a channel (%" G_GSIZE_FORMAT
                       " bytes, no channel header after %d s)",
                       shmipc_segment_get_name (segment), size,
                       (int) (2 * INIT_WAIT_US / G_USEC_PER_SEC));
          return NULL;
        }
      g_clear_pointer (&segment, shmipc_segment_free);
      g_usleep (1000);
    }

  channel = g_new0 (ShmipcChannel, 1);
  channel->role = role;
  channel->me = me;
  channel->spin_ns = spin_allowed () ? SPIN_NS : 0;
  channel->segment = g_steal_pointer (&segment);
  channel->header = shmipc_segment_get_data (channel->segment);
  if (!attach_guarded (channel, initialise, deadline, error))
    {
      shmipc_segment_free (channel->segment);
      g_free (channel);
      return NULL;
    }
  return channel;
}

/* What leaving does to the header (run under a guard). */
static void
leave_header (gpointer data)
{
  ShmipcChannel *channel = data;

  if (!channel->finished)
    {
      guint32 expected = SHMIPC_CHANNEL_STATE_OPEN;

      if (__atomic_compare_exchange_n (&channel->header->state, &expected,
                                       SHMIPC_CHANNEL_STATE_ABORTED, FALSE,
                                       __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        wake_peer (channel);
    }
  release_slot (channel, 0);
}

/**
 * shmipc_channel_free:
 * @channel: (nullable): a #ShmipcChannel
 *
 * Leaves the channel and unmaps it. A producer that has not called
 * shmipc_channel_close_write(), or a consumer that has not read the end
 * of the stream, aborts the stream, so that the peer fails at once rather
 * than waiting. The object itself stays (see shmipc_channel_unlink()).
 */
void
shmipc_channel_free (ShmipcChannel *channel)
{
  if (channel == NULL)
    return;

  /* A truncated object is only unmapped. */
  if (channel->segment->broken == NULL)
    _shmipc_segment_guarded (channel->segment, leave_header, channel, NULL);
  shmipc_segment_free (channel->segment);
  g_free (channel);
}


/* read(2) or write(2) on the ring failed with EFAULT: the kernel's word
 * for the SIGBUS the same access would raise in user space. */
static void
set_fault_error (ShmipcChannel  *channel,
                 gconstpointer   address,
                 GError        **error)
{
  _shmipc_segment_fault (channel->segment, address, error);
}

/* ---------------------------------------------------------------------- */
/* Producer                                                                 */
/* ---------------------------------------------------------------------- */

static gboolean
check_role (ShmipcChannel     *channel,
            ShmipcChannelRole  role,
            const gchar       *what,
            GError           **error)
{
  if (channel->role != role)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Channel \"%s\": %s needs the %s end",
                   channel_name (channel), what, shmipc_channel_role_to_string (role));
      return FALSE;
    }
  if (role == SHMIPC_CHANNEL_PRODUCER && channel->finished)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Channel \"%s\": %s after the end of the stream",
                   channel_name (channel), what);
      return FALSE;
    }
  return TRUE;
}

/* Ends a reservation (producer) or a peek (consumer): moves our position
 * past the first @length of the @channel->held bytes handed out, publishes
 * it and wakes the peer if it sleeps. @what and @held_what word the error
 * ("commit of" ... "reserved"). */
static gboolean
release_held (ShmipcChannel  *channel,
              gsize           length,
              const gchar    *what,
              const gchar    *held_what,
              GError        **error)
{
  guint64 *published = channel->role == SHMIPC_CHANNEL_PRODUCER ?
                       &channel->header->write_pos : &channel->header->read_pos;

  if (length > channel->held)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Channel \"%s\": %s %" G_GSIZE_FORMAT " bytes exceeds the %"
                   G_GSIZE_FORMAT " %s", channel_name (channel), what, length,
                   channel->held, held_what);
      return FALSE;
    }
  channel->held = 0;
  if (length == 0)
    return TRUE;
  channel->pos += length;
  /* Release: the producer's bytes are in the ring, and the consumer is
   * done reading its bytes, before the peer sees the new position. */
  __atomic_store_n (published, channel->pos, __ATOMIC_RELEASE);
  wake_peer (channel);
  return TRUE;
}

/**
 * shmipc_channel_reserve:
 * @channel: the producer end of a channel
 * @data_out: (out): where to store the start of the free space
 * @length_out: (out): where to store its length, at least 1
 * @timeout_ms: longest wait for free space in milliseconds; -1 waits
 *   for ever, 0 does not wait
 * @error: return location for a #GError, or %NULL
 *
 * Waits for free space in the ring and hands out the largest contiguous
 * part of it, to be filled in place (for example by read(2)) and then
 * published with shmipc_channel_commit(). A new reservation replaces one
 * that was not committed.
 *
 * Errors: %SHMIPC_ERROR_TIMED_OUT, %SHMIPC_ERROR_PEER_DIED (the consumer
 * died or aborted), %SHMIPC_ERROR_CORRUPT, %SHMIPC_ERROR_FAILED after
 * shmipc_channel_abort().
 *
 * Returns: %TRUE on success.
 */
static gboolean
channel_reserve (ShmipcChannel  *channel,
                 gpointer       *data_out,
                 gsize          *length_out,
                 gint            timeout_ms,
                 GError        **error)
{
  guint64 offset;
  guint64 space;

  g_return_val_if_fail (channel != NULL, FALSE);
  g_return_val_if_fail (data_out != NULL && length_out != NULL, FALSE);

  channel->held = 0;
  if (!check_role (channel, SHMIPC_CHANNEL_PRODUCER, "reserve", error))
    return FALSE;
  if (channel_wait (channel, timeout_ms, error) < 0)
    return FALSE;

  /* Both values come from our own memory, checked in producer_poll(). */
  space = channel->capacity - (channel->pos - channel->peer_pos);
  offset = channel->pos % channel->capacity;
  channel->held = (gsize) MIN (space, channel->capacity - offset);
  *data_out = channel->ring + offset;
  *length_out = channel->held;
  return TRUE;
}

/**
 * shmipc_channel_commit:
 * @channel: the producer end of a channel
 * @length: how many bytes of the last reservation to publish (0 is fine)
 * @error: return location for a #GError, or %NULL
 *
 * Publishes the first @length bytes of the space handed out by
 * shmipc_channel_reserve() and ends the reservation. Wakes the consumer
 * only when it sleeps.
 *
 * Returns: %TRUE on success; %SHMIPC_ERROR_INVALID_ARGUMENT when @length
 * exceeds the reservation.
 */
static gboolean
channel_commit (ShmipcChannel  *channel,
                gsize           length,
                GError        **error)
{
  g_return_val_if_fail (channel != NULL, FALSE);

  if (!check_role (channel, SHMIPC_CHANNEL_PRODUCER, "commit", error))
    return FALSE;
  return release_held (channel, length, "commit of", "reserved", error);
}

/**
 * shmipc_channel_write:
 * @channel: the producer end of a channel
 * @data: (array length=length): bytes to write
 * @length: how many
 * @timeout_ms: longest wait for free space, each time the ring is full,
 *   in milliseconds; -1 waits for ever
 * @error: return location for a #GError, or %NULL
 *
 * Writes all of @data, waiting for the consumer to make room as needed.
 * On error, a prefix of @data may have been written.
 *
 * Returns: %TRUE when every byte was written.
 */
static gboolean
channel_write (ShmipcChannel  *channel,
               gconstpointer   data,
               gsize           length,
               gint            timeout_ms,
               GError        **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (channel != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);

  if (!check_role (channel, SHMIPC_CHANNEL_PRODUCER, "write", error))
    return FALSE;
  while (length > 0)
    {
      gpointer dest;
      gsize space;
      gsize n;

      if (!channel_reserve (channel, &dest, &space, timeout_ms, error))
        return FALSE;
      n = MIN (space, length);
      memcpy (dest, p, n);
      if (!channel_commit (channel, n, error))
        return FALSE;
      p += n;
      length -= n;
    }
  return TRUE;
}

/**
 * shmipc_channel_close_write:
 * @channel: the producer end of a channel
 * @error: return location for a #GError, or %NULL
 *
 * Marks the end of the stream: the consumer reads what is left, then
 * gets end-of-stream. An uncommitted reservation is dropped.
 *
 * Returns: %TRUE on success; %SHMIPC_ERROR_PEER_DIED when the consumer
 * has aborted the stream, or has died (the stream is then not ended: it
 * is aborted when the channel is freed, rather than left finished for a
 * consumer that will never read it).
 */
static gboolean
channel_close_write (ShmipcChannel  *channel,
                     GError        **error)
{
  guint32 expected = SHMIPC_CHANNEL_STATE_OPEN;
  ShmipcChannelState state;
  gint32 peer_pid;

  g_return_val_if_fail (channel != NULL, FALSE);

  if (!check_role (channel, SHMIPC_CHANNEL_PRODUCER, "end of stream", error))
    return FALSE;
  channel->held = 0;
  /* A consumer that attached and died (SIGKILL) while the rest of the
   * stream still fitted in the ring was never waited for, so never
   * noticed: fail as a write would. (A consumer that has not come yet,
   * or has left, is 0.) */
  if (!peer_alive (channel, &peer_pid))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_PEER_DIED,
                   "Channel \"%s\": the %s (pid %d) died",
                   channel_name (channel), peer_role_name (channel), (int) peer_pid);
      return FALSE;
    }
  /* Release (in the seq_cst CAS): our last position store comes first. */
  if (!__atomic_compare_exchange_n (&channel->header->state, &expected,
                                    SHMIPC_CHANNEL_STATE_END_OF_STREAM, FALSE,
                                    __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
    {
      if (!check_state (channel, &state, error))
        return FALSE;
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (end of stream set by another process)",
                   channel_name (channel));
      return FALSE;
    }
  channel->finished = TRUE;
  wake_peer (channel);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Consumer                                                                 */
/* ---------------------------------------------------------------------- */

/**
 * shmipc_channel_peek:
 * @channel: the consumer end of a channel
 * @data_out: (out): where to store the start of the readable bytes
 * @length_out: (out): where to store how many are contiguous there; 0
 *   means the end of the stream
 * @timeout_ms: longest wait for data in milliseconds; -1 waits for ever,
 *   0 does not wait
 * @error: return location for a #GError, or %NULL
 *
 * Waits for data and shows the largest contiguous run of it in place
 * (for example for write(2)); release it with shmipc_channel_consume().
 *
 * Errors: %SHMIPC_ERROR_TIMED_OUT; %SHMIPC_ERROR_PEER_DIED once every
 * byte the producer committed has been read and the producer has died
 * or aborted; %SHMIPC_ERROR_CORRUPT; %SHMIPC_ERROR_FAILED after
 * shmipc_channel_abort().
 *
 * Returns: %TRUE on success (including end-of-stream).
 */
static gboolean
channel_peek (ShmipcChannel   *channel,
              gconstpointer   *data_out,
              gsize           *length_out,
              gint             timeout_ms,
              GError         **error)
{
  guint64 offset;
  guint64 avail;
  int result;

  g_return_val_if_fail (channel != NULL, FALSE);
  g_return_val_if_fail (data_out != NULL && length_out != NULL, FALSE);

  channel->held = 0;
  if (!check_role (channel, SHMIPC_CHANNEL_CONSUMER, "peek", error))
    return FALSE;
  result = channel_wait (channel, timeout_ms, error);
  if (result < 0)
    return FALSE;
  offset = channel->pos % channel->capacity;
  *data_out = channel->ring + offset;
  if (result == POLL_END)
    {
      channel->finished = TRUE;
      *length_out = 0;
      return TRUE;
    }
  avail = channel->peer_pos - channel->pos;
  channel->held = (gsize) MIN (avail, channel->capacity - offset);
  *length_out = channel->held;
  return TRUE;
}

/**
 * shmipc_channel_consume:
 * @channel: the consumer end of a channel
 * @length: how many of the bytes shown by shmipc_channel_peek() to release
 * @error: return location for a #GError, or %NULL
 *
 * Gives the first @length bytes shown by the last peek back to the
 * producer and ends the peek.
 *
 * Returns: %TRUE on success; %SHMIPC_ERROR_INVALID_ARGUMENT when @length
 * exceeds what was shown.
 */
static gboolean
channel_consume (ShmipcChannel  *channel,
                 gsize           length,
                 GError        **error)
{
  g_return_val_if_fail (channel != NULL, FALSE);

  if (!check_role (channel, SHMIPC_CHANNEL_CONSUMER, "consume", error))
    return FALSE;
  return release_held (channel, length, "consuming", "shown", error);
}

/**
 * shmipc_channel_read:
 * @channel: the consumer end of a channel
 * @buffer: (out caller-allocates) (array length=length): where to copy
 * @length: size of @buffer
 * @timeout_ms: longest wait for data in milliseconds; -1 waits for ever,
 *   0 does not wait
 * @error: return location for a #GError, or %NULL
 *
 * Like read(2): waits until at least one byte is available, then copies
 * as many as are there, up to @length.
 *
 * Returns: the number of bytes read, 0 at the end of the stream (or when
 * @length is 0), -1 on error (see shmipc_channel_peek()).
 */
static gssize
channel_read (ShmipcChannel  *channel,
              gpointer        buffer,
              gsize           length,
              gint            timeout_ms,
              GError        **error)
{
  guint8 *p = buffer;
  gsize done = 0;

  g_return_val_if_fail (channel != NULL, -1);
  g_return_val_if_fail (buffer != NULL || length == 0, -1);
  g_return_val_if_fail (length <= G_MAXSSIZE, -1);

  if (!check_role (channel, SHMIPC_CHANNEL_CONSUMER, "read", error))
    return -1;
  if (length == 0)
    return 0;
  /* At most two runs: up to the end of the ring, then from its start. */
  while (done < length)
    {
      gconstpointer src;
      gsize avail;
      gsize n;

      if (!channel_peek (channel, &src, &avail, done == 0 ? timeout_ms : 0, error))
        {
          if (done == 0)
            return -1;
          /* What was copied is returned; the error comes again next call. */
          g_clear_error (error);
          break;
        }
      if (avail == 0)
        break;
      n = MIN (avail, length - done);
      memcpy (p + done, src, n);
      if (!channel_consume (channel, n, error))
        return -1;
      done += n;
      if (channel->peer_pos == channel->pos)
        break;
    }
  return (gssize) done;
}

/* ---------------------------------------------------------------------- */
/* File descriptors                                                         */
/* ---------------------------------------------------------------------- */

/* Bytes moved per system call: a quarter of the ring, so that the other
 * side works on one part while we fill or drain the next. */
static gsize
io_chunk (ShmipcChannel *channel)
{
  guint64 chunk = MAX (channel->capacity / 4, MIN (channel->capacity, 64 * 1024));

  return (gsize) MIN (chunk, (guint64) (G_MAXSSIZE / 2));
}

/* Waits until @fd has input (or end of file, or an error read(2) will
 * report), looking between two checks whether the consumer still runs:
 * a producer idle on its input must notice a dead consumer as promptly
 * as one waiting for space in the ring. */
static gboolean
wait_input (ShmipcChannel  *channel,
            int             fd,
            GError        **error)
{
  struct pollfd pfd = { .fd = fd, .events = POLLIN };

  for (;;)
    {
      ShmipcChannelState state;
      gint32 peer_pid;
      int n = poll (&pfd, 1, LIVENESS_INTERVAL_US / 1000);

      /* Ready, or poll() cannot watch this descriptor: read() decides. */
      if (n > 0 || (n < 0 && errno != EINTR))
        return TRUE;
      /* Aborted here (a signal) or by the consumer. */
      if (!check_state (channel, &state, error))
        return FALSE;
      if (!peer_alive (channel, &peer_pid))
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_PEER_DIED,
                       "Channel \"%s\": the %s (pid %d) died",
                       channel_name (channel), peer_role_name (channel), (int) peer_pid);
          return FALSE;
        }
    }
}

/**
 * shmipc_channel_send_fd:
 * @channel: the producer end of a channel
 * @fd: a file descriptor open for reading
 * @bytes_out: (out) (optional): where to store how many bytes were sent,
 *   also on error
 * @timeout_ms: longest wait for free space, each time the ring is full;
 *   -1 waits for ever (reading @fd is never timed)
 * @error: return location for a #GError, or %NULL
 *
 * Copies @fd into the channel until end of file, reading straight into
 * the ring, then marks the end of the stream. This is `prod --stream`.
 * A read(2) interrupted by a signal is retried unless
 * shmipc_channel_abort() was called; install signal handlers without
 * SA_RESTART so that a blocked read is interrupted.
 *
 * Returns: %TRUE when all of @fd was sent and the end of the stream marked.
 */
static gboolean
channel_send_fd (ShmipcChannel  *channel,
                 int             fd,
                 guint64        *bytes_out,
                 gint            timeout_ms,
                 GError        **error)
{
  gsize chunk;
  guint64 total = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (channel != NULL, FALSE);

  if (!check_role (channel, SHMIPC_CHANNEL_PRODUCER, "send", error))
    goto out;
  chunk = io_chunk (channel);
  for (;;)
    {
      gpointer dest;
      gsize space;
      ssize_t n;

      if (!channel_reserve (channel, &dest, &space, timeout_ms, error))
        goto out;
      if (!wait_input (channel, fd, error))
        goto out;
      do
        n = read (fd, dest, MIN (space, chunk));
      while (n < 0 && errno == EINTR && !__atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE));
      if (n < 0)
        {
          int saved_errno = errno;

          if (saved_errno == EINTR)
            set_aborted_error (channel, error);
          else if (saved_errno == EFAULT)
            set_fault_error (channel, dest, error);
          else
            _shmipc_set_error_errno (error, saved_errno,
                                     "Channel \"%s\": read(fd %d) failed",
                                     channel_name (channel), fd);
          goto out;
        }
      if (n == 0)
        break;
      if (!channel_commit (channel, (gsize) n, error))
        goto out;
      total += (guint64) n;
    }
  ok = channel_close_write (channel, error);

out:
  if (bytes_out != NULL)
    *bytes_out = total;
  return ok;
}

/**
 * shmipc_channel_receive_fd:
 * @channel: the consumer end of a channel
 * @fd: a file descriptor open for writing
 * @bytes_out: (out) (optional): where to store how many bytes were
 *   written to @fd, also on error
 * @timeout_ms: longest wait for data, each time the ring is empty; -1
 *   waits for ever
 * @error: return location for a #GError, or %NULL
 *
 * Copies the channel to @fd until the end of the stream, writing straight
 * from the ring and completing short writes. This is `cons --stream`.
 * Errors of write(2), EPIPE included, are reported (ignore SIGPIPE to get
 * EPIPE rather than being killed); EINTR is retried unless
 * shmipc_channel_abort() was called. On success the caller, as the
 * consumer, removes the channel with shmipc_channel_unlink().
 *
 * Returns: %TRUE when the whole stream was written to @fd.
 */
static gboolean
channel_receive_fd (ShmipcChannel  *channel,
                    int             fd,
                    guint64        *bytes_out,
                    gint            timeout_ms,
                    GError        **error)
{
  gsize chunk;
  guint64 total = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (channel != NULL, FALSE);

  if (!check_role (channel, SHMIPC_CHANNEL_CONSUMER, "receive", error))
    goto out;
  chunk = io_chunk (channel);
  for (;;)
    {
      gconstpointer src;
      gsize avail;
      gsize done = 0;

      if (!channel_peek (channel, &src, &avail, timeout_ms, error))
        goto out;
      if (avail == 0)
        break;
      avail = MIN (avail, chunk);
      while (done < avail)
        {
          ssize_t n = write (fd, (const guint8 *) src + done, avail - done);

          if (n < 0)
            {
              int saved_errno = errno;

              if (saved_errno == EINTR &&
                  !__atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE))
                continue;
              if (saved_errno == EINTR)
                set_aborted_error (channel, error);
              else if (saved_errno == EFAULT)
                set_fault_error (channel, (const guint8 *) src + done, error);
              else
                _shmipc_set_error_errno (error, saved_errno,
                                         "Channel \"%s\": write(fd %d) failed",
                                         channel_name (channel), fd);
              goto out;
            }
          done += (gsize) n;
          total += (guint64) n;
          /* A signal that interrupts a write(2) after part of it went
           * through (a pipe, a terminal) makes it return that part, not
           * EINTR: look at the abort flag here too, or the next write
           * blocks again. */
          if (done < avail && __atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE))
            {
              set_aborted_error (channel, error);
              goto out;
            }
        }
      if (!channel_consume (channel, avail, error))
        goto out;
    }
  ok = TRUE;

out:
  if (bytes_out != NULL)
    *bytes_out = total;
  return ok;
}

/* ---------------------------------------------------------------------- */
/* Guarded entry points: the documentation of each is above its channel_*()
 * implementation. Each call runs whole under one guard over the mapping
 * (_shmipc_segment_guarded()): a fault anywhere in the call (header or
 * ring) makes it fail with SHMIPC_ERROR_CORRUPT; see "Truncation" at the
 * top. The channel_*() functions keep the guard's contract: they hold no
 * lock, allocation or descriptor across an access to the mapping, and set
 * their errors after their last access. */
/* ---------------------------------------------------------------------- */

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

static gssize
run_call (Call              *call,
          ShmipcGuardedFunc  func,
          gssize             failed)
{
  if (!_shmipc_segment_guarded (call->channel->segment, func, call, call->error))
    return failed;
  return call->result;
}

static void
call_reserve (gpointer data)
{
  Call *c = data;

  c->result = channel_reserve (c->channel, c->pointer, c->length_out, c->timeout_ms, c->error);
}

gboolean
shmipc_channel_reserve (ShmipcChannel  *channel,
                        gpointer       *data_out,
                        gsize          *length_out,
                        gint            timeout_ms,
                        GError        **error)
{
  Call call = { channel, data_out, length_out, 0, timeout_ms, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return run_call (&call, call_reserve, FALSE);
}

static void
call_commit (gpointer data)
{
  Call *c = data;

  c->result = channel_commit (c->channel, c->length, c->error);
}

gboolean
shmipc_channel_commit (ShmipcChannel  *channel,
                       gsize           length,
                       GError        **error)
{
  Call call = { channel, NULL, NULL, length, 0, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return run_call (&call, call_commit, FALSE);
}

static void
call_write (gpointer data)
{
  Call *c = data;

  c->result = channel_write (c->channel, c->pointer, c->length, c->timeout_ms, c->error);
}

gboolean
shmipc_channel_write (ShmipcChannel  *channel,
                      gconstpointer   data,
                      gsize           length,
                      gint            timeout_ms,
                      GError        **error)
{
  Call call = { channel, (gpointer) data, NULL, length, timeout_ms, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return run_call (&call, call_write, FALSE);
}

static void
call_close_write (gpointer data)
{
  Call *c = data;

  c->result = channel_close_write (c->channel, c->error);
}

gboolean
shmipc_channel_close_write (ShmipcChannel  *channel,
                            GError        **error)
{
  Call call = { channel, NULL, NULL, 0, 0, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return run_call (&call, call_close_write, FALSE);
}

static void
call_peek (gpointer data)
{
  Call *c = data;

  c->result = channel_peek (c->channel, c->pointer, c->length_out, c->timeout_ms, c->error);
}

gboolean
shmipc_channel_peek (ShmipcChannel   *channel,
                     gconstpointer   *data_out,
                     gsize           *length_out,
                     gint             timeout_ms,
                     GError         **error)
{
  Call call = { channel, data_out, length_out, 0, timeout_ms, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return run_call (&call, call_peek, FALSE);
}

static void
call_consume (gpointer data)
{
  Call *c = data;

  c->result = channel_consume (c->channel, c->length, c->error);
}

gboolean
shmipc_channel_consume (ShmipcChannel  *channel,
                        gsize           length,
                        GError        **error)
{
  Call call = { channel, NULL, NULL, length, 0, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return run_call (&call, call_consume, FALSE);
}

static void
call_read (gpointer data)
{
  Call *c = data;

  c->result = channel_read (c->channel, c->pointer, c->length, c->timeout_ms, c->error);
}

gssize
shmipc_channel_read (ShmipcChannel  *channel,
                     gpointer        buffer,
                     gsize           length,
                     gint            timeout_ms,
                     GError        **error)
{
  Call call = { channel, buffer, NULL, length, timeout_ms, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, -1);
  return run_call (&call, call_read, -1);
}

static void
call_send_fd (gpointer data)
{
  Call *c = data;

  c->result = channel_send_fd (c->channel, c->fd, c->bytes_out, c->timeout_ms, c->error);
}

gboolean
shmipc_channel_send_fd (ShmipcChannel  *channel,
                        int             fd,
                        guint64        *bytes_out,
                        gint            timeout_ms,
                        GError        **error)
{
  Call call = { channel, NULL, NULL, 0, timeout_ms, fd, bytes_out, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  /* The count so far is lost when a fault abandons the call. */
  if (bytes_out != NULL)
    *bytes_out = 0;
  return run_call (&call, call_send_fd, FALSE);
}

static void
call_receive_fd (gpointer data)
{
  Call *c = data;

  c->result = channel_receive_fd (c->channel, c->fd, c->bytes_out, c->timeout_ms, c->error);
}

gboolean
shmipc_channel_receive_fd (ShmipcChannel  *channel,
                           int             fd,
                           guint64        *bytes_out,
                           gint            timeout_ms,
                           GError        **error)
{
  Call call = { channel, NULL, NULL, 0, timeout_ms, fd, bytes_out, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  if (bytes_out != NULL)
    *bytes_out = 0;
  return run_call (&call, call_receive_fd, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Abort, removal, accessors                                                */
/* ---------------------------------------------------------------------- */

/* Async-signal-safe: atomic stores and the futex system call. */
static void
abort_header (gpointer data)
{
  ShmipcChannel *channel = data;

  __atomic_store_n (&channel->header->state, SHMIPC_CHANNEL_STATE_ABORTED, __ATOMIC_SEQ_CST);
  /* Wake both sleepers unconditionally: this path is rare. */
  word_wake (&channel->header->consumer_wake);
  word_wake (&channel->header->producer_wake);
}

/**
 * shmipc_channel_abort:
 * @channel: a #ShmipcChannel
 *
 * Aborts the stream: the state becomes aborted, both sides are woken,
 * calls blocked on @channel in this process return %SHMIPC_ERROR_FAILED
 * at once and the peer gets %SHMIPC_ERROR_PEER_DIED. Async-signal-safe
 * (atomic stores and the futex system call only): a SIGINT or SIGTERM
 * handler may call it on a channel it can reach, then the interrupted
 * command removes the channel with shmipc_channel_unlink().
 */
void
shmipc_channel_abort (ShmipcChannel *channel)
{
  if (channel == NULL)
    return;
  __atomic_store_n (&channel->aborted, 1, __ATOMIC_SEQ_CST);
  /* The stores below run under a guard: on a truncated object the flag
   * above is all there is to set. A fault here is not recorded in the
   * segment (that allocates; this may run in a signal handler): the
   * interrupted call, or the next one, finds the truncation itself. The
   * guard's push and pop are async-signal-safe. */
  if (channel->segment->broken != NULL)
    return;
  _shmipc_guard_run (channel->header, shmipc_segment_get_size (channel->segment),
                     abort_header, channel, NULL);
}

/**
 * shmipc_channel_unlink:
 * @channel: a #ShmipcChannel
 * @error: return location for a #GError, or %NULL
 *
 * Removes the channel object; the handle stays usable until freed. See
 * shmipc_channel_open() for who removes a channel when.
 *
 * Returns: %TRUE on success.
 */
gboolean
shmipc_channel_unlink (ShmipcChannel  *channel,
                       GError        **error)
{
  g_return_val_if_fail (channel != NULL, FALSE);
  return shmipc_segment_unlink (channel->segment, error);
}

/**
 * shmipc_channel_get_capacity:
 * @channel: a #ShmipcChannel
 *
 * Returns: the ring size in bytes.
 */
gsize
shmipc_channel_get_capacity (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return (gsize) channel->capacity;
}

/**
 * shmipc_channel_get_role:
 * @channel: a #ShmipcChannel
 *
 * Returns: the end @channel was opened as.
 */
ShmipcChannelRole
shmipc_channel_get_role (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, SHMIPC_CHANNEL_PRODUCER);
  return channel->role;
}

/**
 * shmipc_channel_get_segment:
 * @channel: a #ShmipcChannel
 *
 * Returns: (transfer none): the segment holding the channel, for its
 * name, backend or metadata.
 */
ShmipcSegment *
shmipc_channel_get_segment (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, NULL);
  return channel->segment;
}

/**
 * shmipc_channel_get_created:
 * @channel: a #ShmipcChannel
 *
 * Returns: %TRUE when opening @channel created the object.
 */
gboolean
shmipc_channel_get_created (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, FALSE);
  return shmipc_segment_get_created (channel->segment);
}

/* ---------------------------------------------------------------------- */
/* Inspection                                                               */
/* ---------------------------------------------------------------------- */

/**
 * shmipc_channel_is_channel:
 * @data: (array length=size) (nullable): the start of a mapped object
 * @size: the mapping's size
 *
 * Tells whether a mapping starts with a published channel header
 * (%SHMIPC_CHANNEL_MAGIC). Nothing else is checked: see
 * shmipc_channel_inspect().
 *
 * Returns: %TRUE for a channel.
 */
typedef struct {
  gconstpointer data;
  gsize size;
  gboolean found;
} Probe;

static void
probe_magic (gpointer user_data)
{
  Probe *probe = user_data;

  probe->found = has_magic (probe->data, probe->size);
}

gboolean
shmipc_channel_is_channel (gconstpointer data,
                           gsize         size)
{
  Probe probe = { data, size, FALSE };

  if (data == NULL || size < sizeof (ChannelHeader))
    return FALSE;
  /* A mapping truncated under us holds no header. */
  return _shmipc_guard_run (data, size, probe_magic, &probe, NULL) && probe.found;
}

/**
 * shmipc_channel_inspect:
 * @segment: a mapped segment, read-only or not
 * @info_out: (out caller-allocates): where to store the decoded header
 * @error: return location for a #GError, or %NULL
 *
 * Decodes the channel header at the start of @segment without changing
 * it and without joining the channel (for `shmdump --info`). Liveness of
 * the producer and consumer is checked by pid and process start time.
 * An object truncated by another process while mapped gives
 * %SHMIPC_ERROR_CORRUPT, not SIGBUS.
 *
 * Returns: %TRUE on success; %SHMIPC_ERROR_CORRUPT when @segment holds no
 * valid channel header.
 */
static gboolean
channel_inspect (ShmipcSegment      *segment,
                 ShmipcChannelInfo  *info_out,
                 GError            **error)
{
  const ChannelHeader *h;
  guint64 capacity;
  guint64 w;
  guint64 r;
  guint64 producer;
  guint64 consumer;
  guint32 state;

  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (info_out != NULL, FALSE);

  h = shmipc_segment_get_data (segment);
  if (!validate_header (h, shmipc_segment_get_size (segment),
                        shmipc_segment_get_name (segment), &capacity, error))
    return FALSE;

  w = __atomic_load_n (&h->write_pos, __ATOMIC_ACQUIRE);
  r = __atomic_load_n (&h->read_pos, __ATOMIC_ACQUIRE);
  state = __atomic_load_n (&h->state, __ATOMIC_ACQUIRE);
  producer = __atomic_load_n (&h->owner[SHMIPC_CHANNEL_PRODUCER], __ATOMIC_ACQUIRE);
  consumer = __atomic_load_n (&h->owner[SHMIPC_CHANNEL_CONSUMER], __ATOMIC_ACQUIRE);
  if (r > w || w - r > capacity || state > SHMIPC_CHANNEL_STATE_ABORTED)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (read position %" G_GUINT64_FORMAT
                   ", write position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT
                   ", state %u)", shmipc_segment_get_name (segment), r, w, capacity, state);
      return FALSE;
    }

  memset (info_out, 0, sizeof *info_out);
  info_out->version = SHMIPC_CHANNEL_VERSION;
  info_out->capacity = capacity;
  info_out->fill = w - r;
  info_out->read_position = r;
  info_out->write_position = w;
  info_out->state = state;
  info_out->producer_pid = OWNER_PID (producer);
  info_out->producer_alive = owner_alive (producer);
  info_out->consumer_pid = OWNER_PID (consumer);
  info_out->consumer_alive = owner_alive (consumer);
  return TRUE;
}

typedef struct {
  ShmipcSegment *segment;
  ShmipcChannelInfo *info_out;
  GError **error;
  gboolean ok;
} Inspect;

static void
inspect_call (gpointer data)
{
  Inspect *inspect = data;

  inspect->ok = channel_inspect (inspect->segment, inspect->info_out, inspect->error);
}

gboolean
shmipc_channel_inspect (ShmipcSegment      *segment,
                        ShmipcChannelInfo  *info_out,
                        GError            **error)
{
  Inspect inspect = { segment, info_out, error, FALSE };

  g_return_val_if_fail (segment != NULL, FALSE);
  g_return_val_if_fail (info_out != NULL, FALSE);

  return _shmipc_segment_guarded (segment, inspect_call, &inspect, error) && inspect.ok;
}

/**
 * shmipc_channel_state_to_string:
 * @state: a #ShmipcChannelState
 *
 * Returns: "open", "end-of-stream", "aborted", or "unknown".
 */
const gchar *
shmipc_channel_state_to_string (ShmipcChannelState state)
{
  switch (state)
    {
    case SHMIPC_CHANNEL_STATE_OPEN:
      return "open";
    case SHMIPC_CHANNEL_STATE_END_OF_STREAM:
      return "end-of-stream";
    case SHMIPC_CHANNEL_STATE_ABORTED:
      return "aborted";
    default:
      return "unknown";
    }
}

/**
 * shmipc_channel_role_to_string:
 * @role: a #ShmipcChannelRole
 *
 * Returns: "producer", "consumer", or "unknown".
 */
const gchar *
shmipc_channel_role_to_string (ShmipcChannelRole role)
{
  switch (role)
    {
    case SHMIPC_CHANNEL_PRODUCER:
      return "producer";
    case SHMIPC_CHANNEL_CONSUMER:
      return "consumer";
    default:
      return "unknown";
    }
}
