/* shmipc-channel.c - a channel's data path: waiting, writing and reading the ring
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
#include <time.h>
#include <unistd.h>

#include "shmipc-channel-private.h"

/* Dekker, the waker's half: our store (a position or the state) must be
 * globally visible before we read the sleepers' flags, and a sleeper
 * fences between announcing itself and re-reading our store; so either
 * it sees our store, or we see its flag and wake it. */
void
_shmipc_channel_wake_readers (ChannelHeader *h)
{
  full_fence ();
  if (__atomic_load_n (&h->reader_sleepers, __ATOMIC_RELAXED) != 0)
    _shmipc_futex_wake (&h->readers_wake);
}

void
_shmipc_channel_wake_producer (ChannelHeader *h)
{
  full_fence ();
  if (__atomic_load_n (&h->producer_sleeping, __ATOMIC_RELAXED) != 0)
    _shmipc_futex_wake (&h->producer_wake);
}

/* After publishing a position or a state: wake the other side if it sleeps. */
void
_shmipc_channel_wake_peer (ShmipcChannel *channel)
{
  if (channel->role == SHMIPC_CHANNEL_PRODUCER)
    _shmipc_channel_wake_readers (channel->header);
  else
    _shmipc_channel_wake_producer (channel->header);
}

const gchar *
_shmipc_channel_name (ShmipcChannel *channel)
{
  return shmipc_segment_get_name (channel->segment);
}

const gchar *
_shmipc_channel_peer_role_name (ShmipcChannel *channel)
{
  return channel->role == SHMIPC_CHANNEL_PRODUCER ? "consumer" : "producer";
}

void
_shmipc_channel_set_aborted_error (ShmipcChannel  *channel,
                                   GError        **error)
{
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_FAILED,
               "Channel \"%s\": the stream was aborted", _shmipc_channel_name (channel));
}

/* Loads the state word; FALSE (with @error) when the stream was aborted
 * or the word holds nonsense. */
gboolean
_shmipc_channel_check_state (ShmipcChannel       *channel,
                             ShmipcChannelState  *state_out,
                             GError             **error)
{
  guint32 state;

  if (__atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE))
    {
      _shmipc_channel_set_aborted_error (channel, error);
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
                   _shmipc_channel_name (channel),
                   channel->role == SHMIPC_CHANNEL_PRODUCER ? "consumer" : "producer");
      return FALSE;
    default:
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (state %u)",
                   _shmipc_channel_name (channel), state);
      return FALSE;
    }
}

/* @ahead: how far the producer is known to be, the end of its claim
 * included; the reader lost every byte from its position up to @ahead
 * minus the capacity. */
static void
set_overrun_error (ShmipcChannel  *channel,
                   guint64         ahead,
                   GError        **error)
{
  channel->overrun = TRUE;
  channel->peer_pos = MAX (channel->peer_pos, ahead);
  if (channel->drop_grace_ms > 0)
    g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_OVERRUN,
                 "Channel \"%s\": cut off by the producer after keeping it waiting for more "
                 "than %.10g s, %" G_GUINT64_FORMAT " bytes behind (overrun)",
                 _shmipc_channel_name (channel), channel->drop_grace_ms / 1000.0,
                 channel->peer_pos - channel->pos);
  else
    g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_OVERRUN,
                 "Channel \"%s\": fell %" G_GUINT64_FORMAT " bytes behind the producer (overrun)",
                 _shmipc_channel_name (channel), channel->peer_pos - channel->pos);
}

/* Reader, drop policy: were we cut off, or has the producer claimed the
 * room of the byte at @pos (so that it, and what follows it in our copy,
 * may be torn)? Sets *claim_out to the claim. The caller has loaded the
 * bytes it checks before calling. */
static gboolean
overwritten (ShmipcChannel *channel,
             guint64        pos,
             guint64       *claim_out)
{
  guint64 claim;

  *claim_out = 0;
  if (channel->policy != SHMIPC_CHANNEL_POLICY_DROP)
    return FALSE;
  /* The seqlock's reader: the copy's loads come before the load of the
   * claim; the producer stored the claim (and fenced) before it wrote. */
  __atomic_thread_fence (__ATOMIC_ACQUIRE);
  claim = __atomic_load_n (&channel->header->claim_pos, __ATOMIC_RELAXED);
  *claim_out = claim;
  /* Cut: the producer counts us as cut off (see "Drop"), so we fail even
   * if we moved on just as it decided. */
  return claim > pos + channel->capacity ||
         __atomic_load_n (&channel->header->readers[channel->slot].cut, __ATOMIC_RELAXED) != 0;
}

/* Reader: is there data (READY), the end of the stream (END), or
 * nothing yet (WAIT)? */
static int
reader_poll (ShmipcChannel  *channel,
             GError        **error)
{
  ChannelHeader *h = channel->header;
  ShmipcChannelState state;
  guint64 claim;
  guint64 w;
  int pass;

  for (pass = 0; pass < 2; pass++)
    {
      /* Acquire: the bytes below the producer's position were written
       * before it stored the position (release). */
      w = __atomic_load_n (&h->write_pos, __ATOMIC_ACQUIRE);
      if (w < channel->pos ||
          (w - channel->pos > channel->capacity && channel->policy == SHMIPC_CHANNEL_POLICY_WAIT))
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                       "Channel \"%s\": corrupt header (write position %" G_GUINT64_FORMAT
                       ", read position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT ")",
                       _shmipc_channel_name (channel), w, channel->pos, channel->capacity);
          return POLL_ERROR;
        }
      if (overwritten (channel, channel->pos, &claim) || w - channel->pos > channel->capacity)
        {
          set_overrun_error (channel, MAX (w, claim), error);
          return POLL_ERROR;
        }
      channel->peer_pos = w;
      if (w != channel->pos)
        {
          /* The first bytes handed to us of a stream we started at base:
           * from now on the stream has a first reader (see "Joining"). */
          if (G_UNLIKELY (channel->clear_hold))
            {
              guint32 one = 1;

              channel->clear_hold = FALSE;
              __atomic_compare_exchange_n (&h->hold, &one, 0, FALSE,
                                           __ATOMIC_RELEASE, __ATOMIC_RELAXED);
            }
          return POLL_READY;
        }
      if (!_shmipc_channel_check_state (channel, &state, error))
        return POLL_ERROR;
      if (state == SHMIPC_CHANNEL_STATE_OPEN)
        return POLL_WAIT;
      /* End of stream: look at the position once more, since the state
       * was loaded after it; the producer stored its last position
       * before the state. */
    }
  return POLL_END;
}

static void
add_lost (ShmipcChannel *channel,
          guint64        owner)
{
  gint32 pid = OWNER_PID (owner);

  if (channel->lost == NULL)
    channel->lost = g_array_new (FALSE, FALSE, sizeof (gint32));
  g_array_append_val (channel->lost, pid);
}

/* Producer, drop policy: cuts off the reader in slot @i (owner word
 * @owner, at @position): sets its cut flag, which the reader finds at
 * its next look, and records it once for shmipc_channel_get_cut_reader(). */
