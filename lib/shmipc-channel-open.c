/* shmipc-channel-open.c - opening a channel: creating, claiming, taking over, leaving
 *
 * Copyright (C) 2026 The shmipc authors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * How a channel works: shmipc-channel-private.h.
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
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "shmipc-channel-private.h"
#include "shmipc-list-private.h"

/* A reader position @r against the write position @w: at or before it,
 * and (wait policy) at most the capacity behind. */
static gboolean
check_position (ShmipcChannel  *channel,
                guint64         r,
                guint64         w,
                GError        **error)
{
  if (r > w || (w - r > channel->capacity && channel->policy == SHMIPC_CHANNEL_POLICY_WAIT))
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (read position %" G_GUINT64_FORMAT
                   ", write position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT ")",
                   _shmipc_channel_name (channel), r, w, channel->capacity);
      return FALSE;
    }
  return TRUE;
}

/* Gives a slot back if it is still ours: never clobber another
 * process's claim. */
static void
release_owner (guint64 *slot,
               guint64  me,
               guint64  restore)
{
  __atomic_compare_exchange_n (slot, &me, restore, FALSE, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/* Producer: claims the producer word. Returns 1 with *prev_out the
 * previous (dead or 0) owner, -1 on error. */
static int
claim_producer (ShmipcChannel  *channel,
                guint64        *prev_out,
                GError        **error)
{
  guint64 *word = &channel->header->producer;
  guint64 cur = __atomic_load_n (word, __ATOMIC_ACQUIRE);

  for (;;)
    {
      if (cur != 0 && _shmipc_owner_alive (cur))
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                       "Channel \"%s\": the producer end is in use by process %d",
                       _shmipc_channel_name (channel), (int) OWNER_PID (cur));
          return -1;
        }
      /* Acquire on success: we then read the positions and state the
       * previous holder stored before releasing. */
      if (__atomic_compare_exchange_n (word, &cur, channel->me, FALSE,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        {
          *prev_out = cur;
          return 1;
        }
      /* cur now holds the newer owner: look again. */
    }
}

/* Reader: claims a slot: a free one, else one whose reader died or left
 * (cleaned on the way). Returns 1 (channel->slot set), 0 to retry later
 * (a producer is resetting the channel), -1 on error. */
static int
claim_reader_slot (ShmipcChannel  *channel,
                   GError        **error)
{
  ChannelHeader *h = channel->header;
  gboolean resetting = FALSE;
  gint32 holder = 0;
  guint i;

  for (i = 0; i < channel->max_readers; i++)
    {
      guint64 cur = 0;

      /* Acquire on success: the slot was cleaned before it was freed. */
      if (__atomic_compare_exchange_n (&h->readers[i].owner, &cur, channel->me, FALSE,
                                       __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
        {
          channel->slot = i;
          return 1;
        }
    }
  for (i = 0; i < channel->max_readers; i++)
    {
      ReaderSlot *slot = &h->readers[i];
      guint64 cur = __atomic_load_n (&slot->owner, __ATOMIC_ACQUIRE);

      if (cur != 0 && (cur & OWNER_LEFT_BIT) == 0 && _shmipc_owner_alive (cur))
        {
          if ((cur & OWNER_RESET_BIT) != 0)
            resetting = TRUE;
          else if (holder == 0)
            holder = OWNER_PID (cur);
          continue;
        }
      /* Dead, departed, or left half-cleaned: clean it under our lock,
       * then take it. (A producer that has not seen this reader go does
       * not count it as lost.) */
      if (!_shmipc_channel_reset_slot (h, i, cur, channel->me, channel->me))
        continue;
      channel->slot = i;
      return 1;
    }
  if (resetting)
    return 0;
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
               "Channel \"%s\": all %u reader slots are in use (the first by process %d)",
               _shmipc_channel_name (channel), channel->max_readers, (int) holder);
  return -1;
}

/* Reader, slot claimed: settles where it starts (see "Joining"). */
static gboolean
settle_start (ShmipcChannel  *channel,
              GError        **error)
{
  ChannelHeader *h = channel->header;
  ReaderSlot *slot = &h->readers[channel->slot];
  guint64 expected = JOINING;
  guint64 start;
  guint64 w;
  guint32 hold;

  /* The claim (a seq_cst compare-and-swap) is a full fence: the loads
   * below come after it. */
  hold = __atomic_load_n (&h->hold, __ATOMIC_SEQ_CST);
  w = __atomic_load_n (&h->write_pos, __ATOMIC_SEQ_CST);
  start = hold ? __atomic_load_n (&h->base, __ATOMIC_RELAXED) : w;
  /* Started at base: we clear hold when first handed bytes (see "Joining"). */
  channel->clear_hold = hold != 0;
  if (!__atomic_compare_exchange_n (&slot->read_pos, &expected, start, FALSE,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    {
      start = expected;   /* the producer settled it first: hold was clear */
      channel->clear_hold = FALSE;
    }
  w = __atomic_load_n (&h->write_pos, __ATOMIC_ACQUIRE);
  if (!check_position (channel, start, w, error))
    return FALSE;
  channel->pos = start;
  channel->peer_pos = w;
  _shmipc_channel_wake_producer (h);
  return TRUE;
}

/* Locks every reader slot that no live reader holds, for a producer
 * resetting the channel. Returns TRUE when all are locked; otherwise
 * unlocks what it locked and sets *busy_out to the owner that stopped it
 * (0 when a slot just changed: retry). */
static gboolean
lock_reader_slots (ShmipcChannel *channel,
                   guint64       *busy_out)
{
  ChannelHeader *h = channel->header;
  guint64 lock = channel->me | OWNER_RESET_BIT;
  guint i;

  *busy_out = 0;
  for (i = 0; i < channel->max_readers; i++)
    {
      guint64 cur = __atomic_load_n (&h->readers[i].owner, __ATOMIC_ACQUIRE);

      if (cur != 0 && (cur & OWNER_LEFT_BIT) == 0 && _shmipc_owner_alive (cur))
        *busy_out = cur;
      else if (__atomic_compare_exchange_n (&h->readers[i].owner, &cur, lock, FALSE,
                                            __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        continue;
      while (i-- > 0)
        __atomic_store_n (&h->readers[i].owner, 0, __ATOMIC_RELEASE);
      return FALSE;
    }
  return TRUE;
}

/* A producer joining a channel that holds a previous stream (finished,
 * aborted, or left by a dead producer): when no reader is reading it,
 * start a new stream after it. Returns 1 done, 0 retry, -1 error. */
static int
producer_take_over (ShmipcChannel  *channel,
                    guint64         prev,
                    GError        **error)
{
  ChannelHeader *h = channel->header;
  guint64 busy;
  guint64 w;
  guint32 state;
  guint i;

  w = __atomic_load_n (&h->write_pos, __ATOMIC_ACQUIRE);
  state = __atomic_load_n (&h->state, __ATOMIC_ACQUIRE);
  channel->pos = w;
  /* The positions we will write against: refuse nonsense now. */
  if (__atomic_load_n (&h->hold, __ATOMIC_ACQUIRE) &&
      !check_position (channel, __atomic_load_n (&h->base, __ATOMIC_RELAXED), w, error))
    return -1;
  for (i = 0; i < channel->max_readers; i++)
    {
      guint64 r = __atomic_load_n (&h->readers[i].read_pos, __ATOMIC_ACQUIRE);

      if (__atomic_load_n (&h->readers[i].owner, __ATOMIC_ACQUIRE) != 0 && r != JOINING &&
          !check_position (channel, r, w, error))
        return -1;
    }
  if (prev == 0 && state == SHMIPC_CHANNEL_STATE_OPEN)
    return 1;   /* a fresh channel, or one readers opened first */

  if (state == SHMIPC_CHANNEL_STATE_END_OF_STREAM && __atomic_load_n (&h->hold, __ATOMIC_ACQUIRE))
    {
      guint64 base = __atomic_load_n (&h->base, __ATOMIC_RELAXED);

      if (w != base)
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_EXISTS,
                       "Channel \"%s\" holds a finished stream (%" G_GUINT64_FORMAT
                       " bytes) that no consumer has read yet",
                       _shmipc_channel_name (channel), w - MIN (base, w));
          return -1;
        }
    }
  /* Lock the reader slots so that no reader attaches half-way through;
   * one arriving now waits for the locks to go. */
  if (!lock_reader_slots (channel, &busy))
    {
      if (busy == 0)
        return 0;
      if ((busy & OWNER_RESET_BIT) != 0)
        return 0;   /* another producer's reset, or a cleaner: soon done */
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                   "Channel \"%s\": the consumer (pid %d) is still reading the previous stream",
                   _shmipc_channel_name (channel), (int) OWNER_PID (busy));
      return -1;
    }
  /* The old bytes are dropped: the new stream starts where the old one
   * ended, so positions keep increasing, and its first reader gets it
   * from there. */
  __atomic_store_n (&h->base, w, __ATOMIC_RELAXED);
  __atomic_store_n (&h->hold, 1, __ATOMIC_RELAXED);
  __atomic_store_n (&h->claim_pos, w, __ATOMIC_RELAXED);
  __atomic_store_n (&h->reader_sleepers, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&h->producer_sleeping, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&h->state, SHMIPC_CHANNEL_STATE_OPEN, __ATOMIC_RELAXED);
  for (i = 0; i < channel->max_readers; i++)
    {
      __atomic_store_n (&h->readers[i].read_pos, JOINING, __ATOMIC_RELAXED);
      __atomic_store_n (&h->readers[i].cut, 0, __ATOMIC_RELAXED);
    }
  /* Release: a reader claiming a slot next sees the stores above. */
  for (i = 0; i < channel->max_readers; i++)
    __atomic_store_n (&h->readers[i].owner, 0, __ATOMIC_RELEASE);
  return 1;
}

/* ----------------------------------------------------------------------
 * Removing a stale channel (shmipc_object_remove_stale())
 * ---------------------------------------------------------------------- */

typedef struct {
  ShmipcChannel *channel;   /* header, me and max_readers only */
  GError **error;
  gboolean ok;
} Reap;

/* "Channel "/x" is not stale: WHY (process PID)". */
static void
busy_error (ShmipcChannel  *channel,
            GError        **error,
            const gchar    *why,
            gint32          pid)
{
  g_autofree gchar *process = pid > 0 ? g_strdup_printf (" (process %d)", (int) pid) : NULL;

  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY, "Channel \"%s\" is not stale: %s%s",
               _shmipc_channel_name (channel), why, process != NULL ? process : "");
}

/* Frees the reader slots we locked, as a free slot is. */
static void
unlock_reader_slots (ChannelHeader *h,
                     guint          max_readers)
{
  guint i;

  for (i = 0; i < max_readers; i++)
    {
      __atomic_store_n (&h->readers[i].read_pos, JOINING, __ATOMIC_RELAXED);
      __atomic_store_n (&h->readers[i].cut, 0, __ATOMIC_RELAXED);
    }
  for (i = 0; i < max_readers; i++)
    __atomic_store_n (&h->readers[i].owner, 0, __ATOMIC_RELEASE);
}

/* Run under a guard. Takes the producer word and locks every reader slot,
 * as a producer taking over a previous stream does: from then on no
 * process attaches, and each end found held by a live process makes the
 * channel busy. Judges the rest (a finished stream that waits for its
 * first reader is not stale), then removes the object. */
static void
reap_header (gpointer data)
{
  Reap *reap = data;
  ShmipcChannel *channel = reap->channel;
  ChannelHeader *h = channel->header;
  ShmipcChannelPolicy policy;
  guint64 capacity;
  guint64 producer;
  guint64 busy;

  if (!_shmipc_channel_validate_header (h, shmipc_segment_get_size (channel->segment),
                                        _shmipc_channel_name (channel), &capacity,
                                        &channel->max_readers, &policy, NULL, reap->error))
    return;
  producer = __atomic_load_n (&h->producer, __ATOMIC_ACQUIRE);
  if (producer != 0 && _shmipc_owner_alive (producer))
    {
      busy_error (channel, reap->error, "its producer runs", OWNER_PID (producer));
      return;
    }
  if (!__atomic_compare_exchange_n (&h->producer, &producer, channel->me, FALSE,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    {
      busy_error (channel, reap->error, "a producer is attaching", OWNER_PID (producer));
      return;
    }
  if (!lock_reader_slots (channel, &busy))
    {
      release_owner (&h->producer, channel->me, producer);
      busy_error (channel, reap->error,
                  busy == 0 || (busy & OWNER_RESET_BIT) != 0 ? "a process is attaching" :
                  "a reader reads it", OWNER_PID (busy));
      return;
    }
  if (__atomic_load_n (&h->state, __ATOMIC_ACQUIRE) == SHMIPC_CHANNEL_STATE_END_OF_STREAM &&
      __atomic_load_n (&h->hold, __ATOMIC_ACQUIRE))
    {
      unlock_reader_slots (h, channel->max_readers);
      release_owner (&h->producer, channel->me, producer);
      busy_error (channel, reap->error, "it holds a finished stream that no reader has read yet", 0);
      return;
    }
  reap->ok = _shmipc_segment_remove_current (channel->segment, reap->error);
  /* A process that opened it just before finds it aborted, or sees it
   * removed and opens the name again (shmipc_channel_open_full()). */
  if (reap->ok)
    {
      __atomic_store_n (&h->state, SHMIPC_CHANNEL_STATE_ABORTED, __ATOMIC_SEQ_CST);
      _shmipc_channel_wake_readers (h);
    }
  unlock_reader_slots (h, channel->max_readers);
  release_owner (&h->producer, channel->me, reap->ok ? 0 : producer);
}

gboolean
_shmipc_channel_remove_stale (ShmipcSegment  *segment,
                              GError        **error)
{
  ShmipcChannel channel = { 0 };
  Reap reap = { &channel, error, FALSE };
  guint64 start = 0;

  if (_shmipc_process_start_time (getpid (), &start) != 0)
    start = 0;
  channel.segment = segment;
  channel.header = shmipc_segment_get_data (segment);
  channel.me = _shmipc_owner_word (getpid (), start);
  return _shmipc_segment_guarded (segment, reap_header, &reap, error) && reap.ok;
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
  if (magic == _shmipc_channel_magic ())
    c->found = FOUND_CHANNEL;
  else if (magic != 0 || !c->fits)
    c->found = -1;
  else if (cur == 0 && !c->claim_unclaimed)
    c->found = FOUND_UNCLAIMED;
  else if (cur != 0 && _shmipc_owner_alive (cur))
    c->found = FOUND_WAIT;
  else if (__atomic_compare_exchange_n (&h->initialiser, &cur, c->me, FALSE,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    /* A dead claimer may have published the header and died after our
     * load of the magic (tests/model/create.pml found it): look again,
     * or we would write over a channel in use. */
    c->found = __atomic_load_n (&h->magic, __ATOMIC_ACQUIRE) == _shmipc_channel_magic () ?
               FOUND_CHANNEL : FOUND_CLAIMED;
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

/* Spinning pays only when the other side can run on another CPU at the
 * same time: never on a machine with one CPU online, nor under a cgroup
 * CPU quota of less than two CPUs (a container's "--cpus=1": two
 * processes running at once use up the quota twice as fast). */
static gboolean
spin_allowed (void)
{
  gdouble quota;

  if (sysconf (_SC_NPROCESSORS_ONLN) < 2)
    return FALSE;
  quota = _shmipc_process_cpu_quota ();
  return quota == 0 || quota >= 2;
}

/* TRUE when this process may run on one CPU only (taskset, a cpuset). */
static gboolean
one_cpu_only (void)
{
#ifdef CPU_COUNT
  cpu_set_t set;

  if (sched_getaffinity (0, sizeof set, &set) == 0 && CPU_COUNT (&set) < 2)
    return TRUE;
#endif
  return FALSE;
}

/* Claims our place: the producer word (taking over a previous stream),
 * or a reader slot and a start position. Returns 1 done, 0 retry, -1
 * error. */
static int
claim_place (ShmipcChannel  *channel,
             GError        **error)
{
  guint64 prev = 0;
  int done;

  if (channel->role == SHMIPC_CHANNEL_CONSUMER)
    {
      done = claim_reader_slot (channel, error);
      if (done <= 0)
        return done;
      if (!settle_start (channel, error))
        {
          ReaderSlot *slot = &channel->header->readers[channel->slot];

          /* Free again, as a free slot is: position JOINING. */
          __atomic_store_n (&slot->read_pos, JOINING, __ATOMIC_RELAXED);
          release_owner (&slot->owner, channel->me, 0);
          return -1;
        }
      return 1;
    }
  if (claim_producer (channel, &prev, error) < 0)
    return -1;
  done = producer_take_over (channel, prev, error);
  /* Otherwise give the word back as it was, so that a reader waiting on
   * a dead producer still sees it dead. */
  if (done <= 0)
    release_owner (&channel->header->producer, channel->me, prev);
  return done;
}

/* Enters the object into our page tables at once, best effort. A
 * stream goes through every page of the ring, and taking them one fault
 * at a time costs one exception per 4 KiB page at each end: some 10 µs
 * each in a virtual machine, 20 ms for a new 4 MiB channel on a 2-vCPU
 * guest (see bench/README.md), against about 1 ms for this one system
 * call. The producer asks for write access, which it needs; readers
 * only read the ring. Kernels before 5.14 refuse (EINVAL): the pages
 * then come one fault at a time, as before. A truncated object makes
 * madvise() fail (EFAULT) rather than raise SIGBUS; the accesses that
 * follow report it as usual. At most the first PREFAULT_MAX bytes: the
 * call takes about 0.2 ms per MiB there (a second for a 1 GiB ring),
 * before the first byte moves, however short the stream. */
#define PREFAULT_MAX (64 * 1024 * 1024)

static void
prefault (ShmipcChannel *channel,
          gsize          size)
{
#if defined (MADV_POPULATE_WRITE) && defined (MADV_POPULATE_READ)
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  guintptr start = (guintptr) channel->header & ~(guintptr) (page - 1);
  gsize length = MIN (size + ((guintptr) channel->header - start), PREFAULT_MAX);

  (void) madvise ((void *) start, length,
                  channel->role == SHMIPC_CHANNEL_PRODUCER ? MADV_POPULATE_WRITE : MADV_POPULATE_READ);
#else
  (void) channel;
  (void) size;
#endif
}

/* The part of shmipc_channel_open() that works on the header: initialise
 * a new one, or validate an existing one, and claim our place. On error
 * the caller frees the channel (what we claimed is given back here). */
static gboolean
channel_attach (ShmipcChannel  *channel,
                gboolean        initialise,
                gint64          deadline,
                GError        **error)
{
  ChannelHeader *h = channel->header;
  gsize size = shmipc_segment_get_size (channel->segment);
  guint i;

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
      h->max_readers = channel->max_readers;
      h->policy = channel->policy;
      h->drop_grace_ms = channel->drop_grace_ms;
      h->write_pos = 0;
      h->claim_pos = 0;
      h->readers_wake = 0;
      h->producer_sleeping = 0;
      h->producer_cpu = 0;
      h->producer_wake = 0;
      h->reader_sleepers = 0;
      h->state = SHMIPC_CHANNEL_STATE_OPEN;
      h->hold = 1;
      h->base = 0;
      h->producer = 0;
      h->departures = 0;
      for (i = 0; i < SHMIPC_CHANNEL_MAX_READERS; i++)
        {
          h->readers[i].owner = 0;
          h->readers[i].read_pos = JOINING;
          h->readers[i].cut = 0;
          h->readers[i].cpu = 0;
        }
      /* Release: everything above is visible before the magic is. */
      __atomic_store_n (&h->magic, _shmipc_channel_magic (), __ATOMIC_RELEASE);
    }

  if (!_shmipc_channel_validate_header (h, size, _shmipc_channel_name (channel), &channel->capacity,
                                        &channel->max_readers, &channel->policy,
                                        &channel->drop_grace_ms, error))
    return FALSE;
  channel->ring = (guint8 *) h + SHMIPC_CHANNEL_HEADER_SIZE;
  prefault (channel, size);

  for (;;)
    {
      int done = claim_place (channel, error);

      if (done < 0)
        return FALSE;
      if (done > 0)
        return TRUE;
      if (g_get_monotonic_time () >= deadline)
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                       "Channel \"%s\": being reset by another process",
                       _shmipc_channel_name (channel));
          return FALSE;
        }
      g_usleep (1000);
    }
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

static void
note_cpu_call (gpointer data)
{
  _shmipc_channel_note_cpu (data);
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
 * shmipc_channel_open_full:
 * @name: the channel object's name; "name" and "/name" are the same
 * @role: %SHMIPC_CHANNEL_PRODUCER or %SHMIPC_CHANNEL_CONSUMER
 * @capacity: ring size in bytes for a new channel, between
 *   %SHMIPC_CHANNEL_MIN_CAPACITY and %SHMIPC_CHANNEL_MAX_CAPACITY (any
 *   size, not only powers of two); 0 for %SHMIPC_CHANNEL_DEFAULT_CAPACITY.
 *   An existing channel keeps its own capacity.
 * @mode: permission bits of a new object (%SHMIPC_DEFAULT_MODE when you
 *   have no preference)
 * @backend: the backend, as for shmipc_segment_open()
 * @max_readers: the most readers a new channel takes at once, 1 to
 *   %SHMIPC_CHANNEL_MAX_READERS; 0 for %SHMIPC_CHANNEL_DEFAULT_READERS.
 *   An existing channel keeps its own.
 * @policy: what the producer of a new channel does about a slow reader.
 *   An existing channel keeps its own (see shmipc_channel_get_policy()).
 * @drop_grace_ms: with %SHMIPC_CHANNEL_POLICY_DROP, how long in
 *   milliseconds a reader may keep the producer of a new channel waiting
 *   (without making room) before the producer cuts it off: -1 for
 *   %SHMIPC_CHANNEL_DEFAULT_DROP_GRACE_MS, 0 to cut at the first moment
 *   the ring is full. Ignored with the `wait` policy. An existing channel
 *   keeps its own (see shmipc_channel_get_drop_grace()).
 * @flags: %SHMIPC_CHANNEL_OPEN_FORCE to join a channel another user owns,
 *   or %SHMIPC_CHANNEL_OPEN_NONE
 * @error: return location for a #GError, or %NULL
 *
 * Opens one end of a channel: the producer, or one more reader
 * (%SHMIPC_CHANNEL_CONSUMER). Any of them may come first: the first
 * creates the object (%SHMIPC_CHANNEL_HEADER_SIZE + @capacity bytes) and
 * publishes its header atomically, the others attach; none waits for
 * the others here (reads and writes do, and
 * shmipc_channel_wait_readers()).
 *
 * Where a reader starts: the first reader to come to a stream reads it
 * from its first byte (the producer keeps the bytes for it, as long as
 * the ring holds them); a reader that comes later starts at the
 * producer's position then, and reads an exact suffix of the stream.
 *
 * An object holding only zeros, or an empty POSIX object, is a channel
 * whose creator was killed before it published the header: the opener
 * writes the header itself, over the whole object, at once when the
 * creator is known dead, otherwise after at most two seconds. It waits up to four
 * seconds for a header another live process is writing, then fails with
 * %SHMIPC_ERROR_CORRUPT.
 *
 * Another user's channel (its object belongs to another uid than the
 * caller's effective uid, root included) is refused with
 * %SHMIPC_ERROR_NOT_OWNER before anything in it changes, unless @flags
 * has %SHMIPC_CHANNEL_OPEN_FORCE: a name another local user created in
 * advance would otherwise capture what a privileged producer writes, or
 * feed a privileged reader (see "Security" in shmipc(7)).
 *
 * Errors: %SHMIPC_ERROR_BUSY when a live process is the producer, or
 * every reader slot is held by a live reader (the message names the
 * pid; a place held by a process that has died is taken over);
 * %SHMIPC_ERROR_INVALID_ARGUMENT for a capacity, reader limit or grace
 * out of range; %SHMIPC_ERROR_NOT_OWNER for another user's channel;
 * %SHMIPC_ERROR_CORRUPT when the object is not a channel, has an unknown
 * version, or a header inconsistent with its size; %SHMIPC_ERROR_EXISTS
 * when a producer finds a finished stream no consumer has read yet. A
 * producer joining a channel left by a dead or finished producer, with no
 * live reader, starts a new stream in it; with a live reader still
 * reading the old stream it gets %SHMIPC_ERROR_BUSY. A channel of
 * shmipc 0.1 (header version 1) is refused with %SHMIPC_ERROR_CORRUPT.
 *
 * Removal: the channel object outlives the handles. By convention the
 * last reader removes it with shmipc_channel_unlink() once it has read
 * the end of the stream or failed (shmipc_channel_leave() tells it that
 * it is the last), and the producer removes it when the stream fails or
 * is aborted (removing an already removed channel is harmless: ignore
 * %SHMIPC_ERROR_NOT_FOUND).
 *
 * Returns: (transfer full): a new #ShmipcChannel, or %NULL on error.
 *
 * Since: 0.2
 */
ShmipcChannel *
shmipc_channel_open_full (const gchar         *name,
                          ShmipcChannelRole    role,
                          gsize                capacity,
                          guint                mode,
                          ShmipcBackend        backend,
                          guint                max_readers,
                          ShmipcChannelPolicy  policy,
                          gint                 drop_grace_ms,
                          ShmipcChannelOpenFlags flags,
                          GError             **error)
{
  g_autoptr(ShmipcSegment) segment = NULL;
  ShmipcOpenFlags open_flags = SHMIPC_OPEN_CREATE;
  ShmipcChannel *channel;
  gboolean initialise = FALSE;
  guint64 start = 0;
  guint64 me;
  gint64 take_over_at;
  gint64 deadline;
  guint reopen = 16;

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
  if (max_readers == 0)
    max_readers = SHMIPC_CHANNEL_DEFAULT_READERS;
  if (max_readers > SHMIPC_CHANNEL_MAX_READERS)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Cannot open channel \"%s\": a channel takes 1 to %u readers, not %u",
                   name, (guint) SHMIPC_CHANNEL_MAX_READERS, max_readers);
      return NULL;
    }
  if (policy != SHMIPC_CHANNEL_POLICY_WAIT && policy != SHMIPC_CHANNEL_POLICY_DROP)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Cannot open channel \"%s\": unknown policy %d", name, (int) policy);
      return NULL;
    }
  if (drop_grace_ms < -1)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Cannot open channel \"%s\": invalid grace %d ms (-1 for the default, "
                   "0 or more)", name, drop_grace_ms);
      return NULL;
    }
  if (drop_grace_ms < 0)
    drop_grace_ms = SHMIPC_CHANNEL_DEFAULT_DROP_GRACE_MS;
  if (_shmipc_process_start_time (getpid (), &start) != 0)
    start = 0;

  me = _shmipc_owner_word (getpid (), start);
again:
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
      /* Before we read or change a byte of it. */
      if (!created && !(flags & SHMIPC_CHANNEL_OPEN_FORCE) &&
          !_shmipc_segment_check_owner (segment, error))
        return NULL;
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
  channel->ref_count = 1;
  channel->role = role;
  channel->me = me;
  channel->max_readers = max_readers;
  channel->policy = policy;
  channel->drop_grace_ms = policy == SHMIPC_CHANNEL_POLICY_DROP ? (guint) drop_grace_ms : 0;
  channel->spin_ns = spin_allowed () ? SPIN_NS : 0;
  channel->one_cpu = one_cpu_only ();
  channel->slowest = -1;
  channel->segment = g_steal_pointer (&segment);
  channel->header = shmipc_segment_get_data (channel->segment);
  if (!attach_guarded (channel, initialise, deadline, error))
    {
      shmipc_segment_free (channel->segment);
      g_free (channel);
      return NULL;
    }
  /* Removed while we attached (shmdump --reap of a stale channel, or the
   * last reader of a finished stream): whoever opens the name from now on
   * gets another object. Leave this one and open the name again. */
  if (!_shmipc_segment_is_current (channel->segment) && reopen-- > 0)
    {
      shmipc_channel_free (channel);
      goto again;
    }
  /* Where we run, for the other side's choice of how to wait. */
  if (channel->segment->broken == NULL)
    _shmipc_segment_guarded (channel->segment, note_cpu_call, channel, NULL);
  /* Under the drop policy a reader checks its copy before handing it on:
   * shmipc_channel_receive_fd() copies through this buffer. */
  if (role == SHMIPC_CHANNEL_CONSUMER && channel->policy == SHMIPC_CHANNEL_POLICY_DROP)
    channel->bounce = g_malloc (_shmipc_channel_io_chunk (channel));
  return channel;
}

/**
 * shmipc_channel_open:
 * @name: the channel object's name; "name" and "/name" are the same
 * @role: %SHMIPC_CHANNEL_PRODUCER or %SHMIPC_CHANNEL_CONSUMER
 * @capacity: ring size in bytes for a new channel; 0 for
 *   %SHMIPC_CHANNEL_DEFAULT_CAPACITY
 * @mode: permission bits of a new object (%SHMIPC_DEFAULT_MODE when you
 *   have no preference)
 * @backend: the backend, as for shmipc_segment_open()
 * @error: return location for a #GError, or %NULL
 *
 * shmipc_channel_open_full() with the defaults of a new channel:
 * %SHMIPC_CHANNEL_DEFAULT_READERS readers and the lossless
 * %SHMIPC_CHANNEL_POLICY_WAIT policy; another user's channel is refused
 * (%SHMIPC_ERROR_NOT_OWNER). With one producer and one reader this is a
 * single-producer single-consumer stream.
 *
 * Returns: (transfer full): a new #ShmipcChannel, or %NULL on error.
 *
 * Since: 0.2
 */
ShmipcChannel *
shmipc_channel_open (const gchar        *name,
                     ShmipcChannelRole   role,
                     gsize               capacity,
                     guint               mode,
                     ShmipcBackend       backend,
                     GError            **error)
{
  return shmipc_channel_open_full (name, role, capacity, mode, backend, 0,
                                   SHMIPC_CHANNEL_POLICY_WAIT, -1, SHMIPC_CHANNEL_OPEN_NONE,
                                   error);
}

typedef struct {
  ShmipcChannel *channel;
  gboolean last;
} Leave;

/* What leaving does to the header (run under a guard). A producer that
 * did not end the stream aborts it. A reader frees its slot, or, when it
 * leaves before the end of the stream (and was not cut off), marks it
 * left for the producer to count as lost; then it looks whether another
 * reader is still attached. */
static void
leave_header (gpointer data)
{
  Leave *leave = data;
  ShmipcChannel *channel = leave->channel;
  ChannelHeader *h = channel->header;
  guint i;

  if (channel->role == SHMIPC_CHANNEL_PRODUCER)
    {
      if (!channel->finished)
        {
          guint32 expected = SHMIPC_CHANNEL_STATE_OPEN;

          if (__atomic_compare_exchange_n (&h->state, &expected,
                                           SHMIPC_CHANNEL_STATE_ABORTED, FALSE,
                                           __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            _shmipc_channel_wake_readers (h);
        }
      release_owner (&h->producer, channel->me, 0);
    }
  else
    {
      ReaderSlot *slot = &h->readers[channel->slot];

      if (!channel->finished && !channel->overrun)
        {
          release_owner (&slot->owner, channel->me, channel->me | OWNER_LEFT_BIT);
          /* Release: the producer's next look sees the mark. */
          __atomic_fetch_add (&h->departures, 1, __ATOMIC_RELEASE);
        }
      else
        /* Done: hand the slot back clean. */
        _shmipc_channel_reset_slot (h, channel->slot, channel->me, channel->me, 0);
      _shmipc_channel_wake_producer (h);
    }

  /* Dekker between readers leaving together: each stored its slot, then
   * fenced (above), then loads the others', so at least one of them sees
   * no other and removes the channel. */
  leave->last = TRUE;
  for (i = 0; i < channel->max_readers; i++)
    {
      guint64 owner = __atomic_load_n (&h->readers[i].owner, __ATOMIC_ACQUIRE);

      if (owner != 0 && (owner & OWNER_FLAGS) == 0 &&
          (channel->role == SHMIPC_CHANNEL_PRODUCER || i != channel->slot) &&
          _shmipc_owner_alive (owner))
        leave->last = FALSE;
    }
}

static gboolean
channel_leave (ShmipcChannel *channel)
{
  Leave leave = { channel, TRUE };

  if (channel->left)
    return FALSE;
  channel->left = TRUE;
  /* A truncated object is only unmapped. */
  if (channel->segment->broken != NULL)
    return FALSE;
  return _shmipc_segment_guarded (channel->segment, leave_header, &leave, NULL) && leave.last;
}

/**
 * shmipc_channel_leave:
 * @channel: a #ShmipcChannel
 *
 * Leaves the channel now, as dropping the last reference would, and
 * tells whether this was its last reader. A producer that has not called
 * shmipc_channel_close_write() aborts the stream. A reader gives its slot
 * back; a reader that has not read the end of the stream (and was not
 * cut off under the `drop` policy) is lost for the producer, which goes
 * on for the other readers. Afterwards @channel can only be freed,
 * unlinked or asked about; reads and writes fail with
 * %SHMIPC_ERROR_INVALID_ARGUMENT.
 *
 * Returns: %TRUE when no other live reader is attached any more: a
 * reader that gets %TRUE removes the channel by convention (see
 * shmipc_channel_open_full()). Of several readers leaving at the same
 * time, at least one gets %TRUE. %FALSE when @channel had already left.
 *
 * Since: 0.2
 */
gboolean
shmipc_channel_leave (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, FALSE);
  return channel_leave (channel);
}

G_DEFINE_BOXED_TYPE (ShmipcChannel, shmipc_channel, shmipc_channel_ref, shmipc_channel_unref)

/**
 * shmipc_channel_ref:
 * @channel: a #ShmipcChannel
 *
 * Takes a reference on @channel: it stays open until every reference is
 * dropped with shmipc_channel_unref() (or shmipc_channel_free()).
 *
 * Returns: (transfer full): @channel
 *
 * Since: 0.2
 */
ShmipcChannel *
shmipc_channel_ref (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, NULL);
  g_atomic_int_inc (&channel->ref_count);
  return channel;
}

/**
 * shmipc_channel_unref:
 * @channel: (nullable) (transfer full): a #ShmipcChannel
 *
 * Drops a reference on @channel; the last one leaves the channel (see
 * shmipc_channel_leave()) and unmaps it. A producer that has not called
 * shmipc_channel_close_write() aborts the stream, so that the readers
 * fail at once rather than waiting; a reader that has not read the end
 * of the stream is lost for the producer. The object itself stays (see
 * shmipc_channel_unlink()).
 *
 * Since: 0.2
 */
void
shmipc_channel_unref (ShmipcChannel *channel)
{
  if (channel == NULL || !g_atomic_int_dec_and_test (&channel->ref_count))
    return;

  channel_leave (channel);
  shmipc_segment_unref (channel->segment);
  if (channel->lost != NULL)
    g_array_unref (channel->lost);
  if (channel->cut != NULL)
    g_array_unref (channel->cut);
  g_free (channel->bounce);
  g_free (channel);
}

/**
 * shmipc_channel_free:
 * @channel: (nullable) (transfer full): a #ShmipcChannel
 *
 * The same as shmipc_channel_unref(): for the usual case of a single
 * owner, leaves the channel and unmaps it.
 *
 * Since: 0.2
 */
void
shmipc_channel_free (ShmipcChannel *channel)
{
  shmipc_channel_unref (channel);
}
