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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shmipc-channel-private.h"

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
                   _shmipc_channel_name (channel), r, w, channel->capacity);
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
      if (cur != 0 && _shmipc_owner_alive (cur))
        {
          if (cur & OWNER_RESET_BIT)
            return 0;   /* a producer is resetting the channel: soon free */
          g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                       "Channel \"%s\": the %s end is in use by process %d",
                       _shmipc_channel_name (channel),
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
  if (consumer != 0 && _shmipc_owner_alive (consumer))
    {
      if (consumer & OWNER_RESET_BIT)
        return 0;
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_BUSY,
                   "Channel \"%s\": the consumer (pid %d) is still reading the previous stream",
                   _shmipc_channel_name (channel), (int) OWNER_PID (consumer));
      return -1;
    }
  if (state == SHMIPC_CHANNEL_STATE_END_OF_STREAM && consumer == 0 && w != r)
    {
      g_set_error (error, SHMIPC_ERROR, SHMIPC_ERROR_EXISTS,
                   "Channel \"%s\" holds a finished stream (%" G_GUINT64_FORMAT
                   " bytes) that no consumer has read yet",
                   _shmipc_channel_name (channel), w - r);
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
      __atomic_store_n (&h->magic, _shmipc_channel_magic (), __ATOMIC_RELEASE);
    }

  if (!_shmipc_channel_validate_header (h, size, _shmipc_channel_name (channel), &channel->capacity, error))
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
                           _shmipc_channel_name (channel), shmipc_channel_role_to_string (role));
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

  me = _shmipc_owner_word (getpid (), start);
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
  channel->ref_count = 1;
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
        _shmipc_channel_wake_peer (channel);
    }
  release_slot (channel, 0);
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
 * Drops a reference on @channel; the last one leaves the channel and
 * unmaps it. A producer that has not called shmipc_channel_close_write(),
 * or a consumer that has not read the end of the stream, aborts the
 * stream, so that the peer fails at once rather than waiting. The object
 * itself stays (see shmipc_channel_unlink()).
 *
 * Since: 0.2
 */
void
shmipc_channel_unref (ShmipcChannel *channel)
{
  if (channel == NULL || !g_atomic_int_dec_and_test (&channel->ref_count))
    return;

  /* A truncated object is only unmapped. */
  if (channel->segment->broken == NULL)
    _shmipc_segment_guarded (channel->segment, leave_header, channel, NULL);
  shmipc_segment_unref (channel->segment);
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