static void
cut_reader (ShmipcChannel *channel,
            guint          i,
            guint64        owner,
            guint64        position)
{
  ShmipcChannelReaderInfo reader = { 0 };
  guint k;

  __atomic_store_n (&channel->header->readers[i].cut, 1, __ATOMIC_RELAXED);
  if (channel->cut == NULL)
    channel->cut = g_array_new (FALSE, FALSE, sizeof (ShmipcChannelReaderInfo));
  for (k = 0; k < channel->cut->len; k++)
    {
      const ShmipcChannelReaderInfo *known = &g_array_index (channel->cut, ShmipcChannelReaderInfo, k);

      if (known->slot == i && known->pid == OWNER_PID (owner))
        return;
    }
  reader.slot = i;
  reader.pid = OWNER_PID (owner);
  reader.alive = TRUE;
  reader.state = SHMIPC_CHANNEL_READER_OVERRUN;
  reader.position = position;
  reader.lag = channel->pos - MIN (position, channel->pos);
  g_array_append_val (channel->cut, reader);
}

/* Puts reader slot @i back as a free slot has it, under a lock: when its
 * owner word is still @owner, locks it with @locker | OWNER_RESET_BIT,
 * clears its position (JOINING), cut flag and sleeper bit, then stores
 * @final (0 frees it; a joining reader's own word takes it). Sequentially
 * consistent, so that a claim made this way is the full fence "Joining"
 * relies on. FALSE when someone else changed the slot first. */
gboolean
_shmipc_channel_reset_slot (ChannelHeader *h,
                            guint          i,
                            guint64        owner,
                            guint64        locker,
                            guint64        final)
{
  ReaderSlot *slot = &h->readers[i];

  if (!__atomic_compare_exchange_n (&slot->owner, &owner, locker | OWNER_RESET_BIT,
                                    FALSE, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
    return FALSE;
  __atomic_store_n (&slot->read_pos, JOINING, __ATOMIC_RELAXED);
  __atomic_store_n (&slot->cut, 0, __ATOMIC_RELAXED);
  __atomic_store_n (&slot->cpu, 0, __ATOMIC_RELAXED);
  __atomic_fetch_and (&h->reader_sleepers, ~(1u << i), __ATOMIC_RELAXED);
  __atomic_store_n (&slot->owner, final, __ATOMIC_SEQ_CST);
  return TRUE;
}

/* Frees slot @i of a dead or departed reader whose owner word we loaded
 * as @owner. */
static gboolean
clean_slot (ShmipcChannel *channel,
            guint          i,
            guint64        owner)
{
  return _shmipc_channel_reset_slot (channel->header, i, owner, channel->me, 0);
}

void
_shmipc_channel_set_lost_error (ShmipcChannel  *channel,
                                GError        **error)
{
  gint32 pid = channel->lost != NULL && channel->lost->len > 0 ?
               g_array_index (channel->lost, gint32, channel->lost->len - 1) : 0;

  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_PEER_DIED,
               "Channel \"%s\": the last consumer (pid %d) %s",
               _shmipc_channel_name (channel), (int) pid,
               _shmipc_process_alive (pid) ? "left before the end of the stream" : "died");
}

/* Producer: looks at every reader slot. Settles the start of joining
 * readers, detaches readers that left (and, with @check_alive, readers
 * that died: that reads /proc, so only off the fast path), and sets
 * channel->peer_pos to the position below which the producer may not
 * write a byte + capacity: the slowest attached reader's (readers cut
 * off under the drop policy excepted), base while no reader has been
 * handed a byte, or our own position when no reader holds us back. Under
 * the drop policy, with @need_room (the producer waits for room), it also
 * cuts off the readers that have held the ring full for the whole grace
 * (see "Drop"). *n_attached_out counts the readers attached. FALSE with
 * @error on a corrupt slot, or when readers took the stream and every one
 * of them is gone. */
static gboolean
scan_readers (ShmipcChannel  *channel,
              gboolean        check_alive,
              gboolean        need_room,
              guint          *n_attached_out,
              GError        **error)
{
  ChannelHeader *h = channel->header;
  gboolean drop = channel->policy == SHMIPC_CHANNEL_POLICY_DROP;
  gint64 grace_us = (gint64) channel->drop_grace_ms * 1000;
  guint64 min = channel->pos;
  guint64 claim = 0;
  guint n_attached = 0;
  gint slowest = -1;
  gboolean holding;
  gboolean cut_now = FALSE;
  gint64 now = 0;
  guint i;

  /* Dekker with a joining reader (see "Joining"): our last position
   * store comes before the loads of the slots, as every store of it is
   * followed by the full fence of _shmipc_channel_wake_readers(). */
  if (drop)
    claim = __atomic_load_n (&h->claim_pos, __ATOMIC_RELAXED);
  channel->grace_end = 0;
  /* Before the slots: a departure after this load makes the next poll
   * scan again. */
  channel->departures = __atomic_load_n (&h->departures, __ATOMIC_ACQUIRE);
  /* Once, before the slots (acquire): the first reader settles its
   * start at base before it clears hold. So either hold is set here and
   * base bounds us, or we see that reader's position. Loaded a second
   * time below, a reader could settle and clear hold between the two
   * loads and bound us neither way (tests/model found it). */
  holding = __atomic_load_n (&h->hold, __ATOMIC_ACQUIRE) != 0;
  for (i = 0; i < channel->max_readers; i++)
    {
      ReaderSlot *slot = &h->readers[i];
      guint64 owner = __atomic_load_n (&slot->owner, __ATOMIC_ACQUIRE);
      /* Forgotten unless this scan finds the same reader holding again. */
      gint64 since = channel->holders[i].owner == owner ? channel->holders[i].since : 0;
      guint64 r;

      channel->holders[i].since = 0;
      if (owner == 0)
        continue;
      if ((owner & OWNER_LEFT_BIT) != 0 ||
          (check_alive && !_shmipc_owner_alive (owner)))
        {
          gboolean was_cut = __atomic_load_n (&slot->cut, __ATOMIC_RELAXED) != 0;
          /* While hold is set no reader has read a byte of the stream:
           * one that goes now lost nothing, and never was its first
           * reader (see "Joining"). */
          gboolean read_nothing = holding;

          if ((owner & OWNER_RESET_BIT) == 0 && clean_slot (channel, i, owner) &&
              !was_cut && !read_nothing)
            add_lost (channel, owner);
          else if ((owner & OWNER_RESET_BIT) != 0)
            clean_slot (channel, i, owner);   /* a cleaner died half-way */
          continue;
        }
      if ((owner & OWNER_RESET_BIT) != 0)
        continue;   /* being cleaned by a live process: no reader */
      n_attached++;
      r = __atomic_load_n (&slot->read_pos, __ATOMIC_ACQUIRE);
      if (r == JOINING)
        {
          /* While hold is set the reader takes base, which the check
           * below covers; otherwise it starts where we are. */
          if (holding)
            continue;
          if (__atomic_compare_exchange_n (&slot->read_pos, &r, channel->pos, FALSE,
                                           __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            r = channel->pos;
        }
      if (r > channel->pos ||
          (channel->pos - r > channel->capacity && channel->policy == SHMIPC_CHANNEL_POLICY_WAIT))
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                       "Channel \"%s\": corrupt header (reader %u at %" G_GUINT64_FORMAT
                       ", write position %" G_GUINT64_FORMAT ", capacity %" G_GUINT64_FORMAT ")",
                       _shmipc_channel_name (channel), i, r, channel->pos, channel->capacity);
          return FALSE;
        }
      if (drop &&
          (claim > r + channel->capacity || channel->pos - r > channel->capacity ||
           __atomic_load_n (&slot->cut, __ATOMIC_RELAXED) != 0))
        {
          cut_reader (channel, i, owner, r);
          continue;
        }
      /* Holding the ring full, when we need room: for how long (see
       * "Drop")? (At the end of the stream nobody needs cutting off.) */
      if (drop && need_room && channel->pos - r == channel->capacity)
        {
          if (now == 0)
            now = g_get_monotonic_time ();
          if (since == 0)
            since = now;
          if (now - since >= grace_us)
            {
              cut_reader (channel, i, owner, r);
              cut_now = TRUE;
              continue;
            }
          channel->holders[i].owner = owner;
          channel->holders[i].since = since;
          if (channel->grace_end == 0 || since + grace_us < channel->grace_end)
            channel->grace_end = since + grace_us;
        }
      if (r < min || slowest < 0)
        slowest = (gint) i;
      min = MIN (min, r);
    }
  channel->slowest = slowest;
  if (holding)
    {
      guint64 base = __atomic_load_n (&h->base, __ATOMIC_RELAXED);

      if (base > channel->pos || channel->pos - base > channel->capacity)
        {
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                       "Channel \"%s\": corrupt header (base %" G_GUINT64_FORMAT
                       ", write position %" G_GUINT64_FORMAT ")",
                       _shmipc_channel_name (channel), base, channel->pos);
          return FALSE;
        }
      /* Still, for this scan, after a cut below: a reader we skipped
       * joining takes base. */
      min = MIN (min, base);
    }
  if (cut_now)
    {
      guint32 one = 1;

      /* A reader cut while hold is set never read a byte: the stream goes
       * on without it (from the next scan). */
      if (holding)
        __atomic_compare_exchange_n (&h->hold, &one, 0, FALSE, __ATOMIC_RELEASE,
                                     __ATOMIC_RELAXED);
      /* The seqlock's writer: the cut flags, and the claim of the room
       * gained, are visible before any byte we write into it. */
      __atomic_store_n (&h->claim_pos, MAX (claim, min + channel->capacity), __ATOMIC_RELAXED);
      __atomic_thread_fence (__ATOMIC_RELEASE);
    }
  /* Every reader that came is gone (even one that died joining, before
   * it took the stream from the producer's hold). */
  if (n_attached == 0 && channel->lost != NULL && channel->lost->len > 0)
    {
      _shmipc_channel_set_lost_error (channel, error);
      return FALSE;
    }
  channel->peer_pos = min;
  channel->scanned = TRUE;
  if (n_attached_out != NULL)
    *n_attached_out = n_attached;
  return TRUE;
}

gboolean
_shmipc_channel_scan_readers (ShmipcChannel  *channel,
                              GError        **error)
{
  return scan_readers (channel, TRUE, FALSE, NULL, error);
}

/* Producer: is there free space (READY) or not (WAIT)? Under the drop
 * policy the scan cuts off the readers that have held the ring full for
 * longer than the grace (see "Drop"). */
static int
producer_poll (ShmipcChannel  *channel,
               gboolean        check_alive,
               GError        **error)
{
  ShmipcChannelState state;

  if (!_shmipc_channel_check_state (channel, &state, error))
    return POLL_ERROR;
  if (state != SHMIPC_CHANNEL_STATE_OPEN)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (end of stream set by another process)",
                   _shmipc_channel_name (channel));
      return POLL_ERROR;
    }
  /* The lazy scan (see "Pace"): plenty of room by the last scan. */
  if (!check_alive && channel->scanned &&
      channel->pos - channel->peer_pos <= channel->capacity - channel->capacity / 4 &&
      __atomic_load_n (&channel->header->departures, __ATOMIC_ACQUIRE) == channel->departures)
    return POLL_READY;
  if (!scan_readers (channel, check_alive, TRUE, NULL, error))
    return POLL_ERROR;
  if (channel->pos - channel->peer_pos < channel->capacity)
    return POLL_READY;
  return POLL_WAIT;
}

/* Producer, drop policy: microseconds until the grace of the first
 * reader holding the ring full ends (G_MAXINT64 when none holds it). */
static gint64
grace_left (ShmipcChannel *channel,
            gint64         now)
{
  if (channel->role != SHMIPC_CHANNEL_PRODUCER || channel->grace_end == 0)
    return G_MAXINT64;
  return MAX (channel->grace_end - now, 0);
}

static int
channel_poll (ShmipcChannel  *channel,
              gboolean        check_alive,
              GError        **error)
{
  return channel->role == SHMIPC_CHANNEL_PRODUCER ?
         producer_poll (channel, check_alive, error) : reader_poll (channel, error);
}

/* Reader: checks that the producer, if one has attached, still runs. */
gboolean
_shmipc_channel_peer_alive (ShmipcChannel *channel,
                            gint32        *pid_out)
{
  guint64 owner = __atomic_load_n (&channel->header->producer, __ATOMIC_ACQUIRE);

  *pid_out = OWNER_PID (owner);
  /* 0: not arrived yet, or left after writing the final state. */
  return owner == 0 || _shmipc_owner_alive (owner);
}

/* Whether the other side is still there: for a reader, the producer; for
 * the producer, at least one reader (dead ones are detached here). FALSE
 * with PEER_DIED otherwise. */
gboolean
_shmipc_channel_check_peers (ShmipcChannel  *channel,
                             GError        **error)
{
  gint32 peer_pid;

  if (channel->role == SHMIPC_CHANNEL_PRODUCER)
    return scan_readers (channel, TRUE, FALSE, NULL, error);
  if (_shmipc_channel_peer_alive (channel, &peer_pid))
    return TRUE;
  g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_PEER_DIED,
               "Channel \"%s\": the producer (pid %d) died",
               _shmipc_channel_name (channel), (int) peer_pid);
  return FALSE;
}

/* Announcing that we may sleep, and taking it back. */
static void
announce_sleep (ShmipcChannel *channel,
                gboolean       sleeping)
{
  ChannelHeader *h = channel->header;

  if (channel->role == SHMIPC_CHANNEL_PRODUCER)
    __atomic_store_n (&h->producer_sleeping, sleeping ? 1 : 0, __ATOMIC_RELAXED);
  else if (sleeping)
    __atomic_fetch_or (&h->reader_sleepers, 1u << channel->slot, __ATOMIC_RELAXED);
  else
    __atomic_fetch_and (&h->reader_sleepers, ~(1u << channel->slot), __ATOMIC_RELAXED);
}

/* Records in the header the CPU we run on (1 + its number; 0 stays
 * "unknown"), for the other side's choice of how to wait; returns it.
 * sched_getcpu() is a vDSO call; the store is to our own cache line. */
guint32
_shmipc_channel_note_cpu (ShmipcChannel *channel)
{
  int cpu = sched_getcpu ();
  guint32 mine = cpu >= 0 ? (guint32) cpu + 1 : 0;
  guint32 *slot = channel->role == SHMIPC_CHANNEL_PRODUCER ?
                  &channel->header->producer_cpu : &channel->header->readers[channel->slot].cpu;

  if (__atomic_load_n (slot, __ATOMIC_RELAXED) != mine)
    __atomic_store_n (slot, mine, __ATOMIC_RELAXED);
  return mine;
}

/* How a wait begins, before the futex sleep (see "Waiting"). */
typedef enum {
  BEGIN_SLEEP,   /* nothing to gain: sleep at once */
  BEGIN_SPIN,    /* the other side runs on another CPU: spin */
  BEGIN_YIELD    /* it shares our CPU and is runnable: hand the CPU over */
} WaitBegin;

/* Handing our CPU over to a side that shares it: at most this many times
 * before sleeping. */
#define YIELD_ROUNDS 16

/* Whether a reader other than us, attached and not asleep, last waited
 * on our CPU @mine: we share the CPU with it, and our spin would keep it
 * from running (two readers of a busy producer on one CPU, say). The
 * slots of absent readers are lines nobody writes: cached, cheap. */
static gboolean
reader_shares_cpu (ShmipcChannel *channel,
                   guint32        mine)
{
  ChannelHeader *h = channel->header;
  guint32 sleepers = __atomic_load_n (&h->reader_sleepers, __ATOMIC_RELAXED);
  guint i;

  for (i = 0; i < channel->max_readers; i++)
    {
      guint64 owner;

      if ((channel->role == SHMIPC_CHANNEL_CONSUMER && i == channel->slot) ||
          (sleepers & (1u << i)) != 0 ||
          __atomic_load_n (&h->readers[i].cpu, __ATOMIC_RELAXED) != mine)
        continue;
      owner = __atomic_load_n (&h->readers[i].owner, __ATOMIC_RELAXED);
      if (owner != 0 && (owner & OWNER_FLAGS) == 0)
        return TRUE;
    }
  return FALSE;
}

/* Records the CPU we wait on (1 + its number; 0 stays "unknown"), and
 * chooses how to begin the wait. Spinning pays only while the side we
 * wait for runs on another CPU: not when we may run on one CPU only, not
 * while that side sleeps (it is not running), not when it last waited on
 * our CPU (it cannot run while we spin; yielding lets it run at once).
 * The producer waits for the slowest reader its last scan found. */
static WaitBegin
wait_begin (ShmipcChannel *channel)
{
  ChannelHeader *h = channel->header;
  guint32 mine = _shmipc_channel_note_cpu (channel);
  guint32 theirs;
  gboolean sleeping;

  if (channel->role == SHMIPC_CHANNEL_PRODUCER)
    {
      if (channel->slowest < 0)
        return BEGIN_SLEEP;   /* waiting for a first reader: it may be long */
      theirs = __atomic_load_n (&h->readers[channel->slowest].cpu, __ATOMIC_RELAXED);
      sleeping = (__atomic_load_n (&h->reader_sleepers, __ATOMIC_RELAXED) &
                  (1u << channel->slowest)) != 0;
    }
  else
    {
      theirs = __atomic_load_n (&h->producer_cpu, __ATOMIC_RELAXED);
      sleeping = __atomic_load_n (&h->producer_sleeping, __ATOMIC_RELAXED) != 0;
    }
  if (sleeping)
    return BEGIN_SLEEP;
  if (mine != 0 && theirs == mine)
    return BEGIN_YIELD;
  /* Pinned to one CPU: our spin would keep a side whose CPU we do not
   * know from running, if it shares ours. */
  if (channel->one_cpu && (mine == 0 || theirs == 0))
    return BEGIN_SLEEP;
  if (channel->spin_ns == 0)
    return BEGIN_SLEEP;
  /* Another reader waits on our CPU: hand it the CPU rather than spin. */
  if (mine != 0 && reader_shares_cpu (channel, mine))
    return BEGIN_YIELD;
  return BEGIN_SPIN;
}

/* Waits until channel_poll() is no longer WAIT. */
static int
channel_wait (ShmipcChannel  *channel,
              gint            timeout_ms,
              GError        **error)
{
  ChannelHeader *h = channel->header;
  guint32 *word;
  gint64 deadline;
  gint64 start;
  int result;

  result = channel_poll (channel, FALSE, error);
  if (result != POLL_WAIT)
    return result;

  start = g_get_monotonic_time ();
  deadline = timeout_ms < 0 ? G_MAXINT64 : start + (gint64) timeout_ms * 1000;

  /* Before sleeping (see "Waiting"): a side on another CPU usually
   * answers within microseconds, far less than the cost of sleeping and
   * being woken (tens of microseconds across virtual CPUs), so spin a
   * while, yielding now and then in case it shares our CPU after all. A
   * side that shares our CPU can only answer once we let it run: yield to
   * it a few times, which costs one system call each and no wake-up. */
  switch (timeout_ms != 0 ? wait_begin (channel) : BEGIN_SLEEP)
    {
    case BEGIN_SPIN:
      {
        /* A reader also keeps fetching the line of the ring where the
         * next bytes will land: the producer writes them, then its
         * position, and both lines then come over at once rather than
         * one after the other (a prefetch never faults). */
        const guint8 *next = channel->role == SHMIPC_CHANNEL_CONSUMER ?
                             channel->ring + channel->pos % channel->capacity : NULL;
        gint64 spin_end = start + channel->spin_ns / 1000;
        guint round = 0;

        for (;;)
          {
            if (next != NULL)
              __builtin_prefetch (next);
            cpu_relax ();
            result = channel_poll (channel, FALSE, error);
            if (result != POLL_WAIT)
              {
                /* It paid: allow longer spins, up to the maximum. */
                channel->spin_ns = MIN (channel->spin_ns * 2, SPIN_MAX_NS);
                return result;
              }
            /* The clock (and a yield, in case the other side shares our
             * CPU after all) only now and then: each look at the ring
             * should follow the last one closely. */
            if (++round % 16 == 0)
              {
                if (g_get_monotonic_time () >= spin_end)
                  break;
                if (round % 256 == 0)
                  sched_yield ();
              }
          }
        /* It did not: spin shorter next time. */
        channel->spin_ns = MAX (channel->spin_ns / 2, SPIN_MIN_NS);
      }
      break;
    case BEGIN_YIELD:
      {
        guint round;

        for (round = 0; round < YIELD_ROUNDS; round++)
          {
            sched_yield ();
            result = channel_poll (channel, FALSE, error);
            if (result != POLL_WAIT)
              return result;
          }
      }
      break;
    case BEGIN_SLEEP:
      break;
    }

  word = channel->role == SHMIPC_CHANNEL_PRODUCER ? &h->producer_wake : &h->readers_wake;
  for (;;)
    {
      guint32 seq;
      gint64 now;

      /* Read the word before announcing the sleep: any wake after this
       * point changes it, so futex_wait() then returns at once. */
      seq = __atomic_load_n (word, __ATOMIC_ACQUIRE);
      announce_sleep (channel, TRUE);
      /* Dekker, the sleeper's half (see _shmipc_channel_wake_readers()). */
      full_fence ();
      result = channel_poll (channel, FALSE, error);
      if (result != POLL_WAIT)
        {
          announce_sleep (channel, FALSE);
          return result;
        }

      now = g_get_monotonic_time ();
      if (now >= deadline)
        {
          announce_sleep (channel, FALSE);
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TIMED_OUT,
                       "Channel \"%s\": timed out after %d ms waiting for the %s",
                       _shmipc_channel_name (channel), timeout_ms, _shmipc_channel_peer_role_name (channel));
          return POLL_ERROR;
        }
      _shmipc_futex_wait (word, seq, MIN (MIN (deadline - now, LIVENESS_INTERVAL_US),
                                          grace_left (channel, now)));
      announce_sleep (channel, FALSE);

      /* Now and then, with the liveness checks: the producer detaches
       * dead readers here (which may free the room it waits for). */
      result = channel_poll (channel, TRUE, error);
      if (result != POLL_WAIT)
        return result;

      if (channel->role == SHMIPC_CHANNEL_CONSUMER && !_shmipc_channel_check_peers (channel, error))
        {
          GError *dead = NULL;

          /* The reader first gets every byte the producer committed:
           * a dead process's stores are all visible by now. */
          result = channel_poll (channel, FALSE, &dead);
          if (result != POLL_WAIT)
            {
              g_clear_error (error);
              if (dead != NULL)
                g_propagate_error (error, dead);
              return result;
            }
          return POLL_ERROR;
        }
    }
}

gboolean
_shmipc_channel_check_role (ShmipcChannel     *channel,
                            ShmipcChannelRole  role,
                            const gchar       *what,
                            GError           **error)
{
  if (channel->role != role)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Channel \"%s\": %s needs the %s end",
                   _shmipc_channel_name (channel), what, shmipc_channel_role_to_string (role));
      return FALSE;
    }
  if (channel->left)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Channel \"%s\": %s after leaving the channel",
                   _shmipc_channel_name (channel), what);
      return FALSE;
    }
  if (role == SHMIPC_CHANNEL_PRODUCER && channel->finished)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Channel \"%s\": %s after the end of the stream",
                   _shmipc_channel_name (channel), what);
      return FALSE;
    }
  if (channel->overrun)
    {
      /* Sticky: the stream has a hole from here on. */
      set_overrun_error (channel, 0, error);
      return FALSE;
    }
  return TRUE;
}

/* Ends a reservation (producer) or a peek (reader): moves our position
 * past the first @length of the @channel->held bytes handed out, publishes
 * it and wakes the other side if it sleeps. @what and @held_what word the
 * error ("commit of" ... "reserved"). A reader under the drop policy first
 * checks that the producer did not claim those bytes' room meanwhile. */
static gboolean
release_held (ShmipcChannel  *channel,
              gsize           length,
              const gchar    *what,
              const gchar    *held_what,
              GError        **error)
{
  guint64 *published = channel->role == SHMIPC_CHANNEL_PRODUCER ?
                       &channel->header->write_pos :
                       &channel->header->readers[channel->slot].read_pos;
  guint64 claim;

  if (length > channel->held)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Channel \"%s\": %s %" G_GSIZE_FORMAT " bytes exceeds the %"
                   G_GSIZE_FORMAT " %s", _shmipc_channel_name (channel), what, length,
                   channel->held, held_what);
      return FALSE;
    }
  channel->held = 0;
  if (length == 0)
    return TRUE;
  if (channel->role == SHMIPC_CHANNEL_CONSUMER && overwritten (channel, channel->pos, &claim))
    {
      set_overrun_error (channel, MAX (claim, __atomic_load_n (&channel->header->write_pos,
                                                               __ATOMIC_RELAXED)), error);
      return FALSE;
    }
  channel->pos += length;
  /* A side that never waits still tells where it runs, now and then. */
  if (++channel->releases % 64 == 0)
    _shmipc_channel_note_cpu (channel);
  /* Release: the producer's bytes are in the ring, and the reader is
   * done reading its bytes, before the others see the new position. */
  __atomic_store_n (published, channel->pos, __ATOMIC_RELEASE);
  _shmipc_channel_wake_peer (channel);
  return TRUE;
}

static gboolean reserve_space (ShmipcChannel *channel, gpointer *data_out,
                               gsize *length_out, gint timeout_ms, GError **error);

/**
 * shmipc_channel_reserve: (skip)
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
 * With the `wait` policy the free space is what every attached reader
 * has read; before the first reader comes to the stream, the producer
 * keeps every byte for it. With the `drop` policy the same, but a reader
 * that has held the ring full for longer than the channel's grace (see
 * shmipc_channel_open_full()) is cut off (it gets
 * %SHMIPC_ERROR_OVERRUN), and its room is handed out.
 *
 * Errors: %SHMIPC_ERROR_TIMED_OUT, %SHMIPC_ERROR_PEER_DIED (every reader
 * of the stream died or left, or a reader aborted the stream),
 * %SHMIPC_ERROR_CORRUPT, %SHMIPC_ERROR_FAILED after
 * shmipc_channel_abort(). A reader that dies or leaves while others
 * remain is not an error: see shmipc_channel_get_lost_readers().
 *
 * Returns: %TRUE on success.
 *
 * Since: 0.2
 */
gboolean
_shmipc_channel_reserve (ShmipcChannel  *channel,
                         gpointer       *data_out,
                         gsize          *length_out,
                         gint            timeout_ms,
                         GError        **error)
{
  g_return_val_if_fail (channel != NULL, FALSE);
  g_return_val_if_fail (data_out != NULL && length_out != NULL, FALSE);

  channel->held = 0;
  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_PRODUCER, "reserve", error))
    return FALSE;
  return reserve_space (channel, data_out, length_out, timeout_ms, error);
}

/* shmipc_channel_reserve() once the role is checked; channel->held is 0. */
static gboolean
reserve_space (ShmipcChannel  *channel,
               gpointer       *data_out,
               gsize          *length_out,
               gint            timeout_ms,
               GError        **error)
{
  guint64 offset;
  guint64 space;

  if (channel_wait (channel, timeout_ms, error) < 0)
    return FALSE;

  /* Both values come from our own memory, checked in scan_readers(). */
  space = channel->capacity - MIN (channel->pos - channel->peer_pos, channel->capacity);
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
 *
 * Since: 0.2
 */
gboolean
_shmipc_channel_commit (ShmipcChannel  *channel,
                        gsize           length,
                        GError        **error)
{
  g_return_val_if_fail (channel != NULL, FALSE);

  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_PRODUCER, "commit", error))
    return FALSE;
  return release_held (channel, length, "commit of", "reserved", error);
}

/* channel_write() publishes a long write in steps of this many bytes:
 * the reader on another CPU copies each step out while the producer
 * writes the next, and finds its lines still in the producer's cache
 * (a whole 1 MiB write at a time left both waiting for each other and
 * the lines evicted: half the throughput on a 2-CPU EPYC guest, see
 * bench/README.md). */
#define WRITE_STEP (64 * 1024)

/**
 * shmipc_channel_write:
 * @channel: the producer end of a channel
 * @data: (array length=length) (element-type guint8): bytes to write
 * @length: how many
 * @timeout_ms: longest wait for free space, each time the ring is full,
 *   in milliseconds; -1 waits for ever
 * @error: return location for a #GError, or %NULL
 *
 * Writes all of @data, waiting for the consumer to make room as needed.
 * On error, a prefix of @data may have been written.
 *
 * Returns: %TRUE when every byte was written.
 *
 * Since: 0.2
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

  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_PRODUCER, "write", error))
    return FALSE;
  while (length > 0)
    {
      gpointer dest;
      gsize space;
      gsize n;

      channel->held = 0;
      if (!reserve_space (channel, &dest, &space, timeout_ms, error))
        return FALSE;
      n = MIN (MIN (space, length), WRITE_STEP);
      memcpy (dest, p, n);
      if (!release_held (channel, n, "commit of", "reserved", error))
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
 * Marks the end of the stream: every reader reads what is left, then
 * gets end-of-stream. An uncommitted reservation is dropped.
 *
 * Returns: %TRUE on success; %SHMIPC_ERROR_PEER_DIED when a reader has
 * aborted the stream, or every reader of it has died or left (the
 * stream is then not ended: it is aborted when the channel is freed,
 * rather than left finished for readers that will never read it).
 *
 * Since: 0.2
 */
gboolean
_shmipc_channel_close_write (ShmipcChannel  *channel,
                             GError        **error)
{
  guint32 expected = SHMIPC_CHANNEL_STATE_OPEN;
  ShmipcChannelState state;

  g_return_val_if_fail (channel != NULL, FALSE);

  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_PRODUCER, "end of stream", error))
    return FALSE;
  channel->held = 0;
  /* Readers that attached and died (SIGKILL) while the rest of the
   * stream still fitted in the ring were never waited for, so never
   * noticed: detach them now, and fail as a write would when none is
   * left. (No reader yet: the stream waits for its first one.) */
  if (!_shmipc_channel_check_state (channel, &state, error) ||
      !_shmipc_channel_check_peers (channel, error))
    return FALSE;
  /* Release (in the seq_cst CAS): our last position store comes first. */
  if (!__atomic_compare_exchange_n (&channel->header->state, &expected,
                                    SHMIPC_CHANNEL_STATE_END_OF_STREAM, FALSE,
                                    __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
    {
      if (!_shmipc_channel_check_state (channel, &state, error))
        return FALSE;
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_CORRUPT,
                   "Channel \"%s\": corrupt header (end of stream set by another process)",
                   _shmipc_channel_name (channel));
      return FALSE;
    }
  channel->finished = TRUE;
  _shmipc_channel_wake_peer (channel);
  return TRUE;
}

/**
 * shmipc_channel_peek: (skip)
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
 * or aborted; %SHMIPC_ERROR_OVERRUN when, under the `drop` policy, the
 * producer cut this reader off for keeping it waiting longer than the
 * grace (every later call fails the same way); %SHMIPC_ERROR_CORRUPT;
 * %SHMIPC_ERROR_FAILED after shmipc_channel_abort().
 *
 * Under the `drop` policy the bytes shown may be overwritten while the
 * caller looks at them: shmipc_channel_consume() then fails with
 * %SHMIPC_ERROR_OVERRUN, and what was made of them must be thrown away.
 * shmipc_channel_read() and shmipc_channel_receive_fd() check before
 * they hand a byte on.
 *
 * Returns: %TRUE on success (including end-of-stream).
 *
 * Since: 0.2
 */
static gboolean peek_bytes (ShmipcChannel *channel, gconstpointer *data_out,
                            gsize *length_out, gint timeout_ms, GError **error);

gboolean
_shmipc_channel_peek (ShmipcChannel   *channel,
                      gconstpointer   *data_out,
                      gsize           *length_out,
                      gint             timeout_ms,
                      GError         **error)
{
  g_return_val_if_fail (channel != NULL, FALSE);
  g_return_val_if_fail (data_out != NULL && length_out != NULL, FALSE);

  channel->held = 0;
  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_CONSUMER, "peek", error))
    return FALSE;
  return peek_bytes (channel, data_out, length_out, timeout_ms, error);
}

/* shmipc_channel_peek() once the role is checked; channel->held is 0. */
static gboolean
peek_bytes (ShmipcChannel   *channel,
            gconstpointer   *data_out,
            gsize           *length_out,
            gint             timeout_ms,
            GError         **error)
{
  guint64 offset;
  guint64 avail;
  int result;

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
 * exceeds what was shown; %SHMIPC_ERROR_OVERRUN when, under the `drop`
 * policy, the producer overwrote them meanwhile.
 *
 * Since: 0.2
 */
gboolean
_shmipc_channel_consume (ShmipcChannel  *channel,
                         gsize           length,
                         GError        **error)
{
  g_return_val_if_fail (channel != NULL, FALSE);

  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_CONSUMER, "consume", error))
    return FALSE;
  return release_held (channel, length, "consuming", "shown", error);
}

/**
 * shmipc_channel_read:
 * @channel: the consumer end of a channel
 * @buffer: (out caller-allocates) (array length=length) (element-type guint8): where to copy
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
 *
 * Since: 0.2
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

  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_CONSUMER, "read", error))
    return -1;
  if (length == 0)
    return 0;
  /* At most two runs: up to the end of the ring, then from its start. */
  while (done < length)
    {
      gconstpointer src;
      gsize avail;
      gsize n;

      channel->held = 0;
      if (!peek_bytes (channel, &src, &avail, done == 0 ? timeout_ms : 0, error))
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
      /* Under the drop policy this checks that the copy is intact. */
      if (!release_held (channel, n, "consuming", "shown", error))
        {
          if (done == 0)
            return -1;
          g_clear_error (error);
          break;
        }
      done += n;
      if (channel->peer_pos == channel->pos)
        break;
    }
  return (gssize) done;
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

gssize
_shmipc_channel_run_call (Call              *call,
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

  c->result = _shmipc_channel_reserve (c->channel, c->pointer, c->length_out, c->timeout_ms, c->error);
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
  return _shmipc_channel_run_call (&call, call_reserve, FALSE);
}

static void
call_commit (gpointer data)
{
  Call *c = data;

  c->result = _shmipc_channel_commit (c->channel, c->length, c->error);
}

gboolean
shmipc_channel_commit (ShmipcChannel  *channel,
                       gsize           length,
                       GError        **error)
{
  Call call = { channel, NULL, NULL, length, 0, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return _shmipc_channel_run_call (&call, call_commit, FALSE);
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
  return _shmipc_channel_run_call (&call, call_write, FALSE);
}

static void
call_close_write (gpointer data)
{
  Call *c = data;

  c->result = _shmipc_channel_close_write (c->channel, c->error);
}

gboolean
shmipc_channel_close_write (ShmipcChannel  *channel,
                            GError        **error)
{
  Call call = { channel, NULL, NULL, 0, 0, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return _shmipc_channel_run_call (&call, call_close_write, FALSE);
}

static void
call_peek (gpointer data)
{
  Call *c = data;

  c->result = _shmipc_channel_peek (c->channel, c->pointer, c->length_out, c->timeout_ms, c->error);
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
  return _shmipc_channel_run_call (&call, call_peek, FALSE);
}

static void
call_consume (gpointer data)
{
  Call *c = data;

  c->result = _shmipc_channel_consume (c->channel, c->length, c->error);
}

gboolean
shmipc_channel_consume (ShmipcChannel  *channel,
                        gsize           length,
                        GError        **error)
{
  Call call = { channel, NULL, NULL, length, 0, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return _shmipc_channel_run_call (&call, call_consume, FALSE);
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
  return _shmipc_channel_run_call (&call, call_read, -1);
}

/* Async-signal-safe: atomic stores and the futex system call. */
static void
abort_header (gpointer data)
{
  ShmipcChannel *channel = data;

  /* A reader's abort ends its own part only: it leaves (as a lost reader)
   * when the handle is freed, and the others go on. */
  if (channel->role == SHMIPC_CHANNEL_PRODUCER)
    __atomic_store_n (&channel->header->state, SHMIPC_CHANNEL_STATE_ABORTED, __ATOMIC_SEQ_CST);
  /* Wake every sleeper unconditionally (our own wait included): this
   * path is rare. */
  _shmipc_futex_wake (&channel->header->readers_wake);
  _shmipc_futex_wake (&channel->header->producer_wake);
}

/**
 * shmipc_channel_abort:
 * @channel: a #ShmipcChannel
 *
 * Aborts: calls blocked on @channel in this process return
 * %SHMIPC_ERROR_FAILED at once. On the producer end, the stream's state
 * becomes aborted, and every reader gets %SHMIPC_ERROR_PEER_DIED. On a
 * reader, only this reader stops: when the handle is freed it leaves,
 * and the producer counts it as lost and goes on for the others.
 * Async-signal-safe (atomic stores and the futex system call only): a
 * SIGINT or SIGTERM handler may call it on a channel it can reach, then
 * the interrupted command cleans up (see shmipc_channel_leave()).
 *
 * Since: 0.2
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
 *
 * Since: 0.2
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
 * The size of the channel's ring.
 *
 * Returns: the ring size in bytes.
 *
 * Since: 0.2
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
 * Which end of the channel @channel is.
 *
 * Returns: the end @channel was opened as.
 *
 * Since: 0.2
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
 * The segment that holds the channel.
 *
 * Returns: (transfer none): the segment holding the channel, for its
 * name, backend or metadata.
 *
 * Since: 0.2
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
 * Whether opening @channel created the channel object.
 *
 * Returns: %TRUE when opening @channel created the object.
 *
 * Since: 0.2
 */
gboolean
shmipc_channel_get_created (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, FALSE);
  return shmipc_segment_get_created (channel->segment);
}

/**
 * shmipc_channel_get_policy:
 * @channel: a #ShmipcChannel
 *
 * What the producer of @channel does about a slow reader: fixed when the
 * channel was created, whatever the opener of @channel asked for.
 *
 * Returns: the channel's #ShmipcChannelPolicy.
 *
 * Since: 0.2
 */
ShmipcChannelPolicy
shmipc_channel_get_policy (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, SHMIPC_CHANNEL_POLICY_WAIT);
  return channel->policy;
}

/**
 * shmipc_channel_get_drop_grace:
 * @channel: a #ShmipcChannel
 *
 * With the `drop` policy, how long a reader may keep the producer
 * waiting, without making room, before the producer cuts it off: fixed
 * when the channel was created (see shmipc_channel_open_full()).
 *
 * Returns: the grace in milliseconds; 0 with the `wait` policy, or for a
 * `drop` channel that cuts at once.
 *
 * Since: 0.2
 */
guint
shmipc_channel_get_drop_grace (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return channel->policy == SHMIPC_CHANNEL_POLICY_DROP ? channel->drop_grace_ms : 0;
}

/**
 * shmipc_channel_get_n_cut_readers:
 * @channel: the producer end of a channel
 *
 * How many readers the producer has cut off so far under the `drop`
 * policy: each kept the producer waiting, without making room, for
 * longer than the channel's grace (see shmipc_channel_get_drop_grace()),
 * and gets %SHMIPC_ERROR_OVERRUN once it has read every byte it still
 * could intact. A reader cut off is not lost (see
 * shmipc_channel_get_lost_readers()). shmipc_channel_get_cut_reader()
 * gives each.
 *
 * Returns: the number of readers cut off, 0 for a reader end.
 *
 * Since: 0.2
 */
guint
shmipc_channel_get_n_cut_readers (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return channel->cut != NULL ? channel->cut->len : 0;
}

/**
 * shmipc_channel_get_cut_reader:
 * @channel: the producer end of a channel
 * @index: 0 to shmipc_channel_get_n_cut_readers() - 1, in the order the
 *   producer cut them off
 *
 * One reader the producer cut off, as it was then: its slot, pid, state
 * %SHMIPC_CHANNEL_READER_OVERRUN, position, and lag (how far behind the
 * producer it was).
 *
 * Returns: (transfer none) (nullable): the reader, valid until @channel
 * is freed; %NULL when @index is out of range.
 *
 * Since: 0.2
 */
const ShmipcChannelReaderInfo *
shmipc_channel_get_cut_reader (ShmipcChannel *channel,
                               guint          index)
{
  g_return_val_if_fail (channel != NULL, NULL);

  if (channel->cut == NULL || index >= channel->cut->len)
    return NULL;
  return &g_array_index (channel->cut, ShmipcChannelReaderInfo, index);
}

/**
 * shmipc_channel_get_max_readers:
 * @channel: a #ShmipcChannel
 *
 * How many readers @channel can have at once: fixed when the channel was
 * created.
 *
 * Returns: the reader limit, 1 to %SHMIPC_CHANNEL_MAX_READERS.
 *
 * Since: 0.2
 */
guint
shmipc_channel_get_max_readers (ShmipcChannel *channel)
{
  g_return_val_if_fail (channel != NULL, 0);
  return channel->max_readers;
}

/**
 * shmipc_channel_get_lost_readers:
 * @channel: the producer end of a channel
 * @n_lost: (out): where to store how many readers were lost
 *
 * The readers the producer has lost so far: readers that died, or left
 * (freed their handle, or called shmipc_channel_leave()) before reading
 * the end of the stream, in the order the producer noticed them. A dead
 * reader is noticed within a second while the producer waits for room,
 * or waits for input in shmipc_channel_send_fd(), and at
 * shmipc_channel_close_write() at the latest. Readers cut off under the
 * `drop` policy are not lost: they fell behind.
 *
 * Returns: (array length=n_lost) (transfer full) (nullable): the pids of
 * the lost readers, %NULL when there are none; free with g_free().
 *
 * Since: 0.2
 */
gint32 *
shmipc_channel_get_lost_readers (ShmipcChannel *channel,
                                 guint         *n_lost)
{
  g_return_val_if_fail (channel != NULL, NULL);
  g_return_val_if_fail (n_lost != NULL, NULL);

  *n_lost = channel->lost != NULL ? channel->lost->len : 0;
  if (*n_lost == 0)
    return NULL;
  return g_memdup2 (channel->lost->data, sizeof (gint32) * *n_lost);
}

/* Counts the live readers attached (detaching dead ones) until there are
 * @n_readers, sleeping on producer_wake as channel_wait() does. */
static gboolean
wait_readers (ShmipcChannel  *channel,
              guint           n_readers,
              gint            timeout_ms,
              GError        **error)
{
  ChannelHeader *h = channel->header;
  gint64 deadline = timeout_ms < 0 ? G_MAXINT64 :
                    g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  if (!_shmipc_channel_check_role (channel, SHMIPC_CHANNEL_PRODUCER, "waiting for readers", error))
    return FALSE;
  if (n_readers > channel->max_readers)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_INVALID_ARGUMENT,
                   "Channel \"%s\": cannot wait for %u readers: it takes at most %u",
                   _shmipc_channel_name (channel), n_readers, channel->max_readers);
      return FALSE;
    }
  for (;;)
    {
      guint32 seq = __atomic_load_n (&h->producer_wake, __ATOMIC_ACQUIRE);
      GError *local = NULL;
      guint n = 0;
      gint64 now;
      int ready;

      __atomic_store_n (&h->producer_sleeping, 1, __ATOMIC_RELAXED);
      full_fence ();
      ready = producer_poll (channel, TRUE, &local);
      /* Readers that came and went before the stream started are lost,
       * which is not yet a reason to stop waiting for others. */
      if (ready == POLL_ERROR && g_error_matches (local, SHMIPC_ERROR, SHMIPC_ERROR_PEER_DIED) &&
          !__atomic_load_n (&channel->aborted, __ATOMIC_ACQUIRE) &&
          __atomic_load_n (&h->state, __ATOMIC_ACQUIRE) == SHMIPC_CHANNEL_STATE_OPEN)
        g_clear_error (&local);
      else if (ready == POLL_ERROR)
        {
          __atomic_store_n (&h->producer_sleeping, 0, __ATOMIC_RELAXED);
          g_propagate_error (error, local);
          return FALSE;
        }
      scan_readers (channel, FALSE, FALSE, &n, NULL);
      if (n >= n_readers)
        {
          __atomic_store_n (&h->producer_sleeping, 0, __ATOMIC_RELAXED);
          return TRUE;
        }
      now = g_get_monotonic_time ();
      if (now >= deadline)
        {
          __atomic_store_n (&h->producer_sleeping, 0, __ATOMIC_RELAXED);
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_TIMED_OUT,
                       "Channel \"%s\": timed out after %d ms waiting for %u readers (%u came)",
                       _shmipc_channel_name (channel), timeout_ms, n_readers, n);
          return FALSE;
        }
      _shmipc_futex_wait (&h->producer_wake, seq, MIN (deadline - now, LIVENESS_INTERVAL_US));
      __atomic_store_n (&h->producer_sleeping, 0, __ATOMIC_RELAXED);
    }
}

static void
call_wait_readers (gpointer data)
{
  Call *c = data;

  c->result = wait_readers (c->channel, (guint) c->length, c->timeout_ms, c->error);
}

/**
 * shmipc_channel_wait_readers:
 * @channel: the producer end of a channel
 * @n_readers: how many readers to wait for, at most the reader limit
 * @timeout_ms: longest wait in milliseconds; -1 waits for ever
 * @error: return location for a #GError, or %NULL
 *
 * Waits until at least @n_readers live readers are attached, so that
 * each of them reads the stream from its first byte when this is called
 * before the first write. (Without it, the first reader to come gets
 * the whole stream and the producer waits for it; a reader that comes
 * later starts where the stream then is.) Readers that die meanwhile do
 * not count, and are lost (shmipc_channel_get_lost_readers()).
 *
 * Returns: %TRUE once @n_readers readers are attached;
 * %SHMIPC_ERROR_TIMED_OUT, %SHMIPC_ERROR_INVALID_ARGUMENT,
 * %SHMIPC_ERROR_FAILED after shmipc_channel_abort().
 *
 * Since: 0.2
 */
gboolean
shmipc_channel_wait_readers (ShmipcChannel  *channel,
                             guint           n_readers,
                             gint            timeout_ms,
                             GError        **error)
{
  Call call = { channel, NULL, NULL, n_readers, timeout_ms, -1, NULL, error, 0 };

  g_return_val_if_fail (channel != NULL, FALSE);
  return _shmipc_channel_run_call (&call, call_wait_readers, FALSE);
}

/**
 * shmipc_channel_read_bytes:
 * @channel: the consumer end of a channel
 * @max_length: the most bytes to return, at least 1
 * @timeout_ms: longest wait for data in milliseconds; -1 waits for ever,
 *   0 does not wait
 * @error: return location for a #GError, or %NULL
 *
 * shmipc_channel_read() into new #GBytes: waits until at least one byte
 * is available, then returns as many as are there, up to @max_length.
 * The way for language bindings to read a stream.
 *
 * Returns: (transfer full): the bytes read, empty at the end of the
 * stream; %NULL on error (those of shmipc_channel_read()).
 *
 * Since: 0.2
 */
GBytes *
shmipc_channel_read_bytes (ShmipcChannel  *channel,
                           gsize           max_length,
                           gint            timeout_ms,
                           GError        **error)
{
  guint8 *buffer;
  gssize n;

  g_return_val_if_fail (channel != NULL, NULL);
  g_return_val_if_fail (max_length > 0, NULL);

  buffer = g_malloc (max_length);
  n = shmipc_channel_read (channel, buffer, max_length, timeout_ms, error);
  if (n < 0)
    {
      g_free (buffer);
      return NULL;
    }
  if ((gsize) n < max_length / 2)
    buffer = g_realloc (buffer, MAX (n, 1));
  return g_bytes_new_take (buffer, (gsize) n);
}

/**
 * shmipc_channel_write_bytes:
 * @channel: the producer end of a channel
 * @bytes: the bytes to send
 * @timeout_ms: longest wait for free space in milliseconds, at each
 *   wait; -1 waits for ever, 0 does not wait
 * @error: return location for a #GError, or %NULL
 *
 * shmipc_channel_write() of @bytes: copies all of them into the stream,
 * waiting for free space as often as needed. The way for language
 * bindings to write a stream.
 *
 * Returns: %TRUE when every byte was written; %FALSE with the errors of
 * shmipc_channel_write().
 *
 * Since: 0.2
 */
gboolean
shmipc_channel_write_bytes (ShmipcChannel  *channel,
                            GBytes         *bytes,
                            gint            timeout_ms,
                            GError        **error)
{
  gsize length = 0;
  gconstpointer data;

  g_return_val_if_fail (channel != NULL, FALSE);
  g_return_val_if_fail (bytes != NULL, FALSE);

  data = g_bytes_get_data (bytes, &length);
  return shmipc_channel_write (channel, data, length, timeout_ms, error);
}
